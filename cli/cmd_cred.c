/* SPDX-License-Identifier: MIT */
/* mamori cred: the account store of a device (docs/cred.md, docs/formats/cred-store.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd.h"
#include "mamori/accounts.h"
#include "mamori/buf.h"
#include "mamori/cred.h"
#include "mamori/json.h"

#define DEFAULT_STORE "/etc/mamori/accounts"

static const char cred_usage[] =
    "usage: mamori cred [-s STORE] COMMAND [options]\n"
    "\n"
    "Device accounts without universal default passwords: Argon2id hashes, a first-use\n"
    "password change, a NIST SP 800-63B password policy with blocklists of factory defaults,\n"
    "throttling with exponential backoff, TOTP/HOTP second factors and roles. pam_mamori.so\n"
    "uses the same store for login, sshd and any PAM service (docs/cred.md).\n"
    "\n"
    "  init [--class small|medium|large] [--min-length N] [--word W]...\n"
    "        create the store; W: vendor, model, serial... that passwords may not be built from\n"
    "  add USER [--role ROLE] [--no-password] [--expires DATE]\n"
    "        new account (role viewer unless given: admin, operator or your own); the password\n"
    "        is read from standard input (one line) or asked twice on a terminal;\n"
    "        --no-password leaves it unset until first use. Every new account must change its\n"
    "        password at first login\n"
    "  passwd USER [--must-change]    set a password (policy-checked); --must-change: one-time\n"
    "  verify USER [--code CODE] [--source ADDR] [--first-use] [--json]\n"
    "        one login attempt (throttled like a real one); exit 0 accepted, 1 denied,\n"
    "        throttled, or accepted only to change the password; --first-use accepts an\n"
    "        account without a password (as PAM's first_use)\n"
    "  lock USER | unlock USER | del USER | mod USER [--role ROLE] [--expires DATE|never]\n"
    "  list [--json]                  accounts, roles, second factors, last logins\n"
    "  check [--json]                 what breaks the policy; exit 1 when anything of\n"
    "                                 severity 1 or 2 is found\n"
    "  provision --device-secret FILE --serial S [--user admin] [--role admin]\n"
    "        the device's unique initial password, derived from its secret and serial (print\n"
    "        it on the label); the account must change it at first login\n"
    "  totp enroll USER [--hotp] [--algorithm sha1|sha256|sha512] [--digits 6|7|8]\n"
    "        [--period S] [--issuer NAME] [--no-qr] [--json]\n"
    "        a new secret, its otpauth:// URI and QR code, and 10 recovery codes; pending\n"
    "        until the first good code (totp verify) confirms it\n"
    "  totp verify USER CODE          check a code (it is used up); confirms an enrolment\n"
    "  totp disable USER\n"
    "  totp code --secret BASE32 [--time UNIX] [--counter N] [--digits N] [--algorithm A]\n"
    "        [--period S]             the code an authenticator app shows (RFC 6238/4226)\n"
    "  import SHADOW [--role ROLE] [USER...]\n"
    "        accounts from a shadow(5) file with their crypt(3) hashes (yescrypt, SHA-512...):\n"
    "        they keep working and become Argon2id at each user's next login; locked entries\n"
    "        are skipped, empty ones need a first-use password; exit 1 if any was skipped\n"
    "  role add NAME PERM... | role del NAME | role list\n"
    "  throttle list [--json] | throttle reset [KEY] | throttle bound SECONDS\n"
    "\n"
    "options:\n"
    "  -s, --store STORE   the store (default $MAMORI_CRED_STORE, else " DEFAULT_STORE ")\n"
    "  $MAMORI_CRED_BLOCKLISTS   another directory of blocklists (default: the shipped ones)\n"
    "  DATE        YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIXTIME (UTC)\n"
    "\n"
    "Permissions: login shell config.read config.write service.restart logs.read\n"
    "update.install accounts.manage, or your own names; admin has *, operator all but\n"
    "accounts.manage, viewer login config.read logs.read.\n"
    "\n"
    "examples:\n"
    "  mamori cred -s /etc/mamori/accounts init --word acme --word cam-200\n"
    "  mamori cred provision --device-secret /factory/secret --serial SN0042\n"
    "  mamori cred totp enroll admin --issuer acme-cam\n"
    "  mamori cred totp code --secret GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ --time 59 --digits 8\n"
    "\n"
    "Exit codes: 0 success or accepted, 1 denied or refused (policy, check findings),\n"
    "2 usage, 3 store or I/O error (a corrupt store is never read as empty).\n";

static const char *store_path;
static bool json_out;

/* The clock: $MAMORI_CRED_NOW (seconds) lets tests replay a timeline; else time(). */
static uint64_t
now(void)
{
	const char *s = getenv("MAMORI_CRED_NOW");
	char *end;

	if (s != NULL && s[0] >= '0' && s[0] <= '9') {
		unsigned long long v = strtoull(s, &end, 10);
		if (*end == '\0')
			return v;
	}
	return (uint64_t)time(NULL);
}

static void
fmt_time(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || gmtime_r(&tt, &tm) == NULL)
		snprintf(out, cap, "-");
	else
		strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- reading secrets ---- */

/* One line from fd 0 into out (without the newline); a terminal gets a prompt on stderr and
 * no echo. False at end of input or when the line is longer than the limit. */
static bool
read_secret(const char *prompt, char out[MAMORI_CRED_PASSWORD_MAX + 2], size_t *len)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) == 1, ok = true;
	size_t n = 0;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	for (;;) {
		char c;
		ssize_t r = read(STDIN_FILENO, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ok = n > 0;
			break;
		}
		if (c == '\n')
			break;
		if (n == MAMORI_CRED_PASSWORD_MAX + 1) {
			ok = false; /* keep reading to the end of the line, then refuse */
			continue;
		}
		out[n++] = c;
	}
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	*len = n;
	return ok;
}

/* A new password: asked twice on a terminal, one line otherwise. */
static int
read_new_password(char out[MAMORI_CRED_PASSWORD_MAX + 2], size_t *len)
{
	char again[MAMORI_CRED_PASSWORD_MAX + 2];
	size_t alen;

	if (!read_secret("New password: ", out, len)) {
		cli_err("no password on standard input (or longer than %u bytes)",
		    MAMORI_CRED_PASSWORD_MAX);
		return EXIT_USAGE;
	}
	if (isatty(STDIN_FILENO) == 1) {
		if (!read_secret("Retype new password: ", again, &alen) || alen != *len ||
		    sodium_memcmp(again, out, alen) != 0) {
			sodium_memzero(again, sizeof(again));
			cli_err("the passwords do not match");
			return EXIT_VERDICT;
		}
		sodium_memzero(again, sizeof(again));
	}
	return EXIT_OK;
}

