# wait_for, in time: the result comes through.
import asyncio


async def work():
    await asyncio.sleep(0.01)
    return 7


async def main():
    print("result", await asyncio.wait_for(work(), 1))


asyncio.run(main())
