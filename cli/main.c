/* SPDX-License-Identifier: MIT */
/* mamori: one program, a table of subcommands (wireguard-tools wg.c, git.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "cmd.h"
#include "mamori/log.h"

int cli_quiet;
int cli_progress_line;

static const struct cmd cmds[] = {
    {"sensor", cmd_sensor, CMD_CAPTURE,
        "watch pcap files or live traffic for the Mirai kill chain (IDS/IPS)"},
    {"audit", cmd_audit, 0,
        "audit a firmware image or root file system: passwords, services, keys, components"},
    {"update", cmd_update, CMD_SECRETS,
        "signed OTA updates: keygen, sign, verify, install into A/B slots, check, status"},
    {"cred", cmd_cred, CMD_SECRETS,
        "device accounts: no default passwords, policy, throttling, TOTP, roles (PAM too)"},
    {"vulndb", cmd_vulndb, 0, "import NVD and OSV records; list them; match a component version"},
};

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	fputs("mamori: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_diag(const char *what, mamori_err e, const struct mamori_diag *d)
{
	if (d != NULL && d->msg[0] != '\0')
		cli_err("%s: %s", what, d->msg);
	else
		cli_err("%s: %s", what, mamori_strerror(e));
}

static void
log_sink(void *arg, enum mamori_log_level level, const char *msg)
{
	static const char *names[] = {"error", "warning", "info", "debug"};

	(void)arg;
	if (cli_progress_line)
		fputs("\r\033[K", stderr);
	fprintf(stderr, "mamori: %s: %s\n", names[level], msg);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: mamori <command> [options]\n\n"
	           "mamori (守り, \"protection\") is an IoT security toolkit.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n  mamori help COMMAND    the options of one command\n"
	           "  mamori --version\n\n"
	           "Exit codes: 0 success, 1 negative verdict, 2 usage error, 3 runtime error;\n"
	           "update refuses a bundle with 10 to 19 (mamori help update).\n"
	           "Documentation: README.md, docs/, man -l docs/man/mamori.1 and "
	           "docs/man/pam_mamori.8.\n");
}

int
main(int argc, char **argv)
{
	const char *name;

	mamori_log_set_sink(log_sink, NULL, MAMORI_LOG_WARN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("mamori %s\n", MAMORI_VERSION);
		return EXIT_OK;
	}
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 ||
	    (strcmp(name, "help") == 0 && argc == 2)) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "help") == 0) {
		char *hargv[] = {argv[2], (char *)"--help", NULL};

		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (strcmp(argv[2], cmds[i].name) == 0)
				return cmds[i].fn(2, hargv);
		cli_err("no such command '%s'", argv[2]);
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(name, cmds[i].name) != 0)
			continue;
		if (cmds[i].flags & CMD_SECRETS) {
			umask(077);
			(void)prctl(PR_SET_DUMPABLE, 0);
		}
		return cmds[i].fn(argc - 1, argv + 1);
	}
	cli_err("no such command '%s'", name);
	usage(stderr);
	return EXIT_USAGE;
}
