#!/bin/sh
# End-to-end checks of `mamori sensor` on the shared captures (../shared/data/pcap, described in
# its README) and on bad input. Run from the repository root; MAMORI names the program.
. tests/lib.sh
P=$SHARED/pcap
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT

if [ ! -d "$P" ]; then echo "SKIP: $P not found"; summary; exit; fi

# --- the infection capture: every stage it contains, the credential pairs, the timeline
"$MAMORI" sensor -q -r "$P/synthetic/mirai_infection_synthetic.pcap" --summary > "$t/inf.json"
for st in scan bruteforce infection report c2; do
  ok "infection: stage $st" grep -q "\"stage\":\"$st\"" "$t/inf.json"
done
for pair in '"user":"root","password":"xc3511"' '"user":"admin","password":"admin"' \
            '"user":"root","password":"vizxv","result":"success"'; do
  ok "infection: bruteforce evidence $pair" sh -c "grep '\"stage\":\"bruteforce\"' '$t/inf.json' | grep -q '$pair'"
done
ok "infection: /bin/busybox MIRAI seen" grep -q '"/bin/busybox MIRAI"' "$t/inf.json"
ok "infection: report names the victim" grep -q '"victim":"198.51.100.23:23","user":"root","password":"vizxv"' "$t/inf.json"
ok "infection: EVE fields" grep -q '"event_type":"alert","src_ip":"192.0.2.66"' "$t/inf.json"
order() { grep "\"host\":\"$1\"" "$t/inf.json" | grep -o '"stage":"[a-z0-9]*","role":"[a-z]*"' | tr '\n' ' '; }
ok "timeline: bot stages in order" test "$(order 192.0.2.66)" = '"stage":"scan","role":"source" "stage":"bruteforce","role":"source" "stage":"infection","role":"source" "stage":"report","role":"source" "stage":"c2","role":"source" '
ok "timeline: victim stages in order" test "$(order 198.51.100.23)" = '"stage":"scan","role":"target" "stage":"bruteforce","role":"target" "stage":"infection","role":"target" '
"$MAMORI" sensor -q -r "$P/synthetic/mirai_infection_synthetic.pcap" --summary --format text > "$t/inf.txt"
ok "timeline text: victim listed" grep -q '^198.51.100.23$' "$t/inf.txt"
ok "timeline text: bot infecting" grep -q 'infection  infecting' "$t/inf.txt"

# --- the scan capture: 1600 Mirai SYNs from one source
"$MAMORI" sensor -q -r "$P/synthetic/mirai_scan_synthetic.pcap" > "$t/scan.json"
ok "scan: Mirai SYN alert, count 1600, one source" sh -c "grep '\"signature_id\":9000001' '$t/scan.json' | grep '\"src_ip\":\"192.0.2.66\"' | grep -q '\"count\":1600'"
ok "scan: one Mirai SYN alert" test "$(grep -c '"signature_id":9000001' "$t/scan.json")" -eq 1

# --- the lab download
"$MAMORI" sensor -q -r "$P/malicious/mirai_lab_bins_http_download_snap256.pcap" > "$t/dl.json"
ok "download: stage" grep -q '"stage":"download"' "$t/dl.json"
ok "download: mirai.mips named" grep -q 'mirai.mips' "$t/dl.json"

