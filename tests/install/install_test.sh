#!/usr/bin/env bash
# Installs the build into a scratch DESTDIR and checks that exactly the plugin,
# ota-sign, the mosquitto_ota tool, the conf.d drop-in template, the web
# console (when built) and the docs arrive: no static layer library, test or
# benchmark binary, nor the console's npm tree.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR PLUGIN_DIR DOC_DIR BIN_DIR DATA_DIR (the last four absolute)
set -euo pipefail
build=$1 source=$2 plugin_dir=$3 doc_dir=$4 bin_dir=$5 data_dir=$6
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

DESTDIR="$root" "${CMAKE:-cmake}" --install "$build" >/dev/null

expected=("$plugin_dir/mosquitto_ota.so" "$bin_dir/ota-sign" "$bin_dir/mosquitto_ota" "$doc_dir/README.md"
          "$doc_dir/SECURITY.md" "$doc_dir/mosquitto.conf.example" "$data_dir/mosquitto-ota/mosquitto-ota.conf")
shopt -s nullglob
for doc in "$source"/docs/*.md; do
  expected+=("$doc_dir/docs/$(basename "$doc")")
done

if [ -d "$build/console-www" ]; then
  while IFS= read -r file; do
    expected+=("$data_dir/mosquitto-ota/console/$file")
  done < <(cd "$build/console-www" && find . -type f | sed 's|^\./||')
fi

actual=$(cd "$root" && find . -type f -o -type l | sed 's|^\.||' | sort)
if [ "$actual" != "$(printf '%s\n' "${expected[@]}" | sort)" ]; then
  echo "Installed files differ from the expected ones (< expected, > installed):" >&2
  diff <(printf '%s\n' "${expected[@]}" | sort) <(echo "$actual") >&2 || true
  exit 1
fi
echo "Installed: ${expected[*]}"
