/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * format_test.c - libc_shim/src/format.c against glibc.  A case is one
 * conversion with its arguments (up to two '*' ints, then the value of
 * the type the length modifier names); run_case() formats it with both
 * implementations and, when asked, truncates the shim's output at every
 * buffer size from 0 to one past the full length.  Cases come from
 * tables, from exhaustive loops over flags, widths and precisions, and
 * from a seeded random generator.
 */

#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "shim_test.h"

/* The C type of the value argument, as the length modifier names it. */
enum kind {
	K_NONE,		/* no value: %% */
	K_INT, K_UINT, K_LONG, K_ULONG, K_LLONG, K_ULLONG,
	K_SSIZE, K_SIZE, K_INTMAX, K_UINTMAX, K_PTRDIFF,
	K_STR, K_PTR
};

struct fcase {
	char		 fmt[48];
	int		 nstar;		/* '*' arguments before the value */
	int		 star[2];
	enum kind	 kind;
	unsigned long long	 ival;	/* integer value, cast to kind */
	const char	*sval;
	const void	*pval;
};

#define OUT_MAX		512
#define GUARD		0x5a
#define GUARD_LEN	16

/* Call fn with the case's '*' arguments, then the value v. */
#define CALL_WITH(fn, buf, size, c, v)					\
	((c)->nstar == 0 ? fn(buf, size, (c)->fmt, v) :			\
	    (c)->nstar == 1 ? fn(buf, size, (c)->fmt, (c)->star[0], v) :\
	    fn(buf, size, (c)->fmt, (c)->star[0], (c)->star[1], v))

/* The case's '*' arguments only (%%). */
#define CALL_BARE(fn, buf, size, c)					\
	((c)->nstar == 0 ? fn(buf, size, (c)->fmt) :			\
	    (c)->nstar == 1 ? fn(buf, size, (c)->fmt, (c)->star[0]) :	\
	    fn(buf, size, (c)->fmt, (c)->star[0], (c)->star[1]))

/* A caller that passes the value in exactly the type kind names. */
#define DEFINE_CALLER(name, fn)						\
static int								\
name(char *b, size_t n, const struct fcase *c)				\
{									\
	unsigned long long v = c->ival;					\
									\
	switch (c->kind) {						\
	case K_NONE:							\
		return (CALL_BARE(fn, b, n, c));			\
	case K_INT:							\
		return (CALL_WITH(fn, b, n, c, (int)v));		\
	case K_UINT:							\
		return (CALL_WITH(fn, b, n, c, (unsigned)v));		\
	case K_LONG:							\
		return (CALL_WITH(fn, b, n, c, (long)v));		\
	case K_ULONG:							\
		return (CALL_WITH(fn, b, n, c, (unsigned long)v));	\
	case K_LLONG:							\
		return (CALL_WITH(fn, b, n, c, (long long)v));		\
	case K_ULLONG:							\
		return (CALL_WITH(fn, b, n, c, v));			\
	case K_SSIZE:							\
		return (CALL_WITH(fn, b, n, c, (ssize_t)v));		\
	case K_SIZE:							\
		return (CALL_WITH(fn, b, n, c, (size_t)v));		\
	case K_INTMAX:							\
		return (CALL_WITH(fn, b, n, c, (intmax_t)v));		\
	case K_UINTMAX:							\
		return (CALL_WITH(fn, b, n, c, (uintmax_t)v));		\
	case K_PTRDIFF:							\
		return (CALL_WITH(fn, b, n, c, (ptrdiff_t)v));		\
	case K_STR:							\
		return (CALL_WITH(fn, b, n, c, c->sval));		\
	case K_PTR:							\
	default:							\
		return (CALL_WITH(fn, b, n, c, c->pval));		\
	}								\
}

DEFINE_CALLER(call_glibc, snprintf)
DEFINE_CALLER(call_shim, shim_snprintf)

/* The type an integer conversion with length len reads. */
static enum kind
int_kind(const char *len, int is_signed)
{
	if (strcmp(len, "l") == 0)
		return (is_signed ? K_LONG : K_ULONG);
	if (strcmp(len, "ll") == 0)
		return (is_signed ? K_LLONG : K_ULLONG);
	if (strcmp(len, "z") == 0)
		return (is_signed ? K_SSIZE : K_SIZE);
	if (strcmp(len, "j") == 0)
		return (is_signed ? K_INTMAX : K_UINTMAX);
	if (strcmp(len, "t") == 0)
		return (is_signed ? K_PTRDIFF : K_SIZE);
	return (is_signed ? K_INT : K_UINT);	/* none, h, hh */
}

