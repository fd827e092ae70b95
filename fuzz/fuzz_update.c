/* SPDX-License-Identifier: MIT */
/* Update bundle verification (lib/update/bundle.c) on arbitrary bytes. The first input byte is
 * a mode; the rest is the bundle. Mode bit 1 re-signs the header and manifest with two fixed
 * test keys before verifying (entry 1 with A, entry 2 with B), so that mutations get past the
 * signature check into the manifest parser and the payload checks; bit 2 first rewrites the
 * manifest's block hashes from the payload bytes, so that whole bundles of any shape can be
 * accepted. The keys come from constant seeds (A: 0xA0 + i, B: 0xB0 + i, as in
 * tests/test_update.c, which writes the seeds: UPDATE_SEEDS=DIR build/.../test_update).
 * Whatever the input, the writer may only see blocks whose SHA-256 is in the signed list, in
 * order, and an accepted bundle must carry enough valid signatures of the trusted keys. */
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define M_RESIGN    0x01
#define M_REHASH    0x02
#define M_PIECES    0x0c /* reads of 1, 7 or 4099 bytes at a time */
#define M_COMPAT    0x10 /* the device is "fuzz-board" */
#define M_THRESHOLD 0x20 /* two valid signatures required */
#define M_COUNTER   0x40 /* the device has counter 8 */
#define M_WFAIL     0x80 /* the writer refuses its second block */
#define NOW         1800000000u

static struct mamori_upd_pubkey pub[2];
static uint8_t sec[2][64];

static void
keys_init(void)
{
	static bool done;

	if (done)
		return;
	if (sodium_init() < 0)
		abort();
	for (size_t k = 0; k < 2; k++) {
		uint8_t seed[32];

		for (size_t i = 0; i < sizeof(seed); i++)
			seed[i] = (uint8_t)((k ? 0xB0 : 0xA0) + i);
		if (crypto_sign_seed_keypair(pub[k].pk, sec[k], seed) != 0)
			abort();
		mamori_upd_keyid(pub[k].pk, pub[k].id);
	}
	done = true;
}

