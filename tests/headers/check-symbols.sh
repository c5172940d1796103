#!/bin/sh
# The shared library exports exactly the symbols listed in symbols.txt.
set -eu
lib=$1
want=$2
got=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sort)
exp=$(grep -v '^#' "$want" | sort)
if [ "$got" != "$exp" ]; then
	echo "exported symbols differ from $want:"
	printf '%s\n' "$exp" > /tmp/spoor-sym-exp.$$
	printf '%s\n' "$got" > /tmp/spoor-sym-got.$$
	diff /tmp/spoor-sym-exp.$$ /tmp/spoor-sym-got.$$ || true
	rm -f /tmp/spoor-sym-exp.$$ /tmp/spoor-sym-got.$$
	exit 1
fi
echo "$(printf '%s\n' "$got" | wc -l) symbols, as listed"
