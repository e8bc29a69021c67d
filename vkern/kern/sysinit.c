/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * sysinit.c - ordered start-up.  The linker gathers every SYSINIT()
 * entry into one table; sysinit_run() sorts it by (subsystem, order) and
 * calls each function once.  The table is sorted in place (linker-set
 * sections are writable data in both builds).  Runs on the boot CPU before other CPUs
 * start, so it needs no locking.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <stdlib.h>
#include <string.h>

int
sysinit_compare(const void *a, const void *b)
{
	const struct sysinit *x = *(struct sysinit * const *)a;
	const struct sysinit *y = *(struct sysinit * const *)b;

	if (x->si_sub != y->si_sub)
		return (x->si_sub < y->si_sub ? -1 : 1);
	if (x->si_order != y->si_order)
		return (x->si_order < y->si_order ? -1 : 1);
	/* Equal keys: the name decides, so the order never varies. */
	return (strcmp(x->si_name, y->si_name));
}

void
sysinit_run(struct sysinit **tab, size_t n)
{
	size_t i;

	qsort(tab, n, sizeof(tab[0]), sysinit_compare);
	for (i = 0; i < n; i++)
		tab[i]->si_func(tab[i]->si_arg);
}
