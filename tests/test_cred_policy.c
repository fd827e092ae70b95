/* SPDX-License-Identifier: MIT */
/* The password policy (lib/cred/policy.c): NFKC normalisation, the shipped blocklists
 * (data/cred/NAME.txt, loaded from the repo root), and every check of mamori_cred_policy_check in
 * its order. Every password of the project's default-credential dictionaries
 * (../shared/data: Mirai's table twice, three SecLists files) must be refused for its user, with
 * a reason that does not quote it. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mamori/cred.h"
#include "vec.h"

#define LIST_DIR "data/cred"
#define PWMAX    MAMORI_CRED_PASSWORD_MAX

static struct mamori_cred_blocklist *bl;

static struct mamori_cred_policy
policy(void)
{
	struct mamori_cred_policy p;

	memset(&p, 0, sizeof(p));
	p.blocklist = bl;
	return p;
}

static struct mamori_cred_pw_verdict
check_pw(const struct mamori_cred_policy *p, const char *user, const char *pw, size_t len)
{
	struct mamori_cred_pw_verdict v;

	memset(&v, 0x5a, sizeof(v)); /* garbage: the check must fill in everything */
	mamori_cred_policy_check(p, user, pw, len, &v);
	return v;
}

static enum mamori_cred_pw_problem
problem(const char *user, const char *pw)
{
	struct mamori_cred_policy p = policy();

	return check_pw(&p, user, pw, strlen(pw)).problem;
}

/* Whether why is a proper message: NUL-terminated, not empty, without needle (ASCII case
 * ignored when the needle has 3 or more bytes). */
static bool
why_ok(const struct mamori_cred_pw_verdict *v, const char *needle)
{
	size_t wn = strnlen(v->why, sizeof(v->why)), nn = needle != NULL ? strlen(needle) : 0;

	if (wn == 0 || wn == sizeof(v->why))
		return false;
	if (nn == 0 || nn > wn)
		return true;
	for (size_t i = 0; i + nn <= wn; i++) {
		size_t k = 0;

		while (k < nn && (v->why[i + k] == needle[k] ||
		                     (nn >= 3 && (v->why[i + k] | 0x20) == (needle[k] | 0x20) &&
		                         ((needle[k] | 0x20) >= 'a' && (needle[k] | 0x20) <= 'z'))))
			k++;
		if (k == nn)
			return false;
	}
	return true;
}

static bool
write_text(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");
	bool ok;

	if (f == NULL)
		return false;
	ok = fwrite(text, 1, n, f) == n;
	return fclose(f) == 0 && ok;
}

static bool
write_str(const char *path, const char *text)
{
	return write_text(path, text, strlen(text));
}

/* ---- the dictionaries ---- */

enum dict_format { TSV_MIRAI, CSV_MIRAI, SPACE, COLON, CSV_SECLISTS };

static size_t n_pairs, n_refused_by_list, n_refused_empty;

