/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_fmap.c - the writable freemap (format 8).  Every leaf of the
 * volume is held in memory as a 32 KB block of its own, found through a
 * chunked table indexed by GB.  On top of that: the allocator (segment
 * classes, 16 KB bit pairs, linear packing of smaller blocks, leaves
 * made on demand by the new-leaf rules of 8.4), marking blocks in use,
 * an undo log of whole-block snapshots per transaction, and the flush,
 * which writes each changed leaf and node to its next rotation slot
 * (8.3) under a tree of the fewest levels whose top fits the header's
 * four slots (8.1).  Bulkfree and mount recovery are in
 * hammer2_bulkfree.c; docs/hammer2.md ("The freemap writer") has the
 * long form.
 *
 * The one idea to hold on to: a block's st.bref always names a copy on
 * media equal to st.u unless HAMMER2_FMAPF_DIRTY is set, so a flush
 * rewrites exactly the dirty leaves and the nodes whose table changed.
 *
 * Locking: none.  An fmap belongs to one read-write mount, which calls
 * every function here under its own mount lock; no two calls run at
 * once on one fmap.  Only io_ops->alloc, io_ops->write (flush) and the
 * reads of hammer2_walk (load) may block.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_fmap.h>

#define SEGSIZE		((uint64_t)HAMMER2_SEGSIZE)
#define FBLK		((uint64_t)HAMMER2_FREEMAP_BLOCK)
#define FBLK_MASK	(FBLK - 1)
#define PAIRS		(HAMMER2_SEGSIZE / HAMMER2_FREEMAP_BLOCK) /* 256 */
#define FMAP_BYTES	HAMMER2_FREEMAP_LEVELN_PSIZE		/* 32 KB */
#define FMAP_RADIX	15
#define SLOT		((uint64_t)HAMMER2_PBUFSIZE)	/* rotation slot */
#define NROTATE		8
#define LOG_ENTRIES	255

/* Segment class of a bref type (format 8.2). */
#define FMAP_CLASS(type)	((uint16_t)(((type) << 8) | HAMMER2_PBUFRADIX))

/* A chunk of the undo log: which block, and its state before the txn. */
struct hammer2_fmap_log {
	struct hammer2_fmap_log	*next;		/* older chunk */
	int			 n;
	struct {
		struct hammer2_fmap_blk		*blk;
		struct hammer2_fmap_state	*snap;	/* NULL: made in txn */
	} e[LOG_ENTRIES];
};

/*
 * -------------------------------------------------------------------
 * The GB-indexed pointer table
 * -------------------------------------------------------------------
 */

int
hammer2_gbtab_init(struct hammer2_vol *vol, struct hammer2_gbtab *t,
    uint64_t nslot)
{
	t->nslot = nslot;
	t->nchunk = howmany(nslot, HAMMER2_GBTAB_CHUNK);
	t->chunk = NULL;
	if (t->nchunk == 0 ||
	    t->nchunk > HAMMER2_ALLOC_MAX / sizeof(*t->chunk))
		return (EFBIG);
	t->chunk = hammer2_alloc(vol, t->nchunk * sizeof(*t->chunk));
	if (t->chunk == NULL)
		return (ENOMEM);
	memset(t->chunk, 0, t->nchunk * sizeof(*t->chunk));
	return (0);
}

void
hammer2_gbtab_fini(struct hammer2_vol *vol, struct hammer2_gbtab *t,
    size_t elemsize)
{
	uint64_t c;
	int i;

	if (t->chunk == NULL)
		return;
	for (c = 0; c < t->nchunk; c++) {
		if (t->chunk[c] == NULL)
			continue;
		for (i = 0; i < HAMMER2_GBTAB_CHUNK; i++)
			hammer2_free(vol, t->chunk[c][i], elemsize);
		hammer2_free(vol, t->chunk[c],
		    HAMMER2_GBTAB_CHUNK * sizeof(void *));
	}
	hammer2_free(vol, t->chunk, t->nchunk * sizeof(*t->chunk));
	t->chunk = NULL;
}

void *
hammer2_gbtab_get(const struct hammer2_gbtab *t, uint64_t i)
{
	void **c;

	if (i >= t->nslot)
		return (NULL);
	c = t->chunk[i / HAMMER2_GBTAB_CHUNK];
	return (c != NULL ? c[i % HAMMER2_GBTAB_CHUNK] : NULL);
}

