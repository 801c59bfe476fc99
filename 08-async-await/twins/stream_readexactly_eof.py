# readexactly() at EOF before n bytes: an error that carries what came.
import asyncio


async def handle(reader, writer):
    writer.write(b"abcde")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    print(await reader.readexactly(2))
    try:
        await reader.readexactly(4)
    except asyncio.IncompleteReadError as e:
        print("ENODATA, partial", e.partial)
    print("at eof:", reader.at_eof())
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()


asyncio.run(main())
