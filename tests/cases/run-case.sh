#!/bin/bash
# Run one data-driven case folder; see tests/cases/meson.build.
set -u
dir=$1
bin=${SPOOR_BIN:?SPOOR_BIN not set}
data=${SPOOR_SHARED_DATA:-}
name=${dir#*/cases/}
# @TMP@: a fresh folder per run, removed afterwards
tmp=$(mktemp -d)
mapfile -t raw < "$dir/cmd"
args=()
for a in "${raw[@]}"; do
	[ -z "$a" ] && continue
	case "$a" in \#*) continue ;; esac
	if [[ "$a" == *@DATA@* ]]; then
		if [ -z "$data" ] || [ ! -d "$data" ]; then
			echo "SKIP $name: shared data not found (set SPOOR_SHARED_DATA to the ../shared/data folder)"
			exit 77
		fi
	fi
	a=${a//@DIR@/$dir}
	a=${a//@DATA@/$data}
	a=${a//@TMP@/$tmp}
	args+=("$a")
done
# `env`: NAME=VALUE lines (same substitutions) set for the run
envs=()
if [ -f "$dir/env" ]; then
	while IFS= read -r a; do
		[ -z "$a" ] && continue
		case "$a" in \#*) continue ;; esac
		a=${a//@DIR@/$dir}
		a=${a//@DATA@/$data}
		a=${a//@TMP@/$tmp}
		envs+=("$a")
	done < "$dir/env"
fi
out=$(mktemp)
err=$(mktemp)
trap 'rm -rf "$out" "$err" "$out.diff" "$tmp"' EXIT
stdin=/dev/null
[ -f "$dir/stdin" ] && stdin="$dir/stdin"
(cd "$dir" && env "${envs[@]}" "$bin" "${args[@]}" < "$stdin" > "$out" 2> "$err")
rc=$?
# the run's temporary folder shows as @TMP@
sed -i "s|$tmp|@TMP@|g" "$out" "$err"
# and the shared data folder as @DATA@ (rule paths of @DATA@ rules)
[ -n "$data" ] && sed -i "s|$data|@DATA@|g" "$out" "$err"
want_rc=0
[ -f "$dir/expect-exit" ] && want_rc=$(tr -d ' \n' < "$dir/expect-exit")
fail=0
if [ "$rc" != "$want_rc" ]; then
	echo "FAIL $name: exit code $rc, expected $want_rc"
	fail=1
fi
for f in expect.jsonl expect.txt; do
	if [ -f "$dir/$f" ]; then
		if ! diff -u "$dir/$f" "$out" > "$out.diff"; then
			echo "FAIL $name: stdout differs from $f:"
			head -60 "$out.diff"
			fail=1
		fi
		rm -f "$out.diff"
	fi
done
if [ -f "$dir/expect-stderr.txt" ]; then
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		if ! grep -qF -- "$line" "$err"; then
			echo "FAIL $name: stderr lacks: $line"
			fail=1
		fi
	done < "$dir/expect-stderr.txt"
fi
if [ $fail -ne 0 ]; then
	echo "--- stderr:"
	head -40 "$err"
	exit 1
fi
echo "ok $name"
