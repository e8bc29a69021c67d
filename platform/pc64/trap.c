/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * trap.c - where every exception and interrupt lands (from vectors.S).
 *
 * Device interrupts (VEC_IRQ_BASE + GSI), the local APIC timer and the
 * IPI doorbell are acknowledged at the local APIC first and then passed
 * up (core_dev_intr, core_clock_intr via lapic.c, core_ipi_intr), so the
 * core may switch away inside the upcall without blocking other
 * interrupts.  Exceptions are all fatal for now: trap_fatal() prints a
 * register dump with CR2 and the error code on the console and hands the
 * faulting %rip and %rbp to core_trap_fatal(), which panics with a
 * backtrace.  A fault while doing that on the same CPU stops the machine
 * with PLAT_EXIT_PANIC straight away.
 *
 * Context: interrupt gate (interrupts disabled), on the interrupted
 * stack or an IST stack; never blocks.
 */
#include <sys/types.h>
#include <sys/cdefs.h>
#include <stdio.h>
#include <pc64/cpufunc.h>
#include <pc64/frame.h>
#include <pc64/pc64.h>

CTASSERT(offsetof(struct trapframe, tf_rbp) == TF_RBP);
CTASSERT(offsetof(struct trapframe, tf_trapno) == TF_TRAPNO);
CTASSERT(offsetof(struct trapframe, tf_err) == TF_ERR);
CTASSERT(offsetof(struct trapframe, tf_rip) == TF_RIP);
CTASSERT(offsetof(struct trapframe, tf_cs) == TF_CS);
CTASSERT(sizeof(struct trapframe) == TF_SIZE);

static const char *const trap_names[NEXC] = {
	[0] = "divide error",
	[1] = "debug exception",
	[2] = "non-maskable interrupt",
	[3] = "breakpoint",
	[4] = "overflow",
	[5] = "bound range exceeded",
	[6] = "invalid opcode",
	[7] = "device not available",
	[8] = "double fault",
	[9] = "coprocessor segment overrun",
	[10] = "invalid TSS",
	[11] = "segment not present",
	[12] = "stack-segment fault",
	[13] = "general protection fault",
	[14] = "page fault",
	[16] = "x87 floating-point error",
	[17] = "alignment check",
	[18] = "machine check",
	[19] = "SIMD floating-point exception",
	[20] = "virtualization exception",
	[21] = "control protection exception",
	[28] = "hypervisor injection exception",
	[29] = "VMM communication exception",
	[30] = "security exception",
};

static void
trap_printf(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	plat_cons_write(buf, (size_t)n);
}

static void
trap_dump(const struct trapframe *tf, uint64_t cr2)
{
	trap_printf("  rip %016llx  cs %04llx  rflags %016llx\n",
	    (unsigned long long)tf->tf_rip, (unsigned long long)tf->tf_cs,
	    (unsigned long long)tf->tf_rflags);
	trap_printf("  rsp %016llx  ss %04llx  error %llx\n",
	    (unsigned long long)tf->tf_rsp, (unsigned long long)tf->tf_ss,
	    (unsigned long long)tf->tf_err);
	trap_printf("  cr2 %016llx  cr3 %016llx  cr0 %08llx  cr4 %08llx\n",
	    (unsigned long long)cr2, (unsigned long long)rcr3(),
	    (unsigned long long)rcr0(), (unsigned long long)rcr4());
	trap_printf("  rax %016llx  rbx %016llx  rcx %016llx\n",
	    (unsigned long long)tf->tf_rax, (unsigned long long)tf->tf_rbx,
	    (unsigned long long)tf->tf_rcx);
	trap_printf("  rdx %016llx  rsi %016llx  rdi %016llx\n",
	    (unsigned long long)tf->tf_rdx, (unsigned long long)tf->tf_rsi,
	    (unsigned long long)tf->tf_rdi);
	trap_printf("  rbp %016llx  r8  %016llx  r9  %016llx\n",
	    (unsigned long long)tf->tf_rbp, (unsigned long long)tf->tf_r8,
	    (unsigned long long)tf->tf_r9);
	trap_printf("  r10 %016llx  r11 %016llx  r12 %016llx\n",
	    (unsigned long long)tf->tf_r10, (unsigned long long)tf->tf_r11,
	    (unsigned long long)tf->tf_r12);
	trap_printf("  r13 %016llx  r14 %016llx  r15 %016llx\n",
	    (unsigned long long)tf->tf_r13, (unsigned long long)tf->tf_r14,
	    (unsigned long long)tf->tf_r15);
}

