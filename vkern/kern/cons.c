/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cons.c - the kernel console.  Output goes straight to the platform
 * (plat_cons_write is synchronous and lock-free, so kprintf works in
 * panic).  Input: the platform raises bi_cons_irq when bytes arrive and
 * plat_cons_getc() hands them out; a reader with nothing to read sleeps
 * on cons_rx and the irq handler wakes it, so a waiting console costs no
 * CPU.  The reader interlocks before it looks, so input that lands
 * between the look and the sleep still wakes it.
 *
 * Protection: nothing shared beyond the platform's own input ring.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/cons.h>
#include <sys/intr.h>
#include <sys/thread.h>
#include <plat/plat.h>

void
cons_write(const char *buf, size_t len)
{
	plat_cons_write(buf, len);
}

static int cons_rx;			/* sleep channel of readers */

int
cons_getc_wait(void)
{
	int c;

	for (;;) {
		tsleep_interlock(&cons_rx, 0);
		c = plat_cons_getc();
		if (c >= 0) {
			tsleep_cancel();
			return (c);
		}
		tsleep(&cons_rx, PINTERLOCKED, "cons", 0);
	}
}

static void
cons_intr(void *arg __unused)
{
	wakeup(&cons_rx);		/* the platform holds the bytes */
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
