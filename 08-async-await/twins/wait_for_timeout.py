# wait_for, too late: the awaited task is cancelled, and waited for, before
# the awaiter gets its timeout.
import asyncio


async def work():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("work cancelled")
        raise


async def main():
    try:
        await asyncio.wait_for(work(), 0.05)
    except TimeoutError:
        print("timeout")


asyncio.run(main())
