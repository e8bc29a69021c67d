#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# pc64_boot.py - scenarios only the bare-metal kernel has: multiboot boot
# in QEMU (software emulation) to the monitor, the isa-debug-exit status,
# CPU exceptions reported with a register dump and a panic, RAM above
# 4 GiB in the direct map, the RTC wall clock, the multiboot command
# line, and starting the other CPUs with IPIs between them.  The
# scenarios both platforms share live in test_monitor.py.
# Usage: pc64_boot.py --bindir DIR [--list] SCENARIO
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Machine, TestFailure  # noqa: E402

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def boot(a, **kw):
    m = Machine("pc64", a.bindir, **kw)
    m.expect(r"damselfly> ")
    return m


def halt(m):
    m.sendline("halt")
    st = m.exit_status()
    m.check(st == 0, "halt: kernel status %s (QEMU %s), expected 0" %
            (st, m.status))
    m.close()


def resolve(a, addr):
    """Function name of a kernel address."""
    out = subprocess.run(["addr2line", "-f", "-e",
                          os.path.join(a.bindir, "kernel.pc64"), addr],
                         capture_output=True, text=True).stdout
    return out.split("\n")[0]


@scenario
def boots_to_monitor_and_halts(a):
    """QEMU -kernel loads the ELF64 image; banner, prompt, halt -> 0."""
    m = Machine("pc64", a.bindir, mem_mb=256)
    b = m.expect(r"Damselfly \S+ on pc64: (\d+) MB RAM, (\d+) CPUs?")
    ram = int(b.group(1))
    m.check(240 <= ram <= 256, "QEMU -m 256 reports %d MB" % ram)
    m.check(int(b.group(2)) == 1, "expected 1 CPU, got %s" % b.group(2))
    m.expect(r"damselfly> ")
    m.sendline("halt")
    st = m.exit_status()
    m.check(m.status == 1, "isa-debug-exit: QEMU status %s, expected 1 "
            "((0 << 1) | 1)" % m.status)
    m.check(st == 0, "halt status %s" % st)
    m.close()


def trap(a, kind, vector, name):
    """Raise exception `kind' from the monitor; check dump, panic, exit 3."""
    m = boot(a)
    m.sendline("trap %s" % kind)
    m.expect(r"pc64: cpu0: fatal trap %d: %s in kernel mode" %
             (vector, re.escape(name)))
    regs = {}
    for line in m.expect(r"(?s)(  rip .*?)\npanic \(cpu0\)").group(1) \
            .split("\n"):
        for k, v in re.findall(r"(\w+)\s+([0-9a-f]+)", line):
            regs[k] = int(v, 16)
    for k in ("rip", "rsp", "rflags", "cr2", "cr3", "error", "rax", "rbp",
              "r15"):
        m.check(k in regs, "register dump lacks %s" % k)
    m.check(resolve(a, "%#x" % regs["rip"]) == "cmd_trap",
            "rip %#x is not in cmd_trap" % regs["rip"])
    m.expect(r"fatal trap: .* at pc 0x%x" % regs["rip"])
    m.expect(r"backtrace:")
    m.expect(r"halting after panic")
    st = m.exit_status()
    m.check(st == 3, "status %s (QEMU %s), expected 3" % (st, m.status))
    frames = re.findall(r"#\d+\s+(0x[0-9a-f]+)", m.buf)
    m.check("monitor_exec" in [resolve(a, f) for f in frames],
            "backtrace does not reach monitor_exec: %s" % frames)
    m.close()
    return regs, m.buf


@scenario
def page_fault_dumps_registers_and_panics(a):
    """A NULL read: #PF dump with CR2 0 and the error code, then panic."""
    regs, out = trap(a, "null", 14, "page fault")
    if regs["cr2"] != 0 or regs["error"] != 0:
        raise TestFailure("cr2 %#x error %#x, expected 0 and 0 (read, "
                          "not present)\n%s" % (regs["cr2"], regs["error"],
                                                out))
    if "faulting address 0000000000000000: read of unmapped page" not in out:
        raise TestFailure("no faulting-address line\n%s" % out)


@scenario
def general_protection_fault_is_fatal(a):
    """A non-canonical access raises #GP, reported and fatal."""
    trap(a, "gp", 13, "general protection fault")


@scenario
def invalid_opcode_is_fatal(a):
    """ud2 raises #UD, reported and fatal."""
    trap(a, "ud", 6, "invalid opcode")


@scenario
def divide_error_is_fatal(a):
    """Division by zero raises #DE, reported and fatal."""
    trap(a, "div", 0, "divide error")


