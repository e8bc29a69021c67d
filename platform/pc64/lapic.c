/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lapic.c - the local APIC: interrupt acknowledge, the per-CPU one-shot
 * timer behind plat_timer_arm(), and IPIs.
 *
 * The xAPIC registers are memory-mapped at the MADT's address, through
 * an uncached direct-map window.  The timer counts the bus clock divided
 * by 16; lapic_timer_calibrate() measures its rate against the TSC (which
 * tsc.c measured against the PIT).  A deadline further away than the
 * 32-bit counter reaches is approached in steps: lapic_timer_intr()
 * calls core_clock_intr() only once plat_clock_ns() has passed it.
 *
 * Context: the timer fields of struct pc64_cpu are [c]: touched only by
 * their CPU with interrupts disabled.  lapic_ipi() writes the two ICR
 * halves as one sequence and so runs with interrupts disabled.
 */
#include <sys/types.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ESR	0x280
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERR	0x370
#define LAPIC_TMR_ICR	0x380
#define LAPIC_TMR_CCR	0x390
#define LAPIC_TMR_DCR	0x3e0

#define SVR_ENABLE	0x100
#define LVT_MASKED	0x10000
#define LVT_NMI		0x400
#define ICR_PENDING	0x1000
#define ICR_ASSERT	0x4000
#define DCR_DIV16	0x3

#define CALIBRATE_NS	20000000ULL		/* 20 ms */

bool lapic_ready;
static volatile uint32_t *lapic_regs;		/* [I] */
static uint64_t lapic_mult;			/* [I] ticks = ns * mult >> 32 */

static inline uint32_t
lapic_read(uint32_t reg)
{
	return (lapic_regs[reg / 4]);
}

static inline void
lapic_write(uint32_t reg, uint32_t val)
{
	lapic_regs[reg / 4] = val;
}

/*
 * lapic_init - enable this CPU's local APIC: spurious vector, no task
 * priority, LINT0 (the 8259s) masked, LINT1 as NMI, timer masked.
 *
 * Context: the CPU itself, interrupts disabled.
 */
void
lapic_init(void)
{
	uint64_t base;

	base = rdmsr(MSR_APICBASE);
	if ((base & APICBASE_ENABLE) == 0)
		wrmsr(MSR_APICBASE, base | APICBASE_ENABLE);
	if (lapic_regs == NULL)
		lapic_regs = pc64_mmio_map(acpi_madt.am_lapic_pa, PAGE_SIZE);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERR, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TMR_DCR, DCR_DIV16);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_EOI, 0);
	lapic_ready = true;
}

uint32_t
lapic_id(void)
{
	return (lapic_read(LAPIC_ID) >> 24);
}

void
lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/*
 * lapic_timer_calibrate - count the timer against the TSC for 20 ms.
 *
 * Context: boot CPU, once, after tsc_calibrate(), interrupts disabled.
 */
void
lapic_timer_calibrate(void)
{
	uint64_t t0, elapsed, ticks;

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	t0 = plat_clock_ns();
	lapic_write(LAPIC_TMR_ICR, UINT32_MAX);
	while ((elapsed = plat_clock_ns() - t0) < CALIBRATE_NS)
		cpu_pause();
	ticks = UINT32_MAX - lapic_read(LAPIC_TMR_CCR);
	lapic_write(LAPIC_TMR_ICR, 0);
	if (ticks == 0)
		ticks = 1;
	/* mult = (ticks per ns) << 32; ticks < 2^32, so no overflow. */
	lapic_mult = (ticks << 32) / elapsed;
	if (lapic_mult == 0)
		lapic_mult = 1;
}

/* Program this CPU's timer for its deadline.  Interrupts disabled. */
static void
lapic_timer_program(struct pc64_cpu *pc)
{
	uint64_t now, ticks;

	now = plat_clock_ns();
	if (pc->pc_deadline <= now)
		ticks = 1;
	else {
		ticks = (uint64_t)(((unsigned __int128)(pc->pc_deadline - now) *
		    lapic_mult) >> 32) + 1;
		if (ticks > UINT32_MAX)
			ticks = UINT32_MAX;
	}
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);	/* one-shot */
	lapic_write(LAPIC_TMR_ICR, (uint32_t)ticks);
}

void
plat_timer_arm(uint64_t deadline_ns)
{
	struct pc64_cpu *pc;
	plat_intr_t s;

	s = plat_intr_disable();
	pc = pc64_curcpu();
	pc->pc_deadline = deadline_ns;
	pc->pc_timer_armed = true;
	lapic_timer_program(pc);
	plat_intr_restore(s);
}

void
plat_timer_disarm(void)
{
	struct pc64_cpu *pc;
	plat_intr_t s;

	s = plat_intr_disable();
	pc = pc64_curcpu();
	pc->pc_timer_armed = false;
	lapic_write(LAPIC_TMR_ICR, 0);
	plat_intr_restore(s);
}

/*
 * lapic_timer_intr - the timer vector (already acknowledged): pass the
 * expiry up if the deadline has come, or count down the rest of it.
 *
 * Context: interrupt, interrupts disabled.
 */
void
lapic_timer_intr(void)
{
	struct pc64_cpu *pc = pc64_curcpu();

	if (!pc->pc_timer_armed)
		return;			/* disarmed while in flight */
	if (plat_clock_ns() < pc->pc_deadline) {
		lapic_timer_program(pc);
		return;
	}
	pc->pc_timer_armed = false;
	core_clock_intr();
}

/*
 * lapic_ipi - send a fixed interrupt on `vector' to local APIC apic_id.
 *
 * Context: any; never blocks (beyond a previous IPI's delivery).
 */
void
lapic_ipi(uint32_t apic_id, int vector)
{
	lapic_ipi_raw(apic_id, ICR_ASSERT | (uint32_t)vector);
}

/*
 * lapic_ipi_raw - send the interrupt command icr_lo (delivery mode,
 * vector, level) to local APIC apic_id.
 *
 * Context: any; takes interrupts off around the ICR sequence.
 */
void
lapic_ipi_raw(uint32_t apic_id, uint32_t icr_lo)
{
	plat_intr_t s;

	s = plat_intr_disable();
	while (lapic_read(LAPIC_ICR_LO) & ICR_PENDING)
		cpu_pause();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
	plat_intr_restore(s);
}
