# TaskGroup with a failing child: the failure cancels the siblings still
# running and the block's own await; the group raises it.
import asyncio
import errno


async def child(name, ms, fails=False):
    try:
        await asyncio.sleep(ms / 1000)
    except asyncio.CancelledError:
        print(name, "cancelled")
        raise
    if fails:
        print(name, "fails")
        raise OSError(errno.EIO, "failed")
    print(name, "done")


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child("A", 5, fails=True))
            tg.create_task(child("B", 1000))
            tg.create_task(child("C", 1))
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print("block cancelled")
                raise
    except* OSError as eg:
        print("group:", *(errno.errorcode[e.errno] for e in eg.exceptions))


asyncio.run(main())
