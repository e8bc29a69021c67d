/*
 * SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Damselfly Project
 *
 * hammer2_image_test.c - read every reference image written by
 * DragonFly's own HAMMER2 code and compare it with its manifest: each
 * path's type, mode, size and the SHA-256 of its content (or its link
 * target); then walk the whole tree with readdir and check that it holds
 * exactly the manifest's paths, that "." and ".." are right, that
 * readdir resumes correctly from every cookie, that hard links agree
 * with nlinks, and that partial reads match whole reads.  The snapshot
 * image's SNAP1 PFS must hold the same tree as its DATA.
 *
 * Skipped (exit 77, with a SKIPPED line) when the reference directory
 * is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "h2test.h"

static const char *refdir;

struct mline {
	char		type;
	unsigned	mode;
	long long	size;
	char		*sum;		/* sha256 hex or link target */
	char		*path;
};

struct manifest {
	struct mline	*v;
	size_t		 n;
	char		*text;
};

static int
mline_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct mline *)a)->path,
	    ((const struct mline *)b)->path));
}

static void
manifest_load(const char *name, struct manifest *m)
{
	char path[1024], *line, *save = NULL, *f[5];
	FILE *fp;
	long len;
	int i;

	snprintf(path, sizeof(path), "%s/images/%s.manifest", refdir, name);
	fp = fopen(path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	m->text = malloc((size_t)len + 1);
	assert_int_equal(fread(m->text, 1, (size_t)len, fp), (size_t)len);
	m->text[len] = '\0';
	fclose(fp);
	m->v = calloc((size_t)len / 8 + 1, sizeof(*m->v));
	m->n = 0;
	for (line = strtok_r(m->text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < 5; i++) {
			f[i] = line;
			line = i < 4 ? strchr(line, '\t') : NULL;
			if (i < 4) {
				assert_non_null(line);
				*line++ = '\0';
			}
		}
		m->v[m->n].type = f[0][0];
		m->v[m->n].mode = (unsigned)strtoul(f[1], NULL, 8);
		m->v[m->n].size = f[2][0] == '-' ? -1 : atoll(f[2]);
		m->v[m->n].sum = f[3];
		m->v[m->n].path = f[4];
		m->n++;
	}
	qsort(m->v, m->n, sizeof(*m->v), mline_cmp);
}

static void
manifest_free(struct manifest *m)
{
	free(m->v);
	free(m->text);
}

static void
hex(const uint8_t *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* Read a whole file; returns malloc'ed content. */
static uint8_t *
read_all(const struct hammer2_inode *ip, uint64_t size)
{
	uint8_t *buf = malloc(size + 1);
	uint64_t off = 0;
	size_t n, chunk;

	while (off < size) {
		chunk = 300000;		/* not a multiple of 64 KB */
		if (chunk > size - off)
			chunk = (size_t)(size - off);
		assert_int_equal(hammer2_read(ip, off, buf + off, chunk, &n),
		    0);
		assert_int_equal(n, chunk);
		off += n;
	}
	assert_int_equal(hammer2_read(ip, size, buf, 16, &n), 0);
	assert_int_equal(n, 0);
	return (buf);
}

/* Partial reads at odd places must match the whole-file content. */
static void
check_partial_reads(const struct hammer2_inode *ip, const uint8_t *all,
    uint64_t size, unsigned *seed)
{
	uint8_t *buf;
	uint64_t off;
	size_t len, n;
	int i;

	if (size == 0)
		return;
	buf = malloc(200000);
	for (i = 0; i < 3; i++) {
		off = (uint64_t)rand_r(seed) % size;
		len = (size_t)rand_r(seed) % 200000;
		assert_int_equal(hammer2_read(ip, off, buf, len, &n), 0);
		if (len > size - off)
			len = (size_t)(size - off);
		assert_int_equal(n, len);
		assert_memory_equal(buf, all + off, len);
	}
	free(buf);
}

static void
check_one(struct hammer2_pfs *pfs, const struct mline *ml, unsigned *seed)
{
	struct hammer2_inode ip;
	struct hammer2_attr at;
	uint8_t digest[32], *data;
	char sum[65], link[1024];
	size_t n;
	int error;

	error = hammer2_lookup_path(pfs, ml->path, 0, &ip);
	if (error != 0)
		fail_msg("%s: lookup error %d", ml->path, error);
	assert_int_equal(hammer2_getattr(&ip, &at), 0);
	if (ml->type != 'l' && (at.mode & 07777) != ml->mode)
		fail_msg("%s: mode %o, manifest %o", ml->path, at.mode,
		    ml->mode);
	assert_int_equal(at.uid, 0);
	assert_int_equal(at.gid, 0);
	switch (ml->type) {
	case 'd':
		assert_int_equal(at.type, HAMMER2_OBJTYPE_DIRECTORY);
		assert_int_equal(at.ifmt, HAMMER2_S_IFDIR);
		break;
	case 'f':
		assert_int_equal(at.type, HAMMER2_OBJTYPE_REGFILE);
		if ((long long)at.size != ml->size)
			fail_msg("%s: size %llu, manifest %lld", ml->path,
			    (unsigned long long)at.size, ml->size);
		data = read_all(&ip, at.size);
		hammer2_sha256(data, at.size, digest);
		hex(digest, 32, sum);
		if (strcmp(sum, ml->sum) != 0)
			fail_msg("%s: content sha256 differs", ml->path);
		check_partial_reads(&ip, data, at.size, seed);
		free(data);
		break;
	case 'l':
		assert_int_equal(at.type, HAMMER2_OBJTYPE_SOFTLINK);
		assert_int_equal(at.ifmt, HAMMER2_S_IFLNK);
		assert_int_equal((long long)at.size, ml->size);
		assert_int_equal(hammer2_readlink(&ip, link, sizeof(link), &n),
		    0);
		assert_int_equal((long long)n, ml->size);
		link[n] = '\0';
		assert_string_equal(link, ml->sum);
		break;
	default:
		fail_msg("unknown manifest type %c", ml->type);
	}
}

/*
 * Tree walk state: every path found, and for each inode number the
 * number of directory entries naming it and its nlinks.
 */
struct walk {
	struct hammer2_pfs	*pfs;
	char			**paths;
	size_t			 npaths, cap;
	uint64_t		*inums;
	uint64_t		*nlinks;
	unsigned		*refs;
	size_t			 ninums, icap;
};

struct dlist {
	struct hammer2_dirent	*ents;
	char			**names;
	size_t			 n, cap;
	int			 limit;		/* per call, 0 = all */
	int			 taken;
	uint64_t		 next;
};

static int
dlist_cb(void *arg, const struct hammer2_dirent *de)
{
	struct dlist *dl = arg;

	if (dl->n == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 64;
		dl->ents = realloc(dl->ents, dl->cap * sizeof(*dl->ents));
		dl->names = realloc(dl->names, dl->cap * sizeof(*dl->names));
	}
	dl->ents[dl->n] = *de;
	dl->names[dl->n] = strndup(de->name, de->namlen);
	dl->ents[dl->n].name = dl->names[dl->n];
	dl->n++;
	dl->next = de->next;
	if (dl->limit != 0 && ++dl->taken >= dl->limit)
		return (1);	/* stop; this entry was consumed */
	return (0);
}

static void
dlist_free(struct dlist *dl)
{
	size_t i;

	for (i = 0; i < dl->n; i++)
		free(dl->names[i]);
	free(dl->names);
	free(dl->ents);
	memset(dl, 0, sizeof(*dl));
}

static void
walk_note_inum(struct walk *w, uint64_t inum, uint64_t nlinks)
{
	size_t i;

	for (i = 0; i < w->ninums; i++) {
		if (w->inums[i] == inum) {
			w->refs[i]++;
			return;
		}
	}
	if (w->ninums == w->icap) {
		w->icap = w->icap ? w->icap * 2 : 256;
		w->inums = realloc(w->inums, w->icap * sizeof(*w->inums));
		w->nlinks = realloc(w->nlinks, w->icap * sizeof(*w->nlinks));
		w->refs = realloc(w->refs, w->icap * sizeof(*w->refs));
	}
	w->inums[w->ninums] = inum;
	w->nlinks[w->ninums] = nlinks;
	w->refs[w->ninums] = 1;
	w->ninums++;
}

/* Resuming after each entry in turn must give the same listing. */
static void
check_resume(const struct hammer2_inode *dip, const struct dlist *full)
{
	struct dlist part;
	uint64_t cookie = 0;
	size_t i = 0;

	memset(&part, 0, sizeof(part));
	for (;;) {
		size_t before = part.n;

		part.limit = 1;
		part.taken = 0;
		assert_int_equal(hammer2_readdir(dip, cookie, dlist_cb, &part),
		    0);
		if (part.n == before)
			break;
		assert_int_equal(part.n, before + 1);
		cookie = part.next;
		i++;
		if (full->n > 64 && i > 40)
			break;		/* long directories: a prefix */
	}
	for (i = 0; i < part.n; i++) {
		assert_string_equal(part.names[i], full->names[i]);
		assert_int_equal(part.ents[i].cookie, full->ents[i].cookie);
	}
	if (full->n <= 64)
		assert_int_equal(part.n, full->n);
	dlist_free(&part);
}

static void
walk_dir(struct walk *w, const struct hammer2_inode *dip, uint64_t parent,
    const char *prefix, int depth)
{
	struct hammer2_inode ip;
	struct dlist dl;
	char *path;
	size_t i;

	assert_true(depth < 64);
	memset(&dl, 0, sizeof(dl));
	assert_int_equal(hammer2_readdir(dip, 0, dlist_cb, &dl), 0);
	assert_true(dl.n >= 2);
	assert_string_equal(dl.names[0], ".");
	assert_int_equal(dl.ents[0].inum, dip->data.meta.inum);
	assert_string_equal(dl.names[1], "..");
	assert_int_equal(dl.ents[1].inum, parent);
	for (i = 1; i < dl.n; i++)
		assert_true(dl.ents[i].cookie > dl.ents[i - 1].cookie);
	check_resume(dip, &dl);

	for (i = 2; i < dl.n; i++) {
		if (asprintf(&path, "%s%s%s", prefix, *prefix ? "/" : "",
		    dl.names[i]) < 0)
			fail();
		assert_int_equal(hammer2_lookup_name(dip, dl.names[i],
		    dl.ents[i].namlen, &ip), 0);
		assert_int_equal(ip.data.meta.inum, dl.ents[i].inum);
		assert_int_equal(ip.data.meta.type, dl.ents[i].type);
		if (w->npaths == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 256;
			w->paths = realloc(w->paths, w->cap * sizeof(char *));
		}
		w->paths[w->npaths++] = path;
		if (ip.data.meta.type == HAMMER2_OBJTYPE_DIRECTORY)
			walk_dir(w, &ip, dip->data.meta.inum, path, depth + 1);
		else
			walk_note_inum(w, ip.data.meta.inum,
			    ip.data.meta.nlinks);
	}
	dlist_free(&dl);
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
check_tree(struct hammer2_pfs *pfs, const struct manifest *m)
{
	struct hammer2_inode root;
	struct walk w;
	size_t i, nhard = 0;

	memset(&w, 0, sizeof(w));
	w.pfs = pfs;
	hammer2_pfs_root(pfs, &root);
	walk_dir(&w, &root, root.data.meta.inum, "", 0);
	assert_int_equal(w.npaths, m->n);
	qsort(w.paths, w.npaths, sizeof(char *), str_cmp);
	for (i = 0; i < w.npaths; i++)
		assert_string_equal(w.paths[i], m->v[i].path);
	for (i = 0; i < w.ninums; i++) {
		if (w.refs[i] != w.nlinks[i])
			fail_msg("inum %llu: %u entries, nlinks %llu",
			    (unsigned long long)w.inums[i], w.refs[i],
			    (unsigned long long)w.nlinks[i]);
		if (w.refs[i] > 1)
			nhard++;
	}
	assert_true(nhard >= 1);	/* the hard_a/hard_b group */
	print_message("%s: %zu paths, %zu inodes, %zu hard-linked\n",
	    hammer2_pfs_label(pfs), w.npaths, w.ninums, nhard);
	for (i = 0; i < w.npaths; i++)
		free(w.paths[i]);
	free(w.paths);
	free(w.inums);
	free(w.nlinks);
	free(w.refs);
}

struct pfsnames {
	char	names[8][64];
	int	n;
};

static int
pfs_cb(void *arg, const struct hammer2_pfs_info *info)
{
	struct pfsnames *pn = arg;

	assert_int_equal(info->error, 0);
	if (pn->n < 8)
		snprintf(pn->names[pn->n++], 64, "%s", info->label);
	return (0);
}

static bool
has_pfs(const struct pfsnames *pn, const char *label)
{
	int i;

	for (i = 0; i < pn->n; i++)
		if (strcmp(pn->names[i], label) == 0)
			return (true);
	return (false);
}

static void
check_image(const char *name, const char *extra_pfs)
{
	struct h2t_img img;
	struct hammer2_vol *vol;
	struct hammer2_pfs *pfs;
	struct manifest m;
	struct pfsnames pn;
	char *path;
	unsigned seed = 1234;
	size_t i;

	path = h2t_unpack(refdir, name);
	assert_non_null(path);
	assert_int_equal(h2t_img_open(&img, path), 0);
	assert_int_equal(h2t_vol_open(&img, &vol), 0);

	memset(&pn, 0, sizeof(pn));
	assert_int_equal(hammer2_pfs_list(vol, pfs_cb, &pn), 0);
	assert_true(has_pfs(&pn, "LOCAL"));
	assert_true(has_pfs(&pn, "DATA"));
	if (extra_pfs != NULL)
		assert_true(has_pfs(&pn, extra_pfs));

	manifest_load(name, &m);
	assert_int_equal(hammer2_pfs_mount(vol, NULL, &pfs), 0);
	assert_string_equal(hammer2_pfs_label(pfs), "DATA");
	for (i = 0; i < m.n; i++)
		check_one(pfs, &m.v[i], &seed);
	check_tree(pfs, &m);
	hammer2_pfs_unmount(pfs);

	if (extra_pfs != NULL) {
		assert_int_equal(hammer2_pfs_mount(vol, extra_pfs, &pfs), 0);
		for (i = 0; i < m.n; i++)
			check_one(pfs, &m.v[i], &seed);
		check_tree(pfs, &m);
		hammer2_pfs_unmount(pfs);
	}
	assert_int_equal(hammer2_pfs_mount(vol, "NOSUCH", &pfs), ENOENT);
	manifest_free(&m);
	hammer2_vol_close(vol);
	assert_int_equal(img.live_allocs, 0);
	assert_int_equal(img.nreports, 0);
	h2t_img_close(&img);
	free(path);
}

/* The default LZ4 + XXH64 image reads back exactly as its manifest. */
static void
basic_lz4_xxh64_matches_manifest(void **state)
{
	check_image("basic-lz4-xxh64", NULL);
}

/* zlib-compressed blocks with CRC32C checks read back correctly. */
static void
zlib_crc32c_matches_manifest(void **state)
{
	check_image("zlib-crc32c", NULL);
}

/* Uncompressed, unchecked blocks read back correctly. */
static void
nocomp_nocheck_matches_manifest(void **state)
{
	check_image("nocomp-nocheck", NULL);
}

/* A 5000-entry directory and a 12 MiB file (indirect blocks). */
static void
big_xxh64_matches_manifest(void **state)
{
	check_image("big-xxh64", NULL);
}

/* DATA and its snapshot SNAP1 both hold the manifest's tree. */
static void
snapshot_data_and_snap1_match_manifest(void **state)
{
	check_image("snapshot-lz4-xxh64", "SNAP1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic_lz4_xxh64_matches_manifest),
		cmocka_unit_test(zlib_crc32c_matches_manifest),
		cmocka_unit_test(nocomp_nocheck_matches_manifest),
		cmocka_unit_test(big_xxh64_matches_manifest),
		cmocka_unit_test(snapshot_data_and_snap1_match_manifest),
	};

	refdir = h2t_refdir();
	if (refdir == NULL)
		return (77);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
