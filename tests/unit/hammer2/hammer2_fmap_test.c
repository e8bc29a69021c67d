/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_fmap_test.c - the writable freemap (fs/hammer2/hammer2_fmap.c
 * and hammer2_bulkfree.c) on sparse images made by the core's newfs and
 * on copies of the reference images written by DragonFly: placement
 * rules for every size and class, exhaustion, exact transaction undo,
 * rotation slots and node levels read back through a fresh open and
 * hammer2_freemap_walk, mount recovery, and bulkfree's two passes.
 * Images live in the build's hammer2-images directory; fmap-nodes.img
 * and fmap-bulkfree.img are left there for hammer2.fmap_fsck.
 *
 * Tests that need the reference images skip without them; the program
 * then runs the others and exits 77 (skipped) if they passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "h2test.h"
#include <fs/hammer2/hammer2_fmap.h>
#include <fs/hammer2/hammer2_newfs.h>

#define KB	1024ULL
#define MB	(1024 * KB)
#define GB	(1024 * MB)
#define FBLK	(16 * KB)
#define SEG	(4 * MB)
#define T_ROUNDUP(x, a)	(((x) + (a) - 1) / (a) * (a))

static const char *refdir;

static const int types[] = {
	HAMMER2_BREF_TYPE_INODE, HAMMER2_BREF_TYPE_INDIRECT,
	HAMMER2_BREF_TYPE_DATA, HAMMER2_BREF_TYPE_DIRENT,
};

static const char *images[] = {
	"basic-lz4-xxh64", "zlib-crc32c", "nocomp-nocheck", "big-xxh64",
	"snapshot-lz4-xxh64",
};

/* Writes the core issued through the io ops; fail_at > 0 fails one. */
static int nwrites, fail_at;

static int
count_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	if (++nwrites == fail_at)
		return (EIO);
	return (h2t_ops.write(ctx, off, buf, len));
}

/* A volume opened for writing: the fmap and the writer's header. */
struct tv {
	struct h2t_img			 img;
	struct hammer2_io_ops		 ops;
	struct hammer2_vol		*vol;
	struct hammer2_volume_data	*vd;
	struct hammer2_fmap		*fm;
	struct hammer2_newfs_layout	 lay;
	char				 path[1024];
};

static void
tv_attach(struct tv *t)
{
	struct hammer2_open_args args;

	t->ops = h2t_ops;
	t->ops.write = count_write;
	memset(&args, 0, sizeof(args));
	args.ops = &t->ops;
	args.ctx = &t->img;
	args.media_size = t->img.size;
	args.copy = HAMMER2_OPEN_COPY_BEST;
	assert_int_equal(hammer2_vol_open(&args, &t->vol), 0);
	t->vd = malloc(sizeof(*t->vd));
	assert_non_null(t->vd);
	memcpy(t->vd, hammer2_vol_header(t->vol, NULL), sizeof(*t->vd));
	assert_int_equal(hammer2_fmap_load(t->vol, t->vd, &t->fm), 0);
}

/* A fresh sparse image of size bytes, formatted, with its fmap. */
static void
tv_make(struct tv *t, const char *name, uint64_t size)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s/%s", H2T_WORKDIR, name);
	assert_int_equal(h2t_img_create(&t->img, t->path, size), 0);
	assert_int_equal(h2t_newfs(&t->img, &t->lay), 0);
	tv_attach(t);
}

static void
tv_open(struct tv *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "%s", path);
	assert_int_equal(h2t_img_open_rw(&t->img, t->path), 0);
	tv_attach(t);
}

static void
tv_close(struct tv *t, bool keep)
{
	hammer2_fmap_destroy(t->fm);
	hammer2_vol_close(t->vol);
	free(t->vd);
	assert_int_equal(t->img.live_allocs, 0);
	h2t_img_close(&t->img);
	if (!keep)
		unlink(t->path);
}

/* A sync: flush the freemap with tid, seal and write header copy 0. */
static void
tv_commit(struct tv *t, uint64_t tid)
{
	assert_int_equal(hammer2_fmap_flush(t->fm, tid), 0);
	t->vd->mirror_tid = tid;
	hammer2_volhdr_seal(t->vd);
	assert_int_equal(h2t_ops.write(&t->img, 0, t->vd, sizeof(*t->vd)),
	    0);
	assert_int_equal(h2t_ops.barrier(&t->img), 0);
}

static struct hammer2_fmap_blk *
t_leaf(struct hammer2_fmap *fm, uint64_t off)
{
	return (hammer2_gbtab_get(&fm->leaves, off >> 30));
}

static struct hammer2_bmap_data *
t_bmap(struct hammer2_fmap *fm, uint64_t off)
{
	struct hammer2_fmap_blk *l = t_leaf(fm, off);

	return (l != NULL ? &l->st.u.bmap[(off >> 22) & 255] : NULL);
}

/* State of the 16 KB block at off, -1 without a leaf. */
static int
t_pair(struct hammer2_fmap *fm, uint64_t off)
{
	struct hammer2_bmap_data *bm = t_bmap(fm, off);

	return (bm != NULL ? hammer2_bmap_state(bm, off % SEG) : -1);
}

struct cmp_ctx {
	struct hammer2_fmap	*fm;
	uint64_t		 n;
};

static int
cmp_leaf(void *arg, const struct hammer2_freemap_leaf *leaf)
{
	struct cmp_ctx *cc = arg;
	struct hammer2_fmap_blk *l = t_leaf(cc->fm, leaf->base);

	assert_int_equal(leaf->error, 0);
	assert_non_null(l);
	assert_memory_equal(leaf->bmap, l->st.u.bmap, 32768);
	assert_memory_equal(leaf->bref, &l->st.bref, 128);
	cc->n++;
	return (0);
}

/*
 * Open the image afresh and check that its selected header is the
 * writer's, and that the freemap it points at holds exactly the leaves
 * in memory.
 */
