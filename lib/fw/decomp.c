/* SPDX-License-Identifier: MIT */
/* Every firmware compressor behind one call, over Debian's libraries. The output grows in
 * steps inside the caller's cap (never more than max_out bytes are allocated for it); once the
 * cap is full the decoder writes into a small spill array, and any byte landing there means the
 * stream is larger than allowed: MAMORI_E_TOOBIG, a decompression bomb stopped early. */
#define ZLIB_CONST /* next_in is const */
#include <bzlib.h>
#include <limits.h>
#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "mamori/decomp.h"

/* Memory a decoder may take for its own state (LZMA dictionaries, zstd windows). xz -9 needs
 * 65 MiB; a header asking for more is refused rather than trusted. */
#define DECOMP_MEMLIMIT  ((uint64_t)256 << 20)
#define DECOMP_ZSTD_WLOG 27 /* 128 MiB window, the zstd default limit */
#define DECOMP_STEP_MIN  ((size_t)64 << 10)
#define DECOMP_SPILL     64
/* Upper bound on what one input byte of an LZ4 or LZO block can expand to: a length run of
 * 255-bytes adds 255 output bytes per input byte. Caps the one-shot allocation. */
#define DECOMP_BLOCK_RATIO 256
#define DECOMP_BLOCK_SLACK 256
#define DECOMP_LZMA_HDR    5 /* vendor LZMA: props byte + le32 dictionary size */

struct sink {
	struct mamori_buf *b;
	const char *name;
	size_t start; /* b->len on entry: restored on error */
	size_t limit; /* bytes this call may append: min(max_out, b->max - start) */
	size_t max_out;
	size_t produced;
	bool spilling; /* the last space handed out was the spill array */
	uint8_t spill[DECOMP_SPILL];
};

const char *
mamori_comp_name(enum mamori_comp c)
{
	switch (c) {
	case MAMORI_COMP_ZLIB:
		return "zlib";
	case MAMORI_COMP_GZIP:
		return "gzip";
	case MAMORI_COMP_DEFLATE:
		return "deflate";
	case MAMORI_COMP_XZ:
		return "xz";
	case MAMORI_COMP_LZMA_ALONE:
		return "lzma";
	case MAMORI_COMP_LZMA_VENDOR:
		return "lzma-vendor";
	case MAMORI_COMP_BZIP2:
		return "bzip2";
	case MAMORI_COMP_ZSTD:
		return "zstd";
	case MAMORI_COMP_LZ4:
		return "lz4";
	case MAMORI_COMP_LZ4_BLOCK:
		return "lz4-block";
	case MAMORI_COMP_LZO:
		return "lzo";
	}
	return "unknown";
}

static void
sink_init(struct sink *s, struct mamori_buf *b, size_t max_out, const char *name)
{
	size_t room = b->max > b->len ? b->max - b->len : 0;

	s->b = b;
	s->name = name;
	s->start = b->len;
	s->max_out = max_out;
	s->limit = max_out < room ? max_out : room;
	s->produced = 0;
	s->spilling = false;
}

static mamori_err
toobig(const struct sink *s, size_t inoff, struct mamori_diag *d)
{
	if (s->limit < s->max_out)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, inoff, 0,
		    "%s: output exceeds the %zu bytes left in the buffer", s->name, s->limit);
	return mamori_diag_set(d, MAMORI_E_TOOBIG, inoff, 0,
	    "%s: output exceeds the %zu-byte cap (a decompression bomb?)", s->name, s->max_out);
}

/* Makes sure `want` more bytes (at most what is left of the cap) are allocated past b->len.
 * Grows to exactly start + limit at most, so the cap bounds the allocation. */