/* The field'th comma/tab-separated field of line, into out (cap bytes). */
static bool
field(const char *line, char sep, size_t idx, char *out, size_t cap)
{
	const char *s = line;

	for (size_t i = 0; i < idx; i++) {
		s = strchr(s, sep);
		if (s == NULL)
			return false;
		s++;
	}
	size_t n = strcspn(s, sep == ',' ? "," : "\t");
	if (n >= cap)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* Every (user, password) pair of a dictionary: the password is refused for its user, as
 * blocklisted (too short when empty), with a why that does not contain it. */
static size_t
check_dictionary(const char *file, enum dict_format fmt)
{
	struct mamori_cred_policy p = policy();
	char path[512], *text, *line, *save = NULL;
	size_t pairs = 0, lineno = 0;

	(void)snprintf(path, sizeof(path), "%s/%s", check_shared_data(), file);
	text = vec_read_file(path, NULL);
	CHECK(text != NULL);
	if (text == NULL) {
		fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char user[128], pw[PWMAX + 1];
		const char *u = user, *cut;
		struct mamori_cred_pw_verdict v;

		lineno++;
		switch (fmt) {
		case TSV_MIRAI:
			if (line[0] == '#' || strncmp(line, "username\t", 9) == 0)
				continue;
			CHECK(field(line, '\t', 0, user, sizeof(user)) &&
			      field(line, '\t', 1, pw, sizeof(pw)));
			break;
		case CSV_MIRAI:
			if (lineno == 1)
				continue;
			CHECK(field(line, ',', 1, user, sizeof(user)) &&
			      field(line, ',', 2, pw, sizeof(pw)));
			break;
		case CSV_SECLISTS:
			if (lineno == 1)
				continue;
			CHECK(field(line, ',', 1, user, sizeof(user)) &&
			      field(line, ',', 2, pw, sizeof(pw)));
			if (strcmp(user, "<N/A>") == 0)
				u = NULL;
			else if (strcmp(user, "<BLANK>") == 0)
				user[0] = '\0';
			if (strcmp(pw, "<BLANK>") == 0)
				pw[0] = '\0';
			CHECK(strcmp(pw, "<N/A>") != 0);
			break;
		case SPACE:
		case COLON:
			cut = strchr(line, fmt == SPACE ? ' ' : ':');
			CHECK(cut != NULL);
			if (cut == NULL)
				continue;
			CHECK((size_t)(cut - line) < sizeof(user) && strlen(cut + 1) <= PWMAX);
			memcpy(user, line, (size_t)(cut - line));
			user[cut - line] = '\0';
			(void)snprintf(pw, sizeof(pw), "%s", cut + 1);
			/* Mirai's comment for an empty password */
			if (fmt == SPACE && strcmp(pw, "(none)") == 0)
				pw[0] = '\0';
			break;
		}
		pairs++;
		v = check_pw(&p, u, pw, strlen(pw));
		if (pw[0] == '\0') {
			CHECK(v.problem == MAMORI_CRED_PW_TOO_SHORT);
			n_refused_empty++;
		} else {
			CHECK(v.problem == MAMORI_CRED_PW_BLOCKLISTED);
			CHECK(mamori_cred_blocklist_find(bl, pw, strlen(pw)) != NULL);
			n_refused_by_list++;
		}
		CHECK(why_ok(&v, pw));
		if (v.problem == MAMORI_CRED_PW_OK || !why_ok(&v, pw))
			fprintf(stderr, "%s:%zu: \"%s\" for \"%s\": problem %d, why \"%.*s\"\n",
			    file, lineno, pw, u != NULL ? u : "(none)", (int)v.problem,
			    (int)sizeof(v.why), v.why);
	}
	free(text);
	n_pairs += pairs;
	return pairs;
}

static void
dictionaries_refused(void)
{
	CHECK(check_dictionary("credentials/mirai_scanner_table.tsv", TSV_MIRAI) == 62);
	CHECK(check_dictionary("mirai/mirai_credentials.csv", CSV_MIRAI) == 62);
	CHECK(check_dictionary("credentials/seclists_mirai-botnet.txt", SPACE) == 60);
	CHECK(check_dictionary("credentials/seclists_telnet-betterdefaultpasslist.txt", COLON) ==
	      138);
	CHECK(check_dictionary(
	          "credentials/seclists_default-passwords_iot-excerpt.csv", CSV_SECLISTS) == 99);
	fprintf(stderr,
	    "test_cred_policy: %zu dictionary pairs refused (%zu blocklisted, %zu empty)\n",
	    n_pairs, n_refused_by_list, n_refused_empty);
}

/* Every password of every shipped list is found again through the API. */
static void
shipped_lists_found(void)
{
	static const char *const lists[] = {"mirai.txt", "default-credentials.txt", "common.txt"};
	size_t total = 0;

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		char path[256], *text, *line, *save = NULL;
		bool header = true;
		size_t n = 0;

		(void)snprintf(path, sizeof(path), "%s/%s", LIST_DIR, lists[i]);
		text = vec_read_file(path, NULL);
		CHECK(text != NULL);
		if (text == NULL)
			continue;
		/* the first line is the description, written as a "# " comment */
		CHECK(strncmp(text, "# ", 2) == 0);
		for (line = strtok_r(text, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			if (header && strncmp(line, "# ", 2) == 0)
				continue;
			header = false;
			CHECK(line[0] != '\0');
			CHECK(mamori_cred_blocklist_find(bl, line, strlen(line)) != NULL);
			CHECK(problem(NULL, line) == MAMORI_CRED_PW_BLOCKLISTED);
			n++;
		}
		fprintf(stderr, "test_cred_policy: %s: %zu passwords, each refused\n", lists[i], n);
		total += n;
		free(text);
	}
	CHECK(total == 43 + 134 + 10000);
	/* case-folded duplicates (e.g. "Admin"/"admin") and shared entries count once */
	CHECK(mamori_cred_blocklist_size(bl) > 3000 && mamori_cred_blocklist_size(bl) < total);
	fprintf(stderr, "test_cred_policy: %zu distinct folded passwords loaded\n",
	    mamori_cred_blocklist_size(bl));
}

static void
mirai_first(void)
{
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;
	const char *d;

	/* six characters, but named as Mirai's rather than as short */
	v = check_pw(&p, "root", "xc3511", 6);
	CHECK(v.problem == MAMORI_CRED_PW_BLOCKLISTED);
	CHECK(strstr(v.why, "Mirai") != NULL && strstr(v.why, "(mirai.txt)") != NULL);
	CHECK(why_ok(&v, "xc3511"));
	d = mamori_cred_blocklist_find(bl, "xc3511", 6);
	CHECK(d != NULL && strcmp(d, "a factory login from the Mirai botnet's scanner table") == 0);
	/* also in default-credentials.txt: the smaller, more specific list names it */
	d = mamori_cred_blocklist_find(bl, "XC3511", 6);
	CHECK(d != NULL && strstr(d, "Mirai") != NULL);
	d = mamori_cred_blocklist_find(bl, "hexakisoctahedron", 17);
	CHECK(d != NULL && strstr(d, "SecLists") != NULL);
	d = mamori_cred_blocklist_find(bl, "trustno1", 8);
	CHECK(d != NULL && strstr(d, "10,000 most common") != NULL);
	CHECK(mamori_cred_blocklist_find(bl, "Tq7#vLp2", 8) == NULL);
	CHECK(mamori_cred_blocklist_find(bl, "", 0) == NULL);
	CHECK(mamori_cred_blocklist_find(NULL, "xc3511", 6) == NULL);
	CHECK(mamori_cred_blocklist_find(bl, NULL, 3) == NULL);
	CHECK(mamori_cred_blocklist_find(bl, "\xff\xfe", 2) == NULL);
	/* kept exactly: the trailing space is part of SecLists' "wago " */
	CHECK(mamori_cred_blocklist_find(bl, "wago ", 5) != NULL);
	CHECK(mamori_cred_blocklist_find(bl, "wago", 4) == NULL);
	CHECK(mamori_cred_blocklist_size(NULL) == 0);
}

static void
normalisation(void)
{
	char out[PWMAX + 1];
	size_t n = 0, chars = 0;
	struct mamori_cred_pw_verdict v;
	struct mamori_cred_policy p = policy();
	/* fullwidth "ｐａｓｓｗｏｒｄ" */
	static const char fw[] = "\xef\xbd\x90\xef\xbd\x81\xef\xbd\x93\xef\xbd\x93\xef\xbd\x97"
	                         "\xef\xbd\x8f\xef\xbd\x92\xef\xbd\x84";

	CHECK_OK(mamori_cred_normalize(fw, strlen(fw), out, &n, &chars));
	CHECK(n == 8 && chars == 8 && strcmp(out, "password") == 0);
	v = check_pw(&p, NULL, fw, strlen(fw));
	CHECK(v.problem == MAMORI_CRED_PW_BLOCKLISTED && why_ok(&v, "password"));
	/* fullwidth "ＸＣ３５１１": Mirai's, upper case and wide */
	CHECK(problem("root", "\xef\xbc\xb8\xef\xbc\xa3\xef\xbc\x93\xef\xbc\x95\xef\xbc\x91"
	                      "\xef\xbc\x91") == MAMORI_CRED_PW_BLOCKLISTED);

	/* e + combining acute and the precomposed é are one password */
	{
		char a[PWMAX + 1], b[PWMAX + 1];
		size_t na = 0, nb = 0, ca = 0, cb = 0;

		CHECK_OK(mamori_cred_normalize("caf\x65\xcc\x81-Qz7!xw", 11, a, &na, &ca));
		CHECK_OK(mamori_cred_normalize("caf\xc3\xa9-Qz7!xw", 10, b, &nb, &cb));
		CHECK(na == nb && na == 10 && memcmp(a, b, na) == 0 && ca == 9 && cb == 9);
	}
	/* ligature ﬁ (compatibility) becomes "fi"; ㎏ becomes "kg" */
	CHECK_OK(mamori_cred_normalize("\xef\xac\x81\xe3\x8e\x8f", 6, out, &n, &chars));
	CHECK(strcmp(out, "fikg") == 0 && n == 4 && chars == 4);
	/* the empty password normalises to nothing; NULL outputs are allowed */
	CHECK_OK(mamori_cred_normalize("", 0, out, &n, &chars));
	CHECK(n == 0 && chars == 0 && out[0] == '\0');
	CHECK_OK(mamori_cred_normalize(NULL, 0, out, NULL, NULL));
	CHECK(mamori_cred_normalize(NULL, 1, out, &n, &chars) == MAMORI_E_INVAL);
	CHECK(mamori_cred_normalize("x", 1, NULL, &n, &chars) == MAMORI_E_INVAL);
	/* case-insensitive lookups, beyond ASCII too (Greek capital and small sigma) */
	CHECK(mamori_cred_blocklist_find(bl, "PassWord", 8) != NULL);
	{
		struct mamori_cred_policy q = policy();

		q.words[0] = "\xce\xa3\xce\xa4\xce\x91"; /* ΣΤΑ */
		q.n_words = 1;
		CHECK(check_pw(&q, NULL, "x\xcf\x83\xcf\x84\xce\xb1-Qz7!xw", 14).problem ==
		      MAMORI_CRED_PW_DEVICE_WORD);
	}
}

/* Deterministic printable ASCII (xorshift32) with no runs or repeats worth refusing. */
static void
fill_ascii(char *p, size_t n, uint32_t seed)
{
	static const char alpha[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#%+=";
	uint32_t x = seed | 1u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = alpha[x % (sizeof(alpha) - 1)];
	}
	p[n] = '\0';
}

static void
lengths(void)
{
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;
	char pw[2 * PWMAX], out[PWMAX + 1];
	size_t n = 0, chars = 0;

	fill_ascii(pw, 64, 1);
	v = check_pw(&p, "admin", pw, 64);
	CHECK(v.problem == MAMORI_CRED_PW_OK && v.why[0] == '\0');
	fill_ascii(pw, PWMAX, 2);
	v = check_pw(&p, "admin", pw, PWMAX);
	CHECK(v.problem == MAMORI_CRED_PW_OK);
	CHECK_OK(mamori_cred_normalize(pw, PWMAX, out, &n, &chars));
	CHECK(n == PWMAX && chars == PWMAX && out[PWMAX] == '\0');
	fill_ascii(pw, PWMAX + 1, 3);
	v = check_pw(&p, "admin", pw, PWMAX + 1);
	CHECK(v.problem == MAMORI_CRED_PW_TOO_LONG && why_ok(&v, pw));
	/* out is written only on success */
	memset(out, 'X', sizeof(out));
	CHECK(mamori_cred_normalize(pw, PWMAX + 1, out, &n, &chars) == MAMORI_E_TOOBIG);
	CHECK(out[0] == 'X' && out[PWMAX] == 'X');

	/* 256 bytes of two-byte Cyrillic letters: 128 characters */
	{
		uint32_t x = 7;

		for (size_t i = 0; i < PWMAX; i += 2) {
			unsigned c;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			c = 0x430 + x % 32; /* а..я */
			pw[i] = (char)(0xc0 | (c >> 6));
			pw[i + 1] = (char)(0x80 | (c & 0x3f));
		}
		pw[PWMAX] = '\0';
		v = check_pw(&p, "admin", pw, PWMAX);
		CHECK(v.problem == MAMORI_CRED_PW_OK);
		CHECK_OK(mamori_cred_normalize(pw, PWMAX, out, &n, &chars));
		CHECK(n == PWMAX && chars == PWMAX / 2);
	}
	/* short enough raw, too long once normalised: U+FDFA is 3 bytes, 33 in NFKC */
	{
		size_t k = 0;

		for (size_t i = 0; i < 10; i++) {
			memcpy(pw + k, "\xef\xb7\xba", 3);
			k += 3;
		}
		v = check_pw(&p, NULL, pw, k);
		CHECK(v.problem == MAMORI_CRED_PW_TOO_LONG);
		memset(out, 'X', sizeof(out));
		CHECK(mamori_cred_normalize(pw, k, out, &n, &chars) == MAMORI_E_TOOBIG);
		CHECK(out[0] == 'X');
		/* seven of them fit (231 bytes) */
		v = check_pw(&p, NULL, pw, 21);
		CHECK(v.problem == MAMORI_CRED_PW_OK);
	}
}

static void
too_short(void)
{
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;

	v = check_pw(&p, "admin", "Tq7#vLp", 7);
	CHECK(v.problem == MAMORI_CRED_PW_TOO_SHORT);
	CHECK(strcmp(v.why, "it has 7 characters; at least 8 are required") == 0);
	CHECK(why_ok(&v, "Tq7#vLp"));
	CHECK(problem("admin", "Tq7#vLp2") == MAMORI_CRED_PW_OK);
	CHECK(problem("admin", "correct horse battery staple") == MAMORI_CRED_PW_OK);
	/* characters, not bytes: seven CJK characters are 21 bytes and still too short */
	CHECK(problem(NULL, "\xe6\x9d\xb1\xe4\xba\xac\xe7\x89\xb9\xe8\xa8\xb1\xe8\xa8\xb1\xe5\x8f"
	                    "\xaf\xe5\xb1\x80") == MAMORI_CRED_PW_TOO_SHORT);
	CHECK(problem(NULL, "\xe6\x9d\xb1\xe4\xba\xac\xe7\x89\xb9\xe8\xa8\xb1\xe8\xa8\xb1\xe5\x8f"
	                    "\xaf\xe5\xb1\x80\xe9\x95\xb7") == MAMORI_CRED_PW_OK);
	/* a longer minimum */
	p.min_length = 12;
	v = check_pw(&p, NULL, "Tq7#vLp2", 8);
	CHECK(v.problem == MAMORI_CRED_PW_TOO_SHORT);
	CHECK(strcmp(v.why, "it has 8 characters; at least 12 are required") == 0);
	v = check_pw(&p, NULL, "Tq7#vLp2w9Kx", 12);
	CHECK(v.problem == MAMORI_CRED_PW_OK);
	/* empty, and NULL */
	p.min_length = 0;
	CHECK(check_pw(&p, NULL, "", 0).problem == MAMORI_CRED_PW_TOO_SHORT);
	CHECK(check_pw(&p, NULL, NULL, 0).problem == MAMORI_CRED_PW_TOO_SHORT);
	CHECK(check_pw(&p, NULL, NULL, 4).problem != MAMORI_CRED_PW_OK);
	/* no policy at all: defaults, no list */
	v = check_pw(NULL, NULL, "xc3511", 6);
	CHECK(v.problem == MAMORI_CRED_PW_TOO_SHORT);
	CHECK(strcmp(v.why, "it has 6 characters; at least 8 are required") == 0);
	CHECK(check_pw(NULL, NULL, "Tq7#vLp2", 8).problem == MAMORI_CRED_PW_OK);
	/* one character */
	p.min_length = 3;
	v = check_pw(&p, NULL, "Q", 1);
	CHECK(strcmp(v.why, "it has 1 character; at least 3 are required") == 0);
}

static void
not_utf8(void)
{
	static const struct {
		const char *s;
		size_t n;
	} bad[] = {
	    {"\xff", 1},                      /* never in UTF-8 */
	    {"abc\300\257defgh", 10},         /* overlong '/' */
	    {"\355\240\200abcdefgh", 11},     /* a surrogate */
	    {"abcdefgh\xe6\x97", 10},         /* cut short */
	    {"abcdefgh\xf4\x90\x80\x80", 12}, /* past U+10FFFF */
	    {"\200abcdefgh", 9},              /* a lone continuation byte */
	};
	char out[PWMAX + 1];
	size_t n = 0, chars = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct mamori_cred_policy p = policy();
		struct mamori_cred_pw_verdict v = check_pw(&p, NULL, bad[i].s, bad[i].n);

		CHECK(v.problem == MAMORI_CRED_PW_NOT_UTF8 && why_ok(&v, NULL));
		CHECK(mamori_cred_normalize(bad[i].s, bad[i].n, out, &n, &chars) ==
		      MAMORI_E_MALFORMED);
	}
	/* before the control character and before the length */
	CHECK(problem(NULL, "\x01\xff") == MAMORI_CRED_PW_NOT_UTF8);
}

