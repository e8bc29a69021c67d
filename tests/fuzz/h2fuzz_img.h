/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2fuzz_img.h - the sparse image the HAMMER2 fuzz target reads, shared
 * by the target (hammer2_image_fuzz.c) and the seed maker
 * (hammer2_mkseed.c).  A fuzz input describes an image of
 * H2FZ_MEDIA bytes that is zero except where it says otherwise:
 *
 *   byte 0        flags: H2FZ_RESEAL - recompute the check codes of the
 *                 tree and the header CRCs before reading, so mutations
 *                 reach the structural checks behind the check codes
 *   then records  u32 offset / 16, u16 length, `length` bytes
 *                 (little-endian; later records overwrite earlier ones)
 *
 * Real images are sparse (a 2 GB reference image holds about 2 MB), so a
 * seed made from one stays small while every offset in it is real.
 */
#ifndef _TESTS_H2FUZZ_IMG_H_
#define _TESTS_H2FUZZ_IMG_H_

#include <stdint.h>

#define H2FZ_RESEAL	0x01
#define H2FZ_OFFUNIT	16
/* Room for all four volume header copies (one each 2 GB). */
#define H2FZ_MEDIA	((3ULL << 31) + 65536)
#define H2FZ_RECHDR	6

#endif /* !_TESTS_H2FUZZ_IMG_H_ */
