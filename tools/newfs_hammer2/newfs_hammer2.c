/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * newfs_hammer2.c - `newfs_hammer2 [-L LABEL]... [-C CHECK] [-c COMP]
 * [-s SIZE] [-d SRCDIR] IMAGE`: make a HAMMER2 file system in an image
 * file or a block device, empty or holding a copy of SRCDIR in its first
 * data PFS (files, directories, symlinks, hard links, fifos, devices;
 * modes, owners, times; holes stay holes, and neither depth nor path
 * length is limited).  This is argument parsing and file I/O only; the
 * format itself is written by the core (fs/hammer2/hammer2_newfs.c)
 * through write/zero/flush callbacks.  A missing image is created
 * sparse with ftruncate (then -s is required); an existing file smaller
 * than -s is grown.  Exit status 0 on success, 1 on an error, 2 on bad
 * usage.  docs/tools.md is the manual.
 */
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fs/hammer2/hammer2.h>
#include <fs/hammer2/hammer2_newfs.h>

#include "h2fmt.h"
#include "h2tree.h"
#include "size_arg.h"

#define EXIT_USAGE	2

static const char *progname = "newfs_hammer2";

/* Bad usage: one line on stderr (the reason, or the synopsis), exit 2. */
static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "%s: %s (usage: %s [-L label]... [-C check] "
		    "[-c comp] [-s size] [-d srcdir] image)\n", progname, why,
		    progname);
	else
		fprintf(stderr, "usage: %s [-L label]... [-C check] "
		    "[-c comp] [-s size] [-d srcdir] image\n", progname);
	exit(EXIT_USAGE);
}

static int
parse_check(const char *s)
{
	static const struct { const char *n; int v; } t[] = {
		{ "none", HAMMER2_CHECK_NONE },
		{ "disabled", HAMMER2_CHECK_DISABLED },
		{ "crc32", HAMMER2_CHECK_ISCSI32 },
		{ "iscsi32", HAMMER2_CHECK_ISCSI32 },
		{ "xxhash64", HAMMER2_CHECK_XXHASH64 },
		{ "sha192", HAMMER2_CHECK_SHA192 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(s, t[i].n) == 0)
			return (t[i].v);
	return (-1);
}

/* COMP: none, autozero, lz4 or zlib[:LEVEL] (level 1..9). */
static int
parse_comp(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t n = colon != NULL ? (size_t)(colon - s) : strlen(s);
	int algo, level = 0;

	if (n == 4 && strncasecmp(s, "none", 4) == 0)
		algo = HAMMER2_COMP_NONE;
	else if (n == 8 && strncasecmp(s, "autozero", 8) == 0)
		algo = HAMMER2_COMP_AUTOZERO;
	else if (n == 3 && strncasecmp(s, "lz4", 3) == 0)
		algo = HAMMER2_COMP_LZ4;
	else if (n == 4 && strncasecmp(s, "zlib", 4) == 0)
		algo = HAMMER2_COMP_ZLIB;
	else
		return (-1);
	if (colon != NULL) {
		if (algo != HAMMER2_COMP_ZLIB || colon[1] < '1' ||
		    colon[1] > '9' || colon[2] != '\0')
			return (-1);
		level = colon[1] - '0';
	}
	return (level << 4 | algo);
}

struct dev {
	int		 fd;
	const char	*path;
};

static int
dev_write(void *ctx, uint64_t off, const void *buf, size_t len)
{
	struct dev *d = ctx;
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pwrite(d->fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		if (n == 0)
			return (EIO);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return (0);
}

static int
dev_zero(void *ctx, uint64_t off, uint64_t len)
{
	struct dev *d = ctx;
	static char zbuf[65536];
	size_t n;
	int error;

#ifdef FALLOC_FL_PUNCH_HOLE
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	    (off_t)off, (off_t)len) == 0)
		return (0);
#endif
	while (len > 0) {
		n = len > sizeof(zbuf) ? sizeof(zbuf) : (size_t)len;
		if ((error = dev_write(ctx, off, zbuf, n)) != 0)
			return (error);
		off += n;
		len -= n;
	}
	return (0);
}

static int
dev_flush(void *ctx)
{
	struct dev *d = ctx;

	return (fsync(d->fd) == 0 ? 0 : errno);
}