static void
control(void)
{
	struct mamori_cred_policy p = policy();
	char big[PWMAX + 20];

	CHECK(problem(NULL, "Tq7#\tvLp2") == MAMORI_CRED_PW_CONTROL);
	CHECK(problem(NULL, "Tq7#vLp2\n") == MAMORI_CRED_PW_CONTROL);
	CHECK(problem(NULL, "Tq7#\x7fvLp2") == MAMORI_CRED_PW_CONTROL);
	CHECK(problem(NULL, "Tq7#\xc2\x85vLp2") == MAMORI_CRED_PW_CONTROL); /* NEL, C1 */
	CHECK(problem(NULL, "\x1b[31mTq7#vLp2") == MAMORI_CRED_PW_CONTROL);
	CHECK(check_pw(&p, NULL, "Tq7#\0vLp2", 9).problem == MAMORI_CRED_PW_CONTROL);
	/* U+00A0 is a space, not a control: allowed (NFKC makes it a space) */
	CHECK(problem(NULL, "Tq7#\xc2\xa0vLp2") == MAMORI_CRED_PW_OK);
	/* a control character is named before the length */
	fill_ascii(big, sizeof(big) - 1, 9);
	big[5] = '\r';
	CHECK(check_pw(&p, NULL, big, sizeof(big) - 1).problem == MAMORI_CRED_PW_CONTROL);
}