static uint64_t
ld(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* Walks the manifest m[0..mlen) as the format lays it out, as far as it goes, and replaces each
 * block hash with the SHA-256 of that block of pay[0..plen) when the block is all there. */
static void
rehash(uint8_t *m, size_t mlen, const uint8_t *pay, size_t plen)
{
	size_t off = 28, pos = 0;
	uint32_t bs;
	uint16_t n;

	if (mlen < off)
		return;
	bs = (uint32_t)ld(m, 4);
	if (bs < MAMORI_UPD_BLOCK_MIN || bs > MAMORI_UPD_BLOCK_MAX || (bs & (bs - 1)) != 0)
		return;
	for (int s = 0; s < 2; s++) { /* compatible, version */
		if (mlen - off < 2 || mlen - off - 2 < ld(m + off, 2))
			return;
		off += 2 + (size_t)ld(m + off, 2);
	}
	if (mlen - off < 2)
		return;
	n = (uint16_t)ld(m + off, 2);
	off += 2;
	for (size_t p = 0; p < n && p < MAMORI_UPD_PAYLOADS_MAX; p++) {
		uint64_t size, left;

		if (mlen - off < 2 || mlen - off - 2 < ld(m + off, 2))
			return;
		off += 2 + (size_t)ld(m + off, 2);
		if (mlen - off < 9)
			return;
		size = ld(m + off, 8);
		off += 9;
		/* at most as many blocks as there is room for hashes: pos stays small */
		for (left = size; left > 0 && mlen - off >= 32; off += 32) {
			size_t len = left < bs ? (size_t)left : bs;

			if (pos <= plen && len <= plen - pos)
				crypto_hash_sha256(m + off, pay + pos, len);
			pos += len;
			left -= len;
		}
	}
}

/* Signs "mamori-update-v1" || header || manifest into the first two entries, when they exist. */
static void
resign(uint8_t *b, size_t n, bool hashes)
{
	size_t mlen, nsigs, at;
	uint8_t *msg;

	if (n < MAMORI_UPD_HEADER_LEN)
		return;
	mlen = (size_t)ld(b + 12, 4);
	nsigs = (size_t)ld(b + 16, 2);
	if (mlen > n - MAMORI_UPD_HEADER_LEN)
		return;
	at = MAMORI_UPD_HEADER_LEN + mlen;
	if (hashes && nsigs <= (n - at) / MAMORI_UPD_SIG_LEN)
		rehash(b + MAMORI_UPD_HEADER_LEN, mlen, b + at + nsigs * MAMORI_UPD_SIG_LEN,
		    n - at - nsigs * MAMORI_UPD_SIG_LEN);
	msg = malloc(16 + at);
	if (msg == NULL)
		return;
	memcpy(msg, "mamori-update-v1", 16);
	memcpy(msg + 16, b, at);
	for (size_t k = 0; k < 2 && k < nsigs && n - at >= (k + 1) * MAMORI_UPD_SIG_LEN; k++) {
		uint8_t *e = b + at + k * MAMORI_UPD_SIG_LEN;

		memcpy(e, pub[k].id, MAMORI_UPD_KEYID_LEN);
		crypto_sign_detached(e + MAMORI_UPD_KEYID_LEN, NULL, msg, 16 + at, sec[k]);
	}
	free(msg);
}

struct src {
	const uint8_t *p;
	size_t n, off, piece;
};

static mamori_err
src_read(void *ctx, uint8_t *buf, size_t len, size_t *got)
{
	struct src *s = ctx;
	size_t k = s->n - s->off;

	if (k > len)
		k = len;
	if (s->piece != 0 && k > s->piece)
		k = s->piece;
	if (k > 0)
		memcpy(buf, s->p + s->off, k);
	s->off += k;
	*got = k;
	return MAMORI_OK;
}

struct sink {
	const struct mamori_upd_manifest *m;
	size_t begins, calls, last;
	uint64_t next[MAMORI_UPD_PAYLOADS_MAX];
	bool fail;
};

static bool
charset(const char *s, const char *extra, bool upper)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		        (upper && *s >= 'A' && *s <= 'Z') || strchr(extra, *s) != NULL))
			return false;
	return true;
}

static mamori_err
sink_begin(void *ctx, const struct mamori_upd_manifest *m)
{
	struct sink *k = ctx;
	uint64_t sum = 0;
	uint32_t bs = m->block_size;

	if (k->begins++ != 0 || bs < MAMORI_UPD_BLOCK_MIN || bs > MAMORI_UPD_BLOCK_MAX ||
	    (bs & (bs - 1)) != 0 || m->npayloads == 0 || m->npayloads > MAMORI_UPD_PAYLOADS_MAX ||
	    !charset(m->compatible, "._+-", true) || !charset(m->version, "._+~-", true))
		abort();
	for (size_t i = 0; i < m->npayloads; i++) {
		const struct mamori_upd_payload *p = &m->p[i];

		if (p->size == 0 || p->size > MAMORI_UPD_PAYLOAD_MAX - sum || p->hashes == NULL ||
		    p->nblocks != p->size / bs + (p->size % bs != 0) ||
		    !charset(p->slot_class, "_-", false))
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->slot_class, m->p[j].slot_class) == 0)
				abort();
		sum += p->size;
	}
	if (sum != m->payload_bytes)
		abort();
	k->m = m;
	return MAMORI_OK;
}

/* Only authenticated blocks, in order, each whole. */
static mamori_err
sink_write(void *ctx, size_t payload, const char *slot_class, uint64_t offset, const uint8_t *buf,
    size_t len)
{
	struct sink *k = ctx;
	const struct mamori_upd_payload *p;
	uint8_t h[32];

	if (k->m == NULL || payload >= k->m->npayloads || payload < k->last)
		abort();
	p = &k->m->p[payload];
	for (size_t i = k->last; i < payload; i++) /* the payloads before are complete */
		if (k->next[i] != k->m->p[i].size)
			abort();
	if (offset != k->next[payload] || offset % k->m->block_size != 0 || len == 0 ||
	    len > k->m->block_size || len > p->size - offset ||
	    (len < k->m->block_size && offset + len != p->size) ||
	    strcmp(slot_class, p->slot_class) != 0)
		abort();
	crypto_hash_sha256(h, buf, len);
	if (memcmp(h, p->hashes + (offset / k->m->block_size) * 32, 32) != 0)
		abort();
	k->last = payload;
	k->next[payload] = offset + len;
	if (k->fail && ++k->calls == 2)
		return MAMORI_E_IO;
	return MAMORI_OK;
}

