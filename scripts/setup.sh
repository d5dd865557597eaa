#!/usr/bin/env bash
# SRTP Edge set-up for a Debian 12 machine, as root: installs the Debian
# packages the project builds and tests with, builds it (optimised, in
# build/), reserves hugepages and mounts hugetlbfs. Running it again is
# harmless: it only does what is missing.
set -euo pipefail

usage() {
	cat <<'TXT'
usage: scripts/setup.sh [--deps-only] [--no-build] [--hugepages N] [-h|--help]

Installs the Debian packages SRTP Edge needs (build, tests, peers), builds
the optimised tree in build/, reserves N 2 MiB hugepages (default 512) and
mounts hugetlbfs on /dev/hugepages. Must run as root (or with sudo).

  --deps-only     install packages only
  --no-build      skip the build
  --hugepages N   hugepages to reserve (default 512; 0 skips this step)
TXT
}

deps_only=0 build=1 hugepages=512
while [ $# -gt 0 ]; do
	case "$1" in
	--deps-only) deps_only=1 ;;
	--no-build) build=0 ;;
	--hugepages) shift; hugepages="${1:?--hugepages needs a number}" ;;
	-h|--help) usage; exit 0 ;;
	*) echo "setup.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
case "$hugepages" in (*[!0-9]*|'') echo "setup.sh: --hugepages wants a number" >&2; exit 2;; esac

top=$(cd "$(dirname "$0")/.." && pwd)

# Build: compiler, meson; libraries; tests: CUnit, libsrtp2 (the reference),
# clang + its runtime (libFuzzer); tools and peers the tests drive (ffmpeg's
# own SRTP, GStreamer's srtpenc/srtpdec, tcpdump, ping); jansson (JSON, for
# control/).
packages=(
	build-essential pkg-config meson ninja-build python3 python3-pyelftools
	dpdk dpdk-dev libdpdk-dev libipsec-mb-dev libssl-dev openssl libjansson-dev
	libsrtp2-dev libcunit1-dev libpcap-dev
	clang libclang-rt-14-dev
	iproute2 ethtool
	ffmpeg tcpdump
	iputils-ping gstreamer1.0-tools gstreamer1.0-plugins-base
	gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
	gnuplot-nox
)

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo -E "$0" "$@"
	fi
	echo "setup.sh: run as root (installing packages and hugepages need it)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "setup.sh: Debian packages present"
fi
[ "$deps_only" -eq 1 ] && exit 0

if [ "$hugepages" -gt 0 ]; then
	have=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$have" -lt "$hugepages" ]; then
		echo "$hugepages" > /proc/sys/vm/nr_hugepages
		have=$(cat /proc/sys/vm/nr_hugepages)
		[ "$have" -ge "$hugepages" ] ||
			echo "setup.sh: warning: only $have of $hugepages hugepages could be reserved" >&2
	fi
	if ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages
	fi
	echo "setup.sh: hugepages $(cat /proc/sys/vm/nr_hugepages) x 2 MiB, hugetlbfs on /dev/hugepages"
fi

if [ "$build" -eq 1 ]; then
	cd "$top"
	[ -f build/build.ninja ] || meson setup build --buildtype=release >/dev/null
	ninja -C build
	echo "setup.sh: built in $top/build"
fi
