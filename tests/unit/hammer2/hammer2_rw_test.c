/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_test.c - the read-write core (fs/hammer2/hammer2_rw.h)
 * driven directly, on sparse images made by the core's newfs and on
 * copies of the reference images DragonFly wrote.  Everything written
 * is read back through the read-only API after a close and a fresh
 * open, and compared with what the test knows it wrote:
 *
 *   - a 3,000-entry directory splits the directory and the PFS inode
 *     index into indirect blocks that follow format 4.1-4.3 (sorted,
 *     disjoint, aligned, inside their indirect block's range, sized as
 *     4.3 says), and every name resolves before and after most of the
 *     entries are removed again;
 *   - one file grows from embedded data through direct blocks to two
 *     levels of indirect blocks, with holes, overwrites, truncation
 *     and extension, under LZ4 and under no compression, against a
 *     host-side model (all-zero blocks become holes under LZ4);
 *   - hard links count their names, renames replace and move (a
 *     directory's parent follows), symlinks and devices keep what they
 *     were made with;
 *   - ENOSPC at the edge of a full volume changes nothing, everything
 *     accepted before it survives, a full volume still takes removes,
 *     and space comes back after two bulkfree passes;
 *   - a device cut after each write of a flush leaves exactly the state
 *     before that flush (or after it, once the header is written), a
 *     mount that answers EROFS, and an image whose every check code
 *     verifies;
 *   - DragonFly's reference images modified (create, overwrite, a
 *     write through a hard link, an embedded file grown, remove,
 *     rename, snapshot, bulkfree) read back as expected, manifest
 *     entry by manifest entry, in DATA, in the new snapshot and in an
 *     older snapshot.
 *
 * Flushes are watched through the io ops: no write may be empty, touch
 * a volume header copy other than as a whole header, or land on a block
 * the image referenced before (copy-on-write, format 11.3).  The
 * modified reference images are left in the work directory as
 * rw-<name>.img for hammer2.rw_check (fsck_hammer2 -a and h2walk.py).
 * Without the reference images that case skips; the program then exits
 * 77 if the others passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "h2check.h"
#include <fs/hammer2/hammer2_newfs.h>
#include <fs/hammer2/hammer2_rw.h>

#define KB	1024ULL
#define MB	(1024 * KB)
#define GB	(1024 * MB)
#define LBLK	(64 * KB)

static const char *refdir;

/*
 * -------------------------------------------------------------------
 * Data patterns, paths, mounts
 * -------------------------------------------------------------------
 */

static uint64_t
xs64(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/*
 * Fill buf from seed: lines of text LZ4 compresses well, or
 * pseudo-random bytes it cannot compress.
 */
static void
fill(uint8_t *buf, size_t len, uint64_t seed, bool text)
{
	static const char *const lines[4] = {
		"hammer2 chain flush freemap inode\n",
		"copy-on-write below the volume header\n",
		"indirect blocks split by key range\n",
		"dragonfly bsd wrote the reference\n",
	};
	uint64_t x = (seed + 1) * 0x9E3779B97F4A7C15ULL | 1;
	const char *w;
	size_t i = 0, n;

	while (i < len) {
		xs64(&x);
		if (text) {
			w = lines[x & 3];
			n = strlen(w);
		} else {
			w = (const char *)&x;
			n = sizeof(x);
		}
		if (n > len - i)
			n = len - i;
		memcpy(buf + i, w, n);
		i += n;
	}
}

static void
t_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", H2T_WORKDIR, name);
}

/* A fresh image of size bytes formatted by the core (LOCAL and DATA). */
static void
t_newfs(const char *path, uint64_t size)
{
	struct h2t_img img;

	assert_int_equal(h2t_img_create(&img, path, size), 0);
	img.nosync = true;
	assert_int_equal(h2t_newfs(&img, NULL), 0);
	h2t_img_close(&img);
}

/* A read-write mount of an image file and its DATA PFS. */
struct rwm {
	struct h2t_img		 img;
	struct hammer2_vol	*vol;
	struct hammer2_mount	*mp;
	struct hammer2_wpfs	*pfs;
	uint64_t		 clock;
};

/* A clock that moves 1 ms per call: runs repeat exactly. */
static uint64_t
t_now(void *ctx)
{
	uint64_t *c = ctx;

	return (*c += 1000);
}

static void
rw_mount(struct rwm *m, const char *path, uint64_t dirty_limit)
{
	struct hammer2_rw_args args;

	memset(m, 0, sizeof(*m));
	assert_int_equal(h2t_img_open_rw(&m->img, path), 0);
	m->img.nosync = true;
	assert_int_equal(h2t_vol_open(&m->img, &m->vol), 0);
	m->clock = 1700000000000000ULL;
	memset(&args, 0, sizeof(args));
	args.now_us = t_now;
	args.ctx = &m->clock;
	args.dirty_limit = dirty_limit;
	assert_int_equal(hammer2_rw_open(m->vol, &args, &m->mp), 0);
	assert_int_equal(hammer2_rw_pfs_get(m->mp, NULL, &m->pfs), 0);
}

/* Close the mount (flushing when asked); returns the close's error. */
static int
rw_umount(struct rwm *m, int flush)
{
	int error;

	hammer2_rw_pfs_put(m->pfs);
	error = hammer2_rw_close(m->mp, flush);
	hammer2_vol_close(m->vol);
	assert_int_equal(m->img.live_allocs, 0);
	h2t_img_close(&m->img);
	return (error);
}

/* A read-only open of an image file and one of its PFSs. */
struct rom {
	struct h2t_img		 img;
	struct hammer2_vol	*vol;
	struct hammer2_pfs	*pfs;
	struct hammer2_inode	 root;
};

static void
ro_mount(struct rom *r, const char *path, const char *label)
{
	assert_int_equal(h2t_img_open(&r->img, path), 0);
	assert_int_equal(h2t_vol_open(&r->img, &r->vol), 0);
	assert_int_equal(hammer2_pfs_mount(r->vol, label, &r->pfs), 0);
	assert_int_equal(hammer2_pfs_root(r->pfs, &r->root), 0);
}

static void
ro_umount(struct rom *r)
{
	hammer2_pfs_unmount(r->pfs);
	hammer2_vol_close(r->vol);
	assert_int_equal(r->img.nreports, 0);
	assert_int_equal(r->img.live_allocs, 0);
	h2t_img_close(&r->img);
}

static uint64_t
t_create(struct rwm *m, uint64_t dir, const char *name, uint8_t type,
    uint32_t mode)
{
	struct hammer2_rw_create cr;
	uint64_t inum = 0;

	memset(&cr, 0, sizeof(cr));
	cr.type = type;
	cr.mode = mode;
	assert_int_equal(hammer2_rw_create(m->pfs, dir, name, strlen(name),
	    &cr, &inum), 0);
	assert_true(inum >= HAMMER2_INODE_START);
	return (inum);
}

static void
t_setcomp(struct rwm *m, uint64_t inum, int comp)
{
	struct hammer2_attr a;

	memset(&a, 0, sizeof(a));
	a.comp_algo = (uint8_t)comp;
	assert_int_equal(hammer2_rw_setattr(m->pfs, inum, HAMMER2_SETATTR_COMP,
	    &a), 0);
}

static uint64_t
t_lookup(struct rwm *m, uint64_t dir, const char *name)
{
	uint64_t inum = 0;

	assert_int_equal(hammer2_rw_lookup(m->pfs, dir, name, strlen(name),
	    &inum), 0);
	return (inum);
}

static void
t_write(struct rwm *m, uint64_t inum, uint64_t off, size_t len,
    uint64_t seed, bool text)
{
	uint8_t *b = malloc(len);

	fill(b, len, seed, text);
	assert_int_equal(hammer2_rw_write(m->pfs, inum, off, b, len), 0);
	free(b);
}

/*
 * -------------------------------------------------------------------
 * 1. Directory and inode-index splits
 * -------------------------------------------------------------------
 */

#define NENT	3000

struct eset {
	int		  n;
	char		**name;
	uint64_t	 *inum;
	uint8_t		 *type;
	uint64_t	 *child;	/* a directory's one file, or 0 */
	bool		 *live;
	int		 *order;	/* indexes sorted by name */
};

static struct eset *es_sort_ctx;

static int
es_order_cmp(const void *a, const void *b)
{
	return (strcmp(es_sort_ctx->name[*(const int *)a],
	    es_sort_ctx->name[*(const int *)b]));
}

/* Entry i's name: short, or (every tenth) 65 to 255 bytes long. */
static char *
ent_name(int i)
{
	char *s = malloc(256);
	size_t len, k;

	if (i % 10 == 3) {
		len = 65 + (size_t)(i * 37) % 191;
		k = (size_t)snprintf(s, 256, "long-%05d-", i);
		for (; k < len; k++)
			s[k] = (char)('a' + (k * 7 + (size_t)i) % 26);
		s[len] = '\0';
	} else {
		snprintf(s, 256, "%s%05d.%c", i % 7 == 0 ? "dir" : "file", i,
		    'a' + i % 26);
	}
	return (s);
}

