/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fakeplat.c - the third implementation of the platform contract, for
 * unit tests (see fakeplat.h).  If a core unit cannot run here, the
 * contract leaks.
 *
 * One host thread plays every CPU: the current CPU's per-CPU base is the
 * thread's %gs, and delivering another CPU's pending upcalls switches
 * %gs to it for the duration.  The clock starts at 1 s and moves only in
 * fakeplat_advance_ns() or when an idle CPU skips to its next timer.
 * Nothing here is thread-safe: tests are single-threaded by design.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include <plat/plat.h>
#include "fakeplat.h"

void	kernel_init(const struct plat_bootinfo *bi);

#define FP_PEND_TIMER	0x1u
#define FP_PEND_IPI	0x2u

struct fp_cpu {
	void		*gd;
	unsigned	pend;
	uint64_t	irqs;
	uint64_t	deadline;
	int		intr_off;
};

static struct fp_cpu fp_cpus[PLAT_MAXCPU];
static int fp_ncpu = 1;
static int fp_cur;				/* the CPU now running */
static uint64_t fp_now = 1000000000ull;
static struct plat_bootinfo fp_bi;
static char *fp_out;
static size_t fp_outlen, fp_outcap;
static char fp_in[4096];
static size_t fp_inhead, fp_intail;
static char *fp_params[64];
static int fp_nparams;
static jmp_buf *fp_halt_env;
static int fp_halt_status;
static void (*fp_idle_hook)(void);
static void *fp_ram;

static void
fp_die(const char *msg)
{
	fprintf(stderr, "fakeplat: %s\n", msg);
	abort();
}

static void
fp_set_gs(void *gd)
{
	if (gd != NULL)
		syscall(SYS_arch_prctl, ARCH_SET_GS, gd);
}

void
fakeplat_boot(int ncpu, uint64_t ram_bytes)
{
	if (ncpu < 1 || ncpu > PLAT_MAXCPU)
		fp_die("bad CPU count");
	fp_ncpu = ncpu;
	fp_ram = calloc(1, ram_bytes);
	if (fp_ram == NULL)
		fp_die("no memory for fake RAM");
	fp_bi.bi_version = PLAT_VERSION;
	fp_bi.bi_ncpu = (uint32_t)ncpu;
	fp_bi.bi_name = "fakeplat";
	fp_bi.bi_physmem = ram_bytes;
	fp_bi.bi_dmap = (uint64_t)(uintptr_t)fp_ram;
	fp_bi.bi_nmem = 1;
	fp_bi.bi_mem[0].mr_pa = 0;
	fp_bi.bi_mem[0].mr_len = ram_bytes;
	fp_bi.bi_cons_irq = FAKEPLAT_CONS_IRQ;
	fp_bi.bi_image_base = 0;
	fp_cpus[0].intr_off = 1;
	kernel_init(&fp_bi);
}

/* ------------------------------------------------------------ console */

void
plat_cons_write(const char *buf, size_t len)
{
	if (fp_outlen + len + 1 > fp_outcap) {
		fp_outcap = (fp_outlen + len + 1) * 2;
		fp_out = realloc(fp_out, fp_outcap);
		if (fp_out == NULL)
			fp_die("no memory for console output");
	}
	memcpy(fp_out + fp_outlen, buf, len);
	fp_outlen += len;
	fp_out[fp_outlen] = '\0';
}

const char *
fakeplat_console_output(void)
{
	return (fp_out != NULL ? fp_out : "");
}

void
fakeplat_console_clear(void)
{
	fp_outlen = 0;
	if (fp_out != NULL)
		fp_out[0] = '\0';
}

int
plat_cons_getc(void)
{
	if (fp_intail == fp_inhead)
		return (-1);
	return ((unsigned char)fp_in[fp_intail++ % sizeof(fp_in)]);
}

void
fakeplat_console_input(const char *s)
{
	while (*s != '\0')
		fp_in[fp_inhead++ % sizeof(fp_in)] = *s++;
	fakeplat_raise_irq(0, FAKEPLAT_CONS_IRQ);
}

/* --------------------------------------------------------------- time */

uint64_t
plat_clock_ns(void)
{
	return (fp_now);
}

int
plat_wallclock(int64_t *sec, int32_t *nsec)
{
	*sec = 1700000000 + (int64_t)(fp_now / 1000000000ull);
	*nsec = (int32_t)(fp_now % 1000000000ull);
	return (0);
}

void
plat_timer_arm(uint64_t deadline_ns)
{
	fp_cpus[fp_cur].deadline = deadline_ns != 0 ? deadline_ns : 1;
	if (fp_cpus[fp_cur].deadline <= fp_now) {
		fp_cpus[fp_cur].deadline = 0;
		fp_cpus[fp_cur].pend |= FP_PEND_TIMER;
	}
}

void
plat_timer_disarm(void)
{
	fp_cpus[fp_cur].deadline = 0;
}

uint64_t
fakeplat_timer_deadline(int cpu)
{
	return (fp_cpus[cpu].deadline);
}

void
fakeplat_advance_ns(uint64_t ns)
{
	int i;

	fp_now += ns;
	for (i = 0; i < fp_ncpu; i++) {
		if (fp_cpus[i].deadline != 0 && fp_cpus[i].deadline <= fp_now) {
			fp_cpus[i].deadline = 0;
			fp_cpus[i].pend |= FP_PEND_TIMER;
		}
	}
}

/* --------------------------------------------------------- interrupts */

