#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_get.py - `hammer2 get` extracts every reference image exactly as
# its manifest describes it (type, mode, size, SHA-256, link target),
# keeps hard links, times and holes, extracts single files, symlinks and
# subtrees, and reads the SNAP1 snapshot PFS through IMAGE@SNAP1.
import os
import stat
import sys

import h2lib


def _get_and_compare(ctx, name, spec_suffix=""):
    img = ctx.image(name)
    out = os.path.join(ctx.tmp, name + spec_suffix.replace("@", "_"))
    r = h2lib.run([ctx.hammer2, "-f", img + spec_suffix, "get", "/", out])
    assert r.returncode == 0, r.stderr
    bad = h2lib.compare_tree(out, ctx.manifest(name))
    assert not bad, "\n".join(bad[:20])
    return out


def get_basic_lz4_matches_manifest(ctx):
    """Every entry of the LZ4/XXH64 image extracts exactly."""
    out = _get_and_compare(ctx, "basic-lz4-xxh64")
    # Hard links come out as one host inode with three names.
    man = ctx.manifest("basic-lz4-xxh64")
    hard = [p for p in man if os.path.basename(p) in ("hard_a", "hard_b")]
    assert len(hard) == 2, hard
    sta = os.stat(os.path.join(out, hard[0]))
    stb = os.stat(os.path.join(out, hard[1]))
    assert sta.st_ino == stb.st_ino and sta.st_nlink == 3, (sta, stb)


def get_zlib_crc32c_matches_manifest(ctx):
    """The zlib-compressed, CRC32C-checked image extracts exactly."""
    _get_and_compare(ctx, "zlib-crc32c")


def get_nocomp_nocheck_matches_manifest(ctx):
    """The uncompressed, unchecked image extracts exactly."""
    _get_and_compare(ctx, "nocomp-nocheck")


def get_big_matches_manifest(ctx):
    """The 5000-entry directory and the 12 MiB file extract exactly."""
    _get_and_compare(ctx, "big-xxh64")


def get_snapshot_data_and_snap1_match_manifest(ctx):
    """DATA and the SNAP1 snapshot (IMAGE@SNAP1) both match."""
    _get_and_compare(ctx, "snapshot-lz4-xxh64")
    _get_and_compare(ctx, "snapshot-lz4-xxh64", "@SNAP1")


def get_keeps_times_and_holes(ctx):
    """mtimes come from the inodes; a sparse file gets holes."""
    img = ctx.image("basic-lz4-xxh64")
    out = os.path.join(ctx.tmp, "times")
    r = h2lib.run([ctx.hammer2, "-f", img, "get", "/sparse.bin", out])
    assert r.returncode == 0, r.stderr
    r = h2lib.run([ctx.hammer2, "-f", img, "stat", "/sparse.bin"])
    assert r.returncode == 0, r.stderr
    line = [l for l in r.stdout.splitlines() if l.startswith("mtime")][0]
    # "mtime        2026-11-22 23:33:23.474571 UTC"
    when = line.split()[1] + " " + line.split()[2]
    st = os.stat(os.path.join(out, "sparse.bin"))
    import datetime
    got = datetime.datetime.fromtimestamp(st.st_mtime,
                                          datetime.timezone.utc)
    assert got.strftime("%Y-%m-%d %H:%M:%S.%f") == when, (got, when)
    man = ctx.manifest("basic-lz4-xxh64")["sparse.bin"]
    assert st.st_size == man.size
    assert h2lib.sha256_file(os.path.join(out, "sparse.bin")) == man.digest
    assert st.st_blocks * 512 < st.st_size, "no holes in sparse.bin"


def get_single_file_symlink_and_subtree(ctx):
    """get PATH puts PATH's last component into HOSTDIR."""
    img = ctx.image("basic-lz4-xxh64")
    man = ctx.manifest("basic-lz4-xxh64")
    out = os.path.join(ctx.tmp, "parts")
    sub = "mxLpQ-2-yMK_-Y_d3"
    for path in ["/rel_link", "/" + sub, "/cBe__f8"]:
        r = h2lib.run([ctx.hammer2, "-f", img, "get", path, out])
        assert r.returncode == 0, (path, r.stderr)
    assert os.readlink(os.path.join(out, "rel_link")) == \
        man["rel_link"].digest
    assert h2lib.sha256_file(os.path.join(out, "cBe__f8")) == \
        man["cBe__f8"].digest
    subman = {p: e for p, e in man.items()
              if p == sub or p.startswith(sub + "/")}
    others = {p: e for p, e in man.items() if p in ("rel_link", "cBe__f8")}
    subman.update(others)
    # Hard links whose other names lie outside the subtree are copies.
    bad = h2lib.compare_tree(out, subman)
    assert not bad, "\n".join(bad[:20])


def get_into_existing_tree_replaces_files(ctx):
    """Extracting twice over the same HOSTDIR gives the same tree."""
    img = ctx.image("zlib-crc32c")
    out = os.path.join(ctx.tmp, "twice")
    for _ in range(2):
        r = h2lib.run([ctx.hammer2, "-f", img, "get", "/", out])
        assert r.returncode == 0, r.stderr
    bad = h2lib.compare_tree(out, ctx.manifest("zlib-crc32c"))
    assert not bad, "\n".join(bad[:20])


def get_missing_path_names_image_and_path(ctx):
    """A bad PATH fails with status 1 naming image, path and reason."""
    img = ctx.image("basic-lz4-xxh64")
    r = h2lib.run([ctx.hammer2, "-f", img, "get", "/no/such", ctx.tmp])
    assert r.returncode == 1, r
    assert img in r.stderr and "/no/such" in r.stderr and \
        "No such file" in r.stderr, r.stderr


TESTS = [
    get_basic_lz4_matches_manifest,
    get_zlib_crc32c_matches_manifest,
    get_nocomp_nocheck_matches_manifest,
    get_big_matches_manifest,
    get_snapshot_data_and_snap1_match_manifest,
    get_keeps_times_and_holes,
    get_single_file_symlink_and_subtree,
    get_into_existing_tree_replaces_files,
    get_missing_path_names_image_and_path,
]

if __name__ == "__main__":
    sys.exit(h2lib.main(TESTS))
