#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# test_write.py - the HAMMER2 write path through the host tools: the
# hammer2 write commands (put, rm, mkdir, setcomp, setcheck, pfs-create,
# pfs-delete, snapshot, bulkfree) and `hammer2fuse -w` change images
# made by newfs_hammer2; every result is read back with `hammer2 get`
# (and a read-only mount) and must equal the host tree it came from,
# pass fsck_hammer2 and, when the reference directory is present, the
# independent walker h2walk.py.  Reliability: at least 100 cuts of the
# block layer after a random number of writes (H2IMG_CUT_AFTER) each
# leave an image that passes fsck and holds exactly the state before
# or after the interrupted command; SIGKILLed FUSE writers lose nothing
# they fsync'ed; an open file outlives the unlink of its last name; a
# snapshot keeps old contents; two bulkfree passes
# return the space of deleted files.
import hashlib
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import h2lib  # noqa: E402

run = h2lib.run
MB = 1 << 20


def newfs(ctx, name, size="2G"):
    img = os.path.join(ctx.tmp, name)
    if os.path.exists(img):
        os.unlink(img)
    r = run([os.path.join(ctx.bindir, "newfs_hammer2"), "-s", size, img])
    assert r.returncode == 0, r.stderr
    return img


def h2(ctx, img, *args, ok=True, env=None):
    r = run([ctx.hammer2, "-f", img] + list(args), env=env)
    if ok:
        assert r.returncode == 0, "hammer2 %s: %s" % (" ".join(args),
                                                       r.stderr)
    return r


def fsck(ctx, img, walk=True):
    r = run([ctx.fsck, img])
    assert r.returncode == 0, "fsck_hammer2 %s:\n%s%s" % (img, r.stdout,
                                                          r.stderr)
    walker = os.path.join(ctx.refdir, "h2walk.py")
    if walk and os.path.exists(walker):
        r = run([sys.executable, walker, img])
        checks = re.findall(r"check \('(\w+)', (\w+), (\d+), (\d+)\)",
                            r.stdout)
        bad = [c for c in checks if c[1] != "True" or c[2] != c[3]]
        assert r.returncode == 0 and not r.stderr and checks and not bad, \
            "h2walk %s: %d checks, bad %r\n%s" % (img, len(checks), bad[:3],
                                                 r.stderr[-2000:])


def data(n, seed, text=False):
    rnd = random.Random(seed)
    if text:
        words = [b"hammer2", b"chain", b"flush", b"freemap", b"inode",
                 b"block", b"dragonfly", b"\n"]
        out = bytearray()
        while len(out) < n:
            out += rnd.choice(words) + b" "
        return bytes(out[:n])
    return rnd.randbytes(n)


def make_tree(root, seed=1, big=True):
    """A host tree with the interesting shapes; returns root."""
    os.makedirs(root)
    sizes = [0, 1, 511, 512, 513, 1023, 1024, 65535, 65536, 65537, 200000]
    for i, n in enumerate(sizes):
        with open(os.path.join(root, "f%d" % n), "wb") as f:
            f.write(data(n, seed * 100 + i, text=(i % 2 == 0)))
    if big:
        with open(os.path.join(root, "big.bin"), "wb") as f:
            f.write(data(3 * MB + 17, seed))
        with open(os.path.join(root, "sparse"), "wb") as f:
            f.seek(5 * MB)
            f.write(b"tail")
    d = os.path.join(root, "sub", "deeper")
    os.makedirs(d)
    for i in range(40):
        with open(os.path.join(root, "sub", "n%03d" % i), "wb") as f:
            f.write(data(100 + i, seed + i))
    with open(os.path.join(d, "x" * 200), "wb") as f:
        f.write(b"long name\n")
    os.symlink("f512", os.path.join(root, "link"))
    os.symlink("t" * 700, os.path.join(root, "longlink"))
    os.link(os.path.join(root, "f1"), os.path.join(d, "hard"))
    os.chmod(os.path.join(root, "f1024"), 0o600)
    return root


