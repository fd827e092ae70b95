/* SPDX-License-Identifier: MIT */
/* Device logins done right (docs/formats/cred-store.md, docs/cred.md): an account store with
 * Argon2id hashes (libsodium), no universal default password, a NIST SP 800-63B password policy
 * with blocklists, throttling with exponential backoff kept on disk, TOTP/HOTP (OpenSSL HMAC),
 * hashed recovery codes, and roles with named permissions. The library never prints; every
 * function that takes `now` uses it as the clock (seconds since the epoch), so tests inject it. */
#ifndef MAMORI_CRED_H
#define MAMORI_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/err.h"

/* Limits, each checked before use (docs/formats/cred-store.md). */
#define MAMORI_CRED_STORE_MAX      ((size_t)1 << 20) /* bytes of a store file */
#define MAMORI_CRED_LINE_MAX       4096u             /* bytes of one store line */
#define MAMORI_CRED_NAME_MAX       32u               /* bytes of a user or role name */
#define MAMORI_CRED_ACCOUNTS_MAX   256u
#define MAMORI_CRED_ROLES_MAX      32u
#define MAMORI_CRED_PERMS_MAX      32u    /* permissions of one role */
#define MAMORI_CRED_PERM_MAX       32u    /* bytes of a permission name */
#define MAMORI_CRED_HASH_MAX       192u   /* bytes of a stored hash string */
#define MAMORI_CRED_PASSWORD_MAX   256u   /* bytes of a password, raw or normalised */
#define MAMORI_CRED_PASSWORD_MIN   8u     /* default minimum length in characters */
#define MAMORI_CRED_THROTTLE_MAX   1024u  /* throttle entries kept */
#define MAMORI_CRED_SOURCE_MAX     64u    /* bytes of a source (an address or "local") */
#define MAMORI_CRED_RECOVERY_N     10u    /* recovery codes per enrolment */
#define MAMORI_CRED_RECOVERY_LEN   29u    /* "xxxx-xxxx-xxxx-xxxx-xxxx-xxxx": 24 base32, 120 bits */
#define MAMORI_CRED_OTP_SECRET_MAX 64u    /* bytes of an OTP secret */
#define MAMORI_CRED_OTP_WINDOW     1u     /* TOTP steps accepted either side of now */
#define MAMORI_CRED_HOTP_LOOKAHEAD 10u    /* HOTP counters tried past the stored one */
#define MAMORI_CRED_WORDS_MAX      8u     /* device words (vendor, model, serial, ...) */
#define MAMORI_CRED_WORD_MAX       64u    /* bytes of a device word */
#define MAMORI_CRED_LOCK_WAIT_MS   10000u /* how long a writer waits for the store lock */

/* Argon2id cost per device class; each hash records its own parameters (PHC string), so a
 * store may hold hashes of several classes and `needs rehash` compares with the store's. */
enum mamori_cred_class {
	MAMORI_CRED_CLASS_SMALL = 0, /* 9 MiB, t=4: devices with 32-64 MiB of RAM */
	MAMORI_CRED_CLASS_MEDIUM,    /* 19 MiB, t=2: OWASP's recommendation (default) */
	MAMORI_CRED_CLASS_LARGE,     /* 64 MiB, t=3: gateways */
};
#define MAMORI_CRED_CLASS_DEFAULT MAMORI_CRED_CLASS_MEDIUM

struct mamori_cred_params {
	unsigned long long opslimit; /* Argon2 t */
	size_t memlimit;             /* bytes */
};

const char *mamori_cred_class_name(enum mamori_cred_class c); /* "small" ... */
mamori_err mamori_cred_class_parse(const char *s, enum mamori_cred_class *out);
struct mamori_cred_params mamori_cred_class_params(enum mamori_cred_class c);

/* ---- passwords: hashing (lib/cred/hash.c) ---- */

/* Argon2id PHC string ("$argon2id$v=19$m=...,t=...,p=1$salt$hash") of pw into out. */
MAMORI_MUST_CHECK mamori_err mamori_cred_hash(
    const char *pw, size_t len, enum mamori_cred_class c, char out[MAMORI_CRED_HASH_MAX]);
