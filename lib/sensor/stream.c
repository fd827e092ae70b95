/* SPDX-License-Identifier: MIT */
/* Bounded in-order TCP payload delivery per direction: retransmitted bytes are trimmed,
 * out-of-order segments are held (at most MAMORI_STREAM_OOO_MAX bytes per direction) until the
 * gap fills; when it does not, the gap is skipped and counted. */
#include <stdlib.h>
#include <string.h>

#include "sensor_priv.h"

#define OOO_HDR 6 /* seq (4) + len (2) before each held segment */

static inline int32_t
seqdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

struct stream *
stream_new(struct worker *w, struct flow *f)
{
	struct stream *st;

	if (w->streams_used >= w->s->cfg.max_streams) {
		w->st.stream_drops++;
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		w->st.stream_drops++;
		return NULL;
	}
	for (int i = 0; i < 2; i++)
		mamori_buf_init(&st->d[i].head, MAMORI_STREAM_HEAD_MAX);
	st->w = w;
	st->flow = f;
	w->streams_used++;
	w->st.streams++;
	return st;
}

void
stream_free(struct worker *w, struct stream *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		mamori_buf_free(&st->d[i].head);
		free(st->d[i].ooo);
	}
	if (st->telnet != NULL) {
		mamori_wipe(st->telnet, sizeof(*st->telnet));
		free(st->telnet);
	}
	free(st);
	w->streams_used--;
}

static void
deliver(struct worker *w, struct flow *f, struct stream *st, int dir, const uint8_t *p, size_t n)
{
	struct stream_dir *d = &st->d[dir];

	d->next_seq += (uint32_t)n;
	d->bytes += n;
	detect_stream(w, f, st, dir, p, n);
}

/* Delivers held segments that have become contiguous. */
static void
drain(struct worker *w, struct flow *f, struct stream *st, int dir)
{
	struct stream_dir *d = &st->d[dir];
	bool progress = true;

	while (progress && f->st == st && d->ooo_len > 0) {
		uint32_t off = 0;

		progress = false;
		while (off < d->ooo_len) {
			uint32_t s = (uint32_t)d->ooo[off] << 24 | (uint32_t)d->ooo[off + 1] << 16 |
			             (uint32_t)d->ooo[off + 2] << 8 | d->ooo[off + 3];
			uint32_t len = (uint32_t)d->ooo[off + 4] << 8 | d->ooo[off + 5];
			uint32_t ent = OOO_HDR + len;
			int32_t lead = seqdiff(d->next_seq, s);

			if (lead >= 0) {
				uint8_t tmp[65536];

				/* copy out before removing the entry from the hold buffer */
				if ((uint32_t)lead < len) {
					memcpy(tmp, d->ooo + off + OOO_HDR + lead,
					    len - (uint32_t)lead);
				}
				memmove(d->ooo + off, d->ooo + off + ent, d->ooo_len - off - ent);
				d->ooo_len -= ent;
				if ((uint32_t)lead < len)
					deliver(w, f, st, dir, tmp, len - (uint32_t)lead);
				progress = true;
				break;
			}
			off += ent;
		}
	}
}

static void
hold(struct worker *w, struct flow *f, struct stream *st, int dir, uint32_t seq, const uint8_t *p,
    size_t n)
{
	struct stream_dir *d = &st->d[dir];
	size_t need = OOO_HDR + n;

	if (n > 65535 || d->ooo_len + need > MAMORI_STREAM_OOO_MAX) {
		/* the gap did not fill within the bound: skip it, deliver what is held in order */
		w->st.tcp_gaps++;
		d->gap = true;
		d->next_seq = seq;
		deliver(w, f, st, dir, p, n);
		drain(w, f, st, dir);
		/* anything still held is before next_seq now or further ahead; drop the rest */
		if (f->st == st)
			d->ooo_len = 0;
		return;
	}
	if (d->ooo_cap < d->ooo_len + need) {
		uint8_t *nb = realloc(d->ooo, MAMORI_STREAM_OOO_MAX);

		if (nb == NULL) {
			w->st.tcp_gaps++;
			return;
		}
		d->ooo = nb;
		d->ooo_cap = MAMORI_STREAM_OOO_MAX;
	}
	d->ooo[d->ooo_len] = (uint8_t)(seq >> 24);
	d->ooo[d->ooo_len + 1] = (uint8_t)(seq >> 16);
	d->ooo[d->ooo_len + 2] = (uint8_t)(seq >> 8);
	d->ooo[d->ooo_len + 3] = (uint8_t)seq;
	d->ooo[d->ooo_len + 4] = (uint8_t)(n >> 8);
	d->ooo[d->ooo_len + 5] = (uint8_t)n;
	memcpy(d->ooo + d->ooo_len + OOO_HDR, p, n);
	d->ooo_len += (uint32_t)need;
}

void
stream_segment(
    struct worker *w, struct flow *f, struct stream *st, int dir, const struct mamori_pkt *p)
{
	struct stream_dir *d = &st->d[dir];
	uint32_t seq = p->seq;
	const uint8_t *data = p->payload;
	size_t n = p->paylen;
	int32_t lead;

	if (p->tcp_flags & MAMORI_TCP_SYN) {
		d->next_seq = seq + 1;
		d->seq_init = true;
		seq++;
	}
	if (n == 0)
		return;
	if (!d->seq_init) {
		d->next_seq = seq; /* picked up mid-stream */
		d->seq_init = true;
	}
	lead = seqdiff(d->next_seq, seq);
	if (lead > 0) {
		/* retransmission or overlap: only the bytes past next_seq are new */
		if ((size_t)lead >= n)
			return;
		data += lead;
		n -= (size_t)lead;
	} else if (lead < 0) {
		hold(w, f, st, dir, seq, data, n);
		return;
	}
	if (p->paylen_wire > p->paylen) {
		/* the capture cut this segment (snaplen): deliver what we have, then skip */
		deliver(w, f, st, dir, data, n);
		d->next_seq += (uint32_t)(p->paylen_wire - p->paylen);
		d->gap = true;
		if (f->st == st)
			detect_stream_gap(w, f, st, dir, p->paylen_wire - p->paylen);
		return;
	}
	deliver(w, f, st, dir, data, n);
	if (f->st == st)
		drain(w, f, st, dir);
}
