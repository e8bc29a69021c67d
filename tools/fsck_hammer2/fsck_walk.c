/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fsck_walk.c - pass 1 of fsck_hammer2: walk every blockref reachable
 * from the volume header's super-root with the core's tolerant walker
 * (hammer2_walk reads and verifies each block, data included, and goes
 * on past bad ones) and check what the walker does not: that each kind
 * of blockref sits in a table where it belongs (PFS roots in the
 * super-root, inode-index entries in a PFS root, directory entries in
 * directories, data in files), that keys lie inside the ranges of the
 * indirect blocks above them, that tables are ordered and do not
 * overlap, that index keys equal inode numbers and directory keys match
 * their names' hashes, and that compressed data decodes.  Along the way
 * it collects each PFS's inodes and names for pass 2 (fsck_names.c) and
 * every block in use for pass 3 (fsck_freemap.c).
 *
 * The walk is depth-first and pre-order, so a stack of frames indexed by
 * depth describes the table each visited blockref sits in.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck.h"
#include "h2fmt.h"

/* What a table holds, by the inode that owns it. */
#define TBL_VOLUME	0	/* the header's sroot_blockset */
#define TBL_SROOT	1	/* the super-root: PFS roots */
#define TBL_PFS		2	/* a PFS root: inode index + root dir */
#define TBL_DIR		3	/* a directory: entries */
#define TBL_FILE	4	/* a file or symlink: data */
#define TBL_NONE	5	/* an inode that should have no table */

struct frame {
	int		 kind;		/* TBL_* */
	uint64_t	 lo, hi;	/* keys allowed (enclosing indirects) */
	uint64_t	 owner;		/* inum of the owning inode */
	uint8_t		 otype;		/* its type */
	uint64_t	 osize;		/* its size (files) */
	uint64_t	 holder;	/* media offset of the block, 0 = hdr */
};

struct walk {
	struct fsck	*fc;
	struct frame	 f[HAMMER2_MAX_DEPTH + 3];
	struct fsck_pfs	*pfs;		/* PFS being walked, or NULL */
	int		 pfsdepth;	/* depth of its root's blockref */
	uint8_t		*scratch;	/* decompression: 64 KB + ws */
};

#define WALK_SCRATCH	(HAMMER2_PBUFSIZE + HAMMER2_INFLATE_WS_BYTES)

static const char *const tbl_names[] = {
	"the volume header's super-root set", "the super-root",
	"a PFS root", "a directory", "a file", "an inode without a table",
};

int
fsck_grow(void **v, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return (0);
	ncap = *cap != 0 ? 2 * *cap : 64;
	nv = realloc(*v, ncap * sz);
	if (nv == NULL)
		return (ENOMEM);
	*v = nv;
	*cap = ncap;
	return (0);
}

static uint64_t
keyend(const struct hammer2_blockref *b)
{
	if (b->keybits >= 64)
		return (UINT64_MAX);
	return (b->key | ((1ULL << b->keybits) - 1));
}

/* "block 0x... (type.radix key 0x.../bits)" or an inline entry's place. */
static void
bref_where(const struct walk *w, int depth, const struct hammer2_blockref *b,
    char *buf, size_t len)
{
	if (hammer2_bref_radix(b) != 0)
		snprintf(buf, len, "block 0x%016" PRIx64 " (%s.%u key 0x%"
		    PRIx64 "/%u)", hammer2_bref_offset(b),
		    h2_breftype_name(b->type), hammer2_bref_radix(b), b->key,
		    b->keybits);
	else if (w->f[depth].holder != 0)
		snprintf(buf, len, "%s key 0x%" PRIx64 " in block 0x%016"
		    PRIx64, h2_breftype_name(b->type), b->key,
		    w->f[depth].holder);
	else
		snprintf(buf, len, "%s key 0x%" PRIx64 " in the volume header",
		    h2_breftype_name(b->type), b->key);
}

/* Report a problem about bref b at depth: deferred inside a PFS. */
static void
walk_problem(struct walk *w, int depth, const struct hammer2_blockref *b,
    int sev, const char *fmt, ...)
{
	char where[160], what[512];
	va_list ap;

	bref_where(w, depth, b, where, sizeof(where));
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (w->pfs != NULL && depth > w->pfsdepth)
		fsck_pfs_problem(w->fc, w->pfs, sev,
		    b->type == HAMMER2_BREF_TYPE_INODE &&
		    w->f[depth].kind == TBL_PFS &&
		    (b->key & HAMMER2_DIRHASH_VISIBLE) == 0 ? b->key :
		    w->f[depth].owner, "%s: %s", where, what);
	else
		fsck_problem(w->fc, sev, "%s in %s: %s", where,
		    tbl_names[w->f[depth].kind], what);
}

