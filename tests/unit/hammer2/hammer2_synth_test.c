/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_synth_test.c - layouts the reference images do not contain,
 * made by rewriting basic-lz4-xxh64 through the test overlay and
 * resealing its check codes: device, fifo and socket inodes; a legacy
 * INODE entry and a legacy HARDLINK pointer inside a directory; a block
 * table whose entries are out of key order; SHA192-checked data; and
 * symlinks to directories, absolute symlinks and symlink loops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "h2test.h"

#define DIRPATH		"mxLpQ-2-yMK_-Y_d3"
#define SUBPATH		"mxLpQ-2-yMK_-Y_d3/9F_d4"
#define LINKPATH	"rel_link"
#define SPARE_OFF	0x5000000ULL	/* inside the unused aux area */

static struct h2t_img IMG;
static struct h2t_map MAP;
static char *PATH;

static struct {
	uint64_t	file_inum;	/* regular file, LZ4 DATA at slot 0 */
	uint64_t	file_blk;
	uint64_t	dir_inum;	/* directory, DIRENTs in slots 0, 1 */
	uint64_t	dir_blk;
	uint64_t	link_blk;	/* rel_link's inode block */
} S;

/* A directory whose whole table is in its inode (no indirect). */
static bool
only_dirents(const struct hammer2_inode_data *ipd)
{
	int i;

	for (i = 0; i < HAMMER2_SET_COUNT; i++)
		if (ipd->u.blockset.blockref[i].type !=
		    HAMMER2_BREF_TYPE_DIRENT &&
		    ipd->u.blockset.blockref[i].type != HAMMER2_BREF_TYPE_EMPTY)
			return (false);
	return (true);
}

static void
pick_cb(void *arg, const struct hammer2_walk_ent *e, const struct h2t_loc *l)
{
	const struct hammer2_inode_data *ipd = e->data;
	const struct hammer2_blockref *b0;

	if (e->bref->type != HAMMER2_BREF_TYPE_INODE || ipd == NULL ||
	    ipd->meta.inum < 1024)
		return;
	b0 = &ipd->u.blockset.blockref[0];
	if (ipd->meta.type == HAMMER2_OBJTYPE_REGFILE && S.file_inum == 0 &&
	    !(ipd->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) &&
	    b0->type == HAMMER2_BREF_TYPE_DATA &&
	    HAMMER2_DEC_COMP(b0->methods) == HAMMER2_COMP_LZ4) {
		S.file_inum = ipd->meta.inum;
		S.file_blk = l->blk;
	}
	if (ipd->meta.type == HAMMER2_OBJTYPE_DIRECTORY && S.dir_inum == 0 &&
	    b0->type == HAMMER2_BREF_TYPE_DIRENT &&
	    ipd->u.blockset.blockref[1].type == HAMMER2_BREF_TYPE_DIRENT &&
	    only_dirents(ipd)) {
		S.dir_inum = ipd->meta.inum;
		S.dir_blk = l->blk;
	}
}

static int
setup(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;

	PATH = h2t_unpack(h2t_refdir(), "basic-lz4-xxh64");
	if (PATH == NULL || h2t_img_open(&IMG, PATH) != 0 ||
	    h2t_map_build(&IMG, &MAP, pick_cb, NULL) != 0 ||
	    S.file_inum == 0 || S.dir_inum == 0)
		return (-1);
	if (h2t_vol_open(&IMG, &vol) != 0 ||
	    hammer2_pfs_mount(vol, NULL, &pfs) != 0 ||
	    hammer2_lookup_path(pfs, LINKPATH, 0, &ip) != 0)
		return (-1);
	S.link_blk = hammer2_bref_offset(&ip.bref);
	hammer2_pfs_unmount(pfs);
	hammer2_vol_close(vol);
	return (0);
}

static int
teardown(void **state)
{
	h2t_img_close(&IMG);
	h2t_map_free(&MAP);
	free(PATH);
	return (0);
}

static int
fresh(void **state)
{
	h2t_reset(&IMG);
	IMG.nreports = 0;
	IMG.live_allocs = 0;	/* a failed case may have leaked */
	return (0);
}

static void
mount_data(struct hammer2_vol **volp, struct hammer2_pfs **pfsp)
{
	assert_int_equal(h2t_vol_open(&IMG, volp), 0);
	assert_int_equal(hammer2_pfs_mount(*volp, NULL, pfsp), 0);
}

