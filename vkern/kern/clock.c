/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * clock.c - time since boot and a timer-driven wait, as monitor
 * commands: `uptime' and `sleep MS'.  `sleep' is a tsleep with a timeout,
 * so it goes through the callout queue, the one-shot timer, the clock
 * interrupt, the softclock thread and the idle thread on every platform.
 *
 * Protection: none needed; it reads the clock and per-CPU counters.
 */
#include <sys/types.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/globaldata.h>
#include <sys/monitor.h>
#include <sys/errno.h>
#include <stdlib.h>
#include <sys/thread.h>
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

static int
cmd_sleep(int argc, char **argv)
{
	unsigned long ms;
	uint64_t t0, t1, n, elapsed;
	char *end;

	if (argc != 2)
		return (EINVAL);
	ms = strtoul(argv[1], &end, 10);
	if (*end != '\0' || end == argv[1] || ms > 600000)
		return (EINVAL);
	t0 = plat_clock_ns();
	n = mycpu->gd_cnt_clock;
	while ((elapsed = plat_clock_ns() - t0) < (uint64_t)ms * 1000000) {
		/* Whole ticks, rounded up: never wake before the deadline. */
		tsleep(&ms, 0, "sleep", (int)howmany((uint64_t)ms * 1000000 -
		    elapsed, 1000000000 / hz));
	}
	t1 = plat_clock_ns();
	n = mycpu->gd_cnt_clock - n;
	kprintf("slept %llu us, %llu timer interrupt%s\n",
	    (unsigned long long)((t1 - t0) / 1000), (unsigned long long)n,
	    n == 1 ? "" : "s");
	return (0);
}
MONITOR_COMMAND(sleep, "MS", "wait MS milliseconds on the timer "
    "(0..600000)", cmd_sleep);