static bool
ent_isdir(int i)
{
	return (i % 7 == 0);
}

static int
es_find(struct eset *es, const char *name)
{
	int lo = 0, hi = es->n, mid, c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(es->name[es->order[mid]], name);
		if (c == 0)
			return (es->order[mid]);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

/* dl is exactly ".", "..", and the live entries of es. */
static void
es_check_listing(struct eset *es, struct h2t_dlist *dl, uint64_t self,
    uint64_t parent)
{
	size_t i;
	int k, live = 0;

	for (k = 0; k < es->n; k++)
		live += es->live[k];
	assert_int_equal(dl->n, (size_t)live + 2);
	assert_string_equal(dl->v[0].name, ".");
	assert_int_equal(dl->v[0].inum, self);
	assert_string_equal(dl->v[1].name, "..");
	assert_int_equal(dl->v[1].inum, parent);
	qsort(dl->v + 2, dl->n - 2, sizeof(*dl->v), h2t_dent_cmp);
	for (i = 2; i < dl->n; i++) {
		if (i > 2)
			assert_true(strcmp(dl->v[i - 1].name,
			    dl->v[i].name) != 0);
		k = es_find(es, dl->v[i].name);
		assert_true(k >= 0);
		assert_true(es->live[k]);
		assert_int_equal(dl->v[i].inum, es->inum[k]);
		assert_int_equal(dl->v[i].type, es->type[k]);
	}
}

/* Resume a listing after the last entry a page took (its next). */
struct page {
	struct h2t_dlist	*dl;
	int			 left;
	uint64_t		 next;
};

static int
page_cb(void *arg, const struct hammer2_dirent *e)
{
	struct page *pg = arg;

	if (pg->left-- == 0)
		return (1);
	(void)h2t_dlist_cb(pg->dl, e);
	pg->next = e->next;
	return (0);
}

/*
 * Directory dir of m's PFS (m != NULL) or dip, read in pages of 97
 * entries, each resumed at the cookie the page's last entry gave.
 */
static void
paged_listing(struct rwm *m, uint64_t dir, const struct hammer2_inode *dip,
    struct h2t_dlist *dl)
{
	struct page pg = { dl, 0, 0 };
	uint64_t cookie = 0;
	int pages = 0;

	for (;;) {
		pg.left = 97;
		if (m != NULL)
			assert_int_equal(hammer2_rw_readdir(m->pfs, dir,
			    cookie, page_cb, &pg), 0);
		else
			assert_int_equal(hammer2_readdir(dip, cookie,
			    page_cb, &pg), 0);
		pages++;
		if (pg.left >= 0 || pg.next == HAMMER2_COOKIE_EOF)
			break;
		cookie = pg.next;
	}
	assert_true(pages > 1);
}

/* Names, listing and contents through the rw API, before a flush. */
static void
es_check_rw(struct rwm *m, struct eset *es, uint64_t big)
{
	struct h2t_dlist dl = { 0 };
	uint64_t inum;
	int i;

	for (i = 0; i < es->n; i++) {
		if (!es->live[i]) {
			assert_int_equal(hammer2_rw_lookup(m->pfs, big,
			    es->name[i], strlen(es->name[i]), &inum), ENOENT);
			continue;
		}
		assert_int_equal(hammer2_rw_lookup(m->pfs, big, es->name[i],
		    strlen(es->name[i]), &inum), 0);
		assert_int_equal(inum, es->inum[i]);
	}
	assert_int_equal(hammer2_rw_readdir(m->pfs, big, 0, h2t_dlist_cb, &dl),
	    0);
	es_check_listing(es, &dl, big, 1);
	h2t_dlist_free(&dl);
	paged_listing(m, big, NULL, &dl);
	es_check_listing(es, &dl, big, 1);
	h2t_dlist_free(&dl);
}

/*
 * The image at path after a close: every live name resolves to its
 * inode and type, removed ones do not, the listing is exact, embedded
 * contents and the directories' children are there, and the directory
 * and the inode index obey format 4.1-4.3 with indirect blocks.
 */
static void
es_check_ro(const char *path, struct eset *es, uint64_t big,
    struct h2t_shape *dsh, struct h2t_shape *ish)
{
	struct hammer2_inode *bip, *ip, *cip;
	struct h2t_dlist dl = { 0 };
	struct rom r;
	char want[64], got[64];
	size_t n;
	int i;

	bip = malloc(sizeof(*bip));
	ip = malloc(sizeof(*ip));
	cip = malloc(sizeof(*cip));
	ro_mount(&r, path, NULL);
	assert_int_equal(hammer2_lookup_name(&r.root, "big", 3, bip), 0);
	assert_int_equal(bip->data.meta.inum, big);
	for (i = 0; i < es->n; i++) {
		if (!es->live[i]) {
			assert_int_equal(hammer2_lookup_name(bip, es->name[i],
			    strlen(es->name[i]), ip), ENOENT);
			assert_int_equal(hammer2_inode_get(r.pfs, es->inum[i],
			    ip), ENOENT);
			continue;
		}
		assert_int_equal(hammer2_lookup_name(bip, es->name[i],
		    strlen(es->name[i]), ip), 0);
		assert_int_equal(ip->data.meta.inum, es->inum[i]);
		assert_int_equal(ip->data.meta.type, es->type[i]);
		assert_int_equal(ip->data.meta.iparent, big);
		if (es->child[i] != 0) {
			assert_int_equal(hammer2_lookup_name(ip, "child", 5,
			    cip), 0);
			assert_int_equal(cip->data.meta.inum, es->child[i]);
		}
		if (es->type[i] == HAMMER2_OBJTYPE_REGFILE && i % 5 == 1) {
			snprintf(want, sizeof(want), "contents of %d", i);
			assert_int_equal(hammer2_read(ip, 0, got, sizeof(got),
			    &n), 0);
			assert_int_equal(n, strlen(want));
			assert_memory_equal(got, want, n);
			assert_true(ip->data.meta.op_flags &
			    HAMMER2_OPFLAG_DIRECTDATA);
		}
	}
	assert_int_equal(hammer2_readdir(bip, 0, h2t_dlist_cb, &dl), 0);
	es_check_listing(es, &dl, big, 1);
	h2t_dlist_free(&dl);
	paged_listing(NULL, 0, bip, &dl);
	es_check_listing(es, &dl, big, 1);
	h2t_dlist_free(&dl);
	h2t_shape_of(r.vol, bip, dsh);
	h2t_shape_of(r.vol, &r.root, ish);
	h2t_verify_all(r.vol);
	ro_umount(&r);
	free(cip);
	free(ip);
	free(bip);
}

/* 3,000 names split one directory and the inode index, and shrink. */
static void
a_3000_entry_directory_splits_and_shrinks_cleanly(void **state)
{
	struct eset es;
	struct h2t_shape dsh, ish;
	struct rwm m;
	char path[1024], buf[64];
	uint64_t big, nino, dummy;
	int i, live;

	(void)state;
	t_path(path, sizeof(path), "rw-dir.img");
	t_newfs(path, 1 * GB);
	memset(&es, 0, sizeof(es));
	es.n = NENT;
	es.name = calloc(NENT, sizeof(*es.name));
	es.inum = calloc(NENT, sizeof(*es.inum));
	es.type = calloc(NENT, sizeof(*es.type));
	es.child = calloc(NENT, sizeof(*es.child));
	es.live = calloc(NENT, sizeof(*es.live));
	es.order = calloc(NENT, sizeof(*es.order));

	rw_mount(&m, path, 0);
	big = t_create(&m, 1, "big", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	nino = 1;
	for (i = 0; i < NENT; i++) {
		es.name[i] = ent_name(i);
		es.type[i] = ent_isdir(i) ? HAMMER2_OBJTYPE_DIRECTORY :
		    HAMMER2_OBJTYPE_REGFILE;
		es.inum[i] = t_create(&m, big, es.name[i], es.type[i],
		    ent_isdir(i) ? 0755 : 0644);
		es.live[i] = true;
		es.order[i] = i;
		nino++;
		if (ent_isdir(i) && i % 3 == 0) {
			es.child[i] = t_create(&m, es.inum[i], "child",
			    HAMMER2_OBJTYPE_REGFILE, 0600);
			nino++;
		}
		if (!ent_isdir(i) && i % 5 == 1) {
			snprintf(buf, sizeof(buf), "contents of %d", i);
			assert_int_equal(hammer2_rw_write(m.pfs, es.inum[i],
			    0, buf, strlen(buf)), 0);
		}
	}
	es_sort_ctx = &es;
	qsort(es.order, NENT, sizeof(*es.order), es_order_cmp);
	/* A name taken is refused; "." and ".." resolve. */
	assert_int_equal(hammer2_rw_create(m.pfs, big, es.name[5],
	    strlen(es.name[5]), &(struct hammer2_rw_create){
	    .type = HAMMER2_OBJTYPE_REGFILE }, &dummy), EEXIST);
	es_check_rw(&m, &es, big);
	assert_int_equal(rw_umount(&m, 1), 0);

	es_check_ro(path, &es, big, &dsh, &ish);
	print_message("%d entries: directory %llu indirect blocks, %d "
	    "levels; inode index %llu, %d levels\n", NENT,
	    (unsigned long long)dsh.indirects, dsh.maxlevel,
	    (unsigned long long)ish.indirects, ish.maxlevel);
	assert_int_equal(dsh.dirents, NENT);
	assert_int_equal(dsh.inodes, 0);
	assert_true(dsh.indirects >= 2);
	assert_true(dsh.maxlevel >= 2);
	assert_int_equal(ish.dirents, 1);		/* "big" */
	assert_int_equal(ish.inodes, nino);
	assert_true(ish.maxlevel >= 2);

	/* Remove all but every ninth entry (children first). */
	rw_mount(&m, path, 0);
	live = 0;
	for (i = 0; i < NENT; i++) {
		if (i % 9 == 0) {
			live++;
			continue;
		}
		if (es.child[i] != 0) {
			assert_int_equal(hammer2_rw_remove(m.pfs, es.inum[i],
			    "child", 5, 0), 0);
			es.child[i] = 0;
			nino--;
		}
		if (ent_isdir(i)) {
			/* Wrong kind first: nothing may change. */
			assert_int_equal(hammer2_rw_remove(m.pfs, big,
			    es.name[i], strlen(es.name[i]), 0), EISDIR);
		}
		assert_int_equal(hammer2_rw_remove(m.pfs, big, es.name[i],
		    strlen(es.name[i]), ent_isdir(i)), 0);
		es.live[i] = false;
		nino--;
	}
	es_check_rw(&m, &es, big);
	assert_int_equal(rw_umount(&m, 1), 0);

	es_check_ro(path, &es, big, &dsh, &ish);
	print_message("%d entries: directory %llu indirect blocks, %d "
	    "levels; inode index %llu, %d levels\n", live,
	    (unsigned long long)dsh.indirects, dsh.maxlevel,
	    (unsigned long long)ish.indirects, ish.maxlevel);
	assert_int_equal(dsh.dirents, (uint64_t)live);
	assert_int_equal(ish.inodes, nino);
	assert_int_equal(ish.dirents, 1);

	for (i = 0; i < NENT; i++)
		free(es.name[i]);
	free(es.name);
	free(es.inum);
	free(es.type);
	free(es.child);
	free(es.live);
	free(es.order);
	unlink(path);
}

/*
 * -------------------------------------------------------------------
 * 2. File data
 * -------------------------------------------------------------------
 */

#define FCAP	(48 * MB)

/* A file and the host-side model of its contents. */
struct mfile {
	const char	*name;
	uint64_t	 inum;
	int		 comp;
	uint8_t		*buf;	/* FCAP bytes; zero past size */
	uint64_t	 size;
};

static void
mf_write(struct rwm *m, struct mfile *f, uint64_t off, size_t len,
    uint64_t seed, int kind)
{
	uint8_t *b = malloc(len);

	if (kind == 0)
		memset(b, 0, len);
	else
		fill(b, len, seed, kind == 1);
	assert_true(off + len <= FCAP);
	assert_int_equal(hammer2_rw_write(m->pfs, f->inum, off, b, len), 0);
	memcpy(f->buf + off, b, len);
	if (off + len > f->size)
		f->size = off + len;
	free(b);
}

static void
mf_truncate(struct rwm *m, struct mfile *f, uint64_t size)
{
	assert_int_equal(hammer2_rw_truncate(m->pfs, f->inum, size), 0);
	if (size < f->size)
		memset(f->buf + size, 0, f->size - size);
	f->size = size;
}

/* The whole file through the rw API equals the model. */
static void
mf_check_rw(struct rwm *m, struct mfile *f)
{
	struct hammer2_attr a;
	uint8_t *b = malloc(MB + 1);
	uint64_t off;
	size_t n, want;

	assert_int_equal(hammer2_rw_getattr(m->pfs, f->inum, &a), 0);
	assert_int_equal(a.size, f->size);
	for (off = 0; off < f->size; off += want) {
		want = f->size - off < MB ? (size_t)(f->size - off) : MB;
		/* At the end ask for one byte more: reads stop at size. */
		assert_int_equal(hammer2_rw_read(m->pfs, f->inum, off, b,
		    want + (off + want == f->size), &n), 0);
		assert_int_equal(n, want);
		if (memcmp(b, f->buf + off, want) != 0)
			fail_msg("%s: rw read differs in [%llu, %llu)",
			    f->name, (unsigned long long)off,
			    (unsigned long long)(off + want));
	}
	assert_int_equal(hammer2_rw_read(m->pfs, f->inum, f->size, b, 10, &n),
	    0);
	assert_int_equal(n, 0);
	free(b);
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return (false);
	return (true);
}

/*
 * The file after a close through the read API: the contents, holes
 * for all-zero blocks under LZ4, the compression each block got, and
 * the shape of its block tree.
 */
static void
mf_check_ro(struct rom *r, struct mfile *f, struct h2t_shape *sh)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct hammer2_blockref bref;
	uint8_t *b = malloc(MB);
	uint64_t off, lb, blen;
	size_t n, want;
	int error;

	assert_int_equal(hammer2_inode_get(r->pfs, f->inum, ip), 0);
	assert_int_equal(ip->data.meta.size, f->size);
	assert_int_equal(ip->data.meta.comp_algo, f->comp);
	for (off = 0; off < f->size; off += want) {
		want = f->size - off < MB ? (size_t)(f->size - off) : MB;
		assert_int_equal(hammer2_read(ip, off, b, MB, &n), 0);
		assert_int_equal(n, want);
		if (memcmp(b, f->buf + off, want) != 0)
			fail_msg("%s: read differs in [%llu, %llu)", f->name,
			    (unsigned long long)off,
			    (unsigned long long)(off + want));
	}
	if (!(ip->data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)) {
		for (lb = 0; lb < f->size; lb += LBLK) {
			blen = f->size - lb < LBLK ? f->size - lb : LBLK;
			error = hammer2_bmap(ip, lb, &bref);
			if (!all_zero(f->buf + lb, (size_t)blen)) {
				if (error != 0)
					fail_msg("%s: block %llu with data "
					    "missing", f->name,
					    (unsigned long long)lb);
			} else if (f->comp == HAMMER2_COMP_LZ4) {
				if (error != ENOENT)
					fail_msg("%s: all-zero block %llu "
					    "stored", f->name,
					    (unsigned long long)lb);
			}
			if (error == 0 && f->comp == HAMMER2_COMP_NONE)
				assert_int_equal(HAMMER2_DEC_COMP(
				    bref.methods), HAMMER2_COMP_NONE);
		}
	}
	h2t_shape_of(r->vol, ip, sh);
	free(b);
	free(ip);
}

/* The compression of the block at lb: -1 for a hole. */
static int
ro_blockcomp(struct rom *r, struct mfile *f, uint64_t lb, size_t *bytes)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct hammer2_blockref bref;
	int comp = -1;

	assert_int_equal(hammer2_inode_get(r->pfs, f->inum, ip), 0);
	if (hammer2_bmap(ip, lb, &bref) == 0) {
		comp = HAMMER2_DEC_COMP(bref.methods);
		*bytes = hammer2_bref_bytes(&bref);
	}
	free(ip);
	return (comp);
}