static mamori_err
sink_grow(struct sink *s, size_t want)
{
	struct mamori_buf *b = s->b;
	size_t left = s->limit - s->produced;
	size_t ncap;
	uint8_t *np;

	if (want > left)
		want = left;
	/* b->p stays non-NULL afterwards, so b->p + b->len is always a valid pointer */
	if (b->cap - b->len >= want && b->p != NULL)
		return MAMORI_OK;
	ncap = b->len + want; /* cannot overflow: len + left <= start + limit <= b->max */
	np = realloc(b->p, ncap > 0 ? ncap : 1);
	if (np == NULL)
		return MAMORI_E_NOMEM;
	b->p = np;
	b->cap = ncap;
	return MAMORI_OK;
}

/* Space for the next decoder call: the buffer while the cap allows, then the spill array. */
static mamori_err
sink_space(struct sink *s, uint8_t **p, size_t *avail)
{
	struct mamori_buf *b = s->b;
	size_t left = s->limit - s->produced;
	size_t step;
	mamori_err e;

	if (left == 0) {
		s->spilling = true;
		*p = s->spill;
		*avail = sizeof(s->spill);
		return MAMORI_OK;
	}
	s->spilling = false;
	if (b->cap == b->len) {
		/* double what has been produced so far, at least 64 KiB */
		step = s->produced > DECOMP_STEP_MIN ? s->produced : DECOMP_STEP_MIN;
		e = sink_grow(s, step);
		if (e != MAMORI_OK)
			return e;
	}
	*p = b->p + b->len;
	*avail = b->cap - b->len < left ? b->cap - b->len : left;
	return MAMORI_OK;
}

/* Records n bytes written into the space from sink_space(). */
static mamori_err
sink_commit(struct sink *s, size_t n, size_t inoff, struct mamori_diag *d)
{
	if (n == 0)
		return MAMORI_OK;
	if (s->spilling)
		return toobig(s, inoff, d);
	s->b->len += n;
	s->produced += n;
	return MAMORI_OK;
}

static mamori_err
corrupt(const struct sink *s, size_t off, const char *why, struct mamori_diag *d)
{
	return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
	    "%s: corrupt data at input byte %zu%s%s", s->name, off, why != NULL ? ": " : "",
	    why != NULL ? why : "");
}

static mamori_err
truncated(const struct sink *s, size_t off, struct mamori_diag *d)
{
	return mamori_diag_set(
	    d, MAMORI_E_TRUNCATED, off, 0, "%s: input ends early at byte %zu", s->name, off);
}

static mamori_err
nomem(const struct sink *s, struct mamori_diag *d)
{
	return mamori_diag_set(
	    d, MAMORI_E_NOMEM, 0, 0, "%s: out of memory for the decoder state", s->name);
}

/* ---- zlib, gzip, raw deflate ---- */

static bool
gzip_magic(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* One zlib/gzip/deflate stream from in[0..inlen); *used gets the bytes it took. */
static mamori_err
inflate_one(struct sink *s, int wbits, const uint8_t *in, size_t inlen, size_t base, size_t *used,
    struct mamori_diag *d)
{
	z_stream zs;
	size_t pos = 0; /* input handed to zlib so far, beyond zs.avail_in */
	mamori_err e = MAMORI_OK;
	int ret;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, wbits) != Z_OK)
		return nomem(s, d);
	for (;;) {
		uint8_t *op;
		size_t avail, produced, before_in;

		if (zs.avail_in == 0 && pos < inlen) {
			size_t chunk = inlen - pos < UINT_MAX ? inlen - pos : UINT_MAX;

			zs.next_in = in + pos;
			zs.avail_in = (uInt)chunk;
			pos += chunk;
		}
		e = sink_space(s, &op, &avail);
		if (e != MAMORI_OK)
			goto out;
		if (avail > UINT_MAX)
			avail = UINT_MAX;
		zs.next_out = op;
		zs.avail_out = (uInt)avail;
		before_in = pos - zs.avail_in;
		ret = inflate(&zs, Z_NO_FLUSH);
		produced = avail - zs.avail_out;
		e = sink_commit(s, produced, base + pos - zs.avail_in, d);
		if (e != MAMORI_OK)
			goto out;
		if (ret == Z_STREAM_END) {
			*used = pos - zs.avail_in;
			goto out;
		}
		if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) {
			e = corrupt(s, base + pos - zs.avail_in,
			    ret == Z_NEED_DICT ? "needs a preset dictionary" : zs.msg, d);
			goto out;
		}
		if (ret == Z_MEM_ERROR) {
			e = nomem(s, d);
			goto out;
		}
		if (ret != Z_OK && ret != Z_BUF_ERROR) {
			e = corrupt(s, base + pos - zs.avail_in, zs.msg, d);
			goto out;
		}
		/* Z_BUF_ERROR or no progress with output room: zlib needs more input */
		if (produced == 0 && pos - zs.avail_in == before_in && zs.avail_out > 0) {
			if (zs.avail_in == 0 && pos == inlen)
				e = truncated(s, base + inlen, d);
			else
				e = corrupt(s, base + pos - zs.avail_in, "decoder stalled", d);
			goto out;
		}
	}
