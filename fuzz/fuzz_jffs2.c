/* SPDX-License-Identifier: MIT */
/* JFFS2 reader into a fresh in-memory tree with small caps, each input twice: as it is, and
 * with every node's CRCs recomputed (mutations would otherwise rarely get past the CRCs to the
 * version, directory and data logic). Seeds: mkfs.jffs2 images from tests/gen/mkjffs2.sh
 * --seeds and the hand-written images of tests/test_jffs2.c (JFFS2_SEEDS=dir). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "mamori/buf.h"
#include "mamori/fstree.h"
#include "mamori/jffs2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
jcrc(const uint8_t *p, size_t n)
{
	return (uint32_t)(crc32(0xffffffffu, p, (uInt)n) ^ 0xffffffffu);
}

static void
st32(uint8_t *p, bool be, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
}

/* Recomputes the header, node, name and data CRCs of every node found in p[0..n). */
static void
reseal(uint8_t *p, size_t n)
{
	bool be = n >= 2 && p[0] == 0x19;
	size_t off = 0;

	while (n - off >= 12 && n >= 12) {
		uint8_t *q = p + off;
		uint16_t magic = be ? mamori_load_be16(q) : mamori_load_le16(q);
		uint16_t type = be ? mamori_load_be16(q + 2) : mamori_load_le16(q + 2);
		uint32_t totlen = be ? mamori_load_be32(q + 4) : mamori_load_le32(q + 4);
		uint8_t h[8];

		if (magic != 0x1985 || totlen < 12 || totlen > n - off) {
			off += 4;
			continue;
		}
		memcpy(h, q, 8);
		h[be ? 2 : 3] |= 0x20;
		st32(q + 8, be, jcrc(h, 8));
		if ((type | 0x2000) == 0xe001 && totlen >= 40) {
			st32(q + 32, be, jcrc(q, 32));
			if (40u + q[28] <= totlen)
				st32(q + 36, be, jcrc(q + 40, q[28]));
		} else if ((type | 0x2000) == 0xe002 && totlen >= 68) {
			uint32_t csize = be ? mamori_load_be32(q + 48) : mamori_load_le32(q + 48);

			if (csize <= totlen - 68)
				st32(q + 60, be, jcrc(q + 68, csize));
			st32(q + 64, be, jcrc(q, 60));
		}
		off += ((size_t)totlen + 3) & ~(size_t)3;
		if (off > n)
			break;
	}
}

static void
one(const uint8_t *data, size_t size)
{
	struct mamori_jffs2_info info;
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_diag d;
	size_t used = 0, clamped = 0;
	mamori_err e;
	bool probed;

	mamori_fs_limits_default(&l);
	l.max_bytes = (uint64_t)64 << 20;
	l.max_files = 10000;
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return;
	memset(&d, 0, sizeof(d));
	probed = mamori_jffs2_probe(data, size);
	e = mamori_jffs2_read_info(data, size, t, &used, &clamped, &info, &d);
	if (e == MAMORI_OK) {
		/* consumed stays inside the input, on a node boundary */
		if (used == 0 || used > size || (used % 4 != 0 && used != size) ||
		    info.usable == 0 || info.usable > info.nodes)
			__builtin_trap();
		/* every node stays inside the tree, and each file is within the per-file cap */
		for (size_t i = 0; i < mamori_fstree_count(t); i++) {
			const struct mamori_fs_node *n = mamori_fstree_at(t, i);

			if (n->path[0] != '/' || strstr(n->path, "/../") != NULL ||
			    strstr(n->path, "//") != NULL || n->size > MAMORI_JFFS2_FILE_MAX ||
			    (n->type == MAMORI_FS_LNK && n->link == NULL))
				__builtin_trap();
		}
		if (mamori_fstree_bytes(t) > l.max_bytes)
			__builtin_trap();
	} else if (d.off > size || (d.msg[0] == '\0' && e != MAMORI_E_NOMEM)) {
		__builtin_trap();
	} else if (probed && e != MAMORI_E_TOOBIG && e != MAMORI_E_NOMEM) {
		/* a probed image fails only at a limit (the unpacker relies on it) */
		__builtin_trap();
	}
	mamori_fstree_free(t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	one(data, size);
	copy = malloc(size > 0 ? size : 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	reseal(copy, size);
	one(copy, size);
	free(copy);
	return 0;
}
