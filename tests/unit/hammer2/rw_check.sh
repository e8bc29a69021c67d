#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# rw_check.sh FSCK WORKDIR H2WALK PYTHON3 - the follow-up of hammer2.rw_dfly:
# every reference image it modified (WORKDIR/rw-<name>.img) must pass
# fsck_hammer2 -a, and, when PYTHON3 is set, the independent walker
# h2walk.py must recompute every check code it meets and find each one
# equal to the stored one.  Exits 77 (skipped) when hammer2.rw_dfly made no
# image (no reference images).
fsck=$1
work=$2
walker=$3
py=$4
made=0
for n in basic-lz4-xxh64 zlib-crc32c nocomp-nocheck big-xxh64 \
    snapshot-lz4-xxh64; do
	img=$work/rw-$n.img
	if [ ! -f "$img" ]; then
		echo "SKIPPED: $img not made"
		continue
	fi
	made=$((made + 1))
	"$fsck" -a "$img" >"$work/rw-$n.fsck" 2>&1 || {
		cat "$work/rw-$n.fsck"
		echo "FAIL: fsck_hammer2 -a $img"
		exit 1
	}
	if [ -z "$py" ] || [ ! -f "$walker" ]; then
		echo "SKIPPED: h2walk.py on $img (no python3 or walker)"
		continue
	fi
	"$py" "$walker" "$img" >"$work/rw-$n.walk" 2>"$work/rw-$n.walkerr" || {
		tail -20 "$work/rw-$n.walkerr"
		echo "FAIL: h2walk.py $img exited non-zero"
		exit 1
	}
	if [ -s "$work/rw-$n.walkerr" ]; then
		tail -20 "$work/rw-$n.walkerr"
		echo "FAIL: h2walk.py $img wrote to stderr"
		exit 1
	fi
	checks=$(grep -c "check ('" "$work/rw-$n.walk")
	bad=$(grep "check ('" "$work/rw-$n.walk" | grep -vc "check ('[a-z0-9]*', True, \([0-9]*\), \1)")
	echo "$img: fsck ok, h2walk $checks check codes, $bad bad"
	if [ "$checks" -eq 0 ] || [ "$bad" -ne 0 ]; then
		grep "check ('" "$work/rw-$n.walk" |
		    grep -v "check ('[a-z0-9]*', True, \([0-9]*\), \1)" | head -5
		echo "FAIL: h2walk.py $img"
		exit 1
	fi
done
[ "$made" -gt 0 ] || exit 77
exit 0
