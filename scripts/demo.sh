#!/usr/bin/env bash
# SRTP Edge's main job on its embedded default: set up the machine (see
# setup.sh: Debian packages, build, hugepages), then run srtpedge with two
# in-process virtual ports and a generated load of SRTP sessions, printing
# live statistics and a closing summary. Extra arguments go to srtpedge.
set -euo pipefail

case "${1:-}" in
-h|--help)
	cat <<'TXT'
usage: scripts/demo.sh [srtpedge options]

Sets the machine up (scripts/setup.sh: Debian packages, build, hugepages),
then runs build/dataplane/srtpedge on its embedded default configuration
(`srtpedge --print-default` shows it): 1000 SRTP sessions offered at
200,000 packets per second for 10 seconds through one worker, every
forwarded packet checked end to end, a few forged, replayed and truncated
packets mixed in. Options go to srtpedge, e.g. `-s demo.duration=0` (until
Ctrl-C), `-s demo.suite=AEAD_AES_128_GCM`, `-s demo.sessions=20000`.
Needs root for the set-up step.

The crypto benchmark against libsrtp2 is `build/perf/srtpedge-bench crypto`.
TXT
	exit 0 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
exec "$top/build/dataplane/srtpedge" "$@"
