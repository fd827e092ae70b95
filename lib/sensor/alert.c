/* SPDX-License-Identifier: MIT */
/* Signatures, alert aggregation (one alert per signature, source, target and window, with a
 * count), and the EVE JSON and text renderings. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamori/json.h"
#include "sensor_priv.h"

#define CAT_LEAK   "Attempted Information Leak"
#define CAT_USER   "Attempted User Privilege Gain"
#define CAT_ADMIN  "Attempted Administrator Privilege Gain"
#define CAT_TROJAN "A Network Trojan was detected"
#define CAT_DOS    "Attempted Denial of Service"
#define CAT_POLICY "Potential Corporate Privacy Violation"

const struct sig mamori_sigs[SIG_COUNT] = {
    [SIG_SCAN_MIRAI] = {9000001, MAMORI_STAGE_SCAN, 2,
        "MAMORI Mirai scanner SYN (seq == destination address)", CAT_LEAK, "targets"},
    [SIG_SCAN_FANOUT] = {9000002, MAMORI_STAGE_SCAN, 2,
        "MAMORI fan-out scan of Telnet/SSH/IoT ports", CAT_LEAK, "targets"},
    [SIG_BRUTE_TELNET] = {9000010, MAMORI_STAGE_BRUTEFORCE, 2, "MAMORI Telnet login brute force",
        CAT_USER, "credentials"},
    [SIG_BRUTE_DEFAULT_OK] = {9000011, MAMORI_STAGE_BRUTEFORCE, 1,
        "MAMORI Telnet login succeeded with a factory-default credential", CAT_ADMIN,
        "credentials"},
    [SIG_BRUTE_SSH] = {9000012, MAMORI_STAGE_BRUTEFORCE, 2,
        "MAMORI SSH login brute force (repeated connections)", CAT_USER, NULL},
    [SIG_INF_SHELL] = {9000020, MAMORI_STAGE_INFECTION, 2,
        "MAMORI bot shell escape after Telnet login (enable/system/shell/sh)", CAT_ADMIN,
        "commands"},
    [SIG_INF_BUSYBOX] = {9000021, MAMORI_STAGE_INFECTION, 1,
        "MAMORI BusyBox applet probe (/bin/busybox TOKEN) after Telnet login", CAT_TROJAN,
        "commands"},
    [SIG_INF_DROPPER] = {9000022, MAMORI_STAGE_INFECTION, 1,
        "MAMORI bot dropper command (wget/tftp/echo) after Telnet login", CAT_TROJAN, "commands"},
    [SIG_INF_EXEC] = {9000023, MAMORI_STAGE_INFECTION, 1,
        "MAMORI chmod/execute of a dropped file after Telnet login", CAT_TROJAN, "commands"},
    [SIG_DL_BOTNAME] = {9000030, MAMORI_STAGE_DOWNLOAD, 1,
        "MAMORI IoT malware download (architecture-suffixed bot name over HTTP)", CAT_TROJAN,
        "urls"},
    [SIG_DL_ELF] = {9000031, MAMORI_STAGE_DOWNLOAD, 3, "MAMORI ELF executable fetched over HTTP",
        CAT_TROJAN, "files"},
    [SIG_DL_TFTP] = {9000032, MAMORI_STAGE_DOWNLOAD, 1, "MAMORI IoT malware download over TFTP",
        CAT_TROJAN, "files"},
    [SIG_EXPLOIT] = {9100000, MAMORI_STAGE_EXPLOIT, 1, "MAMORI IoT web exploit", CAT_ADMIN,
        "requests"},
    [SIG_REPORT] = {9000040, MAMORI_STAGE_REPORT, 1,
        "MAMORI Mirai scan-result report (victim credentials to a report server)", CAT_TROJAN,
        "victims"},
    [SIG_C2_MIRAI] = {9000050, MAMORI_STAGE_C2, 1,
        "MAMORI Mirai C&C session (bot registration 00 00 00 01 and keep-alives)", CAT_TROJAN,
        NULL},
    [SIG_C2_RESOLVER] = {9000051, MAMORI_STAGE_C2, 3,
        "MAMORI device queries a public DNS resolver directly", CAT_POLICY, "names"},
    [SIG_DDOS_SYN] = {9000060, MAMORI_STAGE_DDOS, 1, "MAMORI SYN flood", CAT_DOS, NULL},
    [SIG_DDOS_ACK] = {9000061, MAMORI_STAGE_DDOS, 1, "MAMORI ACK flood", CAT_DOS, NULL},
    [SIG_DDOS_STOMP] = {9000062, MAMORI_STAGE_DDOS, 1, "MAMORI TCP STOMP flood (ACK+PSH data)",
        CAT_DOS, NULL},
    [SIG_DDOS_UDP] = {9000063, MAMORI_STAGE_DDOS, 1, "MAMORI UDP flood (generic)", CAT_DOS, NULL},
    [SIG_DDOS_UDP_PLAIN] = {9000064, MAMORI_STAGE_DDOS, 1, "MAMORI UDP flood (plain)", CAT_DOS,
        NULL},
    [SIG_DDOS_VSE] = {9000065, MAMORI_STAGE_DDOS, 1,
        "MAMORI Valve Source Engine query flood (Mirai VSE)", CAT_DOS, NULL},
    [SIG_DDOS_DNS] = {9000066, MAMORI_STAGE_DDOS, 1,
        "MAMORI DNS water torture (random labels under one domain)", CAT_DOS, NULL},
    [SIG_DDOS_GREIP] = {9000067, MAMORI_STAGE_DDOS, 1, "MAMORI GRE IP flood", CAT_DOS, NULL},
    [SIG_DDOS_GREETH] = {9000068, MAMORI_STAGE_DDOS, 1, "MAMORI GRE Ethernet flood", CAT_DOS, NULL},
    [SIG_DDOS_HTTP] = {9000069, MAMORI_STAGE_DDOS, 1, "MAMORI HTTP request flood", CAT_DOS, NULL},
    [SIG_DDOS_ICMP] = {9000070, MAMORI_STAGE_DDOS, 1, "MAMORI ICMP echo flood", CAT_DOS, NULL},
};

const char *
mamori_stage_name(enum mamori_stage s)
{
	static const char *names[MAMORI_STAGE_COUNT] = {
	    "scan", "bruteforce", "infection", "download", "exploit", "report", "c2", "ddos"};

	return (unsigned)s < MAMORI_STAGE_COUNT ? names[s] : "unknown";
}

struct agg_key {
	uint32_t sid;
	uint8_t has_src, has_dst;
	uint8_t pad[2];
	struct mamori_ip src, dst;
};

struct agg_ent {
	struct mamori_alert a;
	uint8_t dst_bits[HOST_BITMAP_BYTES];
	uint8_t src_bits[HOST_BITMAP_BYTES];
	uint32_t threshold;
	uint64_t src_hint;
	bool block_done;
	char msg[RULE_MSG_MAX];
};

struct agg {
	struct ktab t;
	struct mamori_sensor *s; /* for emission from the eviction callback */
};

