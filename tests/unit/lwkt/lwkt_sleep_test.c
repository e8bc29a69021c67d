/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_sleep_test.c - tsleep and wakeup (lwkt/lwkt_sleep.c) on four
 * simulated CPUs: wake-ups cross CPUs and are never lost, wakeup_one
 * wakes exactly one sleeper, the interlock closes the race between
 * checking a condition and going to sleep, a timeout returns
 * EWOULDBLOCK no earlier than asked, and a wake-up signals only CPUs
 * that have sleepers.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/errno.h>
#include <plat/plat.h>
#include "fakeplat.h"
#include "lwkt_testutil.h"

#define NCPU		4
#define NS_PER_TICK	(1000000000ull / hz)

static int
setup(void **state)
{
	lt_boot(NCPU);
	return (0);
}

/* Is td asleep (queued and blocked) on ident? */
static int
asleep_on(thread_t td, const volatile void *ident)
{
	return ((td->td_flags & TDF_TSLEEPQ) != 0 && td->td_wchan == ident &&
	    (td->td_flags & TDF_RUNQ) == 0);
}

/* ------------------------------------------------------ plain wakeup */

struct sleeper {
	const volatile void *ident;
	int		timo;
	int		error;
	uint64_t	slept_ns;
	int		cpu_after;
	int		woke;
};

static int sleepers_done;

static void
sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	uint64_t t0 = plat_clock_ns();

	s->error = tsleep(s->ident, 0, "tsleep", s->timo);
	s->slept_ns = plat_clock_ns() - t0;
	s->cpu_after = mycpuid;
	lt_store(&s->woke, 1);
	lt_inc(&sleepers_done);
}

static int chan_a, chan_b;

/* A sleeper on one CPU is woken by a wakeup() on another; tsleep -> 0. */
static void
wakeup_from_another_cpu_wakes_the_sleeper(void **state)
{
	struct sleeper s = { &chan_a, 0, -1, 0, -1, 0 };
	thread_t td;

	sleepers_done = 0;
	td = lt_spawn(sleeper_main, &s, 1, TDPRI_KERN_DAEMON, "sleeper");
	lt_settle();
	assert_true(asleep_on(td, &chan_a));
	wakeup(&chan_b);		/* another ident: not for it */
	lt_settle();
	assert_false(s.woke);
	wakeup(&chan_a);
	lt_wait_count(&sleepers_done, 1);
	assert_int_equal(s.error, 0);
	assert_int_equal(s.cpu_after, 1);
}

/* ------------------------------------------------ lost wake-ups */

#define PP_ROUNDS	2000

static struct lwkt_token pp_tok = LWKT_TOKEN_INITIALIZER(pp_tok);
static int pp_turn, pp_done;
static int pp_rounds[3];

/*
 * Players take turns: each waits (tsleep, holding the token that guards
 * pp_turn) until the turn is its own, passes it on and wakes everyone.
 */
static void
pp_player(void *arg)
{
	int me = (int)(intptr_t)arg, i;
	uint32_t seed = 0xc0ffee + (uint32_t)me;

	for (i = 0; i < PP_ROUNDS; i++) {
		lwkt_gettoken(&pp_tok);
		while (pp_turn != me)
			tsleep(&pp_turn, 0, "pingpong", 0);
		pp_turn = (me + 1) % 3;
		pp_rounds[me]++;
		lt_yield_cpus(lt_rand(&seed) % 2);
		wakeup(&pp_turn);
		lwkt_reltoken(&pp_tok);
		lt_yield_cpus(lt_rand(&seed) % 3);
	}
	lt_inc(&pp_done);
}

/* Threads on three CPUs pass a turn 6000 times: no wake-up is lost. */
static void
no_lost_wakeups_across_cpus(void **state)
{
	/* A lost wake-up would leave every player asleep for good. */
	pp_turn = pp_done = 0;
	memset(pp_rounds, 0, sizeof(pp_rounds));
	lt_spawn(pp_player, (void *)(intptr_t)0, 1, TDPRI_KERN_DAEMON, "pp0");
	lt_spawn(pp_player, (void *)(intptr_t)1, 2, TDPRI_KERN_DAEMON, "pp1");
	lt_spawn(pp_player, (void *)(intptr_t)2, 3, TDPRI_KERN_DAEMON, "pp2");
	lt_wait_count(&pp_done, 3);
	assert_int_equal(pp_rounds[0], PP_ROUNDS);
	assert_int_equal(pp_rounds[1], PP_ROUNDS);
	assert_int_equal(pp_rounds[2], PP_ROUNDS);
}

/* --------------------------------------------------------- wakeup_one */

