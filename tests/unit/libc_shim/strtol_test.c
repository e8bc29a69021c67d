/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * strtol_test.c - libc_shim/src/strtol.c against glibc.  For each
 * input and base, all four functions must return glibc's value and set
 * endptr to the same place.  glibc sets errno on overflow; the shim has
 * none and only clamps, which is what the values already show.
 */

#include "shim_test.h"

/* Compare all four functions on one input in one base. */
static void
check_all(const char *s, int base)
{
	char *we, *ge;
	long wl, gl;
	unsigned long wul, gul;
	long long wll, gll;
	unsigned long long wull, gull;

	wl = strtol(s, &we, base);
	gl = shim_strtol(s, &ge, base);
	if (wl != gl || we != ge)
		fail_msg("strtol(\"%s\", %d): glibc %ld end +%td, shim %ld "
		    "end +%td", s, base, wl, we - s, gl, ge - s);
	wul = strtoul(s, &we, base);
	gul = shim_strtoul(s, &ge, base);
	if (wul != gul || we != ge)
		fail_msg("strtoul(\"%s\", %d): glibc %lu end +%td, shim %lu "
		    "end +%td", s, base, wul, we - s, gul, ge - s);
	wll = strtoll(s, &we, base);
	gll = shim_strtoll(s, &ge, base);
	if (wll != gll || we != ge)
		fail_msg("strtoll(\"%s\", %d): glibc %lld end +%td, shim %lld "
		    "end +%td", s, base, wll, we - s, gll, ge - s);
	wull = strtoull(s, &we, base);
	gull = shim_strtoull(s, &ge, base);
	if (wull != gull || we != ge)
		fail_msg("strtoull(\"%s\", %d): glibc %llu end +%td, shim "
		    "%llu end +%td", s, base, wull, we - s, gull, ge - s);
}

static const char *const edge_inputs[] = {
	"", " ", "   ", "-", "+", "+-1", "-+1", " + 1", "- 1",
	"0", "-0", "+0", "00", "1", "-1", "+1", "123", "  -123abc",
	"\t\n\v\f\r 42", "\x80 1", "1\x80",
	"0x", "0X", "0x1f", "0X1F", "0xg", "0x-1", "0x 1", "-0x10", "+0x10",
	"  0x0x1", "0x0", "0xfF", "x1",
	"010", "09", "08", "0b101", "0B1", "z", "Zz", "zZ", "1_000", "1e5",
	"7fffffffffffffff", "8000000000000000", "ffffffffffffffff",
	"10000000000000000",
	"9223372036854775806", "9223372036854775807", "9223372036854775808",
	"-9223372036854775807", "-9223372036854775808",
	"-9223372036854775809", "18446744073709551615",
	"18446744073709551616", "-18446744073709551615",
	"-18446744073709551616", "99999999999999999999999999999999xyz",
	"-99999999999999999999999999999999",
	"0x7fffffffffffffff", "0x8000000000000000", "0xffffffffffffffff",
	"0x10000000000000000", "-0x8000000000000000", "-0x8000000000000001",
	"0777777777777777777777", "01000000000000000000000",
	"1777777777777777777777", "2000000000000000000000",
	"1111111111111111111111111111111111111111111111111111111111111111",
	"10000000000000000000000000000000000000000000000000000000000000000",
	"3w5e11264sgsf", "3w5e11264sgsg", "-3w5e11264sgsg",
	"000000000000000000000000000000000000000000000000000001",
};

/* Every edge input agrees with glibc in every base from 0 to 36. */
static void
strtol_matches_glibc_on_edge_cases_in_every_base(void **state)
{
	size_t i;
	int base;

	(void)state;
	for (i = 0; i < sizeof(edge_inputs) / sizeof(edge_inputs[0]); i++) {
		check_all(edge_inputs[i], 0);
		for (base = 2; base <= 36; base++)
			check_all(edge_inputs[i], base);
	}
}

