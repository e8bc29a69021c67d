/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2check.h - read-back checks for the HAMMER2 tests that write images
 * (CMocka assertions inside: call them from a test).  Everything goes
 * through the read-only API on a fresh open, so what is checked is what
 * reached the media:
 *   - h2t_verify_all: every check code of the topology and the freemap,
 *     and every used block allocated in the freemap;
 *   - the copy-on-write guard: an on_write hook for h2t_ops that counts
 *     as bad any write that is empty, touches a volume header copy
 *     other than as a whole header, or lands on a block the image
 *     referenced when the guard was built (format 11.3);
 *   - trees: a PFS read back into a sorted list of objects (path, type,
 *     mode, size, inode, links, SHA-256 of the contents or link target)
 *     that tests build by hand too and compare;
 *   - the shape of a block tree: format 4.1-4.3 asserted table by table,
 *     with counts for the test to judge.
 */
#ifndef _H2CHECK_H_
#define _H2CHECK_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "h2test.h"

/*
 * Every block of vol's topology (data included) and of its freemap
 * verifies, and each one at or above allocator_beg is allocated in the
 * freemap.
 */
void	h2t_verify_all(struct hammer2_vol *vol);

/* The copy-on-write guard of the image at path (see above). */
struct h2t_cow {
	uint64_t	*lo, *hi, *maxhi;	/* sorted ranges, running max */
	size_t		 n, cap;
	long		 writes;	/* writes seen */
	long		 bad;		/* writes that broke a rule */
};

void	h2t_cow_build(struct h2t_cow *c, const char *path);
void	h2t_cow_free(struct h2t_cow *c);
/* Watch img's writes (img->on_write) with c; NULL on_write to stop. */
void	h2t_cow_watch(struct h2t_img *img, struct h2t_cow *c);

/* One directory listing (readdir callback), "." and ".." included. */
struct h2t_dent {
	char		*name;
	uint64_t	 inum;
	uint8_t		 type;
};

struct h2t_dlist {
	struct h2t_dent	*v;
	size_t		 n, cap;
};

int	h2t_dlist_cb(void *arg, const struct hammer2_dirent *e);
int	h2t_dent_cmp(const void *a, const void *b);	/* by name */
void	h2t_dlist_free(struct h2t_dlist *d);

/* One object of a tree: what a state comparison looks at. */
struct h2t_tent {
	char		*path;		/* from the PFS root, no leading / */
	uint8_t		 type;		/* HAMMER2_OBJTYPE_* */
	uint32_t	 mode;
	uint64_t	 size;		/* 0 for directories */
	uint64_t	 inum;		/* 0: not compared */
	uint64_t	 nlinks;	/* 0: not compared */
	uint8_t		 sha[32];	/* contents, or a symlink's target */
};

struct h2t_tree {
	struct h2t_tent	*v;
	size_t		 n, cap;
};

/* A new zeroed entry for path (pointers into t->v move on add). */
struct h2t_tent *h2t_tree_add(struct h2t_tree *t, const char *path);
struct h2t_tent *h2t_tree_find(struct h2t_tree *t, const char *path);
void	h2t_tree_del(struct h2t_tree *t, const char *path);
void	h2t_tree_copy(struct h2t_tree *dst, const struct h2t_tree *src);
void	h2t_tree_sort(struct h2t_tree *t);
void	h2t_tree_free(struct h2t_tree *t);
/*
 * Add everything below directory dip, paths prefixed by prefix ("" at
 * the root); readdir and lookup must agree on each name.
 */
void	h2t_tree_scan(const struct hammer2_inode *dip, const char *prefix,
	    struct h2t_tree *t);
/* The whole tree of PFS label (NULL: DATA) of the image at path. */
void	h2t_tree_capture(const char *path, const char *label,
	    struct h2t_tree *t);
/* Sorted a and b hold the same objects (inum/nlinks where both set). */
bool	h2t_tree_equal(const struct h2t_tree *a, const struct h2t_tree *b,
	    bool verbose);

/*
 * The manifest of reference image name (refdir/images/name.manifest) as
 * a tree: no inode numbers or link counts, and mode 0 for symlinks
 * (the manifests give none).
 */
void	h2t_manifest_load(const char *refdir, const char *name,
	    struct h2t_tree *t);

/* What h2t_shape_of counted in a block tree it found well-formed. */
struct h2t_shape {
	uint64_t	inodes;		/* INODE brefs (an inode index) */
	uint64_t	dirents;
	uint64_t	data;
	uint64_t	indirects;
	int		maxlevel;	/* deepest indirect level, 1 = first */
};

/*
 * Assert format 4.1-4.3 on every table below inode ip: non-empty
 * entries in ascending key order, each range aligned, disjoint from the
 * others and inside its indirect block's range, no child newer than its
 * parent, indirect blocks 4 KB right under a directory inode and 16 KB
 * elsewhere, with compression NONE, the parent's check method and at
 * least one entry; inodes in an index keyed by their inum, dirents in
 * their name's hash window.  Then count into *sh.
 */
void	h2t_shape_of(struct hammer2_vol *vol, const struct hammer2_inode *ip,
	    struct h2t_shape *sh);

#endif /* !_H2CHECK_H_ */