static int
add_ref(struct fsck *fc, const struct hammer2_blockref *b)
{
	if (hammer2_bref_radix(b) == 0)
		return (0);
	if (fsck_grow((void **)&fc->ref, &fc->capref, fc->nref,
	    sizeof(*fc->ref)) != 0)
		return (ENOMEM);
	fc->ref[fc->nref].off = hammer2_bref_offset(b);
	fc->ref[fc->nref].len = (uint32_t)hammer2_bref_bytes(b);
	fc->ref[fc->nref].type = b->type;
	fc->nref++;
	return (0);
}

/* End the PFS being walked: names pass, then forget it. */
static void
pfs_end(struct walk *w)
{
	if (w->pfs == NULL)
		return;
	fsck_names_check(w->fc, w->pfs);
	fsck_pfs_free(w->pfs);
	free(w->pfs);
	w->pfs = NULL;
}

static int
pfs_add_inode(struct walk *w, const struct hammer2_inode_data *ip,
    uint64_t blk)
{
	struct fsck_pfs *p = w->pfs;
	struct fsck_inode *in;

	if (fsck_grow((void **)&p->ino, &p->capino, p->nino,
	    sizeof(*p->ino)) != 0)
		return (ENOMEM);
	in = &p->ino[p->nino++];
	memset(in, 0, sizeof(*in));
	in->inum = ip->meta.inum;
	in->nlinks = ip->meta.nlinks;
	in->iparent = ip->meta.iparent;
	in->size = ip->meta.size;
	in->type = ip->meta.type;
	in->blk = blk;
	return (0);
}

static int
pfs_add_dirent(struct walk *w, uint64_t dir, uint64_t inum, uint8_t type,
    const char *name, size_t len, const struct hammer2_blockref *b)
{
	struct fsck_pfs *p = w->pfs;
	struct fsck_dirent *de;

	if (fsck_grow((void **)&p->de, &p->capde, p->nde, sizeof(*p->de)) != 0)
		return (ENOMEM);
	de = &p->de[p->nde];
	de->name = malloc(len + 1);
	if (de->name == NULL)
		return (ENOMEM);
	memcpy(de->name, name, len);
	de->name[len] = '\0';
	de->dir = dir;
	de->inum = inum;
	de->type = type;
	de->key = b->key;
	de->blk = hammer2_bref_offset(b);
	p->nde++;
	return (0);
}

/* A printable copy of a name for messages. */
static const char *
shown(const char *name, size_t len, char *buf, size_t buflen)
{
	return (h2_name_str(name, len, buf, buflen));
}

/* Is name[0..len) usable as a file name? */
static int
name_ok(const char *name, size_t len)
{
	return (len > 0 && memchr(name, '/', len) == NULL &&
	    memchr(name, '\0', len) == NULL);
}

/* Does a directory key belong to the hash window of its name? */
static int
key_matches(uint64_t key, const char *name, size_t len)
{
	return ((key & ~HAMMER2_DIRHASH_LOMASK) == hammer2_dirhash(name, len));
}

/*
 * Check the non-empty entries of a table (an inode's blockset or an
 * indirect block) for ascending order and overlapping key ranges.
 */
static void
check_table(struct walk *w, int depth, const struct hammer2_blockref *owner,
    const struct hammer2_blockref *base, int count)
{
	const struct hammer2_blockref *b, *prev = NULL;
	int i;

	for (i = 0; i < count; i++) {
		b = &base[i];
		if (b->type == HAMMER2_BREF_TYPE_EMPTY)
			continue;
		if (b->keybits > 64) {
			prev = NULL;	/* the walker reports the bref */
			continue;
		}
		if (prev != NULL && b->key <= keyend(prev)) {
			if (b->key >= prev->key)
				walk_problem(w, depth, owner, FSCK_ERROR,
				    "table slots %d and %d have overlapping "
				    "key ranges", i - 1, i);
			else
				walk_problem(w, depth, owner, FSCK_WARN,
				    "table slot %d (key 0x%" PRIx64 ") is out "
				    "of key order", i, b->key);
		}
		prev = b;
	}
}

