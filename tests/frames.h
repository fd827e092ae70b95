/* SPDX-License-Identifier: MIT */
/* Header-only frame builder for tests and generators: no globals, no allocation.
 *
 * A frame is built from the inside out in a caller-owned struct frames: put the payload
 * first, then prepend each header (TCP, IPv4, GRE, IPv4, Ethernet...). Every prepend fills in
 * the lengths and checksums of what it wraps. Running out of room sets f->ovf and leaves the
 * frame unchanged, so a test checks frames_ok(f) once at the end.
 *
 *	struct frames f;
 *	struct frames_ip ip = frames_ip4(0xc0000242, 0xc6336417);
 *	struct frames_tcp t = frames_tcp_default(40000, 23, FRAMES_TCP_SYN);
 *	frames_init(&f);
 *	frames_tcp(&f, &ip, &t);
 *	frames_ipv4(&f, &ip, 6);
 *	frames_eth(&f, 0x0800);
 *	... frames_data(&f), frames_len(&f) ...
 */
#ifndef MAMORI_TESTS_FRAMES_H
#define MAMORI_TESTS_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FRAMES_CAP      12288 /* whole buffer */
#define FRAMES_HEADROOM 2048  /* room for headers in front of the payload */

#define FRAMES_TCP_FIN 0x01
#define FRAMES_TCP_SYN 0x02
#define FRAMES_TCP_RST 0x04
#define FRAMES_TCP_PSH 0x08
#define FRAMES_TCP_ACK 0x10
#define FRAMES_TCP_URG 0x20
#define FRAMES_TCP_ECE 0x40
#define FRAMES_TCP_CWR 0x80

#define FRAMES_GRE_C 0x8000 /* checksum present */
#define FRAMES_GRE_K 0x2000 /* key present */
#define FRAMES_GRE_S 0x1000 /* sequence number present */

/* The frame under construction is b[head..end). */
struct frames {
	uint8_t b[FRAMES_CAP];
	size_t head, end;
	bool ovf;
};

/* IP layer parameters, shared by the L4 builders (pseudo-header) and the IP builders. */
struct frames_ip {
	int ver;                  /* 4 or 6 */
	uint8_t src[16], dst[16]; /* IPv4 addresses use the first 4 bytes */
	uint8_t ttl, tos;
	uint16_t id;        /* IPv4 identification */
	uint16_t frag;      /* IPv4 flags + fragment offset as on the wire (0x4000 = DF) */
	const uint8_t *opt; /* IPv4 options (a multiple of 4 bytes) */
	size_t optlen;
	int len_adj; /* added to the computed IP length (bad-length tests) */
};

/* TCP header parameters; mss != 0 adds an MSS option before opt[]. */
struct frames_tcp {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint16_t mss;
	const uint8_t *opt; /* raw options, written as given and padded with EOL to 4 bytes */
	size_t optlen;
};

/* Starts an empty frame with FRAMES_HEADROOM bytes of room in front. */
static inline void
frames_init(struct frames *f)
{
	f->head = FRAMES_HEADROOM;
	f->end = FRAMES_HEADROOM;
	f->ovf = false;
}

/* True if nothing overflowed. */
static inline bool
frames_ok(const struct frames *f)
{
	return !f->ovf;
}

/* The frame bytes. */
static inline const uint8_t *
frames_data(const struct frames *f)
{
	return f->b + f->head;
}

/* The frame length. */
static inline size_t
frames_len(const struct frames *f)
{
	return f->end - f->head;
}

/* Appends n bytes (p may be NULL: zeros) after the current end. */
static inline void
frames_put(struct frames *f, const void *p, size_t n)
{
	if (f->ovf || n > FRAMES_CAP - f->end) {
		f->ovf = true;
		return;
	}
	if (p != NULL)
		memcpy(f->b + f->end, p, n);
	else
		memset(f->b + f->end, 0, n);
	f->end += n;
}

