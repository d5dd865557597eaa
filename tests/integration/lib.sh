# shellcheck shell=bash
# Shared by the integration tests (sourced): results, the two-namespace
# topology around srtpedge, starting and stopping srtpedge, its counters,
# background processes and cleaning up. Each test sets TEST (its name)
# before sourcing, and calls it_init.
#
# Topology: srtpedge runs in the root namespace on the root ends of two veth
# pairs through net_af_packet; the other ends are in two namespaces this
# test makes: sre-out-$$ (the SRTP endpoints, interface ep0) and sre-in-$$
# (the media servers, interface ms0). Addresses are documentation ranges
# that exist only inside those namespaces:
#   outside  198.51.100.0/24  2001:db8:51::/64   srtpedge .1/::1, endpoint .10/::10
#   inside   203.0.113.0/24   2001:db8:113::/64  srtpedge .1/::1, server .10/::10
# The root ends carry no address, IPv6 is off on them and the kernel neither
# forwards from them nor answers ARP on them: only srtpedge speaks there.

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the interpreter itself, not a wrapper script (pyenv's shims fork): the
# PIDs of background helpers must be theirs
PY=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
SRE_IT="$IT_DIR/sre_it.py"

NS_OUT="sre-out-$$"
NS_IN="sre-in-$$"
VETH_OUT="sreo$$"          # root ends, srtpedge's ports
VETH_IN="srei$$"
OUT4=198.51.100 IN4=203.0.113
OUT6=2001:db8:51: IN6=2001:db8:113:

pass=0 fail=0
work=
keep=${keep:-0}     # --keep, parsed by the test before it sources this
se_pid='' se_prefix='' se_out='' se_err=''
bg_pids=()
topo_made=0

ok() {
	pass=$((pass + 1))
	echo "ok: $*"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# check NAME GOT WANT: integer equality
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; else bad "$1: got $2, want $3"; fi
}

# check_ge NAME GOT MIN
check_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1 ($2 >= $3)"; else bad "$1: got $2, want at least $3"; fi
}

# check_range NAME GOT MIN MAX
check_range() {
	if [ "$2" -ge "$3" ] 2>/dev/null && [ "$2" -le "$4" ]; then
		ok "$1 ($2 in $3..$4)"
	else
		bad "$1: got $2, want $3..$4"
	fi
}

# check_cmd NAME CMD...: CMD succeeds (its output goes to $work/last.out,
# shown on failure)
check_cmd() {
	local name=$1
	shift
	if "$@" >"$work/last.out" 2>&1; then
		ok "$name"
	else
		bad "$name (exit $?): $*"
		sed 's/^/    | /' "$work/last.out" | tail -20
	fi
}

log() { echo "== $*"; }

# it_take_args VAR1 VAR2: after a test parsed its options into args=(),
# the two programs it is given (srtpedge, then its helper) into VAR1 and
# VAR2; usage and exit 2 unless both are executables.
it_take_args() {
	if [ "${#args[@]}" -ne 2 ] || [ ! -x "${args[0]}" ] || [ ! -x "${args[1]}" ]; then
		usage >&2
		exit 2
	fi
	printf -v "$1" '%s' "${args[0]}"
	printf -v "$2" '%s' "${args[1]}"
}

# it_need_tools TOOL...: each on PATH, or exit 1 naming it
it_need_tools() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null ||
			{ echo "$TEST: $t not found (scripts/setup.sh installs it)" >&2; exit 1; }
	done
}

it_usage_common() {
	cat <<TXT

Needs root, network namespaces, hugepages (scripts/setup.sh reserves them)
and the Debian packages scripts/setup.sh installs. Creates the namespaces
sre-out-<PID> and sre-in-<PID> and the veths sreo<PID>/srei<PID> and removes
them at the end, also on failure. srtpedge gets its own --file-prefix and
no PCI device.

  --keep      keep the work directory (its path is printed)
  -h, --help  this text

Prints "N passed, N failed"; exits non-zero on any failure.
TXT
}

