/* SPDX-License-Identifier: MIT */
/* The in-memory file tree: path normalisation (vectors), limits, ordering, symlink resolution
 * inside the tree, and loading a real directory (the IoTGoat overlay from shared data). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mamori/buf.h"
#include "mamori/fstree.h"
#include "vec.h"

static struct mamori_fstree *
new_tree(void)
{
	struct mamori_fstree *t = NULL;

	if (mamori_fstree_new(NULL, &t) != MAMORI_OK)
		abort();
	return t;
}

static mamori_err
add_file(struct mamori_fstree *t, const char *path, const char *text)
{
	return mamori_fstree_add(t, path, strlen(path), MAMORI_FS_REG, 0644, 0, 0,
	    (const uint8_t *)text, strlen(text), NULL, NULL, NULL);
}

static mamori_err
add_link(struct mamori_fstree *t, const char *path, const char *target)
{
	return mamori_fstree_add(
	    t, path, strlen(path), MAMORI_FS_LNK, 0777, 0, 0, NULL, 0, target, NULL, NULL);
}

/* \0 and \\ escapes of the vector file */
static size_t
unescape(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; s[i] != '\0' && n < cap; i++) {
		if (s[i] == '\\' && s[i + 1] == '0') {
			out[n++] = '\0';
			i++;
		} else if (s[i] == '\\' && s[i + 1] == '\\') {
			out[n++] = '\\';
			i++;
		} else {
			out[n++] = s[i];
		}
	}
	return n;
}

static void
normalise_vectors(void)
{
	struct vec_file vf;
	size_t tested = 0;

	if (vec_load("tests/vectors/fstree/normalise.vec", &vf) != 0) {
		CHECK(0);
		return;
	}
	for (size_t i = 0; i < vf.n; i++) {
		const struct vec_record *r = &vf.rec[i];
		const char *in = vec_get(r, "in"), *out = vec_get(r, "out");
		const char *cl = vec_get(r, "clamped"), *err = vec_get(r, "err");
		struct mamori_fstree *t = new_tree();
		const struct mamori_fs_node *n;
		struct mamori_diag d;
		char buf[512], obuf[512];
		size_t len;
		bool clamped = false;
		mamori_err e;

		CHECK(in != NULL);
		if (in == NULL) {
			mamori_fstree_free(t);
			continue;
		}
		len = unescape(in, buf, sizeof(buf));
		e = mamori_fstree_add(
		    t, buf, len, MAMORI_FS_DIR, 0700, 1, 2, NULL, 0, NULL, &clamped, &d);
		if (err != NULL) {
			CHECK(e == MAMORI_E_MALFORMED);
			CHECK(strstr(d.msg, "NUL byte") != NULL);
			CHECK(mamori_fstree_count(t) == 1);
		} else {
			CHECK(e == MAMORI_OK && out != NULL && cl != NULL);
			obuf[out != NULL ? unescape(out, obuf, sizeof(obuf) - 1) : 0] = '\0';
			n = mamori_fstree_get(t, obuf);
			CHECK(n != NULL && strcmp(n->path, obuf) == 0);
			CHECK(n != NULL && n->mode == 0700 && n->uid == 1 && n->gid == 2);
			if (e != MAMORI_OK || cl == NULL || clamped != (strcmp(cl, "yes") == 0))
				fprintf(stderr, "vector line %zu: %s\n", r->line, in);
			CHECK(cl != NULL && clamped == (strcmp(cl, "yes") == 0));
		}
		tested++;
		mamori_fstree_free(t);
	}
	CHECK(tested >= 13);
	vec_free(&vf);
}