static void
describe(const struct fcase *c, char *d, size_t size)
{
	snprintf(d, size, "fmt \"%s\" stars %d:%d,%d ival %#llx sval %s "
	    "pval %p", c->fmt, c->nstar, c->star[0], c->star[1], c->ival,
	    c->sval != NULL ? c->sval : "NULL", c->pval);
}

static unsigned long ncases;

/*
 * Format c with glibc and the shim into big buffers and compare; with
 * all_sizes, also truncate the shim's output at every size.
 */
static void
run_case(const struct fcase *c, int all_sizes)
{
	char want[OUT_MAX], got[OUT_MAX + GUARD_LEN], d[200];
	int wn, gn, i;
	size_t size;

	ncases++;
	wn = call_glibc(want, sizeof(want), c);
	memset(got, GUARD, sizeof(got));
	gn = call_shim(got, OUT_MAX, c);
	if (wn < 0 || wn >= OUT_MAX) {
		describe(c, d, sizeof(d));
		fail_msg("case too long for the test: %s", d);
	}
	if (gn != wn || memcmp(got, want, (size_t)wn + 1) != 0) {
		describe(c, d, sizeof(d));
		fail_msg("%s: glibc \"%s\" (%d), shim \"%.*s\" (%d)", d, want,
		    wn, gn >= 0 && gn < OUT_MAX ? gn : 0, got, gn);
	}
	if (!all_sizes)
		return;

	/* Size 0 may come with no buffer at all. */
	assert_int_equal(call_shim(NULL, 0, c), wn);
	for (size = 0; size <= (size_t)wn + 1; size++) {
		memset(got, GUARD, sizeof(got));
		gn = call_shim(got, size, c);
		if (gn != wn)
			goto bad;
		if (size > 0 && (memcmp(got, want, size - 1) != 0 ||
		    got[size - 1] != '\0'))
			goto bad;
		for (i = 0; i < GUARD_LEN; i++) {
			if (got[size + i] != (char)GUARD)
				goto bad;
		}
	}
	return;
bad:
	describe(c, d, sizeof(d));
	fail_msg("%s: wrong output truncated to size %zu (want \"%s\")", d,
	    size, want);
}

static void
set_int_case(struct fcase *c, const char *fmt, enum kind k,
    unsigned long long v)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->fmt, sizeof(c->fmt), "%s", fmt);
	c->kind = k;
	c->ival = v;
}

/* Interesting integer values: limits of every width and neighbours. */
static const unsigned long long int_values[] = {
	0, 1, 2, 7, 8, 9, 10, 15, 16, 42, 99, 100, 127, 128, 255, 256,
	0x7fff, 0x8000, 0xffff, 0x10000, 123456789, 0x7fffffff, 0x80000000,
	0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
	0x8000000000000000ULL, 0xfedcba9876543210ULL,
	-1ULL, -2ULL, -9ULL, -10ULL, -128ULL, -129ULL, -32768ULL,
	-0x80000000ULL, -1000000007ULL
};
#define NINT_VALUES	(sizeof(int_values) / sizeof(int_values[0]))

