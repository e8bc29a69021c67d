/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * qsort_test.c - libc_shim/src/qsort.c against glibc's qsort.  With a
 * comparator that looks at the whole element the sorted result is
 * unique, so the shim's array must equal glibc's byte for byte; with a
 * key-only comparator the test checks order and that the elements are a
 * permutation of the input.  McIlroy's adversary ("A killer adversary
 * for quicksort", 1999) checks the O(n log n) bound, and the
 * comparator's frame address bounds the stack the sort uses.
 */

#include "shim_test.h"

#define NMAX		1000

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return ((x > y) - (x < y));
}

/* The current element size for cmp_bytes(). */
static size_t cur_es;

static int
cmp_bytes(const void *a, const void *b)
{
	return (memcmp(a, b, cur_es));
}

static int want_int[NMAX], got_int[NMAX];

/* Sort a copy of src with both, and insist on the same bytes. */
static void
check_ints(const int *src, size_t n)
{
	memcpy(want_int, src, n * sizeof(int));
	memcpy(got_int, src, n * sizeof(int));
	qsort(want_int, n, sizeof(int), cmp_int);
	shim_qsort(got_int, n, sizeof(int), cmp_int);
	if (memcmp(want_int, got_int, n * sizeof(int)) != 0)
		fail_msg("int arrays of %zu differ after sorting", n);
}

/* Random int arrays of every size from 0 to 1000 sort like glibc. */
static void
qsort_matches_glibc_on_random_arrays_of_every_size(void **state)
{
	int src[NMAX] = { 0 };
	size_t n, i;

	(void)state;
	for (n = 0; n <= NMAX; n++) {
		for (i = 0; i < n; i++)
			src[i] = (int)rng64();
		check_ints(src, n);
		/* Many duplicates. */
		for (i = 0; i < n; i++)
			src[i] = (int)rng_below(n / 8 + 2);
		check_ints(src, n);
	}
}

/* Sorted, reversed, all-equal and other shaped inputs sort correctly. */
static void
qsort_sorts_sorted_reversed_and_all_equal_arrays(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 12, 13, 14, 31, 100,
	    257, 999, 1000 };
	int src[NMAX] = { 0 };
	size_t s, n, i;
	int shape;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		for (shape = 0; shape < 8; shape++) {
			for (i = 0; i < n; i++) {
				switch (shape) {
				case 0:		/* sorted */
					src[i] = (int)i;
					break;
				case 1:		/* reversed */
					src[i] = (int)(n - i);
					break;
				case 2:		/* all equal */
					src[i] = 7;
					break;
				case 3:		/* organ pipe */
					src[i] = (int)(i < n / 2 ? i : n - i);
					break;
				case 4:		/* sawtooth */
					src[i] = (int)(i % 17);
					break;
				case 5:		/* sorted, one out of place */
					src[i] = i == n / 2 ? -1 : (int)i;
					break;
				case 6:		/* two values */
					src[i] = (int)(rng64() & 1);
					break;
				default:	/* limits */
					src[i] = i % 2 == 0 ? INT_MIN : INT_MAX;
					break;
				}
			}
			check_ints(src, n);
		}
	}
}

static unsigned char want_b[NMAX * 100 + 8], got_b[NMAX * 100 + 8];

/* Elements of 1, 3, 5, 7, 24, 33 and 100 bytes sort like glibc. */
static void
qsort_sorts_elements_of_odd_sizes(void **state)
{
	static const size_t sizes[] = { 1, 2, 3, 5, 7, 8, 16, 24, 33, 100 };
	size_t s, n, i, off;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		cur_es = sizes[s];
		for (n = 0; n <= NMAX; n += 1 + n / 4) {
			/* Also at a base that is not word aligned. */
			off = n % 3 == 0 ? 1 : 0;
			for (i = 0; i < n * cur_es; i++) {
				/* Few byte values: many near-equal keys. */
				want_b[off + i] = (unsigned char)(rng_below(3)
				    * 0x7f);
			}
			memcpy(got_b + off, want_b + off, n * cur_es);
			qsort(want_b + off, n, cur_es, cmp_bytes);
			shim_qsort(got_b + off, n, cur_es, cmp_bytes);
			if (memcmp(want_b + off, got_b + off, n * cur_es) != 0)
				fail_msg("%zu elements of %zu bytes differ", n,
				    cur_es);
		}
	}
}

struct keyed {
	int	k_key;
	int	k_id;
};

static int
cmp_key(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	return ((x->k_key > y->k_key) - (x->k_key < y->k_key));
}

/* With keys only compared, the output is ordered and a permutation. */
static void
qsort_keeps_every_element_with_a_key_only_comparator(void **state)
{
	static struct keyed a[NMAX];
	static unsigned char seen[NMAX];
	size_t n, i;
	int round;

	(void)state;
	for (round = 0; round < 200; round++) {
		n = rng_below(NMAX + 1);
		for (i = 0; i < n; i++) {
			a[i].k_key = (int)rng_below(10);
			a[i].k_id = (int)i;
		}
		shim_qsort(a, n, sizeof(a[0]), cmp_key);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			if (i > 0)
				assert_true(a[i - 1].k_key <= a[i].k_key);
			assert_true(a[i].k_id >= 0 && (size_t)a[i].k_id < n);
			assert_int_equal(seen[a[i].k_id], 0);
			seen[a[i].k_id] = 1;
		}
	}
}

/* The array the comparator checks its pointers against. */
static const char *bound_base;
static size_t bound_n, bound_es;
static unsigned long bound_bad;

