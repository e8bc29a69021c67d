/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_newfs.c - make a HAMMER2 file system, version 2, one
 * volume, following ../shared/reference/hammer2-format.md 1.5, 1.6, 2
 * and 11.1: the reserved first 4 MB, boot and aux areas sized from the
 * volume, one 64 KB static block right after aux holding the super-root
 * inode and one PFS root inode per label (LOCAL first), allocator_beg
 * just past them, an empty freemap (format 8.5: the kernel creates the
 * leaves on the first dynamic allocation), TID 16 everywhere, and every
 * volume header copy that fits.  All writes go through the caller's
 * struct hammer2_newfs_ops; the static block is flushed before any
 * header is written so a torn newfs never leaves a valid header that
 * points at missing inodes.  Optionally (newfs -d) a tree built with
 * hammer2_newfs_tree_* fills the first data PFS; its blocks also lie
 * below allocator_beg, so the freemap can stay empty.
 *
 * Locking: none; no state outside the call.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <stdlib.h>
#include <string.h>

#include <fs/hammer2/hammer2_private.h>
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

/*
 * The PFS list (LOCAL, then the labels or the default DATA) and the PFS
 * roots' algorithms, validated.
 */
static int
newfs_names(const struct hammer2_newfs_args *args, const char **names,
    int *npfsp, uint8_t *checkp, uint8_t *compp)
{
	size_t len;
	int npfs, i, j;
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
	*npfsp = npfs;
	*checkp = check;
	*compp = comp;
	return (0);
}

/*
 * ------------------------------------------------------------------
 * Tree copy (newfs -d).  Every block goes to a bump allocator after the
 * static block: blocks under 16 KB never cross a 16 KB boundary, larger
 * ones are aligned to their size, and the reserved 4 MB at each 1 GB is
 * skipped (format 1.2, 1.3, 8.4).  allocator_beg ends up past the last
 * block, so none of it is the freemap's business (format 8.5).
 * ------------------------------------------------------------------
 */
#define NF_IND_BYTES	16384		/* indirect block size */
#define NF_IND_RADIX	14
#define NF_IND_COUNT	(NF_IND_BYTES / HAMMER2_BLOCKREF_BYTES)

struct nf_node {
	struct hammer2_inode_data *ip;	/* 1 KB, written at finalise */
	struct hammer2_blockref	*ents;	/* DATA or DIRENT brefs */
	size_t			 nents, capents;
};

struct hammer2_newfs_tree {
	const struct hammer2_newfs_ops *ops;
	struct hammer2_newfs_layout lay;
	uint64_t		 next;		/* bump pointer */
	uint64_t		 limit;		/* end of allocatable space */
	uint8_t			 check, comp;	/* the PFS root's */
	struct nf_node		 root;		/* inum 1: root dir entries */
	struct nf_node		*nodes;		/* inum 1024 + index */
	size_t			 nnodes, capnodes;
	uint8_t			*buf;		/* 64 KB scratch */
	uint8_t			*zbuf;		/* compressed image, 32 KB */
	void			*ws;		/* encoder scratch */
	uint64_t		 miss_inum;	/* file miss counts */
	uint32_t		 miss;
};

/* Metadata never uses check NONE (format 3.5, 11.5). */
static uint8_t
nf_meta_check(uint8_t check)
{
	return (check == HAMMER2_CHECK_NONE ? HAMMER2_CHECK_XXHASH64 : check);
}

static int
nf_grow(const struct hammer2_newfs_ops *ops, void **pp, size_t *capp,
    size_t n, size_t elsize)
{
	size_t ncap;
	void *np;

	if (n < *capp)
		return (0);
	ncap = *capp == 0 ? 8 : *capp * 2;
	if ((np = ops->alloc(ops->ctx, ncap * elsize)) == NULL)
		return (ENOMEM);
	if (*pp != NULL) {
		memcpy(np, *pp, *capp * elsize);
		ops->free(ops->ctx, *pp, *capp * elsize);
	}
	*pp = np;
	*capp = ncap;
	return (0);
}

