"""The echo server in Python's asyncio, with streams (asyncio.start_server):
a coroutine per connection, as in chapter 08, whose server.c reads like
echo() below line for line. For `make bench`.

    python3 bench/asyncio_streams.py [PORT]      (0: the kernel chooses)
"""
import asyncio
import resource
import sys


async def chunks(reader):
    while data := await reader.read(65536):
        yield data


async def echo(reader, writer):
    async for data in chunks(reader):
        writer.write(data)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def main(port):
    server = await asyncio.start_server(echo, "127.0.0.1", port, backlog=4096)
    port = server.sockets[0].getsockname()[1]
    print(f"listening on 127.0.0.1:{port} (asyncio streams)", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    try:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8000))
    except KeyboardInterrupt:
        pass