static int
count_woke(struct sleeper *s, int n)
{
	int i, woke = 0;

	for (i = 0; i < n; i++)
		woke += lt_load(&s[i].woke);
	return (woke);
}

/* Each wakeup_one wakes exactly one sleeper, whatever its CPU. */
static void
wakeup_one_wakes_exactly_one(void **state)
{
	struct sleeper s[5];
	static const int cpu[5] = { 1, 1, 2, 3, 3 };
	int i;

	memset(s, 0, sizeof(s));
	sleepers_done = 0;
	for (i = 0; i < 5; i++) {
		s[i].ident = &chan_a;
		lt_spawn(sleeper_main, &s[i], cpu[i], TDPRI_KERN_DAEMON,
		    "one");
	}
	lt_settle();
	assert_int_equal(count_woke(s, 5), 0);
	for (i = 1; i <= 3; i++) {
		wakeup_one(&chan_a);
		lt_wait_count(&sleepers_done, i);
		lt_settle();
		assert_int_equal(count_woke(s, 5), i);
	}
	wakeup(&chan_a);
	lt_wait_count(&sleepers_done, 5);
	assert_int_equal(count_woke(s, 5), 5);
	wakeup_one(&chan_a);		/* nobody left: harmless */
	lt_settle();
}

static void
wakeup_one_here(void *arg)
{
	wakeup_one(arg);
}

/* A wakeup_one finding its CPU's sleeper gone moves to the next CPU. */
static void
wakeup_one_moves_on_when_a_cpus_sleeper_is_gone(void **state)
{
	struct sleeper s[2];

	/*
	 * cpu1's sleeper is woken locally while thread0's wakeup_one is on
	 * its way to cpu1 (fakeplat runs the posted call before cpu1 takes
	 * the pending IPI), so that IPI must pass the wake-up on to cpu2.
	 */
	memset(s, 0, sizeof(s));
	sleepers_done = 0;
	s[0].ident = s[1].ident = &chan_a;
	lt_spawn(sleeper_main, &s[0], 1, TDPRI_KERN_DAEMON, "gone");
	lt_spawn(sleeper_main, &s[1], 2, TDPRI_KERN_DAEMON, "next");
	lt_settle();
	wakeup_one(&chan_a);		/* to cpu1 first, by IPI */
	assert_int_equal(count_woke(s, 2), 0);
	fakeplat_run_on_cpu(1, wakeup_one_here, &chan_a);
	lt_wait_count(&sleepers_done, 2);
	assert_int_equal(count_woke(s, 2), 2);
}

/* A wake-up of the second sleeper on a CPU is not lost after the first. */
static void
second_sleeper_on_a_cpu_still_gets_its_wakeup(void **state)
{
	struct sleeper s[2];

	memset(s, 0, sizeof(s));
	sleepers_done = 0;
	s[0].ident = s[1].ident = &chan_b;
	lt_spawn(sleeper_main, &s[0], 2, TDPRI_KERN_DAEMON, "first");
	lt_spawn(sleeper_main, &s[1], 2, TDPRI_KERN_DAEMON, "second");
	lt_settle();
	wakeup_one(&chan_b);
	lt_wait_count(&sleepers_done, 1);
	wakeup_one(&chan_b);
	lt_wait_count(&sleepers_done, 2);
}

/* ----------------------------------------------------------- interlock */

static struct {
	int	queued;		/* tsleep_interlock done */
	int	wakeup_sent;
	int	error;
	int	returned;
	int	use_interlock;
	int	timo;
} il;
static int il_chan;

static void
il_sleeper(void *arg)
{
	if (il.use_interlock)
		tsleep_interlock(&il_chan, 0);
	lt_store(&il.queued, 1);
	/* The race window: the wake-up comes now, before we sleep. */
	while (!lt_load(&il.wakeup_sent))
		plat_cpu_yield_hint();
	lt_yield_cpus(10);
	il.error = tsleep(&il_chan, il.use_interlock ? PINTERLOCKED : 0,
	    "interlk", il.timo);
	lt_store(&il.returned, 1);
}

/* A wake-up between tsleep_interlock and tsleep is not lost. */
static void
interlock_closes_the_race(void **state)
{
	/*
	 * With the interlock tsleep(PINTERLOCKED) returns at once.  Without
	 * it the same wake-up is lost and only the timeout ends the sleep,
	 * which shows the test really hits the window.
	 */
	memset(&il, 0, sizeof(il));
	il.use_interlock = 1;
	lt_spawn(il_sleeper, NULL, 1, TDPRI_KERN_DAEMON, "interlk");
	lt_wait_count(&il.queued, 1);
	wakeup(&il_chan);
	lt_store(&il.wakeup_sent, 1);
	lt_settle();			/* no timeout: it must not block */
	assert_true(il.returned);
	assert_int_equal(il.error, 0);

	memset(&il, 0, sizeof(il));
	il.timo = 50;
	lt_spawn(il_sleeper, NULL, 1, TDPRI_KERN_DAEMON, "nolock");
	lt_wait_count(&il.queued, 1);
	wakeup(&il_chan);
	lt_store(&il.wakeup_sent, 1);
	lt_wait_count(&il.returned, 1);
	assert_int_equal(il.error, EWOULDBLOCK);
}

