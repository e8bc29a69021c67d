/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fakeplat.c - the third implementation of the platform contract, for
 * unit tests (the model is described in fakeplat.h).  If a core unit
 * cannot run here, the contract leaks.
 *
 * One host thread plays every CPU.  Each simulated CPU is a coroutine:
 * its saved stack pointer (fp_cpu.sp) while another runs, switched by
 * fp_ctx_switch() (fakeplat_switch.S) at the few switch points the model
 * allows, with %gs moved to the new CPU's per-CPU base.  The scheduler
 * is a round robin over CPU numbers, so runs are reproducible.  The
 * clock starts at 1 s and moves only in fakeplat_advance_ns() or when
 * nothing else can happen.
 *
 * Protection: none; a single host thread touches everything here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <asm/prctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <plat/plat.h>
#include "fakeplat.h"

void	kernel_init(const struct plat_bootinfo *bi);
void	fp_ctx_switch(void **save_sp, void *load_sp);

#define FP_PEND_TIMER	0x1u
#define FP_PEND_IPI	0x2u

#define FP_STACK_SIZE	(256 * 1024)	/* an AP's boot (idle) stack */
#define FP_GUARD_SIZE	4096		/* unmapped, below the stack */
/*
 * Patience: yield hints with no other CPU to run before the clock jumps
 * to the next timer, and before a CPU spinning with no timer armed is a
 * livelock; idle hooks in a row that raise nothing before a deadlock.
 */
#define FP_SPIN_PATIENCE 1000
#define FP_SPIN_GIVEUP	10000000
#define FP_HOOK_GIVEUP	1000

enum fp_state {
	FP_OFF,			/* never started */
	FP_RUN,			/* running: the one fp_cur names */
	FP_READY,		/* paused at a yield point; may resume */
	FP_IDLE,		/* in plat_cpu_idle(); resumes on work */
	FP_DEAD,		/* halted under another CPU's catch_halt */
};

struct fp_cpu {
	void		*gd;		/* per-CPU base, %gs */
	enum fp_state	state;
	unsigned	pend;		/* FP_PEND_* */
	uint64_t	irqs;		/* pending device irqs */
	uint64_t	deadline;	/* armed timer, 0 = none */
	int		intr_off;	/* upcalls held off */
	void		*sp;		/* saved %rsp, not running */
	char		*stack;		/* mmap'ed stack (APs) */
	void		(*call)(void *); /* posted by run_on_cpu */
	void		*callarg;
	int		callbusy;	/* call not yet returned */
	uint64_t	doorbells;	/* plat_ipi_send() to it */
	uint64_t	lonely_spins;	/* yields with none to run */
};

static struct fp_cpu fp_cpus[PLAT_MAXCPU];
static int fp_ncpu = 1;
static int fp_cur;				/* the CPU now running */
static int fp_booted;
static void *fp_gs_now;				/* last %gs base set */
static uint64_t fp_now = 1000000000ull;
static uint64_t fp_nswitches, fp_nupcalls;
static uint64_t fp_switch_limit = FAKEPLAT_SWITCH_BUDGET;
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

static const char *const fp_state_names[] = {
	"off", "running", "ready", "idle", "dead"
};

static void
fp_die(const char *msg)
{
	fprintf(stderr, "fakeplat: %s\n", msg);
	abort();
}

/* Fail with msg and the state of every CPU and the console's tail. */
static void
fp_die_state(const char *msg)
{
	struct fp_cpu *c;
	size_t tail;
	int i;

	fprintf(stderr, "fakeplat: %s\n", msg);
	fprintf(stderr, "fakeplat: clock %llu ns, %llu CPU switches, "
	    "running cpu%d\n", (unsigned long long)fp_now,
	    (unsigned long long)fp_nswitches, fp_cur);
	for (i = 0; i < fp_ncpu; i++) {
		c = &fp_cpus[i];
		fprintf(stderr, "fakeplat:   cpu%d %-7s intr %s pending%s%s%s "
		    "timer %llu\n", i, fp_state_names[c->state],
		    c->intr_off ? "off" : "on ",
		    (c->pend & FP_PEND_TIMER) ? " timer" : "",
		    (c->pend & FP_PEND_IPI) ? " ipi" : "",
		    c->irqs != 0 ? " irq" : "",
		    (unsigned long long)c->deadline);
	}
	tail = fp_outlen > 2000 ? fp_outlen - 2000 : 0;
	fprintf(stderr, "fakeplat: console (tail):\n%s\n",
	    fp_out != NULL ? fp_out + tail : "");
	abort();
}