void **
hammer2_gbtab_slot(struct hammer2_vol *vol, struct hammer2_gbtab *t,
    uint64_t i)
{
	void ***cp;

	if (i >= t->nslot)
		return (NULL);
	cp = &t->chunk[i / HAMMER2_GBTAB_CHUNK];
	if (*cp == NULL) {
		*cp = hammer2_alloc(vol, HAMMER2_GBTAB_CHUNK * sizeof(void *));
		if (*cp == NULL)
			return (NULL);
		memset(*cp, 0, HAMMER2_GBTAB_CHUNK * sizeof(void *));
	}
	return (&(*cp)[i % HAMMER2_GBTAB_CHUNK]);
}

void *
hammer2_gbtab_next(const struct hammer2_gbtab *t, uint64_t *ip)
{
	uint64_t i = *ip;
	void **c;

	while (i < t->nslot) {
		c = t->chunk[i / HAMMER2_GBTAB_CHUNK];
		if (c == NULL) {
			i = (i / HAMMER2_GBTAB_CHUNK + 1) * HAMMER2_GBTAB_CHUNK;
			continue;
		}
		if (c[i % HAMMER2_GBTAB_CHUNK] != NULL) {
			*ip = i;
			return (c[i % HAMMER2_GBTAB_CHUNK]);
		}
		i++;
	}
	*ip = t->nslot;
	return (NULL);
}

/*
 * -------------------------------------------------------------------
 * Blocks, leaves and the undo log
 * -------------------------------------------------------------------
 */

static struct hammer2_fmap_blk *
blk_alloc(struct hammer2_fmap *fm, int level, uint64_t key)
{
	struct hammer2_fmap_blk *b;

	b = hammer2_alloc(fm->vol, sizeof(*b));
	if (b == NULL)
		return (NULL);
	memset(b, 0, sizeof(*b));
	b->level = level;
	b->key = key;
	return (b);
}

static void
blk_free(struct hammer2_fmap *fm, struct hammer2_fmap_blk *b)
{
	hammer2_free(fm->vol, b->pendbuf, FMAP_BYTES);
	hammer2_free(fm->vol, b, sizeof(*b));
}

/* Record b (with its pre-transaction state snap, or NULL) in the log. */
static int
log_add(struct hammer2_fmap *fm, struct hammer2_fmap_blk *b,
    struct hammer2_fmap_state *snap)
{
	struct hammer2_fmap_log *lg = fm->log;

	if (lg == NULL || lg->n == LOG_ENTRIES) {
		lg = hammer2_alloc(fm->vol, sizeof(*lg));
		if (lg == NULL)
			return (ENOMEM);
		lg->next = fm->log;
		lg->n = 0;
		fm->log = lg;
	}
	lg->e[lg->n].blk = b;
	lg->e[lg->n].snap = snap;
	lg->n++;
	b->txn = fm->txn;
	return (0);
}

int
hammer2_fmap_touch(struct hammer2_fmap *fm, struct hammer2_fmap_blk *b)
{
	struct hammer2_fmap_state *snap;

	if (!fm->in_txn || b->txn == fm->txn)
		return (0);
	snap = hammer2_alloc(fm->vol, sizeof(*snap));
	if (snap == NULL)
		return (ENOMEM);
	memcpy(snap, &b->st, sizeof(*snap));
	if (log_add(fm, b, snap) != 0) {
		hammer2_free(fm->vol, snap, sizeof(*snap));
		return (ENOMEM);
	}
	return (0);
}

/*
 * Fill a new leaf by the new-leaf rules (format 8.4): a segment below
 * max(roundup(allocator_beg, 4 MB), leaf base), the reserved first
 * segment of the GB, and every segment at or past the volume end
 * rounded down to 4 MB are fully allocated; the rest are free.
 */
static void
leaf_init(struct hammer2_fmap *fm, struct hammer2_fmap_blk *l)
{
	struct hammer2_bmap_data *bm;
	uint64_t lo, end, seg;
	int i, npre = 0;

	lo = roundup2(fm->vd->allocator_beg, SEGSIZE);
	if (lo < l->key)
		lo = l->key;
	end = fm->total & ~(SEGSIZE - 1);
	for (i = 0; i < PAIRS; i++) {
		bm = &l->st.u.bmap[i];
		seg = l->key + (uint64_t)i * SEGSIZE;
		if (i == 0 || seg < lo || seg >= end) {
			bm->linear = (int32_t)SEGSIZE;
			bm->avail = 0;
			memset(bm->bitmapq, 0xFF, sizeof(bm->bitmapq));
			npre++;
		} else {
			bm->avail = (uint32_t)SEGSIZE;
		}
	}
	l->st.bigmask = 0xFFFFFFFFU;
	l->st.avail = HAMMER2_FMAP_GB - (uint64_t)npre * SEGSIZE;
	l->st.flags = HAMMER2_FMAPF_DIRTY;
}

