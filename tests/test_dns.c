/* SPDX-License-Identifier: MIT */
/* DNS header + first question: vectors in tests/vectors/dns/, and two captures. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mamori/proto.h"
#include "vec.h"

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

/* Compares a numeric field of the vector with the parsed value, if the vector names it. */
static void
num(const struct vec_record *r, const char *key, unsigned long got)
{
	const char *v = vec_get(r, key);

	if (v == NULL)
		return;
	if (strtoul(v, NULL, 0) != got)
		fprintf(
		    stderr, "dns vector at line %zu: %s is %lu, want %s\n", r->line, key, got, v);
	CHECK(strtoul(v, NULL, 0) == got);
}

static void
vectors(void)
{
	struct vec_file vf;
	uint8_t msg[1024];

	CHECK(vec_load("tests/vectors/dns/parse.vec", &vf) == 0);
	CHECK(vf.n >= 20);
	for (size_t i = 0; i < vf.n; i++) {
		const struct vec_record *r = &vf.rec[i];
		const char *ex = vec_get(r, "expect"), *qn = vec_get(r, "qname");
		const char *tr = vec_get(r, "trailing");
		long n = vec_hex(vec_get(r, "msg") ? vec_get(r, "msg") : "", msg, sizeof(msg));
		struct mamori_dns_msg m;
		struct mamori_diag d;
		mamori_err want, got;
		size_t qend;

		CHECK(n >= 0 && ex != NULL);
		if (n < 0 || ex == NULL)
			continue;
		want = expect_err(ex);
		memset(&m, 0xa5, sizeof(m));
		memset(&d, 0, sizeof(d));
		got = mamori_dns_parse(msg, (size_t)n, &m, &d);
		if (got != want)
			fprintf(stderr, "dns vector at line %zu: got %s (%s at %zu), want %s\n",
			    r->line, mamori_strerror(got), d.msg, d.off, ex);
		CHECK(got == want);
		if (got != MAMORI_OK) {
			CHECK(m.id == 0xa5a5 && d.msg[0] != '\0' && d.off <= (size_t)n);
			continue;
		}
		num(r, "id", m.id);
		num(r, "qr", m.qr);
		num(r, "opcode", m.opcode);
		num(r, "rcode", m.rcode);
		num(r, "qdcount", m.qdcount);
		num(r, "ancount", m.ancount);
		num(r, "nscount", m.nscount);
		num(r, "arcount", m.arcount);
		num(r, "nlabels", m.nlabels);
		num(r, "first_label_len", m.first_label_len);
		num(r, "qtype", m.qtype);
		num(r, "qclass", m.qclass);
		CHECK(m.qname_len == strlen(m.qname));
		if (qn != NULL)
			CHECK(strcmp(m.qname, qn) == 0);
		qend = (size_t)n - (tr != NULL ? strtoul(tr, NULL, 10) : 0);
		for (size_t k = 0; k < qend; k++)
			CHECK(mamori_dns_parse(msg, k, &m, NULL) == MAMORI_E_TRUNCATED);
	}
	vec_free(&vf);
}

/* The longest chain a first question can hold: pointers down the header, 2 bytes apart
 * (12 -> 10 -> 8 -> ... -> 0), each strictly below the one before. The header bytes double as
 * the pointers (and qdcount, at offset 4, is 0xc002). */
