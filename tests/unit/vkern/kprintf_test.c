/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kprintf_test.c - console printing.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/systm.h>
#include "fakeplat.h"

/* kprintf formats like printf and writes it all to the console. */
static void
kprintf_formats_to_console(void **state)
{
	fakeplat_console_clear();
	assert_int_equal(kprintf("%s=%d %#x%c", "a", -5, 255, '\n'), 10);
	assert_string_equal(fakeplat_console_output(), "a=-5 0xff\n");
}

/* Output too long for one buffer is cut visibly, never silently. */
static void
long_output_is_marked_truncated(void **state)
{
	char big[1500];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fakeplat_console_clear();
	assert_int_equal(kprintf("%s", big), 1499);
	assert_non_null(strstr(fakeplat_console_output(), "...[truncated]"));
}

/* kputs writes the string as is. */
static void
kputs_writes_verbatim(void **state)
{
	fakeplat_console_clear();
	kputs("%d no format\n");
	assert_string_equal(fakeplat_console_output(), "%d no format\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kprintf_formats_to_console),
		cmocka_unit_test(long_output_is_marked_truncated),
		cmocka_unit_test(kputs_writes_verbatim),
	};

	fakeplat_boot(1, 64 << 20);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
