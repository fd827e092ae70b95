#!/bin/sh
# The firmware audit's standard formats from the command line, validated against the published
# schemas (tests/schemas, offline): SARIF 2.1.0 and CycloneDX 1.5.
. tests/lib.sh
F=$SHARED/firmware/trendnet_tew733gr_v1.02b01_rootfs.squashfs
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
if [ ! -f "$F" ]; then echo "SKIP: $F not found"; summary; exit; fi
v() { /usr/bin/python3 tests/schemas/validate.py "$1" "$2"; }
"$MAMORI" audit firmware "$F" -q --format sarif -o "$t/r.sarif"
ok "sarif: exit 0" test $? -eq 0
ok "sarif: valid against SARIF 2.1.0" v tests/schemas/sarif-2.1.0-rtm.5.json "$t/r.sarif"
ok "sarif: the Telnet backdoor is a result" grep -q 'wrgn80_trendnet_tew733gr' "$t/r.sarif"
"$MAMORI" audit firmware "$F" -q --format cyclonedx -o "$t/r.cdx.json"
ok "cyclonedx: exit 0" test $? -eq 0
ok "cyclonedx: valid against CycloneDX 1.5" v tests/schemas/bom-1.5.SNAPSHOT.schema.json "$t/r.cdx.json"
ok "cyclonedx: BusyBox 1.14.1 listed" /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert any(c['name'].lower()=='busybox' and c['version']=='1.14.1' for c in d['components'])" "$t/r.cdx.json"
"$MAMORI" audit firmware "$SHARED/firmware/iotgoat_overlay/rootfs" -q --format sarif -o "$t/i.sarif"
ok "sarif: a directory target validates too" v tests/schemas/sarif-2.1.0-rtm.5.json "$t/i.sarif"
summary
