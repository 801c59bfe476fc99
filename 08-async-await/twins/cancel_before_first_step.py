# A task cancelled before its first step never runs; cancel() of a task
# that is done returns False.
import asyncio


async def body():
    print("body runs")
    return 1


async def main():
    t = asyncio.create_task(body())
    print("cancel:", t.cancel())
    try:
        await t
    except asyncio.CancelledError:
        print("task: cancelled")
    print("cancel when done:", t.cancel())


asyncio.run(main())
