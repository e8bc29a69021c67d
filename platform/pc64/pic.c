/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * pic.c - silence the legacy 8259 interrupt controllers.
 *
 * pc64 takes device interrupts through the IOAPIC only.  The 8259 pair
 * still sits behind the local APIC's LINT0, so it is reprogrammed to
 * vectors VEC_PIC_BASE..+15 (away from the exception vectors, where a
 * spurious IRQ 7 would otherwise look like a fault) and every line is
 * masked.  trap.c ignores anything that still arrives there.
 *
 * Context: boot CPU, once, interrupts disabled.
 */
#include <sys/types.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

#define ICW1_INIT	0x11	/* initialise, cascade, ICW4 follows */
#define ICW4_8086	0x01

void
pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT);
	io_delay();
	outb(PIC2_CMD, ICW1_INIT);
	io_delay();
	outb(PIC1_DATA, VEC_PIC_BASE);		/* ICW2: vector base */
	io_delay();
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	io_delay();
	outb(PIC1_DATA, 0x04);			/* ICW3: slave on IRQ 2 */
	io_delay();
	outb(PIC2_DATA, 0x02);			/* ICW3: cascade identity */
	io_delay();
	outb(PIC1_DATA, ICW4_8086);
	io_delay();
	outb(PIC2_DATA, ICW4_8086);
	io_delay();
	outb(PIC1_DATA, 0xff);			/* OCW1: mask everything */
	outb(PIC2_DATA, 0xff);
}
