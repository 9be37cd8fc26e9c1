#!/usr/bin/env bash
# The Debian package as a person gets it, without installing it here: its
# metadata (Depends, conffiles, maintainer scripts) and files, then its binary
# run from an extracted copy exactly as the systemd unit's ExecStart runs it
# (paths moved under the copy, a temporary data directory, a free port), with
# a service manager's notify socket and journal stream stood in: it must say
# READY=1, keep the watchdog alive, serve /api/v1/health and the dashboard
# from the package's share/kirchhoff/web, write journal priorities, and say
# STOPPING=1 on SIGTERM.
set -euo pipefail
build=${1:?usage: package_test.sh BUILD_DIR}
deb=$(ls -1t "$build"/kirchhoff_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { echo "package-test: FAIL: no package in $build (make package)"; exit 1; }
tmp=$(mktemp -d)
daemon_pid=
listener_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
  [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
pass=0
fail=0
check() {  # description, command...
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    pass=$((pass + 1))
  else
    echo "package-test: FAIL: $what"
    fail=$((fail + 1))
  fi
}

# Metadata.
check "package name" test "$(dpkg-deb -f "$deb" Package)" = kirchhoff
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser libc6 libstdc++6 libsqlite3-0 libssl3 libmodbus5 libmosquitto1 libyaml-cpp; do
  check "Depends names $dep (Depends: $depends)" grep -q "$dep" <<<"$depends"
done
dpkg-deb -e "$deb" "$tmp/control"
check "conffiles is the configuration" test "$(cat "$tmp/control/conffiles")" = /etc/kirchhoff/kirchhoff.yaml
for script in postinst prerm postrm; do
  check "$script is executable" test -x "$tmp/control/$script"
  check "$script is valid sh" sh -n "$tmp/control/$script"
done
check "postinst creates the system user" grep -q 'adduser --system' "$tmp/control/postinst"

# Files.
dpkg-deb -c "$deb" | awk '{print $6}' >"$tmp/files"
for file in ./usr/bin/kirchhoff ./usr/share/kirchhoff/web/index.html \
    ./usr/share/kirchhoff/examples/demo.yaml ./usr/lib/systemd/system/kirchhoff.service \
    ./etc/kirchhoff/kirchhoff.yaml ./usr/share/doc/kirchhoff/install.md; do
  check "package holds $file" grep -qx -- "$file" "$tmp/files"
done
root=$tmp/root
dpkg-deb -x "$deb" "$root"
unit=$root/usr/lib/systemd/system/kirchhoff.service
for line in Type=notify User=kirchhoff StateDirectory=kirchhoff ConfigurationDirectory=kirchhoff \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes Restart=on-failure; do
  check "unit has $line" grep -qx "$line" "$unit"
done
check "unit has a watchdog" grep -q '^WatchdogSec=' "$unit"
if command -v systemd-analyze >/dev/null; then
  # A copy whose ExecStart names the extracted binary (verify checks that it
  # is executable; the package is not installed here).
  mkdir -p "$tmp/verify"
  sed "s|^ExecStart=/usr/|ExecStart=$root/usr/|" "$unit" >"$tmp/verify/kirchhoff.service"
  if ! systemd-analyze verify "$tmp/verify/kirchhoff.service" >"$tmp/verify/out" 2>&1 ||
      [ -s "$tmp/verify/out" ]; then
    echo "package-test: FAIL: systemd-analyze verify:"
    cat "$tmp/verify/out"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
fi
check "the default configuration is valid" "$root/usr/bin/kirchhoff" check "$root/etc/kirchhoff/kirchhoff.yaml"

# The service, run as ExecStart runs it, under a stand-in service manager.
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
read -r -a command <<<"$exec_start"
for i in "${!command[@]}"; do
  case ${command[$i]} in
    /usr/*|/etc/*) command[$i]=$root${command[$i]} ;;
    /var/lib/kirchhoff) command[$i]=$tmp/data ;;
    0.0.0.0:8080) command[$i]=127.0.0.1:0 ;;
  esac
done
socket=$tmp/notify.sock
python3 - "$socket" >"$tmp/notify" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode(), flush=True)
EOF
listener_pid=$!
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done
: >"$tmp/stderr"
journal_stream=$(stat -c '%d:%i' "$tmp/stderr")
NOTIFY_SOCKET=$socket WATCHDOG_USEC=1000000 JOURNAL_STREAM=$journal_stream \
  "${command[@]}" >"$tmp/stdout" 2>>"$tmp/stderr" &
daemon_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*msg=started .*listen=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/stderr")
  [ -n "$port" ] && grep -qx 'READY=1' "$tmp/notify" && break
  sleep 0.1
done
check "daemon started (stderr: $(head -c 600 "$tmp/stderr"))" test -n "$port"
check "READY=1 sent" grep -qx 'READY=1' "$tmp/notify"
fetch() {  # path, output file
  python3 -c 'import sys, urllib.request
sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=5).read())' \
    "http://127.0.0.1:$port$1" >"$2"
}
# WATCHDOG_USEC=1 s: a ping every half second while the loop turns.
for _ in $(seq 40); do
  [ "$(grep -cx 'WATCHDOG=1' "$tmp/notify")" -ge 2 ] && break
  sleep 0.1
done
check "the watchdog is kept alive" test "$(grep -cx 'WATCHDOG=1' "$tmp/notify")" -ge 2
check "GET /api/v1/health" fetch /api/v1/health "$tmp/health"
check "health says ok" grep -q '"status": *"ok"' "$tmp/health"
check "GET / serves the package's dashboard" fetch / "$tmp/index.html"
check "the dashboard is share/kirchhoff/web/index.html" \
  cmp "$tmp/index.html" "$root/usr/share/kirchhoff/web/index.html"
check "journal lines carry the priority and no time" grep -q '^<6>level=info msg=started ' "$tmp/stderr"
check "the packaged installation runs until one is saved" \
  grep -q 'msg="running the initial installation until one is saved over the API"' "$tmp/stderr"
check "no timestamps in the journal" bash -c "! grep -q 'time=' '$tmp/stderr'"
check "setup code printed for the first installer" grep -q 'setup code' "$tmp/stdout"
kill -TERM "$daemon_pid"
status=0
wait "$daemon_pid" || status=$?
daemon_pid=
check "daemon stopped cleanly (exit $status)" test "$status" -eq 0
sleep 0.1
check "STOPPING=1 sent" grep -qx 'STOPPING=1' "$tmp/notify"
check "history written into the data directory" test -s "$tmp/data/history.db"

echo "package-test: $pass passed, $fail failed ($(basename "$deb"))"
[ "$fail" -eq 0 ]
