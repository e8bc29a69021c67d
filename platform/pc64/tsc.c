/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * tsc.c - plat_clock_ns() from the time-stamp counter.
 *
 * The TSC's rate is measured once at boot against PIT channel 2 (the
 * PC speaker channel, whose output we can poll through port 0x61 without
 * an interrupt): count a known number of 1.193182 MHz PIT ticks, three
 * times, and keep the shortest TSC interval (the one least stretched by
 * polling delays).  Nanoseconds are then one multiply and a shift.  The
 * origin is the calibration time, so the clock reads as uptime.
 *
 * Context: tsc_calibrate() once on the boot CPU, interrupts disabled;
 * plat_clock_ns() anywhere (tsc_* are [I] after calibration).  It
 * assumes the TSCs of all CPUs tick together, as QEMU's and every
 * invariant-TSC machine's do.
 */
#include <sys/types.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define PIT_HZ		1193182ULL
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_CH2_MODE0	0xb0		/* channel 2, lo/hi byte, mode 0 */
#define PORT_61		0x61
#define P61_GATE2	0x01
#define P61_SPEAKER	0x02
#define P61_OUT2	0x20

#define CAL_TICKS	(PIT_HZ / 50)	/* 20 ms */
#define CAL_RUNS	3
#define CAL_MAX_SPINS	100000000ULL	/* give up on a missing PIT */
#define TSC_HZ_GUESS	2000000000ULL

uint64_t tsc_hz;			/* [I] */
static uint64_t tsc_origin;		/* [I] */
static uint64_t tsc_mult;		/* [I] ns = delta * mult >> 32 */

/* TSC cycles during CAL_TICKS PIT ticks, or 0 if the PIT never answered. */
static uint64_t
tsc_measure(void)
{
	uint64_t t0, t1, spins = 0;

	outb(PORT_61, (inb(PORT_61) & ~P61_SPEAKER) | P61_GATE2);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, CAL_TICKS & 0xff);
	outb(PIT_CH2, CAL_TICKS >> 8);
	t0 = rdtsc();
	while ((inb(PORT_61) & P61_OUT2) == 0)
		if (++spins == CAL_MAX_SPINS)
			return (0);
	t1 = rdtsc();
	return (t1 - t0);
}

/*
 * tsc_calibrate - measure the TSC rate and start plat_clock_ns() at 0.
 *
 * Context: boot CPU, once, interrupts disabled.
 */
void
tsc_calibrate(void)
{
	uint64_t best = 0, d;
	int i;

	for (i = 0; i < CAL_RUNS; i++) {
		d = tsc_measure();
		if (d != 0 && (best == 0 || d < best))
			best = d;
	}
	if (best != 0)
		tsc_hz = best * PIT_HZ / CAL_TICKS;
	else
		tsc_hz = TSC_HZ_GUESS;	/* no PIT: the clock will be off */
	tsc_mult = (1000000000ULL << 32) / tsc_hz;	/* fits: 1e9 < 2^30 */
	tsc_origin = rdtsc();
}

uint64_t
plat_clock_ns(void)
{
	uint64_t d;

	if (tsc_mult == 0)
		return (0);		/* before calibration */
	d = rdtsc() - tsc_origin;
	return ((uint64_t)(((unsigned __int128)d * tsc_mult) >> 32));
}