static void
root_and_lengths(void)
{
	struct mamori_fstree *t = new_tree();
	const struct mamori_fs_node *n;
	struct mamori_diag d;
	char name[300], path[4200];
	bool clamped = true;

	n = mamori_fstree_get(t, "");
	CHECK(n != NULL && strcmp(n->path, "/") == 0 && n->type == MAMORI_FS_DIR);
	CHECK(mamori_fstree_get(t, "/") == n);
	CHECK(mamori_fstree_count(t) == 1);
	CHECK_OK(
	    mamori_fstree_add(t, "", 0, MAMORI_FS_DIR, 0711, 0, 0, NULL, 0, NULL, &clamped, NULL));
	CHECK(!clamped);
	CHECK_OK(
	    mamori_fstree_add(t, "/", 1, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, &clamped, NULL));
	CHECK(clamped);
	CHECK(mamori_fstree_count(t) == 1);
	CHECK(mamori_fstree_add(t, "/", 1, MAMORI_FS_REG, 0644, 0, 0, (const uint8_t *)"x", 1, NULL,
	          NULL, &d) == MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "root") != NULL);

	/* a component of 255 bytes is fine, 256 is not */
	memset(name, 'a', sizeof(name));
	CHECK_OK(
	    mamori_fstree_add(t, name, 255, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, NULL, NULL));
	CHECK(mamori_fstree_add(t, name, 256, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, NULL, &d) ==
	      MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "256 bytes") != NULL);
	/* 16 components of "/" + 255 bytes = 4096 bytes exactly; one more byte is over */
	for (size_t i = 0; i < 16; i++) {
		path[i * 256] = '/';
		memset(path + i * 256 + 1, 'b', 255);
	}
	CHECK_OK(
	    mamori_fstree_add(t, path, 4096, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, NULL, NULL));
	path[4096] = '/';
	path[4097] = 'c';
	CHECK(mamori_fstree_add(t, path, 4098, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, NULL,
	          &d) == MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "longer than 4096") != NULL);
	/* a long input that normalises short is fine */
	for (size_t i = 0; i + 3 <= sizeof(path); i += 3)
		memcpy(path + i, "../", 3);
	CHECK_OK(mamori_fstree_add(t, path, sizeof(path) / 3 * 3, MAMORI_FS_DIR, 0755, 0, 0, NULL,
	    0, NULL, &clamped, NULL));
	CHECK(clamped);
	/* bad arguments */
	CHECK(
	    mamori_fstree_add(t, "x", 1, 0, 0, 0, 0, NULL, 0, NULL, NULL, NULL) == MAMORI_E_INVAL);
	CHECK(mamori_fstree_add(t, "x", 1, MAMORI_FS_LNK, 0, 0, 0, NULL, 0, NULL, NULL, NULL) ==
	      MAMORI_E_INVAL);
	CHECK(mamori_fstree_add(t, "x", 1, MAMORI_FS_REG, 0, 0, 0, NULL, 5, NULL, NULL, NULL) ==
	      MAMORI_E_INVAL);
	mamori_fstree_free(t);
	mamori_fstree_free(NULL);
}

static void
parents_and_replace(void)
{
	struct mamori_fstree *t = new_tree();
	const struct mamori_fs_node *n;
	uint8_t *owned;
	bool clamped = true;

	mamori_fstree_set_origin(t, "squashfs@0");
	CHECK_OK(mamori_fstree_add(t, "usr/bin/busybox", 15, MAMORI_FS_REG, 0104755, 0, 0,
	    (const uint8_t *)"\x7f"
	                     "ELF",
	    4, NULL, &clamped, NULL));
	CHECK(!clamped);
	CHECK(mamori_fstree_count(t) == 4);
	n = mamori_fstree_get(t, "/usr/bin");
	CHECK(n != NULL && n->type == MAMORI_FS_DIR && n->mode == 0755 && n->uid == 0);
	CHECK(n != NULL && strcmp(n->origin, "squashfs@0") == 0);
	n = mamori_fstree_get(t, "usr/bin/busybox");
	CHECK(n != NULL && n->type == MAMORI_FS_REG && n->mode == 04755 && n->size == 4);
	CHECK(n != NULL && memcmp(n->data,
	                       "\x7f"
	                       "ELF",
	                       4) == 0);
	CHECK(mamori_fstree_bytes(t) == 4);
	/* the explicit entry for a parent made implicitly replaces it */
	CHECK_OK(
	    mamori_fstree_add(t, "usr", 3, MAMORI_FS_DIR, 0700, 5, 6, NULL, 0, NULL, NULL, NULL));
	n = mamori_fstree_get(t, "/usr");
	CHECK(n != NULL && n->mode == 0700 && n->uid == 5 && n->gid == 6);
	CHECK(mamori_fstree_count(t) == 4);
	/* replacing a file adjusts the byte count */
	CHECK_OK(add_file(t, "usr/bin/busybox", "0123456789"));
	CHECK(mamori_fstree_bytes(t) == 10 && mamori_fstree_count(t) == 4);
	/* empty files have no data */
	CHECK_OK(add_file(t, "etc/empty", ""));
	n = mamori_fstree_get(t, "/etc/empty");
	CHECK(n != NULL && n->data == NULL && n->size == 0);
	/* ownership: taken on success, freed on error (ASan's leak check sees a slip) */
	owned = malloc(3);
	CHECK(owned != NULL);
	if (owned != NULL) {
		memcpy(owned, "abc", 3);
		CHECK_OK(mamori_fstree_add_owned(
		    t, "etc/owned", 9, MAMORI_FS_REG, 0600, 0, 0, owned, 3, NULL, NULL, NULL));
		n = mamori_fstree_get(t, "/etc/owned");
		CHECK(n != NULL && n->data == owned && n->size == 3);
	}
	owned = malloc(3);
	CHECK(mamori_fstree_add_owned(t, "bad\0name", 8, MAMORI_FS_REG, 0600, 0, 0, owned, 3, NULL,
	          NULL, NULL) == MAMORI_E_MALFORMED);
	/* a device node is metadata only */
	CHECK_OK(mamori_fstree_add(
	    t, "dev/mem", 7, MAMORI_FS_CHR, 0600, 0, 0, NULL, 0, NULL, NULL, NULL));
	n = mamori_fstree_get(t, "/dev/mem");
	CHECK(n != NULL && n->type == MAMORI_FS_CHR && n->data == NULL);
	mamori_fstree_free(t);
}

