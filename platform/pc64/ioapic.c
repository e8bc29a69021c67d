/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ioapic.c - route device interrupts through the IOAPIC(s).
 *
 * Every pin of every IOAPIC the MADT lists starts masked.  A device's
 * interrupt is routed to one CPU's local APIC on vector VEC_IRQ_BASE +
 * GSI, so the platform irq number the core sees (core_dev_intr) is the
 * GSI.  ISA interrupts follow the MADT's source overrides (IRQ 0 is GSI
 * 2 on most machines) and otherwise are edge-triggered, active high.
 *
 * Context: the registers are reached through an index/data pair, so
 * every access sequence must not interleave with another; today all
 * routing happens on the boot CPU before interrupts are enabled.  Any
 * later rerouting must add a lock.
 */
#include <sys/types.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define IOAPIC_REGSEL	0x00
#define IOAPIC_WIN	0x10
#define IOAPIC_VER	0x01
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

#define RTE_MASKED	0x00010000
#define RTE_LEVEL	0x00008000
#define RTE_ACTIVELOW	0x00002000

/* MPS interrupt flags (MADT source overrides). */
#define MPS_POL_MASK	0x3
#define MPS_POL_LOW	0x3
#define MPS_TRIG_MASK	0xc
#define MPS_TRIG_LEVEL	0xc

struct ioapic {
	volatile uint32_t *io_regs;	/* [I] register window */
	uint32_t	io_gsi_base;	/* [I] */
	int		io_npins;	/* [I] */
};

static struct ioapic ioapics[ACPI_MAXIOAPIC];
static int nioapic;

static uint32_t
ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->io_regs[IOAPIC_REGSEL / 4] = reg;
	return (io->io_regs[IOAPIC_WIN / 4]);
}

static void
ioapic_write(struct ioapic *io, uint32_t reg, uint32_t val)
{
	io->io_regs[IOAPIC_REGSEL / 4] = reg;
	io->io_regs[IOAPIC_WIN / 4] = val;
}

/*
 * ioapic_init - find every IOAPIC's size and mask all its pins.
 *
 * Context: boot CPU, once, interrupts disabled.
 */
void
ioapic_init(void)
{
	struct ioapic *io;
	int i, pin;

	for (i = 0; i < acpi_madt.am_nioapic; i++) {
		io = &ioapics[nioapic];
		io->io_regs = pc64_mmio_map(acpi_madt.am_ioapic[i].ai_pa, 0x20);
		if (io->io_regs == NULL)
			continue;
		io->io_gsi_base = acpi_madt.am_ioapic[i].ai_gsi_base;
		io->io_npins = ((ioapic_read(io, IOAPIC_VER) >> 16) & 0xff) + 1;
		for (pin = 0; pin < io->io_npins; pin++) {
			ioapic_write(io, IOAPIC_REDTBL(pin) + 1, 0);
			ioapic_write(io, IOAPIC_REDTBL(pin), RTE_MASKED);
		}
		nioapic++;
	}
}

static int
ioapic_route(uint32_t gsi, uint32_t apic_id, bool level, bool low)
{
	struct ioapic *io;
	uint32_t lo;
	int i, pin;

	if (gsi >= NIRQ)
		return (-1);
	for (i = 0; i < nioapic; i++) {
		io = &ioapics[i];
		if (gsi < io->io_gsi_base ||
		    gsi >= io->io_gsi_base + (uint32_t)io->io_npins)
			continue;
		pin = (int)(gsi - io->io_gsi_base);
		lo = VEC_IRQ_BASE + gsi;	/* fixed, physical destination */
		if (level)
			lo |= RTE_LEVEL;
		if (low)
			lo |= RTE_ACTIVELOW;
		ioapic_write(io, IOAPIC_REDTBL(pin), RTE_MASKED);
		ioapic_write(io, IOAPIC_REDTBL(pin) + 1, apic_id << 24);
		ioapic_write(io, IOAPIC_REDTBL(pin), lo);
		return ((int)gsi);
	}
	return (-1);
}

/*
 * ioapic_route_isa - deliver ISA irq isa_irq to the CPU with local APIC
 * id apic_id, unmasked.
 *
 * Context: boot CPU, interrupts disabled.  Returns the GSI (the irq
 * number core_dev_intr() will be given), or -1 when no IOAPIC pin
 * serves it.
 */
int
ioapic_route_isa(int isa_irq, uint32_t apic_id)
{
	const struct acpi_iso *iso;
	uint32_t gsi = (uint32_t)isa_irq;
	bool level = false, low = false;
	int i;

	for (i = 0; i < acpi_madt.am_niso; i++) {
		iso = &acpi_madt.am_iso[i];
		if (iso->is_isa != isa_irq)
			continue;
		gsi = iso->is_gsi;
		low = (iso->is_flags & MPS_POL_MASK) == MPS_POL_LOW;
		level = (iso->is_flags & MPS_TRIG_MASK) == MPS_TRIG_LEVEL;
		break;
	}
	return (ioapic_route(gsi, apic_id, level, low));
}
