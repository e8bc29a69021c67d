#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_fsck.py - fsck_hammer2 finds nothing wrong on any reference image
# (with the selected header and with -a), and on images with one flipped
# bit - in the volume header, an inode, a blockref inside an inode or an
# indirect block, a data block, a freemap leaf, or an unchecked inode
# number - it exits non-zero and names the damaged block.  Each case
# damages a private sparse copy and restores it afterwards.
import sys

import h2lib


def fsck_clean_on_every_image(ctx):
    """Exit 0 and zero errors on every reference image, with and
    without -a."""
    for name in h2lib.IMAGES:
        img = ctx.image(name)
        for opts in ([], ["-a"]):
            r = h2lib.run([ctx.fsck] + opts + [img])
            assert r.returncode == 0, (name, opts, r.stdout[-2000:])
            assert " 0 errors, 0 warnings" in r.stdout, r.stdout[-500:]


def fsck_usage_and_unreadable(ctx):
    """Usage errors exit 2, an unreadable image 8."""
    assert h2lib.run([ctx.fsck]).returncode == 2
    assert h2lib.run([ctx.fsck, "-x", "a"]).returncode == 2
    r = h2lib.run([ctx.fsck, "/nonexistent.img"])
    assert r.returncode == 8 and "No such file" in r.stderr, r


def _damage(ctx, img, off, expect, mask=0x04, opts=()):
    """Flip a bit at off, run fsck, check it names expect, restore."""
    h2lib.flip(img, off, mask)
    try:
        r = h2lib.run([ctx.fsck] + list(opts) + [img])
    finally:
        h2lib.flip(img, off, mask)
    assert r.returncode == 1, (hex(off), r.returncode, r.stdout[-1500:])
    assert expect in r.stdout, (hex(off), expect, r.stdout[-1500:])
    return r.stdout


def _setup(ctx, name):
    img = h2lib.private_copy(ctx, ctx.image(name), name + ".damaged")
    return img, h2lib.show_tree(ctx, img)


def _blk(off):
    return "block 0x%016x" % off


def fsck_names_damaged_header(ctx):
    """A flip in the volume header names copy 0 at offset 0."""
    img, _ = _setup(ctx, "basic-lz4-xxh64")
    out = _damage(ctx, img, 0x30, "volume header copy 0 at "
                  "0x0000000000000000")
    assert "CRC mismatch" in out
    # A flip inside the super-root blockset is caught by its own CRC.
    _damage(ctx, img, 0x210, "sect1 (sroot blockset) CRC mismatch")


def fsck_names_damaged_inode(ctx):
    """A flip in an inode names that inode's block (each check)."""
    for name in ("basic-lz4-xxh64", "zlib-crc32c"):
        img, tree = _setup(ctx, name)
        ino = [b for b in tree if b.kind == "inode" and b.inum and
               b.inum >= 1024][5]
        out = _damage(ctx, img, ino.off + 0x60, _blk(ino.off))
        assert "check code mismatch" in out, out


def fsck_names_block_holding_damaged_bref(ctx):
    """A flip in a blockref names the block that holds it."""
    img, tree = _setup(ctx, "basic-lz4-xxh64")
    ino = [b for b in tree if b.kind == "inode" and b.objtype == "file" and
           b.children][0]
    _damage(ctx, img, ino.off + 0x200 + 0x08, _blk(ino.off))
    ind = [b for b in tree if b.kind == "indirect"][-1]
    out = _damage(ctx, img, ind.off + 0x10, _blk(ind.off))
    assert out.count("\n") < 40, "consequences not summarised"


def fsck_names_damaged_data(ctx):
    """A flip in a data block names it (XXH64 and CRC32C images)."""
    for name in ("big-xxh64", "zlib-crc32c"):
        img, tree = _setup(ctx, name)
        data = [b for b in tree if b.kind == "data"][-1]
        _damage(ctx, img, data.off + 7, _blk(data.off))


def fsck_names_damaged_freemap_leaf(ctx):
    """A flip in a freemap leaf names the leaf."""
    img, tree = _setup(ctx, "basic-lz4-xxh64")
    r = h2lib.run([ctx.hammer2, "-f", img, "freemap"])
    leaf = [l for l in r.stdout.splitlines() if "freemap_leaf" in l][0]
    off = int(leaf.split()[1], 16)
    _damage(ctx, img, off + 0x1000, "freemap block 0x%016x" % off)