static void
limits(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	uint8_t blob[100];

	memset(blob, 'x', sizeof(blob));
	mamori_fs_limits_default(&l);
	CHECK(l.max_bytes == MAMORI_FS_BYTES_DEF && l.max_files == MAMORI_FS_FILES_DEF &&
	      l.max_ratio == MAMORI_FS_RATIO_DEF && l.input_bytes == 0);

	l.max_files = 3;
	CHECK_OK(mamori_fstree_new(&l, &t));
	CHECK_OK(add_file(t, "a/b/c", "x")); /* three nodes besides the root */
	CHECK(mamori_fstree_add(t, "d", 1, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, NULL, &d) ==
	      MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "more than 3 files") != NULL);
	/* a replacement adds no node */
	CHECK_OK(add_file(t, "a/b/c", "yy"));
	/* the parents count too */
	CHECK(add_file(t, "e/f", "z") == MAMORI_E_TOOBIG);
	CHECK(mamori_fstree_count(t) == 4);
	mamori_fstree_free(t);

	mamori_fs_limits_default(&l);
	l.max_bytes = 100;
	CHECK_OK(mamori_fstree_new(&l, &t));
	CHECK_OK(
	    mamori_fstree_add(t, "f1", 2, MAMORI_FS_REG, 0644, 0, 0, blob, 60, NULL, NULL, NULL));
	CHECK(mamori_fstree_add(t, "f2", 2, MAMORI_FS_REG, 0644, 0, 0, blob, 41, NULL, NULL, &d) ==
	      MAMORI_E_TOOBIG);
	CHECK(mamori_fstree_get(t, "f2") == NULL);
	/* 100 MiB cap reads as 0 MiB here: check the wording, not the figure */
	CHECK(strstr(d.msg, "unpacked size would exceed the 0 MiB cap: a decompression bomb?") !=
	      NULL);
	CHECK_OK(
	    mamori_fstree_add(t, "f2", 2, MAMORI_FS_REG, 0644, 0, 0, blob, 40, NULL, NULL, NULL));
	/* replacing f1 by a file of the same size stays within the cap */
	CHECK_OK(
	    mamori_fstree_add(t, "f1", 2, MAMORI_FS_REG, 0644, 0, 0, blob, 60, NULL, NULL, NULL));
	CHECK(mamori_fstree_bytes(t) == 100);
	CHECK(mamori_fstree_add(t, "big", 3, MAMORI_FS_REG, 0644, 0, 0, blob, 101, NULL, NULL,
	          &d) == MAMORI_E_TOOBIG);
	mamori_fstree_free(t);

	mamori_fs_limits_default(&l);
	l.max_ratio = 5;
	l.input_bytes = 10;
	CHECK_OK(mamori_fstree_new(&l, &t));
	CHECK_OK(
	    mamori_fstree_add(t, "f", 1, MAMORI_FS_REG, 0644, 0, 0, blob, 50, NULL, NULL, NULL));
	CHECK(mamori_fstree_add(t, "g", 1, MAMORI_FS_REG, 0644, 0, 0, blob, 1, NULL, NULL, &d) ==
	      MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "expansion ratio above 5:1 of a 10-byte image") != NULL);
	mamori_fstree_free(t);

	/* the default 4 GiB cap is checked before the copy: the 5 GiB "file" is never read */
	CHECK_OK(mamori_fstree_new(NULL, &t));
	CHECK(mamori_fstree_add(t, "bomb", 4, MAMORI_FS_REG, 0644, 0, 0, blob, (size_t)5 << 30,
	          NULL, NULL, &d) == MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "unpacked size would exceed the 4096 MiB cap") != NULL);
	CHECK(mamori_fstree_bytes(t) == 0 && mamori_fstree_count(t) == 1);
	mamori_fstree_free(t);
}

