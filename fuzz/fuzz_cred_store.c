/* SPDX-License-Identifier: MIT */
/* The account store parser (lib/cred/store.c) on arbitrary bytes. The first byte is a mode:
 * bit 0 replaces whatever follows the last newline-terminated "end " line (or appends one)
 * with the right checksum, so that mutations get past the checksum into the line parser.
 * A store that parses must format back to bytes that parse to the same formatting (the
 * writer is the parser's exact inverse), and the read-only queries must not crash on it. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/cred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
queries(struct mamori_cred_store *s)
{
	struct mamori_cred_issue *is;
	size_t n;

	for (size_t i = 0; i < s->n_accounts; i++) {
		(void)mamori_cred_wants_code(s, s->accounts[i].name);
		(void)mamori_cred_account_ok(s, s->accounts[i].name, "shell", 1800000000u);
		(void)mamori_cred_hash_kind(s->accounts[i].hash);
	}
	if (mamori_cred_check(s, 1800000000u, &is, &n) == MAMORI_OK)
		free(is);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_cred_store s, r;
	struct mamori_buf b, f1, f2;
	struct mamori_diag d;

	if (size < 1 || size > MAMORI_CRED_STORE_MAX || sodium_init() < 0)
		return 0;
	mamori_buf_init(&b, MAMORI_CRED_STORE_MAX + 64);
	if (mamori_buf_append(&b, data + 1, size - 1) != MAMORI_OK)
		return 0;
	if ((data[0] & 1) != 0) {
		uint8_t h[16];
		char hex[33];
		size_t cut = b.len;
		/* drop a trailing end line, then seal what is left */
		while (cut > 0 && b.p[cut - 1] != '\n')
			cut--;
		if (cut < b.len && b.len - cut >= 4 && memcmp(b.p + cut, "end ", 4) == 0)
			b.len = cut;
		if (b.len > 0 && b.p[b.len - 1] != '\n' && mamori_buf_putc(&b, '\n') != MAMORI_OK)
			goto out;
		crypto_generichash(h, sizeof(h), b.p, b.len, NULL, 0);
		for (size_t i = 0; i < sizeof(h); i++) {
			static const char digits[] = "0123456789abcdef";
			hex[2 * i] = digits[h[i] >> 4];
			hex[2 * i + 1] = digits[h[i] & 15];
		}
		hex[32] = '\0';
		if (mamori_buf_printf(&b, "end %s\n", hex) != MAMORI_OK)
			goto out;
	}
	mamori_diag_clear(&d);
	if (mamori_cred_store_parse(b.p, b.len, &s, &d) != MAMORI_OK) {
		if (d.msg[0] == '\0' || d.off > b.len)
			abort(); /* every refusal says why, and where inside the input */
		goto out;
	}
	queries(&s);
	if (mamori_cred_store_format(&s, &f1) == MAMORI_OK) {
		if (mamori_cred_store_parse(f1.p, f1.len, &r, NULL) != MAMORI_OK)
			abort(); /* the writer produced something the parser refuses */
		if (mamori_cred_store_format(&r, &f2) != MAMORI_OK || f1.len != f2.len ||
		    memcmp(f1.p, f2.p, f1.len) != 0)
			abort();
		mamori_buf_free(&f2);
		mamori_cred_store_free(&r);
		mamori_buf_free(&f1);
	}
	mamori_cred_store_free(&s);
out:
	mamori_buf_free(&b);
	return 0;
}
