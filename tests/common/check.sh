# Sourced by the shell tests: `check WHAT COMMAND...` counts COMMAND's
# success or prints "FAILED: WHAT"; `finish` prints the summary line the
# test runner reads ("N passed, N failed") and sets the exit status.
passed=0
failed=0

check() {
	local what=$1; shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $what"
	fi
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
