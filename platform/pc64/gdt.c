/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * gdt.c - each CPU's global descriptor table and task state segment.
 *
 * Long mode ignores segment bases and limits except for %fs/%gs (set by
 * MSR) and the TSS, so the table is fixed: kernel code and data, the
 * user segments in the order SYSRET expects (32-bit code, data, 64-bit
 * code), and this CPU's TSS.  The TSS holds the interrupt stacks (IST)
 * on which #DF, NMI and #MC run, so that a kernel stack overflow still
 * produces a register dump instead of a triple fault; rsp0 (the stack
 * for traps from ring 3) is set when user mode exists.
 *
 * Context: gdt_init() runs on the CPU it initialises, once, interrupts
 * disabled; the table and TSS are [I] afterwards.
 */
#include <sys/types.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

/* Code/data descriptors: flat, present; L = 64-bit code. */
#define SEG_KCODE	0x00af9a000000ffffULL	/* DPL 0, L */
#define SEG_KDATA	0x00cf92000000ffffULL	/* DPL 0 */
#define SEG_UCODE32	0x00cffa000000ffffULL	/* DPL 3, 32-bit */
#define SEG_UDATA	0x00cff2000000ffffULL	/* DPL 3 */
#define SEG_UCODE	0x00affa000000ffffULL	/* DPL 3, L */
#define SEG_TSS_TYPE	0x89ULL			/* present, 64-bit TSS */

/* The layout the CPU reads: 104 bytes, IST1 at offset 0x24. */
CTASSERT(sizeof(struct tss64) == 104);
CTASSERT(offsetof(struct tss64, tss_ist[1]) == 0x24);

struct region_desc {
	uint16_t	rd_limit;
	uint64_t	rd_base;
} __attribute__((packed));

static void
gdt_set_tss(uint64_t *gdt, struct tss64 *tss)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	gdt[GSEL_TSS >> 3] = (limit & 0xffff) | (base & 0xffffff) << 16 |
	    SEG_TSS_TYPE << 40 | ((limit >> 16) & 0xf) << 48 |
	    ((base >> 24) & 0xff) << 56;
	gdt[(GSEL_TSS >> 3) + 1] = base >> 32;
}

/*
 * gdt_init - build and load pc's descriptor table and TSS, reload every
 * segment register, and load the task register.
 *
 * Context: the CPU that owns pc, interrupts disabled, once.
 */
void
gdt_init(struct pc64_cpu *pc)
{
	struct region_desc rd;
	uint64_t *gdt = pc->pc_gdt;
	int i;

	gdt[0] = 0;
	gdt[GSEL_KCODE >> 3] = SEG_KCODE;
	gdt[GSEL_KDATA >> 3] = SEG_KDATA;
	gdt[GSEL_UCODE32 >> 3] = SEG_UCODE32;
	gdt[GSEL_UDATA >> 3] = SEG_UDATA;
	gdt[GSEL_UCODE >> 3] = SEG_UCODE;

	for (i = 0; i < 3; i++)
		pc->pc_tss.tss_ist[i + 1] =
		    (uint64_t)(uintptr_t)&pc->pc_ist[i][IST_STACK_SIZE];
	pc->pc_tss.tss_iobase = sizeof(pc->pc_tss);	/* no I/O bitmap */
	gdt_set_tss(gdt, &pc->pc_tss);

	rd.rd_limit = sizeof(pc->pc_gdt) - 1;
	rd.rd_base = (uint64_t)(uintptr_t)gdt;
	__asm__ __volatile__(
	    "lgdt %0\n\t"
	    "movl %1, %%ds\n\t"
	    "movl %1, %%es\n\t"
	    "movl %1, %%ss\n\t"
	    /* %cs: far return to the next instruction. */
	    "pushq %2\n\t"
	    "leaq 1f(%%rip), %%rax\n\t"
	    "pushq %%rax\n\t"
	    "lretq\n"
	    "1:\n\t"
	    "ltr %w3"
	    : : "m"(rd), "r"(GSEL_KDATA), "i"(GSEL_KCODE), "r"(GSEL_TSS)
	    : "rax", "memory");
	/*
	 * Loading %fs/%gs would clear their bases; leave them.  The core
	 * sets the %gs base (plat_cpu_set_percpu).
	 */
}
