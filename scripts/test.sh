#!/usr/bin/env bash
# SRTP Edge's whole test suite: installs what the tests need (Debian
# packages only), then builds and tests twice: optimised (build/) and with
# AddressSanitizer + UndefinedBehaviorSanitizer (build-san/).
set -euo pipefail

case "${1:-}" in
-h|--help)
	cat <<'TXT'
usage: scripts/test.sh [meson test options, e.g. --suite unit]

Installs the test dependencies and reserves hugepages (scripts/setup.sh
--no-build; needs root), builds build/ (release) and build-san/
(-Dsanitize=true), and runs `meson test` in both. Exits non-zero if
anything fails.
TXT
	exit 0 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# packages and hugepages (the dataplane tests run DPDK); the builds follow
scripts/setup.sh --no-build

status=0
for variant in build build-san; do
	# -Dfuzz=enabled: a machine that cannot build the fuzzer fails here
	# rather than skipping the fuzz test unnoticed.
	opts=(--buildtype=release -Dfuzz=enabled)
	[ "$variant" = build-san ] &&
		opts=(--buildtype=debugoptimized -Dsanitize=true -Dfuzz=enabled)
	if [ -f "$variant/build.ninja" ]; then
		meson setup --reconfigure "$variant" "${opts[@]}" >/dev/null
	else
		meson setup "$variant" "${opts[@]}" >/dev/null
	fi
	echo "== $variant: build"
	ninja -C "$variant"
	echo "== $variant: test"
	if ! meson test -C "$variant" --print-errorlogs "$@"; then
		status=1
	fi
done
if [ "$status" -ne 0 ]; then
	echo "test.sh: FAILED (logs: build*/meson-logs/testlog.txt)" >&2
else
	echo "test.sh: all tests passed in build/ and build-san/"
fi
exit "$status"
