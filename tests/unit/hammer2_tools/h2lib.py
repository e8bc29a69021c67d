# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# h2lib.py - helpers shared by the HAMMER2 host-tool tests: command-line
# handling, unpacking the reference images once per build tree (sparse,
# under a lock, into the directory the core's tests use too), reading a
# manifest, comparing a host tree with it, locating blocks through
# `hammer2 show`, flipping bits in a private copy of an image, mounting
# an image with hammer2fuse, and a tiny runner for test functions named
# after the behaviour they prove.
import argparse
import fcntl
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback

IMAGES = ["basic-lz4-xxh64", "zlib-crc32c", "nocomp-nocheck", "big-xxh64",
          "snapshot-lz4-xxh64"]


class Ctx:
    """What a test gets: tool paths, the reference and work directories."""

    def __init__(self, args):
        self.bindir = args.bindir
        self.refdir = args.refdir
        self.workdir = args.workdir
        self.hammer2 = os.path.join(args.bindir, "hammer2")
        self.fsck = os.path.join(args.bindir, "fsck_hammer2")
        self.fuse = os.path.join(args.bindir, "hammer2fuse")
        self.newfs = os.path.join(args.bindir, "newfs_hammer2")
        self.tmp = tempfile.mkdtemp(prefix="h2tools.")
        self.mounts = []        # Mounts still up, unmounted by cleanup()

    def cleanup(self):
        """Unmount what a failed test left mounted; remove ctx.tmp."""
        for m in self.mounts[::-1]:
            if mounted(m.mnt):
                run(["fusermount3", "-u", m.mnt])
        shutil.rmtree(self.tmp, ignore_errors=True)

    def image(self, name):
        return unpack(self.refdir, self.workdir, name)

    def manifest(self, name):
        return read_manifest(os.path.join(self.refdir, "images",
                                          name + ".manifest"))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--bindir", required=True)
    p.add_argument("--refdir", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("only", nargs="*", help="run only these tests")
    return p.parse_args()


def refdir_present(refdir):
    if os.path.isdir(os.path.join(refdir, "images")):
        return True
    print("SKIPPED: reference images not found (%s)" % refdir, flush=True)
    return False


def unpack(refdir, workdir, name):
    """NAME.img unpacked sparsely into workdir once (shared, locked)."""
    xz = os.path.join(refdir, "images", name + ".img.xz")
    out = os.path.join(workdir, name + ".img")
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, ".unpack.lock"), "w") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)
        if (os.path.exists(out) and
                os.stat(out).st_mtime >= os.stat(xz).st_mtime):
            return out
        tmp = "%s.%d" % (out, os.getpid())
        subprocess.run("xz -dc '%s' | cp --sparse=always /dev/stdin '%s'"
                       % (xz, tmp), shell=True, check=True)
        os.rename(tmp, out)
    return out


class Entry:
    def __init__(self, kind, mode, size, digest, path):
        self.kind = kind        # f, d or l
        self.mode = mode        # octal string, "-" for links
        self.size = size        # int, None for directories
        self.digest = digest    # sha256 (f) or link target (l)
        self.path = path


def read_manifest(path):
    ents = {}
    with open(path, "rb") as f:
        for raw in f:
            line = os.fsdecode(raw.rstrip(b"\n"))
            if not line:
                continue
            kind, mode, size, digest, p = line.split("\t", 4)
            ents[p] = Entry(kind, mode, None if size == "-" else int(size),
                            digest, p)
    return ents


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def compare_tree(root, manifest, check_mode=True):
    """Problems (strings) between a host tree and a manifest."""
    bad = []
    seen = set()
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            rel = os.path.relpath(os.path.join(d, n), root)
            seen.add(rel)
            if rel not in manifest:
                bad.append("extra entry %s" % rel)
    for p, e in manifest.items():
        full = os.path.join(root, p)
        if p not in seen:
            bad.append("missing %s" % p)
            continue
        st = os.lstat(full)
        if e.kind == "f":
            if not stat.S_ISREG(st.st_mode):
                bad.append("%s: not a regular file" % p)
                continue
            if st.st_size != e.size:
                bad.append("%s: size %d, want %d" % (p, st.st_size, e.size))
            elif sha256_file(full) != e.digest:
                bad.append("%s: content differs" % p)
        elif e.kind == "d":
            if not stat.S_ISDIR(st.st_mode):
                bad.append("%s: not a directory" % p)
        elif e.kind == "l":
            if not stat.S_ISLNK(st.st_mode):
                bad.append("%s: not a symlink" % p)
            elif os.readlink(full) != e.digest:
                bad.append("%s: link target differs" % p)
            elif e.size != len(os.fsencode(e.digest)):
                bad.append("%s: manifest size mismatch" % p)
        if check_mode and e.mode != "-" and \
                "%o" % stat.S_IMODE(st.st_mode) != e.mode:
            bad.append("%s: mode %o, want %s" % (p, stat.S_IMODE(st.st_mode),
                                                   e.mode))
    return bad


