# write() never waits; drain() waits while a slow reader takes nothing.
# Two tasks drain one writer at once: when the reader has taken enough,
# both wake.
import asyncio
import socket

go = asyncio.Event()
closed = asyncio.Event()


async def handle(reader, writer):  # the slow reader: reads nothing until told
    await go.wait()
    print("reader starts")
    data = await reader.read()  # to EOF
    print("reader got", len(data))
    writer.close()
    await writer.wait_closed()
    closed.set()


async def drainer(name, writer):
    await writer.drain()
    print(name, "drained")


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    listener = server.sockets[0]  # small socket buffers: they take little
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader, writer = await asyncio.open_connection("127.0.0.1", listener.getsockname()[1])
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    writer.write(b"x" * 1048576)
    print("written")
    tasks = [asyncio.create_task(drainer(name, writer)) for name in ("first", "second")]
    await asyncio.sleep(0.05)
    print("both wait:", not any(task.done() for task in tasks))
    go.set()
    try:
        async with asyncio.timeout(5):  # a drainer never woken: a timeout, not a hang
            await asyncio.gather(*tasks)
        print("both drained")
    except TimeoutError:
        print("timeout")
    writer.close()
    await writer.wait_closed()
    await closed.wait()
    server.close()
    await server.wait_closed()


asyncio.run(main())
