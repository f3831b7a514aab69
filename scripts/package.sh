#!/usr/bin/env bash
# Builds the Debian packages: build-deb/mosquitto-ota_<version>_<arch>.deb (the
# broker's plugin and tools) and build-deb/mosquitto-ota-agent_<version>_<arch>.deb
# (the device agent), one per install component (packaging/package.cmake).
# Usage: scripts/package.sh [BUILD_DIR] [VERSION]  (VERSION overrides the project's, e.g. to test an upgrade)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-deb}
scripts/install-deps.sh
# /usr: GNUInstallDirs then puts the plugin in lib/<multiarch>, where Debian's
# Mosquitto keeps mosquitto_dynamic_security.so.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DOTA_BUILD_TESTS=OFF -DOTA_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
(cd "$build" && cpack -G DEB ${2:+-D CPACK_PACKAGE_VERSION="$2"} >/dev/null)
ls "$build"/mosquitto-ota_*.deb "$build"/mosquitto-ota-agent_*.deb
