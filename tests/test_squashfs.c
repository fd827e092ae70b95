/* SPDX-License-Identifier: MIT */
/* SquashFS readers: round trips through mksquashfs for every compressor it has, a hand-built
 * big-endian image, the real TRENDnet vendor-LZMA image, and must-fail images; 3.x and 2.x
 * images in both byte orders from tests/gen/mksquashfs3.py (our own writer: no Debian tool
 * writes them), round trips and must-fail images. */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/squashfs.h"

static char srcdir[80];
static char smalldir[80];
static char workdir[64];
static int have_dev;
static int is_root;

static void
put_file(const char *rel, const uint8_t *p, size_t n)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", srcdir, rel);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(p, 1, n, f) == n);
	fclose(f);
}

static void
mk(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", srcdir, rel);
	CHECK(mkdir(path, 0755) == 0);
}

/* The source tree every mksquashfs image is built from. */
static void
make_tree(void)
{
	static uint8_t buf[300000];
	uint32_t x = 12345;
	char path[256], rel[128];
	int fd;

	snprintf(workdir, sizeof(workdir), "/tmp/mamori-sqfs-XXXXXX");
	CHECK(mkdtemp(workdir) != NULL);
	/* a small tree for the must-fail loops, which read the image once per byte */
	snprintf(srcdir, sizeof(srcdir), "%s/small", workdir);
	snprintf(smalldir, sizeof(smalldir), "%s", srcdir);
	CHECK(mkdir(srcdir, 0755) == 0);
	mk("d");
	for (size_t i = 0; i < 9000; i++)
		buf[i] = (uint8_t)("small squashfs "[i % 15]);
	put_file("d/blocks.txt", buf, 9000); /* two 4 KiB blocks and a fragment tail */
	put_file("d/tiny", (const uint8_t *)"tiny\n", 5);
	snprintf(path, sizeof(path), "%s/d/up", srcdir);
	CHECK(symlink("../d/tiny", path) == 0);
	snprintf(srcdir, sizeof(srcdir), "%s/src", workdir);
	CHECK(mkdir(srcdir, 0755) == 0);
	put_file("small.txt", (const uint8_t *)"hello\n", 6);
	put_file("empty", (const uint8_t *)"", 0);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	put_file("random.bin", buf, sizeof(buf)); /* incompressible: stored blocks */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)("squashfs text "[i % 14]);
	put_file("text.bin", buf, 200001);
	put_file("exact.bin", buf, 131072); /* a block-size multiple: no fragment */
	/* sparse: a hole, 100 bytes, a hole */
	snprintf(path, sizeof(path), "%s/sparse.bin", srcdir);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	CHECK(pwrite(fd, "sparse-data", 11, 600000) == 11);
	CHECK(ftruncate(fd, 1 << 20) == 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/small.txt", srcdir);
	snprintf(rel, sizeof(rel), "%s/hard.txt", srcdir);
	CHECK(link(path, rel) == 0); /* nlink 2: extended file inodes */
	put_file("suid", (const uint8_t *)"#!/bin/sh\n", 10);
	snprintf(path, sizeof(path), "%s/suid", srcdir);
	CHECK(chmod(path, 04755) == 0);
	put_file("owned", (const uint8_t *)"x", 1);
	snprintf(path, sizeof(path), "%s/owned", srcdir);
	is_root = geteuid() == 0;
	if (is_root)
		CHECK(chown(path, 1000, 1001) == 0);
	else
		fprintf(stderr, "test_squashfs: not root, no chown/mknod in the source tree\n");
	mk("a");
	mk("a/b");
	mk("a/b/c");
	mk("a/b/c/d");
	put_file("a/b/c/d/deep.txt", (const uint8_t *)"deep", 4);
	snprintf(path, sizeof(path), "%s/lnk-rel", srcdir);
	CHECK(symlink("small.txt", path) == 0);
	snprintf(path, sizeof(path), "%s/lnk-abs", srcdir);
	CHECK(symlink("/etc/passwd", path) == 0);
	snprintf(path, sizeof(path), "%s/a/b/lnk-up", srcdir);
	CHECK(symlink("../../random.bin", path) == 0);
	mk("private");
	snprintf(path, sizeof(path), "%s/private", srcdir);
	CHECK(chmod(path, 0700) == 0);
	/* more than 256 entries and more than 8 KiB of listing: several directory headers and
	 * an extended directory inode with an index */
	mk("many");
	for (int i = 0; i < 300; i++) {
		snprintf(rel, sizeof(rel), "many/file-with-a-rather-long-name-%03d", i);
		put_file(rel, buf, (size_t)i % 50);
	}
	mk("dev");
	snprintf(path, sizeof(path), "%s/dev/null", srcdir);
	have_dev = is_root && mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0;
	if (have_dev) {
		snprintf(path, sizeof(path), "%s/dev/sda", srcdir);
		CHECK(mknod(path, S_IFBLK | 0660, makedev(8, 0)) == 0);
	}
	snprintf(path, sizeof(path), "%s/dev/fifo", srcdir);
	CHECK(mkfifo(path, 0600) == 0);
}

static void
remove_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	CHECK(system(cmd) == 0);
}

