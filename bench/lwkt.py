#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# lwkt.py - LWKT costs beside the host's own (issue 4's benchmarks).
#
# Boots the vkernel with 2 vCPUs and runs `kbench lwkt' (bench/kernel/
# kbench_lwkt.c) RUNS times, runs the host anchors (bench/anchors/
# lwkt_anchor.c) RUNS times, and prints medians and ratios; pc64 under
# QEMU (software emulation, -smp 2) is shown for information.  Never a
# test: the machine is shared and noisy.
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import Machine  # noqa: E402

BINDIR = os.environ.get("BINDIR", os.path.join(HERE, "..", "build", "bin"))
RUNS = int(os.environ.get("RUNS", "3"))
LINE = re.compile(r"^(?:kbench|anchor) ([\w.]+): ([\d.]+) ns", re.M)

ROWS = [
    ("thread switch, one CPU", "lwkt.switch", "futex_switch",
     "2 host threads, 1 CPU, futex"),
    ("token get + release, uncontended", "lwkt.token", "mutex",
     "pthread mutex lock+unlock"),
    ("IPI round trip, idle target CPU", "lwkt.ipi_idle", "futex_pingpong",
     "futex ping-pong, 2 CPUs"),
    ("IPI round trip, busy target CPU", "lwkt.ipi_busy", "futex_pingpong",
     "futex ping-pong, 2 CPUs"),
    ("tsleep/wakeup ping-pong, 2 CPUs", "lwkt.sleep_pingpong",
     "futex_pingpong", "futex ping-pong, 2 CPUs"),
]


def kbench(platform, ncpu):
    m = Machine(platform, BINDIR, mem_mb=256, ncpu=ncpu,
                timeout=600 if platform == "pc64" else 120)
    m.expect(r"damselfly> ")
    out = m.command("kbench lwkt", timeout=600)
    m.sendline("halt")
    m.exit_status()
    m.close()
    return {k: float(v) for k, v in LINE.findall(out)}


def anchors():
    out = subprocess.run([os.path.join(BINDIR, "lwkt_anchor")],
                         capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in LINE.findall(out)}


def medians(runs):
    keys = set().union(*runs)
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def fmt(ns):
    return "%.1f us" % (ns / 1000) if ns >= 10000 else "%.1f ns" % ns


def main():
    vk = medians([kbench("vkernel", 2) for _ in range(RUNS)])
    an = medians([anchors() for _ in range(RUNS)])
    pc = kbench("pc64", 2) if os.environ.get("PC64", "1") == "1" else {}
    print("LWKT (medians of %d runs; vkernel -n 2; pc64 = QEMU tcg -smp 2, "
          "one run)" % RUNS)
    print("| %-34s | %-10s | %-30s | %-10s | %-7s | %-10s |" %
          ("operation", "vkernel", "host anchor", "anchor", "ratio",
           "pc64 tcg"))
    print("|%s|%s|%s|%s|%s|%s|" % ("-" * 36, "-" * 12, "-" * 32, "-" * 12,
                                   "-" * 9, "-" * 12))
    for label, k, a, alabel in ROWS:
        v, h = vk.get(k), an.get(a)
        print("| %-34s | %10s | %-30s | %10s | %7s | %10s |" %
              (label, fmt(v) if v else "-", alabel, fmt(h) if h else "-",
               "%.2fx" % (v / h) if v and h else "-",
               fmt(pc[k]) if k in pc else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
