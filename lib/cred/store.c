/* SPDX-License-Identifier: MIT */
/* The account store file (docs/formats/cred-store.md): a strict line parser that refuses
 * anything it does not fully understand, a writer that is its exact inverse, and the file
 * protocol — lock file, temporary file, fsync, rename, fsync of the directory. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cred_priv.h"
#include "mamori/cred.h"

#define MAGIC         "mamori-cred 1"
#define CHECKSUM_LEN  16u /* bytes of the BLAKE2b in the end line */
#define FIELDS_MAX    (2u + MAMORI_CRED_PERMS_MAX)
#define ROLE_DEFAULTS 3u

static const struct {
	const char *name;
	const char *perms[8];
} builtin_roles[ROLE_DEFAULTS] = {
    {"admin", {"*"}},
    {"operator", {"login", "shell", "config.read", "config.write", "service.restart", "logs.read",
                     "update.install"}},
    {"viewer", {"login", "config.read", "logs.read"}},
};

void
mamori_cred_store_defaults(struct mamori_cred_store *s)
{
	memset(s, 0, sizeof(*s));
	s->cls = MAMORI_CRED_CLASS_DEFAULT;
	s->min_length = MAMORI_CRED_PASSWORD_MIN;
	s->lock_fd = -1;
	for (size_t i = 0; i < ROLE_DEFAULTS; i++) {
		struct mamori_cred_role *r = &s->roles[s->n_roles++];
		snprintf(r->name, sizeof(r->name), "%s", builtin_roles[i].name);
		for (size_t j = 0; j < 8 && builtin_roles[i].perms[j] != NULL; j++)
			snprintf(r->perms[r->n_perms++], sizeof(r->perms[0]), "%s",
			    builtin_roles[i].perms[j]);
	}
}

void
mamori_cred_store_free(struct mamori_cred_store *s)
{
	if (s->accounts != NULL) {
		sodium_memzero(s->accounts, s->n_accounts * sizeof(s->accounts[0]));
		free(s->accounts);
	}
	free(s->throttle);
	free(s->path);
	s->accounts = NULL;
	s->throttle = NULL;
	s->path = NULL;
	s->n_accounts = s->n_throttle = 0;
}

bool
mamori_cred_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > MAMORI_CRED_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		        c == '-'))
			return false;
	}
	return true;
}

static bool
perm_valid(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > MAMORI_CRED_PERM_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		        c == '*' || c == '-'))
			return false;
	}
	return true;
}

/* Printable ASCII without space: sources and device words. */
static bool
token_valid(const char *p, size_t max)
{
	size_t n = strlen(p);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] == 0x7f)
			return false;
	return true;
}

size_t
cred_index(const struct mamori_cred_store *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n_accounts; i++)
		if (strcmp(s->accounts[i].name, name) == 0)
			break;
	return i;
}

struct mamori_cred_account *
mamori_cred_find(struct mamori_cred_store *s, const char *name)
{
	size_t i = cred_index(s, name);

	return i < s->n_accounts ? &s->accounts[i] : NULL;
}

mamori_err
cred_throttle_array(struct mamori_cred_store *s)
{
	if (s->throttle == NULL &&
	    (s->throttle = calloc(MAMORI_CRED_THROTTLE_MAX, sizeof(*s->throttle))) == NULL)
		return MAMORI_E_NOMEM;
	return MAMORI_OK;
}

const struct mamori_cred_role *
mamori_cred_role_find(const struct mamori_cred_store *s, const char *name)
{
	for (size_t i = 0; i < s->n_roles; i++)
		if (strcmp(s->roles[i].name, name) == 0)
			return &s->roles[i];
	return NULL;
}

bool
mamori_cred_allowed(
    const struct mamori_cred_store *s, const struct mamori_cred_account *a, const char *perm)
{
	const struct mamori_cred_role *r = mamori_cred_role_find(s, a->role);

	if (r == NULL)
		return false;
	for (size_t i = 0; i < r->n_perms; i++)
		if (strcmp(r->perms[i], "*") == 0 || strcmp(r->perms[i], perm) == 0)
			return true;
	return false;
}