int
hammer2_fmap_leaf(struct hammer2_fmap *fm, uint64_t gb, bool create,
    bool touch, struct hammer2_fmap_blk **lp)
{
	struct hammer2_fmap_blk *l;
	void **slot;

	*lp = l = hammer2_gbtab_get(&fm->leaves, gb);
	if (l != NULL)
		return (touch ? hammer2_fmap_touch(fm, l) : 0);
	if (!create || gb >= fm->ngb)
		return (0);
	slot = hammer2_gbtab_slot(fm->vol, &fm->leaves, gb);
	l = slot != NULL ? blk_alloc(fm, 1, gb << HAMMER2_FMAP_GBRADIX) : NULL;
	if (l == NULL)
		return (ENOMEM);
	if (fm->in_txn && log_add(fm, l, NULL) != 0) {
		blk_free(fm, l);
		return (ENOMEM);
	}
	leaf_init(fm, l);
	*slot = l;
	fm->nleaves++;
	*lp = l;
	return (0);
}

/*
 * -------------------------------------------------------------------
 * Load, destroy, transactions
 * -------------------------------------------------------------------
 */

/* Freemap level of a block covering 2^keybits bytes, or 0. */
static int
keybits_level(int keybits)
{
	int level;

	for (level = 1; level <= HAMMER2_FMAP_LEVELS; level++)
		if (keybits == HAMMER2_FMAP_GBRADIX + 8 * (level - 1))
			return (level);
	return (0);
}

static int
level_keybits(int level)
{
	return (HAMMER2_FMAP_GBRADIX + 8 * (level - 1));
}

static int
load_bad(struct hammer2_fmap *fm, const struct hammer2_blockref *b,
    const char *reason)
{
	return (-hammer2_report(fm->vol, HAMMER2_REPORT_CORRUPT, EUCLEAN, b,
	    hammer2_bref_offset(b), reason));
}

static int
load_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct hammer2_fmap *fm = arg;
	const struct hammer2_blockref *b = e->bref;
	struct hammer2_fmap_blk *blk;
	void **slot = NULL;
	int level;

	if (e->error != 0)
		return (-e->error);
	if (b->type != HAMMER2_BREF_TYPE_FREEMAP_LEAF &&
	    b->type != HAMMER2_BREF_TYPE_FREEMAP_NODE)
		return (load_bad(fm, b, "non-freemap block in the freemap"));
	level = keybits_level(b->keybits);
	if (level == 0 || (level == 1) !=
	    (b->type == HAMMER2_BREF_TYPE_FREEMAP_LEAF))
		return (load_bad(fm, b, "freemap block covers a wrong range"));
	if (b->key >= fm->total)
		return (load_bad(fm, b, "freemap block beyond the volume"));
	if (level == 1) {
		slot = hammer2_gbtab_slot(fm->vol, &fm->leaves,
		    b->key >> HAMMER2_FMAP_GBRADIX);
		if (slot == NULL)
			return (-ENOMEM);
		if (*slot != NULL)
			return (load_bad(fm, b,
			    "two freemap leaves for one GB"));
	}
	blk = blk_alloc(fm, level, b->key);
	if (blk == NULL)
		return (-ENOMEM);
	memcpy(&blk->st.u, e->data, FMAP_BYTES);
	blk->st.bref = *b;
	blk->st.bigmask = b->check.freemap.bigmask;
	blk->st.avail = b->check.freemap.avail;
	if (level == 1) {
		*slot = blk;
		fm->nleaves++;
	} else {
		blk->next = fm->nodes;
		fm->nodes = blk;
	}
	return (HAMMER2_WALK_CONTINUE);
}

int
hammer2_fmap_load(struct hammer2_vol *vol, struct hammer2_volume_data *vd,
    struct hammer2_fmap **fmp)
{
	struct hammer2_fmap *fm;
	int error;

	*fmp = NULL;
	fm = hammer2_alloc(vol, sizeof(*fm));
	if (fm == NULL)
		return (ENOMEM);
	memset(fm, 0, sizeof(*fm));
	fm->vol = vol;
	fm->vd = vd;
	fm->total = vd->total_size != 0 ? vd->total_size : vd->volu_size;
	fm->ngb = howmany(fm->total, HAMMER2_FMAP_GB);
	error = hammer2_gbtab_init(vol, &fm->leaves, fm->ngb);
	if (error == 0)
		error = hammer2_walk(vol, vd->freemap_blockset.blockref,
		    HAMMER2_SET_COUNT, 0, load_cb, fm);
	if (error != 0) {
		hammer2_fmap_destroy(fm);
		return (error);
	}
	*fmp = fm;
	return (0);
}

