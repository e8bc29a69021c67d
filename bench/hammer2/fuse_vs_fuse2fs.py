#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# fuse_vs_fuse2fs.py - hammer2fuse against Debian's fuse2fs (the anchor)
# on images holding the same tree, both measured in the same run:
#
#   find over the whole tree, cold (fresh mount) and warm (again)
#   reading one large file, cold and warm
#   reading many small files, cold and warm
#
# The HAMMER2 image is the reference image big-xxh64 (written by
# DragonFly's own code): nothing in fs/hammer2 can write yet (the writer
# and newfs_hammer2 are issue 7), so no larger HAMMER2 tree, and no
# image with a 256 MiB file, can be made honestly.  The table says which
# tree each row used and prints the 256 MiB row as not measurable.  The
# ext4 image is made with mkfs.ext4 -d from that tree as `hammer2 get`
# extracts it.  Cold means a fresh FUSE mount, after dropping the host's
# page cache when this user may (it says whether it could).  Each cell
# is the median of RUNS runs (default 3); the order of the two drivers
# alternates between runs.  Never a test: the machine is shared.
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
BINDIR = os.environ.get("BINDIR", os.path.join(SRC, "build", "bin"))
REF = os.path.normpath(os.path.join(SRC, "..", "shared", "reference",
                                    "hammer2"))
RUNS = int(os.environ.get("RUNS", "3"))
IMAGE = "big-xxh64"


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True,
                          capture_output=True, text=True, **kw)


def mounted(mnt):
    real = os.path.realpath(mnt)
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == real for l in f)


