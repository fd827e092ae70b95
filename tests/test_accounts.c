/* SPDX-License-Identifier: MIT */
/* Account, credential and key checks: parser vectors (tests/vectors/accounts/parse.vec), crypt(3)
 * methods generated here and cracked back, the IoTGoat overlay (../shared/data/firmware), the
 * TRENDnet telnet backdoor and default admin account (file contents copied from the image), and
 * key/certificate fixtures (tests/vectors/accounts/keys/README.md). */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mamori/accounts.h"
#include "mamori/audit.h"
#include "mamori/buf.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"
#include "mamori/log.h"
#include "mamori/squashfs.h"
#include "vec.h"

#define VEC_DIR "tests/vectors/accounts"

/* ---- helpers ------------------------------------------------------------------------- */

static size_t
unescape(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; *s != '\0' && n < cap; s++) {
		if (*s != '\\' || s[1] == '\0') {
			out[n++] = (uint8_t)*s;
			continue;
		}
		s++;
		out[n++] = *s == 'n'   ? '\n'
		           : *s == 'r' ? '\r'
		           : *s == 't' ? '\t'
		           : *s == '0' ? 0
		                       : (uint8_t)*s;
	}
	return n;
}

static struct mamori_fstree *
tree_new(void)
{
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;

	mamori_fs_limits_default(&l);
	CHECK_OK(mamori_fstree_new(&l, &t));
	return t;
}

static void
tree_put(struct mamori_fstree *t, const char *path, const void *data, size_t len)
{
	bool clamped = false;

	CHECK_OK(mamori_fstree_add(
	    t, path, strlen(path), MAMORI_FS_REG, 0644, 0, 0, data, len, NULL, &clamped, NULL));
}

static void
tree_puts(struct mamori_fstree *t, const char *path, const char *text)
{
	tree_put(t, path, text, strlen(text));
}

static void
tree_put_file(struct mamori_fstree *t, const char *path, const char *file)
{
	struct mamori_buf b;

	mamori_buf_init(&b, 1 << 20);
	CHECK_OK(mamori_read_file(file, &b));
	tree_put(t, path, b.p, b.len);
	mamori_buf_free(&b);
}

/* The finding of id whose path is path (NULL: any) and whose evidence holds every needle. */
static const struct mamori_finding *
find_f(
    const struct mamori_report *r, const char *id, const char *path, const char *n1, const char *n2)
{
	for (size_t i = 0; i < r->nf; i++) {
		const struct mamori_finding *f = &r->f[i];

		if (strcmp(f->kind->id, id) != 0 ||
		    (path != NULL && (f->path == NULL || strcmp(f->path, path) != 0)))
			continue;
		if (n1 != NULL && strstr(f->evidence, n1) == NULL)
			continue;
		if (n2 != NULL && strstr(f->evidence, n2) == NULL)
			continue;
		return f;
	}
	return NULL;
}

static size_t
count_f(const struct mamori_report *r, const char *id)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nf; i++)
		n += strcmp(r->f[i].kind->id, id) == 0;
	return n;
}

static struct mamori_audit_creds *
load_dict(const char *const *extra, size_t nextra)
{
	struct mamori_audit_creds *c = NULL;
	struct mamori_diag d;

	CHECK_OK(mamori_audit_creds_load("data", extra, nextra, &c, &d));
	return c;
}

/* ---- parsers ------------------------------------------------------------------------- */

static enum mamori_accounts_kind
kind_of(const char *s)
{
	if (strcmp(s, "passwd") == 0)
		return MAMORI_ACCOUNTS_PASSWD;
	if (strcmp(s, "shadow") == 0)
		return MAMORI_ACCOUNTS_SHADOW;
	return MAMORI_ACCOUNTS_GROUP;
}

static void
t_parse_vectors(void)
{
	struct vec_file vf;
	static uint8_t buf[8192];

	CHECK(vec_load(VEC_DIR "/parse.vec", &vf) == 0);
	CHECK(vf.n >= 10);
	for (size_t i = 0; i < vf.n; i++) {
		const struct vec_record *v = &vf.rec[i];
		struct mamori_accounts a;
		struct mamori_diag d;
		size_t n = unescape(vec_get(v, "text"), buf, sizeof(buf));
		char bad[256] = "";
		size_t used = 0;

		if (mamori_accounts_parse(kind_of(vec_get(v, "kind")), buf, n, &a, &d) !=
		    MAMORI_OK) {
			fprintf(stderr, "vector at line %zu: parse failed\n", v->line);
			CHECK(0);
			continue;
		}
		if (a.n != strtoul(vec_get(v, "n"), NULL, 10)) {
			fprintf(stderr, "vector at line %zu: %zu entries\n", v->line, a.n);
			CHECK(0);
		}
		for (size_t k = 0; k < a.nbad; k++)
			used += (size_t)snprintf(
			    bad + used, sizeof(bad) - used, "%s%zu", k ? "," : "", a.bad[k].line);
		if (strcmp(bad, vec_get(v, "bad")) != 0) {
			fprintf(stderr, "vector at line %zu: bad lines '%s'\n", v->line, bad);
			CHECK(0);
		}
		CHECK(a.nbad == a.nbad_total);
		for (size_t k = 0; k < a.n; k++) {
			char key[32];
			const char *want;

			(void)snprintf(key, sizeof(key), "name%zu", k);
			want = vec_get(v, key);
			CHECK(want == NULL || strcmp(want, a.a[k].name) == 0);
			(void)snprintf(key, sizeof(key), "passwd%zu", k);
			want = vec_get(v, key);
			CHECK(want == NULL || strcmp(want, a.a[k].passwd) == 0);
			(void)snprintf(key, sizeof(key), "shell%zu", k);
			want = vec_get(v, key);
			CHECK(want == NULL || strcmp(want, a.a[k].shell) == 0);
			(void)snprintf(key, sizeof(key), "members%zu", k);
			want = vec_get(v, key);
			CHECK(want == NULL || strcmp(want, a.a[k].members) == 0);
			(void)snprintf(key, sizeof(key), "id%zu", k);
			want = vec_get(v, key);
			CHECK(want == NULL ||
			      (a.a[k].has_id && a.a[k].id == strtoul(want, NULL, 10)));
			(void)snprintf(key, sizeof(key), "line%zu", k);
			want = vec_get(v, key);
			CHECK(want == NULL || a.a[k].line == strtoul(want, NULL, 10));
		}
		mamori_accounts_free(&a);
	}
	vec_free(&vf);
}

