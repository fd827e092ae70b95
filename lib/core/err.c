/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mamori/err.h"

const char *
mamori_strerror(mamori_err e)
{
	switch (e) {
	case MAMORI_OK:
		return "success";
	case MAMORI_E_INVAL:
		return "invalid argument";
	case MAMORI_E_NOMEM:
		return "out of memory";
	case MAMORI_E_IO:
		return "input/output error";
	case MAMORI_E_TRUNCATED:
		return "input truncated";
	case MAMORI_E_MALFORMED:
		return "malformed input";
	case MAMORI_E_TOOBIG:
		return "input exceeds a limit";
	case MAMORI_E_UNSUPPORTED:
		return "unsupported";
	case MAMORI_E_BADSIG:
		return "bad signature";
	case MAMORI_E_ROLLBACK:
		return "rollback refused";
	case MAMORI_E_NOTFOUND:
		return "not found";
	case MAMORI_E_PERM:
		return "permission denied";
	}
	return "unknown error";
}

mamori_err
mamori_diag_set(struct mamori_diag *d, mamori_err e, size_t off, size_t line, const char *fmt, ...)
{
	va_list ap;

	if (d == NULL)
		return e;
	d->off = off;
	d->line = line;
	va_start(ap, fmt);
	(void)vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	return e;
}

void
mamori_diag_clear(struct mamori_diag *d)
{
	if (d == NULL)
		return;
	d->off = 0;
	d->line = 0;
	d->msg[0] = '\0';
}