static void
tv_verify(struct tv *t)
{
	struct hammer2_vol *vol;
	struct cmp_ctx cc;

	assert_int_equal(h2t_vol_open(&t->img, &vol), 0);
	assert_memory_equal(hammer2_vol_header(vol, NULL), t->vd,
	    sizeof(*t->vd));
	cc.fm = t->fm;
	cc.n = 0;
	assert_int_equal(hammer2_freemap_walk(vol, cmp_leaf, &cc), 0);
	assert_int_equal(cc.n, t->fm->nleaves);
	hammer2_vol_close(vol);
}

/*
 * -------------------------------------------------------------------
 * Allocation records and the placement rules
 * -------------------------------------------------------------------
 */

struct ablk {
	uint64_t	off;
	uint64_t	size;
	int		type;
};

struct alist {
	struct ablk	*v;
	size_t		 n, cap;
};

static int
t_alloc(struct tv *t, struct alist *al, int type, uint64_t size)
{
	uint64_t data_off;
	int error;

	error = hammer2_fmap_alloc(t->fm, type, size, &data_off);
	if (error != 0)
		return (error);
	assert_int_equal(1ULL << (data_off & 63), size);
	if (al->n == al->cap) {
		al->cap = al->cap != 0 ? 2 * al->cap : 1024;
		al->v = realloc(al->v, al->cap * sizeof(*al->v));
	}
	al->v[al->n].off = data_off & ~63ULL;
	al->v[al->n].size = size;
	al->v[al->n].type = type;
	al->n++;
	return (0);
}

