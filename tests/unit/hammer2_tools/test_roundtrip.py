#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_roundtrip.py - a generated host tree survives each way into an
# image unchanged: `newfs_hammer2 -d TREE IMG`, `hammer2 -f IMG put TREE
# /dst` into an empty image, and a copy through a `hammer2fuse -w` mount
# of an empty image.  `hammer2 get` of each (and a read-only hammer2fuse
# mount of the newfs image) shows every path with its type, permission
# bits, owner, group, mtime (to the microsecond), size, contents,
# symlink target, device number and hard-link grouping, and
# fsck_hammer2 -a finds nothing wrong.
#
# The tree (fixed seeds, so the same every run) holds the cases a copy
# gets wrong: a 64-level directory chain; a 40-level chain of 120-byte
# names whose paths pass PATH_MAX, with hard links into it; a directory
# of 5000+ entries (so its entries move into indirect blocks); 255-byte
# names and names of 64 and 65 bytes (the DIRENT inline limit); groups
# of 3 to 45 names whose 64-bit directory hashes are identical (found
# here by permuting the pieces of a name and changing its separators,
# format 6.2-6.3), checked on the image to sit in one hash window with
# distinct collision indexes; embedded and boundary-sized files; sparse
# files with holes in the middle and at the end, and one of 6 GiB with
# a few bytes of data, which must take a few blocks in every image; a
# 40 MiB file with two levels of indirect blocks; hard links across
# directories with 3+ names; symlinks of 1, 512, 513 and 4095 bytes;
# fifos, sockets and device nodes; odd modes, owners and times (1970,
# 2038+, sub-microsecond).  Everything on the host side is done relative
# to directory descriptors (h2lib.walk()), as only those reach past
# PATH_MAX.  A failure to read below such a path must be named on one
# line by newfs and put.
#
# Owners, device nodes and sockets need root (CI runs as root); without
# it they are left out and the test says so.  Without /dev/fuse,
# fusermount3 or the hammer2fuse binary only the FUSE parts print
# SKIPPED; hammer2_tools.fuse is the test that insists on FUSE.
import functools
import os
import random
import shutil
import socket
import stat
import sys
import time

import h2lib

MIB = 1 << 20
READ = 1 << 20
SEPS = ".-_~"
DEPTH = 64              # directory levels in deep/
WIDE = 5000             # plain entries in wide/, besides a collision group
LONG = 40               # levels of 120-byte names in long/ (4.8 KB)
PATH_MAX = 4096
GIB = 1 << 30
HUGE = 6 * GIB + 4099   # apparent size of big/huge_sparse
ROOT = os.geteuid() == 0


# ---------------------------------------------------------------------
# Names with identical directory hashes.
# ---------------------------------------------------------------------

def collision_group(pieces, rng, count, variants=None, accept=None):
    """The largest set of names built from pieces (all of them, in any
    order, joined by separators) whose 64-bit directory hashes are all
    equal.  The high 32 bits cannot differ: they add up the pieces'
    CRCs.  count candidate names are tried; fits(name) filters them;
    variants(rng, name) may return a respelling (say, a doubled
    separator), which keeps the high bits too."""
    pieces = [p.encode() for p in pieces]
    buckets, seen = {}, set()
    tries = 0
    while len(seen) < count and tries < count * 4:
        tries += 1
        order = pieces[:]
        rng.shuffle(order)
        name = order[0]
        for p in order[1:]:
            name += rng.choice(SEPS).encode() + p
        if variants is not None:
            name = variants(rng, name)
        if name in seen:
            continue
        seen.add(name)
        buckets.setdefault(h2lib.dirhash_mid(h2lib.crc32c(name)),
                           []).append(name)
    ok = [g for _, g in sorted(buckets.items())
          if accept is None or accept(g)]
    return sorted(n.decode() for n in max(ok, key=len))


def _double_a_separator(rng, name):
    """Half the time, double one separator: the name grows a byte and
    keeps its pieces."""
    if rng.random() < 0.5:
        at = [i for i, c in enumerate(name) if chr(c) in SEPS]
        i = rng.choice(at)
        name = name[:i] + rng.choice(SEPS).encode() + name[i:]
    return name


