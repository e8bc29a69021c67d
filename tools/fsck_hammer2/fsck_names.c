/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * fsck_names.c - pass 2 of fsck_hammer2, run on each PFS when the walk
 * leaves it: with every inode of the index and every directory entry in
 * hand, check that each entry names an existing inode of the type it
 * claims, that a file's nlinks equals the number of entries naming it,
 * that a directory has exactly one name and its iparent is the directory
 * holding that name, that every inode is reachable from the PFS root,
 * and that no inode number is used twice.  Then print the PFS's problems
 * (the walk's included) with the path of the inode each one concerns.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsck.h"
#include "h2fmt.h"

void
fsck_pfs_problem(struct fsck *fc, struct fsck_pfs *pfs, int sev,
    uint64_t inum, const char *fmt, ...)
{
	struct fsck_prob *p;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg == NULL || fsck_grow((void **)&pfs->prob, &pfs->capprob,
	    pfs->nprob, sizeof(*pfs->prob)) != 0) {
		fsck_problem(fc, sev, "PFS %s: inode %" PRIu64 ": %s",
		    pfs->label, inum, msg != NULL ? msg : "(out of memory)");
		free(msg);
		return;
	}
	p = &pfs->prob[pfs->nprob++];
	p->sev = sev;
	p->inum = inum;
	p->msg = msg;
}

static int
ino_cmp(const void *a, const void *b)
{
	const struct fsck_inode *x = a, *y = b;

	return (x->inum < y->inum ? -1 : x->inum > y->inum);
}

static struct fsck_inode *
ino_find(struct fsck_pfs *pfs, uint64_t inum)
{
	struct fsck_inode key;

	if (pfs->nino == 0)
		return (NULL);
	key.inum = inum;
	return (bsearch(&key, pfs->ino, pfs->nino, sizeof(*pfs->ino),
	    ino_cmp));
}

/* Directory entries sorted by the inode they name (for paths). */
static int
de_cmp(const void *a, const void *b)
{
	const struct fsck_dirent *x = a, *y = b;

	if (x->inum != y->inum)
		return (x->inum < y->inum ? -1 : 1);
	if (x->dir != y->dir)
		return (x->dir < y->dir ? -1 : 1);
	return (x->key < y->key ? -1 : x->key > y->key);
}

/* The first entry naming inum, or NULL. */
static const struct fsck_dirent *
de_naming(const struct fsck_pfs *pfs, uint64_t inum)
{
	size_t lo = 0, hi = pfs->nde, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (pfs->de[mid].inum < inum)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo < pfs->nde && pfs->de[lo].inum == inum ?
	    &pfs->de[lo] : NULL);
}

/*
 * The path of inum from the PFS root through the first entry naming
 * each ancestor, into buf; a leading "?" marks a chain that breaks or
 * loops, "..." one too long for buf.
 */
static const char *
pfs_path(const struct fsck_pfs *pfs, uint64_t inum, char *buf, size_t len)
{
	const struct fsck_dirent *chain[64];
	char nm[1100];
	size_t o = 0;
	int n = 0, broken = 0;

	while (inum != pfs->root) {
		if (n == (int)(sizeof(chain) / sizeof(chain[0]))) {
			broken = 2;
			break;
		}
		chain[n] = de_naming(pfs, inum);
		if (chain[n] == NULL) {
			broken = 1;
			break;
		}
		inum = chain[n++]->dir;
	}
	buf[0] = '\0';
	if (broken)
		o = (size_t)snprintf(buf, len, "%s", broken == 1 ? "?" : "...");
	if (n == 0 && !broken)
		snprintf(buf, len, "/");
	while (n-- > 0 && o < len) {
		h2_name_str(chain[n]->name, strlen(chain[n]->name), nm,
		    sizeof(nm));
		o += (size_t)snprintf(buf + o, len - o, "/%s", nm);
	}
	return (buf);
}

/* Does the chain of names from inum reach the root without a loop? */
static int
reaches_root(const struct fsck_pfs *pfs, uint64_t inum)
{
	const struct fsck_dirent *de;
	size_t n;

	for (n = 0; n <= pfs->nde; n++) {
		if (inum == pfs->root)
			return (1);
		de = de_naming(pfs, inum);
		if (de == NULL)
			return (0);
		inum = de->dir;
	}
	return (0);
}

/* The damaged block hiding inode inum from the walk, or 0. */
static uint64_t
lost_in(const struct fsck_pfs *pfs, uint64_t inum)
{
	size_t i;

	for (i = 0; i < pfs->nbad; i++)
		if (inum >= pfs->bad[i].lo && inum <= pfs->bad[i].hi)
			return (pfs->bad[i].blk != 0 ? pfs->bad[i].blk : 1);
	return (0);
}

static void
check_entries(struct fsck *fc, struct fsck_pfs *pfs)
{
	struct fsck_dirent *de;
	struct fsck_inode *in, *dir;
	char nm[1100];
	size_t i;

	for (i = 0; i < pfs->nde; i++) {
		de = &pfs->de[i];
		h2_name_str(de->name, strlen(de->name), nm, sizeof(nm));
		dir = ino_find(pfs, de->dir);
		in = ino_find(pfs, de->inum);
		if (in == NULL && lost_in(pfs, de->inum) != 0)
			continue;	/* its damaged block was reported */
		if (in == NULL) {
			fsck_pfs_problem(fc, pfs, FSCK_ERROR, de->dir,
			    "entry \"%s\" (key 0x%" PRIx64 ") names inode %"
			    PRIu64 ", which is not in the inode index", nm,
			    de->key, de->inum);
			continue;
		}
		in->refs++;
		if (de->type != in->type &&
		    de->type != HAMMER2_OBJTYPE_HARDLINK)
			fsck_pfs_problem(fc, pfs, FSCK_ERROR, de->dir,
			    "entry \"%s\" says %s but inode %" PRIu64
			    " is a %s", nm, h2_objtype_name(de->type), de->inum,
			    h2_objtype_name(in->type));
		if (in->type == HAMMER2_OBJTYPE_DIRECTORY &&
		    in->iparent != de->dir && dir != NULL)
			fsck_pfs_problem(fc, pfs, FSCK_ERROR, de->inum,
			    "directory's iparent is %" PRIu64 " but it is "
			    "entered in directory %" PRIu64, in->iparent,
			    de->dir);
		if (in->inum == pfs->root)
			fsck_pfs_problem(fc, pfs, FSCK_ERROR, de->dir,
			    "entry \"%s\" names the PFS root", nm);
	}
}

