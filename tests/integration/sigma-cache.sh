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
ndb() { # ndb DIR: how many database cache files DIR holds
	find "$1" -maxdepth 1 -name 'hs-*.hs' 2>/dev/null | wc -l
}
# cached WHAT RUN DIR: `RUN OUT [options]` without a cache (OUT DIR.0),
# then twice with DIR as the cache (DIR.1, DIR.2): the alerts must be the
# same each time, and the second run must write nothing (a write is a new
# file renamed into place: another inode).  WHAT names the check in
# messages.  (sh has no local variables: c_* are this function's.)
cached() {
	c_what=$1 c_run=$2 c_dir=$3
	$c_run "$c_dir.0" --no-rules-cache
	$c_run "$c_dir.1" --rules-cache "$c_dir"
	ls -i "$c_dir"/hs-*.hs >"$c_dir.inodes" 2>/dev/null || true
	$c_run "$c_dir.2" --rules-cache "$c_dir"
	ls -i "$c_dir"/hs-*.hs 2>/dev/null | cmp -s - "$c_dir.inodes" || bad "$c_what: a cache hit rewrote a cache file"
	cmp -s "$c_dir.0" "$c_dir.1" || bad "$c_what: the first run (writing the cache) differs from a run without cache"
	cmp -s "$c_dir.0" "$c_dir.2" || bad "$c_what: a run from the cache differs"
}

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
n=$(ndb "$T/c")
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
n=$(ndb "$T/c")
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
	kw() { # kw OUT [options]
		o=$1
		shift
		# shellcheck disable=SC2086
		"$SPOOR" hunt -q --no-intel $KW "$@" "$IN" >"$o" 2>/dev/null || [ $? -eq 3 ]
	}
	cached "keyword group databases" kw "$T/k"
	n=$(ndb "$T/k")
	[ "$n" -ge 2 ] || bad "keyword group databases: $n cache files, want the rule set's and at least one group set's"
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
cached "keyword factors" kf "$T/f"
[ -s "$T/f.0" ] || bad "keyword factors: no alert at all: the test proves nothing"
n=$(ndb "$T/f")
[ "$n" -eq 1 ] || bad "keyword factors: $n database files, want 1"
ff=$(ls "$T/f"/hs-*.hs | head -n 1)
[ "$(od -An -tu4 -j8 -N4 "$ff" | tr -d ' ')" = 2 ] || bad "keyword factors: the file does not hold the set and its factors (2 databases)"

# intel: the command-line / path pattern databases are cached the same way
C="$SRC/tests/cases/intel/mixed-logs"
ih() { # ih OUT [options]
	o=$1
	shift
	in_case "$o" "$C" hunt -q --intel intel.csv --year 2024 "$@" zeek-http.json sysmon.json eve.json mail.log
}
cached intel ih "$T/ic"
grep -q '"-enc SQBFAFgA"' "$T/ic.0" || bad "the intel case has no command-line sighting: the test proves nothing"
[ "$(ndb "$T/ic")" -ge 1 ] || bad "intel wrote no cache file"

[ $fail -eq 0 ] || exit 1
echo "sigma-cache: $(wc -l <"$T/ref") alerts, identical with, without and from the cache; bad cache files replaced"