def snapshot_tree(root):
    """{relative path: (type, mode, size, content hash or link target)}."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("d", stat.S_IMODE(st.st_mode))
            else:
                out[rel] = ("f", stat.S_IMODE(st.st_mode), st.st_size,
                            h2lib.sha256_file(p))
    return out


def image_tree(ctx, img, path="/", label=None):
    spec = img if label is None else img + "@" + label
    out = os.path.join(ctx.tmp, "get.%d" % random.randrange(1 << 30))
    os.makedirs(out)
    try:
        h2(ctx, spec, "get", path, out)
        kids = os.listdir(out)
        base = os.path.join(out, kids[0]) if path != "/" and kids else out
        return snapshot_tree(base)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def diff(a, b):
    keys = sorted(set(a) | set(b))
    bad = [k for k in keys if a.get(k) != b.get(k)]
    return "%d differences, first: %s" % (len(bad), [
        (k, a.get(k), b.get(k)) for k in bad[:3]]) if bad else ""


def test_put_get_round_trip(ctx):
    tree = make_tree(os.path.join(ctx.tmp, "tree1"))
    img = newfs(ctx, "rt.img")
    h2(ctx, img, "put", tree, "/t")
    fsck(ctx, img)
    d = diff(snapshot_tree(tree), image_tree(ctx, img, "/t"))
    assert not d, d
    # Written again by a second command: the tree stays.
    h2(ctx, img, "mkdir", "/t/newdir", "/other")
    fsck(ctx, img)
    got = image_tree(ctx, img, "/t")
    assert got.get("newdir") == ("d", 0o755), got.get("newdir")
    # Hard link identity survives.
    r = h2(ctx, img, "stat", "/t/f1", "/t/sub/deeper/hard")
    inums = [ln.split()[1] for ln in r.stdout.splitlines()
             if ln.startswith("inode ")]
    assert len(set(inums)) == 1 and len(inums) == 2, r.stdout


def test_rm_and_errors(ctx):
    tree = make_tree(os.path.join(ctx.tmp, "tree2"), seed=2, big=False)
    img = newfs(ctx, "rm.img")
    h2(ctx, img, "put", tree, "/a")
    h2(ctx, img, "put", tree, "/b")
    h2(ctx, img, "rm", "/a")
    fsck(ctx, img)
    got = image_tree(ctx, img)
    assert not any(k == "a" or k.startswith("a/") for k in got), \
        sorted(got)[:5]
    d = diff(snapshot_tree(tree), image_tree(ctx, img, "/b"))
    assert not d, d
    # Errors: one line, status 1, image unchanged.
    before = open(img, "rb").read(65536)
    r = h2(ctx, img, "mkdir", "/b", ok=False)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr
    r = h2(ctx, img, "rm", "/nosuch", ok=False)
    assert r.returncode == 1 and "No such file" in r.stderr, r.stderr
    r = h2(ctx, img, "put", tree, "/b", ok=False)
    assert r.returncode == 1, r.stderr
    r = h2(ctx, img, "setcomp", "bogus", "/b", ok=False)
    assert r.returncode == 2, r.stderr
    fsck(ctx, img)


def test_setcomp_setcheck(ctx):
    img = newfs(ctx, "comp.img")
    src = os.path.join(ctx.tmp, "comp")
    os.makedirs(src)
    with open(os.path.join(src, "text"), "wb") as f:
        f.write(data(1 * MB, 7, text=True))
    h2(ctx, img, "mkdir", "/lz4", "/none", "/crc", "/zlib")
    h2(ctx, img, "setcomp", "none", "/none")
    h2(ctx, img, "setcheck", "crc32", "/crc")
    h2(ctx, img, "setcomp", "zlib:9", "/zlib")
    for d in ("lz4", "none", "crc", "zlib"):
        h2(ctx, img, "put", os.path.join(src, "text"), "/%s/text" % d)
    fsck(ctx, img)
    tree = h2lib.show_tree(ctx, img)
    used = {}
    for b in tree:
        if b.kind == "inode" and b.inum is not None:
            cur = b
        if b.kind == "data":
            used.setdefault(cur.inum, []).append(b.radix)
    sizes = sorted(sum(1 << r for r in v) for v in used.values())
    # zlib text: at most a quarter; LZ4 text (lz4 and crc, which keeps
    # LZ4): at most half; none: 1 MB.
    assert sizes[0] <= MB // 4 and sizes[0] < sizes[1], sizes
    assert sizes[2] <= MB // 2 and sizes[-1] == MB, sizes
    r = h2(ctx, img, "stat", "/crc/text")
    assert "crc32" in r.stdout.lower() or "iscsi" in r.stdout.lower(), \
        r.stdout
    for d in ("lz4", "none", "crc", "zlib"):
        got = image_tree(ctx, img, "/%s" % d)
        assert got == snapshot_tree(src), d


def test_pfs_and_snapshot(ctx):
    img = newfs(ctx, "pfs.img")
    tree = make_tree(os.path.join(ctx.tmp, "tree3"), seed=3, big=False)
    h2(ctx, img, "pfs-create", "EXTRA")
    r = h2(ctx, img, "pfs-create", "EXTRA", ok=False)
    assert r.returncode == 1, r.stderr
    h2(ctx, img + "@EXTRA", "put", tree, "/x")
    h2(ctx, img, "put", tree, "/x")
    r = h2(ctx, img, "snapshot", "SNAP1")
    assert r.stdout.strip() == "SNAP1"
    fsck(ctx, img)
    # Change DATA after the snapshot.
    h2(ctx, img, "rm", "/x/f512", "/x/sub")
    new = os.path.join(ctx.tmp, "f512new")
    with open(new, "wb") as f:
        f.write(b"changed after the snapshot\n")
    h2(ctx, img, "put", new, "/x/f512")
    fsck(ctx, img)
    snap = image_tree(ctx, img, "/x", label="SNAP1")
    assert not diff(snapshot_tree(tree), snap), diff(snapshot_tree(tree), snap)
    cur = image_tree(ctx, img, "/x")
    assert cur["f512"][2] == 27 and "sub" not in cur, cur.get("f512")
    r = h2(ctx, img, "pfs-list")
    for label in ("LOCAL", "DATA", "EXTRA", "SNAP1"):
        assert label in r.stdout, r.stdout
    h2(ctx, img, "pfs-delete", "EXTRA")
    r = h2(ctx, img, "pfs-list")
    assert "EXTRA" not in r.stdout, r.stdout
    fsck(ctx, img)
    # The snapshot is a PFS like any other: writable, independent.
    h2(ctx, img + "@SNAP1", "rm", "/x/f1")
    assert "f1" in image_tree(ctx, img, "/x")
    fsck(ctx, img)


def free_bytes(ctx, img):
    r = h2(ctx, img, "volhdr")
    for line in r.stdout.splitlines():
        if "allocator_free" in line:
            return int(line.split()[-1].split("(")[0], 0)
    raise AssertionError("no allocator_free in volhdr:\n" + r.stdout)


def test_bulkfree_returns_space(ctx):
    img = newfs(ctx, "bf.img", "1G")
    blob = os.path.join(ctx.tmp, "blob")
    chunk = data(MB, 11)
    with open(blob, "wb") as f:
        for _ in range(300):
            f.write(chunk)
    h2(ctx, img, "put", blob, "/b1")
    h2(ctx, img, "put", blob, "/b2")
    h2(ctx, img, "put", blob, "/b3")
    r = h2(ctx, img, "put", blob, "/b4", ok=False)
    assert r.returncode == 1 and "space" in r.stderr, r.stderr
    fsck(ctx, img, walk=False)
    h2(ctx, img, "rm", "/b1", "/b2", "/b3")
    r = h2(ctx, img, "put", blob, "/b4", ok=False)
    assert r.returncode == 1, "rm alone must not free space"
    h2(ctx, img, "bulkfree")
    fsck(ctx, img, walk=False)
    h2(ctx, img, "bulkfree")
    fsck(ctx, img, walk=False)
    h2(ctx, img, "put", blob, "/b4")
    h2(ctx, img, "put", blob, "/b5")
    fsck(ctx, img, walk=False)
    got = image_tree(ctx, img)
    assert got["b5"][3] == h2lib.sha256_file(blob), sorted(got)


def copy_sparse(src, dst):
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)


def state(ctx, img):
    """The DATA tree and the PFS labels (UUIDs are random)."""
    pfs = sorted(ln.split()[-1] for ln in
                 h2(ctx, img, "pfs-list").stdout.splitlines()[1:])
    return (image_tree(ctx, img), pfs)


def test_cut_block_layer(ctx):
    """>= 100 cuts: each image passes fsck and holds a flushed state."""
    rnd = random.Random(1234)
    base = newfs(ctx, "cut-base.img", "1G")
    tree = make_tree(os.path.join(ctx.tmp, "tree4"), seed=4, big=False)
    h2(ctx, base, "put", tree, "/t")
    cmds = [["put", tree, "/u"], ["rm", "/t/sub"], ["mkdir", "/m1", "/m2"],
            ["snapshot", "S"], ["pfs-create", "P"], ["bulkfree"],
            ["setcomp", "none", "/t"]]
    expect = {}
    for i, c in enumerate(cmds):
        img = os.path.join(ctx.tmp, "cut.img")
        copy_sparse(base, img)
        expect[i] = state(ctx, img)
        h2(ctx, img, *c)
        expect[i] = (expect[i], state(ctx, img))
    cuts = 0
    outcomes = {"before": 0, "after": 0}
    while cuts < 105:
        i = rnd.randrange(len(cmds))
        img = os.path.join(ctx.tmp, "cut.img")
        copy_sparse(base, img)
        n = rnd.randrange(0, 60)
        env = dict(os.environ, H2IMG_CUT_AFTER=str(n))
        h2(ctx, img, *cmds[i], ok=False, env=env)
        r = run([ctx.fsck, img])
        assert r.returncode == 0, "cut %d of %s after %d writes:\n%s" % (
            cuts, cmds[i], n, r.stdout + r.stderr)
        got = state(ctx, img)
        before, after = expect[i]
        assert got in (before, after), "cut of %s after %d writes: %s" % (
            cmds[i], n, diff(got[0], before[0]))
        outcomes["before" if got == before else "after"] += 1
        cuts += 1
    print("    %d cuts: %s" % (cuts, outcomes))
    assert outcomes["before"] > 0 and outcomes["after"] > 0, outcomes


def fusermount(mnt):
    for prog in ("fusermount3", "fusermount"):
        if shutil.which(prog):
            return run([prog, "-u", mnt])
    return run(["umount", mnt])


def wait_mounted(mnt, proc):
    for _ in range(200):
        if os.path.ismount(mnt):
            return
        if proc.poll() is not None:
            raise AssertionError("hammer2fuse exited: %s" %
                                 proc.stderr.read())
        time.sleep(0.05)
    raise AssertionError("not mounted")


def mount_rw(ctx, img, mnt, *opts):
    os.makedirs(mnt, exist_ok=True)
    proc = subprocess.Popen([ctx.fuse, "-w", "-f", img, mnt] + list(opts),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_mounted(mnt, proc)
    return proc


def umount(mnt, proc):
    r = fusermount(mnt)
    assert r.returncode == 0, r.stderr
    proc.wait(timeout=60)
    assert proc.returncode == 0, proc.stderr.read()


def test_fuse_rw(ctx):
    img = newfs(ctx, "fuse.img")
    mnt = os.path.join(ctx.tmp, "mnt")
    tree = make_tree(os.path.join(ctx.tmp, "tree5"), seed=5)
    proc = mount_rw(ctx, img, mnt)
    try:
        shutil.copytree(tree, os.path.join(mnt, "t"), symlinks=True)
        m = os.path.join(mnt, "t")
        os.rename(os.path.join(m, "f0"), os.path.join(m, "sub", "moved"))
        os.rename(os.path.join(m, "f1"), os.path.join(m, "f513"))
        os.link(os.path.join(m, "f512"), os.path.join(m, "f512.link"))
        os.symlink("sub", os.path.join(m, "tosub"))
        with open(os.path.join(m, "big.bin"), "r+b") as f:
            f.truncate(1 * MB + 5)
            f.seek(2 * MB)
            f.write(b"extended")
        with open(os.path.join(m, "f65537"), "r+b") as f:
            f.seek(100)
            f.write(b"patched")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(os.path.join(m, "f1023"), 0o640)
        os.mkdir(os.path.join(m, "emptydir"))
        os.rmdir(os.path.join(m, "emptydir"))
        os.unlink(os.path.join(m, "f1024"))
        try:
            os.rmdir(os.path.join(m, "sub"))
            raise AssertionError("rmdir of a non-empty directory worked")
        except OSError as e:
            assert e.errno == 39, e
        expect = snapshot_tree(m)
        assert expect["f513"][2] == 1 and "f1" not in expect
    finally:
        umount(mnt, proc)
    fsck(ctx, img)
    got = image_tree(ctx, img, "/t")
    d = diff(expect, got)
    assert not d, d
    # Mounted again read-write: still there, and changes go on.
    proc = mount_rw(ctx, img, mnt)
    try:
        assert snapshot_tree(os.path.join(mnt, "t")) == expect
        shutil.rmtree(os.path.join(mnt, "t"))
        assert os.listdir(mnt) == []
    finally:
        umount(mnt, proc)
    fsck(ctx, img)
    assert image_tree(ctx, img) == {}


def test_fuse_sigkill_keeps_fsynced(ctx):
    """SIGKILL hammer2fuse at random moments: fsync'ed files survive."""
    rnd = random.Random(99)
    img = newfs(ctx, "kill.img")
    mnt = os.path.join(ctx.tmp, "kmnt")
    synced = {}
    for round_ in range(3):
        proc = mount_rw(ctx, img, mnt, "-o", "flush_interval=1")
        deadline = time.time() + rnd.uniform(0.3, 2.0)
        i = 0
        try:
            while time.time() < deadline:
                name = "r%d-%d" % (round_, i)
                body = data(rnd.randrange(1, 200000), round_ * 1000 + i)
                with open(os.path.join(mnt, name), "wb") as f:
                    f.write(body)
                    if i % 3 == 0:
                        f.flush()
                        os.fsync(f.fileno())
                        synced[name] = hashlib.sha256(body).hexdigest()
                i += 1
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            fusermount(mnt)
        fsck(ctx, img)
        got = image_tree(ctx, img)
        for name, h in synced.items():
            assert name in got and got[name][3] == h, (round_, name)