static uint8_t
fs_type(mode_t m)
{
	if (S_ISREG(m))
		return MAMORI_FS_REG;
	if (S_ISDIR(m))
		return MAMORI_FS_DIR;
	if (S_ISLNK(m))
		return MAMORI_FS_LNK;
	if (S_ISCHR(m))
		return MAMORI_FS_CHR;
	if (S_ISBLK(m))
		return MAMORI_FS_BLK;
	if (S_ISFIFO(m))
		return MAMORI_FS_FIFO;
	return MAMORI_FS_SOCK;
}

/* Compares everything under srcdir/rel with the tree; returns the entries compared. */
static size_t
compare_dir(const struct mamori_fstree *t, const char *rel)
{
	char dpath[512];
	DIR *dir;
	struct dirent *de;
	size_t n = 0;

	snprintf(dpath, sizeof(dpath), "%s%s", srcdir, rel);
	dir = opendir(dpath);
	CHECK(dir != NULL);
	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL) {
		char sub[512], full[1024];
		const struct mamori_fs_node *nd;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name);
		snprintf(full, sizeof(full), "%s%s", srcdir, sub);
		CHECK(lstat(full, &st) == 0);
		nd = mamori_fstree_get(t, sub);
		CHECK(nd != NULL);
		n++;
		if (nd == NULL) {
			fprintf(stderr, "missing %s\n", sub);
			continue;
		}
		CHECK(nd->type == fs_type(st.st_mode));
		CHECK(nd->uid == st.st_uid && nd->gid == st.st_gid);
		if (!S_ISLNK(st.st_mode))
			CHECK(nd->mode == (st.st_mode & 07777));
		if (S_ISREG(st.st_mode)) {
			struct mamori_buf b;

			CHECK(nd->size == (uint64_t)st.st_size);
			mamori_buf_init(&b, 1 << 24);
			CHECK_OK(mamori_read_file(full, &b));
			CHECK(b.len == nd->size);
			CHECK(
			    b.len == 0 || (nd->data != NULL && memcmp(b.p, nd->data, b.len) == 0));
			mamori_buf_free(&b);
		} else if (S_ISLNK(st.st_mode)) {
			char target[256];
			ssize_t tl = readlink(full, target, sizeof(target) - 1);

			CHECK(tl > 0);
			target[tl > 0 ? tl : 0] = '\0';
			CHECK(nd->link != NULL && strcmp(nd->link, target) == 0);
		} else if (S_ISDIR(st.st_mode)) {
			n += compare_dir(t, sub);
		}
	}
	closedir(dir);
	return n;
}

typedef mamori_err (*sqfs_reader)(
    const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d);

static mamori_err
read_with(
    sqfs_reader rd, const uint8_t *p, size_t len, struct mamori_fstree **out, struct mamori_diag *d)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	mamori_err e;

	mamori_fs_limits_default(&l);
	e = mamori_fstree_new(&l, &t);
	if (e != MAMORI_OK)
		return e;
	e = rd(p, len, t, d);
	if (e != MAMORI_OK) {
		mamori_fstree_free(t);
		return e;
	}
	*out = t;
	return MAMORI_OK;
}

static mamori_err
read_image(const uint8_t *p, size_t len, struct mamori_fstree **out, struct mamori_diag *d)
{
	return read_with(mamori_squashfs_read, p, len, out, d);
}

static mamori_err
read_image3(const uint8_t *p, size_t len, struct mamori_fstree **out, struct mamori_diag *d)
{
	return read_with(mamori_squashfs3_read, p, len, out, d);
}

/* Builds an image with mksquashfs options opts into b. */
static int
mksquashfs_from(const char *dir, const char *opts, struct mamori_buf *b)
{
	char cmd[512], img[128];

	snprintf(img, sizeof(img), "%s/img.sqfs", workdir);
	snprintf(cmd, sizeof(cmd), "mksquashfs '%s' '%s' -noappend -quiet %s >/dev/null 2>&1", dir,
	    img, opts);
	mamori_buf_init(b, 1 << 26);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_squashfs: mksquashfs %s failed\n", opts);
		return -1;
	}
	if (mamori_read_file(img, b) != MAMORI_OK)
		return -1;
	return 0;
}

static int
mksquashfs(const char *opts, struct mamori_buf *b)
{
	return mksquashfs_from(srcdir, opts, b);
}

/* The tree read from an image of srcdir holds every source entry, plus the root. */
static void
check_tree(const struct mamori_fstree *t)
{
	const struct mamori_fs_node *nd;

	/* every source entry, plus the root */
	CHECK(compare_dir(t, "") + 1 == mamori_fstree_count(t));
	nd = mamori_fstree_get(t, "/");
	CHECK(nd != NULL && nd->type == MAMORI_FS_DIR);
	nd = mamori_fstree_get(t, "/suid");
	CHECK(nd != NULL && nd->mode == 04755);
	nd = mamori_fstree_get(t, "/owned");
	CHECK(nd != NULL && (!is_root || (nd->uid == 1000 && nd->gid == 1001)));
	if (have_dev) {
		nd = mamori_fstree_get(t, "/dev/sda");
		CHECK(nd != NULL && nd->type == MAMORI_FS_BLK);
	}
}

static void
roundtrip(const char *opts)
{
	struct mamori_buf b;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;

	memset(&d, 0, sizeof(d));
	CHECK(mksquashfs(opts, &b) == 0);
	CHECK(mamori_squashfs_probe(b.p, b.len));
	CHECK(read_image(b.p, b.len, &t, &d) == MAMORI_OK);
	if (t == NULL) {
		fprintf(stderr, "test_squashfs: %s: %s (at %zu)\n", opts, d.msg, d.off);
		mamori_buf_free(&b);
		return;
	}
	check_tree(t);
	mamori_fstree_free(t);
	mamori_buf_free(&b);
}

