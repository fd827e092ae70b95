/* SPDX-License-Identifier: MIT */
/* Account operations on an open store: add, delete, set a password (policy first), provision
 * a device's unique initial password, enrol a second factor. The caller commits. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cred_priv.h"
#include "mamori/cred.h"

mamori_err
mamori_cred_add(struct mamori_cred_store *s, const char *name, const char *role, uint64_t now,
    struct mamori_cred_account **out, struct mamori_diag *d)
{
	struct mamori_cred_account *a;
	mamori_err e;

	if (!mamori_cred_name_valid(name))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "invalid user name: use 1 to %u of a-z 0-9 _ . - starting with a letter or _",
		    MAMORI_CRED_NAME_MAX);
	if (mamori_cred_role_find(s, role) == NULL)
		return mamori_diag_set(d, MAMORI_E_NOTFOUND, 0, 0, "no role named '%.32s'", role);
	if (mamori_cred_find(s, name) != NULL)
		return mamori_diag_set(d, MAMORI_E_PERM, 0, 0, "account '%s' already exists", name);
	if ((e = cred_new_account(s, &a)) != MAMORI_OK)
		return mamori_diag_set(
		    d, e, 0, 0, "the store holds %u accounts already", MAMORI_CRED_ACCOUNTS_MAX);
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->role, sizeof(a->role), "%s", role);
	a->flags = MAMORI_CRED_F_MUST_CHANGE;
	a->created = now;
	*out = a;
	return MAMORI_OK;
}

mamori_err
mamori_cred_del(struct mamori_cred_store *s, const char *name)
{
	struct mamori_cred_account *a = mamori_cred_find(s, name);
	size_t i;

	if (a == NULL)
		return MAMORI_E_NOTFOUND;
	i = (size_t)(a - s->accounts);
	sodium_memzero(a, sizeof(*a));
	memmove(a, a + 1, (s->n_accounts - i - 1) * sizeof(*a));
	s->n_accounts--;
	sodium_memzero(&s->accounts[s->n_accounts], sizeof(*a));
	return MAMORI_OK;
}

void
mamori_cred_store_policy(const struct mamori_cred_store *s, const struct mamori_cred_blocklist *bl,
    struct mamori_cred_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->min_length = s->min_length;
	out->blocklist = bl;
	for (size_t i = 0; i < s->n_words && i < MAMORI_CRED_WORDS_MAX; i++)
		out->words[out->n_words++] = s->words[i];
}

mamori_err
mamori_cred_set_password(struct mamori_cred_store *s, struct mamori_cred_account *a, const char *pw,
    size_t len, const struct mamori_cred_policy *p, bool must_change, uint64_t now,
    struct mamori_cred_pw_verdict *v)
{
	char norm[MAMORI_CRED_PASSWORD_MAX + 1];
	char hash[MAMORI_CRED_HASH_MAX];
	size_t nlen, chars;
	mamori_err e;

	if (v != NULL) {
		v->problem = MAMORI_CRED_PW_OK;
		v->why[0] = '\0';
	}
	if (p != NULL) {
		struct mamori_cred_pw_verdict pv;
		mamori_cred_policy_check(p, a->name, pw, len, &pv);
		if (pv.problem != MAMORI_CRED_PW_OK) {
			if (v != NULL)
				*v = pv;
			return MAMORI_E_PERM;
		}
	}
	if ((e = mamori_cred_normalize(pw, len, norm, &nlen, &chars)) != MAMORI_OK)
		return e;
	e = mamori_cred_hash(norm, nlen, s->cls, hash);
	sodium_memzero(norm, sizeof(norm));
	if (e != MAMORI_OK)
		return e;
	memcpy(a->hash, hash, strlen(hash) + 1);
	a->changed = now;
	if (must_change)
		a->flags |= MAMORI_CRED_F_MUST_CHANGE;
	else
		a->flags &= ~MAMORI_CRED_F_MUST_CHANGE;
	return MAMORI_OK;
}

/* No 0/o, 1/i/l: 31 symbols, read off a label without doubt. */
static const char label_alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";

