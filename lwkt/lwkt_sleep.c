/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_sleep.c - tsleep and wakeup.
 *
 * A sleeper queues itself on its own CPU's hash of sleep queues and sets
 * its CPU's bit in slpque_cpumasks[bucket]; a wake-up scans its own
 * CPU's bucket and sends an IPI only to the other CPUs whose bit is set
 * for that bucket.  tsleep_interlock() queues without blocking, so a
 * caller can check its condition, release a token and then
 * tsleep(PINTERLOCKED) without losing a wake-up that came in between.
 * A timeout is a callout on the sleeper's CPU.
 *
 * Protection: a CPU's sleep queues and its sleepers' TDF_TSLEEPQ /
 * td_wchan are [c] (that CPU, critical section; other CPUs ask by IPI);
 * slpque_cpumasks [a].
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <sys/errno.h>

#include "lwkt_internal.h"

#define WAKEUP_ONE	0x1

static cpumask_t slpque_cpumasks[TSLEEP_HSIZE];

static int
tsleep_hash(const volatile void *ident)
{
	uintptr_t h = (uintptr_t)ident;

	h ^= h >> 13;
	h *= 0x9e3779b97f4a7c15ull;
	return ((int)(h >> 58) & (TSLEEP_HSIZE - 1));
}

void
tsleep_interlock(const volatile void *ident, int flags)
{
	thread_t td = curthread;
	struct globaldata *gd = td->td_gd;
	int b;

	crit_enter_quick(td);
	if (td->td_flags & TDF_TSLEEPQ)
		TAILQ_REMOVE(&gd->gd_tsleep_hash[tsleep_hash(td->td_wchan)],
		    td, td_sleepq);
	b = tsleep_hash(ident);
	TAILQ_INSERT_TAIL(&gd->gd_tsleep_hash[b], td, td_sleepq);
	td->td_wchan = ident;
	td->td_sleepflags = flags;
	td->td_flags |= TDF_TSLEEPQ;
	__atomic_fetch_or(&slpque_cpumasks[b], CPUMASK(gd->gd_cpuid),
	    __ATOMIC_SEQ_CST);
	crit_exit_quick(td);
}

/* Take td off its sleep queue.  Its CPU, critical section. */
static void
tsleep_remove(thread_t td)
{
	struct globaldata *gd = td->td_gd;
	int b;

	if ((td->td_flags & TDF_TSLEEPQ) == 0)
		return;
	b = tsleep_hash(td->td_wchan);
	TAILQ_REMOVE(&gd->gd_tsleep_hash[b], td, td_sleepq);
	td->td_flags &= ~TDF_TSLEEPQ;
	td->td_wchan = NULL;
	if (TAILQ_EMPTY(&gd->gd_tsleep_hash[b]))
		__atomic_fetch_and(&slpque_cpumasks[b],
		    ~CPUMASK(gd->gd_cpuid), __ATOMIC_SEQ_CST);
}

void
tsleep_cancel(void)
{
	thread_t td = curthread;

	crit_enter_quick(td);
	tsleep_remove(td);
	crit_exit_quick(td);
}

/* The sleep timed out: runs in the sleeper CPU's softclock thread. */
static void
tsleep_timeout(void *arg)
{
	thread_t td = arg;

	crit_enter();
	if (td->td_flags & TDF_TSLEEPQ) {
		tsleep_remove(td);
		td->td_flags |= TDF_TIMEOUT;
		if (td->td_flags & TDF_TSLEEP_DESCHEDULED)
			lwkt_schedule(td);
	}
	crit_exit();
}

int
tsleep(const volatile void *ident, int flags, const char *wmesg, int timo)
{
	thread_t td = curthread;
	struct callout timeout;
	int error = 0;

	KASSERT(td->td_gd->gd_intr_nesting_level == 0,
	    ("tsleep(%s) inside an interrupt", wmesg));
	crit_enter_quick(td);
	if (flags & PINTERLOCKED) {
		if ((td->td_flags & TDF_TSLEEPQ) == 0 ||
		    td->td_wchan != ident) {
			crit_exit_quick(td);
			return (0);		/* woken since the interlock */
		}
	} else {
		tsleep_interlock(ident, flags);
	}
	if (timo > 0) {
		callout_init(&timeout);
		callout_reset(&timeout, timo, tsleep_timeout, td);
	}
	td->td_wmesg = wmesg;
	td->td_flags |= TDF_TSLEEP_DESCHEDULED;
	lwkt_deschedule_self(td);
	lwkt_switch();
	td->td_flags &= ~TDF_TSLEEP_DESCHEDULED;
	td->td_wmesg = NULL;
	if (td->td_flags & TDF_TIMEOUT) {
		td->td_flags &= ~TDF_TIMEOUT;
		error = EWOULDBLOCK;
	}
	if (timo > 0)
		callout_stop(&timeout);
	KKASSERT((td->td_flags & TDF_TSLEEPQ) == 0);
	crit_exit_quick(td);
	return (error);
}

/*
 * Wake this CPU's sleepers on ident (one only with WAKEUP_ONE).
 * Returns how many woke.  This CPU, critical section.
 */
static int
wakeup_local(const volatile void *ident, int flags)
{
	struct globaldata *gd = mycpu;
	thread_t td, ntd;
	int n = 0;

	TAILQ_FOREACH_SAFE(td, &gd->gd_tsleep_hash[tsleep_hash(ident)],
	    td_sleepq, ntd) {
		if (td->td_wchan != ident)
			continue;
		tsleep_remove(td);
		if (td->td_flags & TDF_TSLEEP_DESCHEDULED)
			lwkt_schedule(td);
		gd->gd_cnt_wakeup++;
		n++;
		if (flags & WAKEUP_ONE)
			break;
	}
	return (n);
}

static void wakeup_one_remote(void *ident, int remaining);

static void
wakeup_remote(void *ident, int unused)
{
	wakeup_local(ident, 0);
}

/* Try the CPUs in `remaining' one after the other until one wakes. */
static void
wakeup_one_next(const volatile void *ident, cpumask_t remaining)
{
	int cpu;

	remaining &= ~CPUMASK(mycpuid);
	if (remaining == 0)
		return;
	cpu = __builtin_ctz(remaining);
	lwkt_send_ipiq2(cpu, wakeup_one_remote, (void *)(uintptr_t)ident,
	    (int)(remaining & ~CPUMASK(cpu)));
}

static void
wakeup_one_remote(void *ident, int remaining)
{
	if (wakeup_local(ident, WAKEUP_ONE) == 0)
		wakeup_one_next(ident, (cpumask_t)remaining);
}

static void
wakeup_common(const volatile void *ident, int flags)
{
	struct globaldata *gd = mycpu;
	cpumask_t mask, self = CPUMASK(gd->gd_cpuid);
	int n = 0;

	/* Order the caller's condition change before reading sleepers. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	mask = __atomic_load_n(&slpque_cpumasks[tsleep_hash(ident)],
	    __ATOMIC_SEQ_CST);
	if (mask == 0)
		return;
	crit_enter();
	if (mask & self)
		n = wakeup_local(ident, flags);
	mask &= ~self;
	if (flags & WAKEUP_ONE) {
		if (n == 0)
			wakeup_one_next(ident, mask);
	} else {
		lwkt_send_ipiq_mask(mask, wakeup_remote,
		    (void *)(uintptr_t)ident);
	}
	crit_exit();
}

void
wakeup(const volatile void *ident)
{
	wakeup_common(ident, 0);
}

void
wakeup_one(const volatile void *ident)
{
	wakeup_common(ident, WAKEUP_ONE);
}
