/* SPDX-License-Identifier: MIT */
/* Frame decoder: every link type, layer, limit and error, every truncation point of tunnelled
 * frames, and every packet of the shared captures.
 *   test_pkt                 run the tests
 *   test_pkt --bench [N]     decode all shared-capture packets N times (200), print ns/packet
 *   test_pkt --corpus DIR    write the fuzz seeds (fuzz/corpus/pkt) into DIR */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "check.h"
#include "frames.h"
#include "mamori/buf.h"
#include "mamori/pkt.h"

#define A4(a, b, c, d)                                                                             \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static const uint8_t V6A[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t V6B[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

/* Decodes a copy of the frame in a buffer of exactly caplen bytes, so that ASan sees any read
 * past the end. */
static mamori_err
dec_n(struct mamori_pkt *k, int lt, const uint8_t *p, size_t caplen, size_t wirelen)
{
	uint8_t *c = malloc(caplen ? caplen : 1);
	mamori_err e;
	const uint8_t *base;

	if (c == NULL)
		abort();
	if (caplen)
		memcpy(c, p, caplen);
	e = mamori_pkt_decode(k, lt, c, caplen, wirelen);
	if (e == MAMORI_OK) {
		/* the payload must lie inside the frame; report it relative to the original */
		base = c;
		CHECK(k->payload >= base && k->paylen <= caplen &&
		      (size_t)(k->payload - base) <= caplen - k->paylen);
		k->payload = p + (k->payload - base);
	}
	free(c);
	return e;
}

static mamori_err
dec(struct mamori_pkt *k, int lt, const struct frames *f)
{
	CHECK(frames_ok(f));
	return dec_n(k, lt, frames_data(f), frames_len(f), frames_len(f));
}

static size_t
payoff(const struct mamori_pkt *k, const struct frames *f)
{
	return (size_t)(k->payload - frames_data(f));
}

static bool
is4(const struct mamori_ip *a, uint32_t v)
{
	return mamori_ip_is4(a) && mamori_ip_v4(a) == v;
}

/* Standard inner packet: IPv4 10.1.1.1:1234 -> 10.2.2.2:53 UDP, 5 payload bytes. */
static void
udp4(struct frames *f)
{
	struct frames_ip ip = frames_ip4(A4(10, 1, 1, 1), A4(10, 2, 2, 2));

	frames_put(f, "hello", 5);
	frames_udp(f, &ip, 1234, 53);
	frames_ipv4(f, &ip, 17);
}

static void
check_udp4(const struct mamori_pkt *k)
{
	CHECK(k->ipver == 4 && k->proto == 17 && k->l4);
	CHECK(is4(&k->src, A4(10, 1, 1, 1)) && is4(&k->dst, A4(10, 2, 2, 2)));
	CHECK(k->sport == 1234 && k->dport == 53);
	CHECK(k->paylen == 5 && k->paylen_wire == 5 && memcmp(k->payload, "hello", 5) == 0);
}

static void
link_names(void)
{
	static const int lt[] = {0, 1, 12, 101, 113, 228, 229, 276};
	struct mamori_pkt k;

	for (size_t i = 0; i < sizeof(lt) / sizeof(lt[0]); i++)
		CHECK(mamori_link_name(lt[i]) != NULL);
	CHECK(strcmp(mamori_link_name(1), "ethernet") == 0);
	CHECK(strcmp(mamori_link_name(276), "linux-sll2") == 0);
	CHECK(mamori_link_name(105) == NULL && mamori_link_name(-1) == NULL);
	CHECK(mamori_pkt_decode(&k, 105, (const uint8_t *)"x", 1, 1) == MAMORI_E_UNSUPPORTED);
	CHECK(mamori_pkt_decode(NULL, 1, (const uint8_t *)"x", 1, 1) == MAMORI_E_INVAL);
	CHECK(mamori_pkt_decode(&k, 1, NULL, 5, 5) == MAMORI_E_INVAL);
	CHECK(mamori_pkt_decode(&k, 1, NULL, 0, 0) == MAMORI_E_MALFORMED);
}

static void
eth_tcp_fields(void)
{
	struct frames f;
	struct frames_ip ip = frames_ip4(A4(192, 0, 2, 66), A4(198, 51, 100, 23));
	struct frames_tcp t = frames_tcp_default(40000, 23, FRAMES_TCP_SYN | FRAMES_TCP_ECE);
	struct mamori_pkt k;

	ip.tos = 0x10;
	ip.id = 0xbeef;
	ip.frag = 0x4000;
	ip.ttl = 57;
	t.seq = 0xc6336417;
	t.ack = 7;
	t.win = 5840;
	t.mss = 1460;
	frames_eth_tcp4(&f, &ip, &t, "abc", 3);
	k.ts_us = 42;
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.ts_us == 42 && k.caplen == 61 && k.wirelen == 61);
	CHECK(k.ipver == 4 && k.proto == 6 && k.ttl == 57 && k.tos == 0x10);
	CHECK(k.ip_id == 0xbeef && k.ip_len == 47 && k.df && !k.frag && !k.frag_later);
	CHECK(is4(&k.src, A4(192, 0, 2, 66)) && is4(&k.dst, A4(198, 51, 100, 23)));
	CHECK(k.l4 && k.sport == 40000 && k.dport == 23);
	CHECK(k.seq == 0xc6336417 && k.ack == 7 && k.win == 5840);
	CHECK(k.tcp_flags == (MAMORI_TCP_SYN | MAMORI_TCP_ECE));
	CHECK(k.tcp_optlen == 4 && k.mss == 1460);
	CHECK(payoff(&k, &f) == 58 && k.paylen == 3 && k.paylen_wire == 3);
	CHECK(k.nvlan == 0 && k.tun == MAMORI_TUN_NONE && k.depth == 0 && k.gre_proto == 0);
}

static void
results_only_on_success(void)
{
	struct frames f;
	struct mamori_pkt k, before;
	struct mamori_diag dg;

	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	f.b[f.head + 14] = 0x44; /* IHL 4 */
	memset(&k, 0xa5, sizeof(k));
	memcpy(&before, &k, sizeof(k));
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	CHECK(memcmp(&k, &before, sizeof(k)) == 0);
	CHECK(mamori_pkt_decode_diag(&k, 1, frames_data(&f), frames_len(&f), frames_len(&f), &dg) ==
	      MAMORI_E_MALFORMED);
	CHECK(dg.off == 14 && strstr(dg.msg, "header length") != NULL);
	CHECK(mamori_pkt_decode_diag(&k, 1, frames_data(&f), 10, 60, &dg) == MAMORI_E_TRUNCATED);
	CHECK(dg.off == 0 && strstr(dg.msg, "ethernet") != NULL);
}

