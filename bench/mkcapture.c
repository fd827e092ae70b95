/* SPDX-License-Identifier: MIT */
/*
 * mkcapture — builds the large capture that bench/sensor feeds to the sensor, to tcpdump and to
 * ndpiReader. Standalone (no libmamori): it only reads and writes classic pcap.
 *
 * It loads a set of small pcap or pcapng files (link type Ethernet), merges them into one
 * "round" ordered by time relative to each file's first packet, and replays that round over and
 * over. Round r starts r * GAP microseconds after the start time, so rounds overlap and many
 * flows are live at the same time; the rounds are merged so timestamps rise strictly.
 *
 * Every round rewrites the addresses with its own bijection (the same one for both directions,
 * so TCP sessions stay sessions): the last two octets of an IPv4 address change, the first two
 * stay, so private stays private and public stays public. 0/8, 127/8, 224/4 and up, and host
 * parts .0/.255 are kept. IPv6 unicast addresses get the same change in their last two bytes;
 * multicast and :: are kept. ARP sender/target addresses follow the same mapping. The IPv4
 * header checksum is recomputed; TCP/UDP checksums are adjusted incrementally (RFC 1624), so a
 * valid checksum stays valid and an invalid one stays invalid. To keep the Mirai fingerprints
 * working, a TCP sequence number equal to the original destination address (or +1) follows
 * the rewritten address, an acknowledgement equal to the original source address (or +1)
 * likewise, and the victim address inside a Mirai report (TCP to 48101, payload 00 + IPv4)
 * is mapped too.
 *
 * Flows are counted exactly: bidirectional 5-tuples (protocol, the two addresses, the two
 * ports; ports are 0 for protocols without them) in a hash set over the whole output.
 *
 *   mkcapture [-b MINBYTES] [-f MINFLOWS] [-g GAP_US] [-t START_UNIX] [-n] -o OUT FILE...
 *
 * -n prints the size the output would have (and the round count) without writing it.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILE_BYTES (256u * 1024u * 1024u) /* one input file */
#define MAX_SNAP 262144u                     /* largest caplen accepted */
#define MAX_INPUTS 1024u
#define ROUND_SPACE (256u * 254u) /* distinct (third octet, host octet) rotations */
#define ROUND_STRIDE 40503u       /* odd, not a multiple of 127: coprime to ROUND_SPACE */
#define PCAP_HDR 24u
#define REC_HDR 16u

struct tpkt {
	uint64_t rel;     /* microseconds after the file's first packet */
	const uint8_t *p; /* caplen bytes inside the loaded file */
	uint32_t caplen;
	uint32_t origlen;
	uint32_t file;
	uint32_t idx;
	bool report_addr; /* a 4-byte Mirai report segment holding the victim address */
};

struct flowkey {
	uint8_t a[16], b[16]; /* a <= b (canonical order); IPv4 in the first 4 bytes */
	uint16_t pa, pb;
	uint8_t proto, v6;
};

struct flowent {
	struct flowkey k;
	uint64_t first, last;
	uint8_t used;
};

struct flowset {
	struct flowent *e;
	size_t cap, n;
};

struct addrset {
	uint32_t *e; /* value + 1, 0 = empty */
	size_t cap, n;
};

struct round {
	uint64_t start;
	size_t cur;
	uint32_t k1, k2;
};

static void
die(const char *msg)
{
	fprintf(stderr, "mkcapture: %s\n", msg);
	exit(1);
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		die("out of memory");
	return p;
}

static uint16_t
ld16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t
ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
ld32x(const uint8_t *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;

	return swap ? __builtin_bswap32(v) : v;
}

static void
stle32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
stle16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* ---- address mapping -------------------------------------------------------------------- */

/* Rotates (third octet, host octet); host octets 0 and 255 are left alone so broadcast stays
 * broadcast. A bijection on the 256 * 254 pairs for every (k1, k2). */
static void
map_low(uint8_t *c, uint8_t *d, uint32_t k1, uint32_t k2)
{
	if (*d == 0 || *d == 255)
		return;
	*c = (uint8_t)((*c + k1) & 0xffu);
	*d = (uint8_t)((*d - 1u + k2) % 254u + 1u);
}

static uint32_t
map4(uint32_t a, const struct round *r)
{
	uint32_t o1 = a >> 24;
	uint8_t c = (uint8_t)(a >> 8), d = (uint8_t)a;

	if (o1 == 0 || o1 == 127 || o1 >= 224)
		return a;
	map_low(&c, &d, r->k1, r->k2);
	return (a & 0xffff0000u) | (uint32_t)c << 8 | d;
}

