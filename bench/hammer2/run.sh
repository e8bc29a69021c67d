#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# run.sh - the HAMMER2 benchmarks, as bench/run calls them (BENCH=hammer2):
# the LZ4 and zlib encoders against liblz4 and zlib (compress_bench, on this tree's sources and
# generated data), reading through FUSE, newfs_hammer2 -d against
# mkfs.ext4 -d, and writing through FUSE.  H2BENCH=name runs one of them.
# A benchmark that fails does not stop the others; the status is then 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
bindir="${BINDIR:-$here/../../build/bin}"
status=0
for b in compress_bench fuse_vs_fuse2fs newfs_vs_mkfs fuse_write_vs_fuse2fs; do
	if [ -n "${H2BENCH:-}" ] && [ "$H2BENCH" != "$b" ]; then
		continue
	fi
	echo "-- $b"
	if [ "$b" = compress_bench ]; then
		if [ -x "$bindir/compress_bench" ]; then
			"$bindir/compress_bench" "$here"/../../fs/hammer2/*.[ch] \
			    "$here"/../../lwkt/*.c "$here"/../../vkern/*/*.c \
			    "$here"/../../docs/*.md || status=1
		else
			echo "compress_bench: SKIPPED: not built (liblz4 or zlib not found)"
		fi
	else
		python3 "$here/$b.py" || status=1
	fi
	echo
done
exit $status
