/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * strtol.c - strtol(), strtoul(), strtoll() and strtoull() for the pc64
 * kernel, which has no libc; the vkernel links glibc's.
 *
 * The one idea to keep in mind: the kernel has no errno, so a value out
 * of range is clamped (LONG_MAX, LONG_MIN, ULONG_MAX...) exactly as the
 * C standard says, and the caller who must tell "too big" from "the
 * largest value" compares against the limit.  All four share one
 * parser, parse_number(), which reads the magnitude, the sign and the
 * end; the wrappers only pick the limit.  endptr follows C99: it points
 * after the last digit used, even on overflow, and at the start of the
 * string when there were no digits (or the base was invalid).  Like
 * glibc 2.36, "0b" is not a prefix.  See docs/libc_shim.md.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <ctype.h>

/* The result of parsing, before the caller's type is applied. */
struct parsed {
	unsigned long long	p_mag;	/* magnitude, clamped to the limit */
	int			p_neg;	/* a '-' came before the digits */
	int			p_over;	/* the magnitude exceeded the limit */
};

/* The value of c as a digit, or 36 for "not a digit". */
static int
digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'Z')
		return (c - 'A' + 10);
	return (36);
}

/*
 * Parse s in base (0 or 2..36), accepting magnitudes up to limit.  Sets
 * *endptr when it is not NULL.
 */
static void
parse_number(const char *s, char **endptr, int base,
    unsigned long long limit, struct parsed *res)
{
	const char *p = s;
	unsigned long long mag = 0;
	int d, any = 0;

	res->p_mag = 0;
	res->p_neg = 0;
	res->p_over = 0;
	if (base < 0 || base == 1 || base > 36) {
		if (endptr != NULL)
			*endptr = (char *)(uintptr_t)s;
		return;
	}

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-' || *p == '+')
		res->p_neg = *p++ == '-';

	/* "0x" is a prefix only when a hex digit follows it. */
	if ((base == 0 || base == 16) && p[0] == '0' &&
	    (p[1] == 'x' || p[1] == 'X') &&
	    digit_value((unsigned char)p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0)
		base = p[0] == '0' ? 8 : 10;

	for (; (d = digit_value((unsigned char)*p)) < base; p++) {
		any = 1;
		if (res->p_over)
			continue;
		if (mag > (limit - (unsigned)d) / (unsigned)base) {
			res->p_over = 1;
			mag = limit;
		} else
			mag = mag * (unsigned)base + (unsigned)d;
	}

	if (!any) {
		/* No digits: nothing was converted, not even the sign. */
		res->p_neg = 0;
		p = s;
	}
	res->p_mag = mag;
	if (endptr != NULL)
		*endptr = (char *)(uintptr_t)p;
}

/*
 * Parse a long in base 0 (C prefixes: 0x hex, 0 octal) or 2..36, after
 * leading white space and an optional sign.
 * Context: any; never blocks.
 * Returns the value, clamped to LONG_MIN..LONG_MAX; 0 when there are no
 * digits or the base is invalid.  *endptr (if endptr is not NULL) is
 * set after the last digit used, or to s when none was.
 */
long
strtol(const char *restrict s, char **restrict endptr, int base)
{
	struct parsed r;
	unsigned long long lim = (unsigned long long)__LONG_MAX__;

	parse_number(s, endptr, base, lim + 1, &r);
	if (r.p_neg)
		return (r.p_mag > lim ? -__LONG_MAX__ - 1 :
		    -(long)r.p_mag);
	return (r.p_mag > lim ? __LONG_MAX__ : (long)r.p_mag);
}

/*
 * Parse an unsigned long like strtol().  A '-' negates the value in the
 * unsigned type, as C says ("-1" gives ULONG_MAX).
 * Context: any; never blocks.
 * Returns the value; ULONG_MAX when the magnitude is out of range; 0
 * when there are no digits or the base is invalid.  *endptr as strtol().
 */
unsigned long
strtoul(const char *restrict s, char **restrict endptr, int base)
{
	struct parsed r;
	unsigned long lim = __LONG_MAX__ * 2UL + 1;

	parse_number(s, endptr, base, lim, &r);
	if (r.p_over)
		return (lim);
	return (r.p_neg ? -(unsigned long)r.p_mag : (unsigned long)r.p_mag);
}

/*
 * Parse a long long like strtol().
 * Context: any; never blocks.
 * Returns the value clamped to LLONG_MIN..LLONG_MAX; *endptr as
 * strtol().
 */
long long
strtoll(const char *restrict s, char **restrict endptr, int base)
{
	struct parsed r;
	unsigned long long lim = (unsigned long long)__LONG_LONG_MAX__;

	parse_number(s, endptr, base, lim + 1, &r);
	if (r.p_neg)
		return (r.p_mag > lim ? -__LONG_LONG_MAX__ - 1 :
		    -(long long)r.p_mag);
	return (r.p_mag > lim ? __LONG_LONG_MAX__ : (long long)r.p_mag);
}

/*
 * Parse an unsigned long long like strtoul().
 * Context: any; never blocks.
 * Returns the value; ULLONG_MAX when out of range; *endptr as strtol().
 */
unsigned long long
strtoull(const char *restrict s, char **restrict endptr, int base)
{
	struct parsed r;
	unsigned long long lim = __LONG_LONG_MAX__ * 2ULL + 1;

	parse_number(s, endptr, base, lim, &r);
	if (r.p_over)
		return (lim);
	return (r.p_neg ? -r.p_mag : r.p_mag);
}
