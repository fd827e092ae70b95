/* SPDX-License-Identifier: MIT */
#ifndef MAMORI_CLI_CMD_H
#define MAMORI_CLI_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mamori/err.h"

#define CMD_SECRETS 0x1 /* umask 077, no core dumps */
#define CMD_CAPTURE 0x2 /* may open capture handles, then drops privileges itself */

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	unsigned flags;
	const char *summary;
};

/* Exit codes (mamori(1)). */
#define EXIT_OK      0
#define EXIT_VERDICT 1
#define EXIT_USAGE   2
#define EXIT_RUNTIME 3

int cmd_sensor(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_vulndb(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_cred(int argc, char **argv);

/* A decimal number (digits only, no sign, no overflow). */
bool cli_parse_u64(const char *s, uint64_t *out);
/* YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @UNIXTIME, UTC, into seconds since the epoch. */
bool cli_parse_date(const char *s, uint64_t *out);

/* "mamori: <what>: <why>" on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, with a mamori_diag when it carries a message. */
void cli_diag(const char *what, mamori_err e, const struct mamori_diag *d);
extern int cli_quiet;
/* 1 while a progress line is on the terminal: the log sink erases it before a message. */
extern int cli_progress_line;

#endif
