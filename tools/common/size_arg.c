/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * size_arg.c - size_arg_parse() for the command lines of host programs
 * (the vkernel links this file too).  Pure function, no state.
 */
#include <errno.h>
#include <stdlib.h>

#include "size_arg.h"

int
size_arg_parse(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return (EINVAL);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (ERANGE);
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return (EINVAL);
	}
	if (*end != '\0' && end[1] != '\0')
		return (EINVAL);
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return (ERANGE);
	*out = (uint64_t)v << shift;
	return (0);
}