static void
t_parse_limits(void)
{
	struct mamori_accounts a;
	struct mamori_diag d;
	size_t n = (MAMORI_ACCOUNTS_MAX + 1) * 2;
	uint8_t *p = malloc(MAMORI_ACCOUNTS_FILE_MAX + 1);
	char line[MAMORI_ACCOUNTS_LINE_MAX + 64];

	CHECK(p != NULL);
	if (p == NULL)
		return;
	/* too many lines: an error naming the line, nothing written */
	memset(p, '\n', n);
	memset(&a, 0x5a, sizeof(a));
	CHECK(mamori_accounts_parse(MAMORI_ACCOUNTS_PASSWD, p, n, &a, &d) == MAMORI_E_TOOBIG);
	CHECK(d.line == MAMORI_ACCOUNTS_MAX + 1);
	CHECK(a.n == 0x5a5a5a5a5a5a5a5aull);
	/* exactly the limit is fine */
	CHECK_OK(mamori_accounts_parse(MAMORI_ACCOUNTS_PASSWD, p, MAMORI_ACCOUNTS_MAX, &a, &d));
	CHECK(a.n == 0);
	mamori_accounts_free(&a);
	/* too many bytes */
	memset(p, 'a', MAMORI_ACCOUNTS_FILE_MAX + 1);
	CHECK(mamori_accounts_parse(MAMORI_ACCOUNTS_SHADOW, p, MAMORI_ACCOUNTS_FILE_MAX + 1, &a,
	          &d) == MAMORI_E_TOOBIG);
	/* an over-long line and an over-long name are malformed, the next line still counts */
	memset(line, 'b', sizeof(line));
	memcpy(line + MAMORI_ACCOUNTS_LINE_MAX + 1, "\nok:x\n", 6);
	CHECK_OK(mamori_accounts_parse(
	    MAMORI_ACCOUNTS_SHADOW, (const uint8_t *)line, MAMORI_ACCOUNTS_LINE_MAX + 7, &a, &d));
	CHECK(a.n == 1 && a.nbad == 1 && a.bad[0].line == 1 && strcmp(a.a[0].name, "ok") == 0);
	CHECK(strcmp(a.bad[0].why, "line too long") == 0);
	mamori_accounts_free(&a);
	memset(line, 'c', MAMORI_ACCOUNT_NAME_MAX + 1);
	memcpy(line + MAMORI_ACCOUNT_NAME_MAX + 1, ":x\n", 3);
	CHECK_OK(mamori_accounts_parse(
	    MAMORI_ACCOUNTS_SHADOW, (const uint8_t *)line, MAMORI_ACCOUNT_NAME_MAX + 4, &a, &d));
	CHECK(a.n == 0 && a.nbad == 1 && strcmp(a.bad[0].why, "field too long") == 0);
	mamori_accounts_free(&a);
	/* more malformed lines than remembered: all counted */
	memset(p, '\n', 2 * (MAMORI_ACCOUNTS_BAD_MAX + 5));
	for (size_t i = 0; i < MAMORI_ACCOUNTS_BAD_MAX + 5; i++)
		p[2 * i] = 'z';
	CHECK_OK(mamori_accounts_parse(
	    MAMORI_ACCOUNTS_GROUP, p, 2 * (MAMORI_ACCOUNTS_BAD_MAX + 5), &a, &d));
	CHECK(a.nbad == MAMORI_ACCOUNTS_BAD_MAX && a.nbad_total == MAMORI_ACCOUNTS_BAD_MAX + 5);
	CHECK(a.bad[3].line == 4 && a.bad[3].off == 6);
	mamori_accounts_free(&a);
	CHECK(mamori_accounts_parse((enum mamori_accounts_kind)0, p, 1, &a, &d) == MAMORI_E_INVAL);
	free(p);
}

static void
t_helpers(void)
{
	CHECK(mamori_account_locked("x"));
	CHECK(mamori_account_locked("*"));
	CHECK(mamori_account_locked("!!"));
	CHECK(mamori_account_locked("!$6$abc$def"));
	CHECK(!mamori_account_locked(""));
	CHECK(!mamori_account_locked("$1$Jl7H1VOG$Wgw2F/C.nLNTC.4pwDa4H1"));
	CHECK(mamori_account_login_shell("/bin/ash"));
	CHECK(mamori_account_login_shell(""));
	CHECK(!mamori_account_login_shell("/bin/false"));
	CHECK(!mamori_account_login_shell("/usr/sbin/nologin"));
	CHECK(!mamori_account_login_shell("/bin/sync"));
	CHECK(!mamori_account_login_shell("/bin/"));
}