static void
mksquashfs_gzip(void)
{
	roundtrip("-comp gzip");
}

static void
mksquashfs_lzma(void)
{
	roundtrip("-comp lzma");
}

static void
mksquashfs_lzo(void)
{
	roundtrip("-comp lzo");
}

static void
mksquashfs_xz(void)
{
	roundtrip("-comp xz");
}

static void
mksquashfs_lz4(void)
{
	roundtrip("-comp lz4");
}

static void
mksquashfs_zstd(void)
{
	roundtrip("-comp zstd");
}

static void
mksquashfs_uncompressed(void)
{
	roundtrip("-noI -noD -noF");
}

static void
mksquashfs_small_blocks(void)
{
	roundtrip("-comp gzip -b 4096");
	roundtrip("-comp xz -b 4096 -no-fragments");
	roundtrip("-comp zstd -b 1M -always-use-fragments");
}

/* ---- a hand-built uncompressed image, either byte order ---- */

struct img {
	uint8_t p[1024];
	size_t n;
	int be;
};

static void
put(struct img *m, uint64_t v, size_t bytes)
{
	for (size_t i = 0; i < bytes; i++) {
		size_t sh = m->be ? 8 * (bytes - 1 - i) : 8 * i;

		m->p[m->n++] = (uint8_t)(v >> sh);
	}
}

static void
put_at(struct img *m, size_t at, uint64_t v, size_t bytes)
{
	size_t n = m->n;

	m->n = at;
	put(m, v, bytes);
	m->n = n;
}

static void
put_bytes(struct img *m, const char *s, size_t n)
{
	memcpy(m->p + m->n, s, n);
	m->n += n;
}

enum { BUILD_OK, BUILD_LOOP, BUILD_HUGE, BUILD_DOTDOT, BUILD_SLASH };

/* / with "hello" (12 bytes, one stored block) and "link" -> "hello"; the variants add a
 * directory entry pointing back at the root, claim a 1 TB file, or use a hostile name. */
static void
build(struct img *m, int be, int variant)
{
	static const char data[] = "hello world\n";
	size_t itab, dtab, ids, idx, root_off, list_start, file_len;
	const char *name1 = variant == BUILD_DOTDOT  ? ".."
	                    : variant == BUILD_SLASH ? "a/b"
	                                             : "hello";
	size_t name1_len = strlen(name1);

	memset(m, 0, sizeof(*m));
	m->be = be;
	m->n = 96;
	put_bytes(m, data, 12); /* the data block at 96 */
	/* inode table: one stored metadata block */
	itab = m->n;
	put(m, 0, 2); /* header, patched below */
	/* inode 2: the file at offset 0 */
	if (variant == BUILD_HUGE) {
		put(m, 9, 2);
		put(m, 0644, 2);
		put(m, 0, 2);
		put(m, 0, 2);
		put(m, 0, 4);
		put(m, 2, 4);
		put(m, 96, 8);                /* start */
		put(m, (uint64_t)1 << 40, 8); /* 1 TB */
		put(m, 0, 8);                 /* sparse */
		put(m, 1, 4);                 /* nlink */
		put(m, 0xffffffffu, 4);       /* no fragment */
		put(m, 0, 4);
		put(m, 0xffffffffu, 4);     /* no xattr */
		put(m, 12 | (1u << 24), 4); /* one block size: far fewer than 1 TB needs */
	} else {
		put(m, 2, 2);
		put(m, 0644, 2);
		put(m, 0, 2);
		put(m, 0, 2);
		put(m, 0, 4);
		put(m, 2, 4);
		put(m, 96, 4);
		put(m, 0xffffffffu, 4);
		put(m, 0, 4);
		put(m, 12, 4);
		put(m, 12 | (1u << 24), 4);
	}
	file_len = m->n - itab - 2;
	/* inode 3: symlink */
	put(m, 3, 2);
	put(m, 0777, 2);
	put(m, 0, 2);
	put(m, 0, 2);
	put(m, 0, 4);
	put(m, 3, 4);
	put(m, 1, 4);
	put(m, 5, 4);
	put_bytes(m, "hello", 5);
	/* inode 1: the root directory */
	root_off = m->n - itab - 2;
	put(m, 1, 2);
	put(m, 0755, 2);
	put(m, 0, 2);
	put(m, 0, 2);
	put(m, 0, 4);
	put(m, 1, 4);
	put(m, 0, 4); /* listing block */
	put(m, 3, 4); /* nlink */
	put(m, 0, 2); /* size, patched */
	put(m, 0, 2); /* offset in block */
	put(m, 4, 4); /* parent */
	put_at(m, itab, 0x8000u | (m->n - itab - 2), 2);
	/* directory table */
	dtab = m->n;
	put(m, 0, 2);
	list_start = m->n;
	put(m, variant == BUILD_LOOP ? 2 : 1, 4); /* entries - 1 */
	put(m, 0, 4);
	put(m, 1, 4);
	put(m, 0, 2);
	put(m, 1, 2);
	put(m, 2, 2);
	put(m, name1_len - 1, 2);
	put_bytes(m, name1, name1_len);
	put(m, file_len, 2);
	put(m, 2, 2);
	put(m, 3, 2);
	put(m, 3, 2);
	put_bytes(m, "link", 4);
	if (variant == BUILD_LOOP) { /* "loop" -> the root directory itself */
		put(m, root_off, 2);
		put(m, 0, 2);
		put(m, 1, 2);
		put(m, 3, 2);
		put_bytes(m, "loop", 4);
	}
	put_at(m, dtab, 0x8000u | (m->n - dtab - 2), 2);
	put_at(m, itab + 2 + root_off + 24, m->n - list_start + 3, 2);
	/* id table: one block with id 0, then its index */
	ids = m->n;
	put(m, 0x8004, 2);
	put(m, 0, 4);
	idx = m->n;
	put(m, ids, 8);
	/* the superblock */
	{
		size_t end = m->n;

		m->n = 0;
		put(m, 0x73717368u, 4);
		put(m, 3, 4); /* inodes */
		put(m, 0, 4);
		put(m, 4096, 4);
		put(m, 0, 4); /* fragments */
		put(m, 1, 2); /* gzip, never used: every block is stored */
		put(m, 12, 2);
		put(m, 0, 2);
		put(m, 1, 2); /* ids */
		put(m, 4, 2);
		put(m, 0, 2);
		put(m, root_off, 8); /* root: block 0, offset root_off */
		put(m, end, 8);      /* bytes_used */
		put(m, idx, 8);
		put(m, UINT64_MAX, 8); /* xattr */
		put(m, itab, 8);
		put(m, dtab, 8);
		put(m, UINT64_MAX, 8); /* fragments */
		put(m, UINT64_MAX, 8); /* export */
		m->n = end;
	}
}

