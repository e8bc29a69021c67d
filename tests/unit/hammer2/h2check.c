/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2check.c - read-back checks for the HAMMER2 tests that write images
 * (h2check.h): whole-image verification, the copy-on-write guard on
 * h2t_ops writes, PFS trees read back and compared, and the table
 * rules of format 4.1-4.3.  All of it reads through the read-only API
 * and asserts with CMocka.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "h2check.h"

#define KB	1024ULL
#define MB	(1024 * KB)
#define LBLK	(64 * KB)

/*
 * -------------------------------------------------------------------
 * Whole-image checks
 * -------------------------------------------------------------------
 */

struct vfy {
	uint64_t	n;
	uint64_t	bad;
};

static int
verify_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct vfy *v = arg;

	v->n++;
	if (e->error != 0) {
		v->bad++;
		fprintf(stderr, "block 0x%llx (type %d) fails: error %d\n",
		    (unsigned long long)hammer2_bref_offset(e->bref),
		    e->bref->type, e->error);
	}
	return (HAMMER2_WALK_CONTINUE);
}

/* The freemap's leaves, by GB, and what the topology needs of them. */
#define FMC_GBS	8

struct fmcov {
	struct hammer2_bmap_data *leaf[FMC_GBS];	/* [256] or NULL */
	uint64_t	 beg;		/* allocator_beg */
	uint64_t	 checked;	/* 16 KB blocks looked at */
	uint64_t	 bad;
};

static int
fmcov_leaf(void *arg, const struct hammer2_freemap_leaf *l)
{
	struct fmcov *fc = arg;
	uint64_t gb = l->base >> 30;

	assert_int_equal(l->error, 0);
	assert_true(gb < FMC_GBS);
	fc->leaf[gb] = malloc(256 * sizeof(*l->bmap));
	memcpy(fc->leaf[gb], l->bmap, 256 * sizeof(*l->bmap));
	return (0);
}

static int
fmcov_ref(void *arg, const struct hammer2_walk_ent *e)
{
	struct fmcov *fc = arg;
	uint64_t off = hammer2_bref_offset(e->bref), b, end;
	struct hammer2_bmap_data *l;

	if (hammer2_bref_radix(e->bref) == 0 || off < fc->beg)
		return (HAMMER2_WALK_CONTINUE);
	end = off + hammer2_bref_bytes(e->bref);
	for (b = off & ~(16 * KB - 1); b < end; b += 16 * KB) {
		fc->checked++;
		l = (b >> 30) < FMC_GBS ? fc->leaf[b >> 30] : NULL;
		if (l == NULL || hammer2_bmap_state(&l[(b >> 22) & 255],
		    (uint32_t)(b & (4 * MB - 1))) != HAMMER2_BMAP_ALLOCATED) {
			fprintf(stderr, "block 0x%llx (type %d) is in use "
			    "but free in the freemap\n",
			    (unsigned long long)off, e->bref->type);
			fc->bad++;
		}
	}
	return (HAMMER2_WALK_CONTINUE);
}

/*
 * Every block of the topology (data too) and of the freemap verifies,
 * and every block the topology uses is allocated in the freemap.
 */
void
h2t_verify_all(struct hammer2_vol *vol)
{
	const struct hammer2_volume_data *vd = hammer2_vol_header(vol, NULL);
	struct vfy v = { 0, 0 };
	struct fmcov fc;
	int i;

	assert_int_equal(hammer2_walk(vol, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, HAMMER2_WALK_LOADDATA, verify_cb, &v), 0);
	assert_int_equal(hammer2_walk(vol, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, verify_cb, &v), 0);
	assert_true(v.n > 4);
	assert_int_equal(v.bad, 0);

	memset(&fc, 0, sizeof(fc));
	fc.beg = vd->allocator_beg;
	assert_int_equal(hammer2_freemap_walk(vol, fmcov_leaf, &fc), 0);
	assert_int_equal(hammer2_walk(vol, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, fmcov_ref, &fc), 0);
	assert_true(fc.checked > 0);
	assert_int_equal(fc.bad, 0);
	for (i = 0; i < FMC_GBS; i++)
		free(fc.leaf[i]);
}

/*
 * The copy-on-write guard keeps the media ranges of every block the
 * image references, sorted, with a running maximum of their ends, so
 * one binary search answers "does [a, b) overlap any of them?".
 */