/*
 * A problem that may only be a consequence of damage the walk already
 * reported (lost directory entries): listed with -v, counted otherwise.
 */
static void
consequence(struct fsck *fc, struct fsck_pfs *pfs, uint64_t inum,
    size_t *nconseq, const char *msg)
{
	if (!pfs->dirdamage) {
		fsck_pfs_problem(fc, pfs, FSCK_ERROR, inum, "%s", msg);
		return;
	}
	(*nconseq)++;
	if (fc->verbose)
		fsck_pfs_problem(fc, pfs, FSCK_WARN, inum, "%s (entries were "
		    "lost to damaged blocks)", msg);
}

static void
check_inodes(struct fsck *fc, struct fsck_pfs *pfs)
{
	struct fsck_inode *in;
	char msg[200];
	size_t i, nconseq = 0;

	for (i = 0; i < pfs->nino; i++) {
		in = &pfs->ino[i];
		if (i > 0 && in->inum == pfs->ino[i - 1].inum) {
			fsck_pfs_problem(fc, pfs, FSCK_ERROR, in->inum,
			    "inode number used twice (blocks 0x%016" PRIx64
			    " and 0x%016" PRIx64 ")", pfs->ino[i - 1].blk,
			    in->blk);
			continue;
		}
		if (in->inum == pfs->root)
			continue;
		if (in->refs == 0) {
			snprintf(msg, sizeof(msg), "inode (block 0x%016" PRIx64
			    ", nlinks %" PRIu64 ") is in the index but no "
			    "directory entry names it", in->blk, in->nlinks);
			if (in->nlinks == 0)
				fsck_pfs_problem(fc, pfs, FSCK_WARN, in->inum,
				    "%s", msg);
			else
				consequence(fc, pfs, in->inum, &nconseq, msg);
			continue;
		}
		if (in->type == HAMMER2_OBJTYPE_DIRECTORY) {
			if (in->refs > 1)
				fsck_pfs_problem(fc, pfs, FSCK_ERROR,
				    in->inum, "directory has %u names",
				    in->refs);
			if (in->nlinks == 0)
				fsck_pfs_problem(fc, pfs, FSCK_ERROR,
				    in->inum, "directory has nlinks 0");
		} else if (in->nlinks != in->refs) {
			snprintf(msg, sizeof(msg), "nlinks is %" PRIu64 " but "
			    "%u directory entries name it", in->nlinks,
			    in->refs);
			if (in->nlinks < in->refs)
				fsck_pfs_problem(fc, pfs, FSCK_ERROR, in->inum,
				    "%s", msg);
			else
				consequence(fc, pfs, in->inum, &nconseq, msg);
		}
		if (!reaches_root(pfs, in->inum))
			consequence(fc, pfs, in->inum, &nconseq, "not "
			    "reachable from the PFS root (its directory is "
			    "missing or in a loop)");
	}
	if (nconseq != 0 && !fc->verbose)
		fsck_pfs_problem(fc, pfs, FSCK_WARN, 0, "%zu inodes lost "
		    "names or links to the damaged blocks above (-v lists "
		    "them)", nconseq);
}

static void
print_problems(struct fsck *fc, struct fsck_pfs *pfs)
{
	struct fsck_prob *p;
	char path[4096];
	size_t i;

	for (i = 0; i < pfs->nprob; i++) {
		p = &pfs->prob[i];
		if (p->inum != 0)
			fsck_problem(fc, p->sev, "PFS %s: inode %" PRIu64
			    " (%s): %s", pfs->label, p->inum,
			    pfs_path(pfs, p->inum, path, sizeof(path)), p->msg);
		else
			fsck_problem(fc, p->sev, "PFS %s: %s", pfs->label,
			    p->msg);
	}
}

void
fsck_names_check(struct fsck *fc, struct fsck_pfs *pfs)
{
	if (pfs->nino > 0)
		qsort(pfs->ino, pfs->nino, sizeof(*pfs->ino), ino_cmp);
	if (pfs->nde > 0)
		qsort(pfs->de, pfs->nde, sizeof(*pfs->de), de_cmp);
	check_entries(fc, pfs);
	check_inodes(fc, pfs);
	if (fc->verbose)
		printf("PFS %s: %zu inodes, %zu directory entries, %zu "
		    "problems\n", pfs->label, pfs->nino, pfs->nde, pfs->nprob);
	print_problems(fc, pfs);
}

void
fsck_pfs_free(struct fsck_pfs *pfs)
{
	size_t i;

	for (i = 0; i < pfs->nde; i++)
		free(pfs->de[i].name);
	for (i = 0; i < pfs->nprob; i++)
		free(pfs->prob[i].msg);
	free(pfs->de);
	free(pfs->ino);
	free(pfs->prob);
	free(pfs->bad);
	memset(pfs, 0, sizeof(*pfs));
}
