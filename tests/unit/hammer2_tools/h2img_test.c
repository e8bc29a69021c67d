/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * h2img_test.c - unit tests (CMocka) of the tools' host shim and
 * presentation helpers (tools/common): IMAGE[@LABEL] parsing, opening
 * files that are not HAMMER2 images, bounded reads, and the text forms
 * of modes, times, UUIDs, check codes and names.  No reference image is
 * needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "h2fmt.h"
#include "h2img.h"

static char tmpdir[] = "/tmp/h2img_test.XXXXXX";

/* A file of `size` bytes filled with `byte`, in the test's directory. */
static char *
make_file(const char *name, size_t size, int byte)
{
	char *path, buf[4096];
	size_t n;
	int fd;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	memset(buf, byte, sizeof(buf));
	for (; size > 0; size -= n) {
		n = size < sizeof(buf) ? size : sizeof(buf);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
	}
	close(fd);
	return (path);
}

/* A plain path has no label; a missing path splits at its last '@'. */
static void
spec_splits_label_only_when_file_is_absent(void **state)
{
	char *path, *label, *spec, *withat;

	assert_int_equal(h2img_parse_spec("disk.img", &path, &label), 0);
	assert_string_equal(path, "disk.img");
	assert_null(label);
	free(path);

	assert_int_equal(h2img_parse_spec("/no/such@x@SNAP1", &path, &label),
	    0);
	assert_string_equal(path, "/no/such@x");
	assert_string_equal(label, "SNAP1");
	free(path);
	free(label);

	withat = make_file("a@b", 10, 0);
	assert_int_equal(h2img_parse_spec(withat, &path, &label), 0);
	assert_string_equal(path, withat);
	assert_null(label);
	free(path);
	assert_true(asprintf(&spec, "%s@DATA", withat) > 0);
	assert_int_equal(h2img_parse_spec(spec, &path, &label), 0);
	assert_string_equal(path, withat);
	assert_string_equal(label, "DATA");
	free(path);
	free(label);
	free(spec);
	free(withat);
}

/* Empty paths, empty labels and labels with '/' are refused. */
static void
spec_rejects_empty_parts(void **state)
{
	char *path, *label;

	assert_int_equal(h2img_parse_spec("", &path, &label), EINVAL);
	assert_int_equal(h2img_parse_spec("/no/such@", &path, &label), EINVAL);
	assert_int_equal(h2img_parse_spec("@DATA", &path, &label), EINVAL);
	assert_int_equal(h2img_parse_spec("/no/such@a/b", &path, &label),
	    EINVAL);
	assert_null(path);
	assert_null(label);
}

/* Opening a missing file or a file of zeros says what is wrong. */
static void
open_explains_unusable_files(void **state)
{
	struct h2img img;
	const char *msg = NULL;
	char *zeros;

	assert_int_equal(h2img_open(&img, "/no/such/file", -1, 0, NULL, NULL,
	    &msg), ENOENT);
	assert_non_null(strstr(msg, "No such file"));
	assert_int_equal(img.fd, -1);

	zeros = make_file("zeros.img", 9 << 20, 0);
	assert_int_equal(h2img_open(&img, zeros, -1, 0, NULL, NULL, &msg),
	    EINVAL);
	assert_non_null(strstr(msg, "not a HAMMER2 image"));
	assert_null(img.vol);

	assert_int_equal(h2img_open(&img, tmpdir, -1, 0, NULL, NULL, &msg),
	    EISDIR);
	free(zeros);
}

/* The file half opens alone; reads past its end are EIO. */
static void
pread_is_bounded_by_the_file(void **state)
{
	struct h2img img;
	const char *msg;
	char *f, buf[64];

	f = make_file("small.img", 100, 0x5a);
	assert_int_equal(h2img_open_file(&img, f, NULL, NULL, &msg), 0);
	assert_int_equal(img.size, 100);
	assert_int_equal(h2img_pread(&img, 36, buf, 64), 0);
	assert_int_equal((unsigned char)buf[63], 0x5a);
	assert_int_equal(h2img_pread(&img, 37, buf, 64), EIO);
	assert_int_equal(h2img_pread(&img, UINT64_MAX - 8, buf, 64), EIO);
	assert_int_equal(h2img_open_vol(&img, -1, 0, &msg), EINVAL);
	assert_int_equal(img.fd >= 0, 1);	/* the file stays open */
	assert_string_equal(h2img_name(&img), f);
	h2img_close(&img);
	free(f);
}

