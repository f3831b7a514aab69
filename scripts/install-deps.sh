#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds, runs and tests with;
# `--tests` adds what only the tests need (a PostgreSQL server they start
# themselves, the browser for the console test).
# Skips apt when everything is already there.
set -euo pipefail
packages=(
  build-essential clang cmake pkg-config
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev
  libsqlite3-dev sqlite3 libpq-dev rapidjson-dev libssl-dev openssl libcurl4-openssl-dev libgtest-dev python3 strace curl
)
# The console's build takes the browser MQTT client from npm.
command -v npm >/dev/null || packages+=(npm)
if [ "${1:-}" = "--tests" ]; then
  packages+=(postgresql chromium chromium-driver python3-selenium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
