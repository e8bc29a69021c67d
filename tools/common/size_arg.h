/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * size_arg.h - parsing a size on a command line ("512m", "2G", "4096"),
 * shared by host programs: the vkernel's -m and newfs_hammer2's -s.
 */
#ifndef _SIZE_ARG_H_
#define _SIZE_ARG_H_

#include <stdint.h>

/*
 * size_arg_parse - digits with an optional k, m, g or t suffix (either
 * case; powers of 2).  Returns 0, EINVAL for anything else, or ERANGE
 * when the value does not fit in 64 bits.
 */
int	size_arg_parse(const char *s, uint64_t *out);

#endif /* !_SIZE_ARG_H_ */
