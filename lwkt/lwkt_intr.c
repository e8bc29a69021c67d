/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_intr.c - platform upcalls meet critical sections.
 *
 * An upcall (timer, IPI doorbell, device irq) that finds the running
 * thread in a critical section, or the CPU already inside interrupt
 * work, only records itself in gd_reqflags (and gd_irqpend) and returns.
 * The outermost crit_exit() sees the flags and calls lwkt_splz(), which
 * replays them.  Work runs in lwkt_intr_run(): in a critical section,
 * at interrupt nesting level 1, with platform interrupts disabled; at
 * the end it may preempt in favour of an interrupt thread the work made
 * runnable.
 *
 * Protection: gd_reqflags is changed with atomic operations (upcalls and
 * threads of this CPU both write it); gd_irqpend only with platform
 * interrupts disabled.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/intr.h>
#include <plat/plat.h>

#include "lwkt_internal.h"

void
lwkt_intr_run(int flags, uint64_t irqs)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread;

	crit_enter_quick(td);
	++gd->gd_intr_nesting_level;
	if (flags & RQF_IPIQ)
		lwkt_process_ipiq();
	if (flags & RQF_TIMER)
		lwkt_clock_intr();
	for (; irqs != 0; irqs &= irqs - 1)
		intr_dispatch(__builtin_ctzll(irqs));
	--gd->gd_intr_nesting_level;
	lwkt_maybe_preempt();
	crit_exit_noyield(td);
}

static int
lwkt_intr_deferred(struct globaldata *gd, int flag)
{
	if (gd->gd_curthread->td_critcount == 0 &&
	    gd->gd_intr_nesting_level == 0)
		return (0);
	lwkt_reqflags_set(gd, flag);
	return (1);
}

void
core_clock_intr(void)
{
	struct globaldata *gd = mycpu;

	gd->gd_cnt_clock++;
	if (!lwkt_intr_deferred(gd, RQF_TIMER))
		lwkt_intr_run(RQF_TIMER, 0);
}

void
core_ipi_intr(void)
{
	struct globaldata *gd = mycpu;

	gd->gd_cnt_ipi++;
	if (!lwkt_intr_deferred(gd, RQF_IPIQ))
		lwkt_intr_run(RQF_IPIQ, 0);
}

void
core_dev_intr(int irq)
{
	struct globaldata *gd = mycpu;

	gd->gd_cnt_devintr++;
	if (irq < 0 || irq >= MAX_IRQ) {
		intr_dispatch(irq);		/* counted as stray */
		return;
	}
	if (gd->gd_curthread->td_critcount != 0 ||
	    gd->gd_intr_nesting_level != 0) {
		gd->gd_irqpend |= 1ull << irq;
		lwkt_reqflags_set(gd, RQF_INTPEND);
		return;
	}
	lwkt_intr_run(0, 1ull << irq);
}

/*
 * lwkt_splz - run interrupt work deferred by critical sections.
 * Context: thread, called when its critical-section count reaches 0
 * (crit_exit) or from the idle loop; does nothing inside interrupt work.
 */
void
lwkt_splz(void)
{
	struct globaldata *gd = mycpu;
	plat_intr_t s;
	uint64_t irqs;
	int flags;

	if (gd->gd_curthread->td_critcount != 0 ||
	    gd->gd_intr_nesting_level != 0)
		return;
	s = plat_intr_disable();
	while ((flags = __atomic_fetch_and(&gd->gd_reqflags,
	    ~RQF_IDLECHECK_MASK, __ATOMIC_ACQ_REL) & RQF_IDLECHECK_MASK) != 0) {
		irqs = gd->gd_irqpend;
		gd->gd_irqpend = 0;
		lwkt_intr_run(flags, irqs);
	}
	plat_intr_restore(s);
}
