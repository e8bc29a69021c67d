/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * clock.c - time since boot and a timer-driven wait, as monitor
 * commands: `uptime' and `sleep MS'.  `sleep' arms this CPU's one-shot
 * timer and idles until core_clock_intr() has run and the deadline has
 * passed: it exercises timer, interrupt and idle paths on every
 * platform.  (Callouts and the per-CPU timer queue belong to LWKT.)
 *
 * Protection: the caller's CPU only; interrupts disabled while it checks
 * the clock-interrupt count and idles.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/globaldata.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <stdlib.h>
#include <plat/plat.h>

uint64_t
uptime_ns(void)
{
	return (plat_clock_ns() - boot_time_ns);
}

static int
cmd_uptime(int argc, char **argv)
{
	uint64_t ns = uptime_ns();
	int64_t sec;
	int32_t nsec;

	kprintf("up %llu.%06llu s\n", (unsigned long long)(ns / 1000000000),
	    (unsigned long long)(ns % 1000000000 / 1000));
	if (plat_wallclock(&sec, &nsec) == 0)
		kprintf("wall clock: %lld s since 1970\n", (long long)sec);
	return (0);
}
MONITOR_COMMAND(uptime, "", "time since boot", cmd_uptime);

/*
 * Wait until at least `ns' from now by the one-shot timer.  Returns how
 * many clock interrupts arrived meanwhile.
 */
static uint64_t
clock_wait_ns(uint64_t ns)
{
	struct globaldata *gd = mycpu;
	uint64_t deadline, start_cnt;
	plat_intr_t s;

	s = plat_intr_disable();
	start_cnt = gd->gd_cnt_clock;
	deadline = plat_clock_ns() + ns;
	plat_timer_arm(deadline);
	while (plat_clock_ns() < deadline || gd->gd_cnt_clock == start_cnt) {
		if (plat_clock_ns() >= deadline && gd->gd_cnt_clock ==
		    start_cnt)
			plat_timer_arm(deadline);	/* lost: re-arm */
		plat_cpu_idle();
	}
	plat_intr_restore(s);
	return (gd->gd_cnt_clock - start_cnt);
}

static int
cmd_sleep(int argc, char **argv)
{
	unsigned long ms;
	uint64_t t0, t1, n;
	char *end;

	if (argc != 2)
		return (EINVAL);
	ms = strtoul(argv[1], &end, 10);
	if (*end != '\0' || end == argv[1] || ms > 600000)
		return (EINVAL);
	t0 = plat_clock_ns();
	n = clock_wait_ns((uint64_t)ms * 1000000);
	t1 = plat_clock_ns();
	kprintf("slept %llu us, %llu timer interrupt%s\n",
	    (unsigned long long)((t1 - t0) / 1000), (unsigned long long)n,
	    n == 1 ? "" : "s");
	return (0);
}
MONITOR_COMMAND(sleep, "MS", "wait MS milliseconds on the timer "
    "(0..600000)", cmd_sleep);
