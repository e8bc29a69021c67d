/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_thread_test.c - threads and the per-CPU scheduler
 * (lwkt/lwkt_thread.c) on four simulated CPUs: fixed priorities and
 * round robin among equals, scheduling a thread of another CPU by IPI,
 * migration that lands on the target and keeps running (tokens and
 * all), and thread exit recycling through the per-CPU thread cache.
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
#include <plat/plat.h>
#include "fakeplat.h"
#include "lwkt_testutil.h"

#define NCPU		4

static int
setup(void **state)
{
	lt_boot(NCPU);
	return (0);
}

static int
on_tdallq(struct globaldata *gd, thread_t td)
{
	thread_t it;

	TAILQ_FOREACH(it, &gd->gd_tdallq, td_allq)
		if (it == td)
			return (1);
	return (0);
}

/* ------------------------------------------------------- scheduling */

static char order_log[64];
static int order_len, order_done;

static void
log_char(char c)
{
	if (order_len < (int)sizeof(order_log) - 1)
		order_log[order_len++] = c;
}

static void
yielder(void *arg)
{
	int i;

	for (i = 0; i < 4; i++) {
		log_char((char)(intptr_t)arg);
		lwkt_yield();
	}
	lt_inc(&order_done);
}

/* Threads of equal priority on a CPU take turns when they yield. */
static void
equal_priority_threads_take_turns_on_yield(void **state)
{
	memset(order_log, 0, sizeof(order_log));
	order_len = order_done = 0;
	lt_spawn(yielder, (void *)(intptr_t)'a', 1, TDPRI_KERN_DAEMON, "a");
	lt_spawn(yielder, (void *)(intptr_t)'b', 1, TDPRI_KERN_DAEMON, "b");
	lt_wait_count(&order_done, 2);
	assert_string_equal(order_log, "abababab");
}

static void
logger(void *arg)
{
	log_char((char)(intptr_t)arg);
	lt_inc(&order_done);
}

/* The highest-priority runnable thread of a CPU runs first. */
static void
higher_priority_runs_first(void **state)
{
	memset(order_log, 0, sizeof(order_log));
	order_len = order_done = 0;
	lt_spawn(logger, (void *)(intptr_t)'l', 2, TDPRI_KERN_USER, "low");
	lt_spawn(logger, (void *)(intptr_t)'m', 2, TDPRI_KERN_DAEMON, "mid");
	lt_spawn(logger, (void *)(intptr_t)'h', 2, TDPRI_SOFT_NORM, "high");
	lt_wait_count(&order_done, 3);
	assert_string_equal(order_log, "hml");
}

static struct {
	thread_t	td;
	int		blocked;
	int		resumed_on;
	int		done;
} rs;

static void
blocker(void *arg)
{
	thread_t td = curthread;

	crit_enter();
	lt_store(&rs.blocked, 1);
	lwkt_deschedule_self(td);
	lwkt_switch();
	crit_exit();
	rs.resumed_on = mycpuid;
	lt_inc(&rs.done);
}

/* Scheduling another CPU's thread asks it by IPI; it runs there. */
static void
scheduling_a_thread_of_another_cpu_goes_by_ipi(void **state)
{
	struct globaldata *gd = mycpu;
	uint64_t sent;

	memset(&rs, 0, sizeof(rs));
	rs.td = lt_spawn(blocker, NULL, 3, TDPRI_KERN_DAEMON, "blocked");
	lt_wait_count(&rs.blocked, 1);
	lt_settle();
	assert_int_equal(rs.td->td_flags & TDF_RUNQ, 0);
	sent = gd->gd_cnt_ipi_sent;
	lwkt_schedule(rs.td);
	assert_int_equal(gd->gd_cnt_ipi_sent, sent + 1);
	assert_int_equal(rs.done, 0);		/* cpu3 has not run yet */
	lt_wait_count(&rs.done, 1);
	assert_int_equal(rs.resumed_on, 3);
}

/* -------------------------------------------------------- migration */

#define HOPS	8

static struct lwkt_token mig_tok = LWKT_TOKEN_INITIALIZER(mig_tok);

