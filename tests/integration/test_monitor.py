#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_monitor.py - boot a kernel and drive its monitor: the same
# scenarios on the vkernel and on pc64 in QEMU where the feature exists
# on both.  Usage: test_monitor.py --platform P --bindir DIR SCENARIO
import argparse
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Machine, TestFailure  # noqa: E402

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__] = fn
    return fn


def boot(a, **kw):
    m = Machine(a.platform, a.bindir, **kw)
    m.expect(r"damselfly> ")
    return m


@scenario
def banner_shows_ram_and_cpus(a):
    """The boot banner names the platform, the RAM size and the CPUs."""
    ncpu = 3
    m = Machine(a.platform, a.bindir, mem_mb=192, ncpu=ncpu)
    b = m.expect(r"Damselfly \S+ on (\w+): (\d+) MB RAM, (\d+) CPUs?")
    m.check(b.group(1) == a.platform, "banner names %s" % b.group(1))
    ram = int(b.group(2))
    if a.platform == "vkernel":
        m.check(ram == 192, "vkernel -m 192m reports %d MB" % ram)
    else:
        # The firmware keeps some RAM; what is left must be most of it.
        m.check(160 <= ram <= 192, "QEMU -m 192 reports %d MB" % ram)
    m.check(int(b.group(3)) == ncpu, "expected %d CPUs" % ncpu)
    m.expect(r"damselfly> ")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.close()


@scenario
def monitor_commands_work(a):
    """Every monitor command answers; errors leave the monitor running."""
    m = boot(a)
    out = m.command("help")
    for cmd in ("help", "uptime", "mem", "threads", "echo", "panic", "halt",
                "intr", "sleep", "kenv"):
        m.check(re.search(r"^\s+%s\b" % cmd, out, re.M),
                "help does not list %s" % cmd)
    out = m.command("echo hello   monitor world")
    m.check("hello monitor world" in out, "echo output")
    up1 = float(m.command("uptime").split()[1])
    m.command("sleep 50")
    up2 = float(m.command("uptime").split()[1])
    m.check(up2 > up1, "uptime did not advance: %s -> %s" % (up1, up2))
    out = m.command("mem")
    m.check(re.search(r"physical memory: \d+ MB", out), "mem output")
    m.check(re.search(r"available to the kernel: \d+ KB", out), "mem avail")
    out = m.command("threads")
    m.check(re.search(r"^0\s+thread0\s+running", out, re.M),
            "threads shows thread0 running the monitor on cpu0")
    out = m.command("no-such-command arg")
    m.check("unknown command 'no-such-command'" in out, "unknown command")
    out = m.command("sleep")
    m.check("usage: sleep MS" in out, "usage message for a bad argument")
    out = m.command("echo still alive")
    m.check("still alive" in out, "monitor continues after errors")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.close()


@scenario
def line_editing(a):
    """Backspace, ^U and ^C edit the line before it is run."""
    m = boot(a)
    m.send("ecxo\x7f\x7fho first\r")
    m.expect(r"^first$")
    m.send("garbage\x15echo second\r")
    m.expect(r"^second$")
    m.expect(r"damselfly> ")
    m.send("halt\x03")
    m.expect(r"\^C\ndamselfly> ")
    out = m.command("echo third")
    m.check("third" in out, "monitor alive after ^C")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.close()


@scenario
def timer_interrupt_ends_sleep(a):
    """`sleep' waits on the one-shot timer: at least as long as asked."""
    m = boot(a)
    out = m.command("sleep 300")
    s = re.search(r"slept (\d+) us, (\d+) timer interrupts?", out)
    m.check(s, "sleep output")
    m.check(int(s.group(1)) >= 300000, "woke early: %s us" % s.group(1))
    m.check(int(s.group(2)) >= 1, "no timer interrupt")
    out = m.command("intr")
    clock = int(re.search(r"^cpu0\s+(\d+)", out, re.M).group(1))
    m.check(clock >= 1, "intr shows no clock interrupt on cpu0")
    m.check(re.search(r"^irq\d+\s+console\s+[1-9]", out, re.M),
            "console input raised no interrupt")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.close()


@scenario
def kernel_environment(a):
    """Values given at boot (-e / command line) reach the kernel."""
    m = boot(a, params=("init=/sbin/init", "test.answer=42"))
    out = m.command("kenv test.answer")
    m.check("test.answer=42" in out, "kenv value")
    out = m.command("kenv init")
    m.check("init=/sbin/init" in out, "kenv init")
    out = m.command("kenv nothere")
    m.check("nothere is not set" in out, "kenv missing")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.close()


