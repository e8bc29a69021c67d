/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fsck_freemap.c - pass 3 of fsck_hammer2: walk the freemap tree of the
 * volume header (the core verifies each node's and leaf's check code),
 * then make sure every block the topology walk found in use is marked
 * allocated in it.  A block in use that the freemap calls free would be
 * handed out again by the next allocation: that is an error.  "Staged"
 * (set only by bulkfree for blocks it found unreferenced) is a warning.
 * Space below allocator_beg is never tracked by the freemap and is
 * skipped, as bulkfree skips it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck.h"
#include "h2fmt.h"

#define LEAF_SPAN	(1ULL << 30)	/* bytes a freemap leaf covers */

struct leaf {
	uint64_t		 key;
	uint64_t		 blk;
	int			 bad;
	struct hammer2_bmap_data *bmap;	/* [HAMMER2_FREEMAP_COUNT] */
};

struct fmap {
	struct fsck	*fc;
	struct leaf	*v;
	size_t		 n, cap;
	struct fsck_bad	*bad;		/* ranges under unreadable nodes */
	size_t		 nbad, capbad;
};

static int
fmap_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct fmap *fm = arg;
	struct fsck *fc = fm->fc;
	const struct hammer2_blockref *b = e->bref;
	const struct hammer2_check_result *cr = e->check;
	char exp[64], got[64];
	struct leaf *l;

	fc->nblocks++;
	if (e->error != 0) {
		if (e->error == EIO && cr != NULL && cr->len > 0 &&
		    memcmp(cr->expected, cr->computed, (size_t)cr->len) != 0)
			fsck_problem(fc, FSCK_ERROR, "freemap block 0x%016"
			    PRIx64 " (%s.%u key 0x%" PRIx64 "/%u): %s check "
			    "code mismatch: stored %s, computed %s",
			    hammer2_bref_offset(b), h2_breftype_name(b->type),
			    hammer2_bref_radix(b), b->key, b->keybits,
			    h2_check_name(cr->method),
			    h2_hex_str(cr->expected, cr->len, exp,
			    sizeof(exp)),
			    h2_hex_str(cr->computed, cr->len, got,
			    sizeof(got)));
		else
			fsck_problem(fc, FSCK_ERROR, "freemap block 0x%016"
			    PRIx64 " (%s key 0x%" PRIx64 "/%u): %s: %s",
			    hammer2_bref_offset(b), h2_breftype_name(b->type),
			    b->key, b->keybits, h2_strerror(e->error),
			    fc->lastreason[0] != '\0' ? fc->lastreason :
			    "unreadable");
		fc->lastreason[0] = '\0';
		if (b->type == HAMMER2_BREF_TYPE_FREEMAP_NODE &&
		    fsck_grow((void **)&fm->bad, &fm->capbad, fm->nbad,
		    sizeof(*fm->bad)) == 0) {
			fm->bad[fm->nbad].lo = b->key;
			fm->bad[fm->nbad].hi = b->keybits >= 64 ? UINT64_MAX :
			    b->key | ((1ULL << b->keybits) - 1);
			fm->nbad++;
		}
	} else if (b->type != HAMMER2_BREF_TYPE_FREEMAP_NODE &&
	    b->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF) {
		fsck_problem(fc, FSCK_ERROR, "block 0x%016" PRIx64 " (%s) in "
		    "the freemap tree", hammer2_bref_offset(b),
		    h2_breftype_name(b->type));
		return (HAMMER2_WALK_SKIP);
	}
	if (b->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF)
		return (HAMMER2_WALK_CONTINUE);
	if (e->error == 0 && b->keybits != 30)
		fsck_problem(fc, FSCK_ERROR, "freemap leaf 0x%016" PRIx64
		    " covers 2^%u bytes, not 1 GB", hammer2_bref_offset(b),
		    b->keybits);
	if (fsck_grow((void **)&fm->v, &fm->cap, fm->n, sizeof(*fm->v)) != 0)
		return (-ENOMEM);
	l = &fm->v[fm->n++];
	memset(l, 0, sizeof(*l));
	l->key = b->key & ~(LEAF_SPAN - 1);
	l->blk = hammer2_bref_offset(b);
	l->bad = e->error != 0 || b->keybits != 30;
	if (!l->bad) {
		l->bmap = malloc(HAMMER2_FREEMAP_LEVELN_PSIZE);
		if (l->bmap == NULL)
			return (-ENOMEM);
		memcpy(l->bmap, e->data, HAMMER2_FREEMAP_LEVELN_PSIZE);
	}
	return (HAMMER2_WALK_CONTINUE);
}

