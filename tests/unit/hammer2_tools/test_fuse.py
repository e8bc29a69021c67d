#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_fuse.py - hammer2fuse mounts reference images (and the SNAP1
# snapshot PFS) read-only, and ordinary tools see exactly the manifest:
# find for the tree, types, modes, sizes and link targets; cat and cmp
# for contents; stat for hard links and statfs.  Damaged data gives EIO
# for that file only; bad images and arguments fail before mounting.
# This test FAILS, never skips, when /dev/fuse or fusermount3 is missing.
import os
import random
import subprocess
import sys

import h2lib


def _find_matches(mnt, man):
    """find(1) sees each manifest entry with its type, mode and size."""
    r = h2lib.run(["find", mnt, "-mindepth", "1", "-printf",
                   "%y\\t%m\\t%s\\t%l\\t%P\\n"])
    assert r.returncode == 0, r.stderr
    seen = {}
    for line in r.stdout.splitlines():
        kind, mode, size, target, path = line.split("\t", 4)
        seen[path] = (kind, mode, int(size), target)
    assert set(seen) == set(man), set(seen) ^ set(man)
    for p, e in man.items():
        kind, mode, size, target = seen[p]
        assert kind == e.kind, (p, kind, e.kind)
        if e.kind == "f":
            assert (mode, size) == (e.mode, e.size), (p, mode, size)
        elif e.kind == "d":
            assert mode == e.mode, (p, mode)
        else:
            assert target == e.digest and size == e.size, (p, target)


def _tools_read(ctx, mnt, image, man):
    """cat, cmp and stat through the mount agree with the image."""
    files = sorted((e.size, p) for p, e in man.items() if e.kind == "f")
    for size, p in files[:2] + files[-2:]:
        r = subprocess.run("cat '%s' | sha256sum" % os.path.join(mnt, p),
                           shell=True, capture_output=True, text=True)
        assert r.stdout.split()[0] == man[p].digest, p
    big = files[-1][1]
    ref = os.path.join(ctx.tmp, "cmp.ref")
    with open(ref, "wb") as f:
        subprocess.run([ctx.hammer2, "-f", image, "cat", "/" + big],
                       stdout=f, check=True)
    r = h2lib.run(["cmp", ref, os.path.join(mnt, big)])
    assert r.returncode == 0, r.stdout + r.stderr
    hard = [p for p in man if os.path.basename(p) in ("hard_a", "hard_b")]
    if hard:
        r = h2lib.run(["stat", "-c", "%i %h"] +
                      [os.path.join(mnt, p) for p in hard])
        a, b = r.stdout.splitlines()
        assert a == b and a.split()[1] == "3", r.stdout
    r = h2lib.run(["stat", "-f", "-c", "%T %b %S", mnt])
    assert r.returncode == 0 and r.stdout.split()[1] != "0", r.stdout


def _walk_image(ctx, name, spec_suffix="", extra=()):
    image = ctx.image(name)
    man = ctx.manifest(name)
    tag = name + spec_suffix.replace("@", "_") + "".join(extra)
    with h2lib.Mount(ctx, image + spec_suffix, tag, extra) as mnt:
        _find_matches(mnt, man)
        bad = h2lib.compare_tree(mnt, man)
        assert not bad, "\n".join(bad[:20])
        _tools_read(ctx, mnt, image, man)


def fuse_basic_lz4_matches_manifest(ctx):
    """The LZ4/XXH64 image reads back exactly through the mount."""
    _walk_image(ctx, "basic-lz4-xxh64")


def fuse_zlib_crc32c_matches_manifest(ctx):
    """The zlib/CRC32C image reads back exactly (no readdirplus)."""
    _walk_image(ctx, "zlib-crc32c", extra=("-o", "noreaddirplus"))


def fuse_big_matches_manifest(ctx):
    """The 5000-entry directory and 12 MiB file read back exactly."""
    _walk_image(ctx, "big-xxh64")


def fuse_snap1_matches_manifest(ctx):
    """IMAGE@SNAP1 mounts the snapshot PFS."""
    _walk_image(ctx, "snapshot-lz4-xxh64", "@SNAP1")


def fuse_random_reads_match(ctx):
    """Reads at random offsets and lengths return the right bytes,
    single-threaded (-s) too."""
    image = ctx.image("big-xxh64")
    man = ctx.manifest("big-xxh64")
    big = max((e.size, p) for p, e in man.items() if e.kind == "f")[1]
    ref = os.path.join(ctx.tmp, "random.ref")
    with open(ref, "wb") as f:
        subprocess.run([ctx.hammer2, "-f", image, "cat", "/" + big],
                       stdout=f, check=True)
    with open(ref, "rb") as f:
        want = f.read()
    rnd = random.Random(6)
    with h2lib.Mount(ctx, image, "random", ("-s",)) as mnt:
        with open(os.path.join(mnt, big), "rb", buffering=0) as f:
            for _ in range(200):
                off = rnd.randrange(0, len(want) + 1000)
                n = rnd.choice([1, 511, 4096, 65535, 65536, 200000])
                f.seek(off)
                assert f.read(n) == want[off:off + n], (off, n)


def fuse_damaged_file_reads_eio(ctx):
    """A bad check code fails that file with EIO; others still read."""
    img = h2lib.private_copy(ctx, ctx.image("basic-lz4-xxh64"), "eio.img")
    files = h2lib.root_files(ctx, img)
    tree = h2lib.show_tree(ctx, img)
    victim = [b for b in tree if b.kind == "inode" and b.inum in files and
              any(c.kind == "data" for c in b.children)][0]
    data = [c for c in victim.children if c.kind == "data"][0]
    h2lib.flip(img, data.off + 3)
    man = ctx.manifest("basic-lz4-xxh64")
    with h2lib.Mount(ctx, img, "eio") as mnt:
        try:
            with open(os.path.join(mnt, files[victim.inum]), "rb") as f:
                f.read()
            raise AssertionError("damaged file read without error")
        except OSError as e:
            assert e.errno == 5, e
        other = [n for i, n in files.items() if i != victim.inum and
                 man[n].kind == "f"][0]
        assert h2lib.sha256_file(os.path.join(mnt, other)) == \
            man[other].digest


def fuse_bad_arguments_fail_before_mounting(ctx):
    """Bad images exit 1 and bad usage exits 2, nothing mounted."""
    mnt = os.path.join(ctx.tmp, "mnt-bad")
    os.makedirs(mnt, exist_ok=True)
    img = ctx.image("basic-lz4-xxh64")
    for args, rc, why in (
            (["/nonexistent.img", mnt], 1, "No such file"),
            ([img + "@NOPE", mnt], 1, "no PFS labelled NOPE"),
            ([img], 2, "usage"),
            ([], 2, "usage")):
        r = h2lib.run([ctx.fuse] + args + ["-f"], timeout=30)
        assert r.returncode == rc and why in r.stderr, (args, r)
        assert not h2lib.mounted(mnt)


TESTS = [
    fuse_basic_lz4_matches_manifest,
    fuse_zlib_crc32c_matches_manifest,
    fuse_big_matches_manifest,
    fuse_snap1_matches_manifest,
    fuse_random_reads_match,
    fuse_damaged_file_reads_eio,
    fuse_bad_arguments_fail_before_mounting,
]

if __name__ == "__main__":
    sys.exit(h2lib.main(TESTS, require=h2lib.fuse_missing))
