/* SPDX-License-Identifier: MIT */
/* A model of what a firmware image starts at boot, read from its init system: BusyBox and
 * SysV inittab, rcS and the rc.d / init.d scripts it runs, rc.local, OpenWrt procd /
 * rc.common scripts with their UCI configuration, inetd.conf and systemd units. The model is
 * a list of commands, each with the file and line it comes from and whether it is started
 * (yes, no, unknown) with the reason. Shell scripts are read by a line scanner, not a shell:
 * see docs/internals/initsys.md for what is and is not modelled. */
#ifndef MAMORI_INITSYS_H
#define MAMORI_INITSYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mamori/err.h"
#include "mamori/finding.h"
#include "mamori/fstree.h"

#define MAMORI_SH_SCRIPT_MAX    (4u << 20) /* bytes of one script scanned */
#define MAMORI_SH_WORD_MAX      2048       /* bytes of one word; longer words are cut */
#define MAMORI_SH_ARGV_MAX      64         /* words kept per command; more are dropped */
#define MAMORI_SH_TEXT_MAX      512        /* bytes of a command's source text kept */
#define MAMORI_SH_CMDS_MAX      65536      /* commands in one script */
#define MAMORI_SH_VARS_MAX      256        /* variables remembered per script */
#define MAMORI_SH_VALUE_MAX     512        /* bytes of one variable's value */
#define MAMORI_SH_FUNCS_MAX     512        /* functions per script */
#define MAMORI_SH_NEST_MAX      64         /* nesting of { } and case */
#define MAMORI_INIT_SCRIPTS_MAX 4096       /* scripts in one model */
#define MAMORI_INIT_CMDS_MAX    262144     /* commands in one model */
#define MAMORI_INIT_GLOBS_MAX   256        /* glob expansions (for i in /etc/init.d/S*) */
#define MAMORI_INIT_UNWRAP_MAX  4          /* nested wrappers (eval, sh -c, exec...) undone */
#define MAMORI_INIT_REASON_MAX  192

/* ---- shell line scanner ---- */

struct mamori_sh_cmd {
	char **argv;     /* quotes removed, known variables expanded, redirections dropped */
	size_t argc;     /* >= 1 */
	char *text;      /* the command as written, whitespace folded, at most SH_TEXT_MAX */
	uint32_t line;   /* 1-based line of the first word */
	bool background; /* ended by '&' */
	int func;        /* index into the script's functions, -1 at top level */
	bool stop_arm;   /* inside a `case "$1"` arm that is not start/boot (stop, status...) */
};

struct mamori_sh_func {
	char *name;
	uint32_t line;
};

struct mamori_sh_script {
	struct mamori_sh_cmd *cmd;
	size_t ncmd, capcmd;
	struct mamori_sh_func *func;
	size_t nfunc, capfunc;
};

/* Reads another file of the image for `X=$(cat FILE)` / X=`cat FILE` assignments: returns
 * its bytes (borrowed) and length, or NULL. */
typedef const uint8_t *(*mamori_sh_readfile)(const void *ctx, const char *path, size_t *len);

/* Scans a shell script: commands at the start of a line or after ; && || & | ( then do else
 * {, comments stripped, backslash continuations joined, quotes removed, here-documents
 * skipped, `for V in WORDS` remembered as V="WORDS", function bodies and `case "$1"` arms
 * tracked. rf may be NULL. On success *out is filled (free with mamori_sh_free).
 * MAMORI_E_TOOBIG past MAMORI_SH_SCRIPT_MAX or MAMORI_SH_CMDS_MAX (d says where),
 * MAMORI_E_NOMEM. */
MAMORI_MUST_CHECK mamori_err mamori_sh_parse(const uint8_t *p, size_t len, mamori_sh_readfile rf,
    const void *rfctx, struct mamori_sh_script *out, struct mamori_diag *d);
void mamori_sh_free(struct mamori_sh_script *s);

/* Marks in reach[0..s->nfunc) the functions called, directly or through other functions or
 * `config_foreach FN`, from the top level or from the functions named in roots. */
void mamori_sh_reachable(
    const struct mamori_sh_script *s, const char *const *roots, size_t nroots, bool *reach);

/* ---- inittab ---- */

struct mamori_inittab_entry {
	char id[32]; /* BusyBox: the tty ("ttyS0", "" for the console) */
	char runlevels[16];
	char action[16]; /* sysinit, respawn, askfirst, once, wait, ... */
	char *process;   /* the rest of the line */
	uint32_t line;
};

/* Parses id:runlevels:action:process lines; comment and malformed lines are skipped (d gets
 * the last skipped line). *out (free with mamori_inittab_free) and *n on success. */
