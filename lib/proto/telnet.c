/* SPDX-License-Identifier: MIT */
/* Telnet session follower: strips IAC negotiation from both directions, assembles the client's
 * lines, latches the server's prompts and decides the verdict of each login attempt. See
 * docs/internals/proto.md for the state machine and its blind spots. */
#include <string.h>

#include "mamori/proto.h"

/* RFC 854 command bytes */
#define IAC  255
#define DONT 254
#define DO   253
#define WONT 252
#define WILL 251
#define SB   250
#define EL   248
#define EC   247
#define SE   240

/* IAC parser states (t->cli_iac, t->srv_iac) */
enum { S_DATA, S_IAC, S_OPT, S_SB, S_SB_IAC };

/* iac_step() results besides a data byte 0..255 */
#define R_NONE (-1)
#define R_EC   (-2) /* erase character */
#define R_EL   (-3) /* erase line */

/* t->phase */
enum {
	P_USER,    /* waiting for a user name */
	P_PASS,    /* have a user name, waiting for the password */
	P_PENDING, /* have a password, waiting for the verdict */
	P_SHELL,   /* logged in: lines are commands */
	P_CAPPED,  /* MAMORI_TELNET_MAX_ATTEMPTS reached: lines ignored */
	P_ENDED,   /* mamori_telnet_end() was called */
};

/* t->prompt and classify() results */
enum { K_NONE, K_LOGIN, K_PASS, K_SHELL };

/* t->flags */
#define F_USER_PROMPTED 0x01 /* the user name answered a login prompt */
#define F_PASS_PROMPTED 0x02 /* the password answered a password prompt */
#define F_HELD          0x04 /* t->held holds a line typed while the verdict was pending */

static const char *const fail_words[] = {
    "incorrect",
    "failed",
    "failure",
    "denied",
    "invalid",
    "bad password",
    "wrong",
};
static const char *const ok_words[] = {"busybox v", "last login", "welcome"};

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Interprets the byte after an IAC (also an IAC other than SE inside SB: the SE was lost). */
static int
iac_cmd(uint8_t *st, uint16_t *sb, uint8_t c)
{
	*st = S_DATA;
	switch (c) {
	case IAC:
		return IAC; /* IAC IAC: a 0xff data byte */
	case WILL:
	case WONT:
	case DO:
	case DONT:
		*st = S_OPT;
		return R_NONE;
	case SB:
		*st = S_SB;
		*sb = 0;
		return R_NONE;
	case EC:
		return R_EC;
	case EL:
		return R_EL;
	default:
		return R_NONE; /* NOP, DM, BRK, IP, AO, AYT, GA, stray SE */
	}
}

/* One byte through the IAC parser of one direction: a data byte, or R_*. */
static int
iac_step(uint8_t *st, uint16_t *sb, uint8_t c)
{
	switch (*st) {
	case S_IAC:
		return iac_cmd(st, sb, c);
	case S_OPT:
		*st = S_DATA; /* the option byte of WILL/WONT/DO/DONT */
		return R_NONE;
	case S_SB:
		if (c == IAC) {
			*st = S_SB_IAC;
			return R_NONE;
		}
		break;
	case S_SB_IAC:
		if (c == SE) {
			*st = S_DATA;
			return R_NONE;
		}
		if (c != IAC)
			return iac_cmd(st, sb, c);
		*st = S_SB; /* IAC IAC inside SB: a 0xff parameter byte */
		break;
	default:
		if (c == IAC) {
			*st = S_IAC;
			return R_NONE;
		}
		return c;
	}
	/* Inside SB. A peer that never sends IAC SE must not swallow the rest of the session:
	 * after MAMORI_TELNET_SB_MAX bytes the subnegotiation is assumed over. */
	if (++*sb >= MAMORI_TELNET_SB_MAX)
		*st = S_DATA;
	return R_NONE;
}

static bool
ends_with(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);

	return n >= wl && memcmp(s + n - wl, w, wl) == 0;
}

/* What the last `win` bytes of the server text end with: a login or password prompt, a shell
 * prompt, or nothing recognised. Only text the client has not answered yet is looked at. */
