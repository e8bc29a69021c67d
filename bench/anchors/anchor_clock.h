/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * anchor_clock.h - the one clock the host benchmark programs read:
 * CLOCK_MONOTONIC in nanoseconds.  Host code (libc), never core.
 */
#ifndef _BENCH_ANCHOR_CLOCK_H_
#define _BENCH_ANCHOR_CLOCK_H_

#include <stdint.h>
#include <time.h>

static inline uint64_t
anchor_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

#endif /* !_BENCH_ANCHOR_CLOCK_H_ */