/* Fixed cases that pin down the corners of C99 and glibc. */
static void
format_matches_glibc_on_table_of_corner_cases(void **state)
{
	static const struct {
		const char	*fmt;
		enum kind	 kind;
		unsigned long long v;
	} t[] = {
		{ "%d", K_INT, 0 }, { "%.0d", K_INT, 0 }, { "%+.0d", K_INT, 0 },
		{ "% .0d", K_INT, 0 }, { "%5.0d|", K_INT, 0 },
		{ "%-5.0d|", K_INT, 0 }, { "%#.0o", K_UINT, 0 },
		{ "%#.0x", K_UINT, 0 }, { "%#o", K_UINT, 0 },
		{ "%#x", K_UINT, 0 }, { "%#5.3o", K_UINT, 8 },
		{ "%#.3o", K_UINT, 0 }, { "%#o", K_UINT, 0777 },
		{ "%#.2o", K_UINT, 8 }, { "%#.3o", K_UINT, 8 },
		{ "%#08x", K_UINT, 0xab }, { "%#-8X|", K_UINT, 0xab },
		{ "%+ d", K_INT, 5 }, { "% +d", K_INT, 5 },
		{ "%0-5d|", K_INT, 5 }, { "%-05d|", K_INT, -5 },
		{ "%05d", K_INT, -42 }, { "%+05d", K_INT, 42 },
		{ "% 05d", K_INT, 42 }, { "%05.3d", K_INT, -4 },
		{ "%.30d", K_INT, -5 }, { "%+u", K_UINT, 3 },
		{ "% u", K_UINT, 3 }, { "%+x", K_UINT, 3 }, { "%#d", K_INT, 5 },
		{ "%#u", K_UINT, 5 }, { "%i", K_INT, -0x80000000LL },
		{ "%d", K_INT, 0x7fffffff }, { "%lld", K_LLONG, 1ULL << 63 },
		{ "%llu", K_ULLONG, -1ULL }, { "%llo", K_ULLONG, -1ULL },
		{ "%#llo", K_ULLONG, -1ULL }, { "%llX", K_ULLONG, -1ULL },
		{ "%hhd", K_INT, 300 }, { "%hhu", K_INT, -1ULL },
		{ "%hhx", K_INT, 0x1ff }, { "%hd", K_INT, 70000 },
		{ "%hx", K_INT, -1ULL }, { "%hu", K_INT, 0x18000 },
		{ "%zd", K_SSIZE, -1ULL }, { "%zu", K_SIZE, -1ULL },
		{ "%zx", K_SIZE, 0xdeadbeefULL }, { "%td", K_PTRDIFF, -5ULL },
		{ "%tu", K_SIZE, -5ULL }, { "%jd", K_INTMAX, 1ULL << 63 },
		{ "%jx", K_UINTMAX, -1ULL }, { "%ld", K_LONG, -1ULL },
		{ "%lx", K_ULONG, 0x123456789abcULL },
		{ "%c", K_INT, 'x' }, { "%c|", K_INT, 0 },
		{ "%c", K_INT, 0xe9 },
		{ "%c", K_INT, 0x141 }, { "%5c|", K_INT, 'a' },
		{ "%-5c|", K_INT, 'a' }, { "%05c", K_INT, 'a' },
		{ "%.0c|", K_INT, 'a' }, { "%%", K_NONE, 0 },
		{ "a%%b%%", K_NONE, 0 }, { "%5%|", K_NONE, 0 },
		{ "%-5%|", K_NONE, 0 }, { "plain text", K_NONE, 0 },
		{ "", K_NONE, 0 },
	};
	struct fcase c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_int_case(&c, t[i].fmt, t[i].kind, t[i].v);
		run_case(&c, 1);
	}
}

/* Every flag set, width and precision for every integer conversion. */
static void
format_matches_glibc_for_integer_flags(void **state)
{
	static const char flagch[] = "-+ #0";
	static const char *widths[] = { "", "1", "5", "12", "*", "*" };
	static const char *precs[] = { "", ".", ".0", ".1", ".3", ".20",
	    ".*", ".*" };
	static const char convs[] = "diuxXo";
	static const unsigned long long vals[] = { 0, 1, 7, 8, 255, 4242,
	    0x7fffffff, 0x80000000, -1ULL, -8ULL, -123456ULL };
	const unsigned nv = sizeof(vals) / sizeof(vals[0]);
	char flags[8], fmt[48];
	struct fcase c;
	unsigned i, fl, cv, w, p, v, nf, b;

	(void)state;
	/* One counter walks flags x conversion x width x prec x value. */
	for (i = 0; i < 32 * 6 * 6 * 8 * nv; i++) {
		v = i % nv;
		p = i / nv % 8;
		w = i / nv / 8 % 6;
		cv = i / nv / 8 / 6 % 6;
		fl = i / nv / 8 / 6 / 6;
		nf = 0;
		for (b = 0; b < 5; b++) {
			if ((fl & (1u << b)) != 0)
				flags[nf++] = flagch[b];
		}
		flags[nf] = '\0';
		snprintf(fmt, sizeof(fmt), "[%%%s%s%s%c]", flags, widths[w],
		    precs[p], convs[cv]);
		set_int_case(&c, fmt, cv < 2 ? K_INT : K_UINT, vals[v]);
		/* Negative '*' width means '-'; negative precision, none. */
		if (w >= 4)
			c.star[c.nstar++] = w == 4 ? 9 : -9;
		if (p >= 6)
			c.star[c.nstar++] = p == 6 ? 4 : -4;
		run_case(&c, v % 4 == 0);
	}
}

