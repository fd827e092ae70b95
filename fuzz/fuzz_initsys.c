/* SPDX-License-Identifier: MIT */
/* The boot model's readers: the shell line scanner (with function reachability), the inittab
 * and UCI parsers, and the whole model plus the service checks over a small tree in which the
 * input is every boot file at once (rcS, inittab, inetd.conf, a UCI file, a systemd unit, a
 * procd script, an rc.local). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mamori/finding.h"
#include "mamori/fstree.h"
#include "mamori/initsys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mamori_err
uci_any(void *ctx, const struct mamori_uci_opt *o)
{
	size_t *n = ctx;

	*n += strlen(o->stype) + strlen(o->sname) + strlen(o->key) + strlen(o->value);
	return MAMORI_OK;
}

static const uint8_t *
rf_self(const void *ctx, const char *path, size_t *len)
{
	(void)path;
	*len = strlen(ctx);
	return (const uint8_t *)ctx;
}

static const char *const files[] = {"/etc/init.d/rcS", "/etc/inittab", "/etc/inetd.conf",
    "/etc/config/upnpd", "/etc/config/system", "/etc/init.d/svc", "/etc/config/svc",
    "/lib/systemd/system/x.service", "/lib/systemd/system/x.socket", "/etc/rc.local"};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mamori_sh_script sh;
	struct mamori_inittab_entry *ent;
	mamori_err e;
	struct mamori_fs_limits l;
	struct mamori_fstree *t = NULL;
	struct mamori_report r;
	size_t n = 0;
	static const char *const roots[] = {"start", "boot"};

	if (mamori_sh_parse(data, size, rf_self, (void *)(uintptr_t) "value", &sh, NULL) ==
	    MAMORI_OK) {
		bool *reach = calloc(sh.nfunc + 1, sizeof(bool));

		if (reach != NULL)
			mamori_sh_reachable(&sh, roots, 2, reach);
		free(reach);
		mamori_sh_free(&sh);
	}
	if (mamori_inittab_parse(data, size, &ent, &n, NULL) == MAMORI_OK)
		mamori_inittab_free(ent, n);
	e = mamori_uci_parse(data, size, uci_any, &n, NULL);
	(void)e; /* any result is fine: only crashes and leaks count */

	/* the model over a tree made of the input */
	if (size > 65536)
		return 0;
	mamori_fs_limits_default(&l);
	if (mamori_fstree_new(&l, &t) != MAMORI_OK)
		return 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (mamori_fstree_add(t, files[i], strlen(files[i]), MAMORI_FS_REG, 0755, 0, 0,
		        data, size, NULL, NULL, NULL) != MAMORI_OK)
			goto out;
	if (mamori_fstree_add(t, "/bin/busybox", 12, MAMORI_FS_REG, 04755, 0, 0,
	        (const uint8_t *)"\x7f"
	                         "ELF",
	        4, NULL, NULL, NULL) != MAMORI_OK ||
	    mamori_fstree_add(t, "/etc/rc.d/S10svc", 16, MAMORI_FS_LNK, 0777, 0, 0, NULL, 0,
	        "../init.d/svc", NULL, NULL) != MAMORI_OK ||
	    mamori_fstree_add(t, "/etc/systemd/system/sockets.target.wants/x.socket", 49,
	        MAMORI_FS_LNK, 0777, 0, 0, NULL, 0, "/lib/systemd/system/x.socket", NULL,
	        NULL) != MAMORI_OK)
		goto out;
	mamori_report_init(&r);
	e = mamori_check_services(t, &r, NULL);
	if (e == MAMORI_OK)
		e = mamori_check_fs(t, &r, NULL);
	(void)e;
	mamori_report_free(&r);
out:
	mamori_fstree_free(t);
	return 0;
}