static int
ablk_cmp(const void *a, const void *b)
{
	const struct ablk *x = a, *y = b;

	return (x->off < y->off ? -1 : x->off > y->off);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Sort v[0..n) and count its distinct values; frees v. */
static uint64_t
t_distinct(uint64_t *v, uint64_t n)
{
	uint64_t i, k = 0;

	qsort(v, n, sizeof(*v), u64_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			k++;
	free(v);
	return (k);
}

/* Number of distinct 16 KB blocks under the records. */
static uint64_t
t_pairs(const struct alist *al)
{
	uint64_t *v, n = 0, b;
	size_t k;

	v = malloc((al->n * 4 + 1) * sizeof(*v));
	for (k = 0; k < al->n; k++)
		for (b = al->v[k].off / FBLK;
		    b * FBLK < al->v[k].off + al->v[k].size; b++)
			v[n++] = b;
	return (t_distinct(v, n));
}

/*
 * Every record obeys format 8.4: aligned, inside one 16 KB (small) or
 * one 64 KB, at or above allocator_beg, not in a reserved 4 MB, inside
 * the volume, allocated in the freemap, and overlapping nothing.
 */
static void
t_check_rules(struct tv *t, struct alist *al)
{
	struct ablk *a;
	size_t i;
	uint64_t b;

	qsort(al->v, al->n, sizeof(*al->v), ablk_cmp);
	for (i = 0; i < al->n; i++) {
		a = &al->v[i];
		if (a->size >= FBLK)
			assert_int_equal(a->off % a->size, 0);
		else
			assert_int_equal(a->off / FBLK,
			    (a->off + a->size - 1) / FBLK);
		assert_int_equal(a->off % KB, 0);
		assert_int_equal(a->off / (64 * KB),
		    (a->off + a->size - 1) / (64 * KB));
		assert_true(a->off >= t->vd->allocator_beg);
		assert_true(a->off % GB >= SEG);
		assert_true(a->off + a->size <= t->vd->volu_size);
		for (b = a->off & ~(FBLK - 1); b < a->off + a->size; b += FBLK)
			assert_int_equal(t_pair(t->fm, b),
			    HAMMER2_BMAP_ALLOCATED);
		if (i + 1 < al->n)
			assert_true(a->off + a->size <= al->v[i + 1].off);
	}
}

static uint16_t
t_class(int type)
{
	return ((uint16_t)((type << 8) | 16));
}

/* Allocations of every size by every class follow format 8.4. */
static void
allocations_of_every_size_and_class_follow_the_rules(void **state)
{
	struct tv t;
	struct alist al = { 0 };
	uint64_t free0, size;
	size_t i;
	int round, k;

	tv_make(&t, "fmap-place.img", 3 * GB);
	free0 = hammer2_fmap_avail(t.fm);
	assert_int_equal(free0, t.vd->allocator_free);
	for (round = 0; round < 40; round++)
		for (k = 0; k < 4; k++)
			for (size = KB; size <= 64 * KB; size *= 2)
				assert_int_equal(t_alloc(&t, &al, types[k],
				    size), 0);
	t_check_rules(&t, &al);
	/* Plenty of room: every block sits in a segment of its class. */
	for (i = 0; i < al.n; i++)
		assert_int_equal(t_bmap(t.fm, al.v[i].off)->class,
		    t_class(al.v[i].type));
	/* The free count moved by whole 16 KB units, one per block used. */
	assert_int_equal(free0 - hammer2_fmap_avail(t.fm),
	    t_pairs(&al) * FBLK);
	assert_int_equal(hammer2_fmap_avail(t.fm), t.vd->allocator_free);
	free(al.v);
	tv_close(&t, false);
}

/* Blocks under 16 KB fill a 16 KB block in order before taking another. */
static void
small_blocks_pack_linearly(void **state)
{
	struct tv t;
	struct alist al = { 0 };
	uint64_t free0, base;
	int i;

	tv_make(&t, "fmap-pack.img", 1 * GB);
	free0 = hammer2_fmap_avail(t.fm);
	for (i = 0; i < 16; i++) {
		assert_int_equal(t_alloc(&t, &al, HAMMER2_BREF_TYPE_INODE, KB),
		    0);
		/* A data block in between must not disturb the packing. */
		assert_int_equal(t_alloc(&t, &al, HAMMER2_BREF_TYPE_DATA,
		    64 * KB), 0);
	}
	base = al.v[0].off;
	assert_int_equal(base % FBLK, 0);
	assert_true(base >= T_ROUNDUP(t.vd->allocator_beg, SEG));
	for (i = 0; i < 16; i++)
		assert_int_equal(al.v[2 * i].off, base + (uint64_t)i * KB);
	assert_int_equal(free0 - hammer2_fmap_avail(t.fm),
	    FBLK + 16 * 64 * KB);
	/* The 17th inode needs a new 16 KB block. */
	assert_int_equal(t_alloc(&t, &al, HAMMER2_BREF_TYPE_INODE, KB), 0);
	assert_int_equal(al.v[al.n - 1].off, base + FBLK);
	/* Mixed sizes: 1 KB aligned only, never across 16 KB. */
	assert_int_equal(t_alloc(&t, &al, HAMMER2_BREF_TYPE_INODE, 8 * KB),
	    0);
	assert_int_equal(al.v[al.n - 1].off, base + FBLK + KB);
	assert_int_equal(t_alloc(&t, &al, HAMMER2_BREF_TYPE_INODE, 8 * KB),
	    0);
	assert_int_equal(al.v[al.n - 1].off, base + 2 * FBLK);
	assert_int_equal(t_alloc(&t, &al, HAMMER2_BREF_TYPE_INODE, 4 * KB),
	    0);
	assert_int_equal(al.v[al.n - 1].off, base + 2 * FBLK + 8 * KB);
	t_check_rules(&t, &al);
	free(al.v);
	tv_close(&t, false);
}

/* Sizes that are not a power of 2 in 1..64 KB, and non-block types. */
static void
allocations_reject_bad_sizes_and_types(void **state)
{
	static const size_t bad[] = { 0, 512, 1000, 3 * KB, 48 * KB,
	    128 * KB };
	struct tv t;
	uint64_t off, free0;
	size_t i;

	tv_make(&t, "fmap-bad.img", 1 * GB);
	free0 = hammer2_fmap_avail(t.fm);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hammer2_fmap_alloc(t.fm,
		    HAMMER2_BREF_TYPE_DATA, bad[i], &off), EINVAL);
	assert_int_equal(hammer2_fmap_alloc(t.fm, HAMMER2_BREF_TYPE_EMPTY,
	    KB, &off), EINVAL);
	assert_int_equal(hammer2_fmap_alloc(t.fm,
	    HAMMER2_BREF_TYPE_FREEMAP_LEAF, KB, &off), EINVAL);
	assert_int_equal(hammer2_fmap_avail(t.fm), free0);
	assert_int_equal(t.fm->nleaves, 0);
	/* Marks outside the volume or in a reserved segment. */
	assert_int_equal(hammer2_fmap_mark(t.fm, (1 * GB) | 16), EUCLEAN);
	assert_int_equal(hammer2_fmap_mark(t.fm, (2 * MB) | 16), 0);
	tv_close(&t, false);
}

/* Random allocations until even 1 KB fails leave a full, sane freemap. */
static void
a_full_volume_returns_enospc_and_stays_consistent(void **state)
{
	struct tv t;
	struct alist al = { 0 };
	struct hammer2_fmap_blk *l;
	uint64_t x = 88172645463325252ULL, free0, off;
	int failed = 0, type, i, j, mixed = 0, error;
	uint64_t size;

	/* Two leaves: GB 1 has a reserved segment and ends at 520 MB. */
	tv_make(&t, "fmap-full.img", 1 * GB + 520 * MB);
	free0 = hammer2_fmap_avail(t.fm);
	while (failed != 0xF) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		i = (int)(x % 4);
		type = types[i];
		size = KB << ((x >> 8) % 7);
		if (failed & (1 << i))
			size = KB;
		error = t_alloc(&t, &al, type, size);
		if (error == ENOSPC && size == KB)
			failed |= 1 << i;
		else
			assert_true(error == 0 || error == ENOSPC);
	}
	for (i = 0; i < 4; i++)
		for (size = KB; size <= 64 * KB; size *= 2)
			assert_int_equal(hammer2_fmap_alloc(t.fm, types[i],
			    size, &off), ENOSPC);
	t_check_rules(&t, &al);
	/* No free pair is left anywhere, and the count agrees. */
	assert_int_equal(t.fm->nleaves, 2);
	for (i = 0; i < 512; i++) {
		l = t_leaf(t.fm, (uint64_t)i / 256 * GB);
		for (j = 0; j < 256; j++)
			assert_int_equal(hammer2_bmap_state(
			    &l->st.u.bmap[i % 256], (uint32_t)j * FBLK),
			    HAMMER2_BMAP_ALLOCATED);
	}
	assert_int_equal(free0 - hammer2_fmap_avail(t.fm),
	    t_pairs(&al) * FBLK);
	/*
	 * What is left is what newfs counted free but a new leaf marks
	 * allocated: the rest of the 4 MB holding allocator_beg.
	 */
	assert_int_equal(hammer2_fmap_avail(t.fm),
	    T_ROUNDUP(t.vd->allocator_beg, SEG) - t.lay.aux_end);
	/* Running low, classes had to share segments. */
	for (i = 0; i < (int)al.n; i++)
		if (t_bmap(t.fm, al.v[i].off)->class != t_class(al.v[i].type))
			mixed++;
	assert_true(mixed > 0);
	free(al.v);
	tv_close(&t, false);
}

/*
 * -------------------------------------------------------------------
 * Transactions
 * -------------------------------------------------------------------
 */

struct fmsnap {
	struct hammer2_fmap_state	*st[3];		/* per GB, or NULL */
	struct hammer2_blockset		 set;
	uint64_t			 free, tid, nleaves;
};