/* Each length modifier reads and converts its own type. */
static void
format_matches_glibc_for_every_length_modifier(void **state)
{
	static const char *lens[] = { "", "hh", "h", "l", "ll", "z", "j",
	    "t" };
	static const char convs[] = "diuxXo";
	static const char *decor[] = { "", "+", "#", "-12", "020", "#.25",
	    " 8.4" };
	const unsigned nd = sizeof(decor) / sizeof(decor[0]);
	char fmt[48];
	struct fcase c;
	unsigned i, l, cv, dc, v;

	(void)state;
	/* One counter walks length x conversion x decoration x value. */
	for (i = 0; i < 8 * 6 * nd * NINT_VALUES; i++) {
		v = i % NINT_VALUES;
		dc = i / NINT_VALUES % nd;
		cv = i / NINT_VALUES / nd % 6;
		l = i / NINT_VALUES / nd / 6;
		snprintf(fmt, sizeof(fmt), "<%%%s%s%c>", decor[dc], lens[l],
		    convs[cv]);
		set_int_case(&c, fmt, int_kind(lens[l], cv < 2),
		    int_values[v]);
		run_case(&c, dc == 0);
	}
}

/* %s, %c and %p with widths, precisions, NULL and flags like glibc. */
static void
format_matches_glibc_for_strings_chars_and_pointers(void **state)
{
	static const char *strs[] = { NULL, "", "a", "hello", "(null)",
	    "a longer string of text", "\xe9t\xe9" };
	static const char *sfmts[] = { "%s", "%10s|", "%-10s|", "%.3s|",
	    "%.5s|", "%.6s|", "%.0s|", "%8.2s|", "%-8.7s|", "%010s",
	    "%.*s|", "%*s|", "%*.*s|", "%2s", "%.1s" };
	static const void *ptrs[] = { NULL, (void *)1, (void *)0x1234,
	    (void *)0xdeadbeefcafeULL, (void *)-1LL,
	    (void *)0xffff800000000000ULL };
	static const char *pfmts[] = { "%p", "%20p|", "%-20p|", "%020p",
	    "%.8p", "%.0p", "%+p", "% p", "%#p", "%2p", "%-2p|", "%.20p",
	    "%*p|", "%.*p" };
	static const int cvals[] = { 'a', 0, 0xff, 0x100 + 'z', -1 };
	static const char *cfmts[] = { "%c", "%3c|", "%-3c|", "%*c|",
	    "%.5c" };
	struct fcase c;
	size_t i, j;
	const char *f;

	(void)state;
	for (i = 0; i < sizeof(sfmts) / sizeof(sfmts[0]); i++) {
		for (j = 0; j < sizeof(strs) / sizeof(strs[0]); j++) {
			memset(&c, 0, sizeof(c));
			snprintf(c.fmt, sizeof(c.fmt), "%s", sfmts[i]);
			c.kind = K_STR;
			c.sval = strs[j];
			for (f = c.fmt; *f != '\0'; f++) {
				if (*f == '*') {
					c.star[c.nstar] = c.nstar == 0 ?
					    -7 : 4;
					c.nstar++;
				}
			}
			run_case(&c, 1);
		}
	}
	for (i = 0; i < sizeof(pfmts) / sizeof(pfmts[0]); i++) {
		for (j = 0; j < sizeof(ptrs) / sizeof(ptrs[0]); j++) {
			memset(&c, 0, sizeof(c));
			snprintf(c.fmt, sizeof(c.fmt), "%s", pfmts[i]);
			c.kind = K_PTR;
			c.pval = ptrs[j];
			if (strchr(c.fmt, '*') != NULL)
				c.star[c.nstar++] = 19;
			run_case(&c, 1);
		}
	}
	for (i = 0; i < sizeof(cfmts) / sizeof(cfmts[0]); i++) {
		for (j = 0; j < sizeof(cvals) / sizeof(cvals[0]); j++) {
			set_int_case(&c, cfmts[i], K_INT,
			    (unsigned long long)(long long)cvals[j]);
			if (strchr(c.fmt, '*') != NULL)
				c.star[c.nstar++] = -4;
			run_case(&c, 1);
		}
	}
}

/* A random value that hits limits and small numbers often. */
static unsigned long long
random_int_value(void)
{
	switch (rng_below(4)) {
	case 0:
		return (int_values[rng_below(NINT_VALUES)]);
	case 1:
		return ((unsigned long long)(long long)(int)rng_below(2001) -
		    1000);
	case 2:
		return (rng64() >> rng_below(64));
	default:
		return (rng64());
	}
}

