#!/bin/sh
# End-to-end checks of `mamori audit firmware` on the real images of ../shared/data/firmware
# (README there gives the ground truth) and on hostile input.
. tests/lib.sh
F=$SHARED/firmware
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
if [ ! -d "$F" ]; then echo "SKIP: $F not found"; summary; exit; fi
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }

# --- TRENDnet TEW-733GR (SquashFS 4, vendor LZMA)
"$MAMORI" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" --format json -q > "$t/tn.json"
ok "trendnet: exit 0 without --fail-on" test $? -eq 0
ok "trendnet: valid JSON, tool and target" j "$t/tn.json" "assert d['tool']=='mamori' and d['target']['kind']=='firmware' and d['target']['sha256'].startswith('68d93fcc7e354362')"
ok "trendnet: Telnet backdoor with Alphanetworks and the derived password" j "$t/tn.json" "assert any(f['id'] in ('service.telnet','credential.hardcoded') and 'Alphanetworks' in f['evidence'] and 'wrgn80_trendnet_tew733gr' in f['evidence'] for f in d['findings'])"
ok "trendnet: service.telnet at S80telnetd.sh" j "$t/tn.json" "assert any(f['id']=='service.telnet' and f['path']=='/etc/init0.d/S80telnetd.sh' for f in d['findings'])"
ok "trendnet: empty default admin password" j "$t/tn.json" "assert any('admin' in f['evidence'] and 'empty' in f['evidence'] and f['path']=='/etc/defnodes/defaultvalue.xml' for f in d['findings'])"
ok "trendnet: binary.hardening covers /usr/sbin" j "$t/tn.json" "assert any(f['id']=='binary.hardening' and f['path']=='/usr/sbin' and 'dnsmasq' in f['evidence'] for f in d['findings'])"
for c in 'busybox 1.14.1' 'dnsmasq 2.45' 'openssl 0.9.8g' 'hostapd 0.5.9' 'uclibc 0.9.30.1' 'linux 2.6.33.2'; do
  set -- $c
  ok "trendnet: component $1 $2" j "$t/tn.json" "assert any(c['name'].lower()=='$1' and c['version']=='$2' for c in d['components'])"
done
# component.vulnerable from the NVD records in data/vulndb (CVE ranges checked against NVD)
for c in 'busybox CVE-2016-2148' 'dnsmasq CVE-2017-14491' 'dnsmasq CVE-2009-2957' 'openssl CVE-2014-0224' 'openssl CVE-2016-2108'; do
  set -- $c
  ok "trendnet: $1 has $2" j "$t/tn.json" "assert any(c['name']=='$1' and '$2' in c['cves'] for c in d['components'])"
  ok "trendnet: component.vulnerable for $1 names $2" j "$t/tn.json" "assert any(f['id']=='component.vulnerable' and f['evidence'].startswith('$1 ') for f in d['findings'])"
done
ok "trendnet: openssl 0.9.8g is not Heartbleed (1.0.1 only)" j "$t/tn.json" "assert not any('CVE-2014-0160' in c['cves'] for c in d['components'])"
ok "trendnet: dnsmasq 2.45 critical" j "$t/tn.json" "assert any(f['id']=='component.vulnerable' and f['severity']=='critical' and f['path']=='/usr/sbin/dnsmasq' for f in d['findings'])"
MAMORI_VULNDB=$t/none.sqlite "$MAMORI" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" --format json -o "$t/nodb.json" 2> "$t/nodb.err"
ok "trendnet: no database: the audit runs" j "$t/nodb.json" "assert not any(f['id']=='component.vulnerable' for f in d['findings'])"
ok "trendnet: no database: said on stderr" grep -q "no vulnerability database at $t/none.sqlite" "$t/nodb.err"
ok "trendnet: update.unverified for the SEAMA updater (MD5 only)" j "$t/tn.json" "assert any(f['id']=='update.unverified' and f['path']=='/htdocs/cgibin' and 'fwupdater -i /var/firmware.seama' in f['evidence'] and 'MD5Init' in f['evidence'] for f in d['findings'])"
# progress: on a terminal (script(1) gives one) a line rewritten per stage, erased at the end
script -qec "$MAMORI audit firmware '$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs' --format json -o '$t/pty.json'" "$t/pty.log" > /dev/null 2>&1
ok "progress on a terminal: stages and bytes" sh -c "grep -q 'unpacking [0-9.]* of [0-9.]* MiB' '$t/pty.log' && grep -q 'binaries (check 6 of 8)' '$t/pty.log'"
ok "progress on a terminal: erased before the log" sh -c "tr '\\r' '\\n' < '$t/pty.log' | grep -q '^.\\[Kmamori: unpacking '"
"$MAMORI" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" --format json -o "$t/nopty.json" 2> "$t/nopty.err"
ok "no progress when stderr is not a terminal" sh -c "! grep -q 'check 6 of 8' '$t/nopty.err' && ! tr -d '\\n' < '$t/nopty.err' | grep -q \"\$(printf '\\r')\""
ok "trendnet: every finding has a remediation and standards" j "$t/tn.json" "assert all(f['remediation'] and f['standards'] for f in d['findings'])"
ok "trendnet: conformance per standard" j "$t/tn.json" "assert set(d['conformance'])>={'etsi-en-303-645','jc-star-1','owasp-iot-2018','eu-cra-annex-i'}"
"$MAMORI" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" -q --fail-on high -o "$t/tn2.json"
ok "trendnet: --fail-on high is exit 1" test $? -eq 1
ok "trendnet: -o wrote JSON" j "$t/tn2.json" "assert d['findings']"
"$MAMORI" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" -q --format text > "$t/tn.txt"
ok "trendnet: text summary with counts and conformance" sh -c "grep -q '^Findings: [0-9]* critical' '$t/tn.txt' && grep -q 'ETSI EN 303 645' '$t/tn.txt'"

