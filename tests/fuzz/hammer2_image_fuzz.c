/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_image_fuzz.c - libFuzzer target over the HAMMER2 image reader
 * in fs/hammer2.  Each input is a sparse image (h2fuzz_img.h), optionally
 * resealed so that its check codes hold; the target then does what the
 * tools and the kernel do with an image: open the volume, walk the
 * blockref and freemap trees, list the PFSs, mount each, walk its
 * directories (readdir, lookup, getattr), read files and symlinks and
 * resolve paths.  A crash, a sanitizer report, or memory the core
 * allocated and did not free is a finding.  Built by run.sh with
 * clang-14 and -fsanitize=fuzzer,address,undefined.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

#include "h2fuzz_img.h"

#define FZ_PAGE		65536
#define FZ_MAXPAGES	512
#define FZ_MAXENTS	400		/* directory entries visited */
#define FZ_MAXDEPTH	12		/* directory depth visited */
#define FZ_READMAX	(256 * 1024)	/* bytes read per file */
#define FZ_SEALBUDGET	20000		/* blocks resealed per input */

struct fz_img {
	int		 npages;
	uint64_t	 pidx[FZ_MAXPAGES];	/* sorted page numbers */
	uint8_t		*page[FZ_MAXPAGES];
	long		 live;			/* core allocations */
	int		 budget;		/* reseal / walk work left */
};

static uint8_t *
fz_page(struct fz_img *im, uint64_t pno, int create)
{
	int lo = 0, hi = im->npages, mid, i;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (im->pidx[mid] < pno)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < im->npages && im->pidx[lo] == pno)
		return (im->page[lo]);
	if (!create || im->npages == FZ_MAXPAGES)
		return (NULL);
	for (i = im->npages; i > lo; i--) {
		im->pidx[i] = im->pidx[i - 1];
		im->page[i] = im->page[i - 1];
	}
	im->pidx[lo] = pno;
	im->page[lo] = calloc(1, FZ_PAGE);
	if (im->page[lo] == NULL)
		abort();
	im->npages++;
	return (im->page[lo]);
}

static void
fz_put(struct fz_img *im, uint64_t off, const uint8_t *p, size_t len)
{
	size_t n;
	uint8_t *pg;

	while (len > 0 && off < H2FZ_MEDIA) {
		n = FZ_PAGE - (size_t)(off % FZ_PAGE);
		if (n > len)
			n = len;
		pg = fz_page(im, off / FZ_PAGE, 1);
		if (pg == NULL)
			return;
		memcpy(pg + off % FZ_PAGE, p, n);
		off += n;
		p += n;
		len -= n;
	}
}

static void
fz_parse(struct fz_img *im, const uint8_t *d, size_t n)
{
	uint64_t off;
	uint32_t o32;
	uint16_t len;
	size_t i = 1;

	while (i + H2FZ_RECHDR <= n) {
		memcpy(&o32, d + i, 4);
		memcpy(&len, d + i + 4, 2);
		i += H2FZ_RECHDR;
		if (len > n - i)
			len = (uint16_t)(n - i);
		off = (uint64_t)o32 * H2FZ_OFFUNIT;
		fz_put(im, off, d + i, len);
		i += len;
	}
}

static int
fz_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fz_img *im = ctx;
	uint8_t *out = buf, *pg;
	size_t n;

	if (off > H2FZ_MEDIA || len > H2FZ_MEDIA - off)
		return (5);	/* EIO */
	while (len > 0) {
		n = FZ_PAGE - (size_t)(off % FZ_PAGE);
		if (n > len)
			n = len;
		pg = fz_page(im, off / FZ_PAGE, 0);
		if (pg != NULL)
			memcpy(out, pg + off % FZ_PAGE, n);
		else
			memset(out, 0, n);
		off += n;
		out += n;
		len -= n;
	}
	return (0);
}

static void *
fz_alloc(void *ctx, size_t len)
{
	((struct fz_img *)ctx)->live++;
	return (malloc(len));
}

static void
fz_free(void *ctx, void *p, size_t len)
{
	((struct fz_img *)ctx)->live--;
	free(p);
}

static const struct hammer2_io_ops fz_ops = {
	.read = fz_read,
	.alloc = fz_alloc,
	.free = fz_free,
};

/*
 * Resealing: post-order over the tree as it sits in the sparse image,
 * recomputing each block's check code into the blockref above it, then
 * the header CRCs.  Test-only code; bounded by depth and a work budget.
 */
static void fz_seal_set(struct fz_img *, struct hammer2_blockref *, int, int);

