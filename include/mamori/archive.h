/* SPDX-License-Identifier: MIT */
/* CPIO (newc, crc, odc) and tar (ustar, GNU, pax) readers into an in-memory tree. Nothing is
 * written to disk: names go through mamori_fstree_add, which keeps them inside the tree. Byte
 * layout and limits: docs/formats/cpio-tar.md. */
#ifndef MAMORI_ARCHIVE_H
#define MAMORI_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/fstree.h"

#define MAMORI_CPIO_NEWC_LEN    110u                  /* newc/crc header bytes */
#define MAMORI_CPIO_ODC_LEN     76u                   /* odc header bytes */
#define MAMORI_TAR_BLOCK        512u                  /* tar header and data block */
#define MAMORI_ARCHIVE_FILE_MAX ((uint64_t)256 << 20) /* bytes in one member */
#define MAMORI_ARCHIVE_LINKS    65536u                /* cpio hard-link members remembered */
#define MAMORI_TAR_PAX_MAX      65536u                /* bytes in one 'x'/'g'/'L'/'K' member */

/* True when p starts with a cpio header ("070701", "070702" or "070707") whose fields are all
 * digits of the right base. Cheap; the archive may still be corrupt. */
bool mamori_cpio_probe(const uint8_t *p, size_t n);

/* Reads the cpio archive at p[0..n) (and the archives that directly follow it, as the kernel
 * does for an initramfs) into t. *consumed: bytes up to the end of the last "TRAILER!!!"
 * member and its padding. *clamped: members whose absolute or ".." name was re-rooted.
 * Errors (d gives the byte offset into p): MAMORI_E_TRUNCATED when p ends inside a member or
 * before the trailer, MAMORI_E_MALFORMED for a non-digit field, a bad name or an unknown
 * file type, MAMORI_E_TOOBIG past a MAMORI_ARCHIVE_* limit or a limit of t. On error t may
 * hold the members added before it; outputs are written only on success. */
MAMORI_MUST_CHECK mamori_err mamori_cpio_read(const uint8_t *p, size_t n, struct mamori_fstree *t,
    size_t *consumed, size_t *clamped, struct mamori_diag *d);

/* True when p starts with a tar header: "ustar" at offset 257 and a valid checksum. */
bool mamori_tar_probe(const uint8_t *p, size_t n);

/* Reads the tar archive at p[0..n) into t; the same outputs and errors as mamori_cpio_read.
 * *consumed ends after the end-of-archive zero blocks (or at n when p ends on a member
 * boundary without them). */
MAMORI_MUST_CHECK mamori_err mamori_tar_read(const uint8_t *p, size_t n, struct mamori_fstree *t,
    size_t *consumed, size_t *clamped, struct mamori_diag *d);

#endif
