/* SPDX-License-Identifier: MIT */
/* The account checks of the firmware audit, and the default-credential dictionary they crack
 * hashes with (include/mamori/audit.h). Cracking uses libxcrypt's crypt_rn() with one
 * struct crypt_data, so every method libxcrypt knows (DES, $1$, $5$, $6$, $2b$, $y$, ...) works
 * without code here. Candidates per hash, in order: the empty password and the user name; the
 * dictionary passwords paired with that user name; every distinct dictionary password. Each
 * hash stops after dict->crack_ms milliseconds or dict->crack_tries attempts; a hash that was
 * not fully tried is named in a warning through mamori_log(). */
#include <crypt.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mamori/accounts.h"
#include "mamori/audit.h"
#include "mamori/buf.h"
#include "mamori/dict.h"
#include "mamori/log.h"

/* ---- dictionaries ---------------------------------------------------------------------- */

struct loader {
	struct mamori_audit_creds *c;
	size_t cap;
	uint32_t *set; /* open addressing over distinct passwords: index + 1, 0 = empty */
	size_t setcap;
};

static uint32_t
str_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static mamori_err
add_password(struct loader *L, const char *pass)
{
	struct mamori_audit_creds *c = L->c;
	size_t i;

	for (i = str_hash(pass) & (L->setcap - 1); L->set[i] != 0; i = (i + 1) & (L->setcap - 1))
		if (strcmp(c->passwords[L->set[i] - 1], pass) == 0)
			return MAMORI_OK;
	/* npasswords <= npairs <= MAMORI_AUDIT_CREDS_MAX < setcap / 2 */
	c->passwords[c->npasswords] = pass;
	L->set[i] = (uint32_t)(c->npasswords + 1);
	c->npasswords++;
	return MAMORI_OK;
}

