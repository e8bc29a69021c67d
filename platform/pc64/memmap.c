/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * memmap.c - physical memory: which RAM the core may have, the direct
 * map over all of it, and uncached windows for device registers.
 *
 * The multiboot memory map (or, without one, the mem_upper size) lists
 * the machine's RAM; bi_physmem is its total.  bi_mem[] is that RAM
 * minus everything still in use when the core starts: the first MiB
 * (BIOS data, EBDA, option ROMs, the AP start-up page), the kernel
 * image (which includes the boot page tables and stacks, all in .bss),
 * the multiboot information with its command line, memory map and
 * modules, and the page directories made here.  Ranges are page
 * aligned.
 *
 * boot.S maps physical 0..4 GiB at DMAP_BASE; RAM above that gets 2 MiB
 * mappings here, in page directories taken from the RAM below 4 GiB
 * (at most 512 GiB: one PDPT).  pc64_mmio_map() marks the 2 MiB pages
 * under a device's registers uncached.
 *
 * Context: memmap_init() once on the boot CPU before the core starts;
 * pc64_mmio_map() on the boot CPU while devices are set up (it edits
 * shared page tables without a lock).
 */
#include <sys/types.h>
#include <string.h>
#include <pc64/cpufunc.h>
#include <pc64/multiboot.h>
#include <pc64/pc64.h>

#define LOW_MEM_END	0x100000ULL
#define MAXRESV		16

struct physrange {
	uint64_t	pr_start;
	uint64_t	pr_end;
};

static struct physrange	resv[MAXRESV];
static int		nresv;
static uint64_t		dmap_end = BOOT_DMAP_SIZE;	/* [I] */
uint64_t		pc64_trampoline_pa;		/* [I] */

static void
early_puts(const char *s)
{
	plat_cons_write(s, strlen(s));
}

static void
reserve(uint64_t start, uint64_t end)
{
	if (end <= start)
		return;
	if (nresv == MAXRESV) {
		/* Cannot happen with the fixed list below. */
		early_puts("pc64: memmap: too many reserved ranges\n");
		plat_halt(PLAT_EXIT_PANIC);
	}
	resv[nresv].pr_start = rounddown2(start, PAGE_SIZE);
	resv[nresv].pr_end = roundup2(end, PAGE_SIZE);
	nresv++;
}

/* Add [start, end) less every reserved range, from resv[i] on. */
static void
add_free(struct plat_bootinfo *bi, uint64_t start, uint64_t end, int i)
{
	for (; i < nresv; i++) {
		if (resv[i].pr_end <= start || resv[i].pr_start >= end)
			continue;
		if (resv[i].pr_start > start)
			add_free(bi, start, resv[i].pr_start, i + 1);
		start = resv[i].pr_end;
		if (start >= end)
			return;
	}
	if (bi->bi_nmem == PLAT_MAXMEM) {
		early_puts("pc64: memmap: more RAM ranges than PLAT_MAXMEM; "
		    "ignoring the rest\n");
		return;
	}
	bi->bi_mem[bi->bi_nmem].mr_pa = start;
	bi->bi_mem[bi->bi_nmem].mr_len = end - start;
	bi->bi_nmem++;
}

static void
add_ram(struct plat_bootinfo *bi, uint64_t base, uint64_t len)
{
	uint64_t start, end;

	if (base + len < base)
		len = -base;		/* clip at the top of the space */
	bi->bi_physmem += len;
	start = roundup2(base, PAGE_SIZE);
	end = rounddown2(base + len, PAGE_SIZE);
	if (start < LOW_MEM_END)
		start = LOW_MEM_END;
	if (start < end)
		add_free(bi, start, end, 0);
}

static void
reserve_multiboot(uint64_t mbi_pa, const struct multiboot_info *mbi)
{
	const struct multiboot_mod *mod;
	const char *s;
	uint32_t i;

	reserve(mbi_pa, mbi_pa + sizeof(*mbi));
	if ((mbi->mbi_flags & MBI_CMDLINE) && mbi->mbi_cmdline != 0) {
		s = PHYS_TO_DMAP(mbi->mbi_cmdline);
		reserve(mbi->mbi_cmdline, mbi->mbi_cmdline + strlen(s) + 1);
	}
	if (mbi->mbi_flags & MBI_MMAP)
		reserve(mbi->mbi_mmap_addr,
		    (uint64_t)mbi->mbi_mmap_addr + mbi->mbi_mmap_length);
	if ((mbi->mbi_flags & MBI_MODS) && mbi->mbi_mods_count > 0) {
		reserve(mbi->mbi_mods_addr, mbi->mbi_mods_addr +
		    (uint64_t)mbi->mbi_mods_count * sizeof(*mod));
		mod = PHYS_TO_DMAP(mbi->mbi_mods_addr);
		/* The list has room for a few modules; more are not used. */
		for (i = 0; i < mbi->mbi_mods_count && nresv < MAXRESV - 1;
		    i++)
			reserve(mod[i].mod_start, mod[i].mod_end);
	}
}

/*
 * Remember the lowest free RAM page of [base, base + len) that lies in
 * 4 KiB..1 MiB, for the AP start-up trampoline (smp.c).
 */