def largest_group_of_every_spelling(pieces):
    """The largest group among all orders of pieces joined by every
    choice of separators (6 pieces: 737,280 names).  Each name's CRC
    continues its prefix's, so that a name costs a few bytes of CRC."""
    seps = [c.encode() for c in SEPS]
    buckets = {}

    def walk(crc, name, left):
        if not left:
            buckets.setdefault(h2lib.dirhash_mid(crc), []).append(name)
            return
        for i, p in enumerate(left):
            rest = left[:i] + left[i + 1:]
            for s in seps:
                walk(h2lib.crc32c(s + p, crc), name + s + p, rest)

    pieces = [p.encode() for p in pieces]
    for i, p in enumerate(pieces):
        walk(h2lib.crc32c(p), p, pieces[:i] + pieces[i + 1:])
    best = max(sorted(buckets.items()), key=lambda kv: len(kv[1]))[1]
    return sorted(n.decode() for n in best)


@functools.lru_cache(maxsize=None)
def make_groups():
    """{tag: [names]}: short names, 255-byte names, a 64/65-byte mix
    (both sides of the inline DIRENT limit), and for wide/ a group of
    dozens (many collision indexes in one window among 5000 entries)."""
    rng = random.Random(0x5eed)
    groups = {}
    groups["short"] = collision_group(
        ["alpha", "beta", "gamma", "delta", "eps"], rng, 25000)
    long_pieces = ["L%02d%s" % (i, "abcde"[i] * (47 + (i == 0)))
                   for i in range(5)]
    assert sum(map(len, long_pieces)) + 4 == 255
    groups["255"] = collision_group(long_pieces, rng, 5000)
    mid_pieces = ["m%d%s" % (i, "qrstu"[i] * 10) for i in range(5)]
    assert sum(map(len, mid_pieces)) + 4 == 64
    groups["64/65"] = collision_group(
        mid_pieces, rng, 8000, variants=_double_a_separator,
        accept=lambda g: {len(n) for n in g} == {64, 65})
    groups["wide"] = largest_group_of_every_spelling(
        ["w", "id", "e", "cr", "ow", "d"])
    return groups


# ---------------------------------------------------------------------
# The tree.
# ---------------------------------------------------------------------

