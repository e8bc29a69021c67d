/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2cmd_get.c - `hammer2 get PATH HOSTDIR`: copy a file, a symlink, a
 * special file or a whole tree out of the image into HOSTDIR (created
 * when missing) with modes, times, owners (when run as root), symlinks
 * and hard links.  When PATH is the PFS root its contents go into HOSTDIR
 * itself (which takes the root's mode and times only if this command
 * created it); any other PATH lands as HOSTDIR/basename(PATH).
 *
 * The image is untrusted: every name read from it is checked before it
 * becomes a host path component (no '/', no NUL, not "." or ".."), all
 * host operations are relative to directory descriptors (openat and
 * friends, never following host symlinks), and a directory reached a
 * second time (a loop or a hard-linked directory) is reported and not
 * descended.  So neither depth nor path length is limited: at most
 * GET_KEEPFD directories of the current chain stay open, deeper ones
 * are closed while a subdirectory is extracted and opened again through
 * its "..", checked to be the same directory; a hard link's first name
 * is reached one directory at a time.  Runs of zeros are written as
 * holes.  An error on one entry is reported on one line with its image
 * path (long paths shortened) and extraction goes on; the exit status
 * is then 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "h2cli.h"
#include "h2fmt.h"

#define GET_CHUNK	(1024 * 1024)
#define GET_HOLE	65536		/* zero runs this long become holes */
#define GET_KEEPFD	32		/* directories kept open in a chain */

/* An inode number seen before, and where it was put (hard links). */
struct get_seen {
	uint64_t	 inum;		/* 0 = free slot */
	char		*relpath;	/* NULL for directories */
};

struct get_ctx {
	struct h2cli		*cli;
	int			 rootfd;	/* HOSTDIR */
	int			 chown;		/* running as root */
	int			 rootattrs;	/* HOSTDIR is ours to set */
	int			 nerr;
	int			 depth;		/* directories entered */
	int			 lost;		/* a directory fd was lost */
	char			*buf;		/* GET_CHUNK */
	struct get_seen		*seen;		/* open hash on inum */
	size_t			 nseen, capseen;
};

/* One directory entry, copied out of the readdir callback. */
struct get_ent {
	char		*name;
	size_t		 namlen;
	uint64_t	 inum;
};

struct get_list {
	struct get_ent	*v;
	size_t		 n, cap;
	int		 error;
};

static const uint8_t get_zeros[GET_HOLE];

static int get_node(struct get_ctx *, int *, const char *, const char *,
    const char *, const struct hammer2_inode *);

/* Messages name the image path escaped and, when long, shortened. */
static void
get_fail(struct get_ctx *gc, const char *ipath, int error)
{
	char pbuf[H2_PATH_STRLEN];

	gc->nerr++;
	h2img_warn(&gc->cli->img, h2_path_str(ipath, strlen(ipath), pbuf,
	    sizeof(pbuf)), error);
}

static void
get_failx(struct get_ctx *gc, const char *ipath, const char *msg)
{
	char pbuf[H2_PATH_STRLEN];

	gc->nerr++;
	h2img_lastrep_clear();
	h2img_warnx(&gc->cli->img, h2_path_str(ipath, strlen(ipath), pbuf,
	    sizeof(pbuf)), msg);
}

/* Host-side failure: say what we were doing to which host path. */
static void
get_hostfail(struct get_ctx *gc, const char *ipath, const char *op,
    const char *relpath, int error)
{
	char msg[H2_PATH_STRLEN + 256], pbuf[H2_PATH_STRLEN];

	snprintf(msg, sizeof(msg), "%s %s: %s", op, h2_path_str(relpath,
	    strlen(relpath), pbuf, sizeof(pbuf)), strerror(error));
	get_failx(gc, ipath, msg);
}

static struct get_seen *
seen_slot(struct get_ctx *gc, uint64_t inum)
{
	size_t i = (size_t)(inum * 0x9E3779B97F4A7C15ULL) & (gc->capseen - 1);

	while (gc->seen[i].inum != 0 && gc->seen[i].inum != inum)
		i = (i + 1) & (gc->capseen - 1);
	return (&gc->seen[i]);
}

/* Find inum; NULL when not seen. */
static struct get_seen *
seen_find(struct get_ctx *gc, uint64_t inum)
{
	struct get_seen *s;

	if (gc->capseen == 0)
		return (NULL);
	s = seen_slot(gc, inum);
	return (s->inum == inum ? s : NULL);
}