/* Verifies pw against an Argon2id string or a crypt(3) string ($y$, $6$, $5$, $2b$, $1$, DES)
 * from libxcrypt, in constant time for the comparison. *ok is false for a wrong password;
 * an unusable hash ("!", "*", unknown prefix) is MAMORI_E_UNSUPPORTED. */
MAMORI_MUST_CHECK mamori_err mamori_cred_hash_verify(
    const char *hash, const char *pw, size_t len, bool *ok);
/* True when hash is not Argon2id with exactly the class's parameters (legacy crypt, or other
 * cost): it is replaced at the next successful login. */
bool mamori_cred_hash_needs_rehash(const char *hash, enum mamori_cred_class c);
/* Whether hash is one mamori can verify: Argon2id or a crypt(3) string libxcrypt knows. */
bool mamori_cred_hash_usable(const char *hash);
/* "argon2id m=19456 t=2", "sha512crypt", "yescrypt", "md5crypt", "descrypt", ... (static). */
const char *mamori_cred_hash_kind(const char *hash);
/* Burns the time of one verification with class c (for unknown users). */
void mamori_cred_hash_dummy(enum mamori_cred_class c, const char *pw, size_t len);

/* ---- passwords: policy (lib/cred/policy.c) ---- */

enum mamori_cred_pw_problem {
	MAMORI_CRED_PW_OK = 0,
	MAMORI_CRED_PW_NOT_UTF8,    /* not valid UTF-8 */
	MAMORI_CRED_PW_CONTROL,     /* holds a control character */
	MAMORI_CRED_PW_TOO_SHORT,   /* fewer characters than the minimum */
	MAMORI_CRED_PW_TOO_LONG,    /* more than MAMORI_CRED_PASSWORD_MAX bytes */
	MAMORI_CRED_PW_BLOCKLISTED, /* in a shipped blocklist (default credentials, common) */
	MAMORI_CRED_PW_USER_NAME,   /* built from the user name */
	MAMORI_CRED_PW_DEVICE_WORD, /* built from a device word (vendor, model, serial) */
	MAMORI_CRED_PW_REPETITIVE,  /* one character repeated, or a run like 12345678/abcdefgh */
};

struct mamori_cred_pw_verdict {
	enum mamori_cred_pw_problem problem;
	/* Why, for a person: never contains the password ("it is a factory default password in
	 * the Mirai botnet's list (data/cred/mirai.txt)"). Empty when problem is OK. */
	char why[MAMORI_DIAG_MSG_MAX];
};

/* The shipped blocklists (data/cred/NAME.txt), loaded once, looked up case-insensitively after
 * normalisation. Opaque. */
struct mamori_cred_blocklist;
/* Loads every *.txt in dir (MAMORI_DATADIR "/cred" by default when dir is NULL). */
MAMORI_MUST_CHECK mamori_err mamori_cred_blocklist_load(
    const char *dir, struct mamori_cred_blocklist **out, struct mamori_diag *d);
/* The list's description when pw (normalised) is in a list, else NULL. */
const char *mamori_cred_blocklist_find(
    const struct mamori_cred_blocklist *bl, const char *pw, size_t len);
size_t mamori_cred_blocklist_size(const struct mamori_cred_blocklist *bl);
void mamori_cred_blocklist_free(struct mamori_cred_blocklist *bl);

struct mamori_cred_policy {
	size_t min_length;                             /* characters (code points), default 8 */
	const struct mamori_cred_blocklist *blocklist; /* NULL: no list check */
	const char *words[MAMORI_CRED_WORDS_MAX];      /* device words, may be NULL */
	size_t n_words;
};

/* Unicode NFKC normalisation (libunistring) of UTF-8 pw into out (NUL-terminated); *chars is
 * the number of code points. MAMORI_E_MALFORMED for invalid UTF-8, MAMORI_E_TOOBIG when the
 * result exceeds MAMORI_CRED_PASSWORD_MAX bytes. */
MAMORI_MUST_CHECK mamori_err mamori_cred_normalize(const char *pw, size_t len,
    char out[MAMORI_CRED_PASSWORD_MAX + 1], size_t *outlen, size_t *chars);
