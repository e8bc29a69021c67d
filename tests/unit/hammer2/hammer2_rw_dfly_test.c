/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_dfly_test.c - DragonFly's reference images changed by the
 * read-write core (fs/hammer2/hammer2_rw.h): a new directory of files,
 * an overwrite across a block boundary, a write through a hard link,
 * an embedded file grown, a remove, a rename, a snapshot and a change
 * after it, then two bulkfree passes.  Each image reads back as
 * expected, manifest entry by manifest entry, in DATA, in the new
 * snapshot and in an older snapshot, and every flush is watched so
 * that no write lands on a block the image still references (format
 * 11.3).  The images are left in the work directory as rw-<name>.img
 * for hammer2.rw_check (fsck_hammer2 -a and h2walk.py; the names are
 * listed in rw_check.sh too).  Without the reference images the case
 * skips and the program exits 77.
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

static const char *refdir;

/*
 * -------------------------------------------------------------------
 * DragonFly's images changed read-write
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
	struct h2t_rwm m;
	struct h2t_rom r;
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
	h2t_fill(small, 300, 1, true);
	k100 = malloc(100 * KB);
	h2t_fill(k100, 100 * KB, 2, false);
	m1 = malloc(MB);
	h2t_fill(m1, MB, 3, true);
	after = malloc(5000);
	h2t_fill(after, 5000, 4, false);
	patch = malloc(5000);
	h2t_fill(patch, 5000, 5, false);

	h2t_cow_build(&cow, path);
	h2t_rw_mount(&m, path, 0);
	h2t_cow_watch(&m.img, &cow);
	dir = h2t_rw_create(&m, 1, "rwtest", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	ino = h2t_rw_create(&m, dir, "small", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 0, small, 300), 0);
	ino = h2t_rw_create(&m, dir, "k100", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 0, k100, 100 * KB), 0);
	m1ino = h2t_rw_create(&m, dir, "m1", HAMMER2_OBJTYPE_REGFILE, 0644);
	h2t_rw_setcomp(&m, m1ino, HAMMER2_COMP_LZ4);
	assert_int_equal(hammer2_rw_write(m.pfs, m1ino, 0, m1, MB), 0);

	/* Overwrite across a block boundary of the largest file. */
	ino = h2t_rw_path(&m, ovrpath);
	ovr = h2t_rw_slurp(&m, ino, ovr_e.size);
	hammer2_sha256(ovr, ovr_e.size, sha);
	assert_memory_equal(sha, ovr_e.sha, 32);
	ooff = (ovr_e.size / 2 & ~(LBLK - 1)) - 2500;
	assert_int_equal(hammer2_rw_write(m.pfs, ino, ooff, patch, 5000), 0);
	memcpy(ovr + ooff, patch, 5000);

	/* Through one name of a hard link: all three names change. */
	ino = h2t_rw_path(&m, hlpath);
	h2t_rw_attr(&m, ino, &a);
	assert_int_equal(a.nlinks, 3);
	hl = h2t_rw_slurp(&m, ino, hl_e.size);
	assert_true(hl_e.size >= 150);
	memcpy(hl + 100, patch, 50);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 100, patch, 50), 0);

	/* An embedded file grows past 512 bytes. */
	ino = h2t_rw_path(&m, grwpath);
	grw = h2t_rw_slurp(&m, ino, grw_e.size);
	grw = realloc(grw, grw_e.size + 1000);
	memcpy(grw + grw_e.size, after, 1000);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, grw_e.size, after,
	    1000), 0);

	/* Remove one file, rename another into the new directory. */
	assert_int_equal(hammer2_rw_remove(m.pfs, 1, rmpath, strlen(rmpath),
	    0), 0);
	mvino = h2t_rw_path(&m, mvpath);
	assert_int_equal(hammer2_rw_rename(m.pfs, 1, mvpath, strlen(mvpath),
	    dir, "moved", 5, 0), 0);
	assert_int_equal(h2t_rw_path(&m, "rwtest/moved"), mvino);

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
	ino = h2t_rw_create(&m, dir, "after", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, ino, 0, after, 5000), 0);
	expect_file(&data, "rwtest/after", 0644, after, 5000);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
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
	h2t_rw_mount(&m, path, 0);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.conflicts, 0);
	assert_int_equal(hammer2_rw_bulkfree(m.mp, &st), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	expect_tree(path, NULL, &data);
	expect_tree(path, "rwsnap", &snap);
	h2t_ro_mount(&r, path, "rwsnap");
	ip = malloc(sizeof(*ip));
	assert_int_equal(hammer2_lookup_path(r.pfs, "rwtest/m1", 0, ip), 0);
	assert_int_equal(h2t_ro_blockcomp(&r, ip->data.meta.inum, 0, &bytes),
	    HAMMER2_COMP_LZ4);
	assert_true(bytes < LBLK);
	free(ip);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);

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