/* ---- dictionaries -------------------------------------------------------------------- */

static void
t_creds_load(void)
{
	struct mamori_audit_creds *c = load_dict(NULL, 0), *c2 = NULL;
	struct mamori_diag d;
	char bad[] = "/tmp/mamori_test_accounts_XXXXXX";
	int fd;
	const char *extra[1];
	bool seen = false, blank = false;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(c->npairs > 300 && c->npasswords > 100 && c->npasswords < c->npairs);
	for (size_t i = 0; i < c->npasswords; i++) {
		seen |= strcmp(c->passwords[i], "7ujMko0vizxv") == 0;
		blank |= c->passwords[i][0] == '\0';
		for (size_t j = 0; j < i && i < 50; j++)
			CHECK(strcmp(c->passwords[i], c->passwords[j]) != 0);
	}
	CHECK(seen && blank); /* "(none)" and "<BLANK>" are the empty password */
	/* the first file in name order is Mirai's table */
	CHECK(strcmp(c->pairs[0].user, "root") == 0 && strcmp(c->pairs[0].pass, "xc3511") == 0);
	/* LICENSE-SecLists.txt is not a dictionary */
	for (size_t i = 0; i < c->npairs; i++)
		CHECK(strcmp(c->pairs[i].user, "MIT") != 0);
	mamori_audit_creds_free(c);

	fd = mkstemp(bad);
	CHECK(fd >= 0);
	CHECK(write(fd, "a:b\r\nnoseparator\n", 17) == 17);
	close(fd);
	extra[0] = bad;
	CHECK(mamori_audit_creds_load(NULL, extra, 1, &c2, &d) == MAMORI_E_MALFORMED);
	CHECK(d.line == 2 && strstr(d.msg, ":2:") != NULL && c2 == NULL);
	unlink(bad);
	CHECK(mamori_audit_creds_load(NULL, extra, 1, &c2, &d) == MAMORI_E_IO && c2 == NULL);
	CHECK(mamori_audit_creds_load("/nonexistent", NULL, 0, &c2, &d) == MAMORI_E_IO);
}

/* ---- crypt(3) methods ---------------------------------------------------------------- */

static char *
make_hash(const char *prefix, unsigned long count, const char *pass)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *out = NULL;

	if (cd == NULL || crypt_gensalt_rn(prefix, count, NULL, 0, salt, sizeof(salt)) == NULL) {
		free(cd);
		return NULL;
	}
	if (crypt_r(pass, salt, cd) != NULL && cd->output[0] != '*')
		out = strdup(cd->output);
	free(cd);
	return out;
}

struct logcap {
	char text[4096];
	size_t n;
};

static void
log_sink(void *arg, enum mamori_log_level level, const char *msg)
{
	struct logcap *lc = arg;
	int w;

	(void)level;
	w = snprintf(lc->text + lc->n, sizeof(lc->text) - lc->n, "%s\n", msg);
	if (w > 0 && (size_t)w < sizeof(lc->text) - lc->n)
		lc->n += (size_t)w;
}

