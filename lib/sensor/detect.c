/* SPDX-License-Identifier: MIT */
/* The detectors, one per kill-chain stage (docs/internals/sensor.md explains each). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/json.h"
#include "mamori/proto.h"
#include "sensor_priv.h"

#define HTTP_BODY_WANT 2048 /* body bytes looked at by exploit rules */

static bool
in_ports(const struct mamori_portset *ps, uint16_t p)
{
	for (size_t i = 0; i < ps->n; i++)
		if (ps->v[i] == p)
			return true;
	return false;
}

static bool
home(const struct worker *w, const struct mamori_ip *a)
{
	return mamori_cidrset_has(&w->s->cfg.home_net, a);
}

/* Renders s as a JSON string value (quotes included) into out, cut to fit. */
static void
jstr(char *out, size_t cap, const uint8_t *s, size_t n)
{
	struct mamori_buf b;

	mamori_buf_init(&b, cap - 1);
	while (n > 0) {
		b.len = 0;
		if (mamori_buf_putc(&b, '"') == MAMORI_OK &&
		    mamori_json_escape(&b, s, n) == MAMORI_OK &&
		    mamori_buf_putc(&b, '"') == MAMORI_OK)
			break;
		n = n > 8 ? n - 8 : 0; /* too long: cut the source and retry */
	}
	if (n == 0) {
		b.len = 0;
		if (mamori_buf_append(&b, "\"\"", 2) != MAMORI_OK) {
			out[0] = '\0';
			mamori_buf_free(&b);
			return;
		}
	}
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	mamori_buf_free(&b);
}

static void backfill_scanned(struct worker *w, const struct mamori_ip *dst);

void
emit(struct worker *w, struct event *ev)
{
	struct mamori_sensor *s = w->s;
	const struct sig *sg = &mamori_sigs[ev->sig];
	const struct mamori_pkt *p = w->pkt;

	if (ev->ts_us == 0 && p != NULL)
		ev->ts_us = p->ts_us;
	if (ev->flow_id == 0 && w->cur_flow != NULL)
		ev->flow_id = w->cur_flow->id;
	w->st.events[sg->stage]++;
	sensor_lock(s);
	agg_event(s, ev);
	if (ev->has_src && home(w, &ev->src))
		timeline_add(
		    s->tl, &ev->src, sg->stage, true, ev->ts_us, ev->has_dst ? &ev->dst : NULL);
	if (ev->has_dst && !ev->timeline_src_only && home(w, &ev->dst)) {
		backfill_scanned(w, &ev->dst);
		timeline_add(
		    s->tl, &ev->dst, sg->stage, false, ev->ts_us, ev->has_src ? &ev->src : NULL);
	}
	sensor_unlock(s);
}

/* An event between the packet's source and destination. */
static void
ev_init(struct event *ev, enum sig_id sig, const struct mamori_pkt *p)
{
	memset(ev, 0, sizeof(*ev));
	ev->sig = sig;
	ev->has_src = true;
	ev->has_dst = true;
	ev->src = p->src;
	ev->dst = p->dst;
	ev->sport = p->sport;
	ev->dport = p->dport;
	ev->proto = p->proto;
}

/* An event of a TCP stream: the client is the source. */
static void
ev_stream(struct event *ev, enum sig_id sig, struct worker *w, struct flow *f)
{
	const struct flow_key *k = flow_key_of(f);

	memset(ev, 0, sizeof(*ev));
	ev->sig = sig;
	ev->has_src = true;
	ev->has_dst = true;
	ev->src = f->init_is_a ? k->a : k->b;
	ev->dst = f->init_is_a ? k->b : k->a;
	ev->sport = f->init_is_a ? k->ap : k->bp;
	ev->dport = f->init_is_a ? k->bp : k->ap;
	ev->proto = k->proto;
	ev->flow_id = f->id;
	(void)w;
}

static struct host *
host_of(struct worker *w, const struct mamori_ip *ip)
{
	bool created, evicted;

	return ktab_get(&w->hosts, ip, w->now, true, &created, &evicted);
}