/* ------------------------------------------------------------ timeouts */

/* An unended sleep returns EWOULDBLOCK, no earlier than its ticks. */
static void
timeout_returns_ewouldblock_no_earlier_than_asked(void **state)
{
	struct sleeper s = { &chan_a, 7, -1, 0, -1, 0 };

	sleepers_done = 0;
	lt_spawn(sleeper_main, &s, 2, TDPRI_KERN_DAEMON, "timeout");
	lt_wait_count(&sleepers_done, 1);
	assert_int_equal(s.error, EWOULDBLOCK);
	assert_true(s.slept_ns >= 7 * NS_PER_TICK);
	assert_true(s.slept_ns < 8 * NS_PER_TICK);	/* and it did end */
	lt_settle();
	assert_int_equal(fakeplat_timer_deadline(2), 0);
}

/* A sleep woken early returns 0 and its timeout never fires. */
static void
wakeup_before_timeout_returns_zero_and_cancels_it(void **state)
{
	struct sleeper s = { &chan_b, 1000, -1, 0, -1, 0 };
	uint64_t clocks;

	sleepers_done = 0;
	lt_spawn(sleeper_main, &s, 3, TDPRI_KERN_DAEMON, "early");
	lt_settle();
	assert_int_not_equal(fakeplat_timer_deadline(3), 0);
	wakeup(&chan_b);
	lt_wait_count(&sleepers_done, 1);
	assert_int_equal(s.error, 0);
	assert_true(s.slept_ns < 1000 * NS_PER_TICK);
	lt_settle();
	clocks = globaldata_find(3)->gd_cnt_clock;
	fakeplat_advance_ns(2000 * NS_PER_TICK);
	lt_settle();
	assert_int_equal(globaldata_find(3)->gd_cnt_clock, clocks);
	assert_int_equal(fakeplat_timer_deadline(3), 0);
}

/* ------------------------------------------------------- who is told */

static char idents[64];

/* wakeup() sends IPIs only to CPUs that have sleepers. */
static void
wakeup_signals_only_cpus_with_sleepers(void **state)
{
	struct globaldata *gd = mycpu;
	struct sleeper s = { NULL, 0, -1, 0, -1, 0 };
	const char *ident = NULL;
	uint64_t sent;
	int i;

	/* An ident whose bucket has no sleeper anywhere: no IPI at all. */
	for (i = 0; i < 64 && ident == NULL; i++) {
		sent = gd->gd_cnt_ipi_sent;
		wakeup(&idents[i]);
		if (gd->gd_cnt_ipi_sent == sent)
			ident = &idents[i];
	}
	assert_non_null(ident);
	lt_settle();

	sleepers_done = 0;
	s.ident = ident;
	lt_spawn(sleeper_main, &s, 2, TDPRI_KERN_DAEMON, "told");
	lt_settle();
	sent = gd->gd_cnt_ipi_sent;
	wakeup(ident);
	assert_int_equal(gd->gd_cnt_ipi_sent - sent, 1);
	lt_wait_count(&sleepers_done, 1);
	assert_int_equal(s.error, 0);

	/* The sleeper gone, its CPU is no longer told. */
	lt_settle();
	sent = gd->gd_cnt_ipi_sent;
	wakeup(ident);
	assert_int_equal(gd->gd_cnt_ipi_sent - sent, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wakeup_from_another_cpu_wakes_the_sleeper),
		cmocka_unit_test(no_lost_wakeups_across_cpus),
		cmocka_unit_test(wakeup_one_wakes_exactly_one),
		cmocka_unit_test(
		    wakeup_one_moves_on_when_a_cpus_sleeper_is_gone),
		cmocka_unit_test(
		    second_sleeper_on_a_cpu_still_gets_its_wakeup),
		cmocka_unit_test(interlock_closes_the_race),
		cmocka_unit_test(
		    timeout_returns_ewouldblock_no_earlier_than_asked),
		cmocka_unit_test(
		    wakeup_before_timeout_returns_zero_and_cancels_it),
		cmocka_unit_test(wakeup_signals_only_cpus_with_sleepers),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
