/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * mpboot.S - how an application processor (AP) gets from the startup IPI
 * to C in long mode.
 *
 * A started AP begins in 16-bit real mode at CS:IP = (vector << 8):0, so
 * the code between mp_tramp and mp_tramp_end is copied by smp.c to a page
 * below 1 MiB and runs there.  It is position-independent: it finds its
 * own base from %cs, and smp.c fills in the few absolute values it needs
 * (the fields after the code): the trampoline GDT's address, the two far
 * jump targets, the page-table root and the 64-bit entry point.  The AP
 * then goes real mode -> 32-bit protected mode -> long mode on
 * mp_pml4 (the kernel's tables plus an identity map of low memory,
 * which the code needs while it still runs at its physical address),
 * and jumps to mp_entry64 in the higher half, which takes the stack
 * smp.c prepared and calls pc64_ap_init(cpu) with %rbp = 0.
 *
 * Context: one AP at a time (smp.c hands the stack and CPU number over
 * through mp_boot_stack/mp_boot_cpu and waits until the AP has taken
 * them); interrupts disabled throughout.
 */
#include <pc64/param.h>

#define OFF(x)		((x) - mp_tramp)

	.text
	.code16
	.globl	mp_tramp, mp_tramp_end
	.globl	mp_tramp_gdtdesc, mp_tramp_jmp32, mp_tramp_jmp64
	.globl	mp_tramp_cr3, mp_tramp_entry
mp_tramp:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	xorl	%ebx, %ebx
	movw	%ax, %bx
	shll	$4, %ebx			/* %ebx = physical base */
	lgdtl	OFF(mp_tramp_gdtdesc)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	*OFF(mp_tramp_jmp32)

	.code32
mp_tramp_32:
	movl	$0x10, %eax			/* flat 32-bit data */
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	OFF(mp_tramp_cr3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP), %eax
	movl	%eax, %cr0
	ljmpl	*OFF(mp_tramp_jmp64)(%ebx)

	.code64
mp_tramp_64:
	movq	OFF(mp_tramp_entry)(%rbx), %rax
	jmp	*%rax

	/* Trampoline GDT: 32-bit code (0x08), data (0x10), 64-bit code. */
	.balign	8
mp_tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff
	.quad	0x00cf92000000ffff
	.quad	0x00af9a000000ffff
mp_tramp_gdt_end:

	/* Filled in by smp.c (absolute values). */
	.balign	8
mp_tramp_gdtdesc:
	.word	mp_tramp_gdt_end - mp_tramp_gdt - 1
	.long	0				/* base + OFF(mp_tramp_gdt) */
	.balign	8
mp_tramp_jmp32:
	.long	0				/* base + OFF(mp_tramp_32) */
	.word	0x08
	.balign	8
mp_tramp_jmp64:
	.long	0				/* base + OFF(mp_tramp_64) */
	.word	0x18
	.balign	8
mp_tramp_cr3:
	.long	0				/* mp_pml4, physical */
	.balign	8
mp_tramp_entry:
	.quad	0				/* mp_entry64 */
mp_tramp_end:

	.globl	mp_tramp_32, mp_tramp_64, mp_tramp_gdt

/*
 * In the higher half now: take our stack and go to C.  The GDTR still
 * points at the trampoline's GDT in low memory, so the identity map
 * stays until pc64_ap_init() has loaded this CPU's own GDT.
 */
	.globl	mp_entry64
mp_entry64:
	movabsq	$mp_boot_stack, %rax
	movq	(%rax), %rsp
	movabsq	$mp_boot_cpu, %rax
	movl	(%rax), %edi
	xorl	%ebp, %ebp			/* outermost frame */
	call	pc64_ap_init
1:	cli
	hlt
	jmp	1b
