/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_PKT_H
#define MAMORI_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/ip.h"

/* Link types (pcap LINKTYPE_* values). */
#define MAMORI_LINK_NULL     0 /* BSD loopback: 4-byte host-order family */
#define MAMORI_LINK_ETHERNET 1
#define MAMORI_LINK_RAW_OLD  12  /* DLT_RAW on some systems: raw IPv4 or IPv6 */
#define MAMORI_LINK_RAW      101 /* raw IPv4 or IPv6, by the version nibble */
#define MAMORI_LINK_SLL      113 /* Linux cooked capture v1 */
#define MAMORI_LINK_IPV4     228
#define MAMORI_LINK_IPV6     229
#define MAMORI_LINK_SLL2     276 /* Linux cooked capture v2 */

/* Limits on what one frame may make the decoder do. */
#define MAMORI_PKT_MAX_VLAN     2 /* 802.1Q/802.1ad tags recorded (more are skipped, counted) */
#define MAMORI_PKT_MAX_TAGS     8 /* VLAN tags followed at most before the frame is malformed */
#define MAMORI_PKT_MAX_ENCAP    4 /* nested GRE/ERSPAN/IP-in-IP layers followed */
#define MAMORI_PKT_MAX_IPV6_EXT 8 /* IPv6 extension headers followed */

#define MAMORI_TCP_FIN 0x01
#define MAMORI_TCP_SYN 0x02
#define MAMORI_TCP_RST 0x04
#define MAMORI_TCP_PSH 0x08
#define MAMORI_TCP_ACK 0x10
#define MAMORI_TCP_URG 0x20
#define MAMORI_TCP_ECE 0x40
#define MAMORI_TCP_CWR 0x80

enum mamori_tun {
	MAMORI_TUN_NONE = 0,
	MAMORI_TUN_GRE,     /* plain GRE: IPv4, IPv6 or transparent Ethernet bridging inside */
	MAMORI_TUN_ERSPAN1, /* GRE 0x88be without sequence number: Ethernet directly */
	MAMORI_TUN_ERSPAN2, /* GRE 0x88be, 8-byte ERSPAN II header */
	MAMORI_TUN_ERSPAN3, /* GRE 0x22eb, 12-byte ERSPAN III header (+8 with the O flag) */
	MAMORI_TUN_IPIP,    /* IPv4/IPv6 directly inside IP (protocols 4 and 41) */
};

/* One decoded frame. Everything points into the caller's frame bytes; nothing is copied.
 * Fields are those of the innermost IP packet; tun_* describe the outermost tunnel, if any. */
struct mamori_pkt {
	uint64_t ts_us;   /* set by the caller: microseconds since the epoch */
	uint32_t caplen;  /* bytes captured */
	uint32_t wirelen; /* bytes on the wire */

	uint8_t nvlan;                      /* VLAN tags seen (capped at MAMORI_PKT_MAX_VLAN) */
	uint16_t vlan[MAMORI_PKT_MAX_VLAN]; /* VLAN ids, outermost first */

	uint8_t ipver; /* 0: not IP (ARP, LLDP, ...), 4 or 6 */
	uint8_t
	    proto; /* IP protocol of the innermost header: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ... */
	uint8_t ttl; /* TTL or hop limit */
	uint8_t tos;
	uint16_t ip_id;  /* IPv4 identification (0 for IPv6) */
	uint32_t ip_len; /* IP total length from the header (IPv6: 40 + payload length) */
	bool df;         /* IPv4 don't-fragment bit */
	bool frag;       /* a fragment: more-fragments set or offset != 0 (IPv6 fragment header) */
	bool frag_later; /* a non-first fragment: there is no L4 header, sport/dport are 0 */
	struct mamori_ip src, dst;

	bool l4; /* the L4 header was present and decoded (TCP, UDP, ICMP, ICMPv6) */
	uint16_t sport, dport;

	/* TCP */
	uint32_t seq, ack;
	uint8_t tcp_flags;
	uint16_t win;
	uint8_t tcp_optlen; /* bytes of TCP options (0..40) */
	uint16_t mss;       /* MSS option value, 0 when absent */

	/* ICMP and ICMPv6 */
	uint8_t icmp_type, icmp_code;

	/* L4 payload as captured: clipped to the IP length (Ethernet padding removed) and to
	 * what the capture holds (snaplen). For other protocols (GRE not decapsulated, ESP...)
	 * the IP payload. */
	const uint8_t *payload;
	size_t paylen;
	uint32_t paylen_wire; /* payload length the IP header announces (may exceed paylen) */

	/* outermost tunnel (GRE, ERSPAN, IP-in-IP), when the packet was decapsulated */
	uint8_t tun;        /* enum mamori_tun */
	uint8_t depth;      /* encapsulations decoded */
	uint16_t gre_proto; /* GRE protocol type of the outermost GRE header */
	struct mamori_ip tun_src, tun_dst;
};

/* Decodes one frame of the given link type into pkt (all fields but ts_us are written).
 * Returns MAMORI_OK, also for frames that are not IP (pkt->ipver == 0); MAMORI_E_TRUNCATED
 * when a header is cut short; MAMORI_E_MALFORMED when a header is inconsistent (bad IP
 * version, header length below the minimum, too many tags or encapsulations);
 * MAMORI_E_UNSUPPORTED for an unknown link type. Never reads outside p[0..caplen). */
MAMORI_MUST_CHECK mamori_err mamori_pkt_decode(
    struct mamori_pkt *pkt, int linktype, const uint8_t *p, size_t caplen, size_t wirelen);

/* The same, recording in d (may be NULL) what was wrong and at which byte offset. */
MAMORI_MUST_CHECK mamori_err mamori_pkt_decode_diag(struct mamori_pkt *pkt, int linktype,
    const uint8_t *p, size_t caplen, size_t wirelen, struct mamori_diag *d);

/* Name of a link type ("ethernet", "linux-sll2", ...) or NULL if unsupported. */
const char *mamori_link_name(int linktype);

#endif