/* Is this kind of blockref allowed in a table of this kind? */
static int
type_allowed(int kind, const struct hammer2_blockref *b)
{
	switch (b->type) {
	case HAMMER2_BREF_TYPE_INODE:
		return (kind == TBL_VOLUME || kind == TBL_SROOT ||
		    kind == TBL_PFS || kind == TBL_DIR);
	case HAMMER2_BREF_TYPE_INDIRECT:
		return (kind == TBL_SROOT || kind == TBL_PFS ||
		    kind == TBL_DIR || kind == TBL_FILE);
	case HAMMER2_BREF_TYPE_DIRENT:
		return (kind == TBL_PFS || kind == TBL_DIR);
	case HAMMER2_BREF_TYPE_DATA:
		return (kind == TBL_FILE);
	default:
		return (0);
	}
}

/* The kind of table an inode owns. */
static int
inode_table_kind(const struct hammer2_inode_data *ip)
{
	switch (ip->meta.type) {
	case HAMMER2_OBJTYPE_DIRECTORY:
		return (TBL_DIR);
	case HAMMER2_OBJTYPE_REGFILE:
	case HAMMER2_OBJTYPE_SOFTLINK:
		return (TBL_FILE);
	default:
		return (TBL_NONE);
	}
}

/* Checks of an INODE block; sets up the frame of its table. */
static int
visit_inode(struct walk *w, const struct hammer2_walk_ent *e)
{
	const struct hammer2_blockref *b = e->bref;
	const struct hammer2_inode_data *ip = e->data;
	const struct hammer2_inode_meta *m = &ip->meta;
	struct frame *cf = &w->f[e->depth + 1];
	int kind = w->f[e->depth].kind, error = 0;
	size_t nlen = m->name_len < HAMMER2_INODE_MAXNAME ? m->name_len :
	    HAMMER2_INODE_MAXNAME;
	char nm[1100];

	memset(cf, 0, sizeof(*cf));
	cf->lo = 0;
	cf->hi = UINT64_MAX;
	cf->owner = m->inum;
	cf->otype = m->type;
	cf->osize = m->size;
	cf->holder = hammer2_bref_offset(b);
	cf->kind = inode_table_kind(ip);

	switch (kind) {
	case TBL_VOLUME:
		cf->kind = TBL_SROOT;
		if (b->key != HAMMER2_SROOT_KEY || e->index != 0)
			walk_problem(w, e->depth, b, FSCK_WARN, "super-root "
			    "is not at key 0 in slot 0");
		if (m->type != HAMMER2_OBJTYPE_DIRECTORY)
			walk_problem(w, e->depth, b, FSCK_ERROR, "super-root "
			    "is a %s, not a directory",
			    h2_objtype_name(m->type));
		break;
	case TBL_SROOT:
		pfs_end(w);
		cf->kind = TBL_PFS;
		if (!name_ok((const char *)ip->filename, nlen) ||
		    !key_matches(b->key, (const char *)ip->filename, nlen))
			walk_problem(w, e->depth, b, FSCK_ERROR, "PFS label "
			    "\"%s\" does not match its super-root key",
			    shown((const char *)ip->filename, nlen, nm,
			    sizeof(nm)));
		if (m->type != HAMMER2_OBJTYPE_DIRECTORY)
			walk_problem(w, e->depth, b, FSCK_ERROR, "PFS root "
			    "is a %s, not a directory",
			    h2_objtype_name(m->type));
		if ((m->op_flags & HAMMER2_OPFLAG_PFSROOT) == 0)
			walk_problem(w, e->depth, b, FSCK_WARN, "PFS root "
			    "inode lacks the PFSROOT flag");
		w->pfs = calloc(1, sizeof(*w->pfs));
		if (w->pfs == NULL)
			return (ENOMEM);
		w->pfsdepth = e->depth;
		w->fc->npfs++;
		snprintf(w->pfs->label, sizeof(w->pfs->label), "%.*s",
		    (int)nlen, (const char *)ip->filename);
		w->pfs->root = m->inum;
		error = pfs_add_inode(w, ip, hammer2_bref_offset(b));
		break;
	case TBL_PFS:
	case TBL_DIR:
		if ((b->key & HAMMER2_DIRHASH_VISIBLE) == 0) {
			/* An inode-index entry. */
			if (kind != TBL_PFS)
				walk_problem(w, e->depth, b, FSCK_ERROR,
				    "inode-index entry inside a directory "
				    "other than the PFS root");
			if (m->inum != b->key) {
				walk_problem(w, e->depth, b, FSCK_ERROR,
				    "inode number %" PRIu64 " differs from "
				    "its index key", m->inum);
				break;
			}
			error = pfs_add_inode(w, ip, hammer2_bref_offset(b));
			break;
		}
		/* A legacy directory entry held as an inode. */
		if (!name_ok((const char *)ip->filename, nlen) ||
		    !key_matches(b->key, (const char *)ip->filename, nlen))
			walk_problem(w, e->depth, b, FSCK_ERROR, "directory "
			    "inode's key does not match its name hash");
		if (m->type != HAMMER2_OBJTYPE_HARDLINK)
			error = pfs_add_inode(w, ip, hammer2_bref_offset(b));
		if (error == 0)
			error = pfs_add_dirent(w, w->f[e->depth].owner,
			    m->inum, m->type, (const char *)ip->filename,
			    nlen, b);
		break;
	default:
		break;
	}
	if (m->type == HAMMER2_OBJTYPE_UNKNOWN ||
	    hammer2_objtype_to_ifmt(m->type) == 0)
		walk_problem(w, e->depth, b, m->type ==
		    HAMMER2_OBJTYPE_HARDLINK ? FSCK_WARN : FSCK_ERROR,
		    "inode %" PRIu64 " has object type %u (%s)", m->inum,
		    m->type, h2_objtype_name(m->type));
	if ((m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) &&
	    cf->kind != TBL_FILE)
		walk_problem(w, e->depth, b, FSCK_ERROR, "a %s with embedded "
		    "data", h2_objtype_name(m->type));
	if ((m->op_flags & HAMMER2_OPFLAG_DIRECTDATA) == 0)
		check_table(w, e->depth, b, ip->u.blockset.blockref,
		    HAMMER2_SET_COUNT);
	return (error);
}

