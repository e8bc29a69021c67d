/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_hold_test.c - holds of the read-write core
 * (hammer2_rw_hold/hammer2_rw_release, fs/hammer2/hammer2_whold.c):
 * a file open while its last name goes.  On sparse images made by the
 * core's newfs it checks that
 *
 *   - a held file whose last name is removed, or renamed over, stays
 *     readable, writable, settable and truncatable by number with
 *     nlinks 0, and cannot be linked again (ENOENT);
 *   - a flush while it is orphaned writes it: on a copy of the image
 *     taken then (a crash), the inode is in the PFS inode index with
 *     nlinks 0 and its contents, and no directory entry names it (read
 *     API and a raw walk of the PFS's blocks); bulkfree keeps its
 *     blocks meanwhile;
 *   - the last release deletes it (gone after a flush and a fresh
 *     open), two holds need two releases, forty holds on one handle
 *     are kept apart, releasing what is not held is EINVAL, and a held
 *     file that still has a name is not deleted;
 *   - releasing the PFS handle with holds outstanding deletes the
 *     orphans and returns 0.
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
#include "h2rw.h"

#define KB	H2T_KB
#define MB	H2T_MB
#define GB	H2T_GB
#define LBLK	H2T_LBLK

/*
 * -------------------------------------------------------------------
 * A file and its expected contents
 * -------------------------------------------------------------------
 */

#define HCAP	(1 * MB)

struct hfile {
	uint64_t	 inum;
	uint8_t		*buf;	/* HCAP bytes; zero past size */
	uint64_t	 size;
};

static void
hf_create(struct h2t_rwm *m, struct hfile *f, uint64_t dir,
    const char *name, size_t len, uint64_t seed)
{
	f->inum = h2t_rw_create(m, dir, name, HAMMER2_OBJTYPE_REGFILE, 0644);
	f->buf = calloc(1, HCAP);
	h2t_fill(f->buf, len, seed, false);
	assert_int_equal(hammer2_rw_write(m->pfs, f->inum, 0, f->buf, len), 0);
	f->size = len;
}

static void
hf_write(struct h2t_rwm *m, struct hfile *f, uint64_t off, size_t len,
    uint64_t seed)
{
	assert_true(off + len <= HCAP);
	h2t_fill(f->buf + off, len, seed, true);
	assert_int_equal(hammer2_rw_write(m->pfs, f->inum, off, f->buf + off,
	    len), 0);
	if (off + len > f->size)
		f->size = off + len;
}

/* Through the rw API: f's size, links and contents. */
static void
hf_check_rw(struct h2t_rwm *m, const struct hfile *f, uint64_t nlinks)
{
	struct hammer2_attr a;
	uint8_t *b;

	h2t_rw_attr(m, f->inum, &a);
	assert_int_equal(a.type, HAMMER2_OBJTYPE_REGFILE);
	assert_int_equal(a.nlinks, nlinks);
	assert_int_equal(a.size, f->size);
	b = h2t_rw_slurp(m, f->inum, f->size);
	assert_memory_equal(b, f->buf, f->size);
	free(b);
}

/* Through the read API: f's size, links and contents. */
static void
hf_check_ro(struct h2t_rom *r, const struct hfile *f, uint64_t nlinks)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	uint8_t *b = malloc(f->size + 1);
	size_t n;

	assert_int_equal(hammer2_inode_get(r->pfs, f->inum, ip), 0);
	assert_int_equal(ip->data.meta.nlinks, nlinks);
	assert_int_equal(ip->data.meta.size, f->size);
	assert_int_equal(hammer2_read(ip, 0, b, f->size + 1, &n), 0);
	assert_int_equal(n, f->size);
	assert_memory_equal(b, f->buf, f->size);
	free(b);
	free(ip);
}

static void
hf_free(struct hfile *f)
{
	free(f->buf);
	f->buf = NULL;
}