static int
cow_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct h2t_cow *c = arg;

	assert_int_equal(e->error, 0);
	if (hammer2_bref_radix(e->bref) == 0)
		return (HAMMER2_WALK_CONTINUE);
	if (c->n == c->cap) {
		c->cap = c->cap != 0 ? 2 * c->cap : 4096;
		c->lo = realloc(c->lo, c->cap * sizeof(*c->lo));
		c->hi = realloc(c->hi, c->cap * sizeof(*c->hi));
	}
	c->lo[c->n] = hammer2_bref_offset(e->bref);
	c->hi[c->n] = c->lo[c->n] + hammer2_bref_bytes(e->bref);
	c->n++;
	return (HAMMER2_WALK_CONTINUE);
}

static int
u64pair_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return (x[0] < y[0] ? -1 : x[0] > y[0]);
}

void
h2t_cow_build(struct h2t_cow *c, const char *path)
{
	const struct hammer2_volume_data *vd;
	struct h2t_img img;
	struct hammer2_vol *vol;
	uint64_t *pairs;
	size_t i;

	memset(c, 0, sizeof(*c));
	assert_int_equal(h2t_img_open(&img, path), 0);
	assert_int_equal(h2t_vol_open(&img, &vol), 0);
	vd = hammer2_vol_header(vol, NULL);
	assert_int_equal(hammer2_walk(vol, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, cow_cb, c), 0);
	assert_int_equal(hammer2_walk(vol, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, 0, cow_cb, c), 0);
	hammer2_vol_close(vol);
	h2t_img_close(&img);
	assert_true(c->n >= 3);	/* newfs: super-root, LOCAL, DATA */
	pairs = malloc(c->n * 2 * sizeof(*pairs));
	for (i = 0; i < c->n; i++) {
		pairs[2 * i] = c->lo[i];
		pairs[2 * i + 1] = c->hi[i];
	}
	qsort(pairs, c->n, 2 * sizeof(*pairs), u64pair_cmp);
	c->maxhi = malloc(c->n * sizeof(*c->maxhi));
	for (i = 0; i < c->n; i++) {
		c->lo[i] = pairs[2 * i];
		c->hi[i] = pairs[2 * i + 1];
		c->maxhi[i] = i > 0 && c->maxhi[i - 1] > c->hi[i] ?
		    c->maxhi[i - 1] : c->hi[i];
	}
	free(pairs);
}

void
h2t_cow_free(struct h2t_cow *c)
{
	free(c->lo);
	free(c->hi);
	free(c->maxhi);
	memset(c, 0, sizeof(*c));
}

static void
cow_hook(void *arg, uint64_t off, size_t len)
{
	struct h2t_cow *c = arg;
	size_t lo = 0, hi = c->n, mid;
	uint64_t end = off + len;
	int j;

	c->writes++;
	if (len == 0) {
		fprintf(stderr, "cow: empty write at 0x%llx\n",
		    (unsigned long long)off);
		c->bad++;
		return;
	}
	if (off % HAMMER2_ZONE_BYTES64 == 0 && len == HAMMER2_VOLUME_BYTES)
		return;		/* a whole volume header copy */
	for (j = 0; j < HAMMER2_NUM_VOLHDRS; j++) {
		if (off < (uint64_t)j * HAMMER2_ZONE_BYTES64 +
		    HAMMER2_VOLUME_BYTES &&
		    end > (uint64_t)j * HAMMER2_ZONE_BYTES64) {
			fprintf(stderr, "cow: write 0x%llx+%zu hits header "
			    "copy %d\n", (unsigned long long)off, len, j);
			c->bad++;
			return;
		}
	}
	/* The first range starting at or after end. */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c->lo[mid] < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && c->maxhi[lo - 1] > off) {
		fprintf(stderr, "cow: write 0x%llx+%zu overwrites a block "
		    "the image references\n", (unsigned long long)off, len);
		c->bad++;
	}
}

void
h2t_cow_watch(struct h2t_img *img, struct h2t_cow *c)
{
	img->on_write = cow_hook;
	img->on_write_arg = c;
}

/*
 * -------------------------------------------------------------------
 * Trees read back through the read-only API
 * -------------------------------------------------------------------
 */

int
h2t_dlist_cb(void *arg, const struct hammer2_dirent *e)
{
	struct h2t_dlist *d = arg;
	struct h2t_dent *x;

	if (d->n == d->cap) {
		d->cap = d->cap != 0 ? 2 * d->cap : 256;
		d->v = realloc(d->v, d->cap * sizeof(*d->v));
	}
	x = &d->v[d->n++];
	x->name = strndup(e->name, e->namlen);
	x->inum = e->inum;
	x->type = e->type;
	return (0);
}