static void
user_name(void)
{
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;

	v = check_pw(&p, "mkowalski", "Mkowalski#2024", 14);
	CHECK(v.problem == MAMORI_CRED_PW_USER_NAME);
	CHECK(strcmp(v.why, "it is built from the user name") == 0);
	CHECK(why_ok(&v, "mkowalski") && why_ok(&v, "Mkowalski#2024"));
	CHECK(problem("mkowalski", "my name is MKOWALSKI") == MAMORI_CRED_PW_USER_NAME);
	CHECK(problem("mkowalski", "ikslawokm-77Q") == MAMORI_CRED_PW_USER_NAME); /* reversed */
	CHECK(problem("jane.roe", "JaneRoe1999") == MAMORI_CRED_PW_USER_NAME);    /* no dot */
	CHECK(problem("mkowalski", "mkowalski") == MAMORI_CRED_PW_USER_NAME);
	/* a short name counts only as the whole password, with digits or symbols around it */
	CHECK(problem("pi", "pi123456") == MAMORI_CRED_PW_USER_NAME);
	CHECK(problem("pi", "2024!!pi!") == MAMORI_CRED_PW_USER_NAME);
	CHECK(problem("pi", "pineapple-Zq81") == MAMORI_CRED_PW_OK);
	CHECK(problem("mkowalski", "Tq7#vLp2") == MAMORI_CRED_PW_OK);
	CHECK(problem("", "Tq7#vLp2") == MAMORI_CRED_PW_OK);
	CHECK(problem(NULL, "Mkowalski#2024") == MAMORI_CRED_PW_OK);
	/* the name is normalised and folded too */
	CHECK(problem("\xef\xbd\x8d\xef\xbd\x8b\xef\xbd\x8f\xef\xbd\x97", "Mkow#2024xyz") ==
	      MAMORI_CRED_PW_USER_NAME);
}

