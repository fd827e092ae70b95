/* SPDX-License-Identifier: MIT */
/* A/B installation of verified bundles (docs/formats/update-config.md): the device's config,
 * its state (security counter, slot contents) and its boot environment, each changed only by
 * writing a temporary file, fsync, rename and fsync of the directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <libuboot.h>

#include "mamori/archive.h"
#include "mamori/buf.h"
#include "mamori/conf.h"
#include "mamori/fstree.h"
#include "mamori/update.h"

#define STATE_FILE_MAX 4096u /* bytes of the state or boot environment file */

/* --- config --- */

static mamori_err
conf_cb(void *arg, const char *section, const char *key, const char *value, struct mamori_diag *d)
{
	struct mamori_upd_config *c = arg;
	uint64_t v;

	if (strcmp(section, "update") == 0) {
		if (strcmp(key, "compatible") == 0) {
			if (strlen(value) == 0 || strlen(value) > MAMORI_UPD_COMPAT_MAX)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "compatible: 1 to %u characters", MAMORI_UPD_COMPAT_MAX);
			(void)snprintf(c->compatible, sizeof(c->compatible), "%s", value);
		} else if (strcmp(key, "state") == 0) {
			if (value[0] != '/' || strlen(value) >= sizeof(c->state_dir))
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "state: an absolute directory path");
			(void)snprintf(c->state_dir, sizeof(c->state_dir), "%s", value);
		} else if (strcmp(key, "bootloader") == 0) {
			c->grub = strcmp(value, "grub") == 0;
			c->uboot = strcmp(value, "uboot") == 0;
			if (!c->grub && !c->uboot && strcmp(value, "file") != 0)
				return mamori_diag_set(d, MAMORI_E_UNSUPPORTED, 0, 0,
				    "bootloader '%s': file, grub or uboot", value);
		} else if (strcmp(key, "uboot_config") == 0) {
			if (value[0] != '/' || strlen(value) >= sizeof(c->uboot_config))
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "uboot_config: an absolute file path");
			(void)snprintf(c->uboot_config, sizeof(c->uboot_config), "%s", value);
		} else if (strcmp(key, "grubenv") == 0) {
			if (value[0] != '/' || strlen(value) >= sizeof(c->grubenv))
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, 0, 0, "grubenv: an absolute file path");
			(void)snprintf(c->grubenv, sizeof(c->grubenv), "%s", value);
		} else if (strcmp(key, "max_tries") == 0) {
			if (mamori_conf_u64(value, 1, 100, &v) != MAMORI_OK)
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, 0, 0, "max_tries: 1 to 100");
			c->max_tries = (unsigned)v;
		} else if (strcmp(key, "threshold") == 0) {
			if (mamori_conf_u64(value, 1, MAMORI_UPD_SIGS_MAX, &v) != MAMORI_OK)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "threshold: 1 to %u", MAMORI_UPD_SIGS_MAX);
			c->threshold = (unsigned)v;
		} else if (strcmp(key, "server") == 0) {
			if (strlen(value) >= sizeof(c->server) ||
			    (strncmp(value, "https://", 8) != 0 &&
			        strncmp(value, "http://", 7) != 0))
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "server: an http:// or https:// URL");
			(void)snprintf(c->server, sizeof(c->server), "%s", value);
		} else if (strcmp(key, "ca_file") == 0) {
			if (value[0] != '/' || strlen(value) >= sizeof(c->ca_file))
				return mamori_diag_set(
				    d, MAMORI_E_MALFORMED, 0, 0, "ca_file: an absolute file path");
			(void)snprintf(c->ca_file, sizeof(c->ca_file), "%s", value);
		} else if (strcmp(key, "jitter") == 0) {
			if (mamori_conf_u64(value, 0, MAMORI_UPD_JITTER_MAX, &v) != MAMORI_OK)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "jitter: 0 to %u seconds", MAMORI_UPD_JITTER_MAX);
			c->jitter = (unsigned)v;
		} else if (strcmp(key, "key") == 0) {
			if (c->nkeys == MAMORI_UPD_KEYS_MAX)
				return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
				    "more than %u keys", MAMORI_UPD_KEYS_MAX);
			return mamori_upd_load_pubkey(value, &c->keys[c->nkeys++], d);
		} else {
			return mamori_diag_set(
			    d, MAMORI_E_MALFORMED, 0, 0, "unknown key '%s' in [update]", key);
		}
		return MAMORI_OK;
	}
	if (strncmp(section, "slot.", 5) == 0) {
		const char *cls = section + 5;
		struct mamori_upd_slotpair *s = NULL;

		for (size_t i = 0; i < c->nslots; i++)
			if (strcmp(c->slots[i].cls, cls) == 0)
				s = &c->slots[i];
		if (s == NULL) {
			if (c->nslots == MAMORI_UPD_PAYLOADS_MAX)
				return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
				    "more than %u slot classes", MAMORI_UPD_PAYLOADS_MAX);
			if (strlen(cls) == 0 || strlen(cls) > MAMORI_UPD_CLASS_MAX ||
			    strspn(cls, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(cls))
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "slot class '%s': 1 to %u of [a-z0-9_-]", cls,
				    MAMORI_UPD_CLASS_MAX);
			s = &c->slots[c->nslots++];
			memset(s, 0, sizeof(*s));
			(void)snprintf(s->cls, sizeof(s->cls), "%s", cls);
		}
		if (strcmp(key, "a") == 0 || strcmp(key, "b") == 0) {
			char *dst = s->path[key[0] - 'a'];

			if (value[0] != '/' || strlen(value) >= MAMORI_UPD_PATH_MAX)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "slot %s %s: an absolute path", cls, key);
			(void)snprintf(dst, MAMORI_UPD_PATH_MAX, "%s", value);
		} else if (strcmp(key, "type") == 0) {
			s->block = strcmp(value, "block") == 0;
			s->dir = strcmp(value, "directory") == 0;
			if (!s->block && !s->dir && strcmp(value, "file") != 0)
				return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
				    "slot %s type: file, block or directory", cls);
		} else {
			return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
			    "unknown key '%s' in [slot.%s] (a, b, type)", key, cls);
		}
		return MAMORI_OK;
	}
	return mamori_diag_set(
	    d, MAMORI_E_MALFORMED, 0, 0, "unknown section [%s] ([update], [slot.CLASS])", section);
}

