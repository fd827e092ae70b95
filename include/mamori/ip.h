/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_IP_H
#define MAMORI_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mamori/err.h"

/* Every address is 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), so hashing and
 * comparing need no branch on the family. */
struct mamori_ip {
	uint8_t b[16];
};

#define MAMORI_IP_STRLEN 46 /* INET6_ADDRSTRLEN */
#define MAMORI_CIDR_MAX  64 /* networks in one set (home-net) */

static inline bool
mamori_ip_is4(const struct mamori_ip *a)
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a->b, pfx, 12) == 0;
}

/* Host-order value of an IPv4(-mapped) address. */
static inline uint32_t
mamori_ip_v4(const struct mamori_ip *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
	       a->b[15];
}

static inline void
mamori_ip_set4(struct mamori_ip *a, const uint8_t v4[4])
{
	memset(a->b, 0, 10);
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	memcpy(a->b + 12, v4, 4);
}

static inline bool
mamori_ip_eq(const struct mamori_ip *a, const struct mamori_ip *b)
{
	uint64_t a0, a1, b0, b1;

	/* two word compares: this runs several times per packet */
	memcpy(&a0, a->b, 8);
	memcpy(&a1, a->b + 8, 8);
	memcpy(&b0, b->b, 8);
	memcpy(&b1, b->b + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Formats a into out (at least MAMORI_IP_STRLEN bytes): dotted quad for IPv4. */
void mamori_ip_str(const struct mamori_ip *a, char out[MAMORI_IP_STRLEN]);
MAMORI_MUST_CHECK mamori_err mamori_ip_parse(const char *s, struct mamori_ip *out);

struct mamori_cidr {
	struct mamori_ip net;
	unsigned bits; /* prefix length over the 128-bit (mapped) form */
};

struct mamori_cidrset {
	struct mamori_cidr v[MAMORI_CIDR_MAX];
	size_t n;
	bool any; /* matches everything (the "any" keyword) */
};

/* Parses "any" or a comma-separated list of addresses and prefixes ("10.0.0.0/8,fd00::/8"). */
MAMORI_MUST_CHECK mamori_err mamori_cidrset_parse(
    const char *s, struct mamori_cidrset *out, struct mamori_diag *d);
bool mamori_cidrset_has(const struct mamori_cidrset *s, const struct mamori_ip *a);

#endif
