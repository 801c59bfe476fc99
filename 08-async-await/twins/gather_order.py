# gather: the children run at once; their results come back in the order
# they were gathered, not the order they ended.
import asyncio


async def child(ms):
    await asyncio.sleep(ms / 1000)
    print("done", ms)
    return ms


async def main():
    results = await asyncio.gather(child(30), child(10), child(20))
    print("results", *results)


asyncio.run(main())