mamori_err
mamori_upd_config_load(const char *path, struct mamori_upd_config *c, struct mamori_diag *d)
{
	struct mamori_conf_parser p;
	struct mamori_buf b;
	mamori_err e;

	memset(c, 0, sizeof(*c));
	c->max_tries = 3;
	c->threshold = 1;
	mamori_buf_init(&b, MAMORI_CONF_FILE_MAX);
	e = mamori_read_file(path, &b);
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, e, 0, 0, "%s: %s", path,
		    e == MAMORI_E_TOOBIG ? "larger than 1 MiB" : strerror(errno));
	}
	mamori_conf_init(&p, conf_cb, c);
	e = mamori_conf_parse(&p, b.p, b.len, d);
	mamori_buf_free(&b);
	if (e != MAMORI_OK) {
		char msg[MAMORI_DIAG_MSG_MAX];

		(void)snprintf(msg, sizeof(msg), "%s", d->msg);
		return mamori_diag_set(d, e, d->off, d->line, "%s:%zu: %s", path, d->line, msg);
	}
	if (c->compatible[0] == '\0' || c->state_dir[0] == '\0' || c->nkeys == 0 || c->nslots == 0)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: needs compatible, state, at least one key in [update] and a [slot.CLASS]",
		    path);
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slots[i].path[0][0] == '\0' || c->slots[i].path[1][0] == '\0' ||
		    strcmp(c->slots[i].path[0], c->slots[i].path[1]) == 0)
			return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
			    "%s: [slot.%s] needs two different paths a and b", path,
			    c->slots[i].cls);
	if (c->uboot && c->uboot_config[0] == '\0')
		(void)snprintf(c->uboot_config, sizeof(c->uboot_config), "/etc/fw_env.config");
	if (c->grub && c->grubenv[0] == '\0')
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: bootloader = grub needs grubenv = PATH", path);
	if (c->threshold > c->nkeys)
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: threshold %u with %zu keys", path, c->threshold, c->nkeys);
	return MAMORI_OK;
}

/* --- state and boot environment: small key=value files, replaced atomically --- */

static mamori_err
path_in(const struct mamori_upd_config *c, const char *name, char *out, size_t cap)
{
	return snprintf(out, cap, "%s/%s", c->state_dir, name) < (int)cap ? MAMORI_OK
	                                                                  : MAMORI_E_INVAL;
}