mamori_err
cred_new_account(struct mamori_cred_store *s, struct mamori_cred_account **out)
{
	size_t n = s->n_accounts;

	if (n >= MAMORI_CRED_ACCOUNTS_MAX)
		return MAMORI_E_TOOBIG;
	if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) { /* capacity is 4, 8, 16...: full */
		size_t cap = n == 0 ? 4 : n * 2;
		struct mamori_cred_account *na = calloc(cap, sizeof(*na));
		if (na == NULL)
			return MAMORI_E_NOMEM;
		if (n > 0) {
			memcpy(na, s->accounts, n * sizeof(*na));
			sodium_memzero(s->accounts, n * sizeof(*na));
		}
		free(s->accounts);
		s->accounts = na;
	}
	memset(&s->accounts[n], 0, sizeof(s->accounts[n]));
	s->n_accounts++;
	*out = &s->accounts[n];
	return MAMORI_OK;
}

/* ---- parsing ---- */

struct parse {
	struct mamori_cred_store *s;
	struct mamori_diag *d;
	size_t line, off;
	int stage;                        /* 0 magic, 1 settings, 2 roles, 3 accounts, 4 throttle */
	struct mamori_cred_account *last; /* the account otp/recovery lines may follow */
};

#define FAIL(ps, ...)                                                                              \
	mamori_diag_set((ps)->d, MAMORI_E_MALFORMED, (ps)->off, (ps)->line, __VA_ARGS__)

static mamori_err
parse_u64(struct parse *ps, const char *v, const char *key, uint64_t *out)
{
	uint64_t x = 0;
	size_t n = strlen(v);

	if (n == 0 || n > 20)
		return FAIL(
		    ps, "line %zu: %s: expected a decimal number of 1 to 20 digits", ps->line, key);
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return FAIL(ps, "line %zu: %s: expected a decimal number", ps->line, key);
		if (__builtin_mul_overflow(x, 10u, &x) ||
		    __builtin_add_overflow(x, (uint64_t)(v[i] - '0'), &x))
			return FAIL(ps, "line %zu: %s: number too large", ps->line, key);
	}
	*out = x;
	return MAMORI_OK;
}

/* "key=value" with the expected key; *val points into f. */
static mamori_err
kv(struct parse *ps, char *f, const char *key, char **val)
{
	size_t k = strlen(key);

	if (f == NULL)
		return FAIL(ps, "line %zu: missing field %s=", ps->line, key);
	if (strncmp(f, key, k) != 0 || f[k] != '=')
		return FAIL(ps, "line %zu: expected %s=, found another field", ps->line, key);
	*val = f + k + 1;
	if (**val == '\0')
		return FAIL(ps, "line %zu: %s= is empty", ps->line, key);
	return MAMORI_OK;
}

static mamori_err
kv_u64(struct parse *ps, char *f, const char *key, uint64_t *out)
{
	char *v = NULL;
	mamori_err e;

	if ((e = kv(ps, f, key, &v)) != MAMORI_OK)
		return e;
	return parse_u64(ps, v, key, out);
}

static mamori_err
stage(struct parse *ps, int want, const char *what)
{
	if (ps->stage > want)
		return FAIL(ps, "line %zu: '%s' line out of order (see docs/formats/cred-store.md)",
		    ps->line, what);
	ps->stage = want;
	return MAMORI_OK;
}

static mamori_err
hash_valid(struct parse *ps, const char *h)
{
	if (strcmp(h, "-") == 0)
		return MAMORI_OK;
	if (strlen(h) >= MAMORI_CRED_HASH_MAX)
		return FAIL(
		    ps, "line %zu: hash longer than %u bytes", ps->line, MAMORI_CRED_HASH_MAX - 1);
	if (!mamori_cred_hash_usable(h))
		return FAIL(
		    ps, "line %zu: hash of an unknown kind (not Argon2id or crypt(3))", ps->line);
	return MAMORI_OK;
}