# --- benign captures: nothing of severity 1 or 2; the iodine tunnel is no DNS flood
for f in "$P"/benign/*.pcap "$P"/benign/iot_sentinel/*.pcap "$P"/edge/*.pcap; do
  n=$("$MAMORI" sensor -q -r "$f" | grep -c '"severity":[12]')
  ok "benign: no severity 1/2 in $(basename "$f")" test "$n" -eq 0
done
# all of them in one run, as the demo does: time goes back at each new file, which must not
# pile packets into one second and fake a flood
n=$("$MAMORI" sensor -q -r "$P"/benign/*.pcap "$P"/benign/iot_sentinel/*.pcap "$P"/edge/*.pcap | grep -c '"severity":[12]')
ok "benign, all files in one run: no severity 1/2 (got $n)" test "$n" -eq 0
ok "iodine: no ddos" sh -c "! '$MAMORI' sensor -q -r '$P/edge/dns_iodine_tunnel.pcap' | grep -q ddos"

# --- inputs: stdin, pcapng, several files
"$MAMORI" sensor -q -r - < "$P/synthetic/mirai_scan_synthetic.pcap" > "$t/stdin.json"
ok "stdin: same alerts as the file" cmp -s "$t/stdin.json" "$t/scan.json"
ok "pcapng fixture reads" sh -c "'$MAMORI' sensor -r tests/data/pcapng/telnet_openbsd_login.pcapng 2>&1 >/dev/null | grep -q 'packets 92,'"

# --- bad input: clear error with file and offset, the next file is still read, exit 3
head -c 5000 "$P/synthetic/mirai_infection_synthetic.pcap" > "$t/cut.pcap"
"$MAMORI" sensor -q -r "$t/cut.pcap" "$P/malicious/mirai_lab_bins_http_download_snap256.pcap" > "$t/cut.json" 2> "$t/cut.err"; rc=$?
ok "truncated: exit 3" test "$rc" -eq 3
ok "truncated: names file and byte offset" grep -q "cut.pcap: .*byte [0-9]" "$t/cut.err"
ok "truncated: next file still read" grep -q '"stage":"download"' "$t/cut.json"
printf 'this is not a capture file at all' > "$t/junk.pcap"
"$MAMORI" sensor -q -r "$t/junk.pcap" > /dev/null 2> "$t/junk.err"; rc=$?
ok "junk: exit 3 with a message" sh -c "test $rc -eq 3 && grep -q 'junk.pcap' '$t/junk.err'"
"$MAMORI" sensor -q -r "$t/absent.pcap" > /dev/null 2>&1; rc=$?
ok "absent file: exit 3" test "$rc" -eq 3
head -c 0 /dev/null > "$t/empty.pcap"
"$MAMORI" sensor -q -r "$t/empty.pcap" > /dev/null 2> "$t/empty.err"; rc=$?
ok "empty file: exit 3 with a message" sh -c "test $rc -eq 3 && test -s '$t/empty.err'"

# --- configuration and usage
printf '[sensor]\nalert_window = 30\nno_such_key = 1\n' > "$t/bad.conf"
"$MAMORI" sensor -c "$t/bad.conf" -r "$P/synthetic/mirai_scan_synthetic.pcap" > /dev/null 2> "$t/conf.err"; rc=$?
ok "config: unknown key is exit 2" test "$rc" -eq 2
ok "config: error names line 3" grep -q "bad.conf:3" "$t/conf.err"
printf '[sensor]\nhome_net = 192.0.2.0/24\nscan_hosts = 1500\n' > "$t/good.conf"
"$MAMORI" sensor -q -c "$t/good.conf" -r "$P/synthetic/mirai_infection_synthetic.pcap" --summary > "$t/home.json"
ok "config: home_net limits the timeline" sh -c "grep -q '\"host\":\"192.0.2.66\"' '$t/home.json' && ! grep -q '\"host\":\"198.51.100.23\"' '$t/home.json'"
"$MAMORI" sensor -r > /dev/null 2>&1; ok "usage: -r without files is exit 2" test $? -eq 2
"$MAMORI" sensor > /dev/null 2>&1; ok "usage: nothing to read is exit 2" test $? -eq 2
"$MAMORI" sensor --format xml -r x > /dev/null 2>&1; ok "usage: bad format is exit 2" test $? -eq 2
ok "help: exit 0 and teaches" sh -c "'$MAMORI' sensor --help | grep -q 'examples:'"
ok "mamori help sensor" sh -c "'$MAMORI' help sensor | grep -q 'usage: mamori sensor'"
"$MAMORI" > /dev/null 2>&1; ok "mamori without a command is exit 2" test $? -eq 2
ok "mamori --version" sh -c "'$MAMORI' --version | grep -q '^mamori [0-9]'"

# --- IPS dry run: names the bot, touches nothing
"$MAMORI" sensor -q --block --dry-run -r "$P/synthetic/mirai_infection_synthetic.pcap" > /dev/null 2> "$t/block.err"
ok "block dry-run: would block the bot" grep -q 'would block 192.0.2.66' "$t/block.err"
ok "block dry-run: once" test "$(grep -c 'would block 192.0.2.66' "$t/block.err")" -eq 1
summary
