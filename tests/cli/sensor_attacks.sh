#!/bin/sh
# End-to-end checks of `mamori sensor` on the synthetic attack capture
# tests/data/pcap/attacks/attacks.pcap (made by tests/gen/mkattacks.c; its README lists each
# scenario, its addresses and the alert it must give). Run from the repository root; MAMORI names
# the program, GENDIR the built generators (then the capture is rebuilt and compared).
. tests/lib.sh
F=tests/data/pcap/attacks/attacks.pcap
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
A=$t/a.json

# --- the fixture is what the generator makes, byte for byte
if [ -n "${GENDIR:-}" ] && [ -x "$GENDIR/mkattacks" ]; then
  "$GENDIR/mkattacks" "$t/gen.pcap" 2> "$t/gen.err"
  ok "generator: exit 0" test $? -eq 0
  ok "generator: same bytes as the committed capture" cmp -s "$t/gen.pcap" "$F"
  ok "generator: reports the packets written" grep -q 'wrote 12950 packets' "$t/gen.err"
fi

"$MAMORI" sensor -q -r "$F" > "$A"; rc=$?
ok "sensor: exit 0" test "$rc" -eq 0

# sel SID PATTERN...: the alerts of SID whose line holds every (fixed-string) PATTERN
sel() {
  s=$(grep "\"signature_id\":$1," "$A"); shift
  for pat in "$@"; do s=$(printf '%s\n' "$s" | grep -F -- "$pat"); done
  [ -n "$s" ] && printf '%s\n' "$s"
}
# nsel SID PATTERN...: how many; csum SID PATTERN...: the sum of their counts
nsel() { sel "$@" | grep -c .; }
csum() {
  sel "$@" | sed -n 's/.*"mamori":{"stage":"[a-z0-9]*","count":\([0-9]*\).*/\1/p' |
    awk '{ n += $1 } END { print n + 0 }'
}
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
has() { test "$(nsel "$@")" -ge 1; }
ip() { printf '"%s":"%s"' "$1" "$2"; }

# flood NAME SID SRC DST PROTO VECTOR: a volumetric flood of 1500 packets in one second from SRC
# ("-" = many sources) to DST is one alert whose count is between the threshold and what was sent
flood() {
  if [ "$3" = - ]; then
    ok "$1: alert to $4" has "$2" "$(ip dest_ip "$4")" "\"proto\":\"$5\"" "\"vector\":\"$6\""
    ok "$1: no single source named" test "$(nsel "$2" "$(ip dest_ip "$4")" '"src_ip"')" -eq 0
  else
    ok "$1: alert $3 -> $4" has "$2" "$(ip src_ip "$3")" "$(ip dest_ip "$4")" \
      "\"proto\":\"$5\"" "\"vector\":\"$6\""
  fi
  n=$(nsel "$2" "$(ip dest_ip "$4")")
  ok "$1: one alert for the flood (got $n)" test "$n" -eq 1
  n=$(csum "$2" "$(ip dest_ip "$4")")
  ok "$1: count $n within 1000..1500 (threshold..packets sent)" between "$n" 1000 1500
}

# --- floods (slots 0-9)
flood "GRE IP flood" 9000067 192.0.2.10 198.51.100.10 GRE greip
flood "GRE Ethernet flood" 9000068 192.0.2.11 198.51.100.11 GRE greeth
flood "VSE flood" 9000065 192.0.2.12 198.51.100.12 UDP vse
ok "VSE flood: to port 27015" has 9000065 "$(ip dest_ip 198.51.100.12)" '"dest_port":27015'
flood "UDP plain flood" 9000064 192.0.2.15 198.51.100.15 UDP udp_plain
ok "UDP plain flood: not also generic" test "$(nsel 9000063 "$(ip dest_ip 198.51.100.15)")" -eq 0
flood "UDP generic flood" 9000063 192.0.2.16 198.51.100.16 UDP udp
ok "UDP generic flood: not also plain" test "$(nsel 9000064 "$(ip dest_ip 198.51.100.16)")" -eq 0
flood "STOMP flood" 9000062 192.0.2.17 198.51.100.17 TCP stomp
flood "SYN flood" 9000060 - 198.51.100.18 TCP syn
ok "SYN flood: Mirai shape noted" has 9000060 "$(ip dest_ip 198.51.100.18)" '"mirai_shape":"mss 1400-1415"'
n=$(sel 9000060 "$(ip dest_ip 198.51.100.18)" | sed -n 's/.*"distinct_sources":\([0-9]*\).*/\1/p' | head -n 1)
ok "SYN flood: many distinct sources (${n:-none})" between "${n:-0}" 500 100000
ok "HTTP flood: alert 192.0.2.19 -> 198.51.100.19" has 9000069 "$(ip src_ip 192.0.2.19)" \
  "$(ip dest_ip 198.51.100.19)" '"vector":"http"'
n=$(csum 9000069 "$(ip dest_ip 198.51.100.19)")
ok "HTTP flood: count $n within 100..150 (threshold..requests sent)" between "$n" 100 150

