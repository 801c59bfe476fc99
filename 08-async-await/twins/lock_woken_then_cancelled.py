# A waiter woken by release() and cancelled in the same turn never enters:
# the cancel is thrown in where it resumes, and the lock goes to the next.
import asyncio


async def worker(name, lock):
    try:
        async with lock:
            print(name, "inside")
            await asyncio.sleep(0.001)
    except asyncio.CancelledError:
        print(name, "cancelled")


async def main():
    lock = asyncio.Lock()
    await lock.acquire()
    b = asyncio.create_task(worker("B", lock))
    c = asyncio.create_task(worker("C", lock))
    await asyncio.sleep(0)  # both wait on the lock
    lock.release()  # wakes B...
    b.cancel()  # ...which is cancelled before it runs
    await asyncio.gather(b, c)


asyncio.run(main())
