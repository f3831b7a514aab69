#!/usr/bin/env bash
# The agent's Debian package (mosquitto-ota-agent) on this machine, as a
# device's owner uses it: install it (nothing starts: the configuration names
# no device yet), configure it, run the unit's command against a real broker
# with the plugin until an admin query shows its report, upgrade it through a
# job (the new version goes into its state), upgrade the package and find the
# configuration and the state kept (the agent reports the version from its
# state to a broker that forgot it), remove it (both stay), purge it (the state
# and the configuration go). Needs root and no mosquitto-ota-agent installed;
# skipped (exit 77) otherwise.
# Usage: agent_package_test.sh SOURCE_DIR [BUILD_DIR]  (BUILD_DIR: reuse a package build)
set -euo pipefail
source=$1
if [ "$(id -u)" -ne 0 ]; then echo "skipped: needs root (dpkg -i)"; exit 77; fi
if dpkg-query -W -f='${Status}' mosquitto-ota-agent 2>/dev/null | grep -q -v not-installed; then
  echo "skipped: mosquitto-ota-agent is on this machine"; exit 77
fi
for path in /etc/ota-agent /var/lib/ota-agent /var/cache/ota-agent; do
  if [ -e "$path" ]; then echo "skipped: $path exists"; exit 77; fi
done

work=$(mktemp -d)
build=${2:-$work/build}
conf=/etc/ota-agent/agent.conf
state=/var/lib/ota-agent/state.json
broker_pid="" agent_pid="" http_pid=""
stop() {  # PID_VARIABLE: SIGTERM, sent again each second (Mosquitto 2.0.11 may lose the first), then reaped
  local p=${!1}
  if [ -n "$p" ]; then
    for _ in $(seq 30); do
      kill "$p" 2>/dev/null || break
      for _ in $(seq 10); do kill -0 "$p" 2>/dev/null || break 2; sleep 0.1; done
    done
    wait "$p" 2>/dev/null || true
    printf -v "$1" ''
  fi
}
cleanup() {
  stop agent_pid; stop broker_pid; stop http_pid
  dpkg -P mosquitto-ota-agent >/dev/null 2>&1 || true
  rm -rf "$work"
}
fail() {
  echo "FAIL: $*" >&2
  for log in broker agent; do [ -f "$work/$log.log" ] && { echo "--- $log.log" >&2; tail -20 "$work/$log.log" >&2; }; done
  exit 1
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
http_port=$(free_port)

"$source/scripts/package.sh" "$build" > "$work/package.log" 2>&1 || fail "package build: $(tail -5 "$work/package.log")"
"$source/scripts/package.sh" "$build" 0.1.1 > "$work/package.log" 2>&1 || fail "second package build"
first=$(ls "$build"/mosquitto-ota-agent_*_amd64.deb | sort -V | head -1)
second=$(ls "$build"/mosquitto-ota-agent_*_amd64.deb | sort -V | tail -1)
[ "$first" != "$second" ] || fail "one package only: $first"
depends=$(dpkg-deb -f "$first" Depends)
for lib in libmosquitto1 libssl3 libcurl4; do echo "$depends" | grep -q "$lib" || fail "$lib not in Depends: $depends"; done

# Install: the binary, the unit (valid, not enabled), the configuration (a
# conffile, root only), the state directory (root only). No systemd runs here:
# postinst must not need it.
dpkg -i "$first" > /dev/null || fail "dpkg -i $first"
[ -x /usr/bin/ota-agent ] || fail "ota-agent not in /usr/bin"
unit=/usr/lib/systemd/system/ota-agent.service
[ -f "$unit" ] || fail "no systemd unit"
if command -v systemd-analyze >/dev/null; then systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"; fi
[ ! -e /etc/systemd/system/multi-user.target.wants/ota-agent.service ] || fail "the unit is enabled by the package"
dpkg-query -W -f='${Conffiles}' mosquitto-ota-agent | grep -q "^ $conf " || fail "$conf is not a conffile"
[ "$(stat -c %a "$conf")" = 600 ] || fail "$conf is not root's only"
[ "$(stat -c %a /var/lib/ota-agent)" = 700 ] || fail "no /var/lib/ota-agent, or not root's only"
[ -f /usr/share/doc/mosquitto-ota-agent/README.md ] || fail "no docs"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
if $exec_start > "$work/unconfigured.log" 2>&1; then fail "the agent ran with no device configured"; fi
grep -q "fatal: product must be" "$work/unconfigured.log" || fail "unconfigured: $(cat "$work/unconfigured.log")"

# A broker with the plugin from the same build (run as root, it drops to user mosquitto).
mosquitto_passwd -c -b "$work/passwd" admin admin-secret
mosquitto_passwd -b "$work/passwd" lamp/d1 device-secret
chown mosquitto "$work" "$work/passwd"
start_broker() {
  cat > "$work/broker.conf" <<EOF
listener $port 127.0.0.1
password_file $work/passwd
plugin $build/mosquitto_ota.so
plugin_opt_db_path $work/ota.db
plugin_opt_admin_usernames admin
EOF
  /usr/sbin/mosquitto -c "$work/broker.conf" > "$work/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 100); do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then return 0; fi
    kill -0 "$broker_pid" 2>/dev/null || fail "mosquitto exited"
    sleep 0.1
  done
  fail "mosquitto does not listen on $port"
}
query() {
  mosquitto_rr -p "$port" -u admin -P admin-secret -V 5 -W 5 -t '$CONTROL/ota/v1' -e '$CONTROL/ota/v1/response/agentpkg' \
    -m '{"commands":[{"command":"getDevice","product":"lamp","device":"d1"}]}' 2>&1 || true
}
wait_for_report() {  # VERSION: until the admin API shows d1 running it
  for _ in $(seq 100); do answer=$(query); echo "$answer" | grep -q "\"firmware_ver\":\"$1\"" && return 0; sleep 0.2; done
  fail "no report of firmware $1: $answer"
}
start_agent() {
  $exec_start > "$work/agent.log" 2>&1 &
  agent_pid=$!
}
stop_agent() {
  kill "$agent_pid"
  wait "$agent_pid" || fail "the agent exited with $? on SIGTERM"
  agent_pid=""
}

# Configure it as its owner would, and run the unit's command.
mkdir "$work/installed"
cat > "$work/install-image" <<EOF
#!/bin/sh
cp "\$1" "$work/installed/\$2-\$3"
EOF
chmod 755 "$work/install-image"
sed -i -e "s/^broker_port = .*/broker_port = $port/" -e 's/^#product = .*/product = lamp/' \
  -e 's/^#device = .*/device = d1/' -e 's/^#password = .*/password = device-secret/' \
  -e "s|^#install_command = .*|install_command = $work/install-image|" \
  -e 's/^#version.firmware = .*/version.firmware = 1.0/' "$conf"
start_broker
start_agent
wait_for_report 1.0

# An upgrade job: the agent downloads, installs and reports 1.1, kept in its state.
mkdir "$work/files"
head -c 100000 /dev/urandom > "$work/files/fw-1.1.bin"
python3 -m http.server "$http_port" --bind 127.0.0.1 --directory "$work/files" > "$work/http.log" 2>&1 &
http_pid=$!
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$http_port) 2>/dev/null && break; sleep 0.1; done
"$build/mosquitto_ota" -p "$port" -u admin -P admin-secret upgrade create lamp --type firmware --version 1.1 \
  --url "http://127.0.0.1:$http_port/fw-1.1.bin" --file "$work/files/fw-1.1.bin" --devices d1 > "$work/job.log" 2>&1 ||
  fail "upgrade create: $(cat "$work/job.log")"
