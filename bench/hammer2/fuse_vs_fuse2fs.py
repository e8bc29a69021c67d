#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# fuse_vs_fuse2fs.py - hammer2fuse against Debian's fuse2fs (the anchor)
# on images holding the same tree, both measured in the same run
# (issue 6):
#
#   find over the whole tree (~20k files), cold (fresh mount) and warm
#   reading one 256 MiB file, cold and warm
#   reading 10k small files (1-4 KiB), cold and warm
#
# One host tree is generated in a temporary directory (pseudo-random
# with a fixed seed, so every run has the same tree): small/ holds the
# 10,000 small files (20 directories of 500), src/ 10,000 files of mixed
# sizes (a third of them 512 bytes or less, so HAMMER2 embeds them) in
# three levels of directories, and big.bin 256 MiB of non-zero
# pseudo-random data (no holes).  newfs_hammer2 -d makes the HAMMER2
# image from it (data stored uncompressed), mkfs.ext4 -d the ext4 image.
# Before timing, each image is mounted once and checked against the
# host tree (every path and size, and the big file's bytes).
#
# Cold means a fresh FUSE mount, after dropping the host's page cache
# when this user may (the output says whether it could); warm is the
# same command again on that mount.  Each cell is the median of RUNS
# runs (default 3); the order of the two drivers alternates between
# runs.  The temporary directory ($TMPDIR or /tmp, about 1 GiB) is
# removed at the end.  Never a test: the machine is shared.
import hashlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

import h2bench
from h2bench import (RUNS, drop_caches, sh, tool,
                     unmount, wait_mounted)

NSMALL = 10000          # small/: 20 directories of 500 files, 1-4 KiB
SMALLDIRS = 20
NSRC = 10000            # src/: 10 x 10 x 10 directories of 10 files
BIGSIZE = 256 << 20     # big.bin
NEED = 1536 << 20       # free space wanted for the tree and both images