/* Append a random flags, width and precision part to fmt. */
static void
random_spec_prefix(struct fcase *c, char *fmt, size_t size)
{
	static const char flagch[] = "-+ #0";
	size_t n = strlen(fmt);
	unsigned i, nf;

	nf = rng_below(4);
	for (i = 0; i < nf; i++)
		n += snprintf(fmt + n, size - n, "%c", flagch[rng_below(5)]);
	switch (rng_below(5)) {
	case 0:
	case 1:
		break;
	case 2:
		c->star[c->nstar++] = (int)rng_below(61) - 30;
		n += snprintf(fmt + n, size - n, "*");
		break;
	default:
		n += snprintf(fmt + n, size - n, "%u", rng_below(31));
		break;
	}
	switch (rng_below(6)) {
	case 0:
	case 1:
		break;
	case 2:
		c->star[c->nstar++] = (int)rng_below(40) - 8;
		n += snprintf(fmt + n, size - n, ".*");
		break;
	case 3:
		n += snprintf(fmt + n, size - n, ".");
		break;
	default:
		n += snprintf(fmt + n, size - n, ".%u", rng_below(31));
		break;
	}
}

/* Seeded random specifications of every conversion agree with glibc. */
static void
format_matches_glibc_for_random_specifications(void **state)
{
	static const char *lens[] = { "", "hh", "h", "l", "ll", "z", "j",
	    "t" };
	static const char *strs[] = { NULL, "", "x", "kernel", "Damselfly",
	    "0123456789abcdefghij" };
	static const char convs[] = "diuxXocsp";
	struct fcase c;
	const char *len;
	char conv;
	int i;

	(void)state;
	for (i = 0; i < 30000; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.fmt, sizeof(c.fmt), "%s%%", i % 3 == 0 ? "" : "<");
		random_spec_prefix(&c, c.fmt, sizeof(c.fmt));
		conv = convs[rng_below(sizeof(convs) - 1)];
		len = "";
		if (strchr("diuxXo", conv) != NULL) {
			len = lens[rng_below(8)];
			c.kind = int_kind(len, conv == 'd' || conv == 'i');
			c.ival = random_int_value();
		} else if (conv == 'c') {
			c.kind = K_INT;
			c.ival = rng_below(300);
		} else if (conv == 's') {
			c.kind = K_STR;
			c.sval = strs[rng_below(6)];
		} else {
			c.kind = K_PTR;
			c.pval = rng_below(4) == 0 ? NULL :
			    (const void *)(uintptr_t)random_int_value();
		}
		snprintf(c.fmt + strlen(c.fmt), sizeof(c.fmt) - strlen(c.fmt),
		    "%s%c%s", len, conv, i % 3 == 0 ? "" : ">");
		run_case(&c, 1);
	}
	print_message("  %lu format cases compared with glibc so far\n",
	    ncases);
}

/* Several conversions and literal text in one format agree too. */
static void
format_matches_glibc_for_random_multi_conversion_formats(void **state)
{
	static const char convs[] = "diuxXo";
	char fmt[128], want[OUT_MAX], got[OUT_MAX];
	unsigned long long v[3];
	struct fcase dummy;
	int i, k, wn, gn;
	size_t n, size;

	(void)state;
	for (i = 0; i < 5000; i++) {
		n = 0;
		fmt[0] = '\0';
		for (k = 0; k < 3; k++) {
			memset(&dummy, 0, sizeof(dummy));
			n += snprintf(fmt + n, sizeof(fmt) - n, "%s%%",
			    rng_below(2) == 0 ? "" : " x=");
			/* No '*' here: every argument is a long long. */
			do {
				fmt[n] = '\0';
				dummy.nstar = 0;
				random_spec_prefix(&dummy, fmt, sizeof(fmt));
			} while (dummy.nstar != 0);
			n = strlen(fmt);
			n += snprintf(fmt + n, sizeof(fmt) - n, "ll%c",
			    convs[rng_below(6)]);
			v[k] = random_int_value();
		}
		wn = snprintf(want, sizeof(want), fmt, v[0], v[1], v[2]);
		gn = shim_snprintf(got, sizeof(got), fmt, v[0], v[1], v[2]);
		if (gn != wn || strcmp(got, want) != 0)
			fail_msg("fmt \"%s\": glibc \"%s\", shim \"%s\"", fmt,
			    want, got);
		size = rng_below((unsigned)wn + 2);
		gn = shim_snprintf(got, size, fmt, v[0], v[1], v[2]);
		assert_int_equal(gn, wn);
		if (size > 0) {
			assert_memory_equal(got, want, size - 1);
			assert_int_equal(got[size - 1], '\0');
		}
	}
}