/*
 * Check both files through rw (dirty), flush (watched for
 * copy-on-write), through rw again (from media), then close, read back
 * through the read API, and mount again.
 */
static void
mf_cycle(struct rwm *m, const char *path, struct mfile *f, int nf,
    struct h2t_shape *sh)
{
	struct h2t_cow cow;
	struct rom r;
	int i;

	for (i = 0; i < nf; i++)
		mf_check_rw(m, &f[i]);
	h2t_cow_build(&cow, path);
	h2t_cow_watch(&m->img, &cow);
	assert_int_equal(hammer2_rw_flush(m->mp), 0);
	m->img.on_write = NULL;
	assert_true(cow.writes > 2);
	assert_int_equal(cow.bad, 0);
	h2t_cow_free(&cow);
	for (i = 0; i < nf; i++)
		mf_check_rw(m, &f[i]);
	assert_int_equal(rw_umount(m, 1), 0);
	ro_mount(&r, path, NULL);
	for (i = 0; i < nf; i++)
		mf_check_ro(&r, &f[i], &sh[i]);
	h2t_verify_all(r.vol);
	ro_umount(&r);
	rw_mount(m, path, 0);
}

/* A file from embedded data to two indirect levels, against a model. */
static void
file_data_survives_every_shape_change(void **state)
{
	struct mfile f[2];
	struct h2t_shape sh[2];
	uint64_t nind[2];
	struct rwm m;
	struct rom r;
	size_t bytes;
	char path[1024];
	int i, k;

	(void)state;
	t_path(path, sizeof(path), "rw-file.img");
	t_newfs(path, 1 * GB);
	memset(f, 0, sizeof(f));
	f[0].name = "lz4";
	f[0].comp = HAMMER2_COMP_LZ4;
	f[1].name = "plain";
	f[1].comp = HAMMER2_COMP_NONE;
	rw_mount(&m, path, 0);
	for (i = 0; i < 2; i++) {
		f[i].buf = calloc(1, FCAP);
		f[i].inum = t_create(&m, 1, f[i].name,
		    HAMMER2_OBJTYPE_REGFILE, 0644);
		t_setcomp(&m, f[i].inum, f[i].comp);
	}

	/* Embedded, with a hole inside the 512 bytes. */
	for (i = 0; i < 2; i++) {
		mf_write(&m, &f[i], 0, 100, 1, 1);
		mf_write(&m, &f[i], 300, 150, 2, 1);
	}
	mf_cycle(&m, path, f, 2, sh);
	ro_mount(&r, path, NULL);
	for (i = 0; i < 2; i++) {
		struct hammer2_inode *ip = malloc(sizeof(*ip));

		assert_int_equal(hammer2_inode_get(r.pfs, f[i].inum, ip), 0);
		assert_true(ip->data.meta.op_flags &
		    HAMMER2_OPFLAG_DIRECTDATA);
		free(ip);
	}
	ro_umount(&r);

	/* Past 512 bytes: direct blocks in the inode, no indirect. */
	for (i = 0; i < 2; i++) {
		mf_write(&m, &f[i], 500, 200, 3, 1);
		mf_write(&m, &f[i], 100000, 40000, 4, 2);
	}
	mf_cycle(&m, path, f, 2, sh);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sh[i].data, 3);
		assert_int_equal(sh[i].indirects, 0);
	}

	/*
	 * More than four blocks: one indirect level.  A block of text,
	 * a block written as zeros, a block of text overwritten by zeros.
	 */
	for (i = 0; i < 2; i++) {
		mf_write(&m, &f[i], 1 * MB, LBLK, 5, 1);
		mf_write(&m, &f[i], 3 * MB + 1000, 70000, 6, 1);
		mf_write(&m, &f[i], 2 * MB, LBLK, 0, 0);
		mf_write(&m, &f[i], 3 * LBLK, LBLK, 7, 1);
		mf_write(&m, &f[i], 5 * MB, 10000, 8, 2);
	}
	mf_cycle(&m, path, f, 2, sh);
	for (i = 0; i < 2; i++)
		mf_write(&m, &f[i], 3 * LBLK, LBLK, 0, 0);
	mf_cycle(&m, path, f, 2, sh);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sh[i].maxlevel, 1);
		assert_int_equal(sh[i].data, i == 0 ? 7 : 9);
	}
	ro_mount(&r, path, NULL);
	assert_int_equal(ro_blockcomp(&r, &f[0], 1 * MB, &bytes),
	    HAMMER2_COMP_LZ4);
	assert_true(bytes <= 16 * KB);
	assert_int_equal(ro_blockcomp(&r, &f[1], 1 * MB, &bytes),
	    HAMMER2_COMP_NONE);
	assert_int_equal(bytes, LBLK);
	assert_int_equal(ro_blockcomp(&r, &f[0], 2 * MB, &bytes), -1);
	assert_int_equal(ro_blockcomp(&r, &f[1], 2 * MB, &bytes),
	    HAMMER2_COMP_NONE);
	assert_int_equal(ro_blockcomp(&r, &f[0], 3 * LBLK, &bytes), -1);
	/* Random data does not compress: stored as it is. */
	assert_int_equal(ro_blockcomp(&r, &f[0], 5 * MB, &bytes),
	    HAMMER2_COMP_NONE);
	ro_umount(&r);

	/* Blocks in six 8 MB ranges: a second indirect level. */
	for (i = 0; i < 2; i++)
		for (k = 1; k <= 5; k++)
			mf_write(&m, &f[i], (uint64_t)k * 8 * MB + 4 * MB +
			    (uint64_t)k * 1000, 3000, 10 + (uint64_t)k, 1);
	mf_cycle(&m, path, f, 2, sh);
	for (i = 0; i < 2; i++) {
		print_message("%s: %llu data blocks, %llu indirect, %d "
		    "levels\n", f[i].name, (unsigned long long)sh[i].data,
		    (unsigned long long)sh[i].indirects, sh[i].maxlevel);
		assert_true(sh[i].maxlevel >= 2);
	}

	/*
	 * The blocks at 20 and 28 MB, alone in their indirect block,
	 * become zeros: under LZ4 holes, and the indirect block that held
	 * them must not stay behind empty.
	 */
	for (i = 0; i < 2; i++) {
		nind[i] = sh[i].indirects;
		for (k = 2; k <= 3; k++)
			mf_write(&m, &f[i], (uint64_t)k * 8 * MB + 4 * MB +
			    (uint64_t)k * 1000, 3000, 0, 0);
	}
	mf_cycle(&m, path, f, 2, sh);
	assert_int_equal(sh[0].indirects, nind[0] - 1);
	assert_int_equal(sh[1].indirects, nind[1]);

	/* Overwrites in the middle, across block boundaries and holes. */
	for (i = 0; i < 2; i++) {
		mf_write(&m, &f[i], 3 * MB - 100000, 200000, 20, 2);
		mf_write(&m, &f[i], LBLK - 10, 20, 21, 1);
	}
	mf_cycle(&m, path, f, 2, sh);

	/* Truncate into a block, extend, write past the old end. */
	for (i = 0; i < 2; i++) {
		mf_truncate(&m, &f[i], 20 * MB + 12345);
		mf_truncate(&m, &f[i], 30 * MB);
		mf_write(&m, &f[i], 29 * MB, 5000, 22, 1);
	}
	mf_cycle(&m, path, f, 2, sh);

	/*
	 * Down to 300 bytes (blocks and indirect blocks go; the file keeps
	 * its block), up again, and one more write.
	 */
	for (i = 0; i < 2; i++) {
		mf_truncate(&m, &f[i], 300);
		mf_truncate(&m, &f[i], 70000);
		mf_write(&m, &f[i], 68000, 1000, 23, 1);
	}
	mf_cycle(&m, path, f, 2, sh);
	for (i = 0; i < 2; i++)
		assert_int_equal(sh[i].data, 2);
	assert_int_equal(rw_umount(&m, 1), 0);
	for (i = 0; i < 2; i++)
		free(f[i].buf);
	unlink(path);
}

