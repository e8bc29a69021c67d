/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_newfs.c - make an empty HAMMER2 file system, version 2, one
 * volume, following ../shared/reference/hammer2-format.md 1.5, 1.6, 2
 * and 11.1: the reserved first 4 MB, boot and aux areas sized from the
 * volume, one 64 KB static block right after aux holding the super-root
 * inode and one PFS root inode per label (LOCAL first), allocator_beg
 * just past them, an empty freemap (format 8.5: the kernel creates the
 * leaves on the first dynamic allocation), TID 16 everywhere, and every
 * volume header copy that fits.  All writes go through the caller's
 * struct hammer2_newfs_ops; the static block is flushed before any
 * header is written so a torn newfs never leaves a valid header that
 * points at missing inodes.
 *
 * Locking: none; no state outside the call.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>
#include <fs/hammer2/hammer2_newfs.h>

#define MB	(1ULL << 20)
#define GB	(1ULL << 30)
#define RESERVED_SEG	(4 * MB)	/* at the start of every 1 GB */

/* fstype UUID 5cbb9ad1-862d-11dc-a94d-01301bb8a9f5 as stored (2.5). */
static const uint8_t newfs_fstype[16] = {
	0xd1, 0x9a, 0xbb, 0x5c, 0x2d, 0x86, 0xdc, 0x11,
	0xa9, 0x4d, 0x01, 0x30, 0x1b, 0xb8, 0xa9, 0xf5
};

static uint64_t
roundup64(uint64_t v, uint64_t a)
{
	return ((v + a - 1) / a * a);
}

/* Start at start, halve while above total/20, clamp, round up to 8 MB. */
static uint64_t
area_size(uint64_t total, uint64_t start, uint64_t lo, uint64_t hi)
{
	uint64_t sz = start;

	while (sz > total / 20)
		sz >>= 1;
	if (sz < lo)
		sz = lo;
	if (sz > hi)
		sz = hi;
	return (roundup64(sz, HAMMER2_NEWFS_ALIGN));
}

int
hammer2_newfs_layout(uint64_t size, int npfs, struct hammer2_newfs_layout *lay)
{
	uint64_t total, used;
	int i;

	memset(lay, 0, sizeof(*lay));
	if (npfs < 1 || npfs > HAMMER2_NEWFS_MAXLABELS)
		return (EINVAL);
	total = size / HAMMER2_NEWFS_ALIGN * HAMMER2_NEWFS_ALIGN;
	if (total < HAMMER2_NEWFS_MINSIZE)
		return (EINVAL);
	lay->volu_size = total;
	lay->boot_beg = RESERVED_SEG;
	lay->boot_end = lay->boot_beg + area_size(total, 64 * MB, 8 * MB,
	    256 * MB);
	lay->aux_beg = lay->boot_end;
	lay->aux_end = lay->aux_beg + area_size(total, 256 * MB, 8 * MB, GB);
	lay->reserved = (total + GB - 1) / GB * RESERVED_SEG;
	used = lay->reserved + (lay->boot_end - lay->boot_beg) +
	    (lay->aux_end - lay->aux_beg);
	if (used >= total)
		return (EINVAL);
	lay->allocator_size = total - used;
	lay->alloc_base = roundup64(lay->aux_end, HAMMER2_VOLUME_BYTES);
	lay->allocator_beg = lay->alloc_base +
	    (uint64_t)HAMMER2_INODE_BYTES * (1 + npfs);
	/* The static block must sit in the first 1 GB, inside the volume. */
	if (lay->alloc_base + HAMMER2_VOLUME_BYTES > GB ||
	    lay->alloc_base + HAMMER2_VOLUME_BYTES > total)
		return (EINVAL);
	lay->nheaders = 0;
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++)
		if ((uint64_t)i * HAMMER2_ZONE_BYTES64 < total)
			lay->nheaders++;
	return (0);
}

