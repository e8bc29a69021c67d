/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_vol.c - opening a volume: read every volume header copy, check
 * magic and CRCs, select the copy with the highest mirror_tid (format
 * 2.3), validate it and keep it for the life of the handle.  Also the
 * small memory and problem-reporting helpers every other file uses.
 *
 * Locking: hammer2_vol_open and hammer2_vol_close own the handle; after
 * open the selected header is read-only and needs no lock.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>

/* fstype UUID 5cbb9ad1-862d-11dc-a94d-01301bb8a9f5 as stored. */
static const uint8_t hammer2_fstype_uuid[16] = {
	0xd1, 0x9a, 0xbb, 0x5c, 0x2d, 0x86, 0xdc, 0x11,
	0xa9, 0x4d, 0x01, 0x30, 0x1b, 0xb8, 0xa9, 0xf5,
};

void *
hammer2_alloc(struct hammer2_vol *vol, size_t len)
{
	return (vol->ops.alloc(vol->ctx, len));
}

void
hammer2_free(struct hammer2_vol *vol, void *ptr, size_t len)
{
	if (ptr != NULL)
		vol->ops.free(vol->ctx, ptr, len);
}

/*
 * hammer2_report - tell the caller's report hook about a problem and
 * return the error, so sites can write `return (hammer2_report(...))`.
 */
int
hammer2_report(struct hammer2_vol *vol, int kind, int error,
    const struct hammer2_blockref *bref, uint64_t offset, const char *reason)
{
	struct hammer2_report rep;

	if (vol->ops.report != NULL) {
		rep.kind = kind;
		rep.error = error;
		rep.offset = offset;
		rep.bref = bref;
		rep.reason = reason;
		vol->ops.report(vol->ctx, &rep);
	}
	return (error);
}

int
hammer2_volhdr_verify(const struct hammer2_volume_data *vd,
    struct hammer2_volhdr_status *st)
{
	const uint8_t *p = (const uint8_t *)vd;

	st->fail = 0;
	st->mirror_tid = 0;
	st->freemap_tid = 0;
	memset(st->crc_stored, 0, sizeof(st->crc_stored));
	memset(st->crc_computed, 0, sizeof(st->crc_computed));
	if (vd->magic == HAMMER2_VOLUME_ID_ABO) {
		st->fail |= HAMMER2_VOLHDR_ENDIAN;
		return (ENOTSUP);
	}
	if (vd->magic != HAMMER2_VOLUME_ID_HBO) {
		st->fail |= HAMMER2_VOLHDR_MAGIC;
		return (EINVAL);
	}
	st->mirror_tid = vd->mirror_tid;
	st->freemap_tid = vd->freemap_tid;

	st->crc_stored[0] = vd->icrc_sects[HAMMER2_VOL_ICRC_SECT0];
	st->crc_computed[0] = hammer2_icrc32c(p + HAMMER2_VOLUME_ICRC0_OFF,
	    HAMMER2_VOLUME_ICRC0_SIZE, 0);
	st->crc_stored[1] = vd->icrc_sects[HAMMER2_VOL_ICRC_SECT1];
	st->crc_computed[1] = hammer2_icrc32c(p + HAMMER2_VOLUME_ICRC1_OFF,
	    HAMMER2_VOLUME_ICRC1_SIZE, 0);
	st->crc_stored[2] = vd->icrc_volheader;
	st->crc_computed[2] = hammer2_icrc32c(p + HAMMER2_VOLUME_ICRCVH_OFF,
	    HAMMER2_VOLUME_ICRCVH_SIZE, 0);
	if (st->crc_stored[0] != st->crc_computed[0])
		st->fail |= HAMMER2_VOLHDR_CRC_SECT0;
	if (st->crc_stored[1] != st->crc_computed[1])
		st->fail |= HAMMER2_VOLHDR_CRC_SECT1;
	if (st->crc_stored[2] != st->crc_computed[2])
		st->fail |= HAMMER2_VOLHDR_CRC_VH;
	return (st->fail != 0 ? EIO : 0);
}

