/* SPDX-License-Identifier: MIT */
/* Capture-file reader: pcap and pcapng images built in memory (both byte orders, timestamp
 * resolutions, several sections, every truncation point, limit violations), large files
 * through the chunked file path and a pipe on stdin, and the shared captures. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mamori/capfile.h"
#include "vec.h"

/* ---- image builder ---- */

struct img {
	uint8_t *b;
	size_t n;
	size_t cap;
	bool be;
};

static void
img_room(struct img *m, size_t k)
{
	if (m->cap - m->n >= k)
		return;
	while (m->cap - m->n < k)
		m->cap = m->cap ? m->cap * 2 : 4096;
	m->b = realloc(m->b, m->cap);
	if (m->b == NULL)
		abort();
}

static void
put8(struct img *m, unsigned v)
{
	img_room(m, 1);
	m->b[m->n++] = (uint8_t)v;
}

static void
put16(struct img *m, unsigned v)
{
	if (m->be) {
		put8(m, v >> 8 & 0xff);
		put8(m, v & 0xff);
	} else {
		put8(m, v & 0xff);
		put8(m, v >> 8 & 0xff);
	}
}

static void
put32(struct img *m, uint32_t v)
{
	if (m->be) {
		put16(m, v >> 16);
		put16(m, v & 0xffff);
	} else {
		put16(m, v & 0xffff);
		put16(m, v >> 16);
	}
}

static void
put64(struct img *m, uint64_t v)
{
	if (m->be) {
		put32(m, (uint32_t)(v >> 32));
		put32(m, (uint32_t)v);
	} else {
		put32(m, (uint32_t)v);
		put32(m, (uint32_t)(v >> 32));
	}
}

static void
put_bytes(struct img *m, const uint8_t *p, size_t k)
{
	img_room(m, k);
	memcpy(m->b + m->n, p, k);
	m->n += k;
}

static void
put_fill(struct img *m, uint8_t v, size_t k)
{
	img_room(m, k);
	memset(m->b + m->n, v, k);
	m->n += k;
}

static void
pad4(struct img *m)
{
	while (m->n % 4 != 0)
		put8(m, 0);
}

static void
patch32(struct img *m, size_t at, uint32_t v)
{
	size_t save = m->n;

	m->n = at;
	put32(m, v);
	m->n = save;
}

static void
img_free(struct img *m)
{
	free(m->b);
	memset(m, 0, sizeof(*m));
}

/* classic pcap */
static void
pcap_hdr(struct img *m, bool be, bool nsec, uint32_t linktype)
{
	m->be = be;
	put32(m, nsec ? 0xa1b23c4du : 0xa1b2c3d4u);
	put16(m, 2);
	put16(m, 4);
	put32(m, 0);
	put32(m, 0);
	put32(m, 65535);
	put32(m, linktype);
}

static void
pcap_rec(
    struct img *m, uint32_t sec, uint32_t frac, const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	put32(m, sec);
	put32(m, frac);
	put32(m, caplen);
	put32(m, wirelen);
	put_bytes(m, p, caplen);
}

/* pcapng */
static size_t
ng_begin(struct img *m, uint32_t type)
{
	size_t at = m->n;

	put32(m, type);
	put32(m, 0); /* patched by ng_end */
	return at;
}

static void
ng_end(struct img *m, size_t at)
{
	uint32_t len;

	pad4(m);
	len = (uint32_t)(m->n - at + 4);
	put32(m, len);
	patch32(m, at + 4, len);
}

static void
ng_shb(struct img *m, bool be)
{
	size_t at;

	m->be = be;
	at = ng_begin(m, 0x0a0d0d0au);
	put32(m, 0x1a2b3c4du);
	put16(m, 1);
	put16(m, 0);
	put64(m, UINT64_MAX);
	ng_end(m, at);
}

#define NO_TSRESOL (-1)

static void
ng_idb(struct img *m, unsigned linktype, uint32_t snaplen, int tsresol, int64_t tsoffset)
{
	size_t at = ng_begin(m, 1);

	put16(m, linktype);
	put16(m, 0);
	put32(m, snaplen);
	/* an option the reader skips: if_name "eth0" */
	put16(m, 2);
	put16(m, 4);
	put_bytes(m, (const uint8_t *)"eth0", 4);
	if (tsresol != NO_TSRESOL) {
		put16(m, 9);
		put16(m, 1);
		put8(m, (unsigned)tsresol);
		pad4(m);
	}
	if (tsoffset != 0) {
		put16(m, 14);
		put16(m, 8);
		put64(m, (uint64_t)tsoffset);
	}
	put16(m, 0);
	put16(m, 0);
	ng_end(m, at);
}

static void
ng_epb(struct img *m, uint32_t ifid, uint64_t units, const uint8_t *p, uint32_t caplen,
    uint32_t wirelen)
{
	size_t at = ng_begin(m, 6);

	put32(m, ifid);
	put32(m, (uint32_t)(units >> 32));
	put32(m, (uint32_t)units);
	put32(m, caplen);
	put32(m, wirelen);
	put_bytes(m, p, caplen);
	pad4(m);
	/* opt_comment, skipped */
	put16(m, 1);
	put16(m, 3);
	put_bytes(m, (const uint8_t *)"hi!", 3);
	pad4(m);
	put16(m, 0);
	put16(m, 0);
	ng_end(m, at);
}

static void
ng_pb(struct img *m, unsigned ifid, uint64_t units, const uint8_t *p, uint32_t caplen,
    uint32_t wirelen)
{
	size_t at = ng_begin(m, 2);

	put16(m, ifid);
	put16(m, 0); /* drops */
	put32(m, (uint32_t)(units >> 32));
	put32(m, (uint32_t)units);
	put32(m, caplen);
	put32(m, wirelen);
	put_bytes(m, p, caplen);
	ng_end(m, at);
}

static void
ng_spb(struct img *m, uint32_t wirelen, const uint8_t *p, size_t stored)
{
	size_t at = ng_begin(m, 3);

	put32(m, wirelen);
	put_bytes(m, p, stored);
	ng_end(m, at);
}

static void
ng_other(struct img *m, uint32_t type, size_t body)
{
	size_t at = ng_begin(m, type);

	put_fill(m, 0xee, body);
	ng_end(m, at);
}