/* Draws n symbols from bytes by rejection (no modulo bias); false when bytes ran out. */
static bool
draw(const uint8_t *bytes, size_t nbytes, char *out, size_t n, const char *alphabet, size_t k)
{
	size_t limit = 256 - 256 % k, j = 0;

	for (size_t i = 0; i < n; i++) {
		while (j < nbytes && bytes[j] >= limit)
			j++;
		if (j == nbytes)
			return false;
		out[i] = alphabet[bytes[j++] % k];
	}
	return true;
}

static void
group4(const char *sym, char *out)
{
	/* 16 symbols as xxxx-xxxx-xxxx-xxxx */
	for (size_t i = 0, o = 0; i < 16; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = sym[i];
		out[o] = '\0';
	}
}

mamori_err
mamori_cred_provision_password(const uint8_t *secret, size_t secret_len, const char *serial,
    const char *user, char out[MAMORI_CRED_PROVISION_LEN + 1])
{
	static const char label[] = "mamori-cred-provision-v1";
	crypto_generichash_state st;
	uint8_t key[32], bytes[64];
	char sym[16];
	bool ok;

	if (secret_len < MAMORI_CRED_DEVICE_SECRET_MIN ||
	    secret_len > MAMORI_CRED_DEVICE_SECRET_MAX)
		return MAMORI_E_INVAL;
	if (strlen(serial) == 0 || strlen(serial) > MAMORI_CRED_WORD_MAX ||
	    !mamori_cred_name_valid(user))
		return MAMORI_E_INVAL;
	if (sodium_init() < 0)
		return MAMORI_E_NOMEM;
	/* key = BLAKE2b-256(secret): secrets longer than BLAKE2b's 64-byte key are allowed */
	crypto_generichash(key, sizeof(key), secret, secret_len, NULL, 0);
	crypto_generichash_init(&st, key, sizeof(key), sizeof(bytes));
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label)); /* with its NUL */
	crypto_generichash_update(&st, (const uint8_t *)serial, strlen(serial) + 1);
	crypto_generichash_update(&st, (const uint8_t *)user, strlen(user) + 1);
	crypto_generichash_final(&st, bytes, sizeof(bytes));
	/* 64 bytes, 16 needed, each rejected with probability 8/256: running out has p < 1e-40 */
	ok = draw(
	    bytes, sizeof(bytes), sym, sizeof(sym), label_alphabet, sizeof(label_alphabet) - 1);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(bytes, sizeof(bytes));
	if (!ok)
		return MAMORI_E_INVAL;
	group4(sym, out);
	sodium_memzero(sym, sizeof(sym));
	return MAMORI_OK;
}

static const char b32_lower[] = "abcdefghijklmnopqrstuvwxyz234567";

void
cred_recovery_hash(
    const char sym[CRED_RECOVERY_SYMS], const uint8_t salt[16], char out[MAMORI_CRED_HASH_MAX])
{
	uint8_t h[32];
	char salthex[33], hhex[65];

	crypto_generichash(h, sizeof(h), (const uint8_t *)sym, CRED_RECOVERY_SYMS, salt, 16);
	cred_hex(salt, 16, salthex);
	cred_hex(h, sizeof(h), hhex);
	snprintf(out, MAMORI_CRED_HASH_MAX, "$b2$%s$%s", salthex, hhex);
	sodium_memzero(h, sizeof(h));
	sodium_memzero(hhex, sizeof(hhex));
}

bool
cred_recovery_valid(const char *s)
{
	if (strlen(s) != 37 + 64 || memcmp(s, "$b2$", 4) != 0 || s[36] != '$')
		return false;
	for (size_t i = 4; i < 37 + 64; i++)
		if (i != 36 && strchr("0123456789abcdef", s[i]) == NULL)
			return false;
	return true;
}

bool
cred_recovery_canon(const char *code, char sym[CRED_RECOVERY_SYMS])
{
	size_t n = 0;

	for (const char *p = code; *p != '\0'; p++) {
		char c = *p;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7')) || n == CRED_RECOVERY_SYMS)
			return false;
		sym[n++] = c;
	}
	return n == CRED_RECOVERY_SYMS;
}

static bool
unhex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *hi = strchr("0123456789abcdef", s[2 * i]);
		const char *lo = strchr("0123456789abcdef", s[2 * i + 1]);
		if (hi == NULL || lo == NULL || s[2 * i] == '\0' || s[2 * i + 1] == '\0')
			return false;
		out[i] = (uint8_t)((hi - "0123456789abcdef") << 4 | (lo - "0123456789abcdef"));
	}
	return true;
}