static void
device_words(void)
{
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;

	p.words[0] = "acme";
	p.words[1] = NULL;
	p.words[2] = "CAM-200";
	p.words[3] = "SN0042";
	p.n_words = 4;
	v = check_pw(&p, "mkowalski", "AcmeRocks!2024", 14);
	CHECK(v.problem == MAMORI_CRED_PW_DEVICE_WORD);
	CHECK(why_ok(&v, "acme") && why_ok(&v, "AcmeRocks!2024"));
	CHECK(strstr(v.why, "device word") != NULL);
	CHECK(check_pw(&p, NULL, "my cam-200 rocks", 16).problem == MAMORI_CRED_PW_DEVICE_WORD);
	CHECK(check_pw(&p, NULL, "my cam200 rocks", 15).problem == MAMORI_CRED_PW_DEVICE_WORD);
	CHECK(check_pw(&p, NULL, "zz-sn0042-zz", 12).problem == MAMORI_CRED_PW_DEVICE_WORD);
	CHECK(check_pw(&p, NULL, "emca-Qz7!xw", 11).problem == MAMORI_CRED_PW_DEVICE_WORD);
	CHECK(check_pw(&p, NULL, "Tq7#vLp2", 8).problem == MAMORI_CRED_PW_OK);
	CHECK(check_pw(&p, NULL, "correct horse battery staple", 28).problem == MAMORI_CRED_PW_OK);
	/* the user name is checked before the device words */
	CHECK(check_pw(&p, "acme", "acme-Qz7!xw", 11).problem == MAMORI_CRED_PW_USER_NAME);
	/* a short word counts only as the whole password with digits or symbols added */
	p.words[0] = "ab";
	p.n_words = 1;
	CHECK(check_pw(&p, NULL, "ab-2024-!", 9).problem == MAMORI_CRED_PW_DEVICE_WORD);
	CHECK(check_pw(&p, NULL, "abQz7!xwK", 9).problem == MAMORI_CRED_PW_OK);
	/* n_words is capped at MAMORI_CRED_WORDS_MAX */
	p.n_words = 1000;
	for (size_t i = 1; i < MAMORI_CRED_WORDS_MAX; i++)
		p.words[i] = NULL;
	CHECK(check_pw(&p, NULL, "ab-2024-!", 9).problem == MAMORI_CRED_PW_DEVICE_WORD);
}