static int
nf_alloc(struct hammer2_newfs_tree *t, size_t bytes, uint64_t *offp)
{
	uint64_t off, seg;

	for (;;) {
		if (bytes < HAMMER2_LBUFSIZE) {
			off = roundup64(t->next, HAMMER2_ALLOC_MIN);
			if (off / HAMMER2_LBUFSIZE !=
			    (off + bytes - 1) / HAMMER2_LBUFSIZE)
				off = roundup64(off, HAMMER2_LBUFSIZE);
		} else {
			off = roundup64(t->next, bytes);
		}
		seg = off / GB * GB;
		if (off < seg + RESERVED_SEG) {
			t->next = seg + RESERVED_SEG;
			continue;
		}
		if (off + bytes > seg + GB) {	/* would enter the next GB */
			t->next = seg + GB;
			continue;
		}
		break;
	}
	if (off + bytes > t->limit)
		return (ENOSPC);
	t->next = off + bytes;
	*offp = off;
	return (0);
}

static int
nf_radix(size_t bytes)
{
	int r = HAMMER2_RADIX_MIN;

	while (((size_t)1 << r) < bytes)
		r++;
	return (r);
}

/* Write bytes (a power of two) of data to a new place; fill in bref. */
static int
nf_put(struct hammer2_newfs_tree *t, const void *data, size_t bytes,
    struct hammer2_blockref *bref)
{
	uint64_t off;
	int error;

	if ((error = nf_alloc(t, bytes, &off)) != 0)
		return (error);
	if ((error = t->ops->write(t->ops->ctx, off, data, bytes)) != 0)
		return (error);
	bref->data_off = off | (uint64_t)nf_radix(bytes);
	bref->mirror_tid = HAMMER2_NEWFS_TID;
	return (hammer2_check_compute(bref, data, bytes) != 0 ? EINVAL : 0);
}

static struct nf_node *
nf_node(struct hammer2_newfs_tree *t, uint64_t inum)
{
	if (inum == HAMMER2_NEWFS_ROOT_INUM)
		return (&t->root);
	if (inum < HAMMER2_INODE_START ||
	    inum - HAMMER2_INODE_START >= t->nnodes)
		return (NULL);
	return (&t->nodes[inum - HAMMER2_INODE_START]);
}

static int
nf_add_ent(struct hammer2_newfs_tree *t, struct nf_node *n,
    const struct hammer2_blockref *bref)
{
	int error;

	if ((error = nf_grow(t->ops, (void **)&n->ents, &n->capents,
	    n->nents, sizeof(*bref))) != 0)
		return (error);
	n->ents[n->nents++] = *bref;
	return (0);
}

static uint8_t
nf_dir_type(struct hammer2_newfs_tree *t, struct nf_node *n)
{
	if (n == &t->root)
		return (HAMMER2_OBJTYPE_DIRECTORY);
	return (n->ip->meta.type);
}

/* A DIRENT for name -> inum in directory dir (format 6.1, 6.3). */
static int
nf_dirent(struct hammer2_newfs_tree *t, struct nf_node *dir,
    const char *name, size_t len, uint64_t inum, uint8_t type)
{
	struct hammer2_blockref bref;
	uint64_t h, key;
	size_t i;
	int error;

	if (len == 0 || len >= HAMMER2_INODE_MAXNAME)
		return (EINVAL);
	h = hammer2_dirhash(name, len);
	for (key = h + 1; key <= (h | HAMMER2_DIRHASH_LOMASK); key++) {
		for (i = 0; i < dir->nents; i++)
			if (dir->ents[i].key == key)
				break;
		if (i == dir->nents)
			break;
	}
	if (key > (h | HAMMER2_DIRHASH_LOMASK))
		return (ENOSPC);
	memset(&bref, 0, sizeof(bref));
	bref.type = HAMMER2_BREF_TYPE_DIRENT;
	bref.methods = HAMMER2_ENC_METHODS(nf_meta_check(t->check),
	    t->comp & 0x0F);
	bref.key = key;
	bref.mirror_tid = HAMMER2_NEWFS_TID;
	bref.embed.dirent.inum = inum;
	bref.embed.dirent.namlen = (uint16_t)len;
	bref.embed.dirent.type = type;
	if (len <= sizeof(bref.check.buf)) {
		memcpy(bref.check.buf, name, len);
	} else {
		memset(t->buf, 0, HAMMER2_ALLOC_MIN);
		memcpy(t->buf, name, len);
		if ((error = nf_put(t, t->buf, HAMMER2_ALLOC_MIN, &bref)) != 0)
			return (error);
	}
	return (nf_add_ent(t, dir, &bref));
}

