/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * intr.c - device interrupt handlers.
 *
 * Drivers register a handler per platform irq at attach time;
 * intr_dispatch() calls it when LWKT runs the interrupt (at once, or when
 * the critical section that deferred it ends: lwkt/lwkt_intr.c), on the
 * interrupted CPU with interrupts disabled.  The monitor's `intr' command
 * shows per-CPU and per-irq counters.
 *
 * Protection: intr_table[] entries are [I] (registered on the boot CPU
 * before the irq can fire); per-irq counts are [a]; per-CPU counts live
 * in globaldata and are [cs].
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/globaldata.h>
#include <sys/intr.h>
#include <sys/monitor.h>
#include <sys/errno.h>

struct intr_entry {
	intr_handler_t	*ie_func;
	void		*ie_arg;
	const char	*ie_name;
	uint64_t	ie_count;	/* [a] */
};

static struct intr_entry intr_table[MAX_IRQ];
static uint64_t intr_stray;		/* [a] irqs nobody registered */

int
intr_register(int irq, intr_handler_t *func, void *arg, const char *name)
{
	if (irq < 0 || irq >= MAX_IRQ || func == NULL)
		return (EINVAL);
	if (intr_table[irq].ie_func != NULL)
		return (EBUSY);
	intr_table[irq].ie_arg = arg;
	intr_table[irq].ie_name = name;
	__atomic_store_n(&intr_table[irq].ie_func, func, __ATOMIC_RELEASE);
	return (0);
}

uint64_t
intr_count(int irq)
{
	if (irq < 0 || irq >= MAX_IRQ)
		return (0);
	return (__atomic_load_n(&intr_table[irq].ie_count, __ATOMIC_RELAXED));
}

void
intr_dispatch(int irq)
{
	struct intr_entry *ie;
	intr_handler_t *func;

	if (irq < 0 || irq >= MAX_IRQ) {
		__atomic_fetch_add(&intr_stray, 1, __ATOMIC_RELAXED);
		return;
	}
	ie = &intr_table[irq];
	__atomic_fetch_add(&ie->ie_count, 1, __ATOMIC_RELAXED);
	func = __atomic_load_n(&ie->ie_func, __ATOMIC_ACQUIRE);
	if (func == NULL) {
		__atomic_fetch_add(&intr_stray, 1, __ATOMIC_RELAXED);
		return;
	}
	func(ie->ie_arg);
}

static int
cmd_intr(int argc, char **argv)
{
	struct globaldata *gd;
	int cpu, irq;

	kprintf("%-6s %12s %12s %12s\n", "cpu", "clock", "ipi", "device");
	for (cpu = 0; cpu < ncpus; cpu++) {
		gd = globaldata_find(cpu);
		kprintf("cpu%-3d %12llu %12llu %12llu\n", cpu,
		    (unsigned long long)gd->gd_cnt_clock,
		    (unsigned long long)gd->gd_cnt_ipi,
		    (unsigned long long)gd->gd_cnt_devintr);
	}
	for (irq = 0; irq < MAX_IRQ; irq++) {
		if (intr_table[irq].ie_func == NULL)
			continue;
		kprintf("irq%-3d %-12s %12llu\n", irq, intr_table[irq].ie_name,
		    (unsigned long long)intr_count(irq));
	}
	kprintf("stray  %25llu\n", (unsigned long long)intr_stray);
	return (0);
}
MONITOR_COMMAND(intr, "", "interrupt counts per CPU and per irq", cmd_intr);
