/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_compress.c - the physical image of one DATA block under an
 * inode's comp_algo, for every writer (the flush of a read-write mount,
 * newfs_hammer2 -d): LZ4 with its 4-byte length prefix (format 10.2) or
 * a zlib stream at the level in comp_algo's high nibble (10.3), kept
 * only when it fits half the block; otherwise the block is stored as it
 * is.  The counterpart of hammer2_decompress_block (hammer2_file.c).
 *
 * Writers pass a count of the current file's blocks in a row that did
 * not compress: from 8 on, only every 8th block is tried until one
 * compresses, so incompressible data is not encoded again and again.
 *
 * Locking: none; all state is the caller's (miss, dst, ws).
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>

#include <fs/hammer2/hammer2.h>

int
hammer2_compress_block(uint8_t comp_algo, const void *src, size_t psize,
    void *dst, uint32_t *miss, void *ws, size_t *outlen)
{
	uint8_t *d = dst;
	int comp = comp_algo & 0x0F, error;
	size_t out;

	if (comp != HAMMER2_COMP_LZ4 && comp != HAMMER2_COMP_ZLIB)
		return (HAMMER2_COMP_NONE);
	if (*miss >= 8 && (*miss & 7) != 0) {
		(*miss)++;
		return (HAMMER2_COMP_NONE);
	}
	if (comp == HAMMER2_COMP_LZ4) {
		error = hammer2_lz4_compress(src, psize, d + 4,
		    psize / 2 - 8, &out, ws);
		if (error == 0) {
			memcpy(d, &(int32_t){ (int32_t)out }, 4);
			out += 4;
		}
	} else {
		error = hammer2_zlib_deflate(src, psize, d, psize / 2,
		    comp_algo >> 4, &out, ws);
	}
	if (error != 0) {
		(*miss)++;
		return (HAMMER2_COMP_NONE);
	}
	*miss = 0;
	*outlen = out;
	return (comp);
}
