/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_intr_test.c - critical sections and interrupts (lwkt/lwkt_intr.c,
 * the preemption half of lwkt/lwkt_thread.c) on simulated CPUs: device
 * irqs, IPIs and timer expiries that arrive inside a critical section
 * wait for its outermost crit_exit; an interrupt thread preempts only
 * outside critical sections, the thread it preempts keeps its tokens and
 * gets the CPU back as soon as the interrupt thread blocks.
 *
 * The test's thread0 plays the interrupted thread; fakeplat_drain()
 * delivers what is pending to it, as an interrupt would.
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
#include <sys/callout.h>
#include <sys/intr.h>
#include <sys/ipiq.h>
#include <plat/plat.h>
#include "fakeplat.h"
#include "lwkt_testutil.h"

#define NCPU		2
#define IRQ_COUNT	20		/* counts its calls */
#define IRQ_WAKE	21		/* schedules the interrupt thread */

static struct lwkt_token itok = LWKT_TOKEN_INITIALIZER(itok);

static int irq_calls, ipi_calls, callout_calls;
static int irq_crit;			/* td_critcount in the handler */

static void
count_handler(void *arg)
{
	irq_calls++;
	irq_crit = curthread->td_critcount;
}

/* --------------------------------------------- the interrupt thread */

enum { IT_IDLE, IT_TRYTOKEN, IT_GETTOKEN };

static struct {
	thread_t	td;
	int		mode;		/* what to do when it runs */
	int		runs;
	thread_t	preempted;	/* td_preempted when it ran */
	int		try_ok;		/* trytoken on itok worked */
	int		got;		/* gettoken on itok returned */
} it;

static void
ithread_main(void *arg)
{
	thread_t td = curthread;

	for (;;) {
		it.runs++;
		it.preempted = td->td_preempted;
		if (it.mode == IT_TRYTOKEN) {
			it.try_ok = lwkt_trytoken(&itok);
			if (it.try_ok)
				lwkt_reltoken(&itok);
		} else if (it.mode == IT_GETTOKEN) {
			lwkt_gettoken(&itok);
			it.got = 1;
			lwkt_reltoken(&itok);
		}
		lwkt_deschedule_self(td);
		lwkt_switch();
	}
}

static void
it_reset(void)
{
	it.runs = 0;
	it.preempted = NULL;
	it.try_ok = 0;
	it.got = 0;
}

static void
schedule_it(void *arg)
{
	lwkt_schedule(it.td);
}

static void
wake_handler(void *arg)
{
	lwkt_schedule(it.td);
}

static int
setup(void **state)
{
	lt_boot(NCPU);
	assert_int_equal(intr_register(IRQ_COUNT, count_handler, NULL,
	    "count"), 0);
	assert_int_equal(intr_register(IRQ_WAKE, wake_handler, NULL,
	    "wake"), 0);
	assert_int_equal(lwkt_create(ithread_main, NULL, &it.td,
	    TDF_NOSTART | TDF_INTTHREAD, 0, "ithread"), 0);
	it.td->td_pri = TDPRI_INT_MED;
	return (0);
}

/* ------------------------------------------------------- deferral */

static void
ipi_count(void *arg, int unused)
{
	ipi_calls++;
}

static void
send_ipi_to_cpu0(void *arg)
{
	lwkt_send_ipiq(0, ipi_count, NULL);
}

static void
callout_count(void *arg)
{
	callout_calls++;
}

/* Outside a critical section an irq runs as soon as it is delivered. */
static void
irq_outside_critical_section_runs_at_once(void **state)
{
	irq_calls = 0;
	fakeplat_raise_irq(0, IRQ_COUNT);
	assert_int_equal(irq_calls, 0);		/* pending, not taken */
	assert_int_equal(fakeplat_drain(), 1);
	assert_int_equal(irq_calls, 1);
	assert_int_equal(irq_crit, 1);		/* lwkt_intr_run's own */
}

/* Irqs, IPIs and timers taken in a critical section run at its end. */
static void
interrupts_in_critical_section_run_at_outermost_exit(
    void **state)
{
	struct globaldata *gd = mycpu;
	struct callout c;

	irq_calls = ipi_calls = callout_calls = 0;
	callout_init(&c);
	crit_enter();
	crit_enter();
	fakeplat_raise_irq(0, IRQ_COUNT);
	fakeplat_run_on_cpu(1, send_ipi_to_cpu0, NULL);
	callout_reset(&c, 1, callout_count, NULL);
	fakeplat_advance_ns(2000000);
	assert_int_equal(fakeplat_drain(), 3);	/* delivered... */
	assert_int_equal(irq_calls, 0);		/* ...but none ran */
	assert_int_equal(ipi_calls, 0);
	assert_int_equal(callout_calls, 0);
	assert_int_equal(gd->gd_reqflags & RQF_IDLECHECK_MASK,
	    RQF_IPIQ | RQF_INTPEND | RQF_TIMER);
	/* Yielding with nothing better to run is no way out either. */
	lwkt_setpri_self(TDPRI_MAX);
	lwkt_yield();
	lwkt_setpri_self(TDPRI_KERN_DAEMON);
	assert_int_equal(irq_calls, 0);
	crit_exit();
	assert_int_equal(irq_calls, 0);		/* inner exit: none */
	assert_int_equal(ipi_calls, 0);
	assert_int_equal(callout_calls, 0);
	crit_exit();
	assert_int_equal(irq_calls, 1);
	assert_int_equal(ipi_calls, 1);
	assert_int_equal(callout_calls, 1);
	assert_int_equal(gd->gd_reqflags & RQF_IDLECHECK_MASK, 0);
}

