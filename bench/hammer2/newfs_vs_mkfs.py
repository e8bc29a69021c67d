#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# newfs_vs_mkfs.py - how fast `newfs_hammer2 -d TREE IMG` copies a host
# tree into a fresh image, against `mkfs.ext4 -q -F -d TREE IMG` (the
# anchor) on the same tree, both measured in the same run.
#
# The tree (about 200 MiB, pseudo-random with a fixed seed, so the same
# every run) is made once in a temporary directory: small/ holds 20,000
# files of 0-6 KiB in 40 directories (a third of them 512 bytes or less,
# which HAMMER2 embeds in the inode), mid/ 240 files of 64 KiB-1 MiB,
# and big/ three files of 16 MiB.  Each run makes the image from nothing:
# newfs_hammer2 creates it (-s 1g, sparse), mkfs.ext4 gets a fresh 1 GiB
# sparse file.  Both tools fsync the image before they exit, and that is
# timed; the tree is read from the host page cache (it was just
# written).  The runs alternate between the two tools; each cell is the
# median of RUNS (default 5).  Before timing, one image of each is
# checked: fsck_hammer2 and `e2fsck -fn` must be clean.  Never a test.
import os
import random
import subprocess
import sys
import time

import h2bench
from h2bench import (median, ratio, secs, sh, tool)

RUNS = int(os.environ.get("RUNS", "5"))
IMGSIZE = 1 << 30
NEED = 1536 << 20       # the tree, one image, room to spare
MIB = 1 << 20


def make_tree(tree):
    """The host tree; returns (entries, bytes of file data)."""
    rng = random.Random(11)
    nent = nbytes = 0

    def put(path, n):
        nonlocal nent, nbytes
        with open(path, "wb") as f:
            f.write(rng.randbytes(n))
        nent += 1
        nbytes += n

    for d in range(40):
        dp = os.path.join(tree, "small", "d%02d" % d)
        os.makedirs(dp)
        nent += 1
        for i in range(500):
            n = rng.randint(0, 512) if rng.random() < 0.33 else \
                rng.randint(513, 6144)
            put(os.path.join(dp, "f%03d" % i), n)
    for d in range(8):
        dp = os.path.join(tree, "mid", "m%d" % d)
        os.makedirs(dp)
        nent += 1
        for i in range(30):
            put(os.path.join(dp, "blob%02d" % i),
                rng.randint(64 << 10, 1 << 20))
    os.makedirs(os.path.join(tree, "big"))
    for i in range(3):
        put(os.path.join(tree, "big", "big%d.bin" % i), 16 * MIB)
    return nent + 3, nbytes


def newfs(tree, img):
    return [tool("newfs_hammer2"), "-s", str(IMGSIZE), "-d", tree, img]


def mkfs(tree, img):
    return ["mkfs.ext4", "-q", "-F", "-d", tree, img]


def fresh(img, sparse):
    """Remove the last image; make a sparse file if the tool needs one."""
    if os.path.exists(img):
        os.unlink(img)
    os.sync()
    if sparse:
        with open(img, "wb") as f:
            f.truncate(IMGSIZE)


def timed(argv):
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def check_images(tree, work):
    """One image of each kind passes its own fsck."""
    img = os.path.join(work, "check.h2")
    sh(newfs(tree, img))
    r = subprocess.run([tool("fsck_hammer2"), img], capture_output=True,
                       text=True)
    if r.returncode != 0 or " 0 errors" not in r.stdout:
        raise RuntimeError("fsck_hammer2 on the newfs image: %s%s" % (
            r.stdout[-2000:], r.stderr))
    os.unlink(img)
    img = os.path.join(work, "check.ext4")
    fresh(img, True)
    sh(mkfs(tree, img))
    sh(["e2fsck", "-fn", img])
    os.unlink(img)


def run(w):
    work = w.path
    tree = os.path.join(work, "tree")
    t0 = time.time()
    nent, nbytes = make_tree(tree)
    kib = int(sh(["du", "-sk", tree]).stdout.split()[0])
    print("tree: %d entries, %.1f MiB of file data (%d MiB on the host), "
          "made in %.1f s" % (nent, nbytes / MIB, kib >> 10,
                              time.time() - t0), flush=True)
    check_images(tree, work)
    img = os.path.join(work, "img")
    tools = [("newfs_hammer2 -d", newfs, False),
             ("mkfs.ext4 -d", mkfs, True)]
    res = {name: [] for name, _, _ in tools}
    for r in range(RUNS):
        for name, argv, sparse in (tools if r % 2 == 0 else tools[::-1]):
            fresh(img, sparse)
            res[name].append(timed(argv(tree, img)))
    os.unlink(img)

    h = median(res["newfs_hammer2 -d"])
    m = median(res["mkfs.ext4 -d"])
    print()
    print("newfs_hammer2 -d vs mkfs.ext4 -d (anchor): a %.0f MiB tree into "
          "a fresh 1 GiB image, median of %d runs" % (
              nbytes / MIB, RUNS))
    print("kernel %s, %d CPUs; tree in the host page cache; both tools "
          "fsync the image" % (os.uname().release, os.cpu_count()))
    print()
    print("| tool | median | min-max | MiB/s | vs mkfs.ext4 |")
    print("|---|---|---|---|---|")
    for name, _, _ in tools:
        v = res[name]
        print("| %s | %s | %.3f-%.3f s | %.0f | %s |" % (
            name, secs(median(v)), min(v), max(v),
            nbytes / MIB / median(v), ratio(median(v), m)))
    print()
    print("newfs_hammer2/mkfs.ext4 time ratio: %s" % ratio(h, m))


if __name__ == "__main__":
    sys.exit(h2bench.main("newfs_vs_mkfs", ("mkfs.ext4", "e2fsck"),
                            ("newfs_hammer2", "fsck_hammer2"), NEED, run))
