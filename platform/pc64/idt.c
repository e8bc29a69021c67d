/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * idt.c - the interrupt descriptor table, shared by every CPU.
 *
 * Every vector gets an interrupt gate (interrupts off on entry) to its
 * stub in vectors.S; pc64_trap() sorts them out.  #DF, NMI and #MC run
 * on their own IST stacks (gdt.c), because they can arrive when the
 * current stack is unusable.  All gates are DPL 0 for now: user mode
 * will open the ones it may raise (int3).
 *
 * Context: idt_init() once on the boot CPU before interrupts are
 * enabled; idt_load() on each CPU.  The table is [I] afterwards.
 */
#include <sys/types.h>
#include <pc64/param.h>
#include <pc64/pc64.h>

struct gate_desc {
	uint16_t	gd_off_lo;
	uint16_t	gd_sel;
	uint8_t		gd_ist;
	uint8_t		gd_type;	/* P, DPL, type */
	uint16_t	gd_off_mid;
	uint32_t	gd_off_hi;
	uint32_t	gd_rsvd;
} __attribute__((packed));

#define GATE_INTR	0x8e		/* present, DPL 0, interrupt gate */

extern char pc64_vectors[];		/* vectors.S */

static struct gate_desc idt[NIDT] __attribute__((aligned(16)));

static void
idt_set(int vec, int ist)
{
	uint64_t off = (uint64_t)(uintptr_t)pc64_vectors +
	    (uint64_t)vec * VEC_STUB_SIZE;
	struct gate_desc *g = &idt[vec];

	g->gd_off_lo = off & 0xffff;
	g->gd_sel = GSEL_KCODE;
	g->gd_ist = ist;
	g->gd_type = GATE_INTR;
	g->gd_off_mid = (off >> 16) & 0xffff;
	g->gd_off_hi = off >> 32;
	g->gd_rsvd = 0;
}

void
idt_init(void)
{
	int vec;

	for (vec = 0; vec < NIDT; vec++)
		idt_set(vec, 0);
	idt_set(2, IST_NMI);
	idt_set(8, IST_DF);
	idt_set(18, IST_MC);
}

void
idt_load(void)
{
	struct {
		uint16_t	limit;
		uint64_t	base;
	} __attribute__((packed)) rd;

	rd.limit = sizeof(idt) - 1;
	rd.base = (uint64_t)(uintptr_t)idt;
	__asm__ __volatile__("lidt %0" : : "m"(rd));
}