static mamori_err
atomic_write(const char *dir, const char *path, const char *text, struct mamori_diag *d)
{
	char tmp[MAMORI_UPD_PATH_MAX + 8];
	size_t n = strlen(text);
	int fd, dfd;
	mamori_err e = MAMORI_OK;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", tmp, strerror(errno));
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && e == MAMORI_OK)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", tmp, strerror(errno));
	if (e == MAMORI_OK && rename(tmp, path) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	if (e != MAMORI_OK)
		return e;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", dir, strerror(errno));
	if (dfd >= 0)
		(void)close(dfd);
	return e;
}

/* Reads key=value lines; a missing file leaves the defaults. */
typedef mamori_err (*kv_fn)(void *arg, const char *k, const char *v);

static mamori_err
read_kv(const char *path, kv_fn fn, void *arg, struct mamori_diag *d)
{
	struct mamori_buf b;
	mamori_err e;
	size_t line = 0;
	char *s, *nl;

	mamori_buf_init(&b, STATE_FILE_MAX);
	e = mamori_read_file(path, &b);
	if (e == MAMORI_E_IO && errno == ENOENT) {
		mamori_buf_free(&b);
		return MAMORI_OK;
	}
	if (e == MAMORI_OK)
		e = mamori_buf_putc(&b, '\0');
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, e, 0, 0, "%s: %s", path,
		    e == MAMORI_E_IO ? strerror(errno) : "larger than 4 KiB");
	}
	for (s = (char *)b.p; e == MAMORI_OK && *s != '\0'; s = nl + 1) {
		char *eq;

		line++;
		nl = strchr(s, '\n');
		if (nl == NULL) {
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, line,
			    "%s:%zu: the last line has no newline (a torn write?)", path, line);
			break;
		}
		*nl = '\0';
		eq = strchr(s, '=');
		if (eq == NULL) {
			e = mamori_diag_set(
			    d, MAMORI_E_MALFORMED, 0, line, "%s:%zu: not key=value", path, line);
			break;
		}
		*eq = '\0';
		if (fn(arg, s, eq + 1) != MAMORI_OK)
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, line,
			    "%s:%zu: bad value for '%s'", path, line, s);
	}
	mamori_buf_free(&b);
	return e;
}

static mamori_err
state_kv(void *arg, const char *k, const char *v)
{
	struct mamori_upd_status *st = arg;
	uint64_t x;

	if (strcmp(k, "counter") == 0)
		return mamori_conf_u64(v, 0, UINT64_MAX, &st->counter);
	if ((k[0] == 'a' || k[0] == 'b') && k[1] == '.') {
		int s = k[0] - 'a';

		if (strcmp(k + 2, "valid") == 0) {
			if (mamori_conf_u64(v, 0, 1, &x) != MAMORI_OK)
				return MAMORI_E_MALFORMED;
			st->valid[s] = x == 1;
			return MAMORI_OK;
		}
		if (strcmp(k + 2, "version") == 0) {
			if (strlen(v) > MAMORI_UPD_VERSION_MAX)
				return MAMORI_E_MALFORMED;
			(void)snprintf(st->version[s], sizeof(st->version[s]), "%s", v);
			return MAMORI_OK;
		}
	}
	return MAMORI_E_MALFORMED;
}

static mamori_err
boot_kv(void *arg, const char *k, const char *v)
{
	struct mamori_upd_status *st = arg;
	uint64_t x;

	if (strcmp(k, "active") == 0 || strcmp(k, "good") == 0) {
		if ((v[0] != 'a' && v[0] != 'b') || v[1] != '\0')
			return MAMORI_E_MALFORMED;
		if (k[0] == 'a')
			st->active = v[0] - 'a';
		else
			st->good = v[0] - 'a';
		return MAMORI_OK;
	}
	if (strcmp(k, "trial") == 0) {
		if (mamori_conf_u64(v, 0, 1, &x) != MAMORI_OK)
			return MAMORI_E_MALFORMED;
		st->trial = x == 1;
		return MAMORI_OK;
	}
	if (strcmp(k, "tries") == 0) {
		if (mamori_conf_u64(v, 0, 100, &x) != MAMORI_OK)
			return MAMORI_E_MALFORMED;
		st->tries = (unsigned)x;
		return MAMORI_OK;
	}
	return MAMORI_E_MALFORMED;
}

/* --- GRUB environment block: exactly 1024 bytes, "# GRUB Environment Block\n", name=value
 * lines, '#' padding. Our variables are mamori_active, mamori_good, mamori_trial and
 * mamori_tries; every other line is kept as it was. --- */

