# TaskGroup: the block's end waits for every task of the group; then each
# task's result is there.
import asyncio


async def child(name, ms):
    await asyncio.sleep(ms / 1000)
    print(name, "done")
    return ms


async def main():
    async with asyncio.TaskGroup() as tg:
        a = tg.create_task(child("A", 30))
        b = tg.create_task(child("B", 10))
        print("block ends")
    print("results", a.result(), b.result())


asyncio.run(main())
