# shellcheck shell=bash
# Shared by the control tests (sourced after tests/integration/lib.sh):
# checks of srtpctl's exit status and output, and reading its JSON.

# expect NAME RC [PATTERN] -- CMD...: CMD exits RC; PATTERN (grep -E) is in
# its stderr (RC != 0) or stdout (RC 0). Output in $work/out, $work/err.
expect() {
	local name=$1 want=$2 pat='' rc=0
	shift 2
	if [ "$1" != "--" ]; then pat=$1; shift; fi
	shift
	"$@" >"$work/out" 2>"$work/err" || rc=$?
	local where="$work/out"
	[ "$want" -ne 0 ] && where="$work/err"
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, want $want"
		sed 's/^/    | /' "$work/out" "$work/err" | tail -8
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$where"; then
		bad "$name: no '$pat' in its output"
		sed 's/^/    | /' "$work/out" "$work/err" | tail -8
	else
		ok "$name${pat:+ ($(grep -Eo -m1 -- "$pat" "$where" | head -c 100))}"
	fi
}

# jget FILE EXPR: a value of a JSON file (python expression on `j`)
jget() { "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# ctl_start NAME [OPTIONS...]: srtpedge-control ($CTLD) on srtpedge's
# prefix, socket $SOCK, state $STATE, logging into $work/control.NAME.log;
# waits until it serves. Sets ctl_pid.
ctl_start() {
	local i log="$work/control.$1.log"
	shift
	"$CTLD" --file-prefix "$se_prefix" --socket "$SOCK" --state-dir "$STATE" -v "$@" \
		>"$log" 2>&1 &
	ctl_pid=$!
	bg_add "$ctl_pid"
	for ((i = 0; i < 300; i++)); do
		grep -q 'srtpedge-control: serving' "$log" && return 0
		if ! kill -0 "$ctl_pid" 2>/dev/null; then
			echo "$TEST: srtpedge-control exited at start:" >&2
			sed 's/^/    | /' "$log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "$TEST: srtpedge-control did not start" >&2
	sed 's/^/    | /' "$log" >&2
	return 1
}