class Tree:
    """Builds the host tree; remembers what later checks look for."""

    def __init__(self, root):
        self.root = root
        self.rng = random.Random(20260614)
        self.groups = make_groups()
        self.notes = []

    def p(self, *parts):
        return os.path.join(self.root, *parts)

    def file(self, rel, data):
        with open(self.p(rel), "wb") as f:
            f.write(data)

    def sparse(self, rel, size, pieces):
        """A file of size bytes holding data only at (offset, bytes)."""
        with open(self.p(rel), "wb") as f:
            for off, data in pieces:
                f.seek(off)
                f.write(data)
            f.truncate(size)

    def build(self):
        os.makedirs(self.root)
        for d in ("sizes", "big", "wide", "names", "collide", "links",
                  "hard", "special", "modes", "empty", "long"):
            os.mkdir(self.p(d))
        self.sizes()
        self.big()
        self.deep()
        self.long()
        self.wide()
        self.names()
        self.collide()
        self.links()
        self.hard()
        self.special()
        self.modes()
        self.owners_and_times()

    def sizes(self):
        """Around the 512-byte embedding limit, the 1 KiB minimum EOF
        block and the 64 KiB data block; all-zero files become holes."""
        rnd = self.rng
        for n in (0, 1, 511, 512, 513, 1023, 1024, 4095, 4096, 16384,
                  65535, 65536, 65537, 131072, 131073, 8 * MIB + 1):
            self.file("sizes/s%d" % n, rnd.randbytes(n))
        for n in (1, 512, 513, 65536, 200000):
            self.file("sizes/zero%d" % n, bytes(n))
        # Data that ends in a zero block, and a zero block between two.
        self.file("sizes/tailzero", rnd.randbytes(70000) + bytes(131072))
        self.file("sizes/midzero", rnd.randbytes(65536) + bytes(65536) +
                  rnd.randbytes(1000))

    def big(self):
        """A dense 40 MiB file (more than the inode's four 8 MiB
        indirect blocks, so two levels), and sparse files."""
        rnd = self.rng
        self.file("big/large.bin", rnd.randbytes(40 * MIB + 4321))
        self.sparse("big/sparse_mid", 10 * MIB,
                    [(0, rnd.randbytes(100000)),
                     (5 * MIB + 123, rnd.randbytes(70000))])
        self.sparse("big/sparse_tail", 96 * MIB, [(0, b"x")])
        self.sparse("big/sparse_none", 64 * MIB, [])
        self.sparse("big/sparse_last", 33 * MIB, [(33 * MIB - 1, b"z")])
        self.sparse("big/sparse_scatter", 256 * MIB + 7,
                    [(rnd.randrange(256 * MIB), rnd.randbytes(
                        rnd.randint(1, 70000))) for _ in range(300)])
        # Several GiB of holes, a few bytes at odd offsets: across a 64 KiB
        # block boundary, across 4 GiB, and the last byte.
        self.sparse("big/huge_sparse", HUGE,
                    [(GIB + 12345, b"abc"),
                     (4 * GIB - 100, rnd.randbytes(200)),
                     (5 * GIB + 65535, b"\xff\x01"),
                     (HUGE - 1, b"z")])

    def deep(self):
        """A chain of DEPTH directories with 40-byte names (2.6 KB of
        path), files along it, and a symlink back to the top."""
        rel = "deep"
        os.mkdir(self.p(rel))
        for i in range(DEPTH):
            rel = os.path.join(rel, "level%02d-%s" % (i, "d" * 32))
            os.mkdir(self.p(rel))
            if i % 16 == 15:
                self.file(os.path.join(rel, "f%d" % i),
                          self.rng.randbytes(i * 100))
        self.bottom = rel
        os.mkdir(self.p(rel, "empty"))
        os.symlink("../" * (DEPTH + 1) + "sizes/s1",
                   self.p(rel, "to_top"))

    def long(self):
        """A chain of LONG directories with 120-byte names, so that the
        paths at its bottom pass PATH_MAX: a file with a second name
        there and a third in hard/, a sparse file, a symlink and an
        empty directory.  Made relative to directory descriptors, as
        only those reach that far."""
        fd = os.open(self.p("long"), os.O_RDONLY | os.O_DIRECTORY)
        try:
            for i in range(LONG):
                n = "long%02d-%s" % (i, "x" * 113)
                os.mkdir(n, dir_fd=fd)
                sub = os.open(n, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
                os.close(fd)
                fd = sub
            f = os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o644,
                        dir_fd=fd)
            os.write(f, self.rng.randbytes(70000))
            os.close(f)
            f = os.open("sparse", os.O_WRONLY | os.O_CREAT, 0o644,
                        dir_fd=fd)
            os.pwrite(f, b"deep data", 3 * MIB + 17)
            os.ftruncate(f, 5 * MIB)
            os.close(f)
            os.link("bottom", "bottom_hl", src_dir_fd=fd, dst_dir_fd=fd)
            os.link("bottom", self.p("hard", "from_long"), src_dir_fd=fd)
            os.symlink("../" * LONG + "sizes/s1", "to_top", dir_fd=fd)
            os.mkdir("empty", dir_fd=fd)
        finally:
            os.close(fd)

    def wide(self):
        """WIDE files (sizes across the embedding limit), a few
        directories, and a group of colliding names."""
        rnd = self.rng
        for i in range(WIDE):
            self.file("wide/entry%05d" % i,
                      rnd.randbytes(rnd.choice((0, 3, 100, 512, 513, 900))))
        for i in range(5):
            os.mkdir(self.p("wide", "sub%d" % i))
            self.file("wide/sub%d/x" % i, b"%d\n" % i)
        for n in self.groups["wide"]:
            self.file(os.path.join("wide", n), n.encode())

    def names(self):
        """255-byte names, names either side of the 64-byte DIRENT
        limit, and names with awkward bytes."""
        for n in (255, 65, 64, 63, 1):
            self.file(os.path.join("names", "f" * n), b"%d\n" % n)
            os.mkdir(self.p("names", "d" * n))
            self.file(os.path.join("names", "d" * n, "g" * n), b"in\n")
            os.symlink("t" * n, self.p("names", "l" * n))
        for n in ("with space", "tab\there", "new\nline", "\udcff\udcfe",
                  "utf8-\u00e9\u20ac", ".hidden", "..dots", "-dash",
                  "~tilde", "a.b-c_d~e", "...", "a..b", "_"):
            self.file(os.path.join("names", n), os.fsencode(n))

    def collide(self):
        """Every group in collide/; members of other types too, and two
        names of one group that are one inode."""
        for tag in ("short", "255", "64/65"):
            g = self.groups[tag]
            assert len(g) >= 3, (tag, g)
            for i, n in enumerate(g):
                path = self.p("collide", n)
                kind = "link" if i == len(g) - 1 else \
                    ("file", "dir", "symlink", "fifo")[i % 4]
                if kind == "link":
                    os.link(self.p("collide", g[0]), path)
                elif kind == "file":
                    self.file(os.path.join("collide", n),
                              self.rng.randbytes(600 + i))
                elif kind == "dir":
                    os.mkdir(path)
                    self.file(os.path.join("collide", n, "inside"),
                              n.encode())
                elif kind == "symlink":
                    os.symlink(n[::-1], path)
                else:
                    os.mkfifo(path)
        for i in range(50):     # neighbours with other hashes
            self.file("collide/other%d" % i, b"%d" % i)

    def links(self):
        """Symlinks: embedded (<= 512 bytes) and in a data block, up to
        PATH_MAX - 1; absolute, dangling, to a directory, to itself."""
        for n in (1, 2, 511, 512, 513, 1024, 4095):
            os.symlink(("t%d/" % n * n)[:n], self.p("links", "s%d" % n))
        os.symlink("/etc/passwd", self.p("links", "absolute"))
        os.symlink("no/such/file", self.p("links", "dangling"))
        os.symlink("../sizes", self.p("links", "dir"))
        os.symlink("loop", self.p("links", "loop"))

    def hard(self):
        """Hard links: 4+ names across directories (one in the deep
        chain, one in wide/), a 64 KiB+1 file and an empty file with 3
        names, an embedded file, a symlink and a fifo with 2."""
        r = self.rng
        self.file("hard/a", r.randbytes(300))
        for other in ("hard/b", os.path.join(self.bottom, "hl"),
                      "wide/hl_a", "names/" + "h" * 255):
            os.link(self.p("hard/a"), self.p(other))
        self.file("hard/big", r.randbytes(65537))
        os.link(self.p("hard/big"), self.p("big/hl_big"))
        os.link(self.p("hard/big"), self.p("sizes/hl_big"))
        self.file("hard/empty", b"")
        os.link(self.p("hard/empty"), self.p("hard/empty2"))
        os.link(self.p("hard/empty"), self.p("modes/empty3"))
        os.symlink("a", self.p("hard/sym"))
        os.link(self.p("hard/sym"), self.p("links/sym_hl"),
                follow_symlinks=False)
        os.mkfifo(self.p("hard/fifo"))
        os.link(self.p("hard/fifo"), self.p("special/fifo_hl"))

    def special(self):
        os.mkfifo(self.p("special/fifo"))
        if not ROOT:
            self.notes.append("device nodes and sockets (not root)")
            return
        os.mknod(self.p("special/chr"), 0o620 | stat.S_IFCHR,
                 os.makedev(1, 3))
        os.mknod(self.p("special/chr_big"), 0o600 | stat.S_IFCHR,
                 os.makedev(4000, 1048575))
        os.mknod(self.p("special/blk"), 0o660 | stat.S_IFBLK,
                 os.makedev(259, 70000))
        s = socket.socket(socket.AF_UNIX)
        try:
            s.bind(self.p("special/sock"))
        finally:
            s.close()

    def modes(self):
        for m in (0, 0o4755, 0o2750, 0o6711, 0o1777, 0o444, 0o777, 0o001):
            path = self.p("modes", "f%04o" % m)
            self.file(os.path.relpath(path, self.root), b"%o\n" % m)
        for m in (0o1777, 0o700, 0o555, 0o2775, 0o000):
            path = self.p("modes", "d%04o" % m)
            os.mkdir(path)
            self.file(os.path.relpath(os.path.join(path, "in"), self.root),
                      b"%o\n" % m)

    def owners_and_times(self):
        """Owners (as root), then modes, then mtimes bottom-up so that
        making an entry does not move its directory's mtime again."""
        r = random.Random(7)
        ids = (0, 1, 1000, 65534, 65535, 65536, 2 ** 31 - 1, 4000000000)
        times_s = (0, 1, 999999999, 2 ** 31 - 1, 2 ** 31 + 5,
                   1767225600, 4102444800, 7258118400)
        if ROOT:
            for _, dfd, n, _ in h2lib.walk(self.root):
                os.chown(n, r.choice(ids), r.choice(ids), dir_fd=dfd,
                         follow_symlinks=False)
        else:
            self.notes.append("owners (not root)")
        for rel, dfd, n, st in h2lib.walk(self.root):
            if os.path.dirname(rel) != "modes":
                continue
            if stat.S_ISDIR(st.st_mode):
                # Without root the walks could not enter a 0000 directory.
                os.chmod(n, int(n[1:], 8) | (0 if ROOT else 0o700),
                         dir_fd=dfd)
            elif stat.S_ISREG(st.st_mode) and n.startswith("f"):
                # Nor could they read a file without the owner's r bit.
                os.chmod(n, int(n[1:], 8) | (0 if ROOT else 0o400),
                         dir_fd=dfd)
        # Entries after their directories' contents, so that setting
        # one does not move its directory's mtime again.
        for _, dfd, n, _ in h2lib.walk(self.root, post=True):
            mt = r.choice(times_s) * 10 ** 9 + r.randrange(10 ** 9)
            os.utime(n, ns=(mt, mt), dir_fd=dfd, follow_symlinks=False)