/*
 * -------------------------------------------------------------------
 * Names: links, renames, symlinks, devices
 * -------------------------------------------------------------------
 */

static void
t_attr(struct rwm *m, uint64_t inum, struct hammer2_attr *a)
{
	assert_int_equal(hammer2_rw_getattr(m->pfs, inum, a), 0);
}

/* The inode at path of the read-only mount r, or 0 when absent. */
static uint64_t
ro_inum(struct rom *r, const char *path, struct hammer2_inode *ip)
{
	int error;

	error = hammer2_lookup_path(r->pfs, path, 0, ip);
	if (error == ENOENT)
		return (0);
	assert_int_equal(error, 0);
	return (ip->data.meta.inum);
}

/*
 * Hard links count their names, renames replace and move (directories
 * too, with their parent), and symlinks and devices keep what they
 * were made with, before and after a flush.
 */
static void
links_renames_and_special_files_keep_their_counts(void **state)
{
	struct hammer2_rw_create cr;
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct hammer2_attr a;
	struct rwm m;
	struct rom r;
	char path[1024], target[800], got[1024];
	uint64_t da, db, f, h, sub, empty, ln, dev, x;
	size_t n;

	(void)state;
	t_path(path, sizeof(path), "rw-names.img");
	t_newfs(path, 1 * GB);
	rw_mount(&m, path, 0);
	da = t_create(&m, 1, "a", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	db = t_create(&m, 1, "b", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	f = t_create(&m, da, "f", HAMMER2_OBJTYPE_REGFILE, 0644);
	t_write(&m, f, 0, 1000, 1, true);

	/* A second name; none for a directory; no name twice. */
	assert_int_equal(hammer2_rw_link(m.pfs, f, db, "g", 1), 0);
	t_attr(&m, f, &a);
	assert_int_equal(a.nlinks, 2);
	assert_int_equal(hammer2_rw_link(m.pfs, da, db, "adir", 4), EPERM);
	assert_int_equal(hammer2_rw_link(m.pfs, f, db, "g", 1), EEXIST);
	/* Renaming a name onto another name of the same inode: nothing. */
	assert_int_equal(hammer2_rw_rename(m.pfs, da, "f", 1, db, "g", 1, 0),
	    0);
	assert_int_equal(t_lookup(&m, da, "f"), f);
	assert_int_equal(t_lookup(&m, db, "g"), f);

	/* Replacing a file drops its inode; NOREPLACE refuses. */
	h = t_create(&m, db, "h", HAMMER2_OBJTYPE_REGFILE, 0600);
	t_write(&m, h, 0, 100, 2, true);
	assert_int_equal(hammer2_rw_rename(m.pfs, db, "g", 1, db, "h", 1,
	    HAMMER2_RENAME_NOREPLACE), EEXIST);
	assert_int_equal(hammer2_rw_rename(m.pfs, db, "g", 1, db, "h", 1, 0),
	    0);
	assert_int_equal(t_lookup(&m, db, "h"), f);
	assert_int_equal(hammer2_rw_lookup(m.pfs, db, "g", 1, &x), ENOENT);
	assert_int_equal(hammer2_rw_getattr(m.pfs, h, &a), ENOENT);
	t_attr(&m, f, &a);
	assert_int_equal(a.nlinks, 2);
	assert_int_equal(hammer2_rw_remove(m.pfs, da, "f", 1, 0), 0);
	t_attr(&m, f, &a);
	assert_int_equal(a.nlinks, 1);

	/* Directories: not into themselves, not removed while full. */
	sub = t_create(&m, da, "sub", HAMMER2_OBJTYPE_DIRECTORY, 0700);
	(void)t_create(&m, sub, "x", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, "a", 1, sub, "a2", 2, 0),
	    EINVAL);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "a", 1, 1), ENOTEMPTY);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "a", 1, 0), EISDIR);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, "a", 1, db, "a-moved", 7,
	    0), 0);
	t_attr(&m, da, &a);
	assert_int_equal(a.iparent, db);
	assert_int_equal(t_lookup(&m, da, ".."), db);
	/* A directory replaces an empty one, and comes back to the root. */
	empty = t_create(&m, 1, "empty", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	assert_int_equal(hammer2_rw_rename(m.pfs, db, "a-moved", 7, 1,
	    "empty", 5, 0), 0);
	assert_int_equal(t_lookup(&m, 1, "empty"), da);
	assert_int_equal(hammer2_rw_getattr(m.pfs, empty, &a), ENOENT);
	t_attr(&m, da, &a);
	assert_int_equal(a.iparent, 1);

	/* A symlink too long to embed, a short one, two devices. */
	memset(target, 'T', sizeof(target));
	memcpy(target, "/a/b/", 5);
	memset(&cr, 0, sizeof(cr));
	cr.type = HAMMER2_OBJTYPE_SOFTLINK;
	cr.mode = 0777;
	cr.target = target;
	cr.targetlen = 700;
	assert_int_equal(hammer2_rw_create(m.pfs, db, "ln", 2, &cr, &ln), 0);
	cr.targetlen = 9;
	assert_int_equal(hammer2_rw_create(m.pfs, db, "ln9", 3, &cr, &x), 0);
	memset(&cr, 0, sizeof(cr));
	cr.type = HAMMER2_OBJTYPE_CDEV;
	cr.mode = 0620;
	cr.rmajor = 5;
	cr.rminor = 7;
	assert_int_equal(hammer2_rw_create(m.pfs, db, "tty", 3, &cr, &dev), 0);
	cr.type = HAMMER2_OBJTYPE_FIFO;
	assert_int_equal(hammer2_rw_create(m.pfs, db, "fifo", 4, &cr, &x), 0);
	assert_int_equal(hammer2_rw_read(m.pfs, ln, 0, got, sizeof(got), &n),
	    0);
	assert_int_equal(n, 700);
	assert_memory_equal(got, target, 700);
	assert_int_equal(rw_umount(&m, 1), 0);

	/* The same after a fresh open through the read API. */
	ro_mount(&r, path, NULL);
	assert_int_equal(ro_inum(&r, "b/h", ip), f);
	assert_int_equal(ip->data.meta.nlinks, 1);
	assert_int_equal(ip->data.meta.size, 1000);
	assert_int_equal(ro_inum(&r, "b/g", ip), 0);
	assert_int_equal(ro_inum(&r, "a", ip), 0);
	assert_int_equal(hammer2_inode_get(r.pfs, h, ip), ENOENT);
	assert_int_equal(hammer2_inode_get(r.pfs, empty, ip), ENOENT);
	assert_int_equal(ro_inum(&r, "empty/sub/x", ip) != 0, 1);
	assert_int_equal(ro_inum(&r, "empty", ip), da);
	assert_int_equal(ip->data.meta.iparent, 1);
	assert_int_equal(ro_inum(&r, "empty/sub/..", ip), da);
	assert_int_equal(ro_inum(&r, "b/ln", ip), ln);
	assert_int_equal(hammer2_readlink(ip, got, sizeof(got), &n), 0);
	assert_int_equal(n, 700);
	assert_memory_equal(got, target, 700);
	assert_false(ip->data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA);
	assert_true(ro_inum(&r, "b/ln9", ip) != 0);
	assert_int_equal(hammer2_readlink(ip, got, sizeof(got), &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(got, target, 9);
	assert_int_equal(ro_inum(&r, "b/tty", ip), dev);
	assert_int_equal(hammer2_getattr(ip, &a), 0);
	assert_int_equal(a.type, HAMMER2_OBJTYPE_CDEV);
	assert_int_equal(a.mode, 0620);
	assert_int_equal(a.rmajor, 5);
	assert_int_equal(a.rminor, 7);
	assert_true(ro_inum(&r, "b/fifo", ip) != 0);
	assert_int_equal(ip->data.meta.type, HAMMER2_OBJTYPE_FIFO);
	h2t_verify_all(r.vol);
	ro_umount(&r);
	free(ip);
	unlink(path);
}

/*
 * -------------------------------------------------------------------
 * 3. ENOSPC at the edge
 * -------------------------------------------------------------------
 */

#define FILEMB	64

static void
chunk_fill(uint8_t *b, int file, int chunk)
{
	fill(b, MB, ((uint64_t)file << 20) | (uint64_t)chunk, false);
}

/* Files named prefix%03d: sizes[] MB each, contents by chunk_fill. */
static void
enospc_check_ro(const char *path, const char *prefix, int nfiles,
    const int *sizes, int first)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	uint8_t *want = malloc(MB), *got = malloc(MB);
	char name[32];
	struct rom r;
	size_t n;
	int f, c;

	ro_mount(&r, path, NULL);
	for (f = first; f < nfiles; f++) {
		snprintf(name, sizeof(name), "%s%03d", prefix, f);
		assert_int_equal(hammer2_lookup_name(&r.root, name,
		    strlen(name), ip), 0);
		assert_int_equal(ip->data.meta.size, (uint64_t)sizes[f] * MB);
		for (c = 0; c < sizes[f]; c++) {
			chunk_fill(want, f + (*prefix == 'g' ? 1000 : 0), c);
			assert_int_equal(hammer2_read(ip, (uint64_t)c * MB,
			    got, MB, &n), 0);
			assert_int_equal(n, MB);
			if (memcmp(got, want, MB) != 0)
				fail_msg("%s chunk %d differs", name, c);
		}
	}
	ro_umount(&r);
	free(want);
	free(got);
	free(ip);
}

/*
 * Write files until ENOSPC; keep what was accepted; get the space back
 * with two bulkfree passes.
 */
static void
enospc_changes_nothing_and_bulkfree_gives_space_back(void **state)
{
	struct hammer2_bulkfree_stats st1, st2;
	struct hammer2_rw_statfs sf0, sf1;
	struct hammer2_attr a;
	struct rwm m;
	uint8_t *b = malloc(MB), *got = malloc(MB);
	struct hammer2_rw_create cr;
	uint64_t inum[64], ginum, sinum;
	int sizes[64], gsizes[64], ns;
	char path[1024], name[32];
	size_t n;
	int f = 0, c = 0, error = 0, nf, removed, g, total;

	(void)state;
	t_path(path, sizeof(path), "rw-enospc.img");
	t_newfs(path, 1 * GB);
	rw_mount(&m, path, 32 * MB);
	t_setcomp(&m, 1, HAMMER2_COMP_NONE);	/* inherited by new files */
	for (f = 0; f < 64 && error == 0; f++) {
		snprintf(name, sizeof(name), "f%03d", f);
		inum[f] = t_create(&m, 1, name, HAMMER2_OBJTYPE_REGFILE, 0644);
		for (c = 0; c < FILEMB; c++) {
			chunk_fill(b, f, c);
			assert_int_equal(hammer2_rw_statfs(m.pfs, &sf0), 0);
			error = hammer2_rw_write(m.pfs, inum[f],
			    (uint64_t)c * MB, b, MB);
			if (error != 0)
				break;
		}
		sizes[f] = c;
	}
	assert_int_equal(error, ENOSPC);
	nf = f;
	print_message("ENOSPC in file %d chunk %d\n", nf - 1, c);
	f--;
	/* A 1 GB volume holds most of a GB before it fills. */
	total = 0;
	for (g = 0; g < nf; g++)
		total += sizes[g];
	print_message("%d MB accepted before ENOSPC\n", total);
	assert_true(total >= 800);
	/* The refused call changed nothing. */
	assert_int_equal(hammer2_rw_statfs(m.pfs, &sf1), 0);
	assert_int_equal(sf1.avail, sf0.avail);
	assert_int_equal(hammer2_rw_getattr(m.pfs, inum[f], &a), 0);
	assert_int_equal(a.size, (uint64_t)c * MB);
	assert_int_equal(hammer2_rw_read(m.pfs, inum[f], (uint64_t)c * MB, got,
	    MB, &n), 0);
	assert_int_equal(n, 0);
	if (c > 0) {
		chunk_fill(b, f, c - 1);
		assert_int_equal(hammer2_rw_read(m.pfs, inum[f],
		    (uint64_t)(c - 1) * MB, got, MB, &n), 0);
		assert_int_equal(n, MB);
		assert_memory_equal(got, b, MB);
	}
	/*
	 * Small files go on until they are refused too; what the
	 * reservation let through must fit the flush.
	 */
	for (ns = 0; ns < 100000; ns++) {
		snprintf(name, sizeof(name), "s%05d", ns);
		memset(&cr, 0, sizeof(cr));
		cr.type = HAMMER2_OBJTYPE_REGFILE;
		error = hammer2_rw_create(m.pfs, 1, name, strlen(name), &cr,
		    &sinum);
		if (error == 0)
			error = hammer2_rw_write(m.pfs, sinum, 0, name,
			    strlen(name));
		if (error != 0)
			break;
	}
	assert_int_equal(error, ENOSPC);
	print_message("%d small files more\n", ns);
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	assert_int_equal(rw_umount(&m, 1), 0);
	enospc_check_ro(path, "f", nf, sizes, 0);
	{
		struct hammer2_inode *ip = malloc(sizeof(*ip));
		struct rom r;

		ro_mount(&r, path, NULL);
		for (g = 0; g < ns; g++) {
			snprintf(name, sizeof(name), "s%05d", g);
			assert_int_equal(hammer2_lookup_name(&r.root, name,
			    strlen(name), ip), 0);
			assert_int_equal(hammer2_read(ip, 0, got, MB, &n), 0);
			assert_int_equal(n, strlen(name));
			assert_memory_equal(got, name, n);
		}
		ro_umount(&r);
		free(ip);
	}

	/*
	 * Half the files go, though nothing new fits any more; two
	 * bulkfree passes return their blocks.
	 */
	rw_mount(&m, path, 32 * MB);
	memset(&cr, 0, sizeof(cr));
	cr.type = HAMMER2_OBJTYPE_REGFILE;
	assert_int_equal(hammer2_rw_create(m.pfs, 1, "one-more", 8, &cr,
	    &sinum), ENOSPC);
	/* Shrinking a file gives space back too. */
	assert_int_equal(hammer2_rw_truncate(m.pfs, inum[1], 0), 0);
	memset(&a, 0, sizeof(a));
	a.size = MB;
	assert_int_equal(hammer2_rw_setattr(m.pfs, inum[2],
	    HAMMER2_SETATTR_SIZE, &a), 0);
	assert_int_equal(hammer2_rw_statfs(m.pfs, &sf0), 0);
	removed = 0;
	for (f = 0; f < nf / 2; f++) {
		snprintf(name, sizeof(name), "f%03d", f);
		assert_int_equal(hammer2_rw_remove(m.pfs, 1, name,
		    strlen(name), 0), 0);
		removed += sizes[f];
	}
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st1), 0);
	assert_int_equal(st1.bad, 0);
	assert_int_equal(st1.conflicts, 0);
	assert_true(st1.staged >= (uint64_t)removed * (MB / (16 * KB)));
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st2), 0);
	assert_true(st2.freed >= st1.staged);
	assert_int_equal(hammer2_rw_statfs(m.pfs, &sf1), 0);
	print_message("removed %d MB: bulkfree staged %llu, freed %llu; "
	    "avail %llu -> %llu MB\n", removed,
	    (unsigned long long)st1.staged, (unsigned long long)st2.freed,
	    (unsigned long long)(sf0.avail / MB),
	    (unsigned long long)(sf1.avail / MB));
	assert_true(sf1.avail >= sf0.avail + (uint64_t)removed * MB);

	/* Writing again succeeds, nearly up to what was freed. */
	for (g = 0, total = 0; total + FILEMB <= removed - 16; g++) {
		snprintf(name, sizeof(name), "g%03d", g);
		ginum = t_create(&m, 1, name, HAMMER2_OBJTYPE_REGFILE, 0644);
		for (c = 0; c < FILEMB; c++) {
			chunk_fill(b, g + 1000, c);
			assert_int_equal(hammer2_rw_write(m.pfs, ginum,
			    (uint64_t)c * MB, b, MB), 0);
		}
		gsizes[g] = FILEMB;
		total += FILEMB;
	}
	assert_true(g >= 2);
	assert_int_equal(rw_umount(&m, 1), 0);
	enospc_check_ro(path, "f", nf, sizes, nf / 2);
	enospc_check_ro(path, "g", g, gsizes, 0);
	{
		struct rom r;

		ro_mount(&r, path, NULL);
		h2t_verify_all(r.vol);
		ro_umount(&r);
	}
	free(b);
	free(got);
	unlink(path);
}

