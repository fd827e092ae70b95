/* SPDX-License-Identifier: MIT */
/* HTTP head parsers and the unescaper: vectors in tests/vectors/http/, limits, and the first
 * request and response of two captures. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mamori/proto.h"
#include "vec.h"

#define BUF_MAX (MAMORI_HTTP_HEAD_MAX * 2)

/* Decodes \r \n \t \\ \xHH; returns the length or -1. */
static long
unescape_c(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s != '\0') {
		uint8_t c = (uint8_t)*s++;

		if (c == '\\') {
			char e = *s++;
			unsigned v;

			if (e == 'r') {
				c = '\r';
			} else if (e == 'n') {
				c = '\n';
			} else if (e == 't') {
				c = '\t';
			} else if (e == '\\') {
				c = '\\';
			} else if (e == 'x' && sscanf(s, "%2x", &v) == 1 && s[0] != '\0' &&
			           s[1] != '\0') {
				c = (uint8_t)v;
				s += 2;
			} else {
				return -1;
			}
		}
		if (n >= cap)
			return -1;
		out[n++] = c;
	}
	return (long)n;
}

static bool
span_is(struct mamori_span s, const char *want)
{
	return s.len == strlen(want) && (s.len == 0 || memcmp(s.p, want, s.len) == 0);
}

static mamori_err
expect_err(const char *e)
{
	if (strcmp(e, "ok") == 0)
		return MAMORI_OK;
	if (strcmp(e, "truncated") == 0)
		return MAMORI_E_TRUNCATED;
	if (strcmp(e, "malformed") == 0)
		return MAMORI_E_MALFORMED;
	if (strcmp(e, "toobig") == 0)
		return MAMORI_E_TOOBIG;
	return MAMORI_E_INVAL;
}

static void
check_cl(const struct vec_record *r, bool has, uint64_t cl)
{
	const char *v = vec_get(r, "cl");

	if (v == NULL)
		return;
	if (strcmp(v, "none") == 0)
		CHECK(!has);
	else
		CHECK(has && cl == strtoull(v, NULL, 10));
}

static void
check_head_len(const struct vec_record *r, size_t head_len)
{
	const char *v = vec_get(r, "head_len");

	if (v != NULL)
		CHECK(head_len == strtoul(v, NULL, 10));
}

/* Runs one request or response vector; prefixes of good heads must all be TRUNCATED. */
static void
run_vec(const struct vec_record *r, bool req)
{
	static uint8_t in[BUF_MAX];
	const char *ins = vec_get(r, "input"), *exs = vec_get(r, "expect"), *v;
	long n;
	mamori_err want, got;
	struct mamori_http_req q;
	struct mamori_http_resp s;
	struct mamori_diag d;
	size_t head_len = 0;

	CHECK(ins != NULL && exs != NULL);
	if (ins == NULL || exs == NULL)
		return;
	n = unescape_c(ins, in, sizeof(in));
	want = expect_err(exs);
	CHECK(n >= 0 && want != MAMORI_E_INVAL);
	if (n < 0)
		return;
	memset(&q, 0xa5, sizeof(q));
	memset(&s, 0xa5, sizeof(s));
	memset(&d, 0, sizeof(d));
	if (req)
		got = mamori_http_parse_request(in, (size_t)n, &q, &d);
	else
		got = mamori_http_parse_response(in, (size_t)n, &s, &d);
	if (got != want)
		fprintf(stderr, "vector at line %zu: got %s (%s at %zu), want %s\n", r->line,
		    mamori_strerror(got), d.msg, d.off, exs);
	CHECK(got == want);
	if (got != MAMORI_OK) {
		/* results are written only on success; errors say where */
		CHECK(q.head_len == s.head_len && d.msg[0] != '\0' && d.off <= (size_t)n);
		return;
	}
	if (req) {
		head_len = q.head_len;
		v = vec_get(r, "method");
		if (v != NULL)
			CHECK(span_is(q.method, v));
		v = vec_get(r, "uri");
		if (v != NULL)
			CHECK(span_is(q.uri, v));
		v = vec_get(r, "version");
		if (v != NULL)
			CHECK(span_is(q.version, v));
		v = vec_get(r, "host");
		if (v != NULL)
			CHECK(span_is(q.host, v));
		v = vec_get(r, "ua");
		if (v != NULL)
			CHECK(span_is(q.user_agent, v));
		v = vec_get(r, "ctype");
		if (v != NULL)
			CHECK(span_is(q.content_type, v));
		check_cl(r, q.has_content_length, q.content_length);
		CHECK(mamori_http_is_request(in, (size_t)n));
	} else {
		head_len = s.head_len;
		v = vec_get(r, "status");
		if (v != NULL)
			CHECK(s.status == strtoul(v, NULL, 10));
		v = vec_get(r, "reason");
		if (v != NULL)
			CHECK(span_is(s.reason, v));
		v = vec_get(r, "ctype");
		if (v != NULL)
			CHECK(span_is(s.content_type, v));
		v = vec_get(r, "server");
		if (v != NULL)
			CHECK(span_is(s.server, v));
		v = vec_get(r, "chunked");
		if (v != NULL)
			CHECK(s.chunked == (strcmp(v, "1") == 0));
		check_cl(r, s.has_content_length, s.content_length);
	}
	check_head_len(r, head_len);
	CHECK(head_len <= (size_t)n);
	for (size_t k = 0; k < head_len; k++) {
		mamori_err e = req ? mamori_http_parse_request(in, k, &q, NULL)
		                   : mamori_http_parse_response(in, k, &s, NULL);

		if (e != MAMORI_E_TRUNCATED)
			fprintf(stderr, "vector at line %zu: prefix %zu gave %s\n", r->line, k,
			    mamori_strerror(e));
		CHECK(e == MAMORI_E_TRUNCATED);
	}
}