/* ----------------------------------------------------- preemption */

/* An interrupt thread preempts at once; the preempted one keeps tokens. */
static void
interrupt_thread_preempts_and_preempted_one_keeps_tokens(void **state)
{
	thread_t td = curthread;
	uint64_t npreempt = mycpu->gd_cnt_preempt;

	/*
	 * thread0 holds a token; the interrupt thread runs during the drain,
	 * cannot take the token, blocks, and thread0 is back with it.
	 */
	it_reset();
	it.mode = IT_TRYTOKEN;
	lwkt_gettoken(&itok);
	fakeplat_raise_irq(0, IRQ_WAKE);
	fakeplat_drain();
	/* The interrupt thread ran and blocked before the drain returned. */
	assert_int_equal(it.runs, 1);
	assert_ptr_equal(it.preempted, td);
	assert_false(it.try_ok);
	assert_int_equal(mycpu->gd_cnt_preempt, npreempt + 1);
	assert_ptr_equal(curthread, td);
	assert_true(lwkt_token_held_excl(&itok));
	assert_ptr_equal(itok.t_ref->tr_owner, td);
	lwkt_reltoken(&itok);
}

/* An interrupt thread preempts only at the end of a critical section. */
static void
interrupt_thread_waits_for_the_end_of_a_critical_section(void **state)
{
	it_reset();
	it.mode = IT_IDLE;
	crit_enter();
	fakeplat_raise_irq(0, IRQ_WAKE);
	fakeplat_drain();
	lt_yield_cpus(10);
	assert_int_equal(it.runs, 0);
	crit_exit();
	assert_int_equal(it.runs, 1);
	assert_ptr_equal(it.preempted, curthread);
}

/* An interrupt thread woken from another CPU preempts as well. */
static void
remote_wakeup_of_an_interrupt_thread_preempts(void **state)
{
	it_reset();
	it.mode = IT_IDLE;
	crit_enter();
	fakeplat_run_on_cpu(1, schedule_it, NULL);
	fakeplat_drain();
	assert_int_equal(it.runs, 0);
	crit_exit();
	assert_int_equal(it.runs, 1);
	assert_ptr_equal(it.preempted, curthread);
}

/* An interrupt thread wanting the preempted one's token gives way. */
static void
interrupt_thread_needing_preempted_threads_token_waits(void **state)
{
	it_reset();
	it.mode = IT_GETTOKEN;
	lwkt_gettoken(&itok);
	fakeplat_raise_irq(0, IRQ_WAKE);
	fakeplat_drain();
	assert_int_equal(it.runs, 1);
	assert_false(it.got);
	assert_true(lwkt_token_held_excl(&itok));
	lwkt_reltoken(&itok);
	lwkt_yield();			/* it is better than us: it runs */
	assert_true(it.got);
	assert_null(itok.t_ref);
}

/* A lower-priority interrupt thread does not preempt. */
static void
lower_priority_interrupt_thread_does_not_preempt(void **state)
{
	it_reset();
	it.mode = IT_IDLE;
	lwkt_setpri(it.td, TDPRI_KERN_USER);
	fakeplat_raise_irq(0, IRQ_WAKE);
	fakeplat_drain();
	assert_int_equal(it.runs, 0);
	lt_wait_count(&it.runs, 1);	/* runs once we block */
	lwkt_setpri(it.td, TDPRI_INT_MED);
}

/* ------------------------------------------ sections and blocking */

static struct {
	int	crit_before, crit_after;
	int	irqs_while_asleep;
	int	done;
} blk;
static int blk_chan;

static void
blocker(void *arg)
{
	crit_enter();
	blk.crit_before = curthread->td_critcount;
	tsleep(&blk_chan, 0, "incrit", 5);
	blk.crit_after = curthread->td_critcount;
	blk.irqs_while_asleep = irq_calls;
	crit_exit();
	lt_inc(&blk.done);
}

static void
raise_on_cpu1(void *arg)
{
	fakeplat_raise_irq(1, IRQ_COUNT);
}

/* A critical section travels with a thread that blocks inside it. */
static void
critical_section_travels_with_a_blocked_thread(void **state)
{
	memset(&blk, 0, sizeof(blk));
	irq_calls = 0;
	lt_spawn(blocker, NULL, 1, TDPRI_KERN_DAEMON, "blocker");
	lt_settle();			/* it is asleep, cpu1 idle */
	fakeplat_run_on_cpu(1, raise_on_cpu1, NULL);
	lt_settle();
	assert_int_equal(irq_calls, 1);	/* cpu1 was not in a section */
	lt_wait_count(&blk.done, 1);
	assert_int_equal(blk.crit_before, 1);
	assert_int_equal(blk.crit_after, 1);
	assert_int_equal(blk.irqs_while_asleep, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(irq_outside_critical_section_runs_at_once),
		cmocka_unit_test(
		    interrupts_in_critical_section_run_at_outermost_exit),
		cmocka_unit_test(
		    interrupt_thread_preempts_and_preempted_one_keeps_tokens),
		cmocka_unit_test(
		    interrupt_thread_waits_for_the_end_of_a_critical_section),
		cmocka_unit_test(remote_wakeup_of_an_interrupt_thread_preempts),
		cmocka_unit_test(
		    interrupt_thread_needing_preempted_threads_token_waits),
		cmocka_unit_test(
		    lower_priority_interrupt_thread_does_not_preempt),
		cmocka_unit_test(
		    critical_section_travels_with_a_blocked_thread),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