/* Appends n copies of byte c. */
static inline void
frames_fill(struct frames *f, uint8_t c, size_t n)
{
	frames_put(f, NULL, n);
	if (!f->ovf)
		memset(f->b + f->end - n, c, n);
}

/* Appends zeros until the frame is at least min bytes long (Ethernet padding to 60). */
static inline void
frames_pad(struct frames *f, size_t min)
{
	if (frames_len(f) < min)
		frames_put(f, NULL, min - frames_len(f));
}

/* Makes room for n bytes in front of the frame; returns where to write them, or NULL. */
static inline uint8_t *
frames_push(struct frames *f, size_t n)
{
	if (f->ovf || n > f->head) {
		f->ovf = true;
		return NULL;
	}
	f->head -= n;
	return f->b + f->head;
}

/* Big-endian 16-bit store. */
static inline void
frames_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Big-endian 32-bit store. */
static inline void
frames_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Adds p[0..n) to a ones-complement running sum (RFC 1071). */
static inline uint32_t
frames_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

/* Folds a running sum into the final 16-bit checksum. */
static inline uint16_t
frames_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Sum of the TCP/UDP/ICMPv6 pseudo-header for len bytes of protocol proto. */
static inline uint32_t
frames_pseudo(const struct frames_ip *ip, uint8_t proto, size_t len)
{
	size_t alen = ip->ver == 6 ? 16 : 4;
	uint32_t s = 0;

	s = frames_sum(s, ip->src, alen);
	s = frames_sum(s, ip->dst, alen);
	s += proto;
	s += (uint32_t)(len >> 16);
	s += (uint32_t)(len & 0xffff);
	return s;
}

/* IPv4 parameters from host-order addresses: ttl 64, no options. */
static inline struct frames_ip
frames_ip4(uint32_t src, uint32_t dst)
{
	struct frames_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.ver = 4;
	frames_be32(ip.src, src);
	frames_be32(ip.dst, dst);
	ip.ttl = 64;
	return ip;
}

/* IPv6 parameters from 16-byte addresses: hop limit 64. */
static inline struct frames_ip
frames_ip6(const uint8_t src[16], const uint8_t dst[16])
{
	struct frames_ip ip;

	memset(&ip, 0, sizeof(ip));
	ip.ver = 6;
	memcpy(ip.src, src, 16);
	memcpy(ip.dst, dst, 16);
	ip.ttl = 64;
	return ip;
}

/* TCP parameters with the given ports and flags, seq 1, window 64240, no options. */
static inline struct frames_tcp
frames_tcp_default(uint16_t sport, uint16_t dport, uint8_t flags)
{
	struct frames_tcp t;

	memset(&t, 0, sizeof(t));
	t.sport = sport;
	t.dport = dport;
	t.seq = 1;
	t.flags = flags;
	t.win = 64240;
	return t;
}

/* Prepends a TCP header (+ options) to the payload and computes its checksum. */
static inline void
frames_tcp(struct frames *f, const struct frames_ip *ip, const struct frames_tcp *t)
{
	size_t olen = (t->mss ? 4 : 0) + t->optlen, hlen;
	uint8_t *h;

	olen = (olen + 3) & ~(size_t)3;
	hlen = 20 + olen;
	if (hlen > 60) {
		f->ovf = true;
		return;
	}
	h = frames_push(f, hlen);
	if (h == NULL)
		return;
	memset(h, 0, hlen);
	frames_be16(h, t->sport);
	frames_be16(h + 2, t->dport);
	frames_be32(h + 4, t->seq);
	frames_be32(h + 8, t->ack);
	h[12] = (uint8_t)(hlen / 4 << 4);
	h[13] = t->flags;
	frames_be16(h + 14, t->win);
	if (t->mss) {
		h[20] = 2;
		h[21] = 4;
		frames_be16(h + 22, t->mss);
	}
	if (t->optlen)
		memcpy(h + 20 + (t->mss ? 4 : 0), t->opt, t->optlen);
	frames_be16(
	    h + 16, frames_fold(frames_sum(frames_pseudo(ip, 6, frames_len(f)), h, frames_len(f))));
}

