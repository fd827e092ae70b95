/* SPDX-License-Identifier: MIT */
/* Frame decoder: link layer, VLAN tags, IPv4/IPv6 (+ extension headers), TCP/UDP/ICMP, and
 * GRE, ERSPAN I/II/III and IP-in-IP tunnels. One cursor walks the frame; every header is taken
 * with a check against what remains (never off + n), nothing is copied or allocated. See
 * docs/internals/pkt.md. */
#include <string.h>

#include "mamori/buf.h"
#include "mamori/pkt.h"

#define ETH_HLEN     14
#define VLAN_HLEN    4
#define SLL_HLEN     16
#define SLL2_HLEN    20
#define NULL_HLEN    4
#define IPV4_HLEN    20
#define IPV6_HLEN    40
#define TCP_HLEN     20
#define UDP_HLEN     8
#define ICMP_HLEN    8
#define GRE_HLEN     4
#define ERSPAN2_HLEN 8
#define ERSPAN3_HLEN 12
#define ERSPAN3_PLAT 8 /* platform-specific sub-header, present with the O flag */

#define ET_IPV4    0x0800
#define ET_IPV6    0x86dd
#define ET_8021Q   0x8100
#define ET_8021AD  0x88a8
#define ET_QINQ    0x9100
#define ET_TEB     0x6558
#define ET_ERSPAN  0x88be /* types I and II */
#define ET_ERSPAN3 0x22eb

#define GRE_C   0x8000
#define GRE_R   0x4000
#define GRE_K   0x2000
#define GRE_S   0x1000
#define GRE_VER 0x0007

enum {
	IPP_HOPOPT = 0,
	IPP_ICMP = 1,
	IPP_IPIP = 4,
	IPP_TCP = 6,
	IPP_UDP = 17,
	IPP_IPV6 = 41,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_GRE = 47,
	IPP_ESP = 50,
	IPP_AH = 51,
	IPP_ICMPV6 = 58,
	IPP_NONE = 59,
	IPP_DSTOPTS = 60,
};

struct dec {
	struct mamori_pkt *pkt;
	struct mamori_reader r; /* the whole frame; r.len shrinks to the IP payload end */
	size_t wire_end;        /* where the bytes end on the wire (r.len <= wire_end) */
	size_t ann_end;         /* where the innermost IP header says its payload ends */
	struct mamori_diag *diag;
};

static mamori_err ipv4(struct dec *d);
static mamori_err ipv6(struct dec *d);
static mamori_err ether(struct dec *d);

/* The slow path of take(): a header that does not fit. If the wire still holds the bytes, only
 * the capture cut them (TRUNCATED, e.g. snaplen); otherwise the packet itself is too short. */
__attribute__((cold, noinline)) static mamori_err
short_header(struct dec *d, size_t n, const char *what)
{
	size_t left = d->r.len - d->r.off;
	mamori_err e;

	e = n > d->wire_end - d->r.off ? MAMORI_E_MALFORMED : MAMORI_E_TRUNCATED;
	return mamori_diag_set(d->diag, e, d->r.off, 0, "%s: %zu bytes needed, %zu %s", what, n,
	    left, e == MAMORI_E_TRUNCATED ? "captured" : "in the packet");
}

__attribute__((cold, noinline)) static mamori_err
bad(struct dec *d, size_t off, const char *what, unsigned v)
{
	return mamori_diag_set(d->diag, MAMORI_E_MALFORMED, off, 0, "%s (%u)", what, v);
}

/* The next n bytes as a header, or NULL (then short_header() says why): compares n with what
 * is left, never computes off + n. */
static inline const uint8_t *
take(struct dec *d, size_t n)
{
	const uint8_t *h;

	if (n > d->r.len - d->r.off)
		return NULL;
	h = d->r.p + d->r.off;
	d->r.off += n;
	return h;
}

