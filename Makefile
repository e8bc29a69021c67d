# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The Damselfly Project
#
# Thin driver over CMake (out of tree, in build/).
#   make        configure + build everything, run nothing
#   make run    install missing dependencies, build, boot the vkernel here
#   make test   install missing dependencies, build, run every test
#   make bench  build, run the benchmarks (prints tables)
BUILD	?= build
JOBS	?= $(shell nproc 2>/dev/null || echo 2)
CMAKE	?= cmake

.PHONY: all build run test bench deps clean

all: build

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)
	@ln -sfn $(BUILD)/bin/vkernel vkernel

deps:
	@scripts/deps.sh

run: deps build
	./vkernel -m 512m

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 900

bench: build
	bench/run

clean:
	rm -rf $(BUILD) vkernel
