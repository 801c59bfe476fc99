# gather(a, b) where a is cancelled by someone else: the gather is not
# cancelled (main's cancelling() stays 0), but its awaiter gets the
# CancelledError. And gather(t, t): t once, its result twice.
import asyncio


async def child(name, ms, result):
    await asyncio.sleep(ms / 1000)
    return result


async def cancel_later(task):
    await asyncio.sleep(0.005)
    task.cancel()


async def main():
    a = asyncio.create_task(child("A", 1000, 1))
    b = asyncio.create_task(child("B", 1, 2))
    canceller = asyncio.create_task(cancel_later(a))
    try:
        print("gather:", await asyncio.gather(a, b))
    except asyncio.CancelledError:
        print("gather: cancelled")
    print("main cancelling:", asyncio.current_task().cancelling())
    await canceller
    t = asyncio.create_task(child("T", 1, 7))
    print("gather(t, t):", await asyncio.gather(t, t))


asyncio.run(main())