CHUNK = 1 << 16
READ = 1 << 20
_ZERO = bytes(CHUNK)
_ZREAD = bytes(READ)


def content_digest(path, dir_fd=None):
    """SHA-256 over (offset, bytes) of every 64 KiB chunk of a file that
    is not all zeros, then the size: equal for equal contents however
    the holes lie.  Holes are skipped with SEEK_DATA where the file
    system reports them; elsewhere everything is read.  path may be a
    name relative to dir_fd."""
    h = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    try:
        size = os.fstat(fd).st_size
        pos = 0
        while pos < size:
            try:
                data = os.lseek(fd, pos, os.SEEK_DATA)
                end = os.lseek(fd, data, os.SEEK_HOLE)
            except OSError:     # ENXIO: no data past pos
                break
            pos = max(pos, data & ~(CHUNK - 1))
            while pos < end:
                # Whole chunks, up to 1 MiB a read: FUSE reports no
                # holes, so a sparse file there is read whole.
                want = min(READ, -((pos - end) // CHUNK) * CHUNK)
                b = os.pread(fd, want, pos)
                if not b:
                    break
                if b == _ZREAD[:len(b)]:
                    pos += len(b)
                    continue
                for i in range(0, len(b), CHUNK):
                    c = b[i:i + CHUNK]
                    if c != _ZERO[:len(c)]:
                        h.update((pos + i).to_bytes(8, "little"))
                        h.update(c)
                pos += len(b)
    finally:
        os.close(fd)
    h.update(size.to_bytes(8, "little"))
    return h.hexdigest()


def walk(root, post=False):
    """Everything below root as (relative path, directory fd, name,
    lstat), sorted by name, a directory before its entries (after them
    with post=True).  Every call is relative to a directory descriptor
    (one open per level), so paths longer than PATH_MAX are fine; the fd
    is valid until the next item is asked for."""
    top = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield from _walk(top, "", post)
    finally:
        os.close(top)


def _walk(dfd, rel, post):
    for n in sorted(os.listdir(dfd)):
        st = os.stat(n, dir_fd=dfd, follow_symlinks=False)
        p = rel + "/" + n if rel else n
        if not post:
            yield p, dfd, n, st
        if stat.S_ISDIR(st.st_mode):
            sub = os.open(n, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                          dir_fd=dfd)
            try:
                yield from _walk(sub, p, post)
            finally:
                os.close(sub)
        if post:
            yield p, dfd, n, st


def snapshot(root):
    """Everything below root, as {relative path: attributes} and the
    sorted groups of paths that are one inode (hard links).  Attributes
    are a tuple: type letter, permission bits, uid, gid, mtime in
    microseconds (HAMMER2's resolution), then nlinks, size and
    content_digest() for files, nlinks, size and target for symlinks,
    nlinks and the device number for devices, nlinks for fifos and
    sockets.  Directories' sizes and link counts are left out: they
    belong to the host file system.  Paths may pass PATH_MAX (walk())."""
    ents, inos = {}, {}
    for rel, dfd, n, st in walk(root):
        m = st.st_mode
        e = (stat.filemode(m)[0], stat.S_IMODE(m), st.st_uid,
             st.st_gid, st.st_mtime_ns // 1000)
        if stat.S_ISREG(m):
            e += (st.st_nlink, st.st_size, content_digest(n, dfd))
        elif stat.S_ISLNK(m):
            e += (st.st_nlink, st.st_size, os.readlink(n, dir_fd=dfd))
        elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
            e += (st.st_nlink, os.major(st.st_rdev),
                  os.minor(st.st_rdev))
        elif not stat.S_ISDIR(m):
            e += (st.st_nlink,)
        ents[rel] = e
        if not stat.S_ISDIR(m):
            inos.setdefault(st.st_ino, []).append(rel)
    groups = sorted(sorted(g) for g in inos.values() if len(g) > 1)
    return ents, groups


SNAP_FIELDS = ("type", "mode", "uid", "gid", "mtime_us", "nlinks",
               "size", "content/target")


def snapshot_diff(want, got):
    """Lines naming each difference between two snapshot() results."""
    (we, wg), (ge, gg) = want, got
    bad = []
    for p in sorted(set(we) | set(ge)):
        if p not in ge:
            bad.append("missing %s" % _name(p))
        elif p not in we:
            bad.append("extra %s" % _name(p))
        elif we[p] != ge[p]:
            a, b = we[p], ge[p]
            for i in range(max(len(a), len(b))):
                x = a[i] if i < len(a) else None
                y = b[i] if i < len(b) else None
                if x != y:
                    what = SNAP_FIELDS[i] if a[0] in "-l" or i < 5 \
                        else ("nlinks", "major", "minor")[i - 5]
                    bad.append("%s: %s is %s, want %s" % (
                        _name(p), what, _show(what, y), _show(what, x)))
    if wg != gg:
        for g in wg:
            if g not in gg:
                bad.append("hard-link group not kept: %s" %
                           " ".join(map(_name, g)))
        for g in gg:
            if g not in wg:
                bad.append("unexpected hard-link group: %s" %
                           " ".join(map(_name, g)))
    return bad


def _name(path):
    """A path for a message: repr, long middles cut."""
    if len(path) <= 120:
        return repr(path)
    return "%r...%r (%d chars)" % (path[:40], path[-60:], len(path))


def _show(what, v):
    if what == "mode" and v is not None:
        return "%04o" % v
    if isinstance(v, str) and len(v) > 80:
        return "%r...(%d bytes)" % (v[:40], len(v))
    return repr(v)


def run(cmd, text=True, **kw):
    """Run a command, capturing its output; never raises on status."""
    if text:
        kw.setdefault("errors", "surrogateescape")
    return subprocess.run(cmd, capture_output=True, text=text, **kw)


def root_files(ctx, image):
    """{inode number: name} of the regular files in the PFS root."""
    r = run([ctx.hammer2, "-f", image, "ls", "/"])
    if r.returncode != 0:
        raise AssertionError("hammer2 ls failed: %s" % r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        f = line.split(None, 8)
        if f[1].startswith("-"):
            out[int(f[0])] = f[8]
    return out


# One line of `hammer2 show`: indent, type.radix, offset, key/bits.
SHOW_RE = re.compile(r"^( *)(\w+)\.(\d+) 0x([0-9a-f]{16}) "
                     r"key=0x([0-9a-f]{16})/(\d+)")
SHOW_INODE_RE = re.compile(r'^ *inum=(\d+) (\w+) "(.*)"(?: mode=|$)')


class Bref:
    def __init__(self, depth, kind, radix, off, key, keybits):
        self.depth = depth
        self.kind = kind
        self.radix = radix
        self.off = off
        self.key = key
        self.keybits = keybits
        self.inum = None        # inodes, dirents: the inode number
        self.objtype = None     # inodes, dirents: directory/file/...
        self.name = None        # inodes, dirents: the name as shown
        self.children = []


def show_tree(ctx, image):
    """The blockrefs of `hammer2 show`, each with its children."""
    r = run([ctx.hammer2, "-f", image, "show"])
    if r.returncode != 0:
        raise AssertionError("hammer2 show failed: %s" % r.stderr)
    out, stack = [], []
    last = None
    for line in r.stdout.splitlines():
        m = SHOW_RE.match(line)
        if m:
            depth = len(m.group(1)) // 2
            b = Bref(depth, m.group(2), int(m.group(3)),
                     int(m.group(4), 16), int(m.group(5), 16),
                     int(m.group(6)))
            while stack and stack[-1].depth >= depth:
                stack.pop()
            if stack:
                stack[-1].children.append(b)
            stack.append(b)
            out.append(b)
            last = b
            continue
        m = SHOW_INODE_RE.match(line)
        if m and last is not None and last.kind in ("inode", "dirent"):
            last.inum = int(m.group(1))
            last.objtype = m.group(2)
            last.name = m.group(3)
    return out


def flip(path, off, mask=0x04):
    """XOR one byte of a file (flipping twice restores it)."""
    with open(path, "r+b") as f:
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ mask]))


def private_copy(ctx, image, name):
    """A sparse copy of an image that a test may damage."""
    dst = os.path.join(ctx.tmp, name)
    subprocess.run(["cp", "--sparse=always", image, dst], check=True)
    return dst


def mounted(mnt):
    mnt = os.path.realpath(mnt)
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == mnt for l in f)


