/* SPDX-License-Identifier: MIT */
/* IPS: attacking addresses go into the nftables sets block4/block6 of "table inet mamori",
 * through libnftables (never a shell). */
#include <nftables/libnftables.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mamori/block.h"

/* nft identifiers we accept for the table name: a letter, then letters, digits or '_'. */
#define BLOCK_TABLE_NAME_MAX 32
/* Longest command: "add element inet " + table + " block6 { " + address + " timeout " +
 * 10 digits + "s }". */
#define BLOCK_CMD_MAX (64 + BLOCK_TABLE_NAME_MAX + MAMORI_IP_STRLEN)
/* The table, sets, chains and rules created by open (about 700 bytes with the longest name). */
#define BLOCK_SETUP_MAX 4096
/* Hash set of addresses already added: open addressing, load factor at most 1/2. */
#define BLOCK_SLOTS_MIN 64u
#define BLOCK_SLOTS_MAX ((size_t)2 * MAMORI_BLOCK_MAX_ENTRIES)

struct slot {
	struct mamori_ip ip;
	bool used;
};

struct mamori_block {
	bool dry_run;
	unsigned timeout_s;
	char table[BLOCK_TABLE_NAME_MAX + 1];
	struct nft_ctx *nft;
	struct slot *slot;
	size_t nslot; /* power of two */
	size_t n;
	uint64_t seed; /* keys the hash: attackers choose the addresses */
};

static bool
table_name_ok(const char *s)
{
	size_t n = strnlen(s, BLOCK_TABLE_NAME_MAX + 1);

	if (n == 0 || n > BLOCK_TABLE_NAME_MAX)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '_'))
			return false;
	}
	return true;
}

