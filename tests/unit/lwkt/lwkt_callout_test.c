/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_callout_test.c - callouts and the one-shot timer behind them
 * (lwkt/lwkt_callout.c) on simulated CPUs and a fake clock: a callout
 * never fires before its deadline, runs on the CPU that armed it, in
 * deadline order; callout_stop says whether it stopped a pending call,
 * also for a callout armed on another CPU; callout_drain waits for a
 * call in progress; and an idle CPU with no callouts has no timer armed.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/callout.h>
#include <plat/plat.h>
#include "fakeplat.h"
#include "lwkt_testutil.h"

#define NCPU		3
#define MS		1000000ull	/* ns; one tick at hz = 1000 */

static int
setup(void **state)
{
	lt_boot(NCPU);
	return (0);
}

struct firing {
	uint64_t	deadline;	/* what it was armed for */
	uint64_t	at;		/* plat_clock_ns() when it ran */
	int		cpu;
	int		fired;
	int		order;		/* place among firings */
};

static int nfirings;

static void
fire(void *arg)
{
	struct firing *f = arg;

	f->at = plat_clock_ns();
	f->cpu = mycpuid;
	f->order = lt_inc(&nfirings);
	lt_inc(&f->fired);
}

/* Arm c for `ticks' from now on the calling CPU; remember the deadline. */
static void
arm(struct callout *c, struct firing *f, int ticks)
{
	f->deadline = plat_clock_ns() + (uint64_t)ticks * MS;
	callout_reset(c, ticks, fire, f);
}

/* ------------------------------------------------------------ timing */

/* A callout does not fire 1 ns before its deadline, and fires at it. */
static void
callout_fires_no_earlier_than_asked(void **state)
{
	struct callout c;
	struct firing f = { 0 };

	callout_init(&c);
	arm(&c, &f, 10);
	assert_true(callout_pending(&c));
	assert_int_not_equal(fakeplat_timer_deadline(0), 0);
	assert_true(fakeplat_timer_deadline(0) <= f.deadline);
	fakeplat_advance_ns(10 * MS - 1);
	fakeplat_drain();
	assert_int_equal(f.fired, 0);
	assert_true(callout_pending(&c));
	fakeplat_advance_ns(1);
	fakeplat_drain();
	assert_int_equal(f.fired, 1);
	assert_true(f.at >= f.deadline);
	assert_int_equal(f.cpu, 0);
	assert_false(callout_pending(&c));
}

/* A callout due 1 ns after another does not run with the first. */
static void
neighbouring_callout_does_not_run_early(void **state)
{
	struct callout c1, c2;
	struct firing f1 = { 0 }, f2 = { 0 };

	callout_init(&c1);
	callout_init(&c2);
	f1.deadline = plat_clock_ns() + 5 * MS;
	f2.deadline = f1.deadline + 1;
	callout_reset_ns(&c1, f1.deadline, fire, &f1);
	callout_reset_ns(&c2, f2.deadline, fire, &f2);
	fakeplat_advance_ns(5 * MS);
	fakeplat_drain();
	assert_int_equal(f1.fired, 1);
	assert_int_equal(f2.fired, 0);
	fakeplat_advance_ns(1);
	fakeplat_drain();
	assert_int_equal(f2.fired, 1);
	assert_true(f2.at >= f2.deadline);
}

static struct callout rc_c[3];
static struct firing rc_f[3];
static int rc_done;

static void
arm_three(void *arg)
{
	static const int ticks[3] = { 30, 10, 20 };
	int i;

	for (i = 0; i < 3; i++) {
		callout_init(&rc_c[i]);
		arm(&rc_c[i], &rc_f[i], ticks[i]);
	}
	lt_inc(&rc_done);
}

/* Callouts run on the CPU that armed them, in deadline order. */
static void
callouts_run_on_their_cpu_in_deadline_order(void **state)
{
	int i;

	memset(rc_f, 0, sizeof(rc_f));
	nfirings = rc_done = 0;
	lt_spawn(arm_three, NULL, 2, TDPRI_KERN_DAEMON, "arm3");
	lt_wait_count(&rc_done, 1);
	for (i = 0; i < 3; i++) {
		while (!lt_load(&rc_f[i].fired))
			fakeplat_run_until(lt_flag, &rc_f[i].fired);
		assert_int_equal(rc_f[i].cpu, 2);
		assert_true(rc_f[i].at >= rc_f[i].deadline);
	}
	assert_int_equal(rc_f[1].order, 1);	/* 10 ticks */
	assert_int_equal(rc_f[2].order, 2);	/* 20 */
	assert_int_equal(rc_f[0].order, 3);	/* 30 */
}

