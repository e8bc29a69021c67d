/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_file_test.c - file data through the read-write core
 * (fs/hammer2/hammer2_rw.h), on sparse images made by the core's
 * newfs: one file grows from embedded data through direct blocks to
 * two levels of indirect blocks, with holes, overwrites, truncation
 * and extension, under LZ4 and under no compression, against a
 * host-side model (all-zero blocks become holes under LZ4).  Each step
 * is read back through the rw API before and after the flush, then
 * through the read-only API after a close and a fresh open, with the
 * compression each block got and the shape of the block tree.  Every
 * flush is watched so that no write lands on a block the image still
 * references (format 11.3).
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
 * File data
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
mf_write(struct h2t_rwm *m, struct mfile *f, uint64_t off, size_t len,
    uint64_t seed, int kind)
{
	uint8_t *b = malloc(len);

	if (kind == 0)
		memset(b, 0, len);
	else
		h2t_fill(b, len, seed, kind == 1);
	assert_true(off + len <= FCAP);
	assert_int_equal(hammer2_rw_write(m->pfs, f->inum, off, b, len), 0);
	memcpy(f->buf + off, b, len);
	if (off + len > f->size)
		f->size = off + len;
	free(b);
}

static void
mf_truncate(struct h2t_rwm *m, struct mfile *f, uint64_t size)
{
	assert_int_equal(hammer2_rw_truncate(m->pfs, f->inum, size), 0);
	if (size < f->size)
		memset(f->buf + size, 0, f->size - size);
	f->size = size;
}

/* The whole file through the rw API equals the model. */
static void
mf_check_rw(struct h2t_rwm *m, struct mfile *f)
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
mf_check_ro(struct h2t_rom *r, struct mfile *f, struct h2t_shape *sh)
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

/*
 * Check both files through rw (dirty), flush (watched for
 * copy-on-write), through rw again (from media), then close, read back
 * through the read API, and mount again.
 */
static void
mf_cycle(struct h2t_rwm *m, const char *path, struct mfile *f, int nf,
    struct h2t_shape *sh)
{
	struct h2t_cow cow;
	struct h2t_rom r;
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
	assert_int_equal(h2t_rw_umount(m, 1), 0);
	h2t_ro_mount(&r, path, NULL);
	for (i = 0; i < nf; i++)
		mf_check_ro(&r, &f[i], &sh[i]);
	h2t_verify_all(r.vol);
	h2t_ro_umount(&r);
	h2t_rw_mount(m, path, 0);
}

/* A file from embedded data to two indirect levels, against a model. */
static void
file_data_survives_every_shape_change(void **state)
{
	struct mfile f[2];
	struct h2t_shape sh[2];
	uint64_t nind[2];
	struct h2t_rwm m;
	struct h2t_rom r;
	size_t bytes;
	char path[1024];
	int i, k;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-file.img");
	h2t_mkfs(path, 1 * GB);
	memset(f, 0, sizeof(f));
	f[0].name = "lz4";
	f[0].comp = HAMMER2_COMP_LZ4;
	f[1].name = "plain";
	f[1].comp = HAMMER2_COMP_NONE;
	h2t_rw_mount(&m, path, 0);
	for (i = 0; i < 2; i++) {
		f[i].buf = calloc(1, FCAP);
		f[i].inum = h2t_rw_create(&m, 1, f[i].name,
		    HAMMER2_OBJTYPE_REGFILE, 0644);
		h2t_rw_setcomp(&m, f[i].inum, f[i].comp);
	}

	/* Embedded, with a hole inside the 512 bytes. */
	for (i = 0; i < 2; i++) {
		mf_write(&m, &f[i], 0, 100, 1, 1);
		mf_write(&m, &f[i], 300, 150, 2, 1);
	}
	mf_cycle(&m, path, f, 2, sh);
	h2t_ro_mount(&r, path, NULL);
	for (i = 0; i < 2; i++) {
		struct hammer2_inode *ip = malloc(sizeof(*ip));

		assert_int_equal(hammer2_inode_get(r.pfs, f[i].inum, ip), 0);
		assert_true(ip->data.meta.op_flags &
		    HAMMER2_OPFLAG_DIRECTDATA);
		free(ip);
	}
	h2t_ro_umount(&r);

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
	h2t_ro_mount(&r, path, NULL);
	assert_int_equal(h2t_ro_blockcomp(&r, f[0].inum, 1 * MB, &bytes),
	    HAMMER2_COMP_LZ4);
	assert_true(bytes <= 16 * KB);
	assert_int_equal(h2t_ro_blockcomp(&r, f[1].inum, 1 * MB, &bytes),
	    HAMMER2_COMP_NONE);
	assert_int_equal(bytes, LBLK);
	assert_int_equal(h2t_ro_blockcomp(&r, f[0].inum, 2 * MB, &bytes), -1);
	assert_int_equal(h2t_ro_blockcomp(&r, f[1].inum, 2 * MB, &bytes),
	    HAMMER2_COMP_NONE);
	assert_int_equal(h2t_ro_blockcomp(&r, f[0].inum, 3 * LBLK, &bytes), -1);
	/* Random data does not compress: stored as it is. */
	assert_int_equal(h2t_ro_blockcomp(&r, f[0].inum, 5 * MB, &bytes),
	    HAMMER2_COMP_NONE);
	h2t_ro_umount(&r);

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
	assert_int_equal(h2t_rw_umount(&m, 1), 0);
	for (i = 0; i < 2; i++)
		free(f[i].buf);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_data_survives_every_shape_change),
	};

	mkdir(H2T_WORKDIR, 0755);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
