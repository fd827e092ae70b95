/* SPDX-License-Identifier: MIT */
/* pam_mamori: logins against a mamori account store (include/mamori/cred.h, docs/cred.md).
 *
 *   auth     required pam_mamori.so [store=PATH] [first_use] [always_ask_code] [debug]
 *   account  required pam_mamori.so [store=PATH] [permission=PERM] [debug]
 *   password required pam_mamori.so [store=PATH] [blocklists=DIR] [first_use] [debug]
 *
 * Every verdict fails closed: a store that is missing, damaged or readable by others is never
 * a success. The store's writer lock is held only around a read-modify-write, never across a
 * conversation. What an attempt changes is committed (a throttled one changes nothing).
 * Neither passwords nor codes are ever logged. Only the pam_sm_* entry points are exported (built
 * -fvisibility=hidden). */
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <sodium.h>

#include "mamori/cred.h"

#define EXPORT __attribute__((visibility("default")))

#define DEFAULT_STORE "/etc/mamori/accounts"
#define DATA_AUTHED   "pam_mamori_authenticated" /* pam_set_data: the user this handle proved */
#define LOG_NAME_MAX  (MAMORI_CRED_SOURCE_MAX + 1)

struct args {
	const char *store;
	const char *blocklists; /* NULL: the library's MAMORI_DATADIR/cred */
	const char *permission; /* account stage: the role must grant it; NULL: any */
	bool first_use;
	bool ask_code; /* always_ask_code: every login is asked for a code (hides who has one) */
	bool debug;
};

static void
parse_args(pam_handle_t *pamh, int argc, const char **argv, struct args *a)
{
	a->store = DEFAULT_STORE;
	a->blocklists = NULL;
	a->permission = NULL;
	a->first_use = false;
	a->ask_code = false;
	a->debug = false;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (strncmp(s, "store=", 6) == 0 && s[6] != '\0')
			a->store = s + 6;
		else if (strncmp(s, "blocklists=", 11) == 0 && s[11] != '\0')
			a->blocklists = s + 11;
		else if (strncmp(s, "permission=", 11) == 0 && s[11] != '\0')
			a->permission = s + 11;
		else if (strcmp(s, "first_use") == 0)
			a->first_use = true;
		else if (strcmp(s, "always_ask_code") == 0)
			a->ask_code = true;
		else if (strcmp(s, "debug") == 0)
			a->debug = true;
		else if (strcmp(s, "try_first_pass") == 0 || strcmp(s, "use_first_pass") == 0 ||
		         strcmp(s, "use_authtok") == 0 || strncmp(s, "authtok_type=", 13) == 0)
			; /* read by pam_get_authtok(3) itself */
		else
			pam_syslog(pamh, LOG_ERR, "unknown option ignored: %.64s", s);
	}
}

/* A user name or source for the log: printable ASCII only (no forged log lines), capped. */
static const char *
printable(const char *s, char out[LOG_NAME_MAX])
{
	size_t i;

	if (s == NULL)
		return "(none)";
	for (i = 0; s[i] != '\0' && i < LOG_NAME_MAX - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c > 0x20 && c < 0x7f)
			out[i] = s[i];
		else
			out[i] = '?';
	}
	out[i] = '\0';
	return out;
}

/* PAM's flag constants are unsigned, the flags argument an int. */
static bool
has_flag(int flags, unsigned f)
{
	return ((unsigned)flags & f) != 0;
}

static uint64_t
now_s(void)
{
	time_t t = time(NULL);

	return t < 0 ? 0 : (uint64_t)t;
}

/* Opens the store, logging why not. */
static bool
store_open(pam_handle_t *pamh, const struct args *a, bool lock, struct mamori_cred_store *s)
{
	struct mamori_diag d;
	mamori_err e;

	mamori_diag_clear(&d);
	e = mamori_cred_store_open(a->store, lock, s, &d);
	if (e != MAMORI_OK) {
		pam_syslog(pamh, LOG_ERR, "account store %s unusable: %s", a->store,
		    d.msg[0] != '\0' ? d.msg : mamori_strerror(e));
		return false;
	}
	return true;
}

