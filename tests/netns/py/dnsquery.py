"""Builds a DNS query in wire format (no library, so every byte is known)."""
import struct


def encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        raw = label.encode("ascii")
        out += bytes([len(raw)]) + raw
    return out + b"\x00"


def query(name: str, qid: int = 0x1234, qtype: int = 1, rd: bool = True) -> bytes:
    flags = 0x0100 if rd else 0
    header = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack("!HH", qtype, 1)


def tcp_framed(msg: bytes) -> bytes:
    """A DNS message as carried over TCP: 2-octet length, then the message."""
    return struct.pack("!H", len(msg)) + msg