/*
 * -------------------------------------------------------------------
 * 4. A device cut in the middle of a flush
 * -------------------------------------------------------------------
 */

/*
 * The image before the change: a directory of files, a 1 MB file, on
 * 5 GB, so that flushes rotate through three header copies (0 at 0,
 * 1 at 2 GB, 2 at 4 GB); after newfs and one flush copy 1 is the best.
 */
static void
cut_base(const char *path)
{
	struct rwm m;
	uint64_t d, ino;
	char name[32];
	int i;

	t_newfs(path, 5 * GB);
	rw_mount(&m, path, 0);
	d = t_create(&m, 1, "d", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		ino = t_create(&m, d, name, HAMMER2_OBJTYPE_REGFILE, 0644);
		t_write(&m, ino, 0, 100 + (size_t)i * 3000, (uint64_t)i,
		    i % 2 == 0);
	}
	ino = t_create(&m, 1, "big", HAMMER2_OBJTYPE_REGFILE, 0644);
	t_write(&m, ino, 0, MB, 100, true);
	ino = t_create(&m, 1, "small", HAMMER2_OBJTYPE_REGFILE, 0644);
	t_write(&m, ino, 0, 200, 101, true);
	assert_int_equal(rw_umount(&m, 1), 0);
}

/* The known change: every kind of block gets rewritten. */
static void
cut_change(struct rwm *m)
{
	struct hammer2_attr a;
	uint64_t d, d2, ino;

	d = t_lookup(m, 1, "d");
	ino = t_create(m, d, "new1", HAMMER2_OBJTYPE_REGFILE, 0644);
	t_write(m, ino, 0, 100, 200, true);
	ino = t_create(m, d, "new2-with-a-name-longer-than-sixty-four-bytes-"
	    "so-it-needs-a-block", HAMMER2_OBJTYPE_REGFILE, 0600);
	t_write(m, ino, 0, 300 * KB, 201, false);
	d2 = t_create(m, 1, "d2", HAMMER2_OBJTYPE_DIRECTORY, 0700);
	t_write(m, t_lookup(m, 1, "big"), 200000, 10000, 202, false);
	/* A block of zeros: a hole under the default LZ4. */
	ino = t_lookup(m, 1, "big");
	{
		uint8_t *z = calloc(1, LBLK);

		assert_int_equal(hammer2_rw_write(m->pfs, ino, 8 * LBLK, z,
		    LBLK), 0);
		free(z);
	}
	assert_int_equal(hammer2_rw_remove(m->pfs, d, "f03", 3, 0), 0);
	assert_int_equal(hammer2_rw_rename(m->pfs, d, "f04", 3, d2,
	    "f04-moved", 9, 0), 0);
	assert_int_equal(hammer2_rw_truncate(m->pfs, t_lookup(m, d, "f05"),
	    10), 0);
	memset(&a, 0, sizeof(a));
	a.mode = 0600;
	assert_int_equal(hammer2_rw_setattr(m->pfs, t_lookup(m, d, "f06"),
	    HAMMER2_SETATTR_MODE, &a), 0);
}

