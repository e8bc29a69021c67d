# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# benchlib.py - what the benchmark scripts share: boot a kernel and run
# `kbench SUBSYS', run a host anchor program, take medians, print a
# table.  Lines parsed are "kbench NAME: VALUE ns" and "anchor NAME:
# VALUE ns".
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


def kbench(subsys, platform="vkernel", ncpu=2):
    """One boot: `kbench subsys' results as {name: ns}."""
    m = Machine(platform, BINDIR, mem_mb=256, ncpu=ncpu,
                timeout=600 if platform == "pc64" else 120)
    m.expect(r"damselfly> ")
    out = m.command("kbench %s" % subsys, timeout=900)
    m.sendline("halt")
    m.exit_status()
    m.close()
    return {k: float(v) for k, v in LINE.findall(out)}


def anchor(program):
    out = subprocess.run([os.path.join(BINDIR, program)],
                         capture_output=True, text=True, check=True).stdout
    return {k: float(v) for k, v in LINE.findall(out)}


def medians(runs):
    keys = set().union(*runs)
    return {k: statistics.median(r[k] for r in runs if k in r) for k in keys}


def fmt(ns):
    if ns is None:
        return "-"
    return "%.1f us" % (ns / 1000) if ns >= 10000 else "%.1f ns" % ns


def table(title, rows, extra=None):
    """rows: (label, value_ns, anchor_label, anchor_ns); extra: optional
    (column title, [values]) shown last."""
    print(title)
    head = "| %-34s | %-10s | %-30s | %-10s | %-7s |" % (
        "operation", "damselfly", "host anchor", "anchor", "ratio")
    rule = "|%s|%s|%s|%s|%s|" % ("-" * 36, "-" * 12, "-" * 32, "-" * 12,
                                 "-" * 9)
    if extra:
        head += " %-10s |" % extra[0]
        rule += "%s|" % ("-" * 12)
    print(head)
    print(rule)
    for i, (label, v, alabel, a) in enumerate(rows):
        line = "| %-34s | %10s | %-30s | %10s | %7s |" % (
            label, fmt(v), alabel, fmt(a),
            "%.2fx" % (v / a) if v and a else "-")
        if extra:
            line += " %10s |" % fmt(extra[1][i])
        print(line)