static const uint8_t pkt[64] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
    0xbb, 0x08, 0x00, 0x45, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48};

/* ---- reading helpers ---- */

/* Opens an exact-size heap copy so that ASan sees any read past the end. */
static mamori_err
open_copy(
    const uint8_t *p, size_t n, uint8_t **copy, struct mamori_capfile **c, struct mamori_diag *d)
{
	*copy = malloc(n ? n : 1);
	if (*copy == NULL)
		abort();
	if (n)
		memcpy(*copy, p, n);
	return mamori_capfile_open_mem(*copy, n, c, d);
}

/* Reads records to the end; returns the count, the final error in *end. */
static size_t
drain(struct mamori_capfile *c, mamori_err *end, struct mamori_diag *d)
{
	struct mamori_cap_rec r;
	size_t n = 0;
	mamori_err e;

	for (;;) {
		e = mamori_capfile_next(c, &r, d);
		if (e != MAMORI_OK)
			break;
		n++;
	}
	*end = e;
	return n;
}

/* One error from next() on image m (after `skip` good records); d receives the diag. */
static mamori_err
next_err(const struct img *m, size_t skip, struct mamori_diag *d)
{
	struct mamori_capfile *c;
	struct mamori_cap_rec r;
	uint8_t *copy;
	mamori_err e;

	e = open_copy(m->b, m->n, &copy, &c, d);
	if (e != MAMORI_OK) {
		free(copy);
		return e;
	}
	for (size_t i = 0; i < skip; i++)
		CHECK_OK(mamori_capfile_next(c, &r, d));
	e = mamori_capfile_next(c, &r, d);
	mamori_capfile_close(c);
	free(copy);
	return e;
}

/* ---- classic pcap ---- */

static void
pcap_both_orders(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m = {0};
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		struct mamori_diag d;
		uint8_t *copy;

		pcap_hdr(&m, be, false, 1);
		pcap_rec(&m, 1700000000, 123456, pkt, 60, 60);
		pcap_rec(&m, 1700000001, 999999, pkt, 0, 0);
		pcap_rec(&m, 0xffffffffu, 0xffffffffu, pkt, 64, 1514);
		CHECK_OK(open_copy(m.b, m.n, &copy, &c, &d));
		CHECK(strcmp(mamori_capfile_format(c), "pcap") == 0);
		CHECK(mamori_capfile_offset(c) == 24);
		CHECK_OK(mamori_capfile_next(c, &r, &d));
		CHECK(r.ts_us == 1700000000123456u);
		CHECK(r.caplen == 60 && r.wirelen == 60 && r.linktype == 1 && r.off == 24);
		CHECK(r.data == copy + 40 && memcmp(r.data, pkt, 60) == 0);
		CHECK_OK(mamori_capfile_next(c, &r, &d));
		CHECK(r.ts_us == 1700000001999999u && r.caplen == 0 && r.off == 100);
		CHECK_OK(mamori_capfile_next(c, &r, &d));
		/* the largest possible values do not overflow */
		CHECK(r.ts_us == 0xffffffffu * 1000000ull + 0xffffffffu);
		CHECK(r.caplen == 64 && r.wirelen == 1514 && r.off == 116);
		CHECK(mamori_capfile_next(c, &r, &d) == MAMORI_E_NOTFOUND);
		CHECK(d.off == m.n);
		CHECK(mamori_capfile_next(c, &r, NULL) == MAMORI_E_NOTFOUND);
		CHECK(mamori_capfile_offset(c) == m.n);
		mamori_capfile_close(c);
		free(copy);
		img_free(&m);
	}
}

static void
pcap_nsec_and_fcs_bits(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m = {0};
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		uint8_t *copy;

		/* FCS length 4 (in 16-bit units: 2) with the F bit, over link type 101 */
		pcap_hdr(&m, be, true, 0x24000000u | 101u);
		pcap_rec(&m, 1700000000, 123456789, pkt, 20, 20);
		pcap_rec(&m, 5, 999, pkt, 20, 20);
		CHECK_OK(open_copy(m.b, m.n, &copy, &c, NULL));
		CHECK_OK(mamori_capfile_next(c, &r, NULL));
		CHECK(r.ts_us == 1700000000123456u); /* rounded down */
		CHECK(r.linktype == 101);
		CHECK_OK(mamori_capfile_next(c, &r, NULL));
		CHECK(r.ts_us == 5000000u);
		mamori_capfile_close(c);
		free(copy);
		img_free(&m);
	}
}

static void
pcap_caplen_over_wirelen(void)
{
	struct img m = {0};
	struct mamori_capfile *c;
	struct mamori_cap_rec r;
	uint8_t *copy;

	pcap_hdr(&m, false, false, 1);
	pcap_rec(&m, 1, 2, pkt, 40, 10);
	CHECK_OK(open_copy(m.b, m.n, &copy, &c, NULL));
	CHECK_OK(mamori_capfile_next(c, &r, NULL));
	CHECK(r.caplen == 40 && r.wirelen == 40);
	mamori_capfile_close(c);
	free(copy);
	img_free(&m);
}

static void
pcap_oversize_caplen(void)
{
	struct img m = {0};
	struct mamori_diag d;

	pcap_hdr(&m, false, false, 1);
	pcap_rec(&m, 1, 2, pkt, 60, 60);
	/* a header that claims 300000 bytes, none of which follow: TOOBIG beats TRUNCATED */
	put32(&m, 1);
	put32(&m, 2);
	put32(&m, 300000);
	put32(&m, 300000);
	CHECK(next_err(&m, 1, &d) == MAMORI_E_TOOBIG);
	CHECK(d.off == 100);
	CHECK(strcmp(d.msg, "record at byte 100 claims 300000 captured bytes (limit 262144)") == 0);
	img_free(&m);

	/* exactly the limit is fine */
	pcap_hdr(&m, true, false, 1);
	put32(&m, 1);
	put32(&m, 2);
	put32(&m, MAMORI_CAP_SNAP_MAX);
	put32(&m, MAMORI_CAP_SNAP_MAX);
	put_fill(&m, 0x5a, MAMORI_CAP_SNAP_MAX);
	CHECK(next_err(&m, 1, &d) == MAMORI_E_NOTFOUND);
	patch32(&m, 24 + 8, MAMORI_CAP_SNAP_MAX + 1);
	CHECK(next_err(&m, 0, &d) == MAMORI_E_TOOBIG);
	CHECK(d.off == 24);
	img_free(&m);
}