static void
snap_take(struct tv *t, struct fmsnap *s)
{
	struct hammer2_fmap_blk *l;
	int g;

	for (g = 0; g < 3; g++) {
		l = t_leaf(t->fm, (uint64_t)g * GB);
		s->st[g] = NULL;
		if (l != NULL) {
			s->st[g] = malloc(sizeof(l->st));
			memcpy(s->st[g], &l->st, sizeof(l->st));
		}
	}
	s->set = t->vd->freemap_blockset;
	s->free = t->vd->allocator_free;
	s->tid = t->vd->freemap_tid;
	s->nleaves = t->fm->nleaves;
}

static void
snap_check_free(struct tv *t, struct fmsnap *s)
{
	struct hammer2_fmap_blk *l;
	int g;

	for (g = 0; g < 3; g++) {
		l = t_leaf(t->fm, (uint64_t)g * GB);
		if (s->st[g] == NULL) {
			assert_null(l);
			continue;
		}
		assert_non_null(l);
		assert_memory_equal(&l->st, s->st[g], sizeof(l->st));
		free(s->st[g]);
	}
	assert_memory_equal(&t->vd->freemap_blockset, &s->set,
	    sizeof(s->set));
	assert_int_equal(t->vd->allocator_free, s->free);
	assert_int_equal(t->vd->freemap_tid, s->tid);
	assert_int_equal(t->fm->nleaves, s->nleaves);
}

/* txn_abort gives back exactly the state at txn_begin, flush included. */
static void
txn_abort_restores_every_leaf_byte_for_byte(void **state)
{
	struct tv t;
	struct alist al = { 0 };
	struct fmsnap s;
	uint64_t off;
	int i;

	tv_make(&t, "fmap-txn.img", 3 * GB);
	for (i = 0; i < 20; i++)
		assert_int_equal(t_alloc(&t, &al, types[i % 4],
		    KB << (i % 7)), 0);
	tv_commit(&t, 17);
	assert_int_equal(t.fm->nleaves, 1);

	snap_take(&t, &s);
	hammer2_fmap_txn_begin(t.fm);
	for (i = 0; i < 300; i++)
		assert_int_equal(t_alloc(&t, &al, types[i % 4],
		    KB << (i % 7)), 0);
	/* New leaves inside the transaction, and a flush that writes. */
	assert_int_equal(hammer2_fmap_mark(t.fm, (1 * GB + 8 * MB) | 16), 0);
	assert_int_equal(hammer2_fmap_mark(t.fm, (2 * GB + 12 * MB) | 10), 0);
	assert_int_equal(t.fm->nleaves, 3);
	nwrites = 0;
	assert_int_equal(hammer2_fmap_flush(t.fm, 18), 0);
	assert_int_equal(nwrites, 3);
	for (i = 0; i < 100; i++)
		assert_int_equal(t_alloc(&t, &al, types[i % 4], 16 * KB), 0);
	hammer2_fmap_txn_abort(t.fm);
	snap_check_free(&t, &s);

	/* Nothing differs from what tid 17 wrote: the flush writes nothing. */
	nwrites = 0;
	assert_int_equal(hammer2_fmap_flush(t.fm, 18), 0);
	assert_int_equal(nwrites, 0);
	assert_int_equal(t.vd->freemap_blockset.blockref[0].data_off,
	    0x10000 | 15);

	/* A committed transaction keeps its changes; abort is then a no-op. */
	hammer2_fmap_txn_begin(t.fm);
	assert_int_equal(hammer2_fmap_alloc(t.fm, HAMMER2_BREF_TYPE_DATA,
	    64 * KB, &off), 0);
	hammer2_fmap_txn_commit(t.fm);
	hammer2_fmap_txn_abort(t.fm);
	assert_int_equal(t_pair(t.fm, off & ~63ULL), HAMMER2_BMAP_ALLOCATED);
	free(al.v);
	tv_close(&t, false);
}

/*
 * -------------------------------------------------------------------
 * Flush
 * -------------------------------------------------------------------
 */

/* The GB 0 leaf goes to 0x10000, 0x60000, ... and wraps after 8. */
static void
flush_rotates_the_leaf_through_eight_slots(void **state)
{
	struct tv t;
	struct hammer2_blockref *b;
	struct hammer2_fmap_blk *l;
	uint64_t off, npre = 0;
	int i, s;

	tv_make(&t, "fmap-rot.img", 2 * GB);
	b = &t.vd->freemap_blockset.blockref[0];
	nwrites = 0;
	assert_int_equal(hammer2_fmap_flush(t.fm, 17), 0);
	assert_int_equal(nwrites, 0);
	assert_int_equal(b->type, HAMMER2_BREF_TYPE_EMPTY);
	for (i = 0; i < 10; i++) {
		assert_int_equal(hammer2_fmap_alloc(t.fm,
		    HAMMER2_BREF_TYPE_DATA, 64 * KB, &off), 0);
		nwrites = 0;
		tv_commit(&t, 17 + (uint64_t)i);
		assert_int_equal(nwrites, 1);
		assert_int_equal(b->data_off,
		    (0x10000 + (uint64_t)(i % 8) * 5 * 0x10000) | 15);
		assert_int_equal(b->type, HAMMER2_BREF_TYPE_FREEMAP_LEAF);
		assert_int_equal(b->methods, 0x50);
		assert_int_equal(b->keybits, 30);
		assert_int_equal(b->key, 0);
		assert_int_equal(b->mirror_tid, 17 + (uint64_t)i);
		assert_int_equal(t.vd->freemap_tid, 17 + (uint64_t)i);
		tv_verify(&t);
	}
	/* Hints: the new-leaf avail and bigmask (format 8.1). */
	l = t_leaf(t.fm, 0);
	for (s = 0; s < 256; s++)
		if (l->st.u.bmap[s].linear == (int32_t)SEG &&
		    l->st.u.bmap[s].bitmapq[0] == ~0ULL)
			npre++;
	assert_int_equal(b->check.freemap.avail, GB - npre * SEG);
	assert_int_equal(b->check.freemap.bigmask, 0xFFFFFFFF);
	assert_int_equal(npre, T_ROUNDUP(t.vd->allocator_beg, SEG) / SEG);
	/* No change: nothing written, the bref stays as it was. */
	nwrites = 0;
	off = b->data_off;
	tv_commit(&t, 40);
	assert_int_equal(nwrites, 0);
	assert_int_equal(b->data_off, off);
	assert_int_equal(b->mirror_tid, 17 + 9);
	tv_verify(&t);
	tv_close(&t, false);
}