/* Checks a new password for user against the policy; v says the first problem found, in the
 * order of enum mamori_cred_pw_problem except that a blocklist hit is reported before length. */
void mamori_cred_policy_check(const struct mamori_cred_policy *p, const char *user, const char *pw,
    size_t len, struct mamori_cred_pw_verdict *v);

/* ---- one-time passwords (lib/cred/otp.c) ---- */

enum mamori_otp_algo { MAMORI_OTP_SHA1 = 0, MAMORI_OTP_SHA256, MAMORI_OTP_SHA512 };
enum mamori_otp_kind { MAMORI_OTP_NONE = 0, MAMORI_OTP_TOTP, MAMORI_OTP_HOTP };

const char *mamori_otp_algo_name(enum mamori_otp_algo a); /* "SHA1", "SHA256", "SHA512" */
mamori_err mamori_otp_algo_parse(const char *s, enum mamori_otp_algo *out); /* any case */

/* RFC 4226 HOTP: the truncated HMAC of counter, modulo 10^digits (digits 6..8). */
MAMORI_MUST_CHECK mamori_err mamori_hotp(const uint8_t *key, size_t keylen,
    enum mamori_otp_algo algo, uint64_t counter, unsigned digits, uint32_t *code);
/* RFC 6238 TOTP with T0 = 0: HOTP of floor(unixtime / period). */
MAMORI_MUST_CHECK mamori_err mamori_totp(const uint8_t *key, size_t keylen,
    enum mamori_otp_algo algo, uint64_t unixtime, uint32_t period, unsigned digits, uint32_t *code);

/* RFC 4648 base32, upper case, no padding; returns the length written (0 when cap is too
 * small; out is NUL-terminated). */
size_t mamori_base32_encode(const uint8_t *in, size_t len, char *out, size_t cap);
/* Decodes base32 in either case, ignoring spaces and '=' padding; d names the offset of the
 * first bad character. */
MAMORI_MUST_CHECK mamori_err mamori_base32_decode(
    const char *s, size_t len, uint8_t *out, size_t cap, size_t *outlen, struct mamori_diag *d);

struct mamori_cred_otp {
	enum mamori_otp_kind kind;
	enum mamori_otp_algo algo;
	unsigned digits;  /* 6..8 */
	uint32_t period;  /* TOTP step in seconds (30) */
	bool pending;     /* enrolled, not yet confirmed by a first good code */
	uint64_t counter; /* HOTP: next counter; TOTP: first step still acceptable (replay) */
	uint8_t secret[MAMORI_CRED_OTP_SECRET_MAX];
	size_t secret_len;
};

/* Checks a code (digits only, exactly o->digits of them) at time now: TOTP within
 * MAMORI_CRED_OTP_WINDOW steps and not below o->counter; HOTP from o->counter up to
 * MAMORI_CRED_HOTP_LOOKAHEAD ahead. On success moves o->counter past the step/counter used,
 * so the same code never works twice. Constant-time comparison. */
bool mamori_otp_check(struct mamori_cred_otp *o, const char *code, uint64_t now);
/* otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=...&digits=...&period=...
 * (or hotp with counter=), percent-encoded, into out. */
MAMORI_MUST_CHECK mamori_err mamori_otp_uri(const struct mamori_cred_otp *o, const char *issuer,
    const char *account, struct mamori_buf *out);
/* A QR code of text (libqrencode, level M) drawn for a terminal with UTF-8 half blocks, two
 * modules per character cell vertically, with a 4-module quiet zone; dark modules as spaces on
 * a light background so phones read it on dark terminals too. */
MAMORI_MUST_CHECK mamori_err mamori_qr_text(const char *text, struct mamori_buf *out);

/* ---- the account store (lib/cred/store.c) ---- */

#define MAMORI_CRED_F_MUST_CHANGE 0x1u /* only a password change is allowed */
#define MAMORI_CRED_F_DISABLED    0x2u /* locked by an administrator */