def run_ktests(a, subsys, seconds, npass, summary=None):
    """Boot on 4 vCPUs (vkernel) or 2 (pc64), run `ktest SUBSYS SECONDS'
    and require npass passes, no failure, and the summary line."""
    ncpu = 4 if a.platform == "vkernel" else 2
    m = boot(a, ncpu=ncpu, mem_mb=256)
    out = m.command("ktest %s %d" % (subsys, seconds), timeout=300)
    m.check("FAIL" not in out, "ktest %s reported a failure" % subsys)
    if summary:
        m.check(re.search(summary % ncpu, out), "stress summary missing")
    m.check("ktest: %d passed, 0 failed" % npass in out, "ktest summary")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.close()


@scenario
def lwkt_stress_passes(a):
    """10 s of threads hopping CPUs, sleeping, waking, taking tokens,
    sending IPIs and arming callouts: every invariant holds."""
    run_ktests(a, "lwkt", 10, 1, r"lwkt.stress: %d CPUs, \d+ threads")


@scenario
def vm_stress_passes(a):
    """10 s of kmalloc/kfree/objcache on every CPU, with frees handed to
    other CPUs: no corrupted block, nothing leaks."""
    run_ktests(a, "vm", 10, 1)


@scenario
def msg_ktests_pass(a):
    """Messages and ports on real CPUs: inline and queued completion,
    cross-CPU send and reply, abort, dispatch threads and a send/reply
    stress in which every message comes back exactly once."""
    run_ktests(a, "msg", 3, 6, r"msg.stress: %d CPUs, \d+ senders")


def resolve(a, addr):
    """Function name of a kernel address (vkernel: image offset)."""
    image = "vkernel" if a.platform == "vkernel" else "kernel.pc64"
    # A return address points after the call: name the call itself.
    addr = "%#x" % (int(addr, 16) - 1)
    out = subprocess.run(["addr2line", "-f", "-e",
                          os.path.join(a.bindir, image), addr],
                         capture_output=True, text=True).stdout
    return out.split("\n")[0]


@scenario
def panic_exits_with_backtrace(a):
    """`panic' prints the message and a backtrace, then exits with 3."""
    m = boot(a)
    m.sendline("panic test of the panic path")
    m.expect(r"panic \(cpu0\): monitor: test of the panic path")
    m.expect(r"backtrace:")
    m.expect(r"halting after panic")
    st = m.exit_status()
    m.check(st == 3, "panic exit status %s, expected 3" % st)
    frames = re.findall(r"#\d+\s+(0x[0-9a-f]+)\s+\(image\+(0x[0-9a-f]+)\)",
                        m.buf)
    m.check(len(frames) >= 3, "backtrace has %d frames" % len(frames))
    names = [resolve(a, f[1] if a.platform == "vkernel" else f[0])
             for f in frames]
    m.check("cmd_panic" in names and "monitor_exec" in names,
            "backtrace does not resolve to cmd_panic/monitor_exec: %s"
            % names)
    if a.platform == "vkernel":
        m.check(m.modes_restored(), "terminal modes not restored")
    m.close()


@scenario
def halt_restores_terminal(a):
    """halt exits 0 and leaves the terminal as it found it."""
    m = boot(a)
    m.check(not m.modes_restored(), "console is not in raw mode")
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.check(m.modes_restored(), "terminal modes not restored after halt")
    m.close()


def signal_restores(a, sig, name):
    import signal as S
    m = boot(a)
    m.proc.send_signal(sig)
    st = m.wait_exit()
    m.check(st == -sig, "%s: status %s, expected death by signal" %
            (name, st))
    m.check("terminated by %s" % name in m.buf, "no termination message")
    m.check(m.modes_restored(), "terminal modes not restored after %s" % name)
    m.close()


@scenario
def sigterm_restores_terminal(a):
    """SIGTERM to the vkernel process restores the terminal."""
    import signal as S
    signal_restores(a, S.SIGTERM, "TERM")


@scenario
def sigint_restores_terminal(a):
    """SIGINT to the vkernel process restores the terminal."""
    import signal as S
    signal_restores(a, S.SIGINT, "INT")


BAD_OPTIONS = [
    (["-x"], r"unknown option -x"),
    (["-m"], r"option -m needs an argument"),
    (["-m", "lots"], r"-m lots: not a size"),
    (["-m", "12q"], r"-m 12q: not a size"),
    (["-m", "32m"], r"-m 32m: too small"),
    (["-m", "65536g"], r"more than this host's RAM"),
    (["-n", "0"], r"-n 0: expected a CPU count"),
    (["-n", "17"], r"-n 17: expected a CPU count"),
    (["-r", "/nonexistent/disk.img"], r"-r /nonexistent/disk.img: No such"),
    (["-r", "/"], r"-r /: Is a directory"),
    (["-e", "novalue"], r"-e novalue: expected name=value"),
    (["stray"], r"unexpected argument 'stray'"),
]