/* A random (version 4) UUID in the stored byte order. */
static void
newfs_uuid(const struct hammer2_newfs_ops *ops, struct hammer2_uuid *u)
{
	ops->random(ops->ctx, u, sizeof(*u));
	u->time_hi_and_version = (u->time_hi_and_version & 0x0FFF) | 0x4000;
	u->clock_seq_hi = (u->clock_seq_hi & 0x3F) | 0x80;
}

static int
is_boot(const char *s)
{
	static const char boot[] = "boot";
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != boot[i])
			return (0);
	}
	return (s[4] == '\0');
}

static int
newfs_zero(const struct hammer2_newfs_ops *ops, uint8_t *zbuf,
    uint64_t off, uint64_t len)
{
	size_t n;
	int error;

	if (ops->zero != NULL)
		return (ops->zero(ops->ctx, off, len));
	while (len > 0) {
		n = len > HAMMER2_VOLUME_BYTES ? HAMMER2_VOLUME_BYTES :
		    (size_t)len;
		if ((error = ops->write(ops->ctx, off, zbuf, n)) != 0)
			return (error);
		off += n;
		len -= n;
	}
	return (0);
}

static void
set_xxh64(struct hammer2_blockref *bref, const void *data, size_t len)
{
	uint64_t x = hammer2_xxh64(data, len, HAMMER2_XXH64_SEED);

	memset(&bref->check, 0, sizeof(bref->check));
	bref->check.xxhash64.value = x;
}

static int
bref_cmp_key(const struct hammer2_blockref *a,
    const struct hammer2_blockref *b)
{
	return (a->key < b->key ? -1 : a->key > b->key);
}

/* Check method / compression values a PFS root may be given. */
static int
valid_check(int c)
{
	return (c >= HAMMER2_CHECK_NONE && c <= HAMMER2_CHECK_SHA192);
}

static int
valid_comp(int c)
{
	return ((c & 0x0F) <= HAMMER2_COMP_ZLIB && (c & ~0xFF) == 0);
}