static void
fz_seal_bref(struct fz_img *im, struct hammer2_blockref *b, int depth)
{
	struct hammer2_inode_data *ip;
	unsigned int radix = hammer2_bref_radix(b);
	uint64_t off = hammer2_bref_offset(b);
	size_t len;
	uint8_t *pg;

	if (--im->budget < 0 || depth > 40 || radix < 10 || radix > 16)
		return;
	len = (size_t)1 << radix;
	if ((off % FZ_PAGE) + len > FZ_PAGE)
		return;
	pg = fz_page(im, off / FZ_PAGE, 0);
	if (pg == NULL)
		return;
	switch (b->type) {
	case HAMMER2_BREF_TYPE_INODE:
		ip = (struct hammer2_inode_data *)(pg + off % FZ_PAGE);
		if (len >= sizeof(*ip) &&
		    (ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) == 0)
			fz_seal_set(im, ip->u.blockset.blockref,
			    HAMMER2_SET_COUNT, depth + 1);
		break;
	case HAMMER2_BREF_TYPE_INDIRECT:
	case HAMMER2_BREF_TYPE_FREEMAP_NODE:
		fz_seal_set(im, (struct hammer2_blockref *)(pg + off % FZ_PAGE),
		    (int)(len / sizeof(*b)), depth + 1);
		break;
	default:
		break;
	}
	(void)hammer2_check_compute(b, pg + off % FZ_PAGE, len);
}

static void
fz_seal_set(struct fz_img *im, struct hammer2_blockref *base, int n, int depth)
{
	int i;

	for (i = 0; i < n; i++)
		if (base[i].type != HAMMER2_BREF_TYPE_EMPTY)
			fz_seal_bref(im, &base[i], depth);
}

static void
fz_reseal(struct fz_img *im)
{
	struct hammer2_volume_data *vd;
	uint8_t *p = fz_page(im, 0, 0);

	if (p == NULL)
		return;
	vd = (struct hammer2_volume_data *)p;
	im->budget = FZ_SEALBUDGET;
	fz_seal_set(im, vd->sroot_blockset.blockref, HAMMER2_SET_COUNT, 0);
	fz_seal_set(im, vd->freemap_blockset.blockref, HAMMER2_SET_COUNT, 0);
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT1] = hammer2_icrc32c(p +
	    HAMMER2_VOLUME_ICRC1_OFF, HAMMER2_VOLUME_ICRC1_SIZE, 0);
	vd->icrc_sects[HAMMER2_VOL_ICRC_SECT0] = hammer2_icrc32c(p +
	    HAMMER2_VOLUME_ICRC0_OFF, HAMMER2_VOLUME_ICRC0_SIZE, 0);
	vd->icrc_volheader = hammer2_icrc32c(p + HAMMER2_VOLUME_ICRCVH_OFF,
	    HAMMER2_VOLUME_ICRCVH_SIZE, 0);
}

/* Walk callbacks: look at what the walker hands out. */
static int
fz_walk_cb(void *arg, const struct hammer2_walk_ent *e)
{
	volatile uint8_t sink = 0;
	size_t i;

	if (e->data != NULL)
		for (i = 0; i < e->datalen; i += 512)
			sink ^= ((const uint8_t *)e->data)[i];
	(void)sink;
	return (HAMMER2_WALK_CONTINUE);
}

static int
fz_fmap_cb(void *arg, const struct hammer2_freemap_leaf *l)
{
	int i;

	for (i = 0; l->bmap != NULL && i < HAMMER2_FREEMAP_COUNT; i += 17)
		(void)hammer2_bmap_state(&l->bmap[i], (uint32_t)i << 14);
	return (0);
}

struct fz_pfsnames {
	char	label[4][HAMMER2_PFS_LABEL_MAX];
	int	n;
};

static int
fz_pfs_cb(void *arg, const struct hammer2_pfs_info *pi)
{
	struct fz_pfsnames *pn = arg;

	if (pi->error == 0 && pn->n < 4 && pi->label[0] != '\0')
		snprintf(pn->label[pn->n++], HAMMER2_PFS_LABEL_MAX, "%s",
		    pi->label);
	return (0);
}

struct fz_dir {
	struct fz_img		*im;
	struct hammer2_inode	 dir;
	int			 depth;
	int			*ents;
	uint64_t		 lastnext;
};

static void fz_visit(struct fz_img *, const struct hammer2_inode *, int,
    int *);

static int
fz_dirent_cb(void *arg, const struct hammer2_dirent *de)
{
	struct fz_dir *fd = arg;
	struct hammer2_inode *ip;

	if (++*fd->ents > FZ_MAXENTS)
		return (1);
	fd->lastnext = de->next;
	if (de->cookie <= HAMMER2_COOKIE_DOTDOT)
		return (0);
	ip = malloc(sizeof(*ip));
	if (ip == NULL)
		abort();
	if (hammer2_lookup_name(&fd->dir, de->name, de->namlen, ip) == 0)
		fz_visit(fd->im, ip, fd->depth + 1, fd->ents);
	(void)hammer2_inode_get(fd->dir.pfs, de->inum, ip);
	free(ip);
	return (0);
}

