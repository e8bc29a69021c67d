/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * smp.c - the application processors (APs): numbering, start-up and
 * per-CPU setup.
 *
 * CPU 0 is the boot CPU; CPUs 1..bi_ncpu-1 are the other enabled local
 * APICs of the MADT, in MADT order.  plat_cpu_start(cpu) copies the
 * trampoline (mpboot.S) to a free page below 1 MiB (the STARTUP vector
 * is a page number; memmap.c keeps that page out of bi_mem), hands the
 * AP its stack and number, and sends INIT, then two STARTUP IPIs, as the
 * MP specification prescribes.  It returns once the AP has reached
 * pc64_ap_init(), which sets up the CPU's GDT/TSS, IDT and local APIC
 * and enters the core with core_cpu_main(cpu).  A CPU that is already
 * running is refused (EINVAL) rather than reset.  An AP that comes up
 * only after plat_cpu_start gave up (EIO) still enters the core.
 *
 * Protection: the hand-over variables mp_boot_stack/mp_boot_cpu and the
 * trampoline page are owned by plat_cpu_start, which the core calls for
 * one CPU at a time on the boot CPU; mp_started is [a].  The per-CPU
 * stacks and pc64_cpus[cpu] are [I] once the CPU runs.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define AP_STACK_SIZE	(16 * 1024)
#define INIT_WAIT_NS	10000000ULL		/* 10 ms */
#define SIPI_WAIT_NS	200000ULL		/* 200 us */
#define START_WAIT_NS	2000000000ULL		/* 2 s: TCG can be slow */

extern char mp_tramp[], mp_tramp_end[], mp_tramp_32[], mp_tramp_64[];
extern char mp_tramp_gdt[], mp_tramp_gdtdesc[], mp_tramp_jmp32[];
extern char mp_tramp_jmp64[], mp_tramp_cr3[], mp_tramp_entry[];
extern char mp_entry64[];

/* Read by mpboot.S. */
uint64_t	mp_boot_stack;
uint32_t	mp_boot_cpu;

static int	mp_started;			/* [a] AP took the hand-over */
static int	mp_ncpu = 1;			/* [I] */
static bool	mp_running[PLAT_MAXCPU];	/* owned by plat_cpu_start */
static uint64_t	mp_pml4[512] __attribute__((aligned(PAGE_SIZE)));
static uint8_t	ap_stacks[PLAT_MAXCPU][AP_STACK_SIZE]
		    __attribute__((aligned(16)));

/*
 * smp_init - number the CPUs from the MADT; the boot CPU is 0.  Returns
 * the CPU count for bi_ncpu.
 *
 * Context: boot CPU, once, after lapic_init() and memmap_init().
 */
int
smp_init(void)
{
	uint32_t self = pc64_cpus[0].pc_apic_id;
	int i, n = 1;

	if (pc64_trampoline_pa == 0)
		return (1);		/* no low page: only the boot CPU */
	for (i = 0; i < acpi_madt.am_ncpu && n < PLAT_MAXCPU; i++) {
		if (acpi_madt.am_apic_id[i] == self)
			continue;
		pc64_cpus[n].pc_cpu = n;
		pc64_cpus[n].pc_apic_id = acpi_madt.am_apic_id[i];
		n++;
	}
	mp_ncpu = n;
	return (n);
}

static void
tramp_put32(char *page, char *field, uint32_t v)
{
	memcpy(page + (field - mp_tramp), &v, sizeof(v));
}

static void
tramp_setup(void)
{
	uint64_t base = pc64_trampoline_pa, entry;
	char *page = PHYS_TO_DMAP(base);

	memcpy(page, mp_tramp, (size_t)(mp_tramp_end - mp_tramp));
	tramp_put32(page, mp_tramp_gdtdesc + 2,
	    (uint32_t)(base + (mp_tramp_gdt - mp_tramp)));
	tramp_put32(page, mp_tramp_jmp32,
	    (uint32_t)(base + (mp_tramp_32 - mp_tramp)));
	tramp_put32(page, mp_tramp_jmp64,
	    (uint32_t)(base + (mp_tramp_64 - mp_tramp)));
	tramp_put32(page, mp_tramp_cr3, (uint32_t)KVA_TO_PHYS(mp_pml4));
	entry = (uint64_t)(uintptr_t)mp_entry64;
	memcpy(page + (mp_tramp_entry - mp_tramp), &entry, sizeof(entry));

	/* The kernel's tables plus the identity map of low memory. */
	memcpy(mp_pml4, boot_pml4, sizeof(mp_pml4));
	mp_pml4[0] = KVA_TO_PHYS(boot_pdpt_low) | PG_P | PG_RW;
}

static void
delay_ns(uint64_t ns)
{
	uint64_t end = plat_clock_ns() + ns;

	while (plat_clock_ns() < end)
		cpu_pause();
}

int
plat_cpu_start(int cpu)
{
	struct pc64_cpu *pc;
	uint64_t deadline;
	uint32_t vector;

	if (cpu < 1 || cpu >= mp_ncpu || mp_running[cpu])
		return (EINVAL);	/* no such CPU, or started already */
	pc = &pc64_cpus[cpu];
	tramp_setup();
	mp_boot_cpu = (uint32_t)cpu;
	mp_boot_stack = (uint64_t)(uintptr_t)&ap_stacks[cpu][AP_STACK_SIZE];
	__atomic_store_n(&mp_started, 0, __ATOMIC_RELEASE);

	vector = (uint32_t)(pc64_trampoline_pa >> PAGE_SHIFT);
	lapic_ipi_raw(pc->pc_apic_id, LAPIC_ICR_INIT);
	delay_ns(INIT_WAIT_NS);
	lapic_ipi_raw(pc->pc_apic_id, LAPIC_ICR_STARTUP | vector);
	delay_ns(SIPI_WAIT_NS);
	if (!__atomic_load_n(&mp_started, __ATOMIC_ACQUIRE))
		lapic_ipi_raw(pc->pc_apic_id, LAPIC_ICR_STARTUP | vector);

	deadline = plat_clock_ns() + START_WAIT_NS;
	while (!__atomic_load_n(&mp_started, __ATOMIC_ACQUIRE)) {
		if (plat_clock_ns() > deadline)
			return (EIO);
		cpu_pause();
	}
	mp_running[cpu] = true;
	return (0);
}

/*
 * pc64_ap_init - first C code on an AP: this CPU's descriptor tables,
 * the kernel's page tables and the local APIC, then the core.
 *
 * Context: the new CPU, interrupts disabled, on its own stack with the
 * outermost frame pointer 0.
 */
void
pc64_ap_init(uint32_t cpu)
{
	struct pc64_cpu *pc = &pc64_cpus[cpu];

	gdt_init(pc);
	lcr3(KVA_TO_PHYS(boot_pml4));	/* drop the trampoline's identity map */
	idt_load();
	lapic_init();
	__atomic_store_n(&mp_started, 1, __ATOMIC_RELEASE);
	core_cpu_main((int)cpu);
}
