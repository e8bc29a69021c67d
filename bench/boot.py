#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# boot.py - how fast the kernels come up and how quiet they are idle.
#
#   vkernel start to monitor prompt      anchor: host sh start to output
#   pc64 in QEMU (tcg) start to prompt   anchor: QEMU start+quit, no guest
#   host CPU of an idle vkernel, 10 s    anchor: an idle host process
#   host CPU of idle pc64 in QEMU, 10 s  (same anchor)
#
# Each start is timed from spawn to the first prompt on a pty; the table
# shows medians.  Never a test: the machine is shared and noisy.
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from harness import Console, Machine  # noqa: E402

BINDIR = os.environ.get("BINDIR", os.path.join(HERE, "..", "build", "bin"))
RUNS = int(os.environ.get("RUNS", "7"))
QRUNS = int(os.environ.get("QRUNS", "3"))
IDLE_S = float(os.environ.get("IDLE_S", "10"))


def time_to(argv_or_machine, pattern, after=None):
    t0 = time.monotonic()
    c = argv_or_machine() if callable(argv_or_machine) else \
        Console(argv_or_machine)
    c.expect(pattern)
    dt = time.monotonic() - t0
    if after:
        after(c)
    c.wait_exit()
    c.close()
    return dt


def halt(c):
    c.sendline("halt")


def qemu_quit(c):
    c.sendline("quit")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        f = f.read().rsplit(")", 1)[1].split()
    hz = os.sysconf("SC_CLK_TCK")
    return (int(f[11]) + int(f[12])) / hz


def idle_cpu(make):
    c = make()
    c.expect(r"damselfly> ")
    time.sleep(0.5)
    a = cpu_seconds(c.proc.pid)
    time.sleep(IDLE_S)
    b = cpu_seconds(c.proc.pid)
    c.sendline("halt")
    c.wait_exit()
    c.close()
    return 100.0 * (b - a) / IDLE_S


def idle_anchor():
    p = subprocess.Popen(["sleep", str(IDLE_S + 1)])
    time.sleep(0.5)
    a = cpu_seconds(p.pid)
    time.sleep(IDLE_S)
    b = cpu_seconds(p.pid)
    p.wait()
    return 100.0 * (b - a) / IDLE_S


def med(xs):
    return statistics.median(xs)


def main():
    rows = []
    vk = [time_to(lambda: Machine("vkernel", BINDIR, mem_mb=512, ncpu=2),
                  r"damselfly> ", halt) for _ in range(RUNS)]
    sh = [time_to(["sh", "-c", "echo ready"], r"ready") for _ in range(RUNS)]
    rows.append(("vkernel -m 512m -n 2: start to prompt",
                 "%.1f ms" % (med(vk) * 1e3), "sh start to output",
                 "%.1f ms" % (med(sh) * 1e3), med(vk) / med(sh)))
    pc = [time_to(lambda: Machine("pc64", BINDIR, mem_mb=256),
                  r"damselfly> ", halt) for _ in range(QRUNS)]
    qa = [time_to(["qemu-system-x86_64", "-M", "none", "-accel", "tcg",
                   "-display", "none", "-monitor", "stdio"],
                  r"\(qemu\)", qemu_quit) for _ in range(QRUNS)]
    rows.append(("pc64 in QEMU tcg: start to prompt",
                 "%.0f ms" % (med(pc) * 1e3), "QEMU start, no guest",
                 "%.0f ms" % (med(qa) * 1e3), med(pc) / med(qa)))
    anchor = idle_anchor()
    vki = idle_cpu(lambda: Machine("vkernel", BINDIR, mem_mb=512, ncpu=2))
    rows.append(("idle vkernel (2 vCPUs), %g s: host CPU" % IDLE_S,
                 "%.2f %%" % vki, "idle host process",
                 "%.2f %%" % anchor, None))
    pci = idle_cpu(lambda: Machine("pc64", BINDIR, mem_mb=256))
    rows.append(("idle pc64 in QEMU tcg, %g s: host CPU" % IDLE_S,
                 "%.2f %%" % pci, "idle host process",
                 "%.2f %%" % anchor, None))

    print("boot and idle (medians: %d vkernel runs, %d QEMU runs)"
          % (RUNS, QRUNS))
    print("| %-42s | %-10s | %-22s | %-10s | %-7s |" %
          ("measurement", "damselfly", "anchor", "anchor", "ratio"))
    print("|%s|%s|%s|%s|%s|" % ("-" * 44, "-" * 12, "-" * 24, "-" * 12,
                                "-" * 9))
    for r in rows:
        print("| %-42s | %10s | %-22s | %10s | %7s |" %
              (r[0], r[1], r[2], r[3],
               "%.1fx" % r[4] if r[4] is not None else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