static mamori_err
parse_account(struct parse *ps, char **f, size_t nf)
{
	struct mamori_cred_store *s = ps->s;
	struct mamori_cred_account *a;
	char *v = NULL;
	mamori_err e;

	if (nf != 9)
		return FAIL(ps, "line %zu: an account line has 9 fields, not %zu", ps->line, nf);
	if (!mamori_cred_name_valid(f[1]))
		return FAIL(ps, "line %zu: invalid user name", ps->line);
	if (mamori_cred_find(s, f[1]) != NULL)
		return FAIL(ps, "line %zu: account '%s' defined twice", ps->line, f[1]);
	if (s->n_accounts >= MAMORI_CRED_ACCOUNTS_MAX)
		return FAIL(
		    ps, "line %zu: more than %u accounts", ps->line, MAMORI_CRED_ACCOUNTS_MAX);
	if ((e = cred_new_account(s, &a)) != MAMORI_OK)
		return e;
	snprintf(a->name, sizeof(a->name), "%s", f[1]);
	if ((e = kv(ps, f[2], "role", &v)) != MAMORI_OK)
		return e;
	if (mamori_cred_role_find(s, v) == NULL)
		return FAIL(ps, "line %zu: role '%.32s' is not defined above", ps->line, v);
	snprintf(a->role, sizeof(a->role), "%s", v);
	if ((e = kv(ps, f[3], "hash", &v)) != MAMORI_OK || (e = hash_valid(ps, v)) != MAMORI_OK)
		return e;
	if (strcmp(v, "-") != 0)
		memcpy(a->hash, v, strlen(v) + 1);
	if ((e = kv(ps, f[4], "flags", &v)) != MAMORI_OK)
		return e;
	if (strcmp(v, "-") != 0) {
		char *save = NULL;
		for (char *t = strtok_r(v, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
			unsigned fl = strcmp(t, "must-change") == 0 ? MAMORI_CRED_F_MUST_CHANGE
			              : strcmp(t, "disabled") == 0  ? MAMORI_CRED_F_DISABLED
			                                            : 0;
			if (fl == 0 || (a->flags & fl) != 0)
				return FAIL(ps, "line %zu: unknown or repeated flag", ps->line);
			a->flags |= fl;
		}
	}
	if ((e = kv_u64(ps, f[5], "created", &a->created)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[6], "changed", &a->changed)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[7], "login", &a->last_login)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[8], "expires", &a->expires)) != MAMORI_OK)
		return e;
	ps->last = a;
	return MAMORI_OK;
}

static mamori_err
parse_otp(struct parse *ps, char **f, size_t nf)
{
	struct mamori_cred_otp *o;
	char *v = NULL;
	uint64_t x = 0;
	mamori_err e;

	if (nf != 9)
		return FAIL(ps, "line %zu: an otp line has 9 fields, not %zu", ps->line, nf);
	if (ps->last == NULL || strcmp(ps->last->name, f[1]) != 0)
		return FAIL(ps, "line %zu: otp line does not follow its account's line", ps->line);
	o = &ps->last->otp;
	if (o->kind != MAMORI_OTP_NONE)
		return FAIL(ps, "line %zu: second otp line for one account", ps->line);
	if ((e = kv(ps, f[2], "kind", &v)) != MAMORI_OK)
		return e;
	if (strcmp(v, "totp") == 0)
		o->kind = MAMORI_OTP_TOTP;
	else if (strcmp(v, "hotp") == 0)
		o->kind = MAMORI_OTP_HOTP;
	else
		return FAIL(ps, "line %zu: kind= must be totp or hotp", ps->line);
	if ((e = kv(ps, f[3], "algo", &v)) != MAMORI_OK)
		return e;
	if (strcmp(v, "sha1") == 0)
		o->algo = MAMORI_OTP_SHA1;
	else if (strcmp(v, "sha256") == 0)
		o->algo = MAMORI_OTP_SHA256;
	else if (strcmp(v, "sha512") == 0)
		o->algo = MAMORI_OTP_SHA512;
	else
		return FAIL(ps, "line %zu: algo= must be sha1, sha256 or sha512", ps->line);
	if ((e = kv_u64(ps, f[4], "digits", &x)) != MAMORI_OK)
		return e;
	if (x < 6 || x > 8)
		return FAIL(ps, "line %zu: digits= must be 6, 7 or 8", ps->line);
	o->digits = (unsigned)x;
	if ((e = kv_u64(ps, f[5], "period", &x)) != MAMORI_OK)
		return e;
	if (x < 1 || x > 300)
		return FAIL(ps, "line %zu: period= must be 1 to 300 seconds", ps->line);
	o->period = (uint32_t)x;
	if ((e = kv_u64(ps, f[6], "counter", &o->counter)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[7], "pending", &x)) != MAMORI_OK)
		return e;
	if (x > 1)
		return FAIL(ps, "line %zu: pending= must be 0 or 1", ps->line);
	o->pending = x == 1;
	if ((e = kv(ps, f[8], "secret", &v)) != MAMORI_OK)
		return e;
	if (mamori_base32_decode(
	        v, strlen(v), o->secret, sizeof(o->secret), &o->secret_len, NULL) != MAMORI_OK ||
	    o->secret_len < 10)
		return FAIL(ps, "line %zu: secret= is not base32 of 10 to %u bytes", ps->line,
		    MAMORI_CRED_OTP_SECRET_MAX);
	return MAMORI_OK;
}

