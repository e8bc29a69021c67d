/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_ipiq_test.c - IPI messages (lwkt/lwkt_ipiq.c) on four simulated
 * CPUs: calls from one CPU to another run in order, a sender facing a
 * half-full FIFO serves its own queues (two CPUs flooding each other do
 * not deadlock), the no-wait variant refuses at 2/3 full without
 * waiting, one doorbell rings per batch, passive calls ring none,
 * lwkt_wait_ipiq and lwkt_cpusync wait for the calls to finish.
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
#include <sys/errno.h>
#include <plat/plat.h>
#include "fakeplat.h"
#include "lwkt_testutil.h"

#define NCPU		4
#define NORDER		1000
#define NFLOOD		1500

static int
setup(void **state)
{
	lt_boot(NCPU);
	return (0);
}

/* --------------------------------------------------------------- order */

static struct {
	int	next[PLAT_MAXCPU];	/* next sequence, per source */
	int	bad;			/* out of order or wrong CPU */
	int	ran;
	int	done;
} ord;

static void
ord_call(void *arg, int seq)
{
	int src = (int)(intptr_t)arg;

	if (seq != ord.next[src] || mycpuid != 2)
		ord.bad++;
	ord.next[src] = seq + 1;
	ord.ran++;
}

static void
ord_sender(void *arg)
{
	uint32_t seed = 0x9e3779b9u * (uint32_t)(mycpuid + 1);
	int i;

	for (i = 0; i < NORDER; i++) {
		lwkt_send_ipiq2(2, ord_call, (void *)(intptr_t)mycpuid, i);
		lt_yield_cpus(lt_rand(&seed) % 2);
	}
	lt_inc(&ord.done);
}

/* Calls from each CPU to another run there in the order they were sent. */
static void
ipis_from_one_cpu_arrive_in_order(void **state)
{
	memset(&ord, 0, sizeof(ord));
	lt_spawn(ord_sender, NULL, 1, TDPRI_KERN_DAEMON, "sender1");
	lt_spawn(ord_sender, NULL, 3, TDPRI_KERN_DAEMON, "sender3");
	lt_wait_count(&ord.done, 2);
	lt_settle();
	assert_int_equal(ord.ran, 2 * NORDER);
	assert_int_equal(ord.bad, 0);
	assert_int_equal(ord.next[1], NORDER);
	assert_int_equal(ord.next[3], NORDER);
}

/* --------------------------------------------------------------- flood */

static struct {
	int	ready;
	int	ran[PLAT_MAXCPU];	/* calls run on each CPU */
	int	ran_while_sending[PLAT_MAXCPU];
	int	bad;
	int	done;
} fld;

static void
fld_call(void *arg, int seq)
{
	fld.ran[mycpuid]++;
}

static void
fld_sender(void *arg)
{
	int target = (int)(intptr_t)arg, me = mycpuid, i;

	lt_inc(&fld.ready);
	while (lt_load(&fld.ready) < 2)
		plat_cpu_yield_hint();
	/*
	 * In a critical section our CPU defers its IPI doorbells: only the
	 * back-pressure path can serve what the other side floods us with.
	 */
	crit_enter();
	for (i = 0; i < NFLOOD; i++)
		lwkt_send_ipiq2(target, fld_call, NULL, i);
	fld.ran_while_sending[me] = fld.ran[me];
	crit_exit();
	lt_inc(&fld.done);
}

/* Two CPUs flooding each other from critical sections never deadlock. */
static void
two_cpus_flooding_each_other_do_not_deadlock(void **state)
{
	memset(&fld, 0, sizeof(fld));
	fakeplat_set_switch_budget(2000000);
	lt_spawn(fld_sender, (void *)(intptr_t)2, 1, TDPRI_KERN_DAEMON,
	    "flood1");
	lt_spawn(fld_sender, (void *)(intptr_t)1, 2, TDPRI_KERN_DAEMON,
	    "flood2");
	lt_wait_count(&fld.done, 2);
	lt_settle();
	fakeplat_set_switch_budget(FAKEPLAT_SWITCH_BUDGET);
	assert_int_equal(fld.ran[1], NFLOOD);
	assert_int_equal(fld.ran[2], NFLOOD);
	/* Each sender ran calls queued to it while it was still sending. */
	assert_true(fld.ran_while_sending[1] > 0);
	assert_true(fld.ran_while_sending[2] > 0);
}

