/* SPDX-License-Identifier: MIT */
/* The sensor engine: per-worker flow and host tables, the packet path, shared aggregation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/pkt.h"
#include "sensor_priv.h"

/* slots looked at per second of packet time: a whole table every 8 s */
#define SWEEP_SHIFT 3

void
sensor_lock(struct mamori_sensor *s)
{
	if (s->nw > 1)
		(void)pthread_mutex_lock(&s->lock);
}

void
sensor_unlock(struct mamori_sensor *s)
{
	if (s->nw > 1)
		(void)pthread_mutex_unlock(&s->lock);
}

static void
end_stream(struct worker *w, struct flow *f)
{
	if (f->st == NULL)
		return;
	detect_stream_end(w, f, f->st);
	stream_free(w, f->st);
	f->st = NULL;
}

static void
flow_gone(void *arg, void *val, bool expired)
{
	struct worker *w = arg;
	struct flow *f = val;

	if (expired)
		w->st.flow_expired++;
	else
		w->st.flow_evictions++;
	end_stream(w, f);
}

static void
host_gone(void *arg, void *val, bool expired)
{
	struct worker *w = arg;

	(void)val;
	if (!expired)
		w->st.host_evictions++;
}

static uint32_t
flow_timeout(const void *val, void *arg)
{
	const struct flow *f = val;
	const struct mamori_sensor *s = arg;

	if (f->flags & FLOW_CLOSED)
		return s->cfg.tcp_closed_timeout;
	/* nobody answered: a probe, a spoofed packet, a flood; no reason to keep it long */
	if (f->pkts[1] == 0)
		return s->cfg.embryonic_timeout;
	return s->cfg.flow_timeout;
}

static uint32_t
host_timeout(const void *val, void *arg)
{
	(void)val;
	return ((const struct mamori_sensor *)arg)->cfg.host_timeout;
}

mamori_err
mamori_sensor_new(const struct mamori_sensor_config *c, mamori_alert_fn on_alert, void *arg,
    struct mamori_sensor **out, struct mamori_diag *d)
{
	struct mamori_sensor *s;
	mamori_err e = MAMORI_E_NOMEM;
	char path[MAMORI_SENSOR_PATH_MAX + 32];
	struct mamori_buf b;

	if (c->workers == 0 || c->workers > MAMORI_SENSOR_MAX_WORKERS)
		return mamori_diag_set(
		    d, MAMORI_E_INVAL, 0, 0, "workers must be 1 to %d", MAMORI_SENSOR_MAX_WORKERS);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MAMORI_E_NOMEM;
	s->cfg = *c;
	s->on_alert = on_alert;
	s->alert_arg = arg;
	s->nw = c->workers;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		return MAMORI_E_NOMEM;
	}
	s->w = calloc(s->nw, sizeof(*s->w));
	if (s->w == NULL)
		goto fail;
	for (unsigned i = 0; i < s->nw; i++) {
		struct worker *w = &s->w[i];

		w->s = s;
		w->idx = i;
		w->rate_div = s->nw;
		{
			/* linear counting: n distinct in m bits leaves m e^(-n/m) zeros */
			double m = HOST_BITMAP_BYTES * 8.0;
			double n = (double)c->scan_hosts / s->nw;

			w->scan_zeros_thr = (uint16_t)(m * __builtin_exp(-(n < 2 ? 2 : n) / m));
		}
		w->flood = calloc(FLOOD_SLOTS, sizeof(*w->flood));
		if (w->flood == NULL) {
			e = MAMORI_E_NOMEM;
			goto fail;
		}
		w->next_flow_id = ((uint64_t)i << 56) + 1;
		e = ktab_init(&w->flows, c->max_flows, sizeof(struct flow_key), sizeof(struct flow),
		    flow_gone, w);
		if (e == MAMORI_OK)
			e = ktab_init(&w->hosts, c->max_hosts, sizeof(struct mamori_ip),
			    sizeof(struct host), host_gone, w);
		if (e != MAMORI_OK)
			goto fail;
	}
	s->scanned = calloc(SCANNED_SLOTS, sizeof(*s->scanned));
	if (s->scanned == NULL) {
		e = MAMORI_E_NOMEM;
		goto fail;
	}
	e = agg_new(&s->agg, c->max_alerts, 0);
	if (e == MAMORI_OK)
		e = timeline_new(&s->tl, c->max_timeline);
	if (e != MAMORI_OK)
		goto fail;
	e = creds_load(&s->creds, c, d);
	if (e != MAMORI_OK)
		goto fail;
	if (c->rules_file[0] != '\0')
		(void)snprintf(path, sizeof(path), "%s", c->rules_file);
	else
		(void)snprintf(path, sizeof(path), "%s/sensor/exploit.rules", c->data_dir);
	mamori_buf_init(&b, (size_t)1024 * 1024);
	e = mamori_read_file(path, &b);
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		(void)mamori_diag_set(d, e, 0, 0, "%s: cannot read: %s", path, mamori_strerror(e));
		goto fail;
	}
	e = mamori_rules_parse(&s->rules, b.p, b.len, d);
	mamori_buf_free(&b);
	if (e != MAMORI_OK) {
		if (d != NULL) {
			char msg[MAMORI_DIAG_MSG_MAX];

			(void)snprintf(msg, sizeof(msg), "%s", d->msg);
			(void)snprintf(
			    d->msg, sizeof(d->msg), "%.60s:%zu: %.80s", path, d->line, msg);
		}
		goto fail;
	}
	*out = s;
	return MAMORI_OK;
