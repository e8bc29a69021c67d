/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * multiboot.S - the Multiboot 1 header that makes kernel.pc64 bootable
 * by QEMU's -kernel (and GRUB's multiboot command).
 *
 * kernel.pc64 is an ELF64 file, which QEMU's multiboot loader refuses to
 * parse.  Flag bit 16 (the "a.out kludge") tells the loader to ignore
 * the ELF headers and use the addresses given here instead: it copies
 * the file from the header's offset minus (header_addr - load_addr), up
 * to load_end_addr, to physical load_addr, zeroes up to bss_end_addr and
 * jumps to entry_addr in 32-bit protected mode.  That works because
 * kernel.ld lays the image out so file offsets and physical addresses
 * advance together; check_image.py verifies this after every link.
 * The header must lie in the first 8 KiB of the file: kernel.ld puts it
 * first in .text.
 *
 * Context: data only, read by the boot loader.
 */
#include <pc64/param.h>

#define V2P(x)		((x) - KERNBASE)
#define MB_FLAGS	(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | \
			    MULTIBOOT_AOUT_KLUDGE)

	.section .multiboot, "a"
	.balign	4
	.globl	multiboot_header
multiboot_header:
	.long	MULTIBOOT_HEADER_MAGIC
	.long	MB_FLAGS
	.long	-(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)
	.long	V2P(multiboot_header)		/* header_addr */
	.long	V2P(__kernel_start)		/* load_addr */
	.long	V2P(__kernel_edata)		/* load_end_addr */
	.long	V2P(__kernel_end)		/* bss_end_addr */
	.long	V2P(pc64_entry)			/* entry_addr */