int
h2t_dent_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct h2t_dent *)a)->name,
	    ((const struct h2t_dent *)b)->name));
}

void
h2t_dlist_free(struct h2t_dlist *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

struct h2t_tent *
h2t_tree_add(struct h2t_tree *t, const char *path)
{
	struct h2t_tent *e;

	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? 2 * t->cap : 1024;
		t->v = realloc(t->v, t->cap * sizeof(*t->v));
	}
	e = &t->v[t->n++];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	return (e);
}

static int
tent_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct h2t_tent *)a)->path,
	    ((const struct h2t_tent *)b)->path));
}

void
h2t_tree_sort(struct h2t_tree *t)
{
	qsort(t->v, t->n, sizeof(*t->v), tent_cmp);
}

void
h2t_tree_free(struct h2t_tree *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].path);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct h2t_tent *
h2t_tree_find(struct h2t_tree *t, const char *path)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].path, path) == 0)
			return (&t->v[i]);
	return (NULL);
}

void
h2t_tree_del(struct h2t_tree *t, const char *path)
{
	struct h2t_tent *e = h2t_tree_find(t, path);

	assert_non_null(e);
	free(e->path);
	*e = t->v[--t->n];
}

void
h2t_tree_copy(struct h2t_tree *dst, const struct h2t_tree *src)
{
	size_t i;
	char *p;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		p = h2t_tree_add(dst, src->v[i].path)->path;
		dst->v[i] = src->v[i];
		dst->v[i].path = p;
	}
}

/* The SHA-256 of a file's contents as the read API returns them. */
static void
ro_sha(const struct hammer2_inode *ip, uint8_t sha[32])
{
	static uint8_t buf[1 << 20];
	struct hammer2_sha256_ctx ctx;
	uint64_t off = 0;
	size_t n;

	hammer2_sha256_init(&ctx);
	for (;;) {
		assert_int_equal(hammer2_read(ip, off, buf, sizeof(buf), &n),
		    0);
		if (n == 0)
			break;
		hammer2_sha256_update(&ctx, buf, n);
		off += n;
	}
	assert_int_equal(off, ip->data.meta.size);
	hammer2_sha256_final(&ctx, sha);
}

/*
 * Add everything below directory dip to t, paths prefixed by prefix.
 * readdir and lookup must agree on every name's inode and type.
 */
void
h2t_tree_scan(const struct hammer2_inode *dip, const char *prefix,
    struct h2t_tree *t)
{
	struct hammer2_inode *ip;
	struct hammer2_attr a;
	struct h2t_dlist dl = { 0 };
	struct h2t_tent *e;
	char *path, target[1024];
	size_t i, n, k;

	assert_int_equal(hammer2_readdir(dip, 0, h2t_dlist_cb, &dl), 0);
	assert_true(dl.n >= 2);
	assert_string_equal(dl.v[0].name, ".");
	assert_string_equal(dl.v[1].name, "..");
	ip = malloc(sizeof(*ip));
	path = malloc(4096);
	for (i = 2; i < dl.n; i++) {
		assert_int_equal(hammer2_lookup_name(dip, dl.v[i].name,
		    strlen(dl.v[i].name), ip), 0);
		assert_int_equal(ip->data.meta.inum, dl.v[i].inum);
		assert_int_equal(ip->data.meta.type, dl.v[i].type);
		snprintf(path, 4096, "%s%s%s", prefix, *prefix ? "/" : "",
		    dl.v[i].name);
		assert_int_equal(hammer2_getattr(ip, &a), 0);
		e = h2t_tree_add(t, path);
		k = t->n - 1;
		e->type = a.type;
		e->mode = a.mode;
		e->inum = a.inum;
		e->nlinks = a.nlinks;
		switch (a.type) {
		case HAMMER2_OBJTYPE_DIRECTORY:
			h2t_tree_scan(ip, path, t);	/* may move t->v */
			break;
		case HAMMER2_OBJTYPE_REGFILE:
			e->size = a.size;
			ro_sha(ip, e->sha);
			break;
		case HAMMER2_OBJTYPE_SOFTLINK:
			assert_int_equal(hammer2_readlink(ip, target,
			    sizeof(target), &n), 0);
			e->size = n;
			hammer2_sha256(target, n, e->sha);
			break;
		default:
			break;
		}
		assert_string_equal(t->v[k].path, path);
	}
	free(path);
	free(ip);
	h2t_dlist_free(&dl);
}

