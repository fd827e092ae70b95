/* SPDX-License-Identifier: MIT */
/* JFFS2 reader: every image of tests/gen/mkjffs2.sh (mtd-utils mkfs.jffs2 and sumtool: both
 * byte orders, zlib, rtime, lzo, none, 64/128 KiB erase blocks, padding, no cleanmarkers,
 * summaries) compared file by file with its source tree, and one inside a uImage through
 * mamori_unpack; then images written here node by node (versions, truncation, holes,
 * deletions, hard links, rtime, OpenWrt LZMA, rubin) and the must-fail vectors. */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/fstree.h"
#include "mamori/jffs2.h"
#include "mamori/unpack.h"

#define DT_REG 8

/* ---- an image written node by node ---- */

struct img {
	uint8_t *p;
	size_t n, cap;
	bool be;
};

static void
put(struct img *m, const void *p, size_t n)
{
	if (m->n + n > m->cap) {
		size_t cap = (m->n + n) * 2 + 256;
		uint8_t *np = realloc(m->p, cap);

		if (np == NULL)
			abort();
		m->p = np;
		m->cap = cap;
	}
	if (n > 0)
		memcpy(m->p + m->n, p, n);
	m->n += n;
}

static void
fill(struct img *m, uint8_t c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(m, &c, 1);
}

static void
u8(struct img *m, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(m, &b, 1);
}

static void
u16(struct img *m, unsigned v)
{
	uint8_t b[2];

	b[m->be ? 0 : 1] = (uint8_t)(v >> 8);
	b[m->be ? 1 : 0] = (uint8_t)v;
	put(m, b, 2);
}

static void
u32(struct img *m, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		u8(m, (v >> (m->be ? 24 - 8 * i : 8 * i)) & 0xff);
}

static uint32_t
jcrc(const void *p, size_t n)
{
	return (uint32_t)(crc32(0xffffffffu, p, (uInt)n) ^ 0xffffffffu);
}

/* The header of a node of totlen bytes; returns where it starts. */
static size_t
hdr(struct img *m, unsigned type, uint32_t totlen)
{
	size_t at;

	fill(m, 0xff, (4 - m->n % 4) % 4);
	at = m->n;
	u16(m, 0x1985);
	u16(m, type);
	u32(m, totlen);
	u32(m, jcrc(m->p + at, 8));
	return at;
}

static size_t
dirent(struct img *m, uint32_t pino, uint32_t ver, uint32_t ino, const char *name, size_t nlen)
{
	size_t at = hdr(m, 0xe001, (uint32_t)(40 + nlen));

	u32(m, pino);
	u32(m, ver);
	u32(m, ino);
	u32(m, 0);
	u8(m, (unsigned)nlen);
	u8(m, DT_REG);
	u16(m, 0);
	u32(m, jcrc(m->p + at, 32));
	u32(m, jcrc(name, nlen));
	put(m, name, nlen);
	return at;
}

static size_t
name(struct img *m, uint32_t pino, uint32_t ver, uint32_t ino, const char *s)
{
	return dirent(m, pino, ver, ino, s, strlen(s));
}

static size_t
inode(struct img *m, uint32_t ino, uint32_t ver, uint32_t mode, uint32_t isize, uint32_t off,
    unsigned compr, const void *data, uint32_t csize, uint32_t dsize)
{
	size_t at = hdr(m, 0xe002, 68 + csize);

	u32(m, ino);
	u32(m, ver);
	u32(m, mode);
	u16(m, 0);
	u16(m, 0);
	u32(m, isize);
	u32(m, 0);
	u32(m, 0);
	u32(m, 0);
	u32(m, off);
	u32(m, csize);
	u32(m, dsize);
	u8(m, compr);
	u8(m, 0);
	u16(m, 0);
	u32(m, jcrc(data, csize));
	u32(m, jcrc(m->p + at, 60));
	put(m, data, csize);
	return at;
}

/* A regular file's data node, stored uncompressed. */
static size_t
data(struct img *m, uint32_t ino, uint32_t ver, uint32_t isize, uint32_t off, const char *s)
{
	uint32_t len = (uint32_t)strlen(s);

	return inode(m, ino, ver, 0100644, isize, off, 0, s, len, len);
}

static size_t
dir(struct img *m, uint32_t ino)
{
	return inode(m, ino, 1, 040755, 0, 0, 0, "", 0, 0);
}

/* A node of another kind: header and body bytes only. */
static void
other(struct img *m, unsigned type, size_t body)
{
	hdr(m, type, (uint32_t)(12 + body));
	fill(m, 0, body);
}

/* With JFFS2_SEEDS=DIR in the environment, the hand-written images are also saved there: that
 * is how fuzz/corpus/jffs2/hand-* were made. */
static void
seed(const char *name, const struct img *m)
{
	const char *dir = getenv("JFFS2_SEEDS");
	char path[256];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/hand-%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(m->p, 1, m->n, f) == m->n);
	fclose(f);
}

static struct mamori_fstree *
tree(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;

	mamori_fs_limits_default(&l);
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		abort();
	return t;
}

