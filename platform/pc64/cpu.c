/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * cpu.c - the CPU-side downcalls: interrupt masking, idling, the %gs
 * per-CPU base and IPIs.
 *
 * plat_intr_disable/restore are the interrupt flag (pushfq/cli, and sti
 * when the saved state had it).  plat_cpu_idle is "sti; hlt" followed by
 * cli: sti takes effect only after the next instruction, so an interrupt
 * that became pending before the call is taken in hlt (and ends it), not
 * lost between the caller's check and the wait.  plat_cpu_start() lives in
 * smp.c.
 *
 * Context: every function acts on the calling CPU and never blocks,
 * except plat_cpu_idle, which waits for an interrupt.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

plat_intr_t
plat_intr_disable(void)
{
	uint64_t f = read_rflags();

	cli();
	return ((f & PSL_I) ? PLAT_INTR_ON : 1);
}

void
plat_intr_restore(plat_intr_t state)
{
	if (state == PLAT_INTR_ON)
		sti();
	else
		cli();
}

void
plat_cpu_idle(void)
{
	uint64_t f = read_rflags();

	__asm__ __volatile__("sti; hlt; cli" : : : "memory");
	if (f & PSL_I)
		sti();
}

void
plat_cpu_yield_hint(void)
{
	cpu_pause();
}

void
plat_cpu_set_percpu(void *gd)
{
	wrmsr(MSR_GSBASE, (uint64_t)(uintptr_t)gd);
	wrmsr(MSR_KGSBASE, 0);
}

void
plat_ipi_send(int cpu)
{
	if (cpu < 0 || cpu >= PLAT_MAXCPU ||
	    pc64_cpus[cpu].pc_apic_id == UINT32_MAX)
		return;
	lapic_ipi(pc64_cpus[cpu].pc_apic_id, VEC_IPI);
}