static void
map6(uint8_t a[16], const struct round *r)
{
	bool zero = true;

	if (a[0] == 0xff)
		return;
	for (size_t i = 0; i < 16; i++)
		zero = zero && a[i] == 0;
	if (zero)
		return;
	map_low(&a[14], &a[15], r->k1, r->k2);
}

/* ---- checksums ---------------------------------------------------------------------------- */

/* One's complement sum of n bytes starting at an even offset of the checksummed data; a byte
 * past `end` counts as zero (the region is widened to whole words by the caller). */
static uint32_t
sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += ld16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffffu) + (s >> 16);
	return (uint16_t)s;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), with m and m' given as folded sums. */
static uint16_t
ck_adjust(uint16_t ck, uint32_t oldsum, uint32_t newsum)
{
	uint32_t s = (uint32_t)(uint16_t)~ck + (uint16_t)~fold(oldsum) + fold(newsum);

	return (uint16_t)~fold(s);
}

struct l4ck {
	uint8_t *field; /* NULL if the packet has no usable L4 checksum */
	bool udp;
};

static void
l4ck_apply(const struct l4ck *c, uint32_t oldsum, uint32_t newsum)
{
	uint16_t ck, nck;

	if (c->field == NULL)
		return;
	ck = ld16(c->field);
	if (c->udp && ck == 0) /* UDP over IPv4 without a checksum */
		return;
	nck = ck_adjust(ck, oldsum, newsum);
	if (c->udp && nck == 0)
		nck = 0xffff;
	st16(c->field, nck);
}

/* Replaces len bytes at off inside an L4 segment seg[0..seglen) (off + len <= seglen) and
 * adjusts the checksum; handles odd offsets by summing the covering words. */
static void
seg_replace(uint8_t *seg, size_t seglen, size_t off, const uint8_t *nv, size_t len,
    const struct l4ck *c)
{
	size_t lo = off & ~(size_t)1, hi = (off + len + 1) & ~(size_t)1;
	uint8_t w[32];
	uint32_t olds, news;

	memset(w, 0, sizeof(w));
	memcpy(w, seg + lo, (hi <= seglen ? hi : seglen) - lo);
	olds = sum16(w, hi - lo);
	memcpy(w + (off - lo), nv, len);
	news = sum16(w, hi - lo);
	memcpy(seg + off, nv, len);
	l4ck_apply(c, olds, news);
}

static void
ipv4_header_checksum(uint8_t *ip, size_t ihl)
{
	st16(ip + 10, 0);
	st16(ip + 10, (uint16_t)~fold(sum16(ip, ihl)));
}

/* ---- flow and address sets ------------------------------------------------------------------- */

static uint64_t
hash_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3u;
	}
	return h ^ (h >> 29);
}

static void flowset_insert(struct flowset *s, const struct flowkey *k, uint64_t ts);

static void
flowset_grow(struct flowset *s)
{
	struct flowset ns = { xcalloc(s->cap ? s->cap * 2 : 1u << 16, sizeof(struct flowent)),
		s->cap ? s->cap * 2 : 1u << 16, 0 };

	for (size_t i = 0; i < s->cap; i++) {
		if (s->e[i].used) {
			flowset_insert(&ns, &s->e[i].k, s->e[i].first);
			flowset_insert(&ns, &s->e[i].k, s->e[i].last);
		}
	}
	free(s->e);
	*s = ns;
}

static void
flowset_insert(struct flowset *s, const struct flowkey *k, uint64_t ts)
{
	size_t i;

	if ((s->n + 1) * 4 > s->cap * 3)
		flowset_grow(s);
	i = (size_t)hash_bytes(k, sizeof(*k)) & (s->cap - 1);
	while (s->e[i].used) {
		if (memcmp(&s->e[i].k, k, sizeof(*k)) == 0) {
			if (ts < s->e[i].first)
				s->e[i].first = ts;
			if (ts > s->e[i].last)
				s->e[i].last = ts;
			return;
		}
		i = (i + 1) & (s->cap - 1);
	}
	s->e[i].k = *k;
	s->e[i].first = ts;
	s->e[i].last = ts;
	s->e[i].used = 1;
	s->n++;
}

static void
addrset_insert(struct addrset *s, uint32_t a)
{
	size_t i;

	if ((s->n + 1) * 4 > s->cap * 3) {
		struct addrset ns = { xcalloc(s->cap ? s->cap * 2 : 1u << 16, sizeof(uint32_t)),
			s->cap ? s->cap * 2 : 1u << 16, 0 };

		for (size_t j = 0; j < s->cap; j++)
			if (s->e[j] != 0)
				addrset_insert(&ns, s->e[j] - 1);
		free(s->e);
		*s = ns;
	}
	i = (size_t)hash_bytes(&a, sizeof(a)) & (s->cap - 1);
	while (s->e[i] != 0) {
		if (s->e[i] == a + 1)
			return;
		i = (i + 1) & (s->cap - 1);
	}
	s->e[i] = a + 1;
	s->n++;
}

