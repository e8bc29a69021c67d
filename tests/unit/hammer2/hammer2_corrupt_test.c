/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_corrupt_test.c - hostile images.  The reference image
 * basic-lz4-xxh64 is read through an in-memory overlay that flips bits
 * or rewrites fields; for structural damage the test "reseals" the
 * image (recomputes every check code from the damaged block up to the
 * volume header CRCs) so that the damage reaches the structure checks
 * instead of stopping at a check code.  Each case gets its documented
 * error: EIO for a check failure, EUCLEAN for corrupt structure, EINVAL
 * or ENOTSUP for a header that is not HAMMER2 or not supported; a
 * random-damage round proves that nothing crashes or leaks.  Run it
 * under ASan/UBSan too (see docs/hammer2.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "h2test.h"

/* What the map walk found worth damaging. */
static struct {
	char		*path;
	struct h2t_map	 map;
	uint64_t	 file_inum;	/* LZ4 DATA in its blockset */
	uint64_t	 file_inode;	/* its inode block */
	uint64_t	 file_dbref;	/* its DATA bref location */
	uint64_t	 file_data;	/* its DATA block */
	uint64_t	 other_inum;	/* another file with data */
	uint64_t	 ind_inum;	/* file with an INDIRECT */
	uint64_t	 ind_blk;	/* that indirect block */
	uint64_t	 ind_bref;	/* and its bref location */
	uint64_t	 dir_inum;	/* directory with DIRENTs in blockset */
	uint64_t	 dir_blk;	/* its inode block */
	uint64_t	 dirent_at;	/* location of its first DIRENT */
	uint64_t	 sroot_blk;
	uint64_t	 fmleaf_blk;
} G;

static void
pick_cb(void *arg, const struct hammer2_walk_ent *e, const struct h2t_loc *l)
{
	const struct hammer2_blockref *b = e->bref;
	const struct hammer2_inode_data *ipd;

	assert_int_equal(e->error, 0);
	if (e->parent == NULL && b->type == HAMMER2_BREF_TYPE_INODE)
		G.sroot_blk = l->blk;
	if (b->type == HAMMER2_BREF_TYPE_FREEMAP_LEAF)
		G.fmleaf_blk = l->blk;
	if (b->type != HAMMER2_BREF_TYPE_INODE || e->data == NULL)
		return;
	ipd = e->data;
	if (ipd->meta.type == HAMMER2_OBJTYPE_DIRECTORY && G.dir_inum == 0 &&
	    ipd->meta.inum >= 1024 &&
	    ipd->u.blockset.blockref[0].type == HAMMER2_BREF_TYPE_DIRENT) {
		G.dir_inum = ipd->meta.inum;
		G.dir_blk = l->blk;
		G.dirent_at = l->blk + 0x200;
	}
	if (ipd->meta.type != HAMMER2_OBJTYPE_REGFILE ||
	    (ipd->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA))
		return;
	b = &ipd->u.blockset.blockref[0];
	if (b->type == HAMMER2_BREF_TYPE_DATA &&
	    HAMMER2_DEC_COMP(b->methods) == HAMMER2_COMP_LZ4) {
		if (G.file_inum == 0) {
			G.file_inum = ipd->meta.inum;
			G.file_inode = l->blk;
			G.file_dbref = l->blk + 0x200;
			G.file_data = hammer2_bref_offset(b);
		} else if (G.other_inum == 0) {
			G.other_inum = ipd->meta.inum;
		}
	}
	if (b->type == HAMMER2_BREF_TYPE_INDIRECT && G.ind_inum == 0) {
		G.ind_inum = ipd->meta.inum;
		G.ind_blk = hammer2_bref_offset(b);
		G.ind_bref = l->blk + 0x200;
	}
}

#define loc_of(blk)		h2t_loc_of(&G.map, (blk))
#define reseal(img, blk)	h2t_reseal((img), &G.map, (blk))
#define reseal_header(img, off)	h2t_reseal_header((img), (off))

static struct h2t_img IMG;

static int
setup(void **state)
{
	G.path = h2t_unpack(h2t_refdir(), "basic-lz4-xxh64");
	if (G.path == NULL || h2t_img_open(&IMG, G.path) != 0 ||
	    h2t_map_build(&IMG, &G.map, pick_cb, NULL) != 0)
		return (-1);
	if (G.file_inum == 0 || G.other_inum == 0 || G.ind_inum == 0 ||
	    G.dir_inum == 0 || G.fmleaf_blk == 0)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	h2t_img_close(&IMG);
	h2t_map_free(&G.map);
	free(G.path);
	return (0);
}

/* Clear the overlay and the report log before each case. */
static int
fresh(void **state)
{
	h2t_reset(&IMG);
	IMG.size = IMG.fsize;
	IMG.nreports = 0;
	IMG.last_kind = 0;
	IMG.live_allocs = 0;	/* a failed case may have leaked */
	return (0);
}

/* Open, mount DATA, load inode inum: returns the first error. */
static int
open_get(struct hammer2_vol **volp, struct hammer2_pfs **pfsp,
    uint64_t inum, struct hammer2_inode *ip)
{
	int error;

	*volp = NULL;
	*pfsp = NULL;
	error = h2t_vol_open(&IMG, volp);
	if (error == 0)
		error = hammer2_pfs_mount(*volp, "DATA", pfsp);
	if (error == 0 && inum != 0)
		error = hammer2_inode_get(*pfsp, inum, ip);
	return (error);
}

static void
close_all(struct hammer2_vol *vol, struct hammer2_pfs *pfs)
{
	hammer2_pfs_unmount(pfs);
	hammer2_vol_close(vol);
	assert_int_equal(IMG.live_allocs, 0);
}

/* Read a whole file; returns the error. */
static int
read_file(const struct hammer2_inode *ip)
{
	uint8_t *buf = malloc(ip->data.meta.size + 1);
	size_t n;
	int error;

	error = hammer2_read(ip, 0, buf, ip->data.meta.size, &n);
	free(buf);
	return (error);
}

/* A flipped bit in the only volume header copy: no valid header, EIO. */
static void
volhdr_bit_flip_fails_open_with_eio(void **state)
{
	struct hammer2_vol *vol;

	h2t_flip(&IMG, 0x100, 0x04);
	assert_int_equal(h2t_vol_open(&IMG, &vol), EIO);
	assert_true(IMG.nreports > 0);
	h2t_reset(&IMG);
	h2t_flip(&IMG, 0x9000, 0x80);	/* covered by the whole-header CRC */
	assert_int_equal(h2t_vol_open(&IMG, &vol), EIO);
	assert_int_equal(IMG.live_allocs, 0);
}

/* No HAMMER2 magic is "not HAMMER2" (EINVAL); swapped magic ENOTSUP. */
static void
volhdr_bad_magic_is_einval_and_swapped_is_enotsup(void **state)
{
	struct hammer2_vol *vol;
	uint64_t swapped = HAMMER2_VOLUME_ID_ABO;

	h2t_flip(&IMG, 7, 0x01);
	assert_int_equal(h2t_vol_open(&IMG, &vol), EINVAL);
	h2t_reset(&IMG);
	h2t_write(&IMG, 0, &swapped, 8);
	assert_int_equal(h2t_vol_open(&IMG, &vol), ENOTSUP);
	assert_int_equal(IMG.live_allocs, 0);
}

/* The valid copy with the highest mirror_tid wins; bad copies lose. */
static void
volhdr_best_copy_is_selected(void **state)
{
	struct hammer2_volume_data *vd = malloc(sizeof(*vd));
	struct hammer2_volhdr_status st;
	struct hammer2_open_args args;
	struct hammer2_vol *vol;
	uint64_t tid;
	int copy;

	IMG.size = (4ULL << 30) + 65536;	/* room for copies 0, 1, 2 */
	h2t_pread(&IMG, 0, vd, sizeof(*vd));
	tid = vd->mirror_tid;
	vd->mirror_tid = tid + 1;
	h2t_write(&IMG, 2ULL << 30, vd, sizeof(*vd));
	reseal_header(&IMG, 2ULL << 30);
	vd->mirror_tid = tid + 2;
	h2t_write(&IMG, 4ULL << 30, vd, sizeof(*vd));
	reseal_header(&IMG, 4ULL << 30);
	h2t_flip(&IMG, (4ULL << 30) + 0x300, 0x01);	/* copy 2 torn */

	assert_int_equal(h2t_vol_open(&IMG, &vol), 0);
	assert_int_equal(hammer2_vol_header(vol, &copy)->mirror_tid, tid + 1);
	assert_int_equal(copy, 1);
	assert_int_equal(hammer2_vol_copy_status(vol, 2, &st, NULL), 0);
	assert_true(st.fail & HAMMER2_VOLHDR_CRC_SECT1);
	assert_true(st.fail & HAMMER2_VOLHDR_CRC_VH);
	assert_int_equal(hammer2_vol_copy_status(vol, 3, &st, NULL), 0);
	assert_int_equal(st.fail, HAMMER2_VOLHDR_ABSENT);
	hammer2_vol_close(vol);

	memset(&args, 0, sizeof(args));
	args.ops = &h2t_ops;
	args.ctx = &IMG;
	args.media_size = IMG.size;
	args.copy = 0;
	assert_int_equal(hammer2_vol_open(&args, &vol), 0);
	assert_int_equal(hammer2_vol_header(vol, &copy)->mirror_tid, tid);
	assert_int_equal(copy, 0);
	hammer2_vol_close(vol);
	args.copy = 2;
	assert_int_equal(hammer2_vol_open(&args, &vol), EIO);
	args.copy = 4;
	assert_int_equal(hammer2_vol_open(&args, &vol), EINVAL);
	assert_int_equal(IMG.live_allocs, 0);
	free(vd);
}

/* A header with valid CRCs but a bad version or fstype is refused. */
static void
volhdr_bad_fields_are_refused(void **state)
{
	struct hammer2_vol *vol;
	uint32_t version = 9;
	uint8_t type = HAMMER2_BREF_TYPE_DATA;

	h2t_write(&IMG, 0x30, &version, 4);
	reseal_header(&IMG, 0);
	assert_int_equal(h2t_vol_open(&IMG, &vol), ENOTSUP);
	h2t_reset(&IMG);
	h2t_flip(&IMG, 0x50, 0x01);
	reseal_header(&IMG, 0);
	assert_int_equal(h2t_vol_open(&IMG, &vol), EUCLEAN);
	h2t_reset(&IMG);
	h2t_write(&IMG, 0x200, &type, 1);
	reseal_header(&IMG, 0);
	assert_int_equal(h2t_vol_open(&IMG, &vol), EUCLEAN);
	assert_int_equal(IMG.live_allocs, 0);
}

/* A flipped bit in a data block: EIO for that file, others still read. */
static void
data_block_flip_is_eio_for_that_file_only(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;

	h2t_flip(&IMG, G.file_data + 5, 0x20);
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EIO);
	assert_int_equal(IMG.last_kind, HAMMER2_REPORT_CHECK);
	assert_int_equal(IMG.last_offset, G.file_data);
	assert_int_equal(hammer2_inode_get(pfs, G.other_inum, &ip), 0);
	assert_int_equal(read_file(&ip), 0);
	close_all(vol, pfs);
}

