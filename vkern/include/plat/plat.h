/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * plat.h - the platform contract.
 *
 * Everything the machine-independent core asks of the machine it runs on
 * (plat_* downcalls) and everything a platform's low level may call in
 * the core (core_* upcalls).  Three platforms implement it: the vkernel
 * (platform/vkernel/, a Linux process), pc64 (platform/pc64/, bare-metal
 * amd64) and fakeplat (tests/fakeplat/, unit tests).  docs/plat.md is the
 * long form of each entry; the two change in the same commit, and any
 * change bumps PLAT_VERSION.
 *
 * Rules for every entry:
 *  - No host types cross this line; only fixed-width types.
 *  - Fallible calls return 0 or a positive errno; results go out through
 *    pointers.
 *  - No downcall blocks the calling CPU except plat_cpu_idle().  Slow host
 *    work (disk, network) belongs to host threads that raise interrupts.
 *  - Upcalls run on the CPU they are made for, with interrupts disabled.
 */
#ifndef _PLAT_PLAT_H_
#define _PLAT_PLAT_H_

#include <stdint.h>
#include <stddef.h>

#define PLAT_VERSION	2

#define PLAT_MAXCPU	16		/* CPUs any platform may report */
#define PLAT_MAXMEM	32		/* RAM ranges in a bootinfo */

/* Exit statuses plat_halt() is given (DESIGN: halt 0, usage 2, panic 3). */
#define PLAT_EXIT_HALT	0
#define PLAT_EXIT_USAGE	2
#define PLAT_EXIT_PANIC	3

/* ---------------------------------------------------------------- boot */

struct plat_memrange {
	uint64_t	mr_pa;		/* first physical address */
	uint64_t	mr_len;		/* bytes */
};

/*
 * What a platform knows when it calls core_boot().  The structure and the
 * strings it points to stay valid for the life of the kernel.
 */
struct plat_bootinfo {
	uint32_t	bi_version;	/* PLAT_VERSION the platform was built with */
	uint32_t	bi_ncpu;	/* CPUs plat_cpu_start() can start, 1..MAXCPU */
	const char	*bi_name;	/* platform name for the banner: "vkernel" */
	uint64_t	bi_physmem;	/* bytes of RAM the machine has */
	uint64_t	bi_dmap;	/* kernel address of physical address 0 */
	uint32_t	bi_nmem;	/* entries in bi_mem */
	int32_t		bi_cons_irq;	/* irq raised when console input arrives */
	struct plat_memrange bi_mem[PLAT_MAXMEM]; /* RAM free for the core */
	uint64_t	bi_image_base;	/* load address of the kernel image */
};

/*
 * core_boot - start the kernel on the boot CPU (cpu 0).  Never returns.
 *
 * Context: boot CPU, interrupts disabled, on a stack of at least 16 KiB
 * whose outermost frame pointer is 0.
 */
void	core_boot(const struct plat_bootinfo *bi) __attribute__((noreturn));

/*
 * core_cpu_main - run CPU `cpu' (1..bi_ncpu-1) after plat_cpu_start().
 * Never returns.
 *
 * Context: the new CPU, interrupts disabled, same stack rule as core_boot.
 */
void	core_cpu_main(int cpu) __attribute__((noreturn));

/* ------------------------------------------------------------- console */

/*
 * plat_cons_write - write len bytes to the console, synchronously.
 *
 * Context: any, including panic and before core_boot; takes no lock and
 * never blocks on anything but the device itself.
 */
void	plat_cons_write(const char *buf, size_t len);

/*
 * plat_cons_getc - take one byte of console input.
 *
 * Context: any; never blocks.  Returns the byte (0..255), or -1 when no
 * input is waiting.  bi_cons_irq is raised when input arrives.
 */
int	plat_cons_getc(void);

/* ---------------------------------------------------------------- time */

/*
 * plat_clock_ns - monotonic nanoseconds since an arbitrary origin, the
 * same on every CPU.
 *
 * Context: any; never blocks.
 */
uint64_t plat_clock_ns(void);

/*
 * plat_wallclock - time of day, seconds and nanoseconds since 1970 UTC.
 *
 * Context: any; never blocks.  Returns 0, or ENXIO without a clock.
 */
int	plat_wallclock(int64_t *sec, int32_t *nsec);

/*
 * plat_timer_arm - raise core_clock_intr() on this CPU at or after
 * deadline_ns (plat_clock_ns() time base).  Replaces any armed deadline;
 * a deadline in the past fires as soon as possible.
 *
 * Context: any, including an upcall; never blocks.
 */
void	plat_timer_arm(uint64_t deadline_ns);

