/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * kernel.h - ordered start-up (SYSINIT) and the boot information.
 *
 * A subsystem declares its initialisation where it lives:
 *
 *	SYSINIT(cons, SI_SUB_CONSOLE, SI_ORDER_FIRST, cons_init, NULL);
 *
 * and core_boot() runs every SYSINIT of the kernel in (subsystem, order)
 * order, once, on the boot CPU, before any other CPU starts.  Entries
 * with equal keys run in an unspecified but fixed order.  This is
 * DragonFly's SYSINIT with one table sorted at boot.
 */
#ifndef _SYS_KERNEL_H_
#define _SYS_KERNEL_H_

#include <sys/types.h>
#include <sys/linker_set.h>
#include <plat/plat.h>

enum sysinit_sub {
	SI_SUB_DUMMY	= 0x0000000,	/* for tests */
	SI_SUB_EARLY	= 0x0100000,	/* per-CPU data of the boot CPU */
	SI_SUB_CONSOLE	= 0x0200000,	/* console input */
	SI_SUB_VM	= 0x0300000,	/* physical memory */
	SI_SUB_KMEM	= 0x0400000,	/* kernel allocators */
	SI_SUB_LWKT	= 0x0500000,	/* threads, tokens, IPI queues */
	SI_SUB_CLOCKS	= 0x0600000,	/* timers, callouts */
	SI_SUB_INTR	= 0x0700000,	/* device interrupt routing */
	SI_SUB_DRIVERS	= 0x0800000,	/* devices */
	SI_SUB_VFS	= 0x0900000,	/* file systems */
	SI_SUB_NET	= 0x0a00000,	/* protocols */
	SI_SUB_SMP	= 0x0e00000,	/* start the other CPUs */
	SI_SUB_RUN	= 0x0f00000,	/* last: the monitor or init */
};

enum sysinit_order {
	SI_ORDER_FIRST	= 0x0000000,
	SI_ORDER_SECOND	= 0x0000001,
	SI_ORDER_MIDDLE	= 0x1000000,
	SI_ORDER_ANY	= 0xfffffff,
};

struct sysinit {
	uint32_t	si_sub;		/* enum sysinit_sub */
	uint32_t	si_order;	/* enum sysinit_order */
	void		(*si_func)(void *);
	void		*si_arg;
	const char	*si_name;	/* for "boot -v" style traces */
};

#define SYSINIT(uniq, sub, order, func, arg)				\
	static struct sysinit __CONCAT(uniq, _sys_init) = {		\
		(sub), (order), (void (*)(void *))(func), (void *)(arg), \
		#uniq							\
	};								\
	DATA_SET(sysinit_set, __CONCAT(uniq, _sys_init))

/*
 * kernel_init - everything core_boot() does before it enters the monitor:
 * check the contract, per-CPU data of the boot CPU, banner, SYSINITs.
 * Context: the boot CPU, once.  Unit tests call it in place of core_boot.
 */
void	kernel_init(const struct plat_bootinfo *bi);

/* Run the table; exposed for unit tests (core_boot calls it once). */
void	sysinit_run(struct sysinit **tab, size_t n);
int	sysinit_compare(const void *a, const void *b);

/* The platform's description of the machine, valid after core_boot. */
extern const struct plat_bootinfo *bootinfo;
extern uint64_t boot_time_ns;		/* plat_clock_ns() at core_boot */
extern int ncpus;			/* CPUs the kernel uses */

uint64_t uptime_ns(void);		/* nanoseconds since core_boot */

#define DAMSELFLY_VERSION	"0.1"

#endif /* !_SYS_KERNEL_H_ */
