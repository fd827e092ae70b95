#!/bin/sh
# SPDX-License-Identifier: MIT
# Rebuilds the shipped password blocklists data/cred/*.txt (data/cred/README.md) from the
# project's shared credential dictionaries and SecLists' 10k-most-common.txt.
#
#   tools/mk-cred-blocklists.sh [SHARED_DATA_DIR [SECLISTS_10K [OUT_DIR]]]
#
# defaults: ../shared/data, $SECLISTS_10K or /tmp/seclists-10k.txt, data/cred (run from the repo
# root). SECLISTS_10K is danielmiessler/SecLists Passwords/Common-Credentials/10k-most-common.txt
# at commit 4f84b3c29b5f2192cc82ccdeaf655f0c5f0ab547 (CRLF line ends), checked by its SHA-256.
# Output: one password per line, exact bytes (leading/trailing spaces kept), LF, sorted in
# byte order (LC_ALL=C) and deduplicated; empty passwords left out; a few "# " header lines,
# the first of which is the description the policy shows ("it is <description> (<file>)").
set -eu
export LC_ALL=C

shared=${1:-../shared/data}
top10k=${2:-${SECLISTS_10K:-/tmp/seclists-10k.txt}}
out=${3:-data/cred}
top10k_sha256=af55295852bcb0bc63e76cd22e342d9f7778b1802e76f0c502c73a35f652fd7a

die() {
	echo "mk-cred-blocklists: $*" >&2
	exit 1
}

cred=$shared/credentials
for f in "$cred/mirai_scanner_table.tsv" "$shared/mirai/mirai_credentials.csv" \
    "$cred/seclists_mirai-botnet.txt" "$cred/seclists_telnet-betterdefaultpasslist.txt" \
    "$cred/seclists_default-passwords_iot-excerpt.csv" "$cred/LICENSE-SecLists.txt" "$top10k"; do
	[ -r "$f" ] || die "cannot read $f"
done
echo "$top10k_sha256  $top10k" | sha256sum -c --quiet - || die "$top10k: unexpected SHA-256"
# the CSV files are split on commas below: a quoted field would need a real CSV reader
if grep -q '"' "$cred/seclists_default-passwords_iot-excerpt.csv" "$shared/mirai/mirai_credentials.csv"; then
	die "a CSV file has quoted fields; this script does not handle them"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$out"

# finish NAME LINE...: writes $out/NAME.txt: each LINE as a "# " header line (the first is the
# description), then the passwords of $tmp/NAME.raw without empty lines, sorted and
# deduplicated. Refuses a password that the loader could take for a header line.
finish() {
	name=$1
	shift
	if grep -q '^#\( \|$\)' "$tmp/$name.raw"; then
		die "$name: a password starts with '# ' and would read as a comment"
	fi
	{
		for line in "$@"; do
			printf '# %s\n' "$line"
		done
		grep -v '^$' "$tmp/$name.raw" | sort -u
	} >"$out/$name.txt"
	echo "$out/$name.txt: $(grep -vc '^# ' "$out/$name.txt") passwords" >&2
}

# --- mirai.txt: Mirai's own table, decoded from scanner.c's bytes (two decodings, one set) ---
# TSV: "# " comment lines, a header row, then username<TAB>password<TAB>weight
awk -F '\t' '/^#/ || $1 == "username" && $2 == "password" { next } NF >= 2 { print $2 }' \
    "$cred/mirai_scanner_table.tsv" >"$tmp/mirai.raw"
# CSV: index,username,password,weight,probability,scanner_c_line,source_comment
awk -F ',' 'NR == 1 { if ($3 != "password") exit 1; next } { print $3 }' \
    "$shared/mirai/mirai_credentials.csv" >>"$tmp/mirai.raw" || die "mirai_credentials.csv: unexpected header"
finish mirai \
    "a factory login from the Mirai botnet's scanner table" \
    "Passwords of the 62 add_auth_entry() pairs of Mirai's mirai/bot/scanner.c" \
    "(jgamblin/Mirai-Source-Code, commit 6a5941be681b839eeff8ece1de8b245bcd5ffb02), decoded from" \
    "the XOR-0x22 bytes. Facts, not code. Built by tools/mk-cred-blocklists.sh; see README.md."

# --- default-credentials.txt: SecLists (MIT) ---
# mirai-botnet.txt: "user password" split at the first space; "(none)" is Mirai's comment for
# an empty password; a trailing space is part of the password ("admin 20xbully ")
awk '{ i = index($0, " "); if (i == 0) next; p = substr($0, i + 1); if (p != "(none)") print p }' \
    "$cred/seclists_mirai-botnet.txt" >"$tmp/default-credentials.raw"
# telnet-betterdefaultpasslist.txt: "user:password" split at the first colon
awk '{ i = index($0, ":"); if (i == 0) next; print substr($0, i + 1) }' \
    "$cred/seclists_telnet-betterdefaultpasslist.txt" >>"$tmp/default-credentials.raw"
# default-passwords.csv excerpt: Vendor,Username,Password,Comments; <BLANK> = empty,
# <N/A> = not applicable
awk -F ',' 'NR == 1 { if ($3 != "Password") exit 1; next } $3 != "<BLANK>" && $3 != "<N/A>" { print $3 }' \
    "$cred/seclists_default-passwords_iot-excerpt.csv" >>"$tmp/default-credentials.raw" ||
	die "default-passwords csv: unexpected header"
finish default-credentials \
    "a vendor's factory login listed by SecLists" \
    "Passwords of danielmiessler/SecLists Passwords/Malware/mirai-botnet.txt," \
    "Passwords/Default-Credentials/telnet-betterdefaultpasslist.txt and a router/camera/IoT" \
    "excerpt of Passwords/Default-Credentials/default-passwords.csv. MIT licence: see" \
    "LICENSE-SecLists.txt. Built by tools/mk-cred-blocklists.sh; see README.md."
cat "$cred/LICENSE-SecLists.txt" >"$out/LICENSE-SecLists.txt"

# --- common.txt: SecLists' 10k-most-common.txt (MIT) ---
# one password a line, CRLF line ends: the CR is not part of the password
awk '{ sub(/\r$/, ""); print }' "$top10k" >"$tmp/common.raw"
finish common \
    "among the 10,000 most common choices (SecLists)" \
    "Passwords/Common-Credentials/10k-most-common.txt of danielmiessler/SecLists, commit" \
    "4f84b3c29b5f2192cc82ccdeaf655f0c5f0ab547. MIT licence: see LICENSE-SecLists.txt. Built by" \
    "tools/mk-cred-blocklists.sh; see README.md."
