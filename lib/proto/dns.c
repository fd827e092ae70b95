/* SPDX-License-Identifier: MIT */
/* DNS message header and first question (RFC 1035 §4.1), with bounded name decompression. */
#include <string.h>

#include "mamori/proto.h"

/* The part of mamori_dns_msg that describes the first question, built before it is copied. */
struct qname {
	char text[MAMORI_DNS_NAME_MAX + 1];
	size_t text_len;
	size_t wire_len; /* length bytes + label bytes + the root byte */
	uint8_t nlabels;
	uint8_t first_label_len;
};

static char
name_char(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
		return (char)c;
	return '?';
}

/* Reads the name at r's offset. r ends after the name as it sits in place (after the first
 * pointer, if any). Every pointer must point strictly below the start of the labels it
 * follows, so no byte is read twice and a loop cannot form; at most MAMORI_DNS_PTR_MAX are
 * followed. */
static mamori_err
read_name(struct mamori_reader *r, struct qname *q, struct mamori_diag *d)
{
	struct mamori_reader cur = *r;
	size_t seg_start = cur.off; /* lowest offset read so far */
	size_t end_off = 0;
	unsigned ptrs = 0;
	bool jumped = false;

	memset(q, 0, sizeof(*q));
	for (;;) {
		size_t at = cur.off;
		uint8_t len;
		struct mamori_span label;

		if (mamori_read_u8(&cur, &len) != MAMORI_OK)
			return mamori_diag_set(d, MAMORI_E_TRUNCATED, at, 0, "name truncated");
		if ((len & 0xc0) == 0xc0) {
			uint8_t lo;
			size_t target;

			if (mamori_read_u8(&cur, &lo) != MAMORI_OK)
				return mamori_diag_set(
				    d, MAMORI_E_TRUNCATED, at, 0, "pointer truncated");
			target = (size_t)(len & 0x3f) << 8 | lo;
			if (++ptrs > MAMORI_DNS_PTR_MAX)
				return mamori_diag_set(d, MAMORI_E_TOOBIG, at, 0,
				    "more than %d compression pointers", MAMORI_DNS_PTR_MAX);
			/* strictly below everything read so far: no loops, no forward references,
			 * and each pointer costs at least 2 bytes of the message */
			if (target >= seg_start)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, at, 0,
				    "pointer to %zu not strictly backwards", target);
			if (!jumped) {
				end_off = cur.off;
				jumped = true;
			}
			mamori_reader_init(&cur, r->p, r->len);
			if (mamori_read_skip(&cur, target) != MAMORI_OK)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, at, 0, "bad pointer");
			seg_start = target;
			continue;
		}
		if (len & 0xc0)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, at, 0,
			    "label type 0x%02x not supported", len & 0xc0);
		if (len == 0) {
			q->wire_len++; /* the root byte; room for it was checked below */
			break;
		}
		/* each label costs its length byte, and the root byte must still fit (RFC 1035:
		 * 255 bytes in all) */
		if (q->wire_len + 1 + len + 1 > MAMORI_DNS_NAME_MAX)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, at, 0,
			    "name longer than %d bytes", MAMORI_DNS_NAME_MAX);
		q->wire_len += 1u + len;
		if (mamori_read_span(&cur, len, &label) != MAMORI_OK)
			return mamori_diag_set(d, MAMORI_E_TRUNCATED, at, 0, "label truncated");
		if (q->nlabels == 0)
			q->first_label_len = len;
		q->nlabels++; /* at most 127 labels fit in 255 bytes */
		/* text fits: it is wire_len - 1 bytes at most (dots replace length bytes) */
		if (q->text_len > 0)
			q->text[q->text_len++] = '.';
		for (size_t i = 0; i < label.len; i++)
			q->text[q->text_len++] = name_char(label.p[i]);
	}
	q->text[q->text_len] = '\0';
	if (!jumped)
		end_off = cur.off;
	mamori_reader_init(r, r->p, r->len);
	if (mamori_read_skip(r, end_off) != MAMORI_OK)
		return MAMORI_E_INVAL; /* cannot happen: end_off was inside the message */
	return MAMORI_OK;
}

mamori_err
mamori_dns_parse(const uint8_t *p, size_t n, struct mamori_dns_msg *out, struct mamori_diag *d)
{
	struct mamori_reader r;
	struct qname q;
	uint16_t id, flags, qd, an, ns, ar, qtype = 0, qclass = 0;

	if (p == NULL && n > 0)
		return MAMORI_E_INVAL;
	mamori_reader_init(&r, p, n);
	if (mamori_read_be16(&r, &id) != MAMORI_OK || mamori_read_be16(&r, &flags) != MAMORI_OK ||
	    mamori_read_be16(&r, &qd) != MAMORI_OK || mamori_read_be16(&r, &an) != MAMORI_OK ||
	    mamori_read_be16(&r, &ns) != MAMORI_OK || mamori_read_be16(&r, &ar) != MAMORI_OK)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, r.off, 0, "header truncated");
	memset(&q, 0, sizeof(q));
	if (qd > 0) {
		mamori_err e = read_name(&r, &q, d);

		if (e != MAMORI_OK)
			return e;
		if (mamori_read_be16(&r, &qtype) != MAMORI_OK ||
		    mamori_read_be16(&r, &qclass) != MAMORI_OK)
			return mamori_diag_set(
			    d, MAMORI_E_TRUNCATED, r.off, 0, "question truncated");
	}
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->qr = (flags & 0x8000) != 0;
	out->opcode = (uint8_t)(flags >> 11 & 0x0f);
	out->rcode = (uint8_t)(flags & 0x0f);
	out->qdcount = qd;
	out->ancount = an;
	out->nscount = ns;
	out->arcount = ar;
	memcpy(out->qname, q.text, q.text_len + 1);
	out->qname_len = q.text_len;
	out->nlabels = q.nlabels;
	out->first_label_len = q.first_label_len;
	out->qtype = qtype;
	out->qclass = qclass;
	return MAMORI_OK;
}