# --- IoTGoat root file system (a directory)
"$MAMORI" audit firmware "$F/iotgoat_overlay/rootfs" --format json -q > "$t/ig.json"
ok "iotgoat: exit 0" test $? -eq 0
ok "iotgoat: iotgoatuser / 7ujMko0vizxv" j "$t/ig.json" "assert any(f['id']=='account.default-password' and 'iotgoatuser' in f['evidence'] and '7ujMko0vizxv' in f['evidence'] for f in d['findings'])"
ok "iotgoat: Telnet daemon from rc.local" j "$t/ig.json" "assert any(f['id']=='service.telnet' and f['path']=='/etc/rc.local' for f in d['findings'])"
ok "iotgoat: bind shell started from rc.local" j "$t/ig.json" "assert any(f['id']=='service.bindshell' and f['path']=='/etc/rc.local' and 'shellback' in f['evidence'] for f in d['findings'])"
ok "iotgoat: serial console without login" j "$t/ig.json" "assert any(f['id']=='console.shell' and 'ttylogin' in f['evidence'] for f in d['findings'])"
ok "iotgoat: UPnP with secure mode off" j "$t/ig.json" "assert any(f['id']=='service.upnp-open' and 'secure_mode' in f['evidence'] for f in d['findings'])"
ok "iotgoat: plaintext personal data" j "$t/ig.json" "assert any(f['id']=='data.plaintext-personal' for f in d['findings'])"
printf 'root:iotgoathardcodedpassword\n' > "$t/extra.txt"
"$MAMORI" audit firmware "$F/iotgoat_overlay/rootfs" --format json -q --creds "$t/extra.txt" > "$t/ig2.json"
ok "iotgoat: --creds cracks root" j "$t/ig2.json" "assert any(f['id']=='account.default-password' and 'iotgoathardcodedpassword' in f['evidence'] and f['severity']=='critical' for f in d['findings'])"

# --- Arcadyan (obfuscated RTOS image, no Linux file system)
"$MAMORI" audit firmware "$F/arcadyan_obfuscated.bin" --format json > "$t/ar.json" 2> "$t/ar.err"
ok "arcadyan: exit 3" test $? -eq 3
ok "arcadyan: says no Linux file system found" grep -q "no Linux file system found" "$t/ar.err"
ok "arcadyan: report with container.unknown" j "$t/ar.json" "assert [f['id'] for f in d['findings']]==['container.unknown']"

# --- hostile and broken input
head -c 200000 "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" > "$t/cut.bin"
"$MAMORI" audit firmware "$t/cut.bin" -q --format json > /dev/null 2> "$t/cut.err"; rc=$?
ok "truncated image: exit 3 with a message" sh -c "test $rc -eq 3 && test -s '$t/cut.err'"
"$MAMORI" audit firmware "$t/absent.bin" > /dev/null 2>&1
ok "absent file: exit 3" test $? -eq 3
: > "$t/empty.bin"
"$MAMORI" audit firmware "$t/empty.bin" > /dev/null 2>&1
ok "empty file: exit 3" test $? -eq 3
# a tar whose member names climb out with "..": re-rooted inside the tree, reported, nothing
# written anywhere
mkdir -p "$t/evil/etc" && echo 'root::0:0:root:/root:/bin/sh' > "$t/evil/etc/passwd"
tar --format=gnu -cf "$t/evil.tar" -C "$t/evil" etc --transform 's|^etc|../../etc|' 2>/dev/null
"$MAMORI" audit firmware "$t/evil.tar" -q --format json > "$t/evil.json"
ok "hostile tar: fs.hostile-name" j "$t/evil.json" "assert any(f['id']=='fs.hostile-name' for f in d['findings'])"
ok "hostile tar: the re-rooted passwd is audited" j "$t/evil.json" "assert any(f['id']=='account.empty-password' and f['path']=='/etc/passwd' for f in d['findings'])"
ok "hostile tar: nothing written outside" test ! -e "$t/../etc/passwd"
"$MAMORI" audit > /dev/null 2>&1; ok "usage: audit alone is exit 2" test $? -eq 2
"$MAMORI" audit firmware > /dev/null 2>&1; ok "usage: no image is exit 2" test $? -eq 2
"$MAMORI" audit firmware x --format pdf > /dev/null 2>&1; ok "usage: bad format is exit 2" test $? -eq 2
"$MAMORI" audit firmware x --fail-on severe > /dev/null 2>&1; ok "usage: bad severity is exit 2" test $? -eq 2
ok "help teaches" sh -c "'$MAMORI' audit --help | grep -q 'examples:'"
summary