static void
dev_random(void *ctx, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: getrandom: %s\n", progname,
			    strerror(errno));
			exit(1);
		}
		p += n;
		len -= (size_t)n;
	}
}

static void *
dev_alloc(void *ctx, size_t len)
{
	return (malloc(len));
}

static void
dev_free(void *ctx, void *p, size_t len)
{
	free(p);
}

static void
print_uuid(const struct hammer2_uuid *u)
{
	printf("%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    u->time_low, u->time_mid, u->time_hi_and_version,
	    u->clock_seq_hi, u->clock_seq_low, u->node[0], u->node[1],
	    u->node[2], u->node[3], u->node[4], u->node[5]);
}

/*
 * The copy (-d) walks the host tree with tools/common/h2tree.c: every
 * entry is named relative to its directory's descriptor and symlinks
 * are never followed, so neither the depth of the source nor the length
 * of a path is limited, only each name (255 bytes, the image's limit).
 * What is ours is the image side, through the core's newfs tree API,
 * and the messages: a failure is reported at once, naming the entry
 * (c->tr.path, where a long one is shortened).
 */
#define COPY_BLOCK	HAMMER2_PBUFSIZE	/* the tree takes 64 KB */

/* Hard links: host (dev, ino) -> inum, for files with st_nlink > 1. */
struct hlink {
	dev_t		 dev;
	ino_t		 ino;
	uint64_t	 inum;
};

struct copy {
	struct h2tree	 tr;		/* first: the walk's h2tree is ours */
	struct hammer2_newfs_tree *t;
	struct hlink	*hl;
	size_t		 nhl, caphl;
	char		*buf;		/* COPY_BLOCK */
	uint64_t	 nobj;
};

/*
 * "newfs_hammer2: PATH: WHAT[: ERROR]" for the entry being copied, on
 * one line (h2_path_str() escapes and shortens the path).
 */
static void
copy_fail(struct copy *c, const char *what, int error)
{
	char pbuf[H2_PATH_STRLEN];

	fprintf(stderr, "%s: %s: %s", progname, c->tr.plen == 0 ? "/" :
	    h2tree_path_str(&c->tr, pbuf, sizeof(pbuf)), what);
	if (error != 0)
		fprintf(stderr, ": %s", strerror(error));
	fputc('\n', stderr);
}

/* The walk's h2tree_fail_fn: say which host step failed, return 1. */
static int
copy_hostfail(struct h2tree *t, enum h2tree_step step, int error)
{
	struct copy *c = (struct copy *)t;

	switch (step) {
	case H2TREE_OPENDIR:
		copy_fail(c, "opendir", error);
		break;
	case H2TREE_READDIR:
	case H2TREE_NOMEM:
		copy_fail(c, "readdir", error);
		break;
	case H2TREE_OPEN_DIR:
	case H2TREE_OPEN_FILE:
		copy_fail(c, "open", error);
		break;
	case H2TREE_DIR_REPLACED:
	case H2TREE_FILE_REPLACED:
		copy_fail(c, "replaced while copying", 0);
		break;
	case H2TREE_PARENT_STAT:
		copy_fail(c, "fstat of the parent", error);
		break;
	case H2TREE_MOVED:
		copy_fail(c, "moved while copying (its \"..\" is no longer "
		    "the directory it was in)", 0);
		break;
	}
	return (1);
}

static uint64_t
ts_us(const struct timespec *ts)
{
	return ((uint64_t)ts->tv_sec * 1000000 + (uint64_t)ts->tv_nsec / 1000);
}

/*
 * Store the first size bytes of the regular file open as fd in inode
 * inum.  Only the 64 KB blocks that SEEK_DATA/SEEK_HOLE say hold data
 * are read (h2tree_data_next()); the rest stays holes in the image.
 * The core makes all-zero blocks holes too, unless the compression or
 * the check is none.  A file that ends early is an error.
 */