class Mount:
    """hammer2fuse -f SPEC MNT in the background, unmounted on exit."""

    def __init__(self, ctx, spec, tag, extra=()):
        self.ctx = ctx
        self.mnt = os.path.join(ctx.tmp, "mnt-" + tag)
        os.makedirs(self.mnt, exist_ok=True)
        self.cmd = [ctx.fuse, spec, self.mnt, "-f"] + list(extra)

    def __enter__(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.ctx.mounts.append(self)
        deadline = time.time() + 20
        while not mounted(self.mnt):
            if self.proc.poll() is not None:
                raise AssertionError("hammer2fuse exited %d: %s" % (
                    self.proc.returncode, self.proc.stdout.read()))
            if time.time() > deadline:
                self.proc.kill()
                raise AssertionError("hammer2fuse did not mount")
            time.sleep(0.05)
        return self.mnt

    def __exit__(self, *exc):
        r = run(["fusermount3", "-u", self.mnt])
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("hammer2fuse did not exit after unmount")
        if exc[0] is None:
            assert r.returncode == 0, r.stderr
            assert rc == 0, "hammer2fuse exited %d: %s" % (
                rc, self.proc.stdout.read())
        return False


def fuse_missing():
    """Why FUSE cannot be tested here, or None.  Checked before anything
    else, so a missing /dev/fuse fails the test instead of skipping."""
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing"
    if shutil.which("fusermount3") is None:
        return "fusermount3 is missing (apt-get install fuse3)"
    return None


class Skip(Exception):
    """Raised by a test that cannot run here; main() prints SKIPPED."""


SKIP_STATUS = 77        # ctest's SKIP_RETURN_CODE for these tests


def main(tests, require=None, refs=True):
    """Run test functions (ctx) -> None; print a summary; exit 0/1.
    require() runs first, even without the reference images: a missing
    host facility it reports (a string) fails the whole test.  With
    refs=False the tests do not use the reference images and run without
    them.  A test raising Skip prints "SKIPPED name: reason"; when every
    test that ran skipped, the status is SKIP_STATUS."""
    args = parse_args()
    missing = require() if require is not None else None
    if missing:
        print("FAIL: %s" % missing, flush=True)
        return 1
    if refs and not refdir_present(args.refdir):
        return 0
    ctx = Ctx(args)
    failed = skipped = ran = 0
    try:
        for t in tests:
            if args.only and t.__name__ not in args.only:
                continue
            ran += 1
            t0 = time.time()
            try:
                t(ctx)
                print("ok   %s (%.1f s)" % (t.__name__, time.time() - t0),
                      flush=True)
            except Skip as e:
                skipped += 1
                print("SKIPPED %s: %s" % (t.__name__, e), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s" % t.__name__, flush=True)
                traceback.print_exc(file=sys.stdout)
    finally:
        ctx.cleanup()
    print("%d failed, %d skipped" % (failed, skipped))
    if failed:
        return 1
    return SKIP_STATUS if ran and skipped == ran else 0


# ---------------------------------------------------------------------
# Resealing: after a test changes a block on purpose, recompute the check
# codes from that block up to the volume header, so that only the
# structural damage remains for fsck to find.  These are independent test
# oracles (XXH64 with HAMMER2's seed, CRC-32C), written from the
# published algorithms, not shared with fs/hammer2.
# ---------------------------------------------------------------------

_M64 = (1 << 64) - 1
_P1, _P2, _P3 = 11400714785074694791, 14029467366897019727, \
    1609587929392839161
_P4, _P5 = 9650029242287828579, 2870177450012600261
XXH64_SEED = 0x4D617474446C6C6E


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M64


def _xround(acc, lane):
    acc = (acc + lane * _P2) & _M64
    return (_rotl(acc, 31) * _P1) & _M64


def xxh64(data, seed=XXH64_SEED):
    n, i = len(data), 0
    if n >= 32:
        v = [(seed + _P1 + _P2) & _M64, (seed + _P2) & _M64, seed,
             (seed - _P1) & _M64]
        while i + 32 <= n:
            for k in range(4):
                v[k] = _xround(v[k], int.from_bytes(data[i:i + 8],
                                                    "little"))
                i += 8
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) +
             _rotl(v[3], 18)) & _M64
        for k in range(4):
            h = ((h ^ _xround(0, v[k])) * _P1 + _P4) & _M64
    else:
        h = (seed + _P5) & _M64
    h = (h + n) & _M64
    while i + 8 <= n:
        h ^= _xround(0, int.from_bytes(data[i:i + 8], "little"))
        h = (_rotl(h, 27) * _P1 + _P4) & _M64
        i += 8
    if i + 4 <= n:
        h ^= (int.from_bytes(data[i:i + 4], "little") * _P1) & _M64
        h = (_rotl(h, 23) * _P2 + _P3) & _M64
        i += 4
    while i < n:
        h ^= (data[i] * _P5) & _M64
        h = (_rotl(h, 11) * _P1) & _M64
        i += 1
    h ^= h >> 33
    h = (h * _P2) & _M64
    h ^= h >> 29
    h = (h * _P3) & _M64
    return h ^ (h >> 32)


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t


