# A task that retries after each cancel: each cancel ends one await, once,
# and the retry waits as long as any other. Cancelled three times, it
# sleeps five times in all.
import asyncio


async def retrier():
    tries = done = 0
    while done < 2:
        tries += 1
        try:
            await asyncio.sleep(0.02)
            done += 1
        except asyncio.CancelledError:
            pass  # retry
    return tries


async def main():
    r = asyncio.create_task(retrier())
    for _ in range(3):
        await asyncio.sleep(0.001)
        r.cancel()
    print("tries:", await r)


asyncio.run(main())
