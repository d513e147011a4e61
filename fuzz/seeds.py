#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, from the project's test data.

Usage: fuzz/seeds.py SRCDIR BUILDDIR OUTDIR

Writes OUTDIR/<target>/ for each target (yaml, override, interp, template,
rules, engine, capture, journal), in each target's input format (see the
comment at the top of fuzz/fuzz_<target>.c):
  yaml      every YAML file of the tests, the presets and examples, and the
            config texts embedded in tests/omegaconf/cases
  override  the overrides of tests/omegaconf/cases and tests/bad-input
  interp    the strings with "${" of all of those, alone and up to four of
            one file together (so that they can refer to each other)
  template  the strings with "{" of the monitoring configs, with a value
  rules     each `pattern` of the tests and presets, followed by a log
  engine    the Megatron logs of tests/data/megatron and of a
            contrib/megatron_sim run (a save, a resume, a crash)
  capture   the captures `autoexp check` makes of the example and test
            configs (BUILDDIR/fuzz/seedgen), whole and split in chunks
  journal   the journal and state the engine target leaves after each of
            the engine seeds (BUILDDIR/fuzz/fuzz_engine)
The hand-made seeds in fuzz/corpus/<target> and the inputs of fixed crashes
in fuzz/regress/<target> are not copied: fuzz/run.sh reads them in place.
Without PyYAML the seeds that need parsing (override, interp, template,
rules) are left out; what needs BUILDDIR is left out when it is not built.
"""

import hashlib
import os
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # the seeds that need it are skipped
    yaml = None

YAML_DIRS = ["tests/data", "tests/bad-input/cases", "tests/omegaconf/cases",
             "tests/integration/configs", "config", "fuzz"]
# a config to capture must be one that composes from its own directory
CAPTURE_DIRS = ["config/examples", "tests/integration/configs",
                "tests/data/compose/basic", "tests/data/megatron"]
TARGETS = ["yaml", "override", "interp", "template", "rules", "engine",
           "capture", "journal"]


def files_under(src, rel, suffixes):
    out = []
    for root, _dirs, names in os.walk(os.path.join(src, rel)):
        for n in sorted(names):
            if n.endswith(suffixes):
                out.append(os.path.join(root, n))
    return sorted(out)


class Seeds:
    def __init__(self, outdir):
        self.outdir = outdir
        self.counts = {t: 0 for t in TARGETS}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        name = hashlib.sha1(data).hexdigest()
        path = os.path.join(self.outdir, target, name)
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.counts[target] += 1


def read(path):
    with open(path, "rb") as f:
        return f.read()


def load_all(path):
    """The documents of a YAML file, plus the configs embedded as text in
    the omegaconf cases; [] when PyYAML cannot read it."""
    try:
        docs = [yaml.safe_load(read(path))]
    except Exception:  # bad inputs are bad on purpose
        return []
    out = list(docs)
    for d in docs:
        for s in strings(d):
            if "\n" in s and ":" in s:
                try:
                    out.append(yaml.safe_load(s))
                except Exception:
                    pass
    return out


# Walks visit each container once: aliases share them (an alias bomb
# would take forever) and can make a tree refer to itself.
def strings(node, seen=None):
    seen = set() if seen is None else seen
    if isinstance(node, str):
        yield node
    elif isinstance(node, (dict, list)) and id(node) not in seen:
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, v in items:
            if isinstance(k, str):
                yield k
            yield from strings(v, seen)


def walk(node, fn, seen=None):
    seen = set() if seen is None else seen
    if not isinstance(node, (dict, list)) or id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, dict):
        fn(node)
    for v in node.values() if isinstance(node, dict) else node:
        walk(v, fn, seen)


def yaml_seeds(src, seeds, texts):
    for rel in YAML_DIRS:
        for path in files_under(src, rel, (".yaml", ".yml")):
            seeds.add("yaml", read(path))
    for t in texts:
        seeds.add("yaml", t)


def parsed_seeds(src, seeds, logs):
    docs = []
    for rel in YAML_DIRS:
        for path in files_under(src, rel, (".yaml", ".yml")):
            docs.append((path, load_all(path)))
    # embedded config texts are YAML seeds too
    texts = []
    for _path, ds in docs:
        for d in ds:
            walk(d, lambda m: texts.append(m["config"])
                 if isinstance(m.get("config"), str) else None)
    yaml_seeds(src, seeds, texts)

    # overrides
    for _path, ds in docs:
        for d in ds:
            walk(d, lambda m: [seeds.add("override", o)
                               for o in m.get("overrides") or []
                               if isinstance(o, str)])
    for path in files_under(src, "tests/bad-input/cases", (".yaml",)):
        for line in read(path).decode("utf-8", "replace").splitlines():
            if line.startswith("# args:"):
                for o in line[len("# args:"):].split():
                    seeds.add("override", o)

    # interpolations: alone, and the ones of a file together
    for _path, ds in docs:
        found = [s for d in ds for s in strings(d) if "${" in s]
        for s in found:
            seeds.add("interp", s)
        for i in range(0, len(found), 4):
            group = [s for s in found[i:i + 4] if "\n" not in s]
            if len(group) > 1:
                seeds.add("interp", "\n".join(group))

    # templates: first line, then a value
    values = ["100", "/scratch/run/checkpoints", "a{b}${c}", ""]
    for _path, ds in docs:
        for d in ds:
            for s in strings(d):
                if "{" in s and "\n" not in s and "${" not in s:
                    seeds.add("template", s + "\n" + values[len(s) % 4])

    # rules: flags byte, pattern, then a log
    k = 0
    for _path, ds in docs:
        for d in ds:
            def rule(m):
                nonlocal k
                p = m.get("pattern")
                if not isinstance(p, str) or "\n" in p:
                    return
                flags = 1 if m.get("pattern_type") == "substring" else 0
                flags |= (k % 4) << 1
                log = logs[k % len(logs)] if logs else b""
                k += 1
                seeds.add("rules", bytes([flags]) + p.encode() + b"\n" + log)
            walk(d, rule)


def sim_logs(build, tmp):
    """Logs of contrib/megatron_sim: a run that saves, one that resumes,
    one that crashes with an NCCL error on a named node."""
    sim = os.path.join(build, "contrib", "megatron_sim")
    if not os.access(sim, os.X_OK):
        return []
    save = os.path.join(tmp, "ckpt")
    common = ["--sim-ms-per-iter", "0", "--save", save, "--load", save,
              "--save-interval", "5", "--log-interval", "2"]
    runs = [["--train-iters", "10"],
            ["--train-iters", "20", "--async-save"],
            ["--train-iters", "30", "--sim-fail-at", "25",
             "--sim-fail-kind", "nccl", "--sim-fail-node", "node7"]]
    logs = []
    for args in runs:
        r = subprocess.run([sim] + common + args, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, cwd=tmp, check=False)
        logs.append(r.stdout)
    return logs


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: seeds.py SRCDIR BUILDDIR OUTDIR")
    src, build, outdir = (os.path.abspath(a) for a in sys.argv[1:])
    seeds = Seeds(outdir)
    for t in TARGETS:
        os.makedirs(os.path.join(outdir, t), exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        logs = [read(p) for p in
                files_under(src, "tests/data/megatron", (".log",))]
        logs += sim_logs(build, tmp)
        for log in logs:
            seeds.add("engine", log)

        if yaml:
            parsed_seeds(src, seeds, logs)
        else:
            print("seeds: no PyYAML: only yaml, engine, capture and "
                  "journal seeds")
            yaml_seeds(src, seeds, [])

        seedgen = os.path.join(build, "fuzz", "seedgen")
        if os.access(seedgen, os.X_OK):
            configs = [p for rel in CAPTURE_DIRS
                       for p in files_under(src, rel, (".yaml",))]
            capdir = os.path.join(tmp, "captures")
            os.makedirs(capdir)
            subprocess.run([seedgen, capdir, os.path.join(src, "config")]
                           + configs, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            for n in sorted(os.listdir(capdir)):
                seeds.add("capture", read(os.path.join(capdir, n)))

        engine = os.path.join(build, "fuzz", "fuzz_engine")
        if os.access(engine, os.X_OK):
            env = dict(os.environ, FUZZ_SRCDIR=src)
            for i, log in enumerate(logs):
                logpath = os.path.join(tmp, "log%d" % i)
                out = os.path.join(tmp, "journal%d" % i)
                with open(logpath, "wb") as f:
                    f.write(log)
                env["FUZZ_ENGINE_JOURNAL"] = out
                subprocess.run([engine, logpath], env=env,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
                if os.path.exists(out):
                    seeds.add("journal", read(out))

    print("seeds: " + ", ".join("%s %d" % (t, seeds.counts[t])
                                 for t in TARGETS))


if __name__ == "__main__":
    main()
