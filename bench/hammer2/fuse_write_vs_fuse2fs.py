#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# fuse_write_vs_fuse2fs.py - writing through a FUSE mount: a read-write
# hammer2fuse (`hammer2fuse -w IMAGE MNT`) against Debian's fuse2fs (the
# anchor, `fuse2fs IMAGE MNT -o rw,fakeroot`), both measured in the same
# run.  One run, on a fresh mount of a fresh image:
#
#   create   10,000 files of 1-4 KiB (20 directories of 500): open,
#            write, close each
#   write    one 256 MiB file sequentially in 1 MiB write(2)s, then fsync
#   rm -r    of everything written
#   unmount  fusermount3 -u until the driver has exited, i.e. including
#            whatever it flushes when unmounted
#
# The images are made untimed before each run: `newfs_hammer2 -s 2G` for
# hammer2fuse, `mkfs.ext4 -q -F` on a 2 GiB sparse file for fuse2fs.  The
# data is pseudo-random with a fixed seed.  The first run of each driver
# also checks (untimed) that every file is there with its size, that the
# big file reads back with the right SHA-256, and that fsck_hammer2 or
# e2fsck -fn finds the image clean after the unmount.
#
# hammer2fuse cannot write yet.  Before measuring, the script mounts an
# image with -w and writes one file; if hammer2fuse refuses -w or the
# write fails, it prints "hammer2fuse: read-write not supported yet" and
# measures fuse2fs alone.  Each cell is the median of RUNS runs (default
# 3); the order of the drivers alternates.  Never a test.
import hashlib
import os
import random
import subprocess
import sys
import time

import h2bench
from h2bench import (RUNS, median, ratio, secs, sh, tool,
                     unmount, wait_mounted)

NFILES = 10000
NDIRS = 20
BIGSIZE = 256 << 20
CHUNK = 1 << 20
IMGSIZE = 2 << 30
NEED = 1536 << 20       # two sparse images, each holding at most ~300 MiB
PHASES = ("create", "write", "rm", "unmount")


class Driver:
    """A FUSE driver that is started in the foreground (-f) under us, so
    that the unmount can be timed until it exits."""

    def __init__(self, name, w):
        self.name = name
        self.w = w

    def image(self, img):
        raise NotImplementedError

    def argv(self, img, mnt):
        raise NotImplementedError

    def fsck(self, img):
        raise NotImplementedError

    def mount(self, img, mnt):
        os.sync()
        p = self.w.track(subprocess.Popen(
            self.argv(img, mnt), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True))
        wait_mounted(mnt, p, self.name)
        return p

    def unmount(self, mnt, proc):
        """Seconds from the unmount request until the driver exited."""
        t0 = time.perf_counter()
        unmount(mnt, "fuse_write_vs_fuse2fs")
        rc = proc.wait(timeout=300)
        t = time.perf_counter() - t0
        if rc != 0:
            raise RuntimeError("%s exited %d: %s" % (
                self.name, rc, proc.stderr.read().strip()))
        return t


class Hammer2fuse(Driver):
    def image(self, img):
        if os.path.exists(img):
            os.unlink(img)
        sh([tool("newfs_hammer2"), "-s", "2G", img])

    def argv(self, img, mnt):
        return [tool("hammer2fuse"), "-w", img, mnt, "-f"]

    def fsck(self, img):
        r = subprocess.run([tool("fsck_hammer2"), img], capture_output=True,
                           text=True)
        return r.returncode == 0 and " 0 errors" in r.stdout, \
            (r.stdout + r.stderr)[-1500:]

    def writable(self, img, mnt):
        """None if a -w mount takes a write, else why not."""
        self.image(img)
        p = self.w.track(subprocess.Popen(
            self.argv(img, mnt), stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True))
        try:
            wait_mounted(mnt, p, self.name)
        except RuntimeError as e:
            p.kill()
            p.wait()
            return str(e)
        try:
            with open(os.path.join(mnt, "probe"), "wb") as f:
                f.write(b"x")
                os.fsync(f.fileno())
            why = None
        except OSError as e:
            why = "writing a file through the mount: %s" % e
        self.unmount(mnt, p)
        return why


class Fuse2fs(Driver):
    def image(self, img):
        if os.path.exists(img):
            os.unlink(img)
        with open(img, "wb") as f:
            f.truncate(IMGSIZE)
        sh(["mkfs.ext4", "-q", "-F", img])

    def argv(self, img, mnt):
        return ["fuse2fs", img, mnt, "-f", "-o", "rw,fakeroot"]

    def fsck(self, img):
        r = subprocess.run(["e2fsck", "-fn", img], capture_output=True,
                           text=True)
        return r.returncode == 0, (r.stdout + r.stderr)[-1500:]


