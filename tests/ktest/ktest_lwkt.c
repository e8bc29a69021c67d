/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ktest_lwkt.c - LWKT under real concurrency: `ktest lwkt'.
 *
 * lwkt.stress starts three worker threads per CPU and a ping-pong pair,
 * lets them run for the given seconds (default 10) and then checks that
 * every invariant held and every counter adds up:
 *  - tokens: read-modify-write of a counter under an exclusive token,
 *    with a window in the middle, never loses an update; a thread that
 *    yields holding tokens holds them again when it resumes;
 *  - migration: a thread asked to move runs on the target CPU;
 *  - sleep/wakeup: a ping-pong pair on two CPUs never loses a wake-up
 *    (a lost one would surface as a 5-second timeout);
 *  - callouts: none fires early; armed = fired + stopped at the end;
 *  - IPIs: calls from one CPU to another run in the order sent, and as
 *    many run as were sent;
 *  - short timed sleeps never return before their time.
 * Counters are shared by all CPUs and updated atomically; the token
 * counters only under their token.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/callout.h>
#include <sys/ipiq.h>
#include <sys/ktest.h>
#include "ktest_util.h"
#include <sys/errno.h>
#include <cpu/x86_64/cpufunc.h>
#include <string.h>
#include <plat/plat.h>

#define NTOK		4
#define WORKERS_PER_CPU	3
#define MAXWORKERS	(WORKERS_PER_CPU * PLAT_MAXCPU)
#define PING_TIMEOUT	(5 * hz)

struct stress_worker {
	int		id;
	uint64_t	rng;
	struct callout	co;
	uint64_t	co_deadline;
};

static struct lwkt_token stress_tok[NTOK];
static uint64_t tok_counter[NTOK];	/* under stress_tok[i], exclusive */
static struct stress_worker workers[MAXWORKERS];

static volatile int stress_stop;
static int nrunning;			/* [a] */
static uint64_t n_tokops, n_migrations, n_migrate_bad, n_yield_lost;
static uint64_t n_pings, n_lost_wakeups, n_early_sleeps, n_sleeps;
static uint64_t n_armed, n_fired, n_stopped, n_early_fires;
static uint64_t n_ipi_sent, n_ipi_run, n_ipi_order;
static uint32_t ipi_sent_seq[PLAT_MAXCPU][PLAT_MAXCPU];	/* [c] sender */
static uint32_t ipi_recv_seq[PLAT_MAXCPU][PLAT_MAXCPU];	/* [c] target */
static volatile int ping_flag;		/* the ping-pong ball */

#define ADD(v, n)	__atomic_fetch_add(&(v), (n), __ATOMIC_RELAXED)

static void
op_tokens(struct stress_worker *w)
{
	int a = ktest_rnd(&w->rng) % NTOK;
	int b = (a + 1 + ktest_rnd(&w->rng) % (NTOK - 1)) % NTOK;
	int shared_b = ktest_rnd(&w->rng) & 1, i;
	uint64_t v;

	lwkt_gettoken(&stress_tok[a]);
	if (shared_b)
		lwkt_gettoken_shared(&stress_tok[b]);
	else
		lwkt_gettoken(&stress_tok[b]);
	v = tok_counter[a];
	for (i = 0; i < 64; i++)
		cpu_pause();			/* a window for races */
	tok_counter[a] = v + 1;
	if ((ktest_rnd(&w->rng) & 7) == 0) {
		lwkt_yield();			/* tokens go and come back */
		if (!lwkt_token_held_excl(&stress_tok[a]) ||
		    !lwkt_token_held(&stress_tok[b]))
			ADD(n_yield_lost, 1);
	}
	if (!shared_b) {
		v = tok_counter[b];
		tok_counter[b] = v + 1;
	}
	lwkt_reltoken(&stress_tok[b]);
	lwkt_reltoken(&stress_tok[a]);
	ADD(n_tokops, shared_b ? 1 : 2);
}

static void
op_migrate(struct stress_worker *w)
{
	int cpu = ktest_rnd(&w->rng) % ncpus;

	lwkt_migratecpu(cpu);
	if (mycpuid != cpu)
		ADD(n_migrate_bad, 1);
	ADD(n_migrations, 1);
}

static void
stress_callout(void *arg)
{
	struct stress_worker *w = arg;

	if (plat_clock_ns() < w->co_deadline)
		ADD(n_early_fires, 1);
	ADD(n_fired, 1);
}

static void
op_callout(struct stress_worker *w)
{
	int ticks = 1 + ktest_rnd(&w->rng) % 5;

	/* Drain, not stop: the callback reads co_deadline, so it must not
	 * be running on another CPU while we re-arm. */
	if (callout_drain(&w->co))
		ADD(n_stopped, 1);
	w->co_deadline = plat_clock_ns() + (uint64_t)ticks *
	    (1000000000ull / hz);
	callout_reset(&w->co, ticks, stress_callout, w);
	ADD(n_armed, 1);
}

static void
stress_ipi(void *arg, int seq)
{
	int src = (int)(uintptr_t)arg, dst = mycpuid;

	if ((uint32_t)seq != ipi_recv_seq[src][dst] + 1)
		ADD(n_ipi_order, 1);
	ipi_recv_seq[src][dst] = (uint32_t)seq;
	ADD(n_ipi_run, 1);
}

static void
op_ipi(struct stress_worker *w)
{
	int dst = ktest_rnd(&w->rng) % ncpus, src;

	crit_enter();
	src = mycpuid;
	lwkt_send_ipiq2(dst, stress_ipi, (void *)(uintptr_t)src,
	    (int)++ipi_sent_seq[src][dst]);
	crit_exit();
	ADD(n_ipi_sent, 1);
}

static void
op_sleep(struct stress_worker *w)
{
	uint64_t t0 = plat_clock_ns();
	int ident;

	if (tsleep(&ident, 0, "nap", 1) != EWOULDBLOCK ||
	    plat_clock_ns() - t0 < 1000000000ull / hz)
		ADD(n_early_sleeps, 1);
	ADD(n_sleeps, 1);
}

static void
stress_worker_main(void *arg)
{
	struct stress_worker *w = arg;

	while (!stress_stop) {
		switch (ktest_rnd(&w->rng) % 8) {
		case 0: case 1: case 2:
			op_tokens(w);
			break;
		case 3:
			op_migrate(w);
			break;
		case 4:
			op_callout(w);
			break;
		case 5: case 6:
			op_ipi(w);
			break;
		default:
			op_sleep(w);
			break;
		}
		if ((ktest_rnd(&w->rng) & 3) == 0)
			lwkt_yield();
	}
	if (callout_drain(&w->co))
		ADD(n_stopped, 1);
	if (__atomic_sub_fetch(&nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&nrunning);
}

/* Wait until ping_flag == want; returns 0 or EWOULDBLOCK (lost). */
static int
ping_wait(int want)
{
	while (ping_flag != want) {
		tsleep_interlock(&ping_flag, 0);
		if (ping_flag == want) {
			tsleep_cancel();
			break;
		}
		if (tsleep(&ping_flag, PINTERLOCKED, "ping", PING_TIMEOUT) ==
		    EWOULDBLOCK && ping_flag != want)
			return (EWOULDBLOCK);
	}
	return (0);
}

static void
stress_ping_main(void *arg)
{
	int me = (int)(uintptr_t)arg;		/* 0 serves, 1 returns */

	while (!stress_stop) {
		if (ping_wait(me) != 0) {
			ADD(n_lost_wakeups, 1);
			break;
		}
		if (stress_stop)
			break;
		ping_flag = !me;
		wakeup(&ping_flag);
		ADD(n_pings, 1);
	}
	stress_stop = 1;			/* release the partner */
	ping_flag = !me;
	wakeup(&ping_flag);
	if (__atomic_sub_fetch(&nrunning, 1, __ATOMIC_SEQ_CST) == 0)
		wakeup(&nrunning);
}

static void
stress_reset(void)
{
	int i;

	stress_stop = 0;
	ping_flag = 0;
	n_tokops = n_migrations = n_migrate_bad = n_yield_lost = 0;
	n_pings = n_lost_wakeups = n_early_sleeps = n_sleeps = 0;
	n_armed = n_fired = n_stopped = n_early_fires = 0;
	n_ipi_sent = n_ipi_run = n_ipi_order = 0;
	memset(ipi_sent_seq, 0, sizeof(ipi_sent_seq));
	memset(ipi_recv_seq, 0, sizeof(ipi_recv_seq));
	for (i = 0; i < NTOK; i++) {
		lwkt_token_init(&stress_tok[i], "stress");
		tok_counter[i] = 0;
	}
}

static int
ktest_lwkt_stress(int seconds)
{
	uint64_t deadline, sum = 0;
	int i, n, error = 0;

	if (seconds == 0)
		seconds = 10;
	stress_reset();
	n = WORKERS_PER_CPU * ncpus;
	nrunning = n + 2;
	for (i = 0; i < n; i++) {
		workers[i].id = i;
		workers[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		callout_init(&workers[i].co);
		if (lwkt_create(stress_worker_main, &workers[i], NULL, 0,
		    i % ncpus, "stress%d", i) != 0)
			panic("ktest lwkt.stress: cannot create worker %d", i);
	}
	if (lwkt_create(stress_ping_main, (void *)0, NULL, 0, 0, "ping") != 0 ||
	    lwkt_create(stress_ping_main, (void *)1, NULL, 0, ncpus - 1,
	    "pong") != 0)
		panic("ktest lwkt.stress: cannot create the ping-pong pair");

	deadline = plat_clock_ns() + (uint64_t)seconds * 1000000000ull;
	while (plat_clock_ns() < deadline && !stress_stop)
		tsleep(&deadline, 0, "stress", hz / 10);
	stress_stop = 1;
	while (__atomic_load_n(&nrunning, __ATOMIC_SEQ_CST) != 0)
		tsleep(&nrunning, 0, "kwait", hz / 10);
	/* IPIs still in flight finish within a few polls. */
	for (i = 0; i < 100 && n_ipi_run != n_ipi_sent; i++)
		tsleep(&deadline, 0, "kdrain", 1);

	for (i = 0; i < NTOK; i++)
		sum += tok_counter[i];
	kprintf("lwkt.stress: %d CPUs, %d threads, %llu token ops, %llu "
	    "migrations, %llu ping-pongs, %llu callouts, %llu IPIs, %llu "
	    "naps\n", ncpus, n + 2, (unsigned long long)n_tokops,
	    (unsigned long long)n_migrations, (unsigned long long)n_pings,
	    (unsigned long long)n_armed, (unsigned long long)n_ipi_sent,
	    (unsigned long long)n_sleeps);
	if (sum != n_tokops)
		error = ktest_fail(EIO, "token counters sum to %llu, %llu "
		    "updates were made", (unsigned long long)sum,
		    (unsigned long long)n_tokops);
	if (n_yield_lost != 0)
		error = ktest_fail(EIO, "%llu threads resumed without their "
		    "tokens", (unsigned long long)n_yield_lost);
	if (n_migrate_bad != 0)
		error = ktest_fail(EIO, "%llu migrations landed elsewhere",
		    (unsigned long long)n_migrate_bad);
	if (n_lost_wakeups != 0 || n_pings < 2)
		error = ktest_fail(EIO, "ping-pong: %llu lost wake-ups, %llu "
		    "pings", (unsigned long long)n_lost_wakeups,
		    (unsigned long long)n_pings);
	if (n_early_fires != 0 || n_armed != n_fired + n_stopped)
		error = ktest_fail(EIO, "callouts: %llu early, armed %llu != "
		    "fired %llu + stopped %llu",
		    (unsigned long long)n_early_fires,
		    (unsigned long long)n_armed, (unsigned long long)n_fired,
		    (unsigned long long)n_stopped);
	if (n_ipi_order != 0 || n_ipi_run != n_ipi_sent)
		error = ktest_fail(EIO, "IPIs: %llu out of order, %llu sent, "
		    "%llu run", (unsigned long long)n_ipi_order,
		    (unsigned long long)n_ipi_sent,
		    (unsigned long long)n_ipi_run);
	if (n_early_sleeps != 0)
		error = ktest_fail(EIO, "%llu timed sleeps woke early",
		    (unsigned long long)n_early_sleeps);
	return (error);
}
KTEST(lwkt, stress, ktest_lwkt_stress);
