/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2test.h - host-side helpers shared by the HAMMER2 unit tests: an
 * io_ops implementation over an image file (pread, malloc, a pthread
 * mutex) that can overlay bit flips on what it reads, a report hook that
 * records what the core complained about, and unpacking of the
 * reference images.
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
 * The reference directory (H2T_REFDIR from the build), or NULL with a
 * "SKIPPED" line printed when it does not exist.
 */
const char *h2t_refdir(void);
/*
 * Unpack refdir/images/NAME.img.xz sparsely into the build's work
 * directory once; returns a malloc'ed path or NULL.
 */
char	*h2t_unpack(const char *refdir, const char *name);

#endif /* !_H2TEST_H_ */
