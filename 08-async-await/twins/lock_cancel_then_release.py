# cancel() of the first waiter, then release(), in one turn: one task in
# the lock at a time all the same; a Semaphore(1) likewise.
import asyncio

inside = 0


async def worker(name, lock):
    global inside
    try:
        async with lock:
            inside += 1
            print(name, "in, inside:", inside)
            await asyncio.sleep(0.001)
            inside -= 1
    except asyncio.CancelledError:
        print(name, "cancelled")


async def round(lock):
    await lock.acquire()
    tasks = [asyncio.create_task(worker(name, lock)) for name in "BCD"]
    await asyncio.sleep(0)  # B, C, D wait
    tasks[0].cancel()
    lock.release()
    await asyncio.gather(*tasks)


async def main():
    print("Lock")
    await round(asyncio.Lock())
    print("Semaphore(1)")
    await round(asyncio.Semaphore(1))


asyncio.run(main())
