# Event: set() wakes every waiter, in the order they began to wait; wait()
# on an event already set does not wait.
import asyncio


async def waiter(name, event):
    print(name, "waits")
    await event.wait()
    print(name, "woke")


async def main():
    event = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        for name in "ABC":
            tg.create_task(waiter(name, event))
        await asyncio.sleep(0.01)
        print("set")
        event.set()
    await event.wait()
    print("set already")


asyncio.run(main())
