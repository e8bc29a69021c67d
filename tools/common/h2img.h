/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2img.h - the host shim shared by the HAMMER2 tools (hammer2,
 * fsck_hammer2, hammer2fuse).  It gives the format core in fs/hammer2
 * what it asks of a host: reads with pread(2) on the image file, memory
 * from malloc(3), the block-cache lock as a pthread mutex, and a report
 * hook.  It also parses the IMAGE[@LABEL] argument and turns errors and
 * the core's corruption reports into sentences.  No format logic lives
 * here: everything about the bytes on the image is the core's business.
 *
 * Protection: an h2img is set up by one thread (h2img_open/_mount) and
 * read-only after; the core may then be called from any number of
 * threads.  The last corruption report is kept per thread.
 */
#ifndef _TOOLS_H2IMG_H_
#define _TOOLS_H2IMG_H_

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <fs/hammer2/hammer2.h>
#include <fs/hammer2/hammer2_rw.h>

/* Exit statuses shared by the tools (BSD style). */
#define H2_EXIT_OK	0
#define H2_EXIT_ERR	1
#define H2_EXIT_USAGE	2

typedef void (*h2img_report_fn)(void *arg, const struct hammer2_report *rep);

struct h2img {
	char			*spec;		/* [I] IMAGE[@LABEL] as given */
	char			*path;		/* [I] IMAGE */
	char			*label;		/* [I] LABEL, NULL = DATA */
	int			 fd;		/* [I] */
	uint64_t		 size;		/* [I] bytes in the file */
	pthread_mutex_t		 mu;		/* the core's cache lock */
	struct hammer2_vol	*vol;		/* [I] after h2img_open */
	struct hammer2_pfs	*pfs;		/* [I] after h2img_mount */
	int			 rw;		/* [I] set before opening */
	struct hammer2_mount	*mp;		/* after h2img_rw_mount */
	struct hammer2_wpfs	*wpfs;		/* after h2img_rw_mount */
	long			 cut_after;	/* test hook, -1: none */
	long			 nwrites;	/* writes done (for the hook) */
	h2img_report_fn		 report;	/* [I] extra report hook */
	void			*report_arg;	/* [I] */
};

/*
 * h2img_parse_spec - split IMAGE[@LABEL].  The argument is taken whole
 * when it names an existing file or has no '@'; otherwise the text after
 * the last '@' is the label (non-empty, no '/').  *pathp and *labelp
 * (NULL when absent) are malloc'ed.
 * Context: any thread; calls stat(2).
 * Returns 0, EINVAL (empty path or label) or ENOMEM.
 */
int	h2img_parse_spec(const char *spec, char **pathp, char **labelp);

/*
 * h2img_open - parse spec, open the image file read-only and open the
 * HAMMER2 volume on it (header copy `copy`, 0..3, or
 * HAMMER2_OPEN_COPY_BEST).  cache_blocks as for hammer2_vol_open.
 * report, when not NULL, is told about every problem the core meets.
 * Context: one thread, before the image is shared; may block.
 * Returns 0 or an errno; on failure *errp is a sentence saying why
 * (errp may be NULL) and nothing is left open.
 */
int	h2img_open(struct h2img *img, const char *spec, int copy,
	    int cache_blocks, h2img_report_fn report, void *report_arg,
	    const char **errp);

/*
 * The two halves of h2img_open, for tools that look at a file whose
 * volume does not open (volhdr, fsck): h2img_open_file leaves nothing
 * open on failure; after h2img_open_vol fails, the file stays open and
 * img->vol is NULL.  Both return 0 or an errno and set *errp.
 * Context: as h2img_open.
 */
int	h2img_open_file(struct h2img *img, const char *spec,
	    h2img_report_fn report, void *report_arg, const char **errp);
int	h2img_open_vol(struct h2img *img, int copy, int cache_blocks,
	    const char **errp);

/*
 * h2img_mount - mount the PFS named by the spec's label (DATA when none).
 * Context: as h2img_open.
 * Returns 0 or an errno (ENOENT: no such PFS).
 */
int	h2img_mount(struct h2img *img);

/*
 * h2img_rw_mount - for an image opened with img->rw set (the file is
 * then open read-write under an exclusive lock): start the core's
 * read-write mount (freemap recovery included) and take the PFS named by
 * the spec's label (DATA when none) unless nopfs.  dirty_limit as for
 * hammer2_rw_args (0: default).
 * Test hook: when the environment has H2IMG_CUT_AFTER=N, every write
 * after the first N fails with EIO, as if the device had gone away.
 * Context: the owning thread.
 * Returns 0 or an errno (ENOENT: no such PFS).
 */
int	h2img_rw_mount(struct h2img *img, int nopfs, uint64_t dirty_limit);

/*
 * h2img_close - unmount, close the volume and the file, free strings.
 * Context: the owning thread, once no other thread uses the image.
 */
void	h2img_close(struct h2img *img);

/*
 * Read len bytes at off of the image file: 0, or EIO (also past EOF).
 * Context: any thread; may block.
 */
int	h2img_pread(struct h2img *img, uint64_t off, void *buf, size_t len);

/* The name to print for the image: spec as given. */
const char *h2img_name(const struct h2img *img);

/*
 * h2_strerror - a sentence for an errno returned by the core: the usual
 * strerror text, except EUCLEAN ("image is corrupt") and ENOTSUP.
 */
const char *h2_strerror(int error);

/*
 * h2img_lastrep - the last corruption report the core made on this
 * thread, formatted as "<reason> (<block type> block at 0x...)", or
 * NULL when there was none since the last h2img_lastrep_clear().
 * Context: any thread; sees only its own thread's reports.
 */
const char *h2img_lastrep(void);
void	h2img_lastrep_clear(void);

/*
 * h2img_warn - print "PROG: IMAGE[@LABEL]: WHAT: reason[: detail]" on
 * stderr, where detail is the last corruption report.  what may be
 * NULL.  Clears the last report.
 */
void	h2img_warn(const struct h2img *img, const char *what, int error);
/* The same with a message of the caller's instead of an errno. */
void	h2img_warnx(const struct h2img *img, const char *what,
	    const char *msg);

/* The program name used in messages (set once by main). */
extern const char *h2_progname;

#endif /* !_TOOLS_H2IMG_H_ */
