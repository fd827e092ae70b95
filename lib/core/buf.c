/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/buf.h"

void
mamori_reader_init(struct mamori_reader *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

size_t
mamori_reader_left(const struct mamori_reader *r)
{
	return r->len - r->off; /* invariant: off <= len */
}

mamori_err
mamori_read_span(struct mamori_reader *r, size_t n, struct mamori_span *out)
{
	/* compare against what is left, never compute off + n */
	if (n > mamori_reader_left(r))
		return MAMORI_E_TRUNCATED;
	out->p = r->p + r->off;
	out->len = n;
	r->off += n;
	return MAMORI_OK;
}

mamori_err
mamori_read_skip(struct mamori_reader *r, size_t n)
{
	if (n > mamori_reader_left(r))
		return MAMORI_E_TRUNCATED;
	r->off += n;
	return MAMORI_OK;
}

mamori_err
mamori_read_u8(struct mamori_reader *r, uint8_t *out)
{
	if (mamori_reader_left(r) < 1)
		return MAMORI_E_TRUNCATED;
	*out = r->p[r->off++];
	return MAMORI_OK;
}

mamori_err
mamori_read_be16(struct mamori_reader *r, uint16_t *out)
{
	if (mamori_reader_left(r) < 2)
		return MAMORI_E_TRUNCATED;
	*out = mamori_load_be16(r->p + r->off);
	r->off += 2;
	return MAMORI_OK;
}

mamori_err
mamori_read_be32(struct mamori_reader *r, uint32_t *out)
{
	if (mamori_reader_left(r) < 4)
		return MAMORI_E_TRUNCATED;
	*out = mamori_load_be32(r->p + r->off);
	r->off += 4;
	return MAMORI_OK;
}

mamori_err
mamori_read_le16(struct mamori_reader *r, uint16_t *out)
{
	if (mamori_reader_left(r) < 2)
		return MAMORI_E_TRUNCATED;
	*out = mamori_load_le16(r->p + r->off);
	r->off += 2;
	return MAMORI_OK;
}

mamori_err
mamori_read_le32(struct mamori_reader *r, uint32_t *out)
{
	if (mamori_reader_left(r) < 4)
		return MAMORI_E_TRUNCATED;
	*out = mamori_load_le32(r->p + r->off);
	r->off += 4;
	return MAMORI_OK;
}

mamori_err
mamori_read_le64(struct mamori_reader *r, uint64_t *out)
{
	if (mamori_reader_left(r) < 8)
		return MAMORI_E_TRUNCATED;
	*out =
	    (uint64_t)mamori_load_le32(r->p + r->off + 4) << 32 | mamori_load_le32(r->p + r->off);
	r->off += 8;
	return MAMORI_OK;
}

void
mamori_buf_init(struct mamori_buf *b, size_t max)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

mamori_err
mamori_buf_reserve(struct mamori_buf *b, size_t extra)
{
	size_t need, ncap;
	uint8_t *np;

	if (!mamori_add_size(b->len, extra, &need) || need > b->max)
		return MAMORI_E_TOOBIG;
	if (need <= b->cap)
		return MAMORI_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (ncap > b->max / 2) {
			ncap = b->max;
			break;
		}
		ncap *= 2;
	}
	np = realloc(b->p, ncap);
	if (np == NULL)
		return MAMORI_E_NOMEM;
	b->p = np;
	b->cap = ncap;
	return MAMORI_OK;
}

mamori_err
mamori_buf_append(struct mamori_buf *b, const void *p, size_t n)
{
	mamori_err e;

	if (n == 0)
		return MAMORI_OK;
	e = mamori_buf_reserve(b, n);
	if (e != MAMORI_OK)
		return e;
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return MAMORI_OK;
}

mamori_err
mamori_buf_putc(struct mamori_buf *b, uint8_t c)
{
	if (b->len < b->cap) {
		b->p[b->len++] = c;
		return MAMORI_OK;
	}
	return mamori_buf_append(b, &c, 1);
}

mamori_err
mamori_buf_printf(struct mamori_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	mamori_err e;
	char small[256];

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return MAMORI_E_INVAL;
	if ((size_t)n < sizeof(small))
		return mamori_buf_append(b, small, (size_t)n);
	/* long output: reserve n + 1 for the terminator vsnprintf writes, keep n */
	e = mamori_buf_reserve(b, (size_t)n + 1);
	if (e != MAMORI_OK)
		return e;
	va_start(ap, fmt);
	(void)vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return MAMORI_OK;
}

void
mamori_buf_consume(struct mamori_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void
mamori_buf_reset(struct mamori_buf *b)
{
	b->len = 0;
}

uint8_t *
mamori_buf_take(struct mamori_buf *b, size_t *len)
{
	uint8_t *p = b->p;

	*len = b->len;
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

void
mamori_buf_free(struct mamori_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
mamori_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void
mamori_buf_wipe_free(struct mamori_buf *b)
{
	mamori_wipe(b->p, b->cap);
	mamori_buf_free(b);
}

mamori_err
mamori_read_file(const char *path, struct mamori_buf *b)
{
	int fd;
	mamori_err e = MAMORI_E_IO;
	bool is_stdin = strcmp(path, "-") == 0;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return MAMORI_E_IO;
	for (;;) {
		ssize_t n;

		e = mamori_buf_reserve(b, 65536 < b->max - b->len ? 65536 : b->max - b->len);
		if (e != MAMORI_OK)
			goto out;
		if (b->cap == b->len) {
			/* at the cap: one more byte means the file is too big */
			uint8_t c;

			n = read(fd, &c, 1);
			e = n == 0 ? MAMORI_OK : MAMORI_E_TOOBIG;
			goto out;
		}
		n = read(fd, b->p + b->len, b->cap - b->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = MAMORI_E_IO;
			goto out;
		}
		if (n == 0) {
			e = MAMORI_OK;
			goto out;
		}
		b->len += (size_t)n;
	}
out:
	if (!is_stdin) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return e;
}
