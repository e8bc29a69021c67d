/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2tree.h - walking a host directory tree to copy it into an image,
 * shared by `newfs_hammer2 -d` and `hammer2 put`.  Every entry is named
 * relative to its directory's descriptor (fstatat, openat, readlinkat;
 * symlinks are never followed), so neither the depth of the tree nor
 * the length of a path is limited, only each name.  At most
 * H2TREE_KEEPFD directories of the current chain stay open; below that
 * depth a directory's descriptor is closed while a subdirectory is
 * copied and opened again afterwards through the subdirectory's "..",
 * which must still be the same directory.  The path of the current
 * entry is kept only for messages.
 *
 * The walk knows nothing of the image: the tool copies each entry in
 * its h2tree_entry_fn, and says in its h2tree_fail_fn how a failed host
 * call is reported (at once, or kept for later).
 *
 * Protection: an h2tree belongs to the one thread walking with it.
 */
#ifndef _TOOLS_H2TREE_H_
#define _TOOLS_H2TREE_H_

#include <sys/stat.h>

#include <stddef.h>
#include <stdint.h>

#define H2TREE_KEEPFD	32	/* directories of the chain kept open */

/* The host step that failed, as passed to h2tree_fail_fn. */
enum h2tree_step {
	H2TREE_OPENDIR,		/* opening a directory to read its names */
	H2TREE_READDIR,		/* readdir(3) */
	H2TREE_NOMEM,		/* no memory for a name or the path */
	H2TREE_OPEN_DIR,	/* opening a subdirectory */
	H2TREE_DIR_REPLACED,	/* ... which is no longer the one stat'ed */
	H2TREE_PARENT_STAT,	/* fstat(2) of a directory about to close */
	H2TREE_MOVED,		/* its ".." afterwards is another directory */
	H2TREE_OPEN_FILE,	/* opening a regular file */
	H2TREE_FILE_REPLACED	/* ... which is no longer the one stat'ed */
};

struct h2tree;

/*
 * Copy entry name of the host directory *dfdp (t->path names it) into
 * the image directory dir.  *dfdp may be replaced (h2tree_subdir()).
 * Returns 0, or what the walk is to return.
 */
typedef int	h2tree_entry_fn(struct h2tree *t, int *dfdp, const char *name,
		    uint64_t dir);
/*
 * Step failed on t->path with error (ESTALE for the _REPLACED and
 * _MOVED steps).  Returns what the walk is to return (not 0).
 */
typedef int	h2tree_fail_fn(struct h2tree *t, enum h2tree_step step,
		    int error);

/*
 * Protection: [o] the thread walking; [I] set before the walk.
 * A tool embeds the h2tree as the first member of its own context.
 */
struct h2tree {
	char		*path;		/* [o] ROOT/.../entry, NUL-ended */
	size_t		 plen;		/* [o] bytes in path */
	size_t		 pcap;		/* [o] bytes allocated */
	int		 depth;		/* [o] directories entered */
	h2tree_fail_fn	*fail;		/* [I] */
};

/*
 * h2tree_init - start t->path as the first len bytes of root.
 * Context: the walking thread.
 * Returns 0 or ENOMEM.
 */
int	h2tree_init(struct h2tree *t, const char *root, size_t len,
	    h2tree_fail_fn *fail);
/* h2tree_fini - free t->path.  Context: the walking thread. */
void	h2tree_fini(struct h2tree *t);

/*
 * h2tree_path_push - append "/name" to t->path; *oldp is the length
 * h2tree_path_pop() goes back to.
 * Context: the walking thread.
 * Returns 0 or ENOMEM (t->path unchanged).
 */
int	h2tree_path_push(struct h2tree *t, const char *name, size_t *oldp);
void	h2tree_path_pop(struct h2tree *t, size_t len);
/* t->path for a one-line message, as h2_path_str() (H2_PATH_STRLEN). */
char	*h2tree_path_str(const struct h2tree *t, char *buf, size_t buflen);

/*
 * h2tree_names - the names in the directory open as dfd, sorted, "."
 * and ".." left out; *namesp is NULL when there are none.  Free them
 * with h2tree_names_free().  The directory is read through a
 * descriptor of its own, so dfd keeps its offset.
 * Context: the walking thread.
 * Returns 0, or t->fail()'s value (_OPENDIR, _READDIR, _NOMEM).
 */
int	h2tree_names(struct h2tree *t, int dfd, char ***namesp, size_t *np);
void	h2tree_names_free(char **names, size_t n);

/*
 * h2tree_dir - fn for each entry of the directory open as *dfdp, in
 * name order, each with t->path naming it.  Stops at the first
 * failure and leaves t->path naming the entry that failed.
 * Context: the walking thread.
 * Returns 0, what fn returned, or t->fail()'s value.
 */
int	h2tree_dir(struct h2tree *t, int *dfdp, h2tree_entry_fn *fn,
	    uint64_t dir);

/*
 * h2tree_subdir - h2tree_dir() on subdirectory name of *dfdp, checked
 * to be the one st describes.  Past H2TREE_KEEPFD levels *dfdp is
 * closed meanwhile (-1) and opened again through the subdirectory's
 * "..", checked to be the directory it was; after a failure it may
 * stay -1 or name another directory (the caller closes it if >= 0).
 * Context: the walking thread.
 * Returns 0, what fn returned, or t->fail()'s value (_OPEN_DIR,
 * _DIR_REPLACED, _PARENT_STAT, _MOVED).
 */
int	h2tree_subdir(struct h2tree *t, int *dfdp, const char *name,
	    const struct stat *st, h2tree_entry_fn *fn, uint64_t dir);

/*
 * h2tree_open_file - open regular file name of dfd for reading into
 * *fdp, checked to be the one st describes.  O_NONBLOCK, so that a
 * fifo put there meanwhile cannot hang the open.
 * Context: the walking thread.
 * Returns 0, or t->fail()'s value (_OPEN_FILE, _FILE_REPLACED).
 */
int	h2tree_open_file(struct h2tree *t, int dfd, const char *name,
	    const struct stat *st, int *fdp);

/*
 * Reading a regular file's data: only the blocks of its first size
 * bytes that SEEK_DATA/SEEK_HOLE say hold data, each bsize (a power of
 * two) bytes at a multiple of bsize, the last one ending at size.
 * Where the host file system cannot tell (lseek fails, other than
 * ENXIO for "no data after this"), the rest of the file is read.  A
 * file that ends before size lowers size to where it ended.
 */
struct h2tree_data {
	int		 fd;
	uint64_t	 size;		/* bytes to read, or where it ended */
	uint64_t	 pos;		/* where to look for the next extent */
	uint64_t	 off, end;	/* the rest of the current extent */
	char		*buf;		/* bsize bytes */
	size_t		 bsize;
};

void	h2tree_data_init(struct h2tree_data *d, int fd, uint64_t size,
	    char *buf, size_t bsize);
/*
 * h2tree_data_next - read the next block into d->buf: *lenp bytes
 * from *offp, or *lenp == 0 when there are no more.
 * Context: any thread owning d.
 * Returns 0 or pread(2)'s errno.
 */
int	h2tree_data_next(struct h2tree_data *d, uint64_t *offp,
	    size_t *lenp);

#endif /* !_TOOLS_H2TREE_H_ */
