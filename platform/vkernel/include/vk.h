/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk.h - private interfaces of the vkernel platform (host side).  Never
 * on the core's include path.
 */
#ifndef _VK_H_
#define _VK_H_

#include <stdint.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <signal.h>
#include <sys/types.h>
#include <plat/plat.h>

#define VK_MAXDISK	16
#define VK_MAXENV	64
#define VK_MINMEM	(64ull << 20)
#define VK_DEFMEM	(256ull << 20)
#define VK_DEFCPU	2
#define VK_IRQ_CONSOLE	4

/* Signals the platform uses as interrupt lines. */
#define VK_SIG_DOORBELL	SIGUSR1		/* pending bits changed */
#define VK_SIG_TIMER	SIGUSR2		/* this vCPU's one-shot timer */

struct vk_options {
	uint64_t	mem_bytes;
	int		ncpu;
	int		ndisk;
	const char	*disk[VK_MAXDISK];
	int		nenv;
	char		*env[VK_MAXENV];	/* "NAME=VALUE" */
	const char	*pidfile;
};

/* vk_options.c */
int	vk_parse_options(int argc, char **argv, struct vk_options *opt);
void	vk_usage(FILE *f);

/* vk_mem.c */
int	vk_mem_init(uint64_t bytes, void **basep);

/* vk_disk.c */
int	vk_disk_open(const char *path, int *fdp, uint64_t *sizep);

/* vk_cons.c */
void	vk_cons_init(void);
void	vk_cons_start_input(void);
void	vk_cons_restore(void);

/* vk_cpu.c */
#define VK_PEND_TIMER	0x1u
#define VK_PEND_IPI	0x2u
#define VK_PEND_DEV	0x4u

struct vk_cpu {
	int		id;
	pid_t		tid;			/* host thread id */
	_Atomic int	started;
	_Atomic uint32_t pend;			/* VK_PEND_*; futex word */
	_Atomic uint64_t irq_pend;		/* device irqs, bit per irq */
	_Atomic int	idle;			/* in plat_cpu_idle's wait */
	volatile sig_atomic_t intr_off;		/* soft interrupt mask */
	volatile sig_atomic_t in_dispatch;
	void		*timer;			/* timer_t, host side */
	void		*stack;
	size_t		stacksize;
};

void	vk_cpus_init(int ncpu);
int	vk_cpu_boot(const struct plat_bootinfo *bi);
void	vk_raise_irq(int cpu, int irq);
struct vk_cpu *vk_cpu_self(void);
void	vk_call_noframe(void (*fn)(void *), void *arg) __attribute__((noreturn));

/* vk_trap.c */
void	vk_trap_init(void);
void	vk_trap_thread_init(void);

/* vk_halt.c */
void	vk_halt_init(const char *pidfile);
void	vk_signal_loop(void) __attribute__((noreturn));
void	vk_die(int status) __attribute__((noreturn));

/* vk_param.c */
void	vk_param_init(int n, char **env);

#endif /* !_VK_H_ */