static void
t_crypt_methods(void)
{
	static const struct {
		const char *user, *prefix, *pass, *how;
		unsigned long count;
	} m[] = {
	    {"des", "", "vizxv", "in the default-credential dictionaries",
	        0}, /* DES: 2-char salt */
	    {"md5", "$1$", "xc3511", "in the default-credential dictionaries", 0},
	    {"sha256", "$5$", "sha256", "the user name used as the password", 0},
	    {"root", "$6$", "xc3511", "listed for this user in the default-credential dictionaries",
	        0},
	    {"bcrypt", "$2b$", "7ujMko0vizxv", "in the default-credential dictionaries", 4},
	    {"yescrypt", "$y$", "admin", "in the default-credential dictionaries", 1},
	    {"nopass", "$6$", "", "the empty password", 0},
	    {"strong", "$1$", "correct horse battery staple", NULL, 0},
	};
	struct mamori_audit_creds *dict = load_dict(NULL, 0);
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	char passwd[2048] = "", shadow[4096] = "";
	size_t pl = 0, sl = 0;

	if (dict == NULL || t == NULL)
		return;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char *h = make_hash(m[i].prefix, m[i].count, m[i].pass);

		CHECK(h != NULL);
		if (h == NULL)
			continue;
		pl += (size_t)snprintf(passwd + pl, sizeof(passwd) - pl,
		    "%s:x:%zu:100::/home:/bin/sh\n", m[i].user,
		    strcmp(m[i].user, "root") == 0 ? (size_t)0 : 500 + i);
		sl += (size_t)snprintf(
		    shadow + sl, sizeof(shadow) - sl, "%s:%s:18000:0:99999:7:::\n", m[i].user, h);
		free(h);
	}
	tree_puts(t, "/etc/passwd", passwd);
	tree_puts(t, "/etc/shadow", shadow);
	mamori_report_init(&r);
	CHECK_OK(mamori_check_accounts(t, dict, &r, &d));
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		char who[64], pw[96];
		const struct mamori_finding *f;

		(void)snprintf(who, sizeof(who), "account '%s'", m[i].user);
		(void)snprintf(pw, sizeof(pw), "password '%s'", m[i].pass);
		f = find_f(&r, "account.default-password", "/etc/shadow", who, pw);
		if (m[i].how == NULL) {
			CHECK(find_f(&r, "account.default-password", NULL, who, NULL) == NULL);
			continue;
		}
		CHECK(f != NULL);
		if (f == NULL) {
			fprintf(stderr, "not cracked: %s\n", m[i].user);
			continue;
		}
		CHECK(strstr(f->evidence, m[i].how) != NULL);
		CHECK(f->line == i + 1);
		CHECK(f->severity == (i == 3 ? MAMORI_SEV_CRITICAL : MAMORI_SEV_HIGH));
	}
	CHECK(find_f(&r, "account.default-password", NULL, "'des'", "DES-crypt") != NULL);
	CHECK(find_f(&r, "account.default-password", NULL, "'bcrypt'", "bcrypt hash") != NULL);
	CHECK(find_f(&r, "account.default-password", NULL, "'yescrypt'", "yescrypt hash") != NULL);
	CHECK(find_f(&r, "account.default-password", NULL, "'sha256'", "SHA-256-crypt") != NULL);
	/* users with /bin/sh and a password */
	CHECK(find_f(&r, "account.login-shell", "/etc/passwd", "'md5' (uid 501)", NULL) != NULL);
	mamori_report_free(&r);

	/* the attempt budget: a bcrypt hash of a password late in the list is reported as not
	 * fully checked in the log, and not as found */
	{
		struct logcap lc = {"", 0};
		char *h = make_hash("$2b$", 4, dict->passwords[dict->npasswords - 1]);
		char sh[256];
		struct mamori_fstree *t2 = tree_new();

		CHECK(h != NULL && t2 != NULL);
		if (h != NULL && t2 != NULL) {
			(void)snprintf(sh, sizeof(sh), "slow:%s:1::::::\n", h);
			tree_puts(t2, "/etc/shadow", sh);
			dict->crack_tries = 5;
			mamori_log_set_sink(log_sink, &lc, MAMORI_LOG_DEBUG);
			mamori_report_init(&r);
			CHECK_OK(mamori_check_accounts(t2, dict, &r, &d));
			mamori_log_set_sink(NULL, NULL, MAMORI_LOG_ERR);
			CHECK(r.nf == 0);
			CHECK(
			    strstr(lc.text, "/etc/shadow:1: account 'slow': bcrypt hash not fully "
			                    "checked: 5 of") != NULL);
			CHECK(strstr(lc.text, "deliberately slow") != NULL);
			mamori_report_free(&r);
		}
		free(h);
		mamori_fstree_free(t2);
	}
	mamori_fstree_free(t);
	mamori_audit_creds_free(dict);
}

/* Hashes whose cost would stall the audit are not tried, and the log says so. */
static void
t_costly(void)
{
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	struct logcap lc = {"", 0};
	uint64_t t0;
	struct timespec ts;

	if (t == NULL)
		return;
	tree_puts(t, "/etc/shadow",
	    "a:$2b$31$abcdefghijklmnopqrstuuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012:1::::::\n"
	    "b:$6$rounds=999999999$salt$abc:1::::::\n"
	    "c:$y$jZT$abcdefgh$abc:1::::::\n"
	    "d:$7$zU..../....abc$abc:1::::::\n"
	    "e:_zzzzsaltabcdefghijk:1::::::\n"
	    "f:$5$rounds=1000$salt$abc:1::::::\n"
	    "g:_zz:1::::::\n" /* short settings (a fuzzer find): no over-read */
	    "h:$7$zU..:1::::::\n");
	mamori_log_set_sink(log_sink, &lc, MAMORI_LOG_DEBUG);
	mamori_report_init(&r);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	t0 = (uint64_t)ts.tv_sec;
	CHECK_OK(mamori_check_accounts(t, NULL, &r, &d));
	CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	CHECK((uint64_t)ts.tv_sec - t0 < 5);
	mamori_log_set_sink(NULL, NULL, MAMORI_LOG_ERR);
	CHECK(r.nf == 0);
	CHECK(strstr(lc.text, "'a': bcrypt hash not checked: its cost") != NULL);
	CHECK(strstr(lc.text, "'b': SHA-512-crypt hash not checked") != NULL);
	CHECK(strstr(lc.text, "'c': yescrypt hash not checked") != NULL);
	CHECK(strstr(lc.text, "'d': scrypt hash not checked") != NULL);
	CHECK(strstr(lc.text, "'e': BSDi DES-crypt hash not checked") != NULL);
	CHECK(strstr(lc.text, "'f'") == NULL); /* within the limits: tried, not cracked */
	CHECK(strstr(lc.text, "'g': BSDi DES-crypt hash not checked") != NULL);
	CHECK(strstr(lc.text, "'h': scrypt hash not checked") != NULL);
	CHECK(strstr(lc.text, "budget was spent") == NULL);
	mamori_report_free(&r);

	/* the budget for all hashes together: spent at once, later hashes are counted, not tried */
	{
		struct mamori_audit_creds none;
		char *h = make_hash("$6$rounds=200000$", 0, "zzz");
		char sh[1024];

		memset(&none, 0, sizeof(none));
		none.crack_ms = 10000;
		none.crack_tries = 10;
		none.crack_total_ms = 0;
		CHECK(h != NULL);
		if (h != NULL) {
			(void)snprintf(sh, sizeof(sh), "x:%s:1::\ny:%s:1::\nz:%s:1::\n", h, h, h);
			tree_puts(t, "/etc/shadow", sh);
			lc.n = 0;
			lc.text[0] = '\0';
			mamori_log_set_sink(log_sink, &lc, MAMORI_LOG_DEBUG);
			mamori_report_init(&r);
			CHECK_OK(mamori_check_accounts(t, &none, &r, &d));
			mamori_log_set_sink(NULL, NULL, MAMORI_LOG_ERR);
			CHECK(r.nf == 0);
			CHECK(strstr(lc.text,
			          "password hashes not checked: the audit's cracking budget "
			          "was spent") != NULL);
			mamori_report_free(&r);
		}
		free(h);
	}
	mamori_fstree_free(t);
}

