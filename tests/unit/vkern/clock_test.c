/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * clock_test.c - uptime and the timer-driven sleep, on a fake clock.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/kernel.h>
#include <sys/monitor.h>
#include <sys/cons.h>
#include <plat/plat.h>
#include "fakeplat.h"

static int
setup(void **state)
{
	fakeplat_boot(1, 64 << 20);
	return (0);
}

/* uptime is the fake clock minus the boot time. */
static void
uptime_follows_the_clock(void **state)
{
	uint64_t u = uptime_ns();
	char line[] = "uptime";

	fakeplat_advance_ns(2500000000ull);
	assert_int_equal(uptime_ns() - u, 2500000000ull);
	fakeplat_console_clear();
	monitor_exec(line);
	assert_non_null(strstr(fakeplat_console_output(), "up 2.5"));
}

/* sleep arms the timer and returns only after it fired, not before. */
static void
sleep_waits_for_the_timer(void **state)
{
	char line[] = "sleep 250";
	uint64_t t0 = plat_clock_ns();

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), 0);
	assert_int_equal(plat_clock_ns() - t0, 250000000ull);
	assert_string_equal(fakeplat_console_output(),
	    "slept 250000 us, 1 timer interrupt\n");
	assert_int_equal(fakeplat_timer_deadline(0), 0);
}

/* Out-of-range or malformed durations are refused. */
static void
sleep_rejects_bad_durations(void **state)
{
	char l1[] = "sleep 600001", l2[] = "sleep 5x", l3[] = "sleep -1";

	assert_int_equal(monitor_exec(l1), 22);
	assert_int_equal(monitor_exec(l2), 22);
	assert_int_equal(monitor_exec(l3), 22);
}

static void
type_later(void)
{
	fakeplat_console_input("z");
}

/* A console reader idles until input arrives, then gets the byte. */
static void
console_reader_idles_until_input(void **state)
{
	fakeplat_set_idle_hook(type_later);
	assert_int_equal(cons_getc_wait(), 'z');
	fakeplat_set_idle_hook(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(uptime_follows_the_clock),
		cmocka_unit_test(sleep_waits_for_the_timer),
		cmocka_unit_test(sleep_rejects_bad_durations),
		cmocka_unit_test(console_reader_idles_until_input),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