# it_init: a work directory, the clean-up trap, root and tool checks.
it_init() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$TEST: needs root (network namespaces, hugepages)" >&2
		exit 1
	fi
	for t in ip ethtool "$PY"; do
		command -v "$t" >/dev/null || { echo "$TEST: $t not found" >&2; exit 1; }
	done
	work=$(mktemp -d "${TMPDIR:-/tmp}/$TEST.XXXXXX")
	trap it_cleanup EXIT
	trap 'exit 130' INT TERM
}

# A background process this test started; stopped by it_cleanup if alive.
bg_add() { bg_pids+=("$1"); }

# stop_pid PID [SIGNAL]: signal one of our processes, wait up to 10 s for
# it, then kill it.
stop_pid() {
	local pid=$1 sig=${2:-TERM} i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "$TEST: process $pid did not stop on SIG$sig: killed" >&2
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

it_cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	for pid in "${bg_pids[@]}"; do
		kill -0 "$pid" 2>/dev/null && stop_pid "$pid" TERM
	done
	if [ -n "$se_pid" ] && kill -0 "$se_pid" 2>/dev/null; then
		stop_pid "$se_pid" INT
	fi
	if [ -n "$se_prefix" ]; then
		rm -f /dev/hugepages/"$se_prefix"map_* 2>/dev/null
		rm -rf "/var/run/dpdk/$se_prefix" 2>/dev/null
	fi
	if [ "$topo_made" -eq 1 ]; then
		ip netns del "$NS_OUT" 2>/dev/null
		ip netns del "$NS_IN" 2>/dev/null
		ip link del "$VETH_OUT" 2>/dev/null
		ip link del "$VETH_IN" 2>/dev/null
	fi
	if [ -n "$work" ]; then
		if [ "$keep" -eq 1 ] || { [ "$rc" -ne 0 ] && [ -n "${IT_KEEP_ON_FAIL:-}" ]; }; then
			echo "work directory: $work"
		else
			rm -rf "$work"
		fi
	fi
	exit "$rc"
}

# in_out CMD... / in_in CMD...: run in the outside / inside namespace (in the
# foreground: a function sent to the background is a subshell whose PID is
# not the program's; background programs use `ip netns exec NS` directly).
in_out() { ip netns exec "$NS_OUT" "$@"; }
in_in() { ip netns exec "$NS_IN" "$@"; }

# topo_up v6|v4only: the namespaces and veths. With v6 the namespaces get
# IPv6 addresses too (without link-local addresses, router solicitations or
# DAD); with v4only IPv6 is off in them, so nothing but our traffic and ARP
# reaches srtpedge.
topo_up() {
	local v6=''
	[ "$1" = v6 ] && v6=1
	topo_made=1
	ip netns add "$NS_OUT"
	ip netns add "$NS_IN"
	local ns
	for ns in "$NS_OUT" "$NS_IN"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_ra=0 \
			net.ipv6.conf.default.router_solicitations=0 \
			net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.default.dad_transmits=0 \
			net.ipv6.conf.default.addr_gen_mode=1 \
			net.ipv6.conf.all.accept_ra=0
		if [ -z "$v6" ]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
				net.ipv6.conf.all.disable_ipv6=1
		fi
		ip -n "$ns" link set lo up
	done
	ip link add "$VETH_OUT" type veth peer name ep0 netns "$NS_OUT"
	ip link add "$VETH_IN" type veth peer name ms0 netns "$NS_IN"
	local v
	for v in "$VETH_OUT" "$VETH_IN"; do
		sysctl -qw "net.ipv6.conf.$v.disable_ipv6=1" \
			"net.ipv4.conf.$v.forwarding=0" \
			"net.ipv4.conf.$v.arp_ignore=8"
		ethtool -K "$v" tx off >/dev/null 2>&1 || true
		ip link set "$v" up
	done
	# kernel-side checksum offload off, or DPDK sees unfinished UDP sums
	in_out ethtool -K ep0 tx off >/dev/null
	in_in ethtool -K ms0 tx off >/dev/null
	ip -n "$NS_OUT" addr add "$OUT4.10/24" dev ep0
	ip -n "$NS_IN" addr add "$IN4.10/24" dev ms0
	if [ -n "$v6" ]; then
		ip -n "$NS_OUT" addr add "$OUT6:10/64" dev ep0 nodad
		ip -n "$NS_IN" addr add "$IN6:10/64" dev ms0 nodad
	fi
	ip -n "$NS_OUT" link set ep0 up
	ip -n "$NS_IN" link set ms0 up
}