class Driver:
    def __init__(self, name, image, argv):
        self.name = name
        self.image = image
        self.argv = argv        # argv with IMG and MNT placeholders

    def mount(self, mnt):
        argv = [a.replace("IMG", self.image).replace("MNT", mnt)
                for a in self.argv]
        sh(argv)
        wait_mounted(mnt, what=self.name)

    @staticmethod
    def unmount(mnt):
        unmount(mnt, "fuse_vs_fuse2fs")


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def make_tree(tree):
    """The host tree; returns its number of entries below the root."""
    rng = random.Random(6)
    os.makedirs(tree)
    nent = 0
    small = os.path.join(tree, "small")
    os.mkdir(small)
    nent += 1
    per = NSMALL // SMALLDIRS
    for d in range(SMALLDIRS):
        dp = os.path.join(small, "d%02d" % d)
        os.mkdir(dp)
        nent += 1
        for i in range(per):
            write(os.path.join(dp, "f%04d.txt" % i),
                  rng.randbytes(rng.randint(1024, 4096)))
            nent += 1
    src = os.path.join(tree, "src")
    os.mkdir(src)
    nent += 1
    n = 0
    for a in range(10):
        for b in range(10):
            for c in range(10):
                dp = os.path.join(src, "a%d" % a, "b%d" % b, "c%d" % c)
                os.makedirs(dp)
                nent += (c == 0) * ((b == 0) + 1) + 1
                for i in range(NSRC // 1000):
                    r = rng.random()
                    if r < 0.33:
                        size = rng.randint(0, 512)
                    elif r < 0.95:
                        size = rng.randint(513, 16384)
                    else:
                        size = rng.randint(16385, 256 << 10)
                    write(os.path.join(dp, "file%d.c" % n),
                          rng.randbytes(size))
                    n += 1
                    nent += 1
    h = hashlib.sha256()
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        left = BIGSIZE
        while left:
            chunk = rng.randbytes(min(left, 4 << 20))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    nent += 1
    return nent, h.hexdigest()


def listing(root):
    """
    Sorted 'path type size' lines of everything below root, but for
    ext4's lost+found and the sizes of directories.
    """
    out = sh("cd '%s' && find . -mindepth 1 -path ./lost+found -prune -o "
             "-printf '%%P %%y %%s\\n' | sed 's/ d [0-9]*$/ d/' | "
             "LC_ALL=C sort" % root).stdout
    return out


def prepare(work):
    """The host tree and both images made from it."""
    tree = os.path.join(work, "tree")
    t0 = time.time()
    nent, bigsum = make_tree(tree)
    t1 = time.time()
    img = os.path.join(work, "tree.h2")
    sh([tool("newfs_hammer2"), "-s", "2g", "-d", tree, img])
    t2 = time.time()
    ext4 = os.path.join(work, "tree.ext4")
    kib = int(sh(["du", "-sk", tree]).stdout.split()[0])
    sh(["mkfs.ext4", "-q", "-d", tree, "-L", "h2bench", ext4,
        "%dM" % (kib * 3 // 2048 + 64)])
    t3 = time.time()
    print("tree: %d entries, %d MiB (made in %.1f s); newfs_hammer2 -d "
          "%.1f s, mkfs.ext4 -d %.1f s" % (nent, kib >> 10, t1 - t0,
                                           t2 - t1, t3 - t2), flush=True)
    return tree, img, ext4, nent, bigsum


def verify(drv, mnt, want, bigsum):
    """The mounted image holds the host tree: names, types, sizes, bytes."""
    drv.mount(mnt)
    try:
        got = listing(mnt)
        if got != want:
            raise RuntimeError("%s: tree differs from the host tree" %
                               drv.name)
        h = hashlib.sha256()
        with open(os.path.join(mnt, "big.bin"), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != bigsum:
            raise RuntimeError("%s: big.bin differs" % drv.name)
    finally:
        drv.unmount(mnt)


def measure(drv, mnt, dropped):
    """One run of every row on one driver: {row: seconds}."""
    out = {}
    cases = [
        ("find", "find '%s' > /dev/null" % mnt),
        ("read big", "cat '%s/big.bin' > /dev/null" % mnt),
        ("read small", "find '%s/small' -type f -print0 | "
                       "xargs -0 cat > /dev/null" % mnt),
    ]
    for row, cmd in cases:
        if dropped:
            drop_caches()
        drv.mount(mnt)
        try:
            out[row + " cold"] = timed(cmd)
            out[row + " warm"] = timed(cmd)
        finally:
            drv.unmount(mnt)
    return out


def cell(v):
    if not v:
        return "n/a"
    return "%.3f s" % statistics.median(v)


def run(w):
    work = w.path
    tree, img, ext4, nent, bigsum = prepare(work)
    mnt = os.path.join(work, "mnt")
    os.mkdir(mnt)
    drivers = [Driver("hammer2fuse", img, [tool("hammer2fuse"), "IMG", "MNT"]),
               Driver("fuse2fs", ext4, ["fuse2fs", "-o", "ro", "IMG",
                                        "MNT"])]
    want = listing(tree)
    for d in drivers:
        verify(d, mnt, want, bigsum)
    shutil.rmtree(tree)         # the images are all the runs need
    dropped = drop_caches()
    res = {d.name: {} for d in drivers}
    t0 = time.time()
    for r in range(RUNS):
        order = drivers if r % 2 == 0 else drivers[::-1]
        for d in order:
            for k, v in measure(d, mnt, dropped).items():
                res[d.name].setdefault(k, []).append(v)
    print("measured in %.0f s" % (time.time() - t0))

    rows = [
        ("find, cold", "find cold"),
        ("find, warm", "find warm"),
        ("read 256 MiB file, cold", "read big cold"),
        ("read 256 MiB file, warm", "read big warm"),
        ("read %d small files, cold" % NSMALL, "read small cold"),
        ("read %d small files, warm" % NSMALL, "read small warm"),
    ]
    print()
    print("hammer2fuse vs fuse2fs (anchor), median of %d runs; %s" % (
        RUNS, "host page cache dropped before each cold row" if dropped
        else "cold = fresh FUSE mount; host page cache NOT dropped (not "
        "permitted), so the image files stay cached on the host"))
    print("kernel %s, %d CPUs; one generated tree of %d entries "
          "(newfs_hammer2 -d / mkfs.ext4 -d)" % (
              os.uname().release, os.cpu_count(), nent))
    print()
    print("| operation | hammer2fuse | fuse2fs | hammer2fuse/fuse2fs |")
    print("|---|---|---|---|")
    for label, key in rows:
        h = res["hammer2fuse"].get(key)
        f = res["fuse2fs"].get(key)
        ratio = "%.2f" % (statistics.median(h) / statistics.median(f)) \
            if h and f and statistics.median(f) > 0 else "-"
        print("| %s | %s | %s | %s |" % (label, cell(h), cell(f), ratio))
    hb = res["hammer2fuse"]["read big cold"]
    fb = res["fuse2fs"]["read big cold"]
    print()
    print("cold read of the 256 MiB file: hammer2fuse %.0f MiB/s, "
          "fuse2fs %.0f MiB/s" % (256 / statistics.median(hb),
                                  256 / statistics.median(fb)))


if __name__ == "__main__":
    sys.exit(h2bench.main("fuse_vs_fuse2fs", ("fuse2fs", "fusermount3", "mkfs.ext4"),
                            ("hammer2fuse", "newfs_hammer2"), NEED, run))
