# A task cancelled from outside while in a TaskGroup: the group cancels its
# children, and the CancelledError comes out of the block: the task ends
# cancelled, and the line after the block never runs.
import asyncio


async def child(name):
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print(name, "cancelled")
        raise


async def worker():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(child("A"))
        await asyncio.sleep(1)
    return 1


async def main():
    w = asyncio.create_task(worker())
    await asyncio.sleep(0.01)
    w.cancel()
    try:
        print("worker:", await w)
    except asyncio.CancelledError:
        print("worker: cancelled")


asyncio.run(main())