struct mamori_cred_account {
	char name[MAMORI_CRED_NAME_MAX + 1];
	char role[MAMORI_CRED_NAME_MAX + 1];
	char hash[MAMORI_CRED_HASH_MAX]; /* "" = no password yet (first use) */
	unsigned flags;
	uint64_t created, changed, last_login, expires; /* seconds; 0 = never / not yet */
	struct mamori_cred_otp otp;
	/* unused codes as "$b2$SALT$HASH" (salted BLAKE2b-256, hex): codes of 120 bits need no
	 * slow hash (NIST SP 800-63B 5.1.2.2), so checking them costs microseconds and cannot
	 * tell a caller whether the password before them was right */
	char recovery[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_HASH_MAX];
	size_t n_recovery;
};

struct mamori_cred_role {
	char name[MAMORI_CRED_NAME_MAX + 1];
	char perms[MAMORI_CRED_PERMS_MAX][MAMORI_CRED_PERM_MAX + 1]; /* "*" = every permission */
	size_t n_perms;
};

/* One throttle record: key "u:NAME" (per account, also unknown names) or "s:SOURCE". */
struct mamori_cred_throttle {
	char key[2 + MAMORI_CRED_SOURCE_MAX + 1];
	uint32_t failures;  /* consecutive failures */
	uint64_t last;      /* time of the last failure */
	uint64_t until;     /* no password is evaluated before this time */
	uint64_t evaluated; /* guesses evaluated since the record started */
};

struct mamori_cred_store {
	enum mamori_cred_class cls;
	size_t min_length;
	char words[MAMORI_CRED_WORDS_MAX][MAMORI_CRED_WORD_MAX + 1]; /* vendor, model, serial... */
	size_t n_words;
	struct mamori_cred_account *accounts;
	size_t n_accounts;
	struct mamori_cred_role roles[MAMORI_CRED_ROLES_MAX]; /* admin, operator, viewer first */
	size_t n_roles;
	struct mamori_cred_throttle *throttle;
	size_t n_throttle;
	/* file state, private to store.c */
	char *path;
	int lock_fd;
};

/* In-memory store with the defaults (class, min length, the three built-in roles). */
void mamori_cred_store_defaults(struct mamori_cred_store *s);
/* Parses a store file image; on error d has the line and the reason, and nothing is kept. */
MAMORI_MUST_CHECK mamori_err mamori_cred_store_parse(
    const uint8_t *p, size_t len, struct mamori_cred_store *out, struct mamori_diag *d);
/* The file image of s (what _parse reads back to the same store). */
MAMORI_MUST_CHECK mamori_err mamori_cred_store_format(
    const struct mamori_cred_store *s, struct mamori_buf *out);
/* Frees the arrays and wipes secrets; s can be reused after _defaults. */
void mamori_cred_store_free(struct mamori_cred_store *s);

/* Creates a new store file (mode 0600; refuses to overwrite: MAMORI_E_PERM with d saying so). */
MAMORI_MUST_CHECK mamori_err mamori_cred_store_create(
    const char *path, const struct mamori_cred_store *s, struct mamori_diag *d);
/* Opens path: takes the writer lock (path.lock, waiting up to MAMORI_CRED_LOCK_WAIT_MS) when
 * lock is true, reads and parses. A missing, unreadable, truncated or corrupt file is an error
 * with d saying which; a store readable by others is MAMORI_E_PERM. Never an empty store. */
MAMORI_MUST_CHECK mamori_err mamori_cred_store_open(
    const char *path, bool lock, struct mamori_cred_store *out, struct mamori_diag *d);
/* Writes s back atomically (temporary file, fsync, rename, fsync of the directory); s must
 * have been opened with the lock. */
MAMORI_MUST_CHECK mamori_err mamori_cred_store_commit(
    struct mamori_cred_store *s, struct mamori_diag *d);
/* Releases the lock and frees s. */
void mamori_cred_store_close(struct mamori_cred_store *s);

struct mamori_cred_account *mamori_cred_find(struct mamori_cred_store *s, const char *name);
const struct mamori_cred_role *mamori_cred_role_find(
    const struct mamori_cred_store *s, const char *name);