/*
 * plat_timer_disarm - forget this CPU's armed deadline, if any.  An expiry
 * already in flight may still arrive once.
 *
 * Context: any; never blocks.
 */
void	plat_timer_disarm(void);

/* ---------------------------------------------------------------- cpus */

/*
 * plat_cpu_start - start CPU `cpu', which then calls core_cpu_main(cpu).
 *
 * Context: boot CPU, thread context.  Returns 0, or an errno when the CPU
 * does not exist (EINVAL) or did not come up (EIO).
 */
int	plat_cpu_start(int cpu);

/*
 * plat_cpu_idle - wait until an interrupt is pending for this CPU, then
 * return with interrupts as they were.  May return early (spuriously).
 * If an interrupt is already pending it returns at once: there is no
 * lost-wakeup window between the caller's check and the wait.
 *
 * Context: any CPU with interrupts disabled by plat_intr_disable(); the
 * one downcall that blocks.  Pending upcalls run before it returns.
 */
void	plat_cpu_idle(void);

/*
 * plat_cpu_yield_hint - the caller is spinning; let the machine breathe
 * (pc64: pause; vkernel: give the host CPU away briefly).
 *
 * Context: any; never blocks for long.
 */
void	plat_cpu_yield_hint(void);

/*
 * plat_ipi_send - ring CPU `cpu''s doorbell: core_ipi_intr() runs there
 * soon.  Rings may merge; the payload lives in the core's own queues.
 *
 * Context: any; never blocks.
 */
void	plat_ipi_send(int cpu);

/*
 * plat_cpu_set_percpu - make `gd' this CPU's per-CPU pointer, the base of
 * the %gs segment (the core's mycpu reads %gs:0).
 *
 * Context: the CPU itself, once, before it enables interrupts.
 */
void	plat_cpu_set_percpu(void *gd);

/* ---------------------------------------------------------- interrupts */

/*
 * The saved interrupt state: PLAT_INTR_ON (0) when interrupts were
 * enabled, non-zero when they were disabled.  The core restores
 * PLAT_INTR_ON to enable interrupts in a new thread.
 */
typedef uint64_t plat_intr_t;
#define PLAT_INTR_ON	((plat_intr_t)0)

/*
 * plat_intr_disable - hold off upcalls on this CPU; returns the previous
 * state (PLAT_INTR_ON or not) for plat_intr_restore().  Nests.
 *
 * Context: any; never blocks.
 */
plat_intr_t plat_intr_disable(void);

/*
 * plat_intr_restore - put back a state plat_intr_disable() returned, or
 * PLAT_INTR_ON.  When this enables interrupts, upcalls that became
 * pending run first.
 *
 * Context: any; never blocks.
 */
void	plat_intr_restore(plat_intr_t state);

/* ---------------------------------------------------------------- misc */

/*
 * plat_getparam - the kernel environment: `-e NAME=VALUE' in the vkernel,
 * the multiboot command line on pc64.  Copies VALUE, NUL-terminated, to
 * buf.
 *
 * Context: any; never blocks.  Returns 0, ENOENT when NAME is not set, or
 * ENAMETOOLONG when VALUE does not fit (buf then holds a truncated copy).
 */
int	plat_getparam(const char *name, char *buf, size_t len);

/*
 * plat_halt - stop the machine; `status' is the exit status the outside
 * world sees (vkernel: process exit status; pc64 in QEMU: isa-debug-exit).
 *
 * Context: any, including panic; never returns.
 */
void	plat_halt(int status) __attribute__((noreturn));

/* ------------------------------------------------------------- upcalls */

/*
 * core_clock_intr - this CPU's deadline from plat_timer_arm() has passed.
 * core_ipi_intr - this CPU's doorbell was rung by plat_ipi_send().
 * core_dev_intr - device interrupt `irq' (platform-numbered, < 64).
 *
 * Context: the interrupted CPU, interrupts disabled, on the interrupted
 * thread's stack or an interrupt stack; must not block.
 */
void	core_clock_intr(void);
void	core_ipi_intr(void);
void	core_dev_intr(int irq);

/*
 * core_trap_fatal - the CPU took an exception in kernel code that nothing
 * can handle (pc64: an exception vector; vkernel: SIGSEGV/SIGBUS/SIGILL/
 * SIGFPE in the vkernel itself).  The platform has already printed the
 * register dump; the core panics with `what', the faulting pc and a
 * backtrace walked from frame pointer `fp'.  Never returns.
 *
 * Context: the faulting CPU, interrupts disabled.
 */
void	core_trap_fatal(const char *what, uint64_t pc, uint64_t fp)
	    __attribute__((noreturn));

#endif /* !_PLAT_PLAT_H_ */
