# readline() past the stream's limit: an error for that line, and reading
# goes on after it.
import asyncio


async def handle(reader, writer):
    writer.write(b"hello\nsixteen bytes!!!\nthis line is far too long\nok\n")
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=16)
    while True:
        try:
            line = await reader.readline()
        except ValueError:  # a LimitOverrunError inside
            print("EMSGSIZE")
            continue
        if not line:
            break
        print(line)
    print("eof")
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()


asyncio.run(main())