static void
link_types(void)
{
	struct frames f;
	struct mamori_pkt k;
	struct frames_ip ip6 = frames_ip6(V6A, V6B);
	static const uint32_t fam6[] = {24, 28, 30};

	/* BSD NULL, both byte orders */
	for (int big = 0; big < 2; big++) {
		frames_init(&f);
		udp4(&f);
		frames_null(&f, 2, big != 0);
		CHECK_OK(dec(&k, MAMORI_LINK_NULL, &f));
		check_udp4(&k);
		for (size_t i = 0; i < 3; i++) {
			frames_init(&f);
			frames_put(&f, "x", 1);
			frames_udp(&f, &ip6, 5353, 5353);
			frames_ipv6(&f, &ip6, 17);
			frames_null(&f, fam6[i], big != 0);
			CHECK_OK(dec(&k, MAMORI_LINK_NULL, &f));
			CHECK(k.ipver == 6 && memcmp(k.src.b, V6A, 16) == 0 && k.sport == 5353);
		}
	}
	frames_init(&f);
	frames_put(&f, "zzzz", 4);
	frames_null(&f, 7, false); /* some other family */
	CHECK_OK(dec(&k, MAMORI_LINK_NULL, &f));
	CHECK(k.ipver == 0 && !k.l4);

	/* raw, both values, both versions */
	for (int lt = 0; lt < 2; lt++) {
		int l = lt ? MAMORI_LINK_RAW : MAMORI_LINK_RAW_OLD;

		frames_init(&f);
		udp4(&f);
		CHECK_OK(dec(&k, l, &f));
		check_udp4(&k);
		frames_init(&f);
		frames_icmp(&f, &ip6, 128, 0, 0x00010001);
		frames_ipv6(&f, &ip6, 58);
		CHECK_OK(dec(&k, l, &f));
		CHECK(k.ipver == 6 && k.proto == 58 && k.icmp_type == 128 && k.l4);
		f.b[f.head] = 0x50;
		CHECK(dec(&k, l, &f) == MAMORI_E_MALFORMED);
		CHECK(dec_n(&k, l, frames_data(&f), 0, 0) == MAMORI_E_MALFORMED);
		CHECK(dec_n(&k, l, frames_data(&f), 0, 60) == MAMORI_E_TRUNCATED);
	}

	/* IPv4 and IPv6 link types check the version */
	frames_init(&f);
	udp4(&f);
	CHECK_OK(dec(&k, MAMORI_LINK_IPV4, &f));
	check_udp4(&k);
	CHECK(dec(&k, MAMORI_LINK_IPV6, &f) == MAMORI_E_MALFORMED);
	frames_init(&f);
	frames_udp(&f, &ip6, 1, 2);
	frames_ipv6(&f, &ip6, 17);
	CHECK_OK(dec(&k, MAMORI_LINK_IPV6, &f));
	CHECK(k.ipver == 6 && k.ip_len == 48 && k.sport == 1 && k.dport == 2 && k.paylen == 0);
	CHECK(dec(&k, MAMORI_LINK_IPV4, &f) == MAMORI_E_MALFORMED);

	/* Linux cooked v1 and v2, IP and ARP */
	frames_init(&f);
	udp4(&f);
	frames_sll(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_SLL, &f));
	check_udp4(&k);
	CHECK(payoff(&k, &f) == 16 + 28);
	frames_init(&f);
	udp4(&f);
	frames_sll2(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_SLL2, &f));
	check_udp4(&k);
	CHECK(payoff(&k, &f) == 20 + 28);
	frames_init(&f);
	frames_udp(&f, &ip6, 7, 8);
	frames_ipv6(&f, &ip6, 17);
	frames_sll2(&f, 0x86dd);
	CHECK_OK(dec(&k, MAMORI_LINK_SLL2, &f));
	CHECK(k.ipver == 6 && k.sport == 7);
	frames_init(&f);
	frames_put(&f, NULL, 28);
	frames_sll(&f, 0x0806);
	CHECK_OK(dec(&k, MAMORI_LINK_SLL, &f));
	CHECK(k.ipver == 0 && payoff(&k, &f) == 16 && k.paylen == 28);
	frames_init(&f);
	udp4(&f);
	frames_sll(&f, 0x0800);
	CHECK(dec_n(&k, MAMORI_LINK_SLL, frames_data(&f), 15, 60) == MAMORI_E_TRUNCATED);
	CHECK(dec_n(&k, MAMORI_LINK_SLL2, frames_data(&f), 19, 60) == MAMORI_E_TRUNCATED);
}

static void
vlan_tags(void)
{
	static const uint16_t tpid[9] = {
	    0x88a8, 0x8100, 0x9100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100};
	static const uint16_t vid[9] = {10, 20, 30, 40, 50, 60, 70, 80, 90};
	struct frames f;
	struct mamori_pkt k;

	for (size_t n = 1; n <= 9; n++) {
		frames_init(&f);
		udp4(&f);
		frames_eth_tags(&f, n, tpid, vid, 0x0800);
		if (n > MAMORI_PKT_MAX_TAGS) {
			CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
			continue;
		}
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		check_udp4(&k);
		CHECK(k.nvlan == (n < MAMORI_PKT_MAX_VLAN ? n : MAMORI_PKT_MAX_VLAN));
		CHECK(k.vlan[0] == 10);
		if (n >= 2)
			CHECK(k.vlan[1] == 20);
		CHECK(payoff(&k, &f) == 14 + 4 * n + 28);
	}
	/* priority and DEI bits are not part of the id */
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 1, tpid + 1, vid + 8, 0x0800);
	f.b[f.head + 14] |= 0xf0;
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.nvlan == 1 && k.vlan[0] == 90);
	/* a tag over ARP */
	frames_init(&f);
	frames_put(&f, NULL, 28);
	frames_eth_tags(&f, 1, tpid + 1, vid + 3, 0x0806);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.ipver == 0 && k.nvlan == 1 && k.vlan[0] == 40 && k.paylen == 28);
}

static void
not_ip(void)
{
	static const uint16_t types[] = {0x0806, 0x88cc, 0x888e, 0x8847, 0x8864};
	static const uint8_t llc[] = {0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00, 0x45};
	struct frames f;
	struct mamori_pkt k;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		frames_init(&f);
		frames_put(&f, NULL, 46);
		frames_eth(&f, types[i]);
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		CHECK(k.ipver == 0 && !k.l4 && k.proto == 0 && payoff(&k, &f) == 14);
	}
	/* 802.3 length + LLC/SNAP: not decoded, even with an IP ethertype in the SNAP header */
	frames_init(&f);
	frames_put(&f, llc, sizeof(llc));
	frames_eth(&f, sizeof(llc));
	frames_pad(&f, 60);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.ipver == 0 && !k.l4);
}