/* An accepted bundle: signed by enough trusted keys over its own header and manifest. */
static void
check_accepted(const uint8_t *b, size_t n, unsigned threshold, const struct mamori_upd_result *res)
{
	size_t mlen = (size_t)ld(b + 12, 4), nsigs = (size_t)ld(b + 16, 2), at, good = 0;
	uint8_t *msg;

	if (res->bytes != n || res->refusal != MAMORI_UPD_ACCEPTED || res->nsigned < threshold)
		abort();
	at = MAMORI_UPD_HEADER_LEN + mlen;
	msg = malloc(16 + at);
	if (msg == NULL)
		return;
	memcpy(msg, "mamori-update-v1", 16);
	memcpy(msg + 16, b, at);
	for (size_t i = 0; i < nsigs; i++) {
		const uint8_t *e = b + at + i * MAMORI_UPD_SIG_LEN;

		for (size_t k = 0; k < 2; k++)
			if (memcmp(e, pub[k].id, MAMORI_UPD_KEYID_LEN) == 0 &&
			    crypto_sign_verify_detached(
			        e + MAMORI_UPD_KEYID_LEN, msg, 16 + at, pub[k].pk) == 0)
				good++;
	}
	free(msg);
	if (good < threshold)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t pieces[4] = {0, 1, 7, 4099};
	struct mamori_upd_policy pol;
	struct mamori_upd_result res;
	struct mamori_diag d;
	struct sink k;
	struct src s;
	uint8_t mode, *b;
	size_t n;
	mamori_err e;

	if (size < 1 || size > ((size_t)1 << 20))
		return 0;
	keys_init();
	mode = data[0];
	n = size - 1;
	b = malloc(n ? n : 1);
	if (b == NULL)
		return 0;
	if (n > 0)
		memcpy(b, data + 1, n);
	if (mode & M_RESIGN)
		resign(b, n, (mode & M_REHASH) != 0);
	memset(&pol, 0, sizeof(pol));
	pol.keys = pub;
	pol.nkeys = 2;
	pol.threshold = (mode & M_THRESHOLD) ? 2 : 0;
	pol.compatible = (mode & M_COMPAT) ? "fuzz-board" : NULL;
	pol.min_counter = (mode & M_COUNTER) ? 8 : 0;
	pol.now = NOW;
	memset(&k, 0, sizeof(k));
	k.fail = (mode & M_WFAIL) != 0;
	s = (struct src){b, n, 0, pieces[(mode & M_PIECES) >> 2]};
	e = mamori_upd_verify(src_read, &s, &pol, sink_begin, sink_write, &k, &res, &d);
	if (e == MAMORI_OK) {
		if (k.fail && k.calls >= 2)
			abort();
		for (size_t i = 0; i < res.m.npayloads; i++)
			if (k.next[i] != res.m.p[i].size)
				abort();
		check_accepted(b, n, pol.threshold ? pol.threshold : 1, &res);
	} else if (e == MAMORI_E_BADSIG) {
		if (res.refusal == MAMORI_UPD_ACCEPTED || res.refusal == MAMORI_UPD_WRITE_FAILED ||
		    strncmp(d.msg, mamori_upd_refusal_name(res.refusal),
		        strlen(mamori_upd_refusal_name(res.refusal))) != 0)
			abort();
		if (k.begins != 0 && res.refusal != MAMORI_UPD_TRUNCATED &&
		    res.refusal != MAMORI_UPD_CORRUPT_BLOCK)
			abort(); /* the others are known before the first payload byte */
	} else if (e == MAMORI_E_IO) {
		if (!k.fail || res.refusal != MAMORI_UPD_WRITE_FAILED)
			abort();
	} else if (e != MAMORI_E_NOMEM) {
		abort();
	}
	free(b);
	return 0;
}
