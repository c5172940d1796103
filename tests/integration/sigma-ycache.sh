#!/bin/sh
# sigma-ycache — the cache of parsed rule files (detect/sigma/sigma-ycache.c,
# yaml-trees.yc in the --rules-cache folder): a hunt with a warm cache gives
# the same alerts as a cold one and as one without cache, and reads the
# trees instead of parsing (a run of hits writes nothing); `rules check`
# reports broken files with the same FILE:LINE:COL cold and warm; a
# changed, truncated or foreign cache file is ignored and replaced; a
# changed rule file is parsed again; SPOOR_RULES_TREE_CACHE_MAX=0 keeps no
# trees.  (Speed is measured in bench/, not here.)
set -eu
SPOOR=${SPOOR_BIN:?SPOOR_BIN unset}
SRC=${SPOOR_SRC:?SPOOR_SRC unset}
DATA=${SPOOR_SHARED_DATA:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
[ -n "${YC_KEEP:-}" ] && trap - EXIT
fail=0
bad() { echo "sigma-ycache: FAIL: $*"; fail=$((fail + 1)); }

# the rules are copied: one of them is changed below
mkdir -p "$T/r"
cp -r "$SRC/rules" "$T/r/own"
IN="$SRC/tests/fixtures"
if [ -n "$DATA" ] && [ -d "$DATA/sigma/rules/windows/process_creation" ]; then
	cp -r "$DATA/sigma/rules/windows/process_creation" "$T/r/pc"
	IN="$DATA/sigma/regression_data/rules/windows/process_creation"
else
	echo "sigma-ycache: shared data not found (SPOOR_SHARED_DATA); using spoor's rules and fixtures only"
fi
# broken files and a collection, for rules check
mkdir -p "$T/r/bad"
printf 'title: broken\nlogsource: [1, 2\ndetection:\n  sel: x\n' >"$T/r/bad/yaml-error.yml"
printf 'title: a\n---\naction: nonsense\ntitle: b\n' >"$T/r/bad/bad-action.yml"
printf 'action: global\nlogsource:\n  product: windows\n  category: process_creation\n---\ntitle: one\ndetection:\n  sel:\n    Image|endswith: \\one.exe\n  condition: sel\n---\ntitle: two\ndetection:\n  sel:\n    Image|endswith: \\two.exe\n  condition: sel\n' >"$T/r/bad/collection.yml"

# the files are recorded in the cache's stat table (device, inode, size,
# mtime, ctime: not read again while those stay) only once their ctime is
# 3 s old; wait, so that the cold run records them all and the runs below
# are deterministic
sleep 4

hunt() { # hunt OUT [options]
	out=$1
	shift
	"$SPOOR" hunt -q --no-intel --no-progress --no-default-rules -r "$T/r" "$@" "$IN" >"$out" 2>"$out.err" || [ $? -eq 3 ]
}
Y="$T/c/yaml-trees.yc"

hunt "$T/ref" --no-rules-cache
[ -s "$T/ref" ] || bad "no alert at all: the test proves nothing"
[ ! -e "$T/c" ] || bad "--no-rules-cache wrote a cache"
hunt "$T/cold" --rules-cache "$T/c"
[ -s "$Y" ] || bad "a cold run wrote no $Y"
cmp -s "$T/ref" "$T/cold" || bad "a cold run (writing the cache) differs from a run without cache"
sum1=$(cksum <"$Y")
ino1=$(stat -c %i "$Y")
hunt "$T/warm" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/warm" || bad "a warm run (trees from the cache) differs"
# a parse that is not a hit would be added and the file rewritten (a new
# file renamed into place: another inode): same inode = every file a hit
[ "$(stat -c %i "$Y")" = "$ino1" ] && [ "$(cksum <"$Y")" = "$sum1" ] || bad "a warm run rewrote $Y"
# a warm run opens no rule file that parsed (their stat is as recorded);
# the two that do not parse are read every time.  strace is optional (not
# installed by make test)
if command -v strace >/dev/null 2>&1; then
	# (LeakSanitizer does not run under ptrace)
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" strace -f -e trace=open,openat -o "$T/strace" "$SPOOR" hunt -q --no-intel --no-progress --no-default-rules \
		-r "$T/r" --rules-cache "$T/c" "$IN" >"$T/warm2" 2>/dev/null || [ $? -eq 3 ]
	cmp -s "$T/ref" "$T/warm2" || bad "a warm run under strace differs"
	opened=$(sed -n 's/.*openat([0-9]*, "\([^"/]*\.yml\)".*/\1/p; s/.*open[a-z]*([A-Z_, ]*"\('"$(printf '%s' "$T/r" | sed 's/[.[\*^$/]/\\&/g')"'\/[^"]*\.yml\)".*/\1/p' "$T/strace" | sort | tr '\n' ' ')
	[ "$opened" = "bad-action.yml yaml-error.yml " ] || bad "a warm run opened rule files: $opened(want only the two that do not parse)"
else
	echo "sigma-ycache: strace not installed: not checking that a warm run opens no rule file"
fi

# rules check: the same messages (FILE:LINE:COL) with and without the cache
chk() { # chk OUT [options]
	o=$1
	shift
	"$SPOOR" rules check "$@" "$T/r" >"$o" 2>&1 && echo "exit 0" >>"$o" || echo "exit $?" >>"$o"
}
chk "$T/chk-ref"
grep -q 'yaml-error.yml:3:' "$T/chk-ref" || bad "rules check does not report yaml-error.yml:3"
grep -q 'bad-action.yml:3:' "$T/chk-ref" || bad "rules check does not report bad-action.yml:3"
chk "$T/chk-cold" --rules-cache "$T/c"
chk "$T/chk-warm" --rules-cache "$T/c"
cmp -s "$T/chk-ref" "$T/chk-cold" || bad "rules check over the cache (cold) differs"
cmp -s "$T/chk-ref" "$T/chk-warm" || bad "rules check over the cache (warm) differs"
for s in list stats; do
	"$SPOOR" rules $s "$T/r" >"$T/$s-ref" 2>&1 || true
	"$SPOOR" rules $s --rules-cache "$T/c" "$T/r" >"$T/$s-warm" 2>&1 || true
	cmp -s "$T/$s-ref" "$T/$s-warm" || bad "rules $s over the cache differs"
done

# a changed byte, a truncated file, a file of garbage: ignored and replaced
sum1=$(cksum <"$Y")
printf 'XXXXXXXX' | dd of="$Y" bs=1 seek=3000 conv=notrunc 2>/dev/null
hunt "$T/a1" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a1" || bad "a run over a changed cache file differs"
[ "$(cksum <"$Y")" = "$sum1" ] || bad "a changed cache file was not replaced"
head -c 1000 "$Y" >"$T/short" && cp "$T/short" "$Y"
hunt "$T/a2" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a2" || bad "a run over a truncated cache file differs"
[ "$(cksum <"$Y")" = "$sum1" ] || bad "a truncated cache file was not replaced"
head -c 70000 /dev/urandom >"$Y"
hunt "$T/a3" --rules-cache "$T/c"
cmp -s "$T/ref" "$T/a3" || bad "a run over a garbage cache file differs"
[ "$(cksum <"$Y")" = "$sum1" ] || bad "a garbage cache file was not replaced"

# a changed rule file: parsed again (the file grows by its new tree), and
# the alerts follow the change
f=$(grep -rl 'MyStart' "$T/r/own" | head -n 1)
[ -n "$f" ] || f=$(find "$T/r/own" -name '*.yml' | head -n 1)
size1=$(stat -c %s "$Y")
sed -i 's/^title: /title: Changed /' "$f"
hunt "$T/ref2" --no-rules-cache
hunt "$T/ch" --rules-cache "$T/c"
cmp -s "$T/ref2" "$T/ch" || bad "after a rule file changed, the cached run differs"
[ "$(stat -c %s "$Y")" -gt "$size1" ] || bad "a changed rule file added no tree"

# SPOOR_RULES_TREE_CACHE_MAX=0: no trees kept
SPOOR_RULES_TREE_CACHE_MAX=0 hunt "$T/z" --rules-cache "$T/z-c"
[ ! -e "$T/z-c/yaml-trees.yc" ] || bad "SPOOR_RULES_TREE_CACHE_MAX=0 still wrote yaml-trees.yc"
cmp -s "$T/ref2" "$T/z" || bad "a run without the tree cache differs"

[ $fail -eq 0 ] || exit 1
echo "sigma-ycache: $(wc -l <"$T/ref") alerts, identical without, cold and warm; rules check identical; bad cache files replaced"