static mamori_err
parse_throttle(struct parse *ps, char **f, size_t nf)
{
	struct mamori_cred_store *s = ps->s;
	struct mamori_cred_throttle *t;
	mamori_err e;

	if (nf != 6)
		return FAIL(ps, "line %zu: a throttle line has 6 fields, not %zu", ps->line, nf);
	if (!((f[1][0] == 'u' && f[1][1] == ':' && mamori_cred_name_valid(f[1] + 2)) ||
	        (f[1][0] == 's' && f[1][1] == ':' &&
	            token_valid(f[1] + 2, MAMORI_CRED_SOURCE_MAX))))
		return FAIL(ps, "line %zu: throttle key must be u:NAME or s:SOURCE", ps->line);
	for (size_t i = 0; i < s->n_throttle; i++)
		if (strcmp(s->throttle[i].key, f[1]) == 0)
			return FAIL(ps, "line %zu: throttle record repeated", ps->line);
	if (s->n_throttle >= MAMORI_CRED_THROTTLE_MAX)
		return FAIL(ps, "line %zu: more than %u throttle records", ps->line,
		    MAMORI_CRED_THROTTLE_MAX);
	if (cred_throttle_array(s) != MAMORI_OK)
		return MAMORI_E_NOMEM;
	t = &s->throttle[s->n_throttle];
	memset(t, 0, sizeof(*t));
	snprintf(t->key, sizeof(t->key), "%s", f[1]);
	uint64_t failures;
	if ((e = kv_u64(ps, f[2], "failures", &failures)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[3], "last", &t->last)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[4], "until", &t->until)) != MAMORI_OK ||
	    (e = kv_u64(ps, f[5], "evaluated", &t->evaluated)) != MAMORI_OK)
		return e;
	if (failures > UINT32_MAX)
		return FAIL(ps, "line %zu: failures= too large", ps->line);
	t->failures = (uint32_t)failures;
	s->n_throttle++;
	return MAMORI_OK;
}

