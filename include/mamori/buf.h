/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_BUF_H
#define MAMORI_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

/* Borrowed view; never owns. */
struct mamori_span {
	const uint8_t *p;
	size_t len;
};

/* Bounds-checked cursor over untrusted bytes. Invariant: off <= len. */
struct mamori_reader {
	const uint8_t *p;
	size_t len;
	size_t off;
};

/* Owned, growable byte buffer with a hard cap (max). */
struct mamori_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t max;
};

void mamori_reader_init(struct mamori_reader *r, const uint8_t *p, size_t len);
size_t mamori_reader_left(const struct mamori_reader *r);
/* All return MAMORI_E_TRUNCATED (and leave r unchanged) when too few bytes remain. */
MAMORI_MUST_CHECK mamori_err mamori_read_u8(struct mamori_reader *r, uint8_t *out);
MAMORI_MUST_CHECK mamori_err mamori_read_be16(struct mamori_reader *r, uint16_t *out);
MAMORI_MUST_CHECK mamori_err mamori_read_be32(struct mamori_reader *r, uint32_t *out);
MAMORI_MUST_CHECK mamori_err mamori_read_le16(struct mamori_reader *r, uint16_t *out);
MAMORI_MUST_CHECK mamori_err mamori_read_le32(struct mamori_reader *r, uint32_t *out);
MAMORI_MUST_CHECK mamori_err mamori_read_le64(struct mamori_reader *r, uint64_t *out);
MAMORI_MUST_CHECK mamori_err mamori_read_span(
    struct mamori_reader *r, size_t n, struct mamori_span *out);
MAMORI_MUST_CHECK mamori_err mamori_read_skip(struct mamori_reader *r, size_t n);

/* Explicit-endian loads from a pointer the caller has already bounds-checked. */
static inline uint16_t
mamori_load_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t
mamori_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t
mamori_load_le16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[1] << 8 | p[0]);
}

static inline uint32_t
mamori_load_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* a + b into *out; false (and *out untouched) on overflow. */
static inline bool
mamori_add_size(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

static inline bool
mamori_mul_size(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

/* max is mandatory: appends past it fail with MAMORI_E_TOOBIG and leave b unchanged. */
void mamori_buf_init(struct mamori_buf *b, size_t max);
MAMORI_MUST_CHECK mamori_err mamori_buf_reserve(struct mamori_buf *b, size_t extra);
MAMORI_MUST_CHECK mamori_err mamori_buf_append(struct mamori_buf *b, const void *p, size_t n);
MAMORI_MUST_CHECK mamori_err mamori_buf_putc(struct mamori_buf *b, uint8_t c);
MAMORI_MUST_CHECK mamori_err mamori_buf_printf(struct mamori_buf *b, const char *fmt, ...)
    MAMORI_PRINTF(2, 3);
/* Drops the first n bytes (n <= len). */
void mamori_buf_consume(struct mamori_buf *b, size_t n);
void mamori_buf_reset(struct mamori_buf *b);
/* Hands the bytes to the caller, who frees them; b becomes empty. */
uint8_t *mamori_buf_take(struct mamori_buf *b, size_t *len);
void mamori_buf_free(struct mamori_buf *b);
void mamori_buf_wipe_free(struct mamori_buf *b);

/* Reads a whole file (or "-" for stdin) into b, up to b->max bytes: MAMORI_E_TOOBIG beyond. */
MAMORI_MUST_CHECK mamori_err mamori_read_file(const char *path, struct mamori_buf *b);

void mamori_wipe(void *p, size_t n);

#endif
