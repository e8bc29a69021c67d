/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fsck_hammer2.c - main() of `fsck_hammer2 [-a] [-q] [-v] IMAGE`: check
 * the volume header copies, then everything reachable from the selected
 * header (with -a: from every valid header) in three passes (fsck.h).
 * Nothing is repaired: the image is opened read-only.  Each problem is
 * one line naming its place (header copy, block offset, PFS, inode and
 * path); exit status 0 when no error was found, 1 when one was, 2 on bad
 * usage, 8 when the image file cannot be read.  docs/tools.md is the
 * manual.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsck.h"
#include "h2fmt.h"

void
fsck_problem(struct fsck *fc, int sev, const char *fmt, ...)
{
	va_list ap;

	if (sev == FSCK_ERROR)
		fc->nerr++;
	else
		fc->nwarn++;
	printf("%s: %s: %s%s", h2_progname, h2img_name(&fc->img),
	    sev == FSCK_ERROR ? "" : "warning: ", fc->where);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
fsck_report(void *arg, const struct hammer2_report *rep)
{
	struct fsck *fc = arg;

	if (rep->kind != HAMMER2_REPORT_NOTE)
		snprintf(fc->lastreason, sizeof(fc->lastreason), "%s",
		    rep->reason);
}

/*
 * Verify every header copy that fits in the image.  Returns the number
 * of valid copies; *validp gets a bit per valid copy.
 */
static int
check_headers(struct fsck *fc, unsigned *validp)
{
	struct hammer2_volume_data *vd;
	struct hammer2_volhdr_status st;
	static const char *const crcname[3] = {
		"sect0 (0x000-0x1fb)", "sect1 (sroot blockset)", "volheader",
	};
	uint64_t off;
	int i, k, n = 0;

	*validp = 0;
	vd = malloc(sizeof(*vd));
	if (vd == NULL)
		return (-ENOMEM);
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		off = (uint64_t)i * HAMMER2_ZONE_BYTES64;
		if (off + HAMMER2_VOLUME_BYTES > fc->img.size)
			break;
		memset(&st, 0, sizeof(st));
		if (h2img_pread(&fc->img, off, vd, sizeof(*vd)) != 0) {
			fsck_problem(fc, FSCK_ERROR, "volume header copy %d at "
			    "0x%016" PRIx64 ": read error", i, off);
			continue;
		}
		(void)hammer2_volhdr_verify(vd, &st);
		if (st.fail & HAMMER2_VOLHDR_MAGIC) {
			fsck_problem(fc, i == 0 ? FSCK_ERROR : FSCK_WARN,
			    "volume header copy %d at 0x%016" PRIx64 ": no "
			    "HAMMER2 magic", i, off);
			continue;
		}
		if (st.fail & HAMMER2_VOLHDR_ENDIAN) {
			fsck_problem(fc, FSCK_ERROR, "volume header copy %d at "
			    "0x%016" PRIx64 ": other-endian volume (not "
			    "supported)", i, off);
			continue;
		}
		for (k = 0; k < 3; k++)
			if (st.crc_stored[k] != st.crc_computed[k])
				fsck_problem(fc, FSCK_ERROR, "volume header "
				    "copy %d at 0x%016" PRIx64 ": %s CRC "
				    "mismatch: stored %08x, computed %08x", i,
				    off, crcname[k], st.crc_stored[k],
				    st.crc_computed[k]);
		if (st.fail == 0) {
			*validp |= 1U << i;
			n++;
			if (fc->verbose)
				printf("volume header copy %d at 0x%016" PRIx64
				    ": valid, mirror_tid 0x%" PRIx64 "\n", i,
				    off, st.mirror_tid);
		}
	}
	free(vd);
	return (n);
}

/* Passes 1-3 below one header copy (the volume is open on it). */
static void
check_tree(struct fsck *fc)
{
	int error;

	fc->nref = 0;
	error = fsck_walk(fc);
	if (error != 0)
		fsck_problem(fc, FSCK_ERROR, "topology walk stopped: %s",
		    h2_strerror(error));
	error = fsck_freemap(fc);
	if (error != 0)
		fsck_problem(fc, FSCK_ERROR, "freemap walk stopped: %s",
		    h2_strerror(error));
}

static int
usage(void)
{
	fprintf(stderr, "usage: fsck_hammer2 [-a] [-q] [-v] image\n");
	return (H2_EXIT_USAGE);
}

int
main(int argc, char **argv)
{
	struct fsck fc;
	const char *msg;
	char where[64];
	unsigned valid;
	int ch, i, n, all = 0, quiet = 0, copy;

	h2_progname = "fsck_hammer2";
	memset(&fc, 0, sizeof(fc));
	while ((ch = getopt(argc, argv, "aqvh")) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			fc.verbose = 1;
			break;
		case 'h':
			fprintf(stdout, "usage: fsck_hammer2 [-a] [-q] [-v] "
			    "image\n");
			return (H2_EXIT_OK);
		default:
			return (usage());
		}
	}
	if (argc - optind != 1)
		return (usage());
	fc.where = "";
	if (h2img_open_file(&fc.img, argv[optind], fsck_report, &fc,
	    &msg) != 0) {
		fprintf(stderr, "%s: %s: %s\n", h2_progname, argv[optind], msg);
		return (FSCK_EXIT_OPEN);
	}

	n = check_headers(&fc, &valid);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", h2_progname, strerror(-n));
		h2img_close(&fc.img);
		return (FSCK_EXIT_OPEN);
	}
	for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++) {
		if (all && (valid & (1U << i)) == 0)
			continue;
		if (!all && i > 0)
			break;
		copy = all ? i : HAMMER2_OPEN_COPY_BEST;
		fc.lastreason[0] = '\0';
		if (h2img_open_vol(&fc.img, copy, 0, &msg) != 0) {
			fsck_problem(fc.nerr > 0 || n == 0 ? &fc : &fc,
			    FSCK_ERROR, "cannot use the volume: %s%s%s", msg,
			    fc.lastreason[0] != '\0' ? ": " : "",
			    fc.lastreason);
			continue;
		}
		(void)hammer2_vol_header(fc.img.vol, &fc.copy);
		snprintf(where, sizeof(where), "header copy %d: ", fc.copy);
		fc.where = all ? where : "";
		if (fc.verbose || all)
			printf("checking the tree of volume header copy %d\n",
			    fc.copy);
		check_tree(&fc);
		fc.where = "";
		hammer2_vol_close(fc.img.vol);
		fc.img.vol = NULL;
	}
	if (!quiet)
		printf("%s: %ld blockrefs checked (%ld data blocks), %ld PFS "
		    "roots, %ld errors, %ld warnings\n", h2img_name(&fc.img),
		    fc.nblocks, fc.ndata, fc.npfs, fc.nerr, fc.nwarn);
	free(fc.ref);
	h2img_close(&fc.img);
	return (fc.nerr != 0 ? H2_EXIT_ERR : H2_EXIT_OK);
}