/* Record inum (put at relpath, or a directory when relpath is NULL). */
static int
seen_add(struct get_ctx *gc, uint64_t inum, const char *relpath)
{
	struct get_seen *old = gc->seen, *s;
	size_t oldcap = gc->capseen, i;

	if (2 * (gc->nseen + 1) > gc->capseen) {
		gc->capseen = oldcap != 0 ? 2 * oldcap : 1024;
		gc->seen = calloc(gc->capseen, sizeof(*gc->seen));
		if (gc->seen == NULL) {
			gc->seen = old;
			gc->capseen = oldcap;
			return (ENOMEM);
		}
		for (i = 0; i < oldcap; i++)
			if (old[i].inum != 0)
				*seen_slot(gc, old[i].inum) = old[i];
		free(old);
	}
	s = seen_slot(gc, inum);
	s->inum = inum;
	s->relpath = relpath != NULL ? strdup(relpath) : NULL;
	gc->nseen++;
	return (0);
}

/* May this name from the image become a host path component? */
static int
get_name_ok(const char *name, size_t len)
{
	if (len == 0 || memchr(name, '/', len) != NULL ||
	    memchr(name, '\0', len) != NULL)
		return (0);
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return (0);
	return (1);
}

static int
get_list_one(void *arg, const struct hammer2_dirent *de)
{
	struct get_list *gl = arg;
	struct get_ent *e;
	void *nv;

	if (de->cookie == HAMMER2_COOKIE_DOT ||
	    de->cookie == HAMMER2_COOKIE_DOTDOT)
		return (0);
	if (gl->n == gl->cap) {
		gl->cap = gl->cap != 0 ? 2 * gl->cap : 64;
		nv = realloc(gl->v, gl->cap * sizeof(*gl->v));
		if (nv == NULL) {
			gl->error = ENOMEM;
			return (1);
		}
		gl->v = nv;
	}
	e = &gl->v[gl->n];
	e->name = malloc(de->namlen + 1);
	if (e->name == NULL) {
		gl->error = ENOMEM;
		return (1);
	}
	memcpy(e->name, de->name, de->namlen);
	e->name[de->namlen] = '\0';
	e->namlen = de->namlen;
	e->inum = de->inum;
	gl->n++;
	return (0);
}

static void
get_list_free(struct get_list *gl)
{
	size_t i;

	for (i = 0; i < gl->n; i++)
		free(gl->v[i].name);
	free(gl->v);
}

/* HAMMER2 microseconds to the two timespecs of utimensat (atime, mtime). */
static void
get_times(const struct hammer2_attr *a, struct timespec ts[2])
{
	ts[0].tv_sec = (time_t)(a->atime / 1000000);
	ts[0].tv_nsec = (long)(a->atime % 1000000) * 1000;
	ts[1].tv_sec = (time_t)(a->mtime / 1000000);
	ts[1].tv_nsec = (long)(a->mtime % 1000000) * 1000;
}

/* Owner, mode and times of a file or directory open as fd. */
static int
get_attrs_fd(struct get_ctx *gc, int fd, const struct hammer2_attr *a)
{
	struct timespec ts[2];

	if (gc->chown && fchown(fd, a->uid, a->gid) != 0)
		return (errno);
	if (fchmod(fd, a->mode) != 0)
		return (errno);
	get_times(a, ts);
	if (futimens(fd, ts) != 0)
		return (errno);
	return (0);
}

/* Owner, mode and times of a non-regular, non-directory entry. */
static int
get_attrs_at(struct get_ctx *gc, int dirfd, const char *name,
    const struct hammer2_attr *a)
{
	struct timespec ts[2];

	if (gc->chown && fchownat(dirfd, name, a->uid, a->gid,
	    AT_SYMLINK_NOFOLLOW) != 0)
		return (errno);
	if (a->type != HAMMER2_OBJTYPE_SOFTLINK &&
	    fchmodat(dirfd, name, a->mode, 0) != 0)
		return (errno);
	get_times(a, ts);
	if (utimensat(dirfd, name, ts, AT_SYMLINK_NOFOLLOW) != 0)
		return (errno);
	return (0);
}

/* Remove a non-directory that is in the way of a new entry. */
static void
get_clear(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !S_ISDIR(st.st_mode))
		(void)unlinkat(dirfd, name, 0);
}