static void
ipv4_header(void)
{
	static const uint8_t opt[8] = {0x94, 0x04, 0, 0, 1, 1, 1, 0}; /* router alert, NOPs */
	struct frames f;
	struct frames_ip ip = frames_ip4(A4(10, 1, 1, 1), A4(10, 2, 2, 2));
	struct mamori_pkt k;

	ip.opt = opt;
	ip.optlen = sizeof(opt);
	frames_init(&f);
	frames_put(&f, "hello", 5);
	frames_udp(&f, &ip, 1234, 53);
	frames_ipv4(&f, &ip, 17);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	CHECK(k.ip_len == 41 && payoff(&k, &f) == 14 + 28 + 8);

	/* version, IHL and total length */
	f.b[f.head + 14] = 0x57;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	f.b[f.head + 14] = 0x44;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	f.b[f.head + 14] = 0x47;
	frames_be16(f.b + f.head + 16, 27); /* below the 28-byte header */
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	frames_be16(f.b + f.head + 16, 28); /* no room for UDP inside the packet */
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	frames_be16(f.b + f.head + 16, 0);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	/* IHL 15 with a frame too short for the options */
	f.b[f.head + 14] = 0x4f;
	frames_be16(f.b + f.head + 16, 60);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	CHECK(dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(&f), frames_len(&f), 200) ==
	      MAMORI_E_TRUNCATED);
}

static void
ipv4_padding(void)
{
	struct frames f;
	struct mamori_pkt k;

	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	frames_pad(&f, 60);
	frames_fill(&f, 0xee, 4); /* and an FCS */
	CHECK(frames_len(&f) == 64);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	CHECK(k.ip_len == 33);
}

static void
ipv4_fragments(void)
{
	struct frames f;
	struct frames_ip ip = frames_ip4(A4(10, 1, 1, 1), A4(10, 2, 2, 2));
	struct mamori_pkt k;

	/* first fragment: MF, offset 0, L4 present */
	ip.frag = 0x2000;
	ip.id = 77;
	frames_init(&f);
	frames_put(&f, "hello", 5);
	frames_udp(&f, &ip, 1234, 53);
	frames_ipv4(&f, &ip, 17);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.frag && !k.frag_later && !k.df && k.ip_id == 77);
	check_udp4(&k);

	/* later fragment: offset 185 (1480 bytes), no L4 */
	ip.frag = 185;
	frames_init(&f);
	frames_put(&f, "0123456789abcdef", 16);
	frames_ipv4(&f, &ip, 17);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.frag && k.frag_later && !k.l4 && k.proto == 17);
	CHECK(k.sport == 0 && k.dport == 0 && k.paylen == 16 && payoff(&k, &f) == 34);

	/* a fragmented GRE packet is not decapsulated */
	ip.frag = 0x2000;
	frames_init(&f);
	udp4(&f);
	frames_gre(&f, 0, 0x0800, 0, 0);
	frames_ipv4(&f, &ip, 47);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 47 && k.tun == MAMORI_TUN_NONE && k.frag && payoff(&k, &f) == 34);

	/* DF alone is not a fragment */
	ip.frag = 0x4000;
	frames_init(&f);
	udp4(&f);
	frames_ipv4(&f, &ip, 4);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.df == false); /* fields are those of the inner packet */
	CHECK(k.tun == MAMORI_TUN_IPIP && !k.frag);
}

static void
ipv6_ext_headers(void)
{
	static const uint8_t types[] = {0, 43, 60, 51};
	struct frames f;
	struct frames_ip ip = frames_ip6(V6A, V6B);
	struct mamori_pkt k;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t len = types[i] == 51 ? 24 : 16;

		frames_init(&f);
		frames_put(&f, "data", 4);
		frames_udp(&f, &ip, 500, 4500);
		frames_ipv6_ext(&f, types[i], 17, len);
		frames_ipv6(&f, &ip, types[i]);
		frames_eth(&f, 0x86dd);
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		CHECK(k.ipver == 6 && k.proto == 17 && k.l4 && k.sport == 500);
		CHECK(k.ip_len == 40 + len + 12 && k.paylen == 4 && k.paylen_wire == 4);
		CHECK(payoff(&k, &f) == 14 + 40 + len + 8 && !k.frag);
	}

	/* all of them, then a first fragment, then TCP */
	{
		struct frames_tcp t = frames_tcp_default(1, 2, FRAMES_TCP_ACK);

		frames_init(&f);
		frames_put(&f, "xyz", 3);
		frames_tcp(&f, &ip, &t);
		frames_ipv6_ext(&f, 60, 6, 8);
		frames_ipv6_frag(&f, 60, 0, true, 99);
		frames_ipv6_ext(&f, 51, 44, 12);
		frames_ipv6_ext(&f, 43, 51, 24);
		frames_ipv6_ext(&f, 0, 43, 8);
		ip.tos = 0xb8;
		ip.ttl = 1;
		frames_ipv6(&f, &ip, 0);
		frames_eth(&f, 0x86dd);
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		CHECK(k.proto == 6 && k.l4 && k.frag && !k.frag_later && k.tos == 0xb8);
		CHECK(k.ttl == 1 && k.tcp_flags == MAMORI_TCP_ACK && k.paylen == 3);
		CHECK(k.ip_id == 0 && !k.df);
	}

	/* a later fragment: no L4, proto from the fragment header */
	frames_init(&f);
	frames_put(&f, "0123456789abcdef", 16);
	frames_ipv6_frag(&f, 6, 181, false, 99);
	frames_ipv6(&f, &ip, 44);
	frames_eth(&f, 0x86dd);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.frag && k.frag_later && !k.l4 && k.proto == 6 && k.paylen == 16);
	CHECK(payoff(&k, &f) == 14 + 48);

	/* ESP and No Next Header stop the walk */
	frames_init(&f);
	frames_put(&f, "encrypted!", 10);
	frames_ipv6_ext(&f, 60, 50, 8);
	frames_ipv6(&f, &ip, 60);
	frames_eth(&f, 0x86dd);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 50 && !k.l4 && k.paylen == 10 && payoff(&k, &f) == 14 + 48);
	frames_init(&f);
	frames_ipv6(&f, &ip, 59);
	frames_eth(&f, 0x86dd);
	frames_pad(&f, 60);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 59 && !k.l4 && k.paylen == 0 && k.ip_len == 40);

	/* the limit: MAMORI_PKT_MAX_IPV6_EXT headers pass, one more does not */
	for (size_t n = MAMORI_PKT_MAX_IPV6_EXT; n <= MAMORI_PKT_MAX_IPV6_EXT + 1; n++) {
		frames_init(&f);
		frames_udp(&f, &ip, 1, 2);
		for (size_t i = 0; i < n; i++)
			frames_ipv6_ext(&f, 60, i == 0 ? 17 : 60, 8);
		frames_ipv6(&f, &ip, 60);
		frames_eth(&f, 0x86dd);
		CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) ==
		      (n == MAMORI_PKT_MAX_IPV6_EXT ? MAMORI_OK : MAMORI_E_MALFORMED));
	}

	/* an extension header longer than the payload length */
	frames_init(&f);
	frames_udp(&f, &ip, 1, 2);
	frames_ipv6_ext(&f, 60, 17, 8);
	frames_ipv6(&f, &ip, 60);
	frames_eth(&f, 0x86dd);
	f.b[f.head + 14 + 40 + 1] = 200;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	/* bad version */
	f.b[f.head + 14] = 0x40;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
}