/*
 * A page fault's error code, in words: what the access was and why it
 * failed.
 */
static const char *
pf_reason(uint64_t err)
{
	if (err & 0x08)
		return ("reserved bit set in page table");
	if ((err & 0x01) == 0)
		return ((err & 0x10) ? "fetch from unmapped page" :
		    (err & 0x02) ? "write to unmapped page" :
		    "read of unmapped page");
	return ((err & 0x10) ? "fetch from protected page" :
	    (err & 0x02) ? "write to protected page" :
	    "read of protected page");
}

static void __attribute__((noreturn))
trap_fatal(struct trapframe *tf)
{
	struct pc64_cpu *pc = pc64_curcpu();
	uint64_t cr2 = rcr2();
	int vec = (int)tf->tf_trapno;
	const char *name;

	name = trap_names[vec] != NULL ? trap_names[vec] : "reserved exception";
	if (pc->pc_in_fatal++ != 0) {
		trap_printf("\npc64: cpu%d: %s (vector %d) at rip %llx while "
		    "handling a fatal trap; stopping\n", pc->pc_cpu, name, vec,
		    (unsigned long long)tf->tf_rip);
		plat_halt(PLAT_EXIT_PANIC);
	}
	trap_printf("\npc64: cpu%d: fatal trap %d: %s in %s mode\n",
	    pc->pc_cpu, vec, name, (tf->tf_cs & 3) ? "user" : "kernel");
	trap_dump(tf, cr2);
	if (vec == 14) {
		trap_printf("  faulting address %016llx: %s\n",
		    (unsigned long long)cr2, pf_reason(tf->tf_err));
		snprintf(pc->pc_what, sizeof(pc->pc_what),
		    "page fault at address %#llx (%s)",
		    (unsigned long long)cr2, pf_reason(tf->tf_err));
	} else if (tf->tf_err != 0) {
		snprintf(pc->pc_what, sizeof(pc->pc_what), "%s (error %#llx)",
		    name, (unsigned long long)tf->tf_err);
	} else {
		snprintf(pc->pc_what, sizeof(pc->pc_what), "%s", name);
	}
	core_trap_fatal(pc->pc_what, tf->tf_rip, tf->tf_rbp);
}

void
pc64_trap(struct trapframe *tf)
{
	int vec = (int)tf->tf_trapno;

	if (vec < NEXC)
		trap_fatal(tf);
	if (vec >= VEC_IRQ_BASE && vec < VEC_IRQ_BASE + NIRQ) {
		if (vec - VEC_IRQ_BASE == pc64_bootinfo.bi_cons_irq)
			uart_intr();
		lapic_eoi();
		core_dev_intr(vec - VEC_IRQ_BASE);
		return;
	}
	switch (vec) {
	case VEC_TIMER:
		lapic_eoi();
		lapic_timer_intr();
		break;
	case VEC_IPI:
		lapic_eoi();
		core_ipi_intr();
		break;
	case VEC_SPURIOUS:
		break;			/* the local APIC wants no EOI */
	default:
		/*
		 * The masked 8259s' spurious IRQ 7/15 land here, and so
		 * would anything misrouted: report, acknowledge, go on.
		 */
		if (vec >= VEC_PIC_BASE && vec < VEC_PIC_BASE + 16)
			break;
		trap_printf("pc64: stray interrupt, vector %d\n", vec);
		lapic_eoi();
		break;
	}
}