/* Whether name is a valid user/role name: [a-z_][a-z0-9_.-]{0,31} (POSIX portable). */
bool mamori_cred_name_valid(const char *name);
/* True when the account's role grants perm (or "*"). */
bool mamori_cred_allowed(
    const struct mamori_cred_store *s, const struct mamori_cred_account *a, const char *perm);

/* ---- account operations (lib/cred/account.c); the caller commits ---- */

/* Adds an account with no password, flagged must-change. MAMORI_E_PERM if it exists. */
MAMORI_MUST_CHECK mamori_err mamori_cred_add(struct mamori_cred_store *s, const char *name,
    const char *role, uint64_t now, struct mamori_cred_account **out, struct mamori_diag *d);
MAMORI_MUST_CHECK mamori_err mamori_cred_del(struct mamori_cred_store *s, const char *name);
/* Sets a password (normalised, hashed with the store's class). When p is not NULL the policy
 * is checked first and v says why it was refused (MAMORI_E_PERM). must_change keeps or sets the
 * flag (an administrator resetting a password); otherwise the flag is cleared. */
MAMORI_MUST_CHECK mamori_err mamori_cred_set_password(struct mamori_cred_store *s,
    struct mamori_cred_account *a, const char *pw, size_t len, const struct mamori_cred_policy *p,
    bool must_change, uint64_t now, struct mamori_cred_pw_verdict *v);
/* The policy of the store (its min length and device words) with the given blocklist. */
void mamori_cred_store_policy(const struct mamori_cred_store *s,
    const struct mamori_cred_blocklist *bl, struct mamori_cred_policy *out);

/* The unique initial password of a device: BLAKE2b keyed with the device secret over
 * "mamori-cred-provision-v1", serial and user, drawn as 4 groups of 4 characters from an
 * alphabet without look-alikes (about 80 bits). out: NUL-terminated. */
#define MAMORI_CRED_PROVISION_LEN 19u
MAMORI_MUST_CHECK mamori_err mamori_cred_provision_password(const uint8_t *secret,
    size_t secret_len, const char *serial, const char *user,
    char out[MAMORI_CRED_PROVISION_LEN + 1]);
#define MAMORI_CRED_DEVICE_SECRET_MIN 16u /* bytes */
#define MAMORI_CRED_DEVICE_SECRET_MAX 4096u

/* TOTP/HOTP enrolment: a new random secret (20 bytes for SHA1, 32 SHA256, 64 SHA512), marked
 * pending until the first good code; codes[] receives the plain recovery codes (shown once;
 * only their salted BLAKE2b hashes are kept). */
MAMORI_MUST_CHECK mamori_err mamori_cred_otp_enroll(struct mamori_cred_store *s,
    struct mamori_cred_account *a, enum mamori_otp_kind kind, enum mamori_otp_algo algo,
    unsigned digits, uint32_t period,
    char codes[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_RECOVERY_LEN + 1]);

/* ---- authentication (lib/cred/auth.c) ---- */

/* Backoff: the first MAMORI_CRED_FREE_TRIES failures cost nothing; after failure n the next
 * guess waits 2^(n - FREE) seconds, at most MAMORI_CRED_BACKOFF_MAX. Never a permanent lock. */
#define MAMORI_CRED_FREE_TRIES  5u
#define MAMORI_CRED_BACKOFF_MAX 600u
/* A record whose last failure is older than this starts again from zero at its next failure. */
#define MAMORI_CRED_FORGET_AFTER 86400u
uint64_t mamori_cred_backoff_delay(uint32_t failures);
/* The most guesses one key (account or source) can have evaluated in any window of `seconds`
 * (the documented bound; tests compare measured counts with it). */
uint64_t mamori_cred_backoff_bound(uint64_t seconds);

enum mamori_cred_verdict {
	MAMORI_CRED_ACCEPTED = 0,
	MAMORI_CRED_DENIED,    /* wrong password or code, unknown user, disabled, expired */
	MAMORI_CRED_THROTTLED, /* not evaluated: wait until retry_at */
};

#define MAMORI_CRED_AUTH_FIRST_USE                                                                 \
	0x1u /* an account without a password is accepted, for the change */

