/* SPDX-License-Identifier: MIT */
/* The password policy (lib/cred/policy.c): NFKC normalisation, blocklist lookups and every
 * check of mamori_cred_policy_check on arbitrary bytes. The first input byte is the length of
 * the user name that follows (capped by what is there), the rest is the password; the device
 * words are fixed. The shipped lists are loaded once from data/cred (fuzz runs and
 * fuzz-replay start in the repo root); without them the checks run with no list. The verdict
 * must be complete and must never quote the password. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/cred.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mamori_cred_blocklist *bl;
static int loaded;

static void
setup(void)
{
	struct mamori_diag d;

	if (loaded)
		return;
	loaded = 1;
	memset(&d, 0, sizeof(d));
	if (mamori_cred_blocklist_load("data/cred", &bl, &d) != MAMORI_OK)
		bl = NULL;
}

static bool
plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       strchr(" ;,.()'-", c) != NULL;
}

static bool
all_plain(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!plain((unsigned char)s[i]))
			return false;
	}
	return true;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char user[256], out[MAMORI_CRED_PASSWORD_MAX + 1];
	struct mamori_cred_policy p;
	struct mamori_cred_pw_verdict v;
	const char *pw;
	size_t ulen, plen, n = 0, chars = 0;

	setup(); /* fuzz/replay.c does not call LLVMFuzzerInitialize */
	if (size == 0 || size > 4096)
		return 0;
	ulen = data[0];
	if (ulen > size - 1)
		ulen = size - 1;
	memcpy(user, data + 1, ulen);
	user[ulen] = '\0';
	pw = (const char *)data + 1 + ulen;
	plen = size - 1 - ulen;

	memset(&p, 0, sizeof(p));
	p.blocklist = bl;
	p.min_length = data[0] % 4 == 0 ? 0 : data[0] % 16;
	p.words[0] = "acme";
	p.words[1] = "CAM-200";
	p.words[2] = "SN0042";
	p.words[3] = user; /* the user name as a device word too: arbitrary bytes */
	p.n_words = 4;

	memset(&v, 0xa5, sizeof(v));
	mamori_cred_policy_check(&p, user, pw, plen, &v);
	if (v.problem > MAMORI_CRED_PW_REPETITIVE)
		abort();
	if (memchr(v.why, '\0', sizeof(v.why)) == NULL)
		abort();
	if ((v.problem == MAMORI_CRED_PW_OK) != (v.why[0] == '\0'))
		abort();
	/* never quotes the password: the messages and the shipped lists' descriptions use only
	 * letters, digits, spaces and ;,.()'- so any other byte in why came from the input */
	for (size_t i = 0; v.why[i] != '\0'; i++) {
		if (!plain((unsigned char)v.why[i]))
			abort();
	}
	if (plen >= 4 && memchr(pw, '\0', plen) == NULL && strlen(v.why) >= plen) {
		for (size_t i = 0; i + plen <= strlen(v.why); i++) {
			if (memcmp(v.why + i, pw, plen) == 0 && !all_plain(pw, plen))
				abort();
		}
	}

	if (mamori_cred_normalize(pw, plen, out, &n, &chars) == MAMORI_OK) {
		char again[MAMORI_CRED_PASSWORD_MAX + 1];
		size_t n2 = 0, c2 = 0;

		/* NFKC is idempotent, and the result is as long as said */
		if (n > MAMORI_CRED_PASSWORD_MAX || out[n] != '\0' || chars > n)
			abort();
		if (mamori_cred_normalize(out, n, again, &n2, &c2) != MAMORI_OK || n2 != n ||
		    c2 != chars || memcmp(out, again, n) != 0)
			abort();
		/* a password in a list is refused */
		if (mamori_cred_blocklist_find(bl, pw, plen) != NULL) {
			mamori_cred_policy_check(&p, NULL, pw, plen, &v);
			if (v.problem == MAMORI_CRED_PW_OK)
				abort();
		}
	}
	(void)mamori_cred_blocklist_find(bl, user, ulen);
	return 0;
}