static bool
file_is(const struct mamori_fstree *t, const char *path, const void *want, size_t len)
{
	const struct mamori_fs_node *n = mamori_fstree_get(t, path);

	return n != NULL && n->type == MAMORI_FS_REG && n->size == len &&
	       (len == 0 || memcmp(n->data, want, len) == 0);
}

static bool
text_is(const struct mamori_fstree *t, const char *path, const char *want)
{
	return file_is(t, path, want, strlen(want));
}

static uint8_t
type_of(const struct mamori_fstree *t, const char *path)
{
	const struct mamori_fs_node *n = mamori_fstree_get(t, path);

	return n != NULL ? n->type : 0;
}

struct res {
	struct mamori_fstree *t;
	struct mamori_jffs2_info info;
	struct mamori_diag d;
	size_t used, clamped;
	mamori_err e;
};

static void
rd(const uint8_t *p, size_t n, struct res *r)
{
	memset(r, 0, sizeof(*r));
	r->t = tree();
	r->e = mamori_jffs2_read_info(p, n, r->t, &r->used, &r->clamped, &r->info, &r->d);
}

/* Every node stays inside the tree: absolute, no "..", no "//". */
static bool
contained(const struct mamori_fstree *t)
{
	for (size_t i = 0; i < mamori_fstree_count(t); i++) {
		const char *p = mamori_fstree_at(t, i)->path;

		if (p[0] != '/' || strstr(p, "/../") != NULL || strstr(p, "//") != NULL ||
		    (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0))
			return false;
	}
	return true;
}

/* ---- images from mkfs.jffs2 ---- */

static char gendir[64];
static int gen_state; /* 0 not tried, 1 made, -1 failed */

static bool
fixtures(void)
{
	char cmd[160];

	if (gen_state != 0)
		return gen_state > 0;
	gen_state = -1;
	snprintf(gendir, sizeof(gendir), "/tmp/mamori-jffs2-XXXXXX");
	if (mkdtemp(gendir) == NULL)
		return false;
	snprintf(cmd, sizeof(cmd), "sh tests/gen/mkjffs2.sh %s >/dev/null 2>&1", gendir);
	if (system(cmd) != 0) {
		fprintf(stderr, "test_jffs2: tests/gen/mkjffs2.sh failed (mtd-utils missing?)\n");
		return false;
	}
	gen_state = 1;
	return true;
}

static bool
load(const char *path, struct mamori_buf *b)
{
	mamori_buf_init(b, (size_t)64 << 20);
	return mamori_read_file(path, b) == MAMORI_OK;
}

/* Every node of src (the directory mkfs.jffs2 read) is in t with the same type, mode, owner,
 * contents and link target. */
static size_t
compare(const struct mamori_fstree *src, const struct mamori_fstree *t, const char *img)
{
	size_t bad = 0;

	for (size_t i = 0; i < mamori_fstree_count(src); i++) {
		const struct mamori_fs_node *s = mamori_fstree_at(src, i);
		const struct mamori_fs_node *n = mamori_fstree_get(t, s->path);

		if (strcmp(s->path, "/") == 0)
			continue;
		if (n == NULL || n->type != s->type || n->mode != s->mode || n->uid != s->uid ||
		    n->gid != s->gid || n->size != s->size ||
		    (s->size > 0 && memcmp(n->data, s->data, (size_t)s->size) != 0) ||
		    (s->type == MAMORI_FS_LNK &&
		        (n->link == NULL || strcmp(n->link, s->link) != 0))) {
			fprintf(stderr, "test_jffs2: %s: %s differs\n", img, s->path);
			bad++;
		}
	}
	return bad;
}

static void
test_mkfs_images(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *src = NULL;
	char path[400], line[256];
	size_t images = 0;
	FILE *f;

	CHECK(fixtures());
	if (gen_state < 0)
		return;
	mamori_fs_limits_default(&l);
	snprintf(path, sizeof(path), "%s/root", gendir);
	CHECK_OK(mamori_fstree_from_dir(path, &l, &src, NULL));
	if (src == NULL)
		return;
	snprintf(path, sizeof(path), "%s/list", gendir);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		const struct mamori_fs_node *n;
		struct mamori_buf b;
		struct res r;

		line[strcspn(line, " \n")] = '\0';
		snprintf(path, sizeof(path), "%s/%s", gendir, line);
		CHECK(load(path, &b));
		CHECK(mamori_jffs2_probe(b.p, b.len));
		rd(b.p, b.len, &r);
		CHECK_OK(r.e);
		if (r.e != MAMORI_OK)
			fprintf(stderr, "test_jffs2: %s: %s\n", line, r.d.msg);
		CHECK(compare(src, r.t, line) == 0);
		/* what the device table added */
		n = mamori_fstree_get(r.t, "/dev/console");
		CHECK(n != NULL && n->type == MAMORI_FS_CHR && n->mode == 0600);
		n = mamori_fstree_get(r.t, "/dev/mtdblock0");
		CHECK(n != NULL && n->type == MAMORI_FS_BLK && n->mode == 0640 && n->gid == 6);
		CHECK(type_of(r.t, "/tmp/fifo") == MAMORI_FS_FIFO);
		CHECK(mamori_fstree_count(r.t) == mamori_fstree_count(src) + 3);
		CHECK(r.info.big_endian == (line[0] == 'b'));
		CHECK(r.info.bad == 0 && r.info.unsupported == 0 && r.info.truncated == 0);
		CHECK(r.info.orphans == 0 && r.info.loops == 0 && r.clamped == 0);
		/* consumed: the last node, not the erased padding after it */
		CHECK(r.used <= b.len && r.used % 4 == 0 && b.len - r.used < (128u << 10));
		if (strstr(line, "pad") == NULL && strstr(line, "sum") == NULL)
			CHECK(b.len == r.used);
		images++;
		mamori_fstree_free(r.t);
		mamori_buf_free(&b);
	}
	if (f != NULL)
		fclose(f);
	CHECK(images >= 15);
	mamori_fstree_free(src);
}