/* Re-arming a pending callout moves it: it fires once, at the new time. */
static void
callout_reset_moves_a_pending_call(void **state)
{
	struct callout c;
	struct firing f = { 0 };

	callout_init(&c);
	arm(&c, &f, 5);
	arm(&c, &f, 50);
	fakeplat_advance_ns(49 * MS);
	fakeplat_drain();
	assert_int_equal(f.fired, 0);
	fakeplat_advance_ns(1 * MS);
	fakeplat_drain();
	assert_int_equal(f.fired, 1);
	fakeplat_advance_ns(100 * MS);
	fakeplat_drain();
	assert_int_equal(f.fired, 1);
}

/* -------------------------------------------------------- stopping */

static int
no_timer_without_callouts(int cpu)
{
	struct globaldata *gd = globaldata_find(cpu);
	struct callout *first = TAILQ_FIRST(&gd->gd_callouts);

	if (first == NULL)
		return (fakeplat_timer_deadline(cpu) == 0);
	return (fakeplat_timer_deadline(cpu) == first->c_deadline);
}


/* callout_stop returns 1 only when it stopped a pending call. */
static void
callout_stop_returns_1_only_for_a_pending_call(void **state)
{
	struct callout c;
	struct firing f = { 0 };

	/* 0 when never armed, already stopped or already run. */
	callout_init(&c);
	assert_int_equal(callout_stop(&c), 0);	/* never armed */
	arm(&c, &f, 3);
	assert_int_equal(callout_stop(&c), 1);
	assert_int_equal(callout_stop(&c), 0);	/* already stopped */
	fakeplat_advance_ns(10 * MS);
	fakeplat_drain();
	assert_int_equal(f.fired, 0);

	arm(&c, &f, 3);
	fakeplat_advance_ns(3 * MS);
	fakeplat_drain();
	assert_int_equal(f.fired, 1);
	assert_int_equal(callout_stop(&c), 0);	/* it ran */
}

/*
 * A callout armed by a thread on cpu1: one per test, so that a test that
 * fails half-way cannot leave its callout queued under the next one.
 */
struct remote {
	struct callout	c;
	struct firing	f;
	int		ticks;
	int		armed;
};

static struct remote rstop, rmove, ridle;

static void
arm_remote(void *arg)
{
	struct remote *r = arg;

	callout_init(&r->c);
	arm(&r->c, &r->f, r->ticks);
	lt_inc(&r->armed);
}

/* callout_stop stops a callout armed on another CPU for good. */
static void
callout_stop_of_a_callout_armed_on_another_cpu(void **state)
{
	memset(&rstop, 0, sizeof(rstop));
	rstop.ticks = 100;
	lt_spawn(arm_remote, &rstop, 1, TDPRI_KERN_DAEMON, "armer");
	lt_wait_count(&rstop.armed, 1);
	assert_ptr_equal(rstop.c.c_gd, globaldata_find(1));
	assert_int_equal(callout_stop(&rstop.c), 1);
	assert_false(callout_pending(&rstop.c));
	fakeplat_advance_ns(200 * MS);
	lt_settle();
	assert_int_equal(rstop.f.fired, 0);

	rstop.ticks = 5;
	lt_spawn(arm_remote, &rstop, 1, TDPRI_KERN_DAEMON, "armer");
	lt_wait_count(&rstop.armed, 2);
	fakeplat_run_until(lt_flag, &rstop.f.fired);
	assert_int_equal(rstop.f.cpu, 1);
	assert_int_equal(callout_stop(&rstop.c), 0);
}

/* Re-arming a callout pending on another CPU moves it to this one. */
static void
callout_reset_from_another_cpu_moves_it_here(void **state)
{
	memset(&rmove, 0, sizeof(rmove));
	rmove.ticks = 100;
	lt_spawn(arm_remote, &rmove, 1, TDPRI_KERN_DAEMON, "armer");
	lt_wait_count(&rmove.armed, 1);
	arm(&rmove.c, &rmove.f, 20);
	assert_ptr_equal(rmove.c.c_gd, mycpu);
	lt_settle();			/* cpu1 forgot it, timer and all */
	assert_true(no_timer_without_callouts(1));
	fakeplat_advance_ns(200 * MS);
	lt_settle();
	fakeplat_drain();
	assert_int_equal(rmove.f.fired, 1);
	assert_int_equal(rmove.f.cpu, 0);
}

/* ------------------------------------------------------------ drain */

static struct {
	struct callout	c;
	int		running;
	int		release;
	int		finished;
	int		draining;
	int		drain_ret;
	int		finished_at_return;
	int		drained;
	int		armed;
} dr;

