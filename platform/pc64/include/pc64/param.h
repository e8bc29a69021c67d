/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * param.h - pc64 machine constants shared by assembly and C: the virtual
 * memory layout, segment selectors, interrupt vectors, control-register
 * and MSR bits.  Only #defines, so boot.S and vectors.S can include it.
 * docs/pc64.md draws the layout these numbers describe.
 */
#ifndef _PC64_PARAM_H_
#define _PC64_PARAM_H_

/* A 64-bit constant in C, a plain number in assembly. */
#ifdef __ASSEMBLER__
#define _U64(x)		x
#else
#define _U64(x)		x ## ULL
#endif

/*
 * Virtual layout.  The kernel image is linked at KERNBASE + KERNEL_PHYS
 * and mapped by the boot page tables as KERNBASE -> physical 0 (2 GiB);
 * DMAP_BASE maps all physical memory (bootinfo bi_dmap).
 */
#define KERNBASE	_U64(0xffffffff80000000)
#define KERNEL_PHYS	0x00100000		/* where the loader puts us */
#define DMAP_BASE	_U64(0xffff800000000000)
#define BOOT_DMAP_SIZE	_U64(0x100000000)		/* 4 GiB mapped by boot.S */

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096
#define NBPDR		_U64(0x200000)		/* bytes mapped by a 2 MiB PDE */
#define NBPDP		_U64(0x40000000)		/* bytes mapped by a PDPTE */

/* Page-table entry bits. */
#define PG_P		0x001
#define PG_RW		0x002
#define PG_U		0x004
#define PG_PWT		0x008
#define PG_PCD		0x010
#define PG_PS		0x080
#define PG_G		0x100
#define PG_FRAME	0x000ffffffffff000

/* Segment selectors (gdt.c builds the table in this order). */
#define GSEL_KCODE	0x08
#define GSEL_KDATA	0x10
#define GSEL_UCODE32	0x1b
#define GSEL_UDATA	0x23
#define GSEL_UCODE	0x2b
#define GSEL_TSS	0x30
#define NGDT		8			/* TSS takes two slots */

/* Stacks. */
#define BOOT_STACK_SIZE	(32 * 1024)
#define IST_STACK_SIZE	(8 * 1024)
#define IST_DF		1			/* TSS IST slot for #DF */
#define IST_NMI		2			/* ... for NMI */
#define IST_MC		3			/* ... for #MC */

/*
 * Interrupt vectors.  0-31 are exceptions; the 8259s are remapped to
 * 0x20-0x2f and masked (only their spurious vectors can arrive); device
 * interrupts through the IOAPIC use VEC_IRQ_BASE + GSI.
 */
#define NEXC		32
#define VEC_PIC_BASE	0x20
#define VEC_IRQ_BASE	0x30
#define NIRQ		64			/* plat.h: irq < 64 */
#define VEC_TIMER	0xf0
#define VEC_IPI		0xf1
#define VEC_SPURIOUS	0xff
#define NIDT		256
#define VEC_STUB_SIZE	16			/* vectors.S stub stride */

/* Control registers. */
#define CR0_PE		0x00000001
#define CR0_MP		0x00000002
#define CR0_EM		0x00000004
#define CR0_TS		0x00000008
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define CR4_PGE		0x00000080

/* RFLAGS. */
#define PSL_I		0x00000200

/* Model-specific registers. */
#define MSR_APICBASE	0x0000001b
#define MSR_EFER	0xc0000080
#define MSR_GSBASE	0xc0000101
#define MSR_KGSBASE	0xc0000102
#define EFER_SCE	0x00000001
#define EFER_LME	0x00000100
#define EFER_NXE	0x00000800
#define APICBASE_ENABLE	0x00000800

/* Multiboot 1. */
#define MULTIBOOT_HEADER_MAGIC	0x1badb002
#define MULTIBOOT_BOOT_MAGIC	0x2badb002
#define MULTIBOOT_PAGE_ALIGN	0x00000001
#define MULTIBOOT_MEMORY_INFO	0x00000002
#define MULTIBOOT_AOUT_KLUDGE	0x00010000

/* The I/O port of QEMU's isa-debug-exit device (see plat_halt). */
#define DEBUG_EXIT_PORT	0xf4

#endif /* !_PC64_PARAM_H_ */