static void
handmade_both_orders(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m;
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;
		const struct mamori_fs_node *nd;

		build(&m, be, BUILD_OK);
		CHECK(memcmp(m.p, be ? "sqsh" : "hsqs", 4) == 0);
		CHECK(mamori_squashfs_probe(m.p, m.n));
		CHECK(read_image(m.p, m.n, &t, &d) == MAMORI_OK);
		if (t == NULL) {
			fprintf(stderr, "handmade be=%d: %s\n", be, d.msg);
			continue;
		}
		CHECK(mamori_fstree_count(t) == 3);
		nd = mamori_fstree_get(t, "/hello");
		CHECK(nd != NULL && nd->type == MAMORI_FS_REG && nd->size == 12 &&
		      memcmp(nd->data, "hello world\n", 12) == 0 && nd->mode == 0644);
		nd = mamori_fstree_get(t, "/link");
		CHECK(nd != NULL && nd->type == MAMORI_FS_LNK && strcmp(nd->link, "hello") == 0);
		mamori_fstree_free(t);
	}
}

static void
handmade_must_fail(void)
{
	static const struct {
		int variant;
		mamori_err want;
		const char *msg;
	} c[] = {
	    {BUILD_LOOP, MAMORI_E_MALFORMED, "directory loop"},
	    {BUILD_HUGE, MAMORI_E_MALFORMED, "claims 1099511627776 bytes"},
	    {BUILD_DOTDOT, MAMORI_E_MALFORMED, "hostile entry name"},
	    {BUILD_SLASH, MAMORI_E_MALFORMED, "hostile entry name"},
	};

	for (int be = 0; be < 2; be++) {
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
			struct img m;
			struct mamori_fstree *t = NULL;
			struct mamori_diag d;

			memset(&d, 0, sizeof(d));
			build(&m, be, c[i].variant);
			CHECK(read_image(m.p, m.n, &t, &d) == c[i].want);
			CHECK(strstr(d.msg, c[i].msg) != NULL);
			CHECK(t == NULL);
		}
	}
}

/* Every prefix of an image fails; so does every prefix whose superblock is patched to claim
 * exactly that length (the reader then meets the cut inside its tables). */
static void
truncations(void)
{
	struct mamori_buf b;
	uint8_t *copy;
	size_t used;

	CHECK(mksquashfs_from(smalldir, "-comp gzip -b 4096", &b) == 0);
	if (b.len < 96)
		return;
	used = (size_t)mamori_load_le32(b.p + 40);
	copy = malloc(b.len);
	CHECK(copy != NULL);
	for (size_t n = 0; copy != NULL && n < used; n++) {
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;
		mamori_err e;

		memcpy(copy, b.p, n);
		e = read_image(copy, n, &t, &d);
		CHECK(e == MAMORI_E_TRUNCATED || (n < 4 && e != MAMORI_OK));
		if (n >= 96) {
			copy[40] = (uint8_t)n;
			copy[41] = (uint8_t)(n >> 8);
			copy[42] = (uint8_t)(n >> 16);
			copy[43] = (uint8_t)(n >> 24);
			e = read_image(copy, n, &t, &d);
			CHECK(e != MAMORI_OK);
			CHECK(d.off <= n);
		}
		if (e == MAMORI_OK)
			mamori_fstree_free(t);
	}
	free(copy);
	mamori_buf_free(&b);
}