/* Forget the undo log; with restore, first put every block back. */
static void
txn_end(struct hammer2_fmap *fm, bool restore)
{
	struct hammer2_fmap_log *lg;
	struct hammer2_fmap_blk *b, **bp;
	int i;

	while ((lg = fm->log) != NULL) {
		for (i = lg->n - 1; i >= 0; i--) {
			b = lg->e[i].blk;
			if (lg->e[i].snap != NULL) {
				if (restore)
					memcpy(&b->st, lg->e[i].snap,
					    sizeof(b->st));
				hammer2_free(fm->vol, lg->e[i].snap,
				    sizeof(*lg->e[i].snap));
				continue;
			}
			if (!restore)
				continue;
			/* Made inside the transaction: it goes away. */
			if (b->level == 1) {
				*hammer2_gbtab_slot(fm->vol, &fm->leaves,
				    b->key >> HAMMER2_FMAP_GBRADIX) = NULL;
				fm->nleaves--;
			} else {
				for (bp = &fm->nodes; *bp != b;
				    bp = &(*bp)->next)
					;
				*bp = b->next;
			}
			blk_free(fm, b);
		}
		fm->log = lg->next;
		hammer2_free(fm->vol, lg, sizeof(*lg));
	}
	if (restore) {
		fm->vd->freemap_blockset = fm->txn_fmset;
		fm->vd->allocator_free = fm->txn_free;
		fm->vd->freemap_tid = fm->txn_fmtid;
	}
	fm->in_txn = false;
}

void
hammer2_fmap_destroy(struct hammer2_fmap *fm)
{
	struct hammer2_fmap_blk *b;

	if (fm == NULL)
		return;
	txn_end(fm, false);
	hammer2_gbtab_fini(fm->vol, &fm->leaves,
	    sizeof(struct hammer2_fmap_blk));
	while ((b = fm->nodes) != NULL) {
		fm->nodes = b->next;
		blk_free(fm, b);
	}
	hammer2_free(fm->vol, fm, sizeof(*fm));
}

void
hammer2_fmap_txn_begin(struct hammer2_fmap *fm)
{
	if (fm->in_txn)
		return;
	fm->txn++;
	fm->in_txn = true;
	fm->txn_fmset = fm->vd->freemap_blockset;
	fm->txn_free = fm->vd->allocator_free;
	fm->txn_fmtid = fm->vd->freemap_tid;
}

void
hammer2_fmap_txn_commit(struct hammer2_fmap *fm)
{
	txn_end(fm, false);
}

void
hammer2_fmap_txn_abort(struct hammer2_fmap *fm)
{
	if (fm->in_txn)
		txn_end(fm, true);
}

uint64_t
hammer2_fmap_avail(const struct hammer2_fmap *fm)
{
	return (fm->vd->allocator_free);
}

/*
 * -------------------------------------------------------------------
 * Allocation and marking
 * -------------------------------------------------------------------
 */

/* Take bytes of 16 KB units from the free counts (never below 0). */
static void
fmap_use(struct hammer2_fmap *fm, struct hammer2_bmap_data *bm,
    uint64_t bytes)
{
	bm->avail -= bm->avail < bytes ? bm->avail : (uint32_t)bytes;
	fm->vd->allocator_free -= fm->vd->allocator_free < bytes ?
	    fm->vd->allocator_free : bytes;
}

/*
 * Where bytes fit in segment bm: at its linear offset (sub-16 KB, when
 * the rest of linear's 16 KB block holds it) or in the first run of
 * free bit pairs aligned to the request.  Returns 0 with *segoffp and
 * *linp, or ENOSPC.
 */
static int
seg_fit(const struct hammer2_bmap_data *bm, uint64_t bytes,
    uint32_t *segoffp, bool *linp)
{
	uint32_t lin = (uint32_t)bm->linear;
	unsigned int i, k, need;

	if (bytes < FBLK && bm->linear > 0 && lin < SEGSIZE &&
	    (lin & FBLK_MASK) != 0 && (lin & FBLK_MASK) + bytes <= FBLK &&
	    hammer2_bmap_pair(bm, lin / FBLK) == HAMMER2_BMAP_ALLOCATED) {
		*segoffp = lin;
		*linp = true;
		return (0);
	}
	need = bytes < FBLK ? 1 : (unsigned int)(bytes / FBLK);
	if (bm->avail < need * FBLK)
		return (ENOSPC);
	for (i = 0; i < PAIRS; i += need) {
		if ((i & 31) == 0 && bm->bitmapq[i >> 5] == ~0ULL) {
			i += 32 - need;		/* all 32 pairs taken */
			continue;
		}
		for (k = 0; k < need && hammer2_bmap_pair(bm, i + k) ==
		    HAMMER2_BMAP_FREE; k++)
			;
		if (k == need) {
			*segoffp = i * (uint32_t)FBLK;
			*linp = false;
			return (0);
		}
	}
	return (ENOSPC);
}