_CRC_T = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C of data; crc continues an earlier result (of a prefix)."""
    c = crc ^ 0xFFFFFFFF
    for b in data:
        c = _CRC_T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


DIRHASH_SEPS = b".-_~"


def dirhash_high(name):
    """Bits 63..32 of a directory hash (format 6.2): the sum of the
    CRC-32Cs of the pieces of name split at . - _ ~, with bit 31 set."""
    total = 0
    for piece in re.split(rb"[.\-_~]", name):
        if piece:
            total = (total + crc32c(piece)) & 0xFFFFFFFF
    return total | 0x80000000


def dirhash_mid(crc):
    """Bits 31..16 of a directory hash from the CRC-32C of the name."""
    return ((crc ^ (crc << 16)) >> 16) & 0xFFFF


def dirhash(name):
    """HAMMER2's 64-bit directory hash of name (bytes), format 6.2."""
    return (dirhash_high(name) << 32) | (dirhash_mid(crc32c(name)) << 16) \
        | 0x8000


def read_at(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def write_at(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def _seal_bref(path, bref_at, blk, nbytes):
    """Recompute the check of the bref at bref_at for its block."""
    bref = read_at(path, bref_at, 128)
    method = bref[1] >> 4
    data = read_at(path, blk, nbytes)
    if method == 3:
        write_at(path, bref_at + 0x40, xxh64(data).to_bytes(8, "little"))
    elif method == 2:
        write_at(path, bref_at + 0x40, crc32c(data).to_bytes(4, "little"))
    elif method not in (0, 1):
        raise AssertionError("cannot reseal check method %d" % method)


def seal_header(path, hoff=0):
    """Recompute the three CRCs of the volume header copy at hoff."""
    hdr = bytearray(read_at(path, hoff, 65536))
    hdr[0x1F8:0x1FC] = crc32c(hdr[0x200:0x400]).to_bytes(4, "little")
    hdr[0x1FC:0x200] = crc32c(hdr[0:0x1FC]).to_bytes(4, "little")
    hdr[0xFFFC:0x10000] = crc32c(hdr[0:0xFFFC]).to_bytes(4, "little")
    write_at(path, hoff, bytes(hdr))


def add_header_copy(path, copy, tid_delta):
    """Write header copy 0 as copy `copy` (2 GiB apart, growing the
    file), with mirror_tid changed by tid_delta, and seal it."""
    hdr = bytearray(read_at(path, 0, 65536))
    tid = int.from_bytes(hdr[0x78:0x80], "little") + tid_delta
    hdr[0x78:0x80] = tid.to_bytes(8, "little")
    hoff = copy << 31
    with open(path, "r+b") as f:
        f.truncate(max(os.path.getsize(path), hoff + 65536))
    write_at(path, hoff, bytes(hdr))
    seal_header(path, hoff)
    return hoff


def parents(tree):
    par = {}
    for b in tree:
        for c in b.children:
            par[id(c)] = b
    return par


def bref_slot(path, parent, child):
    """Media offset of the bref in parent's table that points at child."""
    if parent is None:
        base, count = 0x200, 4
    elif parent.kind == "inode":
        base, count = parent.off + 0x200, 4
    else:
        base, count = parent.off, (1 << parent.radix) // 128
    table = read_at(path, base, count * 128)
    for i in range(count):
        b = table[i * 128:(i + 1) * 128]
        off = int.from_bytes(b[0x20:0x28], "little")
        key = int.from_bytes(b[0x08:0x10], "little")
        if b[0] == {"inode": 1, "indirect": 2, "data": 3, "dirent": 4}.get(
                child.kind) and key == child.key and \
                (off & ~0x3F) == child.off:
            return base + i * 128
    raise AssertionError("no bref for block 0x%x" % child.off)


def reseal(path, tree, bref):
    """Recompute check codes from bref's block up to the header.  The
    blockref pointing at bref is found by its type, key and offset, so
    edit a blockref's key only after resealing from its holder."""
    par = parents(tree)
    while True:
        parent = par.get(id(bref))
        at = bref_slot(path, parent, bref)
        if bref.radix:
            _seal_bref(path, at, bref.off, 1 << bref.radix)
        if parent is None:
            break
        bref = parent
    seal_header(path)
