/* SPDX-License-Identifier: MIT */
/* IPS through libnftables. Dry-run cases need no privileges; the real ones run as root in a
 * forked child inside a private network namespace, so the host firewall is never touched. */
#define _GNU_SOURCE
#include <nftables/libnftables.h>

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "mamori/block.h"
#include "mamori/buf.h"
#include "mamori/ip.h"
#include "vec.h"

#define VEC_FILE "tests/vectors/block/add.vec"

static struct mamori_ip
ip_of(const char *s)
{
	struct mamori_ip a;

	memset(&a, 0, sizeof(a));
	CHECK_OK(mamori_ip_parse(s, &a));
	return a;
}

static bool
log_is(const struct mamori_buf *b, const char *want)
{
	return b->len == strlen(want) && memcmp(b->p, want, b->len) == 0;
}

static void
dry_run_vectors(void)
{
	struct vec_file vf;
	size_t n = 0;

	CHECK(vec_load(VEC_FILE, &vf) == 0);
	if (vf.rec == NULL && vf.n == 0)
		return;
	for (size_t i = 0; i < vf.n; i++) {
		const struct vec_record *r = &vf.rec[i];
		const char *addr = vec_get(r, "addr"), *cmd = vec_get(r, "cmd");
		const char *tmo = vec_get(r, "timeout");
		struct mamori_block_opts o = {.dry_run = true, .table = vec_get(r, "table")};
		struct mamori_block *b = NULL;
		struct mamori_diag d;
		struct mamori_buf log;
		struct mamori_ip a;
		char want[256];

		CHECK(addr != NULL && cmd != NULL && tmo != NULL);
		if (addr == NULL || cmd == NULL || tmo == NULL)
			continue;
		o.timeout_s = (unsigned)strtoul(tmo, NULL, 10);
		a = ip_of(addr);
		(void)snprintf(want, sizeof(want), "%s\n", cmd);
		mamori_buf_init(&log, 4096);
		CHECK_OK(mamori_block_open(&o, &b, &d));
		if (b == NULL)
			continue;
		CHECK_OK(mamori_block_add(b, &a, &log, &d));
		if (!log_is(&log, want))
			fprintf(stderr, "%s:%zu: got \"%.*s\"\n", VEC_FILE, r->line, (int)log.len,
			    (const char *)log.p);
		CHECK(log_is(&log, want));
		CHECK(mamori_block_count(b) == 1);
		mamori_block_close(b);
		mamori_buf_free(&log);
		n++;
	}
	CHECK(n == 8);
	vec_free(&vf);
}

static void
dedup(void)
{
	struct mamori_block_opts o = {.dry_run = true, .timeout_s = 3600};
	struct mamori_block *b = NULL;
	struct mamori_diag d;
	struct mamori_buf log;
	struct mamori_ip a = ip_of("192.0.2.66"), mapped = ip_of("::ffff:192.0.2.66");
	struct mamori_ip v6 = ip_of("2001:db8::66"), v6b = ip_of("2001:0db8:0::066");

	mamori_buf_init(&log, 4096);
	CHECK_OK(mamori_block_open(&o, &b, &d));
	if (b == NULL)
		return;
	CHECK(mamori_block_count(b) == 0);
	CHECK_OK(mamori_block_add(b, &a, &log, &d));
	CHECK_OK(mamori_block_add(b, &a, &log, &d));
	CHECK_OK(mamori_block_add(b, &mapped, &log, &d));
	CHECK_OK(mamori_block_add(b, &v6, &log, &d));
	CHECK_OK(mamori_block_add(b, &v6b, &log, &d));
	CHECK_OK(mamori_block_add(b, &a, NULL, &d));
	CHECK(mamori_block_count(b) == 2);
	CHECK(log_is(&log, "add element inet mamori block4 { 192.0.2.66 timeout 3600s }\n"
	                   "add element inet mamori block6 { 2001:db8::66 timeout 3600s }\n"));
	mamori_block_close(b);
	mamori_buf_free(&log);
}

/* MAMORI_BLOCK_MAX_ENTRIES distinct addresses fit; one more is refused; repeats still pass. */
static void
cap(void)
{
	struct mamori_block_opts o = {.dry_run = true};
	struct mamori_block *b = NULL;
	struct mamori_diag d;
	struct mamori_ip a = ip_of("2001:db8::"), first;
	mamori_err e = MAMORI_OK;

	CHECK_OK(mamori_block_open(&o, &b, &d));
	if (b == NULL)
		return;
	first = a;
	for (uint32_t i = 0; i < MAMORI_BLOCK_MAX_ENTRIES && e == MAMORI_OK; i++) {
		a.b[12] = (uint8_t)(i >> 24);
		a.b[13] = (uint8_t)(i >> 16);
		a.b[14] = (uint8_t)(i >> 8);
		a.b[15] = (uint8_t)i;
		e = mamori_block_add(b, &a, NULL, &d);
	}
	CHECK_OK(e);
	CHECK(mamori_block_count(b) == MAMORI_BLOCK_MAX_ENTRIES);
	a = ip_of("192.0.2.1");
	CHECK(mamori_block_add(b, &a, NULL, &d) == MAMORI_E_TOOBIG);
	CHECK(strstr(d.msg, "192.0.2.1 not added") != NULL);
	CHECK_OK(mamori_block_add(b, &first, NULL, &d));
	CHECK(mamori_block_count(b) == MAMORI_BLOCK_MAX_ENTRIES);
	mamori_block_close(b);
}