static void
repetitive(void)
{
	static const char *const seq[] = {
	    "zzzzzzzzzz", "23456789", "76543210", "bcdefghij", "';lkjhgfd", "wertyuiop[]",
	    "xkcxkcxkc", "Q1w2Q1w2", "kkk77777", "2345wxyz", "q7q7q7q7",
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", /* é x 8 */
	};
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		v = check_pw(&p, NULL, seq[i], strlen(seq[i]));
		CHECK(v.problem == MAMORI_CRED_PW_REPETITIVE && why_ok(&v, seq[i]));
		if (v.problem != MAMORI_CRED_PW_REPETITIVE)
			fprintf(stderr, "\"%s\": problem %d (%s)\n", seq[i], (int)v.problem, v.why);
	}
	v = check_pw(&p, NULL, "zzzzzzzzzz", 10);
	CHECK(strcmp(v.why, "it is one character repeated") == 0);
	v = check_pw(&p, NULL, "23456789", 8);
	CHECK(strcmp(v.why, "it is a sequence of consecutive characters or keys") == 0);
	v = check_pw(&p, NULL, "q7q7q7q7", 8);
	CHECK(strcmp(v.why, "it is a short pattern repeated") == 0);
	v = check_pw(&p, NULL, "kkk77777", 8);
	CHECK(strcmp(v.why, "it is two runs of repeated or consecutive characters") == 0);
	/* well-known ones are in the lists first */
	CHECK(problem(NULL, "12345678") == MAMORI_CRED_PW_BLOCKLISTED);
	CHECK(problem(NULL, "qwertyuiop") == MAMORI_CRED_PW_BLOCKLISTED);
	/* three runs, or no runs, are fine */
	CHECK(problem(NULL, "abcd1234wxyz!") == MAMORI_CRED_PW_OK);
	CHECK(problem(NULL, "Tq7#vLp2") == MAMORI_CRED_PW_OK);
}

