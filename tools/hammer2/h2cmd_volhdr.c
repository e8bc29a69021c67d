/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cmd_volhdr.c - `hammer2 volhdr`: every volume header copy that fits
 * in the image (one each 2 GB), whether its magic and three CRCs hold
 * (stored and computed values side by side), its fields, and its root
 * blocksets.  It runs even when no copy is valid, which is when it is
 * most useful.  The check is the core's hammer2_volhdr_verify().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2cli.h"
#include "h2fmt.h"

static void
volhdr_crc(const char *what, uint32_t stored, uint32_t computed)
{
	printf("    %-18s %08x (computed %08x) %s\n", what, stored, computed,
	    stored == computed ? "ok" : "MISMATCH");
}

static void
volhdr_fields(const struct hammer2_volume_data *vd,
    const struct hammer2_volhdr_status *st)
{
	char u[40];
	int i;

	printf("    %-18s 0x%016" PRIx64 "\n", "magic", vd->magic);
	printf("    %-18s %u\n", "version", vd->version);
	printf("    %-18s 0x%08x\n", "flags", vd->flags);
	printf("    %-18s %u\n", "copyid", vd->copyid);
	printf("    %-18s %u\n", "freemap_version", vd->freemap_version);
	printf("    %-18s %u\n", "peer_type", vd->peer_type);
	printf("    %-18s %u of %u\n", "volu_id", vd->volu_id, vd->nvolumes);
	printf("    %-18s %s\n", "fsid", h2_uuid_str(&vd->fsid, u, sizeof(u)));
	printf("    %-18s %s\n", "fstype",
	    h2_uuid_str(&vd->fstype, u, sizeof(u)));
	printf("    %-18s 0x%016" PRIx64 " - 0x%016" PRIx64 "\n", "boot area",
	    vd->boot_beg, vd->boot_end);
	printf("    %-18s 0x%016" PRIx64 " - 0x%016" PRIx64 "\n", "aux area",
	    vd->aux_beg, vd->aux_end);
	printf("    %-18s 0x%016" PRIx64 " (%" PRIu64 " MiB)\n", "volu_size",
	    vd->volu_size, vd->volu_size >> 20);
	printf("    %-18s 0x%016" PRIx64 "\n", "total_size", vd->total_size);
	printf("    %-18s 0x%016" PRIx64 "\n", "allocator_size",
	    vd->allocator_size);
	printf("    %-18s 0x%016" PRIx64 " (%" PRIu64 " MiB)\n",
	    "allocator_free", vd->allocator_free, vd->allocator_free >> 20);
	printf("    %-18s 0x%016" PRIx64 "\n", "allocator_beg",
	    vd->allocator_beg);
	printf("    %-18s 0x%016" PRIx64 "\n", "mirror_tid", vd->mirror_tid);
	printf("    %-18s 0x%016" PRIx64 "\n", "freemap_tid", vd->freemap_tid);
	printf("    %-18s 0x%016" PRIx64 "\n", "bulkfree_tid",
	    vd->bulkfree_tid);
	volhdr_crc("icrc sect0", st->crc_stored[0], st->crc_computed[0]);
	volhdr_crc("icrc sect1", st->crc_stored[1], st->crc_computed[1]);
	volhdr_crc("icrc volheader", st->crc_stored[2], st->crc_computed[2]);
	printf("    sroot_blockset:\n");
	for (i = 0; i < HAMMER2_SET_COUNT; i++)
		h2cli_print_bref(stdout, 3, &vd->sroot_blockset.blockref[i],
		    NULL, 0);
	printf("    freemap_blockset:\n");
	for (i = 0; i < HAMMER2_SET_COUNT; i++)
		h2cli_print_bref(stdout, 3, &vd->freemap_blockset.blockref[i],
		    NULL, 0);
}

/* Words for the failure bits of one copy. */
static void
volhdr_status(uint32_t fail, char *buf, size_t len)
{
	buf[0] = '\0';
	if (fail == 0) {
		snprintf(buf, len, "valid");
		return;
	}
	snprintf(buf, len, "INVALID:%s%s%s%s%s%s",
	    (fail & HAMMER2_VOLHDR_IOERR) ? " read error" : "",
	    (fail & HAMMER2_VOLHDR_MAGIC) ? " no magic" : "",
	    (fail & HAMMER2_VOLHDR_ENDIAN) ? " other endianness" : "",
	    (fail & HAMMER2_VOLHDR_CRC_SECT0) ? " sect0 CRC" : "",
	    (fail & HAMMER2_VOLHDR_CRC_SECT1) ? " sect1 CRC" : "",
	    (fail & HAMMER2_VOLHDR_CRC_VH) ? " header CRC" : "");
}

int
h2cmd_volhdr(struct h2cli *cli, int argc, char **argv)
{
	struct hammer2_volume_data *vd;
	struct hammer2_volhdr_status st;
	uint64_t off;
	char what[160];
	int i, sel = -1, nvalid = 0, rc = H2_EXIT_OK;

	(void)argv;
	if (argc != 1)
		return (h2cli_usage("volhdr", ""));
	if (cli->vol_ok)
		(void)hammer2_vol_header(cli->img.vol, &sel);
	vd = malloc(sizeof(*vd));
	if (vd == NULL) {
		h2img_warn(&cli->img, NULL, ENOMEM);
		return (H2_EXIT_ERR);
	}
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
		if (off + HAMMER2_VOLUME_BYTES > cli->img.size) {
			printf("volume header copy %d at 0x%016" PRIx64
			    ": absent (beyond the end of the image)\n", i, off);
			continue;
		}
		memset(&st, 0, sizeof(st));
		if (h2img_pread(&cli->img, off, vd, sizeof(*vd)) != 0)
			st.fail = HAMMER2_VOLHDR_IOERR;
		else
			(void)hammer2_volhdr_verify(vd, &st);
		volhdr_status(st.fail, what, sizeof(what));
		printf("volume header copy %d at 0x%016" PRIx64 ": %s%s\n", i,
		    off, what, i == sel ? " (selected)" : "");
		if (st.fail == 0)
			nvalid++;
		if ((st.fail & (HAMMER2_VOLHDR_IOERR | HAMMER2_VOLHDR_MAGIC |
		    HAMMER2_VOLHDR_ENDIAN)) == 0)
			volhdr_fields(vd, &st);
	}
	free(vd);
	if (!cli->vol_ok) {
		h2img_warnx(&cli->img, NULL, cli->open_msg);
		rc = H2_EXIT_ERR;
	} else if (nvalid == 0) {
		rc = H2_EXIT_ERR;
	}
	return (rc);
}
