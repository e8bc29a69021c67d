/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_disk.h - the HAMMER2 on-disk format: constants and the packed
 * structures as they sit on media (volume header, blockref, inode,
 * freemap bitmap entry).  Everything is little-endian; Damselfly only
 * runs on little-endian CPUs, so fields are read in place.  The layout
 * follows ../shared/reference/hammer2-format.md (section numbers quoted
 * beside each structure); the size of every structure is asserted at
 * compile time and each field offset by tests/unit/hammer2.
 *
 * Locking: none.  These are plain data definitions.
 */
#ifndef _FS_HAMMER2_HAMMER2_DISK_H_
#define _FS_HAMMER2_HAMMER2_DISK_H_

#include <stddef.h>
#include <stdint.h>

/* Self-contained: host tools include this without the kernel headers. */
#define HAMMER2_PACKED	__attribute__((packed))
#define HAMMER2_CTASSERT(x)	_Static_assert(x, #x)

/*
 * Sizes and radixes (format 1.1).
 */
#define HAMMER2_RADIX_MIN	10		/* smallest media block 1 KB */
#define HAMMER2_RADIX_MAX	16		/* largest media block 64 KB */
#define HAMMER2_ALLOC_MIN	(1U << HAMMER2_RADIX_MIN)
#define HAMMER2_ALLOC_MAX	(1U << HAMMER2_RADIX_MAX)
#define HAMMER2_PBUFRADIX	16
#define HAMMER2_PBUFSIZE	65536		/* logical file block size */
#define HAMMER2_PBUFMASK64	((uint64_t)HAMMER2_PBUFSIZE - 1)
#define HAMMER2_LBUFSIZE	16384
#define HAMMER2_BLOCKREF_BYTES	128
#define HAMMER2_BLOCKREF_RADIX	7
#define HAMMER2_SET_COUNT	4		/* blockrefs in a blockset */
#define HAMMER2_EMBEDDED_BYTES	512
#define HAMMER2_INODE_BYTES	1024
#define HAMMER2_INODE_MAXNAME	256		/* names are < 256 bytes */
#define HAMMER2_DIRENT_INLINE	64		/* names <= 64 in the bref */
#define HAMMER2_VOLUME_BYTES	65536
#define HAMMER2_NUM_VOLHDRS	4
#define HAMMER2_ZONE_BYTES64	(2ULL << 30)	/* header copy spacing */
#define HAMMER2_SEGSIZE		(4U << 20)	/* freemap level-0 segment */
#define HAMMER2_FREEMAP_BLOCK	16384		/* bitmap granularity */
#define HAMMER2_FREEMAP_LEVELN_PSIZE 32768	/* freemap node/leaf size */
#define HAMMER2_FREEMAP_COUNT	256		/* entries in node or leaf */
#define HAMMER2_MAX_VOLUMES	64
#define HAMMER2_INODE_START	1024

#define HAMMER2_OFF_MASK	0xFFFFFFFFFFFFFFC0ULL
#define HAMMER2_OFF_MASK_RADIX	0x000000000000003FULL

#define HAMMER2_VOLUME_ID_HBO	0x48414D3205172011ULL
#define HAMMER2_VOLUME_ID_ABO	0x11201705324D4148ULL	/* other endian */

#define HAMMER2_VOL_VERSION_MIN	1
#define HAMMER2_VOL_VERSION_MAX	3

/*
 * Directory hash layout (format 6.2, 6.3).
 */
#define HAMMER2_DIRHASH_VISIBLE	0x8000000000000000ULL
#define HAMMER2_DIRHASH_LOMASK	0x0000000000007FFFULL
#define HAMMER2_DIRHASH_FORCED	0x0000000000008000ULL
#define HAMMER2_SROOT_KEY	0x0000000000000000ULL

/*
 * Blockref types (format 3.2).
 */
