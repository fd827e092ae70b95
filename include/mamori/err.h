/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_ERR_H
#define MAMORI_ERR_H

#include <stddef.h>

#define MAMORI_MUST_CHECK   __attribute__((warn_unused_result))
#define MAMORI_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Every fallible library function returns one of these. Results go out through pointer
 * parameters, which are written only on success. */
typedef enum mamori_err {
	MAMORI_OK = 0,
	MAMORI_E_INVAL,       /* caller passed bad arguments (a bug) */
	MAMORI_E_NOMEM,       /* allocation failed or a buffer cap was reached */
	MAMORI_E_IO,          /* system call failed; errno holds the cause */
	MAMORI_E_TRUNCATED,   /* input ended early (may become valid with more bytes) */
	MAMORI_E_MALFORMED,   /* input violates the format */
	MAMORI_E_TOOBIG,      /* input exceeds a documented limit */
	MAMORI_E_UNSUPPORTED, /* valid but not handled (unknown link type, version) */
	MAMORI_E_BADSIG,      /* signature/MAC/code did not verify */
	MAMORI_E_ROLLBACK,    /* version/counter older than allowed */
	MAMORI_E_NOTFOUND,    /* no such item; also a clean end of input */
	MAMORI_E_PERM,        /* permission refused, or a secret file readable by others */
} mamori_err;

/* A short, static, lower-case description ("input truncated"). Never NULL. */
const char *mamori_strerror(mamori_err e);

#define MAMORI_DIAG_MSG_MAX 160

/* Optional detail for human-readable errors (libpcap's errbuf made explicit). Parsers take a
 * `struct mamori_diag *` that may be NULL; they record where (byte offset, or line) and why.
 * Only the CLI prints it. */
struct mamori_diag {
	size_t off;  /* byte offset into the input of the offending item */
	size_t line; /* 1-based line number for text formats, 0 if not applicable */
	char msg[MAMORI_DIAG_MSG_MAX];
};

/* Records off/line and a formatted message in d (if d is not NULL), returns e unchanged so
 * that `return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0, "...")` reads naturally. */
mamori_err mamori_diag_set(struct mamori_diag *d, mamori_err e, size_t off, size_t line,
    const char *fmt, ...) MAMORI_PRINTF(5, 6);

void mamori_diag_clear(struct mamori_diag *d);

#endif
