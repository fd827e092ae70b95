/* SPDX-License-Identifier: MIT */
/* UBIFS reader into a fresh tree with small caps. Byte 0 is a mode: with bit 0 set the harness
 * first recomputes the CRC of every node it finds (an 8-byte aligned magic and a length that
 * fits), so that mutations get past the checksums into the index, entry and data logic; the
 * rest is the volume. Seeds: `build/release/tests/test_ubi --seeds fuzz/corpus`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mamori/buf.h"
#include "mamori/fstree.h"
#include "mamori/ubifs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fix_crcs(uint8_t *p, size_t n)
{
	for (size_t o = 0; n >= 24 && o <= n - 24; o += 8) {
		uint32_t len;

		if (mamori_load_le32(p + o) != MAMORI_UBIFS_MAGIC)
			continue;
		len = mamori_load_le32(p + o + 16);
		if (len < 24 || len > n - o)
			continue;
		uint32_t c = (uint32_t)~crc32(0L, p + o + 8, (uInt)(len - 8));
		p[o + 4] = (uint8_t)c;
		p[o + 5] = (uint8_t)(c >> 8);
		p[o + 6] = (uint8_t)(c >> 16);
		p[o + 7] = (uint8_t)(c >> 24);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	size_t used = 0, clamped = 0;
	uint8_t *buf;
	mamori_err e;

	if (size < 1)
		return 0;
	buf = malloc(size);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		fix_crcs(buf, size - 1);
	mamori_fs_limits_default(&l);
	l.max_bytes = (uint64_t)64 << 20;
	l.max_files = 10000;
	if (mamori_fstree_new(&l, &t) != MAMORI_OK) {
		free(buf);
		return 0;
	}
	memset(&d, 0, sizeof(d));
	(void)mamori_ubifs_probe(buf, size - 1);
	e = mamori_ubifs_read(buf, size - 1, t, &used, &clamped, &d);
	if (e == MAMORI_OK) {
		/* every node stays inside the tree, consumed inside the input */
		if (used > size - 1 || used == 0 || clamped != 0)
			__builtin_trap();
		for (size_t i = 0; i < mamori_fstree_count(t); i++) {
			const struct mamori_fs_node *n = mamori_fstree_at(t, i);

			if (n->path[0] != '/' || strstr(n->path, "/../") != NULL ||
			    strstr(n->path, "/./") != NULL || n->size > MAMORI_UBIFS_FILE_MAX ||
			    (n->type == MAMORI_FS_LNK && n->link == NULL))
				__builtin_trap();
		}
	} else if (d.off > size - 1 || d.msg[0] == '\0') {
		if (e != MAMORI_E_NOMEM)
			__builtin_trap();
	}
	mamori_fstree_free(t);
	free(buf);
	return 0;
}
