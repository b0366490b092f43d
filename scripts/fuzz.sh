#!/bin/sh
# Builds the libFuzzer targets (build-fuzz, clang, -DDETOUR_FUZZ=ON) and runs each over
# its corpus for SECONDS (default 20). Fails if any target crashes, leaks, hangs or
# breaks an invariant; the input that did it is copied to
# tests/fuzz/corpus/<target>/regress-<sha1>, to be committed with the fix.
#   scripts/fuzz.sh                     every target, 20 s each
#   scripts/fuzz.sh 600 http1_request   one target for ten minutes
# Targets: http1_request http1_response chunked sse resp chat_request fast_path config trace
# litellm
# (tests/fuzz/).
# New inputs the fuzzer finds collect in build-fuzz/corpus/<target>/ (not in the
# repository; the repository keeps seeds and regression inputs). Needs clang and
# libFuzzer: scripts/setup.sh --fuzz installs them.
set -eu
cd "$(dirname "$0")/.."

all="http1_request http1_response chunked sse resp chat_request fast_path config trace litellm"
seconds=20
case "${1:-}" in
  ''|*[!0-9]*) ;;
  *) seconds=$1; shift ;;
esac
targets=${*:-$all}
for t in $targets; do
  case " $all " in
    *" $t "*) ;;
    *) echo "fuzz: unknown target '$t' (one of: $all)" >&2; exit 2 ;;
  esac
done

cxx=""
for c in clang++-14 clang++; do
  if command -v "$c" >/dev/null; then cxx=$c; break; fi
done
if [ -z "$cxx" ]; then
  echo "fuzz: clang is missing; run scripts/setup.sh --fuzz" >&2
  exit 2
fi

cmake -S . -B build-fuzz -DDETOUR_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" >/dev/null
build_targets=""
for t in $targets; do build_targets="$build_targets fuzz_$t"; done
# shellcheck disable=SC2086  # the list is meant to split
cmake --build build-fuzz -j"$(nproc)" --target $build_targets

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=""
for t in $targets; do
  work=build-fuzz/corpus/$t
  artifacts=build-fuzz/artifacts/$t
  log=build-fuzz/fuzz-$t.log
  mkdir -p "$work" "$artifacts"
  rm -f "$artifacts"/*
  echo "fuzz: $t for ${seconds}s (log: $log)" >&2
  # The first directory receives new inputs; the seeds are only read.
  if ./build-fuzz/tests/fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 \
       -print_final_stats=1 -artifact_prefix="$artifacts/" \
       "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    grep -h "stat::number_of_executed_units" "$log" | sed "s/^/fuzz: $t: /" >&2 || true
  else
    failed="$failed $t"
    echo "fuzz: $t FAILED; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    for f in "$artifacts"/*; do
      [ -f "$f" ] || continue
      dest="tests/fuzz/corpus/$t/regress-$(sha1sum "$f" | cut -c1-16)"
      cp "$f" "$dest"
      echo "fuzz: $t: saved $(basename "$f") as $dest (commit it with the fix)" >&2
    done
  fi
done
if [ -n "$failed" ]; then
  echo "fuzz: failed:$failed" >&2
  exit 1
fi
echo "fuzz: all passed" >&2
