/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_stack.S - vk_call_noframe(fn, arg): call fn(arg) with %rbp = 0, so
 * the kernel's frame-pointer chain ends at the vCPU's first kernel
 * frame instead of running into host library frames.  fn never returns.
 * Position-independent (the vkernel is PIE).
 */
	.text
	.globl	vk_call_noframe
	.type	vk_call_noframe, @function
vk_call_noframe:
	xorl	%ebp, %ebp
	movq	%rdi, %rax
	movq	%rsi, %rdi
	andq	$-16, %rsp
	call	*%rax
	ud2
	.size	vk_call_noframe, . - vk_call_noframe
	.section .note.GNU-stack, "", @progbits