static void
blocklisted_variants(void)
{
	struct mamori_cred_policy p = policy();
	struct mamori_cred_pw_verdict v;

	v = check_pw(&p, NULL, "admin123!", 9);
	CHECK(v.problem == MAMORI_CRED_PW_BLOCKLISTED);
	CHECK(strstr(v.why, "digits or symbols") != NULL && why_ok(&v, "admin"));
	CHECK(problem(NULL, "Admin2024") == MAMORI_CRED_PW_BLOCKLISTED);
	CHECK(problem(NULL, "!!2024admin") == MAMORI_CRED_PW_BLOCKLISTED);
	CHECK(problem(NULL, "#1 dreambox #1") == MAMORI_CRED_PW_BLOCKLISTED);
	CHECK(problem(NULL, "klv123!!") == MAMORI_CRED_PW_BLOCKLISTED); /* "klv123" kept */
	v = check_pw(&p, NULL, "adminadmin", 10);
	CHECK(v.problem == MAMORI_CRED_PW_BLOCKLISTED && strstr(v.why, "repeated") != NULL);
	/* fewer than three characters left is not enough ("Su", "go", "a" are listed) */
	CHECK(problem(NULL, "go!28461937") == MAMORI_CRED_PW_OK);
	/* digits alone are not a listed word with digits added */
	CHECK(problem(NULL, "1729384650!") == MAMORI_CRED_PW_OK);
}

/* ---- loading ---- */

static char tmpdir[] = "/tmp/mamori_cred_policy_XXXXXX";