fail:
	mamori_sensor_free(s);
	return e;
}

void
mamori_sensor_set_block(struct mamori_sensor *s, mamori_block_fn fn, void *arg)
{
	s->on_block = fn;
	s->block_arg = arg;
}

static void
end_all(void *arg, void *key, void *val)
{
	(void)key;
	end_stream(arg, val);
}

void
mamori_sensor_free(struct mamori_sensor *s)
{
	if (s == NULL)
		return;
	if (s->w != NULL) {
		for (unsigned i = 0; i < s->nw; i++) {
			if (s->w[i].flows.ents != NULL)
				ktab_each(&s->w[i].flows, end_all, &s->w[i]);
			ktab_free(&s->w[i].flows);
			ktab_free(&s->w[i].hosts);
			free(s->w[i].flood);
		}
	}
	free(s->w);
	free(s->scanned);
	agg_free(s->agg);
	timeline_free(s->tl);
	creds_free(s->creds);
	mamori_rules_free(&s->rules);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static void
make_key(const struct mamori_pkt *p, struct flow_key *k, bool *src_is_a)
{
	uint64_t s0, s1, d0, d1;
	int c;

	/* any total order will do for the canonical direction; words are cheaper than memcmp */
	memcpy(&s0, p->src.b, 8);
	memcpy(&s1, p->src.b + 8, 8);
	memcpy(&d0, p->dst.b, 8);
	memcpy(&d1, p->dst.b + 8, 8);
	c = s0 != d0 ? (s0 < d0 ? -1 : 1) : s1 != d1 ? (s1 < d1 ? -1 : 1) : 0;
	memset(k, 0, sizeof(*k));
	k->proto = p->proto;
	if (c < 0 || (c == 0 && p->sport <= p->dport)) {
		k->a = p->src;
		k->b = p->dst;
		k->ap = p->sport;
		k->bp = p->dport;
		*src_is_a = true;
	} else {
		k->a = p->dst;
		k->b = p->src;
		k->ap = p->dport;
		k->bp = p->sport;
		*src_is_a = false;
	}
}

static void
per_second(struct worker *w, uint64_t ts_us)
{
	struct mamori_sensor *s = w->s;

	w->last_sweep = w->now;
	(void)ktab_expire(&w->flows, w->now, flow_timeout, s, (w->flows.cap >> SWEEP_SHIFT) + 1);
	(void)ktab_expire(&w->hosts, w->now, host_timeout, s, (w->hosts.cap >> SWEEP_SHIFT) + 1);
	if (w->flows.used > w->st.flows_active_max)
		w->st.flows_active_max = w->flows.used;
	detect_second(w);
	/* file mode: packet time drives the alert windows */
	if (s->nw == 1)
		agg_flush(s, ts_us, false);
}

/* A decoded packet with its flow key and hash, ready for the tables. */
struct prepared {
	struct mamori_pkt p;
	struct flow_key k;
	uint32_t b, tag;   /* flow table */
	uint32_t hb, htag; /* host table, for a SYN to a scan port */
	uint32_t fi;       /* flood slot of the likely vector */
	uint32_t si;       /* scanned-address slot, for a Mirai scanner SYN */
	uint32_t wirelen;
	bool ok, src_is_a, want_host, want_flood, want_scanned;
};

static bool
scan_port(const struct mamori_sensor_config *c, uint16_t port)
{
	for (size_t i = 0; i < c->scan_ports.n; i++)
		if (c->scan_ports.v[i] == port)
			return true;
	return false;
}

/* Stage one: everything that does not touch shared state. */
static void
prepare(struct worker *w, const struct mamori_cap_rec *rec, struct prepared *pp)
{
	pp->wirelen = rec->wirelen;
	pp->ok = mamori_pkt_decode(&pp->p, rec->linktype, rec->data, rec->caplen, rec->wirelen) ==
	         MAMORI_OK;
	pp->p.ts_us = rec->ts_us;
	pp->want_host = false;
	pp->want_flood = false;
	pp->want_scanned = false;
	if (pp->ok && pp->p.ipver != 0 && !pp->p.frag_later) {
		const struct mamori_pkt *p = &pp->p;

		make_key(&pp->p, &pp->k, &pp->src_is_a);
		ktab_hash(&w->flows, &pp->k, &pp->b, &pp->tag);
		/* guess the tables detect_packet() will touch, so the batch can prefetch them */
		if (p->proto == 6 &&
		    (p->tcp_flags & (MAMORI_TCP_SYN | MAMORI_TCP_ACK)) == MAMORI_TCP_SYN) {
			pp->want_flood = true;
			pp->fi = flood_index(&p->dst, V_SYN);
			if (p->ipver == 4 && p->seq == mamori_ip_v4(&p->dst) &&
			    w->s->cfg.home_net.any) {
				pp->want_scanned = true;
				pp->si = scanned_index(&p->dst);
			}
			if (scan_port(&w->s->cfg, p->dport)) {
				pp->want_host = true;
				ktab_hash(&w->hosts, &p->src, &pp->hb, &pp->htag);
			}
		} else if (p->proto == 17 && p->dport != 53 && p->sport != 53) {
			pp->want_flood = true;
			pp->fi = flood_index(&p->dst, V_UDP);
		}
	}
}

static void process(struct worker *w, struct prepared *pp);

void
mamori_sensor_packet(struct mamori_sensor *s, unsigned wi, const struct mamori_cap_rec *rec)
{
	struct worker *w = &s->w[wi < s->nw ? wi : 0];
	struct prepared pp;

	prepare(w, rec, &pp);
	process(w, &pp);
}

void
mamori_sensor_packets(
    struct mamori_sensor *s, unsigned wi, const struct mamori_cap_rec *recs, size_t n)
{
	struct worker *w = &s->w[wi < s->nw ? wi : 0];
	struct prepared pp[MAMORI_SENSOR_BATCH];

	while (n > 0) {
		size_t m = n < MAMORI_SENSOR_BATCH ? n : MAMORI_SENSOR_BATCH;

		/* decode and hash the batch, then fetch the chain heads and their first entries
		 * from memory for all of it while the first packets are processed */
		for (size_t i = 0; i < m; i++) {
			prepare(w, &recs[i], &pp[i]);
			if (pp[i].ok && pp[i].p.ipver != 0 && !pp[i].p.frag_later)
				ktab_prefetch_head(&w->flows, pp[i].b);
			if (pp[i].want_host)
				ktab_prefetch_head(&w->hosts, pp[i].hb);
			if (pp[i].want_flood) {
				/* the two slots of a set span three cache lines */
				const char *fl = (const char *)&w->flood[pp[i].fi];

				__builtin_prefetch(fl);
				__builtin_prefetch(fl + 64);
				__builtin_prefetch(fl + 128);
			}
			if (pp[i].want_scanned)
				__builtin_prefetch(&w->s->scanned[pp[i].si]);
		}
		for (size_t i = 0; i < m; i++) {
			if (pp[i].ok && pp[i].p.ipver != 0 && !pp[i].p.frag_later)
				ktab_prefetch_ent(&w->flows, pp[i].b);
			if (pp[i].want_host)
				ktab_prefetch_ent(&w->hosts, pp[i].hb);
		}
		for (size_t i = 0; i < m; i++)
			process(w, &pp[i]);
		recs += m;
		n -= m;
	}
}

/* Stage two: tables, detectors, streams. */
static void
process(struct worker *w, struct prepared *pp)
{
	struct mamori_pkt *pk = &pp->p;
	struct flow *f = NULL;
	bool created, evicted, from_init = true;
	uint32_t now;

	w->st.packets++;
	w->st.bytes += pp->wirelen;
	if (!pp->ok) {
		w->st.decode_errors++;
		return;
	}
	now = (uint32_t)(pk->ts_us / 1000000u);
	if (now > w->now) {
		w->now = now;
		per_second(w, pk->ts_us);
	}
	if (pk->ipver == 0) {
		w->st.non_ip++;
		return;
	}
	if (pk->frag)
		w->st.fragments++;
	if (pk->tun != MAMORI_TUN_NONE)
		w->st.tunneled++;
	w->pkt = pk;
	if (!pk->frag_later) {
		f = ktab_get_h(&w->flows, &pp->k, pp->b, pp->tag, w->now, true, &created, &evicted);
		if (created) {
			w->st.flows++;
			f->id = w->next_flow_id++;
			f->first = w->now;
			f->init_is_a = pp->src_is_a;
			if (pk->proto == 6 &&
			    (pk->tcp_flags & (MAMORI_TCP_SYN | MAMORI_TCP_ACK)) == MAMORI_TCP_SYN)
				f->flags |= FLOW_HANDSHAKE;
			else if (pk->proto == 6)
				f->flags |= FLOW_MIDSTREAM;
		}
		from_init = (pp->src_is_a == (f->init_is_a != 0));
		if (f->pkts[from_init ? 0 : 1] < UINT32_MAX)
			f->pkts[from_init ? 0 : 1]++;
		if (pk->proto == 6) {
			f->tcp_flags_seen[from_init ? 0 : 1] |= pk->tcp_flags;
			if (!from_init && !(pk->tcp_flags & MAMORI_TCP_RST))
				f->flags |= FLOW_RESP_LIVE;
			if (pk->tcp_flags & (MAMORI_TCP_RST | MAMORI_TCP_FIN))
				f->flags |= FLOW_CLOSED;
		}
	}
	w->cur_flow = f;
	w->cur_from_init = from_init;
	detect_packet(w, pk, f, from_init);
	if (f != NULL && pk->proto == 6 && !(f->flags & FLOW_NOINSPECT) &&
	    (pk->paylen > 0 || f->st != NULL)) {
		if (f->st == NULL && pk->paylen > 0) {
			f->st = stream_new(w, f);
			if (f->st == NULL)
				f->flags |= FLOW_NOINSPECT;
		}
		if (f->st != NULL) {
			stream_segment(w, f, f->st, from_init ? 0 : 1, pk);
			if (f->st->app == APP_NONE) {
				stream_free(w, f->st);
				f->st = NULL;
				f->flags |= FLOW_NOINSPECT;
			}
		}
	}
	/* a reset, or FIN from both sides, ends the session for the analyzers */
	if (f != NULL && f->st != NULL &&
	    ((pk->tcp_flags & MAMORI_TCP_RST) || ((f->tcp_flags_seen[0] & MAMORI_TCP_FIN) &&
	                                             (f->tcp_flags_seen[1] & MAMORI_TCP_FIN))))
		end_stream(w, f);
	w->pkt = NULL;
	w->cur_flow = NULL;
}

void
mamori_sensor_tick(struct mamori_sensor *s, uint64_t now_us)
{
	sensor_lock(s);
	agg_flush(s, now_us, false);
	sensor_unlock(s);
}

void
mamori_sensor_finish(struct mamori_sensor *s)
{
	for (unsigned i = 0; i < s->nw; i++) {
		ktab_each(&s->w[i].flows, end_all, &s->w[i]);
		detect_finish(&s->w[i]);
	}
	sensor_lock(s);
	agg_flush(s, 0, true);
	sensor_unlock(s);
}

void
mamori_sensor_get_stats(struct mamori_sensor *s, struct mamori_sensor_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned i = 0; i < s->nw; i++) {
		const struct mamori_sensor_stats *a = &s->w[i].st;

		st->packets += a->packets;
		st->bytes += a->bytes;
		st->decode_errors += a->decode_errors;
		st->non_ip += a->non_ip;
		st->fragments += a->fragments;
		st->tunneled += a->tunneled;
		st->flows += a->flows;
		st->flow_evictions += a->flow_evictions;
		st->flow_expired += a->flow_expired;
		st->flows_active_max += a->flows_active_max > s->w[i].flows.used
		                            ? a->flows_active_max
		                            : s->w[i].flows.used;
		st->host_evictions += a->host_evictions;
		st->streams += a->streams;
		st->stream_drops += a->stream_drops;
		st->tcp_gaps += a->tcp_gaps;
		for (int k = 0; k < MAMORI_STAGE_COUNT; k++)
			st->events[k] += a->events[k];
	}
	sensor_lock(s);
	for (int k = 0; k < MAMORI_STAGE_COUNT; k++)
		st->alerts[k] = s->shared.alerts[k];
	st->alerts_dropped = s->shared.alerts_dropped;
	sensor_unlock(s);
}