static bool
logged(const struct mamori_unpack_log *log, const char *s)
{
	size_t k = strlen(s);

	for (size_t i = 0; i + k <= log->text.len; i++)
		if (memcmp((const char *)log->text.p + i, s, k) == 0)
			return true;
	return false;
}

/* The image behind 4 KiB of junk and a uImage header: carved at 0x1040 by the unpacker. */
static void
test_unpack_uimage(void)
{
	struct mamori_unpack_opts o;
	struct mamori_unpack_log log;
	struct mamori_fstree *t = tree();
	struct mamori_buf b, shadow;
	struct mamori_diag d;
	char path[160];

	CHECK(fixtures());
	if (gen_state < 0) {
		mamori_fstree_free(t);
		return;
	}
	snprintf(path, sizeof(path), "%s/uimage.bin", gendir);
	CHECK(load(path, &b));
	snprintf(path, sizeof(path), "%s/root/etc/shadow", gendir);
	CHECK(load(path, &shadow));
	mamori_unpack_opts_default(&o);
	mamori_unpack_log_init(&log);
	CHECK_OK(mamori_unpack(b.p, b.len, &o, t, &log, &d));
	CHECK(log.filesystems == 1 && log.errors == 0);
	CHECK(logged(&log, "uImage @0x1000"));
	CHECK(logged(&log, "jffs2 @0x1040"));
	CHECK(file_is(t, "/etc/shadow", shadow.p, shadow.len));
	CHECK(type_of(t, "/bin/busybox") == MAMORI_FS_REG);
	mamori_unpack_log_free(&log);
	mamori_fstree_free(t);
	mamori_buf_free(&b);
	mamori_buf_free(&shadow);
}

/* ---- images written here ---- */

/* Versions, truncation, holes, deletions, hard links and every node type, in both orders. */
static void
sample(struct img *m)
{
	static const uint8_t dev[2] = {5, 1};

	other(m, 0x2003, 0); /* cleanmarker */
	name(m, 1, 1, 2, "f");
	data(m, 2, 1, 10, 0, "AAAAAAAAAA");
	inode(m, 2, 3, 0100600, 10, 4, 0, "BB", 2, 2);
	data(m, 2, 2, 10, 0, "CCCCCCCCCC"); /* later in the image, older version */
	/* truncated to 3 bytes, then extended by a hole node */
	name(m, 1, 2, 3, "trunc");
	data(m, 3, 1, 8, 0, "12345678");
	inode(m, 3, 2, 0100644, 3, 0, 0, "", 0, 0);
	inode(m, 3, 3, 0100644, 6, 3, 1, "", 0, 3);
	/* a hole in the middle */
	name(m, 1, 3, 4, "holes");
	data(m, 4, 1, 9000, 0, "head");
	data(m, 4, 2, 9000, 8192, "tail");
	other(m, 0x2004, 100); /* padding */
	/* the latest dirent of a name wins */
	name(m, 1, 4, 5, "x");
	data(m, 5, 1, 4, 0, "five");
	name(m, 1, 9, 6, "x");
	data(m, 6, 1, 3, 0, "six");
	/* deleted, deleted and made again */
	name(m, 1, 5, 7, "gone");
	data(m, 7, 1, 4, 0, "gone");
	name(m, 1, 6, 0, "gone");
	name(m, 1, 7, 8, "back");
	name(m, 1, 8, 0, "back");
	name(m, 1, 10, 8, "back");
	data(m, 8, 1, 4, 0, "back");
	/* hard links, a directory, a symlink, a device */
	name(m, 1, 11, 9, "h1");
	name(m, 1, 12, 9, "h2");
	data(m, 9, 1, 4, 0, "hard");
	name(m, 1, 13, 10, "d");
	dir(m, 10);
	name(m, 10, 1, 11, "in");
	data(m, 11, 1, 2, 0, "in");
	name(m, 1, 14, 12, "l");
	inode(m, 12, 1, 0120777, 4, 0, 0, "d/in", 4, 4);
	name(m, 1, 15, 13, "c");
	inode(m, 13, 1, 020600, 0, 0, 0, dev, 2, 2);
	/* an obsolete dirent (ACCURATE cleared after writing, as the kernel does) */
	{
		size_t at = name(m, 1, 16, 11, "obs");

		m->p[at + (m->be ? 2 : 3)] &= 0xdf;
	}
	other(m, 0xe008, 20); /* xattr, xref, summary, an unknown RWCOMPAT type: skipped */
	other(m, 0xe009, 16);
	other(m, 0x2006, 24);
	other(m, 0x2077, 8);
	fill(m, 0xff, 4096); /* erased space */
}

