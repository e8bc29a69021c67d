#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_newfs.py - newfs_hammer2 makes volumes that our own tools and an
# independent reader accept: each fresh image opens with `hammer2
# volhdr`, lists LOCAL plus DATA (or the -L labels), has empty PFS
# roots, passes `fsck_hammer2 -a` clean and passes the reference walker
# h2walk.py with every check code verified (at every header copy).  The
# newfs-static block (super-root and PFS root inodes) is compared field
# by field with the one DragonFly's code left in the reference image
# example-img1.h2 (stale but intact there), masking only times, UUIDs
# and the check codes over them.  Bad usage exits 2 with one line.
# newfs_hammer2 -d copies a generated tree (embedded and boundary-sized
# files, a 9 MB file needing indirect blocks, a sparse file, long and
# 64/65-byte names, 9/512/700-byte symlinks, hard links, a 300-entry
# directory, a fifo, odd modes) that passes the same checks and that
# `hammer2 get` reproduces exactly.
# Without the reference directory the walker and reference-image steps
# print "SKIPPED: ..." and the rest still runs.
import argparse
import hashlib
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "hammer2_tools"))
import h2lib  # noqa: E402  (snapshot(), shared with the tool tests)

MB = 1 << 20
GB = 1 << 30
FAILS = []


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def check(cond, what, detail=""):
    if cond:
        print("ok   " + what)
    else:
        print("FAIL " + what + (("\n     " + detail.replace("\n", "\n     "))
                                if detail else ""))
        FAILS.append(what)


def bad_usage(a):
    nf = a.newfs
    img = os.path.join(a.workdir, "usage.img")
    if os.path.exists(img):
        os.unlink(img)
    for args, what in (([], "no image"),
                       (["-x", img], "unknown option"),
                       (["-s"], "missing argument"),
                       (["-s", "12q", img], "bad size"),
                       (["-C", "md5", "-s", "1g", img], "bad check"),
                       (["-c", "zstd", "-s", "1g", img], "bad comp"),
                       (["-L", "A", "-L", "B", "-L", "C", "-L", "D", "-s",
                         "1g", img], "five labels"),
                       (["-L", "LOCAL", "-s", "1g", img], "-L LOCAL"),
                       ([img], "missing image without -s"),
                       (["a.img", "b.img"], "two images")):
        r = run([nf] + args)
        lines = r.stderr.strip("\n").split("\n")
        check(r.returncode == 2 and len(lines) == 1 and
              "usage" in lines[0] and r.stdout == "",
              "bad usage (%s) exits 2 with one line" % what,
              "rc %d stderr %r" % (r.returncode, r.stderr))
    check(not os.path.exists(img), "bad usage leaves no image behind")
    r = run([nf, "-s", "512m", img])
    check(r.returncode == 1 and "too small" in r.stderr and
          len(r.stderr.strip().split("\n")) == 1 and
          not os.path.exists(img),
          "a 512 MiB volume is refused clearly (exit 1, no file left)",
          "rc %d %r" % (r.returncode, r.stderr))


def volhdr_fields(out):
    """Parse `hammer2 volhdr` into one dict per copy."""
    copies = []
    for line in out.split("\n"):
        m = re.match(r"volume header copy (\d) at (0x[0-9a-f]+): (\w+)",
                     line)
        if m:
            copies.append({"state": m.group(3)})
            continue
        m = re.match(r"    (\w[\w ]*?)\s{2,}(.*)$", line)
        if m and copies:
            copies[-1][m.group(1)] = m.group(2)
    return copies


def walker(a, img, offsets, nchecks):
    if a.walker is None:
        print("SKIPPED: h2walk.py not found (reference directory absent)")
        return
    for off in offsets:
        r = run([sys.executable, a.walker, img, hex(off)])
        checks = re.findall(r"check \('(\w+)', (\w+), (\d+), (\d+)\)",
                            r.stdout)
        bad = [c for c in checks if c[1] != "True" or c[2] != c[3]]
        check(r.returncode == 0 and r.stderr == "" and (nchecks is None or len(checks) == nchecks) and len(checks) > 0 and
              not bad and "Traceback" not in r.stdout,
              "h2walk.py %s @%#x: %d check codes, all verified" %
              (os.path.basename(img), off, len(checks)),
              "rc %d bad %r stderr %s" % (r.returncode, bad, r.stderr[-800:]))