/* Each byte of an image flipped in turn: any result but a crash, and a message on error. */
static size_t
flip_each(sqfs_reader rd, uint8_t *p, size_t n)
{
	size_t fails = 0;

	for (size_t i = 0; i < n; i++) {
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;

		p[i] ^= 0xff;
		memset(&d, 0, sizeof(d));
		if (read_with(rd, p, n, &t, &d) == MAMORI_OK) {
			mamori_fstree_free(t);
		} else {
			fails++;
			CHECK(strncmp(d.msg, "squashfs: ", 10) == 0 || d.msg[0] != '\0');
			CHECK(d.off <= n);
		}
		p[i] ^= 0xff;
	}
	return fails;
}

static void
byte_flips(void)
{
	static const char *opts[] = {
	    "-comp gzip -b 4096", "-noI -noD -noF -b 4096", "-comp xz -b 4096"};
	struct img m;

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct mamori_buf b;

		CHECK(mksquashfs_from(smalldir, opts[i], &b) == 0);
		CHECK(flip_each(mamori_squashfs_read, b.p, b.len) > 0);
		mamori_buf_free(&b);
	}
	for (int be = 0; be < 2; be++) {
		build(&m, be, BUILD_OK);
		CHECK(flip_each(mamori_squashfs_read, m.p, m.n) > 0);
	}
}

/* 70 nested directories: more than MAMORI_SQFS_DEPTH_MAX. */
static void
too_deep(void)
{
	char path[512], dir[80];
	size_t n;
	struct mamori_buf b;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;

	snprintf(dir, sizeof(dir), "%s/deep", workdir);
	n = (size_t)snprintf(path, sizeof(path), "%s", dir);
	CHECK(mkdir(path, 0755) == 0);
	for (int i = 0; i < 70; i++) {
		n += (size_t)snprintf(path + n, sizeof(path) - n, "/d");
		CHECK(mkdir(path, 0755) == 0);
	}
	CHECK(mksquashfs_from(dir, "-comp gzip", &b) == 0);
	memset(&d, 0, sizeof(d));
	CHECK(read_image(b.p, b.len, &t, &d) == MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "nested deeper than 64") != NULL);
	mamori_buf_free(&b);
}

/* The tree's own caps stop the reader. */
static void
tree_limits(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_buf b;
	struct mamori_diag d;

	CHECK(mksquashfs("-comp gzip", &b) == 0);
	mamori_fs_limits_default(&l);
	l.max_files = 10;
	CHECK_OK(mamori_fstree_new(&l, &t));
	CHECK(mamori_squashfs_read(b.p, b.len, t, &d) == MAMORI_E_TOOBIG);
	mamori_fstree_free(t);
	mamori_fs_limits_default(&l);
	l.max_bytes = 100000; /* random.bin alone is 300000 */
	CHECK_OK(mamori_fstree_new(&l, &t));
	CHECK(mamori_squashfs_read(b.p, b.len, t, &d) == MAMORI_E_TOOBIG);
	mamori_fstree_free(t);
	mamori_buf_free(&b);
}