static void
fp_set_gs(void *gd)
{
	if (gd == fp_gs_now)
		return;
	fp_gs_now = gd;
	syscall(SYS_arch_prctl, ARCH_SET_GS, gd);
}

void
fakeplat_boot(int ncpu, uint64_t ram_bytes)
{
	if (fp_booted)
		fp_die("fakeplat_boot called twice");
	if (ncpu < 1 || ncpu > PLAT_MAXCPU)
		fp_die("bad CPU count");
	fp_booted = 1;
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
	fp_cur = 0;
	fp_cpus[0].state = FP_RUN;
	fp_cpus[0].intr_off = 1;
	kernel_init(&fp_bi);
}

/* ---------------------------------------------------------- scheduler */

static int
fp_has_work(const struct fp_cpu *c)
{
	return (c->pend != 0 || c->irqs != 0 || c->call != NULL);
}

static int
fp_runnable(int cpu)
{
	const struct fp_cpu *c = &fp_cpus[cpu];

	return (c->state == FP_READY ||
	    (c->state == FP_IDLE && fp_has_work(c)));
}

/* The first runnable CPU after the current one, round robin; or -1. */
static int
fp_pick(void)
{
	int i, cpu;

	for (i = 1; i < fp_ncpu; i++) {
		cpu = (fp_cur + i) % fp_ncpu;
		if (fp_runnable(cpu))
			return (cpu);
	}
	return (-1);
}

/*
 * Park the current CPU in state `how' and run CPU `next'.  Returns when
 * some CPU switches back to this one (fp_cur and %gs are then ours).
 */
static void
fp_switch_to(int next, enum fp_state how)
{
	struct fp_cpu *me = &fp_cpus[fp_cur], *nx = &fp_cpus[next];
	char msg[96];

	if (fp_nswitches >= fp_switch_limit) {
		snprintf(msg, sizeof(msg), "CPU switch budget exhausted at "
		    "%llu switches: livelock",
		    (unsigned long long)fp_nswitches);
		fp_die_state(msg);
	}
	fp_nswitches++;
	me->state = how;
	me->lonely_spins = 0;
	fp_cur = next;
	nx->state = FP_RUN;
	fp_set_gs(nx->gd);
	fp_ctx_switch(&me->sp, nx->sp);
}

/*
 * Nothing can run: move the clock to the earliest armed timer of any
 * CPU, which makes it pending.  Returns 0 when no timer is armed.
 */
static int
fp_advance_to_timer(void)
{
	uint64_t next = 0;
	int i;

	for (i = 0; i < fp_ncpu; i++) {
		if (fp_cpus[i].state == FP_OFF || fp_cpus[i].state == FP_DEAD)
			continue;
		if (fp_cpus[i].deadline != 0 &&
		    (next == 0 || fp_cpus[i].deadline < next))
			next = fp_cpus[i].deadline;
	}
	if (next == 0)
		return (0);
	fakeplat_advance_ns(next > fp_now ? next - fp_now : 0);
	return (1);
}

/* Run the current CPU's pending upcalls, with its interrupts off. */
static int
fp_deliver(void)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];
	int saved_off = c->intr_off, n = 0;
	unsigned bits;
	uint64_t irqs;

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
	fp_nupcalls += (uint64_t)n;
	return (n);
}

