/* SPDX-License-Identifier: MIT */
/* Firmware audit checks over an in-memory tree (mamori/fstree.h) that report into a
 * mamori_report (mamori/finding.h): accounts, hard-coded credentials, keys and certificates. */
#ifndef MAMORI_AUDIT_H
#define MAMORI_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"

#define MAMORI_AUDIT_CREDS_MAX 100000 /* user/password pairs in all dictionaries */
/* bytes in one dictionary file: MAMORI_DICT_FILE_MAX (mamori/dict.h) */
#define MAMORI_AUDIT_CREDS_FIELD_MAX 128    /* bytes in a user name or a password */
#define MAMORI_AUDIT_CREDS_FILES_MAX 64     /* dictionaries read from data/credentials */
#define MAMORI_AUDIT_CRACK_MS        3000   /* default time budget per hash */
#define MAMORI_AUDIT_CRACK_TRIES     100000 /* default attempt budget per hash */
#define MAMORI_AUDIT_CRACK_TOTAL_MS  60000  /* default time budget for all hashes together */

struct mamori_audit_cred {
	char *user; /* "" when the list gives no user */
	char *pass; /* "" for an empty password */
};

/* Default-credential dictionaries, in plaintext (they are public lists). */
struct mamori_audit_creds {
	struct mamori_audit_cred *pairs;
	size_t npairs;
	const char **passwords; /* distinct passwords, first-seen order (point into pairs) */
	size_t npasswords;
	unsigned crack_ms;       /* time budget per hash (MAMORI_AUDIT_CRACK_MS by default) */
	size_t crack_tries;      /* attempt budget per hash (MAMORI_AUDIT_CRACK_TRIES by default) */
	unsigned crack_total_ms; /* for all hashes of one audit (MAMORI_AUDIT_CRACK_TOTAL_MS) */
};

/* Loads every data_dir/credentials/ *.tsv, *.txt and *.csv file (in name order; LICENSE* and
 * README* are skipped; data_dir may be NULL to skip them) and then the extra files (--creds).
 * Formats, as lib/sensor/creds.c reads them: .tsv "user<TAB>pass[<TAB>...]" with '#' comments;
 * .csv the SecLists "Vendor,Username,Password,Comments" layout with a header row; anything else
 * "user:pass" or "user pass" lines. "(none)" and "<BLANK>" mean empty, "<N/A>" no user.
 * MAMORI_E_IO for an unreadable file, MAMORI_E_MALFORMED (d: file:line) for a line without a
 * separator, MAMORI_E_TOOBIG past the limits above. *out only on success. */
MAMORI_MUST_CHECK mamori_err mamori_audit_creds_load(const char *data_dir, const char *const *extra,
    size_t nextra, struct mamori_audit_creds **out, struct mamori_diag *d);
void mamori_audit_creds_free(struct mamori_audit_creds *c);

/* Accounts: passwd/shadow/group (and their backups) under /etc and /etc_ro: empty passwords
 * (account.empty-password), UID 0 aliases (account.uid0), non-root accounts with a login shell
 * and a usable password (account.login-shell), and hashes cracked with crypt(3) against dict
 * (may be NULL: then only the empty password and the user name are tried, with the default
 * budgets) → account.default-password. Hashes left untried (budget spent, cost parameter above
 * the caps) are named in mamori_log() warnings, not findings. Malformed lines are skipped.
 * Errors only for allocation failures or a report error. */
MAMORI_MUST_CHECK mamori_err mamori_check_accounts(const struct mamori_fstree *t,
    const struct mamori_audit_creds *dict, struct mamori_report *r, struct mamori_diag *d);

/* mamori account stores shipped in the image (any file whose first line is "mamori-cred 1"):
 * every password hash in one is shared by all devices built from the image
 * (account.store-shared-password; high instead of critical when it must be changed at first
 * login), and account.default-password when a dictionary password verifies within dict's
 * budgets; a store that does not parse is account.store-unreadable. Errors only for allocation
 * failures or a report error. */
MAMORI_MUST_CHECK mamori_err mamori_check_credstore(const struct mamori_fstree *t,
    const struct mamori_audit_creds *dict, struct mamori_report *r, struct mamori_diag *d);

/* Credentials written into scripts and configuration files (credential.hardcoded, and
 * account.empty-password for empty default web-admin passwords): telnetd -u user:password
 * (one level of shell variables resolved), PPP pap/chap secrets, SNMP communities, accounts in
 * default configuration XML, Wi-Fi keys. */
MAMORI_MUST_CHECK mamori_err mamori_check_credentials(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d);

/* Private keys (PEM, OpenSSH, DER, dropbear) → key.private, or key.host-shared for SSH host
 * keys and keys stored with a certificate; X.509 certificates (PEM, DER) → cert.weak for RSA or
 * DSA under 2048 bits, EC under 224 bits or an MD2/MD5/SHA-1 signature. Certificates that
 * pass are only named in mamori_log() (expiry and trust are not judged). */
MAMORI_MUST_CHECK mamori_err mamori_check_keys(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d);

#endif
