/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * string_test.c - libc_shim/src/string.c against glibc.  Every
 * function runs over all source and destination alignments within a
 * word, lengths across the word-loop thresholds, and bytes >= 0x80 (the
 * functions compare as unsigned char).  Guard bytes around each buffer
 * prove nothing is written outside it.
 */

#include "shim_test.h"

#define GUARD		0xa5
#define AREA		4096

static unsigned char area_a[AREA], area_b[AREA], area_want[AREA];

static void
fill_random(unsigned char *p, size_t n)
{
	while (n-- > 0)
		*p++ = (unsigned char)rng64();
}

/* A random NUL-free string of len bytes from alphabet. */
static void
random_string(char *p, size_t len, const char *alphabet)
{
	size_t na = strlen(alphabet);

	while (len-- > 0)
		*p++ = alphabet[rng_below((unsigned)na)];
	*p = '\0';
}

static const char alpha_high[] = "ab\x7f\x80\xe9\xff";

/* memcpy copies exactly n bytes at every alignment and returns dst. */
static void
memcpy_copies_every_length_at_every_alignment(void **state)
{
	size_t so, dof, n;
	void *r;

	(void)state;
	for (so = 0; so < 16; so++) {
		for (dof = 0; dof < 16; dof++) {
			for (n = 0; n < 80; n++) {
				fill_random(area_a, 128);
				memset(area_b, GUARD, 128);
				memset(area_want, GUARD, 128);
				memcpy(area_want + 8 + dof, area_a + so, n);
				r = shim_memcpy(area_b + 8 + dof, area_a + so,
				    n);
				assert_ptr_equal(r, area_b + 8 + dof);
				assert_memory_equal(area_b, area_want, 128);
			}
		}
	}
	/* Long copies, aligned and not. */
	for (so = 0; so < 9; so++) {
		fill_random(area_a, AREA);
		memset(area_b, GUARD, AREA);
		memset(area_want, GUARD, AREA);
		n = AREA - 64 - so;
		memcpy(area_want + 16 + (so & 1), area_a + so, n);
		shim_memcpy(area_b + 16 + (so & 1), area_a + so, n);
		assert_memory_equal(area_b, area_want, AREA);
	}
}

/* memmove is correct for overlapping areas in both directions. */
static void
memmove_handles_overlap_in_both_directions(void **state)
{
	size_t so, dof, n;
	void *r;

	(void)state;
	for (so = 0; so < 40; so++) {
		for (dof = 0; dof < 40; dof++) {
			for (n = 0; n <= 100; n++) {
				fill_random(area_a, 160);
				memcpy(area_want, area_a, 160);
				memmove(area_want + dof, area_want + so, n);
				r = shim_memmove(area_a + dof, area_a + so, n);
				assert_ptr_equal(r, area_a + dof);
				assert_memory_equal(area_a, area_want, 160);
			}
		}
	}
	/* Large overlapping moves by one byte and by one word. */
	for (so = 0; so < 4; so++) {
		size_t shift = so < 2 ? 1 : 8;
		size_t from = so % 2 == 0 ? 0 : shift;
		size_t to = so % 2 == 0 ? shift : 0;

		fill_random(area_a, AREA);
		memcpy(area_want, area_a, AREA);
		memmove(area_want + to, area_want + from, AREA - 8);
		shim_memmove(area_a + to, area_a + from, AREA - 8);
		assert_memory_equal(area_a, area_want, AREA);
	}
}

/* memset fills n bytes with (unsigned char)c and nothing else. */
static void
memset_fills_exactly_n_bytes_with_the_low_byte(void **state)
{
	static const int values[] = { 0, 1, 0x7f, 0x80, 0xff, -1, 0x1ab,
	    -129 };
	size_t off, n, v;
	void *r;

	(void)state;
	for (v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		for (off = 0; off < 16; off++) {
			for (n = 0; n < 100; n++) {
				memset(area_b, GUARD, 140);
				memset(area_want, GUARD, 140);
				memset(area_want + 8 + off, values[v], n);
				r = shim_memset(area_b + 8 + off, values[v], n);
				assert_ptr_equal(r, area_b + 8 + off);
				assert_memory_equal(area_b, area_want, 140);
			}
		}
	}
	memset(area_want, 0x3c, AREA - 3);
	shim_memset(area_b, 0x3c, AREA - 3);
	assert_memory_equal(area_b, area_want, AREA - 3);
}