/* Offset of rotation r of a level-L block with key k (format 8.3). */
static uint64_t
t_slot(uint64_t k, int level, int r)
{
	return (k + (uint64_t)(1 + 5 * r + level - 1) * 0x10000);
}

/* Eight leaves in a 20 GB volume sit under one level-2 node. */
static void
a_sparse_20gb_volume_gets_level2_nodes(void **state)
{
	static const int gbs[] = { 1, 3, 5, 7, 9, 12, 19 };
	struct tv t;
	struct hammer2_blockref *b, old[8];
	struct hammer2_fmap_blk *l;
	uint64_t off;
	int i;

	tv_make(&t, "fmap-nodes.img", 20 * GB);
	assert_int_equal(hammer2_fmap_alloc(t.fm, HAMMER2_BREF_TYPE_INODE,
	    KB, &off), 0);
	for (i = 0; i < 7; i++)
		assert_int_equal(hammer2_fmap_mark(t.fm,
		    ((uint64_t)gbs[i] * GB + 8 * MB) | 16), 0);
	assert_int_equal(t.fm->nleaves, 8);
	nwrites = 0;
	tv_commit(&t, 17);
	assert_int_equal(nwrites, 9);		/* 8 leaves and the node */
	b = t.vd->freemap_blockset.blockref;
	assert_int_equal(b[0].type, HAMMER2_BREF_TYPE_FREEMAP_NODE);
	assert_int_equal(b[0].keybits, 38);
	assert_int_equal(b[0].key, 0);
	assert_int_equal(b[0].data_off, t_slot(0, 2, 0) | 15);
	assert_int_equal(b[1].type, HAMMER2_BREF_TYPE_EMPTY);
	tv_verify(&t);
	for (i = 0; i < 7; i++) {
		l = t_leaf(t.fm, (uint64_t)gbs[i] * GB);
		assert_int_equal(l->st.bref.data_off,
		    t_slot((uint64_t)gbs[i] * GB, 1, 0) | 15);
		old[i] = l->st.bref;
	}

	/* Change GB 5 only: its leaf and the node move, nothing else. */
	assert_int_equal(hammer2_fmap_mark(t.fm, (5 * GB + 20 * MB) | 14), 0);
	nwrites = 0;
	tv_commit(&t, 18);
	assert_int_equal(nwrites, 2);
	assert_int_equal(b[0].data_off, t_slot(0, 2, 1) | 15);
	assert_int_equal(b[0].mirror_tid, 18);
	for (i = 0; i < 7; i++) {
		l = t_leaf(t.fm, (uint64_t)gbs[i] * GB);
		if (gbs[i] == 5) {
			assert_int_equal(l->st.bref.data_off,
			    t_slot(5 * GB, 1, 1) | 15);
			assert_int_equal(l->st.bref.mirror_tid, 18);
		} else {
			assert_memory_equal(&l->st.bref, &old[i], 128);
		}
	}
	tv_verify(&t);
	tv_close(&t, true);
}

/*
 * A write failing half-way through a flush leaves the fmap and the
 * header as they were; the flush then simply runs again.
 */
static void
a_failed_flush_changes_nothing_and_can_be_repeated(void **state)
{
	struct tv t;
	struct hammer2_blockset set;
	struct hammer2_fmap_blk *l;
	struct hammer2_blockref old[10];
	uint64_t gb, off;
	int i, n;

	tv_make(&t, "fmap-fail.img", 10 * GB);
	for (i = 1; i < 10; i += 2)
		assert_int_equal(hammer2_fmap_mark(t.fm,
		    ((uint64_t)i * GB + 8 * MB) | 16), 0);
	tv_commit(&t, 17);
	for (i = 0; i < 10; i++)
		assert_int_equal(hammer2_fmap_mark(t.fm,
		    ((uint64_t)i * GB + 12 * MB) | 16), 0);
	assert_int_equal(hammer2_fmap_alloc(t.fm, HAMMER2_BREF_TYPE_DATA,
	    64 * KB, &off), 0);
	set = t.vd->freemap_blockset;
	assert_int_equal(t.fm->nleaves, 10);
	for (gb = 0, n = 0; (l = hammer2_gbtab_next(&t.fm->leaves, &gb)) !=
	    NULL; gb++)
		old[n++] = l->st.bref;
	for (fail_at = 1; fail_at <= 11; fail_at += 5) {	/* 11: the node */
		nwrites = 0;
		assert_int_equal(hammer2_fmap_flush(t.fm, 18), EIO);
		assert_memory_equal(&t.vd->freemap_blockset, &set,
		    sizeof(set));
		assert_int_equal(t.vd->freemap_tid, 17);
		for (gb = 0, i = 0; (l = hammer2_gbtab_next(&t.fm->leaves,
		    &gb)) != NULL; gb++, i++) {
			assert_memory_equal(&l->st.bref, &old[i], 128);
			assert_true(l->st.flags & HAMMER2_FMAPF_DIRTY);
		}
		for (l = t.fm->nodes; l != NULL; l = l->next)
			assert_null(l->pendbuf);
	}
	fail_at = 0;
	nwrites = 0;
	tv_commit(&t, 18);
	assert_int_equal(nwrites, 10 + 1);	/* every leaf, the node */
	tv_verify(&t);
	tv_close(&t, false);
}

