# asyncio.timeout(): when it expires, the await in progress is interrupted
# and the block is left; a block that ends in time is not touched.
import asyncio


async def main():
    try:
        async with asyncio.timeout(0.05) as cm:
            await asyncio.sleep(10)
            print("never")
    except TimeoutError:
        print("timeout, expired:", cm.expired())
    async with asyncio.timeout(1) as cm:
        await asyncio.sleep(0.01)
    print("in time, expired:", cm.expired())


asyncio.run(main())
