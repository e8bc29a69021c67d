/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_ipiq.c - IPI messages: function calls from one CPU to another.
 *
 * The FIFO for source S and target T lives in S's globaldata
 * (gd_ipiq[T]).  S fills a slot and publishes it by advancing ip_windex
 * (release); T takes slots by advancing ip_rindex and, once a call has
 * returned, ip_xindex.  S then sets its bit in T's gd_ipimask and rings
 * T's doorbell unless T's gd_npoll says one is already in flight, so a
 * burst costs one interrupt.  T clears gd_npoll after draining and
 * re-checks gd_ipimask, closing the race with a sender that saw the
 * doorbell still pending.  A sender that finds a FIFO more than half
 * full serves its own incoming FIFOs while it waits: two CPUs filling
 * each other's queues cannot deadlock.
 *
 * Protection: ip_windex and slots [source CPU, critical section];
 * ip_rindex, ip_xindex [target CPU, interrupt context]; gd_ipimask and
 * gd_npoll [a].  Callbacks run in the target's interrupt context (crit
 * section, nesting level > 0) and must not block.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
#include <sys/errno.h>
#include <plat/plat.h>

#include "lwkt_internal.h"

cpumask_t smp_active_mask = 1;

#define IPIQ_PASSIVE	0x1		/* queue only, ring no doorbell */
#define IPIQ_NOWAIT	0x2		/* never wait for room in the FIFO */

static void
lwkt_ipiq_ring(struct globaldata *gd, struct globaldata *tgd, int passive)
{
	__atomic_fetch_or(&tgd->gd_ipimask, CPUMASK(gd->gd_cpuid),
	    __ATOMIC_SEQ_CST);
	if (passive)
		return;
	if (__atomic_exchange_n(&tgd->gd_npoll, 1, __ATOMIC_SEQ_CST) == 0)
		plat_ipi_send(tgd->gd_cpuid);
	else
		gd->gd_cnt_ipi_avoided++;
}

/*
 * Wait until the FIFO to cpu has no more than `limit' calls queued,
 * keeping the target's doorbell ringing and serving our own queues.
 */
static void
lwkt_ipiq_drain_to(struct globaldata *gd, int cpu, uint32_t limit)
{
	struct lwkt_ipiq *ip = &gd->gd_ipiq[cpu];
	struct globaldata *tgd = globaldata_find(cpu);

	while (ip->ip_windex - __atomic_load_n(&ip->ip_rindex,
	    __ATOMIC_ACQUIRE) > limit) {
		__atomic_store_n(&tgd->gd_npoll, 1, __ATOMIC_SEQ_CST);
		plat_ipi_send(cpu);
		lwkt_process_ipiq();
		plat_cpu_yield_hint();
	}
}

static uint32_t
lwkt_send_common(int cpu, ipifunc_t *func, void *arg1, int arg2,
    int flags)
{
	struct globaldata *gd = mycpu;
	struct lwkt_ipiq *ip;
	uint32_t w;

	KASSERT(cpu >= 0 && cpu < ncpus,
	    ("lwkt_send_ipiq: no cpu%d", cpu));
	if (cpu == gd->gd_cpuid) {
		crit_enter();
		func(arg1, arg2);
		crit_exit();
		return (0);
	}
	crit_enter();
	++gd->gd_intr_nesting_level;
	ip = &gd->gd_ipiq[cpu];
	if ((flags & IPIQ_NOWAIT) == 0 && ip->ip_windex -
	    __atomic_load_n(&ip->ip_rindex, __ATOMIC_ACQUIRE) > MAXCPUFIFO / 2)
		lwkt_ipiq_drain_to(gd, cpu, MAXCPUFIFO / 4);
	w = ip->ip_windex;
	ip->ip_info[w & (MAXCPUFIFO - 1)].func = func;
	ip->ip_info[w & (MAXCPUFIFO - 1)].arg1 = arg1;
	ip->ip_info[w & (MAXCPUFIFO - 1)].arg2 = arg2;
	__atomic_store_n(&ip->ip_windex, w + 1, __ATOMIC_RELEASE);
	gd->gd_cnt_ipi_sent++;
	lwkt_ipiq_ring(gd, globaldata_find(cpu), flags & IPIQ_PASSIVE);
	--gd->gd_intr_nesting_level;
	crit_exit();
	return (w + 1);
}

uint32_t
lwkt_send_ipiq2(int cpu, ipifunc_t *func, void *arg1, int arg2)
{
	return (lwkt_send_common(cpu, func, arg1, arg2, 0));
}

uint32_t
lwkt_send_ipiq2_passive(int cpu, ipifunc_t *func, void *arg1, int arg2)
{
	return (lwkt_send_common(cpu, func, arg1, arg2, IPIQ_PASSIVE));
}

