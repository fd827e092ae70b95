/* SPDX-License-Identifier: MIT */
/* Feeds every file named on the command line to LLVMFuzzerTestOneInput once: the fuzz corpus
 * becomes a regression test under ASan+UBSan without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf;
		long sz;

		if (f == NULL) {
			fprintf(stderr, "replay: cannot open %s\n", argv[i]);
			return 1;
		}
		if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
			fclose(f);
			return 1;
		}
		buf = malloc(sz > 0 ? (size_t)sz : 1);
		if (buf == NULL || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
			fclose(f);
			free(buf);
			return 1;
		}
		fclose(f);
		(void)LLVMFuzzerTestOneInput(buf, (size_t)sz);
		free(buf);
		n++;
	}
	fprintf(stderr, "replay: %d inputs\n", n);
	return 0;
}
