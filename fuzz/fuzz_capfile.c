/* SPDX-License-Identifier: MIT */
/* The capture-file reader over bytes in memory: open, then every record to the end. Checks
 * the contract on the way: records lie inside the input, offsets only grow, and the end is
 * one of the documented errors and stays (sticky). */
#include <stdint.h>
#include <stdlib.h>

#include "mamori/capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_capfile *c;
	struct mamori_cap_rec r;
	struct mamori_diag d;
	uint64_t last = 0;
	mamori_err e;

	if (mamori_capfile_open_mem(data, size, &c, &d) != MAMORI_OK)
		return 0;
	for (;;) {
		volatile uint8_t sink = 0;

		e = mamori_capfile_next(c, &r, &d);
		if (e != MAMORI_OK)
			break;
		if (r.data < data || r.caplen > size || r.data + r.caplen > data + size ||
		    r.caplen > MAMORI_CAP_SNAP_MAX || r.wirelen < r.caplen || r.off < last ||
		    r.off >= size)
			abort();
		last = r.off + 1;
		/* touch the first and last byte so ASan checks the span */
		if (r.caplen > 0)
			sink = (uint8_t)(r.data[0] ^ r.data[r.caplen - 1]);
		(void)sink;
	}
	if (e != MAMORI_E_NOTFOUND && e != MAMORI_E_TRUNCATED && e != MAMORI_E_MALFORMED &&
	    e != MAMORI_E_TOOBIG && e != MAMORI_E_UNSUPPORTED)
		abort();
	if (d.off > size || mamori_capfile_offset(c) > size)
		abort();
	if (mamori_capfile_next(c, &r, NULL) != e)
		abort();
	mamori_capfile_close(c);

	/* the batch reader must hand out the same records and end the same way */
	if (mamori_capfile_open_mem(data, size, &c, &d) == MAMORI_OK) {
		struct mamori_cap_rec recs[8];
		size_t n;
		mamori_err eb;

		while ((eb = mamori_capfile_next_batch(c, recs, 8, &n, &d)) == MAMORI_OK)
			for (size_t i = 0; i < n; i++)
				if (recs[i].data < data ||
				    recs[i].data + recs[i].caplen > data + size)
					abort();
		if (eb != e)
			abort();
		mamori_capfile_close(c);
	}
	return 0;
}