/* -------------------------------------------------------------- nowait */

static struct {
	int	sent;
	int	error;
	uint64_t switches;	/* CPU switches during the sends */
	int	ran;
	int	done;
} nw;

static void
nw_call(void *arg, int seq)
{
	nw.ran++;
}

static void
nw_sender(void *arg)
{
	uint64_t sw = fakeplat_switches();
	int error = 0;

	while (nw.sent < MAXCPUFIFO) {
		error = lwkt_send_ipiq2_nowait(3, nw_call, NULL, nw.sent);
		if (error != 0)
			break;
		nw.sent++;
	}
	nw.error = error;
	nw.switches = fakeplat_switches() - sw;
	lt_inc(&nw.done);
}

/* The no-wait send refuses with ENOENT at 2/3 full and never waits. */
static void
nowait_returns_enoent_when_two_thirds_full(void **state)
{
	memset(&nw, 0, sizeof(nw));
	lt_spawn(nw_sender, NULL, 1, TDPRI_KERN_DAEMON, "nowait");
	lt_wait_count(&nw.done, 1);
	lt_settle();
	assert_int_equal(nw.error, ENOENT);
	assert_int_equal(nw.sent, MAXCPUFIFO * 2 / 3);
	assert_int_equal(nw.switches, 0);
	assert_int_equal(nw.ran, nw.sent);
}

/* ------------------------------------------------------------ doorbell */

#define NBATCH		50

static struct {
	uint64_t rung_batch;	/* doorbells for the first batch */
	uint64_t avoided_batch;	/* gd_cnt_ipi_avoided during it */
	uint64_t rung_after;	/* doorbells for one call after that */
	uint64_t rung_passive;
	int	ran_passive_early; /* the passive call ran on its own */
	int	ran;
	int	passive_seq;	/* where the passive call ran in order */
	int	done;
} db;

static void
db_call(void *arg, int seq)
{
	if (seq < 0)
		db.passive_seq = db.ran;
	db.ran++;
}

static int
db_all_ran(void *arg)
{
	return (db.ran == (int)(intptr_t)arg);
}

static void
db_sender(void *arg)
{
	struct globaldata *gd = mycpu;
	uint64_t rung = fakeplat_doorbells(3);
	uint64_t avoided = gd->gd_cnt_ipi_avoided;
	int i;

	for (i = 0; i < NBATCH; i++)
		lwkt_send_ipiq2(3, db_call, NULL, i);
	db.rung_batch = fakeplat_doorbells(3) - rung;
	db.avoided_batch = gd->gd_cnt_ipi_avoided - avoided;
	while (!db_all_ran((void *)(intptr_t)NBATCH))
		plat_cpu_yield_hint();

	/* The target drained: the next call rings again. */
	rung = fakeplat_doorbells(3);
	lwkt_send_ipiq2(3, db_call, NULL, NBATCH);
	db.rung_after = fakeplat_doorbells(3) - rung;
	while (!db_all_ran((void *)(intptr_t)(NBATCH + 1)))
		plat_cpu_yield_hint();

	/* A passive call rings nothing and waits for the next doorbell. */
	rung = fakeplat_doorbells(3);
	lwkt_send_ipiq2_passive(3, db_call, NULL, -1);
	db.rung_passive = fakeplat_doorbells(3) - rung;
	lt_yield_cpus(100);
	db.ran_passive_early = db.ran != NBATCH + 1;
	lwkt_send_ipiq2(3, db_call, NULL, NBATCH + 1);
	while (!db_all_ran((void *)(intptr_t)(NBATCH + 3)))
		plat_cpu_yield_hint();
	lt_inc(&db.done);
}

/* A burst of calls rings one doorbell; a passive call rings none. */
static void
one_doorbell_per_batch_and_none_for_passive(void **state)
{
	memset(&db, 0, sizeof(db));
	lt_spawn(db_sender, NULL, 1, TDPRI_KERN_DAEMON, "doorbell");
	lt_wait_count(&db.done, 1);
	assert_int_equal(db.rung_batch, 1);
	assert_int_equal(db.avoided_batch, NBATCH - 1);
	assert_int_equal(db.rung_after, 1);
	assert_int_equal(db.rung_passive, 0);
	assert_false(db.ran_passive_early);
	assert_int_equal(db.passive_seq, NBATCH + 1);	/* in order */
}

