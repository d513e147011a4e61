"""Regenerate the expected outputs of tests/data/yaml/valid from OmegaConf.

Run from this directory with a Python that has omegaconf 2.2:
    python3 make_expected.py
For each valid/<case>.yaml it writes <case>.json (the values as
json.dumps(OmegaConf.to_container(cfg)) gives them, with non-finite floats
as the strings "nan"/"inf"/"-inf" as ae_json writes them) and <case>.out.yaml
(OmegaConf.save's text), unless <case>.nosave exists.
"""
import glob
import json
import math
import os

from omegaconf import OmegaConf


def norm(x):
    if isinstance(x, float) and math.isnan(x):
        return "nan"
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if isinstance(x, dict):
        return {(str(k).lower() if isinstance(k, bool) else str(k)): norm(v)
                for k, v in x.items()}
    if isinstance(x, list):
        return [norm(v) for v in x]
    return x


for path in sorted(glob.glob("valid/*.yaml")):
    if path.endswith(".out.yaml"):
        continue
    base = path[: -len(".yaml")]
    cfg = OmegaConf.load(path)
    with open(base + ".json", "w") as f:
        json.dump(norm(OmegaConf.to_container(cfg)), f, indent=2)
        f.write("\n")
    if not os.path.exists(base + ".nosave"):
        OmegaConf.save(cfg, base + ".out.yaml")
