/* SPDX-License-Identifier: MIT */
/* UBIFS reader into an in-memory tree: the committed index is walked from the newest master
 * node, directories are rebuilt from their entries, files from their data nodes (none, LZO,
 * zlib, zstd). Nothing is written to disk. Byte layout and limits: docs/formats/ubifs.md. */
#ifndef MAMORI_UBIFS_H
#define MAMORI_UBIFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/fstree.h"

#define MAMORI_UBIFS_MAGIC      0x06101831u /* every node, little-endian */
#define MAMORI_UBIFS_SB_LEN     4096u       /* superblock node bytes */
#define MAMORI_UBIFS_BLOCK      4096u       /* file bytes per data node */
#define MAMORI_UBIFS_LEB_MIN    4096u       /* smallest LEB size read (the superblock fits) */
#define MAMORI_UBIFS_LEB_MAX    ((uint32_t)16 << 20)  /* largest LEB size */
#define MAMORI_UBIFS_LEBS_MAX   (1u << 20)            /* LEBs in the file system */
#define MAMORI_UBIFS_FANOUT_MAX 4096u                 /* branches in one index node */
#define MAMORI_UBIFS_LEVELS_MAX 64u                   /* index tree levels */
#define MAMORI_UBIFS_NODES_MAX  (1u << 21)            /* index and leaf nodes visited */
#define MAMORI_UBIFS_FILE_MAX   ((uint64_t)256 << 20) /* bytes in one regular file */
#define MAMORI_UBIFS_DEPTH_MAX  512u                  /* directory nesting */
#define MAMORI_UBIFS_RATIO_MAX  1000u /* bytes of files per volume byte (holes, links) */

/* True when p starts with a UBIFS superblock node (magic, node type 6, 4096 bytes, good CRC).
 * Cheap; the file system may still be corrupt. */
bool mamori_ubifs_probe(const uint8_t *p, size_t n);

/* Reads the UBIFS volume at p[0..n) (LEB after LEB, the LEB size taken from the superblock)
 * into t, with the contract of mamori_cpio_read: *consumed: bytes up to the end of the highest
 * LEB used; *clamped: always 0 (names holding "/" or "..", which no UBIFS writes, are errors).
 * Errors (d gives the byte offset into p of the offending node): MAMORI_E_TRUNCATED when a
 * node lies past the end of p, MAMORI_E_MALFORMED for bad CRCs, bad node references, index
 * loops, dent loops, key or type mismatches, hostile names, MAMORI_E_UNSUPPORTED for another
 * key format, format version or compressor, MAMORI_E_TOOBIG past a MAMORI_UBIFS_* limit or a
 * limit of t. On error t may hold the nodes added before it; outputs are written only on
 * success. */
MAMORI_MUST_CHECK mamori_err mamori_ubifs_read(const uint8_t *p, size_t n, struct mamori_fstree *t,
    size_t *consumed, size_t *clamped, struct mamori_diag *d);

#endif
