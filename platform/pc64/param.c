/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * param.c - the kernel environment, from the multiboot command line.
 *
 * QEMU passes "-append" text as the command line (after the kernel's
 * file name).  Words are separated by spaces or tabs; a word NAME=VALUE
 * sets NAME, other words are ignored, and when a name is set twice the
 * last word wins.  The line is copied into the kernel at boot (up to
 * PARAM_MAX - 1 bytes; the rest is dropped), so the loader's memory can
 * be reused.
 *
 * Context: param_init() once on the boot CPU; param_line is [I] after,
 * and plat_getparam() may run anywhere.
 */
#include <sys/types.h>
#include <sys/errno.h>
#include <string.h>
#include <pc64/multiboot.h>
#include <pc64/pc64.h>

#define PARAM_MAX	1024

static char param_line[PARAM_MAX];	/* [I] */

void
param_init(const struct multiboot_info *mbi)
{
	const char *s;
	size_t i;

	if ((mbi->mbi_flags & MBI_CMDLINE) == 0 || mbi->mbi_cmdline == 0)
		return;
	s = PHYS_TO_DMAP(mbi->mbi_cmdline);
	for (i = 0; i < sizeof(param_line) - 1 && s[i] != '\0'; i++)
		param_line[i] = s[i];
	param_line[i] = '\0';
}

int
plat_getparam(const char *name, char *buf, size_t len)
{
	const char *p = param_line, *word, *val = NULL;
	size_t nlen = strlen(name), vlen = 0, wlen;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		word = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		wlen = (size_t)(p - word);
		if (nlen > 0 && wlen > nlen && word[nlen] == '=' &&
		    memcmp(word, name, nlen) == 0) {
			val = word + nlen + 1;
			vlen = wlen - nlen - 1;
		}
	}
	if (val == NULL)
		return (ENOENT);
	if (len == 0)
		return (ENAMETOOLONG);
	if (vlen >= len) {
		memcpy(buf, val, len - 1);
		buf[len - 1] = '\0';
		return (ENAMETOOLONG);
	}
	memcpy(buf, val, vlen);
	buf[vlen] = '\0';
	return (0);
}