/* ---- packet rewriting --------------------------------------------------------------------------- */

struct stats {
	uint64_t packets, bytes, ipv4, ipv6, arp, other;
	struct flowset flows;
	struct addrset addrs;
};

static void
flow_key_set(struct flowkey *k, const uint8_t *sa, const uint8_t *da, size_t alen,
    uint16_t sp, uint16_t dp, uint8_t proto)
{
	int c = memcmp(sa, da, alen);

	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->v6 = alen == 16;
	if (c < 0 || (c == 0 && sp <= dp)) {
		memcpy(k->a, sa, alen);
		memcpy(k->b, da, alen);
		k->pa = sp;
		k->pb = dp;
	} else {
		memcpy(k->a, da, alen);
		memcpy(k->b, sa, alen);
		k->pa = dp;
		k->pb = sp;
	}
}

/* TCP/UDP part shared by IPv4 and IPv6: sets up the checksum handle and reads the ports. */
static void
l4_locate(uint8_t *l4, size_t l4cap, uint8_t proto, struct l4ck *ck, uint16_t *sp, uint16_t *dp)
{
	ck->field = NULL;
	ck->udp = proto == 17;
	*sp = 0;
	*dp = 0;
	if ((proto == 6 || proto == 17 || proto == 132) && l4cap >= 4) {
		*sp = ld16(l4);
		*dp = ld16(l4 + 2);
	}
	if (proto == 6 && l4cap >= 18)
		ck->field = l4 + 16;
	else if (proto == 17 && l4cap >= 8)
		ck->field = l4 + 6;
}

static void
rewrite_ipv4(uint8_t *ip, size_t cap, const struct round *r, struct stats *st, uint64_t ts,
    bool report_addr)
{
	size_t ihl, totlen, l4cap;
	uint32_t osrc, odst, nsrc, ndst;
	uint8_t proto, nb[4];
	bool first_frag;
	struct l4ck ck;
	struct flowkey k;
	uint16_t sp, dp;

	if (cap < 20 || ip[0] >> 4 != 4)
		return;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > cap)
		return;
	st->ipv4++;
	totlen = ld16(ip + 2);
	if (totlen < ihl || totlen > cap)
		totlen = cap; /* truncated capture or bogus length: use what was captured */
	proto = ip[9];
	first_frag = (ld16(ip + 6) & 0x1fff) == 0;
	osrc = ld32(ip + 12);
	odst = ld32(ip + 16);
	nsrc = map4(osrc, r);
	ndst = map4(odst, r);
	l4cap = first_frag ? totlen - ihl : 0;
	l4_locate(ip + ihl, l4cap, proto, &ck, &sp, &dp);

	/* the pseudo-header addresses */
	st32(ip + 12, nsrc);
	st32(ip + 16, ndst);
	l4ck_apply(&ck, sum16((const uint8_t[8]){ (uint8_t)(osrc >> 24), (uint8_t)(osrc >> 16),
			      (uint8_t)(osrc >> 8), (uint8_t)osrc, (uint8_t)(odst >> 24),
			      (uint8_t)(odst >> 16), (uint8_t)(odst >> 8), (uint8_t)odst }, 8),
	    sum16(ip + 12, 8));
	ipv4_header_checksum(ip, ihl);

	if (proto == 6 && l4cap >= 12) {
		uint8_t *tcp = ip + ihl;
		uint32_t seq = ld32(tcp + 4), ack = ld32(tcp + 8);

		/* Mirai: scan SYN seq == target address; SYN-ACK ack == address + 1 */
		if (ndst != odst && (seq == odst || seq == odst + 1)) {
			st32(nb, seq - odst + ndst);
			seg_replace(tcp, l4cap, 4, nb, 4, &ck);
		}
		if (nsrc != osrc && (ack == osrc || ack == osrc + 1)) {
			st32(nb, ack - osrc + nsrc);
			seg_replace(tcp, l4cap, 8, nb, 4, &ck);
		}
		/* Mirai report to the loader: 00, victim IPv4, port, ...; the bot sends each field
		 * with its own send(), so the address is often a 4-byte segment of its own */
		if (dp == 48101 && l4cap >= 13) {
			size_t doff = (size_t)(tcp[12] >> 4) * 4;
			size_t plen = doff <= l4cap ? l4cap - doff : 0;

			if (doff >= 20 && plen >= 5 && tcp[doff] == 0) {
				st32(nb, map4(ld32(tcp + doff + 1), r));
				seg_replace(tcp, l4cap, doff + 1, nb, 4, &ck);
			} else if (doff >= 20 && plen == 4 && report_addr) {
				st32(nb, map4(ld32(tcp + doff), r));
				seg_replace(tcp, l4cap, doff, nb, 4, &ck);
			}
		}
	}
	flow_key_set(&k, ip + 12, ip + 16, 4, sp, dp, proto);
	flowset_insert(&st->flows, &k, ts);
	addrset_insert(&st->addrs, nsrc);
	addrset_insert(&st->addrs, ndst);
}