#define GRUBENV_LEN    1024u
#define GRUBENV_HEADER "# GRUB Environment Block\n"

static mamori_err
grub_read(
    const char *path, struct mamori_upd_status *st, char *others, size_t cap, struct mamori_diag *d)
{
	struct mamori_buf b;
	mamori_err e;
	size_t hl = strlen(GRUBENV_HEADER), n = 0, line = 1;
	const char *p, *end;

	others[0] = '\0';
	mamori_buf_init(&b, GRUBENV_LEN + 1);
	e = mamori_read_file(path, &b);
	if (e == MAMORI_E_IO && errno == ENOENT) {
		mamori_buf_free(&b);
		return MAMORI_OK; /* the factory state */
	}
	if (e != MAMORI_OK || b.len != GRUBENV_LEN || memcmp(b.p, GRUBENV_HEADER, hl) != 0) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "%s: not a GRUB environment block (1024 bytes starting \"# GRUB Environment "
		    "Block\")",
		    path);
	}
	for (p = (const char *)b.p + hl, end = (const char *)b.p + b.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char kv[GRUBENV_LEN];
		size_t len;
		char *eq;

		line++;
		if (*p == '#' && nl == NULL)
			break; /* the padding */
		if (nl == NULL) {
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, (size_t)(p - (const char *)b.p),
			    line, "%s:%zu: a line without its newline", path, line);
			break;
		}
		len = (size_t)(nl - p);
		memcpy(kv, p, len);
		kv[len] = '\0';
		eq = strchr(kv, '=');
		if (kv[0] != '#' && eq != NULL && strncmp(kv, "mamori_", 7) == 0) {
			*eq = '\0';
			if (boot_kv(st, kv + 7, eq + 1) != MAMORI_OK) {
				e = mamori_diag_set(d, MAMORI_E_MALFORMED,
				    (size_t)(p - (const char *)b.p), line,
				    "%s:%zu: bad value for '%s'", path, line, kv);
				break;
			}
		} else if (n + len + 1 < cap) {
			memcpy(others + n, p, len + 1);
			n += len + 1;
			others[n] = '\0';
		}
		p = nl + 1;
	}
	mamori_buf_free(&b);
	return e;
}

static mamori_err
grub_write(
    const struct mamori_upd_config *c, const struct mamori_upd_status *st, struct mamori_diag *d)
{
	struct mamori_upd_status old;
	char others[GRUBENV_LEN], block[GRUBENV_LEN + 1], dir[MAMORI_UPD_PATH_MAX];
	const char *slash = strrchr(c->grubenv, '/');
	mamori_err e;
	int n;

	memset(&old, 0, sizeof(old));
	e = grub_read(c->grubenv, &old, others, sizeof(others), d);
	if (e != MAMORI_OK)
		return e;
	n = snprintf(block, sizeof(block),
	    "%s%smamori_active=%c\nmamori_good=%c\nmamori_trial=%d\nmamori_tries=%u\n",
	    GRUBENV_HEADER, others, 'a' + st->active, 'a' + st->good, st->trial, st->tries);
	if (n < 0 || (size_t)n > GRUBENV_LEN)
		return mamori_diag_set(d, MAMORI_E_TOOBIG, 0, 0,
		    "%s: the variables do not fit in 1024 bytes", c->grubenv);
	memset(block + n, '#', GRUBENV_LEN - (size_t)n);
	block[GRUBENV_LEN] = '\0';
	(void)snprintf(dir, sizeof(dir), "%.*s",
	    slash == c->grubenv ? 1 : (int)(slash - c->grubenv), c->grubenv);
	return atomic_write(dir, c->grubenv, block, d);
}

/* --- U-Boot environment through libubootenv (fw_env.config names the device, offset and
 * size; a redundant environment makes each store atomic). The same four mamori_* variables. */

static const char *const uboot_vars[] = {"active", "good", "trial", "tries"};

static mamori_err
uboot_open(const struct mamori_upd_config *c, struct uboot_ctx **ctx, struct mamori_diag *d)
{
	if (libuboot_initialize(ctx, NULL) < 0)
		return mamori_diag_set(d, MAMORI_E_NOMEM, 0, 0, "libubootenv: cannot start");
	if (libuboot_read_config(*ctx, c->uboot_config) < 0) {
		libuboot_exit(*ctx);
		return mamori_diag_set(
		    d, MAMORI_E_MALFORMED, 0, 0, "%s: not a usable fw_env.config", c->uboot_config);
	}
	if (libuboot_open(*ctx) < 0) {
		libuboot_exit(*ctx);
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0,
		    "the U-Boot environment of %s cannot be read (device, offset or CRC)",
		    c->uboot_config);
	}
	return MAMORI_OK;
}

