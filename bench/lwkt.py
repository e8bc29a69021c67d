#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# lwkt.py - LWKT costs beside the host's own (issue 4's benchmarks).
#
# Boots the vkernel with 2 vCPUs and runs `kbench lwkt' (bench/kernel/
# kbench_lwkt.c) RUNS times, runs the host anchors (bench/anchors/
# lwkt_anchor.c) RUNS times, and prints medians and ratios; pc64 under
# QEMU (software emulation, -smp 2, one run) is shown for information
# (PC64=0 skips it).  Never a test: the machine is shared and noisy.
import os
import sys

from benchlib import RUNS, anchor, kbench, medians, table

ROWS = [
    ("thread switch, one CPU", "lwkt.switch", "futex_switch",
     "2 host threads, 1 CPU, futex"),
    ("token get + release, uncontended", "lwkt.token", "mutex",
     "pthread mutex lock+unlock"),
    ("token get + release, uncontended", "lwkt.token", "cas_store",
     "bare CAS + store (floor)"),
    ("IPI round trip, idle target CPU", "lwkt.ipi_idle", "futex_pingpong",
     "futex ping-pong, 2 CPUs"),
    ("IPI round trip, busy target CPU", "lwkt.ipi_busy", "futex_pingpong",
     "futex ping-pong, 2 CPUs"),
    ("tsleep/wakeup ping-pong, 2 CPUs", "lwkt.sleep_pingpong",
     "futex_pingpong", "futex ping-pong, 2 CPUs"),
]


def main():
    vk = medians([kbench("lwkt") for _ in range(RUNS)])
    an = medians([anchor("lwkt_anchor") for _ in range(RUNS)])
    pc = kbench("lwkt", "pc64") if os.environ.get("PC64", "1") == "1" \
        else {}
    table("LWKT (medians of %d runs; vkernel -n 2)" % RUNS,
          [(label, vk.get(k), alabel, an.get(a))
           for label, k, a, alabel in ROWS],
          ("pc64 tcg", [pc.get(k) for _, k, _, _ in ROWS]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