def fsck_all_headers_checks_each_copy(ctx):
    """-a checks the tree of every valid header copy and says which."""
    img, tree = _setup(ctx, "basic-lz4-xxh64")
    h2lib.add_header_copy(img, 1, -1)
    r = h2lib.run([ctx.fsck, "-a", img])
    assert r.returncode == 0, r.stdout[-1500:]
    assert "tree of volume header copy 0" in r.stdout and \
        "tree of volume header copy 1" in r.stdout, r.stdout
    data = [b for b in tree if b.kind == "data"][0]
    out = _damage(ctx, img, data.off + 9, "header copy 1: PFS DATA",
                  opts=["-a"])
    assert "header copy 0: PFS DATA" in out, out
    # Without -a only the newest valid copy (0) is walked.
    r = h2lib.run([ctx.fsck, img])
    assert r.returncode == 0 and "copy 1" not in r.stdout, r.stdout


def _structural(ctx, name, tag, pick, rel, value, in_bref=False):
    """Write value (8 bytes) at rel in a picked inode, or in a picked
    blockref (in_bref), reseal the check codes above, and run fsck,
    which must fail.  Returns (output, picked bref)."""
    img = h2lib.private_copy(ctx, ctx.image(name), name + "." + tag)
    tree = h2lib.show_tree(ctx, img)
    b = pick(tree)
    if in_bref:
        holder = h2lib.parents(tree)[id(b)]
        at = h2lib.bref_slot(img, holder, b)
    else:
        holder, at = b, b.off
    h2lib.write_at(img, at + rel, value.to_bytes(8, "little"))
    h2lib.reseal(img, tree, holder)
    r = h2lib.run([ctx.fsck, img])
    assert r.returncode == 1, (tag, r.stdout[-1500:])
    return r.stdout, b


def _nth(kind, n, objtype=None):
    return lambda tree: [b for b in tree if b.kind == kind and
                         (objtype is None or b.objtype == objtype) and
                         (kind != "inode" or (b.inum or 0) >= 1024)][n]


def fsck_finds_inode_number_mismatch(ctx):
    """An inode whose number differs from its index key is named."""
    out, b = _structural(ctx, "basic-lz4-xxh64", "inum",
                         _nth("inode", 3, "file"), 0x58, 0x7000)
    assert "differs from its index key" in out and \
        "block 0x%016x" % b.off in out, out[-1500:]


def fsck_finds_bad_nlinks(ctx):
    """A file whose nlinks is not its number of names is named."""
    out, b = _structural(ctx, "zlib-crc32c", "nlinks",
                         _nth("inode", 4, "file"), 0x68, 5)
    assert "inode %d (/" % b.inum in out and \
        "nlinks is 5 but 1 directory entries name it" in out, out[-1500:]


def fsck_finds_entry_naming_missing_inode(ctx):
    """A directory entry naming a missing inode is reported."""
    out, _ = _structural(ctx, "basic-lz4-xxh64", "dangling",
                         _nth("dirent", 7), 0x30, 0x123456, in_bref=True)
    assert "names inode %d, which is not in the inode index" % 0x123456 \
        in out, out[-1500:]


def fsck_finds_entry_key_not_matching_name(ctx):
    """A directory entry whose key is not its name's hash is named."""
    def pick(tree):
        return _nth("dirent", 11)(tree)
    img = h2lib.private_copy(ctx, ctx.image("basic-lz4-xxh64"), "dirkey")
    tree = h2lib.show_tree(ctx, img)
    d = pick(tree)
    holder = h2lib.parents(tree)[id(d)]
    at = h2lib.bref_slot(img, holder, d)
    key = int.from_bytes(h2lib.read_at(img, at + 8, 8), "little")
    h2lib.write_at(img, at + 8, (key ^ (1 << 33)).to_bytes(8, "little"))
    h2lib.reseal(img, tree, holder)
    r = h2lib.run([ctx.fsck, img])
    assert r.returncode == 1, r.stdout[-1500:]
    assert "does not match its name hash" in r.stdout, r.stdout[-1500:]


TESTS = [
    fsck_clean_on_every_image,
    fsck_usage_and_unreadable,
    fsck_names_damaged_header,
    fsck_names_damaged_inode,
    fsck_names_block_holding_damaged_bref,
    fsck_names_damaged_data,
    fsck_names_damaged_freemap_leaf,
    fsck_all_headers_checks_each_copy,
    fsck_finds_inode_number_mismatch,
    fsck_finds_bad_nlinks,
    fsck_finds_entry_naming_missing_inode,
    fsck_finds_entry_key_not_matching_name,
]

if __name__ == "__main__":
    sys.exit(h2lib.main(TESTS))
