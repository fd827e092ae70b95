/* SPDX-License-Identifier: MIT */
/* CPIO and tar readers of lib/fw/archive.c: cpio archives written here (newc, crc, odc), tar
 * archives from GNU tar (gnu and pax formats) and headers written here for the hostile cases;
 * then both inside compressed streams through mamori_unpack. */
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "mamori/archive.h"
#include "mamori/fstree.h"
#include "mamori/unpack.h"
#include "vec.h"

struct obuf {
	uint8_t *p;
	size_t n, cap;
};

static void
put(struct obuf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		size_t cap = (b->n + n) * 2 + 64;
		uint8_t *np = realloc(b->p, cap);

		if (np == NULL)
			abort();
		b->p = np;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
zeros(struct obuf *b, size_t n)
{
	static const uint8_t z[512];

	while (n > 0) {
		size_t k = n > sizeof(z) ? sizeof(z) : n;

		put(b, z, k);
		n -= k;
	}
}

/* ---- cpio writers ---- */

/* newc ("070701") or crc ("070702") member; data padded to 4 */
static void
newc(struct obuf *b, const char *magic, const char *name, unsigned mode, unsigned ino,
    unsigned nlink, const void *data, size_t len)
{
	char h[160];
	size_t start = b->n, nl = strlen(name) + 1;

	(void)snprintf(h, sizeof(h), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
	    magic, ino, mode, 0u, 0u, nlink, 0u, (unsigned)len, 0u, 1u, 0u, 0u, nl, 0u);
	put(b, h, 110);
	put(b, name, nl);
	zeros(b, ((b->n - start + 3) & ~(size_t)3) - (b->n - start));
	start = b->n;
	put(b, data, len);
	zeros(b, ((b->n - start + 3) & ~(size_t)3) - (b->n - start));
}

static void
odc(struct obuf *b, const char *name, unsigned mode, unsigned ino, unsigned nlink, const void *data,
    size_t len)
{
	char h[128];
	size_t nl = strlen(name) + 1;

	(void)snprintf(h, sizeof(h), "070707%06o%06o%06o%06o%06o%06o%06o%011o%06zo%011zo", 1u, ino,
	    mode, 0u, 0u, nlink, 0u, 0u, nl, len);
	put(b, h, 76);
	put(b, name, nl);
	put(b, data, len);
}

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n";

/* dirs, a file, a symlink, a device, a FIFO, two hard links (data on the last, as GNU cpio) */
static void
newc_sample(struct obuf *b, const char *magic)
{
	newc(b, magic, ".", 040755, 1, 2, NULL, 0);
	newc(b, magic, "etc", 040755, 2, 2, NULL, 0);
	newc(b, magic, "etc/passwd", 0100644, 3, 1, passwd, sizeof(passwd) - 1);
	newc(b, magic, "bin/sh", 0120777, 4, 1, "busybox", 7);
	newc(b, magic, "dev/console", 020600, 5, 1, NULL, 0);
	newc(b, magic, "run/fifo", 010644, 6, 1, NULL, 0);
	newc(b, magic, "bin/a", 0104755, 7, 2, NULL, 0);
	newc(b, magic, "bin/b", 0104755, 7, 2, "ELF!", 4);
	newc(b, magic, "TRAILER!!!", 0, 0, 1, NULL, 0);
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
file_is(const struct mamori_fstree *t, const char *path, const char *data)
{
	const struct mamori_fs_node *n = mamori_fstree_get(t, path);

	return n != NULL && n->type == MAMORI_FS_REG && n->size == strlen(data) &&
	       (n->size == 0 || memcmp(n->data, data, strlen(data)) == 0);
}

static uint8_t
type_of(const struct mamori_fstree *t, const char *path)
{
	const struct mamori_fs_node *n = mamori_fstree_get(t, path);

	return n != NULL ? n->type : 0;
}

static void
check_sample(const struct mamori_fstree *t)
{
	const struct mamori_fs_node *n;

	CHECK(type_of(t, "/etc") == MAMORI_FS_DIR);
	CHECK(file_is(t, "/etc/passwd", passwd));
	n = mamori_fstree_get(t, "/bin/sh");
	CHECK(n != NULL && n->type == MAMORI_FS_LNK && n->link != NULL &&
	      strcmp(n->link, "busybox") == 0);
	CHECK(type_of(t, "/dev/console") == MAMORI_FS_CHR);
	CHECK(type_of(t, "/run/fifo") == MAMORI_FS_FIFO);
	CHECK(file_is(t, "/bin/a", "ELF!"));
	CHECK(file_is(t, "/bin/b", "ELF!"));
	n = mamori_fstree_get(t, "/bin/a");
	CHECK(n != NULL && n->mode == 04755);
}

static void
test_cpio_newc(void)
{
	static const char *magics[] = {"070701", "070702"};

	for (size_t m = 0; m < 2; m++) {
		struct obuf b = {NULL, 0, 0};
		struct mamori_fstree *t = tree();
		struct mamori_diag d;
		size_t used = 0, cl = 9;

		newc_sample(&b, magics[m]);
		zeros(&b, 512 - b.n % 512); /* block padding, as cpio -H newc writes it */
		CHECK(mamori_cpio_probe(b.p, b.n));
		CHECK_OK(mamori_cpio_read(b.p, b.n, t, &used, &cl, &d));
		CHECK(cl == 0);
		CHECK(used > 0 && used < b.n && used % 4 == 0);
		check_sample(t);
		mamori_fstree_free(t);
		free(b.p);
	}
}

static void
test_cpio_odc(void)
{
	struct obuf b = {NULL, 0, 0};
	struct mamori_fstree *t = tree();
	struct mamori_diag d;
	size_t used = 0, cl = 9;

	odc(&b, "etc", 040755, 2, 2, NULL, 0);
	odc(&b, "etc/passwd", 0100644, 3, 1, passwd, sizeof(passwd) - 1);
	odc(&b, "bin/sh", 0120777, 4, 1, "busybox", 7);
	odc(&b, "dev/console", 020600, 5, 1, NULL, 0);
	odc(&b, "run/fifo", 010644, 6, 1, NULL, 0);
	odc(&b, "bin/a", 0104755, 7, 2, "ELF!", 4); /* odc: data on every link */
	odc(&b, "bin/b", 0104755, 7, 2, "ELF!", 4);
	odc(&b, "TRAILER!!!", 0, 0, 1, NULL, 0);
	CHECK(mamori_cpio_probe(b.p, b.n));
	CHECK_OK(mamori_cpio_read(b.p, b.n, t, &used, &cl, &d));
	CHECK(used == b.n && cl == 0);
	check_sample(t);
	mamori_fstree_free(t);
	free(b.p);
}

/* Two archives one after the other with NUL padding (early microcode + main initramfs). */
static void
test_cpio_concat(void)
{
	struct obuf b = {NULL, 0, 0};
	struct mamori_fstree *t = tree();
	struct mamori_diag d;
	size_t used = 0, cl = 0;

	newc(&b, "070701", "kernel/x86/microcode/GenuineIntel.bin", 0100644, 1, 1, "uc", 2);
	newc(&b, "070701", "TRAILER!!!", 0, 0, 1, NULL, 0);
	zeros(&b, 512 - b.n % 512);
	newc(&b, "070701", "init", 0100755, 1, 1, "#!/bin/sh\n", 10);
	newc(&b, "070701", "TRAILER!!!", 0, 0, 1, NULL, 0);
	CHECK_OK(mamori_cpio_read(b.p, b.n, t, &used, &cl, &d));
	CHECK(used == b.n);
	CHECK(file_is(t, "/kernel/x86/microcode/GenuineIntel.bin", "uc"));
	CHECK(file_is(t, "/init", "#!/bin/sh\n"));
	mamori_fstree_free(t);
	free(b.p);
}

static void
test_cpio_hostile(void)
{
	struct obuf b = {NULL, 0, 0};
	struct mamori_fstree *t = tree();
	struct mamori_diag d;
	size_t used = 0, cl = 0;

	newc(&b, "070701", "../../etc/passwd", 0100644, 1, 1, passwd, sizeof(passwd) - 1);
	newc(&b, "070701", "/abs", 0100644, 2, 1, "x", 1);
	newc(&b, "070701", "ok/../fine", 0100644, 3, 1, "y", 1);
	newc(&b, "070701", "TRAILER!!!", 0, 0, 1, NULL, 0);
	CHECK_OK(mamori_cpio_read(b.p, b.n, t, &used, &cl, &d));
	CHECK(cl == 2);
	CHECK(file_is(t, "/etc/passwd", passwd));
	CHECK(file_is(t, "/abs", "x"));
	CHECK(file_is(t, "/fine", "y"));
	mamori_fstree_free(t);
	free(b.p);
}

/* Every cut before the end of the trailer fails cleanly (ASan/UBSan watch the reads). */
static void
test_cpio_truncated(void)
{
	struct obuf b = {NULL, 0, 0};
	struct obuf o = {NULL, 0, 0};

	newc_sample(&b, "070701");
	for (size_t cut = 0; cut < b.n; cut++) {
		struct mamori_fstree *t = tree();
		struct mamori_diag d;
		size_t used = 0, cl = 0;
		mamori_err e;
		uint8_t *copy = malloc(cut + 1);

		if (copy == NULL)
			abort();
		memcpy(copy, b.p, cut); /* exactly cut bytes on the heap */
		e = mamori_cpio_read(copy, cut, t, &used, &cl, &d);
		CHECK(e == MAMORI_E_TRUNCATED || (cut < 110 && e == MAMORI_E_MALFORMED));
		CHECK(d.off <= cut);
		mamori_fstree_free(t);
		free(copy);
	}
	odc(&o, "etc/passwd", 0100644, 3, 1, passwd, sizeof(passwd) - 1);
	odc(&o, "TRAILER!!!", 0, 0, 1, NULL, 0);
	for (size_t cut = 0; cut < o.n; cut++) {
		struct mamori_fstree *t = tree();
		struct mamori_diag d;
		size_t used = 0, cl = 0;
		mamori_err e = mamori_cpio_read(o.p, cut, t, &used, &cl, &d);

		CHECK(e == MAMORI_E_TRUNCATED || (cut < 76 && e == MAMORI_E_MALFORMED));
		mamori_fstree_free(t);
	}
	free(b.p);
	free(o.p);
}

static mamori_err
cpio_try(const struct obuf *b, struct mamori_diag *d)
{
	struct mamori_fstree *t = tree();
	size_t used = 0, cl = 0;
	mamori_err e = mamori_cpio_read(b->p, b->n, t, &used, &cl, d);

	mamori_fstree_free(t);
	return e;
}

static void
test_cpio_bad_fields(void)
{
	struct obuf b = {NULL, 0, 0};
	struct mamori_diag d;

	/* a non-hex digit in the mode field of the second member */
	newc(&b, "070701", "a", 0100644, 1, 1, "x", 1);
	newc(&b, "070701", "b", 0100644, 2, 1, "y", 1);
	newc(&b, "070701", "TRAILER!!!", 0, 0, 1, NULL, 0);
	b.p[116 + 14] = 'g';
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED && d.off == 116 + 14);
	b.p[116 + 14] = ' ';
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED);
	b.p[116 + 14] = '0';
	b.p[116 + 18] = '0'; /* mode 0001A4: no file type */
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED && d.off == 116);
	b.n = 0;

	/* a size field of 4 GiB - 1: above the per-member cap */
	newc(&b, "070701", "big", 0100644, 1, 1, "x", 1);
	memcpy(b.p + 54, "FFFFFFFF", 8);
	CHECK(cpio_try(&b, &d) == MAMORI_E_TOOBIG);
	/* 4 KiB claimed, 1 byte there */
	memcpy(b.p + 54, "00001000", 8);
	CHECK(cpio_try(&b, &d) == MAMORI_E_TRUNCATED);
	b.n = 0;

	/* name size 0, then above the path limit, then not NUL-terminated */
	newc(&b, "070701", "n", 0100644, 1, 1, "x", 1);
	newc(&b, "070701", "TRAILER!!!", 0, 0, 1, NULL, 0);
	memcpy(b.p + 94, "00000000", 8);
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED);
	memcpy(b.p + 94, "00002000", 8);
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED);
	memcpy(b.p + 94, "00000001", 8);
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED);
	/* a NUL inside the name */
	memcpy(b.p + 94, "00000002", 8);
	CHECK(cpio_try(&b, &d) != MAMORI_E_MALFORMED || d.msg[0] != '\0');
	b.n = 0;

	/* odc: an '8' in an octal field; a symlink with an empty target */
	odc(&b, "a", 0100644, 1, 1, "x", 1);
	odc(&b, "TRAILER!!!", 0, 0, 1, NULL, 0);
	b.p[20] = '8';
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED && d.off == 18);
	b.n = 0;
	odc(&b, "l", 0120777, 1, 1, NULL, 0);
	odc(&b, "TRAILER!!!", 0, 0, 1, NULL, 0);
	CHECK(cpio_try(&b, &d) == MAMORI_E_MALFORMED);
	b.n = 0;

	/* no trailer */
	newc(&b, "070701", "a", 0100644, 1, 1, "x", 1);
	CHECK(cpio_try(&b, &d) == MAMORI_E_TRUNCATED);
	CHECK(!mamori_cpio_probe((const uint8_t *)"070703", 6));
	free(b.p);
}

