/* SPDX-License-Identifier: MIT */
/* Shared inside lib/cred only. */
#ifndef MAMORI_CRED_PRIV_H
#define MAMORI_CRED_PRIV_H

#include "mamori/cred.h"

/* A zeroed account appended to s (its array grows by doubling up to
 * MAMORI_CRED_ACCOUNTS_MAX): MAMORI_E_TOOBIG when full. */
mamori_err cred_new_account(struct mamori_cred_store *s, struct mamori_cred_account **out);

#endif