static void emit_ent(struct mamori_sensor *s, struct agg_ent *e);

static void
agg_evicted(void *arg, void *val, bool expired)
{
	struct agg *a = arg;

	/* evicted early because the table is full: emit what it has rather than lose it */
	if (!expired && a->s != NULL)
		emit_ent(a->s, val);
}

mamori_err
agg_new(struct agg **out, uint32_t cap, uint64_t seed)
{
	struct agg *a = calloc(1, sizeof(*a));
	mamori_err e;

	(void)seed;
	if (a == NULL)
		return MAMORI_E_NOMEM;
	e = ktab_init(&a->t, cap, sizeof(struct agg_key), sizeof(struct agg_ent), agg_evicted, a);
	if (e != MAMORI_OK) {
		free(a);
		return e;
	}
	*out = a;
	return MAMORI_OK;
}

void
agg_free(struct agg *a)
{
	if (a == NULL)
		return;
	ktab_free(&a->t);
	free(a);
}

/* Linear counting over a 512-bit sketch: n = -m ln(zeros/m). */
static uint64_t
sketch_estimate(const uint8_t *bits)
{
	unsigned zeros = 0;
	double m = HOST_BITMAP_BYTES * 8.0, est;

	for (size_t i = 0; i < HOST_BITMAP_BYTES; i++)
		zeros += 8u - (unsigned)__builtin_popcount(bits[i]);
	if (zeros == 0)
		return (uint64_t)(m * 7.0); /* saturated: at least this many */
	est = -m * __builtin_log((double)zeros / m);
	return (uint64_t)(est + 0.5);
}