static void
tcp_options(void)
{
	struct frames f;
	struct frames_ip ip = frames_ip4(A4(10, 0, 0, 1), A4(10, 0, 0, 2));
	struct frames_tcp t = frames_tcp_default(1000, 80, FRAMES_TCP_SYN);
	struct mamori_pkt k;
	static const uint8_t ts_then_mss[] = {
	    1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 2, 4, 0x05, 0xb4};
	static const uint8_t zero_len[] = {3, 0, 2, 4, 0x05, 0xb4};
	static const uint8_t one_len[] = {3, 1, 2, 4, 0x05, 0xb4};
	static const uint8_t over_len[] = {8, 40, 2, 4, 0x05, 0xb4};
	static const uint8_t mss_len3[] = {2, 3, 0x05, 0xb4};
	static const uint8_t eol_first[] = {0, 2, 4, 0x05, 0xb4};
	static const uint8_t lone_kind[] = {1, 1, 1, 5};
	static const struct {
		const uint8_t *o;
		size_t n;
		uint16_t mss;
	} cases[] = {
	    {ts_then_mss, sizeof(ts_then_mss), 1460},
	    {zero_len, sizeof(zero_len), 0},
	    {one_len, sizeof(one_len), 0},
	    {over_len, sizeof(over_len), 0},
	    {mss_len3, sizeof(mss_len3), 0},
	    {eol_first, sizeof(eol_first), 0},
	    {lone_kind, sizeof(lone_kind), 0},
	};

	/* absent */
	frames_eth_tcp4(&f, &ip, &t, NULL, 0);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.mss == 0 && k.tcp_optlen == 0 && k.paylen == 0);
	/* MSS alone */
	t.mss = 536;
	frames_eth_tcp4(&f, &ip, &t, NULL, 0);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.mss == 536 && k.tcp_optlen == 4);
	t.mss = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.opt = cases[i].o;
		t.optlen = cases[i].n;
		frames_eth_tcp4(&f, &ip, &t, "p", 1);
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		CHECK(k.mss == cases[i].mss);
		CHECK(k.tcp_optlen == ((cases[i].n + 3) & ~3u) && k.paylen == 1);
		CHECK(*k.payload == 'p');
	}
	/* data offset below 5 */
	t.opt = NULL;
	t.optlen = 0;
	frames_eth_tcp4(&f, &ip, &t, "pppp", 4);
	f.b[f.head + 34 + 12] = 0x40;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	/* data offset past the IP payload, and past what was captured */
	f.b[f.head + 34 + 12] = 0xf0;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	f.b[f.head + 34 + 12] = 0x60;
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.tcp_optlen == 4 && k.paylen == 0);
	frames_eth_tcp4(&f, &ip, &t, NULL, 40);
	f.b[f.head + 34 + 12] = 0xf0;
	CHECK(dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(&f), 70, frames_len(&f)) ==
	      MAMORI_E_TRUNCATED);
	CHECK_OK(dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(&f), 94, frames_len(&f)));
	CHECK(k.tcp_optlen == 40 && k.paylen == 0);
}

static void
udp_icmp(void)
{
	struct frames f;
	struct frames_ip ip = frames_ip4(A4(10, 0, 0, 1), A4(10, 0, 0, 2));
	struct mamori_pkt k;

	frames_init(&f);
	frames_put(&f, "ping", 4);
	frames_icmp(&f, &ip, 8, 0, 0x12340001);
	frames_ipv4(&f, &ip, 1);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 1 && k.l4 && k.icmp_type == 8 && k.icmp_code == 0);
	CHECK(k.sport == 0 && k.dport == 0 && k.paylen == 4);
	frames_init(&f);
	frames_put(&f, NULL, 28);
	frames_icmp(&f, &ip, 3, 3, 0);
	frames_ipv4(&f, &ip, 1);
	frames_eth(&f, 0x0800);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.icmp_type == 3 && k.icmp_code == 3 && k.paylen == 28);
	/* ICMP header cut by the IP length */
	frames_init(&f);
	frames_put(&f, NULL, 4);
	frames_ipv4(&f, &ip, 1);
	frames_eth(&f, 0x0800);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	/* UDP header likewise, and an unknown protocol (IGMP) */
	frames_init(&f);
	frames_put(&f, NULL, 7);
	frames_ipv4(&f, &ip, 17);
	frames_eth(&f, 0x0800);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	frames_init(&f);
	frames_put(&f, NULL, 8);
	frames_ipv4(&f, &ip, 2);
	frames_eth(&f, 0x0800);
	frames_pad(&f, 60);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 2 && !k.l4 && k.paylen == 8 && k.paylen_wire == 8);
}

/* Outer Ethernet + IPv4 192.0.2.1 -> 192.0.2.2, protocol proto, around what f holds. */
static void
outer4(struct frames *f, uint8_t proto)
{
	struct frames_ip o = frames_ip4(A4(192, 0, 2, 1), A4(192, 0, 2, 2));

	frames_ipv4(f, &o, proto);
	frames_eth(f, 0x0800);
}

static void
check_outer(const struct mamori_pkt *k, uint8_t tun, uint16_t gre_proto, uint8_t depth)
{
	CHECK(k->tun == tun && k->gre_proto == gre_proto && k->depth == depth);
	CHECK(is4(&k->tun_src, A4(192, 0, 2, 1)) && is4(&k->tun_dst, A4(192, 0, 2, 2)));
}