static mamori_err
uboot_read(const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d)
{
	struct uboot_ctx *ctx;
	mamori_err e = uboot_open(c, &ctx, d);

	if (e != MAMORI_OK)
		return e;
	for (size_t i = 0; e == MAMORI_OK && i < 4; i++) {
		char name[32];
		char *v;

		(void)snprintf(name, sizeof(name), "mamori_%s", uboot_vars[i]);
		v = libuboot_get_env(ctx, name);
		if (v != NULL && boot_kv(st, uboot_vars[i], v) != MAMORI_OK)
			e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
			    "U-Boot environment: bad value for %s", name);
		free(v);
	}
	libuboot_close(ctx);
	libuboot_exit(ctx);
	return e;
}

static mamori_err
uboot_write(
    const struct mamori_upd_config *c, const struct mamori_upd_status *st, struct mamori_diag *d)
{
	struct uboot_ctx *ctx;
	char val[4][16];
	mamori_err e = uboot_open(c, &ctx, d);

	if (e != MAMORI_OK)
		return e;
	(void)snprintf(val[0], sizeof(val[0]), "%c", 'a' + st->active);
	(void)snprintf(val[1], sizeof(val[1]), "%c", 'a' + st->good);
	(void)snprintf(val[2], sizeof(val[2]), "%d", st->trial);
	(void)snprintf(val[3], sizeof(val[3]), "%u", st->tries);
	for (size_t i = 0; e == MAMORI_OK && i < 4; i++) {
		char name[32];

		(void)snprintf(name, sizeof(name), "mamori_%s", uboot_vars[i]);
		if (libuboot_set_env(ctx, name, val[i]) != 0)
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "U-Boot environment: cannot set %s", name);
	}
	if (e == MAMORI_OK && libuboot_env_store(ctx) != 0)
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "U-Boot environment: the store failed");
	libuboot_close(ctx);
	libuboot_exit(ctx);
	return e;
}

mamori_err
mamori_upd_status_read(
    const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d)
{
	char path[MAMORI_UPD_PATH_MAX + 16];
	mamori_err e;

	memset(st, 0, sizeof(*st));
	st->valid[0] = true; /* the factory slot */
	if (path_in(c, "state", path, sizeof(path)) != MAMORI_OK)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "state path too long");
	e = read_kv(path, state_kv, st, d);
	if (e == MAMORI_OK && c->uboot)
		return uboot_read(c, st, d);
	if (e == MAMORI_OK && c->grub) {
		char others[GRUBENV_LEN];

		return grub_read(c->grubenv, st, others, sizeof(others), d);
	}
	if (e == MAMORI_OK && path_in(c, "bootenv", path, sizeof(path)) != MAMORI_OK)
		e = mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "state path too long");
	if (e == MAMORI_OK)
		e = read_kv(path, boot_kv, st, d);
	return e;
}

static mamori_err
write_state(
    const struct mamori_upd_config *c, const struct mamori_upd_status *st, struct mamori_diag *d)
{
	char path[MAMORI_UPD_PATH_MAX + 16], text[512];

	if (path_in(c, "state", path, sizeof(path)) != MAMORI_OK)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "state path too long");
	(void)snprintf(text, sizeof(text),
	    "counter=%llu\na.valid=%d\na.version=%s\nb.valid=%d\nb.version=%s\n",
	    (unsigned long long)st->counter, st->valid[0], st->version[0], st->valid[1],
	    st->version[1]);
	return atomic_write(c->state_dir, path, text, d);
}

static mamori_err
write_bootenv(
    const struct mamori_upd_config *c, const struct mamori_upd_status *st, struct mamori_diag *d)
{
	char path[MAMORI_UPD_PATH_MAX + 16], text[128];

	if (c->grub)
		return grub_write(c, st, d);
	if (c->uboot)
		return uboot_write(c, st, d);
	if (path_in(c, "bootenv", path, sizeof(path)) != MAMORI_OK)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "state path too long");
	(void)snprintf(text, sizeof(text), "active=%c\ngood=%c\ntrial=%d\ntries=%u\n",
	    'a' + st->active, 'a' + st->good, st->trial, st->tries);
	return atomic_write(c->state_dir, path, text, d);
}