static int
copy_file(struct copy *c, int fd, uint64_t inum, uint64_t size)
{
	struct h2tree_data d;
	uint64_t off;
	size_t len;
	int error;

	h2tree_data_init(&d, fd, size, c->buf, COPY_BLOCK);
	while ((error = h2tree_data_next(&d, &off, &len)) == 0 &&
	    d.size == size && len > 0) {
		error = hammer2_newfs_tree_write(c->t, inum, off, c->buf, len);
		if (error != 0) {
			copy_fail(c, "store", error);
			return (1);
		}
	}
	if (error != 0 || d.size != size) {
		copy_fail(c, "read (file changed while copying?)",
		    error != 0 ? error : EIO);
		return (1);
	}
	return (0);
}

/* Open the regular file name of dfd, checked to be the one st says. */
static int
copy_regular(struct copy *c, int dfd, const char *name,
    const struct stat *st, uint64_t inum)
{
	int fd, rc;

	if ((rc = h2tree_open_file(&c->tr, dfd, name, st, &fd)) != 0)
		return (rc);
	rc = copy_file(c, fd, inum, (uint64_t)st->st_size);
	close(fd);
	return (rc);
}

/*
 * Copy entry name of the directory *dfdp (c->tr.path) into dinum: the
 * walk's h2tree_entry_fn.
 */
static int
copy_entry(struct h2tree *tr, int *dfdp, const char *name, uint64_t dinum)
{
	struct copy *c = (struct copy *)tr;
	struct hammer2_newfs_attr a;
	struct stat st;
	char link[4096];
	uint64_t inum;
	ssize_t ll;
	size_t k;
	int error;

	if (fstatat(*dfdp, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		copy_fail(c, "lstat", errno);
		return (1);
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (k = 0; k < c->nhl; k++)
			if (c->hl[k].dev == st.st_dev &&
			    c->hl[k].ino == st.st_ino)
				break;
		if (k < c->nhl) {
			error = hammer2_newfs_tree_link(c->t, dinum, name,
			    strlen(name), c->hl[k].inum);
			if (error != 0) {
				copy_fail(c, "link", error);
				return (1);
			}
			return (0);
		}
	}
	memset(&a, 0, sizeof(a));
	a.mode = st.st_mode & 07777;
	a.uid = st.st_uid;
	a.gid = st.st_gid;
	a.ctime = ts_us(&st.st_ctim);
	a.mtime = ts_us(&st.st_mtim);
	if (S_ISDIR(st.st_mode))
		a.type = HAMMER2_OBJTYPE_DIRECTORY;
	else if (S_ISREG(st.st_mode)) {
		a.type = HAMMER2_OBJTYPE_REGFILE;
		a.size = (uint64_t)st.st_size;
	} else if (S_ISLNK(st.st_mode)) {
		a.type = HAMMER2_OBJTYPE_SOFTLINK;
		ll = readlinkat(*dfdp, name, link, sizeof(link));
		if (ll < 0 || (size_t)ll >= sizeof(link)) {
			copy_fail(c, "readlink", ll < 0 ? errno :
			    ENAMETOOLONG);
			return (1);
		}
		a.size = (uint64_t)ll;
	} else if (S_ISFIFO(st.st_mode))
		a.type = HAMMER2_OBJTYPE_FIFO;
	else if (S_ISSOCK(st.st_mode))
		a.type = HAMMER2_OBJTYPE_SOCKET;
	else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		a.type = S_ISCHR(st.st_mode) ? HAMMER2_OBJTYPE_CDEV :
		    HAMMER2_OBJTYPE_BDEV;
		a.rmajor = major(st.st_rdev);
		a.rminor = minor(st.st_rdev);
	} else
		return (0);
	error = hammer2_newfs_tree_add(c->t, dinum, name, strlen(name), &a,
	    &inum);
	if (error != 0) {
		copy_fail(c, "add", error);
		return (1);
	}
	c->nobj++;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		if (c->nhl == c->caphl) {
			struct hlink *nhl;

			c->caphl = c->caphl != 0 ? 2 * c->caphl : 16;
			if ((nhl = realloc(c->hl, c->caphl *
			    sizeof(*c->hl))) == NULL) {
				copy_fail(c, "link", ENOMEM);
				return (1);
			}
			c->hl = nhl;
		}
		c->hl[c->nhl].dev = st.st_dev;
		c->hl[c->nhl].ino = st.st_ino;
		c->hl[c->nhl++].inum = inum;
	}
	if (S_ISDIR(st.st_mode))
		return (h2tree_subdir(&c->tr, dfdp, name, &st, copy_entry,
		    inum));
	if (S_ISLNK(st.st_mode) && a.size > 0) {
		/* A target is under 4 KB: one (short) block. */
		error = hammer2_newfs_tree_write(c->t, inum, 0, link,
		    (size_t)a.size);
		if (error != 0) {
			copy_fail(c, "store", error);
			return (1);
		}
	}
	if (S_ISREG(st.st_mode) && a.size > 0)
		return (copy_regular(c, *dfdp, name, &st, inum));
	return (0);
}

