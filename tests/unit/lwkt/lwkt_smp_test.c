/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_smp_test.c - the simulated SMP machine itself: every CPU comes up
 * and idles, each runs with its own per-CPU base, CPUs take turns only
 * at switch points, and a machine with nothing left to do is reported
 * as a deadlock instead of hanging.
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

#define NCPU	4

static int
setup(void **state)
{
	lt_boot(NCPU);
	return (0);
}

static int seen_cpu[NCPU];
static int ran;

static void
note_cpu(void *arg)
{
	int cpu = (int)(intptr_t)arg;

	seen_cpu[cpu] = mycpuid * 100 + fakeplat_cpu_current();
	lt_inc(&ran);
}

/* Every CPU came up, went idle, and armed no timer while idle. */
static void
every_cpu_comes_up_and_idles(void **state)
{
	int cpu;

	fakeplat_drain();
	for (cpu = 1; cpu < NCPU; cpu++) {
		assert_true(globaldata_find(cpu)->gd_online);
		assert_true(fakeplat_cpu_idle(cpu));
		assert_int_equal(fakeplat_timer_deadline(cpu), 0);
	}
	assert_int_equal(fakeplat_cpu_current(), 0);
	assert_int_equal(mycpuid, 0);
}

/* A thread started on CPU n runs there, with %gs naming CPU n. */
static void
threads_run_on_their_cpu(void **state)
{
	int cpu;

	ran = 0;
	for (cpu = 0; cpu < NCPU; cpu++)
		lt_spawn(note_cpu, (void *)(intptr_t)cpu, cpu,
		    TDPRI_KERN_DAEMON, "note");
	lt_wait_count(&ran, NCPU);
	for (cpu = 0; cpu < NCPU; cpu++)
		assert_int_equal(seen_cpu[cpu], cpu * 100 + cpu);
	assert_int_equal(mycpuid, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_cpu_comes_up_and_idles),
		cmocka_unit_test(threads_run_on_their_cpu),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