/* One update at a time: an exclusive lock on the state directory's lock file. */
static mamori_err
lock_state(const struct mamori_upd_config *c, int *fd, struct mamori_diag *d)
{
	char path[MAMORI_UPD_PATH_MAX + 16];

	if (path_in(c, "lock", path, sizeof(path)) != MAMORI_OK)
		return mamori_diag_set(d, MAMORI_E_INVAL, 0, 0, "state path too long");
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0)
		return mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", path, strerror(errno));
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		(void)close(*fd);
		*fd = -1;
		return mamori_diag_set(
		    d, MAMORI_E_IO, 0, 0, "%s: another update is running (locked)", path);
	}
	return MAMORI_OK;
}

/* --- install --- */

struct inst {
	const struct mamori_upd_config *c;
	struct mamori_upd_status st;
	int target; /* 0 = a, 1 = b */
	int fd[MAMORI_UPD_PAYLOADS_MAX];
	const struct mamori_upd_slotpair *slot[MAMORI_UPD_PAYLOADS_MAX];
	char tar[MAMORI_UPD_PAYLOADS_MAX][MAMORI_UPD_PATH_MAX + 16]; /* directory slots */
	struct mamori_diag *d;
};

static mamori_err
inst_begin(void *ctx, const struct mamori_upd_manifest *m)
{
	struct inst *in = ctx;
	mamori_err e;

	/* the target slot is invalid from before its first byte until its last is synced */
	in->st.valid[in->target] = false;
	in->st.version[in->target][0] = '\0';
	e = write_state(in->c, &in->st, in->d);
	if (e != MAMORI_OK)
		return e;
	for (size_t i = 0; i < m->npayloads; i++) {
		const struct mamori_upd_slotpair *s = NULL;
		const char *path;

		for (size_t k = 0; k < in->c->nslots; k++)
			if (strcmp(in->c->slots[k].cls, m->p[i].slot_class) == 0)
				s = &in->c->slots[k];
		if (s == NULL)
			return mamori_diag_set(in->d, MAMORI_E_MALFORMED, 0, 0,
			    "the bundle has a '%s' payload and this device no such slot class",
			    m->p[i].slot_class);
		path = s->path[in->target];
		in->slot[i] = s;
		if (s->dir) {
			/* the tar waits beside the directory until the whole bundle is
			 * authenticated */
			if (m->p[i].size > MAMORI_UPD_DIR_MAX)
				return mamori_diag_set(in->d, MAMORI_E_TOOBIG, 0, 0,
				    "directory slot %s: a %llu-byte archive (at most 1 GiB)",
				    s->cls, (unsigned long long)m->p[i].size);
			(void)snprintf(in->tar[i], sizeof(in->tar[i]), "%s.mamori.tar", path);
			path = in->tar[i];
		}
		in->fd[i] = open(path,
		    O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (s->block ? 0 : O_CREAT | O_TRUNC), 0600);
		if (in->fd[i] < 0)
			return mamori_diag_set(in->d, MAMORI_E_IO, 0, 0, "slot %s %c (%s): %s",
			    s->cls, 'a' + in->target, path, strerror(errno));
		if (s->block) {
			off_t end = lseek(in->fd[i], 0, SEEK_END);

			if (end < 0 || (uint64_t)end < m->p[i].size)
				return mamori_diag_set(in->d, MAMORI_E_TOOBIG, 0, 0,
				    "slot %s %c (%s) holds %lld bytes, the payload is %llu", s->cls,
				    'a' + in->target, path, (long long)end,
				    (unsigned long long)m->p[i].size);
		}
	}
	return MAMORI_OK;
}

static mamori_err
inst_write(void *ctx, size_t payload, const char *slot_class, uint64_t offset, const uint8_t *buf,
    size_t len)
{
	struct inst *in = ctx;

	(void)slot_class;
	while (len > 0) {
		ssize_t w = pwrite(in->fd[payload], buf, len, (off_t)offset);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return mamori_diag_set(in->d, MAMORI_E_IO, 0, 0, "writing the %s slot: %s",
			    slot_class, strerror(errno));
		buf += w;
		len -= (size_t)w;
		offset += (uint64_t)w;
	}
	return MAMORI_OK;
}

/* --- directory slots: the authenticated tar is unpacked into the emptied directory. Every
 * name goes through the in-memory tree (no absolute names, no ".."), every directory is opened
 * with O_NOFOLLOW from the slot's own descriptor, so nothing lands outside it; device nodes are
 * never created. */

