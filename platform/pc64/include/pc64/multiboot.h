/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * multiboot.h - the parts of the Multiboot 1 boot information that pc64
 * reads: memory sizes, the command line and the BIOS memory map.  The
 * loader leaves the structure in low physical memory; machdep.c reads it
 * through the direct map once, at boot, before anything can reuse it.
 */
#ifndef _PC64_MULTIBOOT_H_
#define _PC64_MULTIBOOT_H_

#include <stdint.h>

/* mbi_flags: which fields below are valid. */
#define MBI_MEMORY	0x00000001	/* mbi_mem_lower, mbi_mem_upper */
#define MBI_CMDLINE	0x00000004	/* mbi_cmdline */
#define MBI_MODS	0x00000008	/* mbi_mods_* */
#define MBI_MMAP	0x00000040	/* mbi_mmap_* */

struct multiboot_info {
	uint32_t	mbi_flags;
	uint32_t	mbi_mem_lower;		/* KiB below 640 KiB */
	uint32_t	mbi_mem_upper;		/* KiB from 1 MiB on */
	uint32_t	mbi_boot_device;
	uint32_t	mbi_cmdline;		/* physical address, NUL-ended */
	uint32_t	mbi_mods_count;
	uint32_t	mbi_mods_addr;
	uint32_t	mbi_syms[4];
	uint32_t	mbi_mmap_length;	/* bytes */
	uint32_t	mbi_mmap_addr;		/* physical address */
} __attribute__((packed));

/*
 * One memory map entry.  mm_size counts the bytes after itself, so the
 * next entry starts mm_size + 4 bytes further on.
 */
struct multiboot_mmap {
	uint32_t	mm_size;
	uint64_t	mm_base;
	uint64_t	mm_len;
	uint32_t	mm_type;		/* MMAP_RAM, or reserved */
} __attribute__((packed));

#define MMAP_RAM	1

/* One boot module (none are used yet, but their memory is reserved). */
struct multiboot_mod {
	uint32_t	mod_start;
	uint32_t	mod_end;
	uint32_t	mod_string;
	uint32_t	mod_reserved;
} __attribute__((packed));

#endif /* !_PC64_MULTIBOOT_H_ */