class Workload:
    """The data, made once: the small files' contents and 1 MiB chunks
    of the big file."""

    def __init__(self):
        rng = random.Random(13)
        self.small = [rng.randbytes(rng.randint(1024, 4096))
                      for _ in range(NFILES)]
        self.chunks = [rng.randbytes(CHUNK) for _ in range(16)]
        h = hashlib.sha256()
        for i in range(BIGSIZE // CHUNK):
            h.update(self.chunks[i % 16])
        self.bigsum = h.hexdigest()

    def create(self, top):
        per = NFILES // NDIRS
        for d in range(NDIRS):
            dp = os.path.join(top, "small", "d%02d" % d)
            os.makedirs(dp)
            for i in range(per):
                with open(os.path.join(dp, "f%04d" % i), "wb") as f:
                    f.write(self.small[d * per + i])

    def write(self, top):
        fd = os.open(os.path.join(top, "big.bin"),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for i in range(BIGSIZE // CHUNK):
                if os.write(fd, self.chunks[i % 16]) != CHUNK:
                    raise RuntimeError("short write")
            os.fsync(fd)
        finally:
            os.close(fd)

    def check(self, top, name):
        """Every file there with its size; the big file's bytes."""
        per = NFILES // NDIRS
        for d in range(NDIRS):
            for i in range(per):
                p = os.path.join(top, "small", "d%02d" % d, "f%04d" % i)
                if os.stat(p).st_size != len(self.small[d * per + i]):
                    raise RuntimeError("%s: %s has the wrong size" %
                                       (name, p))
        h = hashlib.sha256()
        with open(os.path.join(top, "big.bin"), "rb") as f:
            for b in iter(lambda: f.read(CHUNK), b""):
                h.update(b)
        if h.hexdigest() != self.bigsum:
            raise RuntimeError("%s: big.bin reads back wrong" % name)


def timed(fn, *args):
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def one_run(drv, wl, work, first):
    img = os.path.join(work, drv.name + ".img")
    mnt = os.path.join(work, "mnt")
    drv.image(img)
    proc = drv.mount(img, mnt)
    top = os.path.join(mnt, "tree")
    os.mkdir(top)
    out = {"create": timed(wl.create, top), "write": timed(wl.write, top)}
    if first:
        wl.check(top, drv.name)
    out["rm"] = timed(sh, ["rm", "-r", top])
    out["unmount"] = drv.unmount(mnt, proc)
    if first:
        ok, text = drv.fsck(img)
        print("%s: first run checked: files and contents right, fsck %s" %
              (drv.name, "clean" if ok else "NOT clean:\n" + text),
              flush=True)
    os.unlink(img)
    return out


def report(res, drivers):
    print()
    print("FUSE writes, hammer2fuse -w vs fuse2fs (anchor), median of %d "
          "runs; fresh image and mount per run" % RUNS)
    print("kernel %s, %d CPUs; create = %d files of 1-4 KiB in %d "
          "directories, write = %d MiB in 1 MiB writes + fsync" % (
              os.uname().release, os.cpu_count(), NFILES, NDIRS,
              BIGSIZE >> 20))
    print()
    print("| driver | create %d files | write %d MiB + fsync | rm -r | "
          "unmount | total |" % (NFILES, BIGSIZE >> 20))
    print("|---|---|---|---|---|---|")
    meds = {}
    for d in drivers:
        r = res.get(d)
        m = {p: median(r[p]) if r else None for p in PHASES}
        m["total"] = median([sum(x) for x in zip(*(r[p] for p in PHASES))]) \
            if r else None
        meds[d] = m
        w = "%s (%.0f MiB/s)" % (secs(m["write"]), (BIGSIZE >> 20) /
                                 m["write"]) if r else "n/a"
        print("| %s | %s | %s | %s | %s | %s |" % (
            d, secs(m["create"]), w, secs(m["rm"]), secs(m["unmount"]),
            secs(m["total"])))
    h, f = meds["hammer2fuse"], meds["fuse2fs"]
    print("| hammer2fuse/fuse2fs | %s |" % " | ".join(
        ratio(h[p], f[p]) for p in PHASES + ("total",)))


def run(w):
    wl = Workload()
    mnt = os.path.join(w.path, "mnt")
    os.mkdir(mnt)
    h2 = Hammer2fuse("hammer2fuse", w)
    why = h2.writable(os.path.join(w.path, "probe.img"), mnt)
    os.unlink(os.path.join(w.path, "probe.img"))
    drivers = [Fuse2fs("fuse2fs", w)]
    if why is None:
        drivers.insert(0, h2)
    else:
        print("hammer2fuse: read-write not supported yet (%s)" % why,
              flush=True)
    res = {d.name: {p: [] for p in PHASES} for d in drivers}
    for r in range(RUNS):
        for d in (drivers if r % 2 == 0 else drivers[::-1]):
            for p, v in one_run(d, wl, w.path, r == 0).items():
                res[d.name][p].append(v)
    report(res, ["hammer2fuse", "fuse2fs"])


if __name__ == "__main__":
    sys.exit(h2bench.main("fuse_write_vs_fuse2fs", ("fuse2fs", "fusermount3", "mkfs.ext4", "e2fsck"),
                            ("hammer2fuse", "newfs_hammer2", "fsck_hammer2"), NEED, run))
