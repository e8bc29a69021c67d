/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cons.c - the kernel console.  Output goes straight to the platform
 * (plat_cons_write is synchronous and lock-free, so kprintf works in
 * panic).  Input: the platform raises bi_cons_irq when bytes arrive and
 * plat_cons_getc() hands them out; a reader with nothing to read idles
 * its CPU until the next interrupt, so a waiting console costs no CPU.
 *
 * Protection: the input side has one reader at a time (the monitor, on
 * the boot CPU); the irq handler touches only an [a] counter.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/cons.h>
#include <sys/intr.h>
#include <plat/plat.h>

void
cons_write(const char *buf, size_t len)
{
	plat_cons_write(buf, len);
}

int
cons_getc_wait(void)
{
	plat_intr_t s;
	int c;

	s = plat_intr_disable();
	while ((c = plat_cons_getc()) < 0)
		plat_cpu_idle();
	plat_intr_restore(s);
	return (c);
}

static void
cons_intr(void *arg __unused)
{
	/*
	 * Nothing to queue: the platform holds the bytes.  The interrupt
	 * itself ends the reader's plat_cpu_idle().
	 */
}

static void
cons_init(void *arg __unused)
{
	int error;

	error = intr_register(bootinfo->bi_cons_irq, cons_intr, NULL,
	    "console");
	if (error != 0)
		panic("console: cannot register irq %d (error %d)",
		    bootinfo->bi_cons_irq, error);
}
SYSINIT(cons, SI_SUB_CONSOLE, SI_ORDER_FIRST, cons_init, NULL);