def drop_caches():
    """Drop the host page cache if allowed; True when it was."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


class Driver:
    def __init__(self, name, image, argv):
        self.name = name
        self.image = image
        self.argv = argv        # argv with IMG and MNT placeholders

    def mount(self, mnt):
        argv = [a.replace("IMG", self.image).replace("MNT", mnt)
                for a in self.argv]
        sh(argv)
        t0 = time.time()
        while not mounted(mnt):
            if time.time() - t0 > 30:
                raise RuntimeError("%s did not mount" % self.name)
            time.sleep(0.02)

    @staticmethod
    def unmount(mnt):
        sh(["fusermount3", "-u", mnt])
        t0 = time.time()
        while mounted(mnt):
            if time.time() - t0 > 30:
                raise RuntimeError("unmount of %s hangs" % mnt)
            time.sleep(0.02)


def timed(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def prepare(work):
    """The HAMMER2 image, its tree and the matching ext4 image."""
    os.makedirs(work, exist_ok=True)
    shared = os.path.join(BINDIR, "..", "hammer2-images", IMAGE + ".img")
    img = shared if os.path.exists(shared) else \
        os.path.join(work, IMAGE + ".img")
    if not os.path.exists(img):
        sh("xz -dc '%s/images/%s.img.xz' | cp --sparse=always /dev/stdin "
           "'%s'" % (REF, IMAGE, img))
    tree = os.path.join(work, "tree")
    ext4 = os.path.join(work, IMAGE + ".ext4")
    if not os.path.exists(ext4):
        shutil.rmtree(tree, ignore_errors=True)
        sh([os.path.join(BINDIR, "hammer2"), "-f", img, "get", "/", tree])
        kib = int(sh(["du", "-sk", tree]).stdout.split()[0])
        size = "%dM" % (kib * 2 // 1024 + 64)
        sh(["mkfs.ext4", "-q", "-d", tree, "-L", "h2bench", ext4 + ".tmp",
            size])
        os.rename(ext4 + ".tmp", ext4)
    files = [l.split("\t") for l in open(os.path.join(
        REF, "images", IMAGE + ".manifest"))]
    nent = len(files)
    big = max((int(f[2]), f[4].rstrip("\n")) for f in files if f[0] == "f")
    small = [f for f in files if f[0] == "f" and f[4].startswith("wide/")]
    return img, ext4, nent, big, len(small)


def measure(drv, mnt, big, dropped):
    """One run of every row on one driver: {row: seconds}."""
    out = {}
    cases = [
        ("find", "find '%s' > /dev/null" % mnt),
        ("read big", "cat '%s/%s' > /dev/null" % (mnt, big)),
        ("read small", "find '%s/wide' -type f -print0 | "
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


def main():
    if not os.path.isdir(os.path.join(REF, "images")):
        print("SKIPPED: reference images not found (%s)" % REF)
        return 0
    for tool in ("fuse2fs", "fusermount3", "mkfs.ext4"):
        if shutil.which(tool) is None:
            print("fuse_vs_fuse2fs: %s not found (scripts/deps.sh)" % tool)
            return 1
    h2fuse = os.path.join(BINDIR, "hammer2fuse")
    if not os.path.exists(h2fuse):
        print("fuse_vs_fuse2fs: %s not built (make)" % h2fuse)
        return 1
    work = os.path.join(BINDIR, "..", "bench-hammer2")
    img, ext4, nent, (bigsize, big), nsmall = prepare(work)
    mnt = os.path.join(work, "mnt")
    os.makedirs(mnt, exist_ok=True)
    if mounted(mnt):
        Driver.unmount(mnt)
    dropped = drop_caches()
    drivers = [Driver("hammer2fuse", img, [h2fuse, "IMG", "MNT"]),
               Driver("fuse2fs", ext4, ["fuse2fs", "-o", "ro", "IMG",
                                        "MNT"])]
    res = {d.name: {} for d in drivers}
    for r in range(RUNS):
        order = drivers if r % 2 == 0 else drivers[::-1]
        for d in order:
            for k, v in measure(d, mnt, big, dropped).items():
                res[d.name].setdefault(k, []).append(v)

    tree = "%s: %d entries" % (IMAGE, nent)
    rows = [
        ("find, cold", "find cold", tree),
        ("find, warm", "find warm", tree),
        ("read 256 MiB file, cold", None,
         "n/a: no HAMMER2 writer yet (issue 7)"),
        ("read %d MiB file, cold" % (bigsize >> 20), "read big cold",
         "%s: /%s" % (IMAGE, big)),
        ("read %d MiB file, warm" % (bigsize >> 20), "read big warm",
         "%s: /%s" % (IMAGE, big)),
        ("read %d small files, cold" % nsmall, "read small cold",
         "%s: /wide (10k not available)" % IMAGE),
        ("read %d small files, warm" % nsmall, "read small warm",
         "%s: /wide" % IMAGE),
    ]
    print("hammer2fuse vs fuse2fs (anchor), median of %d runs; %s" % (
        RUNS, "host page cache dropped before each cold row" if dropped
        else "cold = fresh FUSE mount; host page cache NOT dropped (not "
        "permitted), so the image files stay cached on the host"))
    print("kernel %s, %d CPUs, fuse2fs on %s (mkfs.ext4 -d of the same "
          "tree)" % (os.uname().release, os.cpu_count(),
                     os.path.basename(ext4)))
    print()
    print("| operation | tree | hammer2fuse | fuse2fs | hammer2fuse/fuse2fs |")
    print("|---|---|---|---|---|")
    for label, key, what in rows:
        h = res["hammer2fuse"].get(key) if key else None
        f = res["fuse2fs"].get(key) if key else None
        ratio = "%.2f" % (statistics.median(h) / statistics.median(f)) \
            if h and f and statistics.median(f) > 0 else "-"
        print("| %s | %s | %s | %s | %s |" % (label, what, cell(h), cell(f),
                                              ratio))
    if bigsize:
        hb = res["hammer2fuse"].get("read big cold")
        fb = res["fuse2fs"].get("read big cold")
        print()
        print("cold read of the %d MiB file: hammer2fuse %.0f MiB/s, "
              "fuse2fs %.0f MiB/s" % (bigsize >> 20,
                                      (bigsize >> 20) / statistics.median(hb),
                                      (bigsize >> 20) / statistics.median(fb)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
