/* SPDX-License-Identifier: MIT */
/* IPS: adds attacking addresses to nftables sets through libnftables (no shell). The table
 * "inet mamori" holds sets block4/block6 (with timeouts) and a chain that drops their traffic
 * at prerouting and output. */
#ifndef MAMORI_BLOCK_H
#define MAMORI_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/err.h"
#include "mamori/ip.h"

#define MAMORI_BLOCK_TABLE       "mamori"
#define MAMORI_BLOCK_MAX_ENTRIES 65536    /* addresses added per run at most */
#define MAMORI_BLOCK_TIMEOUT_MAX 2592000u /* 30 days */

struct mamori_block_opts {
	bool dry_run;       /* do not touch nftables: only record the commands */
	unsigned timeout_s; /* element timeout, 0 = none */
	const char *table;  /* default MAMORI_BLOCK_TABLE */
};

struct mamori_block;

/* Creates the table, sets and chain when not dry-run (idempotent). */
MAMORI_MUST_CHECK mamori_err mamori_block_open(
    const struct mamori_block_opts *o, struct mamori_block **out, struct mamori_diag *d);
/* Adds addr once (repeats are ignored). The nft command text is appended to log (if not NULL)
 * so the caller can print what was (or would be) done. MAMORI_E_TOOBIG past the cap. */
MAMORI_MUST_CHECK mamori_err mamori_block_add(struct mamori_block *b, const struct mamori_ip *addr,
    struct mamori_buf *log, struct mamori_diag *d);
size_t mamori_block_count(const struct mamori_block *b);
void mamori_block_close(struct mamori_block *b);

#endif
