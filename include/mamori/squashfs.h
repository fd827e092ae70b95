/* SPDX-License-Identifier: MIT */
/* SquashFS readers into an in-memory tree: 4.0 (both byte orders, every compressor incl. the
 * vendor LZMA variant) and 3.x/2.x (both byte orders, zlib and the LZMA variants). Nothing is
 * written to disk. Byte layout and limits: docs/formats/squashfs.md. */
#ifndef MAMORI_SQUASHFS_H
#define MAMORI_SQUASHFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/fstree.h"

#define MAMORI_SQFS_SUPER_LEN   96u        /* v4 superblock bytes */
#define MAMORI_SQFS3_SUPER_LEN  119u       /* v3.x superblock bytes (3.0 may end at 111) */
#define MAMORI_SQFS2_SUPER_LEN  63u        /* v2.x superblock bytes */
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

/* True when p starts with a SquashFS superblock mamori reads ("hsqs" little-endian or "sqsh"
 * big-endian, major version 2, 3 or 4, and len holds that version's superblock). Cheap; the
 * image may still be corrupt. */
bool mamori_squashfs_probe(const uint8_t *p, size_t len);

/* The major version (2, 3 or 4) of the superblock at p, 0 when mamori_squashfs_probe() is
 * false. 4 goes to mamori_squashfs_read(), 2 and 3 to mamori_squashfs3_read(). */
unsigned mamori_squashfs_version(const uint8_t *p, size_t len);

/* Reads the image img[0..len) and adds every node to t (the root directory becomes "/").
 * Regular-file contents are decompressed and copied into t. Errors (d gives the byte offset
 * into img and what was wrong): MAMORI_E_TRUNCATED when the image is shorter than its
 * superblock says, MAMORI_E_MALFORMED for a corrupt structure (bad offsets, loops, hostile
 * names, sizes that do not match the blocks), MAMORI_E_TOOBIG past a MAMORI_SQFS_* limit or a
 * limit of t, MAMORI_E_UNSUPPORTED for other versions or unknown compressors. On error t may
 * hold the nodes added before it; the caller discards t. */
MAMORI_MUST_CHECK mamori_err mamori_squashfs_read(
    const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d);

/* The same for SquashFS 3.0/3.1 and 2.0/2.1 images (either byte order; zlib, lzma-alone and
 * vendor LZMA blocks), under the same contract and errors. MAMORI_E_UNSUPPORTED for 4.x, 1.x
 * and minor versions above 1. */
MAMORI_MUST_CHECK mamori_err mamori_squashfs3_read(
    const uint8_t *img, size_t len, struct mamori_fstree *t, struct mamori_diag *d);

#endif
