/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * machdep.c - the pc64 boot sequence and the bootinfo handed to the core.
 *
 * boot.S calls pc64_init() in long mode, on the boot stack, with the
 * multiboot information's physical address.  pc64_init brings the
 * machine up in dependency order (console first, so every later failure
 * can be reported), fills pc64_bootinfo and calls core_boot(), which
 * never returns.  plat_halt() also lives here.  docs/pc64.md describes
 * the whole boot path.
 *
 * Context: pc64_init runs once, on the boot CPU, interrupts disabled.
 * pc64_bootinfo is [I]: written here, read-only once the core has it.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <plat/plat.h>
#include <pc64/cpufunc.h>
#include <pc64/multiboot.h>
#include <pc64/pc64.h>

struct plat_bootinfo pc64_bootinfo;
struct pc64_cpu pc64_cpus[PLAT_MAXCPU];

static void
early_puts(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	plat_cons_write(s, n);
}

/*
 * Drop the identity map boot.S needed for the switch to the higher half,
 * so that a NULL (or any low) pointer faults instead of reading RAM.
 */
static void
drop_identity_map(void)
{
	boot_pml4[0] = 0;
	lcr3(rcr3());
}

void
pc64_init(uint32_t mbi_pa)
{
	const struct multiboot_info *mbi = PHYS_TO_DMAP(mbi_pa);
	struct plat_bootinfo *bi = &pc64_bootinfo;
	struct pc64_cpu *pc = &pc64_cpus[0];
	int i;

	uart_init();

	/* Descriptor tables and traps, so faults from here on are reported. */
	pc->pc_cpu = 0;
	for (i = 1; i < PLAT_MAXCPU; i++)
		pc64_cpus[i].pc_apic_id = UINT32_MAX;
	gdt_init(pc);
	idt_init();
	idt_load();
	drop_identity_map();

	/* Memory map and command line, before anything reuses their RAM. */
	memmap_init(mbi, bi);
	param_init(mbi);

	/* Interrupt controllers, then time. */
	pic_disable();
	acpi_init();
	lapic_init();
	pc->pc_apic_id = lapic_id();
	ioapic_init();
	tsc_calibrate();
	lapic_timer_calibrate();
	rtc_init();

	bi->bi_version = PLAT_VERSION;
	bi->bi_ncpu = (uint32_t)smp_init();
	bi->bi_name = "pc64";
	bi->bi_dmap = DMAP_BASE;
	bi->bi_image_base = (uint64_t)(uintptr_t)__kernel_start;
	bi->bi_cons_irq = ioapic_route_isa(UART_ISA_IRQ, pc->pc_apic_id);
	if (bi->bi_cons_irq < 0)
		early_puts("pc64: no IOAPIC pin for COM1: console input "
		    "by polling only\n");

	core_boot(bi);
}

/*
 * pc64_curcpu - this CPU's platform structure, found by local APIC id
 * (the core owns %gs).  Before the local APIC is up only the boot CPU
 * runs.
 *
 * Context: any; never blocks.
 */
struct pc64_cpu *
pc64_curcpu(void)
{
	uint32_t id;
	int i;

	if (!lapic_ready)
		return (&pc64_cpus[0]);
	id = lapic_id();
	for (i = 0; i < PLAT_MAXCPU; i++)
		if (pc64_cpus[i].pc_apic_id == id)
			return (&pc64_cpus[i]);
	return (&pc64_cpus[0]);
}

/*
 * plat_halt - leave QEMU through isa-debug-exit (QEMU exits with status
 * (status << 1) | 1); on a machine without that device, stop the CPU.
 */
void
plat_halt(int status)
{
	cli();
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	for (;;)
		__asm__ __volatile__("cli; hlt");
}
