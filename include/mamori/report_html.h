/* SPDX-License-Identifier: MIT */
/* The HTML report: one self-contained page (inline CSS, no script, no external resource) to
 * hand to a customer, readable on screen and printed. Everything that comes from the image is
 * escaped; see docs/internals/report_html.md. */
#ifndef MAMORI_REPORT_HTML_H
#define MAMORI_REPORT_HTML_H

#include "mamori/buf.h"
#include "mamori/err.h"
#include "mamori/finding.h"

#define MAMORI_HTML_TOP_MAX        10   /* findings listed in the summary */
#define MAMORI_HTML_CONF_LINKS_MAX 25   /* finding links per conformance row */
#define MAMORI_HTML_FIELD_MAX      8192 /* bytes of one image string shown; longer is cut */

/* Appends the HTML report of r to out (nothing on failure). Findings are numbered in r's
 * order (call mamori_report_sort first): finding N (from 1) has the anchor #finding-N, which
 * the summary and the conformance rows link to. The date is the time of the call, UTC. */
MAMORI_MUST_CHECK mamori_err mamori_report_html(
    const struct mamori_report *r, const char *tool_version, struct mamori_buf *out);

#endif