static void
pcap_bad_headers(void)
{
	struct img m = {0};
	struct mamori_capfile *c = NULL;
	struct mamori_diag d;
	uint8_t *copy;

	CHECK(mamori_capfile_open_mem(NULL, 0, &c, &d) == MAMORI_E_TRUNCATED);
	CHECK(c == NULL);
	CHECK(strstr(d.msg, "empty") != NULL);
	CHECK(mamori_capfile_open_mem(NULL, 5, &c, &d) == MAMORI_E_INVAL);

	pcap_hdr(&m, false, false, 1);
	m.b[4] = 3; /* version 3.4 */
	CHECK(open_copy(m.b, m.n, &copy, &c, &d) == MAMORI_E_UNSUPPORTED);
	CHECK(c == NULL && strstr(d.msg, "3.4") != NULL);
	free(copy);

	memcpy(m.b, "GIF8", 4);
	CHECK(open_copy(m.b, m.n, &copy, &c, &d) == MAMORI_E_MALFORMED);
	CHECK(c == NULL && d.off == 0 && strstr(d.msg, "47 49 46 38") != NULL);
	free(copy);
	img_free(&m);
}

/* Every prefix of img must open (or fail TRUNCATED when cut inside the file header), give the
 * records that are complete, then NOTFOUND at a boundary or TRUNCATED at the cut item. */
static void
check_prefixes(
    const struct img *m, size_t hdr_end, const size_t *ends, const bool *is_pkt, size_t nitems)
{
	for (size_t len = 0; len <= m->n; len++) {
		struct mamori_capfile *c = NULL;
		struct mamori_diag d;
		uint8_t *copy;
		size_t want = 0, got, cut_at = hdr_end;
		bool boundary = len == hdr_end;
		mamori_err e, end;

		e = open_copy(m->b, len, &copy, &c, &d);
		if (len < hdr_end) {
			CHECK(e == MAMORI_E_TRUNCATED && c == NULL && d.off == 0);
			free(copy);
			continue;
		}
		CHECK_OK(e);
		if (e != MAMORI_OK) {
			free(copy);
			continue;
		}
		for (size_t i = 0; i < nitems; i++) {
			if (ends[i] <= len) {
				want += is_pkt[i];
				cut_at = ends[i];
			}
			if (ends[i] == len)
				boundary = true;
		}
		got = drain(c, &end, &d);
		CHECK(got == want);
		CHECK(end == (boundary ? MAMORI_E_NOTFOUND : MAMORI_E_TRUNCATED));
		CHECK(d.off == cut_at || (boundary && d.off == len));
		if (got != want || end != (boundary ? MAMORI_E_NOTFOUND : MAMORI_E_TRUNCATED))
			fprintf(stderr, "  prefix %zu: %zu records (want %zu), %s at %zu: %s\n",
			    len, got, want, mamori_strerror(end), d.off, d.msg);
		mamori_capfile_close(c);
		free(copy);
	}
}

static void
pcap_every_prefix(void)
{
	struct img m = {0};
	size_t ends[3];
	bool is_pkt[3] = {true, true, true};

	pcap_hdr(&m, true, false, 1);
	pcap_rec(&m, 1, 2, pkt, 13, 13);
	ends[0] = m.n;
	pcap_rec(&m, 1, 3, pkt, 0, 0);
	ends[1] = m.n;
	pcap_rec(&m, 1, 4, pkt, 7, 9);
	ends[2] = m.n;
	check_prefixes(&m, 24, ends, is_pkt, 3);
	img_free(&m);
}

static void
pcap_truncation_message(void)
{
	struct img m = {0};
	struct mamori_diag d;

	pcap_hdr(&m, false, false, 1);
	pcap_rec(&m, 1, 2, pkt, 60, 60);
	m.n -= 10;
	CHECK(next_err(&m, 0, &d) == MAMORI_E_TRUNCATED);
	CHECK(d.off == 24);
	CHECK(
	    strcmp(d.msg, "file ends inside the record at byte 24 (66 of 76 bytes present)") == 0);
	img_free(&m);
}

/* ---- pcapng ---- */

static void
pcapng_both_orders(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m = {0};
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		struct mamori_diag d;
		uint8_t *copy;
		size_t epb1;

		ng_shb(&m, be);
		ng_idb(&m, 1, 0, NO_TSRESOL, 0);
		ng_other(&m, 4, 20); /* name resolution block: skipped */
		epb1 = m.n;
		ng_epb(&m, 0, 1700000000123456u, pkt, 61, 1500);
		ng_other(&m, 5, 8);          /* interface statistics */
		ng_other(&m, 0x40000bad, 0); /* custom/unknown, empty body */
		ng_idb(&m, 113, 0, NO_TSRESOL, 0);
		ng_epb(&m, 1, 5, pkt, 3, 3);
		CHECK_OK(open_copy(m.b, m.n, &copy, &c, &d));
		CHECK(strcmp(mamori_capfile_format(c), "pcapng") == 0);
		CHECK_OK(mamori_capfile_next(c, &r, &d));
		CHECK(r.off == epb1 && r.ts_us == 1700000000123456u);
		CHECK(r.caplen == 61 && r.wirelen == 1500 && r.linktype == 1);
		CHECK(r.data == copy + epb1 + 28 && memcmp(r.data, pkt, 61) == 0);
		CHECK_OK(mamori_capfile_next(c, &r, &d));
		CHECK(r.ts_us == 5 && r.caplen == 3 && r.linktype == 113);
		CHECK(mamori_capfile_next(c, &r, &d) == MAMORI_E_NOTFOUND);
		CHECK(mamori_capfile_offset(c) == m.n);
		mamori_capfile_close(c);
		free(copy);
		img_free(&m);
	}
}

struct ts_case {
	int tsresol;
	int64_t tsoffset;
	uint64_t units;
	uint64_t want_us; /* UINT64_MAX: must fail MALFORMED */
};

