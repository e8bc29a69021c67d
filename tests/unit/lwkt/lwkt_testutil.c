/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_testutil.c - helpers of the LWKT unit tests (lwkt_testutil.h).
 * Compiled like core code and linked into each LWKT test program.
 */
#include "cmocka_core.h"
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <plat/plat.h>
#include "fakeplat.h"
#include "lwkt_testutil.h"

static int lt_wait_chan;

void
lt_boot(int ncpu)
{
	fakeplat_boot(ncpu, LT_RAM);
	assert_int_equal(ncpus, ncpu);
	assert_int_equal(smp_active_mask, (cpumask_t)((1u << ncpu) - 1));
	fakeplat_drain();		/* whatever boot left for cpu0 */
	lt_settle();			/* tests start on a quiet machine */
}

thread_t
lt_spawn(void (*func)(void *), void *arg, int cpu, int pri, const char *name)
{
	thread_t td;

	assert_int_equal(lwkt_create(func, arg, &td, TDF_NOSTART, cpu, "%s",
	    name), 0);
	td->td_pri = pri;		/* not queued yet: no queue to fix */
	lwkt_schedule(td);
	return (td);
}

void
lt_wait(int (*cond)(void *), void *arg, uint64_t max_ms)
{
	uint64_t deadline = plat_clock_ns() + max_ms * 1000000ull;

	KKASSERT(curthread == mycpu->gd_curthread && mycpuid == 0);
	while (!cond(arg)) {
		if (plat_clock_ns() > deadline)
			fail_msg("condition still false after %llu ms of fake "
			    "time", (unsigned long long)max_ms);
		tsleep(&lt_wait_chan, 0, "ltwait", 1);
	}
}

static int
lt_others_idle(void *arg)
{
	int cpu;

	for (cpu = 0; cpu < ncpus; cpu++)
		if (cpu != fakeplat_cpu_current() && !fakeplat_cpu_idle(cpu))
			return (0);
	return (1);
}

void
lt_settle(void)
{
	fakeplat_run_until(lt_others_idle, NULL);
}

struct lt_count {
	const int	*counter;
	int		target;
};

static int
lt_count_reached(void *arg)
{
	struct lt_count *c = arg;

	return (lt_load(c->counter) >= c->target);
}

void
lt_wait_count(const int *counter, int target)
{
	struct lt_count c = { counter, target };

	lt_wait(lt_count_reached, &c, 30000);
}

int
lt_flag(void *arg)
{
	return (lt_load(arg) != 0);
}

int
lt_load(const int *p)
{
	return (__atomic_load_n(p, __ATOMIC_SEQ_CST));
}

void
lt_store(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

int
lt_inc(int *p)
{
	return (__atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST));
}

uint32_t
lt_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return (x);
}

void
lt_yield_cpus(int n)
{
	while (n-- > 0)
		plat_cpu_yield_hint();
}
