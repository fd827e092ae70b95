/* SPDX-License-Identifier: MIT */
/* ELF parser (lib/audit/elf.c) on arbitrary bytes: any header, table and string offsets. */
#include <stddef.h>
#include <stdint.h>

#include "mamori/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_elf_info e;
	struct mamori_diag d;
	char label[32];

	if (mamori_elf_parse(data, size, &e, &d) == MAMORI_OK)
		(void)mamori_elf_arch_label(&e, label, sizeof(label));
	return 0;
}
