/* SPDX-License-Identifier: MIT */
/* CPIO and tar readers into a fresh tree with small caps; the first byte picks the reader
 * (even: cpio, odd: tar), the rest is the archive. */
#include <stdint.h>
#include <string.h>

#include "mamori/archive.h"
#include "mamori/fstree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	size_t used = 0, clamped = 0;
	mamori_err e;
	bool tar;

	if (size < 1)
		return 0;
	tar = (data[0] & 1) != 0;
	data++;
	size--;
	mamori_fs_limits_default(&l);
	l.max_bytes = (uint64_t)64 << 20;
	l.max_files = 10000;
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return 0;
	memset(&d, 0, sizeof(d));
	if (tar) {
		(void)mamori_tar_probe(data, size);
		e = mamori_tar_read(data, size, t, &used, &clamped, &d);
	} else {
		(void)mamori_cpio_probe(data, size);
		e = mamori_cpio_read(data, size, t, &used, &clamped, &d);
	}
	if (e == MAMORI_OK) {
		/* every node stays inside the tree; consumed stays inside the input */
		if (used > size || (used == 0 && !tar))
			__builtin_trap();
		for (size_t i = 0; i < mamori_fstree_count(t); i++) {
			const struct mamori_fs_node *n = mamori_fstree_at(t, i);

			if (n->path[0] != '/' || strstr(n->path, "/../") != NULL ||
			    n->size > MAMORI_ARCHIVE_FILE_MAX ||
			    (n->type == MAMORI_FS_LNK && n->link == NULL))
				__builtin_trap();
		}
	} else if (d.off > size || d.msg[0] == '\0') {
		if (e != MAMORI_E_NOMEM)
			__builtin_trap();
	}
	mamori_fstree_free(t);
	return 0;
}
