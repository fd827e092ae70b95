/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "mamori/log.h"

static mamori_log_fn sink_fn;
static void *sink_arg;
static enum mamori_log_level sink_max = MAMORI_LOG_WARN;

void
mamori_log_set_sink(mamori_log_fn fn, void *arg, enum mamori_log_level max_level)
{
	sink_fn = fn;
	sink_arg = arg;
	sink_max = max_level;
}

void
mamori_log(enum mamori_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (sink_fn == NULL || level > sink_max)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink_fn(sink_arg, level, msg);
}