/*
 * hammer2_volhdr_seal - recompute the three CRCs of a header in memory,
 * in the order format 2.2 requires: the sroot sector first (it lies
 * inside the range of icrc_sects[7]), then bytes 0..0x1FB, then the
 * whole header.  The one place a writer (newfs, the flush, tests)
 * seals a header before writing it.
 */
void
hammer2_volhdr_seal(struct hammer2_volume_data *vd)
{
	const uint8_t *p = (const uint8_t *)vd;

	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT1] = hammer2_icrc32c(
	    p + HAMMER2_VOLUME_ICRC1_OFF, HAMMER2_VOLUME_ICRC1_SIZE, 0);
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT0] = hammer2_icrc32c(
	    p + HAMMER2_VOLUME_ICRC0_OFF, HAMMER2_VOLUME_ICRC0_SIZE, 0);
	vd->icrc_volheader = hammer2_icrc32c(p + HAMMER2_VOLUME_ICRCVH_OFF,
	    HAMMER2_VOLUME_ICRCVH_SIZE, 0);
}

/*
 * Validate the selected header beyond its CRCs: version, single volume,
 * sizes, and a super-root bref that can be followed.
 */
static int
vol_validate(struct hammer2_vol *vol)
{
	const struct hammer2_volume_data *vd = vol->voldata;
	const struct hammer2_blockref *sroot;

	if (vd->version < HAMMER2_VOL_VERSION_MIN ||
	    vd->version > HAMMER2_VOL_VERSION_MAX)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, ENOTSUP,
		    NULL, 0, "unsupported volume version"));
	if (memcmp(&vd->fstype, hammer2_fstype_uuid, 16) != 0)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    NULL, 0, "volume header fstype is not HAMMER2"));
	if (vd->version >= 2 && (vd->nvolumes > 1 || vd->volu_id != 0))
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, ENOTSUP,
		    NULL, 0, "multi-volume file systems are not supported"));
	if (vd->volu_size < (8ULL << 20) || (vd->volu_size & 0xFFFF) != 0)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    NULL, 0, "volume size is implausible"));
	if (vd->version >= 2 && vd->nvolumes == 1 &&
	    vd->total_size != vd->volu_size)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    NULL, 0, "total_size differs from the volume size"));
	vol->vol_size = vd->volu_size;
	if (vol->vol_size > vol->media_size)
		hammer2_report(vol, HAMMER2_REPORT_NOTE, 0, NULL,
		    vol->media_size, "media is smaller than the volume");

	sroot = &vd->sroot_blockset.blockref[0];
	if (sroot->type != HAMMER2_BREF_TYPE_INODE)
		return (hammer2_report(vol, HAMMER2_REPORT_CORRUPT, EUCLEAN,
		    sroot, 0, "super-root blockref is not an inode"));
	return (hammer2_bref_validate(vol, sroot));
}

/*
 * Read header copy i into buf and record its status.  Returns the
 * verification result (0 when the copy is usable).
 */
static int
vol_read_copy(struct hammer2_vol *vol, int i, struct hammer2_volume_data *buf)
{
	struct hammer2_volhdr_status *st = &vol->status[i];
	uint64_t off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
	int error;

	memset(st, 0, sizeof(*st));
	st->offset = off;
	if (off + HAMMER2_VOLUME_BYTES > vol->media_size) {
		st->fail = HAMMER2_VOLHDR_ABSENT;
		return (ENOENT);
	}
	error = vol->ops.read(vol->ctx, off, buf, HAMMER2_VOLUME_BYTES);
	if (error != 0) {
		st->fail = HAMMER2_VOLHDR_IOERR;
		return (EIO);
	}
	error = hammer2_volhdr_verify(buf, st);
	st->offset = off;
	return (error);
}

int
hammer2_vol_open(const struct hammer2_open_args *args,
    struct hammer2_vol **volp)
{
	struct hammer2_vol *vol;
	struct hammer2_volume_data *tmp;
	int i, error, best = -1, sawmagic = 0, sawendian = 0;