static void
sketch_set(uint8_t *bits, uint64_t h)
{
	unsigned b = (unsigned)(h % ((uint64_t)HOST_BITMAP_BYTES * 8u));

	bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

static uint64_t
sketch_count(const uint8_t *bits)
{
	unsigned zeros = 0;
	double m = HOST_BITMAP_BYTES * 8.0;

	for (size_t i = 0; i < HOST_BITMAP_BYTES; i++)
		zeros += 8u - (unsigned)__builtin_popcount(bits[i]);
	if (zeros == 0)
		return (uint64_t)(m * 7.0);
	return (uint64_t)(-m * __builtin_log((double)zeros / m) + 0.5);
}

/* ---- scan --------------------------------------------------------------------------------- */

/* Remembers that dst was scanned by src, for the timeline (see struct scanned). */
static void
remember_scanned(struct worker *w, const struct mamori_pkt *p)
{
	struct mamori_sensor *s = w->s;
	struct scanned *sc;

	if (!s->cfg.home_net.any) {
		/* an explicit home network is small: its hosts get their entry at once */
		if (home(w, &p->dst)) {
			sensor_lock(s);
			timeline_add(s->tl, &p->dst, MAMORI_STAGE_SCAN, false, p->ts_us, &p->src);
			sensor_unlock(s);
		}
		return;
	}
	sensor_lock(s);
	sc = &s->scanned[scanned_index(&p->dst)];
	if (!mamori_ip_eq(&sc->dst, &p->dst) || sc->first_us == 0) {
		sc->dst = p->dst;
		sc->src = p->src;
		sc->first_us = p->ts_us;
	}
	sc->last_us = p->ts_us;
	sensor_unlock(s);
}

/* A host becomes a target of another stage: add the scan it went through first, if known.
 * Caller holds the lock. */
static void
backfill_scanned(struct worker *w, const struct mamori_ip *dst)
{
	struct mamori_sensor *s = w->s;
	struct scanned *sc;

	if (s->scanned == NULL)
		return;
	sc = &s->scanned[scanned_index(dst)];
	if (sc->first_us == 0 || !mamori_ip_eq(&sc->dst, dst))
		return;
	timeline_add(s->tl, dst, MAMORI_STAGE_SCAN, false, sc->first_us, &sc->src);
	if (sc->last_us != sc->first_us)
		timeline_add(s->tl, dst, MAMORI_STAGE_SCAN, false, sc->last_us, &sc->src);
	sc->first_us = 0;
}

static void
detect_syn(struct worker *w, const struct mamori_pkt *p)
{
	const struct mamori_sensor_config *c = &w->s->cfg;
	struct event ev;

	/* Mirai scanner.c: iph->daddr == tcph->seq, no options, port 23 (every tenth 2323) */
	if (p->ipver == 4 && p->seq == mamori_ip_v4(&p->dst) && p->tcp_optlen == 0 &&
	    (p->dport == 23 || p->dport == 2323)) {
		ev_init(&ev, SIG_SCAN_MIRAI, p);
		ev.has_dst = false;
		ev.target_for_distinct = &p->dst;
		ev.item_ip = &p->dst;
		ev.item_port = p->dport;
		emit(w, &ev);
		remember_scanned(w, p);
	}
	if (in_ports(&c->scan_ports, p->dport)) {
		struct host *h = host_of(w, &p->src);
		unsigned bit = (unsigned)(mamori_hash(p->dst.b, 16, 0x3c6ef372fe94f82bull) %
		                          ((uint64_t)HOST_BITMAP_BYTES * 8u));
		uint8_t mask = (uint8_t)(1u << (bit % 8));
		bool fresh;

		if (w->now - h->scan_start >= c->scan_window || h->scan_zeros == 0) {
			h->scan_start = w->now;
			h->scan_zeros = HOST_BITMAP_BYTES * 8;
			h->scan_alerted = false;
			memset(h->scan_bits, 0, sizeof(h->scan_bits));
		}
		/* only a destination not seen in this window counts: a flood of SYNs to one
		 * host is not a scan */
		fresh = !(h->scan_bits[bit / 8] & mask);
		if (!fresh)
			return;
		h->scan_bits[bit / 8] |= mask;
		h->scan_zeros--;
		if (h->scan_alerted || h->scan_zeros <= w->scan_zeros_thr) {
			char extra[112];
			/* linear counting from the zero bits kept up to date as bits are set */
			uint64_t n =
			    (uint64_t)(-(HOST_BITMAP_BYTES * 8.0) *
			                   __builtin_log((h->scan_zeros ? h->scan_zeros : 1) /
			                                 (HOST_BITMAP_BYTES * 8.0)) +
			               0.5);

			ev_init(&ev, SIG_SCAN_FANOUT, p);
			ev.has_dst = false;
			/* the first alert counts the targets seen so far in the window */
			ev.add =
			    h->scan_alerted ? 1 : (uint32_t)(HOST_BITMAP_BYTES * 8 - h->scan_zeros);
			ev.target_for_distinct = &p->dst;
			ev.item_ip = &p->dst;
			ev.item_port = p->dport;
			(void)snprintf(extra, sizeof(extra),
			    "\"targets_in_window\":%llu,\"window_s\":%u,\"threshold\":%u",
			    (unsigned long long)n * w->rate_div, c->scan_window, c->scan_hosts);
			ev.extra = extra;
			h->scan_alerted = true;
			emit(w, &ev);
		}
	}
}

/* ---- ddos ------------------------------------------------------------------------------- */

static const enum sig_id vec_sig[V_COUNT] = {SIG_DDOS_SYN, SIG_DDOS_ACK, SIG_DDOS_STOMP,
    SIG_DDOS_UDP, SIG_DDOS_UDP_PLAIN, SIG_DDOS_VSE, SIG_DDOS_DNS, SIG_DDOS_GREIP, SIG_DDOS_GREETH,
    SIG_DDOS_HTTP, SIG_DDOS_ICMP};
static const char *vec_name[V_COUNT] = {
    "syn", "ack", "stomp", "udp", "udp_plain", "vse", "dns", "greip", "greeth", "http", "icmp"};

static uint64_t
srcbits_estimate(const uint8_t bits[32])
{
	unsigned zeros = 0;

	for (size_t i = 0; i < 32; i++)
		zeros += 8u - (unsigned)__builtin_popcount(bits[i]);
	if (zeros == 0)
		return (uint64_t)256u * 6u; /* saturated: at least this many */
	return (uint64_t)(-256.0 * __builtin_log(zeros / 256.0) + 0.5);
}

static uint32_t
flood_threshold(const struct worker *w, enum ddos_vec v)
{
	const struct mamori_sensor_config *c = &w->s->cfg;
	uint32_t t = (v == V_HTTP ? c->http_flood_rps : c->ddos_pps) / w->rate_div;

	return t ? t : 1;
}

static void
flood_event(struct worker *w, const struct mamori_pkt *p, const struct flood_slot *fs, uint32_t add,
    uint32_t pps)
{
	enum ddos_vec v = (enum ddos_vec)fs->vec;
	struct event ev;
	char extra[160];
	bool mirai_shape = v == V_SYN && fs->mirai_shape;

	memset(&ev, 0, sizeof(ev));
	ev.sig = vec_sig[v];
	ev.has_dst = true;
	ev.dst = fs->target;
	ev.has_src = !fs->multi;
	ev.src = fs->src;
	ev.add = add;
	ev.dport = fs->dport;
	ev.proto = fs->proto;
	ev.distinct_src_hint = srcbits_estimate(fs->srcbits);
	if (p != NULL) {
		ev.sport = p->sport;
		ev.source_for_distinct = &p->src;
	} else {
		ev.ts_us = (uint64_t)fs->sec * 1000000u + 999999u;
	}
	(void)snprintf(extra, sizeof(extra), "\"vector\":\"%s\",\"pps\":%u,\"threshold_pps\":%u%s",
	    vec_name[v], pps * w->rate_div,
	    v == V_HTTP ? w->s->cfg.http_flood_rps : w->s->cfg.ddos_pps,
	    mirai_shape ? ",\"mirai_shape\":\"mss 1400-1415\"" : "");
	ev.extra = extra;
	emit(w, &ev);
}

/* The second of slot fs ends: the packets counted after its alert go into the alert. */
static void
flood_close(struct worker *w, struct flood_slot *fs)
{
	if (fs->alerted && fs->cnt > fs->reported)
		flood_event(w, NULL, fs, fs->cnt - fs->reported, fs->cnt);
	fs->reported = fs->cnt;
}

static void
ddos_count(struct worker *w, const struct mamori_pkt *p, enum ddos_vec v,
    const struct mamori_ip *src, const struct mamori_ip *target)
{
	uint32_t thr = flood_threshold(w, v);
	/* the packet's own second: when several files are read, time goes back at each new one,
	 * and their packets must not pile up in the latest second seen */
	uint32_t sec = (uint32_t)(p->ts_us / 1000000u);
	struct flood_slot *a, *b, *fs;
	uint64_t frac_left, est;
	unsigned sb;

	if (!w->s->cfg.home_net.any && !home(w, src) && !home(w, target))
		return;
	a = &w->flood[flood_index(target, v)];
	b = a + 1;
	if (a->used && a->vec == v && mamori_ip_eq(&a->target, target)) {
		fs = a;
	} else if (b->used && b->vec == v && mamori_ip_eq(&b->target, target)) {
		fs = b;
	} else {
		/* take the slot whose target was quiet longest (or fewest packets) */
		fs = !a->used           ? a
		     : !b->used         ? b
		     : a->sec < b->sec  ? a
		     : b->sec < a->sec  ? b
		     : a->cnt <= b->cnt ? a
		                        : b;
		if (fs->used)
			flood_close(w, fs);
		memset(fs, 0, sizeof(*fs));
		fs->used = 1;
		fs->vec = (uint8_t)v;
		fs->target = *target;
		fs->sec = sec;
		fs->src = *src;
	}
	if (fs->sec != sec) {
		flood_close(w, fs);
		fs->prev = fs->sec + 1 == sec ? fs->cnt : 0;
		fs->prev_alerted = fs->sec + 1 == sec && fs->alerted;
		fs->cnt = 0;
		fs->reported = 0;
		fs->sec = sec;
		fs->alerted = 0;
		fs->multi = 0;
		fs->src = *src;
		memset(fs->srcbits, 0, sizeof(fs->srcbits));
	} else if (!fs->multi && !mamori_ip_eq(&fs->src, src)) {
		fs->multi = 1;
	}
	fs->cnt++;
	{
		uint32_t x0, x1;

		/* a multiplicative hash of the address words is enough for a 256-bit sketch */
		memcpy(&x0, src->b + 8, 4);
		memcpy(&x1, src->b + 12, 4);
		sb = (unsigned)(((x0 * 0x85ebca6bu) ^ x1) * 0x9e3779b1u >> 24);
	}
	fs->srcbits[sb / 8] |= (uint8_t)(1u << (sb % 8));
	if (fs->alerted)
		return;
	/* sliding estimate over the last second: this second's packets plus the share of the
	 * previous second that is still inside the window, so a burst that straddles a second
	 * boundary is seen at its true rate */
	frac_left = 1000000u - p->ts_us % 1000000u;
	est = fs->cnt + (uint64_t)fs->prev * frac_left / 1000000u;
	if (est >= thr) {
		fs->alerted = 1;
		fs->reported = fs->cnt;
		fs->dport = p->dport;
		/* Mirai attack_tcp_syn: MSS option 1400 + (rand & 0x0f) */
		fs->mirai_shape = p->mss >= 1400 && p->mss <= 1415;
		fs->proto =
		    p->tun != MAMORI_TUN_NONE && (v == V_GREIP || v == V_GREETH) ? 47 : p->proto;
		if (w->nflood_open < FLOOD_OPEN_MAX)
			w->flood_open[w->nflood_open++] = (uint32_t)(fs - w->flood);
		/* count each packet once: a previous second that alerted has reported its own */
		flood_event(w, p, fs, (uint32_t)(fs->prev_alerted ? fs->cnt : est), (uint32_t)est);
	}
}

void
detect_second(struct worker *w)
{
	uint32_t keep = 0;

	for (uint32_t i = 0; i < w->nflood_open; i++) {
		struct flood_slot *fs = &w->flood[w->flood_open[i]];

		if (fs->used && fs->alerted && fs->sec < w->now)
			flood_close(w, fs);
		else if (fs->used && fs->alerted)
			w->flood_open[keep++] = w->flood_open[i];
	}
	w->nflood_open = keep;
}

void
detect_finish(struct worker *w)
{
	for (uint32_t i = 0; i < w->nflood_open; i++)
		flood_close(w, &w->flood[w->flood_open[i]]);
	w->nflood_open = 0;
}

/* ---- UDP: DNS, TFTP, VSE ---------------------------------------------------------------- */

static bool
is_botname(const char *path)
{
	static const char *arch[] = {"arm", "arm4", "arm5", "arm6", "arm7", "mips", "mpsl",
	    "mipsel", "mips64", "m68k", "ppc", "powerpc", "sh4", "spc", "sparc", "x86", "x86_64",
	    "i486", "i586", "i686", "arc", "aarch64", "arm64", "m68", "x32", "i6", "dbg"};
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	if (strstr(path, "/bins/") != NULL || strncmp(base, "bins.sh", 7) == 0)
		return true;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base)
		return false;
	for (size_t i = 0; i < sizeof(arch) / sizeof(arch[0]); i++)
		if (strcmp(dot + 1, arch[i]) == 0)
			return true;
	return false;
}

