#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# deps.sh - make sure the Debian packages the build and the tests need are
# installed.  As root, install what is missing with apt-get; otherwise
# print the exact command and fail.
set -eu

PKGS="cmake make gcc binutils python3 xz-utils libcmocka-dev
qemu-system-x86 fuse3 libfuse3-dev liblz4-dev zlib1g-dev
clang-14 libclang-rt-14-dev fuse2fs e2fsprogs"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "deps: missing packages:$missing" >&2
	echo "deps: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