static uint64_t
mix64(uint64_t x)
{
	/* splitmix64 finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static size_t
slot_of(const struct mamori_block *b, const struct mamori_ip *a, size_t nslot)
{
	uint64_t hi = 0, lo = 0;

	for (size_t i = 0; i < 8; i++) {
		hi = hi << 8 | a->b[i];
		lo = lo << 8 | a->b[8 + i];
	}
	return (size_t)(mix64(mix64(b->seed ^ hi) ^ lo) & (nslot - 1));
}

static bool
set_has(const struct mamori_block *b, const struct mamori_ip *a)
{
	size_t i = slot_of(b, a, b->nslot);

	while (b->slot[i].used) {
		if (mamori_ip_eq(&b->slot[i].ip, a))
			return true;
		i = (i + 1) & (b->nslot - 1);
	}
	return false;
}

static void
set_put(struct slot *tab, size_t nslot, const struct mamori_block *b, const struct mamori_ip *a)
{
	size_t i = slot_of(b, a, nslot);

	while (tab[i].used)
		i = (i + 1) & (nslot - 1);
	tab[i].ip = *a;
	tab[i].used = true;
}

/* Makes room for one more address, keeping the load factor at most 1/2. */
static mamori_err
set_reserve(struct mamori_block *b)
{
	struct slot *tab;
	size_t nslot = b->nslot;

	if (b->n + 1 <= nslot / 2)
		return MAMORI_OK;
	nslot *= 2;
	if (nslot > BLOCK_SLOTS_MAX)
		return MAMORI_E_TOOBIG;
	tab = calloc(nslot, sizeof(*tab));
	if (tab == NULL)
		return MAMORI_E_NOMEM;
	for (size_t i = 0; i < b->nslot; i++)
		if (b->slot[i].used)
			set_put(tab, nslot, b, &b->slot[i].ip);
	free(b->slot);
	b->slot = tab;
	b->nslot = nslot;
	return MAMORI_OK;
}

/* Runs cmd through libnftables; on failure the first line of its error text goes into d. */
static mamori_err
run_nft(struct mamori_block *b, const char *cmd, const char *what, struct mamori_diag *d)
{
	const char *err, *nl;
	size_t len;

	if (nft_run_cmd_from_buffer(b->nft, cmd) == 0) {
		(void)nft_ctx_get_error_buffer(b->nft); /* drop any warnings */
		return MAMORI_OK;
	}
	err = nft_ctx_get_error_buffer(b->nft);
	if (err == NULL || err[0] == '\0')
		err = "libnftables failed without a message";
	nl = strchr(err, '\n');
	len = nl != NULL ? (size_t)(nl - err) : strlen(err);
	if (len > MAMORI_DIAG_MSG_MAX)
		len = MAMORI_DIAG_MSG_MAX;
	return mamori_diag_set(d,
	    strstr(err, "Operation not permitted") != NULL ? MAMORI_E_PERM : MAMORI_E_IO, 0, 0,
	    "nftables: %s: %.*s", what, (int)len, err);
}

/* Run by open: the table alone, then the rest as one transaction. "add" of an existing table, set
 * or chain is a no-op (set elements survive); the chains are flushed and refilled so that a second
 * open does not duplicate the rules. Each line is "<verb> inet <table><rest>". */
static const struct {
	const char *verb, *rest;
} setup[] = {
    {"add table", ""},
    {"add set", " block4 { type ipv4_addr; flags timeout; }"},
    {"add set", " block6 { type ipv6_addr; flags timeout; }"},
    {"add chain", " prerouting { type filter hook prerouting priority -150; policy accept; }"},
    {"add chain", " output { type filter hook output priority -150; policy accept; }"},
    {"flush chain", " prerouting"},
    {"flush chain", " output"},
    {"add rule", " prerouting ip saddr @block4 drop"},
    {"add rule", " prerouting ip6 saddr @block6 drop"},
    {"add rule", " output ip daddr @block4 drop"},
    {"add rule", " output ip6 daddr @block6 drop"},
};

mamori_err
mamori_block_open(
    const struct mamori_block_opts *o, struct mamori_block **out, struct mamori_diag *d)
{
	struct mamori_block *b = NULL;
	mamori_err ret = MAMORI_E_INVAL;
	struct mamori_buf cmd;
	const char *table;

	if (o == NULL || out == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "block: no options");
	table = o->table != NULL ? o->table : MAMORI_BLOCK_TABLE;
	if (!table_name_ok(table))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "block: bad table name (a letter, then up to %d letters, digits or '_')",
		    BLOCK_TABLE_NAME_MAX - 1);
	if (o->timeout_s > MAMORI_BLOCK_TIMEOUT_MAX)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "block: timeout %u s exceeds %u s",
		    o->timeout_s, MAMORI_BLOCK_TIMEOUT_MAX);

	mamori_buf_init(&cmd, BLOCK_SETUP_MAX);
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "block: out of memory");
	b->dry_run = o->dry_run;
	b->timeout_s = o->timeout_s;
	memcpy(b->table, table, strlen(table) + 1);
	b->nslot = BLOCK_SLOTS_MIN;
	b->slot = calloc(b->nslot, sizeof(*b->slot));
	if (b->slot == NULL) {
		ret = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "block: out of memory");
		goto out;
	}
	if (getrandom(&b->seed, sizeof(b->seed), GRND_NONBLOCK) != (ssize_t)sizeof(b->seed))
		b->seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)b;

	if (!b->dry_run) {
		b->nft = nft_ctx_new(NFT_CTX_DEFAULT);
		if (b->nft == NULL) {
			ret = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "nftables: no context");
			goto out;
		}
		/* The library never prints: keep libnftables' output and errors in buffers. */
		if (nft_ctx_buffer_output(b->nft) != 0 || nft_ctx_buffer_error(b->nft) != 0) {
			ret = mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "nftables: no buffers");
			goto out;
		}
		/* First the table alone: it needs no cache, so a missing CAP_NET_ADMIN fails
		 * here with an error in the buffer. (When a later command needs the cache and
		 * the dump is refused, libnftables writes "you must be root" to stderr itself.) */
		ret = mamori_buf_printf(
		    &cmd, "%s inet %s%s\n", setup[0].verb, b->table, setup[0].rest);
		if (ret == MAMORI_OK)
			ret = mamori_buf_putc(&cmd, 0);
		if (ret != MAMORI_OK) {
			ret =
			    mamori_diag_set(d, ret, 0, 0, "block: cannot build the table commands");
			goto out;
		}
		ret = run_nft(b, (const char *)cmd.p, "cannot create table", d);
		if (ret != MAMORI_OK)
			goto out;
		mamori_buf_reset(&cmd);
		for (size_t i = 1; i < sizeof(setup) / sizeof(setup[0]) && ret == MAMORI_OK; i++)
			ret = mamori_buf_printf(
			    &cmd, "%s inet %s%s\n", setup[i].verb, b->table, setup[i].rest);
		if (ret == MAMORI_OK)
			ret = mamori_buf_putc(&cmd, 0);
		if (ret != MAMORI_OK) {
			ret =
			    mamori_diag_set(d, ret, 0, 0, "block: cannot build the table commands");
			goto out;
		}
		ret = run_nft(b, (const char *)cmd.p, "cannot create table", d);
		if (ret != MAMORI_OK)
			goto out;
	}
	*out = b;
	b = NULL;
	ret = MAMORI_OK;
