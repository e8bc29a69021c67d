/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * frame.h - the trap frame vectors.S builds on every exception and
 * interrupt: the general registers it pushes, the vector number and
 * error code (0 when the CPU pushes none), then what the CPU pushed.
 * The TF_* offsets are for assembly; the CTASSERTs in trap.c keep them
 * in step with the structure.
 */
#ifndef _PC64_FRAME_H_
#define _PC64_FRAME_H_

#define TF_RAX		0
#define TF_RBP		48
#define TF_TRAPNO	120
#define TF_ERR		128
#define TF_RIP		136
#define TF_CS		144
#define TF_SIZE		176

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
	uint64_t	tf_rax;
	uint64_t	tf_rbx;
	uint64_t	tf_rcx;
	uint64_t	tf_rdx;
	uint64_t	tf_rsi;
	uint64_t	tf_rdi;
	uint64_t	tf_rbp;
	uint64_t	tf_r8;
	uint64_t	tf_r9;
	uint64_t	tf_r10;
	uint64_t	tf_r11;
	uint64_t	tf_r12;
	uint64_t	tf_r13;
	uint64_t	tf_r14;
	uint64_t	tf_r15;
	uint64_t	tf_trapno;
	uint64_t	tf_err;
	/* Pushed by the CPU. */
	uint64_t	tf_rip;
	uint64_t	tf_cs;
	uint64_t	tf_rflags;
	uint64_t	tf_rsp;
	uint64_t	tf_ss;
};
#endif /* !__ASSEMBLER__ */

#endif /* !_PC64_FRAME_H_ */
