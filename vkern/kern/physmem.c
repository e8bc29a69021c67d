/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * physmem.c - the machine's RAM as the platform reported it, and the
 * monitor's `mem' command.  (The page allocator over these ranges is
 * vm's, vm/vm_page.c; this file only reports, and asks it for its
 * statistics.)  Read-only after boot: no locking here.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/monitor.h>
#include <vm/vm_page.h>

static int
cmd_mem(int argc, char **argv)
{
	const struct plat_bootinfo *bi = bootinfo;
	uint64_t avail = 0;
	uint32_t i;

	for (i = 0; i < bi->bi_nmem; i++)
		avail += bi->bi_mem[i].mr_len;
	kprintf("physical memory: %llu MB (%llu bytes)\n",
	    (unsigned long long)(bi->bi_physmem >> 20),
	    (unsigned long long)bi->bi_physmem);
	kprintf("available to the kernel: %llu KB in %u range%s\n",
	    (unsigned long long)(avail >> 10), bi->bi_nmem,
	    bi->bi_nmem == 1 ? "" : "s");
	for (i = 0; i < bi->bi_nmem; i++)
		kprintf("  0x%012llx-0x%012llx  %llu KB\n",
		    (unsigned long long)bi->bi_mem[i].mr_pa,
		    (unsigned long long)(bi->bi_mem[i].mr_pa +
		    bi->bi_mem[i].mr_len - 1),
		    (unsigned long long)(bi->bi_mem[i].mr_len >> 10));
	kprintf("direct map at %#llx\n", (unsigned long long)bi->bi_dmap);
	vm_page_print_stats();
	return (0);
}
MONITOR_COMMAND(mem, "", "physical memory and its ranges", cmd_mem);
