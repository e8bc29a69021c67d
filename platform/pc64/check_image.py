#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# check_image.py - verify that kernel.pc64 is loadable the way
# multiboot.S promises: a valid Multiboot 1 header with the a.out kludge
# in the first 8 KiB, whose load range, read from the file as one run of
# bytes, lands every loadable ELF segment at its physical address, and
# whose bss_end covers the last segment.  Run by the build after each
# link; exits non-zero (deleting nothing) with a sentence on failure.
import struct
import sys

MAGIC = 0x1BADB002
AOUT_KLUDGE = 0x00010000
PT_LOAD = 1


def fail(msg):
    sys.stderr.write("check_image: %s: %s\n" % (sys.argv[1], msg))
    sys.exit(1)


def main():
    data = open(sys.argv[1], "rb").read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail("not an ELF64 file")
    hdr_off = None
    for off in range(0, min(len(data), 8192) - 32, 4):
        magic, flags, cksum = struct.unpack_from("<III", data, off)
        if magic == MAGIC and (magic + flags + cksum) & 0xFFFFFFFF == 0:
            hdr_off = off
            break
    if hdr_off is None:
        fail("no multiboot header in the first 8 KiB")
    (flags,) = struct.unpack_from("<I", data, hdr_off + 4)
    if not flags & AOUT_KLUDGE:
        fail("multiboot header lacks the a.out kludge flag")
    header_addr, load_addr, load_end, bss_end, entry = struct.unpack_from(
        "<IIIII", data, hdr_off + 12)
    if not load_addr <= header_addr < load_end <= bss_end:
        fail("header addresses out of order")
    file_base = hdr_off - (header_addr - load_addr)   # file offset of load_addr
    if file_base < 0:
        fail("load_addr lies before the start of the file")
    if not load_addr <= entry < load_end:
        fail("entry point outside the loaded bytes")

    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, p_paddr, p_filesz, p_memsz, _ = \
            struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type != PT_LOAD or p_memsz == 0:
            continue
        if p_filesz:
            if p_offset - file_base != p_paddr - load_addr:
                fail("segment at physical %#x is at file offset %#x, "
                     "not %#x" % (p_paddr, p_offset,
                                  file_base + p_paddr - load_addr))
            if p_paddr + p_filesz > load_end:
                fail("segment at physical %#x ends past load_end_addr"
                     % p_paddr)
        if p_paddr < load_addr or p_paddr + p_memsz > bss_end:
            fail("segment at physical %#x lies outside load..bss_end"
                 % p_paddr)


if __name__ == "__main__":
    main()
