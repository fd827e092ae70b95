/* SPDX-License-Identifier: MIT */
/* HTTP/1.x request and response heads (RFC 9112), strictly: no obs-fold, one Content-Length,
 * token header names. Lines end with CR LF or a bare LF. Spans point into the input. */
#include <string.h>

#include "mamori/proto.h"

static const char *const methods[] = {
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "OPTIONS",
    "PATCH",
    "CONNECT",
    "TRACE",
};

#define NMETHODS (sizeof(methods) / sizeof(methods[0]))

/* RFC 9110 tchar */
static bool
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool
span_ieq(struct mamori_span s, const char *w)
{
	size_t wl = strlen(w);

	if (s.len != wl)
		return false;
	for (size_t i = 0; i < wl; i++)
		if (lower(s.p[i]) != (uint8_t)w[i])
			return false;
	return true;
}

/* One line of the head: [start, end) without the line ending; next is the offset after it. */
struct line {
	size_t start, end, next;
};

/* Finds the line starting at off. false: no LF before n (the head is incomplete). */
static bool
next_line(const uint8_t *p, size_t n, size_t off, struct line *l)
{
	const uint8_t *lf = memchr(p + off, '\n', n - off);
	size_t end;

	if (lf == NULL)
		return false;
	end = (size_t)(lf - p);
	l->start = off;
	l->next = end + 1;
	if (end > off && p[end - 1] == '\r')
		end--;
	l->end = end;
	return true;
}

/* The error for input that ends before the blank line: wait for more, or give up at the cap. */
static mamori_err
incomplete(size_t n, struct mamori_diag *d)
{
	if (n >= MAMORI_HTTP_HEAD_MAX)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, MAMORI_HTTP_HEAD_MAX, 0,
		    "no end of head within %d bytes", MAMORI_HTTP_HEAD_MAX);
	return mamori_diag_set(d, MAMORI_E_TRUNCATED, n, 0, "head incomplete");
}

/* Which method p starts with: its index, or -1. *prefix is set when p (all of it) could still
 * become a known method followed by a space. */
static int
match_method(const uint8_t *p, size_t n, bool *prefix)
{
	*prefix = false;
	for (size_t i = 0; i < NMETHODS; i++) {
		size_t ml = strlen(methods[i]);

		if (n > ml && memcmp(p, methods[i], ml) == 0 && p[ml] == ' ')
			return (int)i;
		if (n <= ml && memcmp(p, methods[i], n) == 0)
			*prefix = true;
	}
	return -1;
}

bool
mamori_http_is_request(const uint8_t *p, size_t n)
{
	bool prefix;

	return p != NULL && n > 0 && match_method(p, n, &prefix) >= 0;
}

/* "HTTP/1." DIGIT */
static bool
is_version(const uint8_t *p, size_t n)
{
	return n == 8 && memcmp(p, "HTTP/1.", 7) == 0 && p[7] >= '0' && p[7] <= '9';
}

/* Content-Length = 1*DIGIT, within uint64_t. */
static bool
parse_u64(struct mamori_span v, uint64_t *out)
{
	uint64_t x = 0;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		/* overflow past UINT64_MAX is malformed, not wrapped */
		if (__builtin_mul_overflow(x, 10u, &x) ||
		    __builtin_add_overflow(x, v.p[i] - '0', &x))
			return false;
	}
	*out = x;
	return true;
}

/* The fields a head may carry that the callers look at. */
struct fields {
	struct mamori_span host, user_agent, content_type, server, te;
	uint64_t content_length;
	bool has_cl, has_host;
};

/* Parses the header lines after the start line, up to and including the blank line. Returns the
 * head length in *head_len. */
static mamori_err
parse_headers(const uint8_t *p, size_t n, size_t off, struct fields *f, size_t *head_len,
    struct mamori_diag *d)
{
	/* the whole head, blank line included, must end within the cap: never look past it */
	size_t lim = n < MAMORI_HTTP_HEAD_MAX ? n : MAMORI_HTTP_HEAD_MAX;
	struct line l;