/* ---- the store ---- */

static int
open_store(bool lock, struct mamori_cred_store *s)
{
	struct mamori_diag d;
	mamori_err e;

	mamori_diag_clear(&d);
	if ((e = mamori_cred_store_open(store_path, lock, s, &d)) != MAMORI_OK) {
		cli_diag(store_path, e, &d);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int
commit_close(struct mamori_cred_store *s, int rc)
{
	struct mamori_diag d;
	mamori_err e;

	mamori_diag_clear(&d);
	if ((e = mamori_cred_store_commit(s, &d)) != MAMORI_OK) {
		cli_diag(store_path, e, &d);
		rc = EXIT_RUNTIME;
	}
	mamori_cred_store_close(s);
	return rc;
}

static struct mamori_cred_blocklist *
load_blocklist(void)
{
	struct mamori_cred_blocklist *bl = NULL;
	struct mamori_diag d;
	mamori_err e;

	mamori_diag_clear(&d);
	if ((e = mamori_cred_blocklist_load(getenv("MAMORI_CRED_BLOCKLISTS"), &bl, &d)) !=
	    MAMORI_OK) {
		cli_diag("blocklists", e, &d);
		return NULL;
	}
	return bl;
}

/* Sets a policy-checked password; prints why it was refused. */
static int
set_password(struct mamori_cred_store *s, struct mamori_cred_account *a, const char *pw, size_t len,
    bool must_change)
{
	struct mamori_cred_blocklist *bl = load_blocklist();
	struct mamori_cred_policy pol;
	struct mamori_cred_pw_verdict v;
	mamori_err e;

	if (bl == NULL)
		return EXIT_RUNTIME; /* refuse rather than skip the blocklist check */
	mamori_cred_store_policy(s, bl, &pol);
	e = mamori_cred_set_password(s, a, pw, len, &pol, must_change, now(), &v);
	mamori_cred_blocklist_free(bl);
	if (e == MAMORI_E_PERM) {
		cli_err("password refused: %s", v.why);
		return EXIT_VERDICT;
	}
	if (e != MAMORI_OK) {
		cli_err("cannot set the password: %s", mamori_strerror(e));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* ---- commands ---- */

static int
c_init(int argc, char **argv)
{
	static const struct option opts[] = {{"class", required_argument, NULL, 'c'},
	    {"min-length", required_argument, NULL, 'm'}, {"word", required_argument, NULL, 'w'},
	    {NULL, 0, NULL, 0}};
	struct mamori_cred_store s;
	struct mamori_diag d;
	mamori_err e;
	uint64_t v;
	int ch;

	mamori_cred_store_defaults(&s);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (mamori_cred_class_parse(optarg, &s.cls) != MAMORI_OK) {
				cli_err("--class: small, medium or large");
				return EXIT_USAGE;
			}
			break;
		case 'm':
			if (!cli_parse_u64(optarg, &v) || v < 8 || v > 64) {
				cli_err("--min-length: 8 to 64");
				return EXIT_USAGE;
			}
			s.min_length = (size_t)v;
			break;
		case 'w':
			if (s.n_words == MAMORI_CRED_WORDS_MAX || strlen(optarg) == 0 ||
			    strlen(optarg) > MAMORI_CRED_WORD_MAX ||
			    strpbrk(optarg, " \t\n") != NULL) {
				cli_err("--word: at most %u words of 1 to %u bytes, without spaces",
				    MAMORI_CRED_WORDS_MAX, MAMORI_CRED_WORD_MAX);
				return EXIT_USAGE;
			}
			snprintf(s.words[s.n_words++], sizeof(s.words[0]), "%s", optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_err("init takes no operands");
		return EXIT_USAGE;
	}
	if (strcmp(store_path, DEFAULT_STORE) == 0)
		(void)mkdir("/etc/mamori", 0700);
	mamori_diag_clear(&d);
	if ((e = mamori_cred_store_create(store_path, &s, &d)) != MAMORI_OK) {
		cli_diag(store_path, e, &d);
		return EXIT_RUNTIME;
	}
	if (!cli_quiet)
		fprintf(stderr, "mamori: created %s (class %s, minimum %zu characters)\n",
		    store_path, mamori_cred_class_name(s.cls), s.min_length);
	return EXIT_OK;
}

static int
c_add(int argc, char **argv)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
	    {"no-password", no_argument, NULL, 'n'}, {"expires", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0}};
	const char *role = "viewer";
	bool nopw = false;
	uint64_t expires = 0;
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	struct mamori_diag d;
	char pw[MAMORI_CRED_PASSWORD_MAX + 2];
	size_t len = 0;
	mamori_err e;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			role = optarg;
			break;
		case 'n':
			nopw = true;
			break;
		case 'e':
			if (!cli_parse_date(optarg, &expires)) {
				cli_err("--expires: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIXTIME");
				return EXIT_USAGE;
			}
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_err("add takes one user name");
		return EXIT_USAGE;
	}
	if (!nopw && (rc = read_new_password(pw, &len)) != EXIT_OK)
		return rc;
	if ((rc = open_store(true, &s)) != EXIT_OK) {
		sodium_memzero(pw, sizeof(pw));
		return rc;
	}
	mamori_diag_clear(&d);
	if ((e = mamori_cred_add(&s, argv[optind], role, now(), &a, &d)) != MAMORI_OK) {
		cli_diag(argv[optind], e, &d);
		sodium_memzero(pw, sizeof(pw));
		mamori_cred_store_close(&s);
		return e == MAMORI_E_INVAL ? EXIT_USAGE : EXIT_VERDICT;
	}
	a->expires = expires;
	if (!nopw && (rc = set_password(&s, a, pw, len, true)) != EXIT_OK) {
		sodium_memzero(pw, sizeof(pw));
		mamori_cred_store_close(&s);
		return rc;
	}
	sodium_memzero(pw, sizeof(pw));
	rc = commit_close(&s, EXIT_OK);
	if (rc == EXIT_OK && !cli_quiet)
		fprintf(stderr, "mamori: added %s (%s); %s\n", argv[optind], role,
		    nopw ? "no password until first use"
		         : "must change the password at first login");
	return rc;
}

/* Opens the store for writing and finds name in it; on failure the store is closed. */
static int
open_account(const char *name, struct mamori_cred_store *s, struct mamori_cred_account **a)
{
	int rc;

	if ((rc = open_store(true, s)) != EXIT_OK)
		return rc;
	if ((*a = mamori_cred_find(s, name)) == NULL) {
		cli_err("%s: no such account", name);
		mamori_cred_store_close(s);
		return EXIT_VERDICT;
	}
	return EXIT_OK;
}

static int
c_passwd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"must-change", no_argument, NULL, 'm'}, {NULL, 0, NULL, 0}};
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	char pw[MAMORI_CRED_PASSWORD_MAX + 2];
	size_t len;
	bool must = false;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'm')
			return EXIT_USAGE;
		must = true;
	}
	if (argc - optind != 1) {
		cli_err("passwd takes one user name");
		return EXIT_USAGE;
	}
	if ((rc = read_new_password(pw, &len)) != EXIT_OK)
		return rc;
	if ((rc = open_account(argv[optind], &s, &a)) != EXIT_OK) {
		sodium_memzero(pw, sizeof(pw));
		return rc;
	}
	rc = set_password(&s, a, pw, len, must);
	sodium_memzero(pw, sizeof(pw));
	if (rc != EXIT_OK) {
		mamori_cred_store_close(&s);
		return rc;
	}
	return commit_close(&s, EXIT_OK);
}