static mamori_err
parse_line(struct parse *ps, char *line)
{
	struct mamori_cred_store *s = ps->s;
	char *f[FIELDS_MAX + 1];
	size_t nf = 0;
	char *p = line;
	mamori_err e;

	for (;;) {
		char *sp = strchr(p, ' ');
		if (nf == FIELDS_MAX + 1)
			return FAIL(ps, "line %zu: more than %u fields", ps->line, FIELDS_MAX);
		f[nf++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	for (size_t i = 0; i < nf; i++)
		if (f[i][0] == '\0')
			return FAIL(ps, "line %zu: empty field (two spaces, or a space at the end)",
			    ps->line);
	if (ps->stage == 0) {
		if (nf != 2 || strcmp(f[0], "mamori-cred") != 0)
			return FAIL(ps, "line 1: not a mamori account store (no 'mamori-cred 1')");
		if (strcmp(f[1], "1") != 0)
			return mamori_diag_set(ps->d, MAMORI_E_UNSUPPORTED, 0, 1,
			    "line 1: store version %.16s is not supported (this mamori reads 1)",
			    f[1]);
		ps->stage = 1;
		s->n_roles = 0; /* the file says which roles exist */
		return MAMORI_OK;
	}
	if (strcmp(f[0], "class") == 0) {
		if ((e = stage(ps, 1, "class")) != MAMORI_OK)
			return e;
		if (nf != 2 || mamori_cred_class_parse(f[1], &s->cls) != MAMORI_OK)
			return FAIL(ps, "line %zu: class must be small, medium or large", ps->line);
		return MAMORI_OK;
	}
	if (strcmp(f[0], "min-length") == 0) {
		uint64_t x = 0;
		if ((e = stage(ps, 1, "min-length")) != MAMORI_OK)
			return e;
		if (nf != 2)
			return FAIL(ps, "line %zu: min-length takes one number", ps->line);
		if ((e = parse_u64(ps, f[1], "min-length", &x)) != MAMORI_OK)
			return e;
		if (x < 8 || x > 64)
			return FAIL(ps, "line %zu: min-length must be 8 to 64", ps->line);
		s->min_length = (size_t)x;
		return MAMORI_OK;
	}
	if (strcmp(f[0], "word") == 0) {
		if ((e = stage(ps, 1, "word")) != MAMORI_OK)
			return e;
		if (nf != 2 || !token_valid(f[1], MAMORI_CRED_WORD_MAX))
			return FAIL(ps, "line %zu: word takes one word of 1 to %u bytes", ps->line,
			    MAMORI_CRED_WORD_MAX);
		if (s->n_words >= MAMORI_CRED_WORDS_MAX)
			return FAIL(
			    ps, "line %zu: more than %u words", ps->line, MAMORI_CRED_WORDS_MAX);
		snprintf(s->words[s->n_words++], sizeof(s->words[0]), "%s", f[1]);
		return MAMORI_OK;
	}
	if (strcmp(f[0], "role") == 0) {
		struct mamori_cred_role *r;
		if ((e = stage(ps, 2, "role")) != MAMORI_OK)
			return e;
		if (nf < 3)
			return FAIL(ps, "line %zu: a role needs a name and at least one permission",
			    ps->line);
		if (nf - 2 > MAMORI_CRED_PERMS_MAX)
			return FAIL(ps, "line %zu: more than %u permissions", ps->line,
			    MAMORI_CRED_PERMS_MAX);
		if (!mamori_cred_name_valid(f[1]))
			return FAIL(ps, "line %zu: invalid role name", ps->line);
		if (mamori_cred_role_find(s, f[1]) != NULL)
			return FAIL(ps, "line %zu: role '%s' defined twice", ps->line, f[1]);
		if (s->n_roles >= MAMORI_CRED_ROLES_MAX)
			return FAIL(
			    ps, "line %zu: more than %u roles", ps->line, MAMORI_CRED_ROLES_MAX);
		r = &s->roles[s->n_roles];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", f[1]);
		for (size_t i = 2; i < nf; i++) {
			if (!perm_valid(f[i]))
				return FAIL(ps, "line %zu: invalid permission name", ps->line);
			snprintf(r->perms[r->n_perms++], sizeof(r->perms[0]), "%s", f[i]);
		}
		s->n_roles++;
		return MAMORI_OK;
	}
	if (strcmp(f[0], "account") == 0) {
		if ((e = stage(ps, 3, "account")) != MAMORI_OK)
			return e;
		return parse_account(ps, f, nf);
	}
	if (strcmp(f[0], "otp") == 0) {
		if ((e = stage(ps, 3, "otp")) != MAMORI_OK)
			return e;
		return parse_otp(ps, f, nf);
	}
	if (strcmp(f[0], "recovery") == 0) {
		struct mamori_cred_account *a = ps->last;
		if ((e = stage(ps, 3, "recovery")) != MAMORI_OK)
			return e;
		if (nf != 3)
			return FAIL(ps, "line %zu: a recovery line has 3 fields", ps->line);
		if (a == NULL || strcmp(a->name, f[1]) != 0 || a->otp.kind == MAMORI_OTP_NONE)
			return FAIL(ps,
			    "line %zu: recovery line does not follow its account's otp line",
			    ps->line);
		if (a->n_recovery >= MAMORI_CRED_RECOVERY_N)
			return FAIL(ps, "line %zu: more than %u recovery codes", ps->line,
			    MAMORI_CRED_RECOVERY_N);
		if (!cred_recovery_valid(f[2]))
			return FAIL(
			    ps, "line %zu: recovery code hash is not $b2$SALT$HASH", ps->line);
		memcpy(a->recovery[a->n_recovery++], f[2], strlen(f[2]) + 1);
		return MAMORI_OK;
	}
	if (strcmp(f[0], "throttle") == 0) {
		if ((e = stage(ps, 4, "throttle")) != MAMORI_OK)
			return e;
		return parse_throttle(ps, f, nf);
	}
	return FAIL(ps, "line %zu: unknown line type '%.20s'", ps->line, f[0]);
}

void
cred_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
checksum(const uint8_t *p, size_t len, char out[2 * CHECKSUM_LEN + 1])
{
	uint8_t h[CHECKSUM_LEN];

	crypto_generichash(h, sizeof(h), p, len, NULL, 0);
	cred_hex(h, sizeof(h), out);
}

mamori_err
mamori_cred_store_parse(
    const uint8_t *p, size_t len, struct mamori_cred_store *out, struct mamori_diag *d)
{
	struct mamori_cred_store s;
	struct parse ps;
	char line[MAMORI_CRED_LINE_MAX + 1];
	char sum[2 * CHECKSUM_LEN + 1];
	size_t end_off, nlines = 0;
	mamori_err e = MAMORI_OK;

	if (len > MAMORI_CRED_STORE_MAX)
		return mamori_diag_set(
		    d, MAMORI_E_TOOBIG, 0, 0, "store larger than %zu bytes", MAMORI_CRED_STORE_MAX);
	if (len == 0)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, 0, 0,
		    "store is empty (truncated?): refusing to treat it as having no accounts");
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n')
			nlines++;
		else if (p[i] < 0x20 || p[i] == 0x7f)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, i, nlines + 1,
			    "line %zu: control character 0x%02x", nlines + 1, p[i]);
	}
	if (p[len - 1] != '\n')
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, len, nlines + 1,
		    "line %zu: the store ends in the middle of a line: truncated", nlines + 1);
	/* The end line: last, "end " + 32 hex digits + LF. */
	end_off = len - 1;
	while (end_off > 0 && p[end_off - 1] != '\n')
		end_off--;
	if (len - end_off != 4 + 2 * CHECKSUM_LEN + 1 || memcmp(p + end_off, "end ", 4) != 0)
		return mamori_diag_set(d, MAMORI_E_TRUNCATED, end_off, nlines,
		    "line %zu: the last line is not 'end CHECKSUM': the store is truncated",
		    nlines);
	if (sodium_init() < 0)
		return MAMORI_E_NOMEM;
	checksum(p, end_off, sum);
	if (sodium_memcmp(sum, p + end_off + 4, (size_t)2 * CHECKSUM_LEN) != 0)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, end_off, nlines,
		    "line %zu: checksum mismatch: the store was altered or damaged outside mamori",
		    nlines);

	mamori_cred_store_defaults(&s);
	memset(&ps, 0, sizeof(ps));
	ps.s = &s;
	ps.d = d;
	for (size_t off = 0; off < end_off && e == MAMORI_OK;) {
		const uint8_t *nl = memchr(p + off, '\n', end_off - off);
		size_t n = (size_t)(nl - (p + off));
		ps.line++;
		ps.off = off;
		if (n > MAMORI_CRED_LINE_MAX) {
			e = FAIL(
			    &ps, "line %zu: longer than %u bytes", ps.line, MAMORI_CRED_LINE_MAX);
			break;
		}
		memcpy(line, p + off, n);
		line[n] = '\0';
		e = parse_line(&ps, line);
		off += n + 1;
	}
	sodium_memzero(line, sizeof(line));
	if (e == MAMORI_OK && ps.stage == 0)
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 1, "line 1: no 'mamori-cred 1' line");
	if (e == MAMORI_OK && s.n_roles == 0)
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0, "the store defines no role");
	if (e != MAMORI_OK) {
		mamori_cred_store_free(&s);
		return e;
	}
	*out = s;
	return MAMORI_OK;
}

