/* SPDX-License-Identifier: MIT */
/* Capture-file reader: classic pcap and pcapng, read in MAMORI_CAP_READ_CHUNK chunks into one
 * buffer; records are handed out as pointers into it. Byte layout, limits and errors:
 * docs/formats/capture-files.md. Design and buffer ownership: docs/internals/capfile.md. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mamori/buf.h"
#include "mamori/capfile.h"

#define PCAP_HDR_LEN       24u
#define PCAP_REC_LEN       16u
#define PCAP_MAGIC_US      0xa1b2c3d4u
#define PCAP_MAGIC_NS      0xa1b23c4du
#define PCAP_LINKTYPE_MASK 0xffffu /* upper bits: FCS length, F flag, reserved */

#define NG_SHB               0x0a0d0d0au /* a palindrome: readable before the byte order is known */
#define NG_IDB               1u
#define NG_PB                2u /* obsolete Packet Block */
#define NG_SPB               3u
#define NG_EPB               6u
#define NG_BOM               0x1a2b3c4du
#define NG_FRAME_MIN         12u /* type, length, trailing length */
#define NG_SHB_MIN           28u
#define NG_IDB_MIN           20u
#define NG_EPB_MIN           32u
#define NG_PB_MIN            32u
#define NG_SPB_MIN           16u
#define NG_OPT_END           0u
#define NG_OPT_TSRESOL       9u
#define NG_OPT_TSOFFSET      14u
#define NG_TSRESOL_POW10_MAX 19u /* 10^19 still fits in 64 bits */
#define NG_TSRESOL_POW2_MAX  63u

#define US_PER_S 1000000u

/* The header's limits as size_t, so that size arithmetic is done in size_t. */
#define READ_CHUNK ((size_t)MAMORI_CAP_READ_CHUNK)
#define SNAP_MAX   ((size_t)MAMORI_CAP_SNAP_MAX)

/* Room for one full chunk behind the largest record that can straddle a chunk boundary. */
#define BUF_BASE (READ_CHUNK + SNAP_MAX + 64u)

struct iface {
	uint64_t ups;     /* timestamp units per second (10^exp or 2^exp) */
	int64_t tsoffset; /* if_tsoffset, seconds */
	uint32_t snaplen; /* 0 = unlimited */
	unsigned exp;
	bool pow2;
	int linktype;
};

struct mamori_capfile {
	const uint8_t *p; /* window: the owned buffer, or the borrowed bytes of open_mem */
	size_t len;       /* valid bytes at p */
	size_t pos;       /* cursor; invariant pos <= len */
	uint64_t base;    /* file offset of p[0] */
	uint8_t *buf;     /* owned buffer (NULL for open_mem) */
	size_t cap;
	int fd; /* -1 for open_mem */
	bool close_fd;
	bool eof;
	bool ng;   /* pcapng, else classic pcap */
	bool be;   /* multi-byte fields are big-endian */
	bool nsec; /* classic pcap: nanosecond magic */
	int linktype;
	size_t nif; /* pcapng interfaces declared in the current section */
	struct iface ifs[MAMORI_CAP_IFACE_MAX];
	mamori_err err; /* sticky: the reader stays at its first error */
	struct mamori_diag errd;
};

static const uint64_t pow10_tab[NG_TSRESOL_POW10_MAX + 1] = {1u, 10u, 100u, 1000u, 10000u, 100000u,
    1000000u, 10000000u, 100000000u, 1000000000u, 10000000000u, 100000000000u, 1000000000000u,
    10000000000000u, 100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
    1000000000000000000u, 10000000000000000000u};

static size_t
avail(const struct mamori_capfile *c)
{
	return c->len - c->pos;
}

static uint64_t
here(const struct mamori_capfile *c)
{
	return c->base + c->pos;
}

static const uint8_t *
cur(const struct mamori_capfile *c)
{
	return c->p + c->pos;
}

static inline uint32_t
ld32(const struct mamori_capfile *c, const uint8_t *p)
{
	return c->be ? mamori_load_be32(p) : mamori_load_le32(p);
}

static inline uint16_t
ld16(const struct mamori_capfile *c, const uint8_t *p)
{
	return c->be ? mamori_load_be16(p) : mamori_load_le16(p);
}