static int
c_verify(int argc, char **argv)
{
	static const struct option opts[] = {{"code", required_argument, NULL, 'c'},
	    {"source", required_argument, NULL, 's'}, {"first-use", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0}};
	const char *code = NULL, *source = "local";
	struct mamori_cred_store s;
	struct mamori_cred_result res;
	char pw[MAMORI_CRED_PASSWORD_MAX + 2];
	size_t len = 0;
	unsigned flags = 0;
	mamori_err e;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			code = optarg;
			break;
		case 's':
			source = optarg;
			break;
		case 'f':
			flags |= MAMORI_CRED_AUTH_FIRST_USE;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_err("verify takes one user name");
		return EXIT_USAGE;
	}
	if (!read_secret("Password: ", pw, &len) && len > MAMORI_CRED_PASSWORD_MAX)
		len = MAMORI_CRED_PASSWORD_MAX + 1; /* an over-long guess is simply wrong */
	if ((rc = open_store(true, &s)) != EXIT_OK) {
		sodium_memzero(pw, sizeof(pw));
		return rc;
	}
	e = mamori_cred_authenticate(&s, argv[optind], source, pw, len, code, flags, now(), &res);
	sodium_memzero(pw, sizeof(pw));
	if (e != MAMORI_OK) {
		cli_err("verify: %s", mamori_strerror(e));
		mamori_cred_store_close(&s);
		return EXIT_RUNTIME;
	}
	rc = res.verdict == MAMORI_CRED_ACCEPTED && !res.must_change ? EXIT_OK : EXIT_VERDICT;
	if (res.verdict == MAMORI_CRED_THROTTLED)
		mamori_cred_store_close(&s); /* nothing changed: nothing to write */
	else
		rc = commit_close(&s, rc);
	if (json_out) {
		printf(
		    "{\"user\":\"%s\",\"verdict\":\"%s\",\"must_change\":%s,\"retry_at\":%llu}\n",
		    mamori_cred_name_valid(argv[optind]) ? argv[optind] : "?",
		    res.verdict == MAMORI_CRED_ACCEPTED ? "accepted"
		    : res.verdict == MAMORI_CRED_DENIED ? "denied"
		                                        : "throttled",
		    res.must_change ? "true" : "false", (unsigned long long)res.retry_at);
	} else if (res.verdict == MAMORI_CRED_THROTTLED) {
		fprintf(stderr, "mamori: denied: too many failures, retry in %llu s\n",
		    (unsigned long long)(res.retry_at - now()));
	} else if (res.verdict == MAMORI_CRED_DENIED) {
		fprintf(stderr, "mamori: denied\n"); /* the same for every reason */
	} else if (res.must_change) {
		fprintf(
		    stderr, "mamori: accepted only to change the password (mamori cred passwd)\n");
	} else if (!cli_quiet) {
		fprintf(stderr, "mamori: accepted%s\n",
		    res.recovery_used ? " with a recovery code (it is used up)" : "");
	}
	return rc;
}

static int
c_flag(int argc, char **argv, int what)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	int rc;

	if (argc != 2) {
		cli_err("%s takes one user name", argv[0]);
		return EXIT_USAGE;
	}
	if ((rc = open_account(argv[1], &s, &a)) != EXIT_OK)
		return rc;
	if (what == 'l')
		a->flags |= MAMORI_CRED_F_DISABLED;
	else if (what == 'u')
		a->flags &= ~MAMORI_CRED_F_DISABLED;
	else if (mamori_cred_del(&s, argv[1]) != MAMORI_OK) {
		mamori_cred_store_close(&s);
		return EXIT_RUNTIME;
	}
	return commit_close(&s, EXIT_OK);
}

static int
c_mod(int argc, char **argv)
{
	static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
	    {"expires", required_argument, NULL, 'e'}, {NULL, 0, NULL, 0}};
	const char *role = NULL, *exp = NULL;
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	uint64_t expires = 0;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (ch == 'r')
			role = optarg;
		else if (ch == 'e')
			exp = optarg;
		else
			return EXIT_USAGE;
	}
	if (argc - optind != 1 || (role == NULL && exp == NULL)) {
		cli_err("mod takes one user name and --role or --expires");
		return EXIT_USAGE;
	}
	if (exp != NULL && strcmp(exp, "never") != 0 && !cli_parse_date(exp, &expires)) {
		cli_err("--expires: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, @UNIXTIME or never");
		return EXIT_USAGE;
	}
	if ((rc = open_account(argv[optind], &s, &a)) != EXIT_OK)
		return rc;
	if (role != NULL) {
		if (mamori_cred_role_find(&s, role) == NULL) {
			cli_err("no role named '%s' (mamori cred role list)", role);
			mamori_cred_store_close(&s);
			return EXIT_VERDICT;
		}
		snprintf(a->role, sizeof(a->role), "%s", role);
	}
	if (exp != NULL)
		a->expires = expires;
	return commit_close(&s, EXIT_OK);
}

static int
print_json(struct mamori_buf *b, struct mamori_json *j)
{
	if (mamori_json_err(j) != MAMORI_OK) {
		cli_err("JSON output too large");
		mamori_buf_free(b);
		return EXIT_RUNTIME;
	}
	fwrite(b->p, 1, b->len, stdout);
	fputc('\n', stdout);
	mamori_buf_free(b);
	return EXIT_OK;
}

static const char *
otp_desc(const struct mamori_cred_otp *o)
{
	if (o->kind == MAMORI_OTP_NONE)
		return "none";
	if (o->pending)
		return o->kind == MAMORI_OTP_TOTP ? "totp (pending)" : "hotp (pending)";
	return o->kind == MAMORI_OTP_TOTP ? "totp" : "hotp";
}