out:
	(void)inflateEnd(&zs);
	return e;
}

static mamori_err
do_inflate(struct sink *s, enum mamori_comp c, const uint8_t *in, size_t inlen, size_t *consumed,
    struct mamori_diag *d)
{
	size_t used = 0, total, good_len;
	int wbits = c == MAMORI_COMP_ZLIB ? 15 : c == MAMORI_COMP_GZIP ? 15 + 16 : -15;
	mamori_err e;

	e = inflate_one(s, wbits, in, inlen, 0, &used, d);
	if (e != MAMORI_OK)
		return e;
	total = used;
	/* gzip: further members are concatenated output (what gzip -d does). A later member
	 * that is corrupt or cut short ends the stream at the last good member (carving keeps
	 * what is known good); a bomb in a later member is still an error. */
	while (c == MAMORI_COMP_GZIP && gzip_magic(in + total, inlen - total)) {
		struct mamori_diag tmp;

		good_len = s->b->len;
		e = inflate_one(s, wbits, in + total, inlen - total, total, &used, &tmp);
		if (e == MAMORI_E_TOOBIG || e == MAMORI_E_NOMEM) {
			if (d != NULL)
				*d = tmp;
			return e;
		}
		if (e != MAMORI_OK) {
			s->produced -= s->b->len - good_len;
			s->b->len = good_len;
			break;
		}
		total += used;
	}
	*consumed = total;
	return MAMORI_OK;
}

/* ---- liblzma: xz, .lzma, vendor raw LZMA1 ---- */

/* Runs an initialised lzma_stream over the input. With stop_at_cap (vendor LZMA, which has
 * neither a size nor always an end marker), a full cap or the end of input ends the stream. */
static mamori_err
lzma_run(struct sink *s, lzma_stream *ls, const uint8_t *in, size_t inlen, size_t base,
    bool stop_at_cap, size_t *consumed, struct mamori_diag *d)
{
	lzma_ret ret;
	mamori_err e;

	ls->next_in = in;
	ls->avail_in = inlen;
	for (;;) {
		uint8_t *op;
		size_t avail, produced, before_in = ls->avail_in;
		size_t off;

		if (stop_at_cap && s->produced == s->max_out)
			break;
		e = sink_space(s, &op, &avail);
		if (e != MAMORI_OK)
			return e;
		ls->next_out = op;
		ls->avail_out = avail;
		ret = lzma_code(ls, stop_at_cap ? LZMA_RUN : LZMA_FINISH);
		produced = avail - ls->avail_out;
		off = base + inlen - ls->avail_in;
		e = sink_commit(s, produced, off, d);
		if (e != MAMORI_OK)
			return e;
		switch (ret) {
		case LZMA_OK:
			break;
		case LZMA_STREAM_END:
			*consumed = inlen - ls->avail_in;
			return MAMORI_OK;
		case LZMA_MEM_ERROR:
			return nomem(s, d);
		case LZMA_MEMLIMIT_ERROR:
			return mamori_diag_set(d, MAMORI_E_TOOBIG, base, 0,
			    "%s: the stream needs more than %llu MiB of decoder memory", s->name,
			    (unsigned long long)(DECOMP_MEMLIMIT >> 20));
		case LZMA_OPTIONS_ERROR:
			return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, off, 0,
			    "%s: unsupported options at input byte %zu", s->name, off);
		case LZMA_FORMAT_ERROR:
			return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
			    "%s: not this format (bad header at input byte %zu)", s->name, off);
		case LZMA_BUF_ERROR:
			if (ls->avail_in == 0 && stop_at_cap)
				goto done; /* vendor LZMA: the input simply ended */
			if (ls->avail_in == 0)
				return truncated(s, base + inlen, d);
			return corrupt(s, off, "decoder stalled", d);
		case LZMA_DATA_ERROR:
		case LZMA_UNSUPPORTED_CHECK:
		case LZMA_NO_CHECK:
		case LZMA_GET_CHECK:
		case LZMA_PROG_ERROR:
		case LZMA_SEEK_NEEDED:
		default:
			return corrupt(s, off, ret == LZMA_DATA_ERROR ? NULL : "decoder error", d);
		}
		if (produced == 0 && ls->avail_in == before_in && ls->avail_out > 0) {
			/* no progress with room to write: the input is used up */
			if (stop_at_cap && ls->avail_in == 0)
				break;
			if (ls->avail_in == 0)
				return truncated(s, base + inlen, d);
			return corrupt(s, off, "decoder stalled", d);
		}
	}