/* Leaves in seven 256 GB ranges of 5 TB need a level-3 node. */
static void
a_5tb_volume_gets_level3_nodes(void **state)
{
	static const uint64_t gbs[] = { 1, 300, 600, 900, 1200, 4500, 5000 };
	struct tv t;
	struct hammer2_blockref *b;
	int i;

	tv_make(&t, "fmap-5tb.img", 5 * 1024 * GB);
	for (i = 0; i < 7; i++)
		assert_int_equal(hammer2_fmap_mark(t.fm,
		    (gbs[i] * GB + 8 * MB) | 16), 0);
	tv_commit(&t, 17);
	b = t.vd->freemap_blockset.blockref;
	assert_int_equal(b[0].type, HAMMER2_BREF_TYPE_FREEMAP_NODE);
	assert_int_equal(b[0].keybits, 46);
	assert_int_equal(b[0].data_off, t_slot(0, 3, 0) | 15);
	assert_int_equal(b[1].type, HAMMER2_BREF_TYPE_EMPTY);
	tv_verify(&t);

	/* A reload reads the three levels back and changes nothing. */
	hammer2_fmap_destroy(t.fm);
	assert_int_equal(hammer2_fmap_load(t.vol, t.vd, &t.fm), 0);
	assert_int_equal(t.fm->nleaves, 7);
	nwrites = 0;
	assert_int_equal(hammer2_fmap_flush(t.fm, 18), 0);
	assert_int_equal(nwrites, 0);
	tv_close(&t, false);
}

/*
 * -------------------------------------------------------------------
 * Recovery and bulkfree on the reference images
 * -------------------------------------------------------------------
 */

struct ref {
	uint64_t	data_off;
	uint64_t	mirror_tid;
	int		type;
	int		depth;
};

struct reflist {
	struct ref	*v;
	size_t		 n, cap;
};

static int
ref_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct reflist *rl = arg;
	struct ref *r;

	assert_int_equal(e->error, 0);
	if ((e->bref->data_off & 63) == 0)
		return (0);
	if (rl->n == rl->cap) {
		rl->cap = rl->cap != 0 ? 2 * rl->cap : 4096;
		rl->v = realloc(rl->v, rl->cap * sizeof(*rl->v));
	}
	r = &rl->v[rl->n++];
	r->data_off = e->bref->data_off;
	r->mirror_tid = e->bref->mirror_tid;
	r->type = e->bref->type;
	r->depth = e->depth;
	return (0);
}

/* Every block the topology of vd references. */
static void
t_refs(struct hammer2_vol *vol, const struct hammer2_volume_data *vd,
    struct reflist *rl)
{
	memset(rl, 0, sizeof(*rl));
	assert_int_equal(hammer2_walk(vol, vd->sroot_blockset.blockref, 4, 0,
	    ref_cb, rl), 0);
	assert_true(rl->n > 10);
}

/*
 * Each referenced block at or above allocator_beg is allocated in fm.
 * Returns how many distinct 16 KB blocks lie at or above lo.
 */
static uint64_t
t_check_refs(struct hammer2_fmap *fm, const struct reflist *rl,
    uint64_t beg, uint64_t lo)
{
	uint64_t *v, off, b, n = 0;
	size_t j;

	v = malloc(rl->n * 4 * sizeof(*v));
	for (j = 0; j < rl->n; j++) {
		off = rl->v[j].data_off & ~63ULL;
		if (off < beg)
			continue;
		for (b = off & ~(FBLK - 1);
		    b < off + (1ULL << (rl->v[j].data_off & 63)); b += FBLK) {
			assert_int_equal(t_pair(fm, b),
			    HAMMER2_BMAP_ALLOCATED);
			if (b >= lo)
				v[n++] = b;
		}
	}
	return (t_distinct(v, n));
}

/*
 * Does a block referenced with mirror_tid above tid share the 16 KB
 * block holding off?
 */
static bool
t_ref16k(const struct reflist *rl, uint64_t off, uint64_t tid)
{
	uint64_t o;
	size_t j;

	for (j = 0; j < rl->n; j++) {
		o = rl->v[j].data_off & ~63ULL;
		if (rl->v[j].mirror_tid > tid && o / FBLK <= off / FBLK &&
		    (o + (1ULL << (rl->v[j].data_off & 63)) - 1) / FBLK >=
		    off / FBLK)
			return (true);
	}
	return (false);
}

/*
 * Recovery from freemap_tid X, a TID some dynamic blocks carry (not the
 * newest): blocks written after X are marked, blocks of X and older are
 * not (unless a newer one shares their 16 KB).  Returns 0 when the
 * image has no such X, 1 when it checked.
 */
static int
t_recover_newer_only(struct hammer2_vol *vol, struct hammer2_volume_data *vd,
    const struct reflist *rl)
{
	struct hammer2_fmap *fm;
	uint64_t x = 0, hi = 0, lo, off;
	size_t j;
	int unmarked = 0;

	lo = T_ROUNDUP(vd->allocator_beg, SEG);
	for (j = 0; j < rl->n; j++)
		if (rl->v[j].mirror_tid > hi)
			hi = rl->v[j].mirror_tid;
	for (j = 0; j < rl->n; j++)
		if ((rl->v[j].data_off & ~63ULL) >= lo &&
		    rl->v[j].mirror_tid < hi && rl->v[j].mirror_tid > x)
			x = rl->v[j].mirror_tid;
	if (x == 0)
		return (0);
	memset(&vd->freemap_blockset, 0, sizeof(vd->freemap_blockset));
	vd->freemap_tid = x;
	assert_int_equal(hammer2_fmap_load(vol, vd, &fm), 0);
	assert_int_equal(hammer2_fmap_recover(fm, vol), 0);
	for (j = 0; j < rl->n; j++) {
		off = rl->v[j].data_off & ~63ULL;
		if (off < lo)
			continue;
		if (rl->v[j].mirror_tid > x) {
			assert_int_equal(t_pair(fm, off),
			    HAMMER2_BMAP_ALLOCATED);
		} else if (!t_ref16k(rl, off, x)) {
			assert_true(t_pair(fm, off) == HAMMER2_BMAP_FREE ||
			    t_pair(fm, off) == -1);
			unmarked++;
		}
	}
	assert_true(unmarked > 0);
	hammer2_fmap_destroy(fm);
	return (1);
}

