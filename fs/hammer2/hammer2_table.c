/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_table.c - searching block tables (format 4.1, 4.2).  A table
 * is an inode's blockset or an INDIRECT block; entries are fully
 * associative and EMPTY slots may sit anywhere, but the non-empty
 * entries' key ranges never overlap.  Writers keep them in ascending
 * order; a table that is not is sorted into a side index, and a table
 * whose ranges overlap is corrupt (EUCLEAN).  Ordered scans are what
 * make readdir cookies stable and let a file read walk its blocks once.
 *
 * Recursion is bounded by HAMMER2_MAX_DEPTH; each level holds one
 * cached block and a few words of stack.
 *
 * Locking: none beyond the block cache's (hammer2_io.c).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

struct scan_ctx {
	struct hammer2_vol	*vol;
	uint64_t		 lo;
	uint64_t		 hi;
	hammer2_scan_cb		 cb;
	void			*arg;
};

/*
 * Validate every entry of a table and give its visiting order: *idxp
 * NULL means slot order is ascending already; otherwise *idxp is an
 * allocated index array (count entries, *nidxp of them used) to free.
 */
static int
table_order(struct hammer2_vol *vol, const struct hammer2_blockref *base,
    int count, uint16_t **idxp, int *nidxp)
{
	const struct hammer2_blockref *b, *prev = NULL;
	uint16_t *idx, t;
	int i, j, n = 0, sorted = 1, error;

	*idxp = NULL;
	*nidxp = 0;
	for (i = 0; i < count; i++) {
		b = &base[i];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		error = hammer2_bref_validate(vol, b);
		if (error != 0)
			return (error);
		if (prev != NULL && b->key <= hammer2_bref_keyend(prev))
			sorted = 0;
		prev = b;
		n++;
	}
	if (sorted)
		return (0);

	idx = hammer2_alloc(vol, sizeof(*idx) * count);
	if (idx == NULL)
		return (ENOMEM);
	for (i = 0, n = 0; i < count; i++) {
		if (base[i].type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		t = (uint16_t)i;
		for (j = n; j > 0 && base[idx[j - 1]].key > base[t].key; j--)
			idx[j] = idx[j - 1];
		idx[j] = t;
		n++;
	}
	for (i = 1; i < n; i++) {
		b = &base[idx[i]];
		if (b->key <= hammer2_bref_keyend(&base[idx[i - 1]])) {
			hammer2_free(vol, idx, sizeof(*idx) * count);
			return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT,
			    EUCLEAN, b, hammer2_bref_offset(b),
			    "overlapping key ranges in a block table"));
		}
	}
	*idxp = idx;
	*nidxp = n;
	return (0);
}

/* Entries of an INDIRECT block, after checking its size. */
static int
indirect_count(struct hammer2_vol *vol, const struct hammer2_blockref *bref,
    const struct hammer2_blk *blk)
{
	if (blk->len < HAMMER2_BLOCKREF_BYTES ||
	    (blk->len % HAMMER2_BLOCKREF_BYTES) != 0)
		return (-hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    bref, hammer2_bref_offset(bref),
		    "bad indirect block size"));
	return ((int)(blk->len / HAMMER2_BLOCKREF_BYTES));
}

static int
scan_table(struct scan_ctx *sc, const struct hammer2_blockref *base,
    int count, int depth)
{
	const struct hammer2_blockref *b;
	struct hammer2_blk blk;
	uint16_t *idx;
	int i, n, nidx, error = 0;

	if (depth > HAMMER2_MAX_DEPTH)
		return (hammer2_report(sc->vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    NULL, 0, "block table nesting too deep"));
	error = table_order(sc->vol, base, count, &idx, &nidx);
	if (error != 0)
		return (error);
	n = idx != NULL ? nidx : count;
	for (i = 0; i < n; i++) {
		b = &base[idx != NULL ? idx[i] : i];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY ||
		    hammer2_bref_keyend(b) < sc->lo)
			continue;
		if (b->key > sc->hi)
			break;
		if (b->type != HAMMER2_BREF_TYPE_INDIRECT) {
			error = sc->cb(sc->arg, b);
			if (error != 0)
				break;
			continue;
		}
		error = hammer2_blk_get(sc->vol, b, &blk);
		if (error != 0)
			break;
		nidx = indirect_count(sc->vol, b, &blk);
		if (nidx < 0)
			error = -nidx;
		else
			error = scan_table(sc, blk.data, nidx, depth + 1);
		hammer2_blk_put(sc->vol, &blk);
		if (error != 0)
			break;
	}
	if (idx != NULL)
		hammer2_free(sc->vol, idx, sizeof(*idx) * count);
	return (error);
}

int
hammer2_table_scan(struct hammer2_vol *vol, const struct hammer2_blockref *base,
    int count, uint64_t lo, uint64_t hi, hammer2_scan_cb cb, void *arg)
{
	struct scan_ctx sc;
	int error;

	if (count == 0 || lo > hi)
		return (0);
	sc.vol = vol;
	sc.lo = lo;
	sc.hi = hi;
	sc.cb = cb;
	sc.arg = arg;
	error = scan_table(&sc, base, count, 0);
	return (error == HAMMER2_SCAN_STOP ? 0 : error);
}

static int
lookup_table(struct hammer2_vol *vol, const struct hammer2_blockref *base,
    int count, uint64_t key, struct hammer2_blockref *out, int depth)
{
	const struct hammer2_blockref *b;
	struct hammer2_blk blk;
	int i, n, error;

	if (depth > HAMMER2_MAX_DEPTH)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    NULL, 0, "block table nesting too deep"));
	for (i = 0; i < count; i++) {
		b = &base[i];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		error = hammer2_bref_validate(vol, b);
		if (error != 0)
			return (error);
		if (key < b->key || key > hammer2_bref_keyend(b))
			continue;
		if (b->type != HAMMER2_BREF_TYPE_INDIRECT) {
			*out = *b;
			return (0);
		}
		error = hammer2_blk_get(vol, b, &blk);
		if (error != 0)
			return (error);
		n = indirect_count(vol, b, &blk);
		if (n < 0)
			error = -n;
		else
			error = lookup_table(vol, blk.data, n, key, out,
			    depth + 1);
		hammer2_blk_put(vol, &blk);
		return (error);
	}
	return (ENOENT);
}

int
hammer2_table_lookup(struct hammer2_vol *vol,
    const struct hammer2_blockref *base, int count, uint64_t key,
    struct hammer2_blockref *out)
{
	return (lookup_table(vol, base, count, key, out, 0));
}