#define HAMMER2_BREF_TYPE_EMPTY		0
#define HAMMER2_BREF_TYPE_INODE		1
#define HAMMER2_BREF_TYPE_INDIRECT	2
#define HAMMER2_BREF_TYPE_DATA		3
#define HAMMER2_BREF_TYPE_DIRENT	4
#define HAMMER2_BREF_TYPE_FREEMAP_NODE	5
#define HAMMER2_BREF_TYPE_FREEMAP_LEAF	6
#define HAMMER2_BREF_TYPE_INVALID	7
#define HAMMER2_BREF_TYPE_FREEMAP	254	/* in-memory only */
#define HAMMER2_BREF_TYPE_VOLUME	255	/* in-memory only */

#define HAMMER2_BREF_FLAG_PFSROOT	0x01
#define HAMMER2_BREF_FLAG_EMERG_MIP	0x04

/*
 * The methods byte: check method in the high nibble, compression in the
 * low nibble (format 3.5).
 */
#define HAMMER2_DEC_CHECK(m)		(((m) >> 4) & 0x0F)
#define HAMMER2_DEC_COMP(m)		((m) & 0x0F)
#define HAMMER2_ENC_METHODS(chk, comp)	((uint8_t)(((chk) << 4) | (comp)))

#define HAMMER2_CHECK_NONE		0
#define HAMMER2_CHECK_DISABLED		1
#define HAMMER2_CHECK_ISCSI32		2
#define HAMMER2_CHECK_XXHASH64		3
#define HAMMER2_CHECK_SHA192		4
#define HAMMER2_CHECK_FREEMAP		5

#define HAMMER2_COMP_NONE		0
#define HAMMER2_COMP_AUTOZERO		1
#define HAMMER2_COMP_LZ4		2
#define HAMMER2_COMP_ZLIB		3

#define HAMMER2_XXH64_SEED		0x4D617474446C6C6EULL	/* "MattDlln" */

/*
 * Object types (inode byte 0x50 and dirent type, format 5.3).  Type 3
 * is not assigned by the current format; older DragonFly kernels used
 * it for hidden hardlink pointers, which hammer2_inode.c resolves.
 */
#define HAMMER2_OBJTYPE_UNKNOWN		0
#define HAMMER2_OBJTYPE_DIRECTORY	1
#define HAMMER2_OBJTYPE_REGFILE		2
#define HAMMER2_OBJTYPE_HARDLINK	3
#define HAMMER2_OBJTYPE_FIFO		4
#define HAMMER2_OBJTYPE_CDEV		5
#define HAMMER2_OBJTYPE_BDEV		6
#define HAMMER2_OBJTYPE_SOFTLINK	7
#define HAMMER2_OBJTYPE_SOCKET		9
#define HAMMER2_OBJTYPE_WHITEOUT	10

#define HAMMER2_OPFLAG_DIRECTDATA	0x01
#define HAMMER2_OPFLAG_PFSROOT		0x02
#define HAMMER2_OPFLAG_COPYIDS		0x04

/*
 * PFS types (format 7.2).
 */
#define HAMMER2_PFSTYPE_NONE		0
#define HAMMER2_PFSTYPE_CACHE		1
#define HAMMER2_PFSTYPE_SLAVE		3
#define HAMMER2_PFSTYPE_SOFT_SLAVE	4
#define HAMMER2_PFSTYPE_SOFT_MASTER	5
#define HAMMER2_PFSTYPE_MASTER		6
#define HAMMER2_PFSTYPE_SUPROOT		8
#define HAMMER2_PFSTYPE_DUMMY		9
#define HAMMER2_PFSTYPE_MASK		0x0F

#define HAMMER2_PFSSUBTYPE_NONE		0
#define HAMMER2_PFSSUBTYPE_SNAPSHOT	1
#define HAMMER2_PFSSUBTYPE_AUTOSNAP	2

/*
 * A DCE UUID as stored: the first three fields little-endian.
 */
struct hammer2_uuid {
	uint32_t	time_low;
	uint16_t	time_mid;
	uint16_t	time_hi_and_version;
	uint8_t		clock_seq_hi;
	uint8_t		clock_seq_low;
	uint8_t		node[6];
} HAMMER2_PACKED;

/*
 * Blockref embed union (format 3.3).
 */