/* Visit one inode: attributes, data, symlink target, children. */
static void
fz_visit(struct fz_img *im, const struct hammer2_inode *ip, int depth,
    int *ents)
{
	struct hammer2_attr a;
	struct hammer2_blockref b;
	struct fz_dir *fd;
	uint8_t *buf;
	char link[1100];
	size_t n;
	uint64_t off;

	hammer2_getattr(ip, &a);
	if (a.type == HAMMER2_OBJTYPE_SOFTLINK)
		(void)hammer2_readlink(ip, link, sizeof(link), &n);
	if (a.type == HAMMER2_OBJTYPE_REGFILE ||
	    a.type == HAMMER2_OBJTYPE_SOFTLINK) {
		buf = malloc(FZ_READMAX);
		if (buf == NULL)
			abort();
		(void)hammer2_read(ip, 0, buf, FZ_READMAX, &n);
		off = a.size > 70000 ? a.size - 70000 : a.size / 2;
		(void)hammer2_read(ip, off, buf, 70001, &n);
		(void)hammer2_read(ip, UINT64_MAX - 10, buf, 100, &n);
		(void)hammer2_bmap(ip, off, &b);
		free(buf);
	}
	if (a.type != HAMMER2_OBJTYPE_DIRECTORY || depth > FZ_MAXDEPTH)
		return;
	fd = malloc(sizeof(*fd));
	if (fd == NULL)
		abort();
	fd->im = im;
	fd->dir = *ip;
	fd->depth = depth;
	fd->ents = ents;
	fd->lastnext = 0;
	(void)hammer2_readdir(&fd->dir, 0, fz_dirent_cb, fd);
	/* Resume from a cookie in the middle, as a second getdents would. */
	if (fd->lastnext > HAMMER2_COOKIE_DOTDOT && *ents < FZ_MAXENTS)
		(void)hammer2_readdir(&fd->dir, fd->lastnext / 2 + 1,
		    fz_dirent_cb, fd);
	free(fd);
}

static void
fz_pfs(struct fz_img *im, struct hammer2_vol *vol, const char *label)
{
	static const char *const paths[] = {
		"/", "a/b/c", "/deep0/deep1/deep2", "rel_link", "rel_link/x",
		"..", "./../.",
	};
	struct hammer2_pfs *pfs;
	struct hammer2_inode *ip;
	int ents = 0;
	size_t i;

	if (hammer2_pfs_mount(vol, label, &pfs) != 0)
		return;
	ip = malloc(sizeof(*ip));
	if (ip == NULL)
		abort();
	hammer2_pfs_root(pfs, ip);
	fz_visit(im, ip, 0, &ents);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		(void)hammer2_lookup_path(pfs, paths[i], 0, ip);
		(void)hammer2_lookup_path(pfs, paths[i],
		    HAMMER2_LOOKUP_FOLLOW, ip);
	}
	(void)hammer2_inode_get(pfs, 1024, ip);
	free(ip);
	hammer2_pfs_unmount(pfs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct hammer2_volume_data *vd;
	struct hammer2_open_args args;
	struct hammer2_volhdr_status st;
	struct hammer2_vol *vol;
	struct fz_pfsnames pn;
	struct fz_img *im;
	int i;

	if (size < 1)
		return (0);
	im = calloc(1, sizeof(*im));
	if (im == NULL)
		abort();
	fz_parse(im, data, size);
	if (data[0] & H2FZ_RESEAL)
		fz_reseal(im);

	memset(&args, 0, sizeof(args));
	args.ops = &fz_ops;
	args.ctx = im;
	args.media_size = H2FZ_MEDIA;
	args.copy = HAMMER2_OPEN_COPY_BEST;
	args.cache_blocks = (data[0] & 0x02) ? 1 : 0;
	if (hammer2_vol_open(&args, &vol) == 0) {
		vd = hammer2_vol_header(vol, NULL);
		for (i = 0; i < HAMMER2_NUM_VOLHDRS; i++)
			(void)hammer2_vol_copy_status(vol, i, &st, NULL);
		(void)hammer2_walk(vol, vd->sroot_blockset.blockref,
		    HAMMER2_SET_COUNT, HAMMER2_WALK_LOADDATA |
		    ((data[0] & 0x04) ? HAMMER2_WALK_SORTED : 0),
		    fz_walk_cb, im);
		(void)hammer2_freemap_walk(vol, fz_fmap_cb, im);
		memset(&pn, 0, sizeof(pn));
		(void)hammer2_pfs_list(vol, fz_pfs_cb, &pn);
		for (i = 0; i < pn.n; i++)
			fz_pfs(im, vol, pn.label[i]);
		fz_pfs(im, vol, NULL);
		hammer2_vol_close(vol);
	}
	if (im->live != 0) {
		fprintf(stderr, "hammer2 core leaked %ld allocations\n",
		    im->live);
		abort();
	}
	for (i = 0; i < im->npages; i++)
		free(im->page[i]);
	free(im);
	return (0);
}
