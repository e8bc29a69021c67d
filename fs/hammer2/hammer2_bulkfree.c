/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_bulkfree.c - the two freemap operations that walk the
 * topology: mount-time recovery (format 11.4), which marks allocated
 * every block a sync wrote after the freemap's last flush, and bulkfree
 * (format 8.6), the only way space is ever freed.  Both use
 * hammer2_walk, which validates and verifies every INODE and INDIRECT
 * block it descends and reports, rather than stops at, a bad one.
 *
 * Bulkfree builds a "referenced" bitmap, one bit per 16 KB, in 8 KB
 * pieces per GB kept in a hammer2_gbtab, then merges it into the live
 * leaves pair by pair.  A pass that met a block it could not read does
 * not free anything (it still stages): what lies under that block is
 * unknown, and freeing it would hand live data out again.
 *
 * Locking: none inside, as for hammer2_fmap.c: the caller holds its
 * mount lock across a call.  The walks read the volume with io_ops->read
 * and may block there.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_fmap.h>

#define SEGSIZE		((uint64_t)HAMMER2_SEGSIZE)
#define FBLK		((uint64_t)HAMMER2_FREEMAP_BLOCK)
#define PAIRS		(HAMMER2_SEGSIZE / HAMMER2_FREEMAP_BLOCK) /* 256 */
#define REF_BYTES	(HAMMER2_FMAP_GB / FBLK / 8)	/* 8 KB per GB */

/*
 * -------------------------------------------------------------------
 * Recovery
 * -------------------------------------------------------------------
 */

struct recover_ctx {
	struct hammer2_fmap	*fm;
	uint64_t		 tid;		/* freemap_tid */
};

static int
recover_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct recover_ctx *rc = arg;
	const struct hammer2_blockref *b = e->bref;
	int error;

	if (b->mirror_tid <= rc->tid)
		return (HAMMER2_WALK_SKIP);
	if (e->error != 0 && e->depth == 0)
		return (-e->error);
	/* A block that fails its check is still in use; garbage is not. */
	if (e->error == 0 || e->error == EIO) {
		error = hammer2_fmap_mark(rc->fm, b->data_off);
		if (error == ENOMEM)
			return (-ENOMEM);
	}
	return (HAMMER2_WALK_CONTINUE);
}

int
hammer2_fmap_recover(struct hammer2_fmap *fm, struct hammer2_vol *vol)
{
	struct recover_ctx rc;

	rc.fm = fm;
	rc.tid = fm->vd->freemap_tid;
	return (hammer2_walk(vol, fm->vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, recover_cb, &rc));
}

/*
 * -------------------------------------------------------------------
 * Bulkfree
 * -------------------------------------------------------------------
 */

struct bulk_ctx {
	struct hammer2_fmap		*fm;
	struct hammer2_gbtab		 ref;	/* GB -> uint64_t[1024] */
	struct hammer2_bulkfree_stats	*st;
};

/*
 * The 16 KB blocks bulkfree never frees (format 8.6): below
 * allocator_beg (the 16 KB holding it included), in a GB's reserved
 * segment, or in a segment at or past the volume end rounded down to
 * 4 MB, which a new leaf marks allocated.
 */
static bool
bulk_preset(const struct hammer2_fmap *fm, uint64_t blk)
{
	return (blk < fm->vd->allocator_beg ||
	    (blk & (HAMMER2_FMAP_GB - 1)) < SEGSIZE ||
	    blk >= (fm->total & ~(SEGSIZE - 1)));
}

/* Set the referenced bit of every 16 KB block under data_off. */
static int
bulk_ref(struct bulk_ctx *bc, uint64_t data_off)
{
	struct hammer2_fmap *fm = bc->fm;
	uint64_t off = data_off & HAMMER2_OFF_MASK, end, blk, n, *bits;
	void **slot;
	int radix = (int)(data_off & HAMMER2_OFF_MASK_RADIX);

	if (radix == 0)
		return (0);
	end = off + (1ULL << radix);
	for (blk = off & ~(FBLK - 1); blk < end; blk += FBLK) {
		if (bulk_preset(fm, blk))
			continue;
		slot = hammer2_gbtab_slot(fm->vol, &bc->ref,
		    blk >> HAMMER2_FMAP_GBRADIX);
		if (slot == NULL)
			return (ENOMEM);
		if (*slot == NULL) {
			*slot = hammer2_alloc(fm->vol, REF_BYTES);
			if (*slot == NULL)
				return (ENOMEM);
			memset(*slot, 0, REF_BYTES);
		}
		bits = *slot;
		n = (blk & (HAMMER2_FMAP_GB - 1)) / FBLK;
		bits[n / 64] |= 1ULL << (n % 64);
	}
	return (0);
}

static int
bulk_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct bulk_ctx *bc = arg;

	bc->st->scanned++;
	if (e->error != 0) {
		bc->st->bad++;
		if (e->depth == 0)
			return (-e->error);
		if (e->error != EIO)
			return (HAMMER2_WALK_CONTINUE);
		/* Valid bref, bad block: keep the block itself. */
	}
	return (bulk_ref(bc, e->bref->data_off) != 0 ? -ENOMEM :
	    HAMMER2_WALK_CONTINUE);
}