static struct {
	int	cpu[HOPS + 1];		/* mycpuid after each hop */
	int	gd_ok;			/* td_gd, mycpu, tdallq ok */
	int	tok_ok;			/* token held on arrival */
	int	sum;			/* stack state carried along */
	int	done;
} mig;

static void
migrator(void *arg)
{
	thread_t td = curthread;
	struct globaldata *from;
	int hop, target, sum = 0;

	mig.gd_ok = mig.tok_ok = 1;
	mig.cpu[0] = mycpuid;
	lwkt_gettoken(&mig_tok);
	for (hop = 1; hop <= HOPS; hop++) {
		from = mycpu;
		target = (mycpuid + hop) % NCPU;
		if (target == mycpuid)
			target = (target + 1) % NCPU;
		lwkt_migratecpu(target);
		sum += hop;
		mig.cpu[hop] = mycpuid;
		if (td->td_gd != mycpu || mycpuid != target ||
		    !on_tdallq(mycpu, td) || on_tdallq(from, td))
			mig.gd_ok = 0;
		if (!lwkt_token_held_excl(&mig_tok) ||
		    mig_tok.t_ref->tr_owner != td)
			mig.tok_ok = 0;
	}
	lwkt_reltoken(&mig_tok);
	mig.sum = sum;
	lt_inc(&mig.done);
}

/* A migrating thread lands on the target with its stack and tokens. */
static void
migrated_thread_lands_on_the_target_and_keeps_running(void **state)
{
	int hop;

	memset(&mig, 0, sizeof(mig));
	lt_spawn(migrator, NULL, 1, TDPRI_KERN_DAEMON, "migrator");
	lt_wait_count(&mig.done, 1);
	assert_int_equal(mig.cpu[0], 1);
	for (hop = 1; hop <= HOPS; hop++)
		assert_int_not_equal(mig.cpu[hop], mig.cpu[hop - 1]);
	assert_true(mig.gd_ok);
	assert_true(mig.tok_ok);
	assert_int_equal(mig.sum, HOPS * (HOPS + 1) / 2);
	assert_null(mig_tok.t_ref);
}

/* ------------------------------------------------------------ exit */

static struct {
	thread_t	first, second;
	int		errors;
	int		cached_after_exit;
	int		cached_after_reuse;
	int		exited;
	int		done;
} ex;

static void
exiter(void *arg)
{
	lt_inc(&ex.exited);
}

static void
recycler(void *arg)
{
	struct globaldata *gd = mycpu;
	int n0;

	ex.errors += lwkt_create(exiter, NULL, &ex.first, 0, -1, "exit1");
	n0 = gd->gd_nfreetd;		/* exit1 may come from the cache */
	while (lt_load(&ex.exited) < 1 || gd->gd_nfreetd == n0)
		tsleep(&ex, 0, "reap", 1);
	ex.cached_after_exit = gd->gd_nfreetd - n0;
	ex.errors += lwkt_create(exiter, NULL, &ex.second, 0, -1, "exit2");
	ex.cached_after_reuse = gd->gd_nfreetd - n0;
	lt_inc(&ex.done);
}

/* An exited thread is cached and its struct reused by the next one. */
static void
exited_thread_is_recycled_through_the_thread_cache(void **state)
{
	memset(&ex, 0, sizeof(ex));
	lt_spawn(recycler, NULL, 2, TDPRI_KERN_DAEMON, "recycler");
	lt_wait_count(&ex.done, 1);
	lt_wait_count(&ex.exited, 2);
	lt_settle();
	assert_int_equal(ex.errors, 0);
	assert_int_equal(ex.cached_after_exit, 1);
	assert_int_equal(ex.cached_after_reuse, 0);
	assert_ptr_equal(ex.second, ex.first);
	assert_false(on_tdallq(globaldata_find(2), ex.first));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(equal_priority_threads_take_turns_on_yield),
		cmocka_unit_test(higher_priority_runs_first),
		cmocka_unit_test(
		    scheduling_a_thread_of_another_cpu_goes_by_ipi),
		cmocka_unit_test(
		    migrated_thread_lands_on_the_target_and_keeps_running),
		cmocka_unit_test(
		    exited_thread_is_recycled_through_the_thread_cache),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