done:
	*consumed = inlen - ls->avail_in;
	return MAMORI_OK;
}

static mamori_err
do_xz(struct sink *s, enum mamori_comp c, const uint8_t *in, size_t inlen, size_t *consumed,
    struct mamori_diag *d)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret ret;
	mamori_err e;

	if (c == MAMORI_COMP_XZ)
		ret = lzma_stream_decoder(&ls, DECOMP_MEMLIMIT, 0);
	else
		ret = lzma_alone_decoder(&ls, DECOMP_MEMLIMIT);
	if (ret != LZMA_OK)
		return nomem(s, d);
	e = lzma_run(s, &ls, in, inlen, 0, false, consumed, d);
	lzma_end(&ls);
	return e;
}

static mamori_err
do_lzma_vendor(
    struct sink *s, const uint8_t *in, size_t inlen, size_t *consumed, struct mamori_diag *d)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	lzma_filter filters[2];
	uint32_t dict;
	uint8_t props;
	mamori_err e;

	if (inlen < DECOMP_LZMA_HDR)
		return truncated(s, inlen, d);
	props = in[0];
	dict = mamori_load_le32(in + 1);
	/* props = (pb * 5 + lp) * 9 + lc, so at most 4*45 + 4*9 + 8 = 224 */
	if (props >= 9 * 5 * 5)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: properties byte 0x%02x is above 224 at input byte 0", s->name, props);
	memset(&opt, 0, sizeof(opt));
	opt.lc = props % 9u;
	opt.lp = (props / 9u) % 5u;
	opt.pb = props / 45u;
	if (opt.lc + opt.lp > LZMA_LCLP_MAX)
		return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, 0, 0,
		    "%s: lc %u + lp %u above %u is not supported", s->name, opt.lc, opt.lp,
		    LZMA_LCLP_MAX);
	/* The dictionary never needs to be larger than the whole output: clamp a hostile
	 * 4 GiB request to the cap (a distance past the output start is an error either way). */
	if (dict > s->max_out)
		dict = s->max_out > UINT32_MAX ? UINT32_MAX : (uint32_t)s->max_out;
	if (dict < LZMA_DICT_SIZE_MIN)
		dict = LZMA_DICT_SIZE_MIN;
	if (dict > (UINT32_C(1) << 30) + (UINT32_C(1) << 29))
		dict = (UINT32_C(1) << 30) + (UINT32_C(1) << 29); /* liblzma's maximum */
	opt.dict_size = dict;
	filters[0].id = LZMA_FILTER_LZMA1;
	filters[0].options = &opt;
	filters[1].id = LZMA_VLI_UNKNOWN;
	filters[1].options = NULL;
	if (lzma_raw_decoder_memusage(filters) > DECOMP_MEMLIMIT)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 1, 0,
		    "%s: dictionary of %u bytes is above the decoder memory limit", s->name, dict);
	if (lzma_raw_decoder(&ls, filters) != LZMA_OK)
		return nomem(s, d);
	e = lzma_run(s, &ls, in + DECOMP_LZMA_HDR, inlen - DECOMP_LZMA_HDR, DECOMP_LZMA_HDR, true,
	    consumed, d);
	lzma_end(&ls);
	if (e == MAMORI_OK)
		*consumed += DECOMP_LZMA_HDR;
	return e;
}