static int
empty_dir(int dfd)
{
	DIR *dir;
	struct dirent *de;
	int fd = dup(dfd), rc = 0;

	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			(void)close(fd);
		return -1;
	}
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == 0)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = -1;
			break;
		}
		int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (sub < 0 || empty_dir(sub) != 0 || unlinkat(dfd, de->d_name, AT_REMOVEDIR) != 0)
			rc = -1;
		if (sub >= 0)
			(void)close(sub);
	}
	(void)closedir(dir);
	return rc;
}

/* The directory holding path inside the slot (components opened without following links). */
static int
parent_of(int root, const char *path, const char **base)
{
	char comp[MAMORI_FS_PATH_MAX + 1];
	const char *p = path + 1, *slash;
	int fd = dup(root);

	while (fd >= 0 && (slash = strchr(p, '/')) != NULL) {
		size_t n = (size_t)(slash - p);
		int next;

		memcpy(comp, p, n);
		comp[n] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		(void)close(fd);
		fd = next;
		p = slash + 1;
	}
	*base = p;
	return fd;
}

static mamori_err
unpack_dir(const char *tar, const char *dir, struct mamori_diag *d)
{
	struct mamori_buf b;
	struct mamori_fs_limits lim;
	struct mamori_fstree *t = NULL;
	size_t used = 0, clamped = 0;
	mamori_err e;
	int root;

	mamori_buf_init(&b, (size_t)MAMORI_UPD_DIR_MAX);
	e = mamori_read_file(tar, &b);
	if (e != MAMORI_OK) {
		mamori_buf_free(&b);
		return mamori_diag_set(d, e, 0, 0, "%s: %s", tar, strerror(errno));
	}
	mamori_fs_limits_default(&lim);
	e = mamori_fstree_new(&lim, &t);
	if (e == MAMORI_OK)
		e = mamori_tar_read(b.p, b.len, t, &used, &clamped, d);
	mamori_buf_free(&b);
	if (e == MAMORI_OK && clamped > 0)
		e = mamori_diag_set(d, MAMORI_E_MALFORMED, 0, 0,
		    "the archive for %s has %zu absolute or '..' names: refused", dir, clamped);
	root = e == MAMORI_OK ? open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	if (e == MAMORI_OK && (root < 0 || empty_dir(root) != 0))
		e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", dir, strerror(errno));
	for (size_t i = 0; e == MAMORI_OK && i < mamori_fstree_count(t); i++) {
		const struct mamori_fs_node *nd = mamori_fstree_at(t, i);
		const char *base;
		int pfd, rc = 0;

		if (strcmp(nd->path, "/") == 0 ||
		    (nd->type != MAMORI_FS_DIR && nd->type != MAMORI_FS_REG &&
		        nd->type != MAMORI_FS_LNK))
			continue;
		pfd = parent_of(root, nd->path, &base);
		if (pfd < 0) {
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "%s%s: %s", dir, nd->path, strerror(errno));
			break;
		}
		if (nd->type == MAMORI_FS_DIR) {
			rc = mkdirat(pfd, base, (mode_t)(nd->mode & 0777));
		} else if (nd->type == MAMORI_FS_LNK) {
			rc = symlinkat(nd->link != NULL ? nd->link : "", pfd, base);
		} else {
			int fd =
			    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			        (mode_t)(nd->mode & 0777));

			rc = fd < 0 ? -1 : 0;
			if (fd >= 0) {
				size_t off = 0;

				while (rc == 0 && off < nd->size) {
					ssize_t w =
					    write(fd, nd->data + off, (size_t)nd->size - off);

					if (w <= 0)
						rc = -1;
					else
						off += (size_t)w;
				}
				if (fsync(fd) != 0)
					rc = -1;
				(void)close(fd);
			}
		}
		if (rc != 0)
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "%s%s: %s", dir, nd->path, strerror(errno));
		(void)close(pfd);
	}
	if (root >= 0) {
		if (e == MAMORI_OK && fsync(root) != 0)
			e = mamori_diag_set(d, MAMORI_E_IO, 0, 0, "%s: %s", dir, strerror(errno));
		(void)close(root);
	}
	mamori_fstree_free(t);
	return e;
}

