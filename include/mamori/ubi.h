/* SPDX-License-Identifier: MIT */
/* UBI image reader: finds the eraseblock size, reads the volume table, maps every volume's
 * logical eraseblocks to the physical ones (duplicates resolved by sequence number and copy
 * flag) and hands each volume's bytes to a callback. Nothing is written anywhere. Byte layout
 * and limits: docs/formats/ubi.md. */
#ifndef MAMORI_UBI_H
#define MAMORI_UBI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

#define MAMORI_UBI_HDR_LEN   64u                 /* EC and VID header bytes */
#define MAMORI_UBI_VTBL_LEN  172u                /* one volume table record */
#define MAMORI_UBI_PEB_MIN   512u                /* smallest PEB size searched */
#define MAMORI_UBI_PEB_MAX   ((size_t)16 << 20)  /* largest PEB size searched */
#define MAMORI_UBI_PEBS_MAX  65536u              /* PEBs in an image; reserved_pebs */
#define MAMORI_UBI_VOLS_MAX  128u                /* user volumes (UBI's own maximum) */
#define MAMORI_UBI_NAME_MAX  127u                /* bytes in a volume name */
#define MAMORI_UBI_VOL_MAX   ((size_t)512 << 20) /* bytes of one volume */
#define MAMORI_UBI_TOTAL_MAX ((uint64_t)2 << 30) /* bytes of all volumes of one image */
#define MAMORI_UBI_LAYOUT_ID 0x7fffefffu         /* the volume table's volume */

/* What an image is made of, filled in by mamori_ubi_read() before the first call of the
 * callback (so that a caller can report it first), and also when the read fails: then it says
 * as much as was found (peb_size 0 when no PEB size was found). */
struct mamori_ubi_info {
	size_t peb_size;  /* physical eraseblock */
	size_t leb_size;  /* PEB size minus the headers' data_offset */
	size_t pebs;      /* whole PEBs in the image */
	unsigned volumes; /* records in use in the volume table */
	uint32_t image_seq;
	size_t extent; /* success: *consumed; error: the bytes read as part of the image (for a
	                * caller that skips a broken image rather than rescanning it) */
};

/* Called once per volume, in vol_id order. name: the volume table's name, NUL-terminated;
 * data[0..len): the volume's bytes (dynamic: every LEB up to the highest mapped one, data_pad
 * removed, unmapped LEBs as 0xff; static: used_ebs LEBs of data_size bytes each). data is
 * freed when fn returns (NULL when len is 0). A non-MAMORI_OK return stops the read and is
 * returned by mamori_ubi_read (fn may fill d). */
typedef mamori_err (*mamori_ubi_volume_fn)(void *ctx, const char *name, unsigned vol_id,
    const uint8_t *data, size_t len, struct mamori_diag *d);

/* True when p starts with a valid UBI erase-counter header ("UBI#", version 1, header CRC,
 * sane offsets). Cheap; the image may still be corrupt. */
bool mamori_ubi_probe(const uint8_t *p, size_t n);

/* The CRC-32 of UBI headers and UBIFS nodes: zlib's polynomial, started at ~0, not inverted at
 * the end (the kernel's crc32(UBI_CRC32_INIT, ...)). */
uint32_t mamori_ubi_crc32(const uint8_t *p, size_t n);

/* Reads the UBI image at p[0..n) and calls fn for each volume of its volume table. *consumed:
 * bytes up to the end of the last PEB of this image (it ends before a PEB with no EC header,
 * or with another image_seq); info (may be NULL): the geometry, see above. Errors (d gives the
 * byte offset into p): MAMORI_E_TRUNCATED for a partial last PEB or a missing LEB of a static
 * volume, MAMORI_E_MALFORMED for bad header or record CRCs, inconsistent headers, duplicate
 * LEBs with one sequence number, a missing volume table, MAMORI_E_UNSUPPORTED for another UBI
 * version, MAMORI_E_TOOBIG past a MAMORI_UBI_* limit, or what fn returned. Volumes handed to
 * fn before an error stay handed over; *consumed is written only on success, info (when
 * not NULL) always. */
MAMORI_MUST_CHECK mamori_err mamori_ubi_read(const uint8_t *p, size_t n, size_t *consumed,
    struct mamori_ubi_info *info, mamori_ubi_volume_fn fn, void *ctx, struct mamori_diag *d);

#endif
