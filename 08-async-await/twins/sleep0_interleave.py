# sleep(0) yields to the loop once: tasks take turns at each sleep(0), in
# the order they were created.
import asyncio


async def worker(name):
    for i in range(3):
        print(name, i)
        await asyncio.sleep(0)


async def main():
    async with asyncio.TaskGroup() as tg:
        for name in "ABC":
            tg.create_task(worker(name))


asyncio.run(main())
