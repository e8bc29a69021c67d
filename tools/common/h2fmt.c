/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2fmt.c - numbers of the HAMMER2 format as words, for the tools'
 * output (see h2fmt.h).  Names follow DragonFly's hammer2(8) output
 * where it has one ("inode", "indirect", "xxhash64", "MASTER").
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "h2fmt.h"

const char *
h2_breftype_name(uint8_t type)
{
	switch (type) {
	case HAMMER2_BREF_TYPE_EMPTY:
		return ("empty");
	case HAMMER2_BREF_TYPE_INODE:
		return ("inode");
	case HAMMER2_BREF_TYPE_INDIRECT:
		return ("indirect");
	case HAMMER2_BREF_TYPE_DATA:
		return ("data");
	case HAMMER2_BREF_TYPE_DIRENT:
		return ("dirent");
	case HAMMER2_BREF_TYPE_FREEMAP_NODE:
		return ("freemap_node");
	case HAMMER2_BREF_TYPE_FREEMAP_LEAF:
		return ("freemap_leaf");
	case HAMMER2_BREF_TYPE_FREEMAP:
		return ("freemap");
	case HAMMER2_BREF_TYPE_VOLUME:
		return ("volume");
	default:
		return ("unknown");
	}
}

const char *
h2_objtype_name(uint8_t type)
{
	switch (type) {
	case HAMMER2_OBJTYPE_DIRECTORY:
		return ("directory");
	case HAMMER2_OBJTYPE_REGFILE:
		return ("file");
	case HAMMER2_OBJTYPE_HARDLINK:
		return ("hardlink");
	case HAMMER2_OBJTYPE_FIFO:
		return ("fifo");
	case HAMMER2_OBJTYPE_CDEV:
		return ("cdev");
	case HAMMER2_OBJTYPE_BDEV:
		return ("bdev");
	case HAMMER2_OBJTYPE_SOFTLINK:
		return ("symlink");
	case HAMMER2_OBJTYPE_SOCKET:
		return ("socket");
	case HAMMER2_OBJTYPE_WHITEOUT:
		return ("whiteout");
	default:
		return ("unknown");
	}
}

const char *
h2_pfstype_name(uint8_t type)
{
	switch (type & HAMMER2_PFSTYPE_MASK) {
	case HAMMER2_PFSTYPE_NONE:
		return ("NONE");
	case HAMMER2_PFSTYPE_CACHE:
		return ("CACHE");
	case HAMMER2_PFSTYPE_SLAVE:
		return ("SLAVE");
	case HAMMER2_PFSTYPE_SOFT_SLAVE:
		return ("SOFT_SLAVE");
	case HAMMER2_PFSTYPE_SOFT_MASTER:
		return ("SOFT_MASTER");
	case HAMMER2_PFSTYPE_MASTER:
		return ("MASTER");
	case HAMMER2_PFSTYPE_SUPROOT:
		return ("SUPROOT");
	case HAMMER2_PFSTYPE_DUMMY:
		return ("DUMMY");
	default:
		return ("ILLEGAL");
	}
}

const char *
h2_pfssubtype_name(uint8_t subtype)
{
	switch (subtype) {
	case HAMMER2_PFSSUBTYPE_NONE:
		return ("");
	case HAMMER2_PFSSUBTYPE_SNAPSHOT:
		return ("SNAPSHOT");
	case HAMMER2_PFSSUBTYPE_AUTOSNAP:
		return ("AUTOSNAP");
	default:
		return ("ILLEGAL");
	}
}

const char *
h2_check_name(int method)
{
	switch (method) {
	case HAMMER2_CHECK_NONE:
		return ("none");
	case HAMMER2_CHECK_DISABLED:
		return ("disabled");
	case HAMMER2_CHECK_ISCSI32:
		return ("crc32");
	case HAMMER2_CHECK_XXHASH64:
		return ("xxhash64");
	case HAMMER2_CHECK_SHA192:
		return ("sha192");
	case HAMMER2_CHECK_FREEMAP:
		return ("freemap");
	default:
		return ("unknown");
	}
}

