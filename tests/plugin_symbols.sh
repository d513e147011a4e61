#!/bin/sh
# The plugin exports only what Slurm looks up: slurm_spank_* and plugin_*.
so="${top_builddir:-.}/spank/.libs/autoexp.so"
[ -f "$so" ] || { echo "plugin not built: skipped"; exit 77; }
command -v nm >/dev/null || exit 77
syms=$(nm -D --defined-only "$so" | awk '{print $3}')
[ -n "$syms" ] || { echo "no symbols read from $so"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -Ev '^(slurm_spank_|plugin_)' || true)
if [ -n "$bad" ]; then
	echo "unexpected exported symbols:"
	echo "$bad"
	exit 1
fi
printf '%s\n' "$syms" | grep -q '^slurm_spank_init$' || { echo "slurm_spank_init missing"; exit 1; }
echo "exports: $(echo $syms)"