/* Copy the tree below srcdir into the first data PFS of cp->t. */
static int
copy_tree(struct copy *c, const char *srcdir)
{
	size_t len;
	int fd, rc;

	len = strlen(srcdir);
	while (len > 1 && srcdir[len - 1] == '/')
		len--;
	if (len == 1 && srcdir[0] == '/')
		len = 0;	/* "/" + "/name" would say "//name" */
	if ((c->buf = malloc(COPY_BLOCK)) == NULL ||
	    h2tree_init(&c->tr, srcdir, len, copy_hostfail) != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, srcdir,
		    strerror(ENOMEM));
		return (1);
	}
	if ((fd = open(srcdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, srcdir,
		    strerror(errno));
		return (1);
	}
	rc = h2tree_dir(&c->tr, &fd, copy_entry, HAMMER2_NEWFS_ROOT_INUM);
	if (fd >= 0)
		close(fd);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct hammer2_newfs_args args;
	struct hammer2_newfs_layout lay;
	struct hammer2_newfs_ops ops;
	struct hammer2_volume_data vd;
	struct timespec ts;
	struct stat st;
	struct dev d;
	uint64_t size = 0, have;
	const char *image, *srcdir = NULL;
	struct copy cp;
	off_t end;
	int ch, error, created = 0, ssize = 0, i, npfs;

	memset(&args, 0, sizeof(args));
	args.comp_algo = -1;
	args.check_algo = -1;
	opterr = 0;
	while ((ch = getopt(argc, argv, "L:s:C:c:d:")) != -1) {
		switch (ch) {
		case 'L':
			if (strcasecmp(optarg, "none") == 0) {
				args.nodefault = 1;
				break;
			}
			if (args.nlabels >= HAMMER2_NEWFS_MAXLABELS - 1)
				usage("at most 3 labels besides LOCAL");
			if (*optarg == '\0' ||
			    strlen(optarg) >= HAMMER2_INODE_MAXNAME)
				usage("a label is 1 to 255 bytes");
			args.labels[args.nlabels++] = optarg;
			break;
		case 's':
			if (size_arg_parse(optarg, &size) != 0 || size == 0)
				usage("bad size (a number with an optional "
				    "k, m, g or t suffix)");
			ssize = 1;
			break;
		case 'd':
			srcdir = optarg;
			break;
		case 'C':
			if ((args.check_algo = parse_check(optarg)) < 0)
				usage("bad check method (none, disabled, "
				    "crc32, xxhash64, sha192)");
			break;
		case 'c':
			if ((args.comp_algo = parse_comp(optarg)) < 0)
				usage("bad compression (none, autozero, lz4, "
				    "zlib[:1-9])");
			break;
		default:
			usage(optopt != 0 && strchr("LsCcd", optopt) != NULL ?
			    "option requires an argument" : "unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(argc == 0 ? "no image given" : "one image only");
	image = argv[0];
	for (i = 0; i < args.nlabels; i++)
		if (strcmp(args.labels[i], "LOCAL") == 0)
			usage("LOCAL is always made; do not name it with -L");
	npfs = 1 + (args.nlabels > 0 ? args.nlabels : !args.nodefault);
	if (srcdir != NULL && npfs < 2)
		usage("-d needs a PFS besides LOCAL to fill");
	if (srcdir != NULL && (stat(srcdir, &st) != 0 || !S_ISDIR(st.st_mode)))
		usage("-d: the source is not a directory");

	d.path = image;
	d.fd = open(image, O_RDWR);
	if (d.fd < 0 && errno == ENOENT) {
		if (!ssize)
			usage("the image does not exist: -s size is needed");
		d.fd = open(image, O_RDWR | O_CREAT | O_EXCL, 0644);
		created = 1;
	}
	if (d.fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, image,
		    strerror(errno));
		return (1);
	}
	if (fstat(d.fd, &st) != 0 || (end = lseek(d.fd, 0, SEEK_END)) < 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, image,
		    strerror(errno));
		goto fail;
	}
	have = (uint64_t)end;
	if (!ssize)
		size = have;
	if (hammer2_newfs_layout(size, npfs, &lay) != 0) {
		fprintf(stderr, "%s: %s: size %" PRIu64 " bytes is too small "
		    "(a HAMMER2 volume needs at least %llu MiB)\n", progname,
		    image, size, HAMMER2_NEWFS_MINSIZE >> 20);
		goto fail;
	}
	if (have < size) {
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "%s: %s: device has %" PRIu64
			    " bytes, fewer than -s %" PRIu64 "\n", progname,
			    image, have, size);
			goto fail;
		}
		if (ftruncate(d.fd, (off_t)size) != 0) {
			fprintf(stderr, "%s: %s: ftruncate: %s\n", progname,
			    image, strerror(errno));
			goto fail;
		}
	}

	clock_gettime(CLOCK_REALTIME, &ts);
	args.now_us = (uint64_t)ts.tv_sec * 1000000 +
	    (uint64_t)ts.tv_nsec / 1000;
	args.size = size;
	memset(&ops, 0, sizeof(ops));
	ops.write = dev_write;
	ops.zero = dev_zero;
	ops.flush = dev_flush;
	ops.random = dev_random;
	ops.alloc = dev_alloc;
	ops.free = dev_free;
	ops.ctx = &d;
	memset(&cp, 0, sizeof(cp));
	if (srcdir != NULL) {
		error = hammer2_newfs_tree_create(&args, &ops, &cp.t);
		if (error != 0) {
			fprintf(stderr, "%s: %s: %s\n", progname, image,
			    strerror(error));
			goto fail;
		}
		if (copy_tree(&cp, srcdir) != 0) {
			hammer2_newfs_tree_destroy(cp.t);
			free(cp.buf);
			h2tree_fini(&cp.tr);
			free(cp.hl);
			goto fail;
		}
		args.tree = cp.t;
	}
	error = hammer2_newfs(&args, &ops, &lay);
	hammer2_newfs_tree_destroy(cp.t);
	free(cp.buf);
	h2tree_fini(&cp.tr);
	free(cp.hl);
	if (error != 0) {
		fprintf(stderr, "%s: %s: %s\n", progname, image,
		    error == EEXIST ? "two labels are the same (or hash "
		    "the same)" : strerror(error));
		goto fail;
	}
	if (pread(d.fd, &vd, sizeof(vd), 0) != (ssize_t)sizeof(vd)) {
		fprintf(stderr, "%s: %s: read back: %s\n", progname, image,
		    strerror(errno));
		goto fail;
	}
	close(d.fd);

	printf("---------------------------------------------\n");
	printf("total volume size   %" PRIu64 " (%.2f GiB)\n", lay.volu_size,
	    (double)lay.volu_size / (1 << 30));
	printf("boot area size      %" PRIu64 " MiB\n",
	    (lay.boot_end - lay.boot_beg) >> 20);
	printf("aux area size       %" PRIu64 " MiB\n",
	    (lay.aux_end - lay.aux_beg) >> 20);
	printf("freemap reserved    %" PRIu64 " MiB\n", lay.reserved >> 20);
	printf("allocator size      %" PRIu64 " (%.2f GiB)\n",
	    lay.allocator_size, (double)lay.allocator_size / (1 << 30));
	printf("volume headers      %d\n", lay.nheaders);
	printf("fsid                ");
	print_uuid(&vd.fsid);
	printf("\nPFSs                LOCAL");
	if (args.nlabels == 0 && !args.nodefault)
		printf(" DATA");
	for (i = 0; i < args.nlabels; i++)
		printf(" %s", args.labels[i]);
	printf("\n");
	if (srcdir != NULL)
		printf("copied              %" PRIu64 " objects from %s "
		    "(%" PRIu64 " KiB below allocator_beg)\n", cp.nobj, srcdir,
		    (lay.allocator_beg - lay.alloc_base) >> 10);
	return (0);
fail:
	close(d.fd);
	if (created)
		unlink(image);
	return (1);
}
