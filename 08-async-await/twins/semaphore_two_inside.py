# Semaphore(2): at most two tasks inside at once; the others go in, in the
# order they asked, as places are given back.
import asyncio

inside = most = 0


async def user(name, sem):
    global inside, most
    async with sem:
        inside += 1
        most = max(most, inside)
        print(name, "in")
        await asyncio.sleep(0.002)
        inside -= 1


async def main():
    sem = asyncio.Semaphore(2)
    async with asyncio.TaskGroup() as tg:
        for name in "ABCDE":
            tg.create_task(user(name, sem))
    print("at most", most, "inside")


asyncio.run(main())