# ---------------------------------------------------------------------
# The tests.  The tree and the image are made once, by the first test
# that needs them.
# ---------------------------------------------------------------------

def _state(ctx):
    st = getattr(ctx, "rt", None)
    if st is not None:
        if st.get("error"):
            raise AssertionError("no image: %s" % st["error"])
        return st
    st = ctx.rt = {"error": "making it failed in an earlier test"}
    t0 = time.time()
    tree = Tree(os.path.join(ctx.tmp, "tree"))
    tree.build()
    t1 = time.time()
    want = h2lib.snapshot(tree.root)
    longest = max(len(os.fsencode(p)) for p in want[0])
    assert longest > PATH_MAX, "the longest path has only %d bytes" % longest
    img = os.path.join(ctx.tmp, "tree.img")
    r = h2lib.run([ctx.newfs, "-s", "2g", "-d", tree.root, img])
    assert r.returncode == 0, "newfs_hammer2 -d failed: %s" % r.stderr
    t2 = time.time()
    print("tree: %d entries, %d hard-link groups (%.1f s); newfs_hammer2 "
          "-d %.1f s" % (len(want[0]), len(want[1]), t1 - t0, t2 - t1),
          flush=True)
    for n in tree.notes:
        print("SKIPPED: %s left out of the tree" % n, flush=True)
    st.update(tree=tree, want=want, img=img)
    del st["error"]
    return st