def test_fuse_unlinked_open(ctx):
    """An open file outlives its last name until it is closed."""
    img = newfs(ctx, "orphan.img")
    mnt = os.path.join(ctx.tmp, "omnt")
    body = data(300000, 77)
    proc = mount_rw(ctx, img, mnt)
    fa = fb = None
    try:
        a, b, c = (os.path.join(mnt, n) for n in ("a", "b", "c"))
        for path, seed in ((a, 77), (b, 78), (c, 79)):
            with open(path, "wb") as f:
                f.write(data(300000, seed))
        fa = os.open(a, os.O_RDWR)
        fb = os.open(b, os.O_RDONLY)
        os.unlink(a)
        os.rename(c, b)             # b's inode loses its only name
        assert sorted(os.listdir(mnt)) == ["b"]
        assert os.fstat(fa).st_nlink == 0 and os.fstat(fb).st_nlink == 0
        assert os.pread(fa, len(body) + 10, 0) == body
        assert os.pread(fb, 300000, 0) == data(300000, 78)
        os.pwrite(fa, b"after unlink", 1000)
        os.fsync(fa)                # a flush while the orphan exists
        assert os.pread(fa, 12, 1000) == b"after unlink"
        assert os.fstat(fa).st_size == len(body)
        os.close(fa)
        os.close(fb)
        fa = fb = None
    finally:
        for fd in (fa, fb):     # a failed check must not block the unmount
            if fd is not None:
                os.close(fd)
        umount(mnt, proc)
    fsck(ctx, img)          # the closes deleted both orphans
    r = run([ctx.fsck, img])
    assert "no directory entry names it" not in r.stdout + r.stderr, r.stdout
    got = image_tree(ctx, img)
    assert sorted(got) == ["b"] and \
        got["b"][3] == hashlib.sha256(data(300000, 79)).hexdigest()
    # Killed while an unlinked file is open: the orphan that the last
    # flush wrote is a warning, not damage.
    proc = mount_rw(ctx, img, mnt)
    fds = []
    try:
        fds.append(os.open(os.path.join(mnt, "b"), os.O_RDONLY))
        os.unlink(os.path.join(mnt, "b"))
        fds.append(os.open(mnt, os.O_RDONLY))
        os.fsync(fds[-1])
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for fd in fds:
            try:
                os.close(fd)
            except OSError:     # ENOTCONN: the server is gone
                pass
        fusermount(mnt)
    r = run([ctx.fsck, img])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no directory entry names it" in r.stdout + r.stderr, r.stdout
    assert image_tree(ctx, img) == {}


