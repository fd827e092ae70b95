/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_LOG_H
#define MAMORI_LOG_H

#include "mamori/err.h"

enum mamori_log_level {
	MAMORI_LOG_ERR = 0,
	MAMORI_LOG_WARN,
	MAMORI_LOG_INFO,
	MAMORI_LOG_DEBUG,
};

typedef void (*mamori_log_fn)(void *arg, enum mamori_log_level level, const char *msg);

/* The library is silent by default: the default sink discards. The application installs one. */
void mamori_log_set_sink(mamori_log_fn fn, void *arg, enum mamori_log_level max_level);
void mamori_log(enum mamori_log_level level, const char *fmt, ...) MAMORI_PRINTF(2, 3);

#endif
