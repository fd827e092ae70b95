/* SPDX-License-Identifier: MIT */
/* `mamori cred check`: what in a store breaks the policy of least privilege and first-use
 * credentials (the finding ids are stable: docs/cred.md). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/cred.h"

struct issues {
	struct mamori_cred_issue *v;
	size_t n, cap;
};

static mamori_err MAMORI_PRINTF(6, 7) add(struct issues *is, enum mamori_cred_issue_kind kind,
    const char *id, unsigned sev, const char *user, const char *fmt, ...)
{
	struct mamori_cred_issue *it;
	va_list ap;

	if (is->n == is->cap) {
		size_t cap = is->cap == 0 ? 8 : is->cap * 2;
		struct mamori_cred_issue *nv = realloc(is->v, cap * sizeof(*nv));
		if (nv == NULL)
			return MAMORI_E_NOMEM;
		is->v = nv;
		is->cap = cap;
	}
	it = &is->v[is->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->id = id;
	it->severity = sev;
	snprintf(it->user, sizeof(it->user), "%s", user);
	va_start(ap, fmt);
	vsnprintf(it->why, sizeof(it->why), fmt, ap);
	va_end(ap);
	return MAMORI_OK;
}

mamori_err
mamori_cred_check(
    const struct mamori_cred_store *s, uint64_t now, struct mamori_cred_issue **out, size_t *n)
{
	struct issues is = {0};
	size_t admins = 0;
	mamori_err e = MAMORI_OK;

	for (size_t i = 0; i < s->n_accounts && e == MAMORI_OK; i++) {
		const struct mamori_cred_account *a = &s->accounts[i];
		const struct mamori_cred_role *r = mamori_cred_role_find(s, a->role);
		bool disabled = (a->flags & MAMORI_CRED_F_DISABLED) != 0;
		bool expired = a->expires != 0 && now >= a->expires;
		bool admin = !disabled && !expired && mamori_cred_allowed(s, a, "accounts.manage");
		bool otp = a->otp.kind != MAMORI_OTP_NONE && !a->otp.pending;

		if (admin)
			admins++;
		if (r == NULL)
			e = add(&is, MAMORI_CRED_ISSUE_UNKNOWN_ROLE, "cred.unknown-role", 2,
			    a->name, "role '%s' is not defined: the account has no permission",
			    a->role);
		if (e == MAMORI_OK && a->hash[0] == '\0' && !disabled)
			e = add(&is, MAMORI_CRED_ISSUE_NO_PASSWORD, "cred.no-password", 2, a->name,
			    "%s", "no password set yet: the first user to reach it chooses one");
		else if (e == MAMORI_OK && (a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0 && !disabled)
			e = add(&is, MAMORI_CRED_ISSUE_MUST_CHANGE, "cred.must-change", 3, a->name,
			    "%s", "the initial password has not been changed yet");
		if (e == MAMORI_OK && admin && !otp)
			e = add(&is, MAMORI_CRED_ISSUE_ADMIN_NO_2FA, "cred.admin-no-2fa", 1,
			    a->name, "%s",
			    a->otp.kind != MAMORI_OTP_NONE
			        ? "an administrator whose second factor is not confirmed yet (mamori "
			          "cred totp verify)"
			        : "an administrator without a second factor (mamori cred totp enroll)");
		if (e == MAMORI_OK && a->hash[0] != '\0' &&
		    mamori_cred_hash_needs_rehash(a->hash, s->cls))
			e = add(&is, MAMORI_CRED_ISSUE_WEAK_HASH, "cred.weak-hash",
			    strncmp(a->hash, "$argon2id$", 10) == 0 ? 3 : 2, a->name,
			    "hash is %s, not Argon2id of the store's class: replaced at the next login",
			    mamori_cred_hash_kind(a->hash));
		if (e == MAMORI_OK && !disabled && a->last_login == 0 &&
		    now > a->created + (uint64_t)MAMORI_CRED_UNUSED_DAYS * 86400u)
			e = add(&is, MAMORI_CRED_ISSUE_UNUSED, "cred.unused", 3, a->name, "%s",
			    "never used in the 90 days since it was created: disable or delete it");
		if (e == MAMORI_OK && expired)
			e = add(&is, MAMORI_CRED_ISSUE_EXPIRED, "cred.expired", 3, a->name, "%s",
			    "expired but still present: delete it");
		if (e == MAMORI_OK && otp && a->n_recovery <= 2)
			e = add(&is, MAMORI_CRED_ISSUE_FEW_RECOVERY, "cred.few-recovery-codes", 3,
			    a->name, "%s",
			    "two or fewer recovery codes left: enrol again for new ones");
	}
	if (e == MAMORI_OK && admins == 0)
		e = add(&is, MAMORI_CRED_ISSUE_NO_ADMIN, "cred.no-admin", 2, "", "%s",
		    "no enabled account may manage accounts: nobody can administer the device");
	if (e != MAMORI_OK) {
		free(is.v);
		return e;
	}
	*out = is.v;
	*n = is.n;
	return MAMORI_OK;
}