/* Writes the store back and releases it; false (logged) when the write failed. */
static bool
store_commit_close(pam_handle_t *pamh, struct mamori_cred_store *s)
{
	struct mamori_diag d;
	mamori_err e;

	mamori_diag_clear(&d);
	e = mamori_cred_store_commit(s, &d);
	if (e != MAMORI_OK)
		pam_syslog(pamh, LOG_ERR, "cannot write account store %s: %s",
		    s->path != NULL ? s->path : "?", d.msg[0] != '\0' ? d.msg : mamori_strerror(e));
	mamori_cred_store_close(s);
	return e == MAMORI_OK;
}

static void
free_answer(char **p)
{
	if (*p != NULL) {
		sodium_memzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/* Asks for the one-time code (echoed, as authenticator apps show it). NULL when the
 * conversation refuses (sshd's password method answers only echo-off prompts). */
static char *
ask_code(pam_handle_t *pamh, const struct args *a)
{
	char *code = NULL;
	int r = pam_prompt(pamh, PAM_PROMPT_ECHO_ON, &code, "Verification code: ");

	if (r != PAM_SUCCESS) {
		if (a->debug)
			pam_syslog(pamh, LOG_DEBUG, "no code: %s", pam_strerror(pamh, r));
		free_answer(&code);
		return NULL;
	}
	return code;
}

static void
cleanup_authed(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Whether this handle authenticated user (pam_sm_authenticate accepted them). */
static bool
handle_authed(pam_handle_t *pamh, const char *user)
{
	const void *data = NULL;

	if (pam_get_data(pamh, DATA_AUTHED, &data) != PAM_SUCCESS || data == NULL)
		return false;
	return strcmp((const char *)data, user) == 0;
}

static void
log_result(pam_handle_t *pamh, const char *what, const char *user, const char *source,
    const struct mamori_cred_result *res, uint64_t now)
{
	char u[LOG_NAME_MAX], s[LOG_NAME_MAX];
	const char *why = res->why != NULL ? res->why : "?";

	printable(user, u);
	printable(source, s);
	switch (res->verdict) {
	case MAMORI_CRED_ACCEPTED:
		pam_syslog(pamh, LOG_NOTICE, "%s accepted for user %s from %s: %s%s%s", what, u, s,
		    why, res->upgraded ? " (password hash upgraded)" : "",
		    res->recovery_used ? " (a recovery code was used)" : "");
		break;
	case MAMORI_CRED_THROTTLED:
		pam_syslog(pamh, LOG_WARNING,
		    "%s throttled for user %s from %s: %s, retry in %llu s", what, u, s, why,
		    (unsigned long long)(res->retry_at > now ? res->retry_at - now : 0));
		break;
	default:
		pam_syslog(pamh, LOG_WARNING, "%s denied for user %s from %s: %s", what, u, s, why);
		break;
	}
}

/* One mamori_cred_authenticate under the store lock, committing whatever it changed. */
static int
check_login(pam_handle_t *pamh, const struct args *a, const char *what, const char *user,
    const char *source, const char *pw, const char *code, unsigned flags,
    struct mamori_cred_result *res)
{
	struct mamori_cred_store s;
	char u[LOG_NAME_MAX];
	uint64_t now;
	mamori_err e;

	memset(res, 0, sizeof(*res));
	res->verdict = MAMORI_CRED_DENIED;
	if (!store_open(pamh, a, true, &s))
		return PAM_AUTHINFO_UNAVAIL;
	now = now_s(); /* after the lock: waiting for it must not age the clock */
	e = mamori_cred_authenticate(&s, user, source, pw, strlen(pw), code, flags, now, res);
	if (e != MAMORI_OK) {
		pam_syslog(pamh, LOG_ERR, "%s for user %s: %s", what, printable(user, u),
		    mamori_strerror(e));
		mamori_cred_store_close(&s);
		res->verdict = MAMORI_CRED_DENIED;
		return PAM_AUTHINFO_UNAVAIL;
	}
	/* a throttled attempt changed nothing: no write (an attack costs the flash nothing) */
	if (res->verdict == MAMORI_CRED_THROTTLED) {
		mamori_cred_store_close(&s);
		log_result(pamh, what, user, source, res, now);
		return PAM_AUTH_ERR;
	}
	/* throttle state must persist: a store that cannot be written fails closed */
	if (!store_commit_close(pamh, &s)) {
		res->verdict = MAMORI_CRED_DENIED;
		return PAM_AUTHINFO_UNAVAIL;
	}
	log_result(pamh, what, user, source, res, now);
	return res->verdict == MAMORI_CRED_ACCEPTED ? PAM_SUCCESS : PAM_AUTH_ERR;
}

static int
get_user(pam_handle_t *pamh, const char **user)
{
	int r = pam_get_user(pamh, user, NULL);

	if (r != PAM_SUCCESS)
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : r;
	if (*user == NULL || (*user)[0] == '\0')
		return PAM_USER_UNKNOWN;
	return PAM_SUCCESS;
}

static const char *
get_source(pam_handle_t *pamh)
{
	const void *rhost = NULL;

	if (pam_get_item(pamh, PAM_RHOST, &rhost) != PAM_SUCCESS || rhost == NULL ||
	    ((const char *)rhost)[0] == '\0')
		return "local";
	return rhost;
}

EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct mamori_cred_store s;
	struct mamori_cred_result res;
	struct args a;
	const char *user = NULL, *source, *pw = NULL;
	char *code = NULL, *saved;
	unsigned aflags = 0;
	bool wants;
	int r;

	parse_args(pamh, argc, argv, &a);
	/* first use (no password yet) only where the application allows an empty password */
	if (a.first_use && !has_flag(flags, PAM_DISALLOW_NULL_AUTHTOK))
		aflags |= MAMORI_CRED_AUTH_FIRST_USE;
	if ((r = get_user(pamh, &user)) != PAM_SUCCESS)
		return r;
	source = get_source(pamh);

	/* a look without the lock: does this account want a one-time code? */
	if (!store_open(pamh, &a, false, &s))
		return PAM_AUTHINFO_UNAVAIL;
	wants = mamori_cred_wants_code(&s, user);
	mamori_cred_store_close(&s);

	r = pam_get_authtok(pamh, PAM_AUTHTOK, &pw, NULL);
	if (r != PAM_SUCCESS || pw == NULL) {
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "no password: %s", pam_strerror(pamh, r));
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_AUTH_ERR;
	}
	/* No code when the conversation refuses the prompt: the attempt is still evaluated
	 * (and throttled) like any other, and denied for want of the code. With always_ask_code
	 * every login is asked, so the prompt does not tell who has a second factor (the answer
	 * of an account without one is ignored). */
	if (wants || a.ask_code)
		code = ask_code(pamh, &a);

	r = check_login(pamh, &a, "auth", user, source, pw, code, aflags, &res);
	free_answer(&code);
	if (r != PAM_SUCCESS) {
		/* a failure also forgets an earlier success on this handle */
		(void)pam_set_data(pamh, DATA_AUTHED, NULL, NULL);
		return r;
	}

	saved = strdup(user);
	if (saved == NULL ||
	    pam_set_data(pamh, DATA_AUTHED, saved, cleanup_authed) != PAM_SUCCESS) {
		free(saved);
		pam_syslog(pamh, LOG_ERR, "cannot remember the authentication");
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct mamori_cred_store s;
	enum mamori_cred_acct v;
	struct args a;
	const char *user = NULL;
	char u[LOG_NAME_MAX];
	int r;

	parse_args(pamh, argc, argv, &a);
	if ((r = get_user(pamh, &user)) != PAM_SUCCESS)
		return r;
	/* pam_sm_acct_mgmt(3) has no "unavailable": a store we cannot read denies */
	if (!store_open(pamh, &a, false, &s))
		return PAM_PERM_DENIED;
	v = mamori_cred_account_ok(&s, user, a.permission, now_s());
	mamori_cred_store_close(&s);

	printable(user, u);
	switch (v) {
	case MAMORI_CRED_ACCT_OK:
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "account ok for user %s", u);
		return PAM_SUCCESS;
	case MAMORI_CRED_ACCT_MUST_CHANGE:
		pam_syslog(pamh, LOG_NOTICE, "account of user %s: %s", u, mamori_cred_acct_name(v));
		if (!has_flag(flags, PAM_SILENT))
			pam_error(pamh, "You must change your password now.");
		return PAM_NEW_AUTHTOK_REQD;
	case MAMORI_CRED_ACCT_UNKNOWN:
		r = PAM_USER_UNKNOWN;
		break;
	case MAMORI_CRED_ACCT_EXPIRED:
		r = PAM_ACCT_EXPIRED;
		break;
	case MAMORI_CRED_ACCT_NO_PERMISSION:
		pam_syslog(pamh, LOG_WARNING, "account denied for user %s: %s '%.32s'", u,
		    mamori_cred_acct_name(v), a.permission != NULL ? a.permission : "");
		return PAM_PERM_DENIED;
	case MAMORI_CRED_ACCT_DISABLED:
	default:
		r = PAM_PERM_DENIED;
		break;
	}
	pam_syslog(
	    pamh, LOG_WARNING, "account denied for user %s: %s", u, mamori_cred_acct_name(v));
	return r;
}

/* What chauthtok needs to know before any prompt (read without the lock). */
struct acct_state {
	bool exists;
	bool has_password;
	bool must_change;
	bool wants_code;
};

static int
acct_state(pam_handle_t *pamh, const struct args *a, const char *user, struct acct_state *st)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *acct;

	memset(st, 0, sizeof(*st));
	if (!store_open(pamh, a, false, &s))
		return PAM_AUTHTOK_ERR;
	acct = mamori_cred_find(&s, user);
	if (acct != NULL) {
		st->exists = true;
		st->has_password = acct->hash[0] != '\0';
		st->must_change =
		    (acct->flags & MAMORI_CRED_F_MUST_CHANGE) != 0 || !st->has_password;
		st->wants_code = mamori_cred_wants_code(&s, user);
	}
	mamori_cred_store_close(&s);
	return PAM_SUCCESS;
}

