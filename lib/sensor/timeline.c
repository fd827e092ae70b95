/* SPDX-License-Identifier: MIT */
/* The per-device kill-chain timeline: for each home-network host, the stages it went through,
 * as a target (scanned, brute-forced, infected) or as a source (a bot scanning, reporting,
 * talking to its C&C, attacking), with first and last times and the peers involved. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/json.h"
#include "sensor_priv.h"

#define TL_PEERS 4

struct tl_stage {
	uint64_t first_us, last_us;
	uint32_t count;
	uint8_t npeers;
	bool more_peers;
	struct mamori_ip peers[TL_PEERS];
};

struct tl_host {
	/* [stage][0: as target, 1: as source] */
	struct tl_stage st[MAMORI_STAGE_COUNT][2];
	uint64_t first_us;
};

struct timeline {
	struct ktab t;
	uint64_t evicted;
};

mamori_err
timeline_new(struct timeline **out, uint32_t cap)
{
	struct timeline *t = calloc(1, sizeof(*t));
	mamori_err e;

	if (t == NULL)
		return MAMORI_E_NOMEM;
	e = ktab_init(&t->t, cap, sizeof(struct mamori_ip), sizeof(struct tl_host), NULL, NULL);
	if (e != MAMORI_OK) {
		free(t);
		return e;
	}
	*out = t;
	return MAMORI_OK;
}

void
timeline_free(struct timeline *t)
{
	if (t == NULL)
		return;
	ktab_free(&t->t);
	free(t);
}

void
timeline_add(struct timeline *t, const struct mamori_ip *host, enum mamori_stage stage,
    bool as_source, uint64_t ts_us, const struct mamori_ip *peer)
{
	bool created, evicted;
	struct tl_host *h =
	    ktab_get(&t->t, host, (uint32_t)(ts_us / 1000000u), true, &created, &evicted);
	struct tl_stage *s = &h->st[stage][as_source ? 1 : 0];

	if (evicted)
		t->evicted++;
	if (created || ts_us < h->first_us)
		h->first_us = ts_us;
	if (s->count == 0 || ts_us < s->first_us)
		s->first_us = ts_us;
	if (ts_us > s->last_us)
		s->last_us = ts_us;
	s->count++;
	if (peer == NULL)
		return;
	for (size_t i = 0; i < s->npeers; i++)
		if (mamori_ip_eq(&s->peers[i], peer))
			return;
	if (s->npeers < TL_PEERS)
		s->peers[s->npeers++] = *peer;
	else
		s->more_peers = true;
}

bool
timeline_has(
    struct timeline *t, const struct mamori_ip *host, enum mamori_stage stage, bool as_source)
{
	bool created, evicted;
	struct tl_host *h = ktab_get(&t->t, host, 0, false, &created, &evicted);

	return h != NULL && h->st[stage][as_source ? 1 : 0].count > 0;
}

struct row {
	struct mamori_ip ip;
	const struct tl_host *h;
};

struct collect {
	struct row *rows;
	size_t n, cap;
};

static void
collect_one(void *arg, void *key, void *val)
{
	struct collect *c = arg;

	if (c->n < c->cap) {
		memcpy(&c->rows[c->n].ip, key, sizeof(struct mamori_ip));
		c->rows[c->n].h = val;
		c->n++;
	}
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->h->first_us != y->h->first_us)
		return x->h->first_us < y->h->first_us ? -1 : 1;
	return memcmp(x->ip.b, y->ip.b, 16);
}

