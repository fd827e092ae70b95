/* SPDX-License-Identifier: MIT */
/* HTTP request and response head parsers and the unescaper, all on the same input. */
#include <stdint.h>
#include <string.h>

#include "mamori/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A span handed out must lie inside the head. */
static void
inside(struct mamori_span s, const uint8_t *p, size_t head_len)
{
	if (s.len == 0)
		return;
	if (s.p < p || s.p > p + head_len || s.len > (size_t)(p + head_len - s.p))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_http_req q;
	struct mamori_http_resp r;
	struct mamori_diag d;
	char out[64];
	size_t n;

	if (mamori_http_parse_request(data, size, &q, &d) == MAMORI_OK) {
		if (q.head_len > size || q.head_len > MAMORI_HTTP_HEAD_MAX ||
		    q.uri.len > MAMORI_HTTP_URI_MAX || !mamori_http_is_request(data, size))
			__builtin_trap();
		inside(q.method, data, q.head_len);
		inside(q.uri, data, q.head_len);
		inside(q.version, data, q.head_len);
		inside(q.host, data, q.head_len);
		inside(q.user_agent, data, q.head_len);
		inside(q.content_type, data, q.head_len);
		/* the URI as a detector would read it */
		n = mamori_http_unescape(q.uri.p, q.uri.len, true, out, sizeof(out));
		if (n >= sizeof(out) || out[n] != '\0')
			__builtin_trap();
	} else if (d.off > size) {
		__builtin_trap();
	}
	if (mamori_http_parse_response(data, size, &r, &d) == MAMORI_OK) {
		if (r.head_len > size || r.head_len > MAMORI_HTTP_HEAD_MAX || r.status < 100 ||
		    r.status > 599)
			__builtin_trap();
		inside(r.reason, data, r.head_len);
		inside(r.content_type, data, r.head_len);
		inside(r.server, data, r.head_len);
	} else if (d.off > size) {
		__builtin_trap();
	}
	n = mamori_http_unescape(data, size, (size & 1) != 0, out, sizeof(out));
	if (n >= sizeof(out) || out[n] != '\0')
		__builtin_trap();
	n = mamori_http_unescape(data, size, false, out, 1);
	if (n != 0 || out[0] != '\0')
		__builtin_trap();
	return 0;
}