static mamori_err
rd16(const struct mamori_capfile *c, struct mamori_reader *r, uint16_t *v)
{
	return c->be ? mamori_read_be16(r, v) : mamori_read_le16(r, v);
}

/* One read(2) of at most a chunk behind the valid bytes; sets eof on 0. */
static mamori_err
fill(struct mamori_capfile *c)
{
	size_t want = c->cap - c->len;
	ssize_t n;

	if (want > READ_CHUNK)
		want = READ_CHUNK;
	for (;;) {
		n = read(c->fd, c->buf + c->len, want);
		if (n >= 0)
			break;
		if (errno != EINTR)
			return MAMORI_E_IO;
	}
	if (n == 0)
		c->eof = true;
	else
		c->len += (size_t)n;
	return MAMORI_OK;
}

/* Slow path of need(): moves the unread tail to the front (the only copy of packet bytes, and
 * only for a record that straddles a chunk boundary), grows the buffer for a block larger than
 * the base size (callers bound n by MAMORI_CAP_BLOCK_MAX), then reads until n bytes are there. */
static mamori_err
need_slow(struct mamori_capfile *c, size_t n)
{
	mamori_err e;

	if (c->fd < 0 || c->eof)
		return MAMORI_E_TRUNCATED;
	if (c->pos > 0) {
		size_t left = avail(c);

		memmove(c->buf, c->buf + c->pos, left);
		c->base += c->pos;
		c->len = left;
		c->pos = 0;
	}
	if (n > c->cap - READ_CHUNK) {
		size_t ncap = n + READ_CHUNK;
		uint8_t *nb = realloc(c->buf, ncap);

		if (nb == NULL)
			return MAMORI_E_NOMEM;
		c->buf = nb;
		c->p = nb;
		c->cap = ncap;
	}
	while (c->len < n) {
		e = fill(c);
		if (e != MAMORI_OK)
			return e;
		if (c->eof)
			return MAMORI_E_TRUNCATED;
	}
	return MAMORI_OK;
}

/* Makes n bytes at the cursor contiguous: MAMORI_OK, MAMORI_E_TRUNCATED at the end of input,
 * MAMORI_E_IO (errno set), MAMORI_E_NOMEM. Pointers from cur() are stale after a call. */
static inline mamori_err
need(struct mamori_capfile *c, size_t n)
{
	if (avail(c) >= n)
		return MAMORI_OK;
	return need_slow(c, n);
}

/* Skips n bytes without buffering them (for pcapng blocks nobody looks at). */
static mamori_err
skip(struct mamori_capfile *c, size_t n)
{
	mamori_err e;

	while (avail(c) < n) {
		if (c->fd < 0 || c->eof)
			return MAMORI_E_TRUNCATED;
		n -= avail(c);
		c->base += c->len;
		c->len = 0;
		c->pos = 0;
		e = fill(c);
		if (e != MAMORI_OK)
			return e;
		if (c->eof)
			return MAMORI_E_TRUNCATED;
	}
	c->pos += n;
	return MAMORI_OK;
}

/* Message for a failed need()/skip() of an item (record, block, header) starting at off. */
static mamori_err
need_fail(struct mamori_capfile *c, mamori_err e, uint64_t off, const char *what, size_t want,
    struct mamori_diag *d)
{
	int saved = errno;
	uintmax_t have = here(c) + avail(c) - off;

	if (e == MAMORI_E_IO) {
		e = mamori_diag_set(d, e, (size_t)off, 0, "read error in the %s at byte %ju: %s",
		    what, (uintmax_t)off, strerror(saved));
		errno = saved;
		return e;
	}
	if (e == MAMORI_E_NOMEM)
		return mamori_diag_set(d, e, (size_t)off, 0,
		    "no memory to buffer the %zu-byte %s at byte %ju", want, what, (uintmax_t)off);
	return mamori_diag_set(d, e, (size_t)off, 0,
	    "file ends inside the %s at byte %ju (%ju of %zu bytes present)", what, (uintmax_t)off,
	    have, want);
}

static mamori_err
clean_end(const struct mamori_capfile *c, struct mamori_diag *d)
{
	return mamori_diag_set(d, MAMORI_E_NOTFOUND, (size_t)here(c), 0,
	    "end of capture file at byte %ju", (uintmax_t)here(c));
}

/* ---- classic pcap ---- */