/* The IP header announces n more bytes: drop what lies beyond (Ethernet padding, FCS). */
static inline void
narrow(struct dec *d, size_t n)
{
	if (n < d->r.len - d->r.off)
		d->r.len = d->r.off + n;
	if (n < d->wire_end - d->r.off)
		d->wire_end = d->r.off + n;
	d->ann_end = d->r.off + n; /* n <= 65535 and off <= caplen: no overflow */
}

/* Everything that remains is the payload of the current layer. */
static inline void
rest(struct dec *d)
{
	struct mamori_pkt *k = d->pkt;

	k->payload = d->r.p + d->r.off;
	k->paylen = d->r.len - d->r.off;
	k->paylen_wire = (uint32_t)(d->ann_end - d->r.off);
}

/* Not IP (ARP, LLDP, EAPOL, LLC...): the payload is what follows the link header. */
static mamori_err
not_ip(struct dec *d)
{
	d->pkt->ipver = 0;
	d->ann_end = d->wire_end;
	rest(d);
	return MAMORI_OK;
}

static uint16_t
tcp_mss(const uint8_t *o, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len;

		if (o[i] == 0) /* end of option list */
			break;
		if (o[i] == 1) { /* no-operation */
			i++;
			continue;
		}
		if (n - i < 2)
			break;
		len = o[i + 1];
		/* a length that is too small or runs past the options ends the walk: what follows
		 * cannot be located reliably (the packet is still decoded) */
		if (len < 2 || len > n - i)
			break;
		if (o[i] == 2 && len == 4)
			return mamori_load_be16(o + i + 2);
		i += len;
	}
	return 0;
}

static mamori_err
tcp(struct dec *d)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h, *opt;
	size_t hlen;

	h = take(d, TCP_HLEN);
	if (h == NULL)
		return short_header(d, TCP_HLEN, "tcp header");
	hlen = (size_t)(h[12] >> 4) * 4;
	if (hlen < TCP_HLEN)
		return bad(d, d->r.off - TCP_HLEN + 12, "tcp data offset below 5", h[12] >> 4);
	/* options: at most 40 bytes (data offset is 4 bits), checked against what remains */
	opt = take(d, hlen - TCP_HLEN);
	if (opt == NULL)
		return short_header(d, hlen - TCP_HLEN, "tcp options");
	k->sport = mamori_load_be16(h);
	k->dport = mamori_load_be16(h + 2);
	k->seq = mamori_load_be32(h + 4);
	k->ack = mamori_load_be32(h + 8);
	k->tcp_flags = h[13];
	k->win = mamori_load_be16(h + 14);
	k->tcp_optlen = (uint8_t)(hlen - TCP_HLEN);
	k->mss = tcp_mss(opt, hlen - TCP_HLEN);
	k->l4 = true;
	rest(d);
	return MAMORI_OK;
}

static mamori_err
udp(struct dec *d)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h;

	h = take(d, UDP_HLEN);
	if (h == NULL)
		return short_header(d, UDP_HLEN, "udp header");
	k->sport = mamori_load_be16(h);
	k->dport = mamori_load_be16(h + 2);
	k->l4 = true;
	rest(d);
	return MAMORI_OK;
}

/* ICMP and ICMPv6: type, code, checksum and 4 bytes whose meaning depends on the type. */
static mamori_err
icmp(struct dec *d)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h;

	h = take(d, ICMP_HLEN);
	if (h == NULL)
		return short_header(d, ICMP_HLEN, "icmp header");
	k->icmp_type = h[0];
	k->icmp_code = h[1];
	k->l4 = true;
	rest(d);
	return MAMORI_OK;
}

/* Starts a tunnel layer: the outermost one is recorded, the innermost packet is decoded
 * afresh (only link-level and tunnel fields survive). */
