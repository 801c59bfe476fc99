# Departure: a cancel passed on by a scope's exit is delivered by the next
# await that reaches a future. In asyncio the exception skips every line
# after the inner block; in C, an await that completes without waiting (a
# free lock) runs, and the next one that waits ends with the cancel.
import asyncio


async def main():
    lock = asyncio.Lock()
    try:
        async with asyncio.timeout(0.01) as outer:
            async with asyncio.timeout(1):
                await asyncio.sleep(1)
            async with lock:
                print("lock taken")
                await asyncio.sleep(1)
            print("slept")
    except TimeoutError:
        print("outer: TimeoutError")
    print("outer expired:", outer.expired(), "lock held:", lock.locked())


asyncio.run(main())
