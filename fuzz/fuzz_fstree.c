/* SPDX-License-Identifier: MIT */
/* The file tree on hostile names: each input line is a path ("name -> target" adds a
 * symlink, a trailing '/' a directory, anything else a file holding the line). Then every
 * line is resolved, and the invariants of the normalised tree are checked. */
#include <stdlib.h>
#include <string.h>

#include "mamori/fstree.h"

#define FUZZ_MAX_FILES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
find_arrow(const char *p, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(p + i, " -> ", 4) == 0)
			return p + i;
	return NULL;
}

static bool
clean_path(const char *p)
{
	size_t len = strlen(p);

	if (p[0] != '/' || len > MAMORI_FS_PATH_MAX)
		return false;
	if (len > 1 && p[len - 1] == '/')
		return false;
	if ((len >= 2 && strcmp(p + len - 2, "/.") == 0) ||
	    (len >= 3 && strcmp(p + len - 3, "/..") == 0))
		return false;
	return strstr(p, "//") == NULL && strstr(p, "/./") == NULL && strstr(p, "/../") == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t;
	const char *s = (const char *)data;
	char *text;
	size_t pos = 0;

	mamori_fs_limits_default(&l);
	l.max_files = FUZZ_MAX_FILES;
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return 0;
	while (pos < size) {
		const char *line = s + pos, *nl = memchr(line, '\n', size - pos);
		size_t len = nl != NULL ? (size_t)(nl - line) : size - pos;
		const char *arrow = find_arrow(line, len);
		struct mamori_diag d;
		bool clamped;
		mamori_err e;

		pos += len + 1;
		if (arrow != NULL) {
			size_t tl = len - (size_t)(arrow - line) - 4;
			char *target = malloc(tl + 1);

			if (target == NULL)
				break;
			memcpy(target, arrow + 4, tl);
			target[tl] = '\0'; /* a NUL inside ends the target early: fine */
			e = mamori_fstree_add(t, line, (size_t)(arrow - line), MAMORI_FS_LNK, 0777,
			    0, 0, NULL, 0, target, &clamped, &d);
			free(target);
		} else if (len > 0 && line[len - 1] == '/') {
			e = mamori_fstree_add(
			    t, line, len, MAMORI_FS_DIR, 0755, 0, 0, NULL, 0, NULL, &clamped, &d);
		} else {
			e = mamori_fstree_add(t, line, len, MAMORI_FS_REG, 0644, 0, 0,
			    (const uint8_t *)line, len, NULL, &clamped, &d);
		}
		if (e == MAMORI_E_TOOBIG)
			break;
	}
	/* resolve every line, as a C string */
	text = malloc(size + 1);
	if (text != NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		for (char *p = text, *q; p != NULL && *p != '\0'; p = q) {
			q = strchr(p, '\n');
			if (q != NULL)
				*q++ = '\0';
			(void)mamori_fstree_resolve(t, p);
			(void)mamori_fstree_get(t, p);
		}
		free(text);
	}
	for (size_t i = 0; i < mamori_fstree_count(t); i++) {
		const struct mamori_fs_node *n = mamori_fstree_at(t, i);

		if (n == NULL || !clean_path(n->path) || mamori_fstree_get(t, n->path) != n)
			abort();
		if (i > 0 && strcmp(mamori_fstree_at(t, i - 1)->path, n->path) == 0)
			abort();
		if (n->type == MAMORI_FS_LNK && n->link == NULL)
			abort();
	}
	mamori_fstree_free(t);
	return 0;
}