static int
c_list(int argc, char **argv)
{
	struct mamori_cred_store s;
	int rc;

	(void)argv;
	if (argc != 1) {
		cli_err("list takes no operands");
		return EXIT_USAGE;
	}
	if ((rc = open_store(false, &s)) != EXIT_OK)
		return rc;
	if (json_out) {
		struct mamori_buf b;
		struct mamori_json j;
		mamori_buf_init(&b, (size_t)8 << 20);
		mamori_json_init(&j, &b);
		mamori_json_obj_begin(&j);
		mamori_json_kstr(&j, "class", mamori_cred_class_name(s.cls));
		mamori_json_ku64(&j, "min_length", s.min_length);
		mamori_json_key(&j, "accounts");
		mamori_json_arr_begin(&j);
		for (size_t i = 0; i < s.n_accounts; i++) {
			const struct mamori_cred_account *a = &s.accounts[i];
			mamori_json_obj_begin(&j);
			mamori_json_kstr(&j, "user", a->name);
			mamori_json_kstr(&j, "role", a->role);
			mamori_json_kstr(&j, "hash", mamori_cred_hash_kind(a->hash));
			mamori_json_key(&j, "must_change");
			mamori_json_bool(&j, (a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0);
			mamori_json_key(&j, "disabled");
			mamori_json_bool(&j, (a->flags & MAMORI_CRED_F_DISABLED) != 0);
			mamori_json_kstr(&j, "otp", otp_desc(&a->otp));
			mamori_json_ku64(&j, "recovery_codes", a->n_recovery);
			mamori_json_ku64(&j, "created", a->created);
			mamori_json_ku64(&j, "changed", a->changed);
			mamori_json_ku64(&j, "last_login", a->last_login);
			mamori_json_ku64(&j, "expires", a->expires);
			mamori_json_obj_end(&j);
		}
		mamori_json_arr_end(&j);
		mamori_json_key(&j, "roles");
		mamori_json_arr_begin(&j);
		for (size_t i = 0; i < s.n_roles; i++) {
			mamori_json_obj_begin(&j);
			mamori_json_kstr(&j, "name", s.roles[i].name);
			mamori_json_key(&j, "permissions");
			mamori_json_arr_begin(&j);
			for (size_t k = 0; k < s.roles[i].n_perms; k++)
				mamori_json_str(&j, s.roles[i].perms[k]);
			mamori_json_arr_end(&j);
			mamori_json_obj_end(&j);
		}
		mamori_json_arr_end(&j);
		mamori_json_obj_end(&j);
		rc = print_json(&b, &j);
	} else {
		printf("%-16s %-10s %-14s %-15s %-20s %s\n", "USER", "ROLE", "HASH",
		    "SECOND FACTOR", "LAST LOGIN", "STATE");
		for (size_t i = 0; i < s.n_accounts; i++) {
			const struct mamori_cred_account *a = &s.accounts[i];
			char last[32], state[64];
			fmt_time(a->last_login, last, sizeof(last));
			snprintf(state, sizeof(state), "%s%s%s",
			    (a->flags & MAMORI_CRED_F_DISABLED) != 0 ? "locked " : "",
			    a->hash[0] == '\0'                            ? "first-use "
			    : (a->flags & MAMORI_CRED_F_MUST_CHANGE) != 0 ? "must-change "
			                                                  : "",
			    a->expires != 0 && now() >= a->expires ? "expired" : "");
			printf("%-16s %-10s %-14s %-15s %-20s %s\n", a->name, a->role,
			    mamori_cred_hash_kind(a->hash), otp_desc(&a->otp), last,
			    state[0] != '\0' ? state : "ok");
		}
	}
	mamori_cred_store_close(&s);
	return rc;
}

static int
c_check(int argc, char **argv)
{
	struct mamori_cred_store s;
	struct mamori_cred_issue *is = NULL;
	size_t n = 0;
	int rc, verdict = EXIT_OK;

	(void)argv;
	if (argc != 1) {
		cli_err("check takes no operands");
		return EXIT_USAGE;
	}
	if ((rc = open_store(false, &s)) != EXIT_OK)
		return rc;
	if (mamori_cred_check(&s, now(), &is, &n) != MAMORI_OK) {
		mamori_cred_store_close(&s);
		cli_err("out of memory");
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < n; i++)
		if (is[i].severity <= 2)
			verdict = EXIT_VERDICT;
	if (json_out) {
		struct mamori_buf b;
		struct mamori_json j;
		mamori_buf_init(&b, (size_t)8 << 20);
		mamori_json_init(&j, &b);
		mamori_json_obj_begin(&j);
		mamori_json_kstr(&j, "store", store_path);
		mamori_json_ku64(&j, "accounts", s.n_accounts);
		mamori_json_key(&j, "issues");
		mamori_json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			mamori_json_obj_begin(&j);
			mamori_json_kstr(&j, "id", is[i].id);
			mamori_json_ku64(&j, "severity", is[i].severity);
			mamori_json_kstr(&j, "user", is[i].user);
			mamori_json_kstr(&j, "why", is[i].why);
			mamori_json_obj_end(&j);
		}
		mamori_json_arr_end(&j);
		mamori_json_obj_end(&j);
		rc = print_json(&b, &j);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%u %-24s %-16s %s\n", is[i].severity, is[i].id,
			    is[i].user[0] != '\0' ? is[i].user : "-", is[i].why);
		if (!cli_quiet)
			fprintf(stderr, "mamori: %zu account(s), %zu issue(s)\n", s.n_accounts, n);
	}
	free(is);
	mamori_cred_store_close(&s);
	return rc != EXIT_OK ? rc : verdict;
}