/* Prepends a UDP header (length and checksum over the payload). */
static inline void
frames_udp(struct frames *f, const struct frames_ip *ip, uint16_t sport, uint16_t dport)
{
	uint8_t *h = frames_push(f, 8);
	uint16_t c;

	if (h == NULL)
		return;
	frames_be16(h, sport);
	frames_be16(h + 2, dport);
	frames_be16(h + 4, (uint32_t)frames_len(f));
	frames_be16(h + 6, 0);
	c = frames_fold(frames_sum(frames_pseudo(ip, 17, frames_len(f)), h, frames_len(f)));
	frames_be16(h + 6, c == 0 ? 0xffff : c);
}

/* Prepends an ICMP (IPv4) or ICMPv6 (IPv6, pseudo-header) header; rest = bytes 4..7. */
static inline void
frames_icmp(struct frames *f, const struct frames_ip *ip, uint8_t type, uint8_t code, uint32_t rest)
{
	uint8_t *h = frames_push(f, 8);
	uint32_t s;

	if (h == NULL)
		return;
	h[0] = type;
	h[1] = code;
	frames_be16(h + 2, 0);
	frames_be32(h + 4, rest);
	s = ip->ver == 6 ? frames_pseudo(ip, 58, frames_len(f)) : 0;
	frames_be16(h + 2, frames_fold(frames_sum(s, h, frames_len(f))));
}

/* Prepends an IPv4 header (+ ip->opt) carrying protocol proto; length and checksum filled. */
static inline void
frames_ipv4(struct frames *f, const struct frames_ip *ip, uint8_t proto)
{
	size_t hlen = 20 + ip->optlen;
	uint8_t *h;

	if (hlen > 60 || ip->optlen % 4 != 0) {
		f->ovf = true;
		return;
	}
	h = frames_push(f, hlen);
	if (h == NULL)
		return;
	h[0] = (uint8_t)(0x40 | hlen / 4);
	h[1] = ip->tos;
	frames_be16(h + 2, (uint32_t)((long)frames_len(f) + ip->len_adj));
	frames_be16(h + 4, ip->id);
	frames_be16(h + 6, ip->frag);
	h[8] = ip->ttl;
	h[9] = proto;
	frames_be16(h + 10, 0);
	memcpy(h + 12, ip->src, 4);
	memcpy(h + 16, ip->dst, 4);
	if (ip->optlen)
		memcpy(h + 20, ip->opt, ip->optlen);
	frames_be16(h + 10, frames_fold(frames_sum(0, h, hlen)));
}

/* Prepends an IPv6 header whose next header is nh (payload length filled). */
static inline void
frames_ipv6(struct frames *f, const struct frames_ip *ip, uint8_t nh)
{
	uint8_t *h = frames_push(f, 40);

	if (h == NULL)
		return;
	frames_be32(h, 6u << 28 | (uint32_t)ip->tos << 20);
	frames_be16(h + 4, (uint32_t)((long)frames_len(f) - 40 + ip->len_adj));
	h[6] = nh;
	h[7] = ip->ttl;
	memcpy(h + 8, ip->src, 16);
	memcpy(h + 24, ip->dst, 16);
}

/* Prepends an IPv6 extension header of type 0, 43 or 60 (len bytes, a multiple of 8) or 51
 * (AH, len a multiple of 4, >= 12), with next header nh; the body is zeros (PadN for options). */
static inline void
frames_ipv6_ext(struct frames *f, uint8_t type, uint8_t nh, size_t len)
{
	uint8_t *h;

	if (len < 8 || len > 2048) {
		f->ovf = true;
		return;
	}
	h = frames_push(f, len);
	if (h == NULL)
		return;
	memset(h, 0, len);
	h[0] = nh;
	h[1] = (uint8_t)(type == 51 ? len / 4 - 2 : len / 8 - 1);
	if (type != 51 && type != 43 && len > 2) {
		h[2] = 1; /* PadN option covering the rest */
		h[3] = (uint8_t)(len - 4);
	}
}