/* Hand out what seg_fit found: linear space, or fresh bit pairs. */
static void
seg_take(struct hammer2_fmap *fm, struct hammer2_bmap_data *bm,
    uint32_t segoff, uint64_t bytes, bool lin, uint16_t cls)
{
	uint64_t need;

	if (lin) {
		bm->linear = (int32_t)(segoff + bytes);
	} else {
		need = bytes < FBLK ? 1 : bytes / FBLK;
		while (need-- > 0)
			hammer2_bmap_set_pair(bm,
			    (unsigned int)(segoff / FBLK + need),
			    HAMMER2_BMAP_ALLOCATED);
		fmap_use(fm, bm, bytes < FBLK ? FBLK : bytes);
		if (bytes < FBLK)
			bm->linear = (int32_t)(segoff + bytes);
	}
	if (bm->class == 0)
		bm->class = cls;
}

/* Whether [off, off + bytes) is space the allocator may hand out. */
static bool
fmap_usable(const struct hammer2_fmap *fm, uint64_t off, uint64_t bytes)
{
	return (off >= fm->vd->allocator_beg &&
	    (off & (HAMMER2_FMAP_GB - 1)) >= SEGSIZE &&
	    off < fm->total && bytes <= fm->total - off);
}

/*
 * Look for bytes in segments [from, to) of leaf l; strict allows only
 * segments of class 0 or cls.  Returns 0 and the offset, or ENOSPC.
 */
static int
leaf_fit(struct hammer2_fmap *fm, struct hammer2_fmap_blk *l, int from,
    int to, uint16_t cls, bool strict, uint64_t bytes, int *segp,
    uint32_t *segoffp, bool *linp)
{
	const struct hammer2_bmap_data *bm;
	int s;

	for (s = from; s < to; s++) {
		bm = &l->st.u.bmap[s];
		if (strict && bm->class != 0 && bm->class != cls)
			continue;
		if (seg_fit(bm, bytes, segoffp, linp) != 0)
			continue;
		if (!fmap_usable(fm, l->key + (uint64_t)s * SEGSIZE +
		    *segoffp, bytes))
			continue;	/* a leaf that lies; leave it be */
		*segp = s;
		return (0);
	}
	return (ENOSPC);
}

/*
 * One pass over the whole volume from the type's hint, leaf by leaf
 * (leaves are made as the search reaches them), wrapping back to the
 * hint.  A leaf found full in a non-strict pass loses the bigmask bits
 * of this size and up.
 */
static int
fmap_search(struct hammer2_fmap *fm, int type, uint64_t bytes, int radix,
    bool strict, uint64_t *data_offp)
{
	struct hammer2_fmap_blk *l;
	uint64_t gb, start, k;
	uint32_t segoff;
	uint16_t cls = FMAP_CLASS(type);
	int from, to, s, s0, error;
	bool lin;

	start = fm->hint[type] % (fm->ngb * PAIRS);
	s0 = (int)(start % PAIRS);
	for (k = 0; k <= fm->ngb; k++) {
		gb = (start / PAIRS + k) % fm->ngb;
		from = k == 0 ? s0 : 0;
		to = k == fm->ngb ? s0 : PAIRS;
		if (from >= to)
			continue;
		error = hammer2_fmap_leaf(fm, gb, true, false, &l);
		if (error != 0)
			return (error);
		if (l == NULL || (l->st.bigmask & (1U << radix)) == 0)
			continue;
		if (leaf_fit(fm, l, from, to, cls, strict, bytes, &s, &segoff,
		    &lin) != 0) {
			if (!strict && from == 0 && to == PAIRS &&
			    hammer2_fmap_touch(fm, l) == 0)
				l->st.bigmask &= (1U << radix) - 1;
			continue;
		}
		if ((error = hammer2_fmap_touch(fm, l)) != 0)
			return (error);
		seg_take(fm, &l->st.u.bmap[s], segoff, bytes, lin, cls);
		l->st.flags |= HAMMER2_FMAPF_DIRTY;
		fm->hint[type] = gb * PAIRS + (uint64_t)s;
		*data_offp = (l->key + (uint64_t)s * SEGSIZE + segoff) |
		    (uint64_t)radix;
		return (0);
	}
	return (ENOSPC);
}

