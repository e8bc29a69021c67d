/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_disk_test.c - every on-disk structure has the size and field
 * offsets of the format (../shared/reference/hammer2-format.md sections
 * 2.1, 2.4, 3.1, 3.3, 3.4, 5.1, 8.2), and the data_off helpers decode
 * offset and radix as the format says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "h2test.h"

#define OFF(type, field, want) \
	assert_int_equal(offsetof(struct type, field), (want))

/* The 64 KB volume header: sizes and every documented offset. */
static void
volume_header_layout(void **state)
{
	assert_int_equal(sizeof(struct hammer2_volume_data), 65536);
	OFF(hammer2_volume_data, magic, 0x0000);
	OFF(hammer2_volume_data, boot_beg, 0x0008);
	OFF(hammer2_volume_data, boot_end, 0x0010);
	OFF(hammer2_volume_data, aux_beg, 0x0018);
	OFF(hammer2_volume_data, aux_end, 0x0020);
	OFF(hammer2_volume_data, volu_size, 0x0028);
	OFF(hammer2_volume_data, version, 0x0030);
	OFF(hammer2_volume_data, flags, 0x0034);
	OFF(hammer2_volume_data, copyid, 0x0038);
	OFF(hammer2_volume_data, freemap_version, 0x0039);
	OFF(hammer2_volume_data, peer_type, 0x003A);
	OFF(hammer2_volume_data, volu_id, 0x003B);
	OFF(hammer2_volume_data, nvolumes, 0x003C);
	OFF(hammer2_volume_data, fsid, 0x0040);
	OFF(hammer2_volume_data, fstype, 0x0050);
	OFF(hammer2_volume_data, allocator_size, 0x0060);
	OFF(hammer2_volume_data, allocator_free, 0x0068);
	OFF(hammer2_volume_data, allocator_beg, 0x0070);
	OFF(hammer2_volume_data, mirror_tid, 0x0078);
	OFF(hammer2_volume_data, freemap_tid, 0x0090);
	OFF(hammer2_volume_data, bulkfree_tid, 0x0098);
	OFF(hammer2_volume_data, total_size, 0x00C0);
	OFF(hammer2_volume_data, copyexists, 0x00C8);
	OFF(hammer2_volume_data, icrc_sects, 0x01E0);
	OFF(hammer2_volume_data, sroot_blockset, 0x0200);
	OFF(hammer2_volume_data, sector2, 0x0400);
	OFF(hammer2_volume_data, sector3, 0x0600);
	OFF(hammer2_volume_data, freemap_blockset, 0x0800);
	OFF(hammer2_volume_data, sector5, 0x0A00);
	OFF(hammer2_volume_data, sector6, 0x0C00);
	OFF(hammer2_volume_data, volu_loff, 0x0E00);
	OFF(hammer2_volume_data, copyinfo, 0x1000);
	OFF(hammer2_volume_data, icrc_volheader, 0xFFFC);
	assert_int_equal(offsetof(struct hammer2_volume_data,
	    icrc_sects[HAMMER2_VOL_ICRC_SECT0]), 0x1FC);
	assert_int_equal(offsetof(struct hammer2_volume_data,
	    icrc_sects[HAMMER2_VOL_ICRC_SECT1]), 0x1F8);
	assert_int_equal(sizeof(struct hammer2_volconf), 128);
	OFF(hammer2_volconf, flags, 0x04);
	OFF(hammer2_volconf, error, 0x06);
	OFF(hammer2_volconf, remote_pfs_type, 0x08);
	OFF(hammer2_volconf, pfs_clid, 0x20);
	OFF(hammer2_volconf, label, 0x30);
	OFF(hammer2_volconf, path, 0x40);
}

/* The 128-byte blockref and its embed and check unions. */
static void
blockref_layout(void **state)
{
	assert_int_equal(sizeof(struct hammer2_blockref), 128);
	assert_int_equal(sizeof(struct hammer2_blockset), 512);
	OFF(hammer2_blockref, type, 0x00);
	OFF(hammer2_blockref, methods, 0x01);
	OFF(hammer2_blockref, copyid, 0x02);
	OFF(hammer2_blockref, keybits, 0x03);
	OFF(hammer2_blockref, vradix, 0x04);
	OFF(hammer2_blockref, flags, 0x05);
	OFF(hammer2_blockref, leaf_count, 0x06);
	OFF(hammer2_blockref, key, 0x08);
	OFF(hammer2_blockref, mirror_tid, 0x10);
	OFF(hammer2_blockref, modify_tid, 0x18);
	OFF(hammer2_blockref, data_off, 0x20);
	OFF(hammer2_blockref, update_tid, 0x28);
	OFF(hammer2_blockref, embed, 0x30);
	OFF(hammer2_blockref, embed.dirent.inum, 0x30);
	OFF(hammer2_blockref, embed.dirent.namlen, 0x38);
	OFF(hammer2_blockref, embed.dirent.type, 0x3A);
	OFF(hammer2_blockref, embed.stats.data_count, 0x30);
	OFF(hammer2_blockref, embed.stats.inode_count, 0x38);
	OFF(hammer2_blockref, check, 0x40);
	OFF(hammer2_blockref, check.freemap.icrc32, 0x40);
	OFF(hammer2_blockref, check.freemap.bigmask, 0x44);
	OFF(hammer2_blockref, check.freemap.avail, 0x48);
	assert_int_equal(sizeof(struct hammer2_uuid), 16);
}

