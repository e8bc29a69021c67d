/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_space_test.c - the read-write core (fs/hammer2/
 * hammer2_rw.h) at the edges of its media, on sparse images made by
 * the core's newfs:
 *
 *   - ENOSPC at the edge of a full 1 GB volume changes nothing,
 *     everything accepted before it survives, a full volume still
 *     takes removes and shrinking, and space comes back after two
 *     bulkfree passes;
 *   - a device cut after each write of a flush leaves exactly the state
 *     before that flush (or after it, once the header is written), a
 *     mount that answers EROFS, and an image whose every check code
 *     verifies and that mounts and takes changes again without
 *     overwriting a block it still uses.
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
 * ENOSPC at the edge
 * -------------------------------------------------------------------
 */

#define FILEMB	64

static void
chunk_fill(uint8_t *b, int file, int chunk)
{
	h2t_fill(b, MB, ((uint64_t)file << 20) | (uint64_t)chunk, false);
}

/* Files named prefix%03d: sizes[] MB each, contents by chunk_fill. */
static void
enospc_check_ro(const char *path, const char *prefix, int nfiles,
    const int *sizes, int first)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	uint8_t *want = malloc(MB), *got = malloc(MB);
	char name[32];
	struct h2t_rom r;
	size_t n;
	int f, c;

	h2t_ro_mount(&r, path, NULL);
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
	h2t_ro_umount(&r);
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
	struct h2t_rwm m;
	uint8_t *b = malloc(MB), *got = malloc(MB);
	struct hammer2_rw_create cr;
	uint64_t inum[64], ginum, sinum;
	int sizes[64], gsizes[64], ns;
	char path[1024], name[32];
	size_t n;
	int f = 0, c = 0, error = 0, nf, removed, g, total;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-enospc.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 32 * MB);
	/* Inherited by new files. */
	h2t_rw_setcomp(&m, 1, HAMMER2_COMP_NONE);
	for (f = 0; f < 64 && error == 0; f++) {
		snprintf(name, sizeof(name), "f%03d", f);
		inum[f] = h2t_rw_create(&m, 1, name, HAMMER2_OBJTYPE_REGFILE,
		    0644);
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
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	enospc_check_ro(path, "f", nf, sizes, 0);
	{
		struct hammer2_inode *ip = malloc(sizeof(*ip));
		struct h2t_rom r;

		h2t_ro_mount(&r, path, NULL);
		for (g = 0; g < ns; g++) {
			snprintf(name, sizeof(name), "s%05d", g);
			assert_int_equal(hammer2_lookup_name(&r.root, name,
			    strlen(name), ip), 0);
			assert_int_equal(hammer2_read(ip, 0, got, MB, &n), 0);
			assert_int_equal(n, strlen(name));
			assert_memory_equal(got, name, n);
		}
		h2t_ro_umount(&r);
		free(ip);
	}

	/*
	 * Half the files go, though nothing new fits any more; two
	 * bulkfree passes return their blocks.
	 */
	h2t_rw_mount(&m, path, 32 * MB);
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
		ginum = h2t_rw_create(&m, 1, name, HAMMER2_OBJTYPE_REGFILE,
		    0644);
		for (c = 0; c < FILEMB; c++) {
			chunk_fill(b, g + 1000, c);
			assert_int_equal(hammer2_rw_write(m.pfs, ginum,
			    (uint64_t)c * MB, b, MB), 0);
		}
		gsizes[g] = FILEMB;
		total += FILEMB;
	}
	assert_true(g >= 2);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	enospc_check_ro(path, "f", nf, sizes, nf / 2);
	enospc_check_ro(path, "g", g, gsizes, 0);
	{
		struct h2t_rom r;

		h2t_ro_mount(&r, path, NULL);
		h2t_verify_all(r.vol);
		h2t_ro_umount(&r);
	}
	free(b);
	free(got);
	unlink(path);
}