static int
read_device_secret(const char *path, struct mamori_buf *b)
{
	struct stat st;
	mamori_err e;

	mamori_buf_init(b, MAMORI_CRED_DEVICE_SECRET_MAX);
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0) {
		cli_err("%s: mode %04o: a device secret must not be readable by others (chmod 600)",
		    path, (unsigned)(st.st_mode & 07777));
		return EXIT_RUNTIME;
	}
	if ((e = mamori_read_file(path, b)) != MAMORI_OK) {
		if (e == MAMORI_E_TOOBIG)
			cli_err("%s: a device secret has at most %u bytes", path,
			    MAMORI_CRED_DEVICE_SECRET_MAX);
		else
			cli_err("%s: %s", path,
			    e == MAMORI_E_IO ? strerror(errno) : mamori_strerror(e));
		mamori_buf_wipe_free(b);
		return EXIT_RUNTIME;
	}
	if (b->len < MAMORI_CRED_DEVICE_SECRET_MIN) {
		cli_err("%s: a device secret has at least %u bytes (%zu here)", path,
		    MAMORI_CRED_DEVICE_SECRET_MIN, b->len);
		mamori_buf_wipe_free(b);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int
c_provision(int argc, char **argv)
{
	static const struct option opts[] = {{"device-secret", required_argument, NULL, 'd'},
	    {"serial", required_argument, NULL, 'S'}, {"user", required_argument, NULL, 'u'},
	    {"role", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *secret = NULL, *serial = NULL, *user = "admin", *role = "admin";
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	struct mamori_buf sb;
	struct mamori_diag d;
	char pw[MAMORI_CRED_PROVISION_LEN + 1];
	mamori_err e;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			secret = optarg;
			break;
		case 'S':
			serial = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'r':
			role = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc || secret == NULL || serial == NULL) {
		cli_err("provision needs --device-secret FILE and --serial S");
		return EXIT_USAGE;
	}
	if (strlen(serial) > MAMORI_CRED_WORD_MAX || strpbrk(serial, " \t\n") != NULL ||
	    serial[0] == '\0') {
		cli_err("--serial: 1 to %u bytes without spaces", MAMORI_CRED_WORD_MAX);
		return EXIT_USAGE;
	}
	if (!mamori_cred_name_valid(user)) {
		cli_err("--user: invalid user name");
		return EXIT_USAGE;
	}
	if ((rc = read_device_secret(secret, &sb)) != EXIT_OK)
		return rc;
	e = mamori_cred_provision_password(sb.p, sb.len, serial, user, pw);
	mamori_buf_wipe_free(&sb);
	if (e != MAMORI_OK) {
		cli_err("cannot derive the password: %s", mamori_strerror(e));
		return EXIT_RUNTIME;
	}
	if ((rc = open_store(true, &s)) != EXIT_OK) {
		sodium_memzero(pw, sizeof(pw));
		return rc;
	}
	mamori_diag_clear(&d);
	if ((a = mamori_cred_find(&s, user)) == NULL &&
	    (e = mamori_cred_add(&s, user, role, now(), &a, &d)) != MAMORI_OK) {
		cli_diag(user, e, &d);
		sodium_memzero(pw, sizeof(pw));
		mamori_cred_store_close(&s);
		return EXIT_VERDICT;
	}
	/* the serial becomes a device word: owners may not choose a password built from it */
	bool have = false;
	for (size_t i = 0; i < s.n_words; i++)
		if (strcmp(s.words[i], serial) == 0)
			have = true;
	if (!have && s.n_words < MAMORI_CRED_WORDS_MAX)
		snprintf(s.words[s.n_words++], sizeof(s.words[0]), "%s", serial);
	/* generated, not chosen: no policy check; must change at first login */
	e = mamori_cred_set_password(&s, a, pw, strlen(pw), NULL, true, now(), NULL);
	if (e != MAMORI_OK) {
		cli_err("cannot set the password: %s", mamori_strerror(e));
		sodium_memzero(pw, sizeof(pw));
		mamori_cred_store_close(&s);
		return EXIT_RUNTIME;
	}
	rc = commit_close(&s, EXIT_OK);
	if (rc == EXIT_OK)
		printf("%s\n", pw);
	sodium_memzero(pw, sizeof(pw));
	return rc;
}

static int
totp_code(int argc, char **argv)
{
	static const struct option opts[] = {{"secret", required_argument, NULL, 's'},
	    {"time", required_argument, NULL, 't'}, {"counter", required_argument, NULL, 'c'},
	    {"digits", required_argument, NULL, 'd'}, {"algorithm", required_argument, NULL, 'a'},
	    {"period", required_argument, NULL, 'p'}, {NULL, 0, NULL, 0}};
	const char *secret = NULL;
	uint64_t t = now(), counter = 0, digits = 6, period = 30;
	bool hotp = false;
	enum mamori_otp_algo algo = MAMORI_OTP_SHA1;
	uint8_t key[MAMORI_CRED_OTP_SECRET_MAX];
	size_t keylen;
	uint32_t code;
	struct mamori_diag d;
	mamori_err e;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			secret = optarg;
			break;
		case 't':
			if (!cli_parse_u64(optarg, &t)) {
				cli_err("--time: seconds since the epoch");
				return EXIT_USAGE;
			}
			break;
		case 'c':
			if (!cli_parse_u64(optarg, &counter)) {
				cli_err("--counter: a number");
				return EXIT_USAGE;
			}
			hotp = true;
			break;
		case 'd':
			if (!cli_parse_u64(optarg, &digits) || digits < 6 || digits > 8) {
				cli_err("--digits: 6, 7 or 8");
				return EXIT_USAGE;
			}
			break;
		case 'a':
			if (mamori_otp_algo_parse(optarg, &algo) != MAMORI_OK) {
				cli_err("--algorithm: sha1, sha256 or sha512");
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (!cli_parse_u64(optarg, &period) || period < 1 || period > 300) {
				cli_err("--period: 1 to 300 seconds");
				return EXIT_USAGE;
			}
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc || secret == NULL) {
		cli_err("totp code needs --secret BASE32");
		return EXIT_USAGE;
	}
	mamori_diag_clear(&d);
	if ((e = mamori_base32_decode(secret, strlen(secret), key, sizeof(key), &keylen, &d)) !=
	        MAMORI_OK ||
	    keylen == 0) {
		cli_err("--secret: %s", e != MAMORI_OK && d.msg[0] != '\0' ? d.msg
		                        : e == MAMORI_E_TOOBIG             ? "longer than 64 bytes"
		                                                           : "not base32");
		return EXIT_USAGE;
	}
	e = hotp ? mamori_hotp(key, keylen, algo, counter, (unsigned)digits, &code)
	         : mamori_totp(key, keylen, algo, t, (uint32_t)period, (unsigned)digits, &code);
	sodium_memzero(key, sizeof(key));
	if (e != MAMORI_OK) {
		cli_err("totp code: %s", mamori_strerror(e));
		return EXIT_RUNTIME;
	}
	printf("%0*u\n", (int)digits, (unsigned)code);
	return EXIT_OK;
}

static int
totp_enroll(int argc, char **argv)
{
	static const struct option opts[] = {{"hotp", no_argument, NULL, 'H'},
	    {"algorithm", required_argument, NULL, 'a'}, {"digits", required_argument, NULL, 'd'},
	    {"period", required_argument, NULL, 'p'}, {"issuer", required_argument, NULL, 'i'},
	    {"no-qr", no_argument, NULL, 'n'}, {"json", no_argument, NULL, 'j'},
	    {NULL, 0, NULL, 0}};
	const char *issuer = "mamori";
	enum mamori_otp_kind kind = MAMORI_OTP_TOTP;
	enum mamori_otp_algo algo = MAMORI_OTP_SHA1;
	uint64_t digits = 6, period = 30;
	bool qr = true;
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	char codes[MAMORI_CRED_RECOVERY_N][MAMORI_CRED_RECOVERY_LEN + 1];
	char secret[2 * MAMORI_CRED_OTP_SECRET_MAX];
	struct mamori_buf uri, qrt;
	mamori_err e;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			kind = MAMORI_OTP_HOTP;
			break;
		case 'a':
			if (mamori_otp_algo_parse(optarg, &algo) != MAMORI_OK) {
				cli_err("--algorithm: sha1, sha256 or sha512");
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (!cli_parse_u64(optarg, &digits) || digits < 6 || digits > 8) {
				cli_err("--digits: 6, 7 or 8");
				return EXIT_USAGE;
			}
			break;
		case 'p':
			if (!cli_parse_u64(optarg, &period) || period < 1 || period > 300) {
				cli_err("--period: 1 to 300 seconds");
				return EXIT_USAGE;
			}
			break;
		case 'i':
			issuer = optarg;
			if (strlen(issuer) > 64) {
				cli_err("--issuer: at most 64 bytes");
				return EXIT_USAGE;
			}
			break;
		case 'n':
			qr = false;
			break;
		case 'j':
			json_out = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_err("totp enroll takes one user name");
		return EXIT_USAGE;
	}
	if ((rc = open_account(argv[optind], &s, &a)) != EXIT_OK)
		return rc;
	if ((e = mamori_cred_otp_enroll(
	         &s, a, kind, algo, (unsigned)digits, (uint32_t)period, codes)) != MAMORI_OK) {
		cli_err("enrol: %s", mamori_strerror(e));
		mamori_cred_store_close(&s);
		return EXIT_RUNTIME;
	}
	mamori_buf_init(&uri, 4096);
	mamori_buf_init(&qrt, (size_t)1 << 20);
	mamori_base32_encode(a->otp.secret, a->otp.secret_len, secret, sizeof(secret));
	if ((e = mamori_otp_uri(&a->otp, issuer, a->name, &uri)) != MAMORI_OK ||
	    (e = mamori_buf_putc(&uri, '\0')) != MAMORI_OK ||
	    (qr && (e = mamori_qr_text((const char *)uri.p, &qrt)) != MAMORI_OK)) {
		cli_err("enrol: %s", mamori_strerror(e));
		mamori_buf_wipe_free(&uri);
		mamori_buf_wipe_free(&qrt);
		sodium_memzero(codes, sizeof(codes));
		mamori_cred_store_close(&s);
		return EXIT_RUNTIME;
	}
	rc = commit_close(&s, EXIT_OK);
	if (rc == EXIT_OK && json_out) {
		struct mamori_buf b;
		struct mamori_json j;
		mamori_buf_init(&b, 65536);
		mamori_json_init(&j, &b);
		mamori_json_obj_begin(&j);
		mamori_json_kstr(&j, "user", argv[optind]);
		mamori_json_kstr(&j, "secret", secret);
		mamori_json_kstr(&j, "uri", (const char *)uri.p);
		mamori_json_key(&j, "recovery_codes");
		mamori_json_arr_begin(&j);
		for (size_t i = 0; i < MAMORI_CRED_RECOVERY_N; i++)
			mamori_json_str(&j, codes[i]);
		mamori_json_arr_end(&j);
		mamori_json_obj_end(&j);
		if (mamori_json_err(&j) == MAMORI_OK) {
			fwrite(b.p, 1, b.len, stdout);
			fputc('\n', stdout);
		}
		mamori_buf_wipe_free(&b);
	} else if (rc == EXIT_OK) {
		if (qr)
			fwrite(qrt.p, 1, qrt.len, stdout);
		printf(
		    "secret: %s\nuri: %s\nrecovery codes (each works once; keep them offline):\n",
		    secret, (const char *)uri.p);
		for (size_t i = 0; i < MAMORI_CRED_RECOVERY_N; i++)
			printf("  %s\n", codes[i]);
		if (!cli_quiet)
			fprintf(stderr,
			    "mamori: scan the code or type the secret into an authenticator "
			    "app, then confirm with: mamori cred totp verify %s CODE\n",
			    argv[optind]);
	}
	fflush(stdout);
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(codes, sizeof(codes));
	mamori_buf_wipe_free(&uri);
	mamori_buf_wipe_free(&qrt);
	return rc;
}

static int
totp_verify(int argc, char **argv)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	bool ok;
	int rc;

	if (argc != 3) {
		cli_err("totp verify takes a user name and a code");
		return EXIT_USAGE;
	}
	if ((rc = open_account(argv[1], &s, &a)) != EXIT_OK)
		return rc;
	if (a->otp.kind == MAMORI_OTP_NONE) {
		cli_err("%s has no second factor (mamori cred totp enroll %s)", argv[1], argv[1]);
		mamori_cred_store_close(&s);
		return EXIT_VERDICT;
	}
	ok = strlen(argv[2]) == a->otp.digits && mamori_otp_check(&a->otp, argv[2], now());
	if (ok && a->otp.pending) {
		a->otp.pending = false;
		if (!cli_quiet)
			fprintf(stderr, "mamori: confirmed: logins of %s now ask for a code\n",
			    argv[1]);
	}
	rc = commit_close(&s, ok ? EXIT_OK : EXIT_VERDICT);
	if (!ok)
		fprintf(stderr, "mamori: code refused (wrong, too old, or already used)\n");
	return rc;
}

static int
totp_disable(int argc, char **argv)
{
	struct mamori_cred_store s;
	struct mamori_cred_account *a;
	int rc;

	if (argc != 2) {
		cli_err("totp disable takes one user name");
		return EXIT_USAGE;
	}
	if ((rc = open_account(argv[1], &s, &a)) != EXIT_OK)
		return rc;
	sodium_memzero(&a->otp, sizeof(a->otp));
	sodium_memzero(a->recovery, sizeof(a->recovery));
	a->n_recovery = 0;
	return commit_close(&s, EXIT_OK);
}

static int
c_totp(int argc, char **argv)
{
	if (argc < 2) {
		cli_err("totp: enroll, verify, disable or code");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "code") == 0)
		return totp_code(argc - 1, argv + 1);
	if (strcmp(argv[1], "enroll") == 0 || strcmp(argv[1], "enrol") == 0)
		return totp_enroll(argc - 1, argv + 1);
	if (strcmp(argv[1], "verify") == 0)
		return totp_verify(argc - 1, argv + 1);
	if (strcmp(argv[1], "disable") == 0)
		return totp_disable(argc - 1, argv + 1);
	cli_err("totp: no such command '%s' (enroll, verify, disable, code)", argv[1]);
	return EXIT_USAGE;
}

