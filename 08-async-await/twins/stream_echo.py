# Streams on a real socket: a server from start_server echoes lines to a
# client from open_connection, until the client closes.
import asyncio

closed = asyncio.Event()


async def handle(reader, writer):
    while line := await reader.readline():
        print("server got", line)
        writer.write(line)
        await writer.drain()
    print("server: eof")
    writer.close()
    await writer.wait_closed()
    closed.set()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for line in (b"hello\n", b"world\n"):
        writer.write(line)
        print("client got", await reader.readline())
    writer.close()
    await writer.wait_closed()
    await closed.wait()
    server.close()
    await server.wait_closed()


asyncio.run(main())
