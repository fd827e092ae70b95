#!/bin/sh
# make demo: the guided tour on bundled data, no network. Each capability adds its part.
set -u
M=${1:-build/release/mamori}
D=${MAMORI_SHARED_DATA:-../shared/data}/pcap
out=${DEMO_OUT:-out/demo}
mkdir -p "$out"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
if [ ! -d "$D" ]; then echo "demo: the shared captures are not at $D (set MAMORI_SHARED_DATA)"; exit 1; fi

say "1. A Mirai infection on the wire: scan, dictionary login, bot commands, report, C&C"
echo "   mamori sensor -r $D/synthetic/mirai_infection_synthetic.pcap --format text --summary"
"$M" sensor -r "$D/synthetic/mirai_infection_synthetic.pcap" --format text --summary
"$M" sensor -q -r "$D/synthetic/mirai_infection_synthetic.pcap" --summary -o "$out/infection.eve.json"

say "2. Mirai's scanner: 1600 SYNs whose sequence number is the target's address"
"$M" sensor -q -r "$D/synthetic/mirai_scan_synthetic.pcap" --format text | cut -c1-220

say "3. A lab machine downloading Mirai binaries for every architecture"
"$M" sensor -q -r "$D/malicious/mirai_lab_bins_http_download_snap256.pcap" --format text | cut -c1-220

say "4. Real IoT devices setting up (21 devices), a human Telnet login, DNS, MQTT: no high or medium alerts"
"$M" sensor -r "$D"/benign/*.pcap "$D"/benign/iot_sentinel/*.pcap "$D"/edge/*.pcap --format text -o "$out/benign.txt"
echo "   alerts (all low severity, see $out/benign.txt):"; sed 's/^/   /' "$out/benign.txt" | cut -c1-200

say "5. Floods and web exploits (synthetic, tests/data/pcap/attacks): GRE, VSE, DNS water torture, SYN, STOMP, HTTP; Huawei/Realtek/GPON exploits"
"$M" sensor -q -r tests/data/pcap/attacks/attacks.pcap --format text | cut -c1-160

say "6. The IPS, dry run: what --block would add to the nftables set"
"$M" sensor -q -r "$D/synthetic/mirai_infection_synthetic.pcap" --block --dry-run -o /dev/null

F=${MAMORI_SHARED_DATA:-../shared/data}/firmware
if [ -f "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" ]; then
  say "7. A real router firmware (TRENDnet TEW-733GR): unpacked in memory and audited"
  "$M" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" --format text --top 6
  "$M" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" -q --format json -o "$out/trendnet.audit.json"
  "$M" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" -q --format html -o "$out/trendnet.audit.html"
  "$M" audit firmware "$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs" -q --format cyclonedx -o "$out/trendnet.sbom.json, cred/accounts (the demo account store)"
  say "8. OWASP's IoTGoat root file system"
  "$M" audit firmware "$F/iotgoat_overlay/rootfs" -q --format text --top 8
fi

say "9. Device logins without a default password: a unique label password, the Mirai list refused, TOTP"
C="$out/cred"; rm -rf "$C"; mkdir -p "$C"; chmod 700 "$C"
export MAMORI_CRED_STORE="$C/accounts"
head -c 32 /dev/urandom > "$C/device.secret"; chmod 600 "$C/device.secret"
"$M" cred init --class small --word acme --word cam-200
echo "   mamori cred provision --device-secret device.secret --serial SN0042   (the label password:)"
P=$("$M" cred provision --device-secret "$C/device.secret" --serial SN0042); echo "   $P"
echo "   the label password logs in only to change it:"
echo "$P" | "$M" cred verify admin
echo "   the owner tries Mirai's favourite, then a device word, then a passphrase:"
echo xc3511 | "$M" cred passwd admin
echo "acme-sn0042!" | "$M" cred passwd admin
echo "lantern-quiet-harbor-93" | "$M" cred passwd admin && echo "   accepted"
echo "   five wrong guesses from 192.0.2.66, then the sixth:"
for i in 1 2 3 4 5; do echo guess$i | "$M" cred verify admin --source 192.0.2.66 2>/dev/null; done
echo guess6 | "$M" cred verify admin --source 192.0.2.66
"$M" cred throttle reset
echo "   enrol TOTP (the QR code is for a phone; here the secret is read back from the output):"
"$M" cred totp enroll admin --issuer acme-cam --no-qr > "$C/enrol.txt" 2>/dev/null
sed -n '1,2p' "$C/enrol.txt" | sed 's/^/   /'
S=$(sed -n 's/^secret: //p' "$C/enrol.txt")
echo "   the authenticator app shows $("$M" cred totp code --secret "$S"); confirming with it:"
"$M" cred totp verify admin "$("$M" cred totp code --secret "$S")"
echo "   mamori cred check:"
"$M" cred check
unset MAMORI_CRED_STORE

say "Reports written to $out/: infection.eve.json (EVE alerts + timeline + stats), benign.txt, trendnet.audit.json, trendnet.audit.html (open it in a browser), trendnet.sbom.json, cred/accounts (the demo account store)"
