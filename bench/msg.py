#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# msg.py - message round trips beside the host's (issue 5's benchmarks).
#
# Boots the vkernel with 2 vCPUs and runs `kbench msg' (bench/kernel/
# kbench_msg.c) and `kbench vm' (bench/kernel/kbench_vm.c) RUNS times,
# runs the host anchors (bench/anchors/lwkt_anchor.c for thread
# switches and futex ping-pong, malloc_anchor.c for glibc malloc) RUNS
# times in the same run, and prints medians and ratios.  pc64 under QEMU
# (software emulation, -smp 2) is shown for information when PC64=1.
# Never a test: the machine is shared and noisy.
import os
import sys

from benchlib import RUNS, anchor, fmt, kbench, medians

ROWS = [
    ("domsg, completed in the caller", "msg.domsg_inline", None,
     "(a function call: no anchor)"),
    ("domsg round trip, same CPU", "msg.domsg_local", "futex_switch",
     "2 host threads, 1 CPU, futex"),
    ("domsg round trip, across CPUs", "msg.domsg_cross", "futex_pingpong",
     "futex ping-pong, 2 CPUs"),
    ("sendmsg, 32 in flight, across CPUs", "msg.send_cross",
     "futex_pingpong", "futex ping-pong, 2 CPUs"),
    ("kmalloc+kfree 64 B, 1 CPU", "vm.kmalloc64.1cpu", "malloc64.1cpu",
     "glibc malloc+free, 1 thread"),
    ("kmalloc+kfree 64 B, every CPU", "vm.kmalloc64.ncpu", "malloc64.ncpu",
     "glibc, 1 thread per CPU"),
    ("kmalloc+kfree 4 KiB, 1 CPU", "vm.kmalloc4k.1cpu", "malloc4k.1cpu",
     "glibc malloc+free, 1 thread"),
    ("kmalloc+kfree 4 KiB, every CPU", "vm.kmalloc4k.ncpu", "malloc4k.ncpu",
     "glibc, 1 thread per CPU"),
    ("objcache get+put", "vm.objcache", "malloc64.1cpu",
     "glibc malloc+free 64 B"),
]


def run_kernel(platform):
    r = kbench("msg", platform=platform, ncpu=2)
    r.update(kbench("vm", platform=platform, ncpu=2))
    return r


def main():
    vk = medians([run_kernel("vkernel") for _ in range(RUNS)])
    an = medians([dict(anchor("lwkt_anchor"), **anchor("malloc_anchor"))
                  for _ in range(RUNS)])
    pc = run_kernel("pc64") if os.environ.get("PC64", "0") == "1" else {}
    print("messages and allocators (medians of %d runs; vkernel -n 2%s)" %
          (RUNS, "; pc64 = QEMU tcg -smp 2, one run" if pc else ""))
    print("| %-36s | %-10s | %-30s | %-10s | %-7s | %-10s |" %
          ("operation", "vkernel", "host anchor", "anchor", "ratio",
           "pc64 tcg"))
    print("|%s|%s|%s|%s|%s|%s|" % ("-" * 38, "-" * 12, "-" * 32, "-" * 12,
                                   "-" * 9, "-" * 12))
    for label, k, a, alabel in ROWS:
        v, h = vk.get(k), an.get(a) if a else None
        if v is None:
            continue
        print("| %-36s | %10s | %-30s | %10s | %7s | %10s |" %
              (label, fmt(v), alabel, fmt(h),
               "%.2fx" % (v / h) if v and h else "-",
               fmt(pc.get(k))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