static int
shim_vsnprintf_wrapper(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = shim_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}

/* vsnprintf takes the same arguments through a va_list. */
static void
vsnprintf_formats_from_a_va_list(void **state)
{
	char got[64];
	int n;

	(void)state;
	n = shim_vsnprintf_wrapper(got, sizeof(got), "%s-%d-%lx-%c-%p",
	    "ab", -3, 0xbeefUL, 'z', (void *)0x10);
	assert_int_equal(n, 17);
	assert_string_equal(got, "ab--3-beef-z-0x10");
	n = shim_vsnprintf_wrapper(got, 4, "%d%%", 123456);
	assert_int_equal(n, 7);
	assert_string_equal(got, "123");
}

/* Size 0 writes nothing, and a NULL buffer is allowed with it. */
static void
format_with_size_zero_writes_nothing(void **state)
{
	char buf[4] = "abc";

	(void)state;
	assert_int_equal(shim_snprintf(NULL, 0, "%d and %s", 12345, "xyz"),
	    13);
	assert_int_equal(shim_snprintf(buf, 0, "%s", "zzzz"), 4);
	assert_string_equal(buf, "abc");
	assert_int_equal(shim_snprintf(buf, 1, "%s", "zzzz"), 4);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'b');
}

/* %.Ns reads at most N bytes, so the string needs no NUL. */
static void
format_reads_no_further_than_string_precision(void **state)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *map, *s, got[32];
	int n;

	(void)state;
	/* Five bytes right before an inaccessible page. */
	map = mmap(NULL, (size_t)pg * 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + pg, (size_t)pg, PROT_NONE), 0);
	s = map + pg - 5;
	memcpy(s, "hello", 5);
	n = shim_snprintf(got, sizeof(got), "[%.5s]", s);
	assert_int_equal(n, 7);
	assert_string_equal(got, "[hello]");
	n = shim_snprintf(got, sizeof(got), "[%-8.*s]", 5, s);
	assert_string_equal(got, "[hello   ]");
	assert_int_equal(n, 10);
	munmap(map, (size_t)pg * 2);
}

/* Unknown conversions and a lone '%' at the end are copied as text. */
static void
format_copies_unknown_conversions_as_text(void **state)
{
	char got[64];
	const char *fmt;
	int n;

	(void)state;
	/* Through a variable, so the compiler does not check them. */
	fmt = "a%yb%5.2kc%d";
	n = shim_snprintf(got, sizeof(got), fmt, 7);
	assert_string_equal(got, "a%yb%5.2kc7");
	assert_int_equal(n, 11);
	fmt = "50%";
	n = shim_snprintf(got, sizeof(got), fmt);
	assert_string_equal(got, "50%");
	assert_int_equal(n, 3);
	fmt = "x%-0";
	n = shim_snprintf(got, sizeof(got), fmt);
	assert_string_equal(got, "x%-0");
	assert_int_equal(n, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    format_matches_glibc_on_table_of_corner_cases, rng_setup),
		cmocka_unit_test_setup(
		    format_matches_glibc_for_integer_flags, rng_setup),
		cmocka_unit_test_setup(
		    format_matches_glibc_for_every_length_modifier,
		    rng_setup),
		cmocka_unit_test_setup(
		    format_matches_glibc_for_strings_chars_and_pointers,
		    rng_setup),
		cmocka_unit_test_setup(
		    format_matches_glibc_for_random_specifications,
		    rng_setup),
		cmocka_unit_test_setup(
		    format_matches_glibc_for_random_multi_conversion_formats,
		    rng_setup),
		cmocka_unit_test_setup(vsnprintf_formats_from_a_va_list,
		    rng_setup),
		cmocka_unit_test_setup(format_with_size_zero_writes_nothing,
		    rng_setup),
		cmocka_unit_test_setup(
		    format_reads_no_further_than_string_precision, rng_setup),
		cmocka_unit_test_setup(
		    format_copies_unknown_conversions_as_text, rng_setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