static int
c_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"role", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *role = "viewer";
	struct mamori_accounts sh;
	struct mamori_cred_store s;
	struct mamori_buf b;
	struct mamori_diag d;
	size_t imported = 0, skipped = 0;
	mamori_err e;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "r:", opts, NULL)) != -1) {
		if (ch != 'r')
			return EXIT_USAGE;
		role = optarg;
	}
	if (argc - optind < 1) {
		cli_err("import takes a shadow file and, optionally, the users to take from it");
		return EXIT_USAGE;
	}
	mamori_buf_init(&b, MAMORI_ACCOUNTS_FILE_MAX);
	if ((e = mamori_read_file(argv[optind], &b)) != MAMORI_OK) {
		cli_err("%s: %s", argv[optind],
		    e == MAMORI_E_IO ? strerror(errno) : mamori_strerror(e));
		mamori_buf_wipe_free(&b);
		return EXIT_RUNTIME;
	}
	mamori_diag_clear(&d);
	e = mamori_accounts_parse(MAMORI_ACCOUNTS_SHADOW, b.p, b.len, &sh, &d);
	mamori_buf_wipe_free(&b);
	if (e != MAMORI_OK) {
		cli_diag(argv[optind], e, &d);
		return EXIT_RUNTIME;
	}
	for (size_t i = 0; i < sh.nbad; i++)
		cli_err("%s: line %zu (byte %zu): %s: skipped", argv[optind], sh.bad[i].line,
		    sh.bad[i].off, sh.bad[i].why);
	if ((rc = open_store(true, &s)) != EXIT_OK) {
		mamori_accounts_free(&sh);
		return rc;
	}
	if (mamori_cred_role_find(&s, role) == NULL) {
		cli_err("no role named '%s' (mamori cred role list)", role);
		mamori_cred_store_close(&s);
		mamori_accounts_free(&sh);
		return EXIT_VERDICT;
	}
	for (size_t i = 0; i < sh.n; i++) {
		const struct mamori_account *u = &sh.a[i];
		const char *hash = u->passwd, *why = NULL;
		struct mamori_cred_account *a;
		bool wanted = argc - optind == 1;

		for (int k = optind + 1; k < argc && !wanted; k++)
			wanted = strcmp(argv[k], u->name) == 0;
		if (!wanted)
			continue;
		if (!mamori_cred_name_valid(u->name))
			why = "not a valid mamori user name";
		else if (mamori_cred_find(&s, u->name) != NULL)
			why = "already in the store";
		else if (hash[0] != '\0' && mamori_account_locked(hash))
			why = "locked in the shadow file";
		else if (hash[0] != '\0' &&
		         (strlen(hash) >= MAMORI_CRED_HASH_MAX || !mamori_cred_hash_usable(hash) ||
		             strchr(hash, ' ') != NULL))
			why = "a hash mamori cannot verify";
		if (why != NULL) {
			cli_err("%s (line %zu): %s: skipped", u->name, u->line, why);
			skipped++;
			continue;
		}
		if (mamori_cred_add(&s, u->name, role, now(), &a, NULL) != MAMORI_OK) {
			cli_err("%s (line %zu): the store is full: skipped", u->name, u->line);
			skipped++;
			continue;
		}
		if (hash[0] != '\0') {
			/* the user's own password: it keeps working, and is rehashed at the next
			 * login */
			snprintf(a->hash, sizeof(a->hash), "%s", hash);
			a->flags &= ~MAMORI_CRED_F_MUST_CHANGE;
		}
		imported++;
	}
	mamori_accounts_free(&sh);
	rc = commit_close(&s, EXIT_OK);
	if (rc == EXIT_OK && !cli_quiet)
		fprintf(
		    stderr, "mamori: imported %zu account(s), skipped %zu\n", imported, skipped);
	return rc != EXIT_OK ? rc : (skipped > 0 ? EXIT_VERDICT : EXIT_OK);
}