static mamori_err
add_pair(struct loader *L, const char *u, size_t ul, const char *p, size_t pl)
{
	struct mamori_audit_creds *c = L->c;
	struct mamori_audit_cred *e;

	if (ul > MAMORI_AUDIT_CREDS_FIELD_MAX || pl > MAMORI_AUDIT_CREDS_FIELD_MAX ||
	    c->npairs >= MAMORI_AUDIT_CREDS_MAX)
		return MAMORI_E_TOOBIG;
	if (memchr(u, '\0', ul) != NULL || memchr(p, '\0', pl) != NULL)
		return MAMORI_E_MALFORMED;
	e = &c->pairs[c->npairs];
	e->user = strndup(u, ul);
	e->pass = strndup(p, pl);
	if (e->user == NULL || e->pass == NULL) {
		free(e->user);
		free(e->pass);
		return MAMORI_E_NOMEM;
	}
	c->npairs++;
	return add_password(L, e->pass);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static mamori_err
pair_cb(void *arg, const char *user, size_t ul, const char *pass, size_t pl)
{
	return add_pair(arg, user, ul, pass, pl);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The dictionary file names in data_dir/credentials, sorted. */
static mamori_err
list_dir(const char *dir, char ***names, size_t *count, struct mamori_diag *d)
{
	DIR *dp = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	mamori_err ret = MAMORI_E_NOMEM;

	if (dp == NULL)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: cannot open directory", dir);
	v = calloc(MAMORI_AUDIT_CREDS_FILES_MAX, sizeof(*v));
	if (v == NULL)
		goto out;
	for (de = readdir(dp); de != NULL; de = readdir(dp)) {
		const char *nm = de->d_name;

		if (nm[0] == '.' || strncmp(nm, "LICENSE", 7) == 0 || strncmp(nm, "README", 6) == 0)
			continue;
		if (!ends_with(nm, ".tsv") && !ends_with(nm, ".txt") && !ends_with(nm, ".csv"))
			continue;
		if (n >= MAMORI_AUDIT_CREDS_FILES_MAX) {
			ret = mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
			    "%s: more than %d dictionaries", dir, MAMORI_AUDIT_CREDS_FILES_MAX);
			goto out;
		}
		v[n] = strdup(nm);
		if (v[n] == NULL)
			goto out;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*names = v;
	*count = n;
	v = NULL;
	ret = MAMORI_OK;
out:
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
	closedir(dp);
	return ret;
}

mamori_err
mamori_audit_creds_load(const char *data_dir, const char *const *extra, size_t nextra,
    struct mamori_audit_creds **out, struct mamori_diag *d)
{
	struct loader L;
	char **names = NULL;
	size_t nnames = 0;
	mamori_err ret = MAMORI_E_NOMEM;

	memset(&L, 0, sizeof(L));
	if (out == NULL || (extra == NULL && nextra > 0))
		return MAMORI_E_INVAL;
	L.c = calloc(1, sizeof(*L.c));
	if (L.c == NULL)
		return MAMORI_E_NOMEM;
	L.c->crack_ms = MAMORI_AUDIT_CRACK_MS;
	L.c->crack_tries = MAMORI_AUDIT_CRACK_TRIES;
	L.c->crack_total_ms = MAMORI_AUDIT_CRACK_TOTAL_MS;
	L.c->pairs = calloc(MAMORI_AUDIT_CREDS_MAX, sizeof(*L.c->pairs));
	L.c->passwords = calloc(MAMORI_AUDIT_CREDS_MAX, sizeof(*L.c->passwords));
	L.setcap = 1u << 18; /* > 2 * MAMORI_AUDIT_CREDS_MAX: probes stay short */
	L.set = calloc(L.setcap, sizeof(*L.set));
	if (L.c->pairs == NULL || L.c->passwords == NULL || L.set == NULL)
		goto out;
	if (data_dir != NULL) {
		char dir[4096];

		(void)snprintf(dir, sizeof(dir), "%s/credentials", data_dir);
		ret = list_dir(dir, &names, &nnames, d);
		if (ret != MAMORI_OK)
			goto out;
		for (size_t i = 0; i < nnames; i++) {
			char path[4096 + 256];

			(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
			ret = mamori_dict_read(path, pair_cb, &L, d);
			if (ret != MAMORI_OK)
				goto out;
		}
	}
	for (size_t i = 0; i < nextra; i++) {
		ret = mamori_dict_read(extra[i], pair_cb, &L, d);
		if (ret != MAMORI_OK)
			goto out;
	}
	*out = L.c;
	L.c = NULL;
	ret = MAMORI_OK;
out:
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(L.set);
	mamori_audit_creds_free(L.c);
	return ret;
}

void
mamori_audit_creds_free(struct mamori_audit_creds *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; c->pairs != NULL && i < c->npairs; i++) {
		free(c->pairs[i].user);
		free(c->pairs[i].pass);
	}
	free(c->pairs);
	free(c->passwords);
	free(c);
}

/* ---- the checks ---------------------------------------------------------------------- */

/* Where account files are looked for; /etc_ro is the read-only copy of Ralink/MediaTek SDKs. */
static const struct {
	const char *path;
	enum mamori_accounts_kind kind;
} account_files[] = {
    {"/etc/passwd", MAMORI_ACCOUNTS_PASSWD},
    {"/etc_ro/passwd", MAMORI_ACCOUNTS_PASSWD},
    {"/etc/passwd-", MAMORI_ACCOUNTS_PASSWD},
    {"/etc/passwd.bak", MAMORI_ACCOUNTS_PASSWD},
    {"/etc/shadow", MAMORI_ACCOUNTS_SHADOW},
    {"/etc_ro/shadow", MAMORI_ACCOUNTS_SHADOW},
    {"/etc/shadow-", MAMORI_ACCOUNTS_SHADOW},
    {"/etc/shadow.bak", MAMORI_ACCOUNTS_SHADOW},
    {"/etc/group", MAMORI_ACCOUNTS_GROUP},
    {"/etc_ro/group", MAMORI_ACCOUNTS_GROUP},
    {"/etc/group-", MAMORI_ACCOUNTS_GROUP},
    {"/etc/group.bak", MAMORI_ACCOUNTS_GROUP},
};
#define NFILES (sizeof(account_files) / sizeof(account_files[0]))

#define MEMO_MAX 256 /* distinct hashes remembered (the same hash in shadow and shadow-) */

enum crack_result {
	CRACK_NONE,
	CRACK_FOUND,
	CRACK_BUDGET,
	CRACK_COSTLY,
	CRACK_TOTAL, /* the whole audit's budget was spent before this hash */
	CRACK_UNSUPPORTED,
};

struct memo {
	char *user; /* candidates depend on the user name, so (user, hash) is the key */
	char *hash;
	enum crack_result res;
	char *pass; /* when found */
	const char *how;
	size_t tried, total;
};

struct ctx {
	const struct mamori_audit_creds *dict;
	struct crypt_data *cd;
	struct memo memo[MEMO_MAX];
	size_t nmemo;
	const char **cand; /* scratch: this hash's candidates */
	const char **how;
	size_t candcap;
	struct mamori_accounts sets[NFILES];
	bool have[NFILES];
	uint64_t t_start;
	size_t skipped; /* hashes not tried because the total budget was spent */
};

static const char *
hash_method(const char *h)
{
	static const struct {
		const char *prefix, *name;
	} m[] = {
	    {"$1$", "MD5-crypt"},
	    {"$5$", "SHA-256-crypt"},
	    {"$6$", "SHA-512-crypt"},
	    {"$2a$", "bcrypt"},
	    {"$2b$", "bcrypt"},
	    {"$2y$", "bcrypt"},
	    {"$y$", "yescrypt"},
	    {"$gy$", "gost-yescrypt"},
	    {"$7$", "scrypt"},
	    {"$sha1$", "SHA-1-crypt"},
	    {"$md5", "SunMD5"},
	    {"_", "BSDi DES-crypt"},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strncmp(h, m[i].prefix, strlen(m[i].prefix)) == 0)
			return m[i].name;
	return strlen(h) == 13 ? "DES-crypt" : "unknown method";
}

static bool
slow_method(const char *h)
{
	return h[0] == '$' && (h[1] == '2' || h[1] == 'y' || h[1] == '7' || h[1] == 'g');
}

/* The cost caps: a hash in an image chooses its own cost, and one crypt(3) call cannot be
 * interrupted, so a hostile "$2b$31$" or "rounds=999999999" would stall the audit. Hashes above
 * these are not tried (and the log says so). */
#define COST_BCRYPT_MAX 13                   /* 2^13 rounds: about 0.5 s per try */
#define COST_ROUNDS_MAX 1000000ul            /* SHA-crypt, SunMD5 rounds */
#define COST_BSDI_MAX   (1ul << 18)          /* BSDi DES iterations */
#define COST_MEMORY_MAX ((uint64_t)64 << 20) /* yescrypt/scrypt 128 * r * N bytes */

static int
itoa64(char c)
{
	static const char a[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	const char *p = c != '\0' ? strchr(a, c) : NULL;

	return p != NULL ? (int)(p - a) : -1;
}

static bool
cost_ok(const char *h)
{
	const char *rounds = strstr(h, "rounds=");

	if (rounds != NULL && (strncmp(h, "$5$", 3) == 0 || strncmp(h, "$6$", 3) == 0 ||
	                          strncmp(h, "$md5", 4) == 0)) {
		unsigned long v = 0;

		for (const char *q = rounds + 7; *q >= '0' && *q <= '9'; q++) {
			v = v * 10 + (unsigned long)(*q - '0');
			if (v > COST_ROUNDS_MAX)
				return false;
		}
		return true;
	}
	if (h[0] == '$' && h[1] == '2' && h[2] != '\0' && h[3] == '$')
		return h[4] >= '0' && h[4] <= '9' && h[5] >= '0' && h[5] <= '9' &&
		       (h[4] - '0') * 10 + (h[5] - '0') <= COST_BCRYPT_MAX;
	if (h[0] == '_') {
		unsigned long v = 0;

		if (strlen(h) < 5)
			return false;
		for (int i = 4; i >= 1; i--) {
			int x = itoa64(h[i]);

			if (x < 0)
				return false;
			v = v << 6 | (unsigned long)x;
		}
		return v <= COST_BSDI_MAX;
	}
	if (strncmp(h, "$y$", 3) == 0 || strncmp(h, "$gy$", 4) == 0) {
		const char *q = h + (h[1] == 'y' ? 3 : 4);
		int n = itoa64(q[0]) < 0 ? -1 : itoa64(q[1]), r = n < 0 ? -1 : itoa64(q[2]);

		/* flags, then N = 2^(n+1), r = r+1 */
		return n >= 0 && r >= 0 && n + 1 < 40 &&
		       (uint64_t)128 * (uint64_t)(r + 1) << (n + 1) <= COST_MEMORY_MAX;
	}
	if (strncmp(h, "$7$", 3) == 0) {
		int n = itoa64(h[3]);
		uint64_t r = 0, p = 0;

		if (strlen(h) < 14)
			return false;
		for (int i = 4; i >= 0; i--) {
			int x = itoa64(h[4 + i]), y = x < 0 ? -1 : itoa64(h[9 + i]);

			if (x < 0 || y < 0)
				return false;
			r = r << 6 | (uint64_t)x;
			p = p << 6 | (uint64_t)y;
		}
		return n >= 0 && n < 40 && r > 0 && r <= 1024 && p <= 4 &&
		       (uint64_t)128 * r << n <= COST_MEMORY_MAX;
	}
	return true;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Constant-time over the shorter string's length; hashes are not secret, but candidates are
 * compared the same way everywhere. */
static bool
same(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned diff = (unsigned)(n != m);

	for (size_t i = 0; i < n && i < m; i++)
		diff |= (unsigned)(a[i] ^ b[i]);
	return diff == 0;
}

static size_t
build_candidates(struct ctx *c, const char *user)
{
	const struct mamori_audit_creds *dict = c->dict;
	size_t n = 0, first_b;

	c->cand[n] = "";
	c->how[n++] = "the empty password";
	c->cand[n] = user;
	c->how[n++] = "the user name used as the password";
	for (size_t i = 0; dict != NULL && i < dict->npairs; i++) {
		const char *p = dict->pairs[i].pass;
		bool dup = false;

		if (strcmp(dict->pairs[i].user, user) != 0)
			continue;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(c->cand[j], p) == 0;
		if (!dup && n < c->candcap) {
			c->cand[n] = p;
			c->how[n++] = "listed for this user in the default-credential dictionaries";
		}
	}
	first_b = n;
	for (size_t i = 0; dict != NULL && i < dict->npasswords; i++) {
		const char *p = dict->passwords[i];
		bool dup = false;

		for (size_t j = 0; j < first_b && !dup; j++)
			dup = strcmp(c->cand[j], p) == 0;
		if (!dup && n < c->candcap) {
			c->cand[n] = p;
			c->how[n++] = "in the default-credential dictionaries";
		}
	}
	return n;
}

static mamori_err
crack(struct ctx *c, const char *user, const char *hash, const struct memo **out)
{
	struct memo *m;
	size_t n, i;
	unsigned budget = c->dict != NULL ? c->dict->crack_ms : MAMORI_AUDIT_CRACK_MS;
	size_t tries = c->dict != NULL ? c->dict->crack_tries : MAMORI_AUDIT_CRACK_TRIES;
	uint64_t t0 = now_ms();

	/* the same hash was seen before for the same user (shadow and its backup) */
	for (i = 0; i < c->nmemo; i++) {
		if (strcmp(c->memo[i].hash, hash) == 0 && strcmp(c->memo[i].user, user) == 0) {
			*out = &c->memo[i];
			return MAMORI_OK;
		}
	}
	m = &c->memo[c->nmemo < MEMO_MAX ? c->nmemo : MEMO_MAX - 1];
	if (c->nmemo == MEMO_MAX) {
		free(m->user);
		free(m->hash);
		free(m->pass);
	} else {
		c->nmemo++;
	}
	memset(m, 0, sizeof(*m));
	m->hash = strdup(hash);
	m->user = strdup(user);
	if (m->hash == NULL || m->user == NULL) {
		free(m->hash);
		free(m->user);
		c->nmemo--;
		return MAMORI_E_NOMEM;
	}
	n = build_candidates(c, user);
	m->total = n;
	m->res = CRACK_NONE;
	if (now_ms() - c->t_start >
	    (c->dict != NULL ? c->dict->crack_total_ms : MAMORI_AUDIT_CRACK_TOTAL_MS)) {
		m->res = CRACK_TOTAL;
		c->skipped++;
		*out = m;
		return MAMORI_OK;
	}
	if (!cost_ok(hash)) {
		m->res = CRACK_COSTLY;
		*out = m;
		return MAMORI_OK;
	}
	for (i = 0; i < n; i++) {
		const char *r;

		if (i >= tries || (i > 0 && now_ms() - t0 > budget)) {
			m->res = CRACK_BUDGET;
			break;
		}
		r = crypt_rn(c->cand[i], hash, c->cd, (int)sizeof(*c->cd));
		m->tried = i + 1;
		if (r == NULL || r[0] == '*') {
			/* crypt_rn() rejects the setting itself: a method libxcrypt lacks or a
			 * damaged hash; no candidate can match */
			m->res = CRACK_UNSUPPORTED;
			break;
		}
		if (same(r, hash)) {
			m->pass = strdup(c->cand[i]);
			if (m->pass == NULL)
				return MAMORI_E_NOMEM;
			m->how = c->how[i];
			m->res = CRACK_FOUND;
			break;
		}
	}
	*out = m;
	return MAMORI_OK;
}

/* uid and shell of name from the first passwd file that has it. */
static const struct mamori_account *
lookup_user(const struct ctx *c, const char *name)
{
	for (size_t i = 0; i < NFILES; i++) {
		const struct mamori_account *a;

		if (!c->have[i] || account_files[i].kind != MAMORI_ACCOUNTS_PASSWD)
			continue;
		a = mamori_accounts_find(&c->sets[i], name);
		if (a != NULL)
			return a;
	}
	return NULL;
}

static bool
is_root(const char *name, const struct mamori_account *pw)
{
	return strcmp(name, "root") == 0 || (pw != NULL && pw->has_id && pw->id == 0);
}

static mamori_err
check_hash(struct ctx *c, struct mamori_report *r, const char *path, enum mamori_accounts_kind kind,
    const struct mamori_account *e)
{
	const struct mamori_account *pw = kind == MAMORI_ACCOUNTS_PASSWD   ? e
	                                  : kind == MAMORI_ACCOUNTS_SHADOW ? lookup_user(c, e->name)
	                                                                   : NULL;
	const char *what = kind == MAMORI_ACCOUNTS_GROUP ? "group" : "account";
	bool root = kind != MAMORI_ACCOUNTS_GROUP && is_root(e->name, pw);
	char uid[32] = "";
	const struct memo *m;
	mamori_err ret;

	if (pw != NULL && pw->has_id)
		(void)snprintf(uid, sizeof(uid), " (uid %u)", (unsigned)pw->id);
	if (e->passwd[0] == '\0') {
		int sev;

		if (kind == MAMORI_ACCOUNTS_GROUP)
			sev = MAMORI_SEV_LOW; /* only members may newgrp into it */
		else if (root)
			sev = MAMORI_SEV_CRITICAL;
		else if (pw == NULL || mamori_account_login_shell(pw->shell))
			sev = MAMORI_SEV_HIGH;
		else
			sev = MAMORI_SEV_MEDIUM; /* no shell, but other services may accept it */
		return mamori_report_addf(r, "account.empty-password", sev, path, (uint32_t)e->line,
		    "%s '%s'%s has an empty password field: no password is needed%s%s", what,
		    e->name, uid, pw != NULL && kind != MAMORI_ACCOUNTS_GROUP ? "; shell " : "",
		    pw != NULL && kind != MAMORI_ACCOUNTS_GROUP
		        ? (pw->shell[0] != '\0' ? pw->shell : "(empty: /bin/sh)")
		        : "");
	}
	if (mamori_account_locked(e->passwd))
		return MAMORI_OK;
	ret = crack(c, e->name, e->passwd, &m);
	if (ret != MAMORI_OK)
		return ret;
	switch (m->res) {
	case CRACK_FOUND:
		return mamori_report_addf(r, "account.default-password",
		    root ? MAMORI_SEV_CRITICAL : MAMORI_SEV_HIGH, path, (uint32_t)e->line,
		    "%s '%s'%s has the password '%s' (%s hash; %s)", what, e->name, uid, m->pass,
		    hash_method(e->passwd), m->how);
	case CRACK_BUDGET:
		/* a finding would fail the provision: say it through the log instead, so the
		 * user knows the password was not shown to be outside the dictionaries */
		mamori_log(MAMORI_LOG_WARN,
		    "%s:%zu: %s '%s': %s hash not fully checked: %zu of %zu candidate passwords "
		    "tried within the budget (%s)",
		    path, e->line, what, e->name, hash_method(e->passwd), m->tried, m->total,
		    slow_method(e->passwd) ? "a deliberately slow hash" : "time or attempt limit");
		break;
	case CRACK_COSTLY:
		mamori_log(MAMORI_LOG_WARN,
		    "%s:%zu: %s '%s': %s hash not checked: its cost parameter is above the limit "
		    "for one try",
		    path, e->line, what, e->name, hash_method(e->passwd));
		break;
	case CRACK_TOTAL:
	case CRACK_NONE:
	case CRACK_UNSUPPORTED:
		break;
	}
	return MAMORI_OK;
}

static bool
system_uid(uint32_t uid)
{
	return (uid > 0 && uid < 1000) || uid == 65534;
}

/* Whether the passwd entry can log in with a password: its own field, or for "x" the first
 * shadow file that lists it. An empty field counts (no password needed). */
static bool
usable_password(const struct ctx *c, const struct mamori_account *pw)
{
	if (strcmp(pw->passwd, "x") != 0)
		return !mamori_account_locked(pw->passwd);
	for (size_t i = 0; i < NFILES; i++) {
		const struct mamori_account *sh;

		if (!c->have[i] || account_files[i].kind != MAMORI_ACCOUNTS_SHADOW)
			continue;
		sh = mamori_accounts_find(&c->sets[i], pw->name);
		if (sh != NULL)
			return !mamori_account_locked(sh->passwd);
	}
	return false;
}

static mamori_err
check_entry(struct ctx *c, struct mamori_report *r, size_t fi, const struct mamori_account *e)
{
	const char *path = account_files[fi].path;
	enum mamori_accounts_kind kind = account_files[fi].kind;
	mamori_err ret;

	if (kind == MAMORI_ACCOUNTS_PASSWD) {
		if (e->id == 0 && strcmp(e->name, "root") != 0) {
			ret = mamori_report_addf(r, "account.uid0", MAMORI_SEV_HIGH, path,
			    (uint32_t)e->line,
			    "account '%s' has UID 0: a second root account (shell %s)", e->name,
			    e->shell[0] != '\0' ? e->shell : "(empty: /bin/sh)");
			if (ret != MAMORI_OK)
				return ret;
		}
		if (e->id != 0 && mamori_account_login_shell(e->shell) && usable_password(c, e)) {
			ret = mamori_report_addf(r, "account.login-shell", -1, path,
			    (uint32_t)e->line,
			    "%s account '%s' (uid %u) has the login shell %s and a password",
			    system_uid(e->id) ? "system" : "user", e->name, (unsigned)e->id,
			    e->shell[0] != '\0' ? e->shell : "(empty: /bin/sh)");
			if (ret != MAMORI_OK)
				return ret;
		}
		/* "x" sends login to shadow; anything else in passwd is the password itself */
		if (strcmp(e->passwd, "x") == 0)
			return MAMORI_OK;
	}
	return check_hash(c, r, path, kind, e);
}

mamori_err
mamori_check_accounts(const struct mamori_fstree *t, const struct mamori_audit_creds *dict,
    struct mamori_report *r, struct mamori_diag *d)
{
	struct ctx *c;
	const struct mamori_fs_node *seen[NFILES];
	mamori_err ret = MAMORI_E_NOMEM;

	if (t == NULL || r == NULL)
		return MAMORI_E_INVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "out of memory");
	c->dict = dict;
	c->candcap = (dict != NULL ? dict->npasswords + dict->npairs : 0) + 2;
	c->cand = calloc(c->candcap, sizeof(*c->cand));
	c->how = calloc(c->candcap, sizeof(*c->how));
	c->cd = calloc(1, sizeof(*c->cd));
	if (c->cand == NULL || c->how == NULL || c->cd == NULL) {
		ret = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "out of memory");
		goto out;
	}
	c->t_start = now_ms();
	/* parse first: shadow entries need the uid and shell from passwd */
	for (size_t i = 0; i < NFILES; i++) {
		const struct mamori_fs_node *nd = mamori_fstree_resolve(t, account_files[i].path);
		bool dup = false;

		seen[i] = NULL;
		if (nd == NULL || nd->type != MAMORI_FS_REG || nd->size > MAMORI_ACCOUNTS_FILE_MAX)
			continue;
		for (size_t j = 0; j < i && !dup; j++)
			dup = seen[j] == nd; /* a symlink to a file already read */
		if (dup)
			continue;
		seen[i] = nd;
		ret = mamori_accounts_parse(
		    account_files[i].kind, nd->data, (size_t)nd->size, &c->sets[i], d);
		if (ret == MAMORI_E_NOMEM)
			goto out;
		/* a file over the line limit is not an account file we can judge: skip it */
		c->have[i] = ret == MAMORI_OK;
	}
	for (size_t i = 0; i < NFILES; i++) {
		for (size_t k = 0; c->have[i] && k < c->sets[i].n; k++) {
			ret = check_entry(c, r, i, &c->sets[i].a[k]);
			if (ret != MAMORI_OK) {
				(void)mamori_diag_set(d, ret, c->sets[i].a[k].off,
				    c->sets[i].a[k].line, "%s: cannot add a finding: %s",
				    account_files[i].path, mamori_strerror(ret));
				goto out;
			}
		}
	}
	if (c->skipped > 0)
		mamori_log(MAMORI_LOG_WARN,
		    "%zu password hashes not checked: the audit's cracking budget was spent",
		    c->skipped);
	ret = MAMORI_OK;
out:
	for (size_t i = 0; i < NFILES; i++)
		if (c->have[i])
			mamori_accounts_free(&c->sets[i]);
	for (size_t i = 0; i < c->nmemo; i++) {
		free(c->memo[i].user);
		free(c->memo[i].hash);
		free(c->memo[i].pass);
	}
	if (c->cd != NULL)
		mamori_wipe(c->cd, sizeof(*c->cd));
	free(c->cd);
	free(c->cand);
	free(c->how);
	free(c);
	return ret;
}
