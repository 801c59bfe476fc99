# A Queue between a producer and a consumer: items come out in order, and
# put() waits while the queue is full.
import asyncio


async def producer(queue):
    for i in range(1, 6):
        await queue.put(i)
        print("put", i)


async def consumer(queue):
    await asyncio.sleep(0.01)  # meanwhile the producer fills the queue, and waits
    for _ in range(5):
        print("get", await queue.get())


async def main():
    queue = asyncio.Queue(maxsize=2)
    async with asyncio.TaskGroup() as tg:
        tg.create_task(producer(queue))
        tg.create_task(consumer(queue))


asyncio.run(main())