/* Write the file's data into fd, leaving holes for runs of zeros. */
static int
get_data(struct get_ctx *gc, int fd, const struct hammer2_inode *ip,
    const char *ipath, const char *rel)
{
	uint64_t off = 0, size = ip->data.meta.size;
	size_t n, o, k;
	ssize_t w;
	int error;

	while (off < size) {
		h2img_lastrep_clear();
		error = hammer2_read(ip, off, gc->buf, GET_CHUNK, &n);
		if (error != 0) {
			get_fail(gc, ipath, error);
			return (error);
		}
		if (n == 0)
			break;
		for (o = 0; o < n; o += k) {
			k = n - o < GET_HOLE ? n - o : GET_HOLE;
			if (memcmp(gc->buf + o, get_zeros, k) == 0)
				continue;
			w = pwrite(fd, gc->buf + o, k, (off_t)(off + o));
			if (w != (ssize_t)k) {
				error = w < 0 ? errno : EIO;
				get_hostfail(gc, ipath, "writing", rel, error);
				return (error);
			}
		}
		off += n;
	}
	if (ftruncate(fd, (off_t)size) != 0) {
		error = errno;
		get_hostfail(gc, ipath, "truncating", rel, error);
		return (error);
	}
	return (0);
}

static int
get_file(struct get_ctx *gc, int dirfd, const char *name, const char *rel,
    const char *ipath, const struct hammer2_inode *ip,
    const struct hammer2_attr *a)
{
	int fd, error;

	get_clear(dirfd, name);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0) {
		error = errno;
		get_hostfail(gc, ipath, "creating", rel, error);
		return (error);
	}
	error = get_data(gc, fd, ip, ipath, rel);
	if (error == 0) {
		error = get_attrs_fd(gc, fd, a);
		if (error != 0)
			get_hostfail(gc, ipath, "setting attributes of", rel,
			    error);
	}
	close(fd);
	return (error);
}

static int
get_symlink(struct get_ctx *gc, int dirfd, const char *name, const char *rel,
    const char *ipath, const struct hammer2_inode *ip)
{
	char target[4097];
	size_t len;
	int error;

	h2img_lastrep_clear();
	error = hammer2_readlink(ip, target, sizeof(target) - 1, &len);
	if (error != 0) {
		get_fail(gc, ipath, error);
		return (error);
	}
	target[len] = '\0';
	if (strlen(target) != len || len == 0) {
		get_failx(gc, ipath, "symlink target is empty or holds a NUL");
		return (EUCLEAN);
	}
	get_clear(dirfd, name);
	if (symlinkat(target, dirfd, name) != 0) {
		error = errno;
		get_hostfail(gc, ipath, "creating symlink", rel, error);
		return (error);
	}
	return (0);
}

static int
get_special(struct get_ctx *gc, int dirfd, const char *name, const char *rel,
    const char *ipath, const struct hammer2_attr *a)
{
	mode_t mode = (mode_t)(a->ifmt | (a->mode & 0777));
	int error;

	if (a->type != HAMMER2_OBJTYPE_FIFO && !gc->chown) {
		get_failx(gc, ipath, "device or socket not created "
		    "(needs root)");
		return (EPERM);
	}
	get_clear(dirfd, name);
	if (mknodat(dirfd, name, mode, makedev(a->rmajor, a->rminor)) != 0) {
		error = errno;
		get_hostfail(gc, ipath, "creating", rel, error);
		return (error);
	}
	return (0);
}

/*
 * Make name in dirfd a hard link to relpath (below HOSTDIR), reaching
 * relpath's directory one name at a time: its length does not matter
 * and no host symlink is followed on the way.
 */
static int
get_link(struct get_ctx *gc, const char *relpath, int dirfd,
    const char *name)
{
	char comp[HAMMER2_INODE_MAXNAME];
	const char *p = relpath, *slash;
	int fd = gc->rootfd, nfd, error;

	while ((slash = strchr(p, '/')) != NULL) {
		if ((size_t)(slash - p) >= sizeof(comp)) {
			error = ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd < 0) {
			error = errno;
			goto out;
		}
		if (fd != gc->rootfd)
			close(fd);
		fd = nfd;
		p = slash + 1;
	}
	error = linkat(fd, p, dirfd, name, 0) == 0 ? 0 : errno;
out:
	if (fd != gc->rootfd)
		close(fd);
	return (error);
}

/*
 * Extract directory ip as entry name of *dirfdp (or into *dirfdp itself
 * when name is NULL), then its entries.  Past GET_KEEPFD levels *dirfdp
 * is closed while the entries are extracted and opened again through
 * "..", checked to be the same directory; if that fails, gc->lost stops
 * the whole extraction.
 */