static mamori_err
pcap_header(struct mamori_capfile *c, uint32_t magic, struct mamori_diag *d)
{
	const uint8_t *h;
	uint16_t major, minor;
	mamori_err e;

	e = need(c, PCAP_HDR_LEN);
	if (e != MAMORI_OK)
		return need_fail(c, e, 0, "pcap file header", PCAP_HDR_LEN, d);
	h = cur(c);
	c->nsec = magic == PCAP_MAGIC_NS;
	c->be = mamori_load_le32(h) != magic; /* the caller matched magic either way round */
	major = ld16(c, h + 4);
	minor = ld16(c, h + 6);
	if (major != 2)
		return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, 0, 0,
		    "pcap version %u.%u is not supported (only 2.x)", major, minor);
	c->linktype = (int)(ld32(c, h + 20) & PCAP_LINKTYPE_MASK);
	c->pos += PCAP_HDR_LEN;
	return MAMORI_OK;
}

static mamori_err
pcap_next(struct mamori_capfile *c, struct mamori_cap_rec *rec, struct mamori_diag *d)
{
	uint64_t off = here(c);
	const uint8_t *h;
	uint32_t caplen, wirelen, frac;
	mamori_err e;

	e = need(c, PCAP_REC_LEN);
	if (e == MAMORI_E_TRUNCATED && avail(c) == 0)
		return clean_end(c, d);
	if (e != MAMORI_OK)
		return need_fail(c, e, off, "record header", PCAP_REC_LEN, d);
	caplen = ld32(c, cur(c) + 8);
	/* checked before anything is buffered for it */
	if (caplen > MAMORI_CAP_SNAP_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, (size_t)off, 0,
		    "record at byte %ju claims %" PRIu32 " captured bytes (limit %u)",
		    (uintmax_t)off, caplen, MAMORI_CAP_SNAP_MAX);
	e = need(c, PCAP_REC_LEN + caplen);
	if (e != MAMORI_OK)
		return need_fail(c, e, off, "record", PCAP_REC_LEN + caplen, d);
	h = cur(c); /* need() may have moved the bytes */
	wirelen = ld32(c, h + 12);
	frac = ld32(c, h + 4);
	/* 2^32 * 10^6 + 2^32 < 2^64: no overflow */
	rec->ts_us = (uint64_t)ld32(c, h) * US_PER_S + (c->nsec ? frac / 1000u : frac);
	rec->data = h + PCAP_REC_LEN;
	rec->caplen = caplen;
	rec->wirelen = wirelen < caplen ? caplen : wirelen;
	rec->linktype = c->linktype;
	rec->off = off;
	c->pos += PCAP_REC_LEN + caplen;
	return MAMORI_OK;
}

/* ---- pcapng ---- */

static const char *
ng_block_name(uint32_t type)
{
	switch (type) {
	case NG_SHB:
		return "section header block";
	case NG_IDB:
		return "interface description block";
	case NG_PB:
		return "packet block";
	case NG_SPB:
		return "simple packet block";
	case NG_EPB:
		return "enhanced packet block";
	}
	return "block";
}

static uint32_t
ng_min_len(uint32_t type)
{
	switch (type) {
	case NG_SHB:
		return NG_SHB_MIN;
	case NG_IDB:
		return NG_IDB_MIN;
	case NG_PB:
		return NG_PB_MIN;
	case NG_SPB:
		return NG_SPB_MIN;
	case NG_EPB:
		return NG_EPB_MIN;
	}
	return NG_FRAME_MIN;
}

/* Checks the Block Total Length of the block at the cursor (its first 12 bytes are present). */
static mamori_err
ng_check_len(uint64_t off, uint32_t type, uint32_t blen, struct mamori_diag *d)
{
	const char *name = ng_block_name(type);

	if (blen < NG_FRAME_MIN || blen % 4 != 0)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "%s at byte %ju has a bad total length %" PRIu32
		    " (must be a multiple of 4, at least %u)",
		    name, (uintmax_t)off, blen, NG_FRAME_MIN);
	if (blen > MAMORI_CAP_BLOCK_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, (size_t)off, 0,
		    "%s at byte %ju claims %" PRIu32 " bytes (limit %u)", name, (uintmax_t)off,
		    blen, MAMORI_CAP_BLOCK_MAX);
	if (blen < ng_min_len(type))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "%s at byte %ju is %" PRIu32 " bytes, shorter than its minimum of %" PRIu32,
		    name, (uintmax_t)off, blen, ng_min_len(type));
	return MAMORI_OK;
}