def _assert_same(want, got, how):
    bad = h2lib.snapshot_diff(want, got)
    assert not bad, "%s differs from the tree in %d ways:\n%s" % (
        how, len(bad), "\n".join(bad[:40]))


def _fsck_clean(ctx, img):
    r = h2lib.run([ctx.fsck, "-a", img])
    assert r.returncode == 0 and " 0 errors, 0 warnings" in r.stdout, \
        r.stdout[-3000:] + r.stderr


def _get(ctx, img, path, out):
    r = h2lib.run([ctx.hammer2, "-f", img, "get", path, out])
    assert r.returncode == 0 and r.stderr == "", r.stderr[-3000:]


def _footprint(ctx, img, names):
    """{name: bytes of the blocks (data and indirect) below the inode
    that the only directory entry called name points at}."""
    tree = h2lib.show_tree(ctx, img)
    inodes = {b.inum: b for b in tree if b.kind == "inode"}
    ents = {}
    for b in tree:
        if b.kind == "dirent" and b.name in names:
            assert b.name not in ents, "two entries named %s" % b.name
            ents[b.name] = b

    def size(b):
        return sum((1 << c.radix) + size(c) for c in b.children
                   if c.kind in ("data", "indirect"))
    assert set(ents) == set(names), (sorted(ents), names)
    return {n: size(inodes[e.inum]) for n, e in ents.items()}


def _holes_kept(ctx, img, zeros_too=True):
    """The image stores a few blocks for big/huge_sparse (6 GiB with
    four small pieces of data), none for the files of zeros and none
    for the zero block in the middle of sizes/midzero."""
    names = ["huge_sparse", "midzero", "s131072"]
    if zeros_too:
        names += ["zero65536", "zero200000"]
    fp = _footprint(ctx, img, names)
    assert 0 < fp["huge_sparse"] <= MIB, \
        "huge_sparse takes %d bytes in the image" % fp["huge_sparse"]
    if zeros_too:
        assert fp["zero65536"] == fp["zero200000"] == 0, fp
        # Two data blocks of 64 KiB + 1000 bytes, not three.
        assert fp["midzero"] < fp["s131072"], fp
    return fp


def dirhash_matches_the_format_vectors(ctx):
    """The test's own directory hash gives the format's test vectors,
    so the collision groups below are groups for HAMMER2 too."""
    for name, want in ((b"DATA", 0xC78FFF92381D8000),
                       (b"LOCAL", 0xDE25E1C43FE18000),
                       (b"BOOT", 0xD9B36CE135528000),
                       (b"hello.txt", 0xD6E8905688708000),
                       (b"subdir", 0xB6774837FE408000),
                       (b"a", 0xC1D0433082E08000)):
        assert h2lib.dirhash(name) == want, (name, hex(h2lib.dirhash(name)))
    assert h2lib.crc32c(b"123456789") == 0xE3069283


