/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_token_test.c - serializing tokens (lwkt/lwkt_token.c) on four
 * simulated CPUs: a token is held only while its thread runs (released
 * when it blocks, all taken back before it resumes), shared holders run
 * together and keep an exclusive one out, taking tokens in any order
 * never deadlocks, recursion is allowed and release is LIFO, and the
 * illegal uses panic with a sentence naming the token.
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
#define BOUND		200000		/* yields before giving up */

extern int panicking;

static struct lwkt_token tok_a = LWKT_TOKEN_INITIALIZER(tok_a);
static struct lwkt_token tok_b = LWKT_TOKEN_INITIALIZER(tok_b);

static int
setup(void **state)
{
	lt_boot(NCPU);
	return (0);
}

/* Spin at the platform's yield point until *p == v; 0 if it never was. */
static int
spin_until(const int *p, int v)
{
	int i;

	for (i = 0; i < BOUND; i++) {
		if (lt_load(p) == v)
			return (1);
		plat_cpu_yield_hint();
	}
	return (0);
}

static void
assert_token_free(lwkt_token_t tok)
{
	assert_int_equal(tok->t_count & ~TOK_EXCLREQ, 0);
	assert_null(tok->t_ref);
}

/* ------------------------------------------- blocking releases tokens */

static struct {
	int	a_holds;	/* A has both tokens and goes to sleep */
	int	b_took;		/* B got both while A slept */
	int	b_holding;	/* B holds them right now */
	int	b_saw_a_run;	/* A ran while B still held them */
	int	a_resumed;
	int	a_resumed_early; /* A resumed while B held its tokens */
	int	a_has_back;	/* A holds both after tsleep */
	int	done;
} blk;
static int blk_chan;

static void
blk_sleeper(void *arg)
{
	thread_t td = curthread;

	lwkt_gettoken(&tok_a);
	lwkt_gettoken_shared(&tok_b);
	lt_store(&blk.a_holds, 1);
	tsleep(&blk_chan, 0, "blk", 0);
	blk.a_resumed_early = lt_load(&blk.b_holding);
	blk.a_has_back = lwkt_token_held_excl(&tok_a) &&
	    lwkt_token_held(&tok_b) && tok_a.t_ref != NULL &&
	    tok_a.t_ref->tr_owner == td && (tok_b.t_count & TOK_EXCLUSIVE) == 0;
	lt_store(&blk.a_resumed, 1);
	lwkt_reltoken(&tok_b);
	lwkt_reltoken(&tok_a);
	lt_inc(&blk.done);
}

static void
blk_taker(void *arg)
{
	if (!spin_until(&blk.a_holds, 1))
		return;
	lwkt_gettoken(&tok_a);
	lwkt_gettoken(&tok_b);		/* exclusive: A's share gone */
	lt_store(&blk.b_took, 1);
	lt_store(&blk.b_holding, 1);
	wakeup(&blk_chan);
	/* A is runnable now; its CPU must not run it while we hold these. */
	lt_yield_cpus(2000);
	blk.b_saw_a_run = lt_load(&blk.a_resumed);
	lt_store(&blk.b_holding, 0);
	lwkt_reltoken(&tok_b);
	lwkt_reltoken(&tok_a);
	lt_inc(&blk.done);
}

/* A blocked holder's tokens go to others and come back before it runs. */
static void
token_released_while_blocked_and_back_before_resume(void **state)
{
	memset(&blk, 0, sizeof(blk));
	lt_spawn(blk_sleeper, NULL, 1, TDPRI_KERN_DAEMON, "sleeper");
	lt_spawn(blk_taker, NULL, 2, TDPRI_KERN_DAEMON, "taker");
	lt_wait_count(&blk.done, 2);
	assert_true(blk.b_took);
	assert_false(blk.b_saw_a_run);
	assert_false(blk.a_resumed_early);
	assert_true(blk.a_has_back);
	assert_token_free(&tok_a);
	assert_token_free(&tok_b);
}

/* ----------------------------------------------------- shared tokens */

static struct {
	int	inside;		/* shared holders inside now */
	int	together;	/* both shared holders in at once */
	int	x_try;		/* trytoken while they were in */
	int	x_waiting;
	int	x_got;
	int	x_saw_inside;	/* shared holders in when X got it */
	int	s_saw_x;	/* X got it while a shared holder was in */
	int	done;
} shr;