static mamori_err
ng_check_trailer(uint64_t off, uint32_t type, uint32_t blen, uint32_t tail, struct mamori_diag *d)
{
	if (tail != blen)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "%s at byte %ju: trailing length %" PRIu32
		    " differs from leading length %" PRIu32,
		    ng_block_name(type), (uintmax_t)off, tail, blen);
	return MAMORI_OK;
}

/* Reads the SHB at the cursor (first 12 bytes present); sets the section's byte order. */
static mamori_err
ng_shb(struct mamori_capfile *c, uint64_t off, struct mamori_diag *d)
{
	const uint8_t *b = cur(c);
	uint32_t bom = mamori_load_le32(b + 8);
	uint32_t blen;
	uint16_t major;
	mamori_err e;

	if (bom == NG_BOM) {
		c->be = false;
	} else if (mamori_load_be32(b + 8) == NG_BOM) {
		c->be = true;
	} else {
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "section header at byte %ju: byte-order magic %02x %02x %02x %02x is not "
		    "1a2b3c4d in either byte order",
		    (uintmax_t)off, b[8], b[9], b[10], b[11]);
	}
	blen = ld32(c, b + 4);
	e = ng_check_len(off, NG_SHB, blen, d);
	if (e != MAMORI_OK)
		return e;
	e = need(c, blen);
	if (e != MAMORI_OK)
		return need_fail(c, e, off, "section header block", blen, d);
	b = cur(c);
	e = ng_check_trailer(off, NG_SHB, blen, ld32(c, b + blen - 4), d);
	if (e != MAMORI_OK)
		return e;
	major = ld16(c, b + 12);
	if (major != 1)
		return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, (size_t)off, 0,
		    "section header at byte %ju: pcapng version %u.%u is not supported (only 1.x)",
		    (uintmax_t)off, major, ld16(c, b + 14));
	c->nif = 0; /* interface ids restart in every section */
	c->pos += blen;
	return MAMORI_OK;
}

/* The IDB at the cursor, blen bytes, all present and checked. */
static mamori_err
ng_idb(struct mamori_capfile *c, uint64_t off, uint32_t blen, struct mamori_diag *d)
{
	const uint8_t *b = cur(c);
	struct iface f = {
	    .ups = US_PER_S, .exp = 6, .linktype = ld16(c, b + 8), .snaplen = ld32(c, b + 12)};
	struct mamori_reader r;

	if (c->nif >= MAMORI_CAP_IFACE_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, (size_t)off, 0,
		    "interface description at byte %ju: more than %d interfaces in one section",
		    (uintmax_t)off, MAMORI_CAP_IFACE_MAX);
	/* options lie between the fixed part (16 bytes) and the trailing length */
	mamori_reader_init(&r, b + 16, blen - 16u - 4u);
	while (mamori_reader_left(&r) >= 4) {
		uint16_t code, olen;
		size_t padded;
		struct mamori_span v;

		if (rd16(c, &r, &code) != MAMORI_OK || rd16(c, &r, &olen) != MAMORI_OK)
			break; /* cannot happen: 4 bytes are left */
		if (code == NG_OPT_END)
			break;
		padded = ((size_t)olen + 3u) & ~(size_t)3u;
		if (mamori_read_span(&r, padded, &v) != MAMORI_OK)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
			    "interface description at byte %ju: option %u of %u bytes runs past "
			    "the end of the block",
			    (uintmax_t)off, code, olen);
		if (code == NG_OPT_TSRESOL) {
			unsigned x;

			if (olen != 1)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
				    "interface description at byte %ju: if_tsresol has length %u, "
				    "not 1",
				    (uintmax_t)off, olen);
			x = v.p[0];
			f.pow2 = (x & 0x80u) != 0;
			f.exp = x & 0x7fu;
			if (f.exp > (f.pow2 ? NG_TSRESOL_POW2_MAX : NG_TSRESOL_POW10_MAX))
				return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, (size_t)off, 0,
				    "interface description at byte %ju: if_tsresol %s^-%u is too fine",
				    (uintmax_t)off, f.pow2 ? "2" : "10", f.exp);
			f.ups = f.pow2 ? (uint64_t)1 << f.exp : pow10_tab[f.exp];
		} else if (code == NG_OPT_TSOFFSET) {
			uint64_t hi, lo;

			if (olen != 8)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
				    "interface description at byte %ju: if_tsoffset has length %u, "
				    "not 8",
				    (uintmax_t)off, olen);
			hi = ld32(c, v.p + (c->be ? 0 : 4));
			lo = ld32(c, v.p + (c->be ? 4 : 0));
			f.tsoffset = (int64_t)(hi << 32 | lo);
		}
	}
	c->ifs[c->nif] = f;
	c->nif++;
	c->pos += blen;
	return MAMORI_OK;
}