static void
pcapng_timestamps(void)
{
	static const struct ts_case cases[] = {
	    {9, 0, 1700000000123456789u, 1700000000123456u},                 /* nanoseconds */
	    {0x80 | 10, 0, 1700000000ull * 1024u + 512u, 1700000000500000u}, /* 2^-10 */
	    {6, 1000, 5000001u, 1005000001u},                                /* if_tsoffset */
	    {6, -5, 6000002u, 1000002u}, {3, 0, 1234567u, 1234567000u},      /* milliseconds */
	    {0, 0, 7u, 7000000u},                                            /* seconds */
	    {0x80 | 63, 0, (1ull << 63) | (1ull << 62), 1500000u},
	    {0x80 | 50, 0, (1ull << 50) - 1u, 999999u}, /* floor, not rounded to 1 s */
	    {0x80 | 50, 0, 3ull << 50 | 1ull << 49 | 1u, 3500000u}, {0x80 | 0, 0, 2u, 2000000u},
	    {19, 0, UINT64_MAX, 1844674u},
	    {0, 0, UINT64_MAX, UINT64_MAX},                 /* seconds * 10^6 overflows */
	    {6, -10, 5000000u, UINT64_MAX},                 /* negative result */
	    {6, INT64_MIN, 5000000u, UINT64_MAX},           /* |offset| computed safely */
	    {6, INT64_MAX, 5000000u, UINT64_MAX},           /* seconds + offset overflows */
	    {0, 18446744073709, 0u, 18446744073709000000u}, /* just fits */
	    {0, 18446744073710, 0u, UINT64_MAX},            /* just does not */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ts_case *t = &cases[i];
		struct img m = {0};
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		struct mamori_diag d;
		uint8_t *copy;
		mamori_err e;

		ng_shb(&m, i % 2 == 1);
		ng_idb(&m, 1, 0, t->tsresol, t->tsoffset);
		ng_epb(&m, 0, t->units, pkt, 4, 4);
		CHECK_OK(open_copy(m.b, m.n, &copy, &c, &d));
		e = mamori_capfile_next(c, &r, &d);
		if (t->want_us == UINT64_MAX) {
			CHECK(e == MAMORI_E_MALFORMED);
			CHECK(strstr(d.msg, "timestamp out of range") != NULL);
		} else {
			CHECK_OK(e);
			CHECK(e == MAMORI_OK && r.ts_us == t->want_us);
			if (e == MAMORI_OK && r.ts_us != t->want_us)
				fprintf(
				    stderr, "  case %zu: %llu\n", i, (unsigned long long)r.ts_us);
		}
		mamori_capfile_close(c);
		free(copy);
		img_free(&m);
	}
}

static void
pcapng_bad_tsresol(void)
{
	static const struct {
		int tsresol;
		mamori_err want;
	} cases[] = {{20, MAMORI_E_UNSUPPORTED}, {0x80 | 64, MAMORI_E_UNSUPPORTED},
	    {0xff, MAMORI_E_UNSUPPORTED}, {19, MAMORI_OK}, {0x80 | 63, MAMORI_OK}};
	struct img m = {0};
	struct mamori_diag d;
	size_t at;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ng_shb(&m, false);
		ng_idb(&m, 1, 0, cases[i].tsresol, 0);
		ng_epb(&m, 0, 1, pkt, 4, 4);
		CHECK(next_err(&m, 0, &d) == cases[i].want);
		img_free(&m);
	}
	/* if_tsresol of length 2, if_tsoffset of length 4, an option past the end */
	for (int k = 0; k < 3; k++) {
		ng_shb(&m, true);
		at = ng_begin(&m, 1);
		put16(&m, 1);
		put16(&m, 0);
		put32(&m, 0);
		put16(&m, k == 0 ? 9 : k == 1 ? 14 : 2);
		put16(&m, k == 0 ? 2 : k == 1 ? 4 : 9);
		put32(&m, 0);
		ng_end(&m, at);
		CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
		CHECK(d.off == 28);
		img_free(&m);
	}
}

static void
pcapng_two_sections(void)
{
	struct img m = {0};
	struct mamori_capfile *c;
	struct mamori_cap_rec r;
	struct mamori_diag d;
	uint8_t *copy;
	size_t shb2;

	ng_shb(&m, false);
	ng_idb(&m, 1, 0, 9, 0);
	ng_idb(&m, 113, 0, NO_TSRESOL, 0);
	ng_epb(&m, 1, 77, pkt, 8, 8);
	shb2 = m.n;
	ng_shb(&m, true);
	ng_idb(&m, 101, 0, 3, 0);
	ng_epb(&m, 0, 42, pkt, 9, 9);
	ng_epb(&m, 1, 42, pkt, 9, 9); /* interface 1 belonged to the first section only */
	CHECK_OK(open_copy(m.b, m.n, &copy, &c, &d));
	CHECK_OK(mamori_capfile_next(c, &r, &d));
	CHECK(r.linktype == 113 && r.ts_us == 77 && r.caplen == 8);
	CHECK_OK(mamori_capfile_next(c, &r, &d));
	CHECK(r.linktype == 101 && r.ts_us == 42000 && r.caplen == 9 && r.off > shb2);
	CHECK(mamori_capfile_next(c, &r, &d) == MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "names interface 1, but only 1 declared") != NULL);
	/* sticky */
	memset(&d, 0, sizeof(d));
	CHECK(mamori_capfile_next(c, &r, &d) == MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "names interface 1") != NULL);
	mamori_capfile_close(c);
	free(copy);
	img_free(&m);
}

static void
pcapng_spb_and_pb(void)
{
	for (int be = 0; be < 2; be++) {
		struct img m = {0};
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		uint8_t *copy;

		ng_shb(&m, be);
		ng_idb(&m, 1, 8, 9, 0);  /* snaplen 8 */
		ng_spb(&m, 10, pkt, 12); /* 10 on the wire, 12 stored, snaplen 8: 8 captured */
		ng_spb(&m, 3, pkt, 4);   /* 3 bytes + 1 padding byte */
		ng_pb(&m, 0, 2000000000u, pkt, 5, 6);
		CHECK_OK(open_copy(m.b, m.n, &copy, &c, NULL));
		CHECK_OK(mamori_capfile_next(c, &r, NULL));
		CHECK(r.caplen == 8 && r.wirelen == 10 && r.ts_us == 0 && r.linktype == 1);
		CHECK(memcmp(r.data, pkt, 8) == 0);
		CHECK_OK(mamori_capfile_next(c, &r, NULL));
		CHECK(r.caplen == 3 && r.wirelen == 3);
		CHECK_OK(mamori_capfile_next(c, &r, NULL));
		CHECK(r.caplen == 5 && r.wirelen == 6 && r.ts_us == 2000000u);
		CHECK(memcmp(r.data, pkt, 5) == 0);
		CHECK(mamori_capfile_next(c, &r, NULL) == MAMORI_E_NOTFOUND);
		mamori_capfile_close(c);
		free(copy);
		img_free(&m);
	}
}