/*
 * Merge the referenced bits of one segment into bm (format 8.6, step
 * 3 and 4) into *out; returns whether anything changed.  Counts go to
 * st; *availd gets the change in free bytes.
 */
static bool
bulk_merge_seg(const struct hammer2_fmap *fm, uint64_t segbase,
    const uint64_t *bits, bool mayfree, const struct hammer2_bmap_data *bm,
    struct hammer2_bmap_data *out, struct hammer2_bulkfree_stats *st,
    int64_t *availd)
{
	uint64_t n0 = (segbase & (HAMMER2_FMAP_GB - 1)) / FBLK;
	int64_t avail;
	uint32_t lin;
	unsigned int n;
	int live;
	bool ref, any = false;

	*out = *bm;
	*availd = 0;
	for (n = 0; n < PAIRS; n++) {
		live = hammer2_bmap_pair(bm, n);
		ref = bulk_preset(fm, segbase + n * FBLK) || (bits != NULL &&
		    (bits[(n0 + n) / 64] >> ((n0 + n) % 64) & 1) != 0);
		if (ref) {
			if (live == HAMMER2_BMAP_FREE) {
				st->conflicts++;
				*availd -= (int64_t)FBLK;
			}
			hammer2_bmap_set_pair(out, n, HAMMER2_BMAP_ALLOCATED);
		} else if (live == HAMMER2_BMAP_ALLOCATED) {
			st->staged++;
			hammer2_bmap_set_pair(out, n, HAMMER2_BMAP_STAGED);
		} else if (live == HAMMER2_BMAP_STAGED && mayfree) {
			st->freed++;
			*availd += (int64_t)FBLK;
			hammer2_bmap_set_pair(out, n, HAMMER2_BMAP_FREE);
		}
		if (hammer2_bmap_pair(out, n) != HAMMER2_BMAP_FREE)
			any = true;
	}
	/* A stale avail must not wrap: keep it inside 0..4 MB. */
	avail = (int64_t)out->avail + *availd;
	out->avail = (uint32_t)(avail < 0 ? 0 : avail > (int64_t)SEGSIZE ?
	    (int64_t)SEGSIZE : avail);
	if (!any) {
		out->class = 0;
		out->avail = (uint32_t)SEGSIZE;
		out->linear = 0;
	} else {
		/* Linear packs only into a 16 KB block it still owns. */
		lin = (uint32_t)out->linear;
		if (out->linear > 0 && lin < SEGSIZE && lin % FBLK != 0 &&
		    hammer2_bmap_pair(out, lin / FBLK) !=
		    HAMMER2_BMAP_ALLOCATED)
			out->linear = (int32_t)roundup2((uint64_t)lin, FBLK);
	}
	return (memcmp(out, bm, sizeof(*out)) != 0);
}

/* Merge one GB: its leaf (made if only referenced blocks call for it). */
static int
bulk_merge_gb(struct bulk_ctx *bc, uint64_t gb, bool mayfree)
{
	struct hammer2_fmap *fm = bc->fm;
	const uint64_t *bits = hammer2_gbtab_get(&bc->ref, gb);
	struct hammer2_fmap_blk *l;
	struct hammer2_bmap_data nbm;
	uint64_t segbase;
	int64_t availd;
	int s, error;

	error = hammer2_fmap_leaf(fm, gb, bits != NULL, false, &l);
	if (error != 0 || l == NULL)
		return (error);
	for (s = 0; s < PAIRS; s++) {
		segbase = l->key + (uint64_t)s * SEGSIZE;
		if (!bulk_merge_seg(fm, segbase, bits, mayfree,
		    &l->st.u.bmap[s], &nbm, bc->st, &availd))
			continue;
		if (availd < 0)
			hammer2_report(fm->vol, HAMMER2_REPORT_NOTE, 0, NULL,
			    segbase, "bulkfree: blocks in use were free in the "
			    "freemap");
		if ((error = hammer2_fmap_touch(fm, l)) != 0)
			return (error);
		l->st.u.bmap[s] = nbm;
		l->st.flags |= HAMMER2_FMAPF_DIRTY;
		l->st.bigmask = 0xFFFFFFFFU;
		if (availd < 0 && fm->vd->allocator_free < (uint64_t)-availd)
			fm->vd->allocator_free = 0;
		else
			fm->vd->allocator_free += (uint64_t)availd;
	}
	return (0);
}

int
hammer2_fmap_bulkfree(struct hammer2_fmap *fm, struct hammer2_vol *vol,
    struct hammer2_bulkfree_stats *st)
{
	struct bulk_ctx bc;
	uint64_t gb;
	int error;

	memset(st, 0, sizeof(*st));
	memset(&bc, 0, sizeof(bc));
	bc.fm = fm;
	bc.st = st;
	error = hammer2_gbtab_init(vol, &bc.ref, fm->ngb);
	if (error == 0)
		error = hammer2_walk(vol, fm->vd->sroot_blockset.blockref,
		    HAMMER2_SET_COUNT, 0, bulk_cb, &bc);
	for (gb = 0; error == 0 && gb < fm->ngb; gb++)
		error = bulk_merge_gb(&bc, gb, st->bad == 0);
	hammer2_gbtab_fini(vol, &bc.ref, REF_BYTES);
	return (error);
}