/* The 1 KB inode. */
static void
inode_layout(void **state)
{
	assert_int_equal(sizeof(struct hammer2_inode_data), 1024);
	OFF(hammer2_inode_meta, version, 0x000);
	OFF(hammer2_inode_meta, pfs_subtype, 0x003);
	OFF(hammer2_inode_meta, uflags, 0x004);
	OFF(hammer2_inode_meta, rmajor, 0x008);
	OFF(hammer2_inode_meta, rminor, 0x00C);
	OFF(hammer2_inode_meta, ctime, 0x010);
	OFF(hammer2_inode_meta, mtime, 0x018);
	OFF(hammer2_inode_meta, atime, 0x020);
	OFF(hammer2_inode_meta, btime, 0x028);
	OFF(hammer2_inode_meta, uid, 0x030);
	OFF(hammer2_inode_meta, gid, 0x040);
	OFF(hammer2_inode_meta, type, 0x050);
	OFF(hammer2_inode_meta, op_flags, 0x051);
	OFF(hammer2_inode_meta, cap_flags, 0x052);
	OFF(hammer2_inode_meta, mode, 0x054);
	OFF(hammer2_inode_meta, inum, 0x058);
	OFF(hammer2_inode_meta, size, 0x060);
	OFF(hammer2_inode_meta, nlinks, 0x068);
	OFF(hammer2_inode_meta, iparent, 0x070);
	OFF(hammer2_inode_meta, name_key, 0x078);
	OFF(hammer2_inode_meta, name_len, 0x080);
	OFF(hammer2_inode_meta, ncopies, 0x082);
	OFF(hammer2_inode_meta, comp_algo, 0x083);
	OFF(hammer2_inode_meta, check_algo, 0x085);
	OFF(hammer2_inode_meta, pfs_nmasters, 0x086);
	OFF(hammer2_inode_meta, pfs_type, 0x087);
	OFF(hammer2_inode_meta, pfs_inum, 0x088);
	OFF(hammer2_inode_meta, pfs_clid, 0x090);
	OFF(hammer2_inode_meta, pfs_fsid, 0x0A0);
	OFF(hammer2_inode_meta, data_quota, 0x0B0);
	OFF(hammer2_inode_meta, inode_quota, 0x0C0);
	OFF(hammer2_inode_meta, pfs_lsnap_tid, 0x0D0);
	OFF(hammer2_inode_meta, decrypt_check, 0x0E0);
	OFF(hammer2_inode_data, filename, 0x100);
	OFF(hammer2_inode_data, u, 0x200);
	OFF(hammer2_inode_data, u.blockset.blockref[1], 0x280);
}

/* The 128-byte freemap bitmap entry and its 2-bit addressing. */
static void
bmap_layout_and_addressing(void **state)
{
	struct hammer2_bmap_data bmap;

	assert_int_equal(sizeof(struct hammer2_bmap_data), 128);
	OFF(hammer2_bmap_data, linear, 0x00);
	OFF(hammer2_bmap_data, class, 0x04);
	OFF(hammer2_bmap_data, avail, 0x1C);
	OFF(hammer2_bmap_data, bitmapq, 0x40);

	/* A 64 KB block at segment offset 0x10000 is bits 8..15 of [0]. */
	memset(&bmap, 0, sizeof(bmap));
	bmap.bitmapq[0] = 0xFF00;
	assert_int_equal(hammer2_bmap_state(&bmap, 0x10000),
	    HAMMER2_BMAP_ALLOCATED);
	assert_int_equal(hammer2_bmap_state(&bmap, 0x1C000),
	    HAMMER2_BMAP_ALLOCATED);
	assert_int_equal(hammer2_bmap_state(&bmap, 0x0C000),
	    HAMMER2_BMAP_FREE);
	assert_int_equal(hammer2_bmap_state(&bmap, 0x20000),
	    HAMMER2_BMAP_FREE);
	bmap.bitmapq[7] = 2ULL << 62;
	assert_int_equal(hammer2_bmap_state(&bmap, 0x3FC000),
	    HAMMER2_BMAP_STAGED);
}

/* data_off packs offset and radix; radix 0 means no media. */
static void
data_off_decoding(void **state)
{
	struct hammer2_blockref bref;

	memset(&bref, 0, sizeof(bref));
	bref.data_off = 0x000000000880100aULL;
	assert_int_equal(hammer2_bref_offset(&bref), 0x08801000);
	assert_int_equal(hammer2_bref_radix(&bref), 10);
	assert_int_equal(hammer2_bref_bytes(&bref), 1024);
	bref.data_off = 0x1000f;
	assert_int_equal(hammer2_bref_bytes(&bref), 32768);
	bref.data_off = 0;
	assert_int_equal(hammer2_bref_bytes(&bref), 0);
	assert_int_equal(HAMMER2_DEC_CHECK(0x31), HAMMER2_CHECK_XXHASH64);
	assert_int_equal(HAMMER2_DEC_COMP(0x31), HAMMER2_COMP_AUTOZERO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(volume_header_layout),
		cmocka_unit_test(blockref_layout),
		cmocka_unit_test(inode_layout),
		cmocka_unit_test(bmap_layout_and_addressing),
		cmocka_unit_test(data_off_decoding),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
