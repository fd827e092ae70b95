#!/bin/sh
# `mamori update install URL` and `update check` against a real lighttpd on loopback (started
# here on a free port, stopped at the end), and a resumed download against a small Python
# server that cuts the first transfer short and honours Range.
. tests/lib.sh
t=$(mktemp -d)
LPID=; PPID2=; SPID=
cleanup() { for p in $LPID $PPID2 $SPID; do kill "$p" 2>/dev/null; done; rm -rf "$t"; }
trap cleanup EXIT
command -v lighttpd > /dev/null || { echo "SKIP: lighttpd missing"; summary; exit; }
j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$1"; }
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")

"$MAMORI" update keygen -s "$t/k.key" -p "$t/k.pub" 2>/dev/null
mkdir -p "$t/www/acme-cam" "$t/state" "$t/slots"
head -c 5000000 /dev/urandom > "$t/img4"
head -c 3000000 /dev/urandom > "$t/img5"
"$MAMORI" update sign -s "$t/k.key" --compatible acme-cam --version 4.0 --counter 4 -o "$t/www/acme-cam/cam-4.0.mup" rootfs="$t/img4" 2>/dev/null
"$MAMORI" update sign -s "$t/k.key" --compatible acme-cam --version 5.0 --counter 5 -o "$t/www/acme-cam/cam-5.0.mup" rootfs="$t/img5" 2>/dev/null
cp "$t/www/acme-cam/cam-5.0.mup" "$t/www/acme-cam/tampered.mup"
printf '\001' | dd of="$t/www/acme-cam/tampered.mup" bs=1 seek=2500000 conv=notrunc 2>/dev/null
cat > "$t/lighttpd.conf" <<C
server.document-root = "$t/www"
server.bind = "127.0.0.1"
server.port = $port
server.pid-file = "$t/lighttpd.pid"
server.errorlog = "$t/lighttpd.err"
server.stat-cache-engine = "disable"
mimetype.assign = ( "" => "application/octet-stream" )
C
lighttpd -D -f "$t/lighttpd.conf" & LPID=$!
for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),1)" 2>/dev/null && break; sleep 0.2; done
cat > "$t/c.conf" <<C
[update]
compatible = acme-cam
state = $t/state
key = $t/k.pub
server = http://127.0.0.1:$port
jitter = 600