static void
sketch_add(uint8_t *bits, const struct mamori_ip *ip)
{
	uint64_t h = mamori_hash(ip->b, sizeof(ip->b), 0x6a09e667f3bcc908ull);
	unsigned b = (unsigned)(h % ((uint64_t)HOST_BITMAP_BYTES * 8u));

	bits[b / 8] |= (uint8_t)(1u << (b % 8));
}

static void
emit_ent(struct mamori_sensor *s, struct agg_ent *e)
{
	if (e->a.count < e->threshold)
		return;
	e->a.distinct_dst = sketch_estimate(e->dst_bits);
	e->a.distinct_src = sketch_estimate(e->src_bits);
	if (e->src_hint > e->a.distinct_src)
		e->a.distinct_src = e->src_hint;
	s->shared.alerts[e->a.stage]++;
	if (s->on_alert != NULL)
		s->on_alert(s->alert_arg, &e->a);
}

static void
add_item(struct agg_ent *e, const char *item)
{
	size_t n = strlen(item);

	if (n >= MAMORI_ALERT_ITEM_LEN)
		return; /* callers render items within the bound */
	for (size_t i = 0; i < e->a.nitems; i++)
		if (strcmp(e->a.items[i], item) == 0)
			return;
	if (e->a.nitems >= MAMORI_ALERT_ITEMS_MAX) {
		e->a.items_dropped++;
		return;
	}
	memcpy(e->a.items[e->a.nitems++], item, n + 1);
}

void
agg_event(struct mamori_sensor *s, const struct event *ev)
{
	const struct sig *sg = &mamori_sigs[ev->sig];
	struct agg_key k;
	struct agg_ent *e;
	bool created, evicted;
	uint32_t now = (uint32_t)(ev->ts_us / 1000000u);

	memset(&k, 0, sizeof(k));
	k.sid = ev->sid ? ev->sid : sg->sid;
	k.has_src = ev->has_src;
	k.has_dst = ev->has_dst;
	if (ev->has_src)
		k.src = ev->src;
	if (ev->has_dst)
		k.dst = ev->dst;
	s->agg->s = s;
	e = ktab_get(&s->agg->t, &k, now, true, &created, &evicted);
	if (evicted)
		s->shared.alerts_dropped++;
	if (!created && ev->ts_us >= e->a.first_us + (uint64_t)s->cfg.alert_window * 1000000u) {
		/* the window has passed: this alert is complete, a new one starts */
		emit_ent(s, e);
		memset(e, 0, sizeof(*e));
		created = true;
	}
	if (created) {
		e->a.sid = k.sid;
		e->a.rev = 1;
		if (ev->msg != NULL) {
			(void)snprintf(e->msg, sizeof(e->msg), "%s", ev->msg);
			e->a.signature = e->msg;
		} else {
			e->a.signature = sg->msg;
		}
		e->a.category = sg->category;
		e->a.severity = ev->severity ? ev->severity : sg->severity;
		e->a.stage = sg->stage;
		e->a.has_src = ev->has_src;
		e->a.has_dst = ev->has_dst;
		e->a.src = ev->src;
		e->a.dst = ev->dst;
		e->a.sport = ev->sport;
		e->a.dport = ev->dport;
		e->a.proto = ev->proto;
		e->a.flow_id = ev->flow_id;
		e->a.first_us = ev->ts_us;
		e->a.items_key = sg->items_key;
		e->threshold = ev->threshold;
	}
	if (ev->ts_us > e->a.last_us)
		e->a.last_us = ev->ts_us;
	e->a.count += ev->add ? ev->add : 1;
	if (ev->item != NULL) {
		add_item(e, ev->item);
	} else if (ev->item_ip != NULL && e->a.nitems < MAMORI_ALERT_ITEMS_MAX) {
		/* rendered only while there is room: a scan of thousands costs no formatting */
		char ip[MAMORI_IP_STRLEN], item[MAMORI_IP_STRLEN + 16];

		mamori_ip_str(ev->item_ip, ip);
		(void)snprintf(item, sizeof(item), "\"%s:%u\"", ip, ev->item_port);
		add_item(e, item);
	} else if (ev->item_ip != NULL) {
		e->a.items_dropped++;
	}
	if (ev->extra != NULL)
		(void)snprintf(e->a.extra, sizeof(e->a.extra), "%s", ev->extra);
	if (ev->target_for_distinct != NULL)
		sketch_add(e->dst_bits, ev->target_for_distinct);
	if (ev->source_for_distinct != NULL)
		sketch_add(e->src_bits, ev->source_for_distinct);
	if (ev->distinct_src_hint > e->src_hint)
		e->src_hint = ev->distinct_src_hint;
	if (!e->block_done && e->a.severity == 1 && e->a.has_src && e->a.count >= e->threshold &&
	    s->on_block != NULL) {
		e->block_done = true;
		e->a.blocked = true;
		s->on_block(s->block_arg, &e->a.src, &e->a);
	}
}