/* Seeded random numerals with prefixes, signs and junk agree too. */
static void
strtol_matches_glibc_on_random_numerals(void **state)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char *heads[] = { "", "", " ", "\t", "-", "+", " -",
	    "0x", "-0x", "0X", "0", "-0" };
	static const char *tails[] = { "", "", " ", "!", "x", "\xff" };
	char s[96];
	size_t n, len, i;
	int base, k, pick;

	(void)state;
	for (k = 0; k < 100000; k++) {
		pick = (int)rng_below(38);
		base = pick == 37 ? 0 : pick < 2 ? 10 : pick;
		n = (size_t)snprintf(s, sizeof(s), "%s",
		    heads[rng_below(12)]);
		len = rng_below(30) + (rng_below(4) == 0 ? 40 : 0);
		for (i = 0; i < len && n < sizeof(s) - 8; i++) {
			/* Mostly digits valid in the base. */
			s[n++] = digits[rng_below(rng_below(5) == 0 ? 62 :
			    (unsigned)(base == 0 ? 10 : base))];
		}
		snprintf(s + n, sizeof(s) - n, "%s", tails[rng_below(6)]);
		check_all(s, base);
	}
}

/* Out-of-range values clamp, with endptr after every digit. */
static void
strtol_clamps_overflow_and_consumes_all_digits(void **state)
{
	const char *s;
	char *e;

	(void)state;
	s = "123456789012345678901234567890 tail";
	assert_int_equal(shim_strtol(s, &e, 10), LONG_MAX);
	assert_ptr_equal(e, s + 30);
	s = "-123456789012345678901234567890";
	assert_int_equal(shim_strtol(s, &e, 10), LONG_MIN);
	assert_ptr_equal(e, s + 31);
	assert_true(shim_strtoul("123456789012345678901", &e, 10) ==
	    ULONG_MAX);
	assert_true(shim_strtoull("-123456789012345678901", NULL, 10) ==
	    ULLONG_MAX);
	assert_true(shim_strtoll("-9223372036854775808", NULL, 10) ==
	    LLONG_MIN);
	assert_true(shim_strtoll("9223372036854775808", NULL, 0) ==
	    LLONG_MAX);
	/* "-1" is in range for strtoul: it negates in the unsigned type. */
	assert_true(shim_strtoul("-1", NULL, 10) == ULONG_MAX);
	assert_true(shim_strtoul("-18446744073709551615", NULL, 10) == 1);
}

/* With no digits nothing is consumed: endptr is the input itself. */
static void
strtol_sets_endptr_to_the_input_when_there_are_no_digits(void **state)
{
	static const char *const inputs[] = { "", "  ", "  -", "+", "-x",
	    " +z", "0x" };
	char *e;
	size_t i;

	(void)state;
	for (i = 0; i < 6; i++) {
		assert_int_equal(shim_strtol(inputs[i], &e, 10), 0);
		assert_ptr_equal(e, inputs[i]);
		assert_int_equal(shim_strtoull(inputs[i], &e, 0), 0);
		assert_ptr_equal(e, inputs[i]);
	}
	/* "0x" with no hex digit is the number 0 followed by "x". */
	assert_int_equal(shim_strtol(inputs[6], &e, 16), 0);
	assert_ptr_equal(e, inputs[6] + 1);
	assert_int_equal(shim_strtol("12", NULL, 10), 12);
}

/* An invalid base converts nothing: 0, and endptr is the input. */
static void
strtol_rejects_invalid_bases(void **state)
{
	static const int bases[] = { -1, 1, 37, 100, INT_MIN };
	const char *s = " 12";
	char *e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		e = NULL;
		assert_int_equal(shim_strtol(s, &e, bases[i]), 0);
		assert_ptr_equal(e, s);
		e = NULL;
		assert_true(shim_strtoul(s, &e, bases[i]) == 0);
		assert_ptr_equal(e, s);
		assert_int_equal(shim_strtoll(s, NULL, bases[i]), 0);
		assert_true(shim_strtoull(s, NULL, bases[i]) == 0);
		/* glibc agrees on the value (it sets EINVAL). */
		assert_int_equal(strtol(s, NULL, bases[i]), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    strtol_matches_glibc_on_edge_cases_in_every_base,
		    rng_setup),
		cmocka_unit_test_setup(
		    strtol_matches_glibc_on_random_numerals, rng_setup),
		cmocka_unit_test_setup(
		    strtol_clamps_overflow_and_consumes_all_digits,
		    rng_setup),
		cmocka_unit_test_setup(
		    strtol_sets_endptr_to_the_input_when_there_are_no_digits,
		    rng_setup),
		cmocka_unit_test_setup(strtol_rejects_invalid_bases,
		    rng_setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