static int
leaf_cmp(const void *a, const void *b)
{
	const struct leaf *x = a, *y = b;

	return (x->key < y->key ? -1 : x->key > y->key);
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct fsck_ref *x = a, *y = b;

	if (x->off != y->off)
		return (x->off < y->off ? -1 : 1);
	return (x->len < y->len ? -1 : x->len > y->len);
}

static struct leaf *
leaf_find(struct fmap *fm, uint64_t off)
{
	struct leaf key;

	if (fm->n == 0)
		return (NULL);
	key.key = off & ~(LEAF_SPAN - 1);
	return (bsearch(&key, fm->v, fm->n, sizeof(*fm->v), leaf_cmp));
}

/* Is every 16 KB block of one block in use marked allocated? */
static void
check_ref(struct fmap *fm, const struct fsck_ref *r)
{
	struct fsck *fc = fm->fc;
	const struct hammer2_bmap_data *bm;
	struct leaf *l;
	uint64_t off;
	size_t i;
	int st, worst = HAMMER2_BMAP_ALLOCATED;

	l = leaf_find(fm, r->off);
	for (i = 0; l == NULL && i < fm->nbad; i++)
		if (r->off >= fm->bad[i].lo && r->off <= fm->bad[i].hi)
			return;	/* under a node reported unreadable */
	if (l == NULL) {
		fsck_problem(fc, FSCK_ERROR, "block 0x%016" PRIx64 " (%s.%u) "
		    "is in use but no freemap leaf covers it", r->off,
		    h2_breftype_name(r->type), (unsigned)__builtin_ctz(r->len));
		return;
	}
	if (l->bad)
		return;		/* the leaf's own problem was reported */
	for (off = r->off & ~(uint64_t)(HAMMER2_FREEMAP_BLOCK - 1);
	    off < r->off + r->len; off += HAMMER2_FREEMAP_BLOCK) {
		bm = &l->bmap[(off - l->key) / HAMMER2_SEGSIZE];
		st = hammer2_bmap_state(bm, (uint32_t)(off % HAMMER2_SEGSIZE));
		if (st == HAMMER2_BMAP_FREE ||
		    (st == HAMMER2_BMAP_STAGED && worst != HAMMER2_BMAP_FREE))
			worst = st;
	}
	if (worst == HAMMER2_BMAP_FREE)
		fsck_problem(fc, FSCK_ERROR, "block 0x%016" PRIx64 " (%s.%u) "
		    "is in use but free in freemap leaf 0x%016" PRIx64,
		    r->off, h2_breftype_name(r->type),
		    (unsigned)__builtin_ctz(r->len), l->blk);
	else if (worst == HAMMER2_BMAP_STAGED)
		fsck_problem(fc, FSCK_WARN, "block 0x%016" PRIx64 " (%s.%u) "
		    "is in use but staged for freeing in freemap leaf 0x%016"
		    PRIx64, r->off, h2_breftype_name(r->type),
		    (unsigned)__builtin_ctz(r->len), l->blk);
}

int
fsck_freemap(struct fsck *fc)
{
	const struct hammer2_volume_data *vd;
	struct fmap fm;
	size_t i, j;
	int error;

	vd = hammer2_vol_header(fc->img.vol, NULL);
	memset(&fm, 0, sizeof(fm));
	fm.fc = fc;
	error = hammer2_walk(fc->img.vol, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, fmap_cb, &fm);
	if (error == 0) {
		if (fm.n > 0)
			qsort(fm.v, fm.n, sizeof(*fm.v), leaf_cmp);
		for (i = 1; i < fm.n; i++)
			if (fm.v[i].key == fm.v[i - 1].key)
				fsck_problem(fc, FSCK_ERROR, "freemap leaves "
				    "0x%016" PRIx64 " and 0x%016" PRIx64
				    " cover the same gigabyte",
				    fm.v[i - 1].blk, fm.v[i].blk);
		if (fc->nref > 0)
			qsort(fc->ref, fc->nref, sizeof(*fc->ref), ref_cmp);
		for (i = 0; i < fc->nref; i = j) {
			for (j = i + 1; j < fc->nref &&
			    fc->ref[j].off == fc->ref[i].off; j++)
				;
			if (fc->ref[i].off >= vd->allocator_beg)
				check_ref(&fm, &fc->ref[j - 1]);
		}
	}
	for (i = 0; i < fm.n; i++)
		free(fm.v[i].bmap);
	free(fm.v);
	free(fm.bad);
	return (error);
}