static void
ordering(void)
{
	static const char *add[] = {"b", "a-b", "a/b", "a", "a/b/c", "a/a", "A", "a.b"};
	static const char *want[] = {
	    "/", "/A", "/a", "/a/a", "/a/b", "/a/b/c", "/a-b", "/a.b", "/b"};
	struct mamori_fstree *t = new_tree();
	size_t n;

	for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++)
		CHECK_OK(add_file(t, add[i], add[i]));
	/* "a" was a file and is now a directory parent: still one node per path */
	CHECK_OK(
	    mamori_fstree_add(t, "a", 1, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, NULL, NULL));
	n = mamori_fstree_count(t);
	CHECK(n == sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);

		CHECK(nd != NULL && strcmp(nd->path, want[i]) == 0);
	}
	CHECK(mamori_fstree_at(t, n) == NULL);
	/* additions after a sort are seen */
	CHECK_OK(add_file(t, "0", "zero"));
	CHECK(strcmp(mamori_fstree_at(t, 1)->path, "/0") == 0);
	CHECK(strcmp(mamori_fstree_at(t, n)->path, "/b") == 0);
	mamori_fstree_free(t);
}

static void
symlinks(void)
{
	struct mamori_fstree *t = new_tree();
	const struct mamori_fs_node *bb, *n;
	char name[32], target[32];

	CHECK_OK(add_file(t, "bin/busybox", "BB"));
	CHECK_OK(add_link(t, "bin/sh", "busybox"));
	CHECK_OK(add_link(t, "usr/bin/env", "../../bin/busybox"));
	CHECK_OK(add_file(t, "usr/lib/libc.so.0", "LIBC"));
	CHECK_OK(add_link(t, "lib", "/usr/lib"));
	CHECK_OK(add_link(t, "etc/passwd", "/var/passwd"));
	CHECK_OK(add_file(t, "var/passwd", "root:x:0:0"));
	CHECK_OK(add_link(t, "www/escape", "../../../../../../var/passwd"));
	CHECK_OK(add_link(t, "loop/a", "b"));
	CHECK_OK(add_link(t, "loop/b", "a"));
	CHECK_OK(add_link(t, "loop/self", "self"));
	CHECK_OK(add_link(t, "dangling", "/nowhere"));
	CHECK_OK(add_link(t, "dot", "."));
	CHECK_OK(add_link(t, "bin/empty", ""));
	bb = mamori_fstree_get(t, "/bin/busybox");
	CHECK(bb != NULL);
	n = mamori_fstree_get(t, "/bin/sh");
	CHECK(n != NULL && n->type == MAMORI_FS_LNK && strcmp(n->link, "busybox") == 0);
	CHECK(mamori_fstree_resolve(t, "/bin/sh") == bb);
	CHECK(mamori_fstree_resolve(t, "usr/bin/env") == bb);
	CHECK(mamori_fstree_resolve(t, "/bin/busybox") == bb);
	/* a link to a directory in the middle of the path */
	n = mamori_fstree_resolve(t, "/lib/libc.so.0");
	CHECK(n != NULL && strcmp(n->path, "/usr/lib/libc.so.0") == 0);
	n = mamori_fstree_resolve(t, "/lib");
	CHECK(n != NULL && strcmp(n->path, "/usr/lib") == 0 && n->type == MAMORI_FS_DIR);
	/* absolute targets are inside the tree, and ".." cannot leave it */
	n = mamori_fstree_resolve(t, "/etc/passwd");
	CHECK(n != NULL && strcmp(n->path, "/var/passwd") == 0);
	n = mamori_fstree_resolve(t, "/www/escape");
	CHECK(n != NULL && strcmp(n->path, "/var/passwd") == 0);
	CHECK(mamori_fstree_resolve(t, "/loop/a") == NULL);
	CHECK(mamori_fstree_resolve(t, "/loop/self") == NULL);
	CHECK(mamori_fstree_resolve(t, "/dangling") == NULL);
	CHECK(mamori_fstree_resolve(t, "/bin/empty") == NULL);
	CHECK(mamori_fstree_resolve(t, "/bin/empty/busybox") == NULL);
	CHECK(mamori_fstree_resolve(t, "/nothing/here") == NULL);
	/* a file is not a directory */
	CHECK(mamori_fstree_resolve(t, "/bin/busybox/x") == NULL);
	CHECK(mamori_fstree_resolve(t, "/bin/sh/x") == NULL);
	n = mamori_fstree_resolve(t, "/");
	CHECK(n != NULL && strcmp(n->path, "/") == 0);
	n = mamori_fstree_resolve(t, "/dot/dot/dot/bin/sh");
	CHECK(n == bb);
	/* a chain of exactly MAMORI_FS_LINK_HOPS links resolves, one more does not */
	for (int i = 1; i <= MAMORI_FS_LINK_HOPS + 1; i++) {
		(void)snprintf(name, sizeof(name), "chain/l%d", i);
		(void)snprintf(target, sizeof(target), i == 1 ? "/bin/busybox" : "l%d", i - 1);
		CHECK_OK(add_link(t, name, target));
	}
	/* node pointers are valid until the next add: look it up again */
	bb = mamori_fstree_get(t, "/bin/busybox");
	(void)snprintf(name, sizeof(name), "/chain/l%d", MAMORI_FS_LINK_HOPS);
	CHECK(mamori_fstree_resolve(t, name) == bb);
	(void)snprintf(name, sizeof(name), "/chain/l%d", MAMORI_FS_LINK_HOPS + 1);
	CHECK(mamori_fstree_resolve(t, name) == NULL);
	mamori_fstree_free(t);
}