static void
run_file(const char *name, bool req)
{
	char path[256];
	struct vec_file vf;

	snprintf(path, sizeof(path), "tests/vectors/http/%s", name);
	CHECK(vec_load(path, &vf) == 0);
	CHECK(vf.n >= 10);
	for (size_t i = 0; i < vf.n; i++)
		run_vec(&vf.rec[i], req);
	vec_free(&vf);
}

static void
request_vectors(void)
{
	run_file("request.vec", true);
}

static void
response_vectors(void)
{
	run_file("response.vec", false);
}

static void
unescape_vectors(void)
{
	struct vec_file vf;
	char out[256];
	uint8_t in[256], want[256];

	CHECK(vec_load("tests/vectors/http/unescape.vec", &vf) == 0);
	CHECK(vf.n >= 8);
	for (size_t i = 0; i < vf.n; i++) {
		const struct vec_record *r = &vf.rec[i];
		const char *form = vec_get(r, "form"), *cap = vec_get(r, "cap");
		long n = unescape_c(vec_get(r, "input"), in, sizeof(in));
		long wn = unescape_c(vec_get(r, "output"), want, sizeof(want));
		size_t c = cap != NULL ? strtoul(cap, NULL, 10) : sizeof(out), got;

		CHECK(n >= 0 && wn >= 0 && c <= sizeof(out));
		if (n < 0 || wn < 0 || c > sizeof(out))
			continue;
		memset(out, 'Z', sizeof(out));
		got = mamori_http_unescape(
		    in, (size_t)n, form != NULL && strcmp(form, "1") == 0, out, c);
		if (got != (size_t)wn || memcmp(out, want, got) != 0)
			fprintf(stderr, "unescape vector at line %zu failed\n", r->line);
		CHECK(got == (size_t)wn && memcmp(out, want, got) == 0 && out[got] == '\0');
		CHECK(c == sizeof(out) || out[c] == 'Z'); /* nothing written past outcap */
	}
	vec_free(&vf);
	/* outcap 0 writes nothing */
	out[0] = 'Z';
	CHECK(mamori_http_unescape((const uint8_t *)"abc", 3, false, out, 0) == 0 && out[0] == 'Z');
}

/* "GET /" + uri_len - 1 more bytes + " HTTP/1.1\r\n" + extra header bytes + "\r\n" */
static size_t
build(uint8_t *b, size_t uri_len, size_t hdr_len)
{
	size_t n = 0;

	memcpy(b, "GET /", 5);
	n = 5;
	memset(b + n, 'a', uri_len - 1);
	n += uri_len - 1;
	memcpy(b + n, " HTTP/1.1\r\n", 11);
	n += 11;
	if (hdr_len > 0) {
		memcpy(b + n, "X-Pad: ", 7);
		memset(b + n + 7, 'p', hdr_len - 9);
		memcpy(b + n + hdr_len - 2, "\r\n", 2);
		n += hdr_len;
	}
	memcpy(b + n, "\r\n", 2);
	return n + 2;
}