/*
 * After a cut: the image holds want, under header copy hdr, verifies,
 * and mounts again.
 */
static void
cut_check(const char *path, const struct h2t_tree *want, int hdr)
{
	struct h2t_tree t;
	struct rwm m;
	struct rom r;
	struct h2t_cow cow;
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	uint64_t ino;
	int copy;

	h2t_tree_capture(path, NULL, &t);
	assert_true(h2t_tree_equal(&t, want, true));
	h2t_tree_free(&t);
	ro_mount(&r, path, NULL);
	(void)hammer2_vol_header(r.vol, &copy);
	assert_int_equal(copy, hdr);
	h2t_verify_all(r.vol);
	ro_umount(&r);

	/* Recovery must not hand out a block the image still uses. */
	h2t_cow_build(&cow, path);
	rw_mount(&m, path, 0);
	h2t_cow_watch(&m.img, &cow);
	ino = t_create(&m, 1, "again", HAMMER2_OBJTYPE_REGFILE, 0644);
	t_write(&m, ino, 0, 200 * KB, 300, false);
	assert_int_equal(rw_umount(&m, 1), 0);
	assert_int_equal(cow.bad, 0);
	h2t_cow_free(&cow);
	ro_mount(&r, path, NULL);
	assert_int_equal(hammer2_lookup_name(&r.root, "again", 5, ip), 0);
	assert_int_equal(ip->data.meta.size, 200 * KB);
	(void)hammer2_vol_header(r.vol, &copy);
	assert_int_equal(copy, (hdr + 1) % 3);
	h2t_verify_all(r.vol);
	ro_umount(&r);
	free(ip);
}