struct hammer2_dirent_head {
	uint64_t	inum;		/* inode number the entry names */
	uint16_t	namlen;		/* name length, < 256 */
	uint8_t		type;		/* HAMMER2_OBJTYPE_* */
	uint8_t		unused0B;
	uint32_t	unused0C;
} HAMMER2_PACKED;

struct hammer2_bref_stats {
	uint64_t	data_count;	/* advisory */
	uint64_t	inode_count;	/* advisory */
} HAMMER2_PACKED;

/*
 * Blockref check union (format 3.4).
 */
struct hammer2_check_freemap {
	uint32_t	icrc32;		/* CRC32C of the 32 KB block */
	uint32_t	bigmask;	/* radixes that may still fit */
	uint64_t	avail;		/* rough free bytes */
	uint8_t		reserved[48];
} HAMMER2_PACKED;

union hammer2_check {
	uint8_t		buf[64];
	struct {
		uint32_t	value;
		uint8_t		pad[60];
	} HAMMER2_PACKED iscsi32;
	struct {
		uint64_t	value;
		uint8_t		pad[56];
	} HAMMER2_PACKED xxhash64;
	struct {
		uint8_t		data[24];
		uint8_t		pad[40];
	} HAMMER2_PACKED sha192;
	struct hammer2_check_freemap freemap;
} HAMMER2_PACKED;

/*
 * Blockref: 128 bytes (format 3.1).
 */
struct hammer2_blockref {
	uint8_t		type;		/* 0x00 HAMMER2_BREF_TYPE_* */
	uint8_t		methods;	/* 0x01 check << 4 | comp */
	uint8_t		copyid;		/* 0x02 ignored when reading */
	uint8_t		keybits;	/* 0x03 covers key .. key+2^keybits-1 */
	uint8_t		vradix;		/* 0x04 ignored when reading */
	uint8_t		flags;		/* 0x05 HAMMER2_BREF_FLAG_* */
	uint16_t	leaf_count;	/* 0x06 advisory */
	uint64_t	key;		/* 0x08 */
	uint64_t	mirror_tid;	/* 0x10 */
	uint64_t	modify_tid;	/* 0x18 */
	uint64_t	data_off;	/* 0x20 offset | radix */
	uint64_t	update_tid;	/* 0x28 */
	union {				/* 0x30 */
		uint8_t			buf[16];
		struct hammer2_dirent_head dirent;
		struct hammer2_bref_stats stats;
	} HAMMER2_PACKED embed;
	union hammer2_check check;	/* 0x40 */
} HAMMER2_PACKED;

struct hammer2_blockset {
	struct hammer2_blockref	blockref[HAMMER2_SET_COUNT];
} HAMMER2_PACKED;

/*
 * Inode: 1024 bytes (format 5.1).  Times are microseconds since 1970.
 */
struct hammer2_inode_meta {
	uint16_t	version;	/* 0x000 */
	uint8_t		reserved02;
	uint8_t		pfs_subtype;	/* 0x003 HAMMER2_PFSSUBTYPE_* */
	uint32_t	uflags;		/* 0x004 chflags */
	uint32_t	rmajor;		/* 0x008 device major */
	uint32_t	rminor;		/* 0x00C device minor */
	uint64_t	ctime;		/* 0x010 */
	uint64_t	mtime;		/* 0x018 */
	uint64_t	atime;		/* 0x020 */
	uint64_t	btime;		/* 0x028 */
	struct hammer2_uuid uid;	/* 0x030 uid in bytes 12..15 */
	struct hammer2_uuid gid;	/* 0x040 gid in bytes 12..15 */
	uint8_t		type;		/* 0x050 HAMMER2_OBJTYPE_* */
	uint8_t		op_flags;	/* 0x051 HAMMER2_OPFLAG_* */
	uint16_t	cap_flags;	/* 0x052 */
	uint32_t	mode;		/* 0x054 permission bits only */
	uint64_t	inum;		/* 0x058 */
	uint64_t	size;		/* 0x060 */
	uint64_t	nlinks;		/* 0x068 */
	uint64_t	iparent;	/* 0x070 */
	uint64_t	name_key;	/* 0x078 */
	uint16_t	name_len;	/* 0x080 */
	uint8_t		ncopies;	/* 0x082 */
	uint8_t		comp_algo;	/* 0x083 level << 4 | algo */
	uint8_t		unused84;
	uint8_t		check_algo;	/* 0x085 */
	uint8_t		pfs_nmasters;	/* 0x086 */
	uint8_t		pfs_type;	/* 0x087 HAMMER2_PFSTYPE_* */
	uint64_t	pfs_inum;	/* 0x088 next-inum hint (PFS root) */
	struct hammer2_uuid pfs_clid;	/* 0x090 */
	struct hammer2_uuid pfs_fsid;	/* 0x0A0 */
	uint64_t	data_quota;	/* 0x0B0 */
	uint64_t	unusedB8;
	uint64_t	inode_quota;	/* 0x0C0 */
	uint64_t	unusedC8;
	uint64_t	pfs_lsnap_tid;	/* 0x0D0 */
	uint64_t	reservedD8;
	uint64_t	decrypt_check;	/* 0x0E0 */
	uint64_t	reservedE8[3];
} HAMMER2_PACKED;