static void
gre_tunnels(void)
{
	static const uint16_t tpid[1] = {0x8100};
	static const uint16_t vid[1] = {333};
	struct frames f;
	struct frames_ip ip6 = frames_ip6(V6A, V6B);
	struct mamori_pkt k;

	/* checksum + key + sequence, IPv4 inside */
	frames_init(&f);
	udp4(&f);
	frames_gre(&f, FRAMES_GRE_C | FRAMES_GRE_K | FRAMES_GRE_S, 0x0800, 0xabcd, 5);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	check_outer(&k, MAMORI_TUN_GRE, 0x0800, 1);
	CHECK(k.ttl == 64 && k.ip_len == 33 && payoff(&k, &f) == 14 + 20 + 16 + 28);
	/* key + sequence */
	frames_init(&f);
	udp4(&f);
	frames_gre(&f, FRAMES_GRE_K | FRAMES_GRE_S, 0x0800, 1, 2);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	CHECK(payoff(&k, &f) == 14 + 20 + 12 + 28);

	/* IPv6 inside */
	frames_init(&f);
	frames_udp(&f, &ip6, 9, 10);
	frames_ipv6(&f, &ip6, 17);
	frames_gre(&f, 0, 0x86dd, 0, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.ipver == 6 && k.sport == 9 && memcmp(k.dst.b, V6B, 16) == 0);
	check_outer(&k, MAMORI_TUN_GRE, 0x86dd, 1);

	/* transparent Ethernet bridging, the inner frame tagged */
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 1, tpid, vid, 0x0800);
	frames_gre(&f, FRAMES_GRE_K, 0x6558, 7, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	check_outer(&k, MAMORI_TUN_GRE, 0x6558, 1);
	CHECK(k.nvlan == 1 && k.vlan[0] == 333);
	/* an ARP inside: not IP, tunnel still described */
	frames_init(&f);
	frames_put(&f, NULL, 28);
	frames_eth(&f, 0x0806);
	frames_gre(&f, 0, 0x6558, 0, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.ipver == 0 && k.proto == 0 && k.paylen == 28);
	check_outer(&k, MAMORI_TUN_GRE, 0x6558, 1);

	/* not decapsulated: version 1 (PPTP), routing bit, unknown protocol */
	frames_init(&f);
	frames_put(&f, "ppp", 3);
	frames_gre(&f, FRAMES_GRE_K, 0x880b, 0, 0);
	f.b[f.head + 1] = 0x01;
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 47 && k.tun == MAMORI_TUN_NONE && k.depth == 0 && !k.l4);
	CHECK(payoff(&k, &f) == 34 && k.paylen == 11);
	frames_init(&f);
	udp4(&f);
	frames_gre(&f, 0, 0x0800, 0, 0);
	f.b[f.head] = 0x40;
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 47 && k.tun == MAMORI_TUN_NONE && payoff(&k, &f) == 34);
	frames_init(&f);
	frames_put(&f, NULL, 20);
	frames_gre(&f, 0, 0x8847, 0, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 47 && k.tun == MAMORI_TUN_NONE && k.paylen == 24);
	/* GRE header or options cut by the outer IP length */
	frames_init(&f);
	frames_put(&f, NULL, 6);
	frames_be16(f.b + f.head, FRAMES_GRE_K);
	frames_be16(f.b + f.head + 2, 0x0800);
	outer4(&f, 47);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
}

static void
erspan(void)
{
	struct frames f;
	struct mamori_pkt k;
	static const uint16_t tpid[2] = {0x88a8, 0x8100};
	static const uint16_t vid[2] = {5, 6};

	/* type I: GRE 0x88be without sequence, Ethernet directly */
	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	frames_gre(&f, 0, 0x88be, 0, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	check_outer(&k, MAMORI_TUN_ERSPAN1, 0x88be, 1);

	/* type II: sequence number and an 8-byte header; inner tags, outer tags */
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 2, tpid, vid, 0x0800);
	frames_erspan2(&f, 100, 7, 1);
	frames_gre(&f, FRAMES_GRE_S, 0x88be, 0, 1234);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	check_outer(&k, MAMORI_TUN_ERSPAN2, 0x88be, 1);
	CHECK(k.nvlan == 2 && k.vlan[0] == 5 && k.vlan[1] == 6);
	CHECK(payoff(&k, &f) == 14 + 20 + 8 + 8 + 22 + 28);
	f.b[f.head + 14 + 20 + 8] = 0x20; /* version 2 in a type II header */
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);

	/* type III, without and with the platform sub-header */
	for (int o = 0; o < 2; o++) {
		frames_init(&f);
		udp4(&f);
		frames_eth(&f, 0x0800);
		frames_erspan3(&f, 9, 0x01020304, 0, o != 0);
		frames_gre(&f, FRAMES_GRE_S, 0x22eb, 0, 1);
		outer4(&f, 47);
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		check_udp4(&k);
		check_outer(&k, MAMORI_TUN_ERSPAN3, 0x22eb, 1);
		CHECK(payoff(&k, &f) == 14 + 20 + 8 + (o ? 20u : 12u) + 14 + 28);
	}
	/* type III carrying IP (frame type 2), an unknown frame type, a bad version */
	frames_init(&f);
	udp4(&f);
	frames_erspan3(&f, 9, 0, 2, false);
	frames_gre(&f, 0, 0x22eb, 0, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	check_outer(&k, MAMORI_TUN_ERSPAN3, 0x22eb, 1);
	frames_init(&f);
	udp4(&f);
	frames_erspan3(&f, 9, 0, 5, false);
	frames_gre(&f, 0, 0x22eb, 0, 0);
	outer4(&f, 47);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.proto == 47 && k.tun == MAMORI_TUN_NONE && payoff(&k, &f) == 34);
	f.b[f.head + 14 + 20 + 4] = 0x10;
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
}

static void
ip_in_ip(void)
{
	struct frames f;
	struct frames_ip ip6 = frames_ip6(V6A, V6B);
	struct mamori_pkt k;

	frames_init(&f);
	udp4(&f);
	outer4(&f, 4);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	check_outer(&k, MAMORI_TUN_IPIP, 0, 1);
	frames_init(&f);
	frames_udp(&f, &ip6, 3, 4);
	frames_ipv6(&f, &ip6, 17);
	outer4(&f, 41);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	CHECK(k.ipver == 6 && k.dport == 4);
	check_outer(&k, MAMORI_TUN_IPIP, 0, 1);
	/* 4in6 */
	frames_init(&f);
	udp4(&f);
	frames_ipv6(&f, &ip6, 4);
	frames_eth(&f, 0x86dd);
	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
	check_udp4(&k);
	CHECK(k.tun == MAMORI_TUN_IPIP && memcmp(k.tun_src.b, V6A, 16) == 0);
	/* protocol 4 with an IPv6 packet inside */
	frames_init(&f);
	frames_udp(&f, &ip6, 3, 4);
	frames_ipv6(&f, &ip6, 17);
	outer4(&f, 4);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
}

/* n nested layers: GRE-IP, ERSPAN II, IP-in-IP, GRE-TEB in turn, innermost first. */
static void
nest(struct frames *f, size_t n)
{
	frames_init(f);
	udp4(f);
	for (size_t i = 0; i < n; i++) {
		struct frames_ip mid = frames_ip4(A4(172, 16, 0, i), A4(172, 17, 0, i));

		switch (i % 4) {
		case 0:
			frames_gre(f, 0, 0x0800, 0, 0);
			frames_ipv4(f, &mid, 47);
			break;
		case 1:
			frames_eth(f, 0x0800);
			frames_erspan2(f, 0, 1, 0);
			frames_gre(f, FRAMES_GRE_S, 0x88be, 0, (uint32_t)i);
			frames_ipv4(f, &mid, 47);
			break;
		case 2:
			frames_ipv4(f, &mid, 4);
			break;
		default:
			frames_eth(f, 0x0800);
			frames_gre(f, 0, 0x6558, 0, 0);
			frames_ipv4(f, &mid, 47);
			break;
		}
	}
	frames_eth(f, 0x0800);
}

