/* SPDX-License-Identifier: MIT */
/* One login attempt: throttling first (per user name and per source, exponential backoff kept
 * in the store), then the password and the second factor, with the same answer and the same
 * work for unknown users as for wrong passwords. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred_priv.h"
#include "mamori/cred.h"

uint64_t
mamori_cred_backoff_delay(uint32_t failures)
{
	uint32_t n;

	if (failures < MAMORI_CRED_FREE_TRIES)
		return 0;
	n = failures - MAMORI_CRED_FREE_TRIES;
	if (n >= 10) /* 2^10 > MAMORI_CRED_BACKOFF_MAX */
		return MAMORI_CRED_BACKOFF_MAX;
	return (uint64_t)1 << n < MAMORI_CRED_BACKOFF_MAX ? (uint64_t)1 << n
	                                                  : MAMORI_CRED_BACKOFF_MAX;
}

uint64_t
mamori_cred_backoff_bound(uint64_t seconds)
{
	/* The fastest attacker: guess k+1 comes the moment the wait after failure k ends. */
	uint64_t t = 0, k = 0;

	for (;;) {
		k++; /* guess k is evaluated at time t */
		uint64_t wait =
		    mamori_cred_backoff_delay((uint32_t)(k > UINT32_MAX ? UINT32_MAX : k));
		if (t + wait > seconds)
			return k;
		t += wait;
	}
}

static struct mamori_cred_throttle *
throttle_find(struct mamori_cred_store *s, const char *key)
{
	for (size_t i = 0; i < s->n_throttle; i++)
		if (strcmp(s->throttle[i].key, key) == 0)
			return &s->throttle[i];
	return NULL;
}

static void
throttle_remove(struct mamori_cred_store *s, struct mamori_cred_throttle *t)
{
	size_t i = (size_t)(t - s->throttle);

	memmove(t, t + 1, (s->n_throttle - i - 1) * sizeof(*t));
	s->n_throttle--;
}

/* Eviction rank when full: lower goes first. Records still waiting are kept if at all
 * possible; among the rest, sources and unknown names before known accounts, oldest first. */
static int
evict_rank(struct mamori_cred_store *s, const struct mamori_cred_throttle *t, uint64_t now)
{
	int r = 0;

	if (now < t->until)
		r += 4;
	if (t->key[0] == 'u' && mamori_cred_find(s, t->key + 2) != NULL)
		r += 2;
	return r;
}

static struct mamori_cred_throttle *
throttle_get(struct mamori_cred_store *s, const char *key, uint64_t now)
{
	struct mamori_cred_throttle *t = throttle_find(s, key);

	if (t != NULL)
		return t;
	if (cred_throttle_array(s) != MAMORI_OK)
		return NULL;
	if (s->n_throttle == MAMORI_CRED_THROTTLE_MAX) {
		struct mamori_cred_throttle *victim = &s->throttle[0];
		for (size_t i = 1; i < s->n_throttle; i++) {
			int a = evict_rank(s, &s->throttle[i], now), b = evict_rank(s, victim, now);
			if (a < b || (a == b && s->throttle[i].last < victim->last))
				victim = &s->throttle[i];
		}
		throttle_remove(s, victim);
	}
	t = &s->throttle[s->n_throttle++];
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", key);
	return t;
}

static void
throttle_fail(struct mamori_cred_throttle *t, uint64_t now)
{
	if (t == NULL)
		return;
	if (t->failures > 0 && now > t->last + MAMORI_CRED_FORGET_AFTER) {
		t->failures = 0; /* a day without failures: a fresh start */
		t->evaluated = 0;
	}
	if (t->failures < UINT32_MAX)
		t->failures++;
	t->evaluated++;
	t->last = now;
	t->until = now + mamori_cred_backoff_delay(t->failures);
}

static bool
source_valid(const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n > MAMORI_CRED_SOURCE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)src[i] <= 0x20 || (unsigned char)src[i] >= 0x7f)
			return false;
	return true;
}

bool
mamori_cred_wants_code(const struct mamori_cred_store *s, const char *name)
{
	size_t i = cred_index(s, name);

	return i < s->n_accounts && s->accounts[i].otp.kind != MAMORI_OTP_NONE &&
	       !s->accounts[i].otp.pending;
}

/* A recovery code (any case, dashes and spaces ignored) stands in for the OTP code once. */
static bool
recovery_check(struct mamori_cred_account *a, const char *code)
{
	char sym[CRED_RECOVERY_SYMS];
	int i;

	if (!cred_recovery_canon(code, sym))
		return false;
	i = cred_recovery_find(a, sym);
	sodium_memzero(sym, sizeof(sym));
	if (i < 0)
		return false;
	memmove(a->recovery[i], a->recovery[i + 1],
	    (a->n_recovery - (size_t)i - 1) * sizeof(a->recovery[0]));
	a->n_recovery--;
	sodium_memzero(a->recovery[a->n_recovery], sizeof(a->recovery[0]));
	return true;
}

static bool
code_is_otp_shaped(const char *code, unsigned digits)
{
	size_t n = strlen(code);

	if (n != digits)
		return false;
	for (size_t i = 0; i < n; i++)
		if (code[i] < '0' || code[i] > '9')
			return false;
	return true;
}

