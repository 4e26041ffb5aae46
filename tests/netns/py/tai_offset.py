#!/usr/bin/python3
"""Reads or sets the kernel's TAI offset (CLOCK_TAI - CLOCK_REALTIME, s).

usage: tai_offset.py            print the offset
       tai_offset.py SECONDS    set it (adjtimex ADJ_TAI; CAP_SYS_TIME)

The offset is one per kernel, not per namespace: a test that sets it must
put the old value back (it is 0 unless chrony or ntpd set it, 37 then).
"""
import ctypes
import sys

ADJ_TAI = 0x0080


class Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class Timex(ctypes.Structure):  # struct timex, <linux/timex.h>
    _fields_ = [("modes", ctypes.c_uint), ("offset", ctypes.c_long), ("freq", ctypes.c_long),
                ("maxerror", ctypes.c_long), ("esterror", ctypes.c_long), ("status", ctypes.c_int),
                ("constant", ctypes.c_long), ("precision", ctypes.c_long), ("tolerance", ctypes.c_long),
                ("time", Timeval), ("tick", ctypes.c_long), ("ppsfreq", ctypes.c_long),
                ("jitter", ctypes.c_long), ("shift", ctypes.c_int), ("stabil", ctypes.c_long),
                ("jitcnt", ctypes.c_long), ("calcnt", ctypes.c_long), ("errcnt", ctypes.c_long),
                ("stbcnt", ctypes.c_long), ("tai", ctypes.c_int), ("reserved", ctypes.c_int * 11)]


def adjtimex(t):
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    if libc.adjtimex(ctypes.byref(t)) < 0:
        e = ctypes.get_errno()
        sys.exit(f"adjtimex: errno {e}")
    return t


def main():
    if len(sys.argv) == 1:
        print(adjtimex(Timex()).tai)
        return 0
    t = Timex()
    t.modes = ADJ_TAI
    t.constant = int(sys.argv[1])
    adjtimex(t)
    got = adjtimex(Timex()).tai
    if got != int(sys.argv[1]):
        sys.exit(f"TAI offset is {got} after setting {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
