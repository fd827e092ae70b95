/* SPDX-License-Identifier: MIT */
/* Fixed-capacity hash tables for flows and hosts (see sensor_priv.h). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor_priv.h"

static inline uint64_t
rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t
mix(uint64_t a, uint64_t b)
{
	__uint128_t m = (__uint128_t)a * b;

	return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* A small keyed multiply-mix hash (not cryptographic; the random seed keeps chains short
 * against chosen keys). */
uint64_t
mamori_hash(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		h = mix(h ^ rd64(b + i), 0xbf58476d1ce4e5b9ull);
	if (i < n) {
		uint64_t t = 0;

		memcpy(&t, b + i, n - i);
		h = mix(h ^ t, 0x94d049bb133111ebull);
	}
	return mix(h, 0x2545f4914f6cdd1dull ^ seed);
}

static inline struct ktab_hdr *
ent(const struct ktab *t, uint32_t i)
{
	return (struct ktab_hdr *)(void *)(t->ents + (size_t)i * t->esize);
}

static inline void *
ekey(struct ktab_hdr *h)
{
	return (uint8_t *)h + sizeof(*h);
}

static inline void *
eval(const struct ktab *t, struct ktab_hdr *h)
{
	return (uint8_t *)h + sizeof(*h) + t->ksize;
}

mamori_err
ktab_init(struct ktab *t, uint32_t cap, size_t ksize, size_t vsize, ktab_evict_fn fn, void *arg)
{
	uint32_t nb = 1;
	size_t bytes;

	memset(t, 0, sizeof(*t));
	if (cap == 0 || cap >= KTAB_NIL / 2 || ksize % 8 != 0)
		return MAMORI_E_INVAL;
	/* at least two buckets per entry: chains stay short */
	while (nb < 2 * (uint64_t)cap && nb < (1u << 30))
		nb <<= 1;
	t->ksize = ksize;
	t->vsize = vsize;
	/* keep entries 8-byte aligned */
	t->esize = (sizeof(struct ktab_hdr) + ksize + vsize + 7) & ~(size_t)7;
	if (!mamori_mul_size(t->esize, cap, &bytes))
		return MAMORI_E_NOMEM;
	/* calloc: untouched pages cost no resident memory until used */
	t->ents = calloc(cap, t->esize);
	t->bucket = malloc((size_t)nb * sizeof(*t->bucket));
	if (t->ents == NULL || t->bucket == NULL) {
		ktab_free(t);
		return MAMORI_E_NOMEM;
	}
	for (uint32_t i = 0; i < nb; i++) {
		t->bucket[i].idx = KTAB_NIL;
		t->bucket[i].tag = 0;
	}
	t->mask = nb - 1;
	t->cap = cap;
	t->free_head = KTAB_NIL; /* slots past `used` are handed out in order first */
	t->on_evict = fn;
	t->arg = arg;
	if (getentropy(&t->seed, sizeof(t->seed)) != 0)
		t->seed = (uint64_t)(uintptr_t)t ^ 0x5bd1e995u;
	return MAMORI_OK;
}

void
ktab_free(struct ktab *t)
{
	free(t->ents);
	free(t->bucket);
	t->ents = NULL;
	t->bucket = NULL;
}