static int
visit_dirent(struct walk *w, const struct hammer2_walk_ent *e)
{
	const struct hammer2_blockref *b = e->bref;
	const struct hammer2_dirent_head *dh = &b->embed.dirent;
	const char *name;
	char nm[1100];

	name = dh->namlen <= HAMMER2_DIRENT_INLINE ?
	    (const char *)b->check.buf : e->data;
	if (name == NULL)
		return (0);
	if (!name_ok(name, dh->namlen)) {
		walk_problem(w, e->depth, b, FSCK_ERROR, "directory entry "
		    "name \"%s\" holds a '/' or a NUL",
		    shown(name, dh->namlen, nm, sizeof(nm)));
		return (0);
	}
	if ((b->key & HAMMER2_DIRHASH_VISIBLE) == 0 ||
	    !key_matches(b->key, name, dh->namlen))
		walk_problem(w, e->depth, b, FSCK_ERROR, "key of directory "
		    "entry \"%s\" does not match its name hash",
		    shown(name, dh->namlen, nm, sizeof(nm)));
	return (pfs_add_dirent(w, w->f[e->depth].owner, dh->inum, dh->type,
	    name, dh->namlen, b));
}

static void
visit_data(struct walk *w, const struct hammer2_walk_ent *e)
{
	const struct hammer2_blockref *b = e->bref;
	const struct frame *f = &w->f[e->depth];
	int error;

	w->fc->ndata++;
	if (b->key >= f->osize)
		walk_problem(w, e->depth, b, FSCK_WARN, "data block at file "
		    "offset 0x%" PRIx64 " lies beyond the file size %" PRIu64,
		    b->key, f->osize);
	if (e->data == NULL ||
	    HAMMER2_DEC_COMP(b->methods) == HAMMER2_COMP_NONE)
		return;
	error = hammer2_decompress_block(b->methods, e->data, e->datalen,
	    w->scratch, (size_t)1 << b->keybits,
	    w->scratch + HAMMER2_PBUFSIZE);
	if (error != 0)
		walk_problem(w, e->depth, b, FSCK_ERROR, "%s data does not "
		    "decompress", h2_comp_name(HAMMER2_DEC_COMP(b->methods)));
}

/*
 * Remember what a bad block hides from pass 2: part of the inode index
 * (entries naming those inodes are then not reported again), or
 * directory entries (unnamed inodes are then only warned about).
 */
static void
note_loss(struct walk *w, const struct hammer2_walk_ent *e)
{
	const struct hammer2_blockref *b = e->bref;
	struct fsck_pfs *p = w->pfs;
	int kind = w->f[e->depth].kind;
	uint64_t end;

	if (p == NULL || e->depth <= w->pfsdepth)
		return;
	if (kind != TBL_PFS && kind != TBL_DIR)
		return;
	end = b->keybits <= 64 ? keyend(b) : UINT64_MAX;
	/* Lost directory inodes take their entries with them. */
	p->dirdamage = 1;
	if (kind == TBL_PFS && b->key < HAMMER2_DIRHASH_VISIBLE &&
	    fsck_grow((void **)&p->bad, &p->capbad, p->nbad,
	    sizeof(*p->bad)) == 0) {
		p->bad[p->nbad].lo = b->key;
		p->bad[p->nbad].hi = end;
		p->bad[p->nbad].blk = hammer2_bref_offset(b);
		p->nbad++;
	}
}

