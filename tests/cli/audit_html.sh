#!/bin/sh
# The HTML report of `mamori audit firmware` opened in a real browser (headless Chromium): the
# TRENDnet TEW-733GR audit and a synthetic report with hostile paths and evidence. Checks the
# DOM Chromium built (findings rows, severity summary, title, no script element) and that a
# screenshot renders. Until `--format html` is wired in the CLI, the pages come from the unit
# test program (tests/test_report_html.c writes them to $MAMORI_HTML_OUT).
. tests/lib.sh
F=$SHARED/firmware
IMG=$F/trendnet_tew733gr_v1.02b01_rootfs.squashfs
DRIVER=$(dirname "$MAMORI")/tests/test_report_html
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
if [ ! -f "$IMG" ]; then echo "SKIP: $IMG not found"; summary; exit; fi
if ! command -v chromium > /dev/null 2>&1; then
  echo "SKIP: chromium not installed (tools/need-packages test)"; summary; exit
fi

chrome() {
  _prof=$(mktemp -d "$t/profile.XXXXXX")
  timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$_prof" "$@" 2> "$t/chromium.err"
}
# py FILE CODE: CODE runs with d = the elements of the HTML file (tag, attrs, text inside).
py() {
  python3 - "$1" "$2" << 'PYEOF'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True); self.els = []; self.stack = []
    def handle_starttag(self, tag, attrs):
        e = {'tag': tag, 'attrs': dict(attrs), 'text': ''}; self.els.append(e)
        if tag not in ('meta', 'br', 'link', 'img', 'input', 'hr'): self.stack.append(e)
    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()['tag'] == tag: break
    def handle_data(self, data):
        for e in self.stack: e['text'] += data
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
d = p.els
tags = lambda name: [e for e in d if e['tag'] == name]
byid = {e['attrs'].get('id'): e for e in d if e['attrs'].get('id')}
exec(sys.argv[2])
PYEOF
}
# png FILE W H: a PNG of that size, not a blank page
png() {
  python3 -c "import struct,sys; b=open(sys.argv[1],'rb').read(); assert b[:8]==b'\x89PNG\r\n\x1a\n' and struct.unpack('>II', b[16:24])==(int(sys.argv[2]),int(sys.argv[3])) and len(b)>20000" "$@"
}

# --- the pages: from `--format html` when the CLI has it, else from the unit test program
"$MAMORI" audit firmware "$IMG" -q --format json > "$t/tn.json"
ok "trendnet: JSON report for the expected counts" test -s "$t/tn.json"
"$MAMORI" audit firmware "$IMG" -q --format html -o "$t/trendnet.html" 2> /dev/null; rc=$?
if [ $rc -eq 2 ]; then
  if [ ! -x "$DRIVER" ]; then
    echo "SKIP: '$MAMORI audit firmware --format html' not accepted yet and $DRIVER not built"
    summary; exit
  fi
  echo "note: --format html not accepted yet (exit 2); pages from $DRIVER"
  MAMORI_HTML_OUT=$t "$DRIVER" > /dev/null
  ok "driver wrote the pages" test -s "$t/trendnet.html" -a -s "$t/hostile.html"
else
  ok "trendnet: --format html exit 0" test $rc -eq 0
  [ -x "$DRIVER" ] && MAMORI_HTML_OUT=$t "$DRIVER" > /dev/null
fi

# --- TRENDnet page in Chromium
chrome --dump-dom "file://$t/trendnet.html" > "$t/tn.dom"
ok "trendnet: chromium dumped the DOM" test -s "$t/tn.dom"
ok "trendnet: one findings row per finding" py "$t/tn.dom" "
import json; j = json.load(open('$t/tn.json'))
rows = [e for e in tags('tr') if e['attrs'].get('id', '').startswith('finding-')]
assert len(rows) == len(j['findings']) > 5, (len(rows), len(j['findings']))
assert all(r['attrs']['id'] == 'finding-%d' % (i + 1) for i, r in enumerate(rows))"
ok "trendnet: Telnet row with path and evidence" py "$t/tn.dom" "
assert any('service.telnet' in e['text'] and '/etc/init0.d/S80telnetd.sh' in e['text'] and 'Alphanetworks' in e['text'] for e in tags('tr'))"
ok "trendnet: severity summary matches the JSON" py "$t/tn.dom" "
import json, re; s = json.load(open('$t/tn.json'))['summary']
assert len(s) == 5
for sev, n in s.items():
    assert re.match(r'(\\d+)' + sev, byid['count-' + sev]['text'], re.I).group(1) == str(n), (sev, n)
assert byid['count-total']['text'].startswith(str(sum(s.values())))"
ok "trendnet: components table" py "$t/tn.dom" "
rows = [e['text'] for e in tags('tr') if e['attrs'].get('class') == 'component']
assert any('dnsmasq' in r.lower() and '2.45' in r for r in rows) and any('busybox' in r.lower() for r in rows)"
ok "trendnet: conformance links resolve" py "$t/tn.dom" "
links = [e['attrs']['href'][1:] for e in tags('a') if e['attrs'].get('href', '').startswith('#finding-')]
assert links and all(l in byid for l in links)"
ok "trendnet: no script element" py "$t/tn.dom" "assert not tags('script')"
ok "trendnet: title names the target" py "$t/tn.dom" "assert 'trendnet_tew733gr_v1.02b01_rootfs.squashfs' in tags('title')[0]['text']"
ok "trendnet: CSP forbids scripts" py "$t/tn.dom" "
m = [e for e in tags('meta') if e['attrs'].get('http-equiv') == 'Content-Security-Policy']
assert m and m[0]['attrs']['content'].startswith(\"default-src 'none'\") and 'script-src' not in m[0]['attrs']['content']"
chrome --screenshot="$t/tn.png" --window-size=1280,2000 "file://$t/trendnet.html" > /dev/null
ok "trendnet: screenshot is a 1280x2000 PNG" png "$t/tn.png" 1280 2000

# --- hostile page: markup in the image stays text
if [ -s "$t/hostile.html" ]; then
  chrome --dump-dom "file://$t/hostile.html" > "$t/ho.dom"
  ok "hostile: chromium dumped the DOM" test -s "$t/ho.dom"
  ok "hostile: no script or img element" py "$t/ho.dom" "assert not tags('script') and not tags('img')"
  ok "hostile: script tags in the title are text" py "$t/ho.dom" "assert '<script>alert(1)</script>' in tags('title')[0]['text']"
  ok "hostile: script tags in a path are text" py "$t/ho.dom" "assert any('/etc/<script>alert(1)</script>:3' in e['text'] for e in tags('code'))"
  ok "hostile: control bytes and invalid UTF-8 shown as \\xNN" py "$t/ho.dom" "
t = ''.join(e['text'] for e in tags('code'))
assert '\\\\x1b' in t and '\\\\xff' in t and '\\x1b' not in t and '\\ufffd' not in t and '\\u202e' not in t"
  ok "hostile: five findings rows" py "$t/ho.dom" "assert len([e for e in tags('tr') if e['attrs'].get('id', '').startswith('finding-')]) == 5"
  chrome --screenshot="$t/ho.png" --window-size=1280,2000 "file://$t/hostile.html" > /dev/null
  ok "hostile: screenshot is a 1280x2000 PNG" png "$t/ho.png" 1280 2000
fi
summary