def groups_really_collide(ctx):
    """Every group has 3+ distinct names with one 64-bit hash; the
    64/65 group has names on both sides of the inline limit."""
    groups = make_groups()
    for tag, g in groups.items():
        hashes = {h2lib.dirhash(n.encode()) for n in g}
        assert len(g) >= 3 and len(set(g)) == len(g) and \
            len(hashes) == 1, (tag, g, [hex(h) for h in hashes])
        print("  group %-5s %d names, hash %016x, lengths %s" % (
            tag, len(g), hashes.pop(), sorted({len(n) for n in g})))
    assert {len(n) for n in groups["255"]} == {255}
    assert {len(n) for n in groups["64/65"]} == {64, 65}, groups["64/65"]


def newfs_image_is_fsck_clean(ctx):
    """fsck_hammer2 -a finds no error and no warning in the copy."""
    _fsck_clean(ctx, _state(ctx)["img"])


def image_has_collisions_and_indirect_blocks(ctx):
    """On the image, each collision group's entries share one hash
    window with distinct collision indexes; wide/ has directory
    indirect blocks; large.bin has two levels of indirect blocks."""
    st = _state(ctx)
    tree = h2lib.show_tree(ctx, st["img"])
    dirents = {}
    for b in tree:
        if b.kind == "dirent" and b.name is not None:
            dirents.setdefault(b.name, []).append(b)
    for tag, g in st["tree"].groups.items():
        keys = []
        for n in g:
            assert len(dirents.get(n, [])) == 1, (tag, n, dirents.get(n))
            keys.append(dirents[n][0].key)
        h = h2lib.dirhash(g[0].encode())
        assert all(k & ~0x7FFF == h for k in keys), \
            (tag, hex(h), [hex(k) for k in keys])
        low = sorted(k & 0x7FFF for k in keys)
        assert len(set(low)) == len(low) and low[0] >= 1, (tag, low)
    # Inodes carry their number as their name (format 5.2): find them
    # through the one directory entry naming them.
    inodes = {b.inum: b for b in tree if b.kind == "inode"}
    inodes = {n: inodes[dirents[n][0].inum] for n in ("wide", "large.bin")}

    def levels(b):
        sub = [levels(c) for c in b.children if c.kind == "indirect"]
        return 1 + max(sub) if sub else 0
    assert levels(inodes["wide"]) >= 1, "wide/ has no indirect block"
    assert levels(inodes["large.bin"]) >= 2, \
        "large.bin has %d indirect levels" % levels(inodes["large.bin"])


def newfs_keeps_holes_and_skips_zero_blocks(ctx):
    """newfs_hammer2 -d stores big/huge_sparse in a few blocks (it
    reads only the data extents) and no block of zeros."""
    st = _state(ctx)
    fp = _holes_kept(ctx, st["img"])
    print("  huge_sparse (%d GiB apparent) takes %d KiB in the image" % (
        HUGE >> 30, fp["huge_sparse"] >> 10))


def newfs_reads_only_data_extents(ctx):
    """With -c none the core stores every block it is handed, zeros
    included (format 10.4), so a 3 GiB sparse file fits a 2 GiB image
    only if newfs hands over just its data extents (SEEK_DATA)."""
    src = os.path.join(ctx.tmp, "sparse-src")
    os.mkdir(src)
    with open(os.path.join(src, "f"), "wb") as f:
        f.seek(2 * GIB + 7)
        f.write(b"data")
        f.truncate(3 * GIB)
    img = os.path.join(ctx.tmp, "nocomp.img")
    r = h2lib.run([ctx.newfs, "-c", "none", "-s", "2g", "-d", src, img])
    assert r.returncode == 0, "newfs -c none -d failed: %s" % r.stderr
    fp = _footprint(ctx, img, ["f"])["f"]
    assert 0 < fp <= MIB, "f takes %d bytes in the image" % fp
    out = os.path.join(ctx.tmp, "out-nocomp")
    _get(ctx, img, "/", out)
    _assert_same(h2lib.snapshot(src), h2lib.snapshot(out), "newfs -c none")


def get_reproduces_the_tree(ctx):
    """hammer2 get / OUT gives back the tree exactly, holes included."""
    st = _state(ctx)
    out = os.path.join(ctx.tmp, "out")
    _get(ctx, st["img"], "/", out)
    _assert_same(st["want"], h2lib.snapshot(out), "hammer2 get")
    for n in ("sparse_tail", "sparse_none", "sparse_scatter",
              "huge_sparse"):
        s = os.stat(os.path.join(out, "big", n))
        assert s.st_blocks * 512 < s.st_size // 4, "%s: no holes" % n


def fuse_mount_reproduces_the_tree(ctx):
    """A read-only hammer2fuse mount shows the tree exactly."""
    why = h2lib.fuse_missing()
    if why is None and not os.path.exists(ctx.fuse):
        why = "%s was not built (libfuse3-dev missing?)" % ctx.fuse
    if why is not None:
        raise h2lib.Skip(why)
    st = _state(ctx)
    with h2lib.Mount(ctx, st["img"], "rt") as mnt:
        _assert_same(st["want"], h2lib.snapshot(mnt), "the FUSE mount")