out:
	mamori_buf_free(&cmd);
	mamori_block_close(b);
	return ret;
}

mamori_err
mamori_block_add(struct mamori_block *b, const struct mamori_ip *addr, struct mamori_buf *log,
    struct mamori_diag *d)
{
	char ip[MAMORI_IP_STRLEN], cmd[BLOCK_CMD_MAX], tmo[24];
	mamori_err ret;
	int len;

	if (b == NULL || addr == NULL)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "block: bad arguments");
	if (set_has(b, addr))
		return MAMORI_OK;
	mamori_ip_str(addr, ip);
	/* The per-run cap bounds both our memory and the size of the kernel set. */
	if (b->n >= MAMORI_BLOCK_MAX_ENTRIES)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
		    "block: %s not added: already %u addresses blocked in this run", ip,
		    MAMORI_BLOCK_MAX_ENTRIES);
	tmo[0] = '\0';
	if (b->timeout_s != 0)
		(void)snprintf(tmo, sizeof(tmo), " timeout %us", b->timeout_s);
	len = snprintf(cmd, sizeof(cmd), "add element inet %s %s { %s%s }\n", b->table,
	    mamori_ip_is4(addr) ? "block4" : "block6", ip, tmo);
	if (len < 0 || (size_t)len >= sizeof(cmd))
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0, "block: command too long");
	/* Everything that can fail is done before nftables is touched, so that after a
	 * successful run the address is recorded and logged. */
	ret = set_reserve(b);
	if (ret != MAMORI_OK)
		return mamori_diag_set(d, ret, 0, 0, "block: out of memory");
	if (log != NULL) {
		ret = mamori_buf_reserve(log, (size_t)len);
		if (ret != MAMORI_OK)
			return mamori_diag_set(d, ret, 0, 0, "block: command log full");
	}
	if (!b->dry_run) {
		ret = run_nft(b, cmd, ip, d);
		if (ret != MAMORI_OK)
			return ret;
	}
	if (log != NULL) {
		ret = mamori_buf_append(log, cmd, (size_t)len);
		if (ret != MAMORI_OK)
			return mamori_diag_set(d, ret, 0, 0, "block: command log full");
	}
	set_put(b->slot, b->nslot, b, addr);
	b->n++;
	return MAMORI_OK;
}

size_t
mamori_block_count(const struct mamori_block *b)
{
	return b != NULL ? b->n : 0;
}

void
mamori_block_close(struct mamori_block *b)
{
	if (b == NULL)
		return;
	if (b->nft != NULL)
		nft_ctx_free(b->nft);
	free(b->slot);
	free(b);
}
