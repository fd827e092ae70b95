/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/ip.h"

void
mamori_ip_str(const struct mamori_ip *a, char out[MAMORI_IP_STRLEN])
{
	if (mamori_ip_is4(a)) {
		(void)snprintf(
		    out, MAMORI_IP_STRLEN, "%u.%u.%u.%u", a->b[12], a->b[13], a->b[14], a->b[15]);
		return;
	}
	if (inet_ntop(AF_INET6, a->b, out, MAMORI_IP_STRLEN) == NULL)
		(void)snprintf(out, MAMORI_IP_STRLEN, "?");
}

mamori_err
mamori_ip_parse(const char *s, struct mamori_ip *out)
{
	uint8_t v4[4];
	struct mamori_ip a;

	if (strlen(s) >= MAMORI_IP_STRLEN)
		return MAMORI_E_MALFORMED;
	if (inet_pton(AF_INET, s, v4) == 1) {
		mamori_ip_set4(out, v4);
		return MAMORI_OK;
	}
	if (inet_pton(AF_INET6, s, a.b) == 1) {
		*out = a;
		return MAMORI_OK;
	}
	return MAMORI_E_MALFORMED;
}

static void
mask(struct mamori_ip *a, unsigned bits)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned lo = i * 8;

		if (bits >= lo + 8)
			continue;
		if (bits <= lo)
			a->b[i] = 0;
		else
			a->b[i] &= (uint8_t)(0xffu << (8 - (bits - lo)));
	}
}

mamori_err
mamori_cidrset_parse(const char *s, struct mamori_cidrset *out, struct mamori_diag *d)
{
	struct mamori_cidrset set = {.n = 0, .any = false};
	const char *p = s;

	while (*p != '\0') {
		char item[MAMORI_IP_STRLEN + 8];
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *slash, *end;
		struct mamori_cidr c;
		unsigned long bits;
		size_t off = (size_t)(p - s);

		while (n > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(item))
			return mamori_diag_set(
			    d, MAMORI_E_MALFORMED, off, 0, "empty or over-long network in list");
		memcpy(item, p, n);
		item[n] = '\0';
		if (strcmp(item, "any") == 0) {
			set.any = true;
		} else {
			if (set.n >= MAMORI_CIDR_MAX)
				return mamori_diag_set(d, MAMORI_E_TOOBIG, off, 0,
				    "more than %d networks", MAMORI_CIDR_MAX);
			slash = strchr(item, '/');
			if (slash != NULL)
				*slash = '\0';
			if (mamori_ip_parse(item, &c.net) != MAMORI_OK)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
				    "'%s' is not an IP address", item);
			bits = 128;
			if (slash != NULL) {
				unsigned long maxb = mamori_ip_is4(&c.net) ? 32 : 128;

				bits = strtoul(slash + 1, &end, 10);
				if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || bits > maxb)
					return mamori_diag_set(d, MAMORI_E_MALFORMED, off, 0,
					    "bad prefix length '/%s'", slash + 1);
				if (mamori_ip_is4(&c.net))
					bits += 96;
			}
			c.bits = (unsigned)bits;
			mask(&c.net, c.bits);
			set.v[set.n++] = c;
		}
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == ',')
			p++;
	}
	if (!set.any && set.n == 0)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0, "empty network list");
	*out = set;
	return MAMORI_OK;
}

bool
mamori_cidrset_has(const struct mamori_cidrset *s, const struct mamori_ip *a)
{
	if (s->any)
		return true;
	for (size_t i = 0; i < s->n; i++) {
		struct mamori_ip m = *a;

		mask(&m, s->v[i].bits);
		if (mamori_ip_eq(&m, &s->v[i].net))
			return true;
	}
	return false;
}
