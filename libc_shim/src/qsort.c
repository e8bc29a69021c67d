/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * qsort.c - qsort() for the pc64 kernel, which has no libc; the vkernel
 * links glibc's.  The order of equal elements is unspecified in both.
 *
 * The one idea to keep in mind: a kernel stack is small and a caller's
 * data may be hostile, so the sort is an introsort.  Quicksort with a
 * median-of-three pivot does the work; it recurses only into the
 * smaller side of each partition (at most log2(n) frames deep) and
 * hands a range to heapsort once it is nested 2 * log2(n) partitions
 * deep, which only poor pivots cause, so the worst case is O(n log n)
 * comparisons.  Ranges of at most INSERTION_MAX elements finish by
 * insertion sort.  Nothing is allocated: elements are only ever swapped
 * in place.  See docs/libc_shim.md.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef int	(*qsort_cmp_t)(const void *, const void *);

/* A word that may alias any object, for swapping whole words. */
typedef unsigned long __attribute__((may_alias)) qsort_word_t;

/* Ranges this small are finished by insertion sort. */
#define INSERTION_MAX	12

/* Exchange two elements of es bytes; a and b may be equal. */
static void
swap_elems(char *a, char *b, size_t es, int wordwise)
{
	qsort_word_t wt;
	char t;

	if (a == b)
		return;
	if (wordwise) {
		for (; es > 0; es -= sizeof(qsort_word_t)) {
			wt = *(qsort_word_t *)(void *)a;
			*(qsort_word_t *)(void *)a = *(qsort_word_t *)(void *)b;
			*(qsort_word_t *)(void *)b = wt;
			a += sizeof(qsort_word_t);
			b += sizeof(qsort_word_t);
		}
		return;
	}
	for (; es > 0; es--) {
		t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

static void
insertion_sort(char *base, size_t n, size_t es, qsort_cmp_t cmp,
    int wordwise)
{
	char *p, *q;
	size_t i;

	for (i = 1; i < n; i++) {
		for (p = base + i * es; p > base; p = q) {
			q = p - es;
			if (cmp(q, p) <= 0)
				break;
			swap_elems(q, p, es, wordwise);
		}
	}
}

/* Sift the element at index i down the max-heap of n elements. */
static void
sift_down(char *base, size_t i, size_t n, size_t es, qsort_cmp_t cmp,
    int wordwise)
{
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n &&
		    cmp(base + child * es, base + (child + 1) * es) < 0)
			child++;
		if (cmp(base + i * es, base + child * es) >= 0)
			break;
		swap_elems(base + i * es, base + child * es, es, wordwise);
		i = child;
	}
}

static void
heap_sort(char *base, size_t n, size_t es, qsort_cmp_t cmp, int wordwise)
{
	size_t i;

	for (i = n / 2; i > 0; i--)
		sift_down(base, i - 1, n, es, cmp, wordwise);
	for (i = n - 1; i > 0; i--) {
		swap_elems(base, base + i * es, es, wordwise);
		sift_down(base, 0, i, es, cmp, wordwise);
	}
}

/* The median of three elements, by comparison. */
static char *
median3(char *a, char *b, char *c, qsort_cmp_t cmp)
{
	if (cmp(a, b) < 0) {
		if (cmp(b, c) < 0)
			return (b);
		return (cmp(a, c) < 0 ? c : a);
	}
	if (cmp(b, c) > 0)
		return (b);
	return (cmp(a, c) > 0 ? c : a);
}

/*
 * Sort n elements at base.  depth is how many more partitions may be
 * made before heapsort takes over the range.
 */
static void
intro_sort(char *base, size_t n, size_t es, qsort_cmp_t cmp, int wordwise,
    int depth)
{
	char *lo, *hi, *pivot;
	size_t nleft, nright;

	while (n > INSERTION_MAX) {
		if (depth-- == 0) {
			heap_sort(base, n, es, cmp, wordwise);
			return;
		}

		/* The pivot goes to base[0] for the partition. */
		pivot = median3(base, base + (n / 2) * es,
		    base + (n - 1) * es, cmp);
		swap_elems(base, pivot, es, wordwise);

		/*
		 * Hoare partition.  Both scans stop on elements equal to
		 * the pivot, so runs of equal keys split evenly.
		 * Invariant: base[1..lo) <= pivot and (hi..n-1] >= pivot.
		 */
		lo = base + es;
		hi = base + (n - 1) * es;
		for (;;) {
			while (lo <= hi && cmp(lo, base) < 0)
				lo += es;
			while (lo <= hi && cmp(hi, base) > 0)
				hi -= es;
			if (lo >= hi)
				break;
			swap_elems(lo, hi, es, wordwise);
			lo += es;
			hi -= es;
		}
		/* base[1..hi] <= pivot: put the pivot at hi, its place. */
		swap_elems(base, hi, es, wordwise);
		nleft = (size_t)(hi - base) / es;
		nright = n - nleft - 1;

		/* Recurse into the smaller side, loop on the larger. */
		if (nleft < nright) {
			intro_sort(base, nleft, es, cmp, wordwise, depth);
			base = hi + es;
			n = nright;
		} else {
			intro_sort(hi + es, nright, es, cmp, wordwise, depth);
			n = nleft;
		}
	}
	insertion_sort(base, n, es, cmp, wordwise);
}

/*
 * Sort n elements of es bytes at base into the order cmp defines.  cmp
 * is only ever given pointers to elements of the array.
 * Context: any thread; never blocks itself (cmp may, if the caller may);
 * stack use grows with log2(n).
 * Returns nothing.
 */
void
qsort(void *base, size_t n, size_t es, int (*cmp)(const void *,
    const void *))
{
	int depth, wordwise;
	size_t m;

	if (n < 2 || es == 0)
		return;
	depth = 0;
	for (m = n; m > 1; m >>= 1)
		depth += 2;
	wordwise = ((uintptr_t)base % sizeof(qsort_word_t)) == 0 &&
	    es % sizeof(qsort_word_t) == 0;
	intro_sort(base, n, es, cmp, wordwise, depth);
}