static void
pcapng_spb_limits(void)
{
	struct img m = {0};
	struct mamori_diag d;

	/* no interface yet */
	ng_shb(&m, false);
	ng_spb(&m, 4, pkt, 4);
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == 28);
	img_free(&m);

	/* snaplen 0 and 100 bytes on the wire, but only 8 stored: the block bounds it */
	{
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		uint8_t *copy;

		ng_shb(&m, true);
		ng_idb(&m, 1, 0, NO_TSRESOL, 0);
		ng_spb(&m, 100, pkt, 8);
		CHECK_OK(open_copy(m.b, m.n, &copy, &c, NULL));
		CHECK_OK(mamori_capfile_next(c, &r, NULL));
		CHECK(r.caplen == 8 && r.wirelen == 100);
		mamori_capfile_close(c);
		free(copy);
		img_free(&m);
	}

	/* snaplen 0 (unlimited) and a body over the record limit */
	ng_shb(&m, false);
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	ng_spb(&m, MAMORI_CAP_SNAP_MAX + 4, pkt, 0);
	put_fill(&m, 0, MAMORI_CAP_SNAP_MAX + 4);
	{
		/* rebuild the block with the large body */
		size_t at;

		m.n -= MAMORI_CAP_SNAP_MAX + 4 + 16;
		at = ng_begin(&m, 3);
		put32(&m, MAMORI_CAP_SNAP_MAX + 4);
		put_fill(&m, 0, MAMORI_CAP_SNAP_MAX + 4);
		ng_end(&m, at);
	}
	CHECK(next_err(&m, 0, &d) == MAMORI_E_TOOBIG);
	img_free(&m);
}

static void
pcapng_bad_blocks(void)
{
	struct img m = {0};
	struct mamori_diag d;
	size_t epb;

	/* trailing length differs */
	ng_shb(&m, false);
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	epb = m.n;
	ng_epb(&m, 0, 1, pkt, 10, 10);
	m.b[m.n - 4] ^= 0x04;
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == epb && strstr(d.msg, "trailing length") != NULL);
	img_free(&m);

	/* ... also on a skipped block and on the SHB */
	ng_shb(&m, true);
	ng_other(&m, 4, 16);
	m.b[m.n - 1] ^= 0x04;
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == 28);
	m.b[27] ^= 0x04;
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == 0);
	img_free(&m);

	/* total length not a multiple of 4, below 12, below the EPB minimum, over the limit */
	{
		static const uint32_t lens[] = {30, 8, 0, 28, MAMORI_CAP_BLOCK_MAX + 4, UINT32_MAX};
		static const mamori_err want[] = {MAMORI_E_MALFORMED, MAMORI_E_MALFORMED,
		    MAMORI_E_MALFORMED, MAMORI_E_MALFORMED, MAMORI_E_TOOBIG, MAMORI_E_MALFORMED};

		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			ng_shb(&m, i % 2 == 0);
			ng_idb(&m, 1, 0, NO_TSRESOL, 0);
			epb = m.n;
			ng_epb(&m, 0, 1, pkt, 4, 4);
			patch32(&m, epb + 4, lens[i]);
			CHECK(next_err(&m, 0, &d) == want[i]);
			CHECK(d.off == epb);
			img_free(&m);
		}
	}

	/* captured length over the limit, and one that runs past the block */
	ng_shb(&m, false);
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	epb = m.n;
	ng_epb(&m, 0, 1, pkt, 4, 4);
	patch32(&m, epb + 20, 300000);
	CHECK(next_err(&m, 0, &d) == MAMORI_E_TOOBIG);
	CHECK(d.off == epb);
	CHECK(strcmp(d.msg, "enhanced packet block at byte 60 claims 300000 captured bytes "
	                    "(limit 262144)") == 0);
	/* the body after the fixed part holds 4 data + 8 option + 4 end-of-options bytes: a
	 * captured length of 16 fits (the options are read as data), 17 (padded 20) does not */
	patch32(&m, epb + 20, 17);
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == epb && strstr(d.msg, "do not fit") != NULL);
	patch32(&m, epb + 20, 16);
	CHECK(next_err(&m, 1, &d) == MAMORI_E_NOTFOUND);
	img_free(&m);
}

static void
pcapng_unknown_interface(void)
{
	struct img m = {0};
	struct mamori_diag d;

	ng_shb(&m, true);
	ng_epb(&m, 0, 1, pkt, 4, 4);
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == 28);
	CHECK(strcmp(d.msg, "enhanced packet block at byte 28 names interface 0, but only 0 "
	                    "declared") == 0);
	img_free(&m);

	ng_shb(&m, false);
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	ng_pb(&m, 1, 1, pkt, 4, 4);
	CHECK(next_err(&m, 0, &d) == MAMORI_E_MALFORMED);
	CHECK(strstr(d.msg, "packet block") != NULL);
	img_free(&m);
}

static void
pcapng_interface_limit(void)
{
	struct img m = {0};
	struct mamori_capfile *c;
	struct mamori_cap_rec r;
	struct mamori_diag d;
	uint8_t *copy;
	size_t last = 0;

	ng_shb(&m, false);
	for (unsigned i = 0; i < MAMORI_CAP_IFACE_MAX; i++)
		ng_idb(&m, i, 0, NO_TSRESOL, 0);
	ng_epb(&m, MAMORI_CAP_IFACE_MAX - 1, 1, pkt, 4, 4);
	last = m.n;
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	CHECK_OK(open_copy(m.b, m.n, &copy, &c, &d));
	CHECK_OK(mamori_capfile_next(c, &r, &d));
	CHECK(r.linktype == MAMORI_CAP_IFACE_MAX - 1);
	CHECK(mamori_capfile_next(c, &r, &d) == MAMORI_E_TOOBIG);
	CHECK(d.off == last);
	mamori_capfile_close(c);
	free(copy);
	/* a new section starts counting again */
	ng_shb(&m, true);
	ng_idb(&m, 7, 0, NO_TSRESOL, 0);
	ng_epb(&m, 0, 1, pkt, 4, 4);
	CHECK(next_err(&m, 1, &d) == MAMORI_E_TOOBIG);
	img_free(&m);
}