/* Describe a block that failed validation or its check. */
static void
visit_bad(struct walk *w, const struct hammer2_walk_ent *e)
{
	const struct hammer2_check_result *cr = e->check;
	char exp[64], got[64];

	note_loss(w, e);
	if (e->error == EIO && cr != NULL && cr->len > 0 &&
	    memcmp(cr->expected, cr->computed, (size_t)cr->len) != 0) {
		walk_problem(w, e->depth, e->bref, FSCK_ERROR, "%s check code "
		    "mismatch: stored %s, computed %s",
		    h2_check_name(cr->method),
		    h2_hex_str(cr->expected, cr->len, exp, sizeof(exp)),
		    h2_hex_str(cr->computed, cr->len, got, sizeof(got)));
		return;
	}
	walk_problem(w, e->depth, e->bref, FSCK_ERROR, "%s: %s",
	    h2_strerror(e->error), w->fc->lastreason[0] != '\0' ?
	    w->fc->lastreason : "unreadable");
}

static int
walk_cb(void *arg, const struct hammer2_walk_ent *e)
{
	struct walk *w = arg;
	const struct hammer2_blockref *b = e->bref;
	struct frame *f = &w->f[e->depth], *cf;
	int error = 0;

	if (w->pfs != NULL && e->depth <= w->pfsdepth)
		pfs_end(w);
	w->fc->nblocks++;
	if (e->error != EUCLEAN && add_ref(w->fc, b) != 0)
		return (-ENOMEM);
	if (e->error != 0) {
		visit_bad(w, e);
		w->fc->lastreason[0] = '\0';
		return (HAMMER2_WALK_CONTINUE);
	}
	w->fc->lastreason[0] = '\0';
	if (!type_allowed(f->kind, b)) {
		walk_problem(w, e->depth, b, FSCK_ERROR, "a %s blockref does "
		    "not belong in %s", h2_breftype_name(b->type),
		    tbl_names[f->kind]);
		note_loss(w, e);
		return (HAMMER2_WALK_SKIP);
	}
	if (b->key < f->lo || keyend(b) > f->hi) {
		if (b->type != HAMMER2_BREF_TYPE_INDIRECT ||
		    keyend(b) < f->lo || b->key > f->hi) {
			walk_problem(w, e->depth, b, FSCK_ERROR, "key range "
			    "lies outside its indirect block's range 0x%"
			    PRIx64 "-0x%" PRIx64, f->lo, f->hi);
			note_loss(w, e);
			return (HAMMER2_WALK_SKIP);
		}
	}

	switch (b->type) {
	case HAMMER2_BREF_TYPE_INODE:
		if (e->data != NULL)
			error = visit_inode(w, e);
		break;
	case HAMMER2_BREF_TYPE_INDIRECT:
		cf = &w->f[e->depth + 1];
		*cf = *f;
		cf->lo = b->key > f->lo ? b->key : f->lo;
		cf->hi = keyend(b) < f->hi ? keyend(b) : f->hi;
		cf->holder = hammer2_bref_offset(b);
		if (e->data != NULL)
			check_table(w, e->depth, b, e->data,
			    (int)(e->datalen / HAMMER2_BLOCKREF_BYTES));
		break;
	case HAMMER2_BREF_TYPE_DIRENT:
		error = visit_dirent(w, e);
		break;
	case HAMMER2_BREF_TYPE_DATA:
		visit_data(w, e);
		break;
	default:
		break;
	}
	return (error != 0 ? -error : HAMMER2_WALK_CONTINUE);
}

int
fsck_walk(struct fsck *fc)
{
	const struct hammer2_volume_data *vd;
	struct walk *w;
	int error;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return (ENOMEM);
	w->scratch = malloc(WALK_SCRATCH);
	if (w->scratch == NULL) {
		free(w);
		return (ENOMEM);
	}
	w->fc = fc;
	w->f[0].kind = TBL_VOLUME;
	w->f[0].lo = 0;
	w->f[0].hi = UINT64_MAX;
	vd = hammer2_vol_header(fc->img.vol, NULL);
	error = hammer2_walk(fc->img.vol, vd->sroot_blockset.blockref,
	    HAMMER2_SET_COUNT, HAMMER2_WALK_LOADDATA, walk_cb, w);
	pfs_end(w);
	free(w->scratch);
	free(w);
	return (error);
}
