#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# run.sh - the HAMMER2 benchmarks, as bench/run calls them (BENCH=hammer2):
# reading through FUSE, newfs_hammer2 -d against mkfs.ext4 -d, and writing
# through FUSE.  H2BENCH=name runs one of them.  A benchmark that fails
# does not stop the others; the status is then 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
status=0
for b in fuse_vs_fuse2fs newfs_vs_mkfs fuse_write_vs_fuse2fs; do
	if [ -n "${H2BENCH:-}" ] && [ "$H2BENCH" != "$b" ]; then
		continue
	fi
	echo "-- $b"
	python3 "$here/$b.py" || status=1
	echo
done
exit $status
