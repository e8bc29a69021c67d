/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_fuzz.c - a structure-aware fuzz target for the image reader.
 * The metadata and data blocks reachable in basic-lz4-xxh64 (about 3 MB
 * of the 2 GB image) are held in memory; each input is a list of edits
 * to those blocks, optionally followed by a "reseal" that recomputes
 * every check code up to the volume header so the damage reaches the
 * structure checks.  The reader then mounts every PFS, walks the tree,
 * reads files and links, and runs the blockref and freemap walkers.
 * Any crash, sanitizer report, leak or error outside the documented set
 * is a failure.
 *
 * Built as a libFuzzer target when the build uses clang with
 * -fsanitize=fuzzer-no-link (H2_LIBFUZZER); otherwise a small main()
 * replays a fixed number of pseudo-random inputs as an ordinary test.
 *
 * Input: byte 0 = flags (bit 0: reseal), then records
 *   [u16 block index][u16 offset in block][u8 length][length bytes].
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2test.h"
#include <fs/hammer2/hammer2_private.h>

struct fblock {
	uint64_t	 off;
	uint32_t	 len;
	uint8_t		*data;		/* live, possibly edited */
	uint8_t		*orig;		/* pristine copy */
	int		 dirty;
	int		 parent;	/* index of the block holding the */
	uint32_t	 bref_at;	/* ... bref, -1 = header, at offset */
};

static struct fblock *B;
static int NB;
static long live_allocs;
static int ready;

static int
fblock_cmp(const void *a, const void *b)
{
	const struct fblock *x = a, *y = b;

	return (x->off < y->off ? -1 : x->off > y->off);
}

/* The block holding [off, off + len), or NULL. */
static struct fblock *
fblock_find(uint64_t off, size_t len)
{
	int lo = 0, hi = NB - 1, mid;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		if (B[mid].off + B[mid].len <= off)
			lo = mid + 1;
		else if (B[mid].off > off)
			hi = mid - 1;
		else
			return (off + len <= B[mid].off + B[mid].len ?
			    &B[mid] : NULL);
	}
	return (NULL);
}

/* The block starting exactly at off (B sorted by offset). */
static struct fblock *
fblock_at(uint64_t off)
{
	struct fblock key, *b;

	key.off = off;
	b = bsearch(&key, B, NB, sizeof(*B), fblock_cmp);
	if (b == NULL)
		abort();
	return (b);
}

static int
f_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fblock *b = fblock_find(off, len);

	if (off > (2ULL << 30) || len > (2ULL << 30) - off)
		return (EIO);
	if (b == NULL)
		memset(buf, 0, len);
	else
		memcpy(buf, b->data + (off - b->off), len);
	return (0);
}

static void *
f_alloc(void *ctx, size_t len)
{
	live_allocs++;
	return (malloc(len));
}

static void
f_free(void *ctx, void *p, size_t len)
{
	live_allocs--;
	free(p);
}

static const struct hammer2_io_ops f_ops = {
	.read = f_read,
	.alloc = f_alloc,
	.free = f_free,
};