/* ---- tar ---- */

static void
octal(char *f, size_t w, uint64_t v)
{
	(void)snprintf(f, w, "%0*llo", (int)w - 1, (unsigned long long)v);
}

static void
sum(uint8_t *h)
{
	unsigned s = 0;

	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		s += h[i];
	(void)snprintf((char *)h + 148, 8, "%06o", s);
}

/* A POSIX ustar header (size in base-256 when it needs more than 11 octal digits). */
static void
tarh(struct obuf *b, const char *name, char type, uint64_t size, const char *link,
    const char *prefix)
{
	uint8_t h[512];

	memset(h, 0, sizeof(h));
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	octal((char *)h + 100, 8, 0644);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	if (size < ((uint64_t)1 << 33)) {
		octal((char *)h + 124, 12, size);
	} else {
		h[124] = 0x80;
		for (size_t i = 0; i < 8; i++)
			h[135 - i] = (uint8_t)(size >> (8 * i));
	}
	octal((char *)h + 136, 12, 0);
	h[156] = (uint8_t)type;
	if (link != NULL)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257,
	    "ustar\0"
	    "00",
	    8);
	if (prefix != NULL)
		memcpy(h + 345, prefix, strlen(prefix));
	sum(h);
	put(b, h, 512);
}

static void
tarf(struct obuf *b, const char *name, char type, const char *data, const char *link)
{
	size_t n = data != NULL ? strlen(data) : 0;

	tarh(b, name, type, n, link, NULL);
	put(b, data, n);
	zeros(b, (512 - n % 512) % 512);
}