mamori_err
mamori_sensor_timeline(struct mamori_sensor *s, bool json, struct mamori_buf *out)
{
	mamori_err e;

	sensor_lock(s);
	e = timeline_render(s->tl, json, out);
	sensor_unlock(s);
	return e;
}

mamori_err
mamori_sensor_stats_format(const struct mamori_sensor_stats *st, bool json, struct mamori_buf *out)
{
	mamori_err e;
	uint64_t total = 0;

	for (int k = 0; k < MAMORI_STAGE_COUNT; k++)
		total += st->alerts[k];
	if (json) {
		e = mamori_buf_printf(out,
		    "{\"event_type\":\"stats\",\"stats\":{\"packets\":%llu,\"bytes\":%llu,"
		    "\"decode_errors\":%llu,\"non_ip\":%llu,\"fragments\":%llu,\"tunneled\":%llu,"
		    "\"flows\":%llu,\"flows_active_max\":%llu,\"evictions\":%llu,\"expired\":%llu,"
		    "\"host_evictions\":%llu,\"streams\":%llu,\"stream_drops\":%llu,"
		    "\"tcp_gaps\":%llu,\"alerts_dropped\":%llu,\"alerts\":{",
		    (unsigned long long)st->packets, (unsigned long long)st->bytes,
		    (unsigned long long)st->decode_errors, (unsigned long long)st->non_ip,
		    (unsigned long long)st->fragments, (unsigned long long)st->tunneled,
		    (unsigned long long)st->flows, (unsigned long long)st->flows_active_max,
		    (unsigned long long)st->flow_evictions, (unsigned long long)st->flow_expired,
		    (unsigned long long)st->host_evictions, (unsigned long long)st->streams,
		    (unsigned long long)st->stream_drops, (unsigned long long)st->tcp_gaps,
		    (unsigned long long)st->alerts_dropped);
		for (int k = 0; k < MAMORI_STAGE_COUNT && e == MAMORI_OK; k++)
			e = mamori_buf_printf(out, "%s\"%s\":%llu", k ? "," : "",
			    mamori_stage_name((enum mamori_stage)k),
			    (unsigned long long)st->alerts[k]);
		if (e == MAMORI_OK)
			e = mamori_buf_printf(out, "}}}\n");
		return e;
	}
	e = mamori_buf_printf(out,
	    "packets %llu, bytes %llu, decode errors %llu, non-IP %llu, flows %llu (max active "
	    "%llu, evicted %llu, expired %llu), streams %llu (dropped %llu), tcp gaps %llu, alerts "
	    "%llu:",
	    (unsigned long long)st->packets, (unsigned long long)st->bytes,
	    (unsigned long long)st->decode_errors, (unsigned long long)st->non_ip,
	    (unsigned long long)st->flows, (unsigned long long)st->flows_active_max,
	    (unsigned long long)st->flow_evictions, (unsigned long long)st->flow_expired,
	    (unsigned long long)st->streams, (unsigned long long)st->stream_drops,
	    (unsigned long long)st->tcp_gaps, (unsigned long long)total);
	for (int k = 0; k < MAMORI_STAGE_COUNT && e == MAMORI_OK; k++)
		e = mamori_buf_printf(out, " %s %llu", mamori_stage_name((enum mamori_stage)k),
		    (unsigned long long)st->alerts[k]);
	if (e == MAMORI_OK)
		e = mamori_buf_putc(out, '\n');
	return e;
}