static void
set_le(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
corrupt_superblock(void)
{
	static const struct {
		size_t off, bytes;
		uint64_t v;
		mamori_err want;
	} c[] = {
	    {22, 2, 11, MAMORI_E_MALFORMED},      /* block_log != log2(block_size) */
	    {22, 2, 40, MAMORI_E_MALFORMED},      /* block_log absurd */
	    {12, 4, 3000, MAMORI_E_MALFORMED},    /* block size not a power of two */
	    {4, 4, 0xffffffffu, MAMORI_E_TOOBIG}, /* inode count */
	    {4, 4, 0, MAMORI_E_MALFORMED},
	    {4, 4, 1000000, MAMORI_E_MALFORMED},            /* more inodes than the table holds */
	    {64, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* inode table past the end */
	    {72, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* directory table past the end */
	    {48, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* id table past the end */
	    {80, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* fragment table past the end */
	    {40, 8, (uint64_t)1 << 40, MAMORI_E_TRUNCATED}, /* bytes_used past the end */
	    {16, 4, 0xffffffffu, MAMORI_E_TOOBIG},          /* fragment count */
	    {28, 2, 3, MAMORI_E_UNSUPPORTED},               /* version 3 */
	    {20, 2, 9, MAMORI_E_UNSUPPORTED},               /* compressor */
	    {32, 8, 0x7fff, MAMORI_E_MALFORMED},            /* root inode offset past its block */
	    {0, 1, 'x', MAMORI_E_MALFORMED},                /* magic */
	};
	struct mamori_buf b;

	CHECK(mksquashfs("-comp xz", &b) == 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t save[8];
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;
		mamori_err e;

		memset(&d, 0, sizeof(d));
		memcpy(save, b.p + c[i].off, c[i].bytes);
		set_le(b.p + c[i].off, c[i].v, c[i].bytes);
		e = read_image(b.p, b.len, &t, &d);
		CHECK(e == c[i].want);
		if (e != c[i].want)
			fprintf(stderr, "case %zu: got %d (%s)\n", i, e, d.msg);
		CHECK(strncmp(d.msg, "squashfs: ", 10) == 0);
		if (e == MAMORI_OK)
			mamori_fstree_free(t);
		memcpy(b.p + c[i].off, save, c[i].bytes);
	}
	mamori_buf_free(&b);
}

static bool
contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; p != NULL && k <= n && i <= n - k; i++)
		if (memcmp(p + i, s, k) == 0)
			return true;
	return false;
}

static void
trendnet(void)
{
	char path[512];
	struct mamori_buf b;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	struct timespec t0, t1, c0, c1;
	const struct mamori_fs_node *nd;
	size_t n[8] = {0};

	snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	mamori_buf_init(&b, 1 << 24);
	CHECK_OK(mamori_read_file(path, &b));
	CHECK(b.len == 3649536);
	CHECK(mamori_squashfs_probe(b.p, b.len));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	CHECK(read_image(b.p, b.len, &t, &d) == MAMORI_OK);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (t == NULL) {
		fprintf(stderr, "trendnet: %s (at %zu)\n", d.msg, d.off);
		mamori_buf_free(&b);
		return;
	}
	fprintf(stderr, "test_squashfs: TRENDnet image read in %.1f ms (%.1f ms CPU)\n",
	    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
	    (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6);
	for (size_t i = 0; i < mamori_fstree_count(t); i++)
		n[mamori_fstree_at(t, i)->type & 7]++;
	/* README: 1811 inodes, 1552 "regular files" (= 1476 files + 76 device nodes in /dev,
	 * everything that is neither a directory nor a symlink), 160 symlinks */
	CHECK(mamori_fstree_count(t) == 1811);
	CHECK(n[MAMORI_FS_LNK] == 160);
	CHECK(n[MAMORI_FS_REG] == 1476);
	CHECK(n[MAMORI_FS_REG] + n[MAMORI_FS_CHR] + n[MAMORI_FS_BLK] == 1552);
	CHECK(n[MAMORI_FS_DIR] == 99);
	nd = mamori_fstree_get(t, "/etc/init0.d/S80telnetd.sh");
	CHECK(nd != NULL && contains(nd->data, (size_t)nd->size, "Alphanetworks"));
	nd = mamori_fstree_get(t, "/bin/busybox");
	CHECK(nd != NULL && nd->size > 4 &&
	      memcmp(nd->data,
	          "\x7f"
	          "ELF",
	          4) == 0);
	nd = mamori_fstree_get(t, "/etc/config/image_sign");
	CHECK(
	    nd != NULL && nd->size >= 24 && memcmp(nd->data, "wrgn80_trendnet_tew733gr", 24) == 0);
	mamori_fstree_free(t);
	mamori_buf_free(&b);
}

/* ---- SquashFS 3.x and 2.x: images from tests/gen/mksquashfs3.py, our own writer (no Debian
 * tool writes them; tests/cli/audit_squashfs3.sh checks the writer against unsquashfs) ---- */

static int
mksq3_from(const char *dir, const char *opts, struct mamori_buf *b)
{
	char cmd[512], img[128];

	snprintf(img, sizeof(img), "%s/img3.sqfs", workdir);
	snprintf(cmd, sizeof(cmd), "python3 tests/gen/mksquashfs3.py '%s' '%s' %s >/dev/null 2>&1",
	    dir, img, opts);
	mamori_buf_init(b, 1 << 26);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_squashfs: mksquashfs3.py %s failed\n", opts);
		return -1;
	}
	if (mamori_read_file(img, b) != MAMORI_OK)
		return -1;
	return 0;
}

/* srcdir through the 3.x/2.x writer with opts and back, every entry compared. */
static void
roundtrip3(const char *opts, unsigned major)
{
	struct mamori_buf b;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;

	memset(&d, 0, sizeof(d));
	CHECK(mksq3_from(srcdir, opts, &b) == 0);
	CHECK(mamori_squashfs_probe(b.p, b.len));
	CHECK(mamori_squashfs_version(b.p, b.len) == major);
	/* the 4.0 reader refuses it by name */
	CHECK(read_image(b.p, b.len, &t, &d) == MAMORI_E_UNSUPPORTED);
	CHECK(strstr(d.msg, "only 4.x is read") != NULL);
	CHECK(read_image3(b.p, b.len, &t, &d) == MAMORI_OK);
	if (t == NULL) {
		fprintf(
		    stderr, "test_squashfs: mksquashfs3.py %s: %s (at %zu)\n", opts, d.msg, d.off);
		mamori_buf_free(&b);
		return;
	}
	check_tree(t);
	mamori_fstree_free(t);
	mamori_buf_free(&b);
}

static void
sq3_zlib_both_orders(void)
{
	static const char *v[] = {"3.1", "3.0", "2.1", "2.0"};
	char opts[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (int be = 0; be < 2; be++) {
			snprintf(opts, sizeof(opts), "--version %s%s", v[i], be ? " --be" : "");
			roundtrip3(opts, (unsigned)(v[i][0] - '0'));
		}
	}
}

static void
sq3_lzma_variants(void)
{
	roundtrip3("--comp lzma", 3);
	roundtrip3("--comp lzma --be", 3);
	roundtrip3("--comp lzma-vendor", 3);
	roundtrip3("--comp lzma-vendor --be --version 3.0", 3);
	roundtrip3("--comp lzma-vendor --version 2.1 --be", 2);
}

static void
sq3_options(void)
{
	roundtrip3("--comp none --check", 3);
	roundtrip3("--check --be --version 2.0", 2);
	roundtrip3("--block-size 4096", 3);
	roundtrip3("--block-size 1048576 --be", 3);
	roundtrip3("--no-fragments --version 3.0", 3);
	roundtrip3("--no-export --be --comp lzma-vendor --check", 3);
}

/* Hostile images: a name "..", a name "a/b", an entry leading back to the root, an inode
 * offset past its block, a listing that does not start a metadata block. */
static void
sq3_hostile(void)
{
	static const struct {
		const char *evil, *msg;
	} c[] = {
	    {"dotdot", "hostile entry name"},
	    {"slash", "hostile entry name"},
	    {"loop", "directory loop"},
	    {"inode-offset", "inode reference offset 8191 is out of range"},
	    {"dir-block", "is not a metadata block start"},
	};
	static const char *v[] = {"--version 3.1", "--version 3.0 --be", "--version 2.1",
	    "--version 2.0 --be --comp none"};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
			struct mamori_buf b;
			struct mamori_fstree *t = NULL;
			struct mamori_diag d;
			char opts[128];

			memset(&d, 0, sizeof(d));
			snprintf(opts, sizeof(opts), "%s --evil %s", v[i], c[k].evil);
			CHECK(mksq3_from(smalldir, opts, &b) == 0);
			CHECK(read_image3(b.p, b.len, &t, &d) == MAMORI_E_MALFORMED);
			CHECK(strstr(d.msg, c[k].msg) != NULL);
			CHECK(d.off > 0 && d.off < b.len);
			if (strstr(d.msg, c[k].msg) == NULL)
				fprintf(stderr, "sq3_hostile %s: %s\n", opts, d.msg);
			CHECK(t == NULL);
			mamori_buf_free(&b);
		}
	}
}

/* Every prefix fails, as is (TRUNCATED) and with bytes_used patched to the prefix length. */
static void
sq3_truncations(void)
{
	static const char *opts[] = {"--pad 0", "--pad 0 --version 2.1 --be --check"};

	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		struct mamori_buf b;
		bool v2 = strstr(opts[k], "2.1") != NULL, be = strstr(opts[k], "--be") != NULL;
		size_t uoff = v2 ? 8 : 63, ulen = v2 ? 4 : 8;
		uint8_t *copy;

		CHECK(mksq3_from(smalldir, opts[k], &b) == 0);
		copy = malloc(b.len);
		CHECK(copy != NULL);
		for (size_t n = 0; copy != NULL && n < b.len; n++) {
			struct mamori_fstree *t = NULL;
			struct mamori_diag d;
			mamori_err e;

			memcpy(copy, b.p, n);
			e = read_image3(copy, n, &t, &d);
			CHECK(e == MAMORI_E_TRUNCATED || (n < 4 && e != MAMORI_OK));
			if (n >= uoff + ulen) {
				for (size_t i = 0; i < ulen; i++) /* bytes_used = n */
					copy[uoff + (be ? ulen - 1 - i : i)] =
					    (uint8_t)(n >> (8 * i));
				e = read_image3(copy, n, &t, &d);
				CHECK(e != MAMORI_OK);
				CHECK(d.off <= n);
			}
			if (e == MAMORI_OK)
				mamori_fstree_free(t);
		}
		free(copy);
		mamori_buf_free(&b);
	}
}