/* A cut after any write of a flush leaves the state before (or after). */
static void
a_cut_device_keeps_the_last_complete_flush(void **state)
{
	struct h2t_tree ta, tb;
	struct rwm m;
	struct h2t_cow cow;
	char base[1024], path[1024];
	long w, cut;
	uint64_t ino;

	(void)state;
	t_path(base, sizeof(base), "rw-cut-base.img");
	t_path(path, sizeof(path), "rw-cut.img");
	cut_base(base);
	h2t_tree_capture(base, NULL, &ta);

	/* Count the writes of the flush, watching for copy-on-write. */
	assert_int_equal(h2t_copy_sparse(base, path), 0);
	h2t_cow_build(&cow, base);
	rw_mount(&m, path, 0);
	cut_change(&m);
	h2t_cow_watch(&m.img, &cow);
	m.img.nwrites = 0;
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	w = m.img.nwrites;
	assert_int_equal(rw_umount(&m, 1), 0);
	assert_int_equal(cow.bad, 0);
	assert_int_equal(cow.writes, w);
	h2t_cow_free(&cow);
	print_message("the flush makes %ld writes\n", w);
	assert_true(w >= 10);
	h2t_tree_capture(path, NULL, &tb);
	assert_false(h2t_tree_equal(&ta, &tb, false));

	/*
	 * Cut after every write: w - 1 writes are all but the header; at
	 * w the header is written and the barrier after it fails.
	 */
	for (cut = 0; cut <= w; cut++) {
		assert_int_equal(h2t_copy_sparse(base, path), 0);
		rw_mount(&m, path, 0);
		cut_change(&m);
		m.img.nwrites = 0;
		m.img.cut = true;
		m.img.cut_after = cut;
		assert_int_equal(hammer2_rw_flush(m.mp), EIO);
		/* The mount refuses changes from now on. */
		assert_int_equal(hammer2_rw_create(m.pfs, 1, "x", 1,
		    &(struct hammer2_rw_create){ .type =
		    HAMMER2_OBJTYPE_REGFILE }, &ino), EROFS);
		assert_int_equal(hammer2_rw_write(m.pfs, t_lookup(&m, 1,
		    "small"), 0, "x", 1), EROFS);
		assert_int_equal(hammer2_rw_remove(m.pfs, 1, "small", 5, 0),
		    EROFS);
		assert_int_equal(hammer2_rw_flush(m.mp), EROFS);
		m.img.cut = false;
		assert_int_equal(rw_umount(&m, 1), EROFS);
		cut_check(path, cut < w ? &ta : &tb, cut < w ? 1 : 2);
	}
	h2t_tree_free(&ta);
	h2t_tree_free(&tb);
	unlink(base);
	unlink(path);
}

/*
 * -------------------------------------------------------------------
 * 5. DragonFly's images changed read-write
 * -------------------------------------------------------------------
 */

static const char *const images[] = {
	"basic-lz4-xxh64", "zlib-crc32c", "nocomp-nocheck", "big-xxh64",
	"snapshot-lz4-xxh64",
};

/* A new entry of the expected tree, for contents c[0..len). */
static void
expect_file(struct h2t_tree *t, const char *path, uint32_t mode,
    const uint8_t *c, size_t len)
{
	struct h2t_tent *e = h2t_tree_find(t, path);

	if (e == NULL)
		e = h2t_tree_add(t, path);
	e->type = HAMMER2_OBJTYPE_REGFILE;
	e->mode = mode;
	e->size = len;
	hammer2_sha256(c, len, e->sha);
}

/* Read all of inum through the rw API into a new buffer. */
static uint8_t *
rw_slurp(struct rwm *m, uint64_t inum, uint64_t size)
{
	uint8_t *b = malloc(size + 1);
	size_t n;

	assert_int_equal(hammer2_rw_read(m->pfs, inum, 0, b, size + 1, &n), 0);
	assert_int_equal(n, size);
	return (b);
}

static uint64_t
rw_path(struct rwm *m, const char *path)
{
	char buf[4096], *p, *s;
	uint64_t dir = 1;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf; (s = strchr(p, '/')) != NULL; p = s + 1) {
		*s = '\0';
		dir = t_lookup(m, dir, p);
	}
	return (t_lookup(m, dir, p));
}

/* Top-level regular files the changes pick (see dragonfly_image). */
struct picks {
	const struct h2t_tent *ovr;	/* the largest: overwritten */
	const struct h2t_tent *rmf;	/* 512 < size < 80000: removed */
	const struct h2t_tent *mvf;	/* the next other one: renamed */
};

static void
pick(const struct h2t_tree *t, struct picks *pk)
{
	const struct h2t_tent *e;
	size_t i;

	memset(pk, 0, sizeof(*pk));
	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		if (e->type != HAMMER2_OBJTYPE_REGFILE ||
		    strchr(e->path, '/') != NULL)
			continue;
		if (pk->ovr == NULL || e->size > pk->ovr->size)
			pk->ovr = e;
	}
	for (i = 0; i < t->n; i++) {
		e = &t->v[i];
		if (e->type != HAMMER2_OBJTYPE_REGFILE ||
		    strchr(e->path, '/') != NULL || e == pk->ovr)
			continue;
		if (pk->rmf == NULL && e->size > 512 && e->size < 80000)
			pk->rmf = e;
	}
	for (i = 0; i < t->n && pk->mvf == NULL; i++) {
		e = &t->v[i];
		if (e->type == HAMMER2_OBJTYPE_REGFILE &&
		    strchr(e->path, '/') == NULL && e != pk->ovr &&
		    e != pk->rmf)
			pk->mvf = e;
	}
	assert_non_null(pk->ovr);
	assert_non_null(pk->rmf);
	assert_non_null(pk->mvf);
	assert_true(pk->ovr->size >= 4 * LBLK);
}

/* Compare the PFS label of path with want (inode numbers ignored). */
static void
expect_tree(const char *path, const char *label, struct h2t_tree *want)
{
	struct h2t_tree t;
	size_t i;

	h2t_tree_capture(path, label, &t);
	for (i = 0; i < t.n; i++) {
		t.v[i].inum = t.v[i].nlinks = 0;
		/* The manifests give no mode for symlinks. */
		if (t.v[i].type == HAMMER2_OBJTYPE_SOFTLINK)
			t.v[i].mode = 0;
	}
	h2t_tree_sort(want);
	assert_true(h2t_tree_equal(&t, want, true));
	h2t_tree_free(&t);
}

/*
 * One reference image: a new directory of files, an overwrite, a
 * remove, a rename, a snapshot, a change after it; then read back.
 */
