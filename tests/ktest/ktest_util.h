/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * ktest_util.h - helpers the concurrency tests share, both the in-kernel
 * ktests and the unit tests on fakeplat (all compiled as core code):
 * a per-worker pseudo-random generator, and stamped kmalloc blocks that
 * prove, when freed, that nobody else wrote into them.  No shared state:
 * each caller owns its generator and its blocks.
 */
#ifndef _KTEST_UTIL_H_
#define _KTEST_UTIL_H_

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <string.h>

/* xorshift64: a fast, deterministic sequence per worker (seed != 0). */
static inline uint32_t
ktest_rnd(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return ((uint32_t)(*state >> 16));
}

#define KTEST_BLOCK_STAMP	0x5354414d50ull	/* "STAMP" */

struct ktest_block {
	uint64_t	b_stamp;	/* KTEST_BLOCK_STAMP ^ size */
	size_t		b_size;
	int		b_cpu;		/* CPU that allocated it */
	uint8_t		b_fill;		/* every byte after the header */
};

/* kmalloc `size' (>= the header) bytes of `type', stamped and filled. */
static inline struct ktest_block *
ktest_block_new(size_t size, struct malloc_type *type, uint8_t fill)
{
	struct ktest_block *b;

	b = kmalloc(size, type, M_WAITOK);
	b->b_stamp = KTEST_BLOCK_STAMP ^ size;
	b->b_size = size;
	b->b_cpu = mycpuid;
	b->b_fill = fill;
	memset(b + 1, fill, size - sizeof(*b));
	return (b);
}

/*
 * Check a block (a lost stamp or an overwritten byte panics, naming the
 * block) and kfree it.  Returns 1 when it is freed on another CPU than
 * the one that allocated it.
 */
static inline int
ktest_block_free(struct ktest_block *b, struct malloc_type *type)
{
	const uint8_t *p = (const uint8_t *)(b + 1);
	int foreign;
	size_t i;

	if (b->b_stamp != (KTEST_BLOCK_STAMP ^ b->b_size))
		panic("stress: block %p lost its stamp", b);
	for (i = 0; i < b->b_size - sizeof(*b); i++)
		if (p[i] != b->b_fill)
			panic("stress: block %p (%zu bytes) overwritten at "
			    "byte %zu", b, b->b_size, i);
	foreign = (b->b_cpu != mycpuid);
	b->b_stamp = 0;
	kfree(b, type);
	return (foreign);
}

#endif /* !_KTEST_UTIL_H_ */