# mac_of IFACE (root namespace)
mac_of() { cat "/sys/class/net/$1/address"; }

# port_section SIDE: the [outside]/[inside] section of the config (both
# families when v6 is set; QPAIRS queue pairs when set).
port_section() {
	local side=$1 v6=${2:-} dev
	if [ "$side" = outside ]; then
		dev="net_af_packet0,iface=$VETH_OUT,framecnt=4096${QPAIRS:+,qpairs=$QPAIRS}"
		echo "[outside]"
		echo "port = $dev"
		echo "ipv4 = $OUT4.1/24"
		[ -n "$v6" ] && echo "ipv6 = $OUT6:1/64"
	else
		dev="net_af_packet1,iface=$VETH_IN,framecnt=4096${QPAIRS:+,qpairs=$QPAIRS}"
		echo "[inside]"
		echo "port = $dev"
		echo "ipv4 = $IN4.1/24"
		[ -n "$v6" ] && echo "ipv6 = $IN6:1/64"
	fi
	return 0
}

# se_start CONFIG [TIMEOUT]: starts srtpedge (its own file prefix) and waits
# for its "workers on lcore" line.
se_start() {
	local cfg=$1 timeout=${2:-120} i
	se_prefix="sre-it-$TEST-$$"
	se_out="$work/srtpedge.out"
	se_err="$work/srtpedge.err"
	"$SRTPEDGE" -c "$cfg" --file-prefix "$se_prefix" >"$se_out" 2>"$se_err" &
	se_pid=$!
	for ((i = 0; i < timeout * 10; i++)); do
		if grep -q 'workers\? on lcore' "$se_out" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$se_pid" 2>/dev/null; then
			wait "$se_pid" 2>/dev/null
			echo "$TEST: srtpedge exited at start:" >&2
			sed 's/^/    | /' "$se_out" "$se_err" | tail -30 >&2
			se_pid=
			return 1
		fi
		sleep 0.1
	done
	echo "$TEST: srtpedge did not start in $timeout s" >&2
	sed 's/^/    | /' "$se_out" "$se_err" | tail -30 >&2
	return 1
}

# se_stop: SIGINT, wait for the final counters; parses them into SE[...]:
# in_outside in_inside out_outside out_inside fwd_o2i fwd_i2o answered
# solicits dropped, drop_<reason>, srtp_<status>. Returns srtpedge's exit
# status.
declare -A SE
se_stop() {
	local rc=0 i
	SE=()
	[ -n "$se_pid" ] || return 1
	kill -INT "$se_pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		kill -0 "$se_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$se_pid" 2>/dev/null; then
		echo "$TEST: srtpedge did not stop in 30 s on SIGINT: killed" >&2
		kill -KILL "$se_pid" 2>/dev/null
	fi
	wait "$se_pid" || rc=$?
	se_pid=
	local line
	while IFS= read -r line; do
		case "$line" in
		"srtpedge: packets in:"*)
			SE[in_outside]=$(sed -E 's/.*outside ([0-9]+).*/\1/' <<<"$line")
			SE[in_inside]=$(sed -E 's/.*inside ([0-9]+).*/\1/' <<<"$line") ;;
		"srtpedge: packets out:"*)
			SE[out_outside]=$(sed -E 's/.*out: outside ([0-9]+).*/\1/' <<<"$line")
			SE[out_inside]=$(sed -E 's/.*, inside ([0-9]+) .*/\1/' <<<"$line")
			SE[fwd_o2i]=$(sed -E 's/.*outside->inside ([0-9]+).*/\1/' <<<"$line")
			SE[fwd_i2o]=$(sed -E 's/.*inside->outside ([0-9]+).*/\1/' <<<"$line")
			SE[answered]=$(sed -E 's/.*answers ([0-9]+).*/\1/' <<<"$line")
			SE[solicits]=$(sed -E 's/.*solicitations ([0-9]+).*/\1/' <<<"$line") ;;
		"srtpedge: dropped:"*)
			SE[dropped]=$(sed -E 's/.*dropped: ([0-9]+).*/\1/' <<<"$line") ;;
		"srtpedge:     "*)
			read -r _ k v <<<"$line"
			SE[srtp_$k]=$v ;;
		"srtpedge:   "*)
			read -r _ k v <<<"$line"
			SE[drop_$k]=$v ;;
		esac
	done <"$se_out"
	return "$rc"
}