struct flush_ctx {
	struct mamori_sensor *s;
	uint64_t now_us;
	bool all;
};

static void
flush_one(void *arg, void *key, void *val)
{
	struct flush_ctx *c = arg;
	struct agg_ent *e = val;

	(void)key;
	if (c->all || c->now_us >= e->a.first_us + (uint64_t)c->s->cfg.alert_window * 1000000u) {
		emit_ent(c->s, e);
		ktab_del_val(&c->s->agg->t, e);
	}
}

void
agg_flush(struct mamori_sensor *s, uint64_t now_us, bool all)
{
	struct flush_ctx c = {s, now_us, all};

	s->agg->s = s;
	ktab_each(&s->agg->t, flush_one, &c);
}

/* ---- rendering --------------------------------------------------------------------------- */

void
mamori_format_time(uint64_t us, char out[40])
{
	time_t t = (time_t)(us / 1000000u);
	struct tm tm;
	char tmp[96];

	if (gmtime_r(&t, &tm) == NULL) {
		(void)snprintf(out, 40, "1970-01-01T00:00:00.000000+0000");
		return;
	}
	(void)snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (unsigned)(us % 1000000u));
	(void)snprintf(out, 40, "%.39s", tmp);
}

static const char *
proto_name(uint8_t p, char tmp[8])
{
	switch (p) {
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 1:
		return "ICMP";
	case 58:
		return "IPv6-ICMP";
	case 47:
		return "GRE";
	default:
		(void)snprintf(tmp, 8, "%u", p);
		return tmp;
	}
}