mamori_err
mamori_cred_authenticate(struct mamori_cred_store *s, const char *name, const char *source,
    const char *pw, size_t len, const char *code, unsigned flags, uint64_t now,
    struct mamori_cred_result *res)
{
	char key_u[sizeof(((struct mamori_cred_throttle *)0)->key)];
	char key_s[sizeof(key_u)];
	char norm[MAMORI_CRED_PASSWORD_MAX + 1];
	struct mamori_cred_throttle *tu, *ts;
	struct mamori_cred_account *a;
	bool name_ok = mamori_cred_name_valid(name), ok = false;
	size_t nlen = 0, chars;
	uint64_t retry = 0;

	memset(res, 0, sizeof(*res));
	if (source == NULL)
		source = "local";
	snprintf(key_u, sizeof(key_u), "u:%s", name_ok ? name : "");
	snprintf(key_s, sizeof(key_s), "s:%s", source_valid(source) ? source : "invalid");
	tu = name_ok ? throttle_find(s, key_u) : NULL;
	ts = throttle_find(s, key_s);
	if (tu != NULL && now < tu->until)
		retry = tu->until;
	if (ts != NULL && now < ts->until && ts->until > retry)
		retry = ts->until;
	if (retry != 0) {
		res->verdict = MAMORI_CRED_THROTTLED;
		res->retry_at = retry;
		res->why = "throttled";
		return MAMORI_OK;
	}

	res->evaluated = true;
	a = name_ok ? mamori_cred_find(s, name) : NULL;
	if (len > MAMORI_CRED_PASSWORD_MAX ||
	    mamori_cred_normalize(pw, len, norm, &nlen, &chars) != MAMORI_OK) {
		/* not a password we could have stored: still the work of a real check */
		mamori_cred_hash_dummy(s->cls, pw, len > MAMORI_CRED_PASSWORD_MAX ? 0 : len);
		res->why = a == NULL ? "unknown user" : "wrong password";
		goto fail;
	}
	if (a == NULL) {
		mamori_cred_hash_dummy(s->cls, norm, nlen);
		res->why = "unknown user";
		goto fail;
	}
	if (a->hash[0] == '\0') {
		mamori_cred_hash_dummy(s->cls, norm, nlen);
		if ((flags & MAMORI_CRED_AUTH_FIRST_USE) != 0 &&
		    (a->flags & MAMORI_CRED_F_DISABLED) == 0 &&
		    (a->expires == 0 || now < a->expires)) {
			res->verdict = MAMORI_CRED_ACCEPTED;
			res->must_change = true;
			res->why = "first use: no password set";
			sodium_memzero(norm, sizeof(norm));
			return MAMORI_OK;
		}
		res->why = "no password set";
		goto fail;
	}
	if (mamori_cred_hash_verify(a->hash, norm, nlen, &ok) != MAMORI_OK)
		ok = false;
	if (!ok && strncmp(a->hash, "$argon2id$", 10) != 0 &&
	    (nlen != len || memcmp(norm, pw, len) != 0)) {
		/* a legacy crypt(3) hash was made from the bytes as typed, before normalisation */
		if (mamori_cred_hash_verify(a->hash, pw, len, &ok) != MAMORI_OK)
			ok = false;
	}
	if (!ok) {
		res->why = "wrong password";
		goto fail;
	}
	if ((a->flags & MAMORI_CRED_F_DISABLED) != 0) {
		res->why = "disabled";
		goto fail;
	}
	if (a->expires != 0 && now >= a->expires) {
		res->why = "expired";
		goto fail;
	}
	if (a->otp.kind != MAMORI_OTP_NONE && !a->otp.pending) {
		if (code == NULL || code[0] == '\0') {
			res->why = "no one-time code given";
			goto fail;
		}
		if (code_is_otp_shaped(code, a->otp.digits) &&
		    mamori_otp_check(&a->otp, code, now)) {
			/* accepted; the counter moved past this code */
		} else if (recovery_check(a, code)) {
			res->recovery_used = true;
		} else {
			res->why = "wrong one-time code";
			goto fail;
		}
		res->recovery_left = a->n_recovery;
	}

	/* accepted: the account's record goes; the source's stays, or an attacker holding any one
	 * account could log into it between guesses to wipe the backoff of their address */
	if (tu != NULL)
		throttle_remove(s, tu);
	a->last_login = now;
	if (mamori_cred_hash_needs_rehash(a->hash, s->cls)) {
		char h[MAMORI_CRED_HASH_MAX];
		if (mamori_cred_hash(norm, nlen, s->cls, h) == MAMORI_OK) {
			memcpy(a->hash, h, strlen(h) + 1);
			res->upgraded = true;
		}
	}
	sodium_memzero(norm, sizeof(norm));
	res->verdict = MAMORI_CRED_ACCEPTED;
	res->must_change = (a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0;
	res->why = res->must_change ? "accepted for a password change only" : "accepted";
	return MAMORI_OK;

fail:
	sodium_memzero(norm, sizeof(norm));
	res->verdict = MAMORI_CRED_DENIED;
	if (name_ok)
		throttle_fail(throttle_get(s, key_u, now), now);
	throttle_fail(throttle_get(s, key_s, now), now);
	return MAMORI_OK;
}