def make_and_check(a, name, size, opts, labels, expect):
    """Make an image and check it with hammer2, fsck and the walker."""
    img = os.path.join(a.workdir, name)
    if os.path.exists(img):
        os.unlink(img)
    r = run([a.newfs] + opts + ["-s", size, img])
    check(r.returncode == 0 and r.stderr == "",
          "newfs_hammer2 %s -s %s %s" % (" ".join(opts), size, name),
          r.stderr)
    if r.returncode != 0:
        return None
    st = os.stat(img)
    check(st.st_blocks * 512 < 64 * MB, "%s is sparse (%d KiB used)" %
          (name, st.st_blocks // 2))

    if expect is None:		# a -d copy: the tree is checked by the caller
        expect = {"nheaders": 1}
        tree = True
    else:
        tree = False
    r = run([a.hammer2, "-f", img, "volhdr"])
    copies = volhdr_fields(r.stdout)
    check(r.returncode == 0 and len(copies) == 4, "volhdr of " + name,
          r.stdout[-800:] + r.stderr)
    n = expect["nheaders"]
    for i, c in enumerate(copies):
        if i >= n:
            check(c["state"] == "absent", "%s copy %d absent" % (name, i))
            continue
        if tree:
            ok = (c["state"].startswith("valid") and
                  all(c.get(k, "").endswith(" ok") for k in
                      ("icrc sect0", "icrc sect1", "icrc volheader")))
            check(ok, "%s copy %d valid" % (name, i), repr(c))
            continue
        ok = (c["state"] == "valid" and c.get("version") == "2" and
              c.get("volu_id") == "0 of 1" and c.get("peer_type") == "3" and
              c.get("fstype") == "5cbb9ad1-862d-11dc-a94d-01301bb8a9f5" and
              c.get("mirror_tid") == "0x0000000000000010" and
              c.get("freemap_tid") == "0x0000000000000010" and
              c.get("allocator_beg") == "0x%016x" % expect["beg"] and
              c.get("allocator_size") == "0x%016x" % expect["asize"] and
              c.get("allocator_free", "").startswith(
                  "0x%016x" % expect["asize"]) and
              c.get("volu_size", "").startswith("0x%016x" % expect["vsize"])
              and c.get("total_size") == "0x%016x" % expect["vsize"] and
              c.get("aux area", "").endswith("0x%016x" % expect["aux_end"])
              and all(c.get(k, "").endswith(" ok") for k in
                      ("icrc sect0", "icrc sect1", "icrc volheader")))
        check(ok, "%s copy %d: version 2, TIDs 0x10, layout, CRCs" %
              (name, i), repr(c))
        if i == 0:
            check(c["state"].startswith("valid") and "selected" in
                  r.stdout.split("\n")[0], "%s copy 0 selected" % name)

    r = run([a.hammer2, "-f", img, "pfs-list"])
    got = sorted(l.split()[-1] for l in r.stdout.strip().split("\n")[1:])
    check(r.returncode == 0 and got == sorted(labels),
          "%s pfs-list shows %s" % (name, " ".join(sorted(labels))),
          r.stdout + r.stderr)
    for lab in labels if not tree else ["LOCAL"]:
        r = run([a.hammer2, "-f", img + "@" + lab, "ls", "/"])
        check(r.returncode == 0 and r.stdout.strip() == "" and
              r.stderr == "", "%s@%s ls / is empty" % (name, lab),
              r.stdout + r.stderr)

    r = run([a.fsck, "-a", img])
    check(r.returncode == 0 and " 0 errors, 0 warnings" in r.stdout,
          "fsck_hammer2 -a %s clean" % name, r.stdout[-1500:] + r.stderr)

    walker(a, img, [i * 2 * GB for i in range(n)],
           None if tree else 1 + len(labels))
    return img


def read_ref_static(a):
    """The first 0x08410000 bytes of the reference image (lzma)."""
    path = os.path.join(a.refdir, "example-img1.h2.xz")
    if not os.path.exists(path):
        return None
    with lzma.open(path) as f:
        f.seek(0x08400000)
        return f.read(0x10000)


# Inode byte ranges that legitimately differ: times, pfs UUIDs.
INODE_MASK = [(0x10, 0x30), (0x90, 0xB0)]
# Bref byte ranges that differ: the check code (over those bytes).
BREF_MASK = [(0x40, 0x80)]


def masked(buf, ranges):
    b = bytearray(buf)
    for lo, hi in ranges:
        b[lo:hi] = bytes(hi - lo)
    return bytes(b)


def compare_reference(a, img):
    ref = read_ref_static(a) if a.refdir else None
    if ref is None:
        print("SKIPPED: reference image example-img1.h2.xz not found")
        return
    with open(img, "rb") as f:
        f.seek(0x08400000)
        ours = f.read(0x10000)
    # Super-root: inode meta + filename, then each blockset entry.
    sr_mask = INODE_MASK + [(0x200 + 128 * i + lo, 0x200 + 128 * i + hi)
                            for i in range(4) for lo, hi in BREF_MASK]
    check(masked(ours[0:0x400], sr_mask) == masked(ref[0:0x400], sr_mask),
          "super-root inode matches DragonFly's newfs output field by field")
    for off, lab in ((0x400, "LOCAL"), (0x800, "DATA")):
        mo = masked(ours[off:off + 0x400], INODE_MASK)
        mr = masked(ref[off:off + 0x400], INODE_MASK)
        diff = [hex(i) for i in range(0x400) if mo[i] != mr[i]]
        check(mo == mr, "%s PFS root inode matches DragonFly's newfs "
              "output" % lab, "differing bytes at " + " ".join(diff[:20]))
    check(ours[0xC00:] == bytes(len(ours) - 0xC00) and
          ref[0xC00:] == bytes(len(ref) - 0xC00),
          "the rest of the static block is zero in both")
    # Header layout fields (the reference header is post-makefs, so TIDs,
    # allocator_free and the freemap differ; the layout does not).
    with lzma.open(os.path.join(a.refdir, "example-img1.h2.xz")) as f:
        rh = f.read(0x200)
    with open(img, "rb") as f:
        oh = f.read(0x200)
    for off, size, what in ((0x08, 8, "boot_beg"), (0x10, 8, "boot_end"),
                            (0x18, 8, "aux_beg"), (0x20, 8, "aux_end"),
                            (0x28, 8, "volu_size"), (0x30, 4, "version"),
                            (0x34, 4, "flags"), (0x38, 8, "copyid.."),
                            (0x50, 16, "fstype"),
                            (0x60, 8, "allocator_size"),
                            (0x70, 8, "allocator_beg"),
                            (0xC0, 8, "total_size")):
        check(oh[off:off + size] == rh[off:off + size],
              "volume header %s matches the reference" % what,
              "ours %s ref %s" % (oh[off:off + size].hex(),
                                  rh[off:off + size].hex()))
    with open(img, "rb") as f:
        f.seek(0xE00)
        ol = f.read(0x200)
    with lzma.open(os.path.join(a.refdir, "example-img1.h2.xz")) as f:
        f.seek(0xE00)
        rl = f.read(0x200)
    check(ol == rl, "volu_loff[] matches the reference")


def make_tree(root):
    """A host tree exercising the -d copy; returns nothing."""
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, "sub", "deep", "er"))
    os.makedirs(os.path.join(root, "wide"))
    rnd = hashlib.sha256(b"newfs").digest()

    def data(n):
        out = bytearray()
        h = rnd
        while len(out) < n:
            h = hashlib.sha256(h).digest()
            out += h
        return bytes(out[:n])

    for name, size in (("empty", 0), ("one", 1), ("b512", 512),
                       ("b513", 513), ("k64m", 65535), ("k64", 65536),
                       ("k64p", 65537), ("big", 300000),
                       ("huge", 9 * MB + 7)):
        with open(os.path.join(root, name), "wb") as f:
            f.write(data(size))
    with open(os.path.join(root, "sparse"), "wb") as f:
        f.truncate(1000000)
        f.seek(1000000)
        f.write(b"end")
    os.symlink("one", os.path.join(root, "sl9"))
    os.symlink("t" * 512, os.path.join(root, "sl512"))
    os.symlink("u" * 700, os.path.join(root, "sl700"))
    os.link(os.path.join(root, "one"), os.path.join(root, "hard_a"))
    os.link(os.path.join(root, "one"), os.path.join(root, "sub", "hard_b"))
    for n in ("n" * 100, "m" * 64, "q" * 65, "x" * 255):
        with open(os.path.join(root, "sub", n), "w") as f:
            f.write("hi\n")
    for i in range(300):
        with open(os.path.join(root, "wide", "f%d" % i), "w") as f:
            f.write("%d\n" % i)
    with open(os.path.join(root, "sub", "deep", "er", "x"), "w") as f:
        f.write("deep\n")
    os.chmod(os.path.join(root, "b512"), 0o600)
    os.chmod(os.path.join(root, "sub"), 0o751)
    os.mkfifo(os.path.join(root, "fifo"))
    if os.geteuid() == 0:
        os.lchown(os.path.join(root, "k64"), 1234, 5678)
        os.lchown(os.path.join(root, "sl9"), 4321, 8765)