/* ---- writing ---- */

mamori_err
mamori_cred_store_format(const struct mamori_cred_store *s, struct mamori_buf *out)
{
	struct mamori_buf b;
	char sum[2 * CHECKSUM_LEN + 1];
	static const char *algos[] = {"sha1", "sha256", "sha512"};
	mamori_err e;

	mamori_buf_init(&b, MAMORI_CRED_STORE_MAX);
#define PUT(...)                                                                                   \
	do {                                                                                       \
		if ((e = mamori_buf_printf(&b, __VA_ARGS__)) != MAMORI_OK)                         \
			goto fail;                                                                 \
	} while (0)
	PUT("%s\nclass %s\nmin-length %zu\n", MAGIC, mamori_cred_class_name(s->cls), s->min_length);
	for (size_t i = 0; i < s->n_words; i++)
		PUT("word %s\n", s->words[i]);
	for (size_t i = 0; i < s->n_roles; i++) {
		PUT("role %s", s->roles[i].name);
		for (size_t j = 0; j < s->roles[i].n_perms; j++)
			PUT(" %s", s->roles[i].perms[j]);
		PUT("\n");
	}
	for (size_t i = 0; i < s->n_accounts; i++) {
		const struct mamori_cred_account *a = &s->accounts[i];
		const char *flags =
		    (a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0
		        ? ((a->flags & MAMORI_CRED_F_DISABLED) != 0 ? "must-change,disabled"
		                                                    : "must-change")
		    : (a->flags & MAMORI_CRED_F_DISABLED) != 0 ? "disabled"
		                                               : "-";
		PUT("account %s role=%s hash=%s flags=%s created=%llu changed=%llu login=%llu "
		    "expires=%llu\n",
		    a->name, a->role, a->hash[0] != '\0' ? a->hash : "-", flags,
		    (unsigned long long)a->created, (unsigned long long)a->changed,
		    (unsigned long long)a->last_login, (unsigned long long)a->expires);
		if (a->otp.kind != MAMORI_OTP_NONE) {
			char secret[2 * MAMORI_CRED_OTP_SECRET_MAX];
			if (mamori_base32_encode(
			        a->otp.secret, a->otp.secret_len, secret, sizeof(secret)) == 0) {
				e = MAMORI_E_INVAL;
				goto fail;
			}
			PUT("otp %s kind=%s algo=%s digits=%u period=%u counter=%llu pending=%d "
			    "secret=%s\n",
			    a->name, a->otp.kind == MAMORI_OTP_TOTP ? "totp" : "hotp",
			    algos[a->otp.algo], a->otp.digits, (unsigned)a->otp.period,
			    (unsigned long long)a->otp.counter, a->otp.pending ? 1 : 0, secret);
			sodium_memzero(secret, sizeof(secret));
			for (size_t j = 0; j < a->n_recovery; j++)
				PUT("recovery %s %s\n", a->name, a->recovery[j]);
		}
	}
	for (size_t i = 0; i < s->n_throttle; i++) {
		const struct mamori_cred_throttle *t = &s->throttle[i];
		PUT("throttle %s failures=%u last=%llu until=%llu evaluated=%llu\n", t->key,
		    (unsigned)t->failures, (unsigned long long)t->last,
		    (unsigned long long)t->until, (unsigned long long)t->evaluated);
	}
#undef PUT
	if (sodium_init() < 0) {
		e = MAMORI_E_NOMEM;
		goto fail;
	}
	checksum(b.p, b.len, sum);
	if ((e = mamori_buf_printf(&b, "end %s\n", sum)) != MAMORI_OK)
		goto fail;
	*out = b;
	return MAMORI_OK;
fail:
	mamori_buf_wipe_free(&b);
	return e;
}

/* ---- files ---- */

static mamori_err
io_fail(struct mamori_diag *d, const char *what, const char *path)
{
	int err = errno;
	mamori_err e = err == EACCES || err == EPERM ? MAMORI_E_PERM
	               : err == ENOENT               ? MAMORI_E_NOTFOUND
	                                             : MAMORI_E_IO;

	mamori_diag_set(d, e, 0, 0, "%s %.100s: %s", what, path, strerror(err));
	errno = err;
	return e;
}

static mamori_err
fsync_dir(const char *path, struct mamori_diag *d)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return io_fail(d, "cannot open directory", dir);
	if (fsync(fd) != 0) {
		mamori_err e = io_fail(d, "cannot sync directory", dir);
		close(fd);
		return e;
	}
	close(fd);
	return MAMORI_OK;
}

