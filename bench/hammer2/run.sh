#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# run.sh - the HAMMER2 benchmarks, as bench/run calls them (BENCH=hammer2).
set -eu
exec python3 "$(dirname "$0")/fuse_vs_fuse2fs.py" "$@"
