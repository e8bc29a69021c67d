# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# harness.py - drive a kernel console from a test.
#
# Console starts a program on a fresh pseudo-terminal (as its controlling
# terminal, like a user's shell would), lets a test send lines and wait
# for regular expressions, and on any failure raises TestFailure with the
# whole transcript, so a CI log shows what the kernel said.  Machine()
# builds the console for a platform: the vkernel binary, or pc64 under
# qemu-system-x86_64 in software emulation with the serial port on the
# terminal.  Timeouts only guard against hangs; they never judge speed.
import errno
import fcntl
import os
import pty
import re
import select
import signal
import subprocess
import termios
import time


class TestFailure(Exception):
    pass


class Console:
    """A program on a pty: send input, expect output, collect the exit."""

    def __init__(self, argv, name=None, timeout=60, env=None, cwd=None):
        self.argv = list(argv)
        self.name = name or os.path.basename(argv[0])
        self.timeout = timeout
        self.buf = ""          # everything read, \r removed
        self.pos = 0           # expect() searches from here
        self.status = None
        master, slave = pty.openpty()
        self.master, self.slave = master, slave
        self.saved_modes = termios.tcgetattr(slave)

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            self.argv, stdin=slave, stdout=slave, stderr=slave,
            preexec_fn=child_setup, close_fds=True, env=env, cwd=cwd)

    # -- output ------------------------------------------------------------
    def _read(self, deadline):
        """Wait until deadline (at most 0.2 s) for output; True if any."""
        left = max(0.0, deadline - time.monotonic())
        r, _, _ = select.select([self.master], [], [], min(left, 0.2))
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError as e:
            if e.errno == errno.EIO:     # no slave left: nothing more
                return False
            raise
        self.buf += data.decode("utf-8", "replace").replace("\r", "")
        return bool(data)

    def expect(self, pattern, timeout=None):
        """Wait for regex `pattern' in new output; returns the match."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            if time.monotonic() >= deadline:
                self.fail("timed out waiting for /%s/" % pattern)
            if not self._read(deadline) and self.proc.poll() is not None:
                self.drain()
                if not rx.search(self.buf, self.pos):
                    self.fail("%s exited (status %s) before /%s/" %
                              (self.name, self.proc.returncode, pattern))

    def drain(self):
        """Collect output until none arrives for 0.1 s."""
        while self._read(time.monotonic() + 0.1):
            pass

    # -- input -------------------------------------------------------------
    def send(self, text):
        os.write(self.master, text.encode())

    def sendline(self, line):
        self.send(line + "\r")

    def command(self, line, prompt=r"damselfly> ", timeout=None):
        """Send a monitor command; returns its output, without the echo of
        the command line, up to the next prompt."""
        self.sendline(line)
        start = self.pos
        m = self.expect(prompt, timeout)
        out = self.buf[start:m.start()]
        return out.split("\n", 1)[1] if "\n" in out else ""

    # -- exit --------------------------------------------------------------
    def wait_exit(self, timeout=None):
        deadline = time.monotonic() + (timeout or self.timeout)
        while self.proc.poll() is None:
            if time.monotonic() >= deadline:
                self.fail("%s did not exit" % self.name)
            self._read(deadline)
        self.drain()
        self.status = self.proc.returncode
        return self.status

    def modes_restored(self):
        """True when the terminal is in the modes it had before."""
        return termios.tcgetattr(self.slave) == self.saved_modes

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        self.kill()
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def fail(self, msg):
        self.kill()
        raise TestFailure("%s: %s\n--- transcript of %s ---\n%s\n--- end ---" %
                          (self.name, msg, " ".join(self.argv), self.buf))

    def check(self, cond, msg):
        if not cond:
            self.fail(msg)


QEMU = "qemu-system-x86_64"


class Machine(Console):
    """A booted kernel: the vkernel, or pc64 in QEMU on a serial console."""

    def __init__(self, platform, bindir, mem_mb=128, ncpu=1, extra=(),
                 timeout=None, params=()):
        self.platform = platform
        if platform == "vkernel":
            argv = [os.path.join(bindir, "vkernel"), "-m", "%dm" % mem_mb,
                    "-n", str(ncpu)]
            for p in params:
                argv += ["-e", p]
            argv += list(extra)
            timeout = timeout or 30
        elif platform == "pc64":
            argv = [QEMU, "-accel", "tcg", "-m", str(mem_mb),
                    "-smp", str(ncpu), "-display", "none",
                    # signal=off: ^C is a key for the kernel, as on the
                    # vkernel, not a signal that ends QEMU.
                    "-chardev", "stdio,id=con,signal=off",
                    "-serial", "chardev:con", "-monitor", "none",
                    "-no-reboot",
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                    "-kernel", os.path.join(bindir, "kernel.pc64")]
            if params:
                argv += ["-append", " ".join(params)]
            argv += list(extra)
            timeout = timeout or 120
        else:
            raise ValueError("unknown platform %r" % platform)
        Console.__init__(self, argv, name=platform, timeout=timeout)

    def exit_status(self, timeout=None):
        """The kernel's halt status, mapped back from isa-debug-exit."""
        st = self.wait_exit(timeout)
        if self.platform == "pc64" and st is not None and st > 0 and st & 1:
            return st >> 1
        return st