int
hammer2_fmap_alloc(struct hammer2_fmap *fm, int type, size_t bytes,
    uint64_t *data_offp)
{
	int radix, error;

	if (bytes < HAMMER2_ALLOC_MIN || bytes > HAMMER2_ALLOC_MAX ||
	    (bytes & (bytes - 1)) != 0 || type < HAMMER2_BREF_TYPE_INODE ||
	    type > HAMMER2_BREF_TYPE_DIRENT)
		return (EINVAL);
	radix = __builtin_ctzll(bytes);
	/* Own class first; mixed segments only when that fails. */
	error = fmap_search(fm, type, bytes, radix, true, data_offp);
	if (error == ENOSPC)
		error = fmap_search(fm, type, bytes, radix, false, data_offp);
	return (error);
}

static int
mark_bad(struct hammer2_fmap *fm, uint64_t data_off, const char *reason)
{
	return (hammer2_report(fm->vol, HAMMER2_REPORT_CORRUPT, EUCLEAN, NULL,
	    data_off & HAMMER2_OFF_MASK, reason));
}

int
hammer2_fmap_mark(struct hammer2_fmap *fm, uint64_t data_off)
{
	struct hammer2_fmap_blk *l;
	struct hammer2_bmap_data *bm;
	uint64_t off = data_off & HAMMER2_OFF_MASK, bytes, segbase;
	uint32_t first, last, n, lin, end, up;
	int radix = (int)(data_off & HAMMER2_OFF_MASK_RADIX), error;
	bool change = false;

	if (radix == 0)
		return (0);
	if (radix < HAMMER2_RADIX_MIN || radix > HAMMER2_RADIX_MAX)
		return (mark_bad(fm, data_off, "block radix out of range"));
	bytes = 1ULL << radix;
	if (off < fm->vd->allocator_beg)
		return (0);
	if (off >= fm->total || bytes > fm->total - off)
		return (mark_bad(fm, data_off, "block beyond the volume"));
	if ((off & HAMMER2_PBUFMASK64) + bytes > HAMMER2_PBUFSIZE)
		return (mark_bad(fm, data_off, "block crosses 64 KB"));
	if ((off & (HAMMER2_FMAP_GB - 1)) < SEGSIZE)
		return (mark_bad(fm, data_off, "block in a reserved segment"));

	error = hammer2_fmap_leaf(fm, off >> HAMMER2_FMAP_GBRADIX, true, false,
	    &l);
	if (error != 0)
		return (error);
	bm = &l->st.u.bmap[(off >> 22) & (PAIRS - 1)];
	segbase = off & ~(SEGSIZE - 1);
	first = (uint32_t)((off - segbase) / FBLK);
	last = (uint32_t)((off + bytes - 1 - segbase) / FBLK);
	end = (uint32_t)(off + bytes - segbase);
	lin = (uint32_t)bm->linear;
	for (n = first; n <= last; n++)
		if (hammer2_bmap_pair(bm, n) != HAMMER2_BMAP_ALLOCATED)
			change = true;
	/* Linear must not hand out what this block now holds. */
	up = (uint32_t)roundup2((uint64_t)lin, FBLK);
	if (bm->linear > 0 && lin < SEGSIZE && (lin & FBLK_MASK) != 0 &&
	    lin / FBLK >= first && lin / FBLK <= last && end > lin)
		change = true;
	else
		up = lin;
	if (!change)
		return (0);
	if ((error = hammer2_fmap_touch(fm, l)) != 0)
		return (error);
	for (n = first; n <= last; n++) {
		if (hammer2_bmap_pair(bm, n) == HAMMER2_BMAP_FREE)
			fmap_use(fm, bm, FBLK);
		hammer2_bmap_set_pair(bm, n, HAMMER2_BMAP_ALLOCATED);
	}
	if (up != lin)
		bm->linear = (int32_t)(end < up ? end : up);
	l->st.flags |= HAMMER2_FMAPF_DIRTY;
	return (0);
}

/*
 * -------------------------------------------------------------------
 * Flush
 * -------------------------------------------------------------------
 */

/* Media offset of rotation r of the level-L block with key K (8.3). */
static uint64_t
slot_off(uint64_t key, int level, int r)
{
	return (key + (uint64_t)(1 + 5 * r + (level - 1)) * SLOT);
}

/* Rotation after the one bref sits in: 0 when it is none of them. */
static int
slot_next(const struct hammer2_blockref *bref, uint64_t key, int level)
{
	uint64_t off = hammer2_bref_offset(bref), s;

	if (bref->type == HAMMER2_BREF_TYPE_EMPTY || off < key ||
	    (off - key) % SLOT != 0)
		return (0);
	s = (off - key) / SLOT;
	if (s < (uint64_t)level || (s - level) % 5 != 0 ||
	    (s - level) / 5 >= NROTATE)
		return (0);
	return ((int)(((s - level) / 5 + 1) % NROTATE));
}

