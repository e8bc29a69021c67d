/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * lwkt_switch.S - the amd64 thread switch, shared by both builds.
 *
 * thread_t lwkt_cpu_switch(thread_t from, thread_t to)
 *	Save the callee-saved registers on from's stack and the stack
 *	pointer in from->td_sp (offset 0), load to's, and return in to's
 *	context; the return value is `from', the thread switched away from,
 *	so the resumed side can finish that thread's switch-out.  Caller:
 *	lwkt_switch()/lwkt_preempt(), in a critical section with platform
 *	interrupts disabled.  Position-independent: no absolute addresses.
 *
 * lwkt_thread_trampoline
 *	First "return address" of a new thread.  %rax holds the previous
 *	thread; call lwkt_thread_start(prev), which never returns.  %rbp is
 *	0 here, so backtraces end at the thread's first frame.
 */
	.text
	.globl	lwkt_cpu_switch
	.type	lwkt_cpu_switch, @function
lwkt_cpu_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	movq	%rdi, %rax
	ret
	.size	lwkt_cpu_switch, . - lwkt_cpu_switch

	.globl	lwkt_thread_trampoline
	.type	lwkt_thread_trampoline, @function
lwkt_thread_trampoline:
	movq	%rax, %rdi
	call	lwkt_thread_start
	ud2
	.size	lwkt_thread_trampoline, . - lwkt_thread_trampoline

	.section .note.GNU-stack, "", @progbits