int
hammer2_newfs_tree_create(const struct hammer2_newfs_args *args,
    const struct hammer2_newfs_ops *ops, struct hammer2_newfs_tree **treep)
{
	struct hammer2_newfs_tree *t;
	const char *names[HAMMER2_NEWFS_MAXLABELS];
	uint8_t check, comp;
	int npfs, error;

	*treep = NULL;
	if ((error = newfs_names(args, names, &npfs, &check, &comp)) != 0)
		return (error);
	if (npfs < 2)
		return (EINVAL);		/* no data PFS to fill */
	if ((t = ops->alloc(ops->ctx, sizeof(*t))) == NULL)
		return (ENOMEM);
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	if ((error = hammer2_newfs_layout(args->size, npfs, &t->lay)) != 0) {
		ops->free(ops->ctx, t, sizeof(*t));
		return (error);
	}
	t->next = t->lay.alloc_base + HAMMER2_VOLUME_BYTES;
	t->limit = t->lay.volu_size - HAMMER2_VOLUME_BYTES;
	t->check = check;
	t->comp = is_boot(names[1]) ? HAMMER2_COMP_AUTOZERO : comp;
	t->buf = ops->alloc(ops->ctx, HAMMER2_PBUFSIZE);
	t->zbuf = ops->alloc(ops->ctx, HAMMER2_PBUFSIZE / 2);
	t->ws = ops->alloc(ops->ctx, HAMMER2_COMPRESS_WS_BYTES);
	if (t->buf == NULL || t->zbuf == NULL || t->ws == NULL) {
		hammer2_newfs_tree_destroy(t);
		return (ENOMEM);
	}
	*treep = t;
	return (0);
}

void
hammer2_newfs_tree_destroy(struct hammer2_newfs_tree *t)
{
	const struct hammer2_newfs_ops *ops;
	size_t i;

	if (t == NULL)
		return;
	ops = t->ops;
	for (i = 0; i < t->nnodes; i++) {
		ops->free(ops->ctx, t->nodes[i].ip, HAMMER2_INODE_BYTES);
		if (t->nodes[i].ents != NULL)
			ops->free(ops->ctx, t->nodes[i].ents,
			    t->nodes[i].capents * HAMMER2_BLOCKREF_BYTES);
	}
	if (t->root.ents != NULL)
		ops->free(ops->ctx, t->root.ents,
		    t->root.capents * HAMMER2_BLOCKREF_BYTES);
	if (t->nodes != NULL)
		ops->free(ops->ctx, t->nodes, t->capnodes * sizeof(*t->nodes));
	if (t->buf != NULL)
		ops->free(ops->ctx, t->buf, HAMMER2_PBUFSIZE);
	if (t->zbuf != NULL)
		ops->free(ops->ctx, t->zbuf, HAMMER2_PBUFSIZE / 2);
	if (t->ws != NULL)
		ops->free(ops->ctx, t->ws, HAMMER2_COMPRESS_WS_BYTES);
	ops->free(ops->ctx, t, sizeof(*t));
}