/* inum is gone through the rw API: no attributes, no data, no hold. */
static void
gone_rw(struct h2t_rwm *m, uint64_t inum)
{
	struct hammer2_attr a;
	uint8_t b[16];
	size_t n;

	assert_int_equal(hammer2_rw_getattr(m->pfs, inum, &a), ENOENT);
	assert_int_equal(hammer2_rw_read(m->pfs, inum, 0, b, sizeof(b), &n),
	    ENOENT);
	assert_int_equal(hammer2_rw_write(m->pfs, inum, 0, "x", 1), ENOENT);
	assert_int_equal(hammer2_rw_release(m->pfs, inum), EINVAL);
}

/*
 * -------------------------------------------------------------------
 * What the media holds about one inode
 * -------------------------------------------------------------------
 */

/* INODE brefs keyed inum and DIRENT brefs naming it, below a PFS. */
struct iwalk {
	uint64_t	inum;
	int		inodes;
	int		dirents;
	uint64_t	nlinks;		/* of the last inode found */
};

static int
iwalk_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct iwalk *w = arg;
	const struct hammer2_blockref *b = e->bref;
	const struct hammer2_inode_data *ip;

	assert_int_equal(e->error, 0);
	if (b->type == HAMMER2_BREF_TYPE_INODE && b->key == w->inum) {
		assert_non_null(e->data);
		ip = e->data;
		assert_int_equal(ip->meta.inum, w->inum);
		w->inodes++;
		w->nlinks = ip->meta.nlinks;
	}
	if (b->type == HAMMER2_BREF_TYPE_DIRENT &&
	    b->embed.dirent.inum == w->inum)
		w->dirents++;
	return (HAMMER2_WALK_CONTINUE);
}

/*
 * Walk every block below r's PFS root (its inode index and, through
 * the directory inodes in it, every directory's entries) for inum.
 */
static void
ro_walk(struct h2t_rom *r, uint64_t inum, struct iwalk *w)
{
	memset(w, 0, sizeof(*w));
	w->inum = inum;
	assert_int_equal(hammer2_walk(r->vol, r->root.data.u.blockset.blockref,
	    HAMMER2_SET_COUNT, 0, iwalk_cb, w), 0);
}

/* No entry of directory dip names inum. */
static void
ro_unnamed(const struct hammer2_inode *dip, uint64_t inum)
{
	struct h2t_dlist dl = { 0 };
	size_t i;

	assert_int_equal(hammer2_readdir(dip, 0, h2t_dlist_cb, &dl), 0);
	for (i = 0; i < dl.n; i++)
		assert_true(dl.v[i].inum != inum);
	h2t_dlist_free(&dl);
}

/* inum is neither in the index of the image at path nor named. */
static void
gone_ro(const char *path, uint64_t inum)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct iwalk w;
	struct h2t_rom r;

	h2t_ro_mount(&r, path, NULL);
	assert_int_equal(hammer2_inode_get(r.pfs, inum, ip), ENOENT);
	ro_walk(&r, inum, &w);
	assert_int_equal(w.inodes, 0);
	assert_int_equal(w.dirents, 0);
	h2t_ro_umount(&r);
	free(ip);
}

/*
 * -------------------------------------------------------------------
 * The cases
 * -------------------------------------------------------------------
 */

/*
 * Removed, or renamed over, while held: usable by number with nlinks
 * 0, no name, no new link; the last release deletes it.
 */
