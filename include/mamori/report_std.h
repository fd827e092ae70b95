/* SPDX-License-Identifier: MIT */
/* Standard report formats over the finding model of finding.h: SARIF 2.1.0 (OASIS) for code
 * scanning dashboards, and a CycloneDX 1.5 JSON SBOM of the components found, with their CVEs
 * as vulnerabilities. tests/schemas/ holds the published schemas both are validated against. */
#ifndef MAMORI_REPORT_STD_H
#define MAMORI_REPORT_STD_H

#include "mamori/buf.h"
#include "mamori/err.h"
#include "mamori/finding.h"

/* A SARIF 2.1.0 log of r, appended to out: one run, one rule per catalog kind that r uses,
 * one result per finding in r's order. Locations are relative to the root file system
 * (uriBaseId "ROOTFS"). Nothing is appended on failure. */
MAMORI_MUST_CHECK mamori_err mamori_report_sarif(
    const struct mamori_report *r, const char *tool_version, struct mamori_buf *out);

/* A CycloneDX 1.5 JSON SBOM of r, appended to out: the target as metadata.component, every
 * component of r, and one vulnerability per distinct CVE (or OSV) id listed on the components.
 * The serial number is a random UUID and the timestamp the current UTC time, so two runs
 * differ there. Nothing is appended on failure. */
MAMORI_MUST_CHECK mamori_err mamori_report_cyclonedx(
    const struct mamori_report *r, const char *tool_version, struct mamori_buf *out);

#endif
