#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# check_symbols.py - libc_shim's symbol contract, run as the ctest test
# libc_shim.symbols.  It proves that:
#   - the pc64 objects define exactly the names in libc_shim/symbols.txt
#     and need nothing else (no libgcc, no helper the compiler invented);
#   - string.c references none of those names, so gcc did not turn a
#     loop in memset() or memcpy() into a call to itself;
#   - shim_rename.h renames, and shim_test.h un-renames, exactly that
#     list, and the test objects define exactly shim_<name> for it.
import argparse
import re
import subprocess
import sys


def read_list(path):
    with open(path) as f:
        return [l.strip() for l in f if l.strip() and not l.startswith('#')]


def nm(tool, objs, flag):
    out = subprocess.run([tool, flag] + objs, check=True,
                         capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        parts = line.split()
        if not parts or line.endswith(':'):
            continue
        names.append(parts[-1])
    return names


def main():
    ap = argparse.ArgumentParser()
    for opt in ('nm', 'objdump', 'symbols', 'rename', 'unrename', 'pc64',
                'test'):
        ap.add_argument('--' + opt, required=True)
    a = ap.parse_args()
    errors = []

    syms = read_list(a.symbols)
    want = set(syms)
    if len(want) != len(syms):
        errors.append('symbols.txt lists a name twice')

    with open(a.rename) as f:
        renamed = re.findall(r'^#define\s+(\w+)\s+shim_(\w+)\s*$',
                             f.read(), re.M)
    bad = [n for n, m in renamed if n != m]
    if bad:
        errors.append('shim_rename.h maps names oddly: %s' % bad)
    if {n for n, _ in renamed} != want:
        errors.append('shim_rename.h differs from symbols.txt: %s' %
                      sorted({n for n, _ in renamed} ^ want))
    with open(a.unrename) as f:
        undone = set(re.findall(r'^#undef\s+(\w+)\s*$', f.read(), re.M))
    if undone != want:
        errors.append('shim_test.h #undefs differ from symbols.txt: %s' %
                      sorted(undone ^ want))

    pc64 = [o for o in a.pc64.split(';') if o]
    test = [o for o in a.test.split(';') if o]

    # Global symbols only: static helpers are the shim's own business.
    out = subprocess.run([a.nm, '--defined-only', '-g'] + pc64, check=True,
                         capture_output=True, text=True).stdout
    defined = [l.split()[-1] for l in out.splitlines()
               if l.strip() and not l.endswith(':')]
    if sorted(defined) != sorted(syms):
        errors.append('pc64 objects define %s, symbols.txt says %s' %
                      (sorted(set(defined) - want),
                       sorted(want - set(defined))))
    undef = set(nm(a.nm, pc64, '-u'))
    if not undef <= want:
        errors.append('pc64 objects need names outside the shim: %s' %
                      sorted(undef - want))

    for obj in pc64:
        if not re.search(r'string\.c\.o(bj)?$', obj):
            continue
        out = subprocess.run([a.objdump, '-r', obj], check=True,
                             capture_output=True, text=True).stdout
        called = set()
        for line in out.splitlines():
            m = re.match(r'^[0-9a-f]+\s+\S+\s+(\w+)', line)
            if m and m.group(1) in want:
                called.add(m.group(1))
        if called:
            errors.append('%s refers to %s: a loop became a call' %
                          (obj, sorted(called)))

    out = subprocess.run([a.nm, '--defined-only', '-g'] + test, check=True,
                         capture_output=True, text=True).stdout
    tdef = {l.split()[-1] for l in out.splitlines()
            if l.strip() and not l.endswith(':')}
    if tdef != {'shim_' + n for n in want}:
        errors.append('test objects define %s' %
                      sorted(tdef ^ {'shim_' + n for n in want}))

    for e in errors:
        print('libc_shim.symbols: ' + e, file=sys.stderr)
    if errors:
        return 1
    print('libc_shim.symbols: %d symbols, %d pc64 objects, all consistent'
          % (len(want), len(pc64)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
