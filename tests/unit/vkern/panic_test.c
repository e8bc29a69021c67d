/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * panic_test.c - panic and fatal traps print, walk the stack and halt
 * with status 3; halt stops with 0.
 */
#include "cmocka_core.h"
#include <string.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/monitor.h>
#include <plat/plat.h>
#include "fakeplat.h"

extern int panicking;

static int
setup(void **state)
{
	fakeplat_boot(1, 64 << 20);
	return (0);
}

static void __noinline
do_panic(void *arg)
{
	panic("test %s %d", (const char *)arg, 42);
}

static void __noinline
do_trap(void *arg)
{
	core_trap_fatal("page fault", 0x1234,
	    (uint64_t)(uintptr_t)__builtin_frame_address(0));
}

static void
do_monitor_line(void *arg)
{
	char line[64];

	snprintf(line, sizeof(line), "%s", (const char *)arg);
	monitor_exec(line);
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay++;
	}
	return (n);
}

/* panic prints the formatted message and a backtrace, then halts 3. */
static void
panic_prints_message_backtrace_and_halts_3(void **state)
{
	const char *out;

	panicking = 0;
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_panic, "message"),
	    PLAT_EXIT_PANIC);
	out = fakeplat_console_output();
	assert_non_null(strstr(out, "panic (cpu0): test message 42\n"));
	assert_non_null(strstr(out, "backtrace:\n"));
	assert_true(count(out, "  #") >= 2);
	assert_non_null(strstr(out, "halting after panic"));
}

/* A panic while panicking stops at once, without a second backtrace. */
static void
nested_panic_halts_immediately(void **state)
{
	const char *out;

	panicking = 1;
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_panic, "again"),
	    PLAT_EXIT_PANIC);
	out = fakeplat_console_output();
	assert_non_null(strstr(out, "nested panic"));
	assert_null(strstr(out, "backtrace"));
	panicking = 0;
}

/* A fatal trap names the trap and the pc, then panics. */
static void
fatal_trap_panics_with_pc(void **state)
{
	const char *out;

	panicking = 0;
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_trap, NULL), PLAT_EXIT_PANIC);
	out = fakeplat_console_output();
	assert_non_null(strstr(out, "fatal trap: page fault at pc 0x1234"));
	assert_non_null(strstr(out, "backtrace:"));
}

/* The monitor's halt stops with 0, its panic with 3. */
static void
monitor_halt_and_panic_statuses(void **state)
{
	panicking = 0;
	assert_int_equal(fakeplat_catch_halt(do_monitor_line, "halt"),
	    PLAT_EXIT_HALT);
	assert_int_equal(fakeplat_catch_halt(do_monitor_line, "halt now"),
	    -1);			/* usage error: no halt */
	assert_int_equal(fakeplat_catch_halt(do_monitor_line,
	    "panic from test"), PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "monitor: from test"));
	panicking = 0;
}

/* KKASSERT panics with the expression, function and line. */
static void __noinline
do_assert(void *arg)
{
	int x = 1;

	KKASSERT(x == 2);
}

static void
kkassert_names_the_expression(void **state)
{
	panicking = 0;
	fakeplat_console_clear();
	assert_int_equal(fakeplat_catch_halt(do_assert, NULL),
	    PLAT_EXIT_PANIC);
	assert_non_null(strstr(fakeplat_console_output(),
	    "assertion \"x == 2\" failed in do_assert"));
	panicking = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(panic_prints_message_backtrace_and_halts_3),
		cmocka_unit_test(nested_panic_halts_immediately),
		cmocka_unit_test(fatal_trap_panics_with_pc),
		cmocka_unit_test(monitor_halt_and_panic_statuses),
		cmocka_unit_test(kkassert_names_the_expression),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