static void
an_unlinked_held_file_stays_usable_by_number(void **state)
{
	struct hfile f, g;
	struct hammer2_attr a;
	struct h2t_dlist dl = { 0 };
	struct h2t_rwm m;
	struct h2t_rom r;
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	char path[1024];
	uint64_t d, src, f2, x;
	int i;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-hold-use.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	d = h2t_rw_create(&m, 1, "d", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	hf_create(&m, &f, d, "f", 100 * KB, 1);	/* in data blocks */
	hf_create(&m, &g, d, "g", 300, 2);		/* embedded */
	src = h2t_rw_create(&m, d, "src", HAMMER2_OBJTYPE_REGFILE, 0600);
	assert_int_equal(hammer2_rw_hold(m.pfs, f.inum), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, g.inum), 0);

	/* f loses its name to remove, g to a rename over it. */
	assert_int_equal(hammer2_rw_remove(m.pfs, d, "f", 1, 0), 0);
	assert_int_equal(hammer2_rw_rename(m.pfs, d, "src", 3, d, "g", 1, 0),
	    0);
	assert_int_equal(hammer2_rw_lookup(m.pfs, d, "f", 1, &x), ENOENT);
	assert_int_equal(h2t_rw_lookup(&m, d, "g"), src);
	hf_check_rw(&m, &f, 0);
	hf_check_rw(&m, &g, 0);
	assert_int_equal(hammer2_rw_readdir(m.pfs, d, 0, h2t_dlist_cb, &dl),
	    0);
	assert_int_equal(dl.n, 3);
	for (i = 0; i < 3; i++)
		assert_true(dl.v[i].inum != f.inum && dl.v[i].inum != g.inum);
	h2t_dlist_free(&dl);

	/* No name comes back; the old name is free for a new file. */
	assert_int_equal(hammer2_rw_link(m.pfs, f.inum, d, "again", 5),
	    ENOENT);
	assert_int_equal(hammer2_rw_link(m.pfs, g.inum, 1, "g", 1), ENOENT);
	assert_int_equal(hammer2_rw_lookup(m.pfs, d, "again", 5, &x), ENOENT);
	assert_int_equal(hammer2_rw_lookup(m.pfs, 1, "g", 1, &x), ENOENT);
	f2 = h2t_rw_create(&m, d, "f", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_true(f2 != f.inum);

	/* Written, grown past embedding, set and truncated by number. */
	hf_write(&m, &f, 200 * KB, 5000, 3);
	hf_write(&m, &f, 10, 100, 4);
	hf_write(&m, &g, 1000, 2000, 5);
	assert_int_equal(hammer2_rw_truncate(m.pfs, f.inum, 150 * KB), 0);
	memset(f.buf + 150 * KB, 0, HCAP - 150 * KB);
	f.size = 150 * KB;
	memset(&a, 0, sizeof(a));
	a.mode = 0400;
	assert_int_equal(hammer2_rw_setattr(m.pfs, g.inum,
	    HAMMER2_SETATTR_MODE, &a), 0);
	h2t_rw_attr(&m, g.inum, &a);
	assert_int_equal(a.mode, 0400);
	hf_check_rw(&m, &f, 0);
	hf_check_rw(&m, &g, 0);
	/* Through a flush (every chain dropped, reloaded from media). */
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	hf_check_rw(&m, &f, 0);
	hf_check_rw(&m, &g, 0);

	/* The last release deletes each; a second one is refused. */
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), 0);
	gone_rw(&m, f.inum);
	hf_check_rw(&m, &g, 0);
	assert_int_equal(hammer2_rw_release(m.pfs, g.inum), 0);
	gone_rw(&m, g.inum);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

	gone_ro(path, f.inum);
	gone_ro(path, g.inum);
	h2t_ro_mount(&r, path, NULL);
	assert_int_equal(h2t_ro_inum(&r, "d/g", ip), src);
	assert_int_equal(ip->data.meta.nlinks, 1);
	assert_int_equal(h2t_ro_inum(&r, "d/f", ip), f2);
	assert_int_equal(h2t_ro_inum(&r, "d/src", ip), 0);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	hf_free(&f);
	hf_free(&g);
	free(ip);
	unlink(path);
}

/*
 * A flush while a file is orphaned writes it: an image copied then
 * (a crash) has it in the index with nlinks 0 and no name, and keeps
 * its blocks through bulkfree; after the last release it is gone and
 * two bulkfree passes free its blocks.
 */