static void
check_sample(const struct res *r, size_t len)
{
	static const char zeros[9000];
	const struct mamori_fs_node *n;

	CHECK_OK(r->e);
	CHECK(text_is(r->t, "/f", "CCCCBBCCCC"));
	n = mamori_fstree_get(r->t, "/f");
	CHECK(n != NULL && n->mode == 0600); /* metadata of the latest version */
	CHECK(file_is(r->t, "/trunc", "123\0\0\0", 6));
	n = mamori_fstree_get(r->t, "/holes");
	CHECK(n != NULL && n->size == 9000 && memcmp(n->data, "head", 4) == 0 &&
	      memcmp(n->data + 4, zeros, 8188) == 0 && memcmp(n->data + 8192, "tail", 4) == 0 &&
	      memcmp(n->data + 8196, zeros, 804) == 0);
	CHECK(text_is(r->t, "/x", "six"));
	CHECK(type_of(r->t, "/gone") == 0);
	CHECK(text_is(r->t, "/back", "back"));
	CHECK(text_is(r->t, "/h1", "hard") && text_is(r->t, "/h2", "hard"));
	CHECK(type_of(r->t, "/d") == MAMORI_FS_DIR && text_is(r->t, "/d/in", "in"));
	n = mamori_fstree_get(r->t, "/l");
	CHECK(n != NULL && n->type == MAMORI_FS_LNK && strcmp(n->link, "d/in") == 0);
	n = mamori_fstree_get(r->t, "/c");
	CHECK(n != NULL && n->type == MAMORI_FS_CHR && n->mode == 0600);
	CHECK(type_of(r->t, "/obs") == 0);
	CHECK(mamori_fstree_count(r->t) == 12);
	CHECK(r->info.obsolete == 1 && r->info.deleted == 1 && r->info.bad == 0);
	CHECK(r->info.orphans == 2); /* inodes 5 and 7 lost their names */
	CHECK(r->info.loops == 0 && r->clamped == 0 && r->info.unsupported == 0);
	CHECK(r->used == len - 4096); /* the end of the last node, not the erased space */
}

static void
test_versions(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m = {NULL, 0, 0, be != 0};
		struct res r;

		sample(&m);
		seed(be ? "sample-be" : "sample-le", &m);
		CHECK(mamori_jffs2_probe(m.p, m.n));
		rd(m.p, m.n, &r);
		check_sample(&r, m.n);
		CHECK(r.info.big_endian == (be != 0));
		mamori_fstree_free(r.t);
		free(m.p);
	}
}

/* rtime pairs (byte, repeat): a back-reference to the byte after the value's last
 * occurrence, overlapping runs, and a repeat that would run past dsize. */
static void
test_rtime(void)
{
	static const uint8_t abc[] = {'a', 0, 'b', 0, 'c', 0, 'a', 5, 'X', 0};
	static const uint8_t run[] = {'z', 5};
	static const uint8_t over[] = {'a', 0, 'a', 200};
	static const uint8_t cut[] = {'a', 0, 'b'};
	struct img m = {NULL, 0, 0, false};
	struct res r;

	name(&m, 1, 1, 2, "abc");
	inode(&m, 2, 1, 0100644, 10, 0, 2, abc, sizeof(abc), 10);
	name(&m, 1, 2, 3, "run");
	inode(&m, 3, 1, 0100644, 6, 0, 2, run, sizeof(run), 6);
	name(&m, 1, 3, 4, "over");
	inode(&m, 4, 1, 0100644, 10, 0, 2, over, sizeof(over), 10);
	name(&m, 1, 4, 5, "cut");
	inode(&m, 5, 1, 0100644, 4, 0, 2, cut, sizeof(cut), 4);
	seed("rtime", &m);
	rd(m.p, m.n, &r);
	CHECK_OK(r.e);
	CHECK(text_is(r.t, "/abc", "abcabcabcX"));
	CHECK(text_is(r.t, "/run", "zzzzzz"));
	/* nodes that do not decode: counted, their range stays zero */
	CHECK(file_is(r.t, "/over", "\0\0\0\0\0\0\0\0\0\0", 10));
	CHECK(file_is(r.t, "/cut", "\0\0\0\0", 4));
	CHECK(r.info.bad == 2);
	mamori_fstree_free(r.t);
	free(m.p);
}

/* zlib with and without its header, OpenWrt LZMA (raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary,
 * made here with liblzma), rubin and copy (unsupported), and broken streams. */