/* floor(frac * 10^6 / ups) for frac < ups, exactly, in 64-bit arithmetic. */
static uint64_t
frac_to_us(const struct iface *f, uint64_t frac)
{
	uint64_t a, b;
	unsigned s;

	if (!f->pow2) {
		if (f->exp >= 6)
			return frac / pow10_tab[f->exp - 6];
		return frac * pow10_tab[6 - f->exp];
	}
	if (f->exp <= 44)
		return (frac * US_PER_S) >> f->exp; /* frac < 2^44, 2^44 * 10^6 < 2^64 */
	/* split frac = a * 2^s + b; floor((a*10^6 + floor(b*10^6 / 2^s)) / 2^44) is exact */
	s = f->exp - 44;
	a = frac >> s;
	b = frac & (((uint64_t)1 << s) - 1);
	return (a * US_PER_S + ((b * US_PER_S) >> s)) >> 44;
}

/* units of interface f since the epoch (plus if_tsoffset) to microseconds; false if the
 * result is negative or does not fit. */
static bool
ts_to_us(const struct iface *f, uint64_t units, uint64_t *out)
{
	uint64_t sec = f->pow2 ? units >> f->exp : units / f->ups;
	uint64_t frac = f->pow2 ? units & (f->ups - 1) : units % f->ups;
	uint64_t us;

	if (f->tsoffset < 0) {
		uint64_t neg = (uint64_t)(-(f->tsoffset + 1)) + 1u; /* |INT64_MIN| safely */

		if (sec < neg)
			return false;
		sec -= neg;
	} else if (__builtin_add_overflow(sec, (uint64_t)f->tsoffset, &sec)) {
		return false;
	}
	if (__builtin_mul_overflow(sec, (uint64_t)US_PER_S, &us))
		return false;
	if (__builtin_add_overflow(us, frac_to_us(f, frac), &us))
		return false;
	*out = us;
	return true;
}

/* EPB, PB or SPB at the cursor, blen bytes, present and checked. */
static mamori_err
ng_packet(struct mamori_capfile *c, uint64_t off, uint32_t type, uint32_t blen,
    struct mamori_cap_rec *rec, struct mamori_diag *d)
{
	const uint8_t *b = cur(c);
	const char *name = ng_block_name(type);
	const struct iface *f;
	uint32_t ifid, caplen, wirelen, body;
	uint64_t ts_us = 0;

	if (type == NG_SPB) {
		if (c->nif == 0)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
			    "simple packet block at byte %ju comes before any interface description",
			    (uintmax_t)off);
		f = &c->ifs[0];
		wirelen = ld32(c, b + 8);
		body = blen - NG_SPB_MIN;
		caplen = wirelen;
		if (f->snaplen != 0 && caplen > f->snaplen)
			caplen = f->snaplen;
		if (caplen > body)
			caplen = body;
		if (caplen > MAMORI_CAP_SNAP_MAX)
			return mamori_diag_set(d, MAMORI_E_TOOBIG, (size_t)off, 0,
			    "simple packet block at byte %ju holds %" PRIu32
			    " captured bytes (limit %u)",
			    (uintmax_t)off, caplen, MAMORI_CAP_SNAP_MAX);
		rec->data = b + 12;
		goto done;
	}
	ifid = type == NG_EPB ? ld32(c, b + 8) : ld16(c, b + 8);
	caplen = ld32(c, b + 20);
	wirelen = ld32(c, b + 24);
	if (caplen > MAMORI_CAP_SNAP_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, (size_t)off, 0,
		    "%s at byte %ju claims %" PRIu32 " captured bytes (limit %u)", name,
		    (uintmax_t)off, caplen, MAMORI_CAP_SNAP_MAX);
	/* caplen <= 2^18, so the padded sum cannot overflow */
	if (((caplen + 3u) & ~3u) > blen - NG_EPB_MIN)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "%s at byte %ju: %" PRIu32 " bytes of packet data do not fit in its %" PRIu32
		    " bytes",
		    name, (uintmax_t)off, caplen, blen);
	if (ifid >= c->nif)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "%s at byte %ju names interface %" PRIu32 ", but only %zu declared", name,
		    (uintmax_t)off, ifid, c->nif);
	f = &c->ifs[ifid];
	if (!ts_to_us(f, (uint64_t)ld32(c, b + 12) << 32 | ld32(c, b + 16), &ts_us))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)off, 0,
		    "%s at byte %ju: timestamp out of range", name, (uintmax_t)off);
	rec->data = b + 28;
