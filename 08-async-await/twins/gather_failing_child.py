# gather with a failing child: the awaiter gets the first error.
import asyncio
import errno


async def child(name, ms, fails=False):
    await asyncio.sleep(ms / 1000)
    if fails:
        print(name, "fails")
        raise OSError(errno.EIO, "failed")
    print(name, "done")
    return ms


async def main():
    tasks = [asyncio.create_task(child("A", 50)),
             asyncio.create_task(child("B", 5, fails=True)),
             asyncio.create_task(child("C", 100))]
    try:
        await asyncio.gather(*tasks)
    except OSError as e:
        print("gather:", errno.errorcode[e.errno])
    for name, task in zip("ABC", tasks):
        try:
            print(name, "->", await task)
        except asyncio.CancelledError:
            print(name, "-> cancelled")
        except OSError as e:
            print(name, "->", errno.errorcode[e.errno])


asyncio.run(main())