static void
dr_func(void *arg)
{
	lt_store(&dr.running, 1);
	while (!lt_load(&dr.release))
		plat_cpu_yield_hint();
	lt_yield_cpus(50);
	lt_store(&dr.finished, 1);
}

static void
dr_arm(void *arg)
{
	callout_init(&dr.c);
	callout_reset(&dr.c, 1, dr_func, NULL);
	lt_inc(&dr.armed);
}

static void
dr_drainer(void *arg)
{
	lt_store(&dr.draining, 1);
	dr.drain_ret = callout_drain(&dr.c);
	dr.finished_at_return = lt_load(&dr.finished);
	lt_inc(&dr.drained);
}

/* callout_drain returns only after a running call has returned. */
static void
callout_drain_waits_for_a_running_call(void **state)
{
	memset(&dr, 0, sizeof(dr));
	lt_spawn(dr_arm, NULL, 1, TDPRI_KERN_DAEMON, "drarm");
	lt_wait_count(&dr.armed, 1);
	fakeplat_run_until(lt_flag, &dr.running);	/* the clock moves */
	lt_spawn(dr_drainer, NULL, 2, TDPRI_KERN_DAEMON, "drainer");
	fakeplat_run_until(lt_flag, &dr.draining);
	lt_yield_cpus(200);		/* the drainer waits meanwhile */
	assert_int_equal(dr.drained, 0);
	lt_store(&dr.release, 1);
	lt_wait_count(&dr.drained, 1);
	assert_true(dr.finished_at_return);
	assert_int_equal(dr.drain_ret, 0);
}

/* callout_drain of a pending callout stops it (1); it never runs. */
static void
callout_drain_of_a_pending_call_stops_it(void **state)
{
	struct callout c;
	struct firing f = { 0 };

	callout_init(&c);
	arm(&c, &f, 5);
	assert_int_equal(callout_drain(&c), 1);
	fakeplat_advance_ns(10 * MS);
	fakeplat_drain();
	assert_int_equal(f.fired, 0);
}

/* ------------------------------------------------------------- idle */


/* No periodic tick: an idle CPU without callouts takes no clock irq. */
static void
idle_cpu_without_callouts_takes_no_timer_interrupt(void **state)
{
	uint64_t clocks[NCPU];
	int cpu, ms, quiet = 0;

	/*
	 * An idle CPU arms its timer for its first callout only, none when
	 * it has none (a stopped callout leaves no timer behind), and over a
	 * second of fake time, millisecond by millisecond, one without
	 * callouts takes no clock interrupt.
	 */
	memset(&ridle, 0, sizeof(ridle));
	ridle.ticks = 300;
	lt_spawn(arm_remote, &ridle, 1, TDPRI_KERN_DAEMON, "armer");
	lt_wait_count(&ridle.armed, 1);
	lt_settle();
	assert_true(callout_pending(&ridle.c));
	assert_int_not_equal(fakeplat_timer_deadline(1), 0);
	assert_true(no_timer_without_callouts(1));
	assert_int_equal(callout_stop(&ridle.c), 1);
	lt_settle();
	for (cpu = 1; cpu < NCPU; cpu++) {
		assert_true(fakeplat_cpu_idle(cpu));
		assert_true(no_timer_without_callouts(cpu));
		clocks[cpu] = globaldata_find(cpu)->gd_cnt_clock;
	}
	for (ms = 0; ms < 1000; ms++) {
		fakeplat_advance_ns(MS);
		lt_settle();
	}
	for (cpu = 1; cpu < NCPU; cpu++) {
		if (!TAILQ_EMPTY(&globaldata_find(cpu)->gd_callouts))
			continue;	/* someone else's callout: not ours */
		assert_int_equal(globaldata_find(cpu)->gd_cnt_clock,
		    clocks[cpu]);
		assert_int_equal(fakeplat_timer_deadline(cpu), 0);
		quiet++;
	}
	assert_true(quiet > 0);
	assert_int_equal(ridle.f.fired, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(callout_fires_no_earlier_than_asked),
		cmocka_unit_test(neighbouring_callout_does_not_run_early),
		cmocka_unit_test(callouts_run_on_their_cpu_in_deadline_order),
		cmocka_unit_test(callout_reset_moves_a_pending_call),
		cmocka_unit_test(
		    callout_stop_returns_1_only_for_a_pending_call),
		cmocka_unit_test(
		    callout_stop_of_a_callout_armed_on_another_cpu),
		cmocka_unit_test(callout_reset_from_another_cpu_moves_it_here),
		cmocka_unit_test(callout_drain_waits_for_a_running_call),
		cmocka_unit_test(callout_drain_of_a_pending_call_stops_it),
		cmocka_unit_test(
		    idle_cpu_without_callouts_takes_no_timer_interrupt),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
