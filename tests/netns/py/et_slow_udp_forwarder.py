#!/usr/bin/python3
"""A slow DNS upstream: forwards UDP queries to a real server and returns
its answers after a fixed delay (no netem needed).

usage: et_slow_udp_forwarder.py LISTEN_ADDR LISTEN_PORT SERVER_ADDR SERVER_PORT DELAY_MS

Each query gets its own socket towards SERVER; the answer goes back to the
querier DELAY_MS after it arrived. UDP only. Prints "ready" once listening.
"""
import asyncio
import socket
import sys


class Upstream(asyncio.DatagramProtocol):
    def __init__(self, front, client):
        self.front, self.client = front, client

    def datagram_received(self, data, addr):
        self.front.sendto(data, self.client)
        self.transport.close()


class Front(asyncio.DatagramProtocol):
    def __init__(self, server, delay):
        self.server, self.delay = server, delay

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        asyncio.get_running_loop().call_later(self.delay, self.forward, data, addr)

    def forward(self, data, client):
        loop = asyncio.get_running_loop()

        async def go():
            fam = socket.AF_INET6 if ":" in self.server[0] else socket.AF_INET
            transport, _ = await loop.create_datagram_endpoint(
                lambda: Upstream(self.transport, client), remote_addr=self.server, family=fam)
            transport.sendto(data)
            loop.call_later(5, transport.close)

        loop.create_task(go())


async def main() -> int:
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    listen = (sys.argv[1], int(sys.argv[2]))
    server = (sys.argv[3], int(sys.argv[4]))
    delay = int(sys.argv[5]) / 1000
    fam = socket.AF_INET6 if ":" in listen[0] else socket.AF_INET
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: Front(server, delay), local_addr=listen, family=fam)
    print("ready", flush=True)
    await asyncio.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