static void
rewrite_ipv6(uint8_t *ip, size_t cap, const struct round *r, struct stats *st, uint64_t ts)
{
	uint8_t osrc[16], odst[16], nh;
	size_t off = 40, paylen, end;
	bool l4ok = true;
	struct l4ck ck;
	struct flowkey k;
	uint16_t sp, dp;

	if (cap < 40 || ip[0] >> 4 != 6)
		return;
	st->ipv6++;
	paylen = ld16(ip + 4);
	end = 40 + paylen <= cap ? 40 + paylen : cap;
	nh = ip[6];
	/* skip extension headers; a non-first fragment carries no L4 header */
	while (nh == 0 || nh == 43 || nh == 60 || nh == 44) {
		if (off + 8 > end) {
			l4ok = false;
			break;
		}
		if (nh == 44) {
			if ((ld16(ip + off + 2) & 0xfff8) != 0)
				l4ok = false;
			nh = ip[off];
			off += 8;
		} else {
			uint8_t next = ip[off];

			off += ((size_t)ip[off + 1] + 1) * 8;
			nh = next;
		}
		if (!l4ok || off > end) {
			l4ok = false;
			break;
		}
	}
	memcpy(osrc, ip + 8, 16);
	memcpy(odst, ip + 24, 16);
	map6(ip + 8, r);
	map6(ip + 24, r);
	if (l4ok) {
		l4_locate(ip + off, end - off, nh, &ck, &sp, &dp);
		ck.udp = false; /* UDP over IPv6 always has a checksum; 0 is not "none" here */
		if (nh == 17 && ck.field != NULL && ld16(ck.field) == 0)
			ck.field = NULL;
		l4ck_apply(&ck, sum16(osrc, 16) + sum16(odst, 16),
		    sum16(ip + 8, 16) + sum16(ip + 24, 16));
		if (nh == 17 && ck.field != NULL && ld16(ck.field) == 0)
			st16(ck.field, 0xffff);
	} else {
		sp = 0;
		dp = 0;
	}
	flow_key_set(&k, ip + 8, ip + 24, 16, sp, dp, nh);
	flowset_insert(&st->flows, &k, ts);
}

static void
rewrite_arp(uint8_t *a, size_t cap, const struct round *r, struct stats *st)
{
	st->arp++;
	/* Ethernet/IPv4 ARP: sender address at 14, target at 24 */
	if (cap < 28 || ld16(a) != 1 || ld16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4)
		return;
	st32(a + 14, map4(ld32(a + 14), r));
	st32(a + 24, map4(ld32(a + 24), r));
}

static void
rewrite(uint8_t *p, size_t cap, const struct round *r, struct stats *st, uint64_t ts,
    bool report_addr)
{
	size_t off = 12;
	uint16_t type;

	if (cap < 14) {
		st->other++;
		return;
	}
	type = ld16(p + off);
	for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8) && off + 6 <= cap;
	     tags++) {
		off += 4;
		type = ld16(p + off);
	}
	off += 2;
	if (type == 0x0800)
		rewrite_ipv4(p + off, cap - off, r, st, ts, report_addr);
	else if (type == 0x86dd)
		rewrite_ipv6(p + off, cap - off, r, st, ts);
	else if (type == 0x0806)
		rewrite_arp(p + off, cap - off, r, st);
	else
		st->other++;
}

/* ---- input ---------------------------------------------------------------------------------------- */

static uint8_t *
load_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "mkcapture: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap > MAX_FILE_BYTES) {
				fprintf(stderr, "mkcapture: %s: larger than %u bytes\n", path,
				    MAX_FILE_BYTES);
				exit(1);
			}
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (buf == NULL)
				die("out of memory");
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "mkcapture: %s: read error\n", path);
		exit(1);
	}
	fclose(f);
	*len = n;
	return buf;
}

static void push_pkt(struct tpkt **pk, size_t *npk, size_t *cap, struct tpkt t);