static int
sign(int v)
{
	return ((v > 0) - (v < 0));
}

/* memcmp orders by the first differing byte as unsigned char. */
static void
memcmp_orders_like_glibc_with_high_bytes(void **state)
{
	size_t off, n, pos;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		off = rng_below(16);
		n = rng_below(64);
		fill_random(area_a + off, n);
		memcpy(area_b, area_a + off, n);
		if (n > 0 && rng_below(4) != 0) {
			pos = rng_below((unsigned)n);
			area_b[pos] = (unsigned char)rng64();
		}
		assert_int_equal(sign(shim_memcmp(area_a + off, area_b, n)),
		    sign(memcmp(area_a + off, area_b, n)));
		assert_int_equal(sign(shim_memcmp(area_b, area_a + off, n)),
		    sign(memcmp(area_b, area_a + off, n)));
	}
	assert_true(shim_memcmp("\x80", "\x7f", 1) > 0);
	assert_int_equal(shim_memcmp("abc", "abd", 0), 0);
}

/* memchr finds the first (unsigned char)c and never looks past n. */
static void
memchr_finds_first_byte_within_length(void **state)
{
	static const int targets[] = { 'a', 0, 0xe9, -23, 0x161, 0xff, -1 };
	size_t n, t;
	int i;

	(void)state;
	for (i = 0; i < 500; i++) {
		n = rng_below(80);
		random_string((char *)area_a, n, alpha_high);
		if (n > 0 && rng_below(3) == 0)
			area_a[rng_below((unsigned)n)] = 0;
		for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
			assert_ptr_equal(shim_memchr(area_a, targets[t], n),
			    memchr(area_a, targets[t], n));
		}
	}
	assert_null(shim_memchr(NULL, 'a', 0));
}

/* strlen and strnlen agree with glibc for all offsets and limits. */
static void
strlen_and_strnlen_count_to_the_nul_or_the_limit(void **state)
{
	size_t off, len, max;

	(void)state;
	for (off = 0; off < 16; off++) {
		for (len = 0; len < 70; len++) {
			random_string((char *)area_a + off, len, alpha_high);
			assert_int_equal(shim_strlen((char *)area_a + off),
			    len);
			for (max = 0; max < len + 3; max++) {
				assert_int_equal(
				    shim_strnlen((char *)area_a + off, max),
				    strnlen((char *)area_a + off, max));
			}
		}
	}
	/* strnlen must not need a NUL within max bytes. */
	memset(area_b, 'x', 32);
	assert_int_equal(shim_strnlen((char *)area_b, 32), 32);
}

/* strcmp and strncmp order strings like glibc, as unsigned chars. */
static void
strcmp_and_strncmp_order_like_glibc(void **state)
{
	char a[40], b[40];
	size_t la, lb, n;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		la = rng_below(12);
		random_string(a, la, alpha_high);
		if (rng_below(2) == 0) {
			/* Same string, a prefix or a one-byte change. */
			memcpy(b, a, la + 1);
			lb = la;
			if (la > 0 && rng_below(2) == 0)
				b[rng_below((unsigned)la)] =
				    alpha_high[rng_below(6)];
			else if (la > 0)
				b[lb = rng_below((unsigned)la)] = '\0';
		} else {
			lb = rng_below(12);
			random_string(b, lb, alpha_high);
		}
		assert_int_equal(sign(shim_strcmp(a, b)), sign(strcmp(a, b)));
		for (n = 0; n < 14; n++) {
			assert_int_equal(sign(shim_strncmp(a, b, n)),
			    sign(strncmp(a, b, n)));
		}
	}
	assert_true(shim_strcmp("\xe9", "z") > 0);
	assert_int_equal(shim_strncmp("abcX", "abcY", 3), 0);
}