/* Recovery leaves DragonFly's freemaps alone and rebuilds an empty one. */
static void
recover_marks_every_referenced_block(void **state)
{
	struct h2t_img img;
	struct hammer2_vol *vol;
	struct hammer2_volume_data *vd;
	struct hammer2_fmap *fm;
	struct hammer2_fmap_blk *l;
	struct reflist rl;
	uint64_t gb, free0, n;
	size_t i;
	char *path;
	int ncase3 = 0;

	if (refdir == NULL)
		skip();
	vd = malloc(sizeof(*vd));
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		path = h2t_unpack(refdir, images[i]);
		assert_non_null(path);
		assert_int_equal(h2t_img_open(&img, path), 0);
		assert_int_equal(h2t_vol_open(&img, &vol), 0);
		memcpy(vd, hammer2_vol_header(vol, NULL), sizeof(*vd));
		t_refs(vol, vd, &rl);

		/* As written by DragonFly: already complete. */
		assert_int_equal(hammer2_fmap_load(vol, vd, &fm), 0);
		assert_true(fm->nleaves > 0);
		assert_int_equal(hammer2_fmap_recover(fm, vol), 0);
		for (gb = 0; (l = hammer2_gbtab_next(&fm->leaves, &gb)) !=
		    NULL; gb++)
			assert_int_equal(l->st.flags, 0);
		t_check_refs(fm, &rl, vd->allocator_beg, 0);
		hammer2_fmap_destroy(fm);

		/* With the freemap forgotten: recovery marks everything. */
		memset(&vd->freemap_blockset, 0, sizeof(vd->freemap_blockset));
		vd->freemap_tid = 0;
		assert_int_equal(hammer2_fmap_load(vol, vd, &fm), 0);
		assert_int_equal(fm->nleaves, 0);
		free0 = hammer2_fmap_avail(fm);
		assert_int_equal(hammer2_fmap_recover(fm, vol), 0);
		n = t_check_refs(fm, &rl, vd->allocator_beg,
		    T_ROUNDUP(vd->allocator_beg, SEG));
		assert_int_equal(free0 - hammer2_fmap_avail(fm), n * FBLK);
		hammer2_fmap_destroy(fm);

		ncase3 += t_recover_newer_only(vol, vd, &rl);

		free(rl.v);
		hammer2_vol_close(vol);
		assert_int_equal(img.live_allocs, 0);
		assert_int_equal(img.nreports, 0);
		h2t_img_close(&img);
		free(path);
	}
	free(vd);
	assert_true(ncase3 > 0);
}

/* How many distinct 16 KB blocks of al also hold a referenced block. */
static uint64_t
t_shared(const struct alist *al, const struct reflist *rl)
{
	uint64_t *v, n = 0;
	size_t j;

	v = malloc((al->n + 1) * sizeof(*v));
	for (j = 0; j < al->n; j++)
		if (al->v[j].size < FBLK && t_ref16k(rl, al->v[j].off, 0))
			v[n++] = al->v[j].off / FBLK;
	return (t_distinct(v, n));
}

static void
t_bulkfree(struct tv *t, struct hammer2_bulkfree_stats *st)
{
	assert_int_equal(hammer2_fmap_bulkfree(t->fm, t->vol, st), 0);
	assert_true(st->scanned > 10);
	assert_int_equal(st->bad, 0);
	assert_int_equal(st->conflicts, 0);
}

/*
 * With a referenced inode unreadable, a pass stages what it cannot see
 * but frees nothing; the staged blocks of al stay staged.  The inode is
 * put back afterwards.
 */
static void
t_pass_with_a_bad_block_frees_nothing(struct tv *t, const struct reflist *rl,
    const struct alist *al)
{
	struct hammer2_bulkfree_stats st;
	uint8_t save[1024], junk[1024];
	uint64_t off = 0;
	size_t j;

	for (j = 0; j < rl->n && off == 0; j++)
		if (rl->v[j].type == HAMMER2_BREF_TYPE_INODE &&
		    rl->v[j].depth >= 2 &&
		    (rl->v[j].data_off & ~63ULL) >= t->vd->allocator_beg)
			off = rl->v[j].data_off & ~63ULL;
	assert_true(off != 0);
	h2t_pread(&t->img, off, save, sizeof(save));
	memset(junk, 0x5A, sizeof(junk));
	assert_int_equal(h2t_ops.write(&t->img, off, junk, sizeof(junk)), 0);
	assert_int_equal(hammer2_fmap_bulkfree(t->fm, t->vol, &st), 0);
	assert_true(st.bad >= 1);
	assert_int_equal(st.freed, 0);
	for (j = 0; j < al->n; j++)
		if (!t_ref16k(rl, al->v[j].off, 0))
			assert_int_equal(t_pair(t->fm, al->v[j].off),
			    HAMMER2_BMAP_STAGED);
	assert_int_equal(h2t_ops.write(&t->img, off, save, sizeof(save)), 0);
}