/*
 * Write data as the next copy of block b (mirror_tid and modify_tid
 * tid, FREEMAP check code with the given hints) and return its new
 * bref in *out.  b itself is not changed.
 */
static int
blk_write(struct hammer2_fmap *fm, const struct hammer2_fmap_blk *b,
    const void *data, uint64_t tid, uint32_t bigmask, uint64_t avail,
    struct hammer2_blockref *out)
{
	uint64_t off;

	off = slot_off(b->key, b->level, slot_next(&b->st.bref, b->key,
	    b->level));
	memset(out, 0, sizeof(*out));
	out->type = b->level == 1 ? HAMMER2_BREF_TYPE_FREEMAP_LEAF :
	    HAMMER2_BREF_TYPE_FREEMAP_NODE;
	out->methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_FREEMAP,
	    HAMMER2_COMP_NONE);
	out->keybits = (uint8_t)level_keybits(b->level);
	out->key = b->key;
	out->mirror_tid = tid;
	out->modify_tid = tid;
	out->data_off = off | FMAP_RADIX;
	out->check.freemap.bigmask = bigmask;
	out->check.freemap.avail = avail;
	hammer2_check_compute(out, data, FMAP_BYTES);
	return (fm->vol->ops.write(fm->vol->ctx, off, data, FMAP_BYTES));
}

/* Is there a leaf for any GB in [lo, hi)? */
static bool
leaves_in(const struct hammer2_fmap *fm, uint64_t lo, uint64_t hi)
{
	return (hammer2_gbtab_next(&fm->leaves, &lo) != NULL && lo < hi);
}

static struct hammer2_fmap_blk *
node_get(struct hammer2_fmap *fm, int level, uint64_t key)
{
	struct hammer2_fmap_blk *b;

	for (b = fm->nodes; b != NULL; b = b->next)
		if (b->level == level && b->key == key)
			return (b);
	b = blk_alloc(fm, level, key);
	if (b == NULL)
		return (NULL);
	if (fm->in_txn && log_add(fm, b, NULL) != 0) {
		blk_free(fm, b);
		return (NULL);
	}
	b->next = fm->nodes;
	fm->nodes = b;
	return (b);
}

/*
 * Build the table of the level-L node with key K from its children's
 * new brefs (leaves first flushed by the caller), children first; when
 * it differs from what the node holds, write it to its next slot and
 * keep the new table in pendbuf until the flush commits.  *out gets the
 * node's bref for its parent either way.
 */
static int
node_flush(struct hammer2_fmap *fm, int level, uint64_t key, uint64_t tid,
    struct hammer2_blockref *out)
{
	struct hammer2_fmap_blk *nb, *l;
	struct hammer2_blockref *tab, child;
	uint64_t step, gb, gbstep, avail = 0;
	uint32_t bigmask = 0;
	int i, n = 0, error;

	nb = node_get(fm, level, key);
	tab = hammer2_alloc(fm->vol, FMAP_BYTES);
	if (nb == NULL || tab == NULL) {
		hammer2_free(fm->vol, tab, FMAP_BYTES);
		return (ENOMEM);
	}
	memset(tab, 0, FMAP_BYTES);
	step = 1ULL << level_keybits(level - 1);
	gbstep = step >> HAMMER2_FMAP_GBRADIX;
	for (i = 0; i < HAMMER2_FREEMAP_COUNT; i++) {
		gb = (key + (uint64_t)i * step) >> HAMMER2_FMAP_GBRADIX;
		if (gb >= fm->ngb)
			break;
		if (level == 2) {
			l = hammer2_gbtab_get(&fm->leaves, gb);
			if (l == NULL)
				continue;
			child = l->pend;
		} else {
			if (!leaves_in(fm, gb, gb + gbstep))
				continue;
			error = node_flush(fm, level - 1,
			    gb << HAMMER2_FMAP_GBRADIX, tid, &child);
			if (error != 0) {
				hammer2_free(fm->vol, tab, FMAP_BYTES);
				return (error);
			}
		}
		tab[n++] = child;
		bigmask |= child.check.freemap.bigmask;
		avail += child.check.freemap.avail;
	}
	if (nb->st.bref.type != HAMMER2_BREF_TYPE_EMPTY &&
	    memcmp(tab, &nb->st.u, FMAP_BYTES) == 0) {
		hammer2_free(fm->vol, tab, FMAP_BYTES);
		nb->pend = nb->st.bref;
		*out = nb->pend;
		return (0);
	}
	error = hammer2_fmap_touch(fm, nb);
	if (error == 0)
		error = blk_write(fm, nb, tab, tid, bigmask, avail, &nb->pend);
	if (error != 0) {
		hammer2_free(fm->vol, tab, FMAP_BYTES);
		return (error);
	}
	hammer2_free(fm->vol, nb->pendbuf, FMAP_BYTES);
	nb->pendbuf = tab;
	*out = nb->pend;
	return (0);
}