static void
test_compressors(void)
{
	static uint8_t text[4096], z[8192], raw[8192], lz[8192];
	lzma_options_lzma opt;
	lzma_filter f[2];
	lzma_stream ls = LZMA_STREAM_INIT;
	z_stream zs;
	uLongf zlen = sizeof(z);
	size_t rawlen, lzlen;
	struct img m = {NULL, 0, 0, true};
	struct res r;

	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)((size_t)(uint8_t) "openwrt jffs2 lzma node "[i % 24] + i / 512);
	CHECK(compress2(z, &zlen, text, sizeof(text), 9) == Z_OK);
	memset(&zs, 0, sizeof(zs));
	CHECK(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	zs.next_in = text;
	zs.avail_in = sizeof(text);
	zs.next_out = raw;
	zs.avail_out = sizeof(raw);
	CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
	rawlen = sizeof(raw) - zs.avail_out;
	(void)deflateEnd(&zs);
	CHECK(lzma_lzma_preset(&opt, 6) == 0);
	opt.lc = 0;
	opt.lp = 0;
	opt.pb = 0;
	opt.dict_size = 8192;
	f[0].id = LZMA_FILTER_LZMA1;
	f[0].options = &opt;
	f[1].id = LZMA_VLI_UNKNOWN;
	f[1].options = NULL;
	CHECK(lzma_raw_encoder(&ls, f) == LZMA_OK);
	ls.next_in = text;
	ls.avail_in = sizeof(text);
	ls.next_out = lz;
	ls.avail_out = sizeof(lz);
	CHECK(lzma_code(&ls, LZMA_FINISH) == LZMA_STREAM_END);
	lzlen = sizeof(lz) - ls.avail_out;
	lzma_end(&ls);

	name(&m, 1, 1, 2, "zlib");
	inode(&m, 2, 1, 0100644, 4096, 0, 6, z, (uint32_t)zlen, 4096);
	name(&m, 1, 2, 3, "deflate");
	inode(&m, 3, 1, 0100644, 4096, 0, 6, raw, (uint32_t)rawlen, 4096);
	name(&m, 1, 3, 4, "lzma");
	inode(&m, 4, 1, 0100644, 4096, 0, 0x15, lz, (uint32_t)lzlen, 4096);
	name(&m, 1, 4, 5, "rubin");
	inode(&m, 5, 1, 0100644, 8, 0, 3, "rubin!!!", 8, 8);
	name(&m, 1, 5, 6, "copy");
	inode(&m, 6, 1, 0100644, 4, 0, 4, "copy", 4, 4);
	name(&m, 1, 6, 7, "badzlib");
	inode(&m, 7, 1, 0100644, 4096, 0, 6, z, (uint32_t)zlen / 2, 4096);
	name(&m, 1, 7, 8, "badsize"); /* decodes to 4096 bytes, claims 4000 */
	inode(&m, 8, 1, 0100644, 4000, 0, 6, z, (uint32_t)zlen, 4000);
	name(&m, 1, 8, 9, "lzo");
	inode(&m, 9, 1, 0100644, 4096, 0, 7, "\x11\x00\x00", 3, 4096); /* empty LZO block */
	seed("compressors", &m);
	rd(m.p, m.n, &r);
	CHECK_OK(r.e);
	CHECK(file_is(r.t, "/zlib", text, sizeof(text)));
	CHECK(file_is(r.t, "/deflate", text, sizeof(text)));
	CHECK(file_is(r.t, "/lzma", text, sizeof(text)));
	CHECK(file_is(r.t, "/rubin", "\0\0\0\0\0\0\0\0", 8));
	CHECK(file_is(r.t, "/copy", "\0\0\0\0", 4));
	CHECK(r.info.unsupported == 2);
	CHECK(r.info.bad == 3); /* badzlib, badsize, lzo */
	CHECK(type_of(r.t, "/badzlib") == MAMORI_FS_REG);
	mamori_fstree_free(r.t);
	free(m.p);
}

/* Names that try to leave their directory, loops, hard-linked directories, orphans, sizes
 * beyond the limits: dropped and counted, nothing escapes. */