int
hammer2_newfs(const struct hammer2_newfs_args *args,
    const struct hammer2_newfs_ops *ops, struct hammer2_newfs_layout *layp)
{
	struct hammer2_newfs_layout lay;
	const char *names[HAMMER2_NEWFS_MAXLABELS];
	struct hammer2_blockref pbref[HAMMER2_NEWFS_MAXLABELS], tmp;
	struct hammer2_inode_data *ip;
	struct hammer2_volume_data *vd;
	uint8_t *blk, *zbuf;
	uint64_t off;
	size_t len;
	int npfs, i, j, error;
	uint8_t check, comp;

	/* The PFS list: LOCAL, then the labels or the default DATA. */
	npfs = 0;
	names[npfs++] = "LOCAL";
	if (args->nlabels < 0 || args->nlabels > HAMMER2_NEWFS_MAXLABELS - 1)
		return (EINVAL);
	if (args->nlabels == 0 && !args->nodefault)
		names[npfs++] = "DATA";
	for (i = 0; i < args->nlabels; i++)
		names[npfs++] = args->labels[i];
	for (i = 0; i < npfs; i++) {
		len = strnlen(names[i], HAMMER2_INODE_MAXNAME);
		if (len == 0 || len >= HAMMER2_INODE_MAXNAME)
			return (EINVAL);
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0 ||
			    hammer2_dirhash(names[i], len) ==
			    hammer2_dirhash(names[j], strlen(names[j])))
				return (EEXIST);
	}
	check = args->check_algo < 0 ? HAMMER2_CHECK_XXHASH64 :
	    (uint8_t)args->check_algo;
	comp = args->comp_algo < 0 ? HAMMER2_COMP_LZ4 :
	    (uint8_t)args->comp_algo;
	if (!valid_check(check) || !valid_comp(comp))
		return (EINVAL);
	if ((error = hammer2_newfs_layout(args->size, npfs, &lay)) != 0)
		return (error);
	if (layp != NULL)
		*layp = lay;

	zbuf = ops->alloc(ops->ctx, HAMMER2_VOLUME_BYTES);
	blk = ops->alloc(ops->ctx, HAMMER2_VOLUME_BYTES);
	vd = ops->alloc(ops->ctx, HAMMER2_VOLUME_BYTES);
	if (zbuf == NULL || blk == NULL || vd == NULL) {
		error = ENOMEM;
		goto out;
	}
	memset(zbuf, 0, HAMMER2_VOLUME_BYTES);
	memset(blk, 0, HAMMER2_VOLUME_BYTES);
	memset(vd, 0, HAMMER2_VOLUME_BYTES);

	/*
	 * Size check first (the last 64 KB must be writable), then zero
	 * the reserved segment, the boot and aux areas.
	 */
	if ((error = ops->write(ops->ctx, lay.volu_size - HAMMER2_VOLUME_BYTES,
	    zbuf, HAMMER2_VOLUME_BYTES)) != 0)
		goto out;
	if ((error = newfs_zero(ops, zbuf, 0, RESERVED_SEG)) != 0)
		goto out;
	if ((error = newfs_zero(ops, zbuf, lay.boot_beg,
	    lay.aux_end - lay.boot_beg)) != 0)
		goto out;

	/* PFS root inodes at alloc_base + 1 KB, + 2 KB, ... */
	for (i = 0; i < npfs; i++) {
		off = lay.alloc_base + (uint64_t)HAMMER2_INODE_BYTES * (1 + i);
		ip = (struct hammer2_inode_data *)(blk +
		    HAMMER2_INODE_BYTES * (1 + i));
		len = strlen(names[i]);
		ip->meta.version = 1;
		ip->meta.ctime = args->now_us;
		ip->meta.mtime = args->now_us;
		ip->meta.btime = args->now_us;
		ip->meta.type = HAMMER2_OBJTYPE_DIRECTORY;
		ip->meta.op_flags = HAMMER2_OPFLAG_PFSROOT;
		ip->meta.mode = 0755;
		ip->meta.inum = 1;
		ip->meta.nlinks = 1;
		ip->meta.name_key = hammer2_dirhash(names[i], len);
		ip->meta.name_len = (uint16_t)len;
		ip->meta.comp_algo = is_boot(names[i]) ?
		    HAMMER2_COMP_AUTOZERO : comp;
		ip->meta.check_algo = check;
		ip->meta.pfs_type = HAMMER2_PFSTYPE_MASTER;
		ip->meta.pfs_inum = HAMMER2_NEWFS_PFS_INUM;
		newfs_uuid(ops, &ip->meta.pfs_clid);
		newfs_uuid(ops, &ip->meta.pfs_fsid);
		memcpy(ip->filename, names[i], len);

		memset(&pbref[i], 0, sizeof(pbref[i]));
		pbref[i].type = HAMMER2_BREF_TYPE_INODE;
		pbref[i].methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_XXHASH64,
		    HAMMER2_COMP_NONE);
		pbref[i].copyid = 0xFF;
		pbref[i].vradix = HAMMER2_RADIX_MIN;
		pbref[i].flags = HAMMER2_BREF_FLAG_PFSROOT;
		pbref[i].key = ip->meta.name_key;
		pbref[i].mirror_tid = HAMMER2_NEWFS_TID;
		pbref[i].data_off = off | HAMMER2_RADIX_MIN;
		set_xxh64(&pbref[i], ip, HAMMER2_INODE_BYTES);
	}
	/* Sort by key (insertion sort of at most four). */
	for (i = 1; i < npfs; i++)
		for (j = i; j > 0 && bref_cmp_key(&pbref[j - 1],
		    &pbref[j]) > 0; j--) {
			tmp = pbref[j];
			pbref[j] = pbref[j - 1];
			pbref[j - 1] = tmp;
		}

	/* The super-root inode at alloc_base. */
	ip = (struct hammer2_inode_data *)blk;
	ip->meta.version = 1;
	ip->meta.ctime = args->now_us;
	ip->meta.mtime = args->now_us;
	ip->meta.btime = args->now_us;
	ip->meta.type = HAMMER2_OBJTYPE_DIRECTORY;
	ip->meta.mode = 0700;
	ip->meta.inum = 0;
	ip->meta.nlinks = 2;
	ip->meta.name_len = 7;
	ip->meta.comp_algo = HAMMER2_COMP_AUTOZERO;
	ip->meta.check_algo = HAMMER2_CHECK_XXHASH64;
	ip->meta.pfs_type = HAMMER2_PFSTYPE_SUPROOT;
	newfs_uuid(ops, &ip->meta.pfs_clid);
	newfs_uuid(ops, &ip->meta.pfs_fsid);
	memcpy(ip->filename, "SUPROOT", 7);
	for (i = 0; i < npfs; i++)
		ip->u.blockset.blockref[i] = pbref[i];

	/* Write the static block and make it durable before any header. */
	if ((error = ops->write(ops->ctx, lay.alloc_base, blk,
	    HAMMER2_VOLUME_BYTES)) != 0)
		goto out;
	if ((error = ops->flush(ops->ctx)) != 0)
		goto out;

	/* The volume header (format 2.1). */
	vd->magic = HAMMER2_VOLUME_ID_HBO;
	vd->boot_beg = lay.boot_beg;
	vd->boot_end = lay.boot_end;
	vd->aux_beg = lay.aux_beg;
	vd->aux_end = lay.aux_end;
	vd->volu_size = lay.volu_size;
	vd->version = 2;
	vd->peer_type = 3;
	vd->volu_id = 0;
	vd->nvolumes = 1;
	newfs_uuid(ops, &vd->fsid);
	memcpy(&vd->fstype, newfs_fstype, sizeof(newfs_fstype));
	vd->allocator_size = lay.allocator_size;
	vd->allocator_free = lay.allocator_size;
	vd->allocator_beg = lay.allocator_beg;
	vd->mirror_tid = HAMMER2_NEWFS_TID;
	vd->freemap_tid = HAMMER2_NEWFS_TID;
	vd->total_size = lay.volu_size;
	vd->volu_loff[0] = 0;
	for (i = 1; i < HAMMER2_MAX_VOLUMES; i++)
		vd->volu_loff[i] = ~0ULL;

	{
		struct hammer2_blockref *sb = &vd->sroot_blockset.blockref[0];

		sb->type = HAMMER2_BREF_TYPE_INODE;
		sb->methods = HAMMER2_ENC_METHODS(HAMMER2_CHECK_XXHASH64,
		    HAMMER2_COMP_AUTOZERO);
		sb->copyid = 0xFF;
		sb->vradix = HAMMER2_RADIX_MIN;
		sb->key = HAMMER2_SROOT_KEY;
		sb->mirror_tid = HAMMER2_NEWFS_TID;
		sb->data_off = lay.alloc_base | HAMMER2_RADIX_MIN;
		set_xxh64(sb, blk, HAMMER2_INODE_BYTES);
	}

	/* CRCs in order: sroot sector, first sector, whole header (2.2). */
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT1] = hammer2_icrc32c(
	    (uint8_t *)vd + HAMMER2_VOLUME_ICRC1_OFF,
	    HAMMER2_VOLUME_ICRC1_SIZE, 0);
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT0] = hammer2_icrc32c(
	    (uint8_t *)vd + HAMMER2_VOLUME_ICRC0_OFF,
	    HAMMER2_VOLUME_ICRC0_SIZE, 0);
	vd->icrc_volheader = hammer2_icrc32c(
	    (uint8_t *)vd + HAMMER2_VOLUME_ICRCVH_OFF,
	    HAMMER2_VOLUME_ICRCVH_SIZE, 0);

	for (i = 0; i < lay.nheaders; i++)
		if ((error = ops->write(ops->ctx,
		    (uint64_t)i * HAMMER2_ZONE_BYTES64, vd,
		    HAMMER2_VOLUME_BYTES)) != 0)
			goto out;
	error = ops->flush(ops->ctx);
out:
	if (vd != NULL)
		ops->free(ops->ctx, vd, HAMMER2_VOLUME_BYTES);
	if (blk != NULL)
		ops->free(ops->ctx, blk, HAMMER2_VOLUME_BYTES);
	if (zbuf != NULL)
		ops->free(ops->ctx, zbuf, HAMMER2_VOLUME_BYTES);
	return (error);
}