/* Appends the packets of one classic pcap file to *pk. */
static void
parse_pcap(const char *path, const uint8_t *b, size_t len, uint32_t file, struct tpkt **pk,
    size_t *npk, size_t *cap)
{
	uint32_t magic, lt;
	bool swap, nsec;
	size_t off = PCAP_HDR, first = *npk;
	uint64_t base = UINT64_MAX;

	if (len < PCAP_HDR) {
		fprintf(stderr, "mkcapture: %s: shorter than a pcap header\n", path);
		exit(1);
	}
	magic = ld32x(b, false);
	swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	magic = ld32x(b, swap);
	if (magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
		fprintf(stderr, "mkcapture: %s: not a classic pcap file (offset 0)\n", path);
		exit(1);
	}
	nsec = magic == 0xa1b23c4du;
	lt = ld32x(b + 20, swap) & 0x0fffffffu;
	if (lt != 1) {
		fprintf(stderr, "mkcapture: %s: link type %" PRIu32 ", only Ethernet (1)\n", path,
		    lt);
		exit(1);
	}
	while (off < len) {
		uint32_t sec, frac, caplen, origlen;
		uint64_t t;

		if (len - off < REC_HDR) {
			fprintf(stderr, "mkcapture: %s: truncated record header at offset %zu\n",
			    path, off);
			exit(1);
		}
		sec = ld32x(b + off, swap);
		frac = ld32x(b + off + 4, swap);
		caplen = ld32x(b + off + 8, swap);
		origlen = ld32x(b + off + 12, swap);
		if (caplen > MAX_SNAP || caplen > len - off - REC_HDR) {
			fprintf(stderr, "mkcapture: %s: bad caplen %" PRIu32 " at offset %zu\n",
			    path, caplen, off);
			exit(1);
		}
		t = (uint64_t)sec * 1000000u + (nsec ? frac / 1000u : frac);
		push_pkt(pk, npk, cap, (struct tpkt){ t, b + off + REC_HDR, caplen,
			origlen < caplen ? caplen : origlen, file, (uint32_t)(*npk - first), false });
		if (t < base)
			base = t;
		off += REC_HDR + caplen;
	}
	for (size_t i = first; i < *npk; i++)
		(*pk)[i].rel = (*pk)[i].rel - base;
}

static void
push_pkt(struct tpkt **pk, size_t *npk, size_t *cap, struct tpkt t)
{
	if (*npk == *cap) {
		*cap = *cap ? *cap * 2 : 4096;
		*pk = realloc(*pk, *cap * sizeof(**pk));
		if (*pk == NULL)
			die("out of memory");
	}
	(*pk)[(*npk)++] = t;
}

#define MAX_IFACES 64u

/* Appends the Enhanced Packet Blocks of one pcapng file (single section; every interface must
 * be Ethernet). Other block types are skipped. */
