#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_cli.py - the `hammer2` commands other than get: what volhdr,
# show, freemap, pfs-list, ls, stat and cat print on the reference
# images, the exit statuses (0 ok, 1 error, 2 usage), and error messages
# that name the image, the path and the reason, down to the damaged
# block when a check code fails.
import hashlib
import os
import sys

import h2lib

BASIC = "basic-lz4-xxh64"


def usage_errors_exit_2(ctx):
    """Bad usage exits 2 and says how to use the tool."""
    img = ctx.image(BASIC)
    for args in ([], ["-f", img], ["-f", img, "frobnicate"],
                 ["ls"], ["-f", img, "get", "/"], ["-c", "9", "-f", img,
                                                   "volhdr"],
                 ["-f", img, "stat"]):
        r = h2lib.run([ctx.hammer2] + args)
        assert r.returncode == 2, (args, r)
        assert "usage" in r.stderr or "-c" in r.stderr or \
            "no image" in r.stderr, (args, r.stderr)
    r = h2lib.run([ctx.hammer2, "-h"])
    assert r.returncode == 0 and "pfs-list" in r.stdout


def unusable_images_exit_1_with_reason(ctx):
    """Missing files, non-HAMMER2 files and bad labels say why."""
    zero = os.path.join(ctx.tmp, "zeros.img")
    with open(zero, "wb") as f:
        f.truncate(16 << 20)
    cases = [
        ([ctx.hammer2, "-f", "/nonexistent.img", "ls"],
         "No such file"),
        ([ctx.hammer2, "-f", zero, "ls"], "not a HAMMER2 image"),
        ([ctx.hammer2, "-f", ctx.image(BASIC) + "@NOPE", "ls"],
         "no PFS labelled NOPE"),
    ]
    for cmd, why in cases:
        r = h2lib.run(cmd)
        assert r.returncode == 1, (cmd, r)
        assert why in r.stderr and cmd[2] in r.stderr, (cmd, r.stderr)


def volhdr_show_freemap_are_clean(ctx):
    """Every reference image shows a valid header and no bad block."""
    for name in h2lib.IMAGES:
        img = ctx.image(name)
        r = h2lib.run([ctx.hammer2, "-f", img, "volhdr"])
        assert r.returncode == 0, r
        assert "copy 0 at 0x0000000000000000: valid (selected)" in \
            r.stdout, r.stdout[:400]
        r = h2lib.run([ctx.hammer2, "-f", img, "show"])
        assert r.returncode == 0 and ", 0 bad" in r.stdout, r.stdout[-300:]
        r = h2lib.run([ctx.hammer2, "-f", img, "freemap"])
        assert r.returncode == 0 and "freemap_leaf.15" in r.stdout, r
    # The DragonFly form `hammer2 show IMAGE` works too.
    r = h2lib.run([ctx.hammer2, "show", ctx.image(BASIC)])
    assert r.returncode == 0, r


def volhdr_and_copy_option_pick_header_copies(ctx):
    """volhdr lists every copy; the newest is selected, -c picks one."""
    img = h2lib.private_copy(ctx, ctx.image(BASIC), "copies.img")
    h2lib.add_header_copy(img, 1, -1)
    h2lib.flip(img, (1 << 31) + 0x30)       # and then damage it
    r = h2lib.run([ctx.hammer2, "-f", img, "volhdr"])
    assert r.returncode == 0, r
    assert "copy 0 at 0x0000000000000000: valid (selected)" in r.stdout
    assert "copy 1 at 0x0000000080000000: INVALID: sect0 CRC header " \
        "CRC" in r.stdout, r.stdout
    h2lib.flip(img, (1 << 31) + 0x30)
    r = h2lib.run([ctx.hammer2, "-c", "1", "-f", img, "volhdr"])
    assert "copy 1 at 0x0000000080000000: valid (selected)" in r.stdout
    r = h2lib.run([ctx.hammer2, "-c", "1", "-f", img, "ls", "/"])
    assert r.returncode == 0 and r.stdout, r
    r = h2lib.run([ctx.hammer2, "-c", "3", "-f", img, "ls", "/"])
    assert r.returncode == 1 and "no valid volume header" in r.stderr, r