/* ---- bzip2 ---- */

static mamori_err
do_bzip2(struct sink *s, const uint8_t *in, size_t inlen, size_t *consumed, struct mamori_diag *d)
{
	bz_stream bz;
	size_t pos = 0;
	mamori_err e = MAMORI_OK;
	int ret;

	memset(&bz, 0, sizeof(bz));
	if (BZ2_bzDecompressInit(&bz, 0, 0) != BZ_OK)
		return nomem(s, d);
	for (;;) {
		uint8_t *op;
		size_t avail, produced, before_in;

		if (bz.avail_in == 0 && pos < inlen) {
			size_t chunk = inlen - pos < UINT_MAX ? inlen - pos : UINT_MAX;
			union {
				const uint8_t *c;
				char *m;
			} u;

			/* bzlib's next_in is not const, but it only reads through it */
			u.c = in + pos;
			bz.next_in = u.m;
			bz.avail_in = (unsigned)chunk;
			pos += chunk;
		}
		e = sink_space(s, &op, &avail);
		if (e != MAMORI_OK)
			goto out;
		if (avail > UINT_MAX)
			avail = UINT_MAX;
		bz.next_out = (char *)op;
		bz.avail_out = (unsigned)avail;
		before_in = pos - bz.avail_in;
		ret = BZ2_bzDecompress(&bz);
		produced = avail - bz.avail_out;
		e = sink_commit(s, produced, pos - bz.avail_in, d);
		if (e != MAMORI_OK)
			goto out;
		if (ret == BZ_STREAM_END) {
			*consumed = pos - bz.avail_in;
			goto out;
		}
		if (ret == BZ_MEM_ERROR) {
			e = nomem(s, d);
			goto out;
		}
		if (ret != BZ_OK) {
			e = corrupt(s, pos - bz.avail_in,
			    ret == BZ_DATA_ERROR_MAGIC ? "bad magic" : NULL, d);
			goto out;
		}
		if (produced == 0 && pos - bz.avail_in == before_in && bz.avail_out > 0) {
			if (bz.avail_in == 0 && pos == inlen)
				e = truncated(s, inlen, d);
			else
				e = corrupt(s, pos - bz.avail_in, "decoder stalled", d);
			goto out;
		}
	}
out:
	(void)BZ2_bzDecompressEnd(&bz);
	return e;
}

/* ---- zstd ---- */