static void
pointer_shapes(void)
{
	uint8_t m[64] = {0};
	struct mamori_dns_msg out;
	struct mamori_diag d;

	for (int i = 0; i < 12; i += 2) {
		m[i] = 0xc0;
		m[i + 1] = (uint8_t)(i == 0 ? 0 : i - 2);
	}
	m[12] = 0xc0;
	m[13] = 10;
	/* offset 0 points to 0 itself: not strictly below */
	CHECK(mamori_dns_parse(m, 18, &out, &d) == MAMORI_E_MALFORMED);
	CHECK(d.off == 0);
	m[0] = 0x00; /* now offset 0 is the root label: c0 0a -> ... -> 00 */
	m[1] = 0x00;
	CHECK_OK(mamori_dns_parse(m, 18, &out, &d));
	CHECK(out.qname_len == 0 && out.nlabels == 0 && out.qdcount == 0xc002);
	/* the chain and its end must both be inside the message */
	CHECK(mamori_dns_parse(m, 13, &out, NULL) == MAMORI_E_TRUNCATED);
	CHECK(mamori_dns_parse(m, 17, &out, NULL) == MAMORI_E_TRUNCATED);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define MAX_MSGS 256

struct udp_msg {
	const uint8_t *p;
	size_t len;
	unsigned sport, dport;
};

/* The UDP payloads of port-53 packets of a classic pcap (linktype 1, IPv4), in order. */
static size_t
udp53(const uint8_t *f, size_t sz, struct udp_msg *out, size_t max)
{
	size_t off = 24, n = 0;

	if (sz < 24 || le32(f) != 0xa1b2c3d4 || le32(f + 20) != 1)
		return 0;
	while (off + 16 <= sz && n < max) {
		const uint8_t *p = f + off + 16;
		size_t caplen = le32(f + off + 8), ihl, ulen;

		if (caplen > sz - off - 16)
			break;
		off += 16 + caplen;
		if (caplen < 14 + 28 || p[12] != 0x08 || p[13] != 0x00)
			continue;
		p += 14;
		caplen -= 14;
		ihl = (size_t)(p[0] & 0x0f) * 4;
		if (p[9] != 17 || ihl < 20 || caplen < ihl + 8)
			continue;
		out[n].sport = (unsigned)p[ihl] << 8 | p[ihl + 1];
		out[n].dport = (unsigned)p[ihl + 2] << 8 | p[ihl + 3];
		ulen = (size_t)p[ihl + 4] << 8 | p[ihl + 5];
		if (out[n].sport != 53 && out[n].dport != 53)
			continue;
		if (ulen < 8 || ulen > caplen - ihl)
			continue;
		out[n].p = p + ihl + 8;
		out[n].len = ulen - 8;
		n++;
	}
	return n;
}

static uint8_t *
load(const char *rel, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *b;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", check_shared_data(), rel);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	b = malloc((size_t)sz + 1);
	if (b != NULL && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)sz;
	return b;
}

static void
capture_google(void)
{
	static struct udp_msg u[MAX_MSGS];
	static const struct {
		uint16_t id, qtype, an;
		bool qr;
	} want[6] = {
	    {0x1a2d, 1, 0, false},
	    {0x1a2d, 1, 12, true},
	    {0x8d70, 28, 0, false},
	    {0x8d70, 28, 1, true},
	    {0x5616, 15, 0, false},
	    {0x5616, 15, 5, true},
	};
	size_t len, n;
	uint8_t *f = load("pcap/benign/dns_google_a_aaaa_mx.pcap", &len);

	CHECK(f != NULL);
	if (f == NULL)
		return;
	n = udp53(f, len, u, MAX_MSGS);
	CHECK(n == 6);
	for (size_t i = 0; i < n && i < 6; i++) {
		struct mamori_dns_msg m;

		CHECK_OK(mamori_dns_parse(u[i].p, u[i].len, &m, NULL));
		CHECK(m.id == want[i].id && m.qr == want[i].qr && m.qtype == want[i].qtype);
		CHECK(m.ancount == want[i].an && m.qdcount == 1 && m.qclass == 1);
		CHECK(m.opcode == 0 && m.rcode == 0);
		CHECK(strcmp(m.qname, "google.com") == 0 && m.qname_len == 10);
		CHECK(m.nlabels == 2 && m.first_label_len == 6);
	}
	free(f);
}

static bool
ends_with(const char *s, const char *w)
{
	size_t n = strlen(s), wl = strlen(w);

	return n >= wl && strcmp(s + n - wl, w) == 0;
}

static void
capture_iodine(void)
{
	static struct udp_msg u[MAX_MSGS];
	size_t len, n, queries = 0;
	uint8_t *f = load("pcap/edge/dns_iodine_tunnel.pcap", &len);
	struct mamori_dns_msg m;

	CHECK(f != NULL);
	if (f == NULL)
		return;
	n = udp53(f, len, u, MAX_MSGS);
	CHECK(n == 161);
	for (size_t i = 0; i < n; i++) {
		CHECK_OK(mamori_dns_parse(u[i].p, u[i].len, &m, NULL));
		/* iodine: every query is TXT under tunnel.com, sent from port 43246 */
		CHECK(m.qtype == 16 && m.qclass == 1 && m.qdcount == 1);
		CHECK(ends_with(m.qname, ".srv.tunnel.com"));
		CHECK(m.qr == (u[i].sport == 53));
		if (!m.qr)
			queries++;
	}
	CHECK(queries == 81);
	/* frame 1: "AAAAAO1kQA.=auth.srv.tunnel.com" ('=' is outside the name alphabet) */
	CHECK_OK(mamori_dns_parse(u[0].p, u[0].len, &m, NULL));
	CHECK(m.id == 0xc22f && !m.qr);
	CHECK(strcmp(m.qname, "aaaaao1kqa.?auth.srv.tunnel.com") == 0);
	CHECK(m.nlabels == 5 && m.first_label_len == 10);
	/* frame 2: the answer to it */
	CHECK_OK(mamori_dns_parse(u[1].p, u[1].len, &m, NULL));
	CHECK(m.id == 0xc22f && m.qr && m.ancount == 1 && m.rcode == 0);
	/* frame 12: a long upstream query, 63-byte labels */
	CHECK_OK(mamori_dns_parse(u[11].p, u[11].len, &m, NULL));
	CHECK(m.id == 0x62c6 && m.nlabels == 6 && m.first_label_len == 63);
	CHECK(m.qname_len == 193);
	CHECK(strncmp(m.qname, "hvmaaaafcaaabpqifcp3jbgycsqkjf9o1jmtowgaaac3zwnkac1zageylw5pc3r.",
	          64) == 0);
	free(f);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(vectors),
	    CHECK_CASE(pointer_shapes),
	    CHECK_CASE(capture_google),
	    CHECK_CASE(capture_iodine),
	};

	return check_run("test_dns", cases, sizeof(cases) / sizeof(cases[0]));
}
