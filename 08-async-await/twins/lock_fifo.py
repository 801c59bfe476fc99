# Lock: handed over in the order asked, one task inside at a time; a task
# that asks while the lock changes hands goes after those already waiting.
import asyncio

inside = most = 0


async def user(name, lock):
    global inside, most
    async with lock:
        inside += 1
        most = max(most, inside)
        print(name, "in")
        await asyncio.sleep(0.001)
        print(name, "out")
        inside -= 1


async def main():
    lock = asyncio.Lock()
    async with asyncio.TaskGroup() as tg:
        await lock.acquire()
        for name in "ABC":
            tg.create_task(user(name, lock))
        await asyncio.sleep(0.01)  # A, B and C wait, in that order
        lock.release()
        tg.create_task(user("D", lock))
    print("at most", most, "inside")


asyncio.run(main())