static mamori_err
do_zstd(struct sink *s, const uint8_t *in, size_t inlen, size_t *consumed, struct mamori_diag *d)
{
	ZSTD_DCtx *dc;
	ZSTD_inBuffer ib = {in, inlen, 0};
	mamori_err e = MAMORI_OK;

	dc = ZSTD_createDCtx();
	if (dc == NULL)
		return nomem(s, d);
	if (ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, DECOMP_ZSTD_WLOG))) {
		e = nomem(s, d);
		goto out;
	}
	for (;;) {
		ZSTD_outBuffer ob;
		uint8_t *op;
		size_t avail, ret, before_in = ib.pos;

		e = sink_space(s, &op, &avail);
		if (e != MAMORI_OK)
			goto out;
		ob.dst = op;
		ob.size = avail;
		ob.pos = 0;
		ret = ZSTD_decompressStream(dc, &ob, &ib);
		if (ZSTD_isError(ret)) {
			ZSTD_ErrorCode code = ZSTD_getErrorCode(ret);

			if (code == ZSTD_error_memory_allocation)
				e = nomem(s, d);
			else if (code == ZSTD_error_frameParameter_windowTooLarge)
				e = mamori_diag_set(d, MAMORI_E_TOOBIG, ib.pos, 0,
				    "zstd: window above 2^%d bytes at input byte %zu",
				    DECOMP_ZSTD_WLOG, ib.pos);
			else
				e = corrupt(s, ib.pos, ZSTD_getErrorName(ret), d);
			goto out;
		}
		e = sink_commit(s, ob.pos, ib.pos, d);
		if (e != MAMORI_OK)
			goto out;
		if (ret == 0) {
			*consumed = ib.pos;
			goto out;
		}
		if (ob.pos == 0 && ib.pos == before_in && ob.pos < ob.size) {
			if (ib.pos == ib.size)
				e = truncated(s, inlen, d);
			else
				e = corrupt(s, ib.pos, "decoder stalled", d);
			goto out;
		}
	}
out:
	ZSTD_freeDCtx(dc);
	return e;
}

/* ---- LZ4 frame ---- */

static mamori_err
do_lz4f(struct sink *s, const uint8_t *in, size_t inlen, size_t *consumed, struct mamori_diag *d)
{
	LZ4F_dctx *dc = NULL;
	size_t pos = 0;
	mamori_err e = MAMORI_OK;

	if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION)))
		return nomem(s, d);
	for (;;) {
		uint8_t *op;
		size_t avail, srclen = inlen - pos, ret;

		e = sink_space(s, &op, &avail);
		if (e != MAMORI_OK)
			goto out;
		ret = LZ4F_decompress(dc, op, &avail, in + pos, &srclen, NULL);
		if (LZ4F_isError(ret)) {
			e = corrupt(s, pos, LZ4F_getErrorName(ret), d);
			goto out;
		}
		/* avail is now what was written, srclen what was read */
		pos += srclen;
		e = sink_commit(s, avail, pos, d);
		if (e != MAMORI_OK)
			goto out;
		if (ret == 0) {
			*consumed = pos;
			goto out;
		}
		if (avail == 0 && srclen == 0) {
			if (pos == inlen)
				e = truncated(s, inlen, d);
			else
				e = corrupt(s, pos, "decoder stalled", d);
			goto out;
		}
	}
out:
	(void)LZ4F_freeDecompressionContext(dc);
	return e;
}

/* ---- one-shot raw blocks: LZ4 block, LZO1X ---- */

/* Allocates room for a one-shot decoder: the cap, or less when the block format cannot
 * expand this input that far. *bound_limited says the smaller figure was used. */
static mamori_err
block_room(struct sink *s, size_t inlen, size_t *room, bool *bound_limited)
{
	size_t bound, r = s->limit;
	mamori_err e;

	*bound_limited = false;
	if (mamori_mul_size(inlen, DECOMP_BLOCK_RATIO, &bound) &&
	    mamori_add_size(bound, DECOMP_BLOCK_SLACK, &bound) && bound < r) {
		r = bound;
		*bound_limited = true;
	}
	e = sink_grow(s, r);
	if (e != MAMORI_OK)
		return e;
	*room = r;
	return MAMORI_OK;
}

static mamori_err
do_lz4_block(
    struct sink *s, const uint8_t *in, size_t inlen, size_t *consumed, struct mamori_diag *d)
{
	size_t room;
	bool bounded;
	int n;
	mamori_err e;

