/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2test.h - host-side helpers shared by the HAMMER2 unit tests: an
 * io_ops implementation over an image file (pread/pwrite, malloc, a
 * pthread mutex) that can overlay bit flips on what it reads, a report
 * hook that records what the core complained about, making and copying
 * sparse images, and unpacking of the reference images.
 */
#ifndef _H2TEST_H_
#define _H2TEST_H_

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include <fs/hammer2/hammer2.h>

#define H2T_MAXPAGES	64
#define H2T_PAGE	65536

struct h2t_img {
	int		 fd;
	uint64_t	 size;		/* media size the core is told */
	uint64_t	 fsize;		/* real file size; beyond: zeros */
	pthread_mutex_t	 mu;
	int		 npages;	/* copy-on-write overlay */
	uint64_t	 page_off[H2T_MAXPAGES];
	uint8_t		*page[H2T_MAXPAGES];
	int		 nreports;
	int		 last_kind;
	int		 last_error;
	uint64_t	 last_offset;
	char		 last_reason[128];
	long		 live_allocs;	/* alloc minus free */
	/*
	 * The write side of h2t_ops (see below).  nwrites counts every
	 * write call, refused ones included.  With cut set the device
	 * dies after write number cut_after: later writes fail with EIO,
	 * and so does every barrier from that write on.  on_write, when
	 * set, sees each write before it is done (or refused).  nosync
	 * turns the barrier's fdatasync off (ordering is all the tests
	 * need; durability against a host crash is not).
	 */
	long		 nwrites;
	long		 cut_after;
	bool		 cut;
	bool		 nosync;
	void		(*on_write)(void *arg, uint64_t off, size_t len);
	void		*on_write_arg;
};

extern const struct hammer2_io_ops h2t_ops;

/* Open/close an image file for reading.  Returns 0 or -1. */
int	h2t_img_open(struct h2t_img *img, const char *path);
void	h2t_img_close(struct h2t_img *img);
/*
 * Modify what the core will read (an in-memory overlay; the file is
 * never written): write bytes, XOR one byte, read through the overlay.
 */
void	h2t_write(struct h2t_img *img, uint64_t off, const void *buf,
	    size_t len);
void	h2t_flip(struct h2t_img *img, uint64_t off, uint8_t mask);
void	h2t_pread(struct h2t_img *img, uint64_t off, void *buf, size_t len);
/* Drop every overlay page. */
void	h2t_reset(struct h2t_img *img);
/* Open the volume over img (best copy); returns the core's errno. */
int	h2t_vol_open(struct h2t_img *img, struct hammer2_vol **volp);

/*
 * Images the writers can change.  h2t_ops writes with pwrite (to the
 * file; the overlay above is for read-only images, where a write fails
 * with EIO) and its barrier is fdatasync.  h2t_img_create makes a
 * sparse file of size bytes (replacing any old one); h2t_img_open_rw
 * opens an existing one.  Both return 0 or -1.  h2t_newfs formats all
 * of img with the core's newfs (PFSs LOCAL and DATA) and returns its
 * errno; lay may be NULL.  h2t_copy_sparse copies an image file keeping
 * its holes; 0 or -1.
 */
struct hammer2_newfs_layout;

int	h2t_img_create(struct h2t_img *img, const char *path, uint64_t size);
int	h2t_img_open_rw(struct h2t_img *img, const char *path);
int	h2t_newfs(struct h2t_img *img, struct hammer2_newfs_layout *lay);
int	h2t_copy_sparse(const char *src, const char *dst);

/*
 * The reference directory (H2T_REFDIR from the build), or NULL with a
 * "SKIPPED" line printed when it does not exist.
 */
const char *h2t_refdir(void);
/*
 * Unpack refdir/images/NAME.img.xz sparsely into the build's work
 * directory once; returns a malloc'ed path or NULL.
 */
char	*h2t_unpack(const char *refdir, const char *name);

/*
 * A map from each media block reachable from the volume header (topology
 * and freemap) to the location of the blockref pointing at it, so a test
 * can damage a block and then "reseal" the image: recompute the check
 * codes from that block up to the volume header CRCs.
 */
#define H2T_NONE	UINT64_MAX

struct h2t_loc {
	uint64_t	blk;		/* media offset of the block */
	uint8_t		type;		/* its blockref type */
	uint64_t	bref_at;	/* media offset of its blockref */
	uint64_t	parent;		/* block holding it; H2T_NONE: header */
};

struct h2t_map {
	struct h2t_loc	*v;
	size_t		 n, cap;
};

typedef void (*h2t_map_hook)(void *arg, const struct hammer2_walk_ent *e,
    const struct h2t_loc *l);

/* Walk the image (header copy 0); hook sees every bref.  0 or errno. */
int	h2t_map_build(struct h2t_img *img, struct h2t_map *map,
	    h2t_map_hook hook, void *arg);
void	h2t_map_free(struct h2t_map *map);
/* The location record of block blk (aborts when unknown). */
const struct h2t_loc *h2t_loc_of(const struct h2t_map *map, uint64_t blk);
/* Recompute the check codes from block blk up to header copy 0. */
void	h2t_reseal(struct h2t_img *img, const struct h2t_map *map,
	    uint64_t blk);
/* Recompute the three CRCs of the header copy at hoff. */
void	h2t_reseal_header(struct h2t_img *img, uint64_t hoff);

#endif /* !_H2TEST_H_ */
