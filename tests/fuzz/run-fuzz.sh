#!/usr/bin/env bash
# Builds fuzz_unprotect (libFuzzer, ASan, UBSan, IPsec-MB job checks) and
# make_seeds with clang into a build directory, checks that the committed
# seeds are what make_seeds writes, and fuzzes a copy of tests/fuzz/corpus
# for a fixed number of runs. Exits non-zero on any crash, leak, UBSan report
# or broken invariant; libFuzzer leaves the input that did it in
# BUILD_DIR/artifacts/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
clang=${CLANG:-clang}

usage() {
	cat <<EOF
Usage: $(basename "$0") [OPTIONS] BUILD_DIR [-- LIBFUZZER_ARGS...]
       $(basename "$0") --check

Builds tests/fuzz/ with clang into BUILD_DIR (again only when a source
changed) and runs fuzz_unprotect on a copy of tests/fuzz/corpus, which it
never writes to. The corpus holds the seeds make_seeds writes (seed-*) and
inputs that once failed (crash-*), kept so that they keep being run.

Options:
  --runs N        inputs to run (default 200000, as meson test does)
  --time SECONDS  run for this long instead of a number of runs
  --seed N        libFuzzer random seed (default 1: the same runs each time)
  --arch NAME     IPsec-MB code path: auto, sse, avx, avx2, avx512 (default auto)
  --regen-seeds   rewrite tests/fuzz/corpus/seed-* with make_seeds and stop
  --no-seed-check do not compare the committed seeds with make_seeds' output
  --check         only test that clang can build and run a libFuzzer target
                  with ASan, UBSan and IPsec-MB; exit 0 when it can
  -h, --help      this text

Environment: CLANG (default clang).

Reproduce a crash:   BUILD_DIR/fuzz_unprotect BUILD_DIR/artifacts/crash-...
  (SRE_FUZZ_VERBOSE=1 prints every packet's status)
Fuzz longer, 2 jobs: $(basename "$0") --time 600 BUILD_DIR -- -jobs=2 -workers=2
EOF
}

# shellcheck disable=SC2054 # the commas belong to the flag
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer)
cflags=(-std=gnu11 -g -O1 -Wall -Wextra -DSRE_IMB_CHECK -I"$root/crypto")
libs=(-lIPSec_MB)

check() {
	local tmp rc=0
	tmp=$(mktemp -d)
	cat >"$tmp/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
#include <intel-ipsec-mb.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	return n > 0 && d[0] == 0 && imb_get_version() == 0;
}
EOF
	if ! "$clang" "${cflags[@]}" -Werror -fsanitize=fuzzer "${san[@]}" \
		"$tmp/probe.c" -o "$tmp/probe" "${libs[@]}" >"$tmp/log" 2>&1 ||
		! "$tmp/probe" -runs=16 >>"$tmp/log" 2>&1; then
		echo "$clang cannot build and run a libFuzzer probe with" \
			"ASan, UBSan and -lIPSec_MB:" >&2
		sed 's/^/  /' "$tmp/log" | tail -n 20 >&2
		rc=1
	fi
	rm -rf "$tmp"
	return $rc
}

runs=200000
time=
seed=1
arch=auto
regen=0
seed_check=1
build=
while (($# > 0)); do
	case $1 in
	--runs) runs=${2:?--runs needs a number}; shift 2 ;;
	--time) time=${2:?--time needs seconds}; shift 2 ;;
	--seed) seed=${2:?--seed needs a number}; shift 2 ;;
	--arch) arch=${2:?--arch needs a name}; shift 2 ;;
	--regen-seeds) regen=1; shift ;;
	--no-seed-check) seed_check=0; shift ;;
	--check) check; exit ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	-*) echo "run-fuzz.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
	*)
		[[ -z $build ]] || { usage >&2; exit 2; }
		build=$1; shift ;;
	esac
done
[[ -n $build ]] || { usage >&2; exit 2; }
mkdir -p "$build"
build=$(cd "$build" && pwd)

sources=("$root"/crypto/*.c "$root"/crypto/*.h "$here"/*.c "$here"/*.h
	"${BASH_SOURCE[0]}")

# True when $1 is missing or older than any source.
stale() {
	[[ ! -e $1 ]] || [[ -n $(find "${sources[@]}" -newer "$1" -print -quit) ]]
}

# Crypto is not ours to keep free of clang's warnings: -Werror only for the
# files of this directory.
if stale "$build/fuzz_unprotect"; then
	echo "run-fuzz.sh: building in $build"
	mkdir -p "$build/obj"
	objs=()
	for c in "$root"/crypto/*.c; do
		o=$build/obj/$(basename "$c" .c).o
		"$clang" "${cflags[@]}" -fsanitize=fuzzer-no-link "${san[@]}" \
			-c "$c" -o "$o"
		objs+=("$o")
	done
	"$clang" "${cflags[@]}" -Werror -fsanitize=fuzzer "${san[@]}" \
		"$here/fuzz_unprotect.c" "${objs[@]}" "${libs[@]}" \
		-o "$build/fuzz_unprotect.tmp"
	"$clang" "${cflags[@]}" -Werror "${san[@]}" "$here/make_seeds.c" \
		"$root"/crypto/*.c "${libs[@]}" -o "$build/make_seeds"
	mv "$build/fuzz_unprotect.tmp" "$build/fuzz_unprotect"
fi

if ((regen)); then
	rm -f "$here"/corpus/seed-*
	mkdir -p "$here/corpus"
	"$build/make_seeds" "$here/corpus"
	exit
fi

if ((seed_check)); then
	rm -rf "$build/seeds" "$build/seeds-committed"
	mkdir -p "$build/seeds" "$build/seeds-committed"
	"$build/make_seeds" "$build/seeds" >/dev/null
	cp "$here"/corpus/seed-* "$build/seeds-committed/" 2>/dev/null || true
	if ! diff -r "$build/seeds-committed" "$build/seeds" >&2; then
		echo "run-fuzz.sh: tests/fuzz/corpus/seed-* differ from what" \
			"make_seeds writes now; if the input layout or the" \
			"crypto output changed on purpose, run" \
			"'$0 --regen-seeds $build'" >&2
		exit 1
	fi
fi

# libFuzzer adds what it finds to its first corpus directory: a scratch copy.
rm -rf "$build/corpus"
mkdir -p "$build/corpus" "$build/artifacts"
cp "$here"/corpus/* "$build/corpus/"

limit=(-runs="$runs")
[[ -z $time ]] || limit=(-max_total_time="$time")
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1
export SRE_FUZZ_ARCH=$arch
cd "$build"
start=$SECONDS
rc=0
# libFuzzer's usual 77 would read as "skipped" to meson test.
./fuzz_unprotect -seed="$seed" "${limit[@]}" -max_len=8192 -timeout=25 \
	-error_exitcode=1 -print_final_stats=1 \
	-artifact_prefix="$build/artifacts/" "$@" "$build/corpus" || rc=$?
if ((rc != 0)); then
	((rc != 77)) || rc=1
	echo "run-fuzz.sh: fuzz_unprotect failed (exit $rc) after" \
		"$((SECONDS - start)) s; inputs in $build/artifacts/" >&2
	exit "$rc"
fi
echo "run-fuzz.sh: fuzz_unprotect: no failure in $((SECONDS - start)) s"