def tree_copy(a):
    src = os.path.join(a.workdir, "src")
    make_tree(src)
    img = make_and_check(a, "tree-2g.img", "2g", ["-d", src],
                         ["LOCAL", "DATA"], None)
    if img is None:
        return
    out = os.path.join(a.workdir, "out")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    r = run([a.hammer2, "-f", img, "get", "/", out])
    check(r.returncode == 0, "hammer2 get / of the copied tree", r.stderr)
    want, wl = h2lib.snapshot(src)
    got, gl = h2lib.snapshot(out)
    bad = h2lib.snapshot_diff((want, wl), (got, gl))
    check(not bad and len(want) == 325,
          "get reproduces the -d tree (%d entries): type, mode, owner, "
          "size, contents, link targets, mtimes" % len(want),
          "\n".join(bad[:10]))
    check(wl == gl and wl == [["hard_a", "one", "sub/hard_b"]],
          "hard links survive the copy", "%r %r" % (wl, gl))
    r = run([a.newfs, "-L", "none", "-d", src, "-s", "2g",
             os.path.join(a.workdir, "none.img")])
    check(r.returncode == 2 and len(r.stderr.strip().split("\n")) == 1,
          "-d with -L none is a usage error", r.stderr)


def data_compresses(a):
    """-d compresses file data by the PFS root's comp_algo: 1 MiB of
    text and 1 MiB of random bytes take 2 MiB with -c none, the text
    at most half under LZ4 and less again under zlib:9; each image
    gives the files back and passes fsck."""
    src = os.path.join(a.workdir, "compsrc")
    if os.path.exists(src):
        shutil.rmtree(src)
    os.makedirs(src)
    words = [b"hammer2 ", b"dragonfly ", b"block ", b"inode ", b"the ",
             b"flush ", b"\n", b"chain "]
    h = hashlib.sha256(b"text").digest()
    text = bytearray()
    while len(text) < MB:
        h = hashlib.sha256(h).digest()
        text += b"".join(words[c % 8] for c in h)
    with open(os.path.join(src, "text"), "wb") as f:
        f.write(bytes(text[:MB]))
    with open(os.path.join(src, "random"), "wb") as f:
        f.write(os.urandom(MB))
    used = {}
    for comp in ("none", "lz4", "zlib:9"):
        img = os.path.join(a.workdir, "comp-%s.img" % comp.replace(":", ""))
        if os.path.exists(img):
            os.unlink(img)
        r = run([a.newfs, "-s", "1g", "-c", comp, "-d", src, img])
        check(r.returncode == 0, "newfs -c %s -d" % comp, r.stderr)
        if r.returncode != 0:
            return
        used[comp] = sum(1 << b.radix for b in h2lib.show_tree(a, img)
                         if b.kind == "data")
        out = os.path.join(a.workdir, "compout")
        if os.path.exists(out):
            shutil.rmtree(out)
        os.makedirs(out)
        r = run([a.hammer2, "-f", img, "get", "/", out])
        same = r.returncode == 0 and all(
            open(os.path.join(src, n), "rb").read() ==
            open(os.path.join(out, n), "rb").read()
            for n in ("text", "random"))
        check(same, "-c %s: get gives the files back" % comp, r.stderr)
        r = run([a.fsck, img])
        check(r.returncode == 0, "-c %s: fsck clean" % comp, r.stdout)
    check(used["none"] == 2 * MB and
          used["lz4"] <= MB + MB // 2 and used["zlib:9"] < used["lz4"],
          "-d data compressed by the PFS's comp_algo", repr(used))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bindir", required=True)
    p.add_argument("--refdir", required=True)
    p.add_argument("--workdir", required=True)
    a = p.parse_args()
    a.newfs = os.path.join(a.bindir, "newfs_hammer2")
    a.hammer2 = os.path.join(a.bindir, "hammer2")
    a.fsck = os.path.join(a.bindir, "fsck_hammer2")
    w = os.path.join(a.refdir, "h2walk.py")
    a.walker = w if os.path.exists(w) else None
    if not os.path.isdir(a.refdir):
        a.refdir = None
    os.makedirs(a.workdir, exist_ok=True)

    bad_usage(a)
    img = make_and_check(a, "default-2g.img", "2g", [], ["LOCAL", "DATA"],
                         {"nheaders": 1, "beg": 0x08400C00,
                          "asize": 0x77800000, "vsize": 2 * GB,
                          "aux_end": 0x08400000})
    if img is not None:
        compare_reference(a, img)
    # 8 GiB: four header copies, aux 256 MiB (format 1.5), three labels.
    make_and_check(a, "labels-8g.img", "8g",
                   ["-L", "ROOT", "-L", "BOOT", "-L", "home", "-C", "crc32",
                    "-c", "zlib:9"],
                   ["LOCAL", "ROOT", "BOOT", "home"],
                   {"nheaders": 4, "beg": 0x14400000 + 5 * 1024,
                    "asize": 8 * GB - 8 * 4 * MB - 64 * MB - 256 * MB,
                    "vsize": 8 * GB, "aux_end": 0x14400000})
    # Odd size: rounded down to 8 MiB; -L none makes LOCAL only.
    make_and_check(a, "odd-1g.img", "1100m", ["-L", "none"], ["LOCAL"],
                   {"nheaders": 1, "beg": 0x04400000 + 2 * 1024,
                    "asize": 1096 * MB - 8 * MB - 32 * MB - 32 * MB,
                    "vsize": 1096 * MB, "aux_end": 0x04400000})
    tree_copy(a)
    data_compresses(a)
    # Re-making an existing image in place (no -s): the old tree is gone.
    img = os.path.join(a.workdir, "default-2g.img")
    if os.path.exists(img):
        r = run([a.newfs, "-L", "OTHER", img])
        r2 = run([a.hammer2, "-f", img, "pfs-list"])
        got = sorted(l.split()[-1] for l in r2.stdout.strip().split("\n")[1:])
        check(r.returncode == 0 and got == ["LOCAL", "OTHER"],
              "newfs over an existing image without -s", r.stderr + r2.stdout)

    if FAILS:
        print("%d FAILED: %s" % (len(FAILS), "; ".join(FAILS)))
        return 1
    print("all newfs_hammer2 checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
