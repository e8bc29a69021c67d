/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * boot.S - from the multiboot loader's 32-bit protected mode to C in
 * long mode, in the higher half.
 *
 * The loader enters pc64_entry at its physical address with paging off,
 * %eax = the multiboot magic and %ebx = the physical address of the
 * multiboot information.  We check both and that the CPU has long mode,
 * build the boot page tables, turn on PAE + long mode + paging, and jump
 * to the kernel's link address.  The boot page tables map physical
 * 0..4 GiB three times with 2 MiB pages, all sharing four page
 * directories:
 *
 *   0                   identity (only until pc64_init drops it)
 *   DMAP_BASE           the direct map (bi_dmap); memmap.c extends it
 *                       past 4 GiB when the machine has more RAM
 *   KERNBASE            physical 0..2 GiB: where the image is linked
 *
 * The tables and the boot stack live in .bss, so they are inside the
 * kernel image range that memmap.c keeps away from the core.  pc64_init
 * is called on the boot stack with %rbp = 0, the outermost frame the
 * core's backtrace walker stops at.
 *
 * Context: boot CPU only, interrupts disabled throughout.
 */
#include <pc64/param.h>

#define V2P(x)		((x) - KERNBASE)
#define COM1		0x3f8

	.section .text.boot, "ax"
	.code32
	.globl	pc64_entry
pc64_entry:
	cli
	cld
	movl	$V2P(boot_stack_top), %esp
	movl	%ebx, %esi			/* keep the mbi address */

	cmpl	$MULTIBOOT_BOOT_MAGIC, %eax
	movl	$V2P(msg_magic), %edx
	jne	boot_fail32

	/* Long mode?  cpuid 0x80000001 %edx bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	movl	$V2P(msg_nolm), %edx
	jb	boot_fail32
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	movl	$V2P(msg_nolm), %edx
	jnc	boot_fail32

	/*
	 * Page directories: boot_pd[i] maps physical i * 2 MiB.  The
	 * loader zeroed .bss, but a warm restart might not, so write every
	 * entry of every table.
	 */
	movl	$V2P(boot_pd), %edi
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PG_P | PG_RW | PG_PS), %eax
	movl	%eax, (%edi,%ecx,8)
	movl	%ecx, %eax
	shrl	$11, %eax			/* high half: i * 2 MiB >> 32 */
	movl	%eax, 4(%edi,%ecx,8)
	incl	%ecx
	cmpl	$(4 * 512), %ecx
	jb	1b

	/* Clear the PML4 and both PDPTs. */
	xorl	%eax, %eax
	movl	$V2P(boot_pml4), %edi
	movl	$(3 * PAGE_SIZE / 4), %ecx
	rep stosl				/* tables are adjacent in .bss */

	/* Low PDPT: four directories, physical 0..4 GiB. */
	movl	$V2P(boot_pdpt_low), %edi
	movl	$V2P(boot_pd), %eax
	orl	$(PG_P | PG_RW), %eax
	movl	%eax, 0(%edi)
	addl	$PAGE_SIZE, %eax
	movl	%eax, 8(%edi)
	addl	$PAGE_SIZE, %eax
	movl	%eax, 16(%edi)
	addl	$PAGE_SIZE, %eax
	movl	%eax, 24(%edi)

	/* High PDPT: slots 510 and 511 are KERNBASE .. KERNBASE+2 GiB. */
	movl	$V2P(boot_pdpt_high), %edi
	movl	$V2P(boot_pd), %eax
	orl	$(PG_P | PG_RW), %eax
	movl	%eax, (510 * 8)(%edi)
	addl	$PAGE_SIZE, %eax
	movl	%eax, (511 * 8)(%edi)

	/* PML4: identity (0), direct map (256), kernel (511). */
	movl	$V2P(boot_pml4), %edi
	movl	$V2P(boot_pdpt_low), %eax
	orl	$(PG_P | PG_RW), %eax
	movl	%eax, 0(%edi)
	movl	%eax, (256 * 8)(%edi)
	movl	$V2P(boot_pdpt_high), %eax
	orl	$(PG_P | PG_RW), %eax
	movl	%eax, (511 * 8)(%edi)

	/* PAE, then the tables, then long mode, then paging. */
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$V2P(boot_pml4), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

	lgdt	V2P(boot_gdt_desc)
	ljmp	$GSEL_KCODE, $V2P(boot_entry64)

/*
 * Print the message at %edx on COM1 (polling, whatever state the UART is
 * in) and stop.  32-bit code: we never got to long mode.
 */
boot_fail32:
	movb	(%edx), %al
	testb	%al, %al
	jz	2f
	movl	%edx, %ebx
	movw	$(COM1 + 5), %dx
1:	inb	%dx, %al
	testb	$0x20, %al
	jz	1b
	movw	$COM1, %dx
	movb	(%ebx), %al
	outb	%al, %dx
	movl	%ebx, %edx
	incl	%edx
	jmp	boot_fail32
2:	cli
	hlt
	jmp	2b

	.code64
boot_entry64:
	/* Still running at the physical address: go up to the link one. */
	movabsq	$boot_high, %rax
	jmp	*%rax

	.text
boot_high:
	movl	$GSEL_KDATA, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	movabsq	$boot_stack_top, %rsp
	xorl	%ebp, %ebp			/* outermost frame */
	movl	%esi, %edi			/* pc64_init(mbi_pa) */
	call	pc64_init
1:	cli
	hlt
	jmp	1b

	.section .rodata
msg_magic:
	.asciz	"pc64: not started by a multiboot loader\r\n"
msg_nolm:
	.asciz	"pc64: this CPU has no long mode (need x86-64)\r\n"

/*
 * The boot GDT: just enough for the far jump into 64-bit code.
 * gdt_init() replaces it with the per-CPU table.  The descriptor holds
 * the physical address; lgdt runs before paging reaches the high half.
 */
	.balign	8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff		/* GSEL_KCODE: 64-bit code */
	.quad	0x00cf92000000ffff		/* GSEL_KDATA */
boot_gdt_end:
boot_gdt_desc:
	.word	boot_gdt_end - boot_gdt - 1
	.long	V2P(boot_gdt)

	.bss
	.balign	PAGE_SIZE
	.globl	boot_pml4, boot_pdpt_low, boot_pd
boot_pml4:
	.skip	PAGE_SIZE
boot_pdpt_low:
	.skip	PAGE_SIZE
boot_pdpt_high:
	.skip	PAGE_SIZE
boot_pd:
	.skip	4 * PAGE_SIZE
	.globl	boot_stack, boot_stack_top
boot_stack:
	.skip	BOOT_STACK_SIZE
boot_stack_top:
