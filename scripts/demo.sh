#!/usr/bin/env bash
# SRTP Edge's main job on its embedded default: set up the machine (see
# setup.sh), build, then run the crypto benchmark against libsrtp2 and raw
# IPsec-MB, printing its table. Extra arguments go to the benchmark.
set -euo pipefail

case "${1:-}" in
-h|--help)
	cat <<'TXT'
usage: scripts/demo.sh [srtpedge-bench crypto options]

Sets the machine up (scripts/setup.sh: Debian packages, build, hugepages),
then runs `build/perf/srtpedge-bench crypto` with the given options (none:
every suite, payloads 20/160/1200, 1/1000/100000 streams, protect and
unprotect, RTP and RTCP). Needs root for the set-up step.
TXT
	exit 0 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
exec "$top/build/perf/srtpedge-bench" crypto "$@"
