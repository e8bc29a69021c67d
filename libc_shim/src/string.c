/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * string.c - memory and string functions for the pc64 kernel, which has
 * no libc.  The vkernel links glibc's versions of the same prototypes
 * (libc_shim/include/string.h), so these must behave exactly like the
 * standard ones; tests/unit/libc_shim/string_test.c checks them against
 * glibc.
 *
 * The one idea to keep in mind: this file implements memcpy and memset,
 * so the compiler must never turn one of its loops back into a call to
 * memcpy or memset.  libc_shim/CMakeLists.txt builds it with
 * -fno-tree-loop-distribute-patterns, and the functions carry the same
 * request as an attribute in case the file is built some other way.
 * The bulk loops move one machine word at a time when both pointers
 * allow it; kernel code has no SSE (pc64 is -mgeneral-regs-only), so
 * word loops are as wide as it gets.  See docs/libc_shim.md.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SHIM_NOLIBCALL	\
	__attribute__((optimize("no-tree-loop-distribute-patterns")))

/* A word that may alias any object, for the bulk loops. */
typedef unsigned long __attribute__((may_alias)) shim_word_t;

#define WSIZE		sizeof(shim_word_t)
#define WMASK		(WSIZE - 1)

/*
 * Copy n bytes from src to dst; the areas must not overlap.
 * Context: any; never blocks.
 * Returns dst.
 */
SHIM_NOLIBCALL void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0) {
		while (n > 0 && ((uintptr_t)d & WMASK) != 0) {
			*d++ = *s++;
			n--;
		}
		while (n >= WSIZE) {
			*(shim_word_t *)(void *)d =
			    *(const shim_word_t *)(const void *)s;
			d += WSIZE;
			s += WSIZE;
			n -= WSIZE;
		}
	}
	while (n > 0) {
		*d++ = *s++;
		n--;
	}
	return (dst);
}

/*
 * Copy n bytes from src to dst; the areas may overlap.  Copies forwards
 * when dst is below src and backwards otherwise, so no byte is read
 * after it has been overwritten.
 * Context: any; never blocks.
 * Returns dst.
 */
SHIM_NOLIBCALL void *
memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	int aligned;

	if (d == s || n == 0)
		return (dst);
	aligned = (((uintptr_t)d ^ (uintptr_t)s) & WMASK) == 0;
	if ((uintptr_t)d < (uintptr_t)s) {
		if (aligned) {
			while (n > 0 && ((uintptr_t)d & WMASK) != 0) {
				*d++ = *s++;
				n--;
			}
			while (n >= WSIZE) {
				*(shim_word_t *)(void *)d =
				    *(const shim_word_t *)(const void *)s;
				d += WSIZE;
				s += WSIZE;
				n -= WSIZE;
			}
		}
		while (n > 0) {
			*d++ = *s++;
			n--;
		}
	} else {
		d += n;
		s += n;
		if (aligned) {
			while (n > 0 && ((uintptr_t)d & WMASK) != 0) {
				*--d = *--s;
				n--;
			}
			while (n >= WSIZE) {
				d -= WSIZE;
				s -= WSIZE;
				*(shim_word_t *)(void *)d =
				    *(const shim_word_t *)(const void *)s;
				n -= WSIZE;
			}
		}
		while (n > 0) {
			*--d = *--s;
			n--;
		}
	}
	return (dst);
}

/*
 * Fill n bytes at dst with the byte value (unsigned char)c.
 * Context: any; never blocks.
 * Returns dst.
 */
SHIM_NOLIBCALL void *
memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;
	shim_word_t w;

	if (n >= 2 * WSIZE) {
		while (((uintptr_t)d & WMASK) != 0) {
			*d++ = b;
			n--;
		}
		/* Every byte of the word set to b: b * 0x0101...01. */
		w = (shim_word_t)-1 / 0xff * b;
		while (n >= WSIZE) {
			*(shim_word_t *)(void *)d = w;
			d += WSIZE;
			n -= WSIZE;
		}
	}
	while (n > 0) {
		*d++ = b;
		n--;
	}
	return (dst);
}

/*
 * Compare n bytes as unsigned chars.
 * Context: any; never blocks.
 * Returns <0, 0 or >0 as the first differing byte of a is below, equal
 * to or above that of b.
 */
SHIM_NOLIBCALL int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return ((int)*p - (int)*q);
	}
	return (0);
}

/*
 * Find the first byte equal to (unsigned char)c in n bytes at s.
 * Context: any; never blocks.
 * Returns a pointer to it, or NULL.
 */
