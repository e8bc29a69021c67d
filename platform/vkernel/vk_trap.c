/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_trap.c - faults in the vkernel itself.  SIGSEGV, SIGBUS, SIGILL and
 * SIGFPE on a vCPU thread are kernel bugs, the vkernel's counterpart of a
 * CPU exception in kernel mode: print the registers from the signal
 * context and hand over to core_trap_fatal(), which panics with a
 * backtrace.  The handlers run on an alternate stack, so a kernel stack
 * overflow is reported too.  A fault on a host thread (not a vCPU) cannot
 * enter the core: it restores the terminal and exits with the panic
 * status.  (Guest faults arrive through address spaces, not here.)
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "vk.h"

#define VK_ALTSTACK	(64 * 1024)

static const char *
trap_name(int sig)
{
	switch (sig) {
	case SIGSEGV:	return ("page fault (SIGSEGV)");
	case SIGBUS:	return ("bus error (SIGBUS)");
	case SIGILL:	return ("illegal instruction (SIGILL)");
	case SIGFPE:	return ("arithmetic trap (SIGFPE)");
	default:	return ("unexpected signal");
	}
}

static void
trap_dump(const char *what, const siginfo_t *si, const mcontext_t *mc)
{
	char buf[1024];
	const greg_t *r = mc->gregs;
	int n;

	n = snprintf(buf, sizeof(buf),
	    "\nfatal trap: %s, address %p, code %d\n"
	    "rip %016llx rsp %016llx rbp %016llx rfl %016llx\n"
	    "rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
	    "rsi %016llx rdi %016llx r8  %016llx r9  %016llx\n"
	    "r10 %016llx r11 %016llx r12 %016llx r13 %016llx\n"
	    "r14 %016llx r15 %016llx err %016llx trapno %lld\n",
	    what, si->si_addr, si->si_code,
	    (unsigned long long)r[REG_RIP], (unsigned long long)r[REG_RSP],
	    (unsigned long long)r[REG_RBP], (unsigned long long)r[REG_EFL],
	    (unsigned long long)r[REG_RAX], (unsigned long long)r[REG_RBX],
	    (unsigned long long)r[REG_RCX], (unsigned long long)r[REG_RDX],
	    (unsigned long long)r[REG_RSI], (unsigned long long)r[REG_RDI],
	    (unsigned long long)r[REG_R8], (unsigned long long)r[REG_R9],
	    (unsigned long long)r[REG_R10], (unsigned long long)r[REG_R11],
	    (unsigned long long)r[REG_R12], (unsigned long long)r[REG_R13],
	    (unsigned long long)r[REG_R14], (unsigned long long)r[REG_R15],
	    (unsigned long long)r[REG_ERR], (long long)r[REG_TRAPNO]);
	if (n > 0)
		plat_cons_write(buf, (size_t)n < sizeof(buf) ? (size_t)n :
		    sizeof(buf) - 1);
}

static void
trap_signal(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const char *what = trap_name(sig);

	trap_dump(what, si, &uc->uc_mcontext);
	if (vk_cpu_self() == NULL) {
		static const char msg[] = "vkernel: fault in a host thread\n";

		plat_cons_write(msg, sizeof(msg) - 1);
		vk_die(PLAT_EXIT_PANIC);
	}
	core_trap_fatal(what, (uint64_t)uc->uc_mcontext.gregs[REG_RIP],
	    (uint64_t)uc->uc_mcontext.gregs[REG_RBP]);
}

void
vk_trap_init(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_signal;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	vk_trap_thread_init();
}

/* Give the calling thread its alternate signal stack. */
void
vk_trap_thread_init(void)
{
	stack_t ss;

	ss.ss_sp = malloc(VK_ALTSTACK);
	ss.ss_size = VK_ALTSTACK;
	ss.ss_flags = 0;
	if (ss.ss_sp != NULL)
		sigaltstack(&ss, NULL);
}