static mamori_err
enter(struct dec *d, enum mamori_tun tun, uint16_t gre_proto)
{
	struct mamori_pkt *k = d->pkt;
	struct mamori_pkt keep = *k;

	/* every layer costs a header walk: cap the nesting an attacker can ask for */
	if (k->depth >= MAMORI_PKT_MAX_ENCAP)
		return bad(d, d->r.off, "too many nested encapsulations", k->depth + 1u);
	memset(k, 0, sizeof(*k));
	k->ts_us = keep.ts_us;
	k->caplen = keep.caplen;
	k->wirelen = keep.wirelen;
	k->nvlan = keep.nvlan;
	memcpy(k->vlan, keep.vlan, sizeof(k->vlan));
	k->depth = (uint8_t)(keep.depth + 1);
	if (keep.depth == 0) {
		k->tun = (uint8_t)tun;
		k->gre_proto = gre_proto;
		k->tun_src = keep.src;
		k->tun_dst = keep.dst;
	} else {
		k->tun = keep.tun;
		k->gre_proto = keep.gre_proto;
		k->tun_src = keep.tun_src;
		k->tun_dst = keep.tun_dst;
	}
	return MAMORI_OK;
}

/* Raw IP: the version nibble says which. */
static mamori_err
raw_ip(struct dec *d)
{
	if (d->r.len == d->r.off)
		return short_header(d, 1, "ip version");
	switch (d->r.p[d->r.off] >> 4) {
	case 4:
		return ipv4(d);
	case 6:
		return ipv6(d);
	default:
		return bad(d, d->r.off, "ip version", (unsigned)(d->r.p[d->r.off] >> 4));
	}
}

/* ERSPAN type III: 12-byte header, an 8-byte platform sub-header with the O flag, then the
 * mirrored frame (Ethernet, or IP when the frame type says so). */
static mamori_err
erspan3(struct dec *d, size_t gre_off)
{
	const uint8_t *h, *plat;
	unsigned ver, ft;
	uint16_t w;
	mamori_err e;

	h = take(d, ERSPAN3_HLEN);
	if (h == NULL)
		return short_header(d, ERSPAN3_HLEN, "erspan III header");
	ver = h[0] >> 4;
	if (ver != 2)
		return bad(d, d->r.off - ERSPAN3_HLEN, "erspan III version", ver);
	w = mamori_load_be16(h + 10);
	ft = (w >> 10) & 0x1f;
	if (w & 1) {
		plat = take(d, ERSPAN3_PLAT);
		if (plat == NULL)
			return short_header(d, ERSPAN3_PLAT, "erspan III platform sub-header");
	}
	if (ft != 0 && ft != 2) {
		/* a frame type we cannot decode: keep the GRE packet as it is */
		d->r.off = gre_off;
		rest(d);
		return MAMORI_OK;
	}
	e = enter(d, MAMORI_TUN_ERSPAN3, ET_ERSPAN3);
	if (e != MAMORI_OK)
		return e;
	return ft == 0 ? ether(d) : raw_ip(d);
}

/* GRE (RFC 2784/2890) version 0. Versions other than 0 (PPTP), source routing and protocols
 * we do not decapsulate leave the packet as it is: proto 47, payload from the GRE header. */
static mamori_err
gre(struct dec *d)
{
	const uint8_t *h, *opt;
	size_t gre_off = d->r.off, optlen;
	uint16_t flags, proto;
	mamori_err e;

	h = take(d, GRE_HLEN);
	if (h == NULL)
		return short_header(d, GRE_HLEN, "gre header");
	flags = mamori_load_be16(h);
	proto = mamori_load_be16(h + 2);
	if ((flags & (GRE_VER | GRE_R)) != 0)
		goto opaque;
	optlen =
	    ((flags & GRE_C) ? 4u : 0u) + ((flags & GRE_K) ? 4u : 0u) + ((flags & GRE_S) ? 4u : 0u);
	opt = take(d, optlen);
	if (opt == NULL)
		return short_header(d, optlen, "gre optional fields");
	switch (proto) {
	case ET_IPV4:
	case ET_IPV6:
		e = enter(d, MAMORI_TUN_GRE, proto);
		if (e != MAMORI_OK)
			return e;
		return proto == ET_IPV4 ? ipv4(d) : ipv6(d);
	case ET_TEB:
		e = enter(d, MAMORI_TUN_GRE, proto);
		if (e != MAMORI_OK)
			return e;
		return ether(d);
	case ET_ERSPAN:
		if (flags & GRE_S) {
			unsigned ver;

			h = take(d, ERSPAN2_HLEN);
			if (h == NULL)
				return short_header(d, ERSPAN2_HLEN, "erspan II header");
			ver = h[0] >> 4;
			if (ver != 1)
				return bad(d, d->r.off - ERSPAN2_HLEN, "erspan II version", ver);
			e = enter(d, MAMORI_TUN_ERSPAN2, proto);
		} else {
			e = enter(d, MAMORI_TUN_ERSPAN1, proto);
		}
		if (e != MAMORI_OK)
			return e;
		return ether(d);
	case ET_ERSPAN3:
		return erspan3(d, gre_off);
	default:
		goto opaque;
	}
opaque:
	d->r.off = gre_off;
	rest(d);
	return MAMORI_OK;
}

