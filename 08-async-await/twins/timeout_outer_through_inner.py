# An outer deadline fires through an inner scope: the CancelledError goes
# out through the inner block, which does not own it, to the outer one,
# which turns it into TimeoutError. The sleep after the inner block never
# runs, and the task's next await works.
import asyncio


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        async with asyncio.timeout(0.1) as outer:
            async with asyncio.timeout(1) as inner:
                await asyncio.sleep(10)
            await asyncio.sleep(2)
            print("slept 2 s")
    except TimeoutError:
        print("outer: TimeoutError")
    print("inner expired:", inner.expired(), "outer expired:", outer.expired())
    print("left the outer block within 1 s:", loop.time() - start < 1)
    await asyncio.sleep(0.01)
    print("next await: ok, cancelling:", asyncio.current_task().cancelling())


asyncio.run(main())
