/* SPDX-License-Identifier: MIT */
/* mamori account stores shipped inside an image (docs/formats/cred-store.md). A store made at
 * build time is the same on every device built from the image, so every password hash in it is
 * a password all those devices share: account.store-shared-password (critical; high when the
 * account must change it at first login, which still leaves one initial password for all).
 * Such a password found in the default-credential dictionaries is account.default-password too.
 * A store that does not parse refuses every login on the device (it fails closed):
 * account.store-unreadable. Stores are found by their first line, anywhere in the tree. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mamori/audit.h"
#include "mamori/cred.h"

#define MAGIC "mamori-cred 1\n"

static uint64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The 1-based line of "account NAME " in the store text, 0 when not found. */
static uint32_t
account_line(const uint8_t *p, size_t n, const char *name)
{
	char needle[MAMORI_CRED_NAME_MAX + 16];
	size_t k = (size_t)snprintf(needle, sizeof(needle), "\naccount %s ", name);
	uint32_t line = 1;

	for (size_t i = 0; i + k <= n; i++) {
		if (p[i] == '\n' && memcmp(p + i, needle, k) == 0)
			return line + 1;
		if (p[i] == '\n')
			line++;
	}
	return 0;
}

/* A dictionary password that verifies against hash within the audit's budgets (per hash, and
 * for all the stores' hashes together since start); NULL if none. */
static const char *
guess(const char *hash, const struct mamori_audit_creds *dict, uint64_t start)
{
	uint64_t t0 = ms_now();

	if (dict == NULL)
		return NULL;
	for (size_t i = 0; i < dict->npasswords && i < dict->crack_tries; i++) {
		const char *pw = dict->passwords[i];
		bool ok = false;
		if (ms_now() - start > dict->crack_total_ms ||
		    (i > 0 && ms_now() - t0 > dict->crack_ms))
			break;
		if (strlen(pw) <= MAMORI_CRED_PASSWORD_MAX &&
		    mamori_cred_hash_verify(hash, pw, strlen(pw), &ok) == MAMORI_OK && ok)
			return pw;
	}
	return NULL;
}

static mamori_err
one_store(const struct mamori_fs_node *nd, const struct mamori_audit_creds *dict,
    struct mamori_report *r, uint64_t start)
{
	struct mamori_cred_store s;
	struct mamori_diag d;
	mamori_err e;

	mamori_diag_clear(&d);
	if (mamori_cred_store_parse(nd->data, (size_t)nd->size, &s, &d) != MAMORI_OK)
		return mamori_report_addf(r, "account.store-unreadable", -1, nd->path,
		    (uint32_t)d.line, "the store does not parse (%s): every login will be refused",
		    d.msg[0] != '\0' ? d.msg : "malformed");
	e = MAMORI_OK;
	for (size_t i = 0; e == MAMORI_OK && i < s.n_accounts; i++) {
		const struct mamori_cred_account *a = &s.accounts[i];
		bool must = (a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0;
		uint32_t line = account_line(nd->data, (size_t)nd->size, a->name);
		const char *pw;

		if (a->hash[0] == '\0' || (a->flags & MAMORI_CRED_F_DISABLED) != 0)
			continue;
		e = mamori_report_addf(r, "account.store-shared-password",
		    must ? MAMORI_SEV_HIGH : -1, nd->path, line,
		    "%s (role %s) has a %s password in the image%s: every device built from it "
		    "shares that password",
		    a->name, a->role, mamori_cred_hash_kind(a->hash),
		    must ? ", to be changed at first login" : " and no must-change");
		if (e == MAMORI_OK && (pw = guess(a->hash, dict, start)) != NULL)
			e = mamori_report_addf(r, "account.default-password", -1, nd->path, line,
			    "%s: password '%s' from the default-credential dictionaries", a->name,
			    pw);
	}
	mamori_cred_store_free(&s);
	return e;
}

mamori_err
mamori_check_credstore(const struct mamori_fstree *t, const struct mamori_audit_creds *dict,
    struct mamori_report *r, struct mamori_diag *d)
{
	size_t n = mamori_fstree_count(t);
	uint64_t start = ms_now();
	mamori_err e = MAMORI_OK;

	if (t == NULL || r == NULL)
		return MAMORI_E_INVAL;
	for (size_t i = 0; e == MAMORI_OK && i < n; i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);
		if (nd == NULL || nd->type != MAMORI_FS_REG || nd->size < sizeof(MAGIC) - 1 ||
		    nd->size > MAMORI_CRED_STORE_MAX ||
		    memcmp(nd->data, MAGIC, sizeof(MAGIC) - 1) != 0)
			continue;
		e = one_store(nd, dict, r, start);
	}
	if (e != MAMORI_OK)
		return mamori_diag_set(d, e, 0, 0, "account stores: %s", mamori_strerror(e));
	return MAMORI_OK;
}