static void
pcapng_bad_shb(void)
{
	struct img m = {0};
	struct mamori_capfile *c = NULL;
	struct mamori_diag d;
	uint8_t *copy;

	ng_shb(&m, false);
	patch32(&m, 8, 0x11223344);
	CHECK(open_copy(m.b, m.n, &copy, &c, &d) == MAMORI_E_MALFORMED);
	CHECK(c == NULL && d.off == 0);
	free(copy);
	img_free(&m);

	ng_shb(&m, true);
	m.b[13] = 2; /* version 2.0 */
	CHECK(open_copy(m.b, m.n, &copy, &c, &d) == MAMORI_E_UNSUPPORTED);
	CHECK(c == NULL);
	free(copy);
	img_free(&m);

	/* a broken second section header */
	ng_shb(&m, false);
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	ng_epb(&m, 0, 1, pkt, 4, 4);
	ng_shb(&m, true);
	m.b[m.n - 20] = 0x99;
	CHECK(next_err(&m, 1, &d) == MAMORI_E_MALFORMED);
	img_free(&m);
}

static void
pcapng_every_prefix(void)
{
	struct img m = {0};
	size_t ends[10];
	bool is_pkt[10];
	size_t k = 0;

#define ITEM(call, p)                                                                              \
	do {                                                                                       \
		call;                                                                              \
		ends[k] = m.n;                                                                     \
		is_pkt[k++] = (p);                                                                 \
	} while (0)
	ng_shb(&m, false);
	ITEM(ng_idb(&m, 1, 16, 9, 0), false);
	ITEM(ng_epb(&m, 0, 1, pkt, 13, 13), true);
	ITEM(ng_other(&m, 4, 12), false);
	ITEM(ng_spb(&m, 20, pkt, 16), true);
	ITEM(ng_pb(&m, 0, 1, pkt, 2, 2), true);
	ITEM(ng_shb(&m, true), false);
	ITEM(ng_idb(&m, 101, 0, NO_TSRESOL, 0), false);
	ITEM(ng_epb(&m, 0, 1, pkt, 0, 0), true);
#undef ITEM
	check_prefixes(&m, 28, ends, is_pkt, k);
	img_free(&m);
}

/* ---- file, chunk and pipe paths ---- */

static uint32_t
lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* ~3.5 MB of records of 0..1600 bytes, with a maximal record every 97th, so that records
 * straddle every chunk boundary in many ways. */
static void
make_big_pcap(struct img *m)
{
	uint32_t s = 12345;

	pcap_hdr(m, false, false, 1);
	for (uint32_t i = 0; m->n < 3500000; i++) {
		uint32_t len = i % 97 == 96 ? MAMORI_CAP_SNAP_MAX : lcg(&s) % 1601u;

		put32(m, 1700000000u + i);
		put32(m, i % 1000000u);
		put32(m, len);
		put32(m, len + 4);
		put_fill(m, (uint8_t)i, len);
	}
}

static bool
write_tmp(const struct img *m, char *path, size_t pathsz)
{
	int fd;
	size_t done = 0;

	(void)snprintf(path, pathsz, "/tmp/mamori_capfile_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	while (done < m->n) {
		ssize_t n = write(fd, m->b + done, m->n - done);

		if (n <= 0) {
			close(fd);
			return false;
		}
		done += (size_t)n;
	}
	return close(fd) == 0;
}

/* Reads a and b in step; every record must be equal. Returns the count, -1 on a mismatch. */
static long
same_records(struct mamori_capfile *a, struct mamori_capfile *b, mamori_err *end)
{
	long n = 0;

	for (;;) {
		struct mamori_cap_rec ra, rb;
		mamori_err ea = mamori_capfile_next(a, &ra, NULL);
		mamori_err eb = mamori_capfile_next(b, &rb, NULL);

		if (ea != eb)
			return -1;
		if (ea != MAMORI_OK) {
			*end = ea;
			return n;
		}
		if (ra.ts_us != rb.ts_us || ra.caplen != rb.caplen || ra.wirelen != rb.wirelen ||
		    ra.linktype != rb.linktype || ra.off != rb.off ||
		    memcmp(ra.data, rb.data, ra.caplen) != 0)
			return -1;
		n++;
	}
}

/* The batch reader over a file (whose buffer moves at chunk boundaries) against the plain
 * reader over memory: the same records, and every record of a batch still intact after the
 * whole batch was read (the promise the sensor's prefetching relies on). */
static void
file_batches_match_memory(void)
{
	struct img m = {0};
	struct mamori_capfile *f, *mm;
	struct mamori_cap_rec recs[32];
	char path[64];
	size_t n, total = 0, batches = 0, ends_early = 0;
	mamori_err e;
	bool same = true;

	make_big_pcap(&m);
	CHECK(write_tmp(&m, path, sizeof(path)));
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	CHECK_OK(mamori_capfile_open_mem(m.b, m.n, &mm, NULL));
	while ((e = mamori_capfile_next_batch(f, recs, 32, &n, NULL)) == MAMORI_OK) {
		CHECK(n >= 1 && n <= 32);
		batches++;
		ends_early += n < 32;
		for (size_t i = 0; i < n; i++) {
			struct mamori_cap_rec r;

			if (mamori_capfile_next(mm, &r, NULL) != MAMORI_OK ||
			    r.off != recs[i].off || r.caplen != recs[i].caplen ||
			    r.ts_us != recs[i].ts_us || memcmp(r.data, recs[i].data, r.caplen) != 0)
				same = false;
		}
		total += n;
	}
	CHECK(same);
	CHECK(e == MAMORI_E_NOTFOUND);
	CHECK(total > 500 && batches < total);
	CHECK(ends_early > 1); /* batches did stop at chunk boundaries */
	CHECK(mamori_capfile_next(mm, &recs[0], NULL) == MAMORI_E_NOTFOUND);
	mamori_capfile_close(f);
	mamori_capfile_close(mm);

	/* an error after the first record of a batch comes with the next call */
	CHECK(truncate(path, (off_t)(m.n - 100)) == 0);
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	total = 0;
	while ((e = mamori_capfile_next_batch(f, recs, 32, &n, NULL)) == MAMORI_OK)
		total += n;
	CHECK(e == MAMORI_E_TRUNCATED && total > 500);
	CHECK(mamori_capfile_next_batch(f, recs, 32, &n, NULL) == MAMORI_E_TRUNCATED);
	CHECK(mamori_capfile_next_batch(f, recs, 0, &n, NULL) == MAMORI_E_INVAL);
	mamori_capfile_close(f);
	unlink(path);
	img_free(&m);
}