static void
test_hostile(void)
{
	struct img m = {NULL, 0, 0, false};
	struct res r;

	name(&m, 1, 1, 2, "..");
	name(&m, 1, 2, 2, ".");
	name(&m, 1, 3, 2, "../../etc/passwd");
	name(&m, 1, 4, 2, "a/b");
	data(&m, 2, 1, 4, 0, "evil");
	dirent(&m, 1, 5, 2, "nul\0name", 8); /* a NUL in a name: a bad node */
	/* /A/B, and B holds its parent and the root */
	name(&m, 1, 6, 3, "A");
	dir(&m, 3);
	name(&m, 3, 1, 4, "B");
	dir(&m, 4);
	name(&m, 4, 1, 3, "up");
	name(&m, 4, 2, 1, "root");
	/* one directory under two names: the first in name order wins */
	name(&m, 1, 7, 5, "Q");
	name(&m, 1, 8, 5, "P");
	dir(&m, 5);
	name(&m, 5, 1, 6, "inP");
	data(&m, 6, 1, 1, 0, "p");
	/* orphans: a parent that does not exist, a parent that is a file */
	name(&m, 99, 1, 7, "lost");
	data(&m, 7, 1, 4, 0, "lost");
	name(&m, 1, 9, 8, "file");
	data(&m, 8, 1, 4, 0, "file");
	name(&m, 8, 1, 9, "under-a-file");
	data(&m, 9, 1, 1, 0, "u");
	/* a huge isize, a dsize over the limit: bad nodes, so their names lead nowhere */
	name(&m, 1, 10, 10, "huge");
	inode(&m, 10, 1, 0100644, 0xffffffffu, 0, 0, "x", 1, 1);
	name(&m, 1, 11, 11, "bigdsize");
	inode(&m, 11, 1, 0100644, 1u << 20, 0, 1, "", 0, 1u << 20);
	/* a symlink with a NUL in its target, a mode of no known type */
	name(&m, 1, 12, 12, "badlink");
	inode(&m, 12, 1, 0120777, 3, 0, 0, "a\0b", 3, 3);
	name(&m, 1, 13, 13, "badmode");
	inode(&m, 13, 1, 0170644, 0, 0, 0, "", 0, 0);
	seed("hostile", &m);
	rd(m.p, m.n, &r);
	CHECK_OK(r.e);
	CHECK(contained(r.t));
	CHECK(r.clamped == 4);
	CHECK(type_of(r.t, "/A") == MAMORI_FS_DIR && type_of(r.t, "/A/B") == MAMORI_FS_DIR);
	CHECK(type_of(r.t, "/A/B/up") == 0 && type_of(r.t, "/A/B/root") == 0);
	CHECK(type_of(r.t, "/P") == MAMORI_FS_DIR && text_is(r.t, "/P/inP", "p"));
	CHECK(type_of(r.t, "/Q") == 0);
	CHECK(r.info.loops == 3);
	CHECK(text_is(r.t, "/file", "file"));
	CHECK(type_of(r.t, "/huge") == 0 && type_of(r.t, "/bigdsize") == 0);
	CHECK(type_of(r.t, "/badlink") == 0 && type_of(r.t, "/badmode") == 0);
	/* the NUL name, huge, bigdsize, badlink, badmode */
	CHECK(r.info.bad == 5);
	/* /, A, B, P, P/inP, file */
	CHECK(mamori_fstree_count(r.t) == 6);
	CHECK(r.info.orphans >= 3); /* 2 (named only by hostile names), 7, 9, and the two bad */
	mamori_fstree_free(r.t);
	free(m.p);
}

/* Nesting deeper than MAMORI_JFFS2_DEPTH_MAX: the rest is dropped and counted. */
static void
test_deep(void)
{
	struct img m = {NULL, 0, 0, true};
	struct res r;
	char want[2 * MAMORI_JFFS2_DEPTH_MAX + 2];

	for (uint32_t i = 0; i < MAMORI_JFFS2_DEPTH_MAX + 20; i++) {
		name(&m, i == 0 ? 1 : i + 1, 1, i + 2, "d");
		dir(&m, i + 2);
	}
	rd(m.p, m.n, &r);
	CHECK_OK(r.e);
	for (size_t i = 0; i < MAMORI_JFFS2_DEPTH_MAX; i++)
		memcpy(want + 2 * i, "/d", 2);
	want[2 * MAMORI_JFFS2_DEPTH_MAX] = '\0';
	CHECK(type_of(r.t, want) == MAMORI_FS_DIR);
	CHECK(r.info.skipped == 1);
	CHECK(mamori_fstree_count(r.t) == MAMORI_JFFS2_DEPTH_MAX + 1);
	mamori_fstree_free(r.t);
	free(m.p);
}

/* Three files; returns where the nodes of each start (dirent, inode). */
static void
three(struct img *m, size_t at[6])
{
	other(m, 0x2003, 0);
	at[0] = name(m, 1, 1, 2, "one");
	at[1] = data(m, 2, 1, 3, 0, "one");
	at[2] = name(m, 1, 2, 3, "two");
	at[3] = data(m, 3, 1, 3, 0, "two");
	at[4] = name(m, 1, 3, 4, "three");
	at[5] = data(m, 4, 1, 5, 0, "three");
}

static void
test_crc(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m = {NULL, 0, 0, be != 0};
		size_t at[6];
		struct res r;

		three(&m, at);
		/* header CRC of "two"'s dirent: not a node at all */
		m.p[at[2] + 8] ^= 1;
		/* data CRC of "three"'s data: a bad node */
		m.p[at[5] + 68] ^= 0x20;
		/* node CRC of "one"'s inode: a bad node */
		m.p[at[1] + 20] ^= 1;
		seed(be ? "crc-be" : "crc-le", &m);
		rd(m.p, m.n, &r);
		CHECK_OK(r.e);
		CHECK(type_of(r.t, "/one") == 0 && type_of(r.t, "/two") == 0);
		CHECK(type_of(r.t, "/three") == 0);
		CHECK(r.info.bad == 2);
		/* inode 3 lost its name, the names "one" and "three" lost their inodes */
		CHECK(r.info.orphans == 3);
		CHECK(r.used == m.n);
		mamori_fstree_free(r.t);
		/* name CRC */
		m.p[at[1] + 20] ^= 1;
		m.p[at[5] + 68] ^= 0x20;
		m.p[at[4] + 40] ^= 1;
		rd(m.p, m.n, &r);
		CHECK_OK(r.e);
		CHECK(text_is(r.t, "/one", "one") && type_of(r.t, "/three") == 0);
		CHECK(r.info.bad == 1);
		mamori_fstree_free(r.t);
		free(m.p);
	}
}