static void
dragonfly_image(const char *name)
{
	struct h2t_tree man, data, snap;
	struct picks pk;
	struct rwm m;
	struct rom r;
	struct h2t_cow cow;
	struct hammer2_inode *ip;
	struct hammer2_bulkfree_stats st;
	struct h2t_tent ovr_e, hl_e, grw_e, *e;
	struct hammer2_attr a;
	uint8_t *small, *k100, *m1, *after, *ovr, *patch, *hl, *grw, sha[32];
	uint64_t dir, ino, m1ino, ooff, mvino;
	char *src, path[1024], *ovrpath, *rmpath, *mvpath, *hlpath, *grwpath;
	size_t bytes, i;

	src = h2t_unpack(refdir, name);
	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/rw-%s.img", H2T_WORKDIR, name);
	assert_int_equal(h2t_copy_sparse(src, path), 0);
	free(src);
	h2t_manifest_load(refdir, name, &man);
	pick(&man, &pk);
	ovr_e = *pk.ovr;
	ovrpath = strdup(pk.ovr->path);
	rmpath = strdup(pk.rmf->path);
	mvpath = strdup(pk.mvf->path);
	/* hard_a, one of three names of one inode (same contents). */
	hlpath = NULL;
	for (i = 0; i < man.n && hlpath == NULL; i++) {
		bytes = strlen(man.v[i].path);
		if (bytes >= 6 && strcmp(man.v[i].path + bytes - 6,
		    "hard_a") == 0) {
			hl_e = man.v[i];
			hlpath = strdup(man.v[i].path);
		}
	}
	assert_non_null(hlpath);
	/* An embedded file, none of the above: it grows into a block. */
	grwpath = NULL;
	for (i = 0; i < man.n && grwpath == NULL; i++) {
		e = &man.v[i];
		if (e->type == HAMMER2_OBJTYPE_REGFILE && e->size > 0 &&
		    e->size <= 512 && memcmp(e->sha, hl_e.sha, 32) != 0 &&
		    strcmp(e->path, mvpath) != 0 &&
		    strcmp(e->path, rmpath) != 0) {
			grw_e = *e;
			grwpath = strdup(e->path);
		}
	}
	assert_non_null(grwpath);

	small = malloc(300);
	fill(small, 300, 1, true);
	k100 = malloc(100 * KB);
	fill(k100, 100 * KB, 2, false);
	m1 = malloc(MB);
	fill(m1, MB, 3, true);
	after = malloc(5000);
	fill(after, 5000, 4, false);
	patch = malloc(5000);
	fill(patch, 5000, 5, false);

	h2t_cow_build(&cow, path);
	rw_mount(&m, path, 0);
	h2t_cow_watch(&m.img, &cow);
	dir = t_create(&m, 1, "rwtest", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	ino = t_create(&m, dir, "small", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 0, small, 300), 0);
	ino = t_create(&m, dir, "k100", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 0, k100, 100 * KB), 0);
	m1ino = t_create(&m, dir, "m1", HAMMER2_OBJTYPE_REGFILE, 0644);
	t_setcomp(&m, m1ino, HAMMER2_COMP_LZ4);
	assert_int_equal(hammer2_rw_write(m.pfs, m1ino, 0, m1, MB), 0);

	/* Overwrite across a block boundary of the largest file. */
	ino = rw_path(&m, ovrpath);
	ovr = rw_slurp(&m, ino, ovr_e.size);
	hammer2_sha256(ovr, ovr_e.size, sha);
	assert_memory_equal(sha, ovr_e.sha, 32);
	ooff = (ovr_e.size / 2 & ~(LBLK - 1)) - 2500;
	assert_int_equal(hammer2_rw_write(m.pfs, ino, ooff, patch, 5000), 0);
	memcpy(ovr + ooff, patch, 5000);

	/* Through one name of a hard link: all three names change. */
	ino = rw_path(&m, hlpath);
	t_attr(&m, ino, &a);
	assert_int_equal(a.nlinks, 3);
	hl = rw_slurp(&m, ino, hl_e.size);
	assert_true(hl_e.size >= 150);
	memcpy(hl + 100, patch, 50);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 100, patch, 50), 0);

	/* An embedded file grows past 512 bytes. */
	ino = rw_path(&m, grwpath);
	grw = rw_slurp(&m, ino, grw_e.size);
	grw = realloc(grw, grw_e.size + 1000);
	memcpy(grw + grw_e.size, after, 1000);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, grw_e.size, after,
	    1000), 0);

	/* Remove one file, rename another into the new directory. */
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, rmpath, strlen(rmpath),
	    0), 0);
	mvino = rw_path(&m, mvpath);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, mvpath, strlen(mvpath),
	    dir, "moved", 5, 0), 0);
	assert_int_equal(rw_path(&m, "rwtest/moved"), mvino);

	/* What DATA holds now is what the snapshot must keep. */
	data = man;
	memset(&man, 0, sizeof(man));
	h2t_tree_del(&data, rmpath);
	{
		struct h2t_tent *e = h2t_tree_find(&data, mvpath);

		free(e->path);
		e->path = strdup("rwtest/moved");
	}
	expect_file(&data, ovrpath, ovr_e.mode, ovr, ovr_e.size);
	expect_file(&data, grwpath, grw_e.mode, grw, grw_e.size + 1000);
	for (i = 0, bytes = 0; i < data.n; i++) {
		e = &data.v[i];
		if (e->type == HAMMER2_OBJTYPE_REGFILE &&
		    memcmp(e->sha, hl_e.sha, 32) == 0) {
			hammer2_sha256(hl, hl_e.size, e->sha);
			bytes++;
		}
	}
	assert_int_equal(bytes, 3);
	h2t_tree_add(&data, "rwtest")->type = HAMMER2_OBJTYPE_DIRECTORY;
	h2t_tree_find(&data, "rwtest")->mode = 0755;
	expect_file(&data, "rwtest/small", 0644, small, 300);
	expect_file(&data, "rwtest/k100", 0644, k100, 100 * KB);
	expect_file(&data, "rwtest/m1", 0644, m1, MB);
	h2t_tree_copy(&snap, &data);
	assert_int_equal(hammer2_rw_snapshot(m.pfs, "rwsnap"), 0);

	/* After the snapshot: DATA moves on, the snapshot must not. */
	assert_int_equal(hammer2_rw_truncate(m.pfs, m1ino, 4096), 0);
	expect_file(&data, "rwtest/m1", 0644, m1, 4096);
	ino = t_create(&m, dir, "after", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 0, after, 5000), 0);
	expect_file(&data, "rwtest/after", 0644, after, 5000);
	assert_int_equal(rw_umount(&m, 1), 0);
	print_message("%s: %ld writes, none on a referenced block\n", name,
	    cow.writes);
	assert_int_equal(cow.bad, 0);
	assert_true(cow.writes > 10);
	h2t_cow_free(&cow);

	/* Read back: DATA, the snapshot, an older snapshot if any. */
	expect_tree(path, NULL, &data);
	expect_tree(path, "rwsnap", &snap);
	if (strcmp(name, "snapshot-lz4-xxh64") == 0) {
		h2t_manifest_load(refdir, name, &man);
		expect_tree(path, "SNAP1", &man);
		h2t_tree_free(&man);
	}

	/*
	 * Two bulkfree passes must keep every block some PFS still uses
	 * (h2t_verify_all below), and change no PFS's contents.
	 */
	rw_mount(&m, path, 0);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.conflicts, 0);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(rw_umount(&m, 1), 0);
	expect_tree(path, NULL, &data);
	expect_tree(path, "rwsnap", &snap);
	ro_mount(&r, path, "rwsnap");
	ip = malloc(sizeof(*ip));
	assert_int_equal(hammer2_lookup_path(r.pfs, "rwtest/m1", 0, ip), 0);
	{
		struct mfile mf = { .name = "m1", .inum = ip->data.meta.inum };

		assert_int_equal(ro_blockcomp(&r, &mf, 0, &bytes),
		    HAMMER2_COMP_LZ4);
		assert_true(bytes < LBLK);
	}
	free(ip);
	h2t_verify_all(r.vol);
	ro_umount(&r);

	h2t_tree_free(&data);
	h2t_tree_free(&snap);
	free(ovrpath);
	free(rmpath);
	free(mvpath);
	free(hlpath);
	free(grwpath);
	free(hl);
	free(grw);
	free(small);
	free(k100);
	free(m1);
	free(after);
	free(ovr);
	free(patch);
}

/* DragonFly's images take creates, overwrites, removes and snapshots. */
static void
dragonfly_images_modified_read_back_as_expected(void **state)
{
	size_t i;

	(void)state;
	if (refdir == NULL)
		skip();
	for (i = 0; i < sizeof(images) / sizeof(images[0]); i++)
		dragonfly_image(images[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_3000_entry_directory_splits_and_shrinks_cleanly),
		cmocka_unit_test(file_data_survives_every_shape_change),
		cmocka_unit_test(
		    links_renames_and_special_files_keep_their_counts),
		cmocka_unit_test(
		    enospc_changes_nothing_and_bulkfree_gives_space_back),
		cmocka_unit_test(a_cut_device_keeps_the_last_complete_flush),
		cmocka_unit_test(
		    dragonfly_images_modified_read_back_as_expected),
	};
	int rc;

	mkdir(H2T_WORKDIR, 0755);
	refdir = h2t_refdir();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc == 0 && refdir == NULL)
		return (77);
	return (rc);
}
