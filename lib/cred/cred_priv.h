/* SPDX-License-Identifier: MIT */
/* Shared inside lib/cred only. */
#ifndef MAMORI_CRED_PRIV_H
#define MAMORI_CRED_PRIV_H

#include "mamori/cred.h"

/* A zeroed account appended to s (its array grows by doubling up to
 * MAMORI_CRED_ACCOUNTS_MAX): MAMORI_E_TOOBIG when full. */
mamori_err cred_new_account(struct mamori_cred_store *s, struct mamori_cred_account **out);

/* The index of the account named name, or s->n_accounts when there is none. */
size_t cred_index(const struct mamori_cred_store *s, const char *name);
/* The throttle array, allocated at its fixed capacity the first time it is needed. */
mamori_err cred_throttle_array(struct mamori_cred_store *s);

/* n bytes as lower-case hex into out (2n + 1 bytes, NUL-terminated). */
void cred_hex(const uint8_t *p, size_t n, char *out);

#define CRED_RECOVERY_SYMS 24u /* base32 symbols of a recovery code: 120 bits */

/* The stored form of a recovery code's symbols: "$b2$" + hex salt (16 bytes) + "$" + hex of
 * BLAKE2b-256 keyed with the salt. */
void cred_recovery_hash(
    const char sym[CRED_RECOVERY_SYMS], const uint8_t salt[16], char out[MAMORI_CRED_HASH_MAX]);
/* Whether s is such a stored form (what the store parser accepts). */
bool cred_recovery_valid(const char *s);
/* The canonical symbols of a typed code (any case; dashes and spaces ignored); false unless it
 * is exactly 24 base32 symbols. */
bool cred_recovery_canon(const char *code, char sym[CRED_RECOVERY_SYMS]);
/* The index of the stored code sym matches, or -1; every stored code is compared, in constant
 * time, whatever matches. */
int cred_recovery_find(const struct mamori_cred_account *a, const char sym[CRED_RECOVERY_SYMS]);

#endif
