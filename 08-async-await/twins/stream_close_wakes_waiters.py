# A task waiting to read, and two waiting to drain, when the stream is
# closed under them (transport.abort(), or close()): each one wakes, the
# reader at EOF. Nobody waits forever.
import asyncio
import socket


async def read(reader):
    print("read:", await reader.read(100))


async def drain(writer, name):
    await writer.drain()
    print(name, "drained")


async def main():
    for how in ("abort", "close"):
        print(how)
        a, b = socket.socketpair()
        reader, writer = await asyncio.open_connection(sock=a)
        waiters = [asyncio.create_task(read(reader))]
        if how == "abort":  # fill the socket, so that drain waits
            writer.write(b"x" * 4_000_000)
            waiters += [asyncio.create_task(drain(writer, n)) for n in ("D1", "D2")]
        await asyncio.sleep(0.01)
        if how == "abort":
            writer.transport.abort()
        else:
            writer.close()
        await asyncio.gather(*waiters)
        b.close()


asyncio.run(main())