static inline bool
key_eq(const struct ktab *t, const uint8_t *a, const uint8_t *b)
{
	/* keys are multiples of 8 bytes (ktab_init checks) */
	for (size_t i = 0; i < t->ksize; i += 8) {
		uint64_t x, y;

		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	return true;
}

static inline void
hash_key(const struct ktab *t, const void *key, uint32_t *b, uint32_t *tag)
{
	uint64_t h = mamori_hash(key, t->ksize, t->seed);

	*b = (uint32_t)h & t->mask;
	*tag = (uint32_t)(h >> 32) | 1u;
}

/* Unlinks entry i from its chain and puts it on the free list. */
static void
unlink_ent(struct ktab *t, uint32_t i, bool expired)
{
	struct ktab_hdr *h = ent(t, i);
	struct ktab_head *head = &t->bucket[h->bucket];

	if (head->idx == i) {
		head->idx = h->next;
		head->tag = h->next != KTAB_NIL ? ent(t, h->next)->tag : 0;
	} else {
		uint32_t p = head->idx;

		while (p != KTAB_NIL && ent(t, p)->next != i)
			p = ent(t, p)->next;
		if (p != KTAB_NIL)
			ent(t, p)->next = h->next;
	}
	if (t->on_evict)
		t->on_evict(t->arg, eval(t, h), expired);
	h->tag = 0;
	h->next = t->free_head;
	t->free_head = i;
	t->used--;
}

static uint32_t
take_slot(struct ktab *t, bool *evicted)
{
	uint32_t i, best = KTAB_NIL, oldest = UINT32_MAX;

	if (t->free_head != KTAB_NIL) {
		i = t->free_head;
		t->free_head = ent(t, i)->next;
		return i;
	}
	if (t->hwm < t->cap)
		return t->hwm++; /* never-used slots, handed out in order */
	/* full: evict the least recently used of a few neighbouring entries at the clock hand
	 * (neighbours share cache lines and prefetch well; the hand moves on each time) */
	for (int k = 0; k < KTAB_SAMPLE; k++) {
		uint32_t c = t->hand + (uint32_t)k < t->cap ? t->hand + (uint32_t)k
		                                            : t->hand + (uint32_t)k - t->cap;

		if (ent(t, c)->tag != 0 && ent(t, c)->last < oldest) {
			oldest = ent(t, c)->last;
			best = c;
		}
	}
	t->hand = t->hand + KTAB_SAMPLE < t->cap ? t->hand + KTAB_SAMPLE : 0;
	if (best == KTAB_NIL)
		best = t->hand;
	unlink_ent(t, best, false);
	*evicted = true;
	i = t->free_head;
	t->free_head = ent(t, i)->next;
	return i;
}

void
ktab_hash(const struct ktab *t, const void *key, uint32_t *b, uint32_t *tag)
{
	hash_key(t, key, b, tag);
}

void
ktab_prefetch_head(const struct ktab *t, uint32_t b)
{
	__builtin_prefetch(&t->bucket[b]);
}

void
ktab_prefetch_ent(const struct ktab *t, uint32_t b)
{
	uint32_t i = t->bucket[b].idx;

	if (i != KTAB_NIL)
		__builtin_prefetch(ent(t, i));
}

void *
ktab_get(struct ktab *t, const void *key, uint32_t now, bool create, bool *created, bool *evicted)
{
	uint32_t b, tag;

	hash_key(t, key, &b, &tag);
	return ktab_get_h(t, key, b, tag, now, create, created, evicted);
}

void *
ktab_get_h(struct ktab *t, const void *key, uint32_t b, uint32_t tag, uint32_t now, bool create,
    bool *created, bool *evicted)
{
	uint32_t i;
	struct ktab_hdr *h;

	*created = false;
	*evicted = false;
	i = t->bucket[b].idx;
	if (i != KTAB_NIL && t->bucket[b].tag != tag)
		i = ent(t, i)->next; /* the head is another key: skip it without reading its key */
	for (; i != KTAB_NIL; i = h->next) {
		h = ent(t, i);
		if (h->tag == tag && key_eq(t, ekey(h), key)) {
			h->last = now;
			return eval(t, h);
		}
	}
	if (!create)
		return NULL;
	i = take_slot(t, evicted);
	h = ent(t, i);
	memcpy(ekey(h), key, t->ksize);
	memset(eval(t, h), 0, t->vsize);
	h->tag = tag;
	h->last = now;
	h->bucket = b;
	h->next = t->bucket[b].idx;
	t->bucket[b].idx = i;
	t->bucket[b].tag = tag;
	t->used++;
	*created = true;
	return eval(t, h);
}

void
ktab_del(struct ktab *t, const void *key)
{
	uint32_t b, tag;

	hash_key(t, key, &b, &tag);
	for (uint32_t i = t->bucket[b].idx; i != KTAB_NIL; i = ent(t, i)->next) {
		if (ent(t, i)->tag == tag && key_eq(t, ekey(ent(t, i)), key)) {
			unlink_ent(t, i, true);
			return;
		}
	}
}

void
ktab_del_val(struct ktab *t, void *val)
{
	size_t off = (size_t)((uint8_t *)val - t->ents);
	uint32_t i = (uint32_t)(off / t->esize);

	if (i < t->hwm && ent(t, i)->tag != 0)
		unlink_ent(t, i, true);
}

size_t
ktab_expire(struct ktab *t, uint32_t now, uint32_t (*timeout)(const void *val, void *arg),
    void *arg, uint32_t budget)
{
	size_t n = 0;

	for (uint32_t k = 0; k < budget && k < t->hwm; k++) {
		struct ktab_hdr *h;

		t->sweep = t->sweep + 1 >= t->hwm ? 0 : t->sweep + 1;
		h = ent(t, t->sweep);
		if (h->tag != 0 && now > h->last && now - h->last > timeout(eval(t, h), arg)) {
			unlink_ent(t, t->sweep, true);
			n++;
		}
	}
	return n;
}

void
ktab_each(struct ktab *t, void (*fn)(void *arg, void *key, void *val), void *arg)
{
	for (uint32_t i = 0; i < t->hwm; i++) {
		struct ktab_hdr *h = ent(t, i);

		if (h->tag != 0)
			fn(arg, ekey(h), eval(t, h));
	}
}