static mamori_err
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return MAMORI_E_IO;
		}
		p += w;
		n -= (size_t)w;
	}
	return MAMORI_OK;
}

static mamori_err
write_file(const char *path, const struct mamori_cred_store *s, int oflags, struct mamori_diag *d)
{
	struct mamori_buf b;
	mamori_err e;
	int fd;

	if ((e = mamori_cred_store_format(s, &b)) != MAMORI_OK)
		return mamori_diag_set(
		    d, e, 0, 0, "cannot format the store: %s", mamori_strerror(e));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | oflags, 0600)) < 0) {
		e = errno == EEXIST ? mamori_diag_set(d, MAMORI_E_PERM, 0, 0,
		                          "%.100s already exists: refusing to overwrite it", path)
		                    : io_fail(d, "cannot create", path);
		mamori_buf_wipe_free(&b);
		return e;
	}
	if (fchmod(fd, 0600) != 0 || write_all(fd, b.p, b.len) != MAMORI_OK || fsync(fd) != 0) {
		e = io_fail(d, "cannot write", path);
		close(fd);
		mamori_buf_wipe_free(&b);
		return e;
	}
	mamori_buf_wipe_free(&b);
	if (close(fd) != 0)
		return io_fail(d, "cannot write", path);
	return MAMORI_OK;
}

mamori_err
mamori_cred_store_create(const char *path, const struct mamori_cred_store *s, struct mamori_diag *d)
{
	mamori_err e;

	if ((e = write_file(path, s, O_EXCL, d)) != MAMORI_OK)
		return e;
	return fsync_dir(path, d);
}