static void
find_trampoline(uint64_t base, uint64_t len)
{
	uint64_t pa, end = base + len;
	int i;

	if (pc64_trampoline_pa != 0)
		return;
	for (pa = roundup2(MAX(base, PAGE_SIZE), PAGE_SIZE);
	    pa + PAGE_SIZE <= end && pa + PAGE_SIZE <= LOW_MEM_END;
	    pa += PAGE_SIZE) {
		for (i = 0; i < nresv; i++)
			if (resv[i].pr_start < pa + PAGE_SIZE &&
			    resv[i].pr_end > pa)
				break;
		if (i == nresv) {
			pc64_trampoline_pa = pa;
			return;
		}
	}
}

/*
 * Take one page of bi_mem below the boot direct map's end, for a page
 * table.  Returns its physical address, or 0.
 */
static uint64_t
steal_page(struct plat_bootinfo *bi)
{
	struct plat_memrange *mr;
	uint32_t i;

	for (i = 0; i < bi->bi_nmem; i++) {
		mr = &bi->bi_mem[i];
		if (mr->mr_len >= PAGE_SIZE &&
		    mr->mr_pa + mr->mr_len <= BOOT_DMAP_SIZE) {
			mr->mr_len -= PAGE_SIZE;
			return (mr->mr_pa + mr->mr_len);
		}
	}
	return (0);
}

/* Map RAM beyond 4 GiB into the direct map, one page directory per GiB. */
static void
dmap_extend(struct plat_bootinfo *bi, uint64_t top)
{
	uint64_t gib, pd_pa, *pd;
	int i;

	if (top > 512 * NBPDP) {
		early_puts("pc64: memmap: RAM above 512 GiB is not mapped\n");
		top = 512 * NBPDP;
	}
	for (gib = BOOT_DMAP_SIZE / NBPDP; gib * NBPDP < top; gib++) {
		pd_pa = steal_page(bi);
		if (pd_pa == 0) {
			early_puts("pc64: memmap: no page for the direct "
			    "map\n");
			plat_halt(PLAT_EXIT_PANIC);
		}
		pd = PHYS_TO_DMAP(pd_pa);
		for (i = 0; i < 512; i++)
			pd[i] = (gib * NBPDP + (uint64_t)i * NBPDR) |
			    PG_P | PG_RW | PG_PS;
		boot_pdpt_low[gib] = pd_pa | PG_P | PG_RW;
		dmap_end = (gib + 1) * NBPDP;
	}
	lcr3(rcr3());
	/* Touch the last word of RAM: a bad mapping faults here, at boot. */
	(void)*(volatile uint64_t *)PHYS_TO_DMAP(rounddown2(top - 8, 8));
}

/*
 * memmap_init - fill bi_physmem and bi_mem[] from the multiboot
 * information, and extend the direct map over all RAM.
 *
 * Context: boot CPU, once, interrupts disabled, before anything else
 * allocates physical memory.
 */
void
memmap_init(const struct multiboot_info *mbi, struct plat_bootinfo *bi)
{
	const struct multiboot_mmap *mm;
	uint64_t mbi_pa = (uint64_t)(uintptr_t)mbi - DMAP_BASE;
	uint64_t top = 0, off;

	reserve(KVA_TO_PHYS(__kernel_start), KVA_TO_PHYS(__kernel_end));
	reserve_multiboot(mbi_pa, mbi);

	bi->bi_physmem = 0;
	bi->bi_nmem = 0;
	if (mbi->mbi_flags & MBI_MMAP) {
		for (off = 0; off + sizeof(*mm) <= mbi->mbi_mmap_length;
		    off += mm->mm_size + 4) {
			mm = PHYS_TO_DMAP(mbi->mbi_mmap_addr + off);
			if (mm->mm_type != MMAP_RAM || mm->mm_len == 0)
				continue;
			add_ram(bi, mm->mm_base, mm->mm_len);
			find_trampoline(mm->mm_base, mm->mm_len);
			if (mm->mm_base + mm->mm_len > top)
				top = mm->mm_base + mm->mm_len;
		}
	} else if (mbi->mbi_flags & MBI_MEMORY) {
		add_ram(bi, LOW_MEM_END, (uint64_t)mbi->mbi_mem_upper * 1024);
		top = LOW_MEM_END + (uint64_t)mbi->mbi_mem_upper * 1024;
	}
	if (bi->bi_nmem == 0) {
		early_puts("pc64: memmap: the loader reported no usable "
		    "RAM\n");
		plat_halt(PLAT_EXIT_PANIC);
	}
	if (top > dmap_end)
		dmap_extend(bi, top);
}

/*
 * pc64_mmio_map - a kernel pointer to device registers at physical pa:
 * their direct-map address, with the 2 MiB pages under it made uncached.
 *
 * Context: boot CPU during device setup.  Returns NULL when pa is beyond
 * the direct map.
 */
void *
pc64_mmio_map(uint64_t pa, size_t len)
{
	uint64_t va;

	if (len == 0 || pa + len < pa || pa + len > BOOT_DMAP_SIZE)
		return (NULL);
	for (va = rounddown2(pa, NBPDR); va < pa + len; va += NBPDR) {
		boot_pd[va / NBPDR] |= PG_PCD | PG_PWT;
		invlpg(DMAP_BASE + va);
		if (va < 2 * NBPDP)
			invlpg(KERNBASE + va);	/* shares boot_pd */
	}
	return (PHYS_TO_DMAP(pa));
}