/* A full log refuses the add without recording the address, so a retry works. */
static void
log_full(void)
{
	struct mamori_block_opts o = {.dry_run = true, .timeout_s = 10};
	struct mamori_block *b = NULL;
	struct mamori_diag d;
	struct mamori_buf small, big;
	struct mamori_ip a = ip_of("192.0.2.66");

	mamori_buf_init(&small, 16);
	mamori_buf_init(&big, 4096);
	CHECK_OK(mamori_block_open(&o, &b, &d));
	if (b == NULL)
		return;
	CHECK(mamori_block_add(b, &a, &small, &d) == MAMORI_E_TOOBIG);
	CHECK(small.len == 0);
	CHECK(mamori_block_count(b) == 0);
	CHECK_OK(mamori_block_add(b, &a, &big, &d));
	CHECK(log_is(&big, "add element inet mamori block4 { 192.0.2.66 timeout 10s }\n"));
	CHECK(mamori_block_count(b) == 1);
	mamori_block_close(b);
	mamori_buf_free(&small);
	mamori_buf_free(&big);
}

static void
bad_options(void)
{
	static const char *const bad_tables[] = {"", "1abc", "mamori; flush ruleset", "a-b", "a b",
	    "abcdefghijklmnopqrstuvwxyz0123456", "table\n"};
	struct mamori_block_opts o = {.dry_run = true};
	struct mamori_block *b = NULL;
	struct mamori_diag d;

	for (size_t i = 0; i < sizeof(bad_tables) / sizeof(bad_tables[0]); i++) {
		o.table = bad_tables[i];
		CHECK(mamori_block_open(&o, &b, &d) == MAMORI_E_INVAL);
		CHECK(strstr(d.msg, "bad table name") != NULL);
	}
	o.table = "abcdefghijklmnopqrstuvwxyz012345"; /* 32 characters: the longest allowed */
	CHECK_OK(mamori_block_open(&o, &b, &d));
	mamori_block_close(b);
	b = NULL;
	o.table = NULL;
	o.timeout_s = MAMORI_BLOCK_TIMEOUT_MAX + 1;
	CHECK(mamori_block_open(&o, &b, &d) == MAMORI_E_INVAL);
	CHECK(b == NULL);
	o.timeout_s = MAMORI_BLOCK_TIMEOUT_MAX;
	CHECK_OK(mamori_block_open(&o, &b, &d));
	mamori_block_close(b);
	CHECK(mamori_block_open(NULL, &b, &d) == MAMORI_E_INVAL);
}

/* Without CAP_NET_ADMIN a real open fails with a message from libnftables. */
static void
unprivileged_open(void)
{
	struct mamori_block_opts o = {.dry_run = false, .timeout_s = 60};
	struct mamori_block *b = NULL;
	struct mamori_diag d;

	CHECK(mamori_block_open(&o, &b, &d) == MAMORI_E_PERM);
	CHECK(strcmp(d.msg, "nftables: cannot create table: Error: Could not process rule: "
	                    "Operation not permitted") == 0);
	CHECK(strstr(d.msg, "Operation not permitted") != NULL);
	CHECK(b == NULL);
}

/* ---- root, private network namespace ---- */

/* Runs cmd through a fresh libnftables context; returns its output (malloc'd) or NULL. */
static char *
nft_out(const char *cmd)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);
	char *res = NULL;

	if (nft == NULL)
		return NULL;
	if (nft_ctx_buffer_output(nft) == 0 && nft_ctx_buffer_error(nft) == 0) {
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_NUMERIC_PRIO);
		if (nft_run_cmd_from_buffer(nft, cmd) == 0)
			res = strdup(nft_ctx_get_output_buffer(nft));
		else
			fprintf(stderr, "nft \"%s\": %s", cmd, nft_ctx_get_error_buffer(nft));
	}
	nft_ctx_free(nft);
	return res;
}