static void
shr_reader(void *arg)
{
	lwkt_gettoken_shared(&tok_a);
	lt_inc(&shr.inside);
	if (spin_until(&shr.inside, 2))
		lt_store(&shr.together, 1);
	/* Stay in until X asks, and a while longer. */
	spin_until(&shr.x_waiting, 1);
	lt_yield_cpus(500);
	if (lt_load(&shr.x_got))
		lt_store(&shr.s_saw_x, 1);
	__atomic_sub_fetch(&shr.inside, 1, __ATOMIC_SEQ_CST);
	lwkt_reltoken(&tok_a);
	lt_inc(&shr.done);
}

static void
shr_writer(void *arg)
{
	spin_until(&shr.inside, 2);
	shr.x_try = lwkt_trytoken(&tok_a);
	if (shr.x_try)
		lwkt_reltoken(&tok_a);
	lt_store(&shr.x_waiting, 1);
	lwkt_gettoken(&tok_a);
	shr.x_saw_inside = lt_load(&shr.inside);
	lt_store(&shr.x_got, 1);
	lt_yield_cpus(10);
	lwkt_reltoken(&tok_a);
	lt_inc(&shr.done);
}

/* Shared holders on two CPUs run together and keep an exclusive one out. */
static void
shared_holders_run_together_and_exclude_exclusive(void **state)
{
	memset(&shr, 0, sizeof(shr));
	lt_spawn(shr_reader, NULL, 1, TDPRI_KERN_DAEMON, "reader1");
	lt_spawn(shr_reader, NULL, 2, TDPRI_KERN_DAEMON, "reader2");
	lt_spawn(shr_writer, NULL, 3, TDPRI_KERN_DAEMON, "writer");
	lt_wait_count(&shr.done, 3);
	assert_true(shr.together);
	assert_false(shr.x_try);
	assert_true(shr.x_got);
	assert_int_equal(shr.x_saw_inside, 0);
	assert_false(shr.s_saw_x);
	assert_token_free(&tok_a);
}

/* ------------------------------------------------ order never matters */

#define ORDER_ROUNDS	3000

struct order_worker {
	lwkt_token_t	first, second;
	uint32_t	seed;
	int		rounds;
	int		violations;
};

static int order_inside, order_done;

static void
order_loop(void *arg)
{
	struct order_worker *w = arg;
	int i;

	for (i = 0; i < ORDER_ROUNDS; i++) {
		lwkt_gettoken(w->first);
		lt_yield_cpus(lt_rand(&w->seed) % 3);
		lwkt_gettoken(w->second);
		if (lt_inc(&order_inside) != 1)
			w->violations++;
		lt_yield_cpus(lt_rand(&w->seed) % 2);
		if (lt_load(&order_inside) != 1)
			w->violations++;
		__atomic_sub_fetch(&order_inside, 1, __ATOMIC_SEQ_CST);
		lwkt_reltoken(w->second);
		lwkt_reltoken(w->first);
		lt_yield_cpus(lt_rand(&w->seed) % 3);
		w->rounds++;
	}
	lt_inc(&order_done);
}

/* Taking two tokens in opposite orders never deadlocks (stress). */
static void
opposite_order_tokens_never_deadlock(void **state)
{
	struct order_worker w[4] = {
		{ &tok_a, &tok_b, 0x1234567, 0, 0 },
		{ &tok_b, &tok_a, 0x89abcde, 0, 0 },
		{ &tok_a, &tok_b, 0x2468ace, 0, 0 },
		{ &tok_b, &tok_a, 0x13579bd, 0, 0 },
	};
	uint64_t colls = tok_a.t_collisions + tok_b.t_collisions;
	int i;

	order_done = 0;
	/* A livelock shows as endless CPU switching: fail it, do not hang. */
	fakeplat_set_switch_budget(5000000);
	lt_spawn(order_loop, &w[0], 1, TDPRI_KERN_DAEMON, "order1");
	lt_spawn(order_loop, &w[1], 2, TDPRI_KERN_DAEMON, "order2");
	lt_spawn(order_loop, &w[2], 3, TDPRI_KERN_DAEMON, "order3");
	lt_spawn(order_loop, &w[3], 1, TDPRI_KERN_DAEMON, "order4");
	lt_wait_count(&order_done, 4);
	fakeplat_set_switch_budget(FAKEPLAT_SWITCH_BUDGET);
	for (i = 0; i < 4; i++) {
		assert_int_equal(w[i].rounds, ORDER_ROUNDS);
		assert_int_equal(w[i].violations, 0);
	}
	/* The test means something only if the threads really collided. */
	assert_true(tok_a.t_collisions + tok_b.t_collisions - colls > 100);
	assert_token_free(&tok_a);
	assert_token_free(&tok_b);
}

/* ------------------------------------------------ one thread's stack */

