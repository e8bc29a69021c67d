/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * pc64.h - what the files of platform/pc64 ask of each other: the
 * per-CPU platform structure and one section per file, in boot order.
 * Nothing here is visible to the core, which sees only plat.h.
 *
 * Protection of struct pc64_cpu:
 *   [I]  set by the boot path (or the CPU's own bring-up), read-only after
 *   [c]  the owning CPU only, with interrupts disabled
 */
#ifndef _PC64_PC64_H_
#define _PC64_PC64_H_

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <plat/plat.h>
#include <pc64/param.h>

struct trapframe;
struct multiboot_info;

/* The 64-bit task state segment: stacks for ring changes and ISTs. */
struct tss64 {
	uint32_t	tss_rsvd0;
	uint64_t	tss_rsp[3];
	uint64_t	tss_ist[8];	/* [0] is reserved: IST slots are 1..7 */
	uint64_t	tss_rsvd2;
	uint16_t	tss_rsvd3;
	uint16_t	tss_iobase;
} __attribute__((packed));

struct pc64_cpu {
	uint64_t	pc_gdt[NGDT];	/* [I] this CPU's descriptor table */
	struct tss64	pc_tss;		/* [I] its task state segment */
	int		pc_cpu;		/* [I] core CPU number */
	uint32_t	pc_apic_id;	/* [I] local APIC id */
	uint64_t	pc_deadline;	/* [c] timer deadline (plat_clock_ns) */
	bool		pc_timer_armed;	/* [c] pc_deadline is pending */
	int		pc_in_fatal;	/* [c] inside trap_fatal() already */
	char		pc_what[80];	/* [c] core_trap_fatal() description */
	uint8_t		pc_ist[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

extern struct pc64_cpu pc64_cpus[PLAT_MAXCPU];

/* The kernel image, from kernel.ld (virtual addresses). */
extern char __kernel_start[], __kernel_end[];

/* Physical address -> direct-map pointer, valid below the mapped limit. */
#define PHYS_TO_DMAP(pa)	((void *)((uintptr_t)(pa) + DMAP_BASE))
#define KVA_TO_PHYS(va)		((uint64_t)(uintptr_t)(va) - KERNBASE)

/* machdep.c */
void	pc64_init(uint32_t mbi_pa) __attribute__((noreturn));
struct pc64_cpu *pc64_curcpu(void);
extern struct plat_bootinfo pc64_bootinfo;

/* boot.S: the boot page tables (physical 0..4 GiB, 2 MiB pages). */
extern uint64_t boot_pml4[512];
extern uint64_t boot_pdpt_low[512];
extern uint64_t boot_pd[4 * 512];

/* gdt.c */
void	gdt_init(struct pc64_cpu *pc);

/* idt.c */
void	idt_init(void);
void	idt_load(void);

/* trap.c */
void	pc64_trap(struct trapframe *tf);

/* uart.c */
#define UART_ISA_IRQ	4
void	uart_init(void);
void	uart_intr(void);

/* pic.c */
void	pic_disable(void);

/* acpi.c */
#define ACPI_MAXIOAPIC	4
#define ACPI_MAXISO	16
struct acpi_ioapic {
	uint32_t	ai_pa;		/* register window */
	uint32_t	ai_gsi_base;	/* first GSI it serves */
	uint8_t		ai_id;
};
struct acpi_iso {
	uint8_t		is_isa;		/* ISA irq ... */
	uint32_t	is_gsi;		/* ... delivered on this GSI */
	uint16_t	is_flags;	/* MPS polarity (bits 0-1), trigger (2-3) */
};
struct acpi_madt_info {
	uint64_t	am_lapic_pa;
	int		am_ncpu;
	uint8_t		am_apic_id[PLAT_MAXCPU];
	int		am_nioapic;
	struct acpi_ioapic am_ioapic[ACPI_MAXIOAPIC];
	int		am_niso;
	struct acpi_iso	am_iso[ACPI_MAXISO];
};
extern struct acpi_madt_info acpi_madt;
void	acpi_init(void);

/* ioapic.c */
void	ioapic_init(void);
int	ioapic_route_isa(int isa_irq, uint32_t apic_id);

/* lapic.c */
void	lapic_init(void);
uint32_t lapic_id(void);
void	lapic_eoi(void);
void	lapic_timer_calibrate(void);
void	lapic_timer_intr(void);
void	lapic_ipi(uint32_t apic_id, int vector);
void	lapic_ipi_raw(uint32_t apic_id, uint32_t icr_lo);
#define LAPIC_ICR_INIT		0x00004500	/* INIT, level assert */
#define LAPIC_ICR_STARTUP	0x00004600	/* STARTUP | page number */
extern bool lapic_ready;

/* tsc.c */
void	tsc_calibrate(void);
extern uint64_t tsc_hz;

/* rtc.c */
void	rtc_init(void);

/* memmap.c */
void	memmap_init(const struct multiboot_info *mbi,
	    struct plat_bootinfo *bi);
void	*pc64_mmio_map(uint64_t pa, size_t len);
extern uint64_t pc64_trampoline_pa;	/* AP start page below 1 MiB, or 0 */

/* smp.c */
int	smp_init(void);
void	pc64_ap_init(uint32_t cpu) __attribute__((noreturn));

/* param.c */
void	param_init(const struct multiboot_info *mbi);

#endif /* !_PC64_PC64_H_ */