int
cred_recovery_find(const struct mamori_cred_account *a, const char sym[CRED_RECOVERY_SYMS])
{
	int hit = -1;

	for (size_t i = 0; i < a->n_recovery; i++) {
		uint8_t salt[16];
		char h[MAMORI_CRED_HASH_MAX];
		if (!cred_recovery_valid(a->recovery[i]) || !unhex(a->recovery[i] + 4, salt, 16))
			continue;
		cred_recovery_hash(sym, salt, h);
		if (sodium_memcmp(h, a->recovery[i], 37 + 64) == 0 && hit < 0)
			hit = (int)i;
		sodium_memzero(h, sizeof(h));
	}
	return hit;
}

mamori_err
mamori_cred_otp_enroll(struct mamori_cred_store *s, struct mamori_cred_account *a,
    enum mamori_otp_kind kind, enum mamori_otp_algo algo, unsigned digits, uint32_t period,
    char codes[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_RECOVERY_LEN + 1])
{
	struct mamori_cred_otp o;
	char hashes[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_HASH_MAX];

	(void)s;
	if ((kind != MAMORI_OTP_TOTP && kind != MAMORI_OTP_HOTP) || digits < 6 || digits > 8 ||
	    (unsigned)algo > MAMORI_OTP_SHA512 || period < 1 || period > 300)
		return MAMORI_E_INVAL;
	if (sodium_init() < 0)
		return MAMORI_E_NOMEM;
	memset(&o, 0, sizeof(o));
	o.kind = kind;
	o.algo = algo;
	o.digits = digits;
	o.period = period;
	o.pending = true;
	o.secret_len = algo == MAMORI_OTP_SHA1 ? 20 : algo == MAMORI_OTP_SHA256 ? 32 : 64;
	randombytes_buf(o.secret, o.secret_len);
	for (size_t i = 0; i < MAMORI_CRED_RECOVERY_N; i++) {
		char sym[CRED_RECOVERY_SYMS];
		uint8_t salt[16];
		size_t k = 0;
		for (size_t j = 0; j < CRED_RECOVERY_SYMS; j++)
			sym[j] = b32_lower[randombytes_uniform(32)];
		/* shown as xxxx-xxxx-...: groups of four */
		for (size_t j = 0; j < CRED_RECOVERY_SYMS; j++) {
			if (j > 0 && j % 4 == 0)
				codes[i][k++] = '-';
			codes[i][k++] = sym[j];
		}
		codes[i][k] = '\0';
		randombytes_buf(salt, sizeof(salt));
		cred_recovery_hash(sym, salt, hashes[i]);
		sodium_memzero(sym, sizeof(sym));
	}
	a->otp = o;
	memcpy(a->recovery, hashes, sizeof(hashes));
	a->n_recovery = MAMORI_CRED_RECOVERY_N;
	sodium_memzero(&o, sizeof(o));
	return MAMORI_OK;
}

enum mamori_cred_acct
mamori_cred_account_ok(
    const struct mamori_cred_store *s, const char *name, const char *perm, uint64_t now)
{
	size_t i = cred_index(s, name);
	const struct mamori_cred_account *a;

	if (i == s->n_accounts)
		return MAMORI_CRED_ACCT_UNKNOWN;
	a = &s->accounts[i];
	if ((a->flags & MAMORI_CRED_F_DISABLED) != 0)
		return MAMORI_CRED_ACCT_DISABLED;
	if (a->expires != 0 && now >= a->expires)
		return MAMORI_CRED_ACCT_EXPIRED;
	if (perm != NULL && !mamori_cred_allowed(s, a, perm))
		return MAMORI_CRED_ACCT_NO_PERMISSION;
	if ((a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0 || a->hash[0] == '\0')
		return MAMORI_CRED_ACCT_MUST_CHANGE;
	return MAMORI_CRED_ACCT_OK;
}

const char *
mamori_cred_acct_name(enum mamori_cred_acct r)
{
	static const char *names[] = {"ok", "unknown user", "disabled", "expired",
	    "role lacks the permission", "must change password"};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}