static void
load_errors(void)
{
	struct mamori_cred_blocklist *t = NULL;
	struct mamori_diag d;
	char path[512];
	const char *s;

	memset(&d, 0, sizeof(d));
	CHECK(mamori_cred_blocklist_load("/nonexistent/mamori", &t, &d) == MAMORI_E_IO);
	CHECK(t == NULL && strstr(d.msg, "/nonexistent/mamori") != NULL);
	CHECK(mamori_cred_blocklist_load(LIST_DIR, NULL, &d) == MAMORI_E_INVAL);
#ifdef MAMORI_DATADIR
	/* NULL: the installed lists, MAMORI_DATADIR "/cred" (the Makefile's is this tree's data/)
	 */
	CHECK_OK(mamori_cred_blocklist_load(NULL, &t, &d));
	CHECK(mamori_cred_blocklist_size(t) == mamori_cred_blocklist_size(bl));
	mamori_cred_blocklist_free(t);
	t = NULL;
#endif
	if (mkdtemp(tmpdir) == NULL) {
		CHECK(0);
		return;
	}
	/* no lists at all (a licence is not a list) */
	(void)snprintf(path, sizeof(path), "%s/LICENSE-x.txt", tmpdir);
	CHECK(write_str(path, "MIT\n"));
	CHECK(mamori_cred_blocklist_load(tmpdir, &t, &d) == MAMORI_E_NOTFOUND && t == NULL);

	/* two lists: descriptions, CRLF, a password in both goes to the smaller list */
	(void)snprintf(path, sizeof(path), "%s/b.txt", tmpdir);
	CHECK(write_str(path, "# the b list\r\n# more\r\nshared\r\n  spaced  \r\nonly-b\r\n\r\n"));
	(void)snprintf(path, sizeof(path), "%s/a.txt", tmpdir);
	CHECK(write_str(path, "Shared\nonly-a\nthird\n#not a comment\n"));
	memset(&d, 0, sizeof(d));
	CHECK_OK(mamori_cred_blocklist_load(tmpdir, &t, &d));
	CHECK(mamori_cred_blocklist_size(t) == 6);
	s = mamori_cred_blocklist_find(t, "SHARED", 6);
	CHECK(s != NULL && strcmp(s, "the b list") == 0);
	s = mamori_cred_blocklist_find(t, "only-a", 6);
	CHECK(s != NULL && strcmp(s, "a.txt") == 0); /* no description: the file name */
	CHECK(mamori_cred_blocklist_find(t, "  spaced  ", 10) != NULL);
	CHECK(mamori_cred_blocklist_find(t, "spaced", 6) == NULL);
	CHECK(mamori_cred_blocklist_find(t, "#not a comment", 14) != NULL);
	{
		struct mamori_cred_policy p;

		memset(&p, 0, sizeof(p));
		p.blocklist = t;
		struct mamori_cred_pw_verdict v = check_pw(&p, NULL, "only-a", 6);
		CHECK(v.problem == MAMORI_CRED_PW_BLOCKLISTED);
		CHECK(strcmp(v.why, "it is in the list a.txt") == 0);
	}
	mamori_cred_blocklist_free(t);
	t = NULL;

	/* invalid UTF-8 on line 3 names the file and the line */
	CHECK(write_str(path, "# c\nok\n\xff\xfe\n"));
	memset(&d, 0, sizeof(d));
	CHECK(mamori_cred_blocklist_load(tmpdir, &t, &d) == MAMORI_E_MALFORMED && t == NULL);
	CHECK(d.line == 3 && d.off == 7 && strstr(d.msg, "a.txt:3") != NULL);
	/* a line longer than a password */
	{
		char big[PWMAX + 3];

		memset(big, 'x', sizeof(big));
		big[sizeof(big) - 1] = '\n';
		CHECK(write_text(path, big, sizeof(big)));
		CHECK(mamori_cred_blocklist_load(tmpdir, &t, &d) == MAMORI_E_TOOBIG && t == NULL);
		CHECK(d.line == 1 && strstr(d.msg, "a.txt:1") != NULL);
	}
	/* a description with a control character */
	CHECK(write_str(path, "# bad\x1b[0m\nx\n"));
	CHECK(mamori_cred_blocklist_load(tmpdir, &t, &d) == MAMORI_E_MALFORMED && t == NULL);
	CHECK(d.line == 1);
	/* a directory named like a list */
	CHECK(unlink(path) == 0);
	(void)snprintf(path, sizeof(path), "%s/dir.txt", tmpdir);
	CHECK(mkdir(path, 0700) == 0);
	CHECK(mamori_cred_blocklist_load(tmpdir, &t, &d) == MAMORI_E_IO && t == NULL);
	CHECK(strstr(d.msg, "dir.txt") != NULL);
	CHECK(rmdir(path) == 0);
	/* more than 16 lists */
	for (int i = 0; i < 17; i++) {
		(void)snprintf(path, sizeof(path), "%s/l%02d.txt", tmpdir, i);
		CHECK(write_str(path, "x\n"));
	}
	CHECK(mamori_cred_blocklist_load(tmpdir, &t, &d) == MAMORI_E_TOOBIG && t == NULL);
	for (int i = 0; i < 17; i++) {
		(void)snprintf(path, sizeof(path), "%s/l%02d.txt", tmpdir, i);
		(void)unlink(path);
	}
	(void)snprintf(path, sizeof(path), "%s/b.txt", tmpdir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/LICENSE-x.txt", tmpdir);
	(void)unlink(path);
	CHECK(rmdir(tmpdir) == 0);
	mamori_cred_blocklist_free(NULL);
}

/* A policy without a list still applies the other checks; the verdict is always complete. */
static void
no_list(void)
{
	struct mamori_cred_policy p;

	memset(&p, 0, sizeof(p));
	CHECK(check_pw(&p, NULL, "password", 8).problem == MAMORI_CRED_PW_OK);
	CHECK(check_pw(&p, NULL, "aaaaaaaa", 8).problem == MAMORI_CRED_PW_REPETITIVE);
	mamori_cred_policy_check(&p, NULL, "x", 1, NULL); /* no verdict: nothing to do */
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(dictionaries_refused),
	    CHECK_CASE(shipped_lists_found),
	    CHECK_CASE(mirai_first),
	    CHECK_CASE(normalisation),
	    CHECK_CASE(lengths),
	    CHECK_CASE(too_short),
	    CHECK_CASE(not_utf8),
	    CHECK_CASE(control),
	    CHECK_CASE(user_name),
	    CHECK_CASE(device_words),
	    CHECK_CASE(repetitive),
	    CHECK_CASE(blocklisted_variants),
	    CHECK_CASE(load_errors),
	    CHECK_CASE(no_list),
	};
	struct mamori_diag d;
	int rc;

	memset(&d, 0, sizeof(d));
	if (mamori_cred_blocklist_load(LIST_DIR, &bl, &d) != MAMORI_OK) {
		fprintf(stderr, "test_cred_policy: cannot load %s: %s\n", LIST_DIR, d.msg);
		printf("test_cred_policy: 0 passed, 1 failed\n");
		return 1;
	}
	rc = check_run("test_cred_policy", cases, sizeof(cases) / sizeof(cases[0]));
	mamori_cred_blocklist_free(bl);
	return rc;
}