mamori_err
mamori_alert_eve(const struct mamori_alert *a, struct mamori_buf *out)
{
	struct mamori_json j;
	char ts[40], ip[MAMORI_IP_STRLEN], pn[8];
	mamori_err e;

	mamori_json_init(&j, out);
	mamori_json_obj_begin(&j);
	mamori_format_time(a->first_us, ts);
	mamori_json_kstr(&j, "timestamp", ts);
	mamori_json_ku64(&j, "flow_id", a->flow_id);
	mamori_json_kstr(&j, "event_type", "alert");
	if (a->has_src) {
		mamori_ip_str(&a->src, ip);
		mamori_json_kstr(&j, "src_ip", ip);
		mamori_json_ku64(&j, "src_port", a->sport);
	}
	if (a->has_dst) {
		mamori_ip_str(&a->dst, ip);
		mamori_json_kstr(&j, "dest_ip", ip);
	}
	/* the port is known even when the targets are many (a scan of port 23) */
	if (a->has_dst || a->dport != 0)
		mamori_json_ku64(&j, "dest_port", a->dport);
	mamori_json_kstr(&j, "proto", proto_name(a->proto, pn));
	mamori_json_key(&j, "alert");
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "action", a->blocked ? "blocked" : "allowed");
	mamori_json_ku64(&j, "gid", 1);
	mamori_json_ku64(&j, "signature_id", a->sid);
	mamori_json_ku64(&j, "rev", a->rev);
	mamori_json_kstr(&j, "signature", a->signature);
	mamori_json_kstr(&j, "category", a->category);
	mamori_json_ku64(&j, "severity", a->severity);
	mamori_json_obj_end(&j);
	mamori_json_key(&j, "mamori");
	mamori_json_obj_begin(&j);
	mamori_json_kstr(&j, "stage", mamori_stage_name(a->stage));
	mamori_json_ku64(&j, "count", a->count);
	mamori_json_kstr(&j, "first_seen", ts);
	mamori_format_time(a->last_us, ts);
	mamori_json_kstr(&j, "last_seen", ts);
	mamori_json_key(&j, "evidence");
	mamori_json_obj_begin(&j);
	if (!a->has_dst)
		mamori_json_ku64(&j, "distinct_targets", a->distinct_dst);
	if (!a->has_src)
		mamori_json_ku64(&j, "distinct_sources", a->distinct_src);
	if (a->items_key != NULL && a->nitems > 0) {
		mamori_json_key(&j, a->items_key);
		mamori_json_arr_begin(&j);
		/* items are JSON values rendered by the detectors: written verbatim */
		for (size_t i = 0; i < a->nitems; i++) {
			if (i > 0 && j.err == MAMORI_OK)
				j.err = mamori_buf_putc(out, ',');
			if (j.err == MAMORI_OK)
				j.err = mamori_buf_append(out, a->items[i], strlen(a->items[i]));
			j.first[j.depth] = false;
		}
		mamori_json_arr_end(&j);
		if (a->items_dropped > 0)
			mamori_json_ku64(&j, "more_items", a->items_dropped);
	}
	if (a->extra[0] != '\0' && j.err == MAMORI_OK) {
		if (!j.first[j.depth])
			j.err = mamori_buf_putc(out, ',');
		if (j.err == MAMORI_OK)
			j.err = mamori_buf_append(out, a->extra, strlen(a->extra));
		j.first[j.depth] = false;
	}
	mamori_json_obj_end(&j);
	mamori_json_obj_end(&j);
	mamori_json_obj_end(&j);
	e = mamori_json_err(&j);
	if (e != MAMORI_OK)
		return e;
	return mamori_buf_putc(out, '\n');
}

mamori_err
mamori_alert_text(const struct mamori_alert *a, struct mamori_buf *out)
{
	char ts[40], sip[MAMORI_IP_STRLEN] = "*", dip[MAMORI_IP_STRLEN] = "*", pn[8];
	mamori_err e;

	mamori_format_time(a->first_us, ts);
	if (a->has_src)
		mamori_ip_str(&a->src, sip);
	if (a->has_dst)
		mamori_ip_str(&a->dst, dip);
	e = mamori_buf_printf(out, "%.19s %-10s sev %u  %s -> %s:%u %s  %s  count=%" PRIu64, ts,
	    mamori_stage_name(a->stage), a->severity, sip, dip, a->dport, proto_name(a->proto, pn),
	    a->signature, a->count);
	if (e == MAMORI_OK && !a->has_dst)
		e = mamori_buf_printf(out, " targets~%" PRIu64, a->distinct_dst);
	for (size_t i = 0; e == MAMORI_OK && i < a->nitems && i < 6; i++)
		e = mamori_buf_printf(out, "%s%s", i == 0 ? "  [" : ", ", a->items[i]);
	if (e == MAMORI_OK && a->nitems > 0)
		e = mamori_buf_printf(out, "%s]", a->nitems > 6 ? ", ..." : "");
	if (e == MAMORI_OK && a->extra[0] != '\0')
		e = mamori_buf_printf(out, "  {%s}", a->extra);
	if (e == MAMORI_OK && a->blocked)
		e = mamori_buf_printf(out, "  BLOCKED");
	if (e == MAMORI_OK)
		e = mamori_buf_putc(out, '\n');
	return e;
}