static mamori_err
tar_try(const uint8_t *p, size_t n, struct mamori_fstree **out, size_t *cl, struct mamori_diag *d)
{
	struct mamori_fstree *t = tree();
	size_t used = 0, c = 0;
	mamori_err e = mamori_tar_read(p, n, t, &used, &c, d);

	if (cl != NULL)
		*cl = c;
	if (e == MAMORI_OK && used > n)
		e = MAMORI_E_INVAL;
	if (out != NULL)
		*out = t;
	else
		mamori_fstree_free(t);
	return e;
}

#define LONGDIR                                                                                    \
	"a-very-long-directory-name-that-goes-on-and-on-0123456789/"                               \
	"another-long-directory-name-abcdefghijklmnopqrstuvwxyz/"                                  \
	"and-a-third-one-to-pass-one-hundred-and-fifty-five-bytes-0123456789"
#define LONGFILE LONGDIR "/file-with-a-long-name.txt"

/* A tree made with GNU tar in the given format ("gnu": 'L'/'K' long names, "pax": 'x'). */
static uint8_t *
make_tar(const char *format, size_t *len)
{
	char dir[] = "/tmp/mamori_archive_XXXXXX", cmd[2048], path[1024];
	uint8_t *p;

	if (mkdtemp(dir) == NULL)
		return NULL;
	(void)snprintf(cmd, sizeof(cmd),
	    "cd %s && mkdir -p root/etc root/bin 'root/" LONGDIR "' && "
	    "printf 'root:x:0:0:root:/root:/bin/sh\\n' > root/etc/passwd && "
	    "printf 'ELF!' > root/bin/busybox && ln root/bin/busybox root/bin/hard && "
	    "ln -s busybox root/bin/sh && printf 'long' > 'root/" LONGFILE "' && "
	    "ln -s '" LONGFILE "' root/longlink && "
	    "tar --format=%s --owner=0 --group=0 -cf a.tar -C root . 2>/dev/null",
	    dir, format);
	if (system(cmd) != 0)
		return NULL;
	(void)snprintf(path, sizeof(path), "%s/a.tar", dir);
	p = (uint8_t *)vec_read_file(path, len);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

static void
test_tar_gnu_pax(void)
{
	static const char *formats[] = {"gnu", "pax"};

	for (size_t i = 0; i < 2; i++) {
		struct mamori_fstree *t = NULL;
		struct mamori_diag d;
		const struct mamori_fs_node *n;
		size_t len = 0, cl = 9, used = 0;
		uint8_t *p = make_tar(formats[i], &len);

		CHECK(p != NULL);
		if (p == NULL)
			continue;
		CHECK(mamori_tar_probe(p, len));
		CHECK_OK(tar_try(p, len, &t, &cl, &d));
		CHECK(cl == 0);
		mamori_fstree_free(t);
		t = tree();
		CHECK_OK(mamori_tar_read(p, len, t, &used, &cl, &d));
		CHECK(used % 512 == 0 && used <= len && used >= 2048);
		CHECK(type_of(t, "/etc") == MAMORI_FS_DIR);
		CHECK(file_is(t, "/etc/passwd", passwd));
		CHECK(file_is(t, "/bin/busybox", "ELF!"));
		CHECK(file_is(t, "/bin/hard", "ELF!")); /* hard link: a copy of the data */
		n = mamori_fstree_get(t, "/bin/sh");
		CHECK(n != NULL && n->type == MAMORI_FS_LNK && strcmp(n->link, "busybox") == 0);
		CHECK(file_is(t, "/" LONGFILE, "long"));
		n = mamori_fstree_get(t, "/longlink");
		CHECK(n != NULL && n->type == MAMORI_FS_LNK && strcmp(n->link, LONGFILE) == 0);
		mamori_fstree_free(t);

		/* every cut: an error unless it falls on a member boundary */
		for (size_t cut = 1; cut < len; cut += cut < 4096 ? 1 : 7) {
			uint8_t *copy = malloc(cut);
			mamori_err e;

			if (copy == NULL)
				abort();
			memcpy(copy, p, cut);
			e = tar_try(copy, cut, NULL, NULL, &d);
			CHECK(e != MAMORI_E_INVAL);
			/* after the first end-of-archive block anything goes */
			CHECK(e == MAMORI_OK ? cut % 512 == 0 || cut >= used - 512 : d.off <= cut);
			if (cut < 512)
				CHECK(e != MAMORI_OK);
			free(copy);
		}
		free(p);
	}
}

static void
test_tar_hostile(void)
{
	struct obuf b = {NULL, 0, 0};
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	size_t cl = 0;

	tarf(&b, "../../etc/passwd", '0', passwd, NULL);
	tarf(&b, "/abs", '0', "x", NULL);
	tarf(&b, "ok", '\0', "old", NULL); /* pre-POSIX regular file */
	tarh(&b, "file.txt", '0', 0, NULL, "../../prefixed");
	tarf(&b, "dev/null", '3', NULL, NULL);
	tarf(&b, "link", '1', NULL, "/etc/passwd");
	tarf(&b, "dangling", '1', NULL, "no/such");
	zeros(&b, 1024);
	CHECK_OK(tar_try(b.p, b.n, &t, &cl, &d));
	CHECK(cl == 3);
	CHECK(file_is(t, "/etc/passwd", passwd));
	CHECK(file_is(t, "/abs", "x"));
	CHECK(file_is(t, "/ok", "old"));
	CHECK(file_is(t, "/prefixed/file.txt", ""));
	CHECK(type_of(t, "/dev/null") == MAMORI_FS_CHR);
	CHECK(file_is(t, "/link", passwd));
	CHECK(file_is(t, "/dangling", ""));
	mamori_fstree_free(t);
	free(b.p);
}

static void
test_tar_bad_fields(void)
{
	struct obuf b = {NULL, 0, 0};
	struct mamori_diag d;
	char rec[64];

	/* 1 TB in base-256 */
	tarh(&b, "big", '0', (uint64_t)1 << 40, NULL, NULL);
	zeros(&b, 4096);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_TOOBIG && d.off == 124);
	b.n = 0;

	/* 1 TB through a pax size record */
	(void)snprintf(rec, sizeof(rec), "%d size=%llu\n", 22, (unsigned long long)1 << 40);
	CHECK(strlen(rec) == 22);
	tarf(&b, "pax", 'x', rec, NULL);
	tarf(&b, "big", '0', "x", NULL);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_TOOBIG);
	b.n = 0;

	/* pax records with a wrong length, no '=', not digits */
	tarf(&b, "pax", 'x', "99 path=x\n", NULL);
	tarf(&b, "f", '0', "x", NULL);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED);
	b.n = 0;
	tarf(&b, "pax", 'x', "9 pathx\n", NULL);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED);
	b.n = 0;
	tarf(&b, "pax", 'x', "12 size=1x2\n", NULL);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED);
	b.n = 0;
	/* a pax path that is accepted, then a global header that is only validated */
	tarf(&b, "glob", 'g', "14 path=/glob\n", NULL);
	tarf(&b, "pax", 'x', "16 path=renamed\n", NULL);
	tarf(&b, "orig", '0', "x", NULL);
	{
		struct mamori_fstree *t = NULL;

		CHECK_OK(tar_try(b.p, b.n, &t, NULL, &d));
		CHECK(file_is(t, "/renamed", "x"));
		CHECK(mamori_fstree_get(t, "/orig") == NULL);
		CHECK(mamori_fstree_get(t, "/glob") == NULL);
		mamori_fstree_free(t);
	}
	b.n = 0;

	/* non-octal size, with a right checksum */
	tarf(&b, "f", '0', "x", NULL);
	b.p[130] = '9';
	sum(b.p);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED && d.off == 100);
	/* a wrong checksum in the second header */
	b.p[130] = '0';
	sum(b.p);
	tarf(&b, "g", '0', "y", NULL);
	b.p[512 * 2 + 1] ^= 1;
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED && d.off == 1024 + 148);
	b.n = 0;

	/* a GNU long name above the path limit */
	tarh(&b, "././@LongLink", 'L', 8192, NULL, NULL);
	zeros(&b, 8192);
	memset(b.p + 512, 'a', 8191);
	tarf(&b, "f", '0', "x", NULL);
	CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED);
	b.n = 0;

	/* a component above MAMORI_FS_NAME_MAX through a pax path */
	{
		char big[400];
		size_t k;

		k = (size_t)snprintf(big, sizeof(big), "%3d path=", 0);
		memset(big + k, 'n', 300);
		big[k + 300] = '\n';
		big[k + 301] = '\0';
		(void)snprintf(big, 4, "%3zu", k + 301);
		big[3] = ' ';
		tarf(&b, "pax", 'x', big, NULL);
		tarf(&b, "f", '0', "x", NULL);
		CHECK(tar_try(b.p, b.n, NULL, NULL, &d) == MAMORI_E_MALFORMED);
	}
	CHECK(!mamori_tar_probe(b.p, 511));
	free(b.p);
}