/* Load the header and every reachable block of the reference image. */
static void
fuzz_init(void)
{
	struct h2t_img img;
	struct h2t_map map;
	const char *ref;
	char *path;
	int i, j;

	ref = h2t_refdir();
	path = ref != NULL ? h2t_unpack(ref, "basic-lz4-xxh64") : NULL;
	if (path == NULL || h2t_img_open(&img, path) != 0 ||
	    h2t_map_build(&img, &map, NULL, NULL) != 0) {
		fprintf(stderr, "hammer2_fuzz: no reference image\n");
		exit(77);
	}
	B = calloc(map.n + 1, sizeof(*B));
	B[NB++].off = 0;		/* the volume header */
	for (i = 0; i < (int)map.n; i++)
		B[NB++].off = map.v[i].blk;
	qsort(B, NB, sizeof(*B), fblock_cmp);
	for (i = 1, j = 1; i < NB; i++)	/* shared blocks appear twice */
		if (B[i].off != B[j - 1].off)
			B[j++] = B[i];
	NB = j;
	B[0].len = HAMMER2_VOLUME_BYTES;
	/* Sizes and parents, from each block's bref. */
	for (i = 0; i < (int)map.n; i++) {
		struct hammer2_blockref bref;
		struct fblock *b = NULL, *p;

		h2t_pread(&img, map.v[i].bref_at, &bref, sizeof(bref));
		b = fblock_at(map.v[i].blk);
		b->len = (uint32_t)hammer2_bref_bytes(&bref);
		p = map.v[i].parent == H2T_NONE ? &B[0] :
		    fblock_at(map.v[i].parent);
		b->parent = (int)(p - B);
		b->bref_at = (uint32_t)(map.v[i].bref_at - p->off);
	}
	B[0].parent = -1;
	for (i = 0; i < NB; i++) {
		B[i].data = malloc(B[i].len);
		B[i].orig = malloc(B[i].len);
		h2t_pread(&img, B[i].off, B[i].data, B[i].len);
		memcpy(B[i].orig, B[i].data, B[i].len);
	}
	h2t_map_free(&map);
	h2t_img_close(&img);
	free(path);
	ready = 1;
}

/* Recompute check codes from block i up to the header CRCs. */
static void
fuzz_reseal(int i)
{
	struct hammer2_blockref *bref;
	struct hammer2_volume_data *vd;
	struct fblock *p;

	while (i > 0) {
		p = &B[B[i].parent];
		bref = (struct hammer2_blockref *)(p->data + B[i].bref_at);
		hammer2_check_compute(bref, B[i].data, B[i].len);
		p->dirty = 1;
		i = B[i].parent;
	}
	vd = (struct hammer2_volume_data *)B[0].data;
	hammer2_volhdr_seal(vd);
	B[0].dirty = 1;
}

static int
ok_error(int e)
{
	return (e == 0 || e == EIO || e == EUCLEAN || e == ENOENT ||
	    e == ENOTDIR || e == EISDIR || e == EINVAL || e == ENAMETOOLONG ||
	    e == ELOOP || e == ENOTSUP);
}

#define CHECK(e)	do { if (!ok_error(e)) abort(); } while (0)

struct tour {
	uint64_t	inums[32];
	int		n;
	int		budget;
};

static int
tour_ent(void *arg, const struct hammer2_dirent *de)
{
	struct tour *t = arg;

	if (de->namlen == 0 || de->namlen > 255 || de->name == NULL)
		abort();
	if (de->cookie > 1 && t->n < 32)
		t->inums[t->n++] = de->inum;
	return (0);
}

static void
tour(struct hammer2_pfs *pfs, const struct hammer2_inode *dip, int depth,
    int *budget)
{
	static uint8_t buf[70000];
	struct hammer2_inode ip;
	struct tour t;
	size_t n;
	int i, e;

	memset(&t, 0, sizeof(t));
	CHECK(hammer2_readdir(dip, 0, tour_ent, &t));
	for (i = 0; i < t.n && depth < 32 && (*budget)-- > 0; i++) {
		e = hammer2_inode_get(pfs, t.inums[i], &ip);
		CHECK(e);
		if (e != 0)
			continue;
		switch (ip.data.meta.type) {
		case HAMMER2_OBJTYPE_DIRECTORY:
			tour(pfs, &ip, depth + 1, budget);
			break;
		case HAMMER2_OBJTYPE_SOFTLINK:
			CHECK(hammer2_readlink(&ip, (char *)buf, 1024, &n));
			break;
		default:
			e = hammer2_read(&ip, 0, buf, sizeof(buf), &n);
			CHECK(e);
			if (e == 0 && n > sizeof(buf))
				abort();
			break;
		}
	}
}

static int
walk_cb(void *arg, const struct hammer2_walk_ent *ent)
{
	CHECK(ent->error);
	return (0);
}