@scenario
def breakpoint_is_fatal(a):
    """int3 in the kernel (no debugger yet) is reported and fatal."""
    trap(a, "bp", 3, "breakpoint")


@scenario
def double_fault_runs_on_its_own_stack(a):
    """A fault with an unusable stack becomes #DF on the IST stack."""
    regs, out = trap(a, "stack", 8, "double fault")
    if regs["rsp"] != 0x1000 or regs["cr2"] != 0xff8:
        raise TestFailure("rsp %#x cr2 %#x, expected 0x1000 and 0xff8\n%s"
                          % (regs["rsp"], regs["cr2"], out))


@scenario
def ram_above_4g_is_mapped(a):
    """With 4.5 GiB, RAM past the PCI hole is reported and direct-mapped."""
    m = boot(a, mem_mb=4608)
    b = re.search(r"on pc64: (\d+) MB RAM", m.buf)
    m.check(b and int(b.group(1)) >= 4500, "banner RAM %s" %
            (b and b.group(1)))
    out = m.command("mem")
    m.check(re.search(r"^\s+0x0001[0-9a-f]{8}-0x0001[0-9a-f]{8}", out, re.M),
            "mem lists no range above 4 GiB")
    halt(m)


@scenario
def wall_clock_comes_from_the_rtc(a):
    """uptime's wall clock (CMOS RTC, UTC) agrees with the host's."""
    m = boot(a)
    out = m.command("uptime")
    w = re.search(r"wall clock: (\d+) s since 1970", out)
    m.check(w, "uptime shows no wall clock")
    m.check(abs(int(w.group(1)) - time.time()) < 300,
            "wall clock %s, host %d" % (w.group(1), time.time()))
    halt(m)


@scenario
def command_line_words_become_params(a):
    """-append NAME=VALUE words; the last of a repeated name wins."""
    m = boot(a, params=("plainword", "dup=first", "x.y=1", "dup=second"))
    out = m.command("kenv dup")
    m.check("dup=second" in out, "repeated name: %r" % out)
    out = m.command("kenv x.y")
    m.check("x.y=1" in out, "dotted name: %r" % out)
    out = m.command("kenv plainword")
    m.check("plainword is not set" in out, "word without '=': %r" % out)
    halt(m)


@scenario
def smp_starts_every_cpu(a):
    """With -smp 4 the MADT's CPUs all start and idle in the core."""
    m = Machine("pc64", a.bindir, ncpu=4)
    m.expect(r"on pc64: \d+ MB RAM, 4 CPUs")
    m.expect(r"smp: 4 of 4 CPUs online")
    m.expect(r"damselfly> ")
    out = m.command("threads")
    for cpu in (1, 2, 3):
        m.check(re.search(r"^%d\s+idle%d\s+running" % (cpu, cpu), out,
                          re.M), "cpu%d is not running its idle thread" % cpu)
    out = m.command("sleep 20")
    m.check(re.search(r"slept \d+ us", out), "timer on the boot CPU")
    halt(m)


@scenario
def ipi_reaches_each_cpu(a):
    """plat_ipi_send wakes the target's idle loop and is counted there."""
    m = boot(a, ncpu=3)
    m.command("ipi 1 2 2 0")
    # Delivery is asynchronous (the self-IPI included): look again a few
    # times before calling a count missing.
    for _ in range(20):
        out = m.command("intr")
        counts = {int(c): int(n) for c, n in
                  re.findall(r"^cpu(\d+)\s+\d+\s+(\d+)", out, re.M)}
        if all(counts.get(c, 0) >= 1 for c in (0, 1, 2)):
            break
        time.sleep(0.1)
    m.check(counts.get(1, 0) >= 1 and counts.get(2, 0) >= 1 and
            counts.get(0, 0) >= 1, "ipi counts per CPU: %s" % counts)
    out = m.command("ipi 99")
    m.check("usage: ipi" in out, "a bad CPU number is refused")
    halt(m)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("scenario", nargs="?")
    a = ap.parse_args()
    if a.list:
        print("\n".join(SCENARIOS))
        return 0
    if a.scenario not in SCENARIOS:
        print("unknown scenario %r" % a.scenario)
        return 2
    if shutil.which("qemu-system-x86_64") is None:
        print("FAIL: qemu-system-x86_64 is not installed")
        return 1
    try:
        SCENARIOS[a.scenario](a)
    except TestFailure as e:
        print("FAIL: %s: %s" % (a.scenario, e))
        return 1
    print("PASS: %s on pc64" % a.scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