/* Tokens nest: exclusive twice, then shared; released in reverse order. */
static void
recursion_allowed_and_release_is_lifo(void **state)
{
	thread_t td = curthread;

	lwkt_gettoken(&tok_a);
	lwkt_gettoken(&tok_a);
	lwkt_gettoken_shared(&tok_a);	/* exclusive, then shared: fine */
	lwkt_gettoken(&tok_b);
	assert_int_equal(td->td_toks_stop - td->td_toks_array, 4);
	assert_true(lwkt_token_held_excl(&tok_a));
	lwkt_reltoken(&tok_b);
	assert_false(lwkt_token_held(&tok_b));
	lwkt_reltoken(&tok_a);
	lwkt_reltoken(&tok_a);
	assert_true(lwkt_token_held_excl(&tok_a));
	assert_int_equal(tok_a.t_count & TOK_EXCLUSIVE, TOK_EXCLUSIVE);
	lwkt_reltoken(&tok_a);
	assert_false(lwkt_token_held(&tok_a));
	ASSERT_NO_TOKENS_HELD(td);
	assert_token_free(&tok_a);
	assert_token_free(&tok_b);
}

static void
release_out_of_order(void *arg)
{
	lwkt_gettoken(&tok_a);
	lwkt_gettoken(&tok_b);
	lwkt_reltoken(&tok_a);
}

/* Releasing a token that is not the newest one panics, naming both. */
static void
releasing_out_of_order_panics(void **state)
{
	panicking = 0;
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(release_out_of_order, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "releases tok_a, not its newest token tok_b"));
	panicking = 0;
	/* The panic left both on the stack: release them properly. */
	lwkt_reltoken(&tok_b);
	lwkt_reltoken(&tok_a);
	ASSERT_NO_TOKENS_HELD(curthread);
	assert_token_free(&tok_a);
	assert_token_free(&tok_b);
}

static void
shared_then_exclusive(void *arg)
{
	lwkt_gettoken_shared(&tok_a);
	lwkt_gettoken(&tok_a);
}

/* Asking for a token exclusively while holding it shared panics. */
static void
shared_then_exclusive_panics(void **state)
{
	panicking = 0;
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(shared_then_exclusive, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "token tok_a: thread thread0"));
	assert_non_null(strstr(fakeplat_console_output(),
	    "asks for it exclusive while holding it shared"));
	panicking = 0;
	curthread->td_toks_stop--;	/* the exclusive ref never held */
	lwkt_reltoken(&tok_a);
	ASSERT_NO_TOKENS_HELD(curthread);
	assert_token_free(&tok_a);
}

/* ------------------------------------------------ contention details */

static struct {
	int	holding;	/* H holds tok_a on cpu2 */
	int	other_ran;	/* the other thread of cpu1 ran */
	int	h_gave_up;
	int	w_got;
	int	done;
} cnt;

static void
cnt_holder(void *arg)
{
	lwkt_gettoken(&tok_a);
	lt_store(&cnt.holding, 1);
	if (!spin_until(&cnt.other_ran, 1))
		lt_store(&cnt.h_gave_up, 1);
	lwkt_reltoken(&tok_a);
	lt_inc(&cnt.done);
}

static void
cnt_waiter(void *arg)
{
	lwkt_gettoken(&tok_a);
	lt_store(&cnt.w_got, 1);
	lwkt_reltoken(&tok_a);
	lt_inc(&cnt.done);
}

static void
cnt_other(void *arg)
{
	lt_store(&cnt.other_ran, 1);
	lt_inc(&cnt.done);
}

/* A thread waiting for a token lets its CPU run other threads. */
static void
thread_waiting_for_a_token_lets_its_cpu_run_others(void **state)
{
	uint64_t colls = tok_a.t_collisions;

	memset(&cnt, 0, sizeof(cnt));
	lt_spawn(cnt_holder, NULL, 2, TDPRI_KERN_DAEMON, "holder");
	lt_wait_count(&cnt.holding, 1);
	/* Both on cpu1, the waiter first in line. */
	lt_spawn(cnt_waiter, NULL, 1, TDPRI_KERN_DAEMON, "waiter");
	lt_spawn(cnt_other, NULL, 1, TDPRI_KERN_DAEMON, "other");
	lt_wait_count(&cnt.done, 3);
	assert_false(cnt.h_gave_up);
	assert_true(cnt.w_got);
	assert_true(tok_a.t_collisions > colls);
	assert_token_free(&tok_a);
}

static int try_result, try_done;

static void
try_holder(void *arg)
{
	lwkt_gettoken(&tok_b);
	lt_store(&cnt.holding, 1);
	spin_until(&try_done, 1);
	lwkt_reltoken(&tok_b);
	lt_inc(&cnt.done);
}

