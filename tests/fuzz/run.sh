#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# run.sh - build the HAMMER2 image fuzz target with clang-14 in its own
# build directory and run it for a bounded time; any crash, sanitizer
# report or leak is a failure (non-zero exit).  The main CMake build
# uses gcc, so this one is plain shell: the core sources are compiled
# with the kernel's freestanding flags plus coverage and sanitizers, the
# harness as hosted code.  Seeds are made at run time from the reference
# images (when ../shared/reference/hammer2 exists) by hammer2_mkseed,
# built from the same core.
#
# usage: run.sh [SRCDIR [BINDIR]]   (defaults: the checkout, SRCDIR/build)
# env:   FUZZ_SECONDS   run time (default 60)
#        FUZZ_CC        compiler (default clang-14)
#        FUZZ_ARGS      extra libFuzzer arguments
# Output goes to BINDIR/fuzz: objects, the binaries, seeds/, corpus/
# (kept between runs) and artifacts/ (crashing inputs).
set -eu

SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
BIN=${2:-$SRC/build}
OUT=$BIN/fuzz
CC=${FUZZ_CC:-clang-14}
SECONDS_=${FUZZ_SECONDS:-60}
REF=$SRC/../shared/reference/hammer2

command -v "$CC" >/dev/null 2>&1 || {
	echo "run.sh: $CC not found (scripts/deps.sh installs clang-14)" >&2
	exit 1
}
mkdir -p "$OUT/obj" "$OUT/seeds" "$OUT/corpus" "$OUT/artifacts"

# The core's own flags (cmake/core.cmake), for clang.
CCINC=$("$CC" -print-file-name=include)
CORE_FLAGS="-std=gnu11 -ffreestanding -nostdinc -isystem $CCINC
    -I$SRC/vkern/include -I$SRC/libc_shim/include -I$SRC
    -fno-common -fno-strict-aliasing -fno-omit-frame-pointer -Wall
    -Wno-unused-parameter -Wno-sign-compare"
SAN="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined"

echo "run.sh: building with $CC into $OUT"
objs=""
for c in "$SRC"/fs/hammer2/*.c; do
	o=$OUT/obj/$(basename "$c" .c).o
	if [ ! -f "$o" ] || [ "$c" -nt "$o" ] ||
	    [ -n "$(find "$SRC/fs/hammer2" -name '*.h' -newer "$o")" ]; then
		# shellcheck disable=SC2086
		"$CC" $CORE_FLAGS $SAN -fsanitize=fuzzer-no-link -c "$c" -o "$o"
	fi
	objs="$objs $o"
done
# shellcheck disable=SC2086
"$CC" $SAN -fsanitize=fuzzer -I"$SRC" -o "$OUT/hammer2_image_fuzz" \
    "$SRC/tests/fuzz/hammer2_image_fuzz.c" $objs
# shellcheck disable=SC2086
"$CC" $SAN -fsanitize=fuzzer-no-link -I"$SRC" -o "$OUT/hammer2_mkseed" \
    "$SRC/tests/fuzz/hammer2_mkseed.c" $objs

# Seeds: metadata of each reference image (unpacked images are shared
# with the other tests when the build tree has them).
if [ -d "$REF/images" ]; then
	for n in basic-lz4-xxh64 zlib-crc32c nocomp-nocheck; do
		img=$BIN/hammer2-images/$n.img
		if [ ! -f "$img" ]; then
			img=$OUT/$n.img
			[ -f "$img" ] || xz -dc "$REF/images/$n.img.xz" |
			    cp --sparse=always /dev/stdin "$img"
		fi
		"$OUT/hammer2_mkseed" "$img" "$OUT/seeds/$n.full"
		"$OUT/hammer2_mkseed" -n 40 "$img" "$OUT/seeds/$n.small"
	done
else
	echo "run.sh: no reference images; fuzzing from an empty corpus"
fi
ls -l "$OUT/seeds"

echo "run.sh: fuzzing for ${SECONDS_} s"
# shellcheck disable=SC2086
"$OUT/hammer2_image_fuzz" -max_total_time="$SECONDS_" -timeout=20 \
    -rss_limit_mb=2048 -max_len=2000000 -print_final_stats=1 \
    -artifact_prefix="$OUT/artifacts/" ${FUZZ_ARGS:-} \
    "$OUT/corpus" "$OUT/seeds"