mamori_err
mamori_upd_install(const struct mamori_upd_config *c, mamori_upd_read_fn rd, void *rctx,
    uint64_t now, struct mamori_upd_result *res, struct mamori_diag *d)
{
	struct inst in;
	struct mamori_upd_policy pol;
	mamori_err e;
	int lock = -1;

	memset(&in, 0, sizeof(in));
	for (size_t i = 0; i < MAMORI_UPD_PAYLOADS_MAX; i++)
		in.fd[i] = -1;
	in.c = c;
	in.d = d;
	e = lock_state(c, &lock, d);
	if (e != MAMORI_OK)
		return e;
	e = mamori_upd_status_read(c, &in.st, d);
	if (e != MAMORI_OK)
		goto out;
	if (in.st.trial) {
		e = mamori_diag_set(d, MAMORI_E_INVAL, 0, 0,
		    "slot %c is on trial: mark it good (mamori update mark-good) or let it fall "
		    "back before installing again",
		    'a' + in.st.active);
		goto out;
	}
	in.target = 1 - in.st.active;
	memset(&pol, 0, sizeof(pol));
	pol.keys = c->keys;
	pol.nkeys = c->nkeys;
	pol.threshold = c->threshold;
	pol.compatible = c->compatible;
	pol.min_counter = in.st.counter;
	pol.now = now;
	e = mamori_upd_verify(rd, rctx, &pol, inst_begin, inst_write, &in, res, d);
	for (size_t i = 0; i < MAMORI_UPD_PAYLOADS_MAX; i++) {
		if (in.fd[i] < 0)
			continue;
		if (e == MAMORI_OK && fsync(in.fd[i]) != 0)
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "syncing a slot: %s", strerror(errno));
		if (close(in.fd[i]) != 0 && e == MAMORI_OK)
			e = mamori_diag_set(
			    d, MAMORI_E_IO, 0, 0, "closing a slot: %s", strerror(errno));
	}
	for (size_t i = 0; i < MAMORI_UPD_PAYLOADS_MAX; i++) {
		if (in.tar[i][0] == '\0')
			continue;
		if (e == MAMORI_OK)
			e = unpack_dir(in.tar[i], in.slot[i]->path[in.target], d);
		(void)unlink(in.tar[i]);
	}
	if (e != MAMORI_OK)
		goto out;
	/* the slot holds the authenticated image: valid, counter raised, then boot it on trial */
	in.st.valid[in.target] = true;
	(void)snprintf(
	    in.st.version[in.target], sizeof(in.st.version[in.target]), "%s", res->m.version);
	if (res->m.counter > in.st.counter)
		in.st.counter = res->m.counter;
	e = write_state(c, &in.st, d);
	if (e != MAMORI_OK)
		goto out;
	in.st.good = in.st.active;
	in.st.active = in.target;
	in.st.trial = true;
	in.st.tries = c->max_tries;
	e = write_bootenv(c, &in.st, d);
out:
	if (lock >= 0)
		(void)close(lock);
	return e;
}

/* Reads the status under the lock, lets change() alter it, writes the boot environment when
 * change() says so. */
static mamori_err
locked_change(const struct mamori_upd_config *c, struct mamori_upd_status *st,
    bool (*change)(const struct mamori_upd_config *, struct mamori_upd_status *),
    struct mamori_diag *d)
{
	mamori_err e;
	int lock = -1;

	e = lock_state(c, &lock, d);
	if (e == MAMORI_OK)
		e = mamori_upd_status_read(c, st, d);
	if (e == MAMORI_OK && change(c, st))
		e = write_bootenv(c, st, d);
	if (lock >= 0)
		(void)close(lock);
	return e;
}

static bool
commit_trial(const struct mamori_upd_config *c, struct mamori_upd_status *st)
{
	(void)c;
	if (!st->trial)
		return false;
	st->trial = false;
	st->tries = 0;
	st->good = st->active;
	return true;
}

static bool
count_boot(const struct mamori_upd_config *c, struct mamori_upd_status *st)
{
	(void)c;
	if (!st->trial)
		return false;
	if (st->tries == 0) {
		/* never committed within max_tries boots: back to the known-good slot */
		st->active = st->good;
		st->trial = false;
		st->fell_back = true;
	} else {
		st->tries--;
	}
	return true;
}

mamori_err
mamori_upd_mark_good(
    const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d)
{
	return locked_change(c, st, commit_trial, d);
}

mamori_err
mamori_upd_boot(
    const struct mamori_upd_config *c, struct mamori_upd_status *st, struct mamori_diag *d)
{
	return locked_change(c, st, count_boot, d);
}