static void
many_nodes(void)
{
	struct mamori_fstree *t = new_tree();
	char name[64];
	size_t found = 0;

	for (int i = 0; i < 20000; i++) {
		(void)snprintf(name, sizeof(name), "d%d/f%d", i % 100, i);
		CHECK_OK(add_file(t, name, name));
	}
	CHECK(mamori_fstree_count(t) == 1 + 100 + 20000);
	for (int i = 0; i < 20000; i++) {
		const struct mamori_fs_node *n;

		(void)snprintf(name, sizeof(name), "/d%d/f%d", i % 100, i);
		n = mamori_fstree_get(t, name);
		if (n != NULL && n->size == strlen(name) - 1 &&
		    memcmp(n->data, name + 1, n->size) == 0)
			found++;
	}
	CHECK(found == 20000);
	for (size_t i = 1; i < mamori_fstree_count(t); i++)
		CHECK(strcmp(mamori_fstree_at(t, i - 1)->path, mamori_fstree_at(t, i)->path) != 0);
	mamori_fstree_free(t);
}

static bool
contains(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(p + i, s, n) == 0)
			return true;
	return false;
}

static void
iotgoat_dir(void)
{
	char dir[512], path[600];
	struct mamori_fstree *t = NULL;
	struct mamori_fs_limits l;
	const struct mamori_fs_node *n;
	struct mamori_diag d;
	struct mamori_buf b;
	size_t files = 0, dirs = 0;

	(void)snprintf(dir, sizeof(dir), "%s/firmware/iotgoat_overlay/rootfs", check_shared_data());
	if (mamori_fstree_from_dir(dir, NULL, &t, &d) != MAMORI_OK) {
		fprintf(stderr, "iotgoat: %s\n", d.msg);
		CHECK(0);
		return;
	}
	/* find rootfs | wc -l = 27: 10 directories (with the root) and 17 files */
	CHECK(mamori_fstree_count(t) == 27);
	for (size_t i = 0; i < mamori_fstree_count(t); i++) {
		n = mamori_fstree_at(t, i);
		files += n->type == MAMORI_FS_REG;
		dirs += n->type == MAMORI_FS_DIR;
		CHECK(strcmp(n->origin, "dir") == 0);
	}
	CHECK(files == 17 && dirs == 10);
	n = mamori_fstree_get(t, "/etc/shadow");
	CHECK(n != NULL && n->type == MAMORI_FS_REG);
	(void)snprintf(path, sizeof(path), "%s/etc/shadow", dir);
	mamori_buf_init(&b, 1 << 20);
	CHECK_OK(mamori_read_file(path, &b));
	CHECK(n != NULL && n->size == b.len && b.len > 0 && memcmp(n->data, b.p, b.len) == 0);
	CHECK(contains(b.p, b.len, "iotgoatuser:$1$79bz0K8z$"));
	mamori_buf_free(&b);
	n = mamori_fstree_get(t, "/etc/init.d/shellback");
	CHECK(n != NULL && n->type == MAMORI_FS_REG && n->mtime > 0);
	mamori_fstree_free(t);

	/* the same tree under small caps */
	mamori_fs_limits_default(&l);
	l.max_bytes = 1000;
	t = (struct mamori_fstree *)&l; /* must stay untouched on error */
	CHECK(mamori_fstree_from_dir(dir, &l, &t, &d) == MAMORI_E_TOOBIG);
	CHECK(t == (struct mamori_fstree *)&l);
	CHECK(strstr(d.msg, "decompression bomb") != NULL);
	mamori_fs_limits_default(&l);
	l.max_files = 5;
	CHECK(mamori_fstree_from_dir(dir, &l, &t, &d) == MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "more than 5 files") != NULL);
}