/* Prepends an IPv6 fragment header: offset in 8-byte units, more = M flag. */
static inline void
frames_ipv6_frag(struct frames *f, uint8_t nh, uint16_t offset, bool more, uint32_t id)
{
	uint8_t *h = frames_push(f, 8);

	if (h == NULL)
		return;
	h[0] = nh;
	h[1] = 0;
	frames_be16(h + 2, (uint32_t)(offset << 3 | (more ? 1 : 0)));
	frames_be32(h + 4, id);
}

/* Prepends an Ethernet header (fixed MACs) with n VLAN tags (tpid[i], vid[i], outermost
 * first) and the final ethertype. */
static inline void
frames_eth_tags(
    struct frames *f, size_t n, const uint16_t *tpid, const uint16_t *vid, uint16_t type)
{
	static const uint8_t mac[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
	uint8_t *h = frames_push(f, 14 + 4 * n);

	if (h == NULL)
		return;
	memcpy(h, mac, 12);
	for (size_t i = 0; i < n; i++) {
		frames_be16(h + 12 + 4 * i, tpid[i]);
		frames_be16(h + 14 + 4 * i, vid[i] & 0x0fff);
	}
	frames_be16(h + 12 + 4 * n, type);
}

/* Prepends an untagged Ethernet header with the given ethertype. */
static inline void
frames_eth(struct frames *f, uint16_t type)
{
	frames_eth_tags(f, 0, NULL, NULL, type);
}

/* Prepends a GRE header: flags among FRAMES_GRE_C/K/S, protocol type, key and sequence. */
static inline void
frames_gre(struct frames *f, uint16_t flags, uint16_t proto, uint32_t key, uint32_t seq)
{
	size_t n = 4u + ((flags & FRAMES_GRE_C) ? 4u : 0u) + ((flags & FRAMES_GRE_K) ? 4u : 0u) +
	           ((flags & FRAMES_GRE_S) ? 4u : 0u);
	uint8_t *h = frames_push(f, n);
	size_t o = 4;

	if (h == NULL)
		return;
	memset(h, 0, n);
	frames_be16(h, flags);
	frames_be16(h + 2, proto);
	if (flags & FRAMES_GRE_C)
		o += 4; /* filled below */
	if (flags & FRAMES_GRE_K) {
		frames_be32(h + o, key);
		o += 4;
	}
	if (flags & FRAMES_GRE_S)
		frames_be32(h + o, seq);
	if (flags & FRAMES_GRE_C)
		frames_be16(h + 4, frames_fold(frames_sum(0, h, frames_len(f))));
}

/* Prepends an ERSPAN type II header (ver 1, the mirrored frame's VLAN, session id, index);
 * wrap with frames_gre(f, FRAMES_GRE_S, 0x88be, 0, seq). */
static inline void
frames_erspan2(struct frames *f, uint16_t vlan, uint16_t session, uint32_t index)
{
	uint8_t *h = frames_push(f, 8);

	if (h == NULL)
		return;
	frames_be16(h, 1u << 12 | (vlan & 0x0fffu));
	frames_be16(h + 2, session & 0x03ffu);
	frames_be32(h + 4, index & 0xfffffu);
}

/* Prepends an ERSPAN type III header (ver 2, frame type ft: 0 Ethernet, 2 IP), with the
 * 8-byte platform sub-header when o is set; wrap with frames_gre(f, FRAMES_GRE_S, 0x22eb...). */
static inline void
frames_erspan3(struct frames *f, uint16_t session, uint32_t ts, unsigned ft, bool o)
{
	size_t n = o ? 20 : 12;
	uint8_t *h = frames_push(f, n);

	if (h == NULL)
		return;
	memset(h, 0, n);
	frames_be16(h, 2u << 12);
	frames_be16(h + 2, session & 0x03ffu);
	frames_be32(h + 4, ts);
	frames_be16(h + 10, (ft & 0x1fu) << 10 | (o ? 1u : 0u));
	if (o)
		frames_be32(h + 12, 3u << 26); /* platform id 3 */
}

/* Prepends a Linux cooked (SLL v1) header: incoming packet, ARPHRD_ETHER, protocol. */
static inline void
frames_sll(struct frames *f, uint16_t proto)
{
	static const uint8_t mac[8] = {0x02, 0, 0, 0, 0, 0x01, 0, 0};
	uint8_t *h = frames_push(f, 16);

	if (h == NULL)
		return;
	frames_be16(h, 0);
	frames_be16(h + 2, 1);
	frames_be16(h + 4, 6);
	memcpy(h + 6, mac, 8);
	frames_be16(h + 14, proto);
}

/* Prepends a Linux cooked v2 (SLL2) header: protocol, ifindex 2, ARPHRD_ETHER, incoming. */
static inline void
frames_sll2(struct frames *f, uint16_t proto)
{
	static const uint8_t mac[8] = {0x02, 0, 0, 0, 0, 0x01, 0, 0};
	uint8_t *h = frames_push(f, 20);

	if (h == NULL)
		return;
	frames_be16(h, proto);
	frames_be16(h + 2, 0);
	frames_be32(h + 4, 2);
	frames_be16(h + 8, 1);
	h[10] = 0;
	h[11] = 6;
	memcpy(h + 12, mac, 8);
}

/* Prepends a BSD loopback header: family in little-endian (big = false) or big-endian. */
static inline void
frames_null(struct frames *f, uint32_t family, bool big)
{
	uint8_t *h = frames_push(f, 4);

	if (h == NULL)
		return;
	if (big) {
		frames_be32(h, family);
	} else {
		h[0] = (uint8_t)family;
		h[1] = (uint8_t)(family >> 8);
		h[2] = (uint8_t)(family >> 16);
		h[3] = (uint8_t)(family >> 24);
	}
}

/* Builds Ethernet/IPv4/TCP with the given payload in one call. */
static inline void
frames_eth_tcp4(struct frames *f, const struct frames_ip *ip, const struct frames_tcp *t,
    const void *payload, size_t len)
{
	frames_init(f);
	frames_put(f, payload, len);
	frames_tcp(f, ip, t);
	frames_ipv4(f, ip, 6);
	frames_eth(f, 0x0800);
}

/* Builds Ethernet/IPv4/UDP with the given payload in one call. */
static inline void
frames_eth_udp4(struct frames *f, const struct frames_ip *ip, uint16_t sport, uint16_t dport,
    const void *payload, size_t len)
{
	frames_init(f);
	frames_put(f, payload, len);
	frames_udp(f, ip, sport, dport);
	frames_ipv4(f, ip, 17);
	frames_eth(f, 0x0800);
}

/* Little-endian 32-bit write to a file; false on error. */
static inline bool
frames_le32_out(FILE *fp, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	return fwrite(b, 1, 4, fp) == 4;
}

/* Writes a classic pcap header (microseconds, snaplen 262144) for linktype; 0 or -1. */
static inline int
frames_pcap_open(FILE *fp, int linktype)
{
	bool ok = frames_le32_out(fp, 0xa1b2c3d4) && frames_le32_out(fp, 2u | 4u << 16) &&
	          frames_le32_out(fp, 0) && frames_le32_out(fp, 0) && frames_le32_out(fp, 262144) &&
	          frames_le32_out(fp, (uint32_t)linktype);

	return ok ? 0 : -1;
}

/* Appends one record (caplen = wirelen = len) stamped ts_us; 0 or -1. */
static inline int
frames_pcap_write(FILE *fp, uint64_t ts_us, const uint8_t *frame, size_t len)
{
	bool ok;

	if (len > 262144)
		return -1;
	ok = frames_le32_out(fp, (uint32_t)(ts_us / 1000000)) &&
	     frames_le32_out(fp, (uint32_t)(ts_us % 1000000)) &&
	     frames_le32_out(fp, (uint32_t)len) && frames_le32_out(fp, (uint32_t)len) &&
	     fwrite(frame, 1, len, fp) == len;
	return ok ? 0 : -1;
}

#endif