static void
sq3_byte_flips(void)
{
	static const char *opts[] = {"--pad 0 --block-size 4096",
	    "--pad 0 --version 2.1 --be --comp none --check", "--pad 0 --comp lzma-vendor --be",
	    "--pad 0 --comp lzma --version 2.0"};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct mamori_buf b;

		CHECK(mksq3_from(smalldir, opts[i], &b) == 0);
		CHECK(flip_each(mamori_squashfs3_read, b.p, b.len) > 0);
		mamori_buf_free(&b);
	}
}

/* Superblock fields of an uncompressed little-endian image, one at a time. */
static void
sq3_corrupt_superblock(void)
{
	static const struct {
		const char *opts;
		size_t off, bytes;
		uint64_t v;
		mamori_err want;
	} c[] = {
	    {"", 63, 8, (uint64_t)1 << 40, MAMORI_E_TRUNCATED}, /* bytes_used past the end */
	    {"", 63, 8, 100, MAMORI_E_MALFORMED},               /* bytes_used inside the sb */
	    {"", 34, 2, 11, MAMORI_E_MALFORMED},                /* block_log != log2(size) */
	    {"", 34, 2, 40, MAMORI_E_MALFORMED},                /* block_log out of range */
	    {"", 51, 4, 3000, MAMORI_E_MALFORMED},              /* block size */
	    {"", 4, 4, 0xffffffffu, MAMORI_E_TOOBIG},           /* inode count */
	    {"", 4, 4, 0, MAMORI_E_MALFORMED},
	    {"", 4, 4, 1000000, MAMORI_E_MALFORMED},            /* more than the table holds */
	    {"", 87, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* inode table */
	    {"", 87, 8, 100, MAMORI_E_MALFORMED},               /* inode table in the sb */
	    {"", 95, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* directory table */
	    {"", 71, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* uid table */
	    {"", 79, 8, (uint64_t)1 << 40, MAMORI_OK}, /* no gids: guid_start is not read */
	    {"", 103, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* fragment table */
	    {"", 111, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED}, /* lookup table */
	    {"", 55, 4, 0xffffffffu, MAMORI_E_TOOBIG},           /* fragment count */
	    {"", 55, 4, 1000, MAMORI_E_MALFORMED},               /* more fragments than inodes */
	    {"", 37, 1, 0, MAMORI_E_MALFORMED},                  /* no uids */
	    {"", 38, 1, 200, MAMORI_E_MALFORMED},                /* 200 gids past the end */
	    {"", 36, 1, 0x84, MAMORI_E_MALFORMED},               /* CHECK without markers */
	    {"", 28, 2, 1, MAMORI_E_UNSUPPORTED},                /* version 1 */
	    {"", 28, 2, 4, MAMORI_E_UNSUPPORTED},                /* 4.x: the other reader */
	    {"", 30, 2, 2, MAMORI_E_UNSUPPORTED},                /* 3.2 */
	    {"", 43, 8, (uint64_t)1 << 40, MAMORI_E_MALFORMED},  /* root past the inode table */
	    {"", 43, 8, 0x1fff, MAMORI_E_MALFORMED},             /* root offset past its block */
	    {"", 0, 1, 'x', MAMORI_E_MALFORMED},                 /* magic */
	    {"--version 2.1", 8, 4, 1u << 30, MAMORI_E_TRUNCATED},
	    {"--version 2.1", 20, 4, 1u << 30, MAMORI_E_MALFORMED},
	    {"--version 2.1", 20, 4, 10, MAMORI_E_MALFORMED},
	    {"--version 2.1", 24, 4, 1u << 30, MAMORI_E_MALFORMED},
	    {"--version 2.1", 12, 4, 1u << 30, MAMORI_E_MALFORMED},
	    {"--version 2.1", 59, 4, 1u << 30, MAMORI_E_MALFORMED},
	    {"--version 2.1", 30, 2, 7, MAMORI_E_UNSUPPORTED},
	};
	struct mamori_buf img[2];

	CHECK(mksq3_from(smalldir, "--pad 0 --comp none", &img[0]) == 0);
	CHECK(mksq3_from(smalldir, "--pad 0 --comp none --version 2.1", &img[1]) == 0);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct mamori_buf *b = &img[c[i].opts[0] != '\0'];
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;
		uint8_t save[8];
		mamori_err e;

		if (b->len < MAMORI_SQFS3_SUPER_LEN)
			continue;
		memset(&d, 0, sizeof(d));
		memcpy(save, b->p + c[i].off, c[i].bytes);
		set_le(b->p + c[i].off, c[i].v, c[i].bytes);
		e = read_image3(b->p, b->len, &t, &d);
		CHECK(e == c[i].want);
		if (e != c[i].want)
			fprintf(stderr, "sq3 case %zu: got %d (%s)\n", i, e, d.msg);
		CHECK(e == MAMORI_OK || strncmp(d.msg, "squashfs: ", 10) == 0);
		CHECK(d.off <= b->len);
		if (e == MAMORI_OK)
			mamori_fstree_free(t);
		memcpy(b->p + c[i].off, save, c[i].bytes);
	}
	mamori_buf_free(&img[0]);
	mamori_buf_free(&img[1]);
}

/* Deep nesting and the tree's caps stop the 3.x reader as they stop the 4.0 one. */
static void
sq3_limits(void)
{
	char dir[80];
	struct mamori_buf b;
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;

	snprintf(dir, sizeof(dir), "%s/deep", workdir); /* made by too_deep */
	CHECK(mksq3_from(dir, "--be --version 2.1", &b) == 0);
	memset(&d, 0, sizeof(d));
	CHECK(read_image3(b.p, b.len, &t, &d) == MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "nested deeper than 64") != NULL);
	mamori_buf_free(&b);
	CHECK(mksq3_from(srcdir, "", &b) == 0);
	mamori_fs_limits_default(&l);
	l.max_files = 10;
	CHECK_OK(mamori_fstree_new(&l, &t));
	CHECK(mamori_squashfs3_read(b.p, b.len, t, &d) == MAMORI_E_TOOBIG);
	mamori_fstree_free(t);
	mamori_buf_free(&b);
	/* and a 4.0 image is not for this reader */
	CHECK(mksquashfs_from(smalldir, "-comp gzip", &b) == 0);
	CHECK(mamori_squashfs_version(b.p, b.len) == 4);
	CHECK(read_image3(b.p, b.len, &t, &d) == MAMORI_E_UNSUPPORTED);
	mamori_buf_free(&b);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(make_tree),
	    CHECK_CASE(mksquashfs_gzip),
	    CHECK_CASE(mksquashfs_lzma),
	    CHECK_CASE(mksquashfs_lzo),
	    CHECK_CASE(mksquashfs_xz),
	    CHECK_CASE(mksquashfs_lz4),
	    CHECK_CASE(mksquashfs_zstd),
	    CHECK_CASE(mksquashfs_uncompressed),
	    CHECK_CASE(mksquashfs_small_blocks),
	    CHECK_CASE(handmade_both_orders),
	    CHECK_CASE(handmade_must_fail),
	    CHECK_CASE(truncations),
	    CHECK_CASE(byte_flips),
	    CHECK_CASE(too_deep),
	    CHECK_CASE(tree_limits),
	    CHECK_CASE(corrupt_superblock),
	    CHECK_CASE(trendnet),
	    CHECK_CASE(sq3_zlib_both_orders),
	    CHECK_CASE(sq3_lzma_variants),
	    CHECK_CASE(sq3_options),
	    CHECK_CASE(sq3_hostile),
	    CHECK_CASE(sq3_truncations),
	    CHECK_CASE(sq3_byte_flips),
	    CHECK_CASE(sq3_corrupt_superblock),
	    CHECK_CASE(sq3_limits),
	    CHECK_CASE(remove_tree),
	};

	return check_run("test_squashfs", cases, sizeof(cases) / sizeof(cases[0]));
}