/* Modes print as ls(1) does, set-id and sticky bits included. */
static void
mode_strings_follow_ls(void **state)
{
	char b[16];

	assert_string_equal(h2_mode_str(HAMMER2_S_IFDIR, 0755, b, sizeof(b)),
	    "drwxr-xr-x");
	assert_string_equal(h2_mode_str(HAMMER2_S_IFREG, 04755, b, sizeof(b)),
	    "-rwsr-xr-x");
	assert_string_equal(h2_mode_str(HAMMER2_S_IFREG, 02640, b, sizeof(b)),
	    "-rw-r-S---");
	assert_string_equal(h2_mode_str(HAMMER2_S_IFDIR, 01777, b, sizeof(b)),
	    "drwxrwxrwt");
	assert_string_equal(h2_mode_str(HAMMER2_S_IFLNK, 0777, b, sizeof(b)),
	    "lrwxrwxrwx");
	assert_string_equal(h2_mode_str(0, 0, b, sizeof(b)), "?---------");
}

/* Times, UUIDs, check codes and names have stable text forms. */
static void
text_forms_are_stable(void **state)
{
	struct hammer2_uuid u = {
		0x5cbb9ad1, 0x862d, 0x11dc, 0xa9, 0x4d,
		{ 0x01, 0x30, 0x1b, 0xb8, 0xa9, 0xf5 },
	};
	uint8_t code[24] = { 0x6b, 0x09, 0x2b, 0x6c, 0x9e, 0x39, 0xc4, 0x75 };
	char b[128];

	assert_string_equal(h2_time_str(0, b, sizeof(b)),
	    "1970-01-01 00:00:00.000000 UTC");
	assert_string_equal(h2_time_str(1700000000123456ULL, b, sizeof(b)),
	    "2023-11-14 22:13:20.123456 UTC");
	assert_string_equal(h2_uuid_str(&u, b, sizeof(b)),
	    "5cbb9ad1-862d-11dc-a94d-01301bb8a9f5");
	assert_string_equal(h2_hex_str(code, 8, b, sizeof(b)),
	    "75c4399e6c2b096b");
	assert_string_equal(h2_hex_str(code, 4, b, sizeof(b)), "6c2b096b");
	assert_string_equal(h2_hex_str(code, 0, b, sizeof(b)), "-");
	h2_hex_str(code, 24, b, sizeof(b));
	assert_int_equal(strlen(b), 48);
	assert_string_equal(h2_name_str("a\tb\\c", 5, b, sizeof(b)),
	    "a\\x09b\\x5cc");
	assert_string_equal(h2_breftype_name(HAMMER2_BREF_TYPE_INDIRECT),
	    "indirect");
	assert_string_equal(h2_check_name(HAMMER2_CHECK_XXHASH64), "xxhash64");
	assert_string_equal(h2_comp_name(HAMMER2_COMP_ZLIB), "zlib");
	assert_string_equal(h2_pfstype_name(HAMMER2_PFSTYPE_MASTER), "MASTER");
	assert_string_equal(h2_strerror(EUCLEAN), "image is corrupt");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(spec_splits_label_only_when_file_is_absent),
		cmocka_unit_test(spec_rejects_empty_parts),
		cmocka_unit_test(open_explains_unusable_files),
		cmocka_unit_test(pread_is_bounded_by_the_file),
		cmocka_unit_test(mode_strings_follow_ls),
		cmocka_unit_test(text_forms_are_stable),
	};
	char cmd[128];
	int rc;

	if (mkdtemp(tmpdir) == NULL)
		return (1);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		rc = 1;
	return (rc);
}