def _failing_tree(ctx):
    """A source tree whose one unreadable directory sits below a path
    longer than PATH_MAX, and how to run a tool so that it cannot read
    it: as root, without the capabilities that bypass permissions."""
    src = os.path.join(ctx.tmp, "unreadable")
    os.mkdir(src)
    fd = os.open(src, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(LONG):
            n = "step%02d-%s" % (i, "y" * 113)
            os.mkdir(n, dir_fd=fd)
            sub = os.open(n, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = sub
        os.mkdir("locked\ndir", 0, dir_fd=fd)
    finally:
        os.close(fd)
    if not ROOT:
        return src, []
    if shutil.which("setpriv") is None:
        raise h2lib.Skip("setpriv (util-linux) is missing")
    return src, ["setpriv",
                 "--bounding-set=-dac_override,-dac_read_search"]


def _one_line_naming_the_path(r, prog):
    lines = r.stderr.splitlines()
    assert r.returncode == 1 and len(lines) == 1, \
        "status %d, stderr %r" % (r.returncode, r.stderr)
    line = lines[0]
    for want in (prog + ": ", "step00-", "/.../", "step%02d-" % (LONG - 1),
                 "locked\\x0adir", "Permission denied"):
        assert want in line, "%r not in %r" % (want, line)
    assert len(line) < 1000, line


def copy_errors_name_the_path_past_path_max(ctx):
    """When newfs_hammer2 -d or hammer2 put cannot read a directory
    below a path longer than PATH_MAX, the one-line message names it
    (its first and last names around "/...", the newline escaped);
    newfs removes the image it made and put leaves nothing behind."""
    src, drop = _failing_tree(ctx)
    try:
        img = os.path.join(ctx.tmp, "err.img")
        r = h2lib.run(drop + [ctx.newfs, "-s", "2g", "-d", src, img])
        _one_line_naming_the_path(r, "newfs_hammer2")
        assert not os.path.exists(img), "newfs left its image behind"
        r = h2lib.run([ctx.newfs, "-s", "2g", img])
        assert r.returncode == 0, r.stderr
        r = h2lib.run(drop + [ctx.hammer2, "-f", img, "put", src, "/e"])
        _one_line_naming_the_path(r, "hammer2")
        assert "/e: opening directory " in r.stderr, r.stderr
        r = h2lib.run([ctx.hammer2, "-f", img, "ls", "/"])
        assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
        _fsck_clean(ctx, img)
    finally:
        # Let the cleanup in (it cannot list a 0000 directory as a user).
        for _, dfd, n, _ in h2lib.walk(src):
            if n == "locked\ndir":
                os.chmod(n, 0o700, dir_fd=dfd)


def put_round_trip(ctx):
    """hammer2 put TREE /dst into an empty image, then hammer2 get:
    the tree comes back exactly, fsck is clean, holes and zero blocks
    stay holes."""
    st = _state(ctx)
    img = os.path.join(ctx.tmp, "put.img")
    r = h2lib.run([ctx.newfs, "-s", "2g", img])
    assert r.returncode == 0, r.stderr
    r = h2lib.run([ctx.hammer2, "-f", img, "put", st["tree"].root, "/dst"])
    assert r.returncode == 0 and r.stderr == "", r.stderr[-3000:]
    _fsck_clean(ctx, img)
    _holes_kept(ctx, img)
    out = os.path.join(ctx.tmp, "out-put")
    _get(ctx, img, "/dst", out)
    _assert_same(st["want"], h2lib.snapshot(os.path.join(out, "dst")),
                 "put, then get")


def _link_into(rootfd, first, dfd, name):
    """Make name in dfd a second name of first (a path below rootfd),
    walking first's directories one at a time (it may pass PATH_MAX)."""
    parts = first.split("/")
    fd = rootfd
    try:
        for p in parts[:-1]:
            sub = os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                          dir_fd=fd)
            if fd != rootfd:
                os.close(fd)
            fd = sub
        os.link(parts[-1], name, src_dir_fd=fd, dst_dir_fd=dfd,
                follow_symlinks=False)
    finally:
        if fd != rootfd:
            os.close(fd)


def _copy_data(sfd, dfd, name, size):
    """The data extents of name (SEEK_DATA), so holes stay holes."""
    src = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=sfd)
    dst = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600,
                  dir_fd=dfd)
    try:
        pos = 0
        while pos < size:
            try:
                data = os.lseek(src, pos, os.SEEK_DATA)
            except OSError:     # ENXIO: a hole to the end
                break
            end = os.lseek(src, data, os.SEEK_HOLE)
            while data < end:
                b = os.pread(src, min(READ, end - data), data)
                if not b:
                    break
                os.pwrite(dst, b, data)
                data += len(b)
            pos = end
        os.ftruncate(dst, size)
    finally:
        os.close(src)
        os.close(dst)


