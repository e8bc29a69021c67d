/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * rtc.c - plat_wallclock() from the CMOS real-time clock.
 *
 * The RTC is read once at boot (waiting out an update in progress, and
 * reading until two passes agree), converted to seconds since 1970 UTC
 * (the PC convention under QEMU is a UTC RTC), and paired with the
 * plat_clock_ns() of that moment.  plat_wallclock() adds the monotonic
 * time since, so it never touches the slow CMOS ports again and has
 * nanosecond steps.  An RTC that reads as nonsense gives ENXIO.
 *
 * Context: rtc_init() once on the boot CPU; the saved pair is [I].
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <pc64/cpufunc.h>
#include <pc64/pc64.h>

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define RTC_SEC		0x00
#define RTC_MIN		0x02
#define RTC_HOUR	0x04
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_STATUSA	0x0a
#define RTC_STATUSB	0x0b
#define RTC_CENTURY	0x32
#define STA_UIP		0x80	/* update in progress */
#define STB_24H		0x02
#define STB_BINARY	0x04
#define HOUR_PM		0x80

struct rtc_time {
	int	rt_sec, rt_min, rt_hour, rt_mday, rt_month, rt_year, rt_cent;
};

static bool	rtc_valid;
static int64_t	rtc_boot_sec;		/* [I] wall seconds at rtc_boot_ns */
static uint64_t	rtc_boot_ns;		/* [I] plat_clock_ns() then */

static int
cmos_read(int reg)
{
	outb(CMOS_INDEX, (uint8_t)reg);
	io_delay();
	return (inb(CMOS_DATA));
}

static void
rtc_read_raw(struct rtc_time *t)
{
	int spins = 0;

	while ((cmos_read(RTC_STATUSA) & STA_UIP) && ++spins < 1000000)
		cpu_pause();
	t->rt_sec = cmos_read(RTC_SEC);
	t->rt_min = cmos_read(RTC_MIN);
	t->rt_hour = cmos_read(RTC_HOUR);
	t->rt_mday = cmos_read(RTC_MDAY);
	t->rt_month = cmos_read(RTC_MONTH);
	t->rt_year = cmos_read(RTC_YEAR);
	t->rt_cent = cmos_read(RTC_CENTURY);
}

static int
bcd(int v)
{
	return ((v >> 4) * 10 + (v & 0xf));
}

static bool
is_leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

/* Days from 1970-01-01 to y-m-d (m 1..12, d 1..31); y >= 1970. */
static int64_t
days_since_epoch(int y, int m, int d)
{
	static const int before_month[12] = {
		0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
	};
	int64_t days = 0;
	int i;

	for (i = 1970; i < y; i++)
		days += is_leap(i) ? 366 : 365;
	days += before_month[m - 1];
	if (m > 2 && is_leap(y))
		days++;
	return (days + d - 1);
}

/*
 * rtc_init - read the RTC and remember it against the monotonic clock.
 *
 * Context: boot CPU, once, after tsc_calibrate(), interrupts disabled.
 */
void
rtc_init(void)
{
	struct rtc_time a, b;
	int stb, pm, tries = 0, year;

	do {
		rtc_read_raw(&a);
		rtc_read_raw(&b);
	} while ((a.rt_sec != b.rt_sec || a.rt_min != b.rt_min ||
	    a.rt_hour != b.rt_hour || a.rt_mday != b.rt_mday) && ++tries < 5);
	rtc_boot_ns = plat_clock_ns();

	stb = cmos_read(RTC_STATUSB);
	pm = b.rt_hour & HOUR_PM;
	b.rt_hour &= ~HOUR_PM;
	if ((stb & STB_BINARY) == 0) {
		b.rt_sec = bcd(b.rt_sec);
		b.rt_min = bcd(b.rt_min);
		b.rt_hour = bcd(b.rt_hour);
		b.rt_mday = bcd(b.rt_mday);
		b.rt_month = bcd(b.rt_month);
		b.rt_year = bcd(b.rt_year);
		b.rt_cent = bcd(b.rt_cent);
	}
	if ((stb & STB_24H) == 0) {
		if (b.rt_hour == 12)
			b.rt_hour = 0;
		if (pm)
			b.rt_hour += 12;
	}
	if (b.rt_cent >= 19 && b.rt_cent <= 30)
		year = b.rt_cent * 100 + b.rt_year;
	else
		year = 2000 + b.rt_year;	/* no century register */
	if (year < 1970 || b.rt_month < 1 || b.rt_month > 12 ||
	    b.rt_mday < 1 || b.rt_mday > 31 || b.rt_hour > 23 ||
	    b.rt_min > 59 || b.rt_sec > 59)
		return;
	rtc_boot_sec = days_since_epoch(year, b.rt_month, b.rt_mday) * 86400 +
	    b.rt_hour * 3600 + b.rt_min * 60 + b.rt_sec;
	rtc_valid = true;
}

int
plat_wallclock(int64_t *sec, int32_t *nsec)
{
	uint64_t since;

	if (!rtc_valid)
		return (ENXIO);
	since = plat_clock_ns() - rtc_boot_ns;
	*sec = rtc_boot_sec + (int64_t)(since / 1000000000ULL);
	*nsec = (int32_t)(since % 1000000000ULL);
	return (0);
}