	for (;;) {
		struct mamori_span name, value;
		size_t i, colon;

		if (!next_line(p, lim, off, &l))
			return incomplete(n, d);
		if (l.start == l.end) {
			*head_len = l.next;
			return MAMORI_OK;
		}
		if (p[l.start] == ' ' || p[l.start] == '\t')
			return mamori_diag_set(
			    d, MAMORI_E_MALFORMED, l.start, 0, "obsolete line folding");
		for (i = l.start; i < l.end && is_tchar(p[i]); i++)
			;
		colon = i;
		if (colon == l.start || colon == l.end || p[colon] != ':')
			return mamori_diag_set(d, MAMORI_E_MALFORMED, colon, 0, "bad header name");
		name.p = p + l.start;
		name.len = colon - l.start;
		i = colon + 1;
		while (i < l.end && (p[i] == ' ' || p[i] == '\t'))
			i++;
		value.p = p + i;
		value.len = l.end - i;
		while (value.len > 0 &&
		       (value.p[value.len - 1] == ' ' || value.p[value.len - 1] == '\t'))
			value.len--;
		for (size_t k = i; k < l.end; k++) {
			/* field-vchar, SP, HTAB, obs-text; no NUL, no bare CR, no other controls */
			if ((p[k] < 0x20 && p[k] != '\t') || p[k] == 0x7f)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, k, 0,
				    "control byte 0x%02x in header value", p[k]);
		}
		if (span_ieq(name, "content-length")) {
			uint64_t cl;

			if (!parse_u64(value, &cl))
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, i, 0, "bad Content-Length");
			/* two different lengths: the message boundary is ambiguous (smuggling) */
			if (f->has_cl && cl != f->content_length)
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, i, 0, "conflicting Content-Length");
			f->content_length = cl;
			f->has_cl = true;
		} else if (span_ieq(name, "host")) {
			if (f->has_host)
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, l.start, 0, "duplicate Host");
			f->host = value;
			f->has_host = true;
		} else if (span_ieq(name, "user-agent")) {
			if (f->user_agent.p == NULL)
				f->user_agent = value;
		} else if (span_ieq(name, "content-type")) {
			if (f->content_type.p == NULL)
				f->content_type = value;
		} else if (span_ieq(name, "server")) {
			if (f->server.p == NULL)
				f->server = value;
		} else if (span_ieq(name, "transfer-encoding")) {
			f->te = value; /* the last one carries the final coding */
		}
		off = l.next;
	}
}

mamori_err
mamori_http_parse_request(
    const uint8_t *p, size_t n, struct mamori_http_req *out, struct mamori_diag *d)
{
	struct mamori_http_req r;
	struct fields f;
	struct line l;
	size_t sp1, sp2, head_len = 0;
	bool prefix;
	int m;
	mamori_err e;

	memset(&r, 0, sizeof(r)); /* absent headers leave empty spans */
	if (p == NULL && n > 0)
		return MAMORI_E_INVAL;
	if (n == 0)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, 0, 0, "no bytes");
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	m = match_method(p, n, &prefix);
	if (m < 0)
		return prefix ? incomplete(n, d)
		              : mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0, "unknown method");
	sp1 = strlen(methods[m]);
	/* request-target: up to the next space, within the URI cap even before the line ends */
	for (sp2 = sp1 + 1; sp2 < n && p[sp2] > 0x20 && p[sp2] != 0x7f; sp2++)
		if (sp2 - sp1 > MAMORI_HTTP_URI_MAX)
			return mamori_diag_set(d, MAMORI_E_TOOBIG, sp1 + 1, 0,
			    "URI longer than %d bytes", MAMORI_HTTP_URI_MAX);
	if (sp2 == n)
		return incomplete(n, d);
	if (sp2 == sp1 + 1 || p[sp2] != ' ')
		return mamori_diag_set(d, MAMORI_E_MALFORMED, sp2, 0, "bad request target");
	if (!next_line(p, n < MAMORI_HTTP_HEAD_MAX ? n : MAMORI_HTTP_HEAD_MAX, 0, &l)) {
		/* what there is of the version must be a prefix of "HTTP/1.x\r" */
		const uint8_t *v = p + sp2 + 1;
		size_t vl = n - (sp2 + 1);

		if (vl > 9 || memcmp(v, "HTTP/1.", vl < 7 ? vl : 7) != 0 ||
		    (vl >= 8 && (v[7] < '0' || v[7] > '9')) || (vl == 9 && v[8] != '\r'))
			return mamori_diag_set(d, MAMORI_E_MALFORMED, sp2 + 1, 0, "bad version");
		return incomplete(n, d);
	}
	if (!is_version(p + sp2 + 1, l.end - (sp2 + 1)))
		return mamori_diag_set(d, MAMORI_E_MALFORMED, sp2 + 1, 0, "bad version");
	e = parse_headers(p, n, l.next, &f, &head_len, d);
	if (e != MAMORI_OK)
		return e;
	r.method.p = p;
	r.method.len = sp1;
	r.uri.p = p + sp1 + 1;
	r.uri.len = sp2 - sp1 - 1;
	r.version.p = p + sp2 + 1;
	r.version.len = 8;
	r.host = f.host;
	r.user_agent = f.user_agent;
	r.content_type = f.content_type;
	r.content_length = f.content_length;
	r.has_content_length = f.has_cl;
	r.head_len = head_len;
	*out = r;
	return MAMORI_OK;
}