static void
an_orphan_flushed_is_in_the_index_with_no_name(void **state)
{
	struct hammer2_bulkfree_stats st1, st2;
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct hfile f;
	struct hammer2_attr a;
	struct iwalk w;
	struct h2t_rwm m, c;
	struct h2t_rom r;
	char path[1024], crash[1024];
	uint64_t x;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-hold-orphan.img");
	h2t_workpath(crash, sizeof(crash), "rw-hold-crash.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	hf_create(&m, &f, 1, "f", 4 * LBLK, 6);
	(void)h2t_rw_create(&m, 1, "keep", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_flush(m.mp), 0);

	assert_int_equal(hammer2_rw_hold(m.pfs, f.inum), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "f", 1, 0), 0);
	hf_write(&m, &f, 300 * KB, 10 * KB, 7);
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	/* Bulkfree must keep what only the orphan references. */
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st1), 0);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st2), 0);
	assert_int_equal(st1.bad + st2.bad, 0);
	assert_int_equal(st1.conflicts + st2.conflicts, 0);
	hf_check_rw(&m, &f, 0);
	assert_int_equal(h2t_copy_sparse(path, crash), 0);

	/* The crash image: in the index with nlinks 0, nowhere named. */
	h2t_ro_mount(&r, crash, NULL);
	hf_check_ro(&r, &f, 0);
	assert_int_equal(hammer2_lookup_name(&r.root, "f", 1, ip), ENOENT);
	ro_unnamed(&r.root, f.inum);
	ro_walk(&r, f.inum, &w);
	assert_int_equal(w.inodes, 1);
	assert_int_equal(w.nlinks, 0);
	assert_int_equal(w.dirents, 0);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	/* Mounted again it is still there, still with no name. */
	h2t_rw_mount(&c, crash, 0);
	hf_check_rw(&c, &f, 0);
	assert_int_equal(hammer2_rw_lookup(c.pfs, 1, "f", 1, &x), ENOENT);
	assert_int_equal(h2t_rw_umount(&c, 0), 0);
	unlink(crash);

	/* The last release deletes it; bulkfree then frees its blocks. */
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), 0);
	gone_rw(&m, f.inum);
	assert_int_equal(hammer2_rw_lookup(m.pfs, 1, "f", 1, &x), ENOENT);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st1), 0);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st2), 0);
	print_message("after the release: bulkfree staged %llu, freed %llu "
	    "16 KB blocks\n", (unsigned long long)st1.staged,
	    (unsigned long long)st2.freed);
	/* Four random 64 KB blocks at least (the text one may shrink). */
	assert_true(st1.staged >= 4 * (LBLK / (16 * KB)));
	assert_true(st2.freed >= st1.staged);
	h2t_rw_attr(&m, h2t_rw_lookup(&m, 1, "keep"), &a);
	assert_int_equal(a.nlinks, 1);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	gone_ro(path, f.inum);
	h2t_ro_mount(&r, path, NULL);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	hf_free(&f);
	free(ip);
	unlink(path);
}

/*
 * Holds count: two holds need two releases; releasing what is not
 * held is EINVAL; holding what does not exist is ENOENT; a hold and
 * release of a file that keeps its name change nothing.
 */
static void
two_holds_need_two_releases(void **state)
{
	struct hfile f, k;
	struct h2t_rwm m;
	struct h2t_rom r;
	char path[1024];

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-hold-count.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	hf_create(&m, &f, 1, "f", 1000, 8);
	hf_create(&m, &k, 1, "k", 70 * KB, 9);
	assert_int_equal(hammer2_rw_hold(m.pfs, 999999), ENOENT);
	assert_int_equal(hammer2_rw_release(m.pfs, 999999), EINVAL);
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), EINVAL);

	/* Held and released with its name: nothing happens to it. */
	assert_int_equal(hammer2_rw_hold(m.pfs, k.inum), 0);
	assert_int_equal(hammer2_rw_release(m.pfs, k.inum), 0);
	assert_int_equal(hammer2_rw_release(m.pfs, k.inum), EINVAL);
	hf_check_rw(&m, &k, 1);

	assert_int_equal(hammer2_rw_hold(m.pfs, f.inum), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, f.inum), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "f", 1, 0), 0);
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), 0);
	hf_check_rw(&m, &f, 0);
	/* A flush between the releases changes nothing of that. */
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	hf_check_rw(&m, &f, 0);
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), 0);
	gone_rw(&m, f.inum);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

	gone_ro(path, f.inum);
	h2t_ro_mount(&r, path, NULL);
	hf_check_ro(&r, &k, 1);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	hf_free(&f);
	hf_free(&k);
	unlink(path);
}

