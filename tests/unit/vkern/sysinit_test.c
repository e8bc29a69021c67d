/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * sysinit_test.c - start-up runs in (subsystem, order, name) order.
 */
#include "cmocka_core.h"
#include <string.h>
#include <sys/types.h>
#include <sys/kernel.h>
#include "fakeplat.h"

static char trace[64];
static size_t ntrace;

static void
record(void *arg)
{
	trace[ntrace++] = *(const char *)arg;
}

/* Entries run sorted by subsystem, then order, then name. */
static void
table_runs_in_key_order(void **state)
{
	struct sysinit a = { SI_SUB_VM, SI_ORDER_ANY, record, "d", "a" };
	struct sysinit b = { SI_SUB_CONSOLE, SI_ORDER_SECOND, record, "b",
	    "b" };
	struct sysinit c = { SI_SUB_VM, SI_ORDER_FIRST, record, "c", "c" };
	struct sysinit d = { SI_SUB_CONSOLE, SI_ORDER_FIRST, record, "a",
	    "d" };
	struct sysinit e = { SI_SUB_RUN, SI_ORDER_FIRST, record, "f", "zz" };
	struct sysinit f = { SI_SUB_RUN, SI_ORDER_FIRST, record, "e", "yy" };
	struct sysinit *tab[] = { &a, &b, &c, &d, &e, &f };

	ntrace = 0;
	sysinit_run(tab, 6);
	trace[ntrace] = '\0';
	assert_string_equal(trace, "abcdef");
}

/* The kernel's own table ran at boot: the console irq is registered. */
static void
boot_ran_kernel_table(void **state)
{
	fakeplat_boot(1, 64 << 20);
	assert_non_null(strstr(fakeplat_console_output(),
	    "Damselfly " DAMSELFLY_VERSION " on fakeplat: 64 MB RAM, 1 CPU\n"));
	assert_ptr_equal(bootinfo->bi_name, "fakeplat");
	assert_int_equal(ncpus, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_runs_in_key_order),
		cmocka_unit_test(boot_ran_kernel_table),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