[slot.rootfs]
type = file
a = $t/slots/rootfs.a
b = $t/slots/rootfs.b
C
U=http://127.0.0.1:$port/acme-cam
"$MAMORI" update install -c "$t/c.conf" "$U/tampered.mup" 2> "$t/e1"
ok "URL, tampered: refused while streaming (exit 17)" test $? -eq 17
ok "URL, tampered: the failing block never reached the slot" python3 -c "
s=open('$t/slots/rootfs.b','rb').read(); i=open('$t/img5','rb').read()
assert len(s) <= (2500000//1048576)*1048576 and s == i[:len(s)]"
"$MAMORI" update install -c "$t/c.conf" "$U/missing.mup" 2> "$t/e2"
ok "URL, 404: exit 3 naming the error" sh -c "test $? -eq 3 && grep -q '404' '$t/e2'"
"$MAMORI" update install -c "$t/c.conf" "$U/cam-4.0.mup" 2>/dev/null
ok "URL: installed (exit 0)" test $? -eq 0
ok "URL: slot b equals the image" cmp -s "$t/img4" "$t/slots/rootfs.b"
"$MAMORI" update mark-good -c "$t/c.conf" > /dev/null
printf '4 cam-4.0.mup\n' > "$t/www/acme-cam/latest"
"$MAMORI" update check -c "$t/c.conf" --no-jitter > "$t/c1.out" 2>&1
ok "check: counter 4 offered, 4 installed: up to date" sh -c "test $? -eq 0 && grep -q 'up to date' '$t/c1.out'"
printf '5 cam-5.0.mup\n' > "$t/www/acme-cam/latest"
"$MAMORI" update check -c "$t/c.conf" --no-jitter 2>/dev/null
ok "check: counter 5 offered: installed" test $? -eq 0
"$MAMORI" update status -c "$t/c.conf" --json > "$t/s.json"
ok "check: slot a holds 5.0 on trial, counter 5" j "$t/s.json" "assert d['active']=='a' and d['trial'] and d['counter']==5 and d['slots']['a']['version']=='5.0'"
ok "check: slot a equals the image" cmp -s "$t/img5" "$t/slots/rootfs.a"
"$MAMORI" update mark-good -c "$t/c.conf" > /dev/null
printf '9 ../../etc/passwd\n' > "$t/www/acme-cam/latest"
"$MAMORI" update check -c "$t/c.conf" --no-jitter 2> "$t/e3"
ok "check: a pointer naming a path is refused" sh -c "test $? -eq 3 && grep -q 'COUNTER FILENAME' '$t/e3'"
printf '6 cam-4.0.mup\n' > "$t/www/acme-cam/latest"
"$MAMORI" update check -c "$t/c.conf" --no-jitter 2> "$t/e4"
ok "check: a lying pointer (6) to a counter-4 bundle: downgrade refused (exit 13)" test $? -eq 13

# --- resume: the first transfer stops after 1.5 MB, the next asks for the rest with Range
cat > "$t/cut.py" <<'P'
import http.server, os, sys
root, port = sys.argv[1], int(sys.argv[2])
state = {"cut": True}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        data = open(os.path.join(root, self.path.lstrip("/")), "rb").read()
        start = 0
        r = self.headers.get("Range")
        if r:
            start = int(r.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        body = data[start:]
        if state["cut"] and not r:
            state["cut"] = False
            self.wfile.write(body[:1500000]); self.wfile.flush()
            self.connection.shutdown(2); return
        self.wfile.write(body)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
P
port2=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
python3 "$t/cut.py" "$t/www" "$port2" & PPID2=$!
for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import socket; socket.create_connection(('127.0.0.1',$port2),1)" 2>/dev/null && break; sleep 0.2; done
"$MAMORI" update sign -s "$t/k.key" --compatible acme-cam --version 6.0 --counter 6 -o "$t/www/acme-cam/cam-6.0.mup" rootfs="$t/img4" 2>/dev/null
"$MAMORI" update install -c "$t/c.conf" "http://127.0.0.1:$port2/acme-cam/cam-6.0.mup" 2> "$t/e5"
ok "resume: installed after the cut" test $? -eq 0
ok "resume: said it resumed" grep -q "resumed 1 time" "$t/e5"
ok "resume: slot b equals the image" cmp -s "$t/img4" "$t/slots/rootfs.b"
# --- https: lighttpd with TLS (mod_openssl) and a certificate from a CA made here; the device
# trusts that CA through ca_file, and refuses the server without it
if [ -f /usr/lib/lighttpd/mod_openssl.so ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=test-ca \
    -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=127.0.0.1 \
    -keyout "$t/srv.key" -out "$t/srv.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' > "$t/san.ext"
  openssl x509 -req -in "$t/srv.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
    -extfile "$t/san.ext" -out "$t/srv.pem" 2>/dev/null
  sport=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
  cat > "$t/tls.conf" <<C
server.modules = ( "mod_openssl" )
server.document-root = "$t/www"
server.bind = "127.0.0.1"
server.port = $sport
server.errorlog = "$t/tls.err"
server.stat-cache-engine = "disable"
ssl.engine = "enable"
ssl.pemfile = "$t/srv.pem"
ssl.privkey = "$t/srv.key"
mimetype.assign = ( "" => "application/octet-stream" )
C
  lighttpd -D -f "$t/tls.conf" & SPID=$!
  for i in 1 2 3 4 5 6 7 8 9 10; do python3 -c "import socket; socket.create_connection(('127.0.0.1',$sport),1)" 2>/dev/null && break; sleep 0.2; done
  "$MAMORI" update mark-good -c "$t/c.conf" > /dev/null 2>&1
  "$MAMORI" update sign -s "$t/k.key" --compatible acme-cam --version 7.0 --counter 7 -o "$t/www/acme-cam/cam-7.0.mup" rootfs="$t/img5" 2>/dev/null
  "$MAMORI" update install -c "$t/c.conf" "https://127.0.0.1:$sport/acme-cam/cam-7.0.mup" 2> "$t/e6"
  ok "https without the test CA: the certificate is refused (exit 3)" sh -c "test $? -eq 3 && grep -qi 'certificate' '$t/e6'"
  sed "s|^key = |ca_file = $t/ca.pem\nkey = |" "$t/c.conf" > "$t/tls-c.conf"
  "$MAMORI" update install -c "$t/tls-c.conf" "https://127.0.0.1:$sport/acme-cam/cam-7.0.mup" 2>/dev/null
  ok "https with ca_file: installed" test $? -eq 0
  "$MAMORI" update status -c "$t/tls-c.conf" --json | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['counter']==7 and d['slots'][d['active']]['version']=='7.0'"
  ok "https with ca_file: counter 7 on trial" test $? -eq 0
fi
summary
