/* SPDX-License-Identifier: MIT */
/* The whole test harness: CHECK() records a failure and goes on; check_run() prints
 * "N passed, N failed" as its last line and returns the exit code. */
#ifndef MAMORI_CHECK_H
#define MAMORI_CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failed_;

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			check_failed_++;                                                     \
		}                                                                            \
	} while (0)

#define CHECK_OK(expr) CHECK((expr) == MAMORI_OK)

struct check_case {
	const char *name;
	void (*fn)(void);
};

#define CHECK_CASE(f) {#f, f}

static inline int
check_run(const char *prog, const struct check_case *cases, size_t n)
{
	size_t pass = 0, fail = 0;

	for (size_t i = 0; i < n; i++) {
		check_failed_ = 0;
		cases[i].fn();
		if (check_failed_) {
			fprintf(stderr, "FAIL %s: %s\n", prog, cases[i].name);
			fail++;
		} else {
			pass++;
		}
	}
	printf("%s: %zu passed, %zu failed\n", prog, pass, fail);
	return fail ? 1 : 0;
}

/* Where ../shared/data is: $MAMORI_SHARED_DATA, else ../shared/data from the repo root. */
static inline const char *
check_shared_data(void)
{
	const char *d = getenv("MAMORI_SHARED_DATA");

	return d != NULL ? d : "../shared/data";
}

#endif