static void
unmount_data(struct hammer2_vol *vol, struct hammer2_pfs *pfs)
{
	hammer2_pfs_unmount(pfs);
	hammer2_vol_close(vol);
	assert_int_equal(IMG.live_allocs, 0);
	assert_int_equal(IMG.nreports, 0);
}

/* Device, fifo and socket inodes: types, rdev, and no data reads. */
static void
special_inodes_have_types_and_rdev(void **state)
{
	static const struct {
		uint8_t		type;
		uint32_t	ifmt;
	} v[] = {
		{ HAMMER2_OBJTYPE_CDEV, HAMMER2_S_IFCHR },
		{ HAMMER2_OBJTYPE_BDEV, HAMMER2_S_IFBLK },
		{ HAMMER2_OBJTYPE_FIFO, HAMMER2_S_IFIFO },
		{ HAMMER2_OBJTYPE_SOCKET, HAMMER2_S_IFSOCK },
	};
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	struct hammer2_attr at;
	uint32_t rdev[2] = { 4, 77 };
	uint8_t buf[16];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fresh(state);
		h2t_write(&IMG, S.file_blk + 0x50, &v[i].type, 1);
		h2t_write(&IMG, S.file_blk + 0x08, rdev, sizeof(rdev));
		h2t_reseal(&IMG, &MAP, S.file_blk);
		mount_data(&vol, &pfs);
		assert_int_equal(hammer2_inode_get(pfs, S.file_inum, &ip), 0);
		assert_int_equal(hammer2_getattr(&ip, &at), 0);
		assert_int_equal(at.type, v[i].type);
		assert_int_equal(at.ifmt, v[i].ifmt);
		assert_int_equal(at.rmajor, 4);
		assert_int_equal(at.rminor, 77);
		assert_int_equal(hammer2_read(&ip, 0, buf, sizeof(buf), &n),
		    EINVAL);
		assert_int_equal(hammer2_objtype_to_ifmt(v[i].type), v[i].ifmt);
		unmount_data(vol, pfs);
	}
}

struct names {
	char		name[64][256];
	uint64_t	inum[64];
	uint8_t		type[64];
	uint64_t	cookie[64];
	int		n;
};

static int
names_cb(void *arg, const struct hammer2_dirent *de)
{
	struct names *nm = arg;

	if (nm->n < 64) {
		memcpy(nm->name[nm->n], de->name, de->namlen);
		nm->name[nm->n][de->namlen] = '\0';
		nm->inum[nm->n] = de->inum;
		nm->type[nm->n] = de->type;
		nm->cookie[nm->n] = de->cookie;
		nm->n++;
	}
	return (0);
}

/*
 * Replace directory slot 0 with an INODE entry for a 1 KB inode we
 * write at SPARE_OFF (a copy of the file's inode named `name`, of type
 * `type`), as older kernels stored inodes inside directories.
 */
static void
plant_legacy_entry(const char *name, uint8_t type)
{
	struct hammer2_inode_data ipd;
	struct hammer2_blockref b;
	struct h2t_loc *l;

	h2t_pread(&IMG, S.file_blk, &ipd, sizeof(ipd));
	ipd.meta.type = type;
	memset(ipd.filename, 0, sizeof(ipd.filename));
	memcpy(ipd.filename, name, strlen(name));
	ipd.meta.name_len = (uint16_t)strlen(name);
	h2t_write(&IMG, SPARE_OFF, &ipd, sizeof(ipd));

	memset(&b, 0, sizeof(b));
	b.type = HAMMER2_BREF_TYPE_INODE;
	b.methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_XXHASH64, 0);
	b.key = hammer2_dirhash(name, strlen(name)) | 1;
	b.data_off = SPARE_OFF | 10;
	hammer2_check_compute(&b, &ipd, sizeof(ipd));
	h2t_write(&IMG, S.dir_blk + 0x200, &b, sizeof(b));
	h2t_reseal(&IMG, &MAP, S.dir_blk);

	/* Teach the map the new block so later reseals do not abort. */
	if (MAP.n == MAP.cap) {
		MAP.cap *= 2;
		MAP.v = realloc(MAP.v, MAP.cap * sizeof(*MAP.v));
	}
	l = &MAP.v[MAP.n++];
	l->blk = SPARE_OFF;
	l->type = HAMMER2_BREF_TYPE_INODE;
	l->bref_at = S.dir_blk + 0x200;
	l->parent = S.dir_blk;
}