static int
c_role(int argc, char **argv)
{
	struct mamori_cred_store s;
	int rc;

	if (argc < 2) {
		cli_err("role: add, del or list");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "list") == 0) {
		if ((rc = open_store(false, &s)) != EXIT_OK)
			return rc;
		for (size_t i = 0; i < s.n_roles; i++) {
			printf("%s", s.roles[i].name);
			for (size_t k = 0; k < s.roles[i].n_perms; k++)
				printf(" %s", s.roles[i].perms[k]);
			printf("\n");
		}
		mamori_cred_store_close(&s);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "add") == 0) {
		struct mamori_cred_role *r;
		if (argc < 4 || (size_t)(argc - 3) > MAMORI_CRED_PERMS_MAX) {
			cli_err(
			    "role add NAME PERM... (1 to %u permissions)", MAMORI_CRED_PERMS_MAX);
			return EXIT_USAGE;
		}
		if (!mamori_cred_name_valid(argv[2])) {
			cli_err("invalid role name '%s'", argv[2]);
			return EXIT_USAGE;
		}
		for (int i = 3; i < argc; i++) {
			size_t n = strlen(argv[i]);
			if (n == 0 || n > MAMORI_CRED_PERM_MAX ||
			    strspn(argv[i], "abcdefghijklmnopqrstuvwxyz0123456789_.*-") != n) {
				cli_err("invalid permission '%s': 1 to %u of a-z 0-9 _ . - *",
				    argv[i], MAMORI_CRED_PERM_MAX);
				return EXIT_USAGE;
			}
		}
		if ((rc = open_store(true, &s)) != EXIT_OK)
			return rc;
		if (mamori_cred_role_find(&s, argv[2]) != NULL ||
		    s.n_roles == MAMORI_CRED_ROLES_MAX) {
			cli_err("role '%s' exists, or the store has %u roles", argv[2],
			    MAMORI_CRED_ROLES_MAX);
			mamori_cred_store_close(&s);
			return EXIT_VERDICT;
		}
		r = &s.roles[s.n_roles++];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", argv[2]);
		for (int i = 3; i < argc; i++)
			snprintf(r->perms[r->n_perms++], sizeof(r->perms[0]), "%s", argv[i]);
		return commit_close(&s, EXIT_OK);
	}
	if (strcmp(argv[1], "del") == 0) {
		size_t i;
		if (argc != 3) {
			cli_err("role del NAME");
			return EXIT_USAGE;
		}
		if ((rc = open_store(true, &s)) != EXIT_OK)
			return rc;
		for (i = 0; i < s.n_accounts; i++) {
			if (strcmp(s.accounts[i].role, argv[2]) == 0) {
				cli_err("role '%s' is used by %s", argv[2], s.accounts[i].name);
				mamori_cred_store_close(&s);
				return EXIT_VERDICT;
			}
		}
		for (i = 0; i < s.n_roles && strcmp(s.roles[i].name, argv[2]) != 0; i++)
			;
		if (i == s.n_roles || s.n_roles == 1) {
			cli_err("no role '%s' (or it is the last one)", argv[2]);
			mamori_cred_store_close(&s);
			return EXIT_VERDICT;
		}
		memmove(&s.roles[i], &s.roles[i + 1], (s.n_roles - i - 1) * sizeof(s.roles[0]));
		s.n_roles--;
		return commit_close(&s, EXIT_OK);
	}
	cli_err("role: no such command '%s' (add, del, list)", argv[1]);
	return EXIT_USAGE;
}

