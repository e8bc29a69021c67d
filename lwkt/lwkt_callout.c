/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_callout.c - per-CPU callouts and the one-shot timer behind them.
 *
 * Each CPU keeps its pending callouts in a list sorted by deadline and
 * arms its platform timer for the earliest one, or for the next
 * round-robin tick when threads of equal priority share the CPU;
 * nothing is armed otherwise, so an idle CPU takes no timer interrupts.
 * The timer interrupt only looks: due callouts run in the CPU's
 * softclock thread (an interrupt thread, so it preempts), which lets
 * callout_drain() wait for a call that is running.
 *
 * Protection: the list, c_flags and gd_timer_deadline are [c] (the CPU
 * the callout is armed on, critical section).  A callout armed on
 * another CPU is stopped there by IPI.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <plat/plat.h>

#include "lwkt_internal.h"

#define NS_PER_TICK	(1000000000ull / hz)
#define SCHED_QUANTUM_NS 10000000ull	/* round-robin slice: 10 ms */

void
callout_init(struct callout *c)
{
	c->c_deadline = 0;
	c->c_func = NULL;
	c->c_arg = NULL;
	c->c_gd = NULL;
	c->c_flags = 0;
}

int
callout_pending(const struct callout *c)
{
	return ((c->c_flags & CALLOUT_PENDING) != 0);
}

/*
 * Re-arm this CPU's timer for what is due first.  A callout already due
 * is the softclock thread's business: schedule it rather than arm the
 * timer in the past (which would only interrupt again at once).
 * Critical section.
 */
void
lwkt_timer_update(struct globaldata *gd)
{
	struct callout *c = TAILQ_FIRST(&gd->gd_callouts);
	uint64_t next = 0, tick, now = plat_clock_ns();
	thread_t td = gd->gd_curthread;

	if (c != NULL) {
		if (c->c_deadline > now)
			next = c->c_deadline;
		else if (gd->gd_softclock != NULL)
			lwkt_schedule(gd->gd_softclock);
	}
	if (td != NULL && !(td->td_flags & TDF_IDLE) &&
	    _lwkt_runq_others(gd, td, td->td_pri)) {
		tick = now + SCHED_QUANTUM_NS;
		if (next == 0 || tick < next)
			next = tick;
	}
	if (next == gd->gd_timer_deadline)
		return;
	gd->gd_timer_deadline = next;
	if (next != 0)
		plat_timer_arm(next);
	else
		plat_timer_disarm();
}

static void
callout_unlink(struct callout *c)
{
	TAILQ_REMOVE(&c->c_gd->gd_callouts, c, c_link);
	c->c_flags &= ~CALLOUT_PENDING;
}

void
callout_reset_ns(struct callout *c, uint64_t deadline, void (*func)(void *),
    void *arg)
{
	struct globaldata *gd = mycpu;
	struct callout *it;

	if ((c->c_flags & CALLOUT_PENDING) && c->c_gd != gd)
		callout_stop(c);		/* armed elsewhere: stop there */
	crit_enter();
	if (c->c_flags & CALLOUT_PENDING)
		callout_unlink(c);
	c->c_deadline = deadline != 0 ? deadline : 1;
	c->c_func = func;
	c->c_arg = arg;
	c->c_gd = gd;
	TAILQ_FOREACH(it, &gd->gd_callouts, c_link) {
		if (it->c_deadline > c->c_deadline)
			break;
	}
	if (it != NULL)
		TAILQ_INSERT_BEFORE(it, c, c_link);
	else
		TAILQ_INSERT_TAIL(&gd->gd_callouts, c, c_link);
	c->c_flags |= CALLOUT_PENDING;
	if (TAILQ_FIRST(&gd->gd_callouts) == c)
		lwkt_timer_update(gd);
	crit_exit();
}

void
callout_reset(struct callout *c, int ticks, void (*func)(void *), void *arg)
{
	if (ticks < 1)
		ticks = 1;
	callout_reset_ns(c, plat_clock_ns() + (uint64_t)ticks * NS_PER_TICK,
	    func, arg);
}

struct callout_stop_req {
	struct callout	*c;
	int		stopped;
};

static void
callout_stop_remote(void *arg, int unused)
{
	struct callout_stop_req *req = arg;

	req->stopped = callout_stop(req->c);
}

int
callout_stop(struct callout *c)
{
	struct globaldata *gd = mycpu;
	struct callout_stop_req req;
	int stopped = 0, first;

	crit_enter();
	if ((c->c_flags & CALLOUT_PENDING) && c->c_gd != gd) {
		req.c = c;
		req.stopped = 0;
		crit_exit();
		lwkt_wait_ipiq(c->c_gd->gd_cpuid, lwkt_send_ipiq(
		    c->c_gd->gd_cpuid, callout_stop_remote, &req));
		return (req.stopped);
	}
	if (c->c_flags & CALLOUT_PENDING) {
		first = TAILQ_FIRST(&gd->gd_callouts) == c;
		callout_unlink(c);
		if (first)
			lwkt_timer_update(gd);	/* not for a call now gone */
		stopped = 1;
	}
	crit_exit();
	return (stopped);
}

int
callout_drain(struct callout *c)
{
	struct globaldata *gd = c->c_gd;
	int stopped = callout_stop(c);

	while (gd != NULL &&
	    __atomic_load_n(&gd->gd_callout_running, __ATOMIC_ACQUIRE) == c)
		tsleep(&gd->gd_callout_running, 0, "cdrain", 1);
	return (stopped);
}

/*
 * The timer went off on this CPU.  Interrupt context.
 */
void
lwkt_clock_intr(void)
{
	struct globaldata *gd = mycpu;
	thread_t td = gd->gd_curthread;

	gd->gd_timer_deadline = 0;
	if (!(td->td_flags & TDF_IDLE) &&
	    _lwkt_runq_others(gd, td, td->td_pri))
		lwkt_reqflags_set(gd, RQF_AST_LWKT_RESCHED);
	lwkt_timer_update(gd);
}

static void
softclock_thread(void *arg)
{
	struct globaldata *gd = mycpu;
	thread_t td = curthread;
	struct callout *c;

	crit_enter_quick(td);
	for (;;) {
		while ((c = TAILQ_FIRST(&gd->gd_callouts)) != NULL &&
		    c->c_deadline <= plat_clock_ns()) {
			callout_unlink(c);
			gd->gd_callout_running = c;
			crit_exit_quick(td);
			c->c_func(c->c_arg);
			crit_enter_quick(td);
			/* c may be freed by now: only its address is used. */
			__atomic_store_n(&gd->gd_callout_running, NULL,
			    __ATOMIC_RELEASE);
			wakeup(&gd->gd_callout_running);
		}
		/* Off the run queue first: the update may put us back. */
		lwkt_deschedule_self(td);
		lwkt_timer_update(gd);
		lwkt_switch();
	}
}

void
lwkt_softclock_init(struct globaldata *gd)
{
	thread_t td;

	if (lwkt_create(softclock_thread, NULL, &td, TDF_NOSTART |
	    TDF_INTTHREAD | TDF_SYSTHREAD, gd->gd_cpuid, "softclock%d",
	    gd->gd_cpuid) != 0)
		panic("lwkt: no memory for cpu%d's softclock thread",
		    gd->gd_cpuid);
	td->td_pri = TDPRI_SOFT_TIMER;
	gd->gd_softclock = td;
}