/* ---- through mamori_unpack ---- */

static mamori_err
unpack(const uint8_t *p, size_t n, struct mamori_fstree **t, struct mamori_unpack_log *log,
    struct mamori_diag *d)
{
	struct mamori_unpack_opts o;

	mamori_unpack_opts_default(&o);
	mamori_unpack_log_init(log);
	*t = tree();
	return mamori_unpack(p, n, &o, *t, log, d);
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

static void
test_unpack_initramfs(void)
{
	struct obuf b = {NULL, 0, 0};
	uint8_t gz[4096];
	z_stream z;
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;
	struct obuf img = {NULL, 0, 0};

	newc_sample(&b, "070701");
	memset(&z, 0, sizeof(z));
	CHECK(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	z.next_in = b.p;
	z.avail_in = (uInt)b.n;
	z.next_out = gz;
	z.avail_out = sizeof(gz);
	CHECK(deflate(&z, Z_FINISH) == Z_STREAM_END);
	zeros(&img, 100); /* a kernel in front */
	put(&img, gz, sizeof(gz) - z.avail_out);
	deflateEnd(&z);
	CHECK_OK(unpack(img.p, img.n, &t, &log, &d));
	check_sample(t);
	CHECK(log.filesystems == 1);
	CHECK(logged(&log, "cpio @0x0:"));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(b.p);
	free(img.p);
}

static void
test_unpack_tar_xz(void)
{
	struct obuf b = {NULL, 0, 0};
	struct obuf img = {NULL, 0, 0};
	uint8_t *xz;
	size_t xzlen = 0;
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;

	tarf(&b, "etc/passwd", '0', passwd, NULL);
	tarf(&b, "../../evil", '0', "e", NULL);
	zeros(&b, 1024);
	xz = malloc(b.n + 1024);
	if (xz == NULL)
		abort();
	CHECK(lzma_easy_buffer_encode(
	          6, LZMA_CHECK_CRC64, NULL, b.p, b.n, xz, &xzlen, b.n + 1024) == LZMA_OK);
	put(&img, "\xff\xff\xff", 3);
	put(&img, xz, xzlen);
	/* a second, plain tar at a 512-aligned offset after junk: the second file system */
	zeros(&img, 512 - img.n % 512 + 512);
	tarf(&img, "second", '0', "2", NULL);
	zeros(&img, 1024);
	CHECK_OK(unpack(img.p, img.n, &t, &log, &d));
	CHECK(file_is(t, "/etc/passwd", passwd));
	CHECK(file_is(t, "/evil", "e"));
	CHECK(file_is(t, "/.fs1/second", "2"));
	CHECK(log.filesystems == 2);
	CHECK(logged(&log, "fs.hostile-name"));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(xz);
	free(b.p);
	free(img.p);
}

/* An archive of FIFOs only is recognised but does not count as a file system; a broken one is
 * counted as an error and scanning goes on. */
static void
test_unpack_not_fs(void)
{
	struct obuf img = {NULL, 0, 0};
	struct mamori_fstree *t;
	struct mamori_unpack_log log;
	struct mamori_diag d;

	newc(&img, "070701", "fifo", 010644, 1, 1, NULL, 0);
	newc(&img, "070701", "TRAILER!!!", 0, 0, 1, NULL, 0);
	put(&img, "JUNK", 4);
	newc(&img, "070701", "broken", 0100644, 2, 1, "x", 1);
	/* no trailer: recognised, not readable */
	CHECK(unpack(img.p, img.n, &t, &log, &d) == MAMORI_E_NOTFOUND);
	CHECK(log.filesystems == 0 && log.containers >= 2 && log.errors >= 1);
	CHECK(logged(&log, "not a file system"));
	mamori_fstree_free(t);
	mamori_unpack_log_free(&log);
	free(img.p);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(test_cpio_newc),
	    CHECK_CASE(test_cpio_odc),
	    CHECK_CASE(test_cpio_concat),
	    CHECK_CASE(test_cpio_hostile),
	    CHECK_CASE(test_cpio_truncated),
	    CHECK_CASE(test_cpio_bad_fields),
	    CHECK_CASE(test_tar_gnu_pax),
	    CHECK_CASE(test_tar_hostile),
	    CHECK_CASE(test_tar_bad_fields),
	    CHECK_CASE(test_unpack_initramfs),
	    CHECK_CASE(test_unpack_tar_xz),
	    CHECK_CASE(test_unpack_not_fs),
	};

	return check_run("test_archive", cases, sizeof(cases) / sizeof(cases[0]));
}
