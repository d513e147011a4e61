#!/bin/bash
# The layers of the source tree, checked (docs/ARCHITECTURE.md):
#   lib/base < lib/config < lib/provenance < lib/monitor < lib/submit
#   < the programs (spank/, helper/, cli/)
# Fails when a file includes a project header from a higher layer (or a
# program's header from lib/ or another program), or when the include graph
# of modules has a cycle: module X uses Y when X.c or X.h includes Y.h.
set -euo pipefail
src=${top_srcdir:-.}
cd "$src"

layer_rank() {
	case "$1" in
	lib/base) echo 0 ;;
	lib/config) echo 1 ;;
	lib/provenance) echo 2 ;;
	lib/monitor) echo 3 ;;
	lib/submit) echo 4 ;;
	spank | helper | cli) echo 5 ;;
	*) echo -1 ;;
	esac
}

dirs=$(for d in lib spank helper cli; do if [ -d "$d" ]; then echo "$d"; fi; done)
files=$(find $dirs -name '*.[ch]' | sort)
[ -n "$files" ] || { echo "no sources found under $src"; exit 1; }

# header base name -> its folder
declare -A home
for f in $files; do
	case "$f" in *.h) home[$(basename "$f")]=$(dirname "$f") ;; esac
done

bad=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in $files; do
	dir=$(dirname "$f")
	rank=$(layer_rank "$dir")
	mod=$dir/$(basename "${f%.*}")
	echo "$mod $mod" >>"$edges"
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		h=$(basename "$inc")
		hdir=${home[$h]:-}
		[ -n "$hdir" ] || continue # config.h, a Slurm or system header
		hrank=$(layer_rank "$hdir")
		if [ "$hrank" -gt "$rank" ]; then
			echo "$f includes $inc from $hdir, a higher layer"
			bad=1
		elif [ "$hrank" = 5 ] && [ "$hdir" != "$dir" ]; then
			echo "$f includes $inc from another program ($hdir)"
			bad=1
		fi
		dep=$hdir/${h%.h}
		[ "$dep" = "$mod" ] || echo "$mod $dep" >>"$edges"
	done
done

# tsort names the modules of a cycle on stderr
if ! out=$(tsort "$edges" 2>&1 >/dev/null) || [ -n "$out" ]; then
	echo "include cycle:"
	printf '%s\n' "$out" | sed 's/^tsort: /  /'
	bad=1
fi
[ "$bad" = 0 ] && echo "layers: $(echo "$files" | wc -l) files, no upward include, no cycle"
exit "$bad"
