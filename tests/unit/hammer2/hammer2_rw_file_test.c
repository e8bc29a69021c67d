/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_rw_file_test.c - file data through the read-write core
 * (fs/hammer2/hammer2_rw.h), on sparse images made by the core's
 * newfs: one file grows from embedded data through direct blocks to
 * two levels of indirect blocks, with holes, overwrites, truncation
 * and extension, under LZ4 and under no compression, against a
 * host-side model (all-zero blocks become holes under LZ4).  Under
 * ZLIB at levels 0, 6 and 9, text blocks are stored compressed to at
 * most half their size as streams the system zlib decodes (level 0
 * the same as 6, format 10.3), random blocks as they are.  Each step
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
#include <zlib.h>

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

/*
 * Write len bytes at off to f and its model: kind 0 zeros, 1 text, 2
 * random bytes, k >= 3 random digits of a 2^k alphabet (k bits of
 * entropy a byte).
 */
static void
mf_write(struct h2t_rwm *m, struct mfile *f, uint64_t off, size_t len,
    uint64_t seed, int kind)
{
	uint8_t *b = malloc(len);
	size_t i;

	if (kind == 0)
		memset(b, 0, len);
	else
		h2t_fill(b, len, seed, kind == 1);
	for (i = 0; kind >= 3 && i < len; i++)
		b[i] = (uint8_t)('0' + (b[i] & ((1 << kind) - 1)));
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
 * for all-zero blocks under compression, the compression each block
 * got, and the shape of its block tree.
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
			} else if ((f->comp & 0x0F) != HAMMER2_COMP_NONE) {
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

/*
 * -------------------------------------------------------------------
 * ZLIB on write
 * -------------------------------------------------------------------
 */

/* The logical size of the block at lb of a file of size bytes. */
static size_t
lblock_size(uint64_t size, uint64_t lb)
{
	size_t n = 1024;

	if (size >= lb + LBLK)
		return (LBLK);
	while (n < size - lb)
		n <<= 1;
	return (n);
}

/*
 * The ZLIB block at lb of f read raw from the media: a stream of at
 * most half the logical size, in the smallest power of two (1 KB at
 * least) that holds it (so at most half the logical size too, but for
 * a 1 KB block, format 10.1), an RFC 1950 header (deflate, 32 KB
 * window, no dictionary, the level hint zlib gives f's level clamped
 * to 6..9), and a stream the system zlib decodes to the logical block
 * of the model.  The physical bytes go to phys (LBLK); returns
 * their length.
 */
static size_t
zlib_block_check(struct h2t_rom *r, const struct mfile *f, uint64_t lb,
    uint8_t *phys)
{
	struct hammer2_inode *ip = malloc(sizeof(*ip));
	struct hammer2_blockref bref;
	uint8_t *out = malloc(LBLK);
	uLongf outlen = LBLK;
	uLong srclen;
	size_t lsize, bytes, p2;

	assert_int_equal(hammer2_inode_get(r->pfs, f->inum, ip), 0);
	assert_int_equal(hammer2_bmap(ip, lb, &bref), 0);
	if (HAMMER2_DEC_COMP(bref.methods) != HAMMER2_COMP_ZLIB)
		fail_msg("%s: block %llu stored with compression %d", f->name,
		    (unsigned long long)lb, HAMMER2_DEC_COMP(bref.methods));
	lsize = lblock_size(f->size, lb);
	bytes = hammer2_bref_bytes(&bref);
	assert_true(bytes <= lsize / 2 || (lsize == 1024 && bytes == 1024));
	assert_int_equal(hammer2_block_read(r->vol, &bref, phys, LBLK, NULL),
	    0);
	assert_int_equal(phys[0], 0x78);
	assert_int_equal(((unsigned)phys[0] << 8 | phys[1]) % 31, 0);
	assert_int_equal(phys[1] & 0x20, 0);
	assert_int_equal(phys[1] >> 6, (f->comp >> 4) >= 7 ? 3 : 2);
	srclen = bytes;
	assert_int_equal(uncompress2(out, &outlen, phys, &srclen), Z_OK);
	assert_int_equal(outlen, lsize);
	if (memcmp(out, f->buf + lb, lsize) != 0)
		fail_msg("%s: block %llu decodes to other bytes", f->name,
		    (unsigned long long)lb);
	assert_true(srclen <= lsize / 2);
	for (p2 = 1024; p2 < srclen; p2 <<= 1)
		;
	assert_int_equal(bytes, p2);
	free(out);
	free(ip);
	return (bytes);
}

/* The block at lb of f is stored as it is, at its logical size. */
static void
plain_block_check(struct h2t_rom *r, const struct mfile *f, uint64_t lb)
{
	size_t bytes = 0;

	assert_int_equal(h2t_ro_blockcomp(r, f->inum, lb, &bytes),
	    HAMMER2_COMP_NONE);
	assert_int_equal(bytes, lblock_size(f->size, lb));
}

#define ZLEVELS	3

/* The files of each level. */
enum { ZF_TEXT, ZF_RANDOM, ZF_MIXED, ZF_TAIL, ZF_SHORT, ZFILES };

/*
 * Directory z<level> with comp_algo ZLIB at level, and its files,
 * which must inherit that, written.
 */
static void
zlib_make(struct h2t_rwm *m, struct mfile *z, int level)
{
	static const char *const names[ZFILES] = { "text", "random", "mixed",
	    "tail", "short" };
	struct hammer2_attr a;
	char name[16];
	uint64_t dir;
	int k, comp = level << 4 | HAMMER2_COMP_ZLIB;

	snprintf(name, sizeof(name), "z%d", level);
	dir = h2t_rw_create(m, 1, name, HAMMER2_OBJTYPE_DIRECTORY, 0755);
	h2t_rw_setcomp(m, dir, comp);
	for (k = 0; k < ZFILES; k++) {
		z[k].name = names[k];
		z[k].comp = comp;
		z[k].buf = calloc(1, FCAP);
		z[k].inum = h2t_rw_create(m, dir, names[k],
		    HAMMER2_OBJTYPE_REGFILE, 0644);
		h2t_rw_attr(m, z[k].inum, &a);
		assert_int_equal(a.comp_algo, comp);
	}
	/* Four blocks of text and a partial one (16 KB logical). */
	mf_write(m, &z[ZF_TEXT], 0, 4 * LBLK + 10000, 30, 1);
	mf_write(m, &z[ZF_RANDOM], 0, 3 * LBLK + 5000, 31, 2);
	/*
	 * Text, random, zeros, text over what was random, 5 bits of
	 * entropy a byte (no stream fits half a block), 3 bits (one does).
	 */
	mf_write(m, &z[ZF_MIXED], 0, LBLK, 32, 1);
	mf_write(m, &z[ZF_MIXED], LBLK, LBLK, 33, 2);
	mf_write(m, &z[ZF_MIXED], 2 * LBLK, LBLK, 0, 0);
	mf_write(m, &z[ZF_MIXED], 3 * LBLK, LBLK, 34, 2);
	mf_write(m, &z[ZF_MIXED], 3 * LBLK, LBLK, 35, 1);
	mf_write(m, &z[ZF_MIXED], 4 * LBLK, LBLK, 36, 5);
	mf_write(m, &z[ZF_MIXED], 5 * LBLK, LBLK, 37, 3);
	/* A block of text and 700 bytes (1 KB logical). */
	mf_write(m, &z[ZF_TAIL], 0, LBLK + 700, 38, 1);
	mf_write(m, &z[ZF_SHORT], 0, LBLK + 700, 39, 1);
}

/*
 * How each block of one level's files is stored; the physical bytes
 * of the first text block go to phys0 (LBLK), their length is
 * returned.
 */
static size_t
zlib_check(struct h2t_rom *r, const struct mfile *z, int level,
    uint8_t *phys0)
{
	uint8_t *p = malloc(LBLK);
	size_t bytes, b3;
	uint64_t lb;

	for (lb = 0; lb < z[ZF_TEXT].size; lb += LBLK)
		(void)zlib_block_check(r, &z[ZF_TEXT], lb, p);
	bytes = zlib_block_check(r, &z[ZF_TEXT], 0, phys0);
	for (lb = 0; lb < z[ZF_RANDOM].size; lb += LBLK)
		plain_block_check(r, &z[ZF_RANDOM], lb);
	(void)zlib_block_check(r, &z[ZF_MIXED], 0, p);
	plain_block_check(r, &z[ZF_MIXED], LBLK);
	assert_int_equal(h2t_ro_blockcomp(r, z[ZF_MIXED].inum, 2 * LBLK, &b3),
	    -1);
	(void)zlib_block_check(r, &z[ZF_MIXED], 3 * LBLK, p);
	plain_block_check(r, &z[ZF_MIXED], 4 * LBLK);
	b3 = zlib_block_check(r, &z[ZF_MIXED], 5 * LBLK, p);
	/* The tail grew from 1 KB to 8 KB; the short one stayed. */
	(void)zlib_block_check(r, &z[ZF_TAIL], 0, p);
	assert_int_equal(lblock_size(z[ZF_TAIL].size, LBLK), 8 * KB);
	(void)zlib_block_check(r, &z[ZF_TAIL], LBLK, p);
	assert_int_equal(zlib_block_check(r, &z[ZF_SHORT], LBLK, p), 1024);
	print_message("zlib level %d: a block of text in %zu bytes, of 3-bit "
	    "symbols in %zu\n", level, bytes, b3);
	free(p);
	return (bytes);
}

/*
 * Directories with comp_algo ZLIB at levels 0, 6 and 9 pass it on to
 * their new files; text blocks are stored as zlib streams of at most
 * half the block that the system zlib decodes (a 1 KB tail in 1 KB,
 * as format 10.1 allows), random ones as they are, all-zero ones as
 * holes; all read back exactly, also after changes inside blocks
 * stored compressed.
 */
static void
zlib_compresses_text_and_stores_random_blocks_plain(void **state)
{
	static const int levels[ZLEVELS] = { 0, 6, 9 };
	struct mfile f[ZLEVELS * ZFILES];
	struct h2t_shape sh[ZLEVELS * ZFILES];
	struct h2t_rwm m;
	struct h2t_rom r;
	uint8_t *phys[ZLEVELS];
	size_t zbytes[ZLEVELS];
	char path[1024];
	int l, k;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-zlib.img");
	h2t_mkfs(path, 1 * GB);
	memset(f, 0, sizeof(f));
	h2t_rw_mount(&m, path, 0);
	for (l = 0; l < ZLEVELS; l++)
		zlib_make(&m, &f[l * ZFILES], levels[l]);
	mf_cycle(&m, path, f, ZLEVELS * ZFILES, sh);
	/*
	 * Changes inside blocks stored as zlib streams: read, inflated,
	 * changed and compressed again; a 1 KB tail grows to 8 KB.
	 */
	for (l = 0; l < ZLEVELS; l++) {
		mf_write(&m, &f[l * ZFILES + ZF_TEXT], LBLK + 1000, 3000, 40,
		    1);
		mf_write(&m, &f[l * ZFILES + ZF_TAIL], LBLK + 500, 5000, 41, 1);
	}
	mf_cycle(&m, path, f, ZLEVELS * ZFILES, sh);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

	h2t_ro_mount(&r, path, NULL);
	for (l = 0; l < ZLEVELS; l++) {
		phys[l] = malloc(LBLK);
		zbytes[l] = zlib_check(&r, &f[l * ZFILES], levels[l],
		    phys[l]);
	}
	/* Level 0 is level 6 (format 10.3): the very same stream. */
	assert_int_equal(zbytes[0], zbytes[1]);
	assert_memory_equal(phys[0], phys[1], zbytes[0]);
	h2t_ro_umount(&r);
	for (l = 0; l < ZLEVELS; l++)
		free(phys[l]);
	for (k = 0; k < ZLEVELS * ZFILES; k++)
		free(f[k].buf);
	unlink(path);
}

/*
 * Incompressible data is not encoded again and again: after 8 blocks
 * of a file in a row do not compress, only every 8th is tried, so the
 * text that follows 20 random blocks is not compressed at once (20 is
 * not a multiple of 8) but from at most the 8th block on, and from the
 * first compressed block on, every text block is.  A new file starts afresh (its first text block
 * compresses).  Everything reads back.
 */
static void
compression_skips_after_a_run_of_misses(void **state)
{
	struct h2t_rwm m;
	struct h2t_rom r;
	uint64_t inum, inum2, lb;
	uint8_t *buf, *got;
	size_t bytes, nrnd = 20, ntxt = 20;
	char path[1024];
	int comp, first = -1;
	size_t i;

	(void)state;
	h2t_workpath(path, sizeof(path), "rw-heuristic.img");
	h2t_mkfs(path, 1 * GB);
	h2t_rw_mount(&m, path, 0);
	buf = malloc((nrnd + ntxt) * LBLK);
	h2t_fill(buf, nrnd * LBLK, 51, false);
	h2t_fill(buf + nrnd * LBLK, ntxt * LBLK, 52, true);
	inum = h2t_rw_create(&m, 1, "mixed", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, inum, 0, buf,
	    (nrnd + ntxt) * LBLK), 0);
	inum2 = h2t_rw_create(&m, 1, "text", HAMMER2_OBJTYPE_REGFILE, 0644);
	assert_int_equal(hammer2_rw_write(m.pfs, inum2, 0, buf + nrnd * LBLK,
	    LBLK), 0);
	assert_int_equal(h2t_rw_umount(&m, 1), 0);

	h2t_ro_mount(&r, path, NULL);
	for (i = 0; i < nrnd + ntxt; i++) {
		lb = i * LBLK;
		comp = h2t_ro_blockcomp(&r, inum, lb, &bytes);
		if (i < nrnd) {
			assert_int_equal(comp, HAMMER2_COMP_NONE);
			continue;
		}
		if (first < 0 && comp == HAMMER2_COMP_LZ4)
			first = (int)(i - nrnd);
		if (first >= 0)
			assert_int_equal(comp, HAMMER2_COMP_LZ4);
		else
			assert_int_equal(comp, HAMMER2_COMP_NONE);
	}
	print_message("first compressed text block: %d after the random "
	    "ones\n", first);
	assert_true(first > 0 && first < 8);
	assert_int_equal(h2t_ro_blockcomp(&r, inum2, 0, &bytes),
	    HAMMER2_COMP_LZ4);
	h2t_ro_umount(&r);

	h2t_rw_mount(&m, path, 0);
	got = h2t_rw_slurp(&m, inum, (nrnd + ntxt) * LBLK);
	assert_memory_equal(got, buf, (nrnd + ntxt) * LBLK);
	assert_int_equal(h2t_rw_umount(&m, 0), 0);
	free(got);
	free(buf);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_data_survives_every_shape_change),
		cmocka_unit_test(
		    zlib_compresses_text_and_stores_random_blocks_plain),
		cmocka_unit_test(compression_skips_after_a_run_of_misses),
	};

	mkdir(H2T_WORKDIR, 0755);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