struct hammer2_inode_data {
	struct hammer2_inode_meta meta;			/* 0x000 */
	uint8_t		filename[HAMMER2_INODE_MAXNAME];	/* 0x100 */
	union {						/* 0x200 */
		struct hammer2_blockset	blockset;
		uint8_t			data[HAMMER2_EMBEDDED_BYTES];
	} HAMMER2_PACKED u;
} HAMMER2_PACKED;

/*
 * Freemap bitmap entry: 128 bytes, one per 4 MB segment (format 8.2).
 * Two bits per 16 KB block: 00 free, 01 reserved, 10 staged, 11 allocated.
 */
#define HAMMER2_BMAP_ELEMENTS	8
#define HAMMER2_BMAP_FREE	0
#define HAMMER2_BMAP_RESERVED	1
#define HAMMER2_BMAP_STAGED	2
#define HAMMER2_BMAP_ALLOCATED	3

struct hammer2_bmap_data {
	int32_t		linear;		/* 0x00 next sub-16 KB allocation */
	uint16_t	class;		/* 0x04 bref_type << 8 | 16 */
	uint8_t		reserved06;
	uint8_t		reserved07;
	uint32_t	reserved08[5];	/* 0x08 */
	uint32_t	avail;		/* 0x1C free bytes */
	uint32_t	reserved20[8];	/* 0x20 */
	uint64_t	bitmapq[HAMMER2_BMAP_ELEMENTS];	/* 0x40 */
} HAMMER2_PACKED;

/*
 * Volume configuration record (format 2.4), all zero in practice.
 */
struct hammer2_volconf {
	uint8_t		copyid;
	uint8_t		inprog;
	uint8_t		chain_to;
	uint8_t		chain_from;
	uint16_t	flags;
	uint8_t		error;
	uint8_t		priority;
	uint8_t		remote_pfs_type;
	uint8_t		reserved09[23];
	struct hammer2_uuid pfs_clid;
	uint8_t		label[16];
	uint8_t		path[64];
} HAMMER2_PACKED;

/*
 * Volume header: 64 KB (format 2.1).  icrc_sects[6] covers the sroot
 * blockset, icrc_sects[7] bytes 0..0x1FB, icrc_volheader 0..0xFFFB.
 */
#define HAMMER2_VOL_ICRC_SECT0		7
#define HAMMER2_VOL_ICRC_SECT1		6
#define HAMMER2_VOLUME_ICRC0_OFF	0x000
#define HAMMER2_VOLUME_ICRC0_SIZE	0x1FC
#define HAMMER2_VOLUME_ICRC1_OFF	0x200
#define HAMMER2_VOLUME_ICRC1_SIZE	0x200
#define HAMMER2_VOLUME_ICRCVH_OFF	0x0000
#define HAMMER2_VOLUME_ICRCVH_SIZE	0xFFFC