static void
detect_tftp(struct worker *w, const struct mamori_pkt *p)
{
	char name[256];
	size_t n = 0;
	struct event ev;
	char item[MAMORI_ALERT_ITEM_LEN];

	/* RRQ: opcode 1, file name, NUL, mode, NUL (RFC 1350) */
	if (p->paylen < 4 || p->payload[0] != 0 || p->payload[1] != 1)
		return;
	for (size_t i = 2; i < p->paylen && p->payload[i] != 0 && n + 1 < sizeof(name); i++) {
		uint8_t c = p->payload[i];

		name[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	name[n] = '\0';
	if (!is_botname(name))
		return;
	ev_init(&ev, SIG_DL_TFTP, p);
	jstr(item, sizeof(item), (const uint8_t *)name, n);
	ev.item = item;
	emit(w, &ev);
}

static void
detect_dns(struct worker *w, const struct mamori_pkt *p)
{
	const struct mamori_sensor_config *c = &w->s->cfg;
	struct mamori_dns_msg m;
	struct event ev;
	char item[MAMORI_ALERT_ITEM_LEN];

	if (mamori_dns_parse(p->payload, p->paylen, &m, NULL) != MAMORI_OK || m.qr ||
	    m.qdcount == 0)
		return;
	if (c->detect_resolvers && mamori_cidrset_has(&c->public_resolvers, &p->dst) &&
	    home(w, &p->src)) {
		ev_init(&ev, SIG_C2_RESOLVER, p);
		jstr(item, sizeof(item), (const uint8_t *)m.qname, m.qname_len);
		ev.item = item;
		emit(w, &ev);
	}
	/* water torture: many distinct random first labels under one parent domain */
	if (m.nlabels >= 3 && (m.qtype == 1 || m.qtype == 28)) {
		const char *parent = memchr(m.qname, '.', m.qname_len);
		struct host *h = host_of(w, &p->src);
		uint64_t ph, lh;
		uint32_t thr = c->dns_flood_qps / w->rate_div;
		uint32_t sec = (uint32_t)(p->ts_us / 1000000u); /* see ddos_count() */

		if (parent == NULL)
			return;
		parent++;
		ph = mamori_hash(parent, strlen(parent), 0x510e527fade682d1ull);
		lh = mamori_hash(m.qname, (size_t)(parent - m.qname), 0x9b05688c2b3e6c1full);
		if (h->dns_sec != sec || h->dns_parent != ph) {
			if (h->dns_sec == sec && h->dns_cnt > 4)
				return; /* keep following the busier domain this second */
			h->dns_sec = sec;
			h->dns_parent = ph;
			h->dns_cnt = 0;
			h->dns_alerted = false;
			memset(h->dns_bits, 0, sizeof(h->dns_bits));
		}
		h->dns_cnt++;
		sketch_set(h->dns_bits, lh);
		if (h->dns_cnt >= thr &&
		    (h->dns_alerted || sketch_count(h->dns_bits) * 10 >= (uint64_t)thr * 8)) {
			char extra[256];

			ev_init(&ev, SIG_DDOS_DNS, p);
			ev.add = h->dns_alerted ? 1 : h->dns_cnt;
			jstr(item, 96, (const uint8_t *)parent, strlen(parent));
			(void)snprintf(extra, sizeof(extra),
			    "\"vector\":\"dns\",\"domain\":%.96s,\"qps\":%u,\"threshold_qps\":%u",
			    item, h->dns_cnt * w->rate_div, c->dns_flood_qps);
			ev.extra = extra;
			h->dns_alerted = true;
			emit(w, &ev);
		}
	}
}

void
detect_packet(struct worker *w, const struct mamori_pkt *p, struct flow *f, bool from_init)
{
	/* GRE floods (Mirai attack_gre.c): counted on the outer target, not the inner packet */
	if (p->tun == MAMORI_TUN_GRE && (p->gre_proto == 0x0800 || p->gre_proto == 0x6558)) {
		ddos_count(
		    w, p, p->gre_proto == 0x0800 ? V_GREIP : V_GREETH, &p->tun_src, &p->tun_dst);
		return;
	}
	if (!p->l4) {
		if (p->frag_later && p->proto == 17)
			ddos_count(w, p, V_UDP, &p->src, &p->dst);
		return;
	}
	switch (p->proto) {
	case 6: {
		uint8_t fl = p->tcp_flags & (MAMORI_TCP_SYN | MAMORI_TCP_ACK | MAMORI_TCP_RST |
		                                MAMORI_TCP_PSH | MAMORI_TCP_FIN);

		if ((fl & (MAMORI_TCP_SYN | MAMORI_TCP_ACK)) == MAMORI_TCP_SYN) {
			detect_syn(w, p);
			ddos_count(w, p, V_SYN, &p->src, &p->dst);
			if (p->dport == 22 && f != NULL && !(f->flags & FLOW_SSH_COUNTED)) {
				struct event ev;
				char extra[64];

				f->flags |= FLOW_SSH_COUNTED;
				ev_init(&ev, SIG_BRUTE_SSH, p);
				ev.threshold = w->s->cfg.ssh_attempts;
				(void)snprintf(extra, sizeof(extra), "\"threshold\":%u",
				    w->s->cfg.ssh_attempts);
				ev.extra = extra;
				emit(w, &ev);
			}
		} else if ((fl & MAMORI_TCP_ACK) && !(fl & (MAMORI_TCP_SYN | MAMORI_TCP_RST))) {
			/* out of state: the other side never answered (or only with resets),
			 * as with Mirai's ACK flood of random sequence numbers */
			if (f != NULL && from_init && !(f->flags & FLOW_RESP_LIVE))
				ddos_count(w, p, V_ACK, &p->src, &p->dst);
			else if (f != NULL && from_init && (f->flags & FLOW_HANDSHAKE) &&
			         fl == (MAMORI_TCP_ACK | MAMORI_TCP_PSH) && p->paylen > 0)
				ddos_count(w, p, V_STOMP, &p->src, &p->dst);
		}
		break;
	}
	case 17:
		if (p->dport == 53 && from_init)
			detect_dns(w, p);
		else if (p->dport == 69)
			detect_tftp(w, p);
		/* floods are sent by the side that opens each flow; answers (DNS replies, ...)
		 * are not counted against the asker */
		if (!from_init)
			break;
		if (p->dport == 27015 && p->paylen >= 24 &&
		    memcmp(p->payload, "\xff\xff\xff\xffTSource Engine Query", 24) == 0)
			ddos_count(w, p, V_VSE, &p->src, &p->dst);
		else if (p->dport != 53)
			ddos_count(w, p,
			    f != NULL && f->pkts[0] + f->pkts[1] > 10 ? V_UDP_PLAIN : V_UDP,
			    &p->src, &p->dst);
		break;
	case 1:
		if (p->icmp_type == 8)
			ddos_count(w, p, V_ICMP, &p->src, &p->dst);
		break;
	case 58:
		if (p->icmp_type == 128)
			ddos_count(w, p, V_ICMP, &p->src, &p->dst);
		break;
	default:
		break;
	}
}

/* ---- Telnet --------------------------------------------------------------------------------- */

static bool
upper_token(const char *s)
{
	size_t n = 0;

	for (; *s && *s != ' ' && *s != ';'; s++, n++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
			return false;
	return n >= 3;
}

static void
telnet_cb(void *arg, const struct mamori_telnet_event *tev)
{
	struct stream *st = arg;
	struct worker *w = st->w;
	struct event ev;
	char item[MAMORI_ALERT_ITEM_LEN], u[48], pw[48];

	if (tev->kind == MAMORI_TELNET_EV_LOGIN) {
		bool dict = creds_has(w->s->creds, tev->user, tev->pass);
		const char *res = tev->result == MAMORI_TELNET_SUCCESS  ? "success"
		                  : tev->result == MAMORI_TELNET_FAILED ? "failed"
		                                                        : "unknown";

		jstr(u, sizeof(u), (const uint8_t *)tev->user, strlen(tev->user));
		jstr(pw, sizeof(pw), (const uint8_t *)tev->pass, strlen(tev->pass));
		(void)snprintf(item, sizeof(item),
		    "{\"user\":%s,\"password\":%s,\"result\":\"%s\",\"default\":%s}", u, pw, res,
		    dict ? "true" : "false");
		ev_stream(&ev, SIG_BRUTE_TELNET, w, st->flow);
		ev.item = item;
		ev.threshold = w->s->cfg.bruteforce_attempts;
		emit(w, &ev);
		if (dict && tev->result == MAMORI_TELNET_SUCCESS) {
			ev_stream(&ev, SIG_BRUTE_DEFAULT_OK, w, st->flow);
			ev.item = item;
			emit(w, &ev);
		}
		return;
	}
	/* a command typed after a successful login */
	{
		const char *l = tev->line;
		enum sig_id sig = SIG_COUNT;
		const char *bb;

		while (*l == ' ')
			l++;
		bb = strstr(l, "/bin/busybox ");
		if (bb != NULL && upper_token(bb + 13))
			sig = SIG_INF_BUSYBOX;
		else if (strstr(l, "wget ") || strstr(l, "tftp ") || strstr(l, "ftpget ") ||
		         strstr(l, "curl ") || (strstr(l, "echo ") && strstr(l, "\\x")))
			sig = SIG_INF_DROPPER;
		else if (strstr(l, "chmod ") || strncmp(l, "./", 2) == 0 || strstr(l, "; ./") ||
		         strstr(l, ";./"))
			sig = SIG_INF_EXEC;
		else if (strcmp(l, "enable") == 0 || strcmp(l, "system") == 0 ||
		         strcmp(l, "shell") == 0 || strcmp(l, "sh") == 0 ||
		         strcmp(l, "linuxshell") == 0)
			sig = SIG_INF_SHELL;
		if (sig == SIG_COUNT)
			return;
		ev_stream(&ev, sig, w, st->flow);
		jstr(item, sizeof(item), (const uint8_t *)l, strlen(l));
		ev.item = item;
		emit(w, &ev);
	}
}

/* ---- HTTP ------------------------------------------------------------------------------------ */

static void
lower_copy(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = src[i];

		dst[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	dst[n] = '\0';
}

/* Parses requests at the start of the client's head buffer; returns bytes consumed, 0 to wait. */
static size_t
http_request(struct worker *w, struct flow *f, struct stream *st, bool ending)
{
	struct mamori_buf *hb = &st->d[0].head;
	struct mamori_http_req rq;
	mamori_err e = mamori_http_parse_request(hb->p, hb->len, &rq, NULL);
	char uri[MAMORI_HTTP_URI_MAX + 1], head[MAMORI_HTTP_HEAD_MAX + 1];
	char body[HTTP_BODY_WANT + 1];
	size_t ulen, blen, want;
	const struct rule *ru;
	struct event ev;
	char item[MAMORI_ALERT_ITEM_LEN];

	if (e == MAMORI_E_TRUNCATED && !ending)
		return 0;
	if (e != MAMORI_OK) {
		st->app = APP_NONE; /* not HTTP after all, or too large: stop following */
		return hb->len;
	}
	want = rq.has_content_length && rq.content_length < HTTP_BODY_WANT
	           ? (size_t)rq.content_length
	           : (rq.has_content_length ? HTTP_BODY_WANT : 0);
	if (hb->len - rq.head_len < want && !ending && hb->len < hb->max)
		return 0; /* wait for the body bytes the rules look at */
	blen = hb->len - rq.head_len < want ? hb->len - rq.head_len : want;
	ulen = mamori_http_unescape(rq.uri.p, rq.uri.len, false, uri, sizeof(uri));
	lower_copy(uri, (const uint8_t *)uri, ulen);
	lower_copy(
	    head, hb->p, rq.head_len < MAMORI_HTTP_HEAD_MAX ? rq.head_len : MAMORI_HTTP_HEAD_MAX);
	{
		char tmp[HTTP_BODY_WANT + 1];

		/* decode first, then lower-case: %57 must become 'w' like a literal W */
		blen = mamori_http_unescape(hb->p + rq.head_len, blen, true, tmp, sizeof(tmp));
		lower_copy(body, (const uint8_t *)tmp, blen);
	}
	st->http_reqs++;
	{
		char path[MAMORI_HTTP_URI_MAX + 1];
		char *q;

		memcpy(path, uri, ulen + 1);
		q = strchr(path, '?');
		if (q != NULL)
			*q = '\0';
		if (is_botname(path)) {
			uint8_t full[MAMORI_HTTP_URI_MAX + 300];
			size_t n = 0;

			if (rq.host.len > 0 && rq.host.len < 256) {
				memcpy(full, rq.host.p, rq.host.len);
				n = rq.host.len;
			}
			memcpy(
			    full + n, rq.uri.p, rq.uri.len < MAMORI_HTTP_URI_MAX ? rq.uri.len : 0);
			n += rq.uri.len < MAMORI_HTTP_URI_MAX ? rq.uri.len : 0;
			ev_stream(&ev, SIG_DL_BOTNAME, w, f);
			jstr(item, sizeof(item), full, n);
			ev.item = item;
			emit(w, &ev);
		}
	}
	ru = mamori_rules_match(&w->s->rules, uri, ulen, head, strlen(head), body, blen);
	if (ru != NULL) {
		char extra[RULE_REF_MAX + 32];
		uint8_t line[MAMORI_HTTP_URI_MAX + 16];
		size_t n = 0;

		memcpy(line, rq.method.p, rq.method.len < 16 ? rq.method.len : 0);
		n = rq.method.len < 16 ? rq.method.len : 0;
		line[n++] = ' ';
		memcpy(line + n, rq.uri.p, rq.uri.len < MAMORI_HTTP_URI_MAX ? rq.uri.len : 0);
		n += rq.uri.len < MAMORI_HTTP_URI_MAX ? rq.uri.len : 0;
		ev_stream(&ev, SIG_EXPLOIT, w, f);
		ev.sid = ru->sid;
		ev.msg = ru->msg;
		ev.severity = ru->severity;
		jstr(item, sizeof(item), line, n);
		ev.item = item;
		{
			char ref[RULE_REF_MAX + 8];

			jstr(ref, sizeof(ref), (const uint8_t *)ru->ref, strlen(ru->ref));
			(void)snprintf(extra, sizeof(extra), "\"reference\":%s", ref);
		}
		ev.extra = extra;
		emit(w, &ev);
	}
	{
		const struct flow_key *k = flow_key_of(f);
		const struct mamori_ip *src = f->init_is_a ? &k->a : &k->b;
		const struct mamori_ip *dst = f->init_is_a ? &k->b : &k->a;

		if (w->pkt != NULL)
			ddos_count(w, w->pkt, V_HTTP, src, dst);
	}
	/* the request and its body are done; a body longer than kept is skipped by length */
	if (rq.has_content_length && hb->len - rq.head_len < rq.content_length) {
		st->d[0].skip = rq.content_length - (hb->len - rq.head_len);
		return hb->len;
	}
	return rq.head_len + (rq.has_content_length ? (size_t)rq.content_length : 0);
}

/* Parses the response at the start of the server's head buffer; returns bytes consumed, 0 to
 * wait for more. A body is skipped by its Content-Length (also across capture gaps). */
static size_t
http_response(struct worker *w, struct flow *f, struct stream *st)
{
	struct mamori_buf *hb = &st->d[1].head;
	struct mamori_http_resp rs;
	struct event ev;
	char item[MAMORI_ALERT_ITEM_LEN];
	mamori_err e = mamori_http_parse_response(hb->p, hb->len, &rs, NULL);
	size_t body;

	if (e == MAMORI_E_TRUNCATED && hb->len < hb->max)
		return 0;
	if (e != MAMORI_OK) {
		st->http_resp_done = true; /* lost: stop looking at responses */
		return hb->len;
	}
	body = hb->len - rs.head_len;
	if (body < 20 && (!rs.has_content_length || rs.content_length > body) && hb->len < hb->max)
		return 0;
	if (rs.has_content_length && rs.content_length > body)
		st->d[1].skip = rs.content_length - body;
	if (body >= 20 && memcmp(hb->p + rs.head_len,
	                      "\x7f"
	                      "ELF",
	                      4) == 0) {
		const uint8_t *elf = hb->p + rs.head_len;
		unsigned mach = elf[5] == 2 ? (unsigned)elf[18] << 8 | elf[19]
		                            : (unsigned)elf[19] << 8 | elf[18];
		bool compromised;

		/* Devices also fetch firmware over plain HTTP (seen in the IoT Sentinel captures):
		 * alone, an ELF download is low severity; after the device was brute-forced or
		 * infected, it is the bot arriving */
		ev_stream(&ev, SIG_DL_ELF, w, f);
		sensor_lock(w->s);
		compromised = timeline_has(w->s->tl, &ev.src, MAMORI_STAGE_BRUTEFORCE, false) ||
		              timeline_has(w->s->tl, &ev.src, MAMORI_STAGE_INFECTION, false);
		sensor_unlock(w->s);
		ev.severity = compromised ? 1 : 3;
		/* the server sent it: the client (the device) fetched it */
		(void)snprintf(item, sizeof(item),
		    "{\"elf_class\":%u,\"elf_endian\":\"%s\",\"e_machine\":%u,"
		    "\"after_compromise\":%s}",
		    elf[4], elf[5] == 2 ? "big" : "little", mach, compromised ? "true" : "false");
		ev.item = item;
		emit(w, &ev);
	}
	if (!rs.has_content_length)
		st->http_resp_done = true; /* chunked or until close: not followed further */
	if (rs.has_content_length && rs.content_length < body)
		return rs.head_len + (size_t)rs.content_length;
	return hb->len;
}

/* ---- report and C&C ----------------------------------------------------------------------------
 */

static void
report_parse(struct worker *w, struct flow *f, struct stream *st)
{
	struct mamori_buf *hb = &st->d[0].head;
	struct mamori_reader r;
	uint8_t z, ulen, plen;
	uint32_t ip;
	uint16_t port;
	struct mamori_span user, pass;
	struct event ev;
	char item[MAMORI_ALERT_ITEM_LEN], u[48], pw[48];

	/* 0x00, IPv4 address, port, user length, user, password length, password
	 * (Mirai bot/scanner.c report_working and cnc/scanListen.go) */
	mamori_reader_init(&r, hb->p, hb->len);
	if (mamori_read_u8(&r, &z) != MAMORI_OK || mamori_read_be32(&r, &ip) != MAMORI_OK ||
	    mamori_read_be16(&r, &port) != MAMORI_OK || mamori_read_u8(&r, &ulen) != MAMORI_OK ||
	    mamori_read_span(&r, ulen, &user) != MAMORI_OK ||
	    mamori_read_u8(&r, &plen) != MAMORI_OK ||
	    mamori_read_span(&r, plen, &pass) != MAMORI_OK)
		return; /* wait for more */
	st->report_done = true;
	if (z != 0 || ulen == 0 || ulen > 64 || plen > 64)
		return;
	jstr(u, sizeof(u), user.p, user.len);
	jstr(pw, sizeof(pw), pass.p, pass.len);
	(void)snprintf(item, sizeof(item),
	    "{\"victim\":\"%u.%u.%u.%u:%u\",\"user\":%s,\"password\":%s}", ip >> 24,
	    (ip >> 16) & 255, (ip >> 8) & 255, ip & 255, port, u, pw);
	ev_stream(&ev, SIG_REPORT, w, f);
	ev.item = item;
	emit(w, &ev);
}

static void
c2_check(struct worker *w, struct flow *f, struct stream *st)
{
	struct mamori_buf *hb = &st->d[0].head;
	struct event ev;
	char extra[128], id[80];

	/* bot/main.c: the bot sends 00 00 00 01, an id length byte and the id, then two-byte
	 * keep-alives (00 00) about every 60 s; the C&C echoes them */
	if (!st->c2_reported) {
		uint8_t idlen;

		if (hb->len < 5)
			return;
		if (memcmp(hb->p, "\x00\x00\x00\x01", 4) != 0) {
			st->c2_hdr_len = UINT32_MAX; /* not C&C */
			return;
		}
		idlen = hb->p[4];
		if (idlen > 32) {
			st->c2_hdr_len = UINT32_MAX;
			return;
		}
		if (hb->len < 5u + idlen)
			return;
		st->c2_reported = true;
		st->c2_hdr_len = 5u + idlen;
		st->app = APP_C2;
		jstr(id, sizeof(id), hb->p + 5, idlen);
		(void)snprintf(extra, sizeof(extra), "\"bot_id\":%s", id);
		ev_stream(&ev, SIG_C2_MIRAI, w, f);
		ev.extra = extra;
		emit(w, &ev);
	}
	while (hb->len >= (size_t)st->c2_hdr_len + 2 * ((size_t)st->c2_keepalives + 1)) {
		size_t at = st->c2_hdr_len + 2 * (size_t)st->c2_keepalives;

		if (hb->p[at] != 0 || hb->p[at + 1] != 0)
			break;
		st->c2_keepalives++;
		jstr(id, sizeof(id), hb->p + 5, st->c2_hdr_len - 5);
		(void)snprintf(
		    extra, sizeof(extra), "\"bot_id\":%s,\"keepalives\":%u", id, st->c2_keepalives);
		ev_stream(&ev, SIG_C2_MIRAI, w, f);
		ev.extra = extra;
		emit(w, &ev);
	}
}

void
detect_stream(
    struct worker *w, struct flow *f, struct stream *st, int dir, const uint8_t *p, size_t n)
{
	const struct flow_key *k = flow_key_of(f);
	uint16_t sport = f->init_is_a ? k->bp : k->ap; /* the server's port */
	struct mamori_buf *hb = &st->d[dir].head;

	if (st->app == APP_NONE)
		return;
	if (st->app == APP_UNKNOWN) {
		if (in_ports(&w->s->cfg.telnet_ports, sport)) {
			st->telnet = calloc(1, sizeof(*st->telnet));
			if (st->telnet == NULL) {
				st->app = APP_NONE;
				return;
			}
			mamori_telnet_init(st->telnet, telnet_cb, st);
			st->app = APP_TELNET;
		} else if (in_ports(&w->s->cfg.report_ports, sport)) {
			st->app = APP_REPORT;
		} else if (dir == 0) {
			if (mamori_http_is_request(p, n))
				st->app = APP_HTTP;
			else if (n >= 1 && p[0] == 0)
				st->app = APP_C2; /* confirmed or refuted by c2_check */
			else
				st->app = APP_NONE;
		}
		/* server spoke first on an unknown port: keep its bytes until the client does */
	}
	/* body bytes announced by a Content-Length already handled are skipped */
	if (st->d[dir].skip > 0) {
		size_t skipn = st->d[dir].skip < n ? (size_t)st->d[dir].skip : n;

		st->d[dir].skip -= skipn;
		p += skipn;
		n -= skipn;
		if (n == 0)
			return;
	}
	/* keep the first bytes of each direction (bounded) */
	if (hb->len < hb->max) {
		size_t take = n < hb->max - hb->len ? n : hb->max - hb->len;

		if (mamori_buf_append(hb, p, take) != MAMORI_OK)
			st->d[dir].gap = true;
	}
	switch (st->app) {
	case APP_TELNET:
		mamori_telnet_feed(st->telnet, dir == 0, p, n);
		if (dir == 0 && st->c2_hdr_len != UINT32_MAX)
			c2_check(w, f, st);
		break;
	case APP_HTTP:
		if (dir == 0) {
			size_t used;

			while (st->app == APP_HTTP && hb->len > 0 &&
			       (used = http_request(w, f, st, false)) > 0)
				mamori_buf_consume(hb, used);
		} else {
			size_t used;

			while (!st->http_resp_done && hb->len > 0 &&
			       (used = http_response(w, f, st)) > 0)
				mamori_buf_consume(hb, used);
		}
		break;
	case APP_REPORT:
		if (dir == 0 && !st->report_done)
			report_parse(w, f, st);
		break;
	case APP_C2:
		if (dir == 0) {
			c2_check(w, f, st);
			if (st->c2_hdr_len == UINT32_MAX)
				st->app = APP_NONE;
		}
		break;
	default:
		break;
	}
}

void
detect_stream_gap(struct worker *w, struct flow *f, struct stream *st, int dir, size_t n)
{
	struct stream_dir *d = &st->d[dir];

	(void)w;
	(void)f;
	if (d->skip >= n) {
		d->skip -= n; /* the gap fell inside a body being skipped: still in step */
		return;
	}
	/* the gap cut a head: what is buffered can no longer be parsed in step */
	d->skip = 0;
	mamori_buf_reset(&d->head);
	if (st->app == APP_HTTP && dir == 1)
		st->http_resp_done = true;
}

void
detect_stream_end(struct worker *w, struct flow *f, struct stream *st)
{
	if (st->app == APP_TELNET && st->telnet != NULL)
		mamori_telnet_end(st->telnet);
	if (st->app == APP_HTTP && st->d[0].head.len > 0)
		(void)http_request(w, f, st, true);
}