static void
nesting(void)
{
	struct frames f;
	struct mamori_pkt k;

	for (size_t n = 1; n <= MAMORI_PKT_MAX_ENCAP; n++) {
		nest(&f, n);
		CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, &f));
		check_udp4(&k);
		CHECK(k.depth == n);
		/* the outermost layer was added last */
		CHECK(k.tun == ((n - 1) % 4 == 0      ? MAMORI_TUN_GRE
		                   : (n - 1) % 4 == 1 ? MAMORI_TUN_ERSPAN2
		                   : (n - 1) % 4 == 2 ? MAMORI_TUN_IPIP
		                                      : MAMORI_TUN_GRE));
		CHECK(is4(&k.tun_src, A4(172, 16, 0, n - 1)));
	}
	nest(&f, MAMORI_PKT_MAX_ENCAP + 1);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
	nest(&f, 12);
	CHECK(dec(&k, MAMORI_LINK_ETHERNET, &f) == MAMORI_E_MALFORMED);
}

/* Cuts a valid frame at every length below its size. With the wire length kept, a cut header
 * is TRUNCATED and a cut payload is OK with what was captured; with caplen == wirelen the
 * frame is merely short (MALFORMED), never read past. */
static void
cut_everywhere(const struct frames *f)
{
	struct mamori_pkt k;
	size_t len = frames_len(f), hdr;

	CHECK_OK(dec(&k, MAMORI_LINK_ETHERNET, f));
	hdr = payoff(&k, f);
	for (size_t i = 0; i < len; i++) {
		mamori_err e = dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(f), i, len);

		if (i < hdr) {
			CHECK(e == MAMORI_E_TRUNCATED);
		} else {
			CHECK(e == MAMORI_OK);
			CHECK(e != MAMORI_OK || (k.paylen == i - hdr && payoff(&k, f) == hdr));
		}
		e = dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(f), i, i);
		CHECK(e == MAMORI_E_MALFORMED || e == MAMORI_E_TRUNCATED || e == MAMORI_OK);
		if (i < 14)
			CHECK(e == MAMORI_E_MALFORMED);
	}
}

static void
truncation_points(void)
{
	static const uint16_t tpid[2] = {0x88a8, 0x8100};
	static const uint16_t vid[2] = {5, 6};
	struct frames f;
	struct frames_ip ip6 = frames_ip6(V6A, V6B);
	struct frames_tcp t = frames_tcp_default(1, 2, FRAMES_TCP_SYN);

	/* GRE with checksum, key and sequence */
	frames_init(&f);
	udp4(&f);
	frames_gre(&f, FRAMES_GRE_C | FRAMES_GRE_K | FRAMES_GRE_S, 0x0800, 1, 2);
	outer4(&f, 47);
	cut_everywhere(&f);
	/* ERSPAN II and III (with sub-header), the mirrored frame double-tagged */
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 2, tpid, vid, 0x0800);
	frames_erspan2(&f, 1, 2, 3);
	frames_gre(&f, FRAMES_GRE_S, 0x88be, 0, 1);
	outer4(&f, 47);
	cut_everywhere(&f);
	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	frames_erspan3(&f, 1, 2, 0, true);
	frames_gre(&f, FRAMES_GRE_S, 0x22eb, 0, 1);
	outer4(&f, 47);
	cut_everywhere(&f);
	/* double VLAN */
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 2, tpid, vid, 0x0800);
	cut_everywhere(&f);
	/* IPv6 with extension headers and TCP with options */
	t.mss = 1220;
	frames_init(&f);
	frames_put(&f, "abcdef", 6);
	frames_tcp(&f, &ip6, &t);
	frames_ipv6_ext(&f, 60, 6, 16);
	frames_ipv6_frag(&f, 60, 0, true, 1);
	frames_ipv6_ext(&f, 0, 44, 8);
	frames_ipv6(&f, &ip6, 0);
	frames_eth(&f, 0x86dd);
	cut_everywhere(&f);
	/* nested to the limit */
	nest(&f, MAMORI_PKT_MAX_ENCAP);
	cut_everywhere(&f);
}

static void
snaplen_payload(void)
{
	struct frames f;
	struct frames_ip ip = frames_ip4(A4(10, 0, 0, 1), A4(10, 0, 0, 2));
	struct frames_tcp t = frames_tcp_default(80, 5000, FRAMES_TCP_ACK | FRAMES_TCP_PSH);
	struct mamori_pkt k;
	uint8_t body[1000];

	memset(body, 'B', sizeof(body));
	frames_eth_tcp4(&f, &ip, &t, body, sizeof(body));
	CHECK_OK(dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(&f), 256, frames_len(&f)));
	CHECK(k.caplen == 256 && k.wirelen == 1054 && k.ip_len == 1040);
	CHECK(k.l4 && k.paylen == 256 - 54 && k.paylen_wire == 1000);
	CHECK(payoff(&k, &f) == 54);
	/* the IP header announces more than the frame holds: what is there is the payload */
	CHECK_OK(dec_n(&k, MAMORI_LINK_ETHERNET, frames_data(&f), 100, 100));
	CHECK(k.paylen == 46 && k.paylen_wire == 1000);
}

/* ---- shared captures ---- */

struct capstat {
	size_t files, pkts, errors, bad_files;
	size_t scan_syn, scan_match; /* mirai_scan_synthetic.pcap */
	bool is_scan;
	/* for --bench */
	struct mamori_span *frames;
	uint32_t *wire;
	int *link;
	size_t nframes, capframes;
};

static struct capstat cs;

static void
one_packet(int linktype, const uint8_t *p, size_t caplen, size_t wirelen, const char *path)
{
	struct mamori_pkt k;
	struct mamori_diag dg;
	mamori_err e;

	cs.pkts++;
	e = mamori_pkt_decode_diag(&k, linktype, p, caplen, wirelen, &dg);
	if (e != MAMORI_OK) {
		if (cs.errors++ < 10)
			fprintf(stderr, "%s: packet %zu: %s at %zu: %s\n", path, cs.pkts,
			    mamori_strerror(e), dg.off, dg.msg);
		return;
	}
	if (cs.is_scan && k.proto == 6 && k.tcp_flags == MAMORI_TCP_SYN) {
		cs.scan_syn++;
		if (k.seq == mamori_ip_v4(&k.dst) && k.tcp_optlen == 0 && k.mss == 0 &&
		    mamori_ip_is4(&k.dst))
			cs.scan_match++;
	}
	if (cs.frames != NULL && cs.nframes < cs.capframes) {
		cs.frames[cs.nframes].p = p;
		cs.frames[cs.nframes].len = caplen;
		cs.wire[cs.nframes] = (uint32_t)wirelen;
		cs.link[cs.nframes] = linktype;
		cs.nframes++;
	}
}

static uint32_t
le32(const uint8_t *p)
{
	return mamori_load_le32(p);
}

/* Classic pcap (little-endian, microseconds or nanoseconds); -1 if it is not one. */
static int
walk_pcap(const uint8_t *p, size_t len, const char *path)
{
	size_t off = 24;
	int lt;

	if (len < 24 || (le32(p) != 0xa1b2c3d4 && le32(p) != 0xa1b23c4d))
		return -1;
	lt = (int)(le32(p + 20) & 0xffff);
	while (len - off >= 16) {
		uint32_t incl = le32(p + off + 8), orig = le32(p + off + 12);

		if (incl > len - off - 16)
			return -1;
		one_packet(lt, p + off + 16, incl, orig, path);
		off += 16 + incl;
	}
	return off == len ? 0 : -1;
}

