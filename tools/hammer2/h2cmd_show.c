/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cmd_show.c - `hammer2 show` and `hammer2 freemap`: the blockref tree
 * below the selected volume header, one line per blockref, indented by
 * depth, with the outcome of verifying each block (the core's tolerant
 * hammer2_walk reads and checks every block, data included, and goes on
 * past bad ones); and the freemap tree with a line per 4 MB segment in
 * use.  Both exit 1 when a block failed validation or its check code.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2cli.h"
#include "h2fmt.h"

void
h2cli_print_bref(FILE *fp, int indent, const struct hammer2_blockref *bref,
    const struct hammer2_check_result *check, int error)
{
	char exp[64], got[64];

	fprintf(fp, "%*s%s.%u 0x%016" PRIx64 " key=0x%016" PRIx64 "/%u"
	    " mir=0x%" PRIx64 " mod=0x%" PRIx64 " %s/%s", indent * 2, "",
	    h2_breftype_name(bref->type), hammer2_bref_radix(bref),
	    hammer2_bref_offset(bref), bref->key, bref->keybits,
	    bref->mirror_tid, bref->modify_tid,
	    h2_check_name(HAMMER2_DEC_CHECK(bref->methods)),
	    h2_comp_name(HAMMER2_DEC_COMP(bref->methods)));
	if (check != NULL && check->len > 0) {
		h2_hex_str(check->expected, check->len, exp, sizeof(exp));
		h2_hex_str(check->computed, check->len, got, sizeof(got));
		if (memcmp(check->expected, check->computed,
		    (size_t)check->len) == 0)
			fprintf(fp, " check=%s", exp);
		else
			fprintf(fp, " check=%s computed=%s", exp, got);
	}
	if (error != 0)
		fprintf(fp, " BAD");
	fputc('\n', fp);
}

struct show_ctx {
	struct h2cli	*cli;
	long		 nbrefs;
	long		 nbad;
};

/* The type-specific second half of a line about an inode. */
static void
show_inode(int indent, const struct hammer2_inode_data *ip)
{
	const struct hammer2_inode_meta *m = &ip->meta;
	char name[1100];
	size_t n = m->name_len < HAMMER2_INODE_MAXNAME ? m->name_len :
	    HAMMER2_INODE_MAXNAME;

	h2_name_str((const char *)ip->filename, n, name, sizeof(name));
	printf("%*s  inum=%" PRIu64 " %s \"%s\" mode=%04o size=%" PRIu64
	    " nlinks=%" PRIu64, indent * 2, "", m->inum,
	    h2_objtype_name(m->type), name, m->mode & 07777, m->size,
	    m->nlinks);
	if (m->op_flags & HAMMER2_OPFLAG_PFSROOT)
		printf(" pfs=%s%s%s", h2_pfstype_name(m->pfs_type),
		    m->pfs_subtype ? "/" : "",
		    h2_pfssubtype_name(m->pfs_subtype));
	if (m->op_flags & HAMMER2_OPFLAG_DIRECTDATA)
		printf(" directdata");
	putchar('\n');
}

static int
show_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct show_ctx *sc = arg;
	const struct hammer2_blockref *b = e->bref;
	const char *why;
	char name[1100];
	const char *nm;
	size_t namlen;

	sc->nbrefs++;
	h2cli_print_bref(stdout, e->depth + 1, b, e->check, e->error);
	if (e->error != 0) {
		sc->nbad++;
		why = h2img_lastrep();
		printf("%*s  error: %s%s%s\n", (e->depth + 1) * 2, "",
		    h2_strerror(e->error), why != NULL ? ": " : "",
		    why != NULL ? why : "");
		h2img_lastrep_clear();
		return (HAMMER2_WALK_CONTINUE);
	}
	switch (b->type) {
	case HAMMER2_BREF_TYPE_INODE:
		if (e->data != NULL)
			show_inode(e->depth + 1, e->data);
		break;
	case HAMMER2_BREF_TYPE_DIRENT:
		namlen = b->embed.dirent.namlen;
		nm = namlen <= HAMMER2_DIRENT_INLINE ?
		    (const char *)b->check.buf : e->data;
		if (nm == NULL)
			break;
		h2_name_str(nm, namlen, name, sizeof(name));
		printf("%*s  inum=%" PRIu64 " %s \"%s\"\n", (e->depth + 1) * 2,
		    "", b->embed.dirent.inum,
		    h2_objtype_name(b->embed.dirent.type), name);
		break;
	default:
		break;
	}
	return (HAMMER2_WALK_CONTINUE);
}