static int
cmp_checked(const void *a, const void *b)
{
	const char *p = a, *q = b;
	size_t span = bound_n * bound_es;

	if (p < bound_base || p >= bound_base + span ||
	    (size_t)(p - bound_base) % bound_es != 0 ||
	    q < bound_base || q >= bound_base + span ||
	    (size_t)(q - bound_base) % bound_es != 0)
		bound_bad++;
	return (memcmp(a, b, bound_es));
}

/* The comparator only ever sees pointers to elements of the array. */
static void
qsort_passes_only_element_pointers_to_the_comparator(void **state)
{
	static const size_t sizes[] = { 1, 3, 4, 8, 24 };
	size_t s, n, i;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (n = 0; n <= NMAX; n += 1 + n / 3) {
			bound_base = (const char *)got_b;
			bound_n = n;
			bound_es = sizes[s];
			for (i = 0; i < n * bound_es; i++)
				got_b[i] = (unsigned char)rng_below(4);
			shim_qsort(got_b, n, bound_es, cmp_checked);
			assert_int_equal(bound_bad, 0);
		}
	}
}

/*
 * McIlroy's adversary: values are decided lazily, as "gas" until the
 * comparator is forced to freeze one, so that whatever pivot the sort
 * picks turns out to be a bad one.
 */
static int *adv_val;
static int adv_gas, adv_nsolid, adv_candidate;
static unsigned long adv_ncmp;

static int
cmp_adversary(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	adv_ncmp++;
	if (adv_val[x] == adv_gas && adv_val[y] == adv_gas) {
		if (x == adv_candidate)
			adv_val[x] = adv_nsolid++;
		else
			adv_val[y] = adv_nsolid++;
	}
	if (adv_val[x] == adv_gas)
		adv_candidate = x;
	else if (adv_val[y] == adv_gas)
		adv_candidate = y;
	return ((adv_val[x] > adv_val[y]) - (adv_val[x] < adv_val[y]));
}

/* Against McIlroy's adversary the sort needs O(n log n) comparisons. */
static void
qsort_worst_case_stays_n_log_n_against_an_adversary(void **state)
{
	static const size_t sizes[] = { 100, 1000, 10000, 100000 };
	int *idx;
	size_t s, n, i, lg;
	unsigned long bound;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		n = sizes[s];
		idx = malloc(n * sizeof(int));
		adv_val = malloc(n * sizeof(int));
		assert_non_null(idx);
		assert_non_null(adv_val);
		adv_gas = (int)n;
		adv_nsolid = 0;
		adv_candidate = 0;
		adv_ncmp = 0;
		for (i = 0; i < n; i++) {
			idx[i] = (int)i;
			adv_val[i] = adv_gas;
		}
		shim_qsort(idx, n, sizeof(int), cmp_adversary);
		for (i = 1; i < n; i++)
			assert_true(adv_val[idx[i - 1]] <= adv_val[idx[i]]);
		for (lg = 0; ((size_t)1 << lg) < n; lg++)
			continue;
		/* Quicksort falls to ~n^2/2 here; n log n has room. */
		bound = 6UL * n * lg;
		print_message("  n=%zu: %lu comparisons (bound %lu)\n", n,
		    adv_ncmp, bound);
		assert_true(adv_ncmp <= bound);
		free(idx);
		free(adv_val);
	}
}

/* The deepest comparator frame seen, to measure stack use. */
static uintptr_t stack_low;

static int
cmp_stack(const void *a, const void *b)
{
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	if (sp < stack_low)
		stack_low = sp;
	return (cmp_int(a, b));
}

static __attribute__((noinline)) uintptr_t
sort_measuring_stack(int *a, size_t n)
{
	uintptr_t top = (uintptr_t)__builtin_frame_address(0);

	stack_low = top;
	shim_qsort(a, n, sizeof(int), cmp_stack);
	return (top - stack_low);
}

/* Stack use stays small for big sorted, reversed and equal inputs. */
static void
qsort_stack_use_stays_logarithmic(void **state)
{
	size_t n = 1 << 18, i;
	uintptr_t used;
	int *a, shape;

	(void)state;
	a = malloc(n * sizeof(int));
	assert_non_null(a);
	for (shape = 0; shape < 4; shape++) {
		for (i = 0; i < n; i++) {
			a[i] = shape == 0 ? (int)i : shape == 1 ? (int)(n - i) :
			    shape == 2 ? 5 : (int)(i % 2 == 0 ? i : n - i);
		}
		used = sort_measuring_stack(a, n);
		for (i = 1; i < n; i++)
			assert_true(a[i - 1] <= a[i]);
		print_message("  shape %d: %lu bytes of stack\n", shape,
		    (unsigned long)used);
		/* 18 levels of a few words each; a linear sort needs MBs. */
		assert_true(used < 8192);
	}
	free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(
		    qsort_matches_glibc_on_random_arrays_of_every_size,
		    rng_setup),
		cmocka_unit_test_setup(
		    qsort_sorts_sorted_reversed_and_all_equal_arrays,
		    rng_setup),
		cmocka_unit_test_setup(qsort_sorts_elements_of_odd_sizes,
		    rng_setup),
		cmocka_unit_test_setup(
		    qsort_keeps_every_element_with_a_key_only_comparator,
		    rng_setup),
		cmocka_unit_test_setup(
		    qsort_passes_only_element_pointers_to_the_comparator,
		    rng_setup),
		cmocka_unit_test_setup(
		    qsort_worst_case_stays_n_log_n_against_an_adversary,
		    rng_setup),
		cmocka_unit_test_setup(qsort_stack_use_stays_logarithmic,
		    rng_setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
