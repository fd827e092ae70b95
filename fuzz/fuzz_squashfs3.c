/* SPDX-License-Identifier: MIT */
/* SquashFS 3.x/2.x reader (mamori_squashfs3_read) into a fresh in-memory tree with small caps. */
#include <stdint.h>
#include <string.h>

#include "mamori/fstree.h"
#include "mamori/squashfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	mamori_err e;

	mamori_fs_limits_default(&l);
	l.max_bytes = (uint64_t)64 << 20;
	l.max_files = 10000;
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return 0;
	memset(&d, 0, sizeof(d));
	(void)mamori_squashfs_probe(data, size);
	(void)mamori_squashfs_version(data, size);
	e = mamori_squashfs3_read(data, size, t, &d);
	if (e == MAMORI_OK) {
		/* every node stays inside the tree, and each file is within the per-file cap */
		for (size_t i = 0; i < mamori_fstree_count(t); i++) {
			const struct mamori_fs_node *n = mamori_fstree_at(t, i);

			if (n->path[0] != '/' || strstr(n->path, "/../") != NULL ||
			    n->size > MAMORI_SQFS_FILE_MAX ||
			    (n->type == MAMORI_FS_LNK && n->link == NULL))
				__builtin_trap();
		}
		if (mamori_fstree_bytes(t) > l.max_bytes)
			__builtin_trap();
	} else if (d.off > size || d.msg[0] == '\0') {
		__builtin_trap();
	}
	mamori_fstree_free(t);
	return 0;
}
