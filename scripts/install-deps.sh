#!/usr/bin/env bash
# Installs the Debian 12 packages the project builds, runs and tests with.
# Skips apt when everything is already there.
set -euo pipefail
packages=(
  build-essential clang cmake pkg-config
  mosquitto mosquitto-clients mosquitto-dev libmosquitto-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql rapidjson-dev libssl-dev openssl libcurl4-openssl-dev libgtest-dev python3 strace
)
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
