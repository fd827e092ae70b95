#!/bin/sh
# The man pages (docs/man/): both render without a single groff warning, and mamori.1 keeps up
# with the program: a subsection per command of `mamori --help`, every option of
# `mamori help cred` in the cred subsection, every MAMORI_* variable the code reads in
# ENVIRONMENT, every docs/ file it names present. Needs only groff-base (groff or troff).
. tests/lib.sh
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
M1=docs/man/mamori.1
M8=docs/man/pam_mamori.8

# groff-base ships groff, troff and grotty; nroff is a wrapper around groff, so troff is the
# fallback when groff itself is missing.
if command -v groff > /dev/null 2>&1; then
  lint() { groff -man -Tutf8 -ww -z "$1"; }
  render() { groff -man -Tutf8 -rHY=0 -rLL=200n -P-cbou "$1"; }
elif command -v troff > /dev/null 2>&1 && command -v grotty > /dev/null 2>&1; then
  lint() { troff -man -Tutf8 -ww -z "$1"; }
  render() { troff -man -Tutf8 -rHY=0 -rLL=200n "$1" | grotty -cbou; }
else
  echo "SKIP: neither groff nor troff installed (Debian package groff-base)"; summary; exit
fi

# -ww: every warning; groff writes them to standard error, which must stay empty.
for page in "$M1" "$M8"; do
  name=$(basename "$page")
  lint "$page" > "$t/$name.out" 2> "$t/$name.err"
  ok "$name: renders (exit 0)" test $? -eq 0
  ok "$name: no groff warning" test ! -s "$t/$name.err"
  [ -s "$t/$name.err" ] && sed "s|^|  $name: |" "$t/$name.err" >&2
done

# The text a reader sees, without hyphenation, with U+2212 (minus, from \-) and U+2010
# (hyphen) turned into "-" so that option names can be compared byte for byte.
minus=$(printf '\342\210\222'); hyphen=$(printf '\342\200\220')
render "$M1" 2> /dev/null | LC_ALL=C sed "s/$minus/-/g; s/$hyphen/-/g" > "$t/mamori.txt"
ok "mamori.1: plain-text rendering is not empty" test -s "$t/mamori.txt"

# Every command of `mamori --help` (the lines after "commands:" up to the first blank line)
# is a subsection: .SS "mamori CMD" (or .SS CMD).
"$MAMORI" --help | awk '/^commands:/ {on = 1; next} on && /^$/ {exit} on {print $1}' > "$t/cmds"
ok "mamori --help lists commands" test -s "$t/cmds"
while read -r cmd; do
  ok "mamori.1: subsection for '$cmd'" grep -Eq "^\.SS \"?(mamori )?$cmd\"?[[:space:]]*\$" "$M1"
done < "$t/cmds"

# Every option name `mamori help cred` prints appears in the rendered cred subsection (from
# its heading to the next section heading), as a whole token.
"$MAMORI" help cred | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u > "$t/cred-opts"
ok "mamori help cred prints options" test -s "$t/cred-opts"
awk '/^   mamori cred$/ {on = 1} on && /^[A-Z]/ {exit} on' "$t/mamori.txt" > "$t/cred.txt"
ok "mamori.1: the cred subsection is found in the rendered page" test -s "$t/cred.txt"
while read -r opt; do
  ok "mamori.1: cred option $opt" grep -Eq -- "(^|[^a-z0-9-])$opt([^a-z0-9-]|\$)" "$t/cred.txt"
done < "$t/cred-opts"

# Every MAMORI_* variable the program reads is in ENVIRONMENT (MAMORI_SHARED_DATA belongs to
# the tests, not to users, and is not read by the program).
awk '/^ENVIRONMENT$/ {on = 1; next} on && /^[A-Z]/ {exit} on' "$t/mamori.txt" > "$t/env.txt"
grep -ho 'getenv("MAMORI_[A-Z0-9_]*")' cli/*.c lib/*/*.c | sed 's/getenv("//; s/")//' |
  sort -u > "$t/vars"
ok "the code reads MAMORI_* variables" test -s "$t/vars"
while read -r var; do
  ok "mamori.1: ENVIRONMENT lists $var" grep -Eq "^ +$var\$" "$t/env.txt"
done < "$t/vars"

# Every docs/... file either page names exists.
for page in "$M1" "$M8"; do
  name=$(basename "$page")
  render "$page" 2> /dev/null | LC_ALL=C sed "s/$minus/-/g; s/$hyphen/-/g" |
    grep -oE 'docs/[A-Za-z0-9_./-]*[A-Za-z0-9_/]' | sort -u > "$t/$name.docs"
  while read -r f; do
    ok "$name: names $f, which exists" test -e "$f"
  done < "$t/$name.docs"
done

summary