struct hammer2_volume_data {
	uint64_t	magic;			/* 0x0000 */
	uint64_t	boot_beg;		/* 0x0008 */
	uint64_t	boot_end;		/* 0x0010 */
	uint64_t	aux_beg;		/* 0x0018 */
	uint64_t	aux_end;		/* 0x0020 */
	uint64_t	volu_size;		/* 0x0028 */
	uint32_t	version;		/* 0x0030 */
	uint32_t	flags;			/* 0x0034 */
	uint8_t		copyid;			/* 0x0038 */
	uint8_t		freemap_version;	/* 0x0039 */
	uint8_t		peer_type;		/* 0x003A */
	uint8_t		volu_id;		/* 0x003B */
	uint8_t		nvolumes;		/* 0x003C */
	uint8_t		reserved003D;
	uint16_t	reserved003E;
	struct hammer2_uuid fsid;		/* 0x0040 */
	struct hammer2_uuid fstype;		/* 0x0050 */
	uint64_t	allocator_size;		/* 0x0060 */
	uint64_t	allocator_free;		/* 0x0068 */
	uint64_t	allocator_beg;		/* 0x0070 */
	uint64_t	mirror_tid;		/* 0x0078 */
	uint64_t	reserved0080;
	uint64_t	reserved0088;
	uint64_t	freemap_tid;		/* 0x0090 */
	uint64_t	bulkfree_tid;		/* 0x0098 */
	uint64_t	reserved00A0[4];	/* 0x00A0 */
	uint64_t	total_size;		/* 0x00C0 */
	uint32_t	copyexists[8];		/* 0x00C8 */
	uint8_t		reserved00E8[248];	/* 0x00E8 */
	uint32_t	icrc_sects[8];		/* 0x01E0 */
	struct hammer2_blockset sroot_blockset;	/* 0x0200 */
	uint8_t		sector2[512];		/* 0x0400 */
	uint8_t		sector3[512];		/* 0x0600 */
	struct hammer2_blockset freemap_blockset; /* 0x0800 */
	uint8_t		sector5[512];		/* 0x0A00 */
	uint8_t		sector6[512];		/* 0x0C00 */
	uint64_t	volu_loff[HAMMER2_MAX_VOLUMES];	/* 0x0E00 */
	struct hammer2_volconf copyinfo[256];	/* 0x1000 */
	uint8_t		reserved9000[0x6FFC];	/* 0x9000 */
	uint32_t	icrc_volheader;		/* 0xFFFC */
} HAMMER2_PACKED;

HAMMER2_CTASSERT(sizeof(struct hammer2_uuid) == 16);
HAMMER2_CTASSERT(sizeof(struct hammer2_dirent_head) == 16);
HAMMER2_CTASSERT(sizeof(union hammer2_check) == 64);
HAMMER2_CTASSERT(sizeof(struct hammer2_blockref) == HAMMER2_BLOCKREF_BYTES);
HAMMER2_CTASSERT(sizeof(struct hammer2_blockset) == HAMMER2_EMBEDDED_BYTES);
HAMMER2_CTASSERT(sizeof(struct hammer2_inode_meta) == 256);
HAMMER2_CTASSERT(sizeof(struct hammer2_inode_data) == HAMMER2_INODE_BYTES);
HAMMER2_CTASSERT(sizeof(struct hammer2_bmap_data) == 128);
HAMMER2_CTASSERT(sizeof(struct hammer2_volconf) == 128);
HAMMER2_CTASSERT(sizeof(struct hammer2_volume_data) == HAMMER2_VOLUME_BYTES);

/*
 * Helpers on data_off (format 1.2, 3.6).  A radix of 0 means no media.
 */
static inline uint64_t
hammer2_bref_offset(const struct hammer2_blockref *bref)
{
	return (bref->data_off & HAMMER2_OFF_MASK);
}

static inline unsigned int
hammer2_bref_radix(const struct hammer2_blockref *bref)
{
	return ((unsigned int)(bref->data_off & HAMMER2_OFF_MASK_RADIX));
}

/* Bytes the bref's media block holds (0 when there is none). */
static inline size_t
hammer2_bref_bytes(const struct hammer2_blockref *bref)
{
	unsigned int radix = hammer2_bref_radix(bref);

	return (radix == 0 ? 0 : (size_t)1 << radix);
}

#endif /* !_FS_HAMMER2_HAMMER2_DISK_H_ */