static void
limits(void)
{
	static uint8_t b[BUF_MAX];
	struct mamori_http_req q;
	struct mamori_diag d;
	size_t n, line;

	/* URI at the cap passes, one more byte does not */
	n = build(b, MAMORI_HTTP_URI_MAX, 0);
	CHECK_OK(mamori_http_parse_request(b, n, &q, NULL));
	CHECK(q.uri.len == MAMORI_HTTP_URI_MAX && q.head_len == n);
	n = build(b, MAMORI_HTTP_URI_MAX + 1, 0);
	CHECK(mamori_http_parse_request(b, n, &q, &d) == MAMORI_E_TOOBIG && d.off == 4);
	/* ... even before the request line is complete */
	CHECK(mamori_http_parse_request(b, MAMORI_HTTP_URI_MAX + 10, &q, NULL) == MAMORI_E_TOOBIG);

	/* a head of exactly MAMORI_HTTP_HEAD_MAX bytes passes, one more byte does not */
	line = 5 + 9 + 2; /* "GET /" + " HTTP/1.1" + CR LF with a 1-byte URI */
	n = build(b, 1, MAMORI_HTTP_HEAD_MAX - line - 2);
	CHECK(n == MAMORI_HTTP_HEAD_MAX);
	CHECK_OK(mamori_http_parse_request(b, n, &q, NULL));
	CHECK(q.head_len == MAMORI_HTTP_HEAD_MAX);
	n = build(b, 1, MAMORI_HTTP_HEAD_MAX - line - 1);
	CHECK(mamori_http_parse_request(b, n, &q, &d) == MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "8192") != NULL);
	/* a huge header still arriving: TRUNCATED below the cap, TOOBIG from it on */
	n = build(b, 1, BUF_MAX - 40);
	CHECK(
	    mamori_http_parse_request(b, MAMORI_HTTP_HEAD_MAX - 1, &q, NULL) == MAMORI_E_TRUNCATED);
	CHECK(mamori_http_parse_request(b, MAMORI_HTTP_HEAD_MAX, &q, NULL) == MAMORI_E_TOOBIG);
	CHECK(mamori_http_parse_request(b, n, &q, NULL) == MAMORI_E_TOOBIG);

	/* many small headers add up the same way */
	n = 0;
	memcpy(b, "GET / HTTP/1.1\r\n", 16);
	n = 16;
	while (n + 8 < BUF_MAX - 2) {
		memcpy(b + n, "X-A: b\r\n", 8);
		n += 8;
	}
	memcpy(b + n, "\r\n", 2);
	CHECK(mamori_http_parse_request(b, n + 2, &q, NULL) == MAMORI_E_TOOBIG);
}

static void
is_request(void)
{
	CHECK(mamori_http_is_request((const uint8_t *)"GET / HTTP/1.1", 14));
	CHECK(mamori_http_is_request((const uint8_t *)"POST ", 5));
	CHECK(!mamori_http_is_request((const uint8_t *)"POST", 4));
	CHECK(!mamori_http_is_request((const uint8_t *)"POSTX /", 7));
	CHECK(!mamori_http_is_request((const uint8_t *)"HTTP/1.1 200 OK", 15));
	CHECK(!mamori_http_is_request((const uint8_t *)"get / HTTP/1.1", 14));
	CHECK(!mamori_http_is_request(NULL, 0));
	CHECK(!mamori_http_is_request((const uint8_t *)"", 0));
}

/* ---- captures ------------------------------------------------------------------------ */

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The next Ethernet frame of a classic pcap (linktype 1) or of a little-endian pcapng file
 * (editcap writes pcapng: the snap256 capture is one, whatever its name says). */
static bool
next_frame(const uint8_t *f, size_t sz, size_t *off, const uint8_t **frame, size_t *caplen)
{
	bool ng = le32(f) == 0x0a0d0d0a;

	while (ng ? *off + 12 <= sz : *off + 16 <= sz) {
		size_t blen, clen;
		uint32_t type;

		if (!ng) {
			clen = le32(f + *off + 8);
			if (clen > sz - *off - 16)
				return false;
			*frame = f + *off + 16;
			*caplen = clen;
			*off += 16 + clen;
			return true;
		}
		type = le32(f + *off);
		blen = le32(f + *off + 4);
		if (blen < 12 || blen > sz - *off)
			return false;
		if (type == 1 && (blen < 16 || (f[*off + 8] | f[*off + 9] << 8) != 1))
			return false; /* an interface that is not Ethernet */
		if (type == 6 && blen >= 32) {
			clen = le32(f + *off + 20);
			if (clen > blen - 32)
				return false;
			*frame = f + *off + 28;
			*caplen = clen;
			*off += blen;
			return true;
		}
		*off += blen;
	}
	return false;
}

/* Copies the first TCP payload sent to (to_server) or from port 80 over IPv4 into out; returns
 * its length, 0 if none. */