# --- DNS water torture (slot 3) and its control (slot 4)
ok "DNS water torture: alert 192.0.2.13 -> 8.8.8.8" has 9000066 "$(ip src_ip 192.0.2.13)" \
  "$(ip dest_ip 8.8.8.8)" '"vector":"dns"' '"domain":"victim-domain.example"'
ok "DNS water torture: one alert" test "$(nsel 9000066)" -eq 1
n=$(csum 9000066 "$(ip src_ip 192.0.2.13)")
ok "DNS water torture: count $n within 100..300" between "$n" 100 300
ok "DNS water torture: public resolver use noted" has 9000051 "$(ip src_ip 192.0.2.13)" \
  "$(ip dest_ip 8.8.8.8)" 'victim-domain.example'
ok "DNS control: one name 300 times gives nothing" sh -c "! grep -q '192.0.2.14' '$A'"

# --- SSH (slots 10, 11)
ok "SSH brute force: alert 192.0.2.20 -> 198.51.100.20:22" has 9000012 "$(ip src_ip 192.0.2.20)" \
  "$(ip dest_ip 198.51.100.20)" '"dest_port":22' '"count":12,'
ok "SSH control: 3 connections give nothing" sh -c "! grep -q '192.0.2.21' '$A'"

# --- downloads (slots 12, 17, 18)
ok "TFTP: mirai.mips from 198.51.100.22" has 9000032 "$(ip src_ip 198.51.100.22)" \
  "$(ip dest_ip 203.0.113.22)" '"dest_port":69' '"files":["mirai.mips"]'
ok "Telnet default login: root/xc3511 on 198.51.100.40" has 9000011 "$(ip src_ip 192.0.2.40)" \
  "$(ip dest_ip 198.51.100.40)" '"user":"root","password":"xc3511","result":"success"'
ok "ELF after compromise: bot name" has 9000030 "$(ip src_ip 198.51.100.40)" \
  '"urls":["203.0.113.40/bins/mirai.arm"]'
ok "ELF after compromise: severity 1" has 9000031 "$(ip src_ip 198.51.100.40)" \
  "$(ip dest_ip 203.0.113.40)" '"severity":1' '"after_compromise":true' '"e_machine":40'
ok "ELF, device not compromised: severity 3" has 9000031 "$(ip src_ip 198.51.100.41)" \
  "$(ip dest_ip 203.0.113.40)" '"severity":3' '"after_compromise":false'
ok "ELF, device not compromised: no bot name alert" test "$(nsel 9000030 "$(ip src_ip 198.51.100.41)")" -eq 0

# --- web exploits (slots 13-16)
ok "exploit: Huawei HG532" has 9100001 "$(ip src_ip 203.0.113.30)" "$(ip dest_ip 198.51.100.30)" \
  '"dest_port":37215' 'CVE-2017-17215'
ok "exploit: Realtek picsdesc.xml" has 9100002 "$(ip src_ip 203.0.113.31)" \
  "$(ip dest_ip 198.51.100.31)" '"dest_port":52869' 'CVE-2014-8361'
ok "exploit: GPON diag_Form, percent-encoded" has 9100003 "$(ip src_ip 203.0.113.32)" \
  "$(ip dest_ip 198.51.100.32)" '"dest_port":8080'
ok "exploit control: DeviceUpgrade_1 without injection gives nothing" \
  sh -c "! grep -q '203.0.113.33' '$A'"

# --- tunnels, tags, IPv6 (slots 19-21)
ok "scan in ERSPAN II: from 192.0.2.52, 5 targets" has 9000001 "$(ip src_ip 192.0.2.52)" '"count":5,'
ok "scan in QinQ: from 192.0.2.53, 5 targets" has 9000001 "$(ip src_ip 192.0.2.53)" '"count":5,'
ok "scan: the ERSPAN collector is not the source" sh -c "! grep -q '\"src_ip\":\"192.0.2.50\"' '$A'"
ok "IPv6 Telnet brute force: 3 failed Mirai pairs" has 9000010 "$(ip src_ip 2001:db8::66)" \
  "$(ip dest_ip 2001:db8:1::23)" '"count":3,' '"user":"root","password":"vizxv","result":"failed"'

# --- nothing else: the set of signatures, the number of alerts, every protocol named
sids=$(grep -o '"signature_id":[0-9]*' "$A" | cut -d: -f2 | sort -u | tr '\n' ' ')
want='9000001 9000010 9000011 9000012 9000030 9000031 9000032 9000051 9000060 9000062 9000063 9000064 9000065 9000066 9000067 9000068 9000069 9100001 9100002 9100003 '
ok "signature set is the expected one (got: $sids)" test "$sids" = "$want"
n=$(grep -c . "$A")
ok "22 alerts in all (got $n)" test "$n" -eq 22
ok "every alert names its protocol" sh -c "! grep -q '\"proto\":\"0\"' '$A'"
summary