/* Run a call fakeplat_run_on_cpu() posted to the current CPU. */
static void
fp_run_call(void)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];
	void (*fn)(void *) = c->call;
	int saved_off = c->intr_off;

	if (fn == NULL)
		return;
	c->call = NULL;
	c->intr_off = 1;
	fn(c->callarg);
	c->intr_off = saved_off;
	c->callbusy = 0;
}

/*
 * The current CPU idles until it has work: run other CPUs, else move
 * time, else ask the idle hook, else fail.
 */
static void
fp_idle_wait(void)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];
	int next, hooks = 0;

	c->lonely_spins = 0;
	while (!fp_has_work(c)) {
		if ((next = fp_pick()) >= 0)
			fp_switch_to(next, FP_IDLE);
		else if (fp_advance_to_timer())
			continue;
		else if (fp_idle_hook != NULL && hooks++ < FP_HOOK_GIVEUP)
			fp_idle_hook();
		else
			fp_die_state("all CPUs idle with nothing pending: "
			    "deadlock");
	}
}

void
plat_cpu_idle(void)
{
	fp_idle_wait();
	fp_run_call();
	fp_deliver();
}

void
plat_cpu_yield_hint(void)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];
	char msg[96];
	int next;

	if ((next = fp_pick()) >= 0) {
		fp_switch_to(next, FP_READY);
	} else if (++c->lonely_spins >= FP_SPIN_PATIENCE) {
		/* Spinning alone: only time can change anything now. */
		if (fp_advance_to_timer()) {
			c->lonely_spins = 0;
		} else if (c->lonely_spins >= FP_SPIN_GIVEUP) {
			snprintf(msg, sizeof(msg), "cpu%d spins and nothing "
			    "else can happen: livelock", fp_cur);
			fp_die_state(msg);
		}
	}
	fp_run_call();
	if (!c->intr_off && (c->pend != 0 || c->irqs != 0))
		fp_deliver();
}

void
fakeplat_run_until(int (*cond)(void *), void *arg)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];
	int next, hooks = 0;

	while (!cond(arg)) {
		fp_run_call();
		if (c->pend != 0 || c->irqs != 0)
			fp_deliver();
		else if ((next = fp_pick()) >= 0)
			fp_switch_to(next, FP_READY);
		else if (fp_advance_to_timer())
			continue;
		else if (fp_idle_hook != NULL && hooks++ < FP_HOOK_GIVEUP)
			fp_idle_hook();
		else
			fp_die_state("fakeplat_run_until: the condition is "
			    "false and nothing can happen: deadlock");
	}
}

static int
fp_others_have_work(void)
{
	int i;

	for (i = 0; i < fp_ncpu; i++) {
		if (i != fp_cur && (fp_cpus[i].state == FP_READY ||
		    fp_cpus[i].state == FP_IDLE) && fp_has_work(&fp_cpus[i]))
			return (1);
	}
	return (0);
}

int
fakeplat_drain(void)
{
	struct fp_cpu *c = &fp_cpus[fp_cur];
	uint64_t start = fp_nupcalls;
	int next;

	for (;;) {
		fp_run_call();
		if (c->pend != 0 || c->irqs != 0) {
			fp_deliver();
			continue;
		}
		if (!fp_others_have_work() || (next = fp_pick()) < 0)
			break;
		fp_switch_to(next, FP_READY);
	}
	return ((int)(fp_nupcalls - start));
}

void
fakeplat_run_on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	struct fp_cpu *t;
	char msg[96];
	int next;

	if (cpu < 0 || cpu >= fp_ncpu)
		fp_die("fakeplat_run_on_cpu: no such CPU");
	if (cpu == fp_cur) {
		fn(arg);
		return;
	}
	t = &fp_cpus[cpu];
	if (t->state == FP_OFF || t->state == FP_DEAD || t->callbusy) {
		snprintf(msg, sizeof(msg), "fakeplat_run_on_cpu: cpu%d is %s%s",
		    cpu, fp_state_names[t->state], t->callbusy ? ", busy" : "");
		fp_die_state(msg);
	}
	t->call = fn;
	t->callarg = arg;
	t->callbusy = 1;
	while (t->callbusy) {
		next = fp_runnable(cpu) ? cpu : fp_pick();
		if (next < 0)
			fp_die_state("fakeplat_run_on_cpu: the target cannot "
			    "run: deadlock");
		fp_switch_to(next, FP_READY);
	}
}