/* A legacy INODE entry in a directory is found by its filename. */
static void
legacy_inode_entry_is_a_directory_entry(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode dip, ip;
	struct names nm;
	int i, found = 0;

	plant_legacy_entry("legacy-name.txt", HAMMER2_OBJTYPE_REGFILE);
	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.dir_inum, &dip), 0);
	assert_int_equal(hammer2_lookup_name(&dip, "legacy-name.txt", 15,
	    &ip), 0);
	assert_int_equal(ip.data.meta.inum, S.file_inum);
	assert_int_equal(hammer2_bref_offset(&ip.bref), SPARE_OFF);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(hammer2_readdir(&dip, 0, names_cb, &nm), 0);
	for (i = 2; i < nm.n; i++) {
		if (strcmp(nm.name[i], "legacy-name.txt") == 0) {
			found = 1;
			assert_int_equal(nm.inum[i], S.file_inum);
		}
		if (i > 2)	/* out-of-order slot, still sorted */
			assert_true(nm.cookie[i] > nm.cookie[i - 1]);
	}
	assert_true(found);
	unmount_data(vol, pfs);
	MAP.n--;
}

/* A legacy HARDLINK pointer resolves to the real inode by number. */
static void
legacy_hardlink_pointer_resolves(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode dip, ip;
	struct names nm;
	int i, found = 0;

	plant_legacy_entry("hl", HAMMER2_OBJTYPE_HARDLINK);
	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.dir_inum, &dip), 0);
	assert_int_equal(hammer2_lookup_name(&dip, "hl", 2, &ip), 0);
	assert_int_equal(ip.data.meta.inum, S.file_inum);
	assert_int_equal(ip.data.meta.type, HAMMER2_OBJTYPE_REGFILE);
	assert_int_equal(hammer2_bref_offset(&ip.bref), S.file_blk);
	memset(&nm, 0, sizeof(nm));
	assert_int_equal(hammer2_readdir(&dip, 0, names_cb, &nm), 0);
	for (i = 2; i < nm.n; i++) {
		if (strcmp(nm.name[i], "hl") == 0) {
			found = 1;
			assert_int_equal(nm.type[i], HAMMER2_OBJTYPE_REGFILE);
		}
	}
	assert_true(found);
	unmount_data(vol, pfs);
	MAP.n--;
}

/* Entries stored out of key order are still listed in key order. */
static void
unsorted_table_lists_in_key_order(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode dip, ip;
	struct hammer2_blockref b[2];
	struct names before, after;
	int i;

	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.dir_inum, &dip), 0);
	memset(&before, 0, sizeof(before));
	assert_int_equal(hammer2_readdir(&dip, 0, names_cb, &before), 0);
	unmount_data(vol, pfs);

	h2t_pread(&IMG, S.dir_blk + 0x200, b, sizeof(b));
	h2t_write(&IMG, S.dir_blk + 0x200, &b[1], sizeof(b[1]));
	h2t_write(&IMG, S.dir_blk + 0x280, &b[0], sizeof(b[0]));
	h2t_reseal(&IMG, &MAP, S.dir_blk);

	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.dir_inum, &dip), 0);
	memset(&after, 0, sizeof(after));
	assert_int_equal(hammer2_readdir(&dip, 0, names_cb, &after), 0);
	assert_int_equal(after.n, before.n);
	for (i = 0; i < after.n; i++) {
		assert_string_equal(after.name[i], before.name[i]);
		assert_int_equal(after.cookie[i], before.cookie[i]);
		if (i >= 2)
			assert_int_equal(hammer2_lookup_name(&dip,
			    after.name[i], strlen(after.name[i]), &ip), 0);
	}
	unmount_data(vol, pfs);
}

