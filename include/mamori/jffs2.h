/* SPDX-License-Identifier: MIT */
/* JFFS2 reader (both byte orders; none, zero, rtime, zlib, lzo and OpenWrt lzma data) into an
 * in-memory tree. Nothing is written to disk: names go through mamori_fstree_add. Byte layout,
 * the bad-node rule and limits: docs/formats/jffs2.md. */
#ifndef MAMORI_JFFS2_H
#define MAMORI_JFFS2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/fstree.h"

#define MAMORI_JFFS2_MAGIC      0x1985u
#define MAMORI_JFFS2_HDR_LEN    12u                   /* common node header */
#define MAMORI_JFFS2_DIRENT_LEN 40u                   /* dirent node before the name */
#define MAMORI_JFFS2_INODE_LEN  68u                   /* inode node before the data */
#define MAMORI_JFFS2_NODE_MAX   (1u << 20)            /* totlen of one node */
#define MAMORI_JFFS2_DSIZE_MAX  (64u << 10)           /* uncompressed bytes in one node */
#define MAMORI_JFFS2_FILE_MAX   ((uint64_t)256 << 20) /* isize of one file */
#define MAMORI_JFFS2_NODES_MAX  (1u << 20)            /* inode and dirent nodes kept */
#define MAMORI_JFFS2_INODES_MAX (1u << 18)            /* distinct inode numbers */
#define MAMORI_JFFS2_TOTAL_MAX  ((uint64_t)512 << 20) /* file bytes added to the tree */
#define MAMORI_JFFS2_WORK_MAX   ((uint64_t)1 << 30)   /* bytes decompressed in all */
#define MAMORI_JFFS2_DEPTH_MAX  128u                  /* directory nesting */
#define MAMORI_JFFS2_GAP_MAX    (64u << 10)           /* bytes without a node that end it */

/* What a read found besides the tree (for tests and diagnostics). */
struct mamori_jffs2_info {
	bool big_endian;
	size_t nodes;       /* nodes with a valid header */
	size_t usable;      /* of those, nodes whose node CRC and fields hold too */
	size_t bad;         /* skipped: CRCs, lengths, limits, data that does not decode */
	size_t truncated;   /* nodes cut by the end of the input */
	size_t obsolete;    /* nodes marked obsolete on the flash */
	size_t unsupported; /* data nodes with a compressor not read (rubin, copy, unknown) */
	size_t deleted;     /* names whose latest dirent deletes them */
	size_t orphans;     /* inodes and dirents not reachable from the root */
	size_t loops;       /* dirents naming an already placed directory or the root */
	size_t skipped;     /* entries too deep or with a too long path */
	size_t entries;     /* nodes added to the tree (the root included when it has an inode) */
};

/* True when p starts with a JFFS2 node (magic 0x1985 in either byte order) that is usable:
 * known type, not obsolete, header CRC, sane length within n, and for inode and dirent nodes
 * their node CRC, fields and name CRC (not the data CRC). O(1): at most 323 bytes read. */
bool mamori_jffs2_probe(const uint8_t *p, size_t n);

/* Reads the JFFS2 file system starting at p[0..n) into t (the root directory, inode 1, is "/").
 * *consumed: the end of the last node with a valid header, padded to 4. *clamped: dirents named
 * ".", ".." or holding '/', dropped. Bad nodes are skipped and counted, not fatal. Errors (d
 * gives the byte offset into p): MAMORI_E_TRUNCATED / MAMORI_E_MALFORMED when no magic at 0 or
 * no usable node at all (d says how many were bad), MAMORI_E_TOOBIG past a MAMORI_JFFS2_*
 * limit or a limit of t. On error t may hold the nodes added before it; outputs are written
 * only on success. */
MAMORI_MUST_CHECK mamori_err mamori_jffs2_read(const uint8_t *p, size_t n, struct mamori_fstree *t,
    size_t *consumed, size_t *clamped, struct mamori_diag *d);

/* The same, also filling *info (may be NULL) on success. */
MAMORI_MUST_CHECK mamori_err mamori_jffs2_read_info(const uint8_t *p, size_t n,
    struct mamori_fstree *t, size_t *consumed, size_t *clamped, struct mamori_jffs2_info *info,
    struct mamori_diag *d);

#endif