int
hammer2_newfs_tree_add(struct hammer2_newfs_tree *t, uint64_t parent,
    const char *name, size_t namelen, const struct hammer2_newfs_attr *a,
    uint64_t *inump)
{
	struct hammer2_inode_data *ip;
	struct nf_node *dir, *n;
	uint64_t inum;
	int error;

	dir = nf_node(t, parent);
	if (dir == NULL || nf_dir_type(t, dir) != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (a->type == HAMMER2_OBJTYPE_UNKNOWN ||
	    a->type > HAMMER2_OBJTYPE_SOCKET ||
	    a->type == HAMMER2_OBJTYPE_HARDLINK)
		return (EINVAL);
	/* Growing may move t->nodes: look the parent up again after it. */
	if ((error = nf_grow(t->ops, (void **)&t->nodes, &t->capnodes,
	    t->nnodes, sizeof(*t->nodes))) != 0)
		return (error);
	dir = nf_node(t, parent);
	inum = HAMMER2_INODE_START + t->nnodes;
	if ((ip = t->ops->alloc(t->ops->ctx, HAMMER2_INODE_BYTES)) == NULL)
		return (ENOMEM);
	memset(ip, 0, HAMMER2_INODE_BYTES);
	hammer2_inode_init(ip, inum, parent, a->type, a->mode, a->uid, a->gid,
	    a->rmajor, a->rminor, a->ctime);
	ip->meta.mtime = a->mtime;
	ip->meta.comp_algo = t->comp;
	ip->meta.check_algo = t->check;
	if (a->type == HAMMER2_OBJTYPE_REGFILE ||
	    a->type == HAMMER2_OBJTYPE_SOFTLINK)
		ip->meta.size = a->size;
	if (ip->meta.size > HAMMER2_EMBEDDED_BYTES)
		ip->meta.op_flags &= ~HAMMER2_OPFLAG_DIRECTDATA;
	n = &t->nodes[t->nnodes];
	memset(n, 0, sizeof(*n));
	n->ip = ip;
	t->nnodes++;
	if ((error = nf_dirent(t, dir, name, namelen, inum, a->type)) != 0) {
		t->nnodes--;
		t->ops->free(t->ops->ctx, ip, HAMMER2_INODE_BYTES);
		return (error);
	}
	*inump = inum;
	return (0);
}

int
hammer2_newfs_tree_link(struct hammer2_newfs_tree *t, uint64_t parent,
    const char *name, size_t namelen, uint64_t inum)
{
	struct nf_node *dir, *n;
	int error;

	dir = nf_node(t, parent);
	n = nf_node(t, inum);
	if (dir == NULL || nf_dir_type(t, dir) != HAMMER2_OBJTYPE_DIRECTORY)
		return (ENOTDIR);
	if (n == NULL || n == &t->root ||
	    n->ip->meta.type == HAMMER2_OBJTYPE_DIRECTORY)
		return (EINVAL);
	if ((error = nf_dirent(t, dir, name, namelen, inum,
	    n->ip->meta.type)) != 0)
		return (error);
	n->ip->meta.nlinks++;
	return (0);
}

int
hammer2_newfs_tree_write(struct hammer2_newfs_tree *t, uint64_t inum,
    uint64_t off, const void *buf, size_t len)
{
	struct hammer2_blockref bref;
	struct nf_node *n = nf_node(t, inum);
	uint64_t size;
	size_t pbytes, zlen = 0;
	int comp, error;

	if (n == NULL || n == &t->root ||
	    (n->ip->meta.type != HAMMER2_OBJTYPE_REGFILE &&
	    n->ip->meta.type != HAMMER2_OBJTYPE_SOFTLINK))
		return (EINVAL);
	size = n->ip->meta.size;
	if ((off & HAMMER2_PBUFMASK64) != 0 || off >= size ||
	    len != (size - off < HAMMER2_PBUFSIZE ? size - off :
	    HAMMER2_PBUFSIZE))
		return (EINVAL);
	if (n->ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA) {
		memcpy(n->ip->u.data, buf, len);
		return (0);
	}
	/*
	 * All-zero blocks become holes under AUTOZERO, LZ4 and ZLIB, unless
	 * the check is NONE (format 10.4).
	 */
	if ((t->comp & 0x0F) != HAMMER2_COMP_NONE &&
	    t->check != HAMMER2_CHECK_NONE) {
		const uint8_t *p = buf;
		size_t i;

		for (i = 0; i < len && p[i] == 0; i++)
			;
		if (i == len)
			return (0);
	}
	/* The EOF block: the smallest power of two >= len, at least 1 KB. */
	pbytes = (size_t)1 << nf_radix(len);
	memcpy(t->buf, buf, len);
	memset(t->buf + len, 0, pbytes - len);
	if (t->miss_inum != inum) {
		t->miss_inum = inum;
		t->miss = 0;
	}
	comp = hammer2_compress_block(t->comp, t->buf, pbytes, t->zbuf,
	    &t->miss, t->ws, &zlen);
	if (comp != HAMMER2_COMP_NONE) {
		pbytes = (size_t)1 << nf_radix(zlen);
		memcpy(t->buf, t->zbuf, zlen);
		memset(t->buf + zlen, 0, pbytes - zlen);
	}
	memset(&bref, 0, sizeof(bref));
	bref.type = HAMMER2_BREF_TYPE_DATA;
	bref.methods = HAMMER2_ENC_METHODS(t->check, comp);
	bref.key = off;
	bref.keybits = HAMMER2_PBUFRADIX;
	if ((error = nf_put(t, t->buf, pbytes, &bref)) != 0)
		return (error);
	return (nf_add_ent(t, n, &bref));
}

static int
nf_cmp_bref(const void *a, const void *b)
{
	return (bref_cmp_key(a, b));
}

static uint16_t
nf_leaves(const struct hammer2_blockref *b, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += b[i].type == HAMMER2_BREF_TYPE_INDIRECT ?
		    b[i].leaf_count : 1;
	return (sum > 65535 ? 65535 : (uint16_t)sum);
}

/* Groups of e[0..n) by key >> kb: their number and the largest. */
static size_t
nf_groups(const struct hammer2_blockref *e, size_t n, int kb, size_t *maxp)
{
	size_t i, groups = 1, run = 1, max = 1;

	for (i = 1; i < n; i++) {
		if ((e[i].key >> kb) != (e[i - 1].key >> kb)) {
			groups++;
			run = 1;
		} else if (++run > max)
			max = run;
	}
	*maxp = max;
	return (groups);
}

/*
 * Fit the sorted entries e[0..n) into a table of cap slots at out[]
 * (format 4.1-4.3: any non-overlapping layout is valid), bottom up:
 * while they do not fit, pack them into 16 KB indirect blocks keyed by
 * the widest power-of-two range that keeps every group within one
 * block (a lone entry stays as it is), and repeat on the result.  For
 * file data this gives DragonFly's keybits 23 for the first level.
 */
static int
nf_table(struct hammer2_newfs_tree *t, const struct hammer2_blockref *e,
    size_t n, size_t cap, struct hammer2_blockref *out, size_t *noutp)
{
	const struct hammer2_newfs_ops *ops = t->ops;
	struct hammer2_blockref *blk, *next, ind;
	size_t i, j, nnext, max, nmax;
	int kb, minkb, error;

	if (n <= cap) {
		memcpy(out, e, n * sizeof(*e));
		*noutp = n;
		return (0);
	}
	minkb = 0;
	for (i = 0; i < n; i++)
		if (e[i].keybits > minkb)
			minkb = e[i].keybits;
	/* Smallest kb that merges something, then widen while it fits. */
	for (kb = minkb; kb < 63; kb++)
		if (nf_groups(e, n, kb, &max) < n)
			break;
	while (kb < 63 && (nf_groups(e, n, kb + 1, &nmax), nmax) <=
	    NF_IND_COUNT)
		kb++;
	if (nf_groups(e, n, kb, &max) == n || max > NF_IND_COUNT)
		return (EINVAL);
	if ((next = ops->alloc(ops->ctx, n * sizeof(*e))) == NULL)
		return (ENOMEM);
	if ((blk = ops->alloc(ops->ctx, NF_IND_BYTES)) == NULL) {
		ops->free(ops->ctx, next, n * sizeof(*e));
		return (ENOMEM);
	}
	nnext = 0;
	error = 0;
	for (i = 0; i < n && error == 0; i = j) {
		for (j = i + 1; j < n && (e[j].key >> kb) == (e[i].key >> kb);
		    j++)
			;
		if (j - i == 1) {
			next[nnext++] = e[i];
			continue;
		}
		memset(blk, 0, NF_IND_BYTES);
		memcpy(blk, e + i, (j - i) * sizeof(*e));
		memset(&ind, 0, sizeof(ind));
		ind.type = HAMMER2_BREF_TYPE_INDIRECT;
		ind.methods = HAMMER2_ENC_METHODS(nf_meta_check(t->check),
		    HAMMER2_COMP_NONE);
		ind.keybits = (uint8_t)kb;
		ind.key = (e[i].key >> kb) << kb;
		ind.leaf_count = nf_leaves(blk, j - i);
		error = nf_put(t, blk, NF_IND_BYTES, &ind);
		next[nnext++] = ind;
	}
	if (error == 0)
		error = nf_table(t, next, nnext, cap, out, noutp);
	ops->free(ops->ctx, blk, NF_IND_BYTES);
	ops->free(ops->ctx, next, n * sizeof(*e));
	return (error);
}

/* Write every inode and build the PFS root's table into rip. */
static int
nf_finish(struct hammer2_newfs_tree *t, struct hammer2_inode_data *rip)
{
	struct hammer2_blockref bref;
	struct nf_node *n;
	size_t i, nout;
	int error;

	for (i = 0; i < t->nnodes; i++) {
		n = &t->nodes[i];
		if (!(n->ip->meta.op_flags & HAMMER2_OPFLAG_DIRECTDATA)) {
			if (n->nents > 1)
				qsort(n->ents, n->nents, sizeof(*n->ents),
				    nf_cmp_bref);
			if ((error = nf_table(t, n->ents, n->nents,
			    HAMMER2_SET_COUNT, n->ip->u.blockset.blockref,
			    &nout)) != 0)
				return (error);
		}
		memset(&bref, 0, sizeof(bref));
		bref.type = HAMMER2_BREF_TYPE_INODE;
		bref.methods = HAMMER2_ENC_METHODS(nf_meta_check(t->check),
		    t->comp & 0x0F);
		bref.key = n->ip->meta.inum;
		bref.leaf_count = 1;
		if ((error = nf_put(t, n->ip, HAMMER2_INODE_BYTES,
		    &bref)) != 0)
			return (error);
		if ((error = nf_add_ent(t, &t->root, &bref)) != 0)
			return (error);
	}
	if (t->root.nents > 1)
		qsort(t->root.ents, t->root.nents, sizeof(*t->root.ents),
		    nf_cmp_bref);
	if ((error = nf_table(t, t->root.ents, t->root.nents,
	    HAMMER2_SET_COUNT, rip->u.blockset.blockref, &nout)) != 0)
		return (error);
	rip->meta.pfs_inum = HAMMER2_INODE_START + t->nnodes;
	return (0);
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

	if ((error = newfs_names(args, names, &npfs, &check, &comp)) != 0)
		return (error);
	if ((error = hammer2_newfs_layout(args->size, npfs, &lay)) != 0)
		return (error);
	if (args->tree != NULL && (npfs < 2 ||
	    args->tree->lay.alloc_base != lay.alloc_base ||
	    args->tree->lay.volu_size != lay.volu_size))
		return (EINVAL);

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
		if (i == 1 && args->tree != NULL &&
		    (error = nf_finish(args->tree, ip)) != 0)
			goto out;

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

	/*
	 * With a tree, everything it wrote lies below allocator_beg; the
	 * free estimate loses those 16 KB units (format 8.4).
	 */
	if (args->tree != NULL) {
		uint64_t used;

		lay.allocator_beg = args->tree->next;
		used = roundup64(lay.allocator_beg, HAMMER2_FREEMAP_BLOCK) -
		    (lay.alloc_base + HAMMER2_VOLUME_BYTES);
		vd->allocator_free = lay.allocator_size - used;
	} else {
		vd->allocator_free = lay.allocator_size;
	}
	if (layp != NULL)
		*layp = lay;

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

	hammer2_volhdr_seal(vd);

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
