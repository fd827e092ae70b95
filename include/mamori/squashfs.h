/* SPDX-License-Identifier: MIT */
/* SquashFS 4.0 reader (both byte orders, every compressor incl. the vendor LZMA variant) into
 * an in-memory tree. Nothing is written to disk. Byte layout and limits:
 * docs/formats/squashfs.md. */
#ifndef MAMORI_SQUASHFS_H
#define MAMORI_SQUASHFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/fstree.h"

#define MAMORI_SQFS_SUPER_LEN   96u        /* v4 superblock bytes */
#define MAMORI_SQFS_META_MAX    8192u      /* uncompressed bytes in a metadata block */
#define MAMORI_SQFS_BLOCK_MIN   4096u      /* smallest data block size (block_log 12) */
#define MAMORI_SQFS_BLOCK_MAX   (1u << 20) /* largest data block size (block_log 20) */
#define MAMORI_SQFS_META_BLOCKS 32768u     /* metadata blocks in the inode or dir table */
#define MAMORI_SQFS_INODES_MAX  (1u << 24) /* superblock inode count */
#define MAMORI_SQFS_ENTRIES_MAX (1u << 24) /* directory entries walked in total */
#define MAMORI_SQFS_DEPTH_MAX   64u        /* directory nesting */
#define MAMORI_SQFS_FRAGS_MAX   (1u << 24) /* fragment table entries */
#define MAMORI_SQFS_DIR_ENTRIES 256u       /* entries under one directory header */
#define MAMORI_SQFS_FILE_MAX    ((uint64_t)256 << 20) /* bytes in one regular file */

/* True when p starts with a SquashFS 4.0 superblock ("hsqs" little-endian or "sqsh"
 * big-endian, major version 4). Cheap; the image may still be corrupt. */
bool mamori_squashfs_probe(const uint8_t *p, size_t len);

/* Reads the image img[0..len) and adds every node to t (the root directory becomes "/").
 * Regular-file contents are decompressed and copied into t. Errors (d gives the byte offset
 * into img and what was wrong): MAMORI_E_TRUNCATED when the image is shorter than its
 * superblock says, MAMORI_E_MALFORMED for a corrupt structure (bad offsets, loops, hostile
 * names, sizes that do not match the blocks), MAMORI_E_TOOBIG past a MAMORI_SQFS_* limit or a
 * limit of t, MAMORI_E_UNSUPPORTED for other versions or unknown compressors. On error t may
 * hold the nodes added before it; the caller discards t. */
MAMORI_MUST_CHECK mamori_err mamori_squashfs_read(
    const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d);

#endif
