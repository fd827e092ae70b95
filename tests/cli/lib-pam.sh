# Sourced by tests/cli/cred_pam.sh and tests/net/cred_sshd.sh (POSIX sh, root), and only ever
# inside a private mount namespace (unshare -m --propagation private): nothing here is seen
# outside it, and it all goes away with the namespace's last process.
#
# pam_private_dev WORKDIR LOGFILE
#   mounts a small tmpfs over /dev holding only what PAM programs need, bound from the real
#   /dev (null zero full random urandom tty ptmx, pts/ and shm/), plus a syslog listener on
#   /dev/log (python3, a unix datagram socket) appending every message to LOGFILE, so that what
#   pam_syslog(3) writes can be read back. /dev/log does not exist on every machine (nor here),
#   and the real one is never touched. Sets PAM_LOGPID (the listener, bounded by timeout 900).
# pam_private_dev_down: stops the listener and unmounts (also done by the namespace's end).

PAM_PY=/usr/bin/python3
PAM_LOGPID=""
PAM_DEVDIR=""

# One datagram per message; NULs and a trailing newline stripped, one line per message.
PAM_SYSLOGD='import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b"\0", b"").rstrip(b"\n") + b"\n")'

pam_private_dev() {
	# never on the host's own mount namespace: this mounts over /dev
	if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink /proc/1/ns/mnt)" ]; then
		echo "lib-pam: refusing to mount over /dev outside a private mount namespace" >&2
		return 1
	fi
	PAM_DEVDIR=$1/realdev
	mkdir -p "$PAM_DEVDIR" || return 1
	mount --rbind /dev "$PAM_DEVDIR" || return 1
	mount -t tmpfs -o mode=755,size=1m mamori-dev /dev || return 1
	for _pd_n in null zero full random urandom tty ptmx; do
		[ -e "$PAM_DEVDIR/$_pd_n" ] || continue
		: > "/dev/$_pd_n" || return 1
		mount --bind "$PAM_DEVDIR/$_pd_n" "/dev/$_pd_n" || return 1
	done
	for _pd_n in pts shm; do
		[ -d "$PAM_DEVDIR/$_pd_n" ] || continue
		mkdir "/dev/$_pd_n" || return 1
		mount --rbind "$PAM_DEVDIR/$_pd_n" "/dev/$_pd_n" || return 1
	done
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	: > "$2"
	timeout 900 "$PAM_PY" -c "$PAM_SYSLOGD" /dev/log "$2" &
	PAM_LOGPID=$!
	_pd_i=0
	while [ $_pd_i -lt 50 ]; do
		[ -S /dev/log ] && return 0
		sleep 0.1; _pd_i=$((_pd_i + 1))
	done
	echo "lib-pam: the syslog listener did not start" >&2
	return 1
}

pam_private_dev_down() {
	[ -n "$PAM_LOGPID" ] && { kill "$PAM_LOGPID" 2>/dev/null; wait "$PAM_LOGPID" 2>/dev/null; }
	PAM_LOGPID=""
	if [ -n "$PAM_DEVDIR" ]; then
		umount -R /dev 2>/dev/null || umount -l /dev 2>/dev/null
		umount -R "$PAM_DEVDIR" 2>/dev/null || umount -l "$PAM_DEVDIR" 2>/dev/null
	fi
	PAM_DEVDIR=""
}

# pam_log_wait FILE PATTERN: waits up to 2 s for PATTERN in FILE (the listener writes
# asynchronously).
pam_log_wait() {
	_pd_i=0
	while [ $_pd_i -lt 20 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1; _pd_i=$((_pd_i + 1))
	done
	return 1
}
