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
 *   [c]  owning CPU only, in a critical section
 *   [cs] owning CPU only, with platform interrupts disabled or in an
 *        upcall (interrupt code writes it)
 *   [a]  atomic operations, any CPU
 *   [r]  owning CPU writes; others may read racily for statistics
 */
#ifndef _SYS_GLOBALDATA_H_
#define _SYS_GLOBALDATA_H_

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/thread.h>
#include <sys/ipiq.h>
#include <sys/callout.h>
#include <plat/plat.h>

struct slab_cpu;

/* gd_reqflags: work an upcall left for the outermost crit_exit. */
#define RQF_IPIQ		0x0001	/* IPIs pending */
#define RQF_INTPEND		0x0002	/* device irqs pending (gd_irqpend) */
#define RQF_TIMER		0x0004	/* the one-shot timer expired */
#define RQF_AST_LWKT_RESCHED	0x0020	/* a better thread is runnable */
#define RQF_IDLECHECK_MASK	(RQF_IPIQ | RQF_INTPEND | RQF_TIMER)

#define TSLEEP_HSIZE		64	/* sleep-queue buckets per CPU */

TAILQ_HEAD(threadq, thread);
TAILQ_HEAD(calloutq, callout);

struct globaldata {
	struct globaldata *gd_self;	/* [I] must stay first: %gs:0 */
	struct thread	*gd_curthread;	/* [c] */
	int		gd_cpuid;	/* [I] 0..ncpus-1 */
	int		gd_online;	/* [a] set once the CPU runs */
	int		gd_reqflags;	/* [cs] RQF_* */
	int		gd_intr_nesting_level; /* [c] >0 in upcalls/IPIs */
	int		gd_preempt_critcount; /* [cs] preemption allowed at */
	uint64_t	gd_irqpend;	/* [cs] deferred device irqs */
	struct slab_cpu	*gd_slab;	/* [I] kmalloc's state for this CPU */

	/* Scheduler. */
	struct threadq	gd_tdrunq[TDPRI_COUNT]; /* [c] run queues */
	uint32_t	gd_runqmask;	/* [c] non-empty gd_tdrunq[] */
	struct threadq	gd_tdallq;	/* [c] every thread of this CPU */
	struct thread	*gd_idlethread;	/* [I] */
	struct threadq	gd_freetd;	/* [c] thread cache */
	int		gd_nfreetd;	/* [c] */

	/* IPIs. */
	struct lwkt_ipiq gd_ipiq[PLAT_MAXCPU]; /* [source] to each target */
	cpumask_t	gd_ipimask;	/* [a] sources with calls for us */
	int		gd_npoll;	/* [a] a doorbell is in flight */

	/* Sleep queues and callouts. */
	struct threadq	gd_tsleep_hash[TSLEEP_HSIZE]; /* [c] */
	struct calloutq	gd_callouts;	/* [c] sorted by deadline */
	uint64_t	gd_timer_deadline; /* [c] what the timer is armed to */
	struct thread	*gd_softclock;	/* [I] runs due callouts */
	struct callout	*gd_callout_running; /* [c] */

	/* Statistics ([r]). */
	uint64_t	gd_cnt_clock;	/* core_clock_intr() calls */
	uint64_t	gd_cnt_ipi;	/* core_ipi_intr() calls */
	uint64_t	gd_cnt_devintr;	/* core_dev_intr() calls */
	uint64_t	gd_cnt_switch;	/* thread switches */
	uint64_t	gd_cnt_ipi_sent;	/* calls queued to others */
	uint64_t	gd_cnt_ipi_avoided;	/* doorbells not needed */
	uint64_t	gd_cnt_ipi_run;	/* calls run here */
	uint64_t	gd_cnt_token_colls;	/* scheduler token failures */
	uint64_t	gd_cnt_preempt;	/* preemptions */
	uint64_t	gd_cnt_wakeup;	/* threads woken */
};

extern struct globaldata cpu_globaldata[PLAT_MAXCPU];
extern cpumask_t smp_active_mask;	/* [a] CPUs that run */

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