const char *
h2_comp_name(int method)
{
	switch (method) {
	case HAMMER2_COMP_NONE:
		return ("none");
	case HAMMER2_COMP_AUTOZERO:
		return ("autozero");
	case HAMMER2_COMP_LZ4:
		return ("lz4");
	case HAMMER2_COMP_ZLIB:
		return ("zlib");
	default:
		return ("unknown");
	}
}

char *
h2_uuid_str(const struct hammer2_uuid *u, char *buf, size_t len)
{
	snprintf(buf, len,
	    "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    u->time_low, u->time_mid, u->time_hi_and_version,
	    u->clock_seq_hi, u->clock_seq_low, u->node[0], u->node[1],
	    u->node[2], u->node[3], u->node[4], u->node[5]);
	return (buf);
}

char *
h2_time_str(uint64_t usec, char *buf, size_t len)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "%llu us", (unsigned long long)usec);
		return (buf);
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%06u UTC",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned)(usec % 1000000));
	return (buf);
}

char *
h2_mode_str(uint32_t ifmt, uint32_t mode, char *buf, size_t len)
{
	static const char rwx[] = "rwxrwxrwx";
	char s[11];
	int i;

	switch (ifmt) {
	case HAMMER2_S_IFDIR:
		s[0] = 'd';
		break;
	case HAMMER2_S_IFLNK:
		s[0] = 'l';
		break;
	case HAMMER2_S_IFCHR:
		s[0] = 'c';
		break;
	case HAMMER2_S_IFBLK:
		s[0] = 'b';
		break;
	case HAMMER2_S_IFIFO:
		s[0] = 'p';
		break;
	case HAMMER2_S_IFSOCK:
		s[0] = 's';
		break;
	case HAMMER2_S_IFREG:
		s[0] = '-';
		break;
	default:
		s[0] = '?';
		break;
	}
	for (i = 0; i < 9; i++)
		s[i + 1] = (mode & (0400 >> i)) ? rwx[i] : '-';
	if (mode & 04000)
		s[3] = (mode & 0100) ? 's' : 'S';
	if (mode & 02000)
		s[6] = (mode & 0010) ? 's' : 'S';
	if (mode & 01000)
		s[9] = (mode & 0001) ? 't' : 'T';
	s[10] = '\0';
	snprintf(buf, len, "%s", s);
	return (buf);
}

char *
h2_name_str(const char *name, size_t len, char *buf, size_t buflen)
{
	size_t i, o = 0;
	unsigned char c;

	for (i = 0; i < len && o + 5 < buflen; i++) {
		c = (unsigned char)name[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			buf[o++] = (char)c;
		} else {
			snprintf(buf + o, buflen - o, "\\x%02x", c);
			o += 4;
		}
	}
	buf[o] = '\0';
	return (buf);
}

char *
h2_path_str(const char *path, size_t len, char *buf, size_t buflen)
{
	size_t head, tail, o;

	if (len <= H2_PATH_SHOWN)
		return (h2_name_str(path, len, buf, buflen));
	/* The names that hold bytes H2_PATH_SHOWN / 3 and len - ... / 2. */
	for (head = H2_PATH_SHOWN / 3; head < len && path[head] != '/';
	    head++)
		;
	for (tail = len - H2_PATH_SHOWN / 2; tail > head && path[tail] != '/';
	    tail--)
		;
	if (tail <= head)
		return (h2_name_str(path, len, buf, buflen));
	h2_name_str(path, head, buf, buflen);
	o = strlen(buf);
	snprintf(buf + o, buflen - o, "/...");
	o = strlen(buf);
	h2_name_str(path + tail, len - tail, buf + o, buflen - o);
	return (buf);
}

char *
h2_hex_str(const uint8_t *p, int n, char *buf, size_t len)
{
	uint64_t v = 0;
	size_t o = 0;
	int i;

	if (n <= 0) {
		snprintf(buf, len, "-");
		return (buf);
	}
	if (n <= 8) {
		/* CRC32 and XXH64 codes are little-endian integers. */
		memcpy(&v, p, (size_t)n);
		snprintf(buf, len, "%0*llx", 2 * n, (unsigned long long)v);
		return (buf);
	}
	buf[0] = '\0';
	for (i = 0; i < n && o + 3 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", p[i]);
	return (buf);
}