done:
	rec->ts_us = ts_us;
	rec->caplen = caplen;
	rec->wirelen = wirelen < caplen ? caplen : wirelen;
	rec->linktype = f->linktype;
	rec->off = off;
	c->pos += blen;
	return MAMORI_OK;
}

static mamori_err
ng_next(struct mamori_capfile *c, struct mamori_cap_rec *rec, struct mamori_diag *d)
{
	for (;;) {
		uint64_t off = here(c);
		const uint8_t *b;
		uint32_t type, blen, tail;
		mamori_err e;

		e = need(c, NG_FRAME_MIN);
		if (e == MAMORI_E_TRUNCATED && avail(c) == 0)
			return clean_end(c, d);
		if (e != MAMORI_OK)
			return need_fail(c, e, off, "block header", NG_FRAME_MIN, d);
		b = cur(c);
		if (mamori_load_le32(b) == NG_SHB) {
			e = ng_shb(c, off, d);
			if (e != MAMORI_OK)
				return e;
			continue;
		}
		type = ld32(c, b);
		blen = ld32(c, b + 4);
		e = ng_check_len(off, type, blen, d);
		if (e != MAMORI_OK)
			return e;
		if (type != NG_IDB && type != NG_EPB && type != NG_SPB && type != NG_PB) {
			/* skipped as a stream: never buffered whole */
			e = skip(c, blen - 4u);
			if (e == MAMORI_OK)
				e = need(c, 4);
			if (e != MAMORI_OK)
				return need_fail(c, e, off, ng_block_name(type), blen, d);
			e = ng_check_trailer(off, type, blen, ld32(c, cur(c)), d);
			if (e != MAMORI_OK)
				return e;
			c->pos += 4;
			continue;
		}
		e = need(c, blen);
		if (e != MAMORI_OK)
			return need_fail(c, e, off, ng_block_name(type), blen, d);
		b = cur(c);
		tail = ld32(c, b + blen - 4);
		e = ng_check_trailer(off, type, blen, tail, d);
		if (e != MAMORI_OK)
			return e;
		if (type != NG_IDB)
			return ng_packet(c, off, type, blen, rec, d);
		e = ng_idb(c, off, blen, d);
		if (e != MAMORI_OK)
			return e;
	}
}

/* ---- open / next / close ---- */

static mamori_err
detect(struct mamori_capfile *c, struct mamori_diag *d)
{
	const uint8_t *b;
	uint32_t magic;
	mamori_err e;

	e = need(c, 4);
	if (e != MAMORI_OK) {
		if (e == MAMORI_E_TRUNCATED && avail(c) == 0)
			return mamori_diag_set(d, e, 0, 0, "capture file is empty");
		return need_fail(c, e, 0, "file magic", 4, d);
	}
	b = cur(c);
	magic = mamori_load_le32(b);
	if (magic == PCAP_MAGIC_US || magic == PCAP_MAGIC_NS)
		return pcap_header(c, magic, d);
	if (mamori_load_be32(b) == PCAP_MAGIC_US || mamori_load_be32(b) == PCAP_MAGIC_NS)
		return pcap_header(c, mamori_load_be32(b), d);
	if (magic == NG_SHB) {
		c->ng = true;
		e = need(c, NG_FRAME_MIN);
		if (e != MAMORI_OK)
			return need_fail(c, e, 0, "section header block", NG_FRAME_MIN, d);
		return ng_shb(c, 0, d);
	}
	return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
	    "not a pcap or pcapng file (first bytes %02x %02x %02x %02x)", b[0], b[1], b[2], b[3]);
}

