#!/usr/bin/env bash
# Installs each component of the build into a scratch DESTDIR and checks that
# exactly its files arrive: for the broker (the mosquitto-ota package) the
# plugin, ota-sign, the mosquitto_ota tool, the conf.d drop-in template, the
# web console (when built) and the docs; for the agent (mosquitto-ota-agent), when it is built, ota-agent, its
# systemd unit, its configuration and its README. No static layer library,
# test or benchmark binary, nor the console's npm tree.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR PLUGIN_DIR DOC_DIR BIN_DIR DATA_DIR SYSCONF_DIR AGENT_BUILT
#        (the directories absolute; AGENT_BUILT 1 or 0)
set -euo pipefail
build=$1 source=$2 plugin_dir=$3 doc_dir=$4 bin_dir=$5 data_dir=$6 sysconf_dir=$7 agent_built=$8
prefix=$(dirname "$bin_dir")

# COMPONENT FILE...: installs COMPONENT alone and compares what arrives with the files.
check_component() {
  local component=$1 root
  shift
  root=$(mktemp -d)
  DESTDIR="$root" "${CMAKE:-cmake}" --install "$build" --component "$component" >/dev/null
  actual=$(cd "$root" && find . -type f -o -type l | sed 's|^\.||' | sort)
  rm -rf "$root"
  if [ "$actual" != "$(printf '%s\n' "$@" | sort)" ]; then
    echo "Installed files of $component differ from the expected ones (< expected, > installed):" >&2
    diff <(printf '%s\n' "$@" | sort) <(echo "$actual") >&2 || true
    exit 1
  fi
  echo "Installed ($component): $*"
}

broker=("$plugin_dir/mosquitto_ota.so" "$bin_dir/ota-sign" "$bin_dir/mosquitto_ota" "$doc_dir/README.md"
        "$doc_dir/SECURITY.md" "$doc_dir/mosquitto.conf.example" "$data_dir/mosquitto-ota/mosquitto-ota.conf")
shopt -s nullglob
for doc in "$source"/docs/*.md; do
  broker+=("$doc_dir/docs/$(basename "$doc")")
done
if [ -d "$build/console-www" ]; then
  while IFS= read -r file; do
    broker+=("$data_dir/mosquitto-ota/console/$file")
  done < <(cd "$build/console-www" && find . -type f | sed 's|^\./||')
fi
check_component broker "${broker[@]}"

agent=()
if [ "$agent_built" = 1 ]; then
  agent=("$bin_dir/ota-agent" "$prefix/lib/systemd/system/ota-agent.service" "$sysconf_dir/ota-agent/agent.conf"
         "$data_dir/doc/mosquitto-ota-agent/README.md")
fi
check_component agent "${agent[@]}"