static int
leaf_cb(void *arg, const struct hammer2_freemap_leaf *leaf)
{
	CHECK(leaf->error);
	return (0);
}

static int
pfs_cb(void *arg, const struct hammer2_pfs_info *info)
{
	CHECK(info->error);
	return (0);
}

static void
exercise(void)
{
	struct hammer2_open_args args;
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode root, ip;
	const struct hammer2_volume_data *vd;
	const char *labels[] = { "DATA", "LOCAL" };
	int i, e, budget;

	memset(&args, 0, sizeof(args));
	args.ops = &f_ops;
	args.media_size = 2ULL << 30;
	args.copy = HAMMER2_OPEN_COPY_BEST;
	args.cache_blocks = 8;
	e = hammer2_vol_open(&args, &vol);
	CHECK(e);
	if (e != 0)
		return;
	CHECK(hammer2_pfs_list(vol, pfs_cb, NULL));
	for (i = 0; i < 2; i++) {
		e = hammer2_pfs_mount(vol, labels[i], &pfs);
		CHECK(e);
		if (e != 0)
			continue;
		hammer2_pfs_root(pfs, &root);
		budget = 40;
		tour(pfs, &root, 0, &budget);
		CHECK(hammer2_lookup_path(pfs, "rel_link/x",
		    HAMMER2_LOOKUP_FOLLOW, &ip));
		hammer2_pfs_unmount(pfs);
	}
	vd = hammer2_vol_header(vol, NULL);
	CHECK(hammer2_walk(vol, vd->sroot_blockset.blockref, 4,
	    HAMMER2_WALK_SORTED, walk_cb, NULL));
	CHECK(hammer2_freemap_walk(vol, leaf_cb, NULL));
	hammer2_vol_close(vol);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t p = 1;
	int i, idx;
	uint32_t off, len;

	if (!ready)
		fuzz_init();
	if (size < 1)
		return (0);
	while (p + 5 <= size) {
		idx = (data[p] | data[p + 1] << 8) % NB;
		off = (uint32_t)(data[p + 2] | data[p + 3] << 8) % B[idx].len;
		len = data[p + 4];
		p += 5;
		if (len > size - p)
			len = (uint32_t)(size - p);
		if (len > B[idx].len - off)
			len = B[idx].len - off;
		memcpy(B[idx].data + off, data + p, len);
		p += len;
		B[idx].dirty = 1;
		if (data[0] & 1)
			fuzz_reseal(idx);
	}
	exercise();
	if (live_allocs != 0)
		abort();
	for (i = 0; i < NB; i++) {
		if (B[i].dirty) {
			memcpy(B[i].data, B[i].orig, B[i].len);
			B[i].dirty = 0;
		}
	}
	return (0);
}

#ifndef H2_LIBFUZZER
/*
 * Replay mode: pseudo-random inputs (a fixed seed, so failures repeat),
 * each a few small edits, resealed or not.
 */
int
main(int argc, char **argv)
{
	uint8_t in[64];
	unsigned seed = 12345;
	int iters = argc > 1 ? atoi(argv[1]) : 300;
	int i, j, nrec;
	size_t p;

	for (i = 0; i < iters; i++) {
		in[0] = (uint8_t)(rand_r(&seed) & 1);
		p = 1;
		nrec = 1 + rand_r(&seed) % 3;
		for (j = 0; j < nrec; j++) {
			int len = 1 + rand_r(&seed) % 8;
			int k;

			for (k = 0; k < 4; k++)
				in[p + k] = (uint8_t)rand_r(&seed);
			in[p + 4] = (uint8_t)len;
			p += 5;
			for (k = 0; k < len; k++)
				in[p + k] = (uint8_t)rand_r(&seed);
			p += (size_t)len;
		}
		LLVMFuzzerTestOneInput(in, p);
	}
	printf("hammer2_fuzz: %d inputs over %d blocks, no failure\n", iters,
	    NB);
	return (0);
}
#endif