static mamori_err
finish_open(struct mamori_capfile *c, struct mamori_capfile **out, struct mamori_diag *d)
{
	mamori_err e = detect(c, d);

	if (e != MAMORI_OK) {
		int saved = errno;

		mamori_capfile_close(c);
		errno = saved;
		return e;
	}
	*out = c;
	return MAMORI_OK;
}

mamori_err
mamori_capfile_open(const char *path, struct mamori_capfile **out, struct mamori_diag *d)
{
	struct mamori_capfile *c;
	bool is_stdin;
	int fd;

	if (path == NULL || out == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "no capture file given");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "no memory for a capture reader");
	c->buf = malloc(BUF_BASE);
	if (c->buf == NULL) {
		free(c);
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "no memory for a capture reader");
	}
	c->cap = BUF_BASE;
	c->p = c->buf;
	is_stdin = strcmp(path, "-") == 0;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int saved = errno;

		free(c->buf);
		free(c);
		(void)mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "cannot open %s: %s", path, strerror(saved));
		errno = saved;
		return MAMORI_E_IO;
	}
	c->fd = fd;
	c->close_fd = !is_stdin;
	/* a hint only; fails harmlessly on pipes */
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return finish_open(c, out, d);
}

mamori_err
mamori_capfile_open_mem(
    const uint8_t *p, size_t len, struct mamori_capfile **out, struct mamori_diag *d)
{
	struct mamori_capfile *c;

	if ((p == NULL && len != 0) || out == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "no capture bytes given");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "no memory for a capture reader");
	c->p = p;
	c->len = len;
	c->fd = -1;
	c->eof = true;
	return finish_open(c, out, d);
}

mamori_err
mamori_capfile_next(struct mamori_capfile *c, struct mamori_cap_rec *rec, struct mamori_diag *d)
{
	struct mamori_cap_rec r;
	mamori_err e;

	if (c == NULL || rec == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "no capture reader given");
	if (c->err != MAMORI_OK) {
		e = c->err;
		goto out;
	}
	e = c->ng ? ng_next(c, &r, &c->errd) : pcap_next(c, &r, &c->errd);
	if (e == MAMORI_OK) {
		*rec = r;
		return MAMORI_OK;
	}
	c->err = e;
out:
	if (d != NULL)
		*d = c->errd;
	return e;
}

/* Whether the next packet record is whole in the buffer, so that reading it moves nothing and
 * the records already handed out in this batch stay valid. */
static bool
next_ready(const struct mamori_capfile *c)
{
	const uint8_t *h = cur(c);
	size_t a = avail(c);

	if (!c->ng)
		return a >= PCAP_REC_LEN && a - PCAP_REC_LEN >= ld32(c, h + 8);
	if (a < 8)
		return false;
	switch (ld32(c, h)) {
	case NG_EPB:
	case NG_SPB:
	case NG_PB:
		return ld32(c, h + 4) >= NG_FRAME_MIN && a >= ld32(c, h + 4);
	default:
		return false; /* other blocks may need the buffer moved: end the batch here */
	}
}

mamori_err
mamori_capfile_next_batch(struct mamori_capfile *c, struct mamori_cap_rec *recs, size_t max,
    size_t *n, struct mamori_diag *d)
{
	size_t i = 0;
	mamori_err e;

	if (c == NULL || recs == NULL || n == NULL || max == 0)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "bad batch arguments");
	e = mamori_capfile_next(c, &recs[0], d);
	if (e != MAMORI_OK)
		return e;
	for (i = 1; i < max && c->err == MAMORI_OK && next_ready(c); i++) {
		e = c->ng ? ng_next(c, &recs[i], &c->errd) : pcap_next(c, &recs[i], &c->errd);
		if (e != MAMORI_OK) {
			c->err = e; /* reported by the next call, after this batch is used */
			break;
		}
	}
	*n = i;
	return MAMORI_OK;
}

const char *
mamori_capfile_format(const struct mamori_capfile *c)
{
	return c->ng ? "pcapng" : "pcap";
}

uint64_t
mamori_capfile_offset(const struct mamori_capfile *c)
{
	return here(c);
}

void
mamori_capfile_close(struct mamori_capfile *c)
{
	if (c == NULL)
		return;
	if (c->close_fd)
		(void)close(c->fd);
	free(c->buf);
	free(c);
}