/* Is the final transfer coding "chunked"? */
static bool
te_chunked(struct mamori_span te)
{
	size_t i = te.len, j;

	while (i > 0 && (te.p[i - 1] == ' ' || te.p[i - 1] == '\t'))
		i--;
	j = i;
	while (j > 0 && te.p[j - 1] != ',' && te.p[j - 1] != ' ' && te.p[j - 1] != '\t')
		j--;
	return span_ieq((struct mamori_span){te.p + j, i - j}, "chunked");
}

mamori_err
mamori_http_parse_response(
    const uint8_t *p, size_t n, struct mamori_http_resp *out, struct mamori_diag *d)
{
	struct mamori_http_resp r;
	struct fields f;
	struct line l;
	size_t head_len = 0, k;
	mamori_err e;

	memset(&r, 0, sizeof(r)); /* a status line without a reason leaves an empty span */
	if (p == NULL && n > 0)
		return MAMORI_E_INVAL;
	if (n == 0)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, 0, 0, "no bytes");
	memset(&r, 0, sizeof(r));
	memset(&f, 0, sizeof(f));
	/* "HTTP/1.x 123" is a fixed 12-byte prefix: check what is there so far */
	for (k = 0; k < n && k < 12; k++) {
		bool ok;

		if (k < 7)
			ok = p[k] == (uint8_t) "HTTP/1."[k];
		else if (k == 8)
			ok = p[k] == ' ';
		else if (k == 9)
			ok = p[k] >= '1' && p[k] <= '5';
		else
			ok = p[k] >= '0' && p[k] <= '9';
		if (!ok)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, k, 0, "bad status line");
	}
	if (!next_line(p, n < MAMORI_HTTP_HEAD_MAX ? n : MAMORI_HTTP_HEAD_MAX, 0, &l))
		return incomplete(n, d);
	if (l.end < 12 || (l.end > 12 && p[12] != ' '))
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, l.end < 12 ? l.end : 12, 0, "bad status line");
	for (k = 13; k < l.end; k++)
		if ((p[k] < 0x20 && p[k] != '\t') || p[k] == 0x7f)
			return mamori_diag_set(
			    d, MAMORI_E_MALFORMED, k, 0, "control byte in reason");
	e = parse_headers(p, n, l.next, &f, &head_len, d);
	if (e != MAMORI_OK)
		return e;
	r.status =
	    (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 + (unsigned)(p[11] - '0');
	if (l.end > 13) {
		r.reason.p = p + 13;
		r.reason.len = l.end - 13;
	}
	r.content_type = f.content_type;
	r.server = f.server;
	r.content_length = f.content_length;
	r.has_content_length = f.has_cl;
	r.chunked = f.te.p != NULL && te_chunked(f.te);
	r.head_len = head_len;
	*out = r;
	return MAMORI_OK;
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
mamori_http_unescape(const uint8_t *p, size_t n, bool form, char *out, size_t outcap)
{
	size_t o = 0;

	if (out == NULL || outcap == 0)
		return 0;
	for (size_t i = 0; i < n && o < outcap - 1; i++) {
		uint8_t c = p[i];

		if (c == '%' && n - i >= 3 && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			c = (uint8_t)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
			i += 2;
		} else if (form && c == '+') {
			c = ' ';
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o;
}
