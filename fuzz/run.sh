#!/usr/bin/env bash
# A fuzzing campaign on one reader of outside bytes: AFL++ (Debian's afl++ 4.04c) drives DeepLite.Fuzz TARGET through
# SharpFuzz, whose tool first instruments the library's IL (DeepLite.dll, DeepLite.Experiments.dll) for coverage.
# AFL++ starts from fuzz/corpus/TARGET (valid files) and mutates them for SECONDS.
#
#   fuzz/run.sh TARGET SECONDS        (targets: dotnet fuzz/.build/bin/DeepLite.Fuzz.dll --list; 'all' runs each)
#
# Prints per target the executions, the time, the corpus AFL++ grew and the crashes and hangs it found; every crash
# or hang is copied to fuzz/findings/TARGET/ and the exit code is 1. A crash is an input that made a reader throw
# anything but its documented exceptions (fuzz/DeepLite.Fuzz/FuzzTargets.cs); a hang one that ran past 10 s. Replay
# one (with the uninstrumented build) with: dotnet run --project fuzz/DeepLite.Fuzz -c Release -- TARGET --replay FILE. Fixed, it goes to
# fuzz/regressions/TARGET/ (a test replays those). The process's heap is capped (DOTNET_GCHeapHardLimit, 2 GB) so that a
# size field that makes a reader allocate gigabytes is a crash here too.
# FUZZ_SEED=N fixes AFL++'s random generator (afl-fuzz -s N): CI sets it, so that its short campaigns mutate the same
# way on every run and a crash in CI comes from a change of the code, not from the luck of the draw (a time-bounded
# campaign still varies with the machine's speed).
# Needs root once, to install afl++ (and apt's network); the SharpFuzz tool comes from NuGet into fuzz/.build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ $# -eq 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "usage: fuzz/run.sh TARGET|all SECONDS" >&2; exit 2; }
target=$1 seconds=$2
build=$here/.build

if ! command -v afl-fuzz >/dev/null; then
  echo "Installing afl++ from Debian's packages..."
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
if [ ! -x "$build/tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$build/tools" >/dev/null
fi

# Build, then instrument the library's assemblies (again only when the build replaced them: instrumenting twice fails).
dotnet build "$here/DeepLite.Fuzz" -c Release -o "$build/bin" --nologo -v q -p:TreatWarningsAsErrors=true >/dev/null
for dll in DeepLite.dll DeepLite.Experiments.dll; do
  sum=$(sha256sum "$build/bin/$dll" | cut -d' ' -f1)
  if [ "$(cat "$build/bin/$dll.instrumented" 2>/dev/null)" != "$sum" ]; then
    "$build/tools/sharpfuzz" "$build/bin/$dll" >/dev/null
    sha256sum "$build/bin/$dll" | cut -d' ' -f1 > "$build/bin/$dll.instrumented"
  fi
done

targets=$target
[ "$target" = all ] && targets=$(dotnet "$build/bin/DeepLite.Fuzz.dll" --list | awk '{print $1}')
status=0
for t in $targets; do
  [ -d "$here/corpus/$t" ] || { echo "fuzz/run.sh: no target '$t' (no fuzz/corpus/$t)" >&2; exit 2; }
  out=$(mktemp -d /tmp/deeplite-fuzz-$t.XXXXXX)
  # AFL_SKIP_BIN_CHECK: the binary is dotnet, the instrumentation is in the IL; AFL_SKIP_CPUFREQ and
  # AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES: containers and CI machines where /proc/sys is not ours to set.
  started=$(date +%s)
  AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
    DOTNET_GCHeapHardLimit=0x80000000 DOTNET_TieredCompilation=0 \
    afl-fuzz ${FUZZ_SEED:+-s "$FUZZ_SEED"} -i "$here/corpus/$t" -o "$out" -V "$seconds" -t 10000 -m none -- dotnet "$build/bin/DeepLite.Fuzz.dll" "$t" \
    > "$out/afl.log" 2>&1 || { echo "$t: afl-fuzz failed:" >&2; tail -n 30 "$out/afl.log" >&2; exit 1; }
  stats=$out/default/fuzzer_stats
  stat() { sed -n "s/^$1 *: *//p" "$stats"; }
  crashes=$(find "$out/default/crashes" -type f ! -name README.txt | wc -l)
  hangs=$(find "$out/default/hangs" -type f | wc -l)
  echo "$t: $(stat execs_done) executions in $(( $(date +%s) - started )) s ($(stat execs_per_sec)/s), corpus $(stat corpus_count) inputs" \
    "(from $(find "$here/corpus/$t" -type f | wc -l) seeds), $crashes crash(es), $hangs hang(s)"
  if [ "$crashes" -gt 0 ] || [ "$hangs" -gt 0 ]; then
    mkdir -p "$here/findings/$t"
    find "$out/default/crashes" "$out/default/hangs" -type f ! -name README.txt -exec cp {} "$here/findings/$t/" \;
    echo "  copied to fuzz/findings/$t/; replay: dotnet run --project fuzz/DeepLite.Fuzz -c Release -- $t --replay fuzz/findings/$t" >&2
    status=1
  fi
  rm -rf "$out"
done
exit $status