static void
parse_pcapng(const char *path, const uint8_t *b, size_t len, uint32_t file, struct tpkt **pk,
    size_t *npk, size_t *cap)
{
	uint64_t div[MAX_IFACES]; /* timestamp units per microsecond, or 0 = divide by -mul */
	uint64_t mul[MAX_IFACES];
	size_t nif = 0, off = 0, first = *npk;
	bool swap = false;
	uint64_t base = UINT64_MAX;

	while (off < len) {
		uint32_t type, blen;

		if (len - off < 12) {
			fprintf(stderr, "mkcapture: %s: truncated block at offset %zu\n", path, off);
			exit(1);
		}
		type = ld32x(b + off, false);
		if (type == 0x0a0d0d0au) {
			uint32_t bom = ld32x(b + off + 8, false);

			if (bom != 0x1a2b3c4du && bom != 0x4d3c2b1au) {
				fprintf(stderr, "mkcapture: %s: bad byte-order magic at offset %zu\n",
				    path, off + 8);
				exit(1);
			}
			swap = bom == 0x4d3c2b1au;
			if (off != 0) {
				fprintf(stderr, "mkcapture: %s: several sections (offset %zu)\n", path,
				    off);
				exit(1);
			}
		} else if (off == 0) {
			fprintf(stderr, "mkcapture: %s: no section header at offset 0\n", path);
			exit(1);
		}
		type = ld32x(b + off, swap);
		blen = ld32x(b + off + 4, swap);
		if (blen < 12 || blen % 4 != 0 || blen > len - off) {
			fprintf(stderr, "mkcapture: %s: bad block length %" PRIu32 " at offset %zu\n",
			    path, blen, off + 4);
			exit(1);
		}
		if (type == 1) { /* Interface Description Block */
			size_t o = off + 16;

			if (blen < 20 || nif == MAX_IFACES) {
				fprintf(stderr, "mkcapture: %s: bad or too many interfaces at offset "
						"%zu\n", path, off);
				exit(1);
			}
			if ((b[off + 8] | b[off + 9] << 8) != (swap ? 0x0100 : 0x0001)) {
				fprintf(stderr, "mkcapture: %s: interface at offset %zu is not "
						"Ethernet\n", path, off);
				exit(1);
			}
			div[nif] = 1;
			mul[nif] = 1;
			while (o + 4 <= off + blen - 4) { /* options */
				uint32_t code = swap ? __builtin_bswap16((uint16_t)(b[o] | b[o + 1] << 8))
						     : (uint32_t)(b[o] | b[o + 1] << 8);
				uint32_t olen = swap ? __builtin_bswap16((uint16_t)(b[o + 2] | b[o + 3] << 8))
						     : (uint32_t)(b[o + 2] | b[o + 3] << 8);

				if (code == 0 || olen > off + blen - 4 - o - 4)
					break;
				if (code == 9 && olen >= 1) {
					uint8_t v = b[o + 4];
					uint64_t units = 1;

					for (unsigned i = 0; i < (v & 0x7fu) && i < 63; i++)
						units *= (v & 0x80u) ? 2 : 10;
					/* units per second -> per microsecond */
					div[nif] = units >= 1000000u ? units / 1000000u : 0;
					mul[nif] = units >= 1000000u ? 1 : 1000000u / units;
				}
				o += 4 + ((olen + 3u) & ~3u);
			}
			nif++;
		} else if (type == 6) { /* Enhanced Packet Block */
			uint32_t ifc, caplen, origlen;
			uint64_t ts;

			if (blen < 32) {
				fprintf(stderr, "mkcapture: %s: short packet block at offset %zu\n",
				    path, off);
				exit(1);
			}
			ifc = ld32x(b + off + 8, swap);
			ts = (uint64_t)ld32x(b + off + 12, swap) << 32 | ld32x(b + off + 16, swap);
			caplen = ld32x(b + off + 20, swap);
			origlen = ld32x(b + off + 24, swap);
			if (ifc >= nif || caplen > MAX_SNAP || caplen > blen - 32) {
				fprintf(stderr, "mkcapture: %s: bad packet block at offset %zu\n",
				    path, off);
				exit(1);
			}
			ts = div[ifc] ? ts / div[ifc] : ts * mul[ifc];
			push_pkt(pk, npk, cap, (struct tpkt){ ts, b + off + 28, caplen,
				origlen < caplen ? caplen : origlen, file, (uint32_t)(*npk - first), false });
			if (ts < base)
				base = ts;
		}
		off += blen;
	}
	for (size_t i = first; i < *npk; i++)
		(*pk)[i].rel = (*pk)[i].rel - base;
}

/* The TCP/IPv4 view of a template packet: 4-tuple and payload. False if it is not TCP/IPv4. */
struct tcpv {
	uint32_t src, dst;
	uint16_t sp, dp;
	const uint8_t *pay;
	size_t paylen;
};

static bool
tcp_view(const struct tpkt *t, struct tcpv *v)
{
	const uint8_t *p = t->p;
	size_t cap = t->caplen, off = 12, ihl, totlen, doff;
	uint16_t type;

	if (cap < 14)
		return false;
	type = ld16(p + off);
	for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8) && off + 6 <= cap;
	     tags++) {
		off += 4;
		type = ld16(p + off);
	}
	off += 2;
	if (type != 0x0800 || cap - off < 20 || p[off] >> 4 != 4 || p[off + 9] != 6 ||
	    (ld16(p + off + 6) & 0x1fff) != 0)
		return false;
	ihl = (size_t)(p[off] & 0x0f) * 4;
	totlen = ld16(p + off + 2);
	if (totlen > cap - off)
		totlen = cap - off;
	if (ihl < 20 || totlen < ihl + 20)
		return false;
	doff = (size_t)(p[off + ihl + 12] >> 4) * 4;
	if (doff < 20 || doff > totlen - ihl)
		return false;
	v->src = ld32(p + off + 12);
	v->dst = ld32(p + off + 16);
	v->sp = ld16(p + off + ihl);
	v->dp = ld16(p + off + ihl + 2);
	v->pay = p + off + ihl + doff;
	v->paylen = totlen - ihl - doff;
	return true;
}

/* Marks the 4-byte report segments that follow a lone 00 byte on the same connection. */
static void
mark_reports(struct tpkt *pk, size_t npk)
{
	for (size_t i = 0; i < npk; i++) {
		struct tcpv v, w;

		if (!tcp_view(&pk[i], &v) || v.dp != 48101 || v.paylen != 4)
			continue;
		for (size_t j = i; j-- > 0;) {
			if (pk[j].file != pk[i].file || !tcp_view(&pk[j], &w) || w.src != v.src ||
			    w.dst != v.dst || w.sp != v.sp || w.dp != v.dp || w.paylen == 0)
				continue;
			pk[i].report_addr = w.paylen == 1 && w.pay[0] == 0;
			break;
		}
	}
}