/* a and b (sorted) hold the same objects; inum/nlinks where both set. */
bool
h2t_tree_equal(const struct h2t_tree *a, const struct h2t_tree *b,
    bool verbose)
{
	const struct h2t_tent *x, *y;
	size_t i;

	if (a->n != b->n) {
		if (verbose)
			fprintf(stderr, "trees: %zu vs %zu objects\n", a->n,
			    b->n);
		return (false);
	}
	for (i = 0; i < a->n; i++) {
		x = &a->v[i];
		y = &b->v[i];
		if (strcmp(x->path, y->path) != 0 || x->type != y->type ||
		    x->mode != y->mode || x->size != y->size ||
		    memcmp(x->sha, y->sha, 32) != 0 ||
		    (x->inum != 0 && y->inum != 0 && x->inum != y->inum) ||
		    (x->nlinks != 0 && y->nlinks != 0 &&
		    x->nlinks != y->nlinks)) {
			if (verbose)
				fprintf(stderr, "trees differ at %s (type %d "
				    "mode %o size %llu inum %llu) / %s (type "
				    "%d mode %o size %llu inum %llu)\n",
				    x->path, x->type, x->mode,
				    (unsigned long long)x->size,
				    (unsigned long long)x->inum, y->path,
				    y->type, y->mode,
				    (unsigned long long)y->size,
				    (unsigned long long)y->inum);
			return (false);
		}
	}
	return (true);
}

/* The whole tree of PFS label on the image at path. */
void
h2t_tree_capture(const char *path, const char *label, struct h2t_tree *t)
{
	struct h2t_img img;
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode *root = malloc(sizeof(*root));

	memset(t, 0, sizeof(*t));
	assert_int_equal(h2t_img_open(&img, path), 0);
	assert_int_equal(h2t_vol_open(&img, &vol), 0);
	assert_int_equal(hammer2_pfs_mount(vol, label, &pfs), 0);
	assert_int_equal(hammer2_pfs_root(pfs, root), 0);
	h2t_tree_scan(root, "", t);
	h2t_tree_sort(t);
	hammer2_pfs_unmount(pfs);
	hammer2_vol_close(vol);
	assert_int_equal(img.nreports, 0);
	assert_int_equal(img.live_allocs, 0);
	h2t_img_close(&img);
	free(root);
}