/* Lowest level whose distinct keys number at most the header's four. */
static int
fmap_depth(const struct hammer2_fmap *fm)
{
	uint64_t gb, last, groups;
	int level, shift;

	for (level = 1; level < HAMMER2_FMAP_LEVELS; level++) {
		shift = level_keybits(level) - HAMMER2_FMAP_GBRADIX;
		groups = 0;
		last = UINT64_MAX;
		for (gb = 0; hammer2_gbtab_next(&fm->leaves, &gb) != NULL;
		    gb++) {
			if ((gb >> shift) != last)
				groups++;
			last = gb >> shift;
		}
		if (groups <= HAMMER2_SET_COUNT)
			return (level);
	}
	return (HAMMER2_FMAP_LEVELS);
}

/* A leaf the flush writes: changed, or never written. */
static bool
leaf_needs_write(const struct hammer2_fmap_blk *l)
{
	return ((l->st.flags & HAMMER2_FMAPF_DIRTY) != 0 ||
	    l->st.bref.type == HAMMER2_BREF_TYPE_EMPTY);
}

/*
 * Phase one of a flush: write the changed leaves, then build the node
 * levels and the header's set.  Nothing in the fmap's committed state
 * changes here (only pend, pendbuf and transaction snapshots).
 */
static int
flush_write(struct hammer2_fmap *fm, uint64_t tid,
    struct hammer2_blockset *set)
{
	struct hammer2_fmap_blk *l;
	uint64_t gb, key, step;
	int depth, i, n = 0, error;

	for (gb = 0; (l = hammer2_gbtab_next(&fm->leaves, &gb)) != NULL;
	    gb++) {
		l->pend = l->st.bref;
		if (!leaf_needs_write(l))
			continue;
		error = hammer2_fmap_touch(fm, l);
		if (error == 0)
			error = blk_write(fm, l, &l->st.u, tid, l->st.bigmask,
			    l->st.avail, &l->pend);
		if (error != 0)
			return (error);
	}
	memset(set, 0, sizeof(*set));
	depth = fmap_depth(fm);
	if (depth == 1) {
		for (gb = 0; (l = hammer2_gbtab_next(&fm->leaves, &gb)) !=
		    NULL; gb++)
			set->blockref[n++] = l->pend;
		return (0);
	}
	step = 1ULL << level_keybits(depth);
	for (i = 0; i < HAMMER2_SET_COUNT; i++) {
		key = (uint64_t)i * step;
		if ((i > 0 && key == 0) || key >= fm->total)
			break;
		if (!leaves_in(fm, key >> HAMMER2_FMAP_GBRADIX,
		    (key >> HAMMER2_FMAP_GBRADIX) +
		    (step >> HAMMER2_FMAP_GBRADIX)))
			continue;
		error = node_flush(fm, depth, key, tid, &set->blockref[n++]);
		if (error != 0)
			return (error);
	}
	return (0);
}

int
hammer2_fmap_flush(struct hammer2_fmap *fm, uint64_t tid)
{
	struct hammer2_blockset set;
	struct hammer2_fmap_blk *b;
	uint64_t gb;
	int error;

	if (fm->vol->ops.write == NULL)
		return (EROFS);
	error = flush_write(fm, tid, &set);
	for (b = fm->nodes; b != NULL; b = b->next) {
		if (b->pendbuf == NULL)
			continue;
		if (error == 0) {
			memcpy(&b->st.u, b->pendbuf, FMAP_BYTES);
			b->st.bref = b->pend;
		}
		hammer2_free(fm->vol, b->pendbuf, FMAP_BYTES);
		b->pendbuf = NULL;
	}
	if (error != 0)
		return (error);
	for (gb = 0; (b = hammer2_gbtab_next(&fm->leaves, &gb)) != NULL;
	    gb++) {
		b->st.bref = b->pend;
		b->st.flags &= ~HAMMER2_FMAPF_DIRTY;
	}
	fm->vd->freemap_blockset = set;
	fm->vd->freemap_tid = tid;
	return (0);
}
