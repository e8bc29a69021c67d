/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cpufunc.h - amd64 instructions that are the same on every platform
 * because it is the same CPU (the cpu tier between core and platform).
 */
#ifndef _CPU_X86_64_CPUFUNC_H_
#define _CPU_X86_64_CPUFUNC_H_

#include <sys/types.h>

/* A spin-wait hint to the CPU (no host involvement). */
static __always_inline void
cpu_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static __always_inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (((uint64_t)hi << 32) | lo);
}

#endif /* !_CPU_X86_64_CPUFUNC_H_ */