static int
get_dir(struct get_ctx *gc, int *dirfdp, const char *name, const char *rel,
    const char *ipath, const struct hammer2_inode *ip,
    const struct hammer2_attr *a)
{
	struct get_list gl;
	struct hammer2_inode *child;
	struct stat st, pst;
	char *crel, *cipath;
	size_t i;
	int fd, error, reopen = 0, nomem = 0;

	if (seen_find(gc, a->inum) != NULL) {
		get_failx(gc, ipath, "directory reached twice (a loop or a "
		    "hard-linked directory); not descended");
		return (EUCLEAN);
	}
	if (seen_add(gc, a->inum, NULL) != 0) {
		get_fail(gc, ipath, ENOMEM);
		return (ENOMEM);
	}
	if (name != NULL) {
		if (fstatat(*dirfdp, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode))
			(void)unlinkat(*dirfdp, name, 0);
		if (mkdirat(*dirfdp, name, 0700) != 0 && errno != EEXIST) {
			error = errno;
			get_hostfail(gc, ipath, "creating directory", rel,
			    error);
			return (error);
		}
		fd = openat(*dirfdp, name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
	} else {
		fd = dup(*dirfdp);
	}
	if (fd < 0) {
		error = errno;
		get_hostfail(gc, ipath, "opening directory", rel, error);
		return (error);
	}
	if (name != NULL && gc->depth >= GET_KEEPFD &&
	    fstat(*dirfdp, &pst) == 0) {
		close(*dirfdp);
		*dirfdp = -1;
		reopen = 1;
	}

	memset(&gl, 0, sizeof(gl));
	h2img_lastrep_clear();
	error = hammer2_readdir(ip, 0, get_list_one, &gl);
	if (error == 0)
		error = gl.error;
	if (error != 0)
		get_fail(gc, ipath, error);
	child = malloc(sizeof(*child));
	nomem = child == NULL;
	gc->depth++;
	for (i = 0; !nomem && !gc->lost && i < gl.n; i++) {
		if (asprintf(&cipath, "%s%s%s", ipath,
		    ipath[strlen(ipath) - 1] == '/' ? "" : "/",
		    gl.v[i].name) < 0) {
			nomem = 1;
			break;
		}
		if (!get_name_ok(gl.v[i].name, gl.v[i].namlen)) {
			get_failx(gc, cipath, "unsafe name in directory; "
			    "skipped");
			free(cipath);
			continue;
		}
		if (asprintf(&crel, "%s%s%s", rel, *rel != '\0' ? "/" : "",
		    gl.v[i].name) < 0) {
			free(cipath);
			nomem = 1;
			break;
		}
		h2img_lastrep_clear();
		error = hammer2_inode_get(gc->cli->img.pfs, gl.v[i].inum,
		    child);
		if (error != 0)
			get_fail(gc, cipath, error);
		else
			(void)get_node(gc, &fd, gl.v[i].name, crel, cipath,
			    child);
		free(crel);
		free(cipath);
	}
	gc->depth--;
	if (nomem)
		get_fail(gc, ipath, ENOMEM);
	free(child);
	get_list_free(&gl);

	error = 0;
	if (!gc->lost && (name != NULL || gc->rootattrs))
		error = get_attrs_fd(gc, fd, a);
	if (error != 0)
		get_hostfail(gc, ipath, "setting attributes of",
		    *rel != '\0' ? rel : ".", error);
	if (reopen && !gc->lost) {
		*dirfdp = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*dirfdp < 0 || fstat(*dirfdp, &st) != 0 ||
		    st.st_dev != pst.st_dev || st.st_ino != pst.st_ino) {
			get_hostfail(gc, ipath, "going back up from (moved "
			    "meanwhile; extraction stopped)", rel, ESTALE);
			gc->lost = 1;
		}
	}
	if (gc->lost && reopen && *dirfdp >= 0) {
		close(*dirfdp);
		*dirfdp = -1;
	}
	close(fd);
	return (error);
}

/*
 * Extract inode ip as entry name of host directory *dirfdp; rel is its
 * path below HOSTDIR, ipath its path in the image (for messages).  A
 * NULL name means "into *dirfdp itself" (the PFS root).  Only a
 * directory may replace *dirfdp (see get_dir()).
 */
