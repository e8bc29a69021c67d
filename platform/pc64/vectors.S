/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vectors.S - the 256 interrupt entry stubs and the common path that
 * turns each entry into a call of pc64_trap(struct trapframe *).
 *
 * Stub n sits at pc64_vectors + n * VEC_STUB_SIZE (idt.c relies on the
 * stride).  It pushes a zero error code when the CPU pushes none, then
 * the vector number, and jumps to alltraps, which saves the general
 * registers (struct trapframe in <pc64/frame.h>), swaps %gs when the
 * trap came from user mode, and calls pc64_trap with a made-up frame
 * record {interrupted %rbp, interrupted %rip} so that a backtrace taken
 * inside a handler walks on into the interrupted code.
 *
 * Context: every gate is an interrupt gate, so handlers run with
 * interrupts disabled until iretq restores the interrupted RFLAGS.
 */
#include <pc64/param.h>
#include <pc64/frame.h>

/* Exceptions for which the CPU pushes an error code. */
#define HAS_ERR(n)	((n) == 8 || ((n) >= 10 && (n) <= 14) || \
			    (n) == 17 || (n) == 21 || (n) == 29 || (n) == 30)

	.text
	.balign	VEC_STUB_SIZE
	.globl	pc64_vectors
pc64_vectors:
	.set	vec, 0
	.rept	NIDT
	/* .org fails the build if the previous stub overran its slot. */
	.org	pc64_vectors + vec * VEC_STUB_SIZE, 0xcc
	.if	!HAS_ERR(vec)
	pushq	$0
	.endif
	pushq	$vec
	jmp	alltraps
	.set	vec, vec + 1
	.endr
	.org	pc64_vectors + NIDT * VEC_STUB_SIZE, 0xcc

alltraps:
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rbp
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rbx
	pushq	%rax
	testb	$3, TF_CS(%rsp)
	jz	1f
	swapgs
1:	cld
	movq	%rsp, %rdi
	/* Frame record for backtraces; keeps %rsp 16-byte aligned. */
	pushq	TF_RIP(%rdi)
	pushq	%rbp
	movq	%rsp, %rbp
	call	pc64_trap
	addq	$16, %rsp
	testb	$3, TF_CS(%rsp)
	jz	2f
	swapgs
2:	popq	%rax
	popq	%rbx
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rbp
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	addq	$16, %rsp			/* vector number, error code */
	iretq
