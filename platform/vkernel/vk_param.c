/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * vk_param.c - plat_getparam(): the kernel environment from -e options.
 * The table is filled before the core starts and read-only after.  A name
 * given twice takes the last value, as a later -e overrides an earlier.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "vk.h"

static int vk_nenv;
static char **vk_env;

void
vk_param_init(int n, char **env)
{
	vk_nenv = n;
	vk_env = env;
}

int
plat_getparam(const char *name, char *buf, size_t len)
{
	size_t nlen = strlen(name), vlen;
	const char *val;
	int i;

	for (i = vk_nenv - 1; i >= 0; i--) {
		if (strncmp(vk_env[i], name, nlen) != 0 ||
		    vk_env[i][nlen] != '=')
			continue;
		val = vk_env[i] + nlen + 1;
		vlen = strlen(val);
		if (len == 0)
			return (ENAMETOOLONG);
		if (vlen >= len) {
			memcpy(buf, val, len - 1);
			buf[len - 1] = '\0';
			return (ENAMETOOLONG);
		}
		memcpy(buf, val, vlen + 1);
		return (0);
	}
	return (ENOENT);
}