/* After the IP header(s): the transport header, or a tunnel. Fragments carry no tunnel we
 * can follow (the inner packet is split), and non-first fragments no L4 header at all. */
static mamori_err
transport(struct dec *d, uint8_t proto)
{
	struct mamori_pkt *k = d->pkt;
	mamori_err e;

	k->proto = proto;
	if (k->frag_later)
		goto opaque;
	switch (proto) {
	case IPP_TCP:
		return tcp(d);
	case IPP_UDP:
		return udp(d);
	case IPP_ICMP:
	case IPP_ICMPV6:
		return icmp(d);
	case IPP_GRE:
		if (k->frag)
			goto opaque;
		return gre(d);
	case IPP_IPIP:
	case IPP_IPV6:
		if (k->frag)
			goto opaque;
		e = enter(d, MAMORI_TUN_IPIP, 0);
		if (e != MAMORI_OK)
			return e;
		return proto == IPP_IPIP ? ipv4(d) : ipv6(d);
	default:
		goto opaque;
	}
opaque:
	rest(d);
	return MAMORI_OK;
}

static mamori_err
ipv4(struct dec *d)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h, *opt;
	size_t at = d->r.off, hlen, tot;
	uint16_t fo;

	h = take(d, IPV4_HLEN);
	if (h == NULL)
		return short_header(d, IPV4_HLEN, "ipv4 header");
	if ((h[0] >> 4) != 4)
		return bad(d, at, "ipv4 version", (unsigned)(h[0] >> 4));
	hlen = (size_t)(h[0] & 0x0f) * 4;
	if (hlen < IPV4_HLEN)
		return bad(d, at, "ipv4 header length below 20", (unsigned)hlen);
	tot = mamori_load_be16(h + 2);
	if (tot < hlen)
		return bad(d, at + 2, "ipv4 total length below the header length", (unsigned)tot);
	/* the total length bounds everything after it: Ethernet padding is not payload */
	narrow(d, tot - IPV4_HLEN);
	opt = take(d, hlen - IPV4_HLEN);
	if (opt == NULL)
		return short_header(d, hlen - IPV4_HLEN, "ipv4 options");
	fo = mamori_load_be16(h + 6);
	k->ipver = 4;
	k->tos = h[1];
	k->ip_len = (uint32_t)tot;
	k->ip_id = mamori_load_be16(h + 4);
	k->df = (fo & 0x4000) != 0;
	k->frag = (fo & 0x3fff) != 0; /* more fragments, or an offset */
	k->frag_later = (fo & 0x1fff) != 0;
	k->ttl = h[8];
	mamori_ip_set4(&k->src, h + 12);
	mamori_ip_set4(&k->dst, h + 16);
	return transport(d, h[9]);
}

