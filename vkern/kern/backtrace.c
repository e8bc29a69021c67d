/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * backtrace.c - walk the frame-pointer chain (every kernel file is built
 * with -fno-omit-frame-pointer; on amd64 a frame holds the caller's %rbp
 * then the return address) and print one line per frame.
 *
 * Addresses are printed with their offset from the kernel image's load
 * address, so `addr2line -f -e build/bin/vkernel 0xOFFSET` (or
 * kernel.pc64) names the function even for the position-independent
 * vkernel.  The walk stops at a zero frame pointer (platforms start
 * every CPU with one), and also at anything that does not look like a
 * frame of the same stack, so a damaged stack ends the trace instead of
 * faulting.  Takes no lock; used by panic.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>

#define BT_MAXFRAMES	32
#define BT_MAXFRAME	(1024 * 1024)	/* larger steps are not one stack */

void
backtrace_print(uintptr_t fp)
{
	uintptr_t base, next, pc;
	int i;

	if (fp == 0)
		fp = (uintptr_t)__builtin_frame_address(0);
	base = bootinfo != NULL ? bootinfo->bi_image_base : 0;
	kprintf("backtrace:\n");
	for (i = 0; i < BT_MAXFRAMES && fp != 0; i++) {
		if ((fp & 7) != 0)
			break;
		next = ((uintptr_t *)fp)[0];
		pc = ((uintptr_t *)fp)[1];
		if (pc == 0)
			break;
		kprintf("  #%-2d %#018lx  (image+%#lx)\n", i,
		    (unsigned long)pc, (unsigned long)(pc - base));
		if (next != 0 && (next <= fp || next - fp > BT_MAXFRAME))
			break;
		fp = next;
	}
}