/* Every prefix of a small image, and cuts of a real one: an error or fewer files, never more
 * than the input; a cut inside the first node is TRUNCATED. */
static void
test_truncated(void)
{
	struct img m = {NULL, 0, 0, false};
	size_t at[6];

	three(&m, at);
	for (size_t n = 0; n <= m.n; n++) {
		struct res r;

		rd(m.p, n, &r);
		if (n < 12) {
			CHECK(r.e == MAMORI_E_TRUNCATED);
		} else if (r.e != MAMORI_OK) {
			CHECK(r.d.msg[0] != '\0');
		} else {
			CHECK(r.used <= n && contained(r.t));
			CHECK(mamori_fstree_count(r.t) <= 4);
		}
		if (n == m.n)
			CHECK(r.e == MAMORI_OK && mamori_fstree_count(r.t) == 4);
		if (n == at[2] + 20) /* inside "two"'s dirent */
			CHECK(r.e == MAMORI_OK && text_is(r.t, "/one", "one") &&
			      r.info.truncated == 1 && r.used == at[2]);
		mamori_fstree_free(r.t);
	}
	/* the first node alone, cut: no usable node, TRUNCATED */
	{
		struct img k = {NULL, 0, 0, false};
		struct res r;

		data(&k, 2, 1, 3, 0, "abc");
		rd(k.p, k.n - 1, &r);
		CHECK(r.e == MAMORI_E_TRUNCATED && strstr(r.d.msg, "no usable node") != NULL);
		mamori_fstree_free(r.t);
		free(k.p);
	}
	free(m.p);
	if (fixtures()) {
		static const size_t cuts[] = {12, 13, 100, 4096, 65536 + 7, 300000, 700001};
		struct mamori_buf b;
		char path[160];

		snprintf(path, sizeof(path), "%s/be-zlib-128k.img", gendir);
		CHECK(load(path, &b));
		for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]) && cuts[i] < b.len; i++) {
			struct res r;

			rd(b.p, cuts[i], &r);
			CHECK(r.e == MAMORI_OK || r.e == MAMORI_E_TRUNCATED);
			if (r.e == MAMORI_OK)
				CHECK(r.used <= cuts[i] && contained(r.t));
			mamori_fstree_free(r.t);
		}
		mamori_buf_free(&b);
	}
}

/* More than MAMORI_JFFS2_GAP_MAX bytes without a node end the file system. */
static void
test_gap(void)
{
	for (size_t gap = 1024; gap <= 128 * 1024; gap *= 128) {
		struct img m = {NULL, 0, 0, false};
		size_t at[6], end;
		struct res r;

		three(&m, at);
		end = m.n;
		fill(&m, 0x5a, gap);
		name(&m, 1, 9, 9, "later");
		data(&m, 9, 1, 5, 0, "later");
		rd(m.p, m.n, &r);
		CHECK_OK(r.e);
		CHECK(text_is(r.t, "/three", "three"));
		if (gap > MAMORI_JFFS2_GAP_MAX) {
			CHECK(type_of(r.t, "/later") == 0 && r.used == (end + 3) / 4 * 4);
		} else {
			CHECK(text_is(r.t, "/later", "later") && r.used == m.n);
		}
		mamori_fstree_free(r.t);
		free(m.p);
	}
}