/* Walks the extension headers; returns the upper-layer protocol in *proto. */
static mamori_err
ipv6_ext(struct dec *d, uint8_t nh, uint8_t *proto)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h, *more;
	size_t n = 0, len;
	uint16_t fo;

	for (;;) {
		switch (nh) {
		case IPP_HOPOPT:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_AH:
		case IPP_FRAGMENT:
			break;
		default:
			*proto = nh;
			return MAMORI_OK;
		}
		/* each header is a loop turn: a chain of tiny headers must not run long */
		if (n == MAMORI_PKT_MAX_IPV6_EXT)
			return bad(d, d->r.off, "too many ipv6 extension headers", (unsigned)n + 1);
		n++;
		h = take(d, 8);
		if (h == NULL)
			return short_header(d, 8, "ipv6 extension header");
		if (nh == IPP_FRAGMENT) {
			fo = mamori_load_be16(h + 2);
			k->frag = (fo & 0xfff9) != 0; /* offset (13 bits) or M */
			k->frag_later = (fo & 0xfff8) != 0;
			if (k->frag_later) {
				/* what follows is fragment data, not headers */
				*proto = h[0];
				return MAMORI_OK;
			}
			nh = h[0];
			continue;
		}
		/* AH counts 4-byte units minus 2; the others 8-byte units minus 1 */
		len = nh == IPP_AH ? ((size_t)h[1] + 2) * 4 : ((size_t)h[1] + 1) * 8;
		more = take(d, len - 8);
		if (more == NULL)
			return short_header(d, len - 8, "ipv6 extension header");
		nh = h[0];
	}
}

static mamori_err
ipv6(struct dec *d)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h;
	size_t at = d->r.off, plen;
	uint32_t w;
	uint8_t proto = IPP_NONE;
	mamori_err e;

	h = take(d, IPV6_HLEN);
	if (h == NULL)
		return short_header(d, IPV6_HLEN, "ipv6 header");
	w = mamori_load_be32(h);
	if ((w >> 28) != 6)
		return bad(d, at, "ipv6 version", (unsigned)(w >> 28));
	plen = mamori_load_be16(h + 4);
	narrow(d, plen);
	k->ipver = 6;
	k->tos = (uint8_t)(w >> 20);
	k->ip_len = (uint32_t)(IPV6_HLEN + plen);
	k->ip_id = 0;
	k->ttl = h[7];
	memcpy(k->src.b, h + 8, 16);
	memcpy(k->dst.b, h + 24, 16);
	e = ipv6_ext(d, h[6], &proto);
	if (e != MAMORI_OK)
		return e;
	/* ESP (50) and No Next Header (59) end the walk and have no header we decode */
	return transport(d, proto);
}

/* The ethertype after a link header, behind any number of VLAN tags up to the limit. */
static mamori_err
ethertype(struct dec *d, uint16_t type)
{
	struct mamori_pkt *k = d->pkt;
	const uint8_t *h;
	size_t tags = 0;

	while (type == ET_8021Q || type == ET_8021AD || type == ET_QINQ) {
		/* a frame can stack tags without end: follow a bounded number */
		if (tags == MAMORI_PKT_MAX_TAGS)
			return bad(d, d->r.off, "too many vlan tags", (unsigned)tags + 1);
		tags++;
		h = take(d, VLAN_HLEN);
		if (h == NULL)
			return short_header(d, VLAN_HLEN, "vlan tag");
		if (k->nvlan < MAMORI_PKT_MAX_VLAN)
			k->vlan[k->nvlan++] = mamori_load_be16(h) & 0x0fff;
		type = mamori_load_be16(h + 2);
	}
	switch (type) {
	case ET_IPV4:
		return ipv4(d);
	case ET_IPV6:
		return ipv6(d);
	default:
		/* ARP, LLDP, EAPOL..., and 802.3 length fields (LLC/SNAP) */
		return not_ip(d);
	}
}

static mamori_err
ether(struct dec *d)
{
	const uint8_t *h;

	h = take(d, ETH_HLEN);
	if (h == NULL)
		return short_header(d, ETH_HLEN, "ethernet header");
	/* VLAN ids are those of the innermost Ethernet header */
	d->pkt->nvlan = 0;
	memset(d->pkt->vlan, 0, sizeof(d->pkt->vlan));
	return ethertype(d, mamori_load_be16(h + 12));
}