static mamori_err
take_lock(const char *path, int *out, struct mamori_diag *d)
{
	char lock[4096];
	int fd;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "store path too long");
	if ((fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0)
		return io_fail(d, "cannot open lock file", lock);
	for (unsigned waited = 0;; waited += 10) {
		struct timespec ts = {0, 10000000L};
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			mamori_err e = io_fail(d, "cannot lock", lock);
			close(fd);
			return e;
		}
		if (waited >= MAMORI_CRED_LOCK_WAIT_MS) {
			close(fd);
			return mamori_diag_set(d, MAMORI_E_IO, 0, 0,
			    "%.100s is held by another writer for more than %u s", lock,
			    MAMORI_CRED_LOCK_WAIT_MS / 1000);
		}
		nanosleep(&ts, NULL);
	}
	*out = fd;
	return MAMORI_OK;
}

mamori_err
mamori_cred_store_open(
    const char *path, bool lock, struct mamori_cred_store *out, struct mamori_diag *d)
{
	struct mamori_cred_store s;
	struct mamori_buf b;
	struct stat st;
	int lfd = -1, fd;
	mamori_err e;

	if (lock && (e = take_lock(path, &lfd, d)) != MAMORI_OK)
		return e;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		e = io_fail(d, "cannot open store", path);
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		e = io_fail(d, "cannot stat store", path);
		close(fd);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		e = mamori_diag_set(
		    d, MAMORI_E_MALFORMED, 0, 0, "%.100s is not a regular file", path);
		goto fail;
	}
	mamori_cred_store_defaults(&s); /* written by the parser; set for the analyzer's sake */
	if ((st.st_mode & 077) != 0) {
		close(fd);
		e = mamori_diag_set(d, MAMORI_E_PERM, 0, 0,
		    "%.100s has mode %04o: a store must not be accessible to group or others "
		    "(chmod 600)",
		    path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	/* read by root (PAM in sshd, login): the store must be root's, or whoever owns it could
	 * write themselves a password */
	if (geteuid() == 0 && st.st_uid != 0) {
		close(fd);
		e = mamori_diag_set(d, MAMORI_E_PERM, 0, 0,
		    "%.100s is owned by uid %u, not root: refusing it (chown root)", path,
		    (unsigned)st.st_uid);
		goto fail;
	}
	if ((uint64_t)st.st_size > MAMORI_CRED_STORE_MAX) {
		close(fd);
		e = mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "%.100s is larger than %zu bytes",
		    path, MAMORI_CRED_STORE_MAX);
		goto fail;
	}
	mamori_buf_init(&b, MAMORI_CRED_STORE_MAX);
	if ((e = mamori_buf_reserve(&b, (size_t)st.st_size + 1)) != MAMORI_OK) {
		close(fd);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, b.p + b.len, b.cap - b.len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = io_fail(d, "cannot read store", path);
			close(fd);
			mamori_buf_wipe_free(&b);
			goto fail;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		if (b.len == b.cap && (e = mamori_buf_reserve(&b, 4096)) != MAMORI_OK) {
			close(fd);
			mamori_buf_wipe_free(&b);
			e = mamori_diag_set(d, e, 0, 0, "%.100s is larger than %zu bytes", path,
			    MAMORI_CRED_STORE_MAX);
			goto fail;
		}
	}
	close(fd);
	e = mamori_cred_store_parse(b.p, b.len, &s, d);
	mamori_buf_wipe_free(&b);
	if (e != MAMORI_OK)
		goto fail;
	if ((s.path = strdup(path)) == NULL) {
		mamori_cred_store_free(&s);
		e = MAMORI_E_NOMEM;
		goto fail;
	}
	s.lock_fd = lfd;
	*out = s;
	return MAMORI_OK;
fail:
	if (lfd >= 0)
		close(lfd);
	return e;
}

mamori_err
mamori_cred_store_commit(struct mamori_cred_store *s, struct mamori_diag *d)
{
	char tmp[4096];
	mamori_err e;

	if (s->path == NULL || s->lock_fd < 0)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "store was not opened for writing");
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", s->path) >= sizeof(tmp))
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "store path too long");
	if ((e = write_file(tmp, s, O_TRUNC, d)) != MAMORI_OK) {
		unlink(tmp);
		return e;
	}
	if (rename(tmp, s->path) != 0) {
		e = io_fail(d, "cannot replace", s->path);
		unlink(tmp);
		return e;
	}
	return fsync_dir(s->path, d);
}

void
mamori_cred_store_close(struct mamori_cred_store *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	s->lock_fd = -1;
	mamori_cred_store_free(s);
}