@scenario
def bad_options_exit_2(a):
    """Each bad option: one line on stderr, status 2, terminal untouched."""
    from harness import Console
    for args, msg in BAD_OPTIONS:
        c = Console([os.path.join(a.bindir, "vkernel")] + args)
        st = c.wait_exit(10)
        c.check(st == 2, "%s: status %s, expected 2" % (args, st))
        lines = [l for l in c.buf.split("\n") if l.strip()]
        c.check(len(lines) == 1 and re.search(msg, lines[0]),
                "%s: expected one line matching /%s/" % (args, msg))
        c.check(c.modes_restored(), "%s changed terminal modes" % args)
        c.close()


@scenario
def unreadable_image_exit_2(a):
    """An image without read/write permission is refused (status 2)."""
    from harness import Console
    import tempfile
    d = tempfile.mkdtemp()
    img = os.path.join(d, "ro.img")
    with open(img, "wb") as f:
        f.truncate(1 << 20)
    os.chmod(img, 0o400)
    argv = [os.path.join(a.bindir, "vkernel"), "-r", img]
    if os.geteuid() == 0:
        # root ignores permission bits: drop to nobody for this check.
        argv = ["setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups"] + argv
        os.chmod(d, 0o755)
    c = Console(argv)
    st = c.wait_exit(10)
    c.check(st == 2, "status %s, expected 2" % st)
    c.check("Permission denied" in c.buf, "no permission message")
    c.close()
    shutil.rmtree(d)


@scenario
def image_and_pidfile_locked(a):
    """A disk image and a pidfile belong to one running vkernel."""
    from harness import Console
    import tempfile
    d = tempfile.mkdtemp()
    img, pidf = os.path.join(d, "disk.img"), os.path.join(d, "vk.pid")
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    m = boot(a, extra=("-r", img, "-p", pidf))
    with open(pidf) as f:
        m.check(int(f.read()) == m.proc.pid, "pidfile holds the pid")
    c = Console([os.path.join(a.bindir, "vkernel"), "-r", img])
    c.check(c.wait_exit(10) == 2 and "in use by another vkernel" in c.buf,
            "a second vkernel may not share the image")
    c.close()
    c = Console([os.path.join(a.bindir, "vkernel"), "-p", pidf])
    c.check(c.wait_exit(10) == 2 and "in use by a running vkernel" in c.buf,
            "a second vkernel may not share the pidfile")
    c.close()
    m.sendline("halt")
    m.check(m.exit_status() == 0, "halt status %s" % m.status)
    m.check(not os.path.exists(pidf), "pidfile removed at halt")
    m.close()
    shutil.rmtree(d)


@scenario
def console_as_plain_stream(a):
    """Without a terminal, the console reads stdin and writes stdout."""
    p = subprocess.run([os.path.join(a.bindir, "vkernel"), "-m", "64m"],
                       input=b"echo piped\r\necho second\nhalt\n",
                       capture_output=True, timeout=30)
    out = p.stdout.decode()
    if p.returncode != 0 or "\npiped\n" not in out or "\nsecond\n" not in out:
        raise TestFailure("pipe mode: status %d\n%s" % (p.returncode, out))


PC64_ONLY = set()
VKERNEL_ONLY = {"sigterm_restores_terminal", "sigint_restores_terminal",
                "bad_options_exit_2", "unreadable_image_exit_2",
                "image_and_pidfile_locked", "console_as_plain_stream",
                "halt_restores_terminal"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--platform", choices=("vkernel", "pc64"), required=True)
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("scenario", nargs="?")
    a = ap.parse_args()
    names = [n for n in SCENARIOS
             if not (a.platform == "pc64" and n in VKERNEL_ONLY)
             and not (a.platform == "vkernel" and n in PC64_ONLY)]
    if a.list:
        print("\n".join(names))
        return 0
    if a.scenario not in names:
        print("unknown scenario %r for %s" % (a.scenario, a.platform))
        return 2
    if a.platform == "pc64" and shutil.which("qemu-system-x86_64") is None:
        print("FAIL: qemu-system-x86_64 is not installed")
        return 1
    try:
        SCENARIOS[a.scenario](a)
    except TestFailure as e:
        print("FAIL: %s: %s" % (a.scenario, e))
        return 1
    print("PASS: %s on %s" % (a.scenario, a.platform))
    return 0


if __name__ == "__main__":
    sys.exit(main())