	if (inlen > INT_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
		    "lz4-block: a %zu-byte block is above the format's 2 GiB", inlen);
	if (inlen == 0)
		return truncated(s, 0, d);
	e = block_room(s, inlen, &room, &bounded);
	if (e != MAMORI_OK)
		return e;
	if (room > INT_MAX) {
		room = INT_MAX;
		bounded = true;
	}
	n = LZ4_decompress_safe(
	    (const char *)in, (char *)s->b->p + s->b->len, (int)inlen, (int)room);
	if (n < 0) {
		/* Either corrupt or larger than room: a partial decode that fills the room
		 * tells them apart. */
		int p = LZ4_decompress_safe_partial((const char *)in, (char *)s->b->p + s->b->len,
		    (int)inlen, (int)room, (int)room);

		if (p == (int)room && !bounded)
			return toobig(s, 0, d);
		/* LZ4 returns -(offset of the bad byte) - 1 */
		return corrupt(s, (size_t)(-(n + 1)), NULL, d);
	}
	s->b->len += (size_t)n;
	s->produced += (size_t)n;
	*consumed = inlen; /* a raw block has no end marker: it is all of the input */
	return MAMORI_OK;
}

static mamori_err
do_lzo(struct sink *s, const uint8_t *in, size_t inlen, size_t *consumed, struct mamori_diag *d)
{
	size_t room;
	bool bounded;
	lzo_uint outlen;
	int ret;
	mamori_err e;

	if (lzo_init() != LZO_E_OK)
		return nomem(s, d);
	if (inlen == 0)
		return truncated(s, 0, d);
	e = block_room(s, inlen, &room, &bounded);
	if (e != MAMORI_OK)
		return e;
	outlen = room;
	ret = lzo1x_decompress_safe(in, inlen, s->b->p + s->b->len, &outlen, NULL);
	switch (ret) {
	case LZO_E_OK:
		break;
	case LZO_E_OUTPUT_OVERRUN:
		if (!bounded)
			return toobig(s, 0, d);
		return corrupt(s, 0, "expands past the format's maximum ratio", d);
	case LZO_E_INPUT_OVERRUN:
		return truncated(s, inlen, d);
	case LZO_E_INPUT_NOT_CONSUMED:
		return corrupt(s, inlen, "bytes follow the end marker", d);
	default:
		return corrupt(s, 0, "bad match or literal run", d);
	}
	s->b->len += outlen;
	s->produced += outlen;
	*consumed = inlen;
	return MAMORI_OK;
}

mamori_err
mamori_decompress(enum mamori_comp c, const uint8_t *in, size_t inlen, size_t max_out,
    struct mamori_buf *out, size_t *consumed, struct mamori_diag *d)
{
	struct sink s;
	size_t used = 0;
	mamori_err e;

	if (out == NULL || (in == NULL && inlen > 0))
		return MAMORI_E_INVAL;
	if (in == NULL)
		in = (const uint8_t *)"";
	sink_init(&s, out, max_out, mamori_comp_name(c));
	switch (c) {
	case MAMORI_COMP_ZLIB:
	case MAMORI_COMP_GZIP:
	case MAMORI_COMP_DEFLATE:
		e = do_inflate(&s, c, in, inlen, &used, d);
		break;
	case MAMORI_COMP_XZ:
	case MAMORI_COMP_LZMA_ALONE:
		e = do_xz(&s, c, in, inlen, &used, d);
		break;
	case MAMORI_COMP_LZMA_VENDOR:
		e = do_lzma_vendor(&s, in, inlen, &used, d);
		break;
	case MAMORI_COMP_BZIP2:
		e = do_bzip2(&s, in, inlen, &used, d);
		break;
	case MAMORI_COMP_ZSTD:
		e = do_zstd(&s, in, inlen, &used, d);
		break;
	case MAMORI_COMP_LZ4:
		e = do_lz4f(&s, in, inlen, &used, d);
		break;
	case MAMORI_COMP_LZ4_BLOCK:
		e = do_lz4_block(&s, in, inlen, &used, d);
		break;
	case MAMORI_COMP_LZO:
		e = do_lzo(&s, in, inlen, &used, d);
		break;
	default:
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "unknown compression %d", (int)c);
	}
	if (e != MAMORI_OK) {
		out->len = s.start; /* results only on success */
		return e;
	}
	if (consumed != NULL)
		*consumed = used;
	return MAMORI_OK;
}