/* A flipped bit in an inode: that inode cannot be loaded (EIO). */
static void
inode_flip_is_eio(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;

	h2t_flip(&IMG, G.file_inode + 0x60, 0x01);	/* its size */
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), EIO);
	assert_int_equal(IMG.last_offset, G.file_inode);
	assert_int_equal(hammer2_inode_get(pfs, G.other_inum, &ip), 0);
	close_all(vol, pfs);
}

/* A flipped bit in an indirect block: EIO for the file it maps. */
static void
indirect_flip_is_eio(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;

	h2t_flip(&IMG, G.ind_blk + 0x123, 0x10);
	assert_int_equal(open_get(&vol, &pfs, G.ind_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EIO);
	assert_int_equal(IMG.last_offset, G.ind_blk);
	close_all(vol, pfs);
}

/* A flipped bit in the super-root: no PFS can be mounted or listed. */
static int
count_pfs(void *arg, const struct hammer2_pfs_info *info)
{
	return (0);
}

static void
superroot_flip_is_eio(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;

	h2t_flip(&IMG, G.sroot_blk + 0x10, 0x01);
	assert_int_equal(h2t_vol_open(&IMG, &vol), 0);
	assert_int_equal(hammer2_pfs_mount(vol, "DATA", &pfs), EIO);
	assert_int_equal(hammer2_pfs_list(vol, count_pfs, NULL), EIO);
	hammer2_vol_close(vol);
	assert_int_equal(IMG.live_allocs, 0);
}

/* Rewrite one field of the bref at `at` inside block blk, and reseal. */
static void
patch_bref(uint64_t blk, uint64_t at, size_t field, const void *v, size_t n)
{
	h2t_write(&IMG, at + field, v, n);
	reseal(&IMG, blk);
}

/* Structurally bad DATA brefs (radix, offset) are EUCLEAN. */
static void
bad_data_bref_is_euclean(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	struct hammer2_blockref b;
	uint64_t off;

	h2t_pread(&IMG, G.file_dbref, &b, sizeof(b));
	off = hammer2_bref_offset(&b) | 5;		/* radix 5 */
	patch_bref(G.file_inode, G.file_dbref, 0x20, &off, 8);
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	assert_int_equal(IMG.last_kind, HAMMER2_REPORT_CORRUPT);
	close_all(vol, pfs);

	fresh(state);
	off = (3ULL << 30) | hammer2_bref_radix(&b);	/* past the end */
	patch_bref(G.file_inode, G.file_dbref, 0x20, &off, 8);
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	close_all(vol, pfs);

	fresh(state);
	off = hammer2_bref_offset(&b) + 0xFC00 - (hammer2_bref_offset(&b) &
	    0xFFFF);
	off |= 11;					/* crosses 64 KB */
	patch_bref(G.file_inode, G.file_dbref, 0x20, &off, 8);
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	close_all(vol, pfs);
}

/* A corrupt LZ4 length prefix behind a valid check code is EUCLEAN. */
static void
undecodable_block_is_euclean(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	int32_t n = 0x7FFFFFF0;

	h2t_write(&IMG, G.file_data, &n, 4);
	reseal(&IMG, G.file_data);
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	close_all(vol, pfs);
}

/* Overlapping keys in one table and a misaligned key are EUCLEAN. */
static void
bad_table_keys_are_euclean(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	uint64_t key = 0;
	uint8_t keybits = 20;

	/* Entry 1 of the indirect block gets entry 0's key. */
	patch_bref(G.ind_blk, G.ind_blk + 128, 0x08, &key, 8);
	assert_int_equal(open_get(&vol, &pfs, G.ind_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	close_all(vol, pfs);

	/* The indirect bref claims 2^20 keys at a key not aligned to it. */
	fresh(state);
	key = 0x10000;
	patch_bref(loc_of(G.ind_blk)->parent, G.ind_bref, 0x08, &key, 8);
	patch_bref(loc_of(G.ind_blk)->parent, G.ind_bref, 0x03, &keybits, 1);
	assert_int_equal(open_get(&vol, &pfs, G.ind_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	close_all(vol, pfs);
}

/* An inode whose number differs from its index key is EUCLEAN. */
static void
inode_number_mismatch_is_euclean(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	uint64_t inum = G.file_inum + 100000;

	h2t_write(&IMG, G.file_inode + 0x58, &inum, 8);
	reseal(&IMG, G.file_inode);
	assert_int_equal(open_get(&vol, &pfs, G.file_inum, &ip), EUCLEAN);
	close_all(vol, pfs);
}

static int
ignore_ent(void *arg, const struct hammer2_dirent *de)
{
	return (0);
}

/* Dirent name lengths of 0 or >= 256 are EUCLEAN for the directory. */
static void
bad_dirent_namlen_is_euclean(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	uint16_t namlen = 300;

	patch_bref(G.dir_blk, G.dirent_at, 0x38, &namlen, 2);
	assert_int_equal(open_get(&vol, &pfs, G.dir_inum, &ip), 0);
	assert_int_equal(hammer2_readdir(&ip, 0, ignore_ent, NULL), EUCLEAN);
	close_all(vol, pfs);
	fresh(state);
	namlen = 0;
	patch_bref(G.dir_blk, G.dirent_at, 0x38, &namlen, 2);
	assert_int_equal(open_get(&vol, &pfs, G.dir_inum, &ip), 0);
	assert_int_equal(hammer2_readdir(&ip, 0, ignore_ent, NULL), EUCLEAN);
	close_all(vol, pfs);
}

/* An unchecked indirect block pointing at itself ends at the depth limit. */
static void
indirect_self_loop_is_bounded(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	struct hammer2_blockref self, parent;

	h2t_pread(&IMG, G.ind_bref, &parent, sizeof(parent));
	memset(&self, 0, sizeof(self));
	self.type = HAMMER2_BREF_TYPE_INDIRECT;
	self.methods = 0;			/* check NONE */
	self.keybits = 16;
	self.key = 0;
	self.data_off = parent.data_off;
	h2t_write(&IMG, G.ind_blk, &self, sizeof(self));
	reseal(&IMG, G.ind_blk);
	assert_int_equal(open_get(&vol, &pfs, G.ind_inum, &ip), 0);
	assert_int_equal(read_file(&ip), EUCLEAN);
	close_all(vol, pfs);
}

static int
leaf_cb(void *arg, const struct hammer2_freemap_leaf *leaf)
{
	int *errp = arg;

	if (leaf->error != 0)
		*errp = leaf->error;
	return (0);
}

/* A damaged freemap leaf is reported to the walker, not fatal. */
static void
freemap_leaf_flip_is_reported(void **state)
{
	struct hammer2_vol *vol;
	int lerr = 0;

	h2t_flip(&IMG, G.fmleaf_blk + 0x1000, 0x01);
	assert_int_equal(h2t_vol_open(&IMG, &vol), 0);
	assert_int_equal(hammer2_freemap_walk(vol, leaf_cb, &lerr), 0);
	assert_int_equal(lerr, EIO);
	hammer2_vol_close(vol);
	assert_int_equal(IMG.live_allocs, 0);
}

static bool
allowed(int error)
{
	return (error == 0 || error == EIO || error == EUCLEAN ||
	    error == ENOENT || error == ENOTDIR || error == EISDIR ||
	    error == EINVAL || error == ENAMETOOLONG || error == ELOOP);
}

struct tour {
	struct hammer2_pfs	*pfs;
	uint64_t		 inums[64];
	int			 n;
};

static int
tour_ent(void *arg, const struct hammer2_dirent *de)
{
	struct tour *t = arg;

	if (t->n < 64 && de->cookie > 1)
		t->inums[t->n++] = de->inum;
	return (0);
}

/* Visit a directory tree tolerating errors; every error is allowed(). */
static void
tour_dir(struct hammer2_pfs *pfs, const struct hammer2_inode *dip, int depth)
{
	struct tour t;
	struct hammer2_inode ip;
	char link[1024];
	size_t n;
	int i, error;

	memset(&t, 0, sizeof(t));
	error = hammer2_readdir(dip, 0, tour_ent, &t);
	assert_true(allowed(error));
	for (i = 0; i < t.n && depth < 30; i++) {
		error = hammer2_inode_get(pfs, t.inums[i], &ip);
		assert_true(allowed(error));
		if (error != 0)
			continue;
		if (ip.data.meta.type == HAMMER2_OBJTYPE_DIRECTORY)
			tour_dir(pfs, &ip, depth + 1);
		else if (ip.data.meta.type == HAMMER2_OBJTYPE_SOFTLINK)
			assert_true(allowed(hammer2_readlink(&ip, link,
			    sizeof(link), &n)));
		else if (ip.data.meta.size < (16U << 20))
			assert_true(allowed(read_file(&ip)));
	}
}

/* Random resealed bit flips in metadata never crash, hang or leak. */
static void
random_resealed_damage_is_contained(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode root;
	const struct h2t_loc *l;
	unsigned seed = 2026;
	int i, error;

	for (i = 0; i < 60; i++) {
		fresh(state);
		do {
			l = &G.map.v[(size_t)rand_r(&seed) % G.map.n];
		} while (l->type != HAMMER2_BREF_TYPE_INODE &&
		    l->type != HAMMER2_BREF_TYPE_INDIRECT);
		h2t_flip(&IMG, l->blk + (uint64_t)rand_r(&seed) %
		    (l->type == HAMMER2_BREF_TYPE_INODE ? 1024 : 4096),
		    (uint8_t)(1 << (rand_r(&seed) % 8)));
		reseal(&IMG, l->blk);
		error = open_get(&vol, &pfs, 0, NULL);
		assert_true(allowed(error));
		if (error == 0) {
			hammer2_pfs_root(pfs, &root);
			tour_dir(pfs, &root, 0);
		}
		if (vol != NULL)
			close_all(vol, pfs);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(volhdr_bit_flip_fails_open_with_eio,
		    fresh),
		cmocka_unit_test_setup(
		    volhdr_bad_magic_is_einval_and_swapped_is_enotsup, fresh),
		cmocka_unit_test_setup(volhdr_best_copy_is_selected, fresh),
		cmocka_unit_test_setup(volhdr_bad_fields_are_refused, fresh),
		cmocka_unit_test_setup(
		    data_block_flip_is_eio_for_that_file_only, fresh),
		cmocka_unit_test_setup(inode_flip_is_eio, fresh),
		cmocka_unit_test_setup(indirect_flip_is_eio, fresh),
		cmocka_unit_test_setup(superroot_flip_is_eio, fresh),
		cmocka_unit_test_setup(bad_data_bref_is_euclean, fresh),
		cmocka_unit_test_setup(undecodable_block_is_euclean, fresh),
		cmocka_unit_test_setup(bad_table_keys_are_euclean, fresh),
		cmocka_unit_test_setup(inode_number_mismatch_is_euclean,
		    fresh),
		cmocka_unit_test_setup(bad_dirent_namlen_is_euclean, fresh),
		cmocka_unit_test_setup(indirect_self_loop_is_bounded, fresh),
		cmocka_unit_test_setup(freemap_leaf_flip_is_reported, fresh),
		cmocka_unit_test_setup(random_resealed_damage_is_contained,
		    fresh),
	};

	if (h2t_refdir() == NULL)
		return (77);
	return (cmocka_run_group_tests(tests, setup, teardown));
}