static void
test_probe_and_errors(void)
{
	struct img m = {NULL, 0, 0, false};
	size_t at[6];
	struct res r;

	three(&m, at);
	CHECK(mamori_jffs2_probe(m.p, m.n));
	CHECK(!mamori_jffs2_probe(m.p, 11));
	CHECK(!mamori_jffs2_probe(m.p + 1, m.n - 1));
	m.p[8] ^= 1; /* the cleanmarker's header CRC */
	CHECK(!mamori_jffs2_probe(m.p, m.n));
	rd(m.p, m.n, &r); /* the read goes on to the next node */
	CHECK_OK(r.e);
	CHECK(mamori_fstree_count(r.t) == 4);
	mamori_fstree_free(r.t);
	m.p[8] ^= 1;
	/* a first node whose name CRC fails is no probe hit */
	CHECK(mamori_jffs2_probe(m.p + at[0], m.n - at[0]));
	m.p[at[0] + 40] ^= 1;
	CHECK(!mamori_jffs2_probe(m.p + at[0], m.n - at[0]));
	m.p[at[0] + 40] ^= 1;
	/* an obsolete first node, an unknown first node */
	m.p[3] &= 0xdf;
	CHECK(!mamori_jffs2_probe(m.p, m.n));
	free(m.p);
	memset(&m, 0, sizeof(m));
	other(&m, 0x2077, 4);
	CHECK(!mamori_jffs2_probe(m.p, m.n));
	free(m.p);

	/* no magic; only a bad node */
	memset(&m, 0, sizeof(m));
	fill(&m, 0, 64);
	rd(m.p, m.n, &r);
	CHECK(r.e == MAMORI_E_MALFORMED && r.d.off == 0);
	mamori_fstree_free(r.t);
	free(m.p);
	memset(&m, 0, sizeof(m));
	at[0] = data(&m, 2, 1, 3, 0, "abc");
	m.p[at[0] + 70] ^= 1; /* data CRC: usable (metadata holds), but the data is dropped */
	rd(m.p, m.n, &r);
	CHECK(r.e == MAMORI_OK && r.info.usable == 1 && r.info.bad == 1);
	CHECK(mamori_fstree_count(r.t) == 1);
	mamori_fstree_free(r.t);
	m.p[at[0] + 20] ^= 1; /* node CRC: nothing usable */
	rd(m.p, m.n, &r);
	CHECK(r.e == MAMORI_E_MALFORMED && strstr(r.d.msg, "no usable node") != NULL &&
	      strstr(r.d.msg, "1 nodes with a bad CRC") != NULL);
	mamori_fstree_free(r.t);
	/* only cleanmarkers: an empty file system, not an error */
	memset(m.p, 0xff, m.n);
	m.n = 0;
	other(&m, 0x2003, 0);
	fill(&m, 0xff, 65536 - 12);
	other(&m, 0x2003, 0);
	rd(m.p, m.n, &r);
	CHECK_OK(r.e);
	CHECK(mamori_fstree_count(r.t) == 1 && r.used == 65536 + 12);
	mamori_fstree_free(r.t);
	free(m.p);
}

/* The unpacker on data full of JFFS2 magics that are not nodes: no file system, quickly. */
static void
test_unpack_noise(void)
{
	struct mamori_unpack_opts o;
	struct mamori_unpack_log log;
	struct mamori_fstree *t = tree();
	struct mamori_diag d;
	size_t n = (size_t)4 << 20;
	uint8_t *p = malloc(n);

	CHECK(p != NULL);
	if (p == NULL) {
		mamori_fstree_free(t);
		return;
	}
	for (size_t i = 0; i < n; i += 2) {
		p[i] = (i / 2) % 2 ? 0x85 : 0x19;
		p[i + 1] = (i / 2) % 2 ? 0x19 : 0x85;
	}
	mamori_unpack_opts_default(&o);
	mamori_unpack_log_init(&log);
	CHECK(mamori_unpack(p, n, &o, t, &log, &d) == MAMORI_E_NOTFOUND);
	mamori_unpack_log_free(&log);
	mamori_fstree_free(t);
	free(p);
}

/* Inode headers every 68 bytes, each claiming 1 MiB of data whose CRC fails: the probe never
 * reads the data and the read skips a node by its length, so this is linear (milliseconds),
 * not one 1 MiB CRC per probe (minutes). */
static void
test_unpack_crafted(void)
{
	struct mamori_unpack_opts o;
	struct mamori_unpack_log log;
	struct mamori_fstree *t = tree();
	struct img m = {NULL, 0, 0, false};
	struct mamori_diag d;
	size_t nodes = 0;

	while (m.n < ((size_t)4 << 20)) {
		size_t at = hdr(&m, 0xe002, 1u << 20);

		u32(&m, 2);
		u32(&m, (uint32_t)++nodes);
		u32(&m, 0100644);
		u32(&m, 0);
		u32(&m, 4096);
		for (int i = 0; i < 4; i++)
			u32(&m, 0);
		u32(&m, (1u << 20) - 68);
		u32(&m, 4096);
		u32(&m, 6);
		u32(&m, 0);
		u32(&m, jcrc(m.p + at, 60));
	}
	CHECK(mamori_jffs2_probe(m.p, m.n));
	mamori_unpack_opts_default(&o);
	mamori_unpack_log_init(&log);
	CHECK(mamori_unpack(m.p, m.n, &o, t, &log, &d) == MAMORI_E_NOTFOUND);
	CHECK(logged(&log, "jffs2 @0x0"));
	mamori_unpack_log_free(&log);
	mamori_fstree_free(t);
	free(m.p);
}

static void
cleanup(void)
{
	char cmd[128];

	if (gen_state > 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", gendir);
		if (system(cmd) != 0)
			fprintf(stderr, "test_jffs2: could not remove %s\n", gendir);
	}
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(test_mkfs_images),
	    CHECK_CASE(test_unpack_uimage),
	    CHECK_CASE(test_versions),
	    CHECK_CASE(test_rtime),
	    CHECK_CASE(test_compressors),
	    CHECK_CASE(test_hostile),
	    CHECK_CASE(test_deep),
	    CHECK_CASE(test_crc),
	    CHECK_CASE(test_truncated),
	    CHECK_CASE(test_gap),
	    CHECK_CASE(test_probe_and_errors),
	    CHECK_CASE(test_unpack_noise),
	    CHECK_CASE(test_unpack_crafted),
	};
	int rc = check_run("test_jffs2", cases, sizeof(cases) / sizeof(cases[0]));

	cleanup();
	return rc;
}
