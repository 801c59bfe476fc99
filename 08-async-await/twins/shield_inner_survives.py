# shield: cancelling the task that awaits a shielded task ends that await;
# the shielded task runs on to its end.
import asyncio


async def inner():
    await asyncio.sleep(0.03)
    print("inner done")
    return 5


async def outer(task):
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        print("outer cancelled")
        raise


async def main():
    i = asyncio.create_task(inner())
    o = asyncio.create_task(outer(i))
    await asyncio.sleep(0.005)
    o.cancel()
    try:
        await o
    except asyncio.CancelledError:
        print("outer task: cancelled")
    print("inner:", await i)


asyncio.run(main())