int
fakeplat_cpu_current(void)
{
	return (fp_cur);
}

int
fakeplat_cpu_idle(int cpu)
{
	return (fp_cpus[cpu].state == FP_IDLE && !fp_has_work(&fp_cpus[cpu]));
}

void
fakeplat_set_switch_budget(uint64_t n)
{
	fp_switch_limit = fp_nswitches + n;
}

uint64_t
fakeplat_switches(void)
{
	return (fp_nswitches);
}

void
fakeplat_set_idle_hook(void (*hook)(void))
{
	fp_idle_hook = hook;
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
	struct fp_cpu *c = &fp_cpus[fp_cur];

	c->deadline = deadline_ns != 0 ? deadline_ns : 1;
	if (c->deadline <= fp_now) {
		c->deadline = 0;
		c->pend |= FP_PEND_TIMER;
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

int
fakeplat_ipi_pending(int cpu)
{
	return ((fp_cpus[cpu].pend & FP_PEND_IPI) != 0);
}

uint64_t
fakeplat_doorbells(int cpu)
{
	return (fp_cpus[cpu].doorbells);
}

void
fakeplat_raise_irq(int cpu, int irq)
{
	fp_cpus[cpu].irqs |= 1ull << irq;
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
		fp_deliver();
}

/* --------------------------------------------------------------- cpus */

/* Where a started CPU's coroutine begins (see plat_cpu_start). */
static void __attribute__((noreturn))
fp_cpu_entry(void)
{
	core_cpu_main(fp_cur);
}

/*
 * Give the CPU a stack whose first "return" lands in fp_cpu_entry with
 * the alignment a call would give and %rbp = 0 (backtraces end there),
 * then mark it ready: it runs at the boot CPU's next switch point.
 */
int
plat_cpu_start(int cpu)
{
	struct fp_cpu *c;
	uint64_t *sp;
	char *base;
	int i;

	if (cpu <= 0 || cpu >= fp_ncpu || fp_cpus[cpu].state != FP_OFF)
		return (EINVAL);
	c = &fp_cpus[cpu];
	base = mmap(NULL, FP_GUARD_SIZE + FP_STACK_SIZE,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return (EIO);
	if (mprotect(base, FP_GUARD_SIZE, PROT_NONE) != 0)
		fp_die("cannot protect a stack guard page");
	c->stack = base;
	sp = (uint64_t *)(void *)(base + FP_GUARD_SIZE + FP_STACK_SIZE);
	*--sp = 0;			/* fp_cpu_entry's return address */
	*--sp = (uint64_t)(uintptr_t)fp_cpu_entry;
	for (i = 0; i < 6; i++)
		*--sp = 0;		/* %rbp %rbx %r12-%r15 */
	c->sp = sp;
	c->gd = NULL;
	c->intr_off = 1;
	c->state = FP_READY;
	return (0);
}

void
plat_ipi_send(int cpu)
{
	if (cpu < 0 || cpu >= fp_ncpu)
		fp_die("IPI to a CPU that does not exist");
	fp_cpus[cpu].pend |= FP_PEND_IPI;
	fp_cpus[cpu].doorbells++;
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
		if (fp_cur != saved_cur) {
			/* Halted on another CPU: that CPU stops for good. */
			fp_cpus[fp_cur].state = FP_DEAD;
			fp_cur = saved_cur;
			fp_cpus[fp_cur].state = FP_RUN;
		}
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
		fprintf(stderr, "fakeplat: unexpected halt on cpu%d, status "
		    "%d; console:\n%s\n", fp_cur, status,
		    fakeplat_console_output());
		abort();
	}
	fp_halt_status = status;
	longjmp(*fp_halt_env, 1);
}