/*
 * -------------------------------------------------------------------
 * A device cut in the middle of a flush
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
	struct h2t_rwm m;
	uint64_t d, ino;
	char name[32];
	int i;

	h2t_mkfs(path, 5 * GB);
	h2t_rw_mount(&m, path, 0);
	d = h2t_rw_create(&m, 1, "d", HAMMER2_OBJTYPE_DIRECTORY, 0755);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		ino = h2t_rw_create(&m, d, name, HAMMER2_OBJTYPE_REGFILE, 0644);
		h2t_rw_fill(&m, ino, 0, 100 + (size_t)i * 3000, (uint64_t)i,
		    i % 2 == 0);
	}
	ino = h2t_rw_create(&m, 1, "big", HAMMER2_OBJTYPE_REGFILE, 0644);
	h2t_rw_fill(&m, ino, 0, MB, 100, true);
	ino = h2t_rw_create(&m, 1, "small", HAMMER2_OBJTYPE_REGFILE, 0644);
	h2t_rw_fill(&m, ino, 0, 200, 101, true);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
}

/* The known change: every kind of block gets rewritten. */
static void
cut_change(struct h2t_rwm *m)
{
	struct hammer2_attr a;
	uint64_t d, d2, ino;

	d = h2t_rw_lookup(m, 1, "d");
	ino = h2t_rw_create(m, d, "new1", HAMMER2_OBJTYPE_REGFILE, 0644);
	h2t_rw_fill(m, ino, 0, 100, 200, true);
	ino = h2t_rw_create(m, d,
	    "new2-with-a-name-longer-than-sixty-four-bytes-so-it-needs-a-block",
	    HAMMER2_OBJTYPE_REGFILE, 0600);
	h2t_rw_fill(m, ino, 0, 300 * KB, 201, false);
	d2 = h2t_rw_create(m, 1, "d2", HAMMER2_OBJTYPE_DIRECTORY, 0700);
	h2t_rw_fill(m, h2t_rw_lookup(m, 1, "big"), 200000, 10000, 202, false);
	/* A block of zeros: a hole under the default LZ4. */
	ino = h2t_rw_lookup(m, 1, "big");
	{
		uint8_t *z = calloc(1, LBLK);

		assert_int_equal(hammer2_rw_write(m->pfs, ino, 8 * LBLK, z,
		    LBLK), 0);
		free(z);
	}
	assert_int_equal(hammer2_rw_remove(m->pfs, d, "f03", 3, 0), 0);
	assert_int_equal(hammer2_rw_rename(m->pfs, d, "f04", 3, d2,
	    "f04-moved", 9, 0), 0);
	assert_int_equal(hammer2_rw_truncate(m->pfs, h2t_rw_lookup(m, d, "f05"),
	    10), 0);
	memset(&a, 0, sizeof(a));
	a.mode = 0600;
	assert_int_equal(hammer2_rw_setattr(m->pfs, h2t_rw_lookup(m, d, "f06"),
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
	struct h2t_rwm m;
	struct h2t_rom r;
	struct h2t_cow cow;
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	uint64_t ino;
	int copy;

	h2t_tree_capture(path, NULL, &t);
	assert_true(h2t_tree_equal(&t, want, true));
	h2t_tree_free(&t);
	h2t_ro_mount(&r, path, NULL);
	(void)hammer2_vol_header(r.vol, &copy);
	assert_int_equal(copy, hdr);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);

	/* Recovery must not hand out a block the image still uses. */
	h2t_cow_build(&cow, path);
	h2t_rw_mount(&m, path, 0);
	h2t_cow_watch(&m.img, &cow);
	ino = h2t_rw_create(&m, 1, "again", HAMMER2_OBJTYPE_REGFILE, 0644);
	h2t_rw_fill(&m, ino, 0, 200 * KB, 300, false);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	assert_int_equal(cow.bad, 0);
	h2t_cow_free(&cow);
	h2t_ro_mount(&r, path, NULL);
	assert_int_equal(hammer2_lookup_name(&r.root, "again", 5, ip), 0);
	assert_int_equal(ip->data.meta.size, 200 * KB);
	(void)hammer2_vol_header(r.vol, &copy);
	assert_int_equal(copy, (hdr + 1) % 3);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	free(ip);
}

/* A cut after any write of a flush leaves the state before (or after). */
static void
a_cut_device_keeps_the_last_complete_flush(void **state)
{
	struct h2t_tree ta, tb;
	struct h2t_rwm m;
	struct h2t_cow cow;
	char base[1024], path[1024];
	long w, cut;
	uint64_t ino;

	(void)state;
	h2t_workpath(base, sizeof(base), "rw-cut-base.img");
	h2t_workpath(path, sizeof(path), "rw-cut.img");
	cut_base(base);
	h2t_tree_capture(base, NULL, &ta);

	/* Count the writes of the flush, watching for copy-on-write. */
	assert_int_equal(h2t_copy_sparse(base, path), 0);
	h2t_cow_build(&cow, base);
	h2t_rw_mount(&m, path, 0);
	cut_change(&m);
	h2t_cow_watch(&m.img, &cow);
	m.img.nwrites = 0;
	assert_int_equal(hammer2_rw_flush(m.mp), 0);
	w = m.img.nwrites;
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
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
		h2t_rw_mount(&m, path, 0);
		cut_change(&m);
		m.img.nwrites = 0;
		m.img.cut = true;
		m.img.cut_after = cut;
		assert_int_equal(hammer2_rw_flush(m.mp), EIO);
		/* The mount refuses changes from now on. */
		assert_int_equal(hammer2_rw_create(m.pfs, 1, "x", 1,
		    &(struct hammer2_rw_create){ .type =
		    HAMMER2_OBJTYPE_REGFILE }, &ino), EROFS);
		assert_int_equal(hammer2_rw_write(m.pfs, h2t_rw_lookup(&m, 1,
		    "small"), 0, "x", 1), EROFS);
		assert_int_equal(hammer2_rw_remove(m.pfs, 1, "small", 5, 0),
		    EROFS);
		assert_int_equal(hammer2_rw_flush(m.mp), EROFS);
		m.img.cut = false;
		assert_int_equal(h2t_rw_umount(&m, 1), EROFS);
		cut_check(path, cut < w ? &ta : &tb, cut < w ? 1 : 2);
	}
	h2t_tree_free(&ta);
	h2t_tree_free(&tb);
	unlink(base);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    enospc_changes_nothing_and_bulkfree_gives_space_back),
		cmocka_unit_test(a_cut_device_keeps_the_last_complete_flush),
	};

	mkdir(H2T_WORKDIR, 0755);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
