#!/usr/bin/python3
"""Counts the entries of xdpdns's tcp_conns map by client prefix.

  tcp_flood_conns.py PIN_PATH NAME=PREFIX...

Walks the pinned map's keys with the bpf(2) syscall (BPF_OBJ_GET,
BPF_MAP_GET_NEXT_KEY): tens of thousands of keys take milliseconds, where
`bpftool -j map dump` takes seconds. A walk of a map that changes under it
may restart (the kernel starts over when the current key was deleted), so
keys are collected in a set and the walk is bounded. Prints
"total=N NAME=n ..." (an entry counts under every NAME whose PREFIX holds
its client address; IPv4 clients are stored as ::ffff:a.b.c.d).
"""
import ctypes
import ipaddress
import os
import sys

NR_BPF = {"x86_64": 321, "aarch64": 280}[os.uname().machine]
BPF_MAP_GET_NEXT_KEY = 4
BPF_OBJ_GET = 7
KEY_SIZE = 36  # struct xdpdns_conn_key: client[16] server[16] ports[2+2]
MAX_STEPS = 4 * 65536 + 1024

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class ObjGet(ctypes.Structure):
    _fields_ = [("pathname", ctypes.c_uint64), ("bpf_fd", ctypes.c_uint32),
                ("file_flags", ctypes.c_uint32), ("pad", ctypes.c_uint8 * 112)]


class NextKey(ctypes.Structure):
    _fields_ = [("map_fd", ctypes.c_uint32), ("pad0", ctypes.c_uint32),
                ("key", ctypes.c_uint64), ("next_key", ctypes.c_uint64),
                ("pad", ctypes.c_uint8 * 104)]


def bpf(cmd, attr):
    r = libc.syscall(NR_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
    return r, ctypes.get_errno()


def keys(path):
    name = ctypes.create_string_buffer(path.encode())
    attr = ObjGet(pathname=ctypes.addressof(name))
    fd, err = bpf(BPF_OBJ_GET, attr)
    if fd < 0:
        sys.exit("BPF_OBJ_GET %s: %s" % (path, os.strerror(err)))
    try:
        seen = set()
        cur = ctypes.create_string_buffer(KEY_SIZE)
        nxt = ctypes.create_string_buffer(KEY_SIZE)
        attr = NextKey(map_fd=fd, key=0, next_key=ctypes.addressof(nxt))  # key 0: the first
        for _ in range(MAX_STEPS):
            r, err = bpf(BPF_MAP_GET_NEXT_KEY, attr)
            if r < 0:
                if err == 2:  # ENOENT: the last key
                    break
                sys.exit("BPF_MAP_GET_NEXT_KEY: %s" % os.strerror(err))
            seen.add(nxt.raw)
            ctypes.memmove(cur, nxt, KEY_SIZE)
            attr.key = ctypes.addressof(cur)
        return seen
    finally:
        os.close(fd)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    prefixes = []
    for arg in sys.argv[2:]:
        name, _, prefix = arg.partition("=")
        prefixes.append((name, ipaddress.ip_network(prefix)))
    entries = keys(sys.argv[1])
    counts = {name: 0 for name, _ in prefixes}
    for k in entries:
        addr = ipaddress.IPv6Address(k[:16])
        if addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        for name, net in prefixes:
            if addr.version == net.version and addr in net:
                counts[name] += 1
    print(" ".join(["total=%d" % len(entries)] + ["%s=%d" % (n, counts[n]) for n, _ in prefixes]))


if __name__ == "__main__":
    main()
