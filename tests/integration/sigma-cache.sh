#!/bin/sh
# sigma-cache — the compiled-database cache (detect/hscache.c) of Sigma rules
# and intel patterns: a second run
# reads the databases the first one wrote and gives the same alerts; a
# changed, truncated or foreign file in the cache is ignored and replaced;
# another rule set gets another file; --no-rules-cache and an empty
# SPOOR_CACHE_DIR write nothing.  (Speed is measured in bench/, not here.)
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN unset}
SRC=${SPOOR_SRC:?SPOOR_SRC unset}
DATA=${SPOOR_SHARED_DATA:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
bad() { echo "sigma-cache: FAIL: $*"; fail=$((fail + 1)); }

RULES="-r $SRC/rules"
IN="$SRC/tests/fixtures"
if [ -n "$DATA" ] && [ -d "$DATA/sigma/rules/windows/process_creation" ]; then
	RULES="$RULES -r $DATA/sigma/rules/windows/process_creation"
	IN="$DATA/sigma/regression_data/rules/windows/process_creation"
else
	echo "sigma-cache: shared data not found (SPOOR_SHARED_DATA); using spoor's rules and fixtures only"
fi
hunt() { # hunt OUT [options]
	out=$1
	shift
	# shellcheck disable=SC2086
	"$SPOOR" hunt -q --no-intel $RULES "$@" "$IN" >"$out" 2>"$out.err" || [ $? -eq 3 ]
}

hunt "$T/ref" --no-rules-cache
[ -s "$T/ref" ] || bad "no alert at all: the test proves nothing"
hunt "$T/a1" --rules-cache "$T/c"
n=$(ls "$T/c"/hs-*.hs | wc -l)
[ "$n" -eq 1 ] || bad "first run wrote $n database files, want 1"
f=$(ls "$T/c"/hs-*.hs)
cmp -s "$T/ref" "$T/a1" || bad "first run (writing the cache) differs from a run without cache"
sum1=$(cksum <"$f")
ino1=$(stat -c %i "$f")
hunt "$T/a2" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a2" || bad "a run from the cache differs"
# a hit reads the file and writes nothing (a write is a new file renamed
# into place: another inode), so this fails if the cache is never read
[ "$(cksum <"$f")" = "$sum1" ] && [ "$(stat -c %i "$f")" = "$ino1" ] || bad "a cache hit rewrote the file"

# a changed byte, a truncated file, a file of garbage: ignored and rewritten
printf 'XXXXXXXX' | dd of="$f" bs=1 seek=4000 conv=notrunc 2>/dev/null
hunt "$T/a3" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a3" || bad "a run over a changed cache file differs"
[ "$(cksum <"$f")" = "$sum1" ] || bad "a changed cache file was not replaced"
head -c 100 "$f" >"$T/short" && cp "$T/short" "$f"
hunt "$T/a4" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a4" || bad "a run over a truncated cache file differs"
[ "$(cksum <"$f")" = "$sum1" ] || bad "a truncated cache file was not replaced"
head -c 70000 /dev/urandom >"$f"
hunt "$T/a5" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a5" || bad "a run over a garbage cache file differs"

# another rule set (one of spoor's rules: never the set above, with or
# without the shared data): another file; the first is kept
one=$(find "$SRC/rules" -name '*.yml' | sort | head -n 1)
"$SPOOR" hunt -q --no-intel -r "$one" --rules-cache "$T/c" "$IN" >/dev/null 2>&1 || true
n=$(ls "$T/c"/hs-*.hs | wc -l)
[ "$n" -eq 2 ] || bad "another rule set: $n database files, want 2"

# no cache: nothing written
hunt "$T/a6" --rules-cache "$T/d" --no-rules-cache
[ ! -e "$T/d" ] || bad "--no-rules-cache wrote $T/d"
SPOOR_CACHE_DIR= HOME="$T/home" hunt "$T/a7"
[ ! -e "$T/home" ] || bad "SPOOR_CACHE_DIR= (empty) still wrote under HOME"
cmp -s "$T/ref" "$T/a7" || bad "a run without cache differs"
# the default folder: $XDG_CACHE_HOME/spoor
env -u SPOOR_CACHE_DIR XDG_CACHE_HOME="$T/xdg" sh -c "\"$SPOOR\" hunt -q --no-intel $RULES \"$IN\" >/dev/null 2>&1" || true
ls "$T/xdg/spoor"/hs-*.hs >/dev/null 2>&1 || bad "no cache file under \$XDG_CACHE_HOME/spoor"

# keyword databases made for the logsource groups an event selects
# (sigma-prefilter.c, kw_db_for) are cached too: Windows' builtin rules
# hold keyword rules of several groups, and a process_creation event
# selects only some of them
if [ -n "$DATA" ] && [ -d "$DATA/sigma/rules/windows/builtin" ]; then
	KW="-r $DATA/sigma/rules/windows/builtin"
	# shellcheck disable=SC2086
	"$SPOOR" hunt -q --no-intel $KW --no-rules-cache "$IN" >"$T/k0" 2>/dev/null || [ $? -eq 3 ]
	# shellcheck disable=SC2086
	"$SPOOR" hunt -q --no-intel $KW --rules-cache "$T/k" "$IN" >"$T/k1" 2>/dev/null || [ $? -eq 3 ]
	n=$(ls "$T/k"/hs-*.hs | wc -l)
	[ "$n" -ge 2 ] || bad "keyword group databases: $n cache files after the first run, want the rule set's and at least one group set's"
	ls -i "$T/k"/hs-*.hs >"$T/k.list"
	# shellcheck disable=SC2086
	"$SPOOR" hunt -q --no-intel $KW --rules-cache "$T/k" "$IN" >"$T/k2" 2>/dev/null || [ $? -eq 3 ]
	ls -i "$T/k"/hs-*.hs | cmp -s - "$T/k.list" || bad "keyword group databases: a second run wrote cache files again"
	cmp -s "$T/k0" "$T/k1" && cmp -s "$T/k0" "$T/k2" || bad "keyword group databases: alerts differ with the cache"
fi

# a keyword database with factors (one keyword rule whose keywords all
# hold "::"): the factor database is kept in the set's file, after the
# set's own database, so a run from the cache compiles nothing
in_case() { # in_case OUT CASE-FOLDER ARGS...: spoor ARGS in the case's folder
	out=$1
	dir=$2
	shift 2
	(cd "$dir" && "$SPOOR" "$@") >"$out" 2>/dev/null || [ $? -eq 3 ]
}
K="$SRC/tests/cases/hunt/kw-factors"
kf() { # kf OUT [options]
	o=$1
	shift
	in_case "$o" "$K" hunt -q --no-intel --no-default-rules -r rules.yml "$@" events.json
}
kf "$T/f0" --no-rules-cache
[ -s "$T/f0" ] || bad "keyword factors: no alert at all: the test proves nothing"
kf "$T/f1" --rules-cache "$T/f"
n=$(ls "$T/f"/hs-*.hs | wc -l)
[ "$n" -eq 1 ] || bad "keyword factors: $n database files, want 1"
ff=$(ls "$T/f"/hs-*.hs)
[ "$(od -An -tu4 -j8 -N4 "$ff" | tr -d ' ')" = 2 ] || bad "keyword factors: the file does not hold the set and its factors (2 databases)"
ino_f=$(stat -c %i "$ff")
kf "$T/f2" --rules-cache "$T/f"
[ "$(stat -c %i "$ff")" = "$ino_f" ] || bad "keyword factors: a cache hit rewrote the file"
cmp -s "$T/f0" "$T/f1" && cmp -s "$T/f0" "$T/f2" || bad "keyword factors: alerts differ with the cache"

# intel: the command-line / path pattern databases are cached the same way
C="$SRC/tests/cases/intel/mixed-logs"
ih() { # ih OUT [options]
	o=$1
	shift
	in_case "$o" "$C" hunt -q --intel intel.csv --year 2024 "$@" zeek-http.json sysmon.json eve.json mail.log
}
ih "$T/i-ref" --no-rules-cache
grep -q '"-enc SQBFAFgA"' "$T/i-ref" || bad "the intel case has no command-line sighting: the test proves nothing"
ih "$T/i1" --rules-cache "$T/ic"
ino_i=$(stat -c %i "$T/ic"/hs-*.hs | sort | tr '\n' ' ')
ih "$T/i2" --rules-cache "$T/ic"
[ "$(stat -c %i "$T/ic"/hs-*.hs | sort | tr '\n' ' ')" = "$ino_i" ] || bad "intel: a cache hit rewrote the file"
n=$(ls "$T/ic"/hs-*.hs | wc -l)
[ "$n" -ge 1 ] || bad "intel wrote no cache file"
cmp -s "$T/i-ref" "$T/i1" || bad "intel, first run (writing the cache) differs"
cmp -s "$T/i-ref" "$T/i2" || bad "intel, run from the cache differs"

[ $fail -eq 0 ] || exit 1
echo "sigma-cache: $(wc -l <"$T/ref") alerts, identical with, without and from the cache; bad cache files replaced"