/* BSD loopback: the address family in the writer's byte order. */
static mamori_err
bsd_null(struct dec *d)
{
	const uint8_t *h;
	uint32_t le, be;

	h = take(d, NULL_HLEN);
	if (h == NULL)
		return short_header(d, NULL_HLEN, "null header");
	le = mamori_load_le32(h);
	be = mamori_load_be32(h);
	if (le == 2 || be == 2)
		return ipv4(d);
	/* AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD, DragonFly) or 30 (macOS) */
	if (le == 24 || le == 28 || le == 30 || be == 24 || be == 28 || be == 30)
		return ipv6(d);
	return not_ip(d);
}

static mamori_err
sll(struct dec *d)
{
	const uint8_t *h;

	h = take(d, SLL_HLEN);
	if (h == NULL)
		return short_header(d, SLL_HLEN, "linux sll header");
	return ethertype(d, mamori_load_be16(h + 14));
}

static mamori_err
sll2(struct dec *d)
{
	const uint8_t *h;

	h = take(d, SLL2_HLEN);
	if (h == NULL)
		return short_header(d, SLL2_HLEN, "linux sll2 header");
	return ethertype(d, mamori_load_be16(h));
}

mamori_err
mamori_pkt_decode_diag(struct mamori_pkt *pkt, int linktype, const uint8_t *p, size_t caplen,
    size_t wirelen, struct mamori_diag *diag)
{
	struct mamori_pkt k;
	struct dec d;
	mamori_err e = MAMORI_E_INVAL;

	if (pkt == NULL || (p == NULL && caplen > 0)) {
		e = mamori_diag_set(diag, MAMORI_E_INVAL, 0, 0, "no packet");
		goto out;
	}
	memset(&k, 0, sizeof(k));
	k.ts_us = pkt->ts_us;
	k.caplen = caplen > UINT32_MAX ? UINT32_MAX : (uint32_t)caplen;
	/* lengths beyond 4 GiB are caller bugs: saturate, and keep all offsets in 32 bits */
	if (wirelen > UINT32_MAX)
		wirelen = UINT32_MAX;
	k.wirelen = (uint32_t)wirelen;
	d.pkt = &k;
	d.diag = diag;
	mamori_reader_init(&d.r, p, caplen);
	d.wire_end = wirelen > caplen ? wirelen : caplen;
	d.ann_end = d.wire_end;
	switch (linktype) {
	case MAMORI_LINK_ETHERNET:
		e = ether(&d);
		break;
	case MAMORI_LINK_NULL:
		e = bsd_null(&d);
		break;
	case MAMORI_LINK_RAW:
	case MAMORI_LINK_RAW_OLD:
		e = raw_ip(&d);
		break;
	case MAMORI_LINK_IPV4:
		e = ipv4(&d);
		break;
	case MAMORI_LINK_IPV6:
		e = ipv6(&d);
		break;
	case MAMORI_LINK_SLL:
		e = sll(&d);
		break;
	case MAMORI_LINK_SLL2:
		e = sll2(&d);
		break;
	default:
		e = mamori_diag_set(diag, MAMORI_E_UNSUPPORTED, 0, 0, "link type %d", linktype);
		break;
	}
	if (e == MAMORI_OK)
		*pkt = k;
out:
	return e;
}

mamori_err
mamori_pkt_decode(
    struct mamori_pkt *pkt, int linktype, const uint8_t *p, size_t caplen, size_t wirelen)
{
	return mamori_pkt_decode_diag(pkt, linktype, p, caplen, wirelen, NULL);
}

const char *
mamori_link_name(int linktype)
{
	switch (linktype) {
	case MAMORI_LINK_NULL:
		return "null";
	case MAMORI_LINK_ETHERNET:
		return "ethernet";
	case MAMORI_LINK_RAW_OLD:
	case MAMORI_LINK_RAW:
		return "raw";
	case MAMORI_LINK_SLL:
		return "linux-sll";
	case MAMORI_LINK_IPV4:
		return "ipv4";
	case MAMORI_LINK_IPV6:
		return "ipv6";
	case MAMORI_LINK_SLL2:
		return "linux-sll2";
	default:
		return NULL;
	}
}