/* Run cpu's pending upcalls as that CPU, with its interrupts off. */
static int
fp_deliver(int cpu)
{
	struct fp_cpu *c = &fp_cpus[cpu];
	int prev = fp_cur, saved_off = c->intr_off, n = 0;
	unsigned bits;
	uint64_t irqs;

	fp_cur = cpu;
	fp_set_gs(c->gd);
	c->intr_off = 1;
	while (c->pend != 0 || c->irqs != 0) {
		bits = c->pend;
		irqs = c->irqs;
		c->pend = 0;
		c->irqs = 0;
		if (bits & FP_PEND_TIMER) {
			core_clock_intr();
			n++;
		}
		if (bits & FP_PEND_IPI) {
			core_ipi_intr();
			n++;
		}
		for (; irqs != 0; irqs &= irqs - 1, n++)
			core_dev_intr(__builtin_ctzll(irqs));
	}
	c->intr_off = saved_off;
	fp_cur = prev;
	fp_set_gs(fp_cpus[prev].gd);
	return (n);
}

int
fakeplat_drain(void)
{
	int i, n = 0;

	for (i = 0; i < fp_ncpu; i++)
		n += fp_deliver(i);
	return (n);
}

int
fakeplat_ipi_pending(int cpu)
{
	return ((fp_cpus[cpu].pend & FP_PEND_IPI) != 0);
}

void
fakeplat_raise_irq(int cpu, int irq)
{
	fp_cpus[cpu].irqs |= 1ull << irq;
}

void
fakeplat_run_on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	int prev = fp_cur;

	if (cpu < 0 || cpu >= fp_ncpu)
		fp_die("fakeplat_run_on_cpu: no such CPU");
	fp_cur = cpu;
	fp_set_gs(fp_cpus[cpu].gd);
	fn(arg);
	fp_cur = prev;
	fp_set_gs(fp_cpus[prev].gd);
}

plat_intr_t
plat_intr_disable(void)
{
	plat_intr_t old = (plat_intr_t)fp_cpus[fp_cur].intr_off;

	fp_cpus[fp_cur].intr_off = 1;
	return (old);
}

void
plat_intr_restore(plat_intr_t state)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];

	c->intr_off = (int)state;
	if (!c->intr_off && (c->pend != 0 || c->irqs != 0))
		fp_deliver(fp_cur);
}

void
plat_cpu_idle(void)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];

	if (c->pend == 0 && c->irqs == 0) {
		if (c->deadline != 0) {
			/* Nothing else can happen: skip to the timer. */
			if (c->deadline > fp_now)
				fakeplat_advance_ns(c->deadline - fp_now);
			else
				fakeplat_advance_ns(0);
		} else if (fp_idle_hook != NULL) {
			fp_idle_hook();
		} else {
			fp_die("a CPU went idle with nothing pending and no "
			    "timer armed: it would sleep forever");
		}
	}
	fp_deliver(fp_cur);
}

void
fakeplat_set_idle_hook(void (*hook)(void))
{
	fp_idle_hook = hook;
}

/* --------------------------------------------------------------- cpus */

int
plat_cpu_start(int cpu)
{
	/* CPUs other than 0 run only through fakeplat_drain(). */
	return (cpu > 0 && cpu < fp_ncpu ? ENXIO : EINVAL);
}

void
plat_cpu_yield_hint(void)
{
}

void
plat_ipi_send(int cpu)
{
	if (cpu < 0 || cpu >= fp_ncpu)
		fp_die("IPI to a CPU that does not exist");
	fp_cpus[cpu].pend |= FP_PEND_IPI;
}

void
plat_cpu_set_percpu(void *gd)
{
	fp_cpus[fp_cur].gd = gd;
	fp_set_gs(gd);
}

/* --------------------------------------------------------------- misc */

void
fakeplat_setparam(const char *name, const char *value)
{
	char *e;

	if (fp_nparams == 64 || asprintf(&e, "%s=%s", name, value) < 0)
		fp_die("too many params");
	fp_params[fp_nparams++] = e;
}

int
plat_getparam(const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);
	int i;

	for (i = fp_nparams - 1; i >= 0; i--) {
		if (strncmp(fp_params[i], name, n) == 0 &&
		    fp_params[i][n] == '=') {
			if (strlen(fp_params[i] + n + 1) >= len) {
				snprintf(buf, len, "%s", fp_params[i] + n + 1);
				return (ENAMETOOLONG);
			}
			strcpy(buf, fp_params[i] + n + 1);
			return (0);
		}
	}
	return (ENOENT);
}

int
fakeplat_catch_halt(void (*fn)(void *), void *arg)
{
	jmp_buf env, *prev = fp_halt_env;
	int saved_cur = fp_cur, saved_off = fp_cpus[fp_cur].intr_off;

	fp_halt_env = &env;
	if (setjmp(env) != 0) {
		fp_halt_env = prev;
		fp_cur = saved_cur;
		fp_cpus[fp_cur].intr_off = saved_off;
		fp_set_gs(fp_cpus[fp_cur].gd);
		return (fp_halt_status);
	}
	fn(arg);
	fp_halt_env = prev;
	return (-1);
}

void
plat_halt(int status)
{
	if (fp_halt_env == NULL) {
		fprintf(stderr, "fakeplat: unexpected halt, status %d; console:"
		    "\n%s\n", status, fakeplat_console_output());
		abort();
	}
	fp_halt_status = status;
	longjmp(*fp_halt_env, 1);
}
