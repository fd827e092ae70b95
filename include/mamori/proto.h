/* SPDX-License-Identifier: MIT */
/* Application-layer parsers used by the sensor: Telnet login sessions, HTTP heads, DNS. They
 * take bytes already reassembled in order (see flow.h) and never allocate. */
#ifndef MAMORI_PROTO_H
#define MAMORI_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/buf.h"
#include "mamori/err.h"

/* ---- Telnet ------------------------------------------------------------------------- */

#define MAMORI_TELNET_FIELD_MAX    64  /* user name or password kept (longer ones are cut) */
#define MAMORI_TELNET_LINE_MAX     256 /* one command line kept (longer ones are cut) */
#define MAMORI_TELNET_TAIL_MAX     128 /* server text kept for prompt and verdict matching */
#define MAMORI_TELNET_MAX_ATTEMPTS 64  /* login attempts followed in one session */
#define MAMORI_TELNET_SB_MAX       512 /* subnegotiation bytes skipped before IAC SE is assumed lost */

enum mamori_telnet_result {
	MAMORI_TELNET_UNKNOWN = 0, /* the session ended before the server answered */
	MAMORI_TELNET_FAILED,      /* "Login incorrect", "Access denied", a new login prompt */
	MAMORI_TELNET_SUCCESS,     /* a shell prompt, a banner, or commands accepted */
};

enum mamori_telnet_event_kind {
	MAMORI_TELNET_EV_LOGIN,   /* a user/password pair and its result */
	MAMORI_TELNET_EV_COMMAND, /* a line the client typed after a successful login */
};

struct mamori_telnet_event {
	enum mamori_telnet_event_kind kind;
	const char *user; /* NUL-terminated; valid only during the callback */
	const char *pass;
	enum mamori_telnet_result result;
	const char *line; /* EV_COMMAND: the line, NUL-terminated, without CR/LF */
	size_t line_len;
};

typedef void (*mamori_telnet_cb)(void *arg, const struct mamori_telnet_event *ev);

/* Follows one Telnet session: strips IAC negotiation (DO/DONT/WILL/WONT, SB...SE, IAC IAC),
 * assembles the client's lines (CR LF, CR NUL, LF; backspace and DEL edit), matches the
 * server's prompts (login:, username:, password:) and verdicts, and reports login attempts
 * and the commands typed after a successful login. Caller-allocated; about 1 KiB. */
struct mamori_telnet {
	mamori_telnet_cb cb;
	void *arg;
	uint8_t cli_iac, srv_iac; /* IAC parser states per direction */
	uint8_t phase;            /* private state machine */
	uint8_t attempts;
	bool cli_cr;
	char user[MAMORI_TELNET_FIELD_MAX + 1];
	char pass[MAMORI_TELNET_FIELD_MAX + 1];
	char line[MAMORI_TELNET_LINE_MAX + 1];
	size_t line_len;
	char tail[MAMORI_TELNET_TAIL_MAX + 1]; /* last server text, lower-cased */
	size_t tail_len;
	/* private, added by lib/proto/telnet.c */
	uint8_t prompt;                        /* prompt latched at the end of a server chunk */
	uint8_t flags;                         /* user/password prompted, line held */
	uint16_t cli_sb, srv_sb;               /* bytes in the current SB per direction */
	size_t srv_new;                        /* server text bytes since the last client line */
	size_t pend_new;                       /* server text bytes since the password */
	size_t answer;                         /* non-blank server bytes answering the held line */
	size_t echo_off;                       /* bytes of the held line the server echoed back */
	char held[MAMORI_TELNET_LINE_MAX + 1]; /* line typed while the verdict is pending */
	size_t held_len;
};

void mamori_telnet_init(struct mamori_telnet *t, mamori_telnet_cb cb, void *arg);
/* Feeds the next in-order bytes of one direction. */
void mamori_telnet_feed(struct mamori_telnet *t, bool from_client, const uint8_t *p, size_t n);
/* The session ended: reports a pending attempt with MAMORI_TELNET_UNKNOWN or the verdict the
 * last server text implies. Wipes the kept password. */
void mamori_telnet_end(struct mamori_telnet *t);

/* ---- HTTP --------------------------------------------------------------------------- */

#define MAMORI_HTTP_HEAD_MAX 8192 /* request or status line plus headers */
#define MAMORI_HTTP_URI_MAX  2048

struct mamori_http_req {
	struct mamori_span method, uri, version;
	struct mamori_span host, user_agent, content_type;
	uint64_t content_length;
	bool has_content_length;
	size_t head_len; /* bytes up to and including the blank line */
};

struct mamori_http_resp {
	unsigned status;
	struct mamori_span reason, content_type, server;
	uint64_t content_length;
	bool has_content_length;
	bool chunked;
	size_t head_len;
};

/* True if p starts like an HTTP/1.x request line (a known method and a space). */
bool mamori_http_is_request(const uint8_t *p, size_t n);
/* Parses a request head. MAMORI_E_TRUNCATED: the blank line is not there yet (and n is below
 * MAMORI_HTTP_HEAD_MAX); MAMORI_E_TOOBIG: no end of head within the limit; MAMORI_E_MALFORMED:
 * not an HTTP request. Spans point into p. */
MAMORI_MUST_CHECK mamori_err mamori_http_parse_request(
    const uint8_t *p, size_t n, struct mamori_http_req *out, struct mamori_diag *d);
MAMORI_MUST_CHECK mamori_err mamori_http_parse_response(
    const uint8_t *p, size_t n, struct mamori_http_resp *out, struct mamori_diag *d);
/* Percent-decodes (and '+' to space when form is true) into out, NUL-terminated; cut at
 * outcap - 1 bytes. Returns the length written. Bad escapes are copied as they are. */
size_t mamori_http_unescape(const uint8_t *p, size_t n, bool form, char *out, size_t outcap);

/* ---- DNS ---------------------------------------------------------------------------- */

#define MAMORI_DNS_NAME_MAX 255 /* wire length of a name (RFC 1035) */
#define MAMORI_DNS_PTR_MAX  16  /* compression pointers followed in one name */

struct mamori_dns_msg {
	uint16_t id;
	bool qr;
	uint8_t opcode, rcode;
	uint16_t qdcount, ancount, nscount, arcount;
	/* first question (qdcount >= 1) */
	char qname[MAMORI_DNS_NAME_MAX + 1]; /* dotted, lower-cased, no trailing dot; "" for root;
	                                      * bytes outside [a-z0-9-_] written as '?' */
	size_t qname_len;
	uint8_t nlabels;
	uint8_t first_label_len;
	uint16_t qtype, qclass;
};

/* Parses the header and the first question of a DNS message over UDP. Names may use
 * compression pointers (at most MAMORI_DNS_PTR_MAX, always strictly backwards). */
MAMORI_MUST_CHECK mamori_err mamori_dns_parse(
    const uint8_t *p, size_t n, struct mamori_dns_msg *out, struct mamori_diag *d);

#endif
