# A task that caught a cancel and carried on (its cancelling() stays 1)
# then opens a TaskGroup: its children run; only a cancel since the group
# was entered would stop them.
import asyncio


async def child(name):
    await asyncio.sleep(0.001)
    print(name, "done")


async def worker():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("caught, cancelling:", asyncio.current_task().cancelling())
    async with asyncio.TaskGroup() as tg:
        tg.create_task(child("A"))
        tg.create_task(child("B"))
    print("group done")
    return 2


async def main():
    w = asyncio.create_task(worker())
    await asyncio.sleep(0.01)
    w.cancel()
    print("worker:", await w)


asyncio.run(main())
