#!/usr/bin/env python3
"""Write a deterministic benchmark config: KEYS keys in 100 groups, of which
INTERP are interpolations (node references, string interpolations, nested
resolver calls), like a large Megatron experiment config."""
import sys

keys = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
interps = int(sys.argv[3]) if len(sys.argv) > 3 else 500
groups = 100
per = keys // groups
out = ["project:", "  name: bench", "  base_output_dir: /scratch/bench/${.name}"]
made = 3
n_interp = 1
for g in range(groups):
    out.append(f"group_{g}:")
    for k in range(per):
        if made >= keys:
            break
        if n_interp < interps and k % 4 == 3:
            kind = n_interp % 4
            if kind == 0:
                v = "${project.base_output_dir}/g%d/k%d" % (g, k)
            elif kind == 1:
                v = "${group_%d.key_0}" % (g // 2)
            elif kind == 2:
                v = "${oc.mul:${group_%d.key_1},2}" % g
            else:
                v = "run_${project.name}_${.key_0}"
            n_interp += 1
        elif k % 3 == 0:
            v = str(g * 1000 + k)
        elif k % 3 == 1:
            v = "%.4g" % (0.001 * (k + 1))
        else:
            v = "text_%d_%d" % (g, k)
        out.append(f"  key_{k}: {v}")
        made += 1
sys.stdout.write("\n".join(out) + "\n")
