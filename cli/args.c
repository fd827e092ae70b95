/* SPDX-License-Identifier: MIT */
/* Argument parsers shared by the commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

bool
cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

bool
cli_parse_date(const char *s, uint64_t *out)
{
	int y, mo, da, h = 0, mi = 0, se = 0, n = 0, len = (int)strlen(s);
	struct tm tm;
	time_t t;

	if (s[0] == '@')
		return cli_parse_u64(s + 1, out);
	if (!(sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &da, &n) == 3 && n == len && len == 10) &&
	    !(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &da, &h, &mi, &se, &n) == 6 &&
	        n == len && len == 20))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	t = timegm(&tm);
	if (t < 0 || tm.tm_mday != da) /* timegm normalises 2026-02-30 into March */
		return false;
	*out = (uint64_t)t;
	return true;
}