/* Unreferenced blocks go 11 -> 10 -> 00; referenced ones stay 11. */
static void
bulkfree_frees_only_unreferenced_blocks_in_two_passes(void **state)
{
	struct hammer2_bulkfree_stats a, b, c, d;
	struct tv t;
	struct alist al = { 0 };
	struct reflist rl;
	struct hammer2_bmap_data *bm;
	uint64_t free1, p, off;
	size_t i;
	char dst[1024], *path;
	int k;

	if (refdir == NULL)
		skip();
	path = h2t_unpack(refdir, "basic-lz4-xxh64");
	assert_non_null(path);
	snprintf(dst, sizeof(dst), "%s/fmap-bulkfree.img", H2T_WORKDIR);
	assert_int_equal(h2t_copy_sparse(path, dst), 0);
	free(path);
	tv_open(&t, dst);
	t_refs(t.vol, t.vd, &rl);

	/* Two passes over the image as it is: leaks go, nothing else. */
	t_bulkfree(&t, &a);
	t_check_refs(t.fm, &rl, t.vd->allocator_beg, 0);
	t_bulkfree(&t, &b);
	t_check_refs(t.fm, &rl, t.vd->allocator_beg, 0);
	assert_int_equal(b.staged, 0);
	assert_int_equal(b.freed, a.staged);
	/* Below allocator_beg everything stays allocated. */
	for (off = 0; off + FBLK <= t.vd->allocator_beg; off += FBLK)
		assert_int_equal(t_pair(t.fm, off), HAMMER2_BMAP_ALLOCATED);
	tv_commit(&t, t.vd->mirror_tid + 1);
	tv_verify(&t);

	/*
	 * Blocks allocated and flushed but never referenced.  A small one
	 * may pack into a 16 KB block a live block holds: that block stays
	 * allocated, the others are staged, then freed.
	 */
	free1 = hammer2_fmap_avail(t.fm);
	for (k = 0; k < 16; k++)
		assert_int_equal(t_alloc(&t, &al, types[k % 4],
		    KB << (k % 7)), 0);
	p = t_pairs(&al) - t_shared(&al, &rl);
	assert_true(p >= 12);
	assert_int_equal(free1 - hammer2_fmap_avail(t.fm), p * FBLK);
	tv_commit(&t, t.vd->mirror_tid + 1);

	t_bulkfree(&t, &c);
	assert_int_equal(c.staged, p);
	assert_int_equal(c.freed, 0);
	for (i = 0; i < al.n; i++)
		assert_int_equal(t_pair(t.fm, al.v[i].off),
		    t_ref16k(&rl, al.v[i].off, 0) ? HAMMER2_BMAP_ALLOCATED :
		    HAMMER2_BMAP_STAGED);
	t_check_refs(t.fm, &rl, t.vd->allocator_beg, 0);
	t_pass_with_a_bad_block_frees_nothing(&t, &rl, &al);
	/* A leaf bulkfree changes gets its bigmask back (format 8.6). */
	t_leaf(t.fm, al.v[0].off)->st.bigmask = 0x3FF;
	t_bulkfree(&t, &d);
	assert_int_equal(t_leaf(t.fm, al.v[0].off)->st.bigmask, 0xFFFFFFFF);
	assert_int_equal(d.staged, 0);
	assert_int_equal(d.freed, p);
	for (i = 0; i < al.n; i++)
		assert_int_equal(t_pair(t.fm, al.v[i].off),
		    t_ref16k(&rl, al.v[i].off, 0) ? HAMMER2_BMAP_ALLOCATED :
		    HAMMER2_BMAP_FREE);
	t_check_refs(t.fm, &rl, t.vd->allocator_beg, 0);
	assert_int_equal(hammer2_fmap_avail(t.fm), free1);
	tv_commit(&t, t.vd->mirror_tid + 1);
	tv_verify(&t);

	/* A referenced block the freemap calls free is a conflict, fixed. */
	for (i = 0; i < rl.n; i++)
		if ((rl.v[i].data_off & ~63ULL) >=
		    T_ROUNDUP(t.vd->allocator_beg, SEG))
			break;
	assert_true(i < rl.n);
	off = rl.v[i].data_off & ~63ULL;
	bm = t_bmap(t.fm, off);
	hammer2_bmap_set_pair(bm, (unsigned int)(off % SEG / FBLK),
	    HAMMER2_BMAP_FREE);
	bm->avail += FBLK;
	t.vd->allocator_free += FBLK;
	assert_int_equal(hammer2_fmap_bulkfree(t.fm, t.vol, &a), 0);
	assert_int_equal(a.conflicts, 1);
	assert_int_equal(t_pair(t.fm, off), HAMMER2_BMAP_ALLOCATED);
	assert_int_equal(hammer2_fmap_avail(t.fm), free1);
	tv_commit(&t, t.vd->mirror_tid + 1);
	tv_verify(&t);

	free(rl.v);
	free(al.v);
	tv_close(&t, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    allocations_of_every_size_and_class_follow_the_rules),
		cmocka_unit_test(small_blocks_pack_linearly),
		cmocka_unit_test(allocations_reject_bad_sizes_and_types),
		cmocka_unit_test(
		    a_full_volume_returns_enospc_and_stays_consistent),
		cmocka_unit_test(txn_abort_restores_every_leaf_byte_for_byte),
		cmocka_unit_test(flush_rotates_the_leaf_through_eight_slots),
		cmocka_unit_test(a_sparse_20gb_volume_gets_level2_nodes),
		cmocka_unit_test(
		    a_failed_flush_changes_nothing_and_can_be_repeated),
		cmocka_unit_test(a_5tb_volume_gets_level3_nodes),
		cmocka_unit_test(recover_marks_every_referenced_block),
		cmocka_unit_test(
		    bulkfree_frees_only_unreferenced_blocks_in_two_passes),
	};
	int rc;

	mkdir(H2T_WORKDIR, 0755);
	refdir = h2t_refdir();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc == 0 && refdir == NULL)
		return (77);
	return (rc);
}
