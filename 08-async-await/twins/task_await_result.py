# create_task and await: a task's result comes back to whoever awaits it;
# a coroutine awaited directly runs to its end, with no task.
import asyncio


async def double(x):
    await asyncio.sleep(0.01)
    print("double", x)
    return 2 * x


async def main():
    task = asyncio.create_task(double(21))  # runs from the next turn on
    print("created")
    print("task:", await task)
    print("coroutine:", await double(5))


asyncio.run(main())
