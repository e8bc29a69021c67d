#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# vm.py - kmalloc/kfree and objcache beside glibc malloc (issue 5).
#
# Boots the vkernel with one vCPU per host CPU and runs `kbench vm'
# (bench/kernel/kbench_vm.c) RUNS times beside bench/anchors/
# malloc_anchor.c; the ".ncpu" rows run on every CPU at once and give
# the time per operation per CPU (flat is the goal).  Never a test.
import os
import sys

from benchlib import RUNS, anchor, kbench, medians, table

ROWS = [
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


def main():
    ncpu = os.cpu_count() or 2
    vk = medians([kbench("vm", ncpu=ncpu) for _ in range(RUNS)])
    an = medians([anchor("malloc_anchor") for _ in range(RUNS)])
    table("allocators (medians of %d runs; vkernel -n %d)" % (RUNS, ncpu),
          [(label, vk.get(k), alabel, an.get(a))
           for label, k, a, alabel in ROWS])
    return 0


if __name__ == "__main__":
    sys.exit(main())