static int
classify(const struct mamori_telnet *t, size_t win)
{
	const char *s;
	size_t n, m;

	if (win == 0)
		return K_NONE;
	if (win > t->tail_len)
		win = t->tail_len;
	s = t->tail + t->tail_len - win;
	n = win;
	if (ends_with(s, n, "# ") || ends_with(s, n, "$ ") || ends_with(s, n, "> "))
		return K_SHELL;
	m = n;
	while (m > 0 && (s[m - 1] == ' ' || s[m - 1] == '\t'))
		m--;
	if (ends_with(s, m, "password:") || ends_with(s, m, "passwd:"))
		return K_PASS;
	if (ends_with(s, m, "login:") && !ends_with(s, m, "last login:"))
		return K_LOGIN;
	if (ends_with(s, m, "username:") || ends_with(s, m, "user name:") ||
	    ends_with(s, m, "user:"))
		return K_LOGIN;
	if (ends_with(s, m, "#") || ends_with(s, m, "$"))
		return K_SHELL;
	return K_NONE;
}

static void
emit_command(struct mamori_telnet *t, const char *line, size_t len)
{
	struct mamori_telnet_event ev;

	if (t->cb == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.kind = MAMORI_TELNET_EV_COMMAND;
	ev.user = t->user;
	ev.pass = ""; /* the password is wiped once the login is decided */
	ev.result = MAMORI_TELNET_SUCCESS;
	ev.line = line;
	ev.line_len = len;
	t->cb(t->arg, &ev);
}

static void
copy_field(char dst[static MAMORI_TELNET_FIELD_MAX + 1], const char *src, size_t len)
{
	/* longer fields are cut: MAMORI_TELNET_FIELD_MAX is what the report keeps */
	if (len > MAMORI_TELNET_FIELD_MAX)
		len = MAMORI_TELNET_FIELD_MAX;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static void dispatch_line(struct mamori_telnet *t, const char *line, size_t len);

/* Reports the pending attempt once and wipes its password. After a failure, `next` is the prompt
 * the server showed with it (K_PASS: the same user gets another password). */
static void
verdict(struct mamori_telnet *t, enum mamori_telnet_result r, int next)
{
	struct mamori_telnet_event ev;
	char held[MAMORI_TELNET_LINE_MAX + 1];
	size_t held_len = 0;
	bool had_held = (t->flags & F_HELD) != 0;

	if (t->cb != NULL) {
		memset(&ev, 0, sizeof(ev));
		ev.kind = MAMORI_TELNET_EV_LOGIN;
		ev.user = t->user;
		ev.pass = t->pass;
		ev.result = r;
		t->cb(t->arg, &ev);
	}
	mamori_wipe(t->pass, sizeof(t->pass));
	t->attempts++;
	t->flags &= (uint8_t) ~(F_PASS_PROMPTED | F_HELD);
	if (had_held) {
		held_len = t->held_len;
		memcpy(held, t->held, held_len + 1);
		mamori_wipe(t->held, sizeof(t->held));
		t->held_len = 0;
	}
	if (r == MAMORI_TELNET_SUCCESS) {
		t->phase = P_SHELL;
		t->prompt = K_NONE;
		if (had_held)
			emit_command(t, held, held_len);
	} else if (t->attempts >= MAMORI_TELNET_MAX_ATTEMPTS) {
		t->phase = P_CAPPED;
	} else {
		if (next == K_PASS) {
			t->phase = P_PASS; /* asked for the password again: same user */
			t->flags |= F_USER_PROMPTED;
		} else {
			t->phase = P_USER;
			t->flags &= (uint8_t)~F_USER_PROMPTED;
		}
		t->prompt = (uint8_t)next;
		if (had_held)
			dispatch_line(t, held, held_len); /* typed ahead: the next try */
	}
	mamori_wipe(held, sizeof(held));
}

/* A complete client line, in the light of the prompt the server showed last. */
static void
dispatch_line(struct mamori_telnet *t, const char *line, size_t len)
{
	int prompt = t->prompt;

	t->prompt = K_NONE;
	switch (t->phase) {
	case P_USER:
		if (prompt == K_PASS) {
			/* a password prompt without a login prompt: the device asks only that */
			t->user[0] = '\0';
			t->flags &= (uint8_t)~F_USER_PROMPTED;
			t->phase = P_PASS;
			t->prompt = K_PASS;
			dispatch_line(t, line, len);
			return;
		}
		if (len == 0) {
			t->prompt = (uint8_t)prompt; /* Enter at the login prompt: asked again */
			return;
		}
		copy_field(t->user, line, len);
		if (prompt == K_LOGIN)
			t->flags |= F_USER_PROMPTED;
		else
			t->flags &= (uint8_t)~F_USER_PROMPTED;
		t->phase = P_PASS;
		break;
	case P_PASS:
		if (prompt == K_LOGIN && (t->flags & F_USER_PROMPTED)) {
			/* asked for the user name again: this line is a new user name */
			t->phase = P_USER;
			t->prompt = K_LOGIN;
			dispatch_line(t, line, len);
			return;
		}
		/* With an unprompted user name, a login prompt is the server catching up. */
		copy_field(t->pass, line, len);
		if (prompt == K_PASS)
			t->flags |= F_PASS_PROMPTED;
		else
			t->flags &= (uint8_t)~F_PASS_PROMPTED;
		t->pend_new = 0;
		t->phase = P_PENDING;
		break;
	case P_PENDING:
		/* Typed before the verdict: a command if the login succeeded, else the next try.
		 * Only one line is held; more are dropped. */
		if (!(t->flags & F_HELD)) {
			memcpy(t->held, line, len);
			t->held[len] = '\0';
			t->held_len = len;
			t->answer = 0;
			t->echo_off = 0;
			t->flags |= F_HELD;
		}
		break;
	case P_SHELL:
		/* A line typed at a password prompt (su, passwd) is a secret, not a command. */
		if (prompt != K_PASS)
			emit_command(t, line, len);
		break;
	default:
		break;
	}
}

static void
client_line_done(struct mamori_telnet *t)
{
	t->line[t->line_len] = '\0';
	t->srv_new = 0;
	dispatch_line(t, t->line, t->line_len);
	mamori_wipe(t->line, sizeof(t->line)); /* may have been a password */
	t->line_len = 0;
}

static void
client_byte(struct mamori_telnet *t, int c)
{
	if (t->cli_cr) {
		t->cli_cr = false;
		if (c == '\n' || c == 0)
			return; /* CR LF or CR NUL: the line already ended at CR */
	}
	switch (c) {
	case '\r':
		t->cli_cr = true;
		client_line_done(t);
		return;
	case '\n':
		client_line_done(t);
		return;
	case 0x08:
	case 0x7f:
	case R_EC:
		if (t->line_len > 0)
			t->line_len--;
		return;
	case 0x15: /* ^U */
	case R_EL:
		t->line_len = 0;
		return;
	default:
		break;
	}
	if (c < 0x20 && c != '\t')
		return; /* other control characters are not part of what was typed */
	/* longer lines are cut; the rest of the line is dropped */
	if (t->line_len < MAMORI_TELNET_LINE_MAX)
		t->line[t->line_len++] = (char)c;
}

static void
tail_put(struct mamori_telnet *t, uint8_t c)
{
	if (t->tail_len == MAMORI_TELNET_TAIL_MAX) {
		/* keep the newer half: longer than every word and prompt matched */
		memmove(t->tail, t->tail + MAMORI_TELNET_TAIL_MAX / 2, MAMORI_TELNET_TAIL_MAX / 2);
		t->tail_len = MAMORI_TELNET_TAIL_MAX / 2;
	}
	t->tail[t->tail_len++] = (char)c;
	t->tail[t->tail_len] = '\0';
}

static bool
tail_word(const struct mamori_telnet *t, const char *const *words, size_t nwords)
{
	for (size_t i = 0; i < nwords; i++) {
		size_t wl = strlen(words[i]);

		/* only words wholly sent after the password count */
		if (wl <= t->pend_new && ends_with(t->tail, t->tail_len, words[i]))
			return true;
	}
	return false;
}

static void
server_byte(struct mamori_telnet *t, uint8_t raw)
{
	uint8_t c;

	if (raw == 0)
		return; /* NUL padding after CR */
	c = lower(raw);
	tail_put(t, c);
	t->srv_new++;
	if (t->phase != P_PENDING)
		return;
	t->pend_new++;
	if (tail_word(t, fail_words, sizeof(fail_words) / sizeof(fail_words[0]))) {
		verdict(t, MAMORI_TELNET_FAILED, K_NONE);
		return;
	}
	if (tail_word(t, ok_words, sizeof(ok_words) / sizeof(ok_words[0]))) {
		verdict(t, MAMORI_TELNET_SUCCESS, K_NONE);
		return;
	}
	if (!(t->flags & F_HELD))
		return;
	/* The server's echo of the held line is not an answer to it. */
	if (t->echo_off < t->held_len && c == lower((uint8_t)t->held[t->echo_off])) {
		t->echo_off++;
		return;
	}
	t->echo_off = t->held_len;
	if (!is_blank(c))
		t->answer++;
	else if (c == '\n' && t->answer > 0)
		verdict(t, MAMORI_TELNET_SUCCESS,
		    K_NONE); /* a whole line of answer, no failure in it */
}

/* The server stopped sending for now: what it shows is waiting for input. */
static void
server_chunk_end(struct mamori_telnet *t)
{
	int k = classify(t, t->srv_new);

	switch (t->phase) {
	case P_USER:
	case P_PASS:
		if (k == K_LOGIN || k == K_PASS)
			t->prompt = (uint8_t)k;
		break;
	case P_PENDING:
		if (k == K_SHELL)
			verdict(t, MAMORI_TELNET_SUCCESS, K_NONE);
		else if ((k == K_LOGIN || k == K_PASS) && (t->flags & F_PASS_PROMPTED))
			verdict(t, MAMORI_TELNET_FAILED, k);
		/* else a login or password prompt for lines sent ahead of it: still pending */
		break;
	case P_SHELL:
		t->prompt = k == K_PASS ? K_PASS : K_NONE;
		break;
	default:
		break;
	}
}

void
mamori_telnet_init(struct mamori_telnet *t, mamori_telnet_cb cb, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
	t->cli_iac = S_DATA;
	t->srv_iac = S_DATA;
	t->phase = P_USER;
	t->prompt = K_NONE;
}

void
mamori_telnet_feed(struct mamori_telnet *t, bool from_client, const uint8_t *p, size_t n)
{
	if (t->phase == P_ENDED || p == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		int c;

		if (from_client) {
			c = iac_step(&t->cli_iac, &t->cli_sb, p[i]);
			if (c != R_NONE)
				client_byte(t, c);
		} else {
			c = iac_step(&t->srv_iac, &t->srv_sb, p[i]);
			if (c >= 0)
				server_byte(t, (uint8_t)c);
		}
	}
	if (!from_client)
		server_chunk_end(t);
}

void
mamori_telnet_end(struct mamori_telnet *t)
{
	if (t->phase == P_PENDING) {
		int k = classify(t, t->srv_new);
		enum mamori_telnet_result r = MAMORI_TELNET_UNKNOWN;

		/* a shell prompt, or an answer to a line typed after the password: success;
		 * a new login or password prompt: failure */
		if (k == K_SHELL || ((t->flags & F_HELD) && t->answer > 0 && k == K_NONE))
			r = MAMORI_TELNET_SUCCESS;
		else if ((k == K_LOGIN || k == K_PASS) && (t->flags & F_PASS_PROMPTED))
			r = MAMORI_TELNET_FAILED;
		verdict(t, r, K_NONE);
	}
	t->phase = P_ENDED;
	mamori_wipe(t->pass, sizeof(t->pass));
	mamori_wipe(t->line, sizeof(t->line));
	mamori_wipe(t->held, sizeof(t->held));
	t->line_len = 0;
	t->held_len = 0;
}