/* pcapng (little-endian sections): interface link types from IDBs, packets from EPBs. */
static int
walk_pcapng(const uint8_t *p, size_t len, const char *path)
{
	int lt[16];
	size_t nif = 0, off = 0;

	while (len - off >= 12) {
		uint32_t type = le32(p + off), blen = le32(p + off + 4);
		const uint8_t *b = p + off + 8;

		if (blen < 12 || blen % 4 != 0 || blen > len - off)
			return -1;
		if (type == 0x0a0d0d0a) {
			if (blen < 28 || le32(b) != 0x1a2b3c4d)
				return -1;
			nif = 0;
		} else if (type == 1) {
			if (blen < 20 || nif == 16)
				return -1;
			lt[nif++] = (int)mamori_load_le16(b);
		} else if (type == 6) {
			uint32_t ifc = le32(b), incl = le32(b + 12), orig = le32(b + 16);

			if (blen < 32 || ifc >= nif || incl > blen - 32)
				return -1;
			one_packet(lt[ifc], b + 20, incl, orig, path);
		}
		off += blen;
	}
	return off == len ? 0 : -1;
}

static struct mamori_buf *keep_bufs;
static size_t nkeep;

static void
one_file(const char *path)
{
	struct mamori_buf b;
	int r;

	mamori_buf_init(&b, 64u << 20);
	if (mamori_read_file(path, &b) != MAMORI_OK) {
		fprintf(stderr, "%s: cannot read\n", path);
		cs.bad_files++;
		mamori_buf_free(&b);
		return;
	}
	cs.files++;
	cs.is_scan = strstr(path, "mirai_scan_synthetic.pcap") != NULL;
	r = walk_pcap(b.p, b.len, path);
	if (r != 0 && b.len >= 4 && le32(b.p) == 0x0a0d0d0a)
		r = walk_pcapng(b.p, b.len, path);
	if (r != 0) {
		fprintf(stderr, "%s: not a capture file this test can read\n", path);
		cs.bad_files++;
	}
	if (keep_bufs != NULL && nkeep < 256)
		keep_bufs[nkeep++] = b;
	else
		mamori_buf_free(&b);
}

/* Every *.pcap file under dir, recursively; -1 if dir cannot be opened. */
static int
walk_dir(const char *dir, int depth)
{
	DIR *dp;
	struct dirent *de;

	if (depth > 8)
		return -1;
	dp = opendir(dir);
	if (dp == NULL)
		return -1;
	for (;;) {
		char path[4096];
		struct stat st;
		size_t n;

		de = readdir(dp);
		if (de == NULL)
			break;
		n = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			(void)walk_dir(path, depth + 1);
		else if (S_ISREG(st.st_mode) && n > 5 && strcmp(de->d_name + n - 5, ".pcap") == 0)
			one_file(path);
	}
	closedir(dp);
	return 0;
}

static int
walk_shared(void)
{
	char dir[4096];

	(void)snprintf(dir, sizeof(dir), "%s/pcap", check_shared_data());
	return walk_dir(dir, 0);
}

static void
shared_captures(void)
{
	memset(&cs, 0, sizeof(cs));
	CHECK(walk_shared() == 0);
	fprintf(stderr, "test_pkt: %zu capture files, %zu packets, %zu decode errors\n", cs.files,
	    cs.pkts, cs.errors);
	CHECK(cs.files >= 30 && cs.bad_files == 0);
	CHECK(cs.pkts > 10000);
	CHECK(cs.errors == 0);
	CHECK(cs.scan_syn == 1600 && cs.scan_match == 1600);
}

/* ---- fuzz seeds ---- */

/* The fuzz target's link type order (fuzz/fuzz_pkt.c): first byte modulo 8. */
static const int fuzz_links[8] = {1, 0, 12, 101, 113, 228, 229, 276};

/* One seed: the selector byte (bit 7: snaplen cut), then the first n bytes of the frame. */
static int
write_cut(const char *dir, const char *name, int lt, bool snap, const struct frames *f, size_t n)
{
	char path[4096];
	FILE *fp;
	uint8_t sel = 0;
	int ok;

	for (uint8_t i = 0; i < 8; i++)
		if (fuzz_links[i] == lt)
			sel = i;
	if (snap)
		sel |= 0x80;
	if (n > frames_len(f))
		n = frames_len(f);
	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "wb");
	if (fp == NULL)
		return -1;
	ok = fwrite(&sel, 1, 1, fp) == 1 && fwrite(frames_data(f), 1, n, fp) == n;
	return fclose(fp) == 0 && ok ? 0 : -1;
}

static int
write_seed(const char *dir, const char *name, int lt, const struct frames *f)
{
	return write_cut(dir, name, lt, false, f, frames_len(f));
}

