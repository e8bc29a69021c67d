/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fakeplat_switch.S - switch the host thread from one simulated CPU's
 * stack to another's (fakeplat.c).
 *
 * void fp_ctx_switch(void **save_sp, void *load_sp)
 *	Push the callee-saved registers, store %rsp in *save_sp, load
 *	load_sp and pop the registers saved there: the call returns in the
 *	other CPU's context.  A new CPU's stack is prepared by fakeplat.c
 *	to "return" into fp_cpu_entry() with %rbp = 0.  No signal mask, no
 *	system call: %gs is set by the caller.
 */
	.text
	.globl	fp_ctx_switch
	.type	fp_ctx_switch, @function
fp_ctx_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	fp_ctx_switch, . - fp_ctx_switch

	.section .note.GNU-stack, "", @progbits