/* Data checked with SHA192 reads back, and a flipped bit is EIO. */
static void
sha192_checked_data_reads(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode ip;
	struct hammer2_blockref b;
	uint8_t *orig, *buf = malloc(65536), *blk = malloc(65536);
	size_t n, len;

	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.file_inum, &ip), 0);
	len = ip.data.meta.size < 65536 ? ip.data.meta.size : 65536;
	orig = malloc(len);
	assert_int_equal(hammer2_read(&ip, 0, orig, len, &n), 0);
	unmount_data(vol, pfs);

	h2t_pread(&IMG, S.file_blk + 0x200, &b, sizeof(b));
	b.methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_SHA192,
	    HAMMER2_DEC_COMP(b.methods));
	memset(&b.check, 0, sizeof(b.check));
	h2t_pread(&IMG, hammer2_bref_offset(&b), blk, hammer2_bref_bytes(&b));
	hammer2_check_compute(&b, blk, hammer2_bref_bytes(&b));
	h2t_write(&IMG, S.file_blk + 0x200, &b, sizeof(b));
	h2t_reseal(&IMG, &MAP, S.file_blk);

	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.file_inum, &ip), 0);
	assert_int_equal(hammer2_read(&ip, 0, buf, len, &n), 0);
	assert_memory_equal(buf, orig, len);
	unmount_data(vol, pfs);

	h2t_flip(&IMG, hammer2_bref_offset(&b) + 7, 0x02);
	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_inode_get(pfs, S.file_inum, &ip), 0);
	assert_int_equal(hammer2_read(&ip, 0, buf, len, &n), EIO);
	IMG.nreports = 0;
	unmount_data(vol, pfs);
	free(orig);
	free(buf);
	free(blk);
}

/* Point rel_link (an embedded symlink) at target. */
static void
set_link(const char *target)
{
	uint8_t data[512];
	uint64_t size = strlen(target);

	memset(data, 0, sizeof(data));
	memcpy(data, target, size);
	h2t_write(&IMG, S.link_blk + 0x200, data, sizeof(data));
	h2t_write(&IMG, S.link_blk + 0x60, &size, 8);
	h2t_reseal(&IMG, &MAP, S.link_blk);
}

/* Symlinks: to a directory (relative, absolute) and loops. */
static void
symlinks_are_followed_and_loops_stop(void **state)
{
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct hammer2_inode want, ip;

	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_lookup_path(pfs, SUBPATH, 0, &want), 0);
	unmount_data(vol, pfs);

	set_link(DIRPATH);
	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH "/9F_d4", 0, &ip),
	    0);
	assert_int_equal(ip.data.meta.inum, want.data.meta.inum);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH, 0, &ip), 0);
	assert_int_equal(ip.data.meta.type, HAMMER2_OBJTYPE_SOFTLINK);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH,
	    HAMMER2_LOOKUP_FOLLOW, &ip), 0);
	assert_int_equal(ip.data.meta.type, HAMMER2_OBJTYPE_DIRECTORY);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH "/", 0, &ip), 0);
	assert_int_equal(ip.data.meta.type, HAMMER2_OBJTYPE_DIRECTORY);
	unmount_data(vol, pfs);

	fresh(state);
	set_link("/" DIRPATH "/./9F_d4/..");
	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH "/9F_d4", 0, &ip),
	    0);
	assert_int_equal(ip.data.meta.inum, want.data.meta.inum);
	unmount_data(vol, pfs);

	fresh(state);
	set_link(LINKPATH);
	mount_data(&vol, &pfs);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH,
	    HAMMER2_LOOKUP_FOLLOW, &ip), ELOOP);
	assert_int_equal(hammer2_lookup_path(pfs, LINKPATH "/x", 0, &ip),
	    ELOOP);
	assert_int_equal(hammer2_lookup_path(pfs, "nonexistent/x", 0, &ip),
	    ENOENT);
	assert_int_equal(hammer2_lookup_path(pfs, SUBPATH "/../../" SUBPATH,
	    0, &ip), 0);
	assert_int_equal(ip.data.meta.inum, want.data.meta.inum);
	unmount_data(vol, pfs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(special_inodes_have_types_and_rdev,
		    fresh),
		cmocka_unit_test_setup(legacy_inode_entry_is_a_directory_entry,
		    fresh),
		cmocka_unit_test_setup(legacy_hardlink_pointer_resolves, fresh),
		cmocka_unit_test_setup(unsorted_table_lists_in_key_order,
		    fresh),
		cmocka_unit_test_setup(sha192_checked_data_reads, fresh),
		cmocka_unit_test_setup(symlinks_are_followed_and_loops_stop,
		    fresh),
	};

	if (h2t_refdir() == NULL)
		return (77);
	return (cmocka_run_group_tests(tests, setup, teardown));
}