def _copy_tree(src, dst):
    """Copy the tree below src into the directory dst as cp -a would:
    types, data (holes kept), symlinks, hard links, fifos, sockets and
    devices, then owner (as root), mode and times of each entry once
    everything below it exists.  ctime cannot be set through any system
    call, so it is the time of the copy (snapshot() does not compare
    it)."""
    links = {}
    rootfd = os.open(dst, os.O_RDONLY | os.O_DIRECTORY)

    def copy_dir(sfd, dfd, rel):
        for n in sorted(os.listdir(sfd)):
            st = os.stat(n, dir_fd=sfd, follow_symlinks=False)
            m = st.st_mode
            p = rel + "/" + n if rel else n
            if not stat.S_ISDIR(m) and st.st_nlink > 1:
                first = links.setdefault((st.st_dev, st.st_ino), p)
                if first != p:
                    _link_into(rootfd, first, dfd, n)
                    continue
            if stat.S_ISDIR(m):
                os.mkdir(n, 0o700, dir_fd=dfd)
                s2 = os.open(n, os.O_RDONLY | os.O_DIRECTORY |
                             os.O_NOFOLLOW, dir_fd=sfd)
                d2 = os.open(n, os.O_RDONLY | os.O_DIRECTORY |
                             os.O_NOFOLLOW, dir_fd=dfd)
                try:
                    copy_dir(s2, d2, p)
                finally:
                    os.close(s2)
                    os.close(d2)
            elif stat.S_ISREG(m):
                _copy_data(sfd, dfd, n, st.st_size)
            elif stat.S_ISLNK(m):
                os.symlink(os.readlink(n, dir_fd=sfd), n, dir_fd=dfd)
            else:
                os.mknod(n, m, st.st_rdev, dir_fd=dfd)
            if ROOT:
                os.chown(n, st.st_uid, st.st_gid, dir_fd=dfd,
                         follow_symlinks=False)
            if not stat.S_ISLNK(m):
                os.chmod(n, stat.S_IMODE(m), dir_fd=dfd)
            os.utime(n, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dfd,
                     follow_symlinks=False)

    srcfd = os.open(src, os.O_RDONLY | os.O_DIRECTORY)
    try:
        copy_dir(srcfd, rootfd, "")
    finally:
        os.close(srcfd)
        os.close(rootfd)


def fuse_write_round_trip(ctx):
    """The tree copied into an empty image through a hammer2fuse -w
    mount (as cp -a would), unmounted, then hammer2 get: the tree comes
    back exactly, fsck is clean, holes stay holes."""
    why = h2lib.fuse_missing()
    if why is None and not os.path.exists(ctx.fuse):
        why = "%s was not built (libfuse3-dev missing?)" % ctx.fuse
    if why is not None:
        raise h2lib.Skip(why)
    st = _state(ctx)
    img = os.path.join(ctx.tmp, "fuse.img")
    r = h2lib.run([ctx.newfs, "-s", "2g", img])
    assert r.returncode == 0, r.stderr
    t0 = time.time()
    with h2lib.Mount(ctx, img, "rw", ["-w"]) as mnt:
        _copy_tree(st["tree"].root, mnt)
    print("  copy through hammer2fuse -w and unmount: %.1f s" % (
        time.time() - t0), flush=True)
    _fsck_clean(ctx, img)
    # Blocks of zeros written through FUSE become holes at the flush.
    _holes_kept(ctx, img)
    out = os.path.join(ctx.tmp, "out-fuse")
    _get(ctx, img, "/", out)
    _assert_same(st["want"], h2lib.snapshot(out), "hammer2fuse -w, then get")


TESTS = [
    dirhash_matches_the_format_vectors,
    groups_really_collide,
    newfs_image_is_fsck_clean,
    image_has_collisions_and_indirect_blocks,
    newfs_keeps_holes_and_skips_zero_blocks,
    newfs_reads_only_data_extents,
    get_reproduces_the_tree,
    fuse_mount_reproduces_the_tree,
    copy_errors_name_the_path_past_path_max,
    put_round_trip,
    fuse_write_round_trip,
]

if __name__ == "__main__":
    sys.exit(h2lib.main(TESTS, refs=False))