static size_t
first_payload(const char *rel, bool to_server, uint8_t *out, size_t cap)
{
	char path[512];
	uint8_t *f;
	FILE *fp;
	long sz;
	size_t off, got = 0, caplen;
	const uint8_t *p;

	snprintf(path, sizeof(path), "%s/%s", check_shared_data(), rel);
	fp = fopen(path, "rb");
	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (sz = ftell(fp)) < 24 ||
	    fseek(fp, 0, SEEK_SET) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		if (fp != NULL)
			fclose(fp);
		return 0;
	}
	f = malloc((size_t)sz);
	if (f == NULL || fread(f, 1, (size_t)sz, fp) != (size_t)sz ||
	    (le32(f) != 0x0a0d0d0a && (le32(f) != 0xa1b2c3d4 || le32(f + 20) != 1))) {
		fclose(fp);
		free(f);
		return 0;
	}
	fclose(fp);
	off = le32(f) == 0x0a0d0d0a ? 0 : 24;
	while (got == 0 && next_frame(f, (size_t)sz, &off, &p, &caplen)) {
		size_t ihl, thl, tot;
		unsigned sport, dport;

		if (caplen < 14 + 40 || p[12] != 0x08 || p[13] != 0x00)
			continue;
		p += 14;
		caplen -= 14;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		tot = (size_t)p[2] << 8 | p[3];
		if (p[9] != 6 || ihl < 20 || caplen < ihl + 20)
			continue;
		thl = (size_t)(p[ihl + 12] >> 4) * 4;
		sport = (unsigned)p[ihl] << 8 | p[ihl + 1];
		dport = (unsigned)p[ihl + 2] << 8 | p[ihl + 3];
		if (thl < 20 || tot < ihl + thl || caplen < ihl + thl)
			continue;
		if ((to_server ? dport : sport) != 80 || tot == ihl + thl)
			continue;
		got = tot - ihl - thl;
		if (got > caplen - ihl - thl)
			got = caplen - ihl - thl; /* snaplen-cut capture */
		if (got > cap)
			got = cap;
		memcpy(out, p + ihl + thl, got);
	}
	free(f);
	return got;
}

static void
capture_mirai_wget(void)
{
	static uint8_t b[4096];
	size_t n = first_payload(
	    "pcap/malicious/mirai_lab_bins_http_download_snap256.pcap", true, b, sizeof(b));
	struct mamori_http_req q;
	struct mamori_http_resp s;

	CHECK(n == 136);
	CHECK(mamori_http_is_request(b, n));
	CHECK_OK(mamori_http_parse_request(b, n, &q, NULL));
	CHECK(span_is(q.method, "GET") && span_is(q.uri, "/") && span_is(q.version, "HTTP/1.1"));
	CHECK(span_is(q.host, "10.10.3.2"));
	CHECK(span_is(q.user_agent, "Wget/1.17.1 (linux-gnu)"));
	CHECK(!q.has_content_length && q.head_len == n);
	/* the response was cut at 256 bytes per packet in the middle of a header name */
	n = first_payload(
	    "pcap/malicious/mirai_lab_bins_http_download_snap256.pcap", false, b, sizeof(b));
	CHECK(n == 190);
	CHECK(mamori_http_parse_response(b, n, &s, NULL) == MAMORI_E_TRUNCATED);
	/* completed with a blank line it parses */
	memcpy(b + n, "tent-Type: text/html\r\n\r\n", 24);
	CHECK_OK(mamori_http_parse_response(b, n + 24, &s, NULL));
	CHECK(s.status == 200 && span_is(s.reason, "OK") && s.has_content_length &&
	      s.content_length == 2731 && !s.chunked);
	CHECK(span_is(s.server, "Apache/2.4.18 (Ubuntu)"));
	CHECK(span_is(s.content_type, "text/html"));
}

static void
capture_browser_get(void)
{
	static uint8_t b[4096];
	size_t n = first_payload("pcap/benign/http_download_html.pcap", true, b, sizeof(b));
	struct mamori_http_req q;
	struct mamori_http_resp s;
	struct mamori_diag d;

	CHECK(n == 479);
	CHECK_OK(mamori_http_parse_request(b, n, &q, NULL));
	CHECK(span_is(q.method, "GET") && span_is(q.uri, "/download.html"));
	CHECK(span_is(q.host, "www.ethereal.com"));
	CHECK(span_is(q.user_agent, "Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.6) "
	                            "Gecko/20040113"));
	CHECK(q.head_len == n);
	n = first_payload("pcap/benign/http_download_html.pcap", false, b, sizeof(b));
	CHECK(n > 0);
	memset(&d, 0, sizeof(d));
	CHECK_OK(mamori_http_parse_response(b, n, &s, &d));
	CHECK(s.status == 200 && s.content_length == 18070 && !s.chunked);
	CHECK(span_is(s.content_type, "text/html; charset=ISO-8859-1"));
	CHECK(span_is(s.server, "Apache"));
	CHECK(s.head_len < n && memcmp(b + s.head_len, "<?xml", 5) == 0);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(request_vectors),
	    CHECK_CASE(response_vectors),
	    CHECK_CASE(unescape_vectors),
	    CHECK_CASE(limits),
	    CHECK_CASE(is_request),
	    CHECK_CASE(capture_mirai_wget),
	    CHECK_CASE(capture_browser_get),
	};

	return check_run("test_http", cases, sizeof(cases) / sizeof(cases[0]));
}