int
h2cmd_show(struct h2cli *cli, int argc, char **argv)
{
	const struct hammer2_volume_data *vd;
	struct show_ctx sc;
	int copy, error;

	(void)argv;
	if (argc != 1)
		return (h2cli_usage("show", ""));
	vd = hammer2_vol_header(cli->img.vol, &copy);
	printf("volume header copy %d: mirror_tid 0x%" PRIx64
	    ", freemap_tid 0x%" PRIx64 "\n", copy, vd->mirror_tid,
	    vd->freemap_tid);
	printf("sroot_blockset:\n");
	memset(&sc, 0, sizeof(sc));
	sc.cli = cli;
	h2img_lastrep_clear();
	error = hammer2_walk(cli->img.vol, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, HAMMER2_WALK_LOADDATA, show_cb, &sc);
	if (error != 0) {
		h2img_warn(&cli->img, "show", error);
		return (H2_EXIT_ERR);
	}
	printf("%ld blockrefs, %ld bad\n", sc.nbrefs, sc.nbad);
	return (sc.nbad != 0 ? H2_EXIT_ERR : H2_EXIT_OK);
}

struct fmap_ctx {
	uint64_t	volsize;
	long		nbad;
	uint64_t	nblk[4];	/* 16 KB blocks per BMAP state */
	long		nseg;		/* segments with something in use */
};

static void
fmap_leaf(struct fmap_ctx *fc, int indent, const struct hammer2_blockref *b,
    const struct hammer2_bmap_data *bmap)
{
	const struct hammer2_bmap_data *bm;
	uint64_t base;
	uint32_t off;
	int n, i, cnt[4];

	for (n = 0; n < HAMMER2_FREEMAP_COUNT; n++) {
		bm = &bmap[n];
		base = b->key + (uint64_t)n * HAMMER2_SEGSIZE;
		if (base >= fc->volsize)
			break;
		memset(cnt, 0, sizeof(cnt));
		for (off = 0; off < HAMMER2_SEGSIZE;
		    off += HAMMER2_FREEMAP_BLOCK)
			cnt[hammer2_bmap_state(bm, off)]++;
		for (i = 0; i < 4; i++)
			fc->nblk[i] += (uint64_t)cnt[i];
		if (cnt[HAMMER2_BMAP_FREE] == 256 && bm->class == 0)
			continue;
		fc->nseg++;
		printf("%*s0x%016" PRIx64 " class=%04x avail=%-8u "
		    "linear=0x%06x alloc=%-3d staged=%-3d resv=%-3d free=%d\n",
		    indent * 2, "", base, bm->class, bm->avail,
		    (uint32_t)bm->linear, cnt[HAMMER2_BMAP_ALLOCATED],
		    cnt[HAMMER2_BMAP_STAGED], cnt[HAMMER2_BMAP_RESERVED],
		    cnt[HAMMER2_BMAP_FREE]);
	}
}

static int
fmap_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct fmap_ctx *fc = arg;
	const char *why;

	h2cli_print_bref(stdout, e->depth + 1, e->bref, e->check, e->error);
	if (e->error != 0) {
		fc->nbad++;
		why = h2img_lastrep();
		printf("%*s  error: %s%s%s\n", (e->depth + 1) * 2, "",
		    h2_strerror(e->error), why != NULL ? ": " : "",
		    why != NULL ? why : "");
		h2img_lastrep_clear();
		return (HAMMER2_WALK_CONTINUE);
	}
	if (e->bref->type == HAMMER2_BREF_TYPE_FREEMAP_LEAF && e->data != NULL)
		fmap_leaf(fc, e->depth + 2, e->bref, e->data);
	return (HAMMER2_WALK_CONTINUE);
}

int
h2cmd_freemap(struct h2cli *cli, int argc, char **argv)
{
	const struct hammer2_volume_data *vd;
	struct fmap_ctx fc;
	int copy, error;

	(void)argv;
	if (argc != 1)
		return (h2cli_usage("freemap", ""));
	vd = hammer2_vol_header(cli->img.vol, &copy);
	memset(&fc, 0, sizeof(fc));
	fc.volsize = vd->volu_size;
	printf("volume header copy %d: freemap_tid 0x%" PRIx64
	    ", allocator_beg 0x%" PRIx64 "\n", copy, vd->freemap_tid,
	    vd->allocator_beg);
	printf("freemap_blockset:\n");
	h2img_lastrep_clear();
	error = hammer2_walk(cli->img.vol, vd->freemap_blockset.blockref,
	    HAMMER2_SET_COUNT, HAMMER2_WALK_SORTED, fmap_cb, &fc);
	if (error != 0) {
		h2img_warn(&cli->img, "freemap", error);
		return (H2_EXIT_ERR);
	}
	printf("%ld segments in use; 16 KB blocks: %" PRIu64 " allocated, %"
	    PRIu64 " staged, %" PRIu64 " reserved, %" PRIu64 " free (%"
	    PRIu64 " MiB free; header allocator_free %" PRIu64 " MiB)\n",
	    fc.nseg, fc.nblk[HAMMER2_BMAP_ALLOCATED],
	    fc.nblk[HAMMER2_BMAP_STAGED], fc.nblk[HAMMER2_BMAP_RESERVED],
	    fc.nblk[HAMMER2_BMAP_FREE],
	    fc.nblk[HAMMER2_BMAP_FREE] * HAMMER2_FREEMAP_BLOCK >> 20,
	    vd->allocator_free >> 20);
	return (fc.nbad != 0 ? H2_EXIT_ERR : H2_EXIT_OK);
}
