/* SPDX-License-Identifier: MIT */
/* The frame decoder. Input byte 0: bits 0-2 pick the link type from the supported list, bit 7
 * pretends a snaplen cut (wire length 1500 bytes beyond what was captured). The rest is the
 * frame. Whatever the outcome, a decoded packet must describe bytes inside the frame. */
#include <stdint.h>
#include <stdlib.h>

#include "mamori/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int links[8] = {
    MAMORI_LINK_ETHERNET,
    MAMORI_LINK_NULL,
    MAMORI_LINK_RAW_OLD,
    MAMORI_LINK_RAW,
    MAMORI_LINK_SLL,
    MAMORI_LINK_IPV4,
    MAMORI_LINK_IPV6,
    MAMORI_LINK_SLL2,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_pkt k;
	struct mamori_diag d;
	const uint8_t *p;
	size_t caplen, wirelen;
	mamori_err e;

	if (size < 1)
		return 0;
	p = data + 1;
	caplen = size - 1;
	wirelen = (data[0] & 0x80) ? caplen + 1500 : caplen;
	k.ts_us = 7;
	e = mamori_pkt_decode_diag(&k, links[data[0] & 7], p, caplen, wirelen, &d);
	if (e != MAMORI_OK) {
		if (e != MAMORI_E_TRUNCATED && e != MAMORI_E_MALFORMED)
			abort();
		if (d.off > caplen)
			abort();
		return 0;
	}
	/* invariants of a decoded packet */
	if (k.ts_us != 7 || k.caplen != caplen || k.wirelen != wirelen)
		abort();
	if (k.payload < p || k.paylen > caplen || (size_t)(k.payload - p) > caplen - k.paylen)
		abort();
	if (k.nvlan > MAMORI_PKT_MAX_VLAN || k.depth > MAMORI_PKT_MAX_ENCAP || k.tcp_optlen > 40)
		abort();
	if ((k.depth == 0) != (k.tun == MAMORI_TUN_NONE) || k.tun > MAMORI_TUN_IPIP)
		abort();
	if (k.ipver != 0 && k.ipver != 4 && k.ipver != 6)
		abort();
	if (k.frag_later && (k.l4 || !k.frag))
		abort();
	if (k.ipver != 0 && k.paylen > k.paylen_wire)
		abort();
	return 0;
}
