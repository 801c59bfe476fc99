# wait_for() cancelled from outside: the CancelledError reaches the
# caller's except, whose cleanup awaits work; the task ends cancelled.
import asyncio


async def slow():
    await asyncio.sleep(1)
    return 1


async def waiter():
    try:
        await asyncio.wait_for(slow(), 0.5)
    except asyncio.CancelledError:
        print("wait_for: cancelled")
        await asyncio.sleep(0.005)  # cleanup
        print("cleanup: done")
        raise


async def main():
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0.005)
    w.cancel()
    try:
        await w
    except asyncio.CancelledError:
        print("waiter: cancelled")


asyncio.run(main())
