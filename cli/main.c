/* SPDX-License-Identifier: MIT */
#include <stdio.h>

int
main(void)
{
	puts("mamori " MAMORI_VERSION);
	return 0;
}
