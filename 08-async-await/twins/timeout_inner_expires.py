# An inner timeout that expires ends only the inner block; the outer one
# still fires on time, through the sleep after it.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(0.3) as outer:
            try:
                async with asyncio.timeout(0.02) as inner:
                    await asyncio.sleep(1)
            except TimeoutError:
                print("inner: TimeoutError")
            await asyncio.sleep(1)
            print("slept 1 s")
    except TimeoutError:
        print("outer: TimeoutError")
    print("inner expired:", inner.expired(), "outer expired:", outer.expired())
    print("outer fired after 0.3 s, within 1 s:", 0.29 < loop.time() - start < 1)


asyncio.run(main())
