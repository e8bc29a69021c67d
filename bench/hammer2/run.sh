#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# run.sh - the HAMMER2 benchmarks, as bench/run calls them (BENCH=hammer2):
# the LZ4 encoder against liblz4 (lz4_bench, on this tree's sources and
# generated data), then hammer2fuse against fuse2fs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bindir="${BINDIR:-$here/../../build/bin}"
if [ -x "$bindir/lz4_bench" ]; then
	"$bindir/lz4_bench" "$here"/../../fs/hammer2/*.[ch] "$here"/../../lwkt/*.c \
	    "$here"/../../vkern/*/*.c "$here"/../../docs/*.md
else
	echo "lz4_bench: SKIPPED: not built (liblz4 not found)"
fi
echo
exec python3 "$here/fuse_vs_fuse2fs.py" "$@"
