/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * shim_test.h - what every libc_shim unit test includes: glibc's
 * headers, CMocka, the shim's prototypes under their shim_ names, and a
 * small seeded random generator.  After this header, memcpy() is
 * glibc's and shim_memcpy() is libc_shim's, so a test states its
 * expectation as "does what glibc does".  The seed is fixed so a
 * failure reproduces; LIBC_SHIM_SEED in the environment picks another.
 */
#ifndef _SHIM_TEST_H_
#define _SHIM_TEST_H_

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shim's own prototypes, renamed, beside glibc's. */
#include "shim_rename.h"
#include "libc_shim/include/string.h"
#include "libc_shim/include/stdio.h"
#include "libc_shim/include/stdlib.h"

/* From here on the plain names are glibc's again. */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strstr
#undef strspn
#undef strcspn
#undef snprintf
#undef vsnprintf
#undef qsort
#undef strtol
#undef strtoul
#undef strtoll
#undef strtoull

/* xorshift64*: deterministic, good enough to pick test cases. */
static uint64_t shim_test_rng_state;

static inline void
rng_seed(void)
{
	const char *s = getenv("LIBC_SHIM_SEED");

	shim_test_rng_state = s != NULL ? strtoull(s, NULL, 0) :
	    0x9e3779b97f4a7c15ULL;
	if (shim_test_rng_state == 0)
		shim_test_rng_state = 1;
}

static inline uint64_t
rng64(void)
{
	uint64_t x = shim_test_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	shim_test_rng_state = x;
	return (x * 0x2545f4914f6cdd1dULL);
}

/* A value in [0, n); n > 0. */
static inline unsigned
rng_below(unsigned n)
{
	return ((unsigned)(rng64() >> 32) % n);
}

/* Seed before each test, so each test's cases do not depend on order. */
static inline int
rng_setup(void **state)
{
	(void)state;
	rng_seed();
	return (0);
}

#endif /* !_SHIM_TEST_H_ */