#define NHELD	40

/*
 * Forty holds on one handle (the table grows twice and is compacted
 * on every release): each file is deleted at its own last release and
 * only then, whatever the order.
 */
static void
many_holds_are_kept_apart(void **state)
{
	struct hfile f[NHELD];
	struct hammer2_attr a;
	struct h2t_rwm m;
	struct h2t_rom r;
	int left[NHELD], order[NHELD];
	char path[1024], name[16];
	int i, j, k, t;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-hold-many.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	for (i = 0; i < NHELD; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		hf_create(&m, &f[i], 1, name, 100 + (size_t)i * 1000,
		    100 + (uint64_t)i);
		left[i] = 1 + (i % 3 == 0);
		for (k = 0; k < left[i]; k++)
			assert_int_equal(hammer2_rw_hold(m.pfs, f[i].inum), 0);
		/* Odd ones keep their name. */
		if (i % 2 == 0)
			assert_int_equal(hammer2_rw_remove(m.pfs, 1, name,
			    strlen(name), 0), 0);
		order[i] = i;
	}
	/* A fixed shuffle of the releases. */
	for (i = NHELD - 1; i > 0; i--) {
		j = (i * 7 + 3) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < NHELD; i++) {
			j = order[i];
			if (left[j] == 0)
				continue;
			assert_int_equal(hammer2_rw_release(m.pfs,
			    f[j].inum), 0);
			left[j]--;
			if (left[j] == 0 && j % 2 == 0)
				gone_rw(&m, f[j].inum);
			else
				hf_check_rw(&m, &f[j], j % 2);
			/* Every other file is as it was. */
			for (t = 0; t < NHELD; t++) {
				if (t % 2 == 0 && left[t] == 0)
					continue;
				h2t_rw_attr(&m, f[t].inum, &a);
				assert_int_equal(a.nlinks, t % 2);
				assert_int_equal(a.size, f[t].size);
			}
		}
	}
	for (i = 0; i < NHELD; i++)
		assert_int_equal(hammer2_rw_release(m.pfs, f[i].inum),
		    EINVAL);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	h2t_ro_mount(&r, path, NULL);
	for (i = 1; i < NHELD; i += 2)
		hf_check_ro(&r, &f[i], 1);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	for (i = 0; i < NHELD; i++) {
		if (i % 2 == 0)
			gone_ro(path, f[i].inum);
		hf_free(&f[i]);
	}
	unlink(path);
}

/*
 * Releasing the PFS handle with holds outstanding deletes the orphans
 * (a new handle no longer finds them, a flush writes that) and keeps
 * the held files that still have a name; it returns 0.
 */