/* strchr and strrchr find bytes, including high ones and the NUL. */
static void
strchr_and_strrchr_find_bytes_and_the_terminator(void **state)
{
	static const int targets[] = { 'a', 'b', 0, 0xe9, -23, (char)0x80,
	    0x180, 'q' };
	char s[64];
	size_t len, t;
	int i;

	(void)state;
	for (i = 0; i < 2000; i++) {
		len = rng_below(40);
		random_string(s, len, alpha_high);
		for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
			assert_ptr_equal(shim_strchr(s, targets[t]),
			    strchr(s, targets[t]));
			assert_ptr_equal(shim_strrchr(s, targets[t]),
			    strrchr(s, targets[t]));
		}
	}
	assert_ptr_equal(shim_strchr(s, '\0'), s + strlen(s));
	assert_ptr_equal(shim_strrchr(s, '\0'), s + strlen(s));
}

/* strstr finds the first occurrence, and an empty needle at once. */
static void
strstr_finds_the_first_occurrence_like_glibc(void **state)
{
	char hay[64], needle[8];
	size_t lh, ln;
	int i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		lh = rng_below(40);
		ln = rng_below(6);
		random_string(hay, lh, i % 2 == 0 ? "ab" : "abc\xe9");
		if (lh > 0 && rng_below(2) == 0) {
			/* A needle cut from the haystack, maybe changed. */
			size_t at = rng_below((unsigned)lh);

			if (ln > lh - at)
				ln = lh - at;
			memcpy(needle, hay + at, ln);
			needle[ln] = '\0';
			if (ln > 0 && rng_below(3) == 0)
				needle[ln - 1] = 'b';
		} else
			random_string(needle, ln, "ab");
		assert_ptr_equal(shim_strstr(hay, needle), strstr(hay, needle));
	}
	assert_ptr_equal(shim_strstr("", ""), strstr("", ""));
	assert_null(shim_strstr("", "a"));
	assert_null(shim_strstr("aaab", "aab\xe9"));
}

/* strspn and strcspn measure spans like glibc, high bytes included. */
static void
strspn_and_strcspn_measure_spans_like_glibc(void **state)
{
	char s[64], set[12];
	size_t ls, lset;
	int i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		ls = rng_below(40);
		lset = rng_below(5);
		random_string(s, ls, alpha_high);
		random_string(set, lset, alpha_high);
		assert_int_equal(shim_strspn(s, set), strspn(s, set));
		assert_int_equal(shim_strcspn(s, set), strcspn(s, set));
	}
	assert_int_equal(shim_strspn("abc", ""), 0);
	assert_int_equal(shim_strcspn("abc", ""), 3);
	assert_int_equal(shim_strspn("\xff\xff\x01", "\xff"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    memcpy_copies_every_length_at_every_alignment, rng_setup),
		cmocka_unit_test_setup(
		    memmove_handles_overlap_in_both_directions, rng_setup),
		cmocka_unit_test_setup(
		    memset_fills_exactly_n_bytes_with_the_low_byte, rng_setup),
		cmocka_unit_test_setup(
		    memcmp_orders_like_glibc_with_high_bytes, rng_setup),
		cmocka_unit_test_setup(
		    memchr_finds_first_byte_within_length, rng_setup),
		cmocka_unit_test_setup(
		    strlen_and_strnlen_count_to_the_nul_or_the_limit,
		    rng_setup),
		cmocka_unit_test_setup(
		    strcmp_and_strncmp_order_like_glibc, rng_setup),
		cmocka_unit_test_setup(
		    strchr_and_strrchr_find_bytes_and_the_terminator,
		    rng_setup),
		cmocka_unit_test_setup(
		    strstr_finds_the_first_occurrence_like_glibc, rng_setup),
		cmocka_unit_test_setup(
		    strspn_and_strcspn_measure_spans_like_glibc, rng_setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
