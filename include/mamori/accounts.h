/* SPDX-License-Identifier: MIT */
/* Parsers for the account databases found in firmware images: /etc/passwd, /etc/shadow and
 * /etc/group (and their backups: passwd-, shadow.bak, ...). They are line parsers over untrusted
 * bytes: a malformed line is recorded with its line number and byte offset and parsing goes on,
 * so that one broken line does not hide the accounts after it. Only the size limits below stop a
 * parse. CRLF line ends and missing trailing fields are accepted. */
#ifndef MAMORI_ACCOUNTS_H
#define MAMORI_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"

#define MAMORI_ACCOUNTS_MAX      4096                  /* lines in one file */
#define MAMORI_ACCOUNTS_FILE_MAX ((size_t)1024 * 1024) /* bytes in one file */
#define MAMORI_ACCOUNTS_LINE_MAX 4096 /* bytes in one line (longer lines are malformed) */
#define MAMORI_ACCOUNT_NAME_MAX  256  /* bytes in a user or group name */
#define MAMORI_ACCOUNT_FIELD_MAX 1024 /* bytes in any other field (hash, gecos, home, shell) */
#define MAMORI_ACCOUNTS_BAD_MAX  64   /* malformed lines remembered (all are counted) */

enum mamori_accounts_kind {
	MAMORI_ACCOUNTS_PASSWD = 1, /* name:passwd:uid:gid:gecos:home:shell */
	MAMORI_ACCOUNTS_SHADOW,     /* name:hash:lastchg:min:max:warn:inactive:expire:reserved */
	MAMORI_ACCOUNTS_GROUP,      /* name:passwd:gid:members */
};

/* One line. Strings point into a per-entry copy owned by the set; a missing field is "". */
struct mamori_account {
	const char *name;
	const char *passwd; /* 2nd field: "x", "*", a crypt(3) hash, or "" (no password) */
	uint32_t id;        /* passwd: uid; group: gid; shadow: 0 */
	uint32_t gid;       /* passwd: primary gid; otherwise 0 */
	bool has_id, has_gid;
	const char *gecos;   /* passwd */
	const char *home;    /* passwd */
	const char *shell;   /* passwd ("" means /bin/sh to login(1)) */
	const char *members; /* group: comma-separated user names */
	size_t nfields;      /* fields present on the line */
	size_t line;         /* 1-based */
	size_t off;          /* byte offset of the line */
	char *buf_;          /* private: the storage of the strings */
};

struct mamori_account_bad {
	size_t line;
	size_t off;
	char why[64];
};

struct mamori_accounts {
	enum mamori_accounts_kind kind;
	struct mamori_account *a;
	size_t n;
	struct mamori_account_bad bad[MAMORI_ACCOUNTS_BAD_MAX];
	size_t nbad;       /* entries in bad[] */
	size_t nbad_total; /* malformed lines in all */
};

/* Parses p[0..n) as a file of the given kind into *out (caller-allocated; released with
 * mamori_accounts_free() after MAMORI_OK). Comment lines ('#'), blank lines and NIS compat lines
 * ('+'/'-') are skipped. Malformed lines (too few or too many fields, empty name, non-numeric
 * id, a NUL byte, over-long fields) are listed in out->bad and skipped. Returns MAMORI_E_TOOBIG
 * (d: offset and line) past MAMORI_ACCOUNTS_FILE_MAX bytes or MAMORI_ACCOUNTS_MAX lines,
 * MAMORI_E_NOMEM, MAMORI_E_INVAL for a bad kind; *out is written only on MAMORI_OK. */
MAMORI_MUST_CHECK mamori_err mamori_accounts_parse(enum mamori_accounts_kind kind, const uint8_t *p,
    size_t n, struct mamori_accounts *out, struct mamori_diag *d);
void mamori_accounts_free(struct mamori_accounts *a);

/* The entry named name (the first, if there are duplicates), or NULL. */
const struct mamori_account *mamori_accounts_find(
    const struct mamori_accounts *a, const char *name);

/* True when a 2nd field holds no usable password hash: "x", "*", "!", "!!", anything starting
 * with '!' or '*' (locked), and "" is NOT locked (it means no password at all). */
bool mamori_account_locked(const char *passwd);

/* True when shell lets a user log in interactively ("" counts: login(1) uses /bin/sh);
 * false for nologin, false, true, sync, shutdown, halt and similar. */
bool mamori_account_login_shell(const char *shell);

#endif
