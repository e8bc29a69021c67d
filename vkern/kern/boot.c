/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * boot.c - the first core code to run on each CPU.
 *
 * core_boot() is where a platform hands the boot CPU to the core: it
 * checks the contract version, sets up per-CPU data, prints the banner,
 * runs every SYSINIT in order (which starts the other CPUs near the end)
 * and lands in the kernel monitor.  The boot context is thread0 of cpu 0
 * and runs in a critical section until the SYSINITs are done.
 * core_cpu_main() is where every other CPU arrives: its boot context
 * becomes that CPU's idle thread.
 *
 * Protection: bootinfo, boot_time_ns and ncpus are written once on the
 * boot CPU before any other CPU starts ([I]).
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/globaldata.h>
#include <sys/monitor.h>
#include <sys/thread.h>
#include <sys/thread_inline.h>
#include <plat/plat.h>

const struct plat_bootinfo *bootinfo;
uint64_t boot_time_ns;
int ncpus = 1;
struct globaldata cpu_globaldata[PLAT_MAXCPU];

SET_DECLARE(sysinit_set, struct sysinit);

void
globaldata_init_self(int cpu)
{
	struct globaldata *gd = &cpu_globaldata[cpu];

	gd->gd_self = gd;
	gd->gd_cpuid = cpu;
	plat_cpu_set_percpu(gd);
}

static void
boot_banner(const struct plat_bootinfo *bi)
{
	kprintf("Damselfly %s on %s: %llu MB RAM, %d CPU%s\n",
	    DAMSELFLY_VERSION, bi->bi_name,
	    (unsigned long long)(bi->bi_physmem >> 20), ncpus,
	    ncpus == 1 ? "" : "s");
}

void
kernel_init(const struct plat_bootinfo *bi)
{
	if (bi->bi_version != PLAT_VERSION)
		panic("platform contract version %u, core expects %u",
		    bi->bi_version, PLAT_VERSION);
	if (bi->bi_ncpu < 1 || bi->bi_ncpu > PLAT_MAXCPU)
		panic("platform reports %u CPUs (1..%d supported)",
		    bi->bi_ncpu, PLAT_MAXCPU);
	bootinfo = bi;
	boot_time_ns = plat_clock_ns();
	ncpus = (int)bi->bi_ncpu;
	globaldata_init_self(0);
	lwkt_boot_cpu0(mycpu);
	mycpu->gd_online = 1;

	boot_banner(bi);
	sysinit_run(SET_BEGIN(sysinit_set), SET_COUNT(sysinit_set));
	crit_exit();			/* interrupts may now run */
}

void
core_boot(const struct plat_bootinfo *bi)
{
	kernel_init(bi);
	monitor_run();
}

/*
 * Start every other CPU and wait until each says it runs.
 */
static void
smp_start_cpus(void *arg __unused)
{
	uint64_t deadline;
	int cpu, error, online = 1;

	for (cpu = 1; cpu < ncpus; cpu++) {
		error = plat_cpu_start(cpu);
		if (error != 0) {
			kprintf("cpu%d: failed to start (error %d)\n", cpu,
			    error);
			continue;
		}
		deadline = plat_clock_ns() + 5000000000ull;
		while (!__atomic_load_n(&cpu_globaldata[cpu].gd_online,
		    __ATOMIC_ACQUIRE)) {
			if (plat_clock_ns() > deadline)
				panic("cpu%d started but never came up", cpu);
			plat_cpu_yield_hint();
		}
		online++;
	}
	if (ncpus > 1)
		kprintf("smp: %d of %d CPUs online\n", online, ncpus);
}
SYSINIT(smp, SI_SUB_SMP, SI_ORDER_FIRST, smp_start_cpus, NULL);

void
core_cpu_main(int cpu)
{
	globaldata_init_self(cpu);
	lwkt_ap_main(mycpu);
}