/* The current password (and code) of user, checked under the lock like a login. */
static int
check_old(pam_handle_t *pamh, const struct args *a, const char *user, const struct acct_state *st)
{
	struct mamori_cred_result res;
	const char *old = NULL;
	char *code = NULL;
	int r;

	r = pam_get_authtok(pamh, PAM_OLDAUTHTOK, &old, "Current password: ");
	if (r != PAM_SUCCESS || old == NULL)
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_AUTHTOK_RECOVERY_ERR;
	if (st->wants_code)
		code = ask_code(pamh, a);
	r = check_login(pamh, a, "password change: current password", user, get_source(pamh), old,
	    code, 0, &res);
	free_answer(&code);
	if (r == PAM_SUCCESS)
		return PAM_SUCCESS;
	/* forget a wrong old password, so a retry prompts again */
	(void)pam_set_item(pamh, PAM_OLDAUTHTOK, NULL);
	return PAM_AUTHTOK_ERR;
}

static void
say(pam_handle_t *pamh, int flags, const char *why)
{
	if (!has_flag(flags, PAM_SILENT))
		pam_error(pamh, "BAD PASSWORD: %s", why);
}

/* Sets newpw under the lock: the policy, then "not the current one", then commit. */
static int
set_new(pam_handle_t *pamh, int flags, const struct args *a, const char *user, const char *newpw)
{
	struct mamori_cred_blocklist *bl = NULL;
	struct mamori_cred_store s;
	struct mamori_cred_account *acct;
	struct mamori_cred_policy policy;
	struct mamori_cred_pw_verdict v;
	struct mamori_diag d;
	char old_hash[MAMORI_CRED_HASH_MAX];
	char u[LOG_NAME_MAX];
	size_t len = strlen(newpw);
	int r = PAM_AUTHTOK_ERR;
	mamori_err e;

	printable(user, u);
	/* loaded before the lock is taken: it reads several files */
	mamori_diag_clear(&d);
	e = mamori_cred_blocklist_load(a->blocklists, &bl, &d);
	if (e != MAMORI_OK) {
		/* fail closed: no change without the blocklist check */
		pam_syslog(pamh, LOG_ERR, "cannot load the password blocklists: %s",
		    d.msg[0] != '\0' ? d.msg : mamori_strerror(e));
		return PAM_AUTHTOK_ERR;
	}
	if (!store_open(pamh, a, true, &s)) {
		mamori_cred_blocklist_free(bl);
		return PAM_AUTHTOK_ERR;
	}
	acct = mamori_cred_find(&s, user);
	if (acct == NULL) {
		r = PAM_USER_UNKNOWN;
		goto out;
	}
	memcpy(old_hash, acct->hash, sizeof(old_hash));
	mamori_cred_store_policy(&s, bl, &policy);
	e = mamori_cred_set_password(&s, acct, newpw, len, &policy, false, now_s(), &v);
	if (e == MAMORI_E_PERM) {
		pam_syslog(pamh, LOG_NOTICE, "password change refused for user %s: %s", u, v.why);
		say(pamh, flags, v.why);
		goto out;
	}
	if (e != MAMORI_OK) {
		pam_syslog(pamh, LOG_ERR, "password change for user %s: %s", u, mamori_strerror(e));
		goto out;
	}
	if (old_hash[0] != '\0') {
		char norm[MAMORI_CRED_PASSWORD_MAX + 1];
		size_t nlen = 0, chars;
		bool same = false;
		if (mamori_cred_normalize(newpw, len, norm, &nlen, &chars) == MAMORI_OK &&
		    mamori_cred_hash_verify(old_hash, norm, nlen, &same) != MAMORI_OK)
			same = false;
		sodium_memzero(norm, sizeof(norm));
		/* a legacy crypt(3) hash was made from the bytes as typed */
		if (!same && strncmp(old_hash, "$argon2id$", 10) != 0 &&
		    mamori_cred_hash_verify(old_hash, newpw, len, &same) != MAMORI_OK)
			same = false;
		if (same) {
			pam_syslog(pamh, LOG_NOTICE,
			    "password change refused for user %s: it is the current password", u);
			say(pamh, flags, "it is the current password");
			goto out; /* not committed: the store keeps the old hash and flags */
		}
	}
	if (store_commit_close(pamh, &s)) {
		pam_syslog(pamh, LOG_NOTICE, "password changed for user %s", u);
		r = PAM_SUCCESS;
	}
	sodium_memzero(old_hash, sizeof(old_hash));
	mamori_cred_blocklist_free(bl);
	return r;
out:
	sodium_memzero(old_hash, sizeof(old_hash));
	mamori_cred_store_close(&s);
	mamori_cred_blocklist_free(bl);
	return r;
}

EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct acct_state st;
	struct args a;
	const char *user = NULL, *newpw = NULL;
	int r;

	parse_args(pamh, argc, argv, &a);
	if ((r = get_user(pamh, &user)) != PAM_SUCCESS)
		return r;
	if ((r = acct_state(pamh, &a, user, &st)) != PAM_SUCCESS)
		return r;
	if (!st.exists)
		return PAM_USER_UNKNOWN;
	if (has_flag(flags, PAM_PRELIM_CHECK))
		return PAM_SUCCESS;
	if (!has_flag(flags, PAM_UPDATE_AUTHTOK))
		return PAM_SERVICE_ERR;
	/* only an expired (must-change) password when the application asks for that */
	if (has_flag(flags, PAM_CHANGE_EXPIRED_AUTHTOK) && !st.must_change)
		return PAM_SUCCESS;

	if (!handle_authed(pamh, user)) {
		if (!st.has_password) {
			/* only the first_use option lets a password be set without any proof */
			if (!a.first_use) {
				pam_syslog(pamh, LOG_WARNING,
				    "password change refused: account has no password and "
				    "first_use is not set");
				return PAM_AUTHTOK_ERR;
			}
		} else if ((r = check_old(pamh, &a, user, &st)) != PAM_SUCCESS) {
			return r;
		}
	}

	r = pam_get_authtok(pamh, PAM_AUTHTOK, &newpw, NULL);
	if (r != PAM_SUCCESS || newpw == NULL) {
		if (a.debug)
			pam_syslog(pamh, LOG_DEBUG, "no new password: %s", pam_strerror(pamh, r));
		return r == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_AUTHTOK_ERR;
	}
	r = set_new(pamh, flags, &a, user, newpw);
	if (r != PAM_SUCCESS)
		(void)pam_set_item(pamh, PAM_AUTHTOK, NULL); /* a retry asks again */
	return r;
}
