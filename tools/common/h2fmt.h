/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2fmt.h - presentation helpers shared by the HAMMER2 tools: names for
 * the numeric codes of the format (blockref, object, PFS types, check
 * and compression methods), UUIDs, times and permission strings.  They
 * only turn numbers into text; deciding what the numbers mean on media
 * stays in fs/hammer2.
 */
#ifndef _TOOLS_H2FMT_H_
#define _TOOLS_H2FMT_H_

#include <stddef.h>
#include <stdint.h>

#include <fs/hammer2/hammer2.h>

const char *h2_breftype_name(uint8_t type);	/* "inode", "data", ... */
const char *h2_objtype_name(uint8_t type);	/* "directory", ... */
const char *h2_pfstype_name(uint8_t type);	/* "MASTER", ... */
const char *h2_pfssubtype_name(uint8_t subtype);
const char *h2_check_name(int method);		/* "xxhash64", ... */
const char *h2_comp_name(int method);		/* "lz4", ... */

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into buf (>= 37 bytes). */
char	*h2_uuid_str(const struct hammer2_uuid *u, char *buf, size_t len);
/* Microseconds since 1970 as "YYYY-MM-DD hh:mm:ss.uuuuuu UTC". */
char	*h2_time_str(uint64_t usec, char *buf, size_t len);
/* ls(1)-style "drwxr-xr-x" for ifmt | mode into buf (>= 11 bytes). */
char	*h2_mode_str(uint32_t ifmt, uint32_t mode, char *buf, size_t len);
/*
 * A check code as hex: 4- and 8-byte codes as little-endian integers,
 * longer ones (sha192) byte by byte; "-" when n is 0.
 */
char	*h2_hex_str(const uint8_t *p, int n, char *buf, size_t len);
/* The printable form of a name: bytes outside 0x20..0x7e as \xNN. */
char	*h2_name_str(const char *name, size_t len, char *buf, size_t buflen);
/*
 * A host path for a one-line message: as h2_name_str(), and a path of
 * more than H2_PATH_SHOWN bytes cut to its first and last whole names
 * around "/...".  buf of H2_PATH_STRLEN bytes always holds the result.
 */
#define H2_PATH_SHOWN	160
#define H2_PATH_STRLEN	4096
char	*h2_path_str(const char *path, size_t len, char *buf,
	    size_t buflen);

#endif /* !_TOOLS_H2FMT_H_ */
