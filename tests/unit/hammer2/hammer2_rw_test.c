/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_test.c - names in the read-write core (fs/hammer2/
 * hammer2_rw.h), on sparse images made by the core's newfs.  What is
 * changed is checked through the rw API before the flush and through
 * the read-only API after a close and a fresh open:
 *
 *   - a 3,000-entry directory splits the directory and the PFS inode
 *     index into indirect blocks that follow format 4.1-4.3 (sorted,
 *     disjoint, aligned, inside their indirect block's range, sized as
 *     4.3 says), and every name resolves before and after most of the
 *     entries are removed again;
 *   - hard links count their names, renames replace and move (a
 *     directory's parent follows), symlinks and devices keep what they
 *     were made with.
 *
 * File data is hammer2_rw_file_test.c's, open-but-unlinked files
 * hammer2_rw_hold_test.c's, a full volume and a cut device
 * hammer2_rw_space_test.c's, DragonFly's images hammer2_rw_dfly_test.c's.
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
 * Directory and inode-index splits
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
paged_listing(struct h2t_rwm *m, uint64_t dir, const struct hammer2_inode *dip,
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
es_check_rw(struct h2t_rwm *m, struct eset *es, uint64_t big)
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
	struct h2t_rom r;
	char want[64], got[64];
	size_t n;
	int i;

	bip = malloc(sizeof(*bip));
	ip = malloc(sizeof(*ip));
	cip = malloc(sizeof(*cip));
	h2t_ro_mount(&r, path, NULL);
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
	h2t_ro_umount(&r);
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
	struct h2t_rwm m;
	char path[1024], buf[64];
	uint64_t big, nino, dummy;
	int i, live;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-dir.img");
	h2t_mkfs(path, 1 * GB);
	memset(&es, 0, sizeof(es));
	es.n = NENT;
	es.name = calloc(NENT, sizeof(*es.name));
	es.inum = calloc(NENT, sizeof(*es.inum));
	es.type = calloc(NENT, sizeof(*es.type));
	es.child = calloc(NENT, sizeof(*es.child));
	es.live = calloc(NENT, sizeof(*es.live));
	es.order = calloc(NENT, sizeof(*es.order));

	h2t_rw_mount(&m, path, 0);
	big = h2t_rw_create(&m, 1, "big", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	nino = 1;
	for (i = 0; i < NENT; i++) {
		es.name[i] = ent_name(i);
		es.type[i] = ent_isdir(i) ? HAMMER2_OBJTYPE_DIRECTORY :
		    HAMMER2_OBJTYPE_REGFILE;
		es.inum[i] = h2t_rw_create(&m, big, es.name[i], es.type[i],
		    ent_isdir(i) ? 0755 : 0644);
		es.live[i] = true;
		es.order[i] = i;
		nino++;
		if (ent_isdir(i) && i % 3 == 0) {
			es.child[i] = h2t_rw_create(&m, es.inum[i], "child",
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
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

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
	h2t_rw_mount(&m, path, 0);
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
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

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
 * Names: links, renames, symlinks, devices
 * -------------------------------------------------------------------
 */

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
	struct h2t_rwm m;
	struct h2t_rom r;
	char path[1024], target[800], got[1024];
	uint64_t da, db, f, h, sub, empty, ln, dev, x;
	size_t n;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-names.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	da = h2t_rw_create(&m, 1, "a", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	db = h2t_rw_create(&m, 1, "b", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	f = h2t_rw_create(&m, da, "f", HAMMER2_OBJTYPE_REGFILE, 0644);
	h2t_rw_fill(&m, f, 0, 1000, 1, true);

	/* A second name; none for a directory; no name twice. */
	assert_int_equal(hammer2_rw_link(m.pfs, f, db, "g", 1), 0);
	h2t_rw_attr(&m, f, &a);
	assert_int_equal(a.nlinks, 2);
	assert_int_equal(hammer2_rw_link(m.pfs, da, db, "adir", 4), EPERM);
	assert_int_equal(hammer2_rw_link(m.pfs, f, db, "g", 1), EEXIST);
	/* Renaming a name onto another name of the same inode: nothing. */
	assert_int_equal(hammer2_rw_rename(m.pfs, da, "f", 1, db, "g", 1, 0),
	    0);
	assert_int_equal(h2t_rw_lookup(&m, da, "f"), f);
	assert_int_equal(h2t_rw_lookup(&m, db, "g"), f);

	/* Replacing a file drops its inode; NOREPLACE refuses. */
	h = h2t_rw_create(&m, db, "h", HAMMER2_OBJTYPE_REGFILE, 0600);
	h2t_rw_fill(&m, h, 0, 100, 2, true);
	assert_int_equal(hammer2_rw_rename(m.pfs, db, "g", 1, db, "h", 1,
	    HAMMER2_RENAME_NOREPLACE), EEXIST);
	assert_int_equal(hammer2_rw_rename(m.pfs, db, "g", 1, db, "h", 1, 0),
	    0);
	assert_int_equal(h2t_rw_lookup(&m, db, "h"), f);
	assert_int_equal(hammer2_rw_lookup(m.pfs, db, "g", 1, &x), ENOENT);
	assert_int_equal(hammer2_rw_getattr(m.pfs, h, &a), ENOENT);
	h2t_rw_attr(&m, f, &a);
	assert_int_equal(a.nlinks, 2);
	assert_int_equal(hammer2_rw_remove(m.pfs, da, "f", 1, 0), 0);
	h2t_rw_attr(&m, f, &a);
	assert_int_equal(a.nlinks, 1);

	/* Directories: not into themselves, not removed while full. */
	sub = h2t_rw_create(&m, da, "sub", HAMMER2_OBJTYPE_DIRECTORY, 0700);
	(void)h2t_rw_create(&m, sub, "x", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, "a", 1, sub, "a2", 2, 0),
	    EINVAL);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "a", 1, 1), ENOTEMPTY);
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, "a", 1, 0), EISDIR);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, "a", 1, db, "a-moved", 7,
	    0), 0);
	h2t_rw_attr(&m, da, &a);
	assert_int_equal(a.iparent, db);
	assert_int_equal(h2t_rw_lookup(&m, da, ".."), db);
	/* A directory replaces an empty one, and comes back to the root. */
	empty = h2t_rw_create(&m, 1, "empty", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	assert_int_equal(hammer2_rw_rename(m.pfs, db, "a-moved", 7, 1,
	    "empty", 5, 0), 0);
	assert_int_equal(h2t_rw_lookup(&m, 1, "empty"), da);
	assert_int_equal(hammer2_rw_getattr(m.pfs, empty, &a), ENOENT);
	h2t_rw_attr(&m, da, &a);
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
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

	/* The same after a fresh open through the read API. */
	h2t_ro_mount(&r, path, NULL);
	assert_int_equal(h2t_ro_inum(&r, "b/h", ip), f);
	assert_int_equal(ip->data.meta.nlinks, 1);
	assert_int_equal(ip->data.meta.size, 1000);
	assert_int_equal(h2t_ro_inum(&r, "b/g", ip), 0);
	assert_int_equal(h2t_ro_inum(&r, "a", ip), 0);
	assert_int_equal(hammer2_inode_get(r.pfs, h, ip), ENOENT);
	assert_int_equal(hammer2_inode_get(r.pfs, empty, ip), ENOENT);
	assert_int_equal(h2t_ro_inum(&r, "empty/sub/x", ip) != 0, 1);
	assert_int_equal(h2t_ro_inum(&r, "empty", ip), da);
	assert_int_equal(ip->data.meta.iparent, 1);
	assert_int_equal(h2t_ro_inum(&r, "empty/sub/..", ip), da);
	assert_int_equal(h2t_ro_inum(&r, "b/ln", ip), ln);
	assert_int_equal(hammer2_readlink(ip, got, sizeof(got), &n), 0);
	assert_int_equal(n, 700);
	assert_memory_equal(got, target, 700);
	assert_false(ip->data.meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA);
	assert_true(h2t_ro_inum(&r, "b/ln9", ip) != 0);
	assert_int_equal(hammer2_readlink(ip, got, sizeof(got), &n), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(got, target, 9);
	assert_int_equal(h2t_ro_inum(&r, "b/tty", ip), dev);
	assert_int_equal(hammer2_getattr(ip, &a), 0);
	assert_int_equal(a.type, HAMMER2_OBJTYPE_CDEV);
	assert_int_equal(a.mode, 0620);
	assert_int_equal(a.rmajor, 5);
	assert_int_equal(a.rminor, 7);
	assert_true(h2t_ro_inum(&r, "b/fifo", ip) != 0);
	assert_int_equal(ip->data.meta.type, HAMMER2_OBJTYPE_FIFO);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	free(ip);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    a_3000_entry_directory_splits_and_shrinks_cleanly),
		cmocka_unit_test(
		    links_renames_and_special_files_keep_their_counts),
	};

	mkdir(H2T_WORKDIR, 0755);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