static void
putting_the_pfs_deletes_its_orphans(void **state)
{
	struct hfile a, b, c, k;
	struct h2t_rwm m;
	struct h2t_rom r;
	char path[1024];

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-hold-put.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	hf_create(&m, &a, 1, "a", 200 * KB, 10);
	hf_create(&m, &b, 1, "b", 100, 11);
	hf_create(&m, &c, 1, "c", 3000, 12);
	hf_create(&m, &k, 1, "k", 90 * KB, 15);
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, a.inum), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, b.inum), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, b.inum), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, c.inum), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "a", 1, 0), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "b", 1, 0), 0);
	hf_write(&m, &a, 250 * KB, 1000, 13);
	hf_check_rw(&m, &a, 0);
	hf_check_rw(&m, &b, 0);

	assert_int_equal(hammer2_rw_pfs_put(m.pfs), 0);
	assert_int_equal(hammer2_rw_pfs_get(m.mp, NULL, &m.pfs), 0);
	gone_rw(&m, a.inum);
	gone_rw(&m, b.inum);
	hf_check_rw(&m, &c, 1);
	/* The new handle took over none of the old one's holds. */
	assert_int_equal(hammer2_rw_release(m.pfs, c.inum), EINVAL);
	assert_int_equal(hammer2_rw_hold(m.pfs, c.inum), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "c", 1, 0), 0);
	hf_check_rw(&m, &c, 0);

	/* Now put it before any flush: the close's flush writes that. */
	assert_int_equal(hammer2_rw_pfs_put(m.pfs), 0);
	assert_int_equal(h2t_rw_close(&m, 1), 0);
	gone_ro(path, a.inum);
	gone_ro(path, b.inum);
	gone_ro(path, c.inum);
	h2t_ro_mount(&r, path, NULL);
	hf_check_ro(&r, &k, 1);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	hf_free(&a);
	hf_free(&b);
	hf_free(&c);
	hf_free(&k);
	unlink(path);
}

/*
 * A held file with two names: losing one keeps it with nlinks 1 and
 * the release does not delete it; losing both while held orphans it
 * and the release deletes it.
 */
static void
a_held_file_with_another_name_is_not_deleted(void **state)
{
	struct hfile f;
	struct h2t_rwm m;
	struct h2t_rom r;
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	char path[1024];
	uint64_t d;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-hold-names.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	d = h2t_rw_create(&m, 1, "d", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	hf_create(&m, &f, 1, "x", 100 * KB, 14);
	assert_int_equal(hammer2_rw_link(m.pfs, f.inum, d, "y", 1), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, f.inum), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "x", 1, 0), 0);
	hf_check_rw(&m, &f, 1);
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), 0);
	hf_check_rw(&m, &f, 1);
	assert_int_equal(h2t_rw_lookup(&m, d, "y"), f.inum);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	h2t_ro_mount(&r, path, NULL);
	assert_int_equal(h2t_ro_inum(&r, "d/y", ip), f.inum);
	assert_int_equal(h2t_ro_inum(&r, "x", ip), 0);
	hf_check_ro(&r, &f, 1);
	h2t_ro_umount(&r);

	/* Held with two names that both go: orphaned by the second. */
	h2t_rw_mount(&m, path, 0);
	assert_int_equal(hammer2_rw_link(m.pfs, f.inum, 1, "x", 1), 0);
	assert_int_equal(hammer2_rw_hold(m.pfs, f.inum), 0);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "x", 1, 0), 0);
	hf_check_rw(&m, &f, 1);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, "d", 1, 1, "e", 1, 0),
	    0);
	assert_int_equal(hammer2_rw_remove(m.pfs, d, "y", 1, 0), 0);
	hf_check_rw(&m, &f, 0);
	assert_int_equal(hammer2_rw_release(m.pfs, f.inum), 0);
	gone_rw(&m, f.inum);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	gone_ro(path, f.inum);
	h2t_ro_mount(&r, path, NULL);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	hf_free(&f);
	free(ip);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_unlinked_held_file_stays_usable_by_number),
		cmocka_unit_test(
		    an_orphan_flushed_is_in_the_index_with_no_name),
		cmocka_unit_test(two_holds_need_two_releases),
		cmocka_unit_test(many_holds_are_kept_apart),
		cmocka_unit_test(putting_the_pfs_deletes_its_orphans),
		cmocka_unit_test(a_held_file_with_another_name_is_not_deleted),
	};

	mkdir(H2T_WORKDIR, 0755);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