def pfs_list_shows_snapshot(ctx):
    """pfs-list names DATA, LOCAL and the SNAP1 snapshot."""
    r = h2lib.run([ctx.hammer2, "-f", ctx.image("snapshot-lz4-xxh64"),
                   "pfs-list"])
    assert r.returncode == 0, r
    labels = {l.split()[-1]: l.split()[0] for l in r.stdout.splitlines()[1:]}
    assert labels == {"DATA": "MASTER", "SNAP1": "MASTER/SNAPSHOT",
                      "LOCAL": "MASTER"}, labels


def ls_lists_the_root(ctx):
    """ls / lists exactly the manifest's top-level names."""
    img = ctx.image(BASIC)
    man = ctx.manifest(BASIC)
    r = h2lib.run([ctx.hammer2, "-f", img, "ls", "/"])
    assert r.returncode == 0, r
    names = set()
    for line in r.stdout.splitlines():
        # inum mode nlinks uid gid size date time name [-> target]
        name = line.split(None, 8)[8]
        names.add(name.split(" -> ")[0])
    want = {p for p in man if "/" not in p}
    assert names == want, names ^ want


def stat_prints_attributes(ctx):
    """stat gives type, mode, size, nlinks and a symlink's target."""
    img = ctx.image(BASIC)
    man = ctx.manifest(BASIC)
    hard = [p for p in man if p.endswith("/hard_a")][0]
    r = h2lib.run([ctx.hammer2, "-f", img, "stat", "/rel_link", "/" + hard])
    assert r.returncode == 0, r
    out = r.stdout
    assert "type         symlink" in out
    assert "target       %s" % man["rel_link"].digest in out
    assert "mode         0%s" % man[hard].mode in out
    assert "size         %d" % man[hard].size in out
    assert "nlinks       3" in out


def cat_matches_manifest(ctx):
    """cat writes exact contents; it follows symlinks."""
    img = ctx.image("big-xxh64")
    man = ctx.manifest("big-xxh64")
    files = sorted((e.size, p) for p, e in man.items() if e.kind == "f")
    for size, p in files[:3] + files[-3:]:
        r = h2lib.run([ctx.hammer2, "-f", img, "cat", "/" + p],
                      text=False)
        assert r.returncode == 0, r.stderr
        assert hashlib.sha256(r.stdout).hexdigest() == man[p].digest, p


def cat_of_directory_fails(ctx):
    """cat of a directory exits 1 naming the path."""
    r = h2lib.run([ctx.hammer2, "-f", ctx.image(BASIC), "cat", "/deep0"])
    assert r.returncode == 1 and "/deep0: Is a directory" in r.stderr, r


def damaged_data_block_is_named(ctx):
    """A flipped bit in file data fails cat with the block's offset."""
    img = h2lib.private_copy(ctx, ctx.image(BASIC), "cat-damage.img")
    files = h2lib.root_files(ctx, img)
    victim = [b for b in h2lib.show_tree(ctx, img) if b.kind == "inode" and
              b.inum in files and any(c.kind == "data" for c in b.children)]
    assert victim, "no root file with a data block"
    data = [c for c in victim[0].children if c.kind == "data"][0]
    path = "/" + files[victim[0].inum]
    h2lib.flip(img, data.off + 100)
    r = h2lib.run([ctx.hammer2, "-f", img, "cat", path])
    assert r.returncode == 1, r
    assert path in r.stderr and "check code mismatch" in r.stderr and \
        "0x%016x" % data.off in r.stderr, r.stderr


TESTS = [
    usage_errors_exit_2,
    unusable_images_exit_1_with_reason,
    volhdr_show_freemap_are_clean,
    volhdr_and_copy_option_pick_header_copies,
    pfs_list_shows_snapshot,
    ls_lists_the_root,
    stat_prints_attributes,
    cat_matches_manifest,
    cat_of_directory_fails,
    damaged_data_block_is_named,
]

if __name__ == "__main__":
    sys.exit(h2lib.main(TESTS))