/* Stages of one host in order of first appearance. */
static size_t
ordered(const struct tl_host *h, int order[MAMORI_STAGE_COUNT * 2])
{
	size_t n = 0;

	for (int i = 0; i < MAMORI_STAGE_COUNT * 2; i++)
		if (h->st[i / 2][i % 2].count > 0)
			order[n++] = i;
	for (size_t i = 1; i < n; i++) {
		for (size_t k = i; k > 0; k--) {
			const struct tl_stage *a = &h->st[order[k - 1] / 2][order[k - 1] % 2];
			const struct tl_stage *b = &h->st[order[k] / 2][order[k] % 2];

			if (a->first_us <= b->first_us)
				break;
			int t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	}
	return n;
}

/* A host that was only the target of a scan: listed in text as a count, not a row. */
static bool
only_scanned(const struct tl_host *h)
{
	for (int i = 0; i < MAMORI_STAGE_COUNT; i++)
		for (int r = 0; r < 2; r++)
			if (h->st[i][r].count > 0 && !(i == MAMORI_STAGE_SCAN && r == 0))
				return false;
	return true;
}

static const char *
verb(int stage, int as_source)
{
	static const char *target[MAMORI_STAGE_COUNT] = {"scanned", "brute-forced", "infected",
	    "served malware", "exploited", "reported (as a victim)", "C&C server", "attacked"};
	static const char *source[MAMORI_STAGE_COUNT] = {"scanning", "brute-forcing", "infecting",
	    "downloaded malware", "exploiting", "reporting victims", "talking to C&C",
	    "attacking (DDoS)"};

	return as_source ? source[stage] : target[stage];
}

mamori_err
timeline_render(struct timeline *t, bool json, struct mamori_buf *out)
{
	struct collect c = {NULL, 0, t->t.used};
	mamori_err e = MAMORI_OK;
	size_t scanned_only = 0;
	char ip[MAMORI_IP_STRLEN], ts[40], ts2[40];

	c.rows = calloc(c.cap ? c.cap : 1, sizeof(*c.rows));
	if (c.rows == NULL)
		return MAMORI_E_NOMEM;
	ktab_each(&t->t, collect_one, &c);
	qsort(c.rows, c.n, sizeof(*c.rows), row_cmp);
	if (!json)
		e = mamori_buf_printf(out, "\nKill-chain timeline (%zu hosts)\n", c.n);
	for (size_t r = 0; r < c.n && e == MAMORI_OK; r++) {
		const struct tl_host *h = c.rows[r].h;
		int order[MAMORI_STAGE_COUNT * 2];
		size_t n = ordered(h, order);

		mamori_ip_str(&c.rows[r].ip, ip);
		if (json) {
			struct mamori_json j;

			mamori_json_init(&j, out);
			mamori_json_obj_begin(&j);
			mamori_json_kstr(&j, "event_type", "mamori_timeline");
			mamori_json_kstr(&j, "host", ip);
			mamori_json_key(&j, "stages");
			mamori_json_arr_begin(&j);
			for (size_t i = 0; i < n; i++) {
				const struct tl_stage *s = &h->st[order[i] / 2][order[i] % 2];

				mamori_json_obj_begin(&j);
				mamori_json_kstr(&j, "stage",
				    mamori_stage_name((enum mamori_stage)(order[i] / 2)));
				mamori_json_kstr(&j, "role", order[i] % 2 ? "source" : "target");
				mamori_json_kstr(&j, "what", verb(order[i] / 2, order[i] % 2));
				mamori_format_time(s->first_us, ts);
				mamori_json_kstr(&j, "first_seen", ts);
				mamori_format_time(s->last_us, ts);
				mamori_json_kstr(&j, "last_seen", ts);
				mamori_json_ku64(&j, "events", s->count);
				mamori_json_key(&j, "peers");
				mamori_json_arr_begin(&j);
				for (size_t p = 0; p < s->npeers; p++) {
					char pip[MAMORI_IP_STRLEN];

					mamori_ip_str(&s->peers[p], pip);
					mamori_json_str(&j, pip);
				}
				mamori_json_arr_end(&j);
				mamori_json_key(&j, "more_peers");
				mamori_json_bool(&j, s->more_peers);
				mamori_json_obj_end(&j);
			}
			mamori_json_arr_end(&j);
			mamori_json_obj_end(&j);
			e = mamori_json_err(&j);
			if (e == MAMORI_OK)
				e = mamori_buf_putc(out, '\n');
			continue;
		}
		if (only_scanned(h)) {
			scanned_only++;
			continue;
		}
		e = mamori_buf_printf(out, "%s\n", ip);
		for (size_t i = 0; i < n && e == MAMORI_OK; i++) {
			const struct tl_stage *s = &h->st[order[i] / 2][order[i] % 2];
			char peers[4 * MAMORI_IP_STRLEN + 16] = "";
			size_t pl = 0;

			for (size_t p = 0; p < s->npeers; p++) {
				char pip[MAMORI_IP_STRLEN];

				mamori_ip_str(&s->peers[p], pip);
				pl += (size_t)snprintf(
				    peers + pl, sizeof(peers) - pl, "%s%s", p ? ", " : "", pip);
				if (pl >= sizeof(peers))
					break;
			}
			mamori_format_time(s->first_us, ts);
			mamori_format_time(s->last_us, ts2);
			e = mamori_buf_printf(out, "  %zu. %-10s %-22s %.19s .. %.15s  %s%s%s\n",
			    i + 1, mamori_stage_name((enum mamori_stage)(order[i] / 2)),
			    verb(order[i] / 2, order[i] % 2), ts, ts2 + 11,
			    order[i] % 2 ? "-> " : "<- ", peers, s->more_peers ? ", ..." : "");
		}
	}
	if (e == MAMORI_OK && !json && scanned_only > 0)
		e = mamori_buf_printf(out, "(%zu more hosts were only scanned)\n", scanned_only);
	free(c.rows);
	return e;
}
