/* SPDX-License-Identifier: MIT */
/* mamori_decompress() on hostile streams: the first byte picks the format, the rest is the
 * stream; the output cap is 1 MiB, so a bomb must end in MAMORI_E_TOOBIG. */
#include <stdint.h>
#include <stdlib.h>

#include "mamori/buf.h"
#include "mamori/decomp.h"

#define FUZZ_MAX_OUT ((size_t)1 << 20)
#define FUZZ_FORMATS 11 /* MAMORI_COMP_ZLIB .. MAMORI_COMP_LZO */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_buf b;
	struct mamori_diag d;
	enum mamori_comp c;
	size_t used = 0;
	mamori_err e;

	if (size < 1)
		return 0;
	c = (enum mamori_comp)(data[0] % FUZZ_FORMATS + 1);
	mamori_buf_init(&b, SIZE_MAX);
	e = mamori_decompress(c, data + 1, size - 1, FUZZ_MAX_OUT, &b, &used, &d);
	/* the contract, checked on every input */
	if (e == MAMORI_OK && (b.len > FUZZ_MAX_OUT || used > size - 1))
		abort();
	if (e != MAMORI_OK && b.len != 0)
		abort();
	if (b.cap > FUZZ_MAX_OUT)
		abort();
	mamori_buf_free(&b);
	return 0;
}