static int
hexval(char c)
{
	return (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
}

void
h2t_manifest_load(const char *refdir, const char *name, struct h2t_tree *t)
{
	char path[1024], *line = NULL, *f[5], *p;
	size_t cap = 0;
	FILE *fp;
	struct h2t_tent *e;
	int i;

	snprintf(path, sizeof(path), "%s/images/%s.manifest", refdir, name);
	fp = fopen(path, "r");
	assert_non_null(fp);
	memset(t, 0, sizeof(*t));
	while (getline(&line, &cap, fp) > 0) {
		line[strcspn(line, "\n")] = '\0';
		p = line;
		for (i = 0; i < 5; i++) {
			f[i] = p;
			p = i < 4 ? strchr(p, '\t') : NULL;
			if (i < 4) {
				assert_non_null(p);
				*p++ = '\0';
			}
		}
		e = h2t_tree_add(t, f[4]);
		e->mode = (uint32_t)strtoul(f[1], NULL, 8);
		switch (f[0][0]) {
		case 'd':
			e->type = HAMMER2_OBJTYPE_DIRECTORY;
			break;
		case 'f':
			e->type = HAMMER2_OBJTYPE_REGFILE;
			e->size = strtoull(f[2], NULL, 10);
			assert_int_equal(strlen(f[3]), 64);
			for (i = 0; i < 32; i++)
				e->sha[i] = (uint8_t)(hexval(f[3][2 * i]) << 4 |
				    hexval(f[3][2 * i + 1]));
			break;
		case 'l':
			e->type = HAMMER2_OBJTYPE_SOFTLINK;
			e->size = strtoull(f[2], NULL, 10);
			assert_int_equal(strlen(f[3]), e->size);
			hammer2_sha256(f[3], strlen(f[3]), e->sha);
			break;
		default:
			fail_msg("manifest %s: bad line", name);
		}
	}
	free(line);
	fclose(fp);
	assert_true(t->n > 100);
}

/*
 * -------------------------------------------------------------------
 * Table structure (format 4.1-4.3)
 * -------------------------------------------------------------------
 */

static uint64_t
keyend(const struct hammer2_blockref *b)
{
	return (b->keybits >= 64 ? UINT64_MAX :
	    b->key | ((1ULL << b->keybits) - 1));
}

/*
 * Check the table base[0..n) held by parent (an inode or an indirect
 * block covering [lo, hi]): non-empty entries in ascending key order,
 * each range aligned, disjoint from the others and inside [lo, hi],
 * no child newer than its parent (mirror_tid), indirect blocks sized
 * as format 4.3 says (4 KB right under a directory inode, 16 KB
 * elsewhere), compression NONE and the parent's check method, never
 * empty.  Inodes in an index must carry their key as inum, dirents a
 * key in their name's hash window.  Returns the entries in use.
 */
static int
shape_table(struct hammer2_vol *vol, const struct hammer2_blockref *base,
    int n, uint64_t lo, uint64_t hi, const struct hammer2_blockref *parent,
    bool dir, int level, struct h2t_shape *sh)
{
	const struct hammer2_blockref *e;
	struct hammer2_inode_data *ino;
	uint8_t *buf;
	char name[256];
	uint64_t prev_end = 0;
	size_t want;
	int i, used = 0;

	buf = malloc(LBLK);
	ino = (struct hammer2_inode_data *)(void *)buf;
	for (i = 0; i < n; i++) {
		e = &base[i];
		if (e->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		assert_true(e->keybits <= 64);
		assert_true(e->keybits == 64 ? e->key == 0 :
		    (e->key & ((1ULL << e->keybits) - 1)) == 0);
		if (used > 0)
			assert_true(prev_end != UINT64_MAX &&
			    e->key > prev_end);
		assert_true(e->key >= lo && keyend(e) <= hi);
		assert_true(e->mirror_tid <= parent->mirror_tid);
		prev_end = keyend(e);
		used++;
		switch (e->type) {
		case HAMMER2_BREF_TYPE_INDIRECT:
			sh->indirects++;
			if (level + 1 > sh->maxlevel)
				sh->maxlevel = level + 1;
			want = level == 0 && dir ? 4 * KB : 16 * KB;
			assert_int_equal(hammer2_bref_bytes(e), want);
			assert_int_equal(HAMMER2_DEC_COMP(e->methods),
			    HAMMER2_COMP_NONE);
			assert_int_equal(HAMMER2_DEC_CHECK(e->methods),
			    HAMMER2_DEC_CHECK(parent->methods));
			assert_int_equal(hammer2_block_read(vol, e, buf, LBLK,
			    NULL), 0);
			/* The copy: recursion reuses buf's slot. */
			{
				struct hammer2_blockref *tbl = malloc(want);

				memcpy(tbl, buf, want);
				assert_true(shape_table(vol, tbl,
				    (int)(want / sizeof(*tbl)), e->key,
				    keyend(e), e, dir, level + 1, sh) > 0);
				free(tbl);
			}
			break;
		case HAMMER2_BREF_TYPE_INODE:
			assert_int_equal(e->keybits, 0);
			assert_true(dir);
			assert_int_equal(hammer2_block_read(vol, e, buf, LBLK,
			    NULL), 0);
			assert_int_equal(ino->meta.inum, e->key);
			sh->inodes++;
			break;
		case HAMMER2_BREF_TYPE_DIRENT:
			assert_int_equal(e->keybits, 0);
			assert_true(dir);
			assert_true(e->key & HAMMER2_DIRHASH_VISIBLE);
			if (e->embed.dirent.namlen <= HAMMER2_DIRENT_INLINE) {
				memcpy(name, e->check.buf,
				    e->embed.dirent.namlen);
			} else {
				assert_int_equal(hammer2_block_read(vol, e,
				    buf, LBLK, NULL), 0);
				memcpy(name, buf, e->embed.dirent.namlen);
			}
			assert_int_equal(hammer2_dirhash(name,
			    e->embed.dirent.namlen) & ~HAMMER2_DIRHASH_LOMASK,
			    e->key & ~HAMMER2_DIRHASH_LOMASK);
			sh->dirents++;
			break;
		case HAMMER2_BREF_TYPE_DATA:
			assert_false(dir);
			assert_int_equal(e->keybits, HAMMER2_PBUFRADIX);
			sh->data++;
			break;
		default:
			fail_msg("unexpected bref type %d in a table", e->type);
		}
	}
	free(buf);
	return (used);
}

/* The shape of the tree below inode ip. */
void
h2t_shape_of(struct hammer2_vol *vol, const struct hammer2_inode *ip,
    struct h2t_shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	if (ip->data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)
		return;
	(void)shape_table(vol, ip->data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, UINT64_MAX, &ip->bref,
	    ip->data.meta.type == HAMMER2_OBJTYPE_DIRECTORY, 0, sh);
}