static void
file_chunks_match_memory(void)
{
	struct img m = {0};
	struct mamori_capfile *f, *mm;
	char path[64];
	mamori_err end = MAMORI_OK;

	make_big_pcap(&m);
	CHECK(write_tmp(&m, path, sizeof(path)));
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	CHECK_OK(mamori_capfile_open_mem(m.b, m.n, &mm, NULL));
	CHECK(same_records(f, mm, &end) > 500);
	CHECK(end == MAMORI_E_NOTFOUND);
	CHECK(mamori_capfile_offset(f) == m.n);
	mamori_capfile_close(f);
	mamori_capfile_close(mm);

	/* the same file cut inside a record near the end */
	CHECK(truncate(path, (off_t)(m.n - 100)) == 0);
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	CHECK_OK(mamori_capfile_open_mem(m.b, m.n - 100, &mm, NULL));
	CHECK(same_records(f, mm, &end) > 500);
	CHECK(end == MAMORI_E_TRUNCATED);
	mamori_capfile_close(f);
	mamori_capfile_close(mm);
	unlink(path);
	img_free(&m);
}

/* Blocks larger than the buffer: an unknown block of exactly the limit (skipped as a stream)
 * and an EPB with 2 MB of options (buffered whole to check its trailer). */
static void
file_large_blocks(void)
{
	struct img m = {0};
	struct mamori_capfile *f, *mm;
	struct mamori_cap_rec r;
	char path[64];
	size_t at;
	mamori_err end = MAMORI_OK;

	ng_shb(&m, false);
	ng_idb(&m, 1, 0, NO_TSRESOL, 0);
	ng_other(&m, 0x0badf00d, MAMORI_CAP_BLOCK_MAX - 12);
	at = ng_begin(&m, 6);
	put32(&m, 0);
	put32(&m, 0);
	put32(&m, 99);
	put32(&m, 64);
	put32(&m, 64);
	put_bytes(&m, pkt, 64);
	for (int i = 0; i < 32; i++) {
		put16(&m, 1);
		put16(&m, 65532);
		put_fill(&m, 'x', 65532);
	}
	ng_end(&m, at);
	ng_epb(&m, 0, 100, pkt, 5, 5);
	CHECK(write_tmp(&m, path, sizeof(path)));
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	CHECK_OK(mamori_capfile_next(f, &r, NULL));
	CHECK(r.off == at && r.caplen == 64 && r.ts_us == 99 && memcmp(r.data, pkt, 64) == 0);
	mamori_capfile_close(f);
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	CHECK_OK(mamori_capfile_open_mem(m.b, m.n, &mm, NULL));
	CHECK(same_records(f, mm, &end) == 2);
	CHECK(end == MAMORI_E_NOTFOUND);
	mamori_capfile_close(f);
	mamori_capfile_close(mm);

	/* the big block one byte short: truncated at that block */
	CHECK(truncate(path, (off_t)(28 + 32 + MAMORI_CAP_BLOCK_MAX - 1)) == 0);
	CHECK_OK(mamori_capfile_open(path, &f, NULL));
	{
		struct mamori_diag d;

		CHECK(mamori_capfile_next(f, &r, &d) == MAMORI_E_TRUNCATED);
		CHECK(d.off == 28 + 32);
	}
	mamori_capfile_close(f);
	unlink(path);
	img_free(&m);
}