/* ---------------------------------------------------- waiting for calls */

static int slow_state;

static void
slow_call(void *arg, int unused)
{
	lt_yield_cpus(20);		/* let the caller's CPU look */
	slow_state = 2;
}

/* lwkt_wait_ipiq returns only once the call it names has returned. */
static void
wait_ipiq_waits_for_the_call_to_return(void **state)
{
	uint32_t seq;

	slow_state = 1;
	seq = lwkt_send_ipiq(2, slow_call, NULL);
	assert_int_equal(slow_state, 1);	/* cpu2 has not run yet */
	lwkt_wait_ipiq(2, seq);
	assert_int_equal(slow_state, 2);
}

static int self_ran;

static void
self_call(void *arg, int unused)
{
	self_ran = mycpuid + 1;
}

/* A call to the sending CPU itself runs at once, on that CPU. */
static void
ipi_to_self_runs_at_once(void **state)
{
	self_ran = 0;
	lwkt_send_ipiq(0, self_call, NULL);
	assert_int_equal(self_ran, 1);
}

/* ------------------------------------------------------------- cpusync */

static struct {
	cpumask_t ran;		/* CPUs that ran the function */
	int	calls;
	int	done_after;	/* calls finished when cpusync returned */
	int	done;
} cs;

static void
cs_func(void *arg)
{
	lt_yield_cpus(mycpuid);		/* finish at different times */
	__atomic_fetch_or(&cs.ran, CPUMASK(mycpuid), __ATOMIC_SEQ_CST);
	lt_inc(&cs.calls);
}

static void
cs_ipi(void *arg, int unused)
{
	cs_func(arg);
}

static void
cs_master(void *arg)
{
	lwkt_cpusync((cpumask_t)(uintptr_t)arg, cs_func, NULL);
	cs.done_after = lt_load(&cs.calls);
	lt_inc(&cs.done);
}

/* lwkt_cpusync runs once on each CPU of the mask and waits for all. */
static void
cpusync_runs_on_every_cpu_of_the_mask(void **state)
{
	memset(&cs, 0, sizeof(cs));
	cs_master((void *)(uintptr_t)(CPUMASK(0) | CPUMASK(1) | CPUMASK(3)));
	assert_int_equal(cs.ran, CPUMASK(0) | CPUMASK(1) | CPUMASK(3));
	assert_int_equal(cs.calls, 3);
	assert_int_equal(cs.done_after, 3);

	/* From another CPU, to all but itself. */
	memset(&cs, 0, sizeof(cs));
	lt_spawn(cs_master, (void *)(uintptr_t)(CPUMASK(0) | CPUMASK(1) |
	    CPUMASK(3)), 2, TDPRI_KERN_DAEMON, "cpusync");
	lt_wait_count(&cs.done, 1);
	assert_int_equal(cs.ran, CPUMASK(0) | CPUMASK(1) | CPUMASK(3));
	assert_int_equal(cs.calls, 3);
	assert_int_equal(cs.done_after, 3);
}

/* lwkt_send_ipiq_mask calls every CPU of the mask once. */
static void
send_to_a_mask_calls_each_cpu_once(void **state)
{
	memset(&cs, 0, sizeof(cs));
	lwkt_send_ipiq_mask(CPUMASK(1) | CPUMASK(2) | CPUMASK(3),
	    cs_ipi, NULL);
	lt_settle();
	assert_int_equal(cs.ran, CPUMASK(1) | CPUMASK(2) | CPUMASK(3));
	assert_int_equal(cs.calls, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipis_from_one_cpu_arrive_in_order),
		cmocka_unit_test(two_cpus_flooding_each_other_do_not_deadlock),
		cmocka_unit_test(nowait_returns_enoent_when_two_thirds_full),
		cmocka_unit_test(one_doorbell_per_batch_and_none_for_passive),
		cmocka_unit_test(wait_ipiq_waits_for_the_call_to_return),
		cmocka_unit_test(ipi_to_self_runs_at_once),
		cmocka_unit_test(cpusync_runs_on_every_cpu_of_the_mask),
		cmocka_unit_test(send_to_a_mask_calls_each_cpu_once),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
