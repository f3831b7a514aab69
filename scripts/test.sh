#!/usr/bin/env bash
# Builds everything and runs the whole test suite twice: a normal build, then
# one with AddressSanitizer + UndefinedBehaviorSanitizer. The normal build
# treats warnings as errors. Between them, a build with clang checks the
# locking between the broker thread and the worker (-Wthread-safety): building
# it is the check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTA_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

CC=clang CXX=clang++ cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOTA_THREAD_SAFETY=ON -DOTA_WERROR=ON -DOTA_BUILD_CONSOLE=OFF >/dev/null
cmake --build build-clang -j "$jobs"

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOTA_SANITIZE=ON -DOTA_BUILD_CONSOLE=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ctest --test-dir build-asan --output-on-failure -j "$jobs"