static struct {
	thread_t	waiter;
	int		probes_failed;
	int		done;
} aon;

static void
aon_holder(void *arg)
{
	lwkt_gettoken(&tok_b);
	lt_store(&cnt.holding, 1);
	spin_until(&aon.done, 1);
	lwkt_reltoken(&tok_b);
	lt_inc(&cnt.done);
}

static void
aon_waiter(void *arg)
{
	lwkt_gettoken(&tok_a);
	lwkt_gettoken(&tok_b);		/* held on cpu2: we wait */
	lwkt_reltoken(&tok_b);
	lwkt_reltoken(&tok_a);
	lt_inc(&cnt.done);
}

static void
aon_prober(void *arg)
{
	int i;

	/* Once the waiter has given up its CPU, tok_a must stay free. */
	while (__atomic_load_n(&aon.waiter->td_wmesg, __ATOMIC_SEQ_CST) ==
	    NULL)
		plat_cpu_yield_hint();
	for (i = 0; i < 200; i++) {
		if (lwkt_trytoken(&tok_a))
			lwkt_reltoken(&tok_a);
		else
			aon.probes_failed++;
		plat_cpu_yield_hint();
	}
	lt_store(&aon.done, 1);
	lt_inc(&cnt.done);
}

/* The scheduler takes a thread's tokens all or nothing. */
static void
waiting_thread_holds_none_of_its_tokens(void **state)
{
	/* The waiter wants tok_b (held): a prober finds its tok_a free. */
	memset(&cnt, 0, sizeof(cnt));
	memset(&aon, 0, sizeof(aon));
	lt_spawn(aon_holder, NULL, 2, TDPRI_KERN_DAEMON, "aonhold");
	lt_wait_count(&cnt.holding, 1);
	aon.waiter = lt_spawn(aon_waiter, NULL, 1, TDPRI_KERN_DAEMON,
	    "aonwait");
	lt_spawn(aon_prober, NULL, 3, TDPRI_KERN_DAEMON, "aonprobe");
	lt_wait_count(&cnt.done, 3);
	assert_int_equal(aon.probes_failed, 0);
	assert_token_free(&tok_a);
	assert_token_free(&tok_b);
}

/* lwkt_trytoken fails at once on a held token and leaves no trace. */
static void
trytoken_fails_without_blocking_or_queueing(void **state)
{
	thread_t td = curthread;

	memset(&cnt, 0, sizeof(cnt));
	try_done = 0;
	lt_spawn(try_holder, NULL, 1, TDPRI_KERN_DAEMON, "tryhold");
	fakeplat_run_until(lt_flag, &cnt.holding);
	try_result = lwkt_trytoken(&tok_b);
	assert_false(try_result);
	ASSERT_NO_TOKENS_HELD(td);
	assert_int_equal(tok_b.t_count & TOK_EXCLREQ, 0);
	lt_store(&try_done, 1);
	lt_wait_count(&cnt.done, 1);
	assert_true(lwkt_trytoken(&tok_b));
	lwkt_reltoken(&tok_b);
	assert_token_free(&tok_b);
}

/* A pool token is the same token for the same address, every time. */
static void
pool_token_is_stable_per_address(void **state)
{
	static char objs[64];
	lwkt_token_t t = lwkt_token_pool_lookup(&objs[0]);
	int i, distinct = 0;

	assert_ptr_equal(lwkt_token_pool_lookup(&objs[0]), t);
	for (i = 1; i < 64; i++)
		if (lwkt_token_pool_lookup(&objs[i]) != t)
			distinct++;
	assert_true(distinct > 0);
	lwkt_getpooltoken(&objs[0]);
	assert_true(lwkt_token_held_excl(t));
	lwkt_relpooltoken(&objs[0]);
	assert_false(lwkt_token_held(t));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    token_released_while_blocked_and_back_before_resume),
		cmocka_unit_test(
		    shared_holders_run_together_and_exclude_exclusive),
		cmocka_unit_test(opposite_order_tokens_never_deadlock),
		cmocka_unit_test(recursion_allowed_and_release_is_lifo),
		cmocka_unit_test(releasing_out_of_order_panics),
		cmocka_unit_test(shared_then_exclusive_panics),
		cmocka_unit_test(
		    thread_waiting_for_a_token_lets_its_cpu_run_others),
		cmocka_unit_test(waiting_thread_holds_none_of_its_tokens),
		cmocka_unit_test(trytoken_fails_without_blocking_or_queueing),
		cmocka_unit_test(pool_token_is_stable_per_address),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