static int
tpkt_cmp(const void *a, const void *b)
{
	const struct tpkt *x = a, *y = b;

	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* ---- round merge ------------------------------------------------------------------------------- */

static uint64_t
next_time(const struct round *r, const struct tpkt *t)
{
	return r->start + t[r->cur].rel;
}

static void
heap_down(struct round *h, size_t n, size_t i, const struct tpkt *t)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct round tmp;

		if (l < n && next_time(&h[l], t) < next_time(&h[m], t))
			m = l;
		if (l + 1 < n && next_time(&h[l + 1], t) < next_time(&h[m], t))
			m = l + 1;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void
heap_up(struct round *h, size_t i, const struct tpkt *t)
{
	while (i > 0 && next_time(&h[(i - 1) / 2], t) > next_time(&h[i], t)) {
		struct round tmp = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static int
ev_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Largest number of flows whose [first, last + idle] interval covers one instant: what a flow
 * table that forgets a flow idle microseconds after its last packet would hold at its fullest
 * (a lower bound when a flow pauses for longer than idle). */
static size_t
peak_live(const struct flowset *s, uint64_t idle)
{
	int64_t *ev = xcalloc(s->n * 2 + 1, sizeof(int64_t));
	size_t n = 0, cur = 0, best = 0;

	/* starts sort before ends at the same instant: encode time * 2 (+1 for an end) */
	for (size_t i = 0; i < s->cap; i++) {
		if (s->e[i].used) {
			ev[n++] = (int64_t)(s->e[i].first * 2);
			ev[n++] = (int64_t)((s->e[i].last + idle) * 2 + 1);
		}
	}
	qsort(ev, n, sizeof(*ev), ev_cmp);
	for (size_t i = 0; i < n; i++) {
		if ((ev[i] & 1) == 0) {
			cur++;
			if (cur > best)
				best = cur;
		} else {
			cur--;
		}
	}
	free(ev);
	return best;
}

static unsigned long long
parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-') {
		fprintf(stderr, "mkcapture: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mkcapture [-b MINBYTES] [-f MINFLOWS] [-g GAP_US] [-t START_UNIX] "
			"[-n] -o OUT FILE...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long long minbytes = 1ull << 30, minflows = 1000000, gap = 1000000;
	unsigned long long start = 1700000000;
	const char *out = NULL;
	bool dry = false;
	int ch;
	struct tpkt *pk = NULL;
	uint8_t *files[MAX_INPUTS];
	int rc = 0;
	size_t npk = 0, pkcap = 0, nfiles, round_bytes = 0, round_flows, rounds;
	struct stats st;
	struct round *heap;
	size_t nheap = 0, next_round = 0;
	uint64_t last_ts = 0, span_end = 0;
	uint8_t *scratch, rec[REC_HDR], hdr[PCAP_HDR];
	FILE *f;

	while ((ch = getopt(argc, argv, "b:f:g:t:no:")) != -1) {
		switch (ch) {
		case 'b':
			minbytes = parse_num(optarg, "byte count");
			break;
		case 'f':
			minflows = parse_num(optarg, "flow count");
			break;
		case 'g':
			gap = parse_num(optarg, "gap");
			break;
		case 't':
			start = parse_num(optarg, "start time");
			break;
		case 'n':
			dry = true;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if ((out == NULL && !dry) || optind >= argc || gap == 0 || start > UINT32_MAX / 2)
		usage();
	nfiles = (size_t)(argc - optind);
	if (nfiles > MAX_INPUTS)
		die("too many input files");
	for (size_t i = 0; i < nfiles; i++) {
		const char *path = argv[optind + (int)i];
		size_t len;
		uint8_t *b = load_file(path, &len);

		files[i] = b;
		if (len >= 4 && ld32x(b, false) == 0x0a0d0d0au)
			parse_pcapng(path, b, len, (uint32_t)i, &pk, &npk, &pkcap);
		else
			parse_pcap(path, b, len, (uint32_t)i, &pk, &npk, &pkcap);
	}
	if (npk == 0)
		die("the input files hold no packets");
	qsort(pk, npk, sizeof(*pk), tpkt_cmp);
	mark_reports(pk, npk);
	for (size_t i = 0; i < npk; i++)
		round_bytes += REC_HDR + pk[i].caplen;

	/* Flows per round, measured on a mapped round (round 1; round 0 is the identity). */
	memset(&st, 0, sizeof(st));
	scratch = xcalloc(MAX_SNAP, 1);
	{
		struct round r = { 0, 0, (ROUND_STRIDE % ROUND_SPACE) / 254,
			(ROUND_STRIDE % ROUND_SPACE) % 254 };

		for (size_t i = 0; i < npk; i++) {
			memcpy(scratch, pk[i].p, pk[i].caplen);
			rewrite(scratch, pk[i].caplen, &r, &st, pk[i].rel, pk[i].report_addr);
		}
		round_flows = st.flows.n;
		free(st.flows.e);
		free(st.addrs.e);
		memset(&st, 0, sizeof(st));
	}
	if (round_flows == 0)
		die("the input files hold no IP flows");
	rounds = (size_t)((minbytes - (minbytes > PCAP_HDR ? PCAP_HDR : minbytes) + round_bytes -
				  1) / round_bytes);
	/* one spare round: flows of different rounds can, rarely, coincide */
	if ((minflows + round_flows - 1) / round_flows + 1 > rounds)
		rounds = (size_t)((minflows + round_flows - 1) / round_flows + 1);
	if (rounds == 0)
		rounds = 1;
	if (rounds > ROUND_SPACE)
		die("more rounds needed than distinct address rotations");
	if (dry) {
		printf("bytes=%zu rounds=%zu packets_per_round=%zu flows_per_round=%zu\n",
		    PCAP_HDR + rounds * round_bytes, rounds, npk, round_flows);
		goto out;
	}

	f = fopen(out, "wb");
	if (f == NULL) {
		fprintf(stderr, "mkcapture: %s: %s\n", out, strerror(errno));
		rc = 1;
		goto out;
	}
	setvbuf(f, NULL, _IOFBF, 1u << 20);
	stle32(hdr, 0xa1b2c3d4u);
	stle16(hdr + 4, 2);
	stle16(hdr + 6, 4);
	stle32(hdr + 8, 0);
	stle32(hdr + 12, 0);
	stle32(hdr + 16, MAX_SNAP);
	stle32(hdr + 20, 1);
	fwrite(hdr, 1, PCAP_HDR, f);
	st.bytes = PCAP_HDR;

	heap = xcalloc(rounds, sizeof(*heap));
	start *= 1000000u;
	for (;;) {
		struct round *r;
		const struct tpkt *t;
		uint64_t ts;

		/* start the next round when its first packet is due before the earliest one */
		if (next_round < rounds &&
		    (nheap == 0 || start + next_round * gap < next_time(&heap[0], pk))) {
			uint32_t k = (uint32_t)((next_round * (size_t)ROUND_STRIDE) % ROUND_SPACE);

			heap[nheap] = (struct round){ start + next_round * gap, 0, k / 254, k % 254 };
			heap_up(heap, nheap, pk);
			nheap++;
			next_round++;
			continue;
		}
		if (nheap == 0)
			break;
		r = &heap[0];
		t = &pk[r->cur];
		ts = next_time(r, pk);
		if (ts <= last_ts)
			ts = last_ts + 1; /* strictly rising */
		last_ts = ts;
		memcpy(scratch, t->p, t->caplen);
		rewrite(scratch, t->caplen, r, &st, ts, t->report_addr);
		stle32(rec, (uint32_t)(ts / 1000000u));
		stle32(rec + 4, (uint32_t)(ts % 1000000u));
		stle32(rec + 8, t->caplen);
		stle32(rec + 12, t->origlen);
		fwrite(rec, 1, REC_HDR, f);
		fwrite(scratch, 1, t->caplen, f);
		st.packets++;
		st.bytes += REC_HDR + t->caplen;
		span_end = ts;
		r->cur++;
		if (r->cur == npk) {
			heap[0] = heap[--nheap];
		}
		heap_down(heap, nheap, 0, pk);
	}
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0) {
		fprintf(stderr, "mkcapture: %s: write failed: %s\n", out, strerror(errno));
		rc = 1;
	}
	printf("files=%zu rounds=%zu gap_us=%llu packets=%" PRIu64 " bytes=%" PRIu64
	       " flows=%zu ipv4_addresses=%zu live_flows_60s=%zu live_flows_120s=%zu span_s=%.1f"
	       " ipv4_packets=%" PRIu64 " ipv6_packets=%" PRIu64 " arp_packets=%" PRIu64
	       " other_packets=%" PRIu64 "\n",
	    nfiles, rounds, gap, st.packets, st.bytes, st.flows.n, st.addrs.n,
	    peak_live(&st.flows, 60000000u), peak_live(&st.flows, 120000000u), (double)(span_end - start) / 1e6, st.ipv4, st.ipv6, st.arp,
	    st.other);
	if (st.bytes < minbytes || st.flows.n < minflows) {
		fprintf(stderr, "mkcapture: goal not reached (%" PRIu64 " bytes, %zu flows)\n",
		    st.bytes, st.flows.n);
		rc = 1;
	}
	free(heap);
	free(st.flows.e);
	free(st.addrs.e);
out:
	free(scratch);
	free(pk);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i]);
	return rc;
}
