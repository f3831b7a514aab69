#!/usr/bin/env bash
# The Debian package on this machine, as an admin uses it: install it, start
# Mosquitto with Debian's own /etc/mosquitto/mosquitto.conf as its service does
# (as root, dropping to user mosquitto), check a device report and an admin
# query over MQTT, upgrade to a rebuilt package and find the data still there,
# remove it (Mosquitto still starts; the database stays), purge it (the
# database goes). Needs root and no mosquitto-ota installed already; skipped
# (exit 77) otherwise.
# Usage: package_test.sh SOURCE_DIR
set -euo pipefail
source=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (dpkg -i)"; exit 77; fi
if dpkg-query -W -f='${Status}' mosquitto-ota 2>/dev/null | grep -q installed; then
  echo "skipped: mosquitto-ota is installed on this machine"; exit 77
fi
if [ -e /var/lib/mosquitto/ota.db ]; then echo "skipped: /var/lib/mosquitto/ota.db exists"; exit 77; fi

work=$(mktemp -d)
conf_d=/etc/mosquitto/conf.d
test_conf=$conf_d/zz-ota-package-test.conf
pid=""
cleanup() {
  stop_broker
  rm -f "$test_conf"
  dpkg -P mosquitto-ota >/dev/null 2>&1 || true
  rm -rf "$work"
}
fail() {
  echo "FAIL: $*" >&2
  [ -f "$work/broker.log" ] && tail -20 "$work/broker.log" >&2
  # Debian's mosquitto.conf logs to a file: what the broker said before it exited is there.
  [ -f /var/log/mosquitto/mosquitto.log ] && tail -20 /var/log/mosquitto/mosquitto.log >&2
  exit 1
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_broker() {
  # What Debian's mosquitto.service does (ExecStartPre, then ExecStart, as root).
  mkdir -m 740 -p /var/log/mosquitto /run/mosquitto
  chown mosquitto /var/log/mosquitto /run/mosquitto
  /usr/sbin/mosquitto -c /etc/mosquitto/mosquitto.conf > "$work/broker.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || fail "mosquitto exited: $(cat "$work/broker.log")"
    sleep 0.1
  done
  fail "mosquitto does not listen on $port"
}
stop_broker() {
  # Sent again each second: Mosquitto 2.0.11 loses a SIGTERM that comes just before its loop starts.
  if [ -n "$pid" ]; then
    for _ in $(seq 30); do
      kill "$pid" 2>/dev/null || break
      for _ in $(seq 10); do kill -0 "$pid" 2>/dev/null || break 2; sleep 0.1; done
    done
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
trap cleanup EXIT

"$source/scripts/package.sh" "$work/build" > "$work/package.log" 2>&1 || fail "package build: $(tail -5 "$work/package.log")"
"$source/scripts/package.sh" "$work/build" 0.1.1 > "$work/package.log" 2>&1 || fail "second package build"
first=$(ls "$work"/build/mosquitto-ota_*_amd64.deb | sort -V | head -1)
second=$(ls "$work"/build/mosquitto-ota_*_amd64.deb | sort -V | tail -1)
[ "$first" != "$second" ] || fail "one package only: $first"

dpkg -i "$first" > /dev/null || fail "dpkg -i $first"
[ -f /usr/lib/x86_64-linux-gnu/mosquitto_ota.so ] || fail "plugin not where Debian keeps mosquitto_dynamic_security.so"
[ -x /usr/bin/ota-sign ] || fail "ota-sign not in /usr/bin"
[ -x /usr/bin/mosquitto_ota ] || fail "the mosquitto_ota tool not in /usr/bin"
grep -q "^plugin /usr/lib/x86_64-linux-gnu/mosquitto_ota.so" "$conf_d/mosquitto-ota.conf" || fail "no drop-in"
[ -f /usr/share/mosquitto-ota/console/index.html ] && [ -f /usr/share/mosquitto-ota/console/vendor/mqtt.min.js ] ||
  fail "the console's files are not in /usr/share/mosquitto-ota/console"

# The admin's own settings: a listener, logins and the admin user (the plugin's
# options follow its plugin line, so the admin user is set in its drop-in).
mosquitto_passwd -c -b "$work/passwd" admin admin-secret
mosquitto_passwd -b "$work/passwd" lamp/d1 device-secret
chown mosquitto "$work" "$work/passwd"
sed -i 's/^#plugin_opt_admin_usernames ops/plugin_opt_admin_usernames admin/' "$conf_d/mosquitto-ota.conf"
printf 'listener %s 127.0.0.1\npassword_file %s\n' "$port" "$work/passwd" > "$test_conf"
# The console, enabled in the drop-in as its comment says (on a free port):
# removing the package puts the drop-in aside, so the broker still starts.
console_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i -e "s|^#listener 8080$|listener $console_port 127.0.0.1|" -e 's|^#protocol websockets$|protocol websockets|' \
  -e 's|^#http_dir /usr/share/mosquitto-ota/console$|http_dir /usr/share/mosquitto-ota/console|' "$conf_d/mosquitto-ota.conf"
grep -q "^http_dir /usr/share/mosquitto-ota/console" "$conf_d/mosquitto-ota.conf" || fail "the drop-in does not say how to serve the console"

log_before=$(stat -c %s /var/log/mosquitto/mosquitto.log 2>/dev/null || echo 0)
start_broker
mosquitto_pub -p "$port" -u lamp/d1 -P device-secret -i lamp/d1 -q 1 \
  -t update_status/lamp/d1/m1 -m '{"firmware_ver":"1.0"}' || fail "device report"
query() {
  mosquitto_rr -p "$port" -u admin -P admin-secret -V 5 -W 5 -t '$CONTROL/ota/v1' -e '$CONTROL/ota/v1/response/pkg' \
    -m '{"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]}'
}
for _ in $(seq 50); do answer=$(query || true); echo "$answer" | grep -q '"firmware_ver":"1.0"' && break; sleep 0.1; done
echo "$answer" | grep -q '"firmware_ver":"1.0"' || fail "admin query: $answer"
[ "$(stat -c %U /var/lib/mosquitto/ota.db)" = mosquitto ] || fail "ota.db not owned by mosquitto"
# Served by the broker running as mosquitto: the page and the MQTT client it loads.
for file in index.html vendor/mqtt.min.js js/api.js; do
  cmp -s <(curl -sf "http://127.0.0.1:$console_port/$file") "/usr/share/mosquitto-ota/console/$file" ||
    fail "the broker does not serve the console's $file"
done
table=$(mosquitto_ota -p "$port" -u admin -P admin-secret devices lamp) || fail "mosquitto_ota devices lamp: $table"
echo "$table" | grep -q "d1" || fail "the tool does not list d1: $table"
tail -c +$((log_before + 1)) /var/log/mosquitto/mosquitto.log | grep -q "mosquitto_ota: started" ||
  fail "no start line in Mosquitto's log"
stop_broker

# Upgrade: the admin's drop-in and the data stay.
dpkg -i "$second" > /dev/null || fail "upgrade to $second"
[ "$(dpkg-query -W -f='${Version}' mosquitto-ota)" = 0.1.1 ] || fail "not upgraded"
grep -q "^plugin_opt_admin_usernames admin" "$conf_d/mosquitto-ota.conf" || fail "upgrade lost the admin's edit"
start_broker
answer=$(query) || fail "query after upgrade"
echo "$answer" | grep -q '"firmware_ver":"1.0"' || fail "data lost in the upgrade: $answer"
stop_broker

# Remove: the plugin and its drop-in go (Mosquitto still starts), the database stays.
dpkg -r mosquitto-ota > /dev/null || fail "dpkg -r"
[ ! -e /usr/lib/x86_64-linux-gnu/mosquitto_ota.so ] || fail "plugin left after remove"
[ ! -e "$conf_d/mosquitto-ota.conf" ] || fail "drop-in still enabled after remove"
[ -f /var/lib/mosquitto/ota.db ] || fail "remove deleted the database"
start_broker
stop_broker

# Purge: the database goes too.
dpkg -P mosquitto-ota > /dev/null || fail "dpkg -P"
[ ! -e /var/lib/mosquitto/ota.db ] || fail "purge kept the database"
[ ! -e "$conf_d/mosquitto-ota.conf.removed" ] || fail "purge kept the drop-in"
echo "package: installed, queried, upgraded with data kept, removed, purged"