static int
c_throttle(int argc, char **argv)
{
	struct mamori_cred_store s;
	uint64_t t;
	int rc;

	if (argc < 2) {
		cli_err("throttle: list, reset or bound");
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "bound") == 0) {
		if (argc != 3 || !cli_parse_u64(argv[2], &t)) {
			cli_err("throttle bound SECONDS");
			return EXIT_USAGE;
		}
		printf("%llu\n", (unsigned long long)mamori_cred_backoff_bound(t));
		return EXIT_OK;
	}
	if (strcmp(argv[1], "list") == 0) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0)) {
			cli_err("throttle list [--json]");
			return EXIT_USAGE;
		}
		if (argc == 3)
			json_out = true;
		if ((rc = open_store(false, &s)) != EXIT_OK)
			return rc;
		if (json_out) {
			struct mamori_buf b;
			struct mamori_json j;
			mamori_buf_init(&b, (size_t)8 << 20);
			mamori_json_init(&j, &b);
			mamori_json_arr_begin(&j);
			for (size_t i = 0; i < s.n_throttle; i++) {
				const struct mamori_cred_throttle *th = &s.throttle[i];
				mamori_json_obj_begin(&j);
				mamori_json_kstr(&j, "key", th->key);
				mamori_json_ku64(&j, "failures", th->failures);
				mamori_json_ku64(&j, "evaluated", th->evaluated);
				mamori_json_ku64(&j, "last", th->last);
				mamori_json_ku64(&j, "until", th->until);
				mamori_json_obj_end(&j);
			}
			mamori_json_arr_end(&j);
			rc = print_json(&b, &j);
		} else {
			uint64_t n = now();
			printf("%-40s %9s %9s %s\n", "KEY", "FAILURES", "EVALUATED", "WAIT");
			for (size_t i = 0; i < s.n_throttle; i++) {
				const struct mamori_cred_throttle *th = &s.throttle[i];
				printf("%-40s %9u %9llu %llus\n", th->key, (unsigned)th->failures,
				    (unsigned long long)th->evaluated,
				    (unsigned long long)(th->until > n ? th->until - n : 0));
			}
		}
		mamori_cred_store_close(&s);
		return rc;
	}
	if (strcmp(argv[1], "reset") == 0) {
		size_t kept = 0;
		if (argc > 3) {
			cli_err("throttle reset [KEY]");
			return EXIT_USAGE;
		}
		if ((rc = open_store(true, &s)) != EXIT_OK)
			return rc;
		for (size_t i = 0; i < s.n_throttle; i++)
			if (argc == 3 && strcmp(s.throttle[i].key, argv[2]) != 0)
				s.throttle[kept++] = s.throttle[i];
		if (argc == 3 && kept == s.n_throttle) {
			cli_err("no throttle record '%s' (u:USER or s:SOURCE)", argv[2]);
			mamori_cred_store_close(&s);
			return EXIT_VERDICT;
		}
		s.n_throttle = kept;
		return commit_close(&s, EXIT_OK);
	}
	cli_err("throttle: no such command '%s' (list, reset, bound)", argv[1]);
	return EXIT_USAGE;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} verbs[] = {
    {"init", c_init},
    {"add", c_add},
    {"passwd", c_passwd},
    {"verify", c_verify},
    {"mod", c_mod},
    {"list", c_list},
    {"check", c_check},
    {"provision", c_provision},
    {"totp", c_totp},
    {"import", c_import},
    {"role", c_role},
    {"throttle", c_throttle},
};

int
cmd_cred(int argc, char **argv)
{
	int i = 1;

	store_path = getenv("MAMORI_CRED_STORE");
	if (store_path == NULL || store_path[0] == '\0')
		store_path = DEFAULT_STORE;
	/* global options before the verb; --json anywhere after it */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(cred_usage, stdout);
			return EXIT_OK;
		}
		if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--store") == 0) &&
		    i + 1 < argc) {
			store_path = argv[i + 1];
			i += 2;
			continue;
		}
		cli_err("cred: unknown option '%s'", argv[i]);
		fputs(cred_usage, stderr);
		return EXIT_USAGE;
	}
	if (i == argc) {
		fputs(cred_usage, stderr);
		return EXIT_USAGE;
	}
	if (strlen(store_path) > 4000) {
		cli_err("store path too long");
		return EXIT_USAGE;
	}
	for (int k = i + 1; k < argc; k++) {
		if (strcmp(argv[k], "-h") == 0 || strcmp(argv[k], "--help") == 0) {
			fputs(cred_usage, stdout);
			return EXIT_OK;
		}
	}
	for (int k = i + 1; k < argc;) {
		if (strcmp(argv[k], "--json") == 0 && strcmp(argv[i], "totp") != 0 &&
		    strcmp(argv[i], "throttle") != 0) {
			json_out = true;
			memmove(&argv[k], &argv[k + 1], (size_t)(argc - k) * sizeof(argv[0]));
			argc--;
			continue;
		}
		k++;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(argv[i], verbs[v].name) == 0) {
			optind = 1;
			return verbs[v].fn(argc - i, argv + i);
		}
	}
	if (strcmp(argv[i], "lock") == 0 || strcmp(argv[i], "unlock") == 0 ||
	    strcmp(argv[i], "del") == 0)
		return c_flag(argc - i, argv + i,
		    argv[i][0] == 'l'   ? 'l'
		    : argv[i][0] == 'u' ? 'u'
		                        : 'd');
	cli_err("cred: no such command '%s'", argv[i]);
	fputs(cred_usage, stderr);
	return EXIT_USAGE;
}
