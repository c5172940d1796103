#!/bin/sh
# mk-ycache-seeds.sh SPOOR — rewrite the seeds of fuzz-ycache
# (tests/fuzz/corpus/ycache/*.bin): tree cache files (yaml-trees.yc) made by
# `spoor rules check --rules-cache` over rule files of this project, each
# without its last 8 bytes (the target appends the check itself).
#
# Run it after any change of the cache's format (YC_VERSION in
# src/detect/sigma/sigma-ycache.c): a seed of another version is refused at
# its header and fuzzes nothing.  test-sigma-ycache fails while a seed does
# not load.  The stat table gets rows only for files changed more than 3 s
# before (the checkout's own files, not the collection written here).
set -eu
SPOOR=${1:?usage: tests/fuzz/mk-ycache-seeds.sh path/to/spoor}
case $SPOOR in /*) ;; *) SPOOR=$(pwd)/$SPOOR ;; esac
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus/ycache
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

seed() {
	name=$1
	shift
	rm -rf "$tmp/cache"
	"$SPOOR" rules check -q --rules-cache "$tmp/cache" "$@" >/dev/null 2>&1 || true
	f=$tmp/cache/yaml-trees.yc
	[ -s "$f" ] || { echo "mk-ycache-seeds: no cache file for $name" >&2; exit 1; }
	head -c $(($(wc -c <"$f") - 8)) "$f" >"$out/$name.bin"
}

cat >"$tmp/collection.yml" <<'YAML'
action: global
title: Whoami by a service account
status: test
logsource:
    product: windows
    category: process_creation
detection:
    condition: selection and not filter
    filter:
        User|endswith: '$'
level: medium
---
id: 9f0a7c1e-1c3d-4c55-9c1a-6d2b8e3f0a01
detection:
    selection:
        Image|endswith: '\whoami.exe'
---
action: repeat
id: 9f0a7c1e-1c3d-4c55-9c1a-6d2b8e3f0a02
detection:
    selection:
        OriginalFileName: 'whoami.exe'
        CommandLine|contains|all:
            - '/all'
            - '/fo'
---
action: reset
---
title: Alone
logsource:
    product: linux
detection:
    keywords:
        - 'sekurlsa::'
        - "tab\there"
    condition: keywords
YAML

seed basic tests/cases/hunt/default-rules/installed/win_whoami.yml
seed collection "$tmp/collection.yml"
seed correlations tests/cases/hunt/corr-spec-examples/examples.yml
seed modifiers tests/cases/hunt/prefilter-check/rules.yml tests/cases/hunt/kw-factors/rules.yml
seed several rules
printf 'SPOORYC1' >"$out/magic-only.bin"
ls -l "$out"