int
lwkt_send_ipiq2_nowait(int cpu, ipifunc_t *func, void *arg1, int arg2)
{
	struct lwkt_ipiq *ip = &mycpu->gd_ipiq[cpu];

	if (cpu != mycpuid && ip->ip_windex - __atomic_load_n(&ip->ip_rindex,
	    __ATOMIC_ACQUIRE) >= MAXCPUFIFO * 2 / 3)
		return (ENOENT);
	lwkt_send_common(cpu, func, arg1, arg2, IPIQ_NOWAIT);
	return (0);
}

void
lwkt_send_ipiq_mask(cpumask_t mask, ipifunc_t *func, void *arg)
{
	int cpu;

	while (mask != 0) {
		cpu = __builtin_ctz(mask);
		mask &= mask - 1;
		if (cpu < ncpus)
			lwkt_send_ipiq(cpu, func, arg);
	}
}

void
lwkt_wait_ipiq(int cpu, uint32_t seq)
{
	struct lwkt_ipiq *ip;
	uint64_t warn;
	int warnings = 0;

	if (cpu == mycpuid || seq == 0)
		return;
	ip = &mycpu->gd_ipiq[cpu];
	warn = plat_clock_ns() + 1000000000ull;
	while ((int32_t)(__atomic_load_n(&ip->ip_xindex, __ATOMIC_ACQUIRE) -
	    seq) < 0) {
		crit_enter();
		lwkt_process_ipiq();
		crit_exit();
		plat_cpu_yield_hint();
		if (plat_clock_ns() > warn) {
			kprintf("lwkt_wait_ipiq: cpu%d slow to run call %u\n",
			    cpu, seq);
			if (++warnings == 10)
				panic("lwkt_wait_ipiq: cpu%d stuck", cpu);
			warn = plat_clock_ns() + 1000000000ull;
		}
	}
}

/* Drain the FIFO from source CPU sgd to us; returns calls run. */
static int
lwkt_ipiq_drain_from(struct globaldata *sgd, struct globaldata *gd)
{
	struct lwkt_ipiq *ip = &sgd->gd_ipiq[gd->gd_cpuid];
	ipifunc_t *func;
	void *arg1;
	uint32_t r;
	int arg2, n = 0;

	while ((r = ip->ip_rindex) != __atomic_load_n(&ip->ip_windex,
	    __ATOMIC_ACQUIRE)) {
		func = ip->ip_info[r & (MAXCPUFIFO - 1)].func;
		arg1 = ip->ip_info[r & (MAXCPUFIFO - 1)].arg1;
		arg2 = ip->ip_info[r & (MAXCPUFIFO - 1)].arg2;
		__atomic_store_n(&ip->ip_rindex, r + 1, __ATOMIC_RELEASE);
		func(arg1, arg2);
		__atomic_store_n(&ip->ip_xindex, r + 1, __ATOMIC_RELEASE);
		n++;
	}
	return (n);
}

int
lwkt_process_ipiq(void)
{
	struct globaldata *gd = mycpu;
	cpumask_t mask;
	int n = 0;

	KKASSERT(crit_test(gd->gd_curthread));
	++gd->gd_intr_nesting_level;
	for (;;) {
		mask = __atomic_exchange_n(&gd->gd_ipimask, 0,
		    __ATOMIC_SEQ_CST);
		while (mask != 0) {
			n += lwkt_ipiq_drain_from(globaldata_find(
			    __builtin_ctz(mask)), gd);
			mask &= mask - 1;
		}
		__atomic_store_n(&gd->gd_npoll, 0, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&gd->gd_ipimask, __ATOMIC_SEQ_CST) == 0)
			break;
		__atomic_store_n(&gd->gd_npoll, 1, __ATOMIC_SEQ_CST);
	}
	--gd->gd_intr_nesting_level;
	gd->gd_cnt_ipi_run += (uint64_t)n;
	return (n);
}

/* ------------------------------------------------------------- cpusync */

struct lwkt_cpusync {
	void		(*cs_func)(void *);
	void		*cs_arg;
	cpumask_t	cs_done;	/* [a] CPUs that have run it */
};

static void
lwkt_cpusync_remote(void *arg, int unused)
{
	struct lwkt_cpusync *cs = arg;

	cs->cs_func(cs->cs_arg);
	__atomic_fetch_or(&cs->cs_done, CPUMASK(mycpuid), __ATOMIC_RELEASE);
}

void
lwkt_cpusync(cpumask_t mask, void (*func)(void *), void *arg)
{
	struct lwkt_cpusync cs = { func, arg, 0 };
	cpumask_t self = CPUMASK(mycpuid);

	mask &= smp_active_mask | self;
	lwkt_send_ipiq_mask(mask & ~self, lwkt_cpusync_remote, &cs);
	if (mask & self)
		lwkt_cpusync_remote(&cs, 0);
	while ((__atomic_load_n(&cs.cs_done, __ATOMIC_ACQUIRE) & mask) !=
	    mask) {
		crit_enter();
		lwkt_process_ipiq();
		crit_exit();
		plat_cpu_yield_hint();
	}
}