def test_fuse_seek_data_hole(ctx):
    """lseek SEEK_DATA/SEEK_HOLE through both mounts, before and after
    the data is flushed: holes are found, data is not skipped."""
    img = newfs(ctx, "seek.img", size="4G")
    mnt = os.path.join(ctx.tmp, "smnt")
    G = 1 << 30
    expect = [("data", 0, 65536), ("hole", 0, 0), ("data", 65536, 65536),
              ("hole", 65536, 131072), ("data", 131072, 2 * G),
              ("hole", 2 * G + 1, 2 * G + 131072),
              ("data", 2 * G + 200000, 3 * G), ("hole", 3 * G, 3 * G + 1),
              ("data", 3 * G + 1, "ENXIO"), ("hole", 3 * G + 1, "ENXIO")]

    def check(fd, what):
        for kind, off, want in expect:
            try:
                got = os.lseek(fd, off, os.SEEK_DATA if kind == "data"
                               else os.SEEK_HOLE)
            except OSError as e:
                got = "ENXIO" if e.errno == 6 else e
            assert got == want, (what, kind, off, got, want)

    proc = mount_rw(ctx, img, mnt)
    try:
        fd = os.open(os.path.join(mnt, "sparse"), os.O_CREAT | os.O_RDWR)
        os.pwrite(fd, b"x" * 10, 100000)
        os.pwrite(fd, b"y" * 70000, 2 * G)
        os.pwrite(fd, b"z", 3 * G)
        check(fd, "rw, unflushed")
        os.fsync(fd)
        check(fd, "rw, flushed")
        os.close(fd)
        with open(os.path.join(mnt, "small"), "wb") as f:
            f.write(b"abc")
        fd = os.open(os.path.join(mnt, "small"), os.O_RDONLY)
        assert os.lseek(fd, 1, os.SEEK_DATA) == 1
        assert os.lseek(fd, 1, os.SEEK_HOLE) == 3
        os.close(fd)
    finally:
        umount(mnt, proc)
    os.makedirs(mnt, exist_ok=True)
    proc = subprocess.Popen([ctx.fuse, "-f", img, mnt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    wait_mounted(mnt, proc)
    try:
        fd = os.open(os.path.join(mnt, "sparse"), os.O_RDONLY)
        check(fd, "ro")
        os.close(fd)
    finally:
        umount(mnt, proc)


def require():
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing"
    return None


if __name__ == "__main__":
    sys.exit(h2lib.main([test_put_get_round_trip, test_rm_and_errors,
                         test_setcomp_setcheck, test_pfs_and_snapshot,
                         test_bulkfree_returns_space, test_cut_block_layer,
                         test_fuse_rw, test_fuse_unlinked_open, test_fuse_seek_data_hole,
                         test_fuse_sigkill_keeps_fsynced],
                        require=require))