SHIM_NOLIBCALL void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	unsigned char b = (unsigned char)c;

	for (; n > 0; n--, p++) {
		if (*p == b)
			return ((void *)(uintptr_t)p);
	}
	return (NULL);
}

/*
 * Length of the string s, not counting its NUL.
 * Context: any; never blocks.
 * Returns the length.
 */
SHIM_NOLIBCALL size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p != '\0')
		p++;
	return ((size_t)(p - s));
}

/*
 * Length of the string s, reading at most max bytes.
 * Context: any; never blocks.
 * Returns the length, or max when no NUL is among the first max bytes.
 */
SHIM_NOLIBCALL size_t
strnlen(const char *s, size_t max)
{
	size_t n;

	for (n = 0; n < max && s[n] != '\0'; n++)
		continue;
	return (n);
}

/*
 * Compare two strings as unsigned chars.
 * Context: any; never blocks.
 * Returns <0, 0 or >0 as a sorts before, equal to or after b.
 */
SHIM_NOLIBCALL int
strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	return ((int)*p - (int)*q);
}

/*
 * Compare at most n bytes of two strings as unsigned chars.
 * Context: any; never blocks.
 * Returns <0, 0 or >0 like strcmp(); 0 when n is 0.
 */
SHIM_NOLIBCALL int
strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n > 0; n--, p++, q++) {
		if (*p != *q)
			return ((int)*p - (int)*q);
		if (*p == '\0')
			break;
	}
	return (0);
}

/*
 * Find the first (char)c in s; the terminating NUL counts, so
 * strchr(s, '\0') points at the end of s.
 * Context: any; never blocks.
 * Returns a pointer to it, or NULL.
 */
SHIM_NOLIBCALL char *
strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return ((char *)(uintptr_t)s);
		if (*s == '\0')
			return (NULL);
	}
}

/*
 * Find the last (char)c in s; the terminating NUL counts.
 * Context: any; never blocks.
 * Returns a pointer to it, or NULL.
 */
SHIM_NOLIBCALL char *
strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (*s == '\0')
			return ((char *)(uintptr_t)last);
	}
}

/*
 * Find the first occurrence of the string needle in hay.  A plain scan:
 * O(strlen(hay) * strlen(needle)) at worst, which is fine for the short
 * strings the kernel searches.
 * Context: any; never blocks.
 * Returns a pointer to it in hay, hay itself for an empty needle, or
 * NULL.
 */
SHIM_NOLIBCALL char *
strstr(const char *hay, const char *needle)
{
	size_t i;

	if (*needle == '\0')
		return ((char *)(uintptr_t)hay);
	for (; *hay != '\0'; hay++) {
		if (*hay != *needle)
			continue;
		for (i = 1; needle[i] != '\0' && hay[i] == needle[i]; i++)
			continue;
		if (needle[i] == '\0')
			return ((char *)(uintptr_t)hay);
	}
	return (NULL);
}

/* A 256-bit set of byte values, for strspn() and strcspn(). */
struct byteset {
	unsigned long	bs_bits[256 / (8 * sizeof(unsigned long))];
};

#define BS_WBITS	(8 * sizeof(unsigned long))

static SHIM_NOLIBCALL void
byteset_fill(struct byteset *set, const char *chars)
{
	const unsigned char *p = (const unsigned char *)chars;
	size_t i;

	for (i = 0; i < sizeof(set->bs_bits) / sizeof(set->bs_bits[0]); i++)
		set->bs_bits[i] = 0;
	for (; *p != '\0'; p++)
		set->bs_bits[*p / BS_WBITS] |= 1UL << (*p % BS_WBITS);
}

static inline int
byteset_has(const struct byteset *set, unsigned char c)
{
	return ((set->bs_bits[c / BS_WBITS] >> (c % BS_WBITS)) & 1);
}

/*
 * Length of the leading part of s made only of bytes in accept.
 * Context: any; never blocks.
 * Returns that length.
 */
SHIM_NOLIBCALL size_t
strspn(const char *s, const char *accept)
{
	const unsigned char *p = (const unsigned char *)s;
	struct byteset set;
	size_t n;

	byteset_fill(&set, accept);
	for (n = 0; p[n] != '\0' && byteset_has(&set, p[n]); n++)
		continue;
	return (n);
}

/*
 * Length of the leading part of s made only of bytes not in reject.
 * Context: any; never blocks.
 * Returns that length.
 */
SHIM_NOLIBCALL size_t
strcspn(const char *s, const char *reject)
{
	const unsigned char *p = (const unsigned char *)s;
	struct byteset set;
	size_t n;

	byteset_fill(&set, reject);
	for (n = 0; p[n] != '\0' && !byteset_has(&set, p[n]); n++)
		continue;
	return (n);
}