# se_get KEY: a final counter, 0 when srtpedge did not print it
se_get() { echo "${SE[$1]:-0}"; }

# se_drops_except REASON...: the sum of the drop reasons not named
se_drops_except() {
	local k sum=0 skip r
	for k in "${!SE[@]}"; do
		case "$k" in drop_*) ;; *) continue ;; esac
		skip=0
		for r in "$@"; do [ "$k" = "drop_$r" ] && skip=1; done
		[ "$skip" -eq 1 ] || sum=$((sum + SE[$k]))
	done
	echo "$sum"
}

# se_print_final: srtpedge's closing lines, for the log
se_print_final() {
	grep -E '^srtpedge: (packets|dropped|  )' "$se_out" | sed 's/^/    | /'
}

# tel CMD: telemetry into TEL[...]
declare -A TEL
tel() {
	local k v
	TEL=()
	while read -r k v; do TEL[$k]=$v; done < <("$PY" "$SRE_IT" tel "$se_prefix" "$1")
	[ "${#TEL[@]}" -gt 0 ]
}

# wait_udp_bound NS PORT [TIMEOUT]: until something listens on UDP PORT in NS
wait_udp_bound() {
	local ns=$1 port=$2 timeout=${3:-10} i
	for ((i = 0; i < timeout * 20; i++)); do
		if ip netns exec "$ns" ss -Hunl "sport = :$port" 2>/dev/null | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	echo "$TEST: nothing listens on UDP $port in $ns after $timeout s" >&2
	return 1
}

# wait_file FILE [TIMEOUT]
wait_file() {
	local f=$1 timeout=${2:-10} i
	for ((i = 0; i < timeout * 20; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.05
	done
	return 1
}

# capture_start NS IFACE FILE: tcpdump of every UDP frame, packets written
# as they come (--immediate-mode: no buffering that SIGINT would lose);
# sets cap_pid.
cap_pid=
capture_start() {
	local ns=$1 ifc=$2 file=$3 i
	ip netns exec "$ns" tcpdump --immediate-mode -U -n -s 0 -i "$ifc" -w "$file" udp \
		2>"$file.log" &
	cap_pid=$!
	bg_add "$cap_pid"
	for ((i = 0; i < 100; i++)); do
		grep -q 'listening on' "$file.log" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "$TEST: tcpdump in $ns did not start" >&2
	cat "$file.log" >&2
	return 1
}

# capture_stop PID FILE: stops it; fails if tcpdump lost packets
capture_stop() {
	local pid=$1 file=$2
	stop_pid "$pid" INT
	local got recv drop
	got=$(sed -nE 's/^([0-9]+) packets? captured.*/\1/p' "$file.log")
	recv=$(sed -nE 's/^([0-9]+) packets? received by filter.*/\1/p' "$file.log")
	drop=$(sed -nE 's/^([0-9]+) packets? dropped by kernel.*/\1/p' "$file.log")
	if [ -z "$got" ] || [ "$got" != "$recv" ] || [ "${drop:-0}" != 0 ]; then
		echo "$TEST: capture $file incomplete: $(tr '\n' ' ' <"$file.log")" >&2
		return 1
	fi
	return 0
}

# settle NS_LIST...: waits until srtpedge's in-counters stop moving (the
# last packets of a stream have gone through) — at most 5 s
settle() {
	local prev='' cur i
	for ((i = 0; i < 50; i++)); do
		tel /srtpedge/stats || return 0
		cur="${TEL[outside_rx_packets]}/${TEL[inside_rx_packets]}/${TEL[outside_tx_packets]}/${TEL[inside_tx_packets]}"
		[ "$cur" = "$prev" ] && return 0
		prev=$cur
		sleep 0.2
	done
}

it_summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