static int
get_node(struct get_ctx *gc, int *dirfdp, const char *name,
    const char *rel, const char *ipath, const struct hammer2_inode *ip)
{
	struct hammer2_attr a;
	struct get_seen *s;
	int dirfd = *dirfdp, error;

	hammer2_getattr(ip, &a);
	if (a.type == HAMMER2_OBJTYPE_DIRECTORY)
		return (get_dir(gc, dirfdp, name, rel, ipath, ip, &a));

	/* A further name of an inode already extracted: a hard link. */
	s = a.nlinks > 1 ? seen_find(gc, a.inum) : NULL;
	if (s != NULL && s->relpath != NULL) {
		get_clear(dirfd, name);
		if (get_link(gc, s->relpath, dirfd, name) == 0)
			return (0);
		/* Could not link (e.g. a cross-device HOSTDIR): copy. */
	}
	switch (a.type) {
	case HAMMER2_OBJTYPE_REGFILE:
		error = get_file(gc, dirfd, name, rel, ipath, ip, &a);
		break;
	case HAMMER2_OBJTYPE_SOFTLINK:
		error = get_symlink(gc, dirfd, name, rel, ipath, ip);
		break;
	case HAMMER2_OBJTYPE_FIFO:
	case HAMMER2_OBJTYPE_CDEV:
	case HAMMER2_OBJTYPE_BDEV:
	case HAMMER2_OBJTYPE_SOCKET:
		error = get_special(gc, dirfd, name, rel, ipath, &a);
		break;
	default:
		get_failx(gc, ipath, "inode of unknown type; skipped");
		return (EUCLEAN);
	}
	if (error != 0)
		return (error);
	if (a.type != HAMMER2_OBJTYPE_REGFILE) {
		error = get_attrs_at(gc, dirfd, name, &a);
		if (error != 0) {
			get_hostfail(gc, ipath, "setting attributes of", rel,
			    error);
			return (error);
		}
	}
	if (a.nlinks > 1 && s == NULL)
		(void)seen_add(gc, a.inum, rel);
	return (0);
}

/* The last component of an image path ("" for the root). */
static const char *
get_basename(const char *path, char *buf, size_t len)
{
	size_t end = strlen(path), beg;

	while (end > 0 && path[end - 1] == '/')
		end--;
	for (beg = end; beg > 0 && path[beg - 1] != '/'; beg--)
		;
	snprintf(buf, len, "%.*s", (int)(end - beg), path + beg);
	return (buf);
}

int
h2cmd_get(struct h2cli *cli, int argc, char **argv)
{
	struct hammer2_inode ip, root;
	struct get_ctx gc;
	char base[HAMMER2_INODE_MAXNAME + 1];
	const char *path, *hostdir;
	size_t i;
	int error, created, top;

	if (argc != 3)
		return (h2cli_usage("get", "PATH HOSTDIR"));
	path = argv[1];
	hostdir = argv[2];
	h2img_lastrep_clear();
	error = hammer2_lookup_path(cli->img.pfs, path, 0, &ip);
	if (error != 0) {
		h2img_warn(&cli->img, path, error);
		return (H2_EXIT_ERR);
	}
	created = mkdir(hostdir, 0755) == 0;
	if (!created && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", h2_progname, hostdir,
		    strerror(errno));
		return (H2_EXIT_ERR);
	}
	memset(&gc, 0, sizeof(gc));
	gc.cli = cli;
	gc.chown = geteuid() == 0;
	gc.rootattrs = created;
	gc.rootfd = open(hostdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	gc.buf = malloc(GET_CHUNK);
	if (gc.rootfd < 0 || gc.buf == NULL) {
		fprintf(stderr, "%s: %s: %s\n", h2_progname, hostdir,
		    strerror(gc.rootfd < 0 ? errno : ENOMEM));
		if (gc.rootfd >= 0)
			close(gc.rootfd);
		free(gc.buf);
		return (H2_EXIT_ERR);
	}
	umask(0);

	get_basename(path, base, sizeof(base));
	hammer2_pfs_root(cli->img.pfs, &root);
	/* get_node() may replace it, though never at depth 0. */
	top = gc.rootfd;
	if (ip.data.meta.inum == root.data.meta.inum)
		(void)get_node(&gc, &top, NULL, "", "/", &ip);
	else if (*base == '\0' || !get_name_ok(base, strlen(base)))
		get_failx(&gc, path, "cannot name the extracted entry; give "
		    "a path ending in a name");
	else
		(void)get_node(&gc, &top, base, base, path, &ip);

	for (i = 0; i < gc.capseen; i++)
		free(gc.seen[i].relpath);
	free(gc.seen);
	free(gc.buf);
	close(gc.rootfd);
	return (gc.nerr != 0 ? H2_EXIT_ERR : H2_EXIT_OK);
}