static void
stdin_pipe(void)
{
	struct img m = {0};
	struct mamori_capfile *f, *mm;
	int fds[2], saved, status = 0;
	pid_t pid;
	mamori_err end = MAMORI_OK;

	make_big_pcap(&m);
	CHECK(pipe(fds) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		/* odd-sized writes, so that reads come back short */
		size_t done = 0;

		close(fds[0]);
		while (done < m.n) {
			size_t k = m.n - done < 777 ? m.n - done : 777;
			ssize_t n = write(fds[1], m.b + done, k);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(1);
			done += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	saved = dup(STDIN_FILENO);
	CHECK(saved >= 0 && dup2(fds[0], STDIN_FILENO) == STDIN_FILENO);
	close(fds[0]);
	CHECK_OK(mamori_capfile_open("-", &f, NULL));
	CHECK_OK(mamori_capfile_open_mem(m.b, m.n, &mm, NULL));
	CHECK(same_records(f, mm, &end) > 500);
	CHECK(end == MAMORI_E_NOTFOUND);
	mamori_capfile_close(f);
	mamori_capfile_close(mm);
	CHECK(dup2(saved, STDIN_FILENO) == STDIN_FILENO);
	close(saved);
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	img_free(&m);
}

static void
open_errors(void)
{
	struct mamori_capfile *c = NULL;
	struct mamori_cap_rec r;
	struct mamori_diag d;

	CHECK(mamori_capfile_open("/nonexistent/x.pcap", &c, &d) == MAMORI_E_IO);
	CHECK(c == NULL && strstr(d.msg, "cannot open /nonexistent/x.pcap") != NULL);
	/* a directory opens but cannot be read */
	CHECK(mamori_capfile_open("/", &c, &d) == MAMORI_E_IO);
	CHECK(c == NULL && strstr(d.msg, "read error") != NULL);
	CHECK(mamori_capfile_open(NULL, &c, &d) == MAMORI_E_INVAL);
	CHECK(mamori_capfile_next(NULL, &r, &d) == MAMORI_E_INVAL);
	mamori_capfile_close(NULL);
}

/* ---- real captures ---- */

static void
shared_captures(void)
{
	struct vec_file vf;
	char path[512];
	bool loaded = vec_load("tests/vectors/capfile/shared_counts.vec", &vf) == 0;

	CHECK(loaded);
	if (!loaded)
		return;
	CHECK(vf.n >= 30);
	for (size_t i = 0; i < vf.n; i++) {
		const char *file = vec_get(&vf.rec[i], "file");
		const char *pk = vec_get(&vf.rec[i], "packets");
		const char *by = vec_get(&vf.rec[i], "bytes");
		const char *fmt = vec_get(&vf.rec[i], "format");
		struct mamori_capfile *c;
		struct mamori_cap_rec r;
		struct mamori_diag d;
		size_t n = 0;
		bool eth = true;
		mamori_err e;

		CHECK(file != NULL && pk != NULL && by != NULL && fmt != NULL);
		if (file == NULL || pk == NULL || by == NULL || fmt == NULL)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", check_shared_data(), file);
		e = mamori_capfile_open(path, &c, &d);
		CHECK_OK(e);
		if (e != MAMORI_OK) {
			fprintf(stderr, "  %s: %s\n", path, d.msg);
			continue;
		}
		CHECK(strcmp(mamori_capfile_format(c), fmt) == 0);
		for (;;) {
			e = mamori_capfile_next(c, &r, &d);
			if (e != MAMORI_OK)
				break;
			eth = eth && r.linktype == 1;
			n++;
		}
		CHECK(e == MAMORI_E_NOTFOUND);
		CHECK(eth);
		CHECK(n == strtoul(pk, NULL, 10));
		CHECK(mamori_capfile_offset(c) == strtoull(by, NULL, 10));
		if (n != strtoul(pk, NULL, 10) || e != MAMORI_E_NOTFOUND)
			fprintf(stderr, "  %s: %zu packets, want %s; %s\n", file, n, pk, d.msg);
		mamori_capfile_close(c);
	}
	vec_free(&vf);
}

/* tests/data/pcapng/telnet_openbsd_login.pcapng was made from the shared pcap with editcap
 * (tests/data/pcapng/README.md): both must give the same records but for their offsets. */
static void
pcapng_vector_matches_pcap(void)
{
	struct mamori_capfile *ng, *pc;
	char path[512];
	size_t n = 0;
	mamori_err e1, e2;

	(void)snprintf(
	    path, sizeof(path), "%s/pcap/benign/telnet_openbsd_login.pcap", check_shared_data());
	CHECK_OK(mamori_capfile_open("tests/data/pcapng/telnet_openbsd_login.pcapng", &ng, NULL));
	CHECK_OK(mamori_capfile_open(path, &pc, NULL));
	if (check_failed_)
		return;
	CHECK(strcmp(mamori_capfile_format(ng), "pcapng") == 0);
	for (;;) {
		struct mamori_cap_rec a, b;

		e1 = mamori_capfile_next(ng, &a, NULL);
		e2 = mamori_capfile_next(pc, &b, NULL);
		if (e1 != MAMORI_OK || e2 != MAMORI_OK)
			break;
		CHECK(a.ts_us == b.ts_us && a.caplen == b.caplen && a.wirelen == b.wirelen);
		CHECK(a.linktype == b.linktype && memcmp(a.data, b.data, a.caplen) == 0);
		n++;
	}
	CHECK(e1 == MAMORI_E_NOTFOUND && e2 == MAMORI_E_NOTFOUND);
	CHECK(n == 92);
	CHECK(mamori_capfile_offset(ng) == 11040);
	mamori_capfile_close(ng);
	mamori_capfile_close(pc);
}

/* Every seed of the fuzz corpus goes through the file path too: no crash, a definite end. */
static void
fuzz_corpus_files(void)
{
	const char *dir = "fuzz/corpus/capfile";
	DIR *dp = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	CHECK(dp != NULL);
	if (dp == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		struct mamori_capfile *c;
		char path[512];
		mamori_err e, end = MAMORI_OK;

		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n++;
		e = mamori_capfile_open(path, &c, NULL);
		if (e != MAMORI_OK) {
			CHECK(e == MAMORI_E_TRUNCATED || e == MAMORI_E_MALFORMED ||
			      e == MAMORI_E_UNSUPPORTED);
			continue;
		}
		(void)drain(c, &end, NULL);
		CHECK(end == MAMORI_E_NOTFOUND || end == MAMORI_E_TRUNCATED ||
		      end == MAMORI_E_MALFORMED || end == MAMORI_E_TOOBIG ||
		      end == MAMORI_E_UNSUPPORTED);
		mamori_capfile_close(c);
	}
	closedir(dp);
	CHECK(n >= 10);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(pcap_both_orders),
	    CHECK_CASE(pcap_nsec_and_fcs_bits),
	    CHECK_CASE(pcap_caplen_over_wirelen),
	    CHECK_CASE(pcap_oversize_caplen),
	    CHECK_CASE(pcap_bad_headers),
	    CHECK_CASE(pcap_every_prefix),
	    CHECK_CASE(pcap_truncation_message),
	    CHECK_CASE(pcapng_both_orders),
	    CHECK_CASE(pcapng_timestamps),
	    CHECK_CASE(pcapng_bad_tsresol),
	    CHECK_CASE(pcapng_two_sections),
	    CHECK_CASE(pcapng_spb_and_pb),
	    CHECK_CASE(pcapng_spb_limits),
	    CHECK_CASE(pcapng_bad_blocks),
	    CHECK_CASE(pcapng_unknown_interface),
	    CHECK_CASE(pcapng_interface_limit),
	    CHECK_CASE(pcapng_bad_shb),
	    CHECK_CASE(pcapng_every_prefix),
	    CHECK_CASE(file_chunks_match_memory),
	    CHECK_CASE(file_batches_match_memory),
	    CHECK_CASE(file_large_blocks),
	    CHECK_CASE(stdin_pipe),
	    CHECK_CASE(open_errors),
	    CHECK_CASE(shared_captures),
	    CHECK_CASE(pcapng_vector_matches_pcap),
	    CHECK_CASE(fuzz_corpus_files),
	};

	return check_run("test_capfile", cases, sizeof(cases) / sizeof(cases[0]));
}
