#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# check_layering.py CFG CHECK - the layering rules of DESIGN.md section 1.
#
#   includes    every #include in a core file resolves in the core
#               include path or the compiler's freestanding headers
#   ifdefs      no core file asks which platform it is on
#   preprocess  each core file preprocesses identically with the host
#               and the pc64 flags
#   symbols     `nm -u' of the core objects shows only core symbols, the
#               libc_shim set, plat_* and the side-car calls
#   selftest    each check fails on a fixture that breaks its rule
import os
import re
import subprocess
import sys

CORE_DIRS = ("vkern", "lwkt", "msg", "fs", "dev", "libc_shim",
             os.path.join("tests", "ktest"), os.path.join("bench", "kernel"))
PLATFORM_WORDS = re.compile(
    r"^\s*#\s*(if|ifdef|ifndef|elif)\b.*\b(VKERNEL|PC64|__linux__|"
    r"_KERNEL_VIRTUAL|__x86_64__ *&& *__linux__)\b")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SIDECAR = re.compile(r"^(plat_|vkdh_|vkeh_)")


def load(cfg):
    c = {}
    with open(cfg) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            c[k] = v
    c["includes"] = c["includes"].split()
    c["sources"] = c["sources"].split()
    c["objects"] = c["objects"].split()
    return c


def core_files(c):
    out = []
    for d in CORE_DIRS:
        top = os.path.join(c["source_dir"], d)
        for root, _, files in os.walk(top):
            out += [os.path.join(root, f) for f in files
                    if f.endswith((".c", ".h"))]
    return sorted(out)


def check_includes(c, files):
    bad = []
    search = c["includes"] + [c["cc_include"]]
    for path in files:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                name = m.group(2)
                dirs = ([os.path.dirname(path)] if m.group(1) == '"'
                        else []) + search
                if not any(os.path.exists(os.path.join(d, name))
                           for d in dirs):
                    bad.append("%s:%d: includes <%s>, not a core header"
                               % (path, n, name))
    return bad


def check_ifdefs(c, files):
    bad = []
    for path in files:
        with open(path, errors="replace") as f:
            for n, line in enumerate(f, 1):
                if PLATFORM_WORDS.match(line):
                    bad.append("%s:%d: asks which platform: %s"
                               % (path, n, line.strip()))
    return bad


def preprocess(c, src, flavour_flags):
    cmd = [c["cc"], "-E", "-P"] + c["common_flags"].split() + \
        flavour_flags.split() + ["-I" + d for d in c["includes"]] + [src]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr
    return p.stdout, None


def check_preprocess(c, sources):
    bad = []
    for src in sources:
        a, err = preprocess(c, src, c["host_flags"])
        b, err2 = preprocess(c, src, c["pc64_flags"])
        if a is None or b is None:
            bad.append("%s: does not preprocess: %s" % (src, err or err2))
        elif a != b:
            bad.append("%s: preprocesses differently for host and pc64"
                       % src)
    return bad


def nm(objs, undefined):
    if not objs:
        return set()
    args = ["nm", "-u"] if undefined else ["nm", "--defined-only"]
    out = subprocess.run(args + objs, capture_output=True, text=True,
                         check=True).stdout
    syms = set()
    for line in out.splitlines():
        f = line.split()
        if not f or line.endswith(":"):
            continue
        if undefined:
            syms.add(f[-1])
        elif len(f) >= 3 and f[1] in "TDBRVWtdbrvw":
            syms.add(f[2])
    return syms


def check_symbols(c, objs):
    with open(c["shim_symbols"]) as f:
        shim = {l.strip() for l in f if l.strip()}
    defined = nm(objs, False)
    bad = []
    for s in sorted(nm(objs, True) - defined):
        if s in shim or SIDECAR.match(s) or s == "_GLOBAL_OFFSET_TABLE_":
            continue
        if s.startswith(("__start_set_", "__stop_set_")):
            continue            # linker-set bounds come from the linker
        bad.append("core objects call %s: not core, libc_shim or plat_*" % s)
    return bad


def selftest(c):
    """Each check must catch its own fixture."""
    fx = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    fails = []
    host_inc = os.path.join(fx, "bad_host_include.c")
    if not check_includes(c, [host_inc]):
        fails.append("includes check missed %s" % host_inc)
    if check_includes(c, [os.path.join(fx, "good_core.c")]):
        fails.append("includes check rejected good_core.c")
    ifd = os.path.join(fx, "bad_platform_ifdef.c")
    if not check_ifdefs(c, [ifd]):
        fails.append("ifdefs check missed %s" % ifd)
    pp = os.path.join(fx, "bad_flavour_macro.c")
    if not check_preprocess(c, [pp]):
        fails.append("preprocess check missed %s" % pp)
    # An object calling printf (outside the subset) must be rejected.
    obj = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                       "layering_bad_%d.o" % os.getpid())
    src = os.path.join(fx, "bad_libc_call.c")
    subprocess.run([c["cc"], "-c", "-o", obj, "-ffreestanding", src],
                   check=True)
    try:
        if not check_symbols(c, [obj]):
            fails.append("symbols check missed printf in %s" % src)
    finally:
        os.unlink(obj)
    return fails


def main():
    c = load(sys.argv[1])
    check = sys.argv[2]
    files = core_files(c)
    if check == "includes":
        bad = check_includes(c, files)
    elif check == "ifdefs":
        bad = check_ifdefs(c, files)
    elif check == "preprocess":
        bad = check_preprocess(c, [s for s in c["sources"]
                                   if s.endswith(".c")])
    elif check == "symbols":
        bad = check_symbols(c, c["objects"])
    elif check == "selftest":
        bad = selftest(c)
    else:
        print("unknown check %s" % check)
        return 2
    for b in bad:
        print(b)
    n = {"includes": len(files), "ifdefs": len(files),
         "preprocess": len(c["sources"]), "symbols": len(c["objects"]),
         "selftest": 5}[check]
    print("%s: %d checked, %d problem%s" % (check, n, len(bad),
                                            "" if len(bad) == 1 else "s"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