	*volp = NULL;
	if (args == NULL || args->ops == NULL || args->ops->read == NULL ||
	    args->ops->alloc == NULL || args->ops->free == NULL ||
	    args->copy < HAMMER2_OPEN_COPY_BEST ||
	    args->copy >= HAMMER2_NUM_VOLHDRS ||
	    args->cache_blocks < 0 || args->cache_blocks > HAMMER2_CACHE_MAX)
		return (EINVAL);

	vol = args->ops->alloc(args->ctx, sizeof(*vol));
	if (vol == NULL)
		return (ENOMEM);
	memset(vol, 0, sizeof(*vol));
	vol->ops = *args->ops;
	vol->ctx = args->ctx;
	vol->media_size = args->media_size;
	vol->copy = -1;
	vol->ncache = args->cache_blocks != 0 ? args->cache_blocks :
	    HAMMER2_CACHE_DEFAULT;

	vol->voldata = hammer2_alloc(vol, HAMMER2_VOLUME_BYTES);
	tmp = hammer2_alloc(vol, HAMMER2_VOLUME_BYTES);
	if (vol->voldata == NULL || tmp == NULL ||
	    hammer2_cache_init(vol) != 0) {
		hammer2_free(vol, tmp, HAMMER2_VOLUME_BYTES);
		hammer2_vol_close(vol);
		return (ENOMEM);
	}

	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		error = vol_read_copy(vol, i, tmp);
		if (vol->status[i].fail & HAMMER2_VOLHDR_ENDIAN)
			sawendian = 1;
		if ((vol->status[i].fail & (HAMMER2_VOLHDR_ABSENT |
		    HAMMER2_VOLHDR_IOERR | HAMMER2_VOLHDR_MAGIC |
		    HAMMER2_VOLHDR_ENDIAN)) == 0)
			sawmagic = 1;
		if (error != 0) {
			if (error == EIO || error == ENOTSUP)
				hammer2_report(vol, HAMMER2_REPORT_NOTE, 0,
				    NULL, vol->status[i].offset,
				    "volume header copy rejected");
			continue;
		}
		if (args->copy >= 0 ? i == args->copy :
		    (best < 0 || tmp->mirror_tid > vol->voldata->mirror_tid)) {
			memcpy(vol->voldata, tmp, HAMMER2_VOLUME_BYTES);
			best = i;
		}
	}
	hammer2_free(vol, tmp, HAMMER2_VOLUME_BYTES);

	if (best < 0) {
		if (sawmagic)
			error = EIO;
		else if (sawendian)
			error = ENOTSUP;
		else
			error = EINVAL;
		if (args->copy >= 0 && sawmagic)
			hammer2_report(vol, HAMMER2_REPORT_CHECK, EIO, NULL,
			    vol->status[args->copy].offset,
			    "requested volume header copy is not valid");
		hammer2_vol_close(vol);
		return (error);
	}
	vol->copy = best;
	error = vol_validate(vol);
	if (error != 0) {
		hammer2_vol_close(vol);
		return (error);
	}
	*volp = vol;
	return (0);
}

void
hammer2_vol_close(struct hammer2_vol *vol)
{
	if (vol == NULL)
		return;
	hammer2_cache_fini(vol);
	hammer2_free(vol, vol->voldata, HAMMER2_VOLUME_BYTES);
	vol->ops.free(vol->ctx, vol, sizeof(*vol));
}

const struct hammer2_volume_data *
hammer2_vol_header(const struct hammer2_vol *vol, int *copyp)
{
	if (copyp != NULL)
		*copyp = vol->copy;
	return (vol->voldata);
}

int
hammer2_vol_copy_status(struct hammer2_vol *vol, int i,
    struct hammer2_volhdr_status *st, struct hammer2_volume_data *hdr)
{
	if (i < 0 || i >= HAMMER2_NUM_VOLHDRS)
		return (EINVAL);
	if (hdr != NULL && (vol->status[i].fail & HAMMER2_VOLHDR_ABSENT) == 0) {
		if (vol->ops.read(vol->ctx, vol->status[i].offset, hdr,
		    HAMMER2_VOLUME_BYTES) != 0) {
			*st = vol->status[i];
			st->fail |= HAMMER2_VOLHDR_IOERR;
			return (0);
		}
	}
	*st = vol->status[i];
	return (0);
}
