/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_smp_test.c - the simulated SMP machine itself: every CPU comes up
 * and idles, each runs with its own per-CPU base, and the interleaving
 * of CPUs is the same every time.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/ipiq.h>
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

/* ----------------------------------------------------- determinism */

#define DET_STEPS	60
#define DET_TRACE	(3 * DET_STEPS * 2)

static char det_trace[DET_TRACE + 1];
static int det_len, det_done;

static void
det_note(char c)
{
	if (det_len < DET_TRACE)
		det_trace[det_len++] = c;
}

static void
det_ipi(void *arg, int unused)
{
	det_note((char)('0' + mycpuid));
}

static void
det_worker(void *arg)
{
	uint32_t seed = 0x5eed + (uint32_t)mycpuid;
	int i;

	for (i = 0; i < DET_STEPS; i++) {
		det_note((char)('a' + mycpuid));
		if (i % 7 == 0)
			lwkt_send_ipiq(1 + mycpuid % (NCPU - 1), det_ipi, NULL);
		lt_yield_cpus((int)(lt_rand(&seed) % 4));
	}
	lt_inc(&det_done);
}

static void
det_run(char *out)
{
	int cpu;

	det_len = det_done = 0;
	for (cpu = 1; cpu < NCPU; cpu++)
		lt_spawn(det_worker, NULL, cpu, TDPRI_KERN_DAEMON, "det");
	lt_wait_count(&det_done, NCPU - 1);
	lt_settle();
	det_trace[det_len] = '\0';
	memcpy(out, det_trace, (size_t)det_len + 1);
}

/* The same workload interleaves the CPUs the same way every time. */
static void
same_workload_same_interleaving(void **state)
{
	static char first[DET_TRACE + 1], second[DET_TRACE + 1];
	int i, changes = 0;

	det_run(first);
	det_run(second);
	assert_string_equal(first, second);
	/* ...and it really interleaves the CPUs. */
	for (i = 1; first[i] != '\0'; i++)
		if (first[i] != first[i - 1])
			changes++;
	assert_true(changes > 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_cpu_comes_up_and_idles),
		cmocka_unit_test(threads_run_on_their_cpu),
		cmocka_unit_test(same_workload_same_interleaving),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