static int
write_corpus(const char *dir)
{
	static const uint16_t tpid[3] = {0x88a8, 0x8100, 0x9100};
	static const uint16_t vid[3] = {1, 2, 3};
	struct frames f;
	struct frames_ip ip4 = frames_ip4(A4(192, 0, 2, 66), A4(198, 51, 100, 23));
	struct frames_ip ip6 = frames_ip6(V6A, V6B);
	struct frames_tcp t = frames_tcp_default(40000, 23, FRAMES_TCP_SYN);
	static const uint8_t badopt[] = {1, 8, 0, 2, 4, 5};
	int r = 0;

	t.seq = A4(198, 51, 100, 23);
	frames_eth_tcp4(&f, &ip4, &t, NULL, 0);
	r |= write_seed(dir, "eth_tcp_syn", 1, &f);
	r |= write_cut(dir, "eth_tcp_snapcut_header", 1, true, &f, 40);
	r |= write_cut(dir, "empty", 1, false, &f, 0);
	t.mss = 1460;
	t.opt = badopt;
	t.optlen = sizeof(badopt);
	frames_eth_tcp4(&f, &ip4, &t, "GET /", 5);
	r |= write_seed(dir, "eth_tcp_badopt", 1, &f);
	r |= write_cut(dir, "eth_tcp_snapcut_payload", 1, true, &f, frames_len(&f) - 2);
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 3, tpid, vid, 0x0800);
	r |= write_seed(dir, "eth_vlan3_udp", 1, &f);
	frames_init(&f);
	frames_put(&f, NULL, 28);
	frames_eth(&f, 0x0806);
	r |= write_seed(dir, "eth_arp", 1, &f);
	frames_init(&f);
	frames_put(&f, "abc", 3);
	frames_tcp(&f, &ip6, &t);
	frames_ipv6_ext(&f, 60, 6, 8);
	frames_ipv6_frag(&f, 60, 0, true, 1);
	frames_ipv6_ext(&f, 51, 44, 12);
	frames_ipv6_ext(&f, 43, 51, 8);
	frames_ipv6_ext(&f, 0, 43, 8);
	frames_ipv6(&f, &ip6, 0);
	frames_eth(&f, 0x86dd);
	r |= write_seed(dir, "eth_ipv6_ext_tcp", 1, &f);
	frames_init(&f);
	frames_icmp(&f, &ip6, 135, 0, 0);
	frames_ipv6(&f, &ip6, 58);
	r |= write_seed(dir, "raw_icmpv6", 101, &f);
	r |= write_seed(dir, "ipv6_icmpv6", 229, &f);
	frames_init(&f);
	frames_put(&f, "ping", 4);
	frames_icmp(&f, &ip4, 8, 0, 1);
	frames_ipv4(&f, &ip4, 1);
	r |= write_seed(dir, "raw12_icmp", 12, &f);
	r |= write_seed(dir, "ipv4_icmp", 228, &f);
	frames_null(&f, 2, false);
	r |= write_seed(dir, "null_le_ipv4", 0, &f);
	frames_init(&f);
	frames_udp(&f, &ip6, 53, 53);
	frames_ipv6(&f, &ip6, 17);
	frames_null(&f, 30, true);
	r |= write_seed(dir, "null_be_ipv6", 0, &f);
	frames_init(&f);
	udp4(&f);
	frames_sll(&f, 0x0800);
	r |= write_seed(dir, "sll_udp", 113, &f);
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 1, tpid + 1, vid, 0x0800);
	frames_sll2(&f, 0x8100);
	r |= write_seed(dir, "sll2_vlan_udp", 276, &f);
	frames_init(&f);
	udp4(&f);
	frames_gre(&f, FRAMES_GRE_C | FRAMES_GRE_K | FRAMES_GRE_S, 0x0800, 1, 2);
	outer4(&f, 47);
	r |= write_seed(dir, "gre_cks_key_seq_ipv4", 1, &f);
	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	frames_gre(&f, 0, 0x6558, 0, 0);
	outer4(&f, 47);
	r |= write_seed(dir, "gre_teb", 1, &f);
	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	frames_gre(&f, 0, 0x88be, 0, 0);
	outer4(&f, 47);
	r |= write_seed(dir, "erspan1", 1, &f);
	frames_init(&f);
	udp4(&f);
	frames_eth_tags(&f, 2, tpid, vid, 0x0800);
	frames_erspan2(&f, 1, 2, 3);
	frames_gre(&f, FRAMES_GRE_S, 0x88be, 0, 1);
	outer4(&f, 47);
	r |= write_seed(dir, "erspan2_vlan", 1, &f);
	frames_init(&f);
	udp4(&f);
	frames_eth(&f, 0x0800);
	frames_erspan3(&f, 1, 2, 0, true);
	frames_gre(&f, FRAMES_GRE_S, 0x22eb, 0, 1);
	outer4(&f, 47);
	r |= write_seed(dir, "erspan3_o", 1, &f);
	frames_init(&f);
	udp4(&f);
	frames_erspan3(&f, 1, 2, 2, false);
	frames_gre(&f, 0, 0x22eb, 0, 1);
	outer4(&f, 47);
	r |= write_seed(dir, "erspan3_ip", 1, &f);
	frames_init(&f);
	udp4(&f);
	frames_ipv6(&f, &ip6, 4);
	frames_eth(&f, 0x86dd);
	r |= write_seed(dir, "ipip_4in6", 1, &f);
	frames_init(&f);
	frames_udp(&f, &ip6, 1, 2);
	frames_ipv6(&f, &ip6, 17);
	frames_ipv4(&f, &ip4, 41);
	r |= write_seed(dir, "raw_6in4", 101, &f);
	nest(&f, MAMORI_PKT_MAX_ENCAP);
	r |= write_seed(dir, "nested_max", 1, &f);
	nest(&f, MAMORI_PKT_MAX_ENCAP + 1);
	r |= write_seed(dir, "nested_too_deep", 1, &f);
	ip4.frag = 185;
	frames_init(&f);
	frames_put(&f, NULL, 16);
	frames_ipv4(&f, &ip4, 17);
	frames_eth(&f, 0x0800);
	r |= write_seed(dir, "ipv4_frag_later", 1, &f);
	return r;
}

/* ---- speed ---- */

static int
bench(long iters)
{
	struct timespec t0, t1;
	struct mamori_pkt k;
	size_t ok = 0;
	double ns;

	memset(&cs, 0, sizeof(cs));
	cs.capframes = 200000;
	keep_bufs = calloc(256, sizeof(*keep_bufs));
	cs.frames = calloc(cs.capframes, sizeof(*cs.frames));
	cs.wire = calloc(cs.capframes, sizeof(*cs.wire));
	cs.link = calloc(cs.capframes, sizeof(*cs.link));
	if (keep_bufs == NULL || cs.frames == NULL || cs.wire == NULL || cs.link == NULL)
		return 1;
	if (walk_shared() != 0 || cs.nframes == 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long it = 0; it < iters; it++)
		for (size_t i = 0; i < cs.nframes; i++)
			ok += mamori_pkt_decode(&k, cs.link[i], cs.frames[i].p, cs.frames[i].len,
			          cs.wire[i]) == MAMORI_OK;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	printf("test_pkt: %zu packets x %ld: %.1f ns/packet (%.2f M packets/s), %zu ok\n",
	    cs.nframes, iters, ns / ((double)cs.nframes * (double)iters),
	    (double)cs.nframes * (double)iters / ns * 1e3, ok);
	for (size_t i = 0; i < nkeep; i++)
		mamori_buf_free(&keep_bufs[i]);
	free(keep_bufs);
	free(cs.frames);
	free(cs.wire);
	free(cs.link);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(link_names),
	    CHECK_CASE(eth_tcp_fields),
	    CHECK_CASE(results_only_on_success),
	    CHECK_CASE(link_types),
	    CHECK_CASE(vlan_tags),
	    CHECK_CASE(not_ip),
	    CHECK_CASE(ipv4_header),
	    CHECK_CASE(ipv4_padding),
	    CHECK_CASE(ipv4_fragments),
	    CHECK_CASE(ipv6_ext_headers),
	    CHECK_CASE(tcp_options),
	    CHECK_CASE(udp_icmp),
	    CHECK_CASE(gre_tunnels),
	    CHECK_CASE(erspan),
	    CHECK_CASE(ip_in_ip),
	    CHECK_CASE(nesting),
	    CHECK_CASE(truncation_points),
	    CHECK_CASE(snaplen_payload),
	    CHECK_CASE(shared_captures),
	};

	if (argc >= 2 && strcmp(argv[1], "--bench") == 0)
		return bench(argc >= 3 ? strtol(argv[2], NULL, 10) : 200);
	if (argc >= 3 && strcmp(argv[1], "--corpus") == 0)
		return write_corpus(argv[2]) == 0 ? 0 : 1;
	return check_run("test_pkt", cases, sizeof(cases) / sizeof(cases[0]));
}
