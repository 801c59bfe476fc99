# Items put while two consumers wait, and the first consumer cancelled in
# the same turn: it takes nothing, and nothing is lost. Twice: taking each
# item at once, then processing each for 5 ms before keeping it.
import asyncio


async def consumer(name, q, took, ms):
    while True:
        item = await q.get()
        if ms:
            await asyncio.sleep(ms / 1000)  # processing
        took.append(item)


async def round(ms):
    q = asyncio.Queue(maxsize=4)
    took1, took2 = [], []
    c1 = asyncio.create_task(consumer("C1", q, took1, ms))
    c2 = asyncio.create_task(consumer("C2", q, took2, ms))
    await asyncio.sleep(0)  # both wait on the queue
    for item in (1, 2, 3):
        q.put_nowait(item)
    c1.cancel()
    await asyncio.sleep(0.05)
    c2.cancel()
    await asyncio.gather(c1, c2, return_exceptions=True)
    print(f"processing {ms} ms: C1 took {took1}, C2 took {took2}")


async def main():
    await round(0)
    await round(5)


asyncio.run(main())
