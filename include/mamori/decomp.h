/* SPDX-License-Identifier: MIT */
/* One entry point for every compressor found in firmware, over Debian's libraries. Output is
 * capped by the caller (a block size, or what is left of the unpack budget), so a bomb ends
 * with MAMORI_E_TOOBIG, never with memory exhausted. */
#ifndef MAMORI_DECOMP_H
#define MAMORI_DECOMP_H

#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/err.h"

enum mamori_comp {
	MAMORI_COMP_ZLIB = 1,    /* zlib-wrapped deflate (squashfs "gzip") */
	MAMORI_COMP_GZIP,        /* gzip member(s) */
	MAMORI_COMP_DEFLATE,     /* raw deflate */
	MAMORI_COMP_XZ,          /* .xz container */
	MAMORI_COMP_LZMA_ALONE,  /* .lzma: 13-byte header (props, dict, 64-bit size) */
	MAMORI_COMP_LZMA_VENDOR, /* 5-byte header (props, dict), no size: vendor squashfs blocks */
	MAMORI_COMP_BZIP2,
	MAMORI_COMP_ZSTD,
	MAMORI_COMP_LZ4,       /* LZ4 frame */
	MAMORI_COMP_LZ4_BLOCK, /* raw LZ4 block (squashfs) */
	MAMORI_COMP_LZO,       /* raw LZO1X block (squashfs) */
};

const char *mamori_comp_name(enum mamori_comp c);

/* Decompresses in[0..inlen) into out (appended), at most max_out bytes: MAMORI_E_TOOBIG beyond.
 * *consumed (may be NULL) gets the input bytes the stream used (for carving: streams inside a
 * larger blob). MAMORI_E_MALFORMED / MAMORI_E_TRUNCATED for corrupt or short input, with d. */
MAMORI_MUST_CHECK mamori_err mamori_decompress(enum mamori_comp c, const uint8_t *in, size_t inlen,
    size_t max_out, struct mamori_buf *out, size_t *consumed, struct mamori_diag *d);

#endif
