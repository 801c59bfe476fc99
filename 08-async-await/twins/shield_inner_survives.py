# shield: cancelling the task that awaits a shielded task ends that await;
# the shielded task runs on to its end.
import asyncio


async def inner(go):
    await go.wait()
    print("inner done")
    return 5


async def outer(task):
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        print("outer cancelled")
        raise


async def main():
    go = asyncio.Event()
    i = asyncio.create_task(inner(go))
    o = asyncio.create_task(outer(i))
    await asyncio.sleep(0)  # o awaits the shield
    o.cancel()
    try:
        await o
    except asyncio.CancelledError:
        print("outer task: cancelled")
    go.set()
    print("inner:", await i)


asyncio.run(main())