static void
real_dir_types(void)
{
	char tmpl[] = "/tmp/test_fstree.XXXXXX";
	char p[256];
	struct mamori_fstree *t = NULL;
	const struct mamori_fs_node *n;
	struct mamori_diag d;
	int fd;

	if (mkdtemp(tmpl) == NULL) {
		CHECK(0);
		return;
	}
	(void)snprintf(p, sizeof(p), "%s/sub", tmpl);
	CHECK(mkdir(p, 0700) == 0);
	(void)snprintf(p, sizeof(p), "%s/sub/secret", tmpl);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0 && write(fd, "s3cret", 6) == 6);
	if (fd >= 0)
		close(fd);
	(void)snprintf(p, sizeof(p), "%s/sub/suid", tmpl);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0755);
	if (fd >= 0)
		close(fd);
	CHECK(chmod(p, 04755) == 0);
	(void)snprintf(p, sizeof(p), "%s/outside", tmpl);
	CHECK(symlink("/etc/passwd", p) == 0);
	(void)snprintf(p, sizeof(p), "%s/fifo", tmpl);
	CHECK(mkfifo(p, 0644) == 0);

	CHECK_OK(mamori_fstree_from_dir(tmpl, NULL, &t, &d));
	CHECK(mamori_fstree_count(t) == 6);
	n = mamori_fstree_get(t, "/sub/secret");
	CHECK(n != NULL && n->type == MAMORI_FS_REG && n->mode == 0600 && n->size == 6);
	CHECK(n != NULL && n->uid == (uint32_t)getuid());
	n = mamori_fstree_get(t, "/sub/suid");
	CHECK(n != NULL && n->mode == 04755 && n->size == 0 && n->data == NULL);
	n = mamori_fstree_get(t, "/sub");
	CHECK(n != NULL && n->type == MAMORI_FS_DIR && n->mode == 0700);
	/* recorded, not followed: the host's /etc/passwd is not in the tree */
	n = mamori_fstree_get(t, "/outside");
	CHECK(n != NULL && n->type == MAMORI_FS_LNK && strcmp(n->link, "/etc/passwd") == 0);
	CHECK(mamori_fstree_resolve(t, "/outside") == NULL);
	n = mamori_fstree_get(t, "/fifo");
	CHECK(n != NULL && n->type == MAMORI_FS_FIFO);
	mamori_fstree_free(t);

	/* a missing directory names itself */
	(void)snprintf(p, sizeof(p), "%s/missing", tmpl);
	CHECK(mamori_fstree_from_dir(p, NULL, &t, &d) == MAMORI_E_IO);
	CHECK(strstr(d.msg, "missing") != NULL);

	(void)snprintf(p, sizeof(p), "%s/sub/secret", tmpl);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s/sub/suid", tmpl);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s/sub", tmpl);
	(void)rmdir(p);
	(void)snprintf(p, sizeof(p), "%s/outside", tmpl);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s/fifo", tmpl);
	(void)unlink(p);
	(void)rmdir(tmpl);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(normalise_vectors),
	    CHECK_CASE(root_and_lengths),
	    CHECK_CASE(parents_and_replace),
	    CHECK_CASE(limits),
	    CHECK_CASE(ordering),
	    CHECK_CASE(symlinks),
	    CHECK_CASE(many_nodes),
	    CHECK_CASE(iotgoat_dir),
	    CHECK_CASE(real_dir_types),
	};

	return check_run("test_fstree", cases, sizeof(cases) / sizeof(cases[0]));
}
