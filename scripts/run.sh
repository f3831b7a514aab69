#!/usr/bin/env bash
# Builds the plugin and starts Mosquitto with it on mosquitto.conf.example:
# MQTT on 127.0.0.1:1883, the web console on http://127.0.0.1:8080/, SQLite in
# run/ota.db, demo users in run/passwd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target mosquitto_ota console

mkdir -p run
if [ ! -f run/passwd ]; then
  # Demo accounts: the admin (business system) and three devices of product "lamp".
  printf '%s\n' "admin:admin-secret" "lamp/d1:device-secret" "lamp/d2:device-secret" "lamp/d3:device-secret" > run/passwd
  mosquitto_passwd -U run/passwd
fi
if [ "$(id -u)" -eq 0 ]; then
  # Started as root, Mosquitto runs as user "mosquitto": it must reach the plugin and write run/.
  chown -R mosquitto: run
  if ! runuser -u mosquitto -- test -r build/mosquitto_ota.so -a -r build/console-www/index.html; then
    echo "User mosquitto cannot read $(pwd)/build/: put the project where it can (e.g. /opt)." >&2
    exit 1
  fi
fi
echo "Starting Mosquitto with mosquitto_ota on 127.0.0.1:1883, console on http://127.0.0.1:8080/ (Ctrl-C stops it)"
exec mosquitto -c mosquitto.conf.example
