#!/bin/sh
# Installs what detour needs to build and test on Debian 12, then configures and builds.
#   scripts/setup.sh          build deps + build
#   scripts/setup.sh --test   also the test deps (node, npm packages, curl; zsh and fish for
#                             the completion tests, man-db for the man page test)
#   scripts/setup.sh --bench  also the benchmark deps (wrk, and nginx as the floor to compare with)
#   scripts/setup.sh --sanitize  also clang + compiler-rt, and the ASan+UBSan build of the
#                             unit tests in build-asan (run: ctest --test-dir build-asan -R unit)
#   scripts/setup.sh --fuzz   also clang + libFuzzer (then scripts/fuzz.sh builds build-fuzz)
# apt-get runs as root, or through sudo when available. Safe to run again.
set -eu
cd "$(dirname "$0")/.."

want_test=0; want_bench=0; want_sanitize=0; want_fuzz=0
for a in "$@"; do
  case "$a" in
    --test) want_test=1 ;;
    --bench) want_bench=1; want_test=1 ;;
    --sanitize) want_sanitize=1 ;;
    --fuzz) want_fuzz=1 ;;
    *) echo "usage: scripts/setup.sh [--test] [--bench] [--sanitize] [--fuzz]" >&2; exit 2 ;;
  esac
done

# libsimdjson-dev: the hot path's JSON reads (src/util/fast_json.h).
pkgs="build-essential cmake pkg-config libcli11-dev nlohmann-json3-dev \
libtomlplusplus-dev libyaml-cpp-dev doctest-dev libssl-dev libsimdjson-dev"
# chromium: the status page test drives Debian's browser through playwright-core (no download).
# redis-server: the shared-state tests start their own on a loopback port (redis-cli comes with it).
[ $want_test = 1 ] && pkgs="$pkgs curl nodejs npm chromium zsh fish man-db redis-server"
[ $want_bench = 1 ] && pkgs="$pkgs wrk python3 nginx-light redis-server"
# clang 14 is Debian 12's default; libclang-rt-14-dev holds the ASan/UBSan runtimes and
# libFuzzer (libclang_rt.fuzzer-x86_64.a).
if [ $want_sanitize = 1 ] || [ $want_fuzz = 1 ]; then pkgs="$pkgs clang-14 libclang-rt-14-dev"; fi

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# node/npm may come from elsewhere (nvm, nodesource): a working binary is enough.
case "$missing" in *nodejs*) command -v node >/dev/null && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
case "$missing" in *npm*) command -v npm >/dev/null && missing=$(echo "$missing" | sed 's/ npm//') ;; esac

if [ -n "$missing" ]; then
  echo "setup: installing$missing" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

if [ $want_test = 1 ]; then
  (cd tests/e2e && npm install --no-audit --no-fund --loglevel=error)
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

if [ $want_sanitize = 1 ]; then
  # Own build directory: every object is compiled differently (HACKING.md).
  cmake -S . -B build-asan -DDETOUR_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
  cmake --build build-asan -j"$(nproc)" --target detour_tests
fi