static size_t
count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void
real_body(void)
{
	static const char pre[] = "table inet mamori {\n"
	                          "\tchain prerouting {\n"
	                          "\t\ttype filter hook prerouting priority -150; policy accept;\n"
	                          "\t\tip saddr @block4 drop\n"
	                          "\t\tip6 saddr @block6 drop\n"
	                          "\t}\n"
	                          "}\n";
	static const char post[] = "table inet mamori {\n"
	                           "\tchain output {\n"
	                           "\t\ttype filter hook output priority -150; policy accept;\n"
	                           "\t\tip daddr @block4 drop\n"
	                           "\t\tip6 daddr @block6 drop\n"
	                           "\t}\n"
	                           "}\n";
	struct mamori_block_opts o = {.dry_run = false, .timeout_s = 3600};
	struct mamori_block *b = NULL, *b2 = NULL;
	struct mamori_ip a = ip_of("192.0.2.66"), a2 = ip_of("198.51.100.7");
	struct mamori_ip v6 = ip_of("2001:db8::66");
	struct mamori_diag d;
	struct mamori_buf log;
	char *out;

	mamori_buf_init(&log, 4096);
	CHECK_OK(mamori_block_open(&o, &b, &d));
	if (b == NULL) {
		fprintf(stderr, "nftables unusable in a network namespace: %s\n", d.msg);
		return;
	}
	CHECK_OK(mamori_block_add(b, &a, &log, &d));
	CHECK_OK(mamori_block_add(b, &a2, &log, &d));
	CHECK_OK(mamori_block_add(b, &v6, &log, &d));
	CHECK_OK(mamori_block_add(b, &a, &log, &d));
	CHECK(mamori_block_count(b) == 3);
	CHECK(log_is(&log, "add element inet mamori block4 { 192.0.2.66 timeout 3600s }\n"
	                   "add element inet mamori block4 { 198.51.100.7 timeout 3600s }\n"
	                   "add element inet mamori block6 { 2001:db8::66 timeout 3600s }\n"));

	out = nft_out("list set inet mamori block4");
	CHECK(out != NULL);
	if (out != NULL) {
		CHECK(strstr(out, "type ipv4_addr") != NULL);
		CHECK(strstr(out, "flags timeout") != NULL);
		CHECK(strstr(out, "192.0.2.66 timeout 1h expires ") != NULL);
		CHECK(strstr(out, "198.51.100.7 timeout 1h expires ") != NULL);
		CHECK(strstr(out, "2001:db8::66") == NULL);
		free(out);
	}
	out = nft_out("list set inet mamori block6");
	CHECK(out != NULL);
	if (out != NULL) {
		CHECK(strstr(out, "type ipv6_addr") != NULL);
		CHECK(strstr(out, "2001:db8::66 timeout 1h expires ") != NULL);
		CHECK(strstr(out, "192.0.2.66") == NULL);
		free(out);
	}

	/* Second open: same rules, not twice; the blocked addresses stay. */
	CHECK_OK(mamori_block_open(&o, &b2, &d));
	out = nft_out("list table inet mamori");
	CHECK(out != NULL);
	if (out != NULL) {
		CHECK(count_of(out, " drop\n") == 4);
		CHECK(count_of(out, "chain ") == 2);
		CHECK(strstr(out, "198.51.100.7 timeout 1h expires ") != NULL);
		free(out);
	}
	out = nft_out("list chain inet mamori prerouting");
	CHECK(out != NULL);
	if (out != NULL) {
		if (strcmp(out, pre) != 0)
			fprintf(stderr, "prerouting:\n%s", out);
		CHECK(strcmp(out, pre) == 0);
		free(out);
	}
	out = nft_out("list chain inet mamori output");
	CHECK(out != NULL);
	if (out != NULL) {
		if (strcmp(out, post) != 0)
			fprintf(stderr, "output:\n%s", out);
		CHECK(strcmp(out, post) == 0);
		free(out);
	}

	/* libnftables errors reach the diag: the table is gone under our feet. */
	out = nft_out("delete table inet mamori");
	CHECK(out != NULL);
	free(out);
	a = ip_of("203.0.113.5");
	mamori_buf_reset(&log);
	CHECK(mamori_block_add(b, &a, &log, &d) == MAMORI_E_IO);
	CHECK(strncmp(d.msg, "nftables: 203.0.113.5: Error: ", 30) == 0);
	CHECK(strchr(d.msg, '\n') == NULL);
	CHECK(log.len == 0);
	CHECK(mamori_block_count(b) == 3);

	mamori_block_close(b2);
	mamori_block_close(b);
	mamori_buf_free(&log);
}

static void
real_nft(void)
{
	int st = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
			_exit(2);
		}
		check_failed_ = 0;
		real_body();
		fflush(NULL);
		_exit(check_failed_ != 0 ? 1 : 0);
	}
	CHECK(pid > 0);
	if (pid <= 0)
		return;
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int
main(void)
{
	static const struct check_case user[] = {
	    CHECK_CASE(dry_run_vectors),
	    CHECK_CASE(dedup),
	    CHECK_CASE(cap),
	    CHECK_CASE(log_full),
	    CHECK_CASE(bad_options),
	    CHECK_CASE(unprivileged_open),
	};
	static const struct check_case root[] = {
	    CHECK_CASE(dry_run_vectors),
	    CHECK_CASE(dedup),
	    CHECK_CASE(cap),
	    CHECK_CASE(log_full),
	    CHECK_CASE(bad_options),
	    CHECK_CASE(real_nft),
	};

	if (geteuid() != 0)
		return check_run("test_block", user, sizeof(user) / sizeof(user[0]));
	return check_run("test_block", root, sizeof(root) / sizeof(root[0]));
}