wait_for_report 1.1
cmp "$work/files/fw-1.1.bin" "$work/installed/firmware-1.1" || fail "the install command did not get the image"
stop_agent
grep -q '"1.1"' "$state" || fail "1.1 not in the state: $(cat "$state")"
state_before=$(md5sum < "$state")

# Upgrade the package: the owner's configuration and the state stay, and the
# agent reports 1.1 from its state (its configuration still says 1.0) to a
# broker that has forgotten the device.
dpkg -i "$second" > /dev/null || fail "upgrade to $second"
[ "$(dpkg-query -W -f='${Version}' mosquitto-ota-agent)" = 0.1.1 ] || fail "not upgraded"
grep -q "^product = lamp" "$conf" || fail "the upgrade lost the owner's configuration"
[ "$(md5sum < "$state")" = "$state_before" ] || fail "the upgrade changed the state"
stop broker_pid
rm -f "$work"/ota.db*
start_broker
start_agent
wait_for_report 1.1
stop_agent

# Remove: the program and the unit go; the configuration and the state stay.
dpkg -r mosquitto-ota-agent > /dev/null || fail "dpkg -r"
[ ! -e /usr/bin/ota-agent ] || fail "ota-agent left after remove"
[ ! -e "$unit" ] || fail "unit left after remove"
grep -q "^product = lamp" "$conf" || fail "remove lost the configuration"
[ "$(md5sum < "$state")" = "$state_before" ] || fail "remove lost the state"

# Purge: they go too.
dpkg -P mosquitto-ota-agent > /dev/null || fail "dpkg -P"
for path in "$conf" /var/lib/ota-agent /var/cache/ota-agent; do [ ! -e "$path" ] || fail "purge kept $path"; done
echo "agent package: installed, ran against the broker, upgraded with configuration and state kept, removed, purged"