static void
t_uid0_empty(void)
{
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;

	if (t == NULL)
		return;
	tree_puts(t, "/etc/passwd",
	    "root::0:0:root:/root:/bin/sh\n"
	    "toor:x:0:0::/root:/bin/sh\n"
	    "daemon:x:1:1::/:/bin/sh\n"
	    "ftp::55:55::/:/bin/false\n"
	    "admin:x:1000:1000::/home\n"
	    "broken line\n");
	tree_puts(t, "/etc/shadow", "toor:*:1::::::\ndaemon:!:1::::::\nadmin::1::::::\n");
	/* a symlinked backup is read once */
	CHECK_OK(mamori_fstree_add(
	    t, "/etc/passwd-", 12, MAMORI_FS_LNK, 0777, 0, 0, NULL, 0, "passwd", NULL, NULL));
	mamori_report_init(&r);
	CHECK_OK(mamori_check_accounts(t, NULL, &r, &d));
	f = find_f(&r, "account.empty-password", "/etc/passwd", "'root' (uid 0)", NULL);
	CHECK(f != NULL && f->line == 1 && f->severity == MAMORI_SEV_CRITICAL);
	f = find_f(&r, "account.empty-password", "/etc/passwd", "'ftp'", NULL);
	CHECK(f != NULL && f->line == 4 && f->severity == MAMORI_SEV_MEDIUM);
	f = find_f(
	    &r, "account.empty-password", "/etc/shadow", "'admin' (uid 1000)", "(empty: /bin/sh)");
	CHECK(f != NULL && f->line == 3 && f->severity == MAMORI_SEV_HIGH);
	f = find_f(&r, "account.uid0", "/etc/passwd", "'toor'", NULL);
	CHECK(f != NULL && f->line == 2);
	CHECK(count_f(&r, "account.uid0") == 1);
	/* admin: empty password and the default shell; daemon is locked */
	CHECK(find_f(&r, "account.login-shell", NULL, "'admin'", NULL) != NULL);
	CHECK(find_f(&r, "account.login-shell", NULL, "'daemon'", NULL) == NULL);
	CHECK(find_f(&r, "account.login-shell", NULL, "'ftp'", NULL) == NULL);
	CHECK(count_f(&r, "account.empty-password") == 3);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

/* ---- IoTGoat ---------------------------------------------------------------------------- */

static void
t_iotgoat(void)
{
	char dir[512], extra[] = "/tmp/mamori_test_creds_XXXXXX";
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_audit_creds *dict;
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;
	const char *ex[1] = {extra};
	int fd;

	(void)snprintf(dir, sizeof(dir), "%s/firmware/iotgoat_overlay/rootfs", check_shared_data());
	mamori_fs_limits_default(&l);
	CHECK_OK(mamori_fstree_from_dir(dir, &l, &t, &d));
	if (t == NULL)
		return;
	/* the shipped lists alone: iotgoatuser falls, root does not */
	dict = load_dict(NULL, 0);
	mamori_report_init(&r);
	CHECK_OK(mamori_check_accounts(t, dict, &r, &d));
	f = find_f(&r, "account.default-password", "/etc/shadow", "'iotgoatuser' (uid 1000)",
	    "'7ujMko0vizxv'");
	CHECK(f != NULL && f->line == 8 && f->severity == MAMORI_SEV_HIGH);
	CHECK(f != NULL && strstr(f->evidence, "MD5-crypt") != NULL);
	CHECK(find_f(&r, "account.default-password", NULL, "'root'", NULL) == NULL);
	CHECK(find_f(&r, "account.login-shell", "/etc/passwd", "'iotgoatuser'", NULL) != NULL);
	CHECK(count_f(&r, "account.uid0") == 0 && count_f(&r, "account.empty-password") == 0);
	mamori_report_free(&r);
	mamori_audit_creds_free(dict);

	/* --creds with IoTGoat's published passwords (test-only): root in shadow and shadow.bak */
	fd = mkstemp(extra);
	CHECK(fd >= 0);
	CHECK(write(fd, "root:iotgoathardcodedpassword\nroot:iotgoat\n", 43) == 43);
	close(fd);
	dict = load_dict(ex, 1);
	unlink(extra);
	mamori_report_init(&r);
	CHECK_OK(mamori_check_accounts(t, dict, &r, &d));
	f = find_f(&r, "account.default-password", "/etc/shadow", "'root' (uid 0)",
	    "'iotgoathardcodedpassword'");
	CHECK(f != NULL && f->line == 1 && f->severity == MAMORI_SEV_CRITICAL);
	CHECK(f != NULL && strstr(f->evidence, "listed for this user") != NULL);
	f = find_f(&r, "account.default-password", "/etc/shadow.bak", "'root'", "'iotgoat'");
	CHECK(f != NULL && f->line == 1);
	CHECK(find_f(&r, "account.default-password", "/etc/shadow", "'iotgoatuser'", NULL) != NULL);
	mamori_report_free(&r);
	mamori_audit_creds_free(dict);
	mamori_fstree_free(t);
}

/* ---- TRENDnet TEW-733GR -------------------------------------------------------------- */

/* /etc/init0.d/S80telnetd.sh of trendnet_tew733gr_v1.02b01_rootfs.squashfs, byte for byte */
static const char s80telnetd[] =
    "#!/bin/sh\n"
    "echo [$0]: $1 ... > /dev/console\n"
    "is_default=`xmldbc -g /runtime/device/devconfsize`\n"
    "if [ \"$1\" = \"start\" ] && [ \"$is_default\" = \"0\" ]; then\n"
    "\tif [ -f \"/usr/sbin/login\" ]; then\n"
    "\t\timage_sign=`cat /etc/config/image_sign`\n"
    "\t\ttelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n"
    "\telse\n"
    "\t\ttelnetd &\n"
    "\tfi\n"
    "else\n"
    "\tkillall telnetd\n"
    "fi\n";

/* the <account> element of /etc/defnodes/defaultvalue.xml in the same image */
static const char defaultvalue[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                   "<root>\n"
                                   "\t<device>\n"
                                   "\t\t<account>\n"
                                   "\t\t\t<count>1</count>\n"
                                   "\t\t\t<max>2</max>\n"
                                   "\t\t\t<entry>\n"
                                   "\t\t\t\t<name>admin</name>\n"
                                   "\t\t\t\t<password></password>\n"
                                   "\t\t\t\t<group>0</group>\n"
                                   "\t\t\t</entry>\n"
                                   "\t\t</account>\n"
                                   "\t</device>\n"
                                   "</root>\n";

static void
t_trendnet(void)
{
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;

	if (t == NULL)
		return;
	tree_puts(t, "/etc/init0.d/S80telnetd.sh", s80telnetd);
	tree_puts(t, "/etc/config/image_sign", "wrgn80_trendnet_tew733gr\n");
	tree_puts(t, "/etc/defnodes/defaultvalue.xml", defaultvalue);
	mamori_report_init(&r);
	CHECK_OK(mamori_check_credentials(t, &r, &d));
	f = find_f(&r, "credential.hardcoded", "/etc/init0.d/S80telnetd.sh", "Alphanetworks",
	    "wrgn80_trendnet_tew733gr");
	CHECK(f != NULL && f->line == 7 && f->severity == MAMORI_SEV_CRITICAL);
	CHECK(f != NULL && strstr(f->evidence, "$image_sign from /etc/config/image_sign") != NULL);
	CHECK(f != NULL && strstr(f->evidence, "-u Alphanetworks:$image_sign -i br0") != NULL);
	CHECK(count_f(&r, "credential.hardcoded") == 1); /* plain `telnetd &` has no -u */
	f = find_f(&r, "account.empty-password", "/etc/defnodes/defaultvalue.xml",
	    "web admin 'admin' has an empty default password", NULL);
	CHECK(f != NULL && f->line == 9 && f->severity == MAMORI_SEV_HIGH);
	CHECK(f != NULL && strstr(f->evidence, "devdata") == NULL);
	mamori_report_free(&r);

	/* with the factory-setup script (its line from the image), the finding says so; without
	 * the image_sign file the variable stays visible as unresolved */
	tree_puts(t, "/etc/scripts/devdata.php",
	    "setattr(\"/runtime/tmpdevdata/uipasswd\" ,\"get\",\"devdata get -e uipasswd\"); \n");
	tree_puts(t, "/etc/config/image_sign", "");
	mamori_report_init(&r);
	CHECK_OK(mamori_check_credentials(t, &r, &d));
	f = find_f(&r, "account.empty-password", NULL, "default from devdata", NULL);
	CHECK(f != NULL && f->severity == MAMORI_SEV_MEDIUM);
	f = find_f(&r, "credential.hardcoded", NULL, "user 'Alphanetworks' password ''", NULL);
	CHECK(f != NULL);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

/* The same findings from the real image, read with lib/fw/squashfs.c. */
static void
t_trendnet_image(void)
{
	char path[512];
	struct mamori_buf img;
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;

	if (t == NULL)
		return;
	(void)snprintf(path, sizeof(path), "%s/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs",
	    check_shared_data());
	mamori_buf_init(&img, (size_t)16 << 20);
	CHECK_OK(mamori_read_file(path, &img));
	CHECK_OK(mamori_squashfs_read(img.p, img.len, t, &d));
	mamori_buf_free(&img);
	mamori_report_init(&r);
	CHECK_OK(mamori_check_credentials(t, &r, &d));
	CHECK_OK(mamori_check_keys(t, &r, &d));
	CHECK_OK(mamori_check_accounts(t, NULL, &r, &d));
	f = find_f(&r, "credential.hardcoded", "/etc/init0.d/S80telnetd.sh",
	    "user 'Alphanetworks' password 'wrgn80_trendnet_tew733gr'",
	    "($image_sign from /etc/config/image_sign): telnetd -l /usr/sbin/login -u "
	    "Alphanetworks:$image_sign -i br0 &");
	CHECK(f != NULL && f->line == 7 && f->severity == MAMORI_SEV_CRITICAL);
	f = find_f(&r, "account.empty-password", "/etc/defnodes/defaultvalue.xml", "'admin'",
	    "default from devdata");
	CHECK(f != NULL && f->severity == MAMORI_SEV_MEDIUM);
	/* ground truth: no keys, no certificates, no account files in the image */
	CHECK(r.nf == 2);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

static void
t_credential_rules(void)
{
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;
	static const uint8_t bin[] = "\x7f"
	                             "ELF\0\0wpa_passphrase=notme\n";

	if (t == NULL)
		return;
	tree_puts(t, "/etc/ppp/pap-secrets",
	    "# client server secret IP\r\n\"isp-user\" * \"s3cret\" *\nlonely\n");
	tree_puts(t, "/etc/ppp/chap-secrets", "router\tisp\tchap-pass\n");
	tree_puts(t, "/etc/snmp/snmpd.conf",
	    "rocommunity public default\nrwcommunity private\ncom2sec local localhost c0mmun1ty\n"
	    "rocommunity $COMMUNITY\n# rwcommunity commented\n");
	tree_puts(t, "/etc/config/snmpd", "config agent\n\toption community 'public'\n");
	tree_puts(t, "/etc/config/wireless",
	    "config wifi-device 'radio0'\n\toption key 'notakey'\n"
	    "config wifi-iface 'default_radio0'\n\toption encryption 'psk2'\n"
	    "\toption key 'Sup3rSecretWifi'\n");
	tree_puts(t, "/etc/hostapd.conf", "ssid=x\nwpa_passphrase=hostapd-pass\nwpa_psk=\n");
	tree_puts(
	    t, "/etc/Wireless/RT2860/RT2860.dat", "SSID1=x\nWPAPSK1=ralinkpass\r\nWPAPSKX=no\n");
	tree_puts(t, "/etc/init.d/telnet",
	    "#!/bin/sh\nUSER=\"admin\"\nPASS='letmein'\n/usr/sbin/telnetd -u ${USER}:$PASS -p 23\n"
	    "telnetd -uroot:toor\n"
	    "exec telnetd -p 23 -u\n" /* a fuzzer find: -u as the last word */
	    "killall telnetd\n");
	tree_put(t, "/bin/prog", bin, sizeof(bin));
	mamori_report_init(&r);
	CHECK_OK(mamori_check_credentials(t, &r, &d));
	f = find_f(&r, "credential.hardcoded", "/etc/ppp/pap-secrets", "client 'isp-user'",
	    "secret 's3cret'");
	CHECK(f != NULL && f->line == 2 && f->severity == MAMORI_SEV_HIGH);
	CHECK(find_f(&r, "credential.hardcoded", "/etc/ppp/chap-secrets", "CHAP", "chap-pass") !=
	      NULL);
	f = find_f(&r, "credential.hardcoded", "/etc/snmp/snmpd.conf",
	    "read-only community 'public'", "well-known");
	CHECK(f != NULL && f->line == 1 && f->severity == MAMORI_SEV_HIGH);
	f = find_f(&r, "credential.hardcoded", "/etc/snmp/snmpd.conf", "read-write", "'private'");
	CHECK(f != NULL && f->line == 2);
	f = find_f(&r, "credential.hardcoded", "/etc/snmp/snmpd.conf", "'c0mmun1ty'", NULL);
	CHECK(f != NULL && f->severity == MAMORI_SEV_MEDIUM);
	CHECK(
	    find_f(&r, "credential.hardcoded", "/etc/snmp/snmpd.conf", "COMMUNITY", NULL) == NULL);
	CHECK(
	    find_f(&r, "credential.hardcoded", "/etc/snmp/snmpd.conf", "commented", NULL) == NULL);
	CHECK(find_f(&r, "credential.hardcoded", "/etc/config/snmpd", "'public'", NULL) != NULL);
	f = find_f(&r, "credential.hardcoded", "/etc/config/wireless", "Sup3rSecretWifi", NULL);
	CHECK(f != NULL && f->line == 5 && f->severity == MAMORI_SEV_MEDIUM);
	CHECK(find_f(&r, "credential.hardcoded", NULL, "notakey", NULL) == NULL);
	CHECK(find_f(&r, "credential.hardcoded", "/etc/hostapd.conf", "'hostapd-pass'", NULL) !=
	      NULL);
	CHECK(find_f(&r, "credential.hardcoded", "/etc/Wireless/RT2860/RT2860.dat", "'ralinkpass'",
	          NULL) != NULL);
	CHECK(find_f(&r, "credential.hardcoded", NULL, "'no'", NULL) == NULL);
	CHECK(find_f(&r, "credential.hardcoded", "/etc/init.d/telnet",
	          "user 'admin' password "
	          "'letmein'",
	          "($USER set in the script; $PASS set in the script): /usr/sbin") != NULL);
	f = find_f(
	    &r, "credential.hardcoded", "/etc/init.d/telnet", "user 'root' password 'toor'", NULL);
	CHECK(f != NULL && f->line == 5);
	CHECK(find_f(&r, "credential.hardcoded", "/bin/prog", NULL, NULL) == NULL);
	CHECK(count_f(&r, "credential.hardcoded") == 11);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

/* ---- keys and certificates ------------------------------------------------------------ */

static void
t_keys(void)
{
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	const struct mamori_finding *f;
	static const char tmpl[] = "static const char *k = \"-----BEGIN RSA PRIVATE KEY-----\\n"
	                           "%s\\n-----END RSA PRIVATE KEY-----\";\n";

	if (t == NULL)
		return;
	tree_put_file(t, "/etc/ssl/certs/router.crt", VEC_DIR "/keys/rsa1024_sha1.crt");
	tree_put_file(t, "/etc/ssl/router.der", VEC_DIR "/keys/rsa1024_sha1.der");
	tree_put_file(t, "/etc/lighttpd/server.pem", VEC_DIR "/keys/server.pem");
	tree_put_file(t, "/etc/keys/ec.key", VEC_DIR "/keys/ec_p256.key");
	tree_put_file(t, "/etc/keys/rsa.der", VEC_DIR "/keys/pkcs8_rsa1024.der");
	tree_put_file(t, "/etc/ssh/ssh_host_ed25519_key", VEC_DIR "/keys/ssh_host_ed25519_key");
	tree_put_file(
	    t, "/etc/dropbear/dropbear_rsa_host_key", VEC_DIR "/keys/dropbear_rsa_host_key");
	tree_put_file(t, "/usr/lib/libfoo.so", VEC_DIR "/keys/binary_template.bin");
	tree_puts(t, "/usr/share/doc/template.c", tmpl);
	mamori_report_init(&r);
	CHECK_OK(mamori_check_keys(t, &r, &d));
	f = find_f(&r, "cert.weak", "/etc/ssl/certs/router.crt", "CN=192.168.0.1",
	    "RSA 1024 bits (too short), signed with sha1WithRSAEncryption (broken hash)");
	CHECK(f != NULL && f->line == 1 && f->severity == MAMORI_SEV_MEDIUM);
	CHECK(f != NULL && strstr(f->evidence, "O=Example Router Co") != NULL);
	CHECK(find_f(&r, "cert.weak", "/etc/ssl/router.der", "RSA 1024 bits", NULL) != NULL);
	f = find_f(
	    &r, "key.host-shared", "/etc/lighttpd/server.pem", "PEM PRIVATE KEY", "RSA 2048 bits");
	CHECK(f != NULL && f->line == 1 && f->severity == MAMORI_SEV_CRITICAL);
	CHECK(find_f(&r, "cert.weak", "/etc/lighttpd/server.pem", NULL, NULL) == NULL);
	f = find_f(&r, "key.private", "/etc/keys/ec.key", "PEM EC PRIVATE KEY", NULL);
	CHECK(f != NULL && f->severity == MAMORI_SEV_HIGH);
	CHECK(find_f(&r, "key.private", "/etc/keys/rsa.der", "DER private key, RSA 1024 bits",
	          NULL) != NULL);
	CHECK(find_f(&r, "key.host-shared", "/etc/ssh/ssh_host_ed25519_key",
	          "PEM OPENSSH PRIVATE KEY", NULL) != NULL);
	f = find_f(&r, "key.host-shared", "/etc/dropbear/dropbear_rsa_host_key",
	    "dropbear ssh-rsa private key", NULL);
	CHECK(f != NULL && f->line == 0 && f->offset == 0);
	CHECK(find_f(&r, "key.private", "/usr/lib/libfoo.so", NULL, NULL) == NULL);
	CHECK(find_f(&r, "key.private", "/usr/share/doc/template.c", NULL, NULL) == NULL);
	CHECK(r.nf == 7);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

/* Bad bytes at every rule: no crash, no finding from garbage. */
static void
t_keys_garbage(void)
{
	struct mamori_fstree *t = tree_new();
	struct mamori_report r;
	struct mamori_diag d;
	static const uint8_t drop_trunc[] = {
	    0, 0, 0, 7, 's', 's', 'h', '-', 'r', 's', 'a', 0, 0, 1, 0};
	static const uint8_t der_trunc[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00};
	static const char pem_bad[] =
	    "-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n"
	    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	    "-----BEGIN CERTIFICATE-----\nMAMCAQA=AAAAAAAAAAAAAAAAAAAAAAAA\n"
	    "-----END CERTIFICATE-----\n-----BEGIN ";

	if (t == NULL)
		return;
	tree_put(t, "/a", drop_trunc, sizeof(drop_trunc));
	tree_put(t, "/b", der_trunc, sizeof(der_trunc));
	tree_puts(t, "/c", pem_bad);
	tree_puts(t, "/d", "openssh-key-v");
	mamori_report_init(&r);
	CHECK_OK(mamori_check_keys(t, &r, &d));
	CHECK(r.nf == 0);
	mamori_report_free(&r);
	mamori_fstree_free(t);
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(t_parse_vectors),
	    CHECK_CASE(t_parse_limits),
	    CHECK_CASE(t_helpers),
	    CHECK_CASE(t_creds_load),
	    CHECK_CASE(t_crypt_methods),
	    CHECK_CASE(t_costly),
	    CHECK_CASE(t_uid0_empty),
	    CHECK_CASE(t_iotgoat),
	    CHECK_CASE(t_trendnet),
	    CHECK_CASE(t_trendnet_image),
	    CHECK_CASE(t_credential_rules),
	    CHECK_CASE(t_keys),
	    CHECK_CASE(t_keys_garbage),
	};

	return check_run("test_accounts", cases, sizeof(cases) / sizeof(cases[0]));
}