MAMORI_MUST_CHECK mamori_err mamori_inittab_parse(const uint8_t *p, size_t len,
    struct mamori_inittab_entry **out, size_t *n, struct mamori_diag *d);
void mamori_inittab_free(struct mamori_inittab_entry *e, size_t n);

/* ---- UCI (OpenWrt /etc/config/NAME) ---- */

struct mamori_uci_opt {
	const char *stype; /* section type ("upnpd") */
	const char *sname; /* section name, "" when anonymous */
	size_t sindex;     /* 0-based index of the section in the file */
	const char *key;   /* option or list name */
	const char *value; /* quotes removed */
	uint32_t line;
	uint32_t sline; /* line of the `config` statement */
};

typedef mamori_err (*mamori_uci_fn)(void *ctx, const struct mamori_uci_opt *o);

/* Calls fn for every option and list value; a non-OK return from fn stops and is returned. */
MAMORI_MUST_CHECK mamori_err mamori_uci_parse(
    const uint8_t *p, size_t len, mamori_uci_fn fn, void *ctx, struct mamori_diag *d);

/* ---- the boot model ---- */

enum mamori_init_state {
	MAMORI_INIT_NO = 0,
	MAMORI_INIT_UNKNOWN,
	MAMORI_INIT_YES,
};

enum mamori_init_source {
	MAMORI_INIT_SRC_SCRIPT = 0,
	MAMORI_INIT_SRC_INITTAB,
	MAMORI_INIT_SRC_INETD,
	MAMORI_INIT_SRC_SYSTEMD,
};

enum mamori_init_binary {
	MAMORI_INIT_BIN_UNKNOWN = 0, /* a shell function, or a name with a variable in it */
	MAMORI_INIT_BIN_PRESENT,
	MAMORI_INIT_BIN_ABSENT,
};

struct mamori_init_cmd {
	char **argv; /* after unwrapping exec, nohup, busybox, start-stop-daemon, eval,
	              * sh -c, service_start, procd_set_param command, tcpsvd, tcpd */
	size_t argc;
	char *text; /* the source text as written */
	char *file; /* the file it was read from */
	uint32_t line;
	uint8_t started; /* enum mamori_init_state */
	uint8_t source;  /* enum mamori_init_source */
	uint8_t binary;  /* enum mamori_init_binary */
	bool background;
	char action[32]; /* inittab action, inetd service name or systemd unit */
	char port[16];   /* listening port when the command line says it (tcpsvd, inetd), or "" */
	char reason[MAMORI_INIT_REASON_MAX];
};

struct mamori_init_script {
	char *path;
	uint8_t started; /* enum mamori_init_state */
	char reason[MAMORI_INIT_REASON_MAX];
};

struct mamori_initsys {
	struct mamori_init_cmd *cmd;
	size_t ncmd, capcmd;
	struct mamori_init_script *script;
	size_t nscript, capscript;
	bool full_rootfs; /* /bin/sh or /bin/busybox exists: an absent binary is really absent */
};

/* Builds the model of t. MAMORI_E_TOOBIG past the model's limits, MAMORI_E_NOMEM. Scripts
 * that cannot be scanned are skipped (d names the last one). */
MAMORI_MUST_CHECK mamori_err mamori_initsys_build(
    const struct mamori_fstree *t, struct mamori_initsys **out, struct mamori_diag *d);
void mamori_initsys_free(struct mamori_initsys *m);

/* "yes", "no", "unknown". */
const char *mamori_init_state_name(uint8_t s);
/* The program's base name ("telnetd" for "/usr/sbin/telnetd"). */
const char *mamori_init_basename(const char *prog);

/* ---- the checks built on the model (lib/audit/check_services.c, check_fs.c) ---- */

#define MAMORI_CHECK_SETUID_MAX 256        /* fs.setuid findings before one summary finding */
#define MAMORI_CHECK_SCRIPT_MAX (1u << 20) /* bytes of a file read as a script by check_fs */

/* service.telnet, service.ftp, service.tftp, service.rlogin, service.bindshell,
 * service.insecure (other cleartext or unknown listeners), service.upnp-open,
 * service.configured-not-started (low) and console.shell, from the boot model of t. */
MAMORI_MUST_CHECK mamori_err mamori_check_services(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d);

/* fs.world-writable (one summary per image), fs.setuid (one per file), update.unverified (a
 * heuristic over shell scripts) and data.plaintext-personal (SQLite files whose schema names
 * personal data). */
MAMORI_MUST_CHECK mamori_err mamori_check_fs(
    const struct mamori_fstree *t, struct mamori_report *r, struct mamori_diag *d);

#endif
