/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * monitor_test.c - the monitor's line editor and command dispatch.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/errno.h>
#include <sys/monitor.h>
#include "fakeplat.h"

static int
setup(void **state)
{
	fakeplat_boot(1, 64 << 20);
	return (0);
}

static int
feed(struct monitor_line *ml, const char *s)
{
	int done = 0;

	for (; *s != '\0'; s++)
		done = monitor_line_feed(ml, (unsigned char)*s);
	return (done);
}

/* Printable bytes accumulate and CR completes the line. */
static void
line_ends_at_carriage_return(void **state)
{
	struct monitor_line ml = { .ml_len = 0 };

	assert_int_equal(feed(&ml, "echo hi"), 0);
	assert_int_equal(feed(&ml, "\r"), 1);
	assert_string_equal(ml.ml_buf, "echo hi");
}

/* CR LF is one end of line, not a line and an empty line. */
static void
crlf_counts_as_one_end_of_line(void **state)
{
	struct monitor_line ml = { .ml_len = 0 };

	assert_int_equal(feed(&ml, "a\r"), 1);
	ml.ml_len = 0;
	assert_int_equal(monitor_line_feed(&ml, '\n'), 0);
	assert_int_equal(feed(&ml, "b\n"), 1);
	assert_string_equal(ml.ml_buf, "b");
}

/* Backspace and DEL remove one byte; ^U clears; ^C abandons. */
static void
editing_keys_change_the_line(void **state)
{
	struct monitor_line ml = { .ml_len = 0 };

	feed(&ml, "abc\x7f\bX");
	assert_int_equal(feed(&ml, "\r"), 1);
	assert_string_equal(ml.ml_buf, "aX");
	ml.ml_len = 0;
	feed(&ml, "junk\x15ok");
	assert_int_equal(feed(&ml, "\r"), 1);
	assert_string_equal(ml.ml_buf, "ok");
	ml.ml_len = 0;
	assert_int_equal(feed(&ml, "halt\x03"), 1);
	assert_string_equal(ml.ml_buf, "");
}

/* A full line refuses more input instead of overflowing. */
static void
full_line_refuses_bytes(void **state)
{
	struct monitor_line ml = { .ml_len = 0 };
	int i;

	for (i = 0; i < 2 * MONITOR_LINEMAX; i++)
		assert_int_equal(monitor_line_feed(&ml, 'x'), 0);
	assert_int_equal(ml.ml_len, MONITOR_LINEMAX - 1);
	assert_int_equal(feed(&ml, "\r"), 1);
	assert_int_equal(strlen(ml.ml_buf), MONITOR_LINEMAX - 1);
}

/* Commands run with split arguments; output goes to the console. */
static void
exec_runs_command_with_arguments(void **state)
{
	char line[] = "  echo  one   two ";

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), 0);
	assert_string_equal(fakeplat_console_output(), "one two\n");
}

/* An unknown command is an error message and ENOENT, nothing else. */
static void
unknown_command_reports_enoent(void **state)
{
	char line[] = "frobnicate now";

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), ENOENT);
	assert_non_null(strstr(fakeplat_console_output(),
	    "unknown command 'frobnicate'"));
}

/* Too many words are refused before any command runs. */
static void
too_many_arguments_is_e2big(void **state)
{
	char line[] = "echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17";

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), E2BIG);
	assert_null(strstr(fakeplat_console_output(), "17\n"));
}

/* help lists every command, sorted by name. */
static void
help_lists_commands_sorted(void **state)
{
	char line[] = "help";
	const char *out, *e, *h, *m;

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), 0);
	out = fakeplat_console_output();
	e = strstr(out, "  echo ");
	h = strstr(out, "  help ");
	m = strstr(out, "  mem ");
	assert_non_null(e);
	assert_non_null(h);
	assert_non_null(m);
	assert_true(e < h && h < m);
}

/* A bad argument prints the command's usage. */
static void
bad_argument_prints_usage(void **state)
{
	char line[] = "sleep soon";

	fakeplat_console_clear();
	assert_int_equal(monitor_exec(line), EINVAL);
	assert_non_null(strstr(fakeplat_console_output(), "usage: sleep MS"));
}

/* kenv shows what the platform's environment holds. */
static void
kenv_shows_platform_values(void **state)
{
	char l1[] = "kenv init", l2[] = "kenv missing";

	fakeplat_setparam("init", "/bin/sh");
	fakeplat_console_clear();
	assert_int_equal(monitor_exec(l1), 0);
	assert_string_equal(fakeplat_console_output(), "init=/bin/sh\n");
	fakeplat_console_clear();
	assert_int_equal(monitor_exec(l2), 0);
	assert_string_equal(fakeplat_console_output(),
	    "kenv: missing is not set\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(line_ends_at_carriage_return),
		cmocka_unit_test(crlf_counts_as_one_end_of_line),
		cmocka_unit_test(editing_keys_change_the_line),
		cmocka_unit_test(full_line_refuses_bytes),
		cmocka_unit_test(exec_runs_command_with_arguments),
		cmocka_unit_test(unknown_command_reports_enoent),
		cmocka_unit_test(too_many_arguments_is_e2big),
		cmocka_unit_test(help_lists_commands_sorted),
		cmocka_unit_test(bad_argument_prints_usage),
		cmocka_unit_test(kenv_shows_platform_values),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
