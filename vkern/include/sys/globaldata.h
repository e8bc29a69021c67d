/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * globaldata.h - per-CPU data.  Each CPU finds its own through %gs
 * (mycpu): the platform points the segment base at it when the CPU
 * starts (plat_cpu_set_percpu).
 *
 * Protection of the fields below:
 *   [I]  set before the CPU starts, read-only after
 *   [cs] owning CPU only, with interrupts disabled or in an upcall
 *   [c]  owning CPU only; others read without a lock for statistics
 */
#ifndef _SYS_GLOBALDATA_H_
#define _SYS_GLOBALDATA_H_

#include <sys/types.h>
#include <plat/plat.h>

struct globaldata {
	struct globaldata *gd_self;	/* [I] must stay first: %gs:0 */
	int		gd_cpuid;	/* [I] 0..ncpus-1 */
	int		gd_online;	/* [c] set once the CPU runs */
	uint64_t	gd_cnt_clock;	/* [cs] core_clock_intr() calls */
	uint64_t	gd_cnt_ipi;	/* [cs] core_ipi_intr() calls */
	uint64_t	gd_cnt_devintr;	/* [cs] core_dev_intr() calls */
};

extern struct globaldata cpu_globaldata[PLAT_MAXCPU];

static __always_inline struct globaldata *
_get_mycpu(void)
{
	struct globaldata *gd;

	__asm__ volatile("movq %%gs:0, %0" : "=r" (gd));
	return (gd);
}

#define mycpu		(_get_mycpu())
#define mycpuid		(mycpu->gd_cpuid)

static __always_inline struct globaldata *
globaldata_find(int cpu)
{
	return (&cpu_globaldata[cpu]);
}

/* Set up cpu's globaldata and point %gs at it; called on that CPU. */
void	globaldata_init_self(int cpu);

#endif /* !_SYS_GLOBALDATA_H_ */
