# Two cancel() calls in one turn: one CancelledError, at the await the task
# is in; the cleanup await after it runs.
import asyncio


async def victim():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("victim: cancelled")
        await asyncio.sleep(0.01)  # cleanup
        print("victim: cleaned up")
        return 3


async def main():
    t = asyncio.create_task(victim())
    await asyncio.sleep(0.005)
    t.cancel()
    t.cancel()
    try:
        print("result:", await t)
    except asyncio.CancelledError:
        print("result: cancelled")
    print("cancelling:", t.cancelling())


asyncio.run(main())
