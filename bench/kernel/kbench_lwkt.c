/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kbench_lwkt.c - LWKT costs, measured inside the kernel (`kbench lwkt'):
 *
 *   lwkt.switch        one thread switch: two threads on one CPU yielding
 *   lwkt.token         uncontended lwkt_gettoken + lwkt_reltoken
 *   lwkt.ipi_idle      IPI to an idle CPU and an IPI back (round trip)
 *   lwkt.ipi_busy      the same with the target CPU busy in a thread
 *   lwkt.sleep_pingpong tsleep/wakeup round trip between two CPUs
 *
 * The IPI and ping-pong cases need two CPUs and are skipped with a note
 * on one.  bench/lwkt.py runs this and the host anchors.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <sys/globaldata.h>
#include <sys/token.h>
#include <sys/ipiq.h>
#include <sys/kbench.h>
#include <cpu/x86_64/cpufunc.h>
#include <plat/plat.h>

#define SWITCH_OPS	200000
#define TOKEN_OPS	2000000
#define IPI_OPS		20000
#define PING_OPS	20000

static volatile int kb_go, kb_stop, kb_flag;
static int kb_done;			/* [a] finished helper threads */
static uint64_t kb_t0, kb_t1;

static void
kb_wait_done(int n)
{
	while (__atomic_load_n(&kb_done, __ATOMIC_ACQUIRE) < n)
		tsleep(&kb_done, 0, "kbwait", 1);
}

static void
kb_finish(void)
{
	__atomic_fetch_add(&kb_done, 1, __ATOMIC_RELEASE);
	wakeup(&kb_done);
}

/* ------------------------------------------------------------- switch */

static void
kb_yielder(void *arg)
{
	int i;

	while (!kb_go)
		lwkt_yield();
	if (arg != NULL)
		kb_t0 = plat_clock_ns();
	for (i = 0; i < SWITCH_OPS; i++)
		lwkt_yield();
	kb_t1 = plat_clock_ns();
	kb_finish();
}

static void
kb_switch(void)
{
	kb_go = 0;
	kb_done = 0;
	lwkt_create(kb_yielder, (void *)1, NULL, 0, 0, "kb-yield0");
	lwkt_create(kb_yielder, NULL, NULL, 0, 0, "kb-yield1");
	tsleep(&kb_go, 0, "kbstart", 10);
	kb_go = 1;
	kb_wait_done(2);
	kbench_report("lwkt.switch", kb_t1 - kb_t0, 2ull * SWITCH_OPS);
}
KBENCH(lwkt, switch, kb_switch);

/* -------------------------------------------------------------- token */

/*
 * Five batches, the fastest reported: on a shared host the slow ones
 * measure the neighbours (the scripts take medians across boots).
 */
static void
kb_token(void)
{
	struct lwkt_token tok = LWKT_TOKEN_INITIALIZER(kbench);
	uint64_t t0, dt, best = ~0ull;
	int b, i;

	for (b = 0; b < 5; b++) {
		t0 = plat_clock_ns();
		for (i = 0; i < TOKEN_OPS / 5; i++) {
			lwkt_gettoken(&tok);
			lwkt_reltoken(&tok);
		}
		dt = plat_clock_ns() - t0;
		if (dt < best)
			best = dt;
	}
	kbench_report("lwkt.token", best, TOKEN_OPS / 5);
}
KBENCH(lwkt, token, kb_token);

/* ---------------------------------------------------------------- IPI */

static void
kb_ipi_ack(void *arg, int unused)
{
	kb_flag = 1;
}

static void
kb_ipi_ping(void *arg, int src)
{
	lwkt_send_ipiq(src, kb_ipi_ack, NULL);
}

static void
kb_spinner(void *arg)
{
	while (!kb_stop)
		cpu_pause();		/* busy, interrupts enabled */
	kb_finish();
}

/* From a thread on cpu0: IPI_OPS round trips to cpu1. */
static uint64_t
kb_ipi_rounds(void)
{
	uint64_t t0;
	int i;

	lwkt_migratecpu(0);
	t0 = plat_clock_ns();
	for (i = 0; i < IPI_OPS; i++) {
		kb_flag = 0;
		lwkt_send_ipiq2(1, kb_ipi_ping, NULL, 0);
		while (!kb_flag) {
			crit_enter();
			lwkt_process_ipiq();
			crit_exit();
			cpu_pause();
		}
	}
	return (plat_clock_ns() - t0);
}

static void
kb_ipi(void)
{
	if (ncpus < 2) {
		kprintf("kbench lwkt.ipi_idle: skipped (one CPU)\n");
		return;
	}
	kbench_report("lwkt.ipi_idle", kb_ipi_rounds(), IPI_OPS);
	kb_stop = 0;
	kb_done = 0;
	lwkt_create(kb_spinner, NULL, NULL, 0, 1, "kb-spin");
	tsleep(&kb_stop, 0, "kbstart", 10);
	kbench_report("lwkt.ipi_busy", kb_ipi_rounds(), IPI_OPS);
	kb_stop = 1;
	kb_wait_done(1);
}
KBENCH(lwkt, ipi, kb_ipi);

/* ---------------------------------------------------------- ping-pong */

static void
kb_pp_wait(int want)
{
	while (kb_flag != want) {
		tsleep_interlock(&kb_flag, 0);
		if (kb_flag == want) {
			tsleep_cancel();
			break;
		}
		tsleep(&kb_flag, PINTERLOCKED, "kbpp", 0);
	}
}

static void
kb_ponger(void *arg)
{
	int i;

	for (i = 0; i < PING_OPS; i++) {
		kb_pp_wait(1);
		kb_flag = 0;
		wakeup(&kb_flag);
	}
	kb_finish();
}

static void
kb_pingpong(void)
{
	uint64_t t0;
	int i;

	if (ncpus < 2) {
		kprintf("kbench lwkt.sleep_pingpong: skipped (one CPU)\n");
		return;
	}
	kb_flag = 0;
	kb_done = 0;
	lwkt_migratecpu(0);
	lwkt_create(kb_ponger, NULL, NULL, 0, 1, "kb-pong");
	t0 = plat_clock_ns();
	for (i = 0; i < PING_OPS; i++) {
		kb_flag = 1;
		wakeup(&kb_flag);
		kb_pp_wait(0);
	}
	kbench_report("lwkt.sleep_pingpong", plat_clock_ns() - t0, PING_OPS);
	kb_wait_done(1);
}
KBENCH(lwkt, pingpong, kb_pingpong);
