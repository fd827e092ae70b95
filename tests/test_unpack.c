/* SPDX-License-Identifier: MIT */
/* The signature scan and recursive carving of lib/fw/unpack.c, on containers built here around
 * a small SquashFS made with mksquashfs (squashfs-tools). */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "mamori/fstree.h"
#include "mamori/unpack.h"

static uint8_t *sq;
static size_t sqlen;

/* A SquashFS with /etc/passwd and /bin/sh, made once. */
static int
make_squashfs(void)
{
	char dir[] = "/tmp/mamori_unpack_XXXXXX", cmd[512], path[600];
	FILE *f;
	long n;

	if (mkdtemp(dir) == NULL)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/root/etc", dir);
	(void)snprintf(cmd, sizeof(cmd), "mkdir -p %s/root/etc %s/root/bin", dir, dir);
	if (system(cmd) != 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/root/etc/passwd", dir);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs("root:x:0:0:root:/root:/bin/sh\n", f);
	fclose(f);
	(void)snprintf(cmd, sizeof(cmd),
	    "ln -s busybox %s/root/bin/sh && mksquashfs %s/root %s/fs.sqsh -comp xz -noappend "
	    "-quiet >/dev/null 2>&1",
	    dir, dir, dir);
	if (system(cmd) != 0)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/fs.sqsh", dir);
	f = fopen(path, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		return -1;
	sq = malloc((size_t)n);
	if (sq == NULL || fread(sq, 1, (size_t)n, f) != (size_t)n)
		return -1;
	fclose(f);
	sqlen = (size_t)n;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static mamori_err
run(const uint8_t *p, size_t n, uint64_t budget, struct mamori_fstree **t,
    struct mamori_unpack_log *log, struct mamori_diag *d)
{
	struct mamori_fs_limits l;
	struct mamori_unpack_opts o;

	mamori_fs_limits_default(&l);
	mamori_unpack_opts_default(&o);
	if (budget)
		o.blob_budget = budget;
	mamori_unpack_log_init(log);
	if (mamori_fstree_new(&l, t) != MAMORI_OK)
		return MAMORI_E_NOMEM;
	return mamori_unpack(p, n, &o, *t, log, d);
}

static bool
has_passwd(const struct mamori_fstree *t, const char *prefix)
{
	char path[64];
	const struct mamori_fs_node *n;

	(void)snprintf(path, sizeof(path), "%s/etc/passwd", prefix);
	n = mamori_fstree_get(t, path);
	return n != NULL && n->size > 5 && memcmp(n->data, "root:", 5) == 0;
}

static size_t
gzip_wrap(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t len;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		len = 0;
	else
		len = z.total_out;
	deflateEnd(&z);
	return len;
}

static size_t
xz_wrap(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	size_t pos = 0;

	return lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, n, out, &pos, cap) == LZMA_OK
	           ? pos
	           : 0;
}

static void
plain_and_offset(void)
{
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;
	uint8_t *img = malloc(sqlen + 1003);

	CHECK(run(sq, sqlen, 0, &t, &log, &d) == MAMORI_OK);
	CHECK(has_passwd(t, ""));
	CHECK(log.filesystems == 1);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	/* at an odd offset behind junk */
	memset(img, 0xa5, 1003);
	memcpy(img + 1003, sq, sqlen);
	CHECK(run(img, sqlen + 1003, 0, &t, &log, &d) == MAMORI_OK);
	CHECK(has_passwd(t, ""));
	CHECK(strstr((char *)log.text.p, "@0x3eb") != NULL);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(img);
}

static void
streams_and_nesting(void)
{
	size_t cap = sqlen * 2 + 4096, g, x, gx;
	uint8_t *gz = malloc(cap), *xz = malloc(cap), *both = malloc(cap * 2);
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;

	g = gzip_wrap(sq, sqlen, gz, cap);
	x = xz_wrap(sq, sqlen, xz, cap);
	CHECK(g > 0 && x > 0);
	CHECK(run(gz, g, 0, &t, &log, &d) == MAMORI_OK && has_passwd(t, ""));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	CHECK(run(xz, x, 0, &t, &log, &d) == MAMORI_OK && has_passwd(t, ""));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	/* gzip of xz of squashfs */
	gx = gzip_wrap(xz, x, both, cap * 2);
	CHECK(gx > 0);
	CHECK(run(both, gx, 0, &t, &log, &d) == MAMORI_OK && has_passwd(t, ""));
	CHECK(strstr((char *)log.text.p, "  xz stream") != NULL); /* one level deeper */
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(gz);
	free(xz);
	free(both);
}

static void
headers_and_two_filesystems(void)
{
	size_t n = 64 + sqlen + 28 + sqlen;
	uint8_t *img = calloc(1, n);
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;

	/* uImage header (magic, size at 12, compression none, name) then the squashfs, then a TRX
	 * header and a second squashfs */
	img[0] = 0x27, img[1] = 0x05, img[2] = 0x19, img[3] = 0x56;
	img[12] = (uint8_t)(sqlen >> 24), img[13] = (uint8_t)(sqlen >> 16);
	img[14] = (uint8_t)(sqlen >> 8), img[15] = (uint8_t)sqlen;
	memcpy(img + 32, "test rootfs", 11);
	memcpy(img + 64, sq, sqlen);
	memcpy(img + 64 + sqlen, "HDR0", 4);
	memcpy(img + 64 + sqlen + 28, sq, sqlen);
	CHECK(run(img, n, 0, &t, &log, &d) == MAMORI_OK);
	CHECK(has_passwd(t, "") && has_passwd(t, "/.fs1"));
	CHECK(log.filesystems == 2);
	CHECK(strstr((char *)log.text.p, "uImage @0x0: 'test rootfs'") != NULL);
	CHECK(strstr((char *)log.text.p, "TRX @") != NULL);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(img);
}

static void
bombs_and_nothing(void)
{
	size_t big = (size_t)64 << 20, cap = big / 100;
	uint8_t *zeros = calloc(1, big), *gz = malloc(cap);
	size_t g = gzip_wrap(zeros, big, gz, cap);
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;
	uint8_t junk[4096];
	size_t used;

	CHECK(g > 0);
	/* 64 MiB of zeros against a 1 MiB stream budget: refused, logged, no file system */
	CHECK(run(gz, g, (uint64_t)1 << 20, &t, &log, &d) == MAMORI_E_NOTFOUND);
	CHECK(log.errors >= 1 && strstr((char *)log.text.p, "larger than") != NULL);
	CHECK(strstr(d.msg, "no Linux file system found") != NULL);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	/* random bytes and an empty input: nothing found, clear message */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	CHECK(run(junk, sizeof(junk), 0, &t, &log, &d) == MAMORI_E_NOTFOUND);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	CHECK(run(junk, 0, 0, &t, &log, &d) == MAMORI_E_NOTFOUND);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	/* a truncated squashfs: recognised, counted as an error, nothing read (cut inside the
	 * bytes the superblock says are used: mksquashfs pads images to 4 KiB) */
	used = (size_t)sq[40] | (size_t)sq[41] << 8 | (size_t)sq[42] << 16 | (size_t)sq[43] << 24;
	CHECK(used > 100 && used <= sqlen);
	CHECK(run(sq, used / 2, 0, &t, &log, &d) == MAMORI_E_NOTFOUND);
	CHECK(log.errors == 1);
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(zeros);
	free(gz);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(plain_and_offset),
	    CHECK_CASE(streams_and_nesting),
	    CHECK_CASE(headers_and_two_filesystems),
	    CHECK_CASE(bombs_and_nothing),
	};
	int rc;

	if (make_squashfs() != 0) {
		fprintf(stderr, "test_unpack: cannot make a test image with mksquashfs\n");
		printf("test_unpack: 0 passed, 1 failed\n");
		return 1;
	}
	rc = check_run("test_unpack", cases, sizeof(cases) / sizeof(cases[0]));
	free(sq);
	return rc;
}
