/* SPDX-License-Identifier: MIT */
/* Unpacking a firmware image into an in-memory tree: the image is scanned for known
 * signatures at any offset and each container found is carved and opened, recursively (legacy
 * U-Boot uImage, TRX, gzip / xz / LZMA-alone / bzip2 / zstd streams, SquashFS 2-4, JFFS2, UBI
 * images (each volume read as UBIFS or scanned), bare UBIFS, CPIO and tar, and the members of an
 * archive that are images themselves). Every step is bounded: nesting depth, bytes decompressed
 * outside the tree, and the tree's own limits. */
#ifndef MAMORI_UNPACK_H
#define MAMORI_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/err.h"
#include "mamori/fstree.h"

#define MAMORI_UNPACK_DEPTH_MAX   8                   /* containers inside containers */
#define MAMORI_UNPACK_STREAMS_MAX 64                  /* compressed streams tried per level */
#define MAMORI_UNPACK_FS_MAX      8                   /* file systems mounted into one tree */
#define MAMORI_UNPACK_BLOB_MAX    ((size_t)512 << 20) /* one decompressed stream */

struct mamori_unpack_opts {
	unsigned max_depth;   /* <= MAMORI_UNPACK_DEPTH_MAX */
	uint64_t blob_budget; /* bytes decompressed outside file systems, in all */
	/* progress over the image's top level: ("unpacking", offset, image length); may be NULL */
	void (*progress)(void *ctx, const char *stage, uint64_t done, uint64_t total);
	void *progress_ctx;
};

/* What was found, for the report and the user: one line per container, indented by depth
 * ("uImage @0x0: 'Linux-2.6.33' lzma, 1.2 MiB", "squashfs 4.0 @0x140000: 1811 inodes"). */
struct mamori_unpack_log {
	struct mamori_buf text; /* lines, NUL-free, each ending in '\n' */
	unsigned filesystems;   /* file systems read into the tree */
	unsigned containers;    /* containers recognised */
	unsigned errors;        /* containers that were recognised but could not be read */
	size_t hostile_names;   /* archive members named absolute or with "..", re-rooted */
};

void mamori_unpack_opts_default(struct mamori_unpack_opts *o);
void mamori_unpack_log_init(struct mamori_unpack_log *l);
void mamori_unpack_log_free(struct mamori_unpack_log *l);

/* Unpacks img into t. The first file system found goes to "/", later ones under "/.fsN".
 * MAMORI_OK when at least one file system was read; MAMORI_E_NOTFOUND when none was found
 * (d says "no Linux file system found" and what was recognised); errors of a container that
 * was recognised but is corrupt are counted in the log and scanning goes on. */
MAMORI_MUST_CHECK mamori_err mamori_unpack(const uint8_t *img, size_t len,
    const struct mamori_unpack_opts *o, struct mamori_fstree *t, struct mamori_unpack_log *log,
    struct mamori_diag *d);

#endif
