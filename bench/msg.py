#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# msg.py - message round trips beside the host's (issue 5's benchmarks).
#
# Boots the vkernel with 2 vCPUs and runs `kbench msg' (bench/kernel/
# kbench_msg.c) RUNS times beside the host anchors of bench/anchors/
# lwkt_anchor.c (thread switches, futex ping-pong) measured in the same
# run, and prints medians and ratios; the allocator rows of issue 5 are
# bench/vm.py's.  pc64 under QEMU (software emulation, -smp 2) is shown
# for information when PC64=1.
# Never a test: the machine is shared and noisy.
import os
import sys

from benchlib import RUNS, anchor, kbench, medians, table

ROWS = [
    ("domsg, completed in the caller", "msg.domsg_inline", None,
     "(a function call: no anchor)"),
    ("domsg round trip, same CPU", "msg.domsg_local", "futex_switch",
     "2 host threads, 1 CPU, futex"),
    ("domsg round trip, across CPUs", "msg.domsg_cross", "futex_pingpong",
     "futex ping-pong, 2 CPUs"),
    ("sendmsg, 32 in flight, across CPUs", "msg.send_cross",
     "futex_pingpong", "futex ping-pong, 2 CPUs"),
]


def main():
    vk = medians([kbench("msg") for _ in range(RUNS)])
    an = medians([anchor("lwkt_anchor") for _ in range(RUNS)])
    pc = kbench("msg", "pc64") if os.environ.get("PC64", "0") == "1" \
        else {}
    table("messages (medians of %d runs; vkernel -n 2)" % RUNS,
          [(label, vk.get(k), alabel, an.get(a) if a else None)
           for label, k, a, alabel in ROWS],
          ("pc64 tcg", [pc.get(k) for _, k, _, _ in ROWS]) if pc else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
