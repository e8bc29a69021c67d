/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * intr_test.c - interrupt registration and dispatch of the upcalls.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/globaldata.h>
#include <sys/intr.h>
#include <sys/monitor.h>
#include <plat/plat.h>
#include "fakeplat.h"

static int calls;
static void *seen_arg;

static void
handler(void *arg)
{
	calls++;
	seen_arg = arg;
}

static int
setup(void **state)
{
	fakeplat_boot(1, 64 << 20);
	return (0);
}

/* Out-of-range irqs and NULL handlers are refused. */
static void
register_rejects_bad_arguments(void **state)
{
	assert_int_equal(intr_register(-1, handler, NULL, "x"), EINVAL);
	assert_int_equal(intr_register(MAX_IRQ, handler, NULL, "x"), EINVAL);
	assert_int_equal(intr_register(10, NULL, NULL, "x"), EINVAL);
}

/* An irq has one handler; a second registration is EBUSY. */
static void
register_twice_is_ebusy(void **state)
{
	assert_int_equal(intr_register(11, handler, NULL, "a"), 0);
	assert_int_equal(intr_register(11, handler, NULL, "b"), EBUSY);
	/* The console registered its irq at boot. */
	assert_int_equal(intr_register(FAKEPLAT_CONS_IRQ, handler, NULL,
	    "c"), EBUSY);
}

/* A raised irq runs its handler with its argument, once, and counts. */
static void
raised_irq_runs_handler_once(void **state)
{
	int token;

	assert_int_equal(intr_register(12, handler, &token, "t"), 0);
	calls = 0;
	fakeplat_raise_irq(0, 12);
	assert_int_equal(calls, 0);		/* pending until delivered */
	assert_int_equal(fakeplat_drain(), 1);
	assert_int_equal(calls, 1);
	assert_ptr_equal(seen_arg, &token);
	assert_int_equal(intr_count(12), 1);
	assert_int_equal(fakeplat_drain(), 0);
}

/* Interrupts raised while disabled run when interrupts come back. */
static void
disabled_interrupts_run_at_restore(void **state)
{
	plat_intr_t s;

	calls = 0;
	s = plat_intr_disable();
	plat_intr_restore(PLAT_INTR_ON);	/* enable */
	s = plat_intr_disable();
	fakeplat_raise_irq(0, 12);
	assert_int_equal(calls, 0);
	plat_intr_restore(PLAT_INTR_ON);
	assert_int_equal(calls, 1);
	plat_intr_disable();
	(void)s;
}

/* Unregistered irqs are counted as stray, not called. */
static void
stray_irq_is_counted(void **state)
{
	char line[] = "intr";

	fakeplat_raise_irq(0, 40);
	fakeplat_drain();
	fakeplat_console_clear();
	monitor_exec(line);
	assert_non_null(strstr(fakeplat_console_output(), "stray"));
	assert_int_equal(intr_count(40), 1);
}

/* Clock and IPI upcalls are counted per CPU. */
static void
clock_and_ipi_are_counted(void **state)
{
	uint64_t c0 = mycpu->gd_cnt_clock, i0 = mycpu->gd_cnt_ipi;

	plat_ipi_send(0);
	assert_true(fakeplat_ipi_pending(0));
	plat_timer_arm(plat_clock_ns() + 1000);
	fakeplat_advance_ns(999);
	assert_int_equal(fakeplat_drain(), 1);	/* only the IPI */
	fakeplat_advance_ns(1);
	assert_int_equal(fakeplat_drain(), 1);	/* now the timer */
	assert_int_equal(mycpu->gd_cnt_clock, c0 + 1);
	assert_int_equal(mycpu->gd_cnt_ipi, i0 + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(register_rejects_bad_arguments),
		cmocka_unit_test(register_twice_is_ebusy),
		cmocka_unit_test(raised_irq_runs_handler_once),
		cmocka_unit_test(disabled_interrupts_run_at_restore),
		cmocka_unit_test(stray_irq_is_counted),
		cmocka_unit_test(clock_and_ipi_are_counted),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
