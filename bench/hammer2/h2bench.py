# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# h2bench.py - what the HAMMER2 benchmarks in this directory share:
# where the tools are, running commands, FUSE mounts and unmounts (with
# the retries fuse2fs needs), dropping the page cache, a work directory
# that is cleaned up (mounts included) however the script ends, and
# medians.  Not a benchmark itself: run.sh does not call it.
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
BINDIR = os.environ.get("BINDIR", os.path.join(SRC, "build", "bin"))
RUNS = int(os.environ.get("RUNS", "3"))


def tool(name):
    return os.path.join(BINDIR, name)


def sh(cmd, **kw):
    """Run a command (a string goes to the shell); raise on failure."""
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True,
                          capture_output=True, text=True, **kw)


def missing(host_tools, built_tools):
    """A sentence naming the first missing tool, or None."""
    for t in host_tools:
        if shutil.which(t) is None:
            return "%s not found (scripts/deps.sh)" % t
    for t in built_tools:
        if not os.path.exists(tool(t)):
            return "%s not built (make)" % tool(t)
    return None


def mounted(mnt):
    real = os.path.realpath(mnt)
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == real for l in f)


def mounts_below(top):
    """Mount points at or below top, deepest first."""
    real = os.path.realpath(top)
    with open("/proc/self/mountinfo") as f:
        pts = [l.split()[4] for l in f]
    return sorted((p for p in pts if p == real or
                   p.startswith(real + "/")), key=len, reverse=True)


def fusermount():
    return "fusermount3" if shutil.which("fusermount3") else "fusermount"


def unmount(mnt, who="h2bench"):
    """
    fusermount3 -u, retried: right after the last command exits, the
    kernel may still hold the mount (EBUSY, seen with fuse2fs).  After
    the retries, detach lazily (-uz) and say so.
    """
    err = ""
    for i in range(10):
        r = subprocess.run([fusermount(), "-u", mnt], capture_output=True,
                           text=True)
        if r.returncode == 0 or not mounted(mnt):
            break
        err = r.stderr.strip()
        time.sleep(0.1 * (i + 1))
    else:
        print("%s: unmount of %s still failing (%s); lazy unmount "
              "(%s -uz)" % (who, mnt, err, fusermount()), file=sys.stderr,
              flush=True)
        sh([fusermount(), "-uz", mnt])
    t0 = time.time()
    while mounted(mnt):
        if time.time() - t0 > 30:
            raise RuntimeError("unmount of %s hangs" % mnt)
        time.sleep(0.02)


def wait_mounted(mnt, proc=None, what="the driver"):
    """Wait until mnt is a mount point; fail if proc exits first."""
    t0 = time.time()
    while not mounted(mnt):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited %d before mounting: %s" % (
                what, proc.returncode, proc.stderr.read().strip()))
        if time.time() - t0 > 30:
            raise RuntimeError("%s did not mount %s" % (what, mnt))
        time.sleep(0.02)


def drop_caches():
    """Drop the host page cache if allowed; True when it was."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


class Workdir:
    """
    A temporary directory ($TMPDIR or /tmp) with at least `need` bytes
    free.  On leaving, and on SIGTERM or SIGINT, whatever is still
    mounted below it is unmounted, the processes registered with
    track() are killed, and the directory is removed.
    """

    def __init__(self, prefix, need):
        self.prefix = prefix
        self.need = need
        self.procs = []

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix=self.prefix)
        self.old = {s: signal.signal(s, self._signalled)
                    for s in (signal.SIGTERM, signal.SIGHUP)}
        st = os.statvfs(self.path)
        if st.f_bavail * st.f_frsize < self.need:
            free = st.f_bavail * st.f_frsize
            self.__exit__(None, None, None)
            raise SystemExit("%s: %d MiB free in %s, %d needed" % (
                self.prefix.rstrip("."), free >> 20,
                os.path.dirname(self.path), self.need >> 20))
        return self

    def _signalled(self, signum, frame):
        raise SystemExit("%s: signal %d" % (self.prefix.rstrip("."),
                                            signum))

    def track(self, proc):
        self.procs.append(proc)
        return proc

    def __exit__(self, *exc):
        for m in mounts_below(self.path):
            try:
                unmount(m, self.prefix.rstrip("."))
            except Exception as e:          # keep cleaning up
                print("%s: %s" % (self.prefix.rstrip("."), e),
                      file=sys.stderr)
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.path, ignore_errors=True)
        for s, h in self.old.items():
            signal.signal(s, h)
        return False


def median(v):
    return statistics.median(v) if v else None


def secs(v):
    return "n/a" if v is None else "%.3f s" % v


def ratio(a, b):
    return "-" if a is None or not b else "%.2f" % (a / b)


def main(name, host_tools, built_tools, need, run):
    """A benchmark's main: check the tools, then run(Workdir); 0 or 1."""
    why = missing(host_tools, built_tools)
    if why is not None:
        print("%s: %s" % (name, why))
        return 1
    with Workdir("h2%s." % name, need) as w:
        run(w)
    return 0