struct mamori_cred_result {
	enum mamori_cred_verdict verdict;
	bool must_change;   /* accepted only for a password change */
	bool evaluated;     /* the password was checked (not throttled) */
	bool upgraded;      /* the hash was replaced (legacy crypt or other cost) */
	bool recovery_used; /* a recovery code stood in for the OTP code */
	size_t recovery_left;
	uint64_t retry_at; /* THROTTLED: the time a guess is evaluated again */
	/* For the log, not for the one logging in (who only learns "denied"): "wrong password",
	 * "unknown user", "wrong code", "disabled", "expired", "no password set", "throttled".
	 * Never a secret. */
	const char *why;
};

/* Whether a login for name asks for a one-time code (an enrolled, confirmed OTP). False for
 * unknown users. */
bool mamori_cred_wants_code(const struct mamori_cred_store *s, const char *name);
/* One login attempt by name from source ("local" or an address; NULL = "local") with password
 * and, when the account wants one, code (an OTP or a recovery code; NULL when absent). The
 * answer for unknown users and wrong passwords is the same and takes the same time. Updates
 * throttle records, the OTP counter, recovery codes, last_login and upgrades the hash; the
 * caller commits s (opened with the lock) unless the verdict is THROTTLED, which changes
 * nothing. */
MAMORI_MUST_CHECK mamori_err mamori_cred_authenticate(struct mamori_cred_store *s, const char *name,
    const char *source, const char *pw, size_t len, const char *code, unsigned flags, uint64_t now,
    struct mamori_cred_result *res);
/* Account stage (PAM's acct_mgmt): may name log in now, for perm (NULL: any)? */
enum mamori_cred_acct {
	MAMORI_CRED_ACCT_OK = 0,
	MAMORI_CRED_ACCT_UNKNOWN,
	MAMORI_CRED_ACCT_DISABLED,
	MAMORI_CRED_ACCT_EXPIRED,
	MAMORI_CRED_ACCT_NO_PERMISSION, /* the role does not grant perm */
	MAMORI_CRED_ACCT_MUST_CHANGE,   /* only a password change is allowed */
};
enum mamori_cred_acct mamori_cred_account_ok(
    const struct mamori_cred_store *s, const char *name, const char *perm, uint64_t now);
const char *mamori_cred_acct_name(enum mamori_cred_acct r); /* "disabled" ... */

/* ---- audit of a store (lib/cred/check.c) ---- */

enum mamori_cred_issue_kind {
	MAMORI_CRED_ISSUE_NO_PASSWORD,  /* no password yet (first use pending) */
	MAMORI_CRED_ISSUE_MUST_CHANGE,  /* change pending */
	MAMORI_CRED_ISSUE_ADMIN_NO_2FA, /* an administrator without a confirmed second factor */
	MAMORI_CRED_ISSUE_WEAK_HASH,    /* legacy crypt or cost below the store's class */
	MAMORI_CRED_ISSUE_UNUSED,       /* never logged in for 90 days after creation */
	MAMORI_CRED_ISSUE_EXPIRED,      /* expired but still present */
	MAMORI_CRED_ISSUE_NO_ADMIN,     /* no enabled administrator at all */
	MAMORI_CRED_ISSUE_FEW_RECOVERY, /* two or fewer recovery codes left */
	MAMORI_CRED_ISSUE_UNKNOWN_ROLE, /* role not defined in the store */
};
#define MAMORI_CRED_UNUSED_DAYS 90u

struct mamori_cred_issue {
	enum mamori_cred_issue_kind kind;
	const char *id;                      /* "cred.admin-no-2fa" ... (static) */
	unsigned severity;                   /* 1 high .. 3 low */
	char user[MAMORI_CRED_NAME_MAX + 1]; /* "" for store-wide issues */
	char why[MAMORI_DIAG_MSG_MAX];
};
/* Every issue of s at time now, in account order; *out is freed by the caller. */
MAMORI_MUST_CHECK mamori_err mamori_cred_check(
    const struct mamori_cred_store *s, uint64_t now, struct mamori_cred_issue **out, size_t *n);

#endif
