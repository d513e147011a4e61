#!/usr/bin/python3
"""Differential test: autoexp against OmegaConf (the oracle).

For every case in cases/*.yaml the oracle is computed now, with the
OmegaConf installed on this machine, never recorded. The driver then runs

    autoexp render --resolve --format json --timestring 20250101_000000_000 \
        config.yaml OVERRIDE...

in a temporary directory holding the case's files and requires:
  * OmegaConf accepts  -> autoexp exits 0 and prints the same JSON (same
    types, same key order);
  * OmegaConf rejects  -> autoexp exits 1 and names file:line (or
    <override> for a bad override) on stderr.

Case fields:
  name       unique name
  config     text of config.yaml (the primary config)
  files      {relative path: text} further files (config groups)
  overrides  command-line overrides given to autoexp (Hydra grammar)
  oracle     what OmegaConf does, as a list of steps (default
             ["load config.yaml"]); overrides need explicit steps:
               load FILE              cfg = OmegaConf.load(FILE), minus `defaults`
               merge FILE [at PKG]    cfg = OmegaConf.merge(cfg, FILE at PKG)
               change KEY = PYLIT     Hydra `key=value`  (struct mode)
               add KEY = PYLIT        Hydra `+key=value`
               force KEY = PYLIT      Hydra `++key=value`
               delete KEY [= PYLIT]   Hydra `~key[=value]`
               reject WHY             Hydra itself rejects (grammar, group)
             PYLIT is a Python literal (ast.literal_eval).
  env        {NAME: value} environment for both sides
  expect     ok | error: sanity check on the oracle itself
  skip       reason: an intentional difference (docs/config.md); not run
"""

import argparse
import ast
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import warnings

import yaml

try:
    from omegaconf import ListConfig, OmegaConf, open_dict
except ImportError:  # pragma: no cover
    print("omegaconf not available", file=sys.stderr)
    sys.exit(77)

TIMESTRING = "20250101_000000_000"
HERE = os.path.dirname(os.path.abspath(__file__))
ERROR_WHERE = re.compile(r"(^|\s)[\w./-]+\.ya?ml:\d+(:\d+)?: ", re.M)
OVERRIDE_WHERE = re.compile(r"<override>")
SANITIZER = re.compile(r"ERROR: AddressSanitizer|runtime error:|LeakSanitizer")


# ---------------------------------------------------------------------------
# The predecessor's resolvers, written from reference-semantics.md section 1.5
# (one Python function per row of its table).

def _mul(*args):
    result = 1.0
    for a in args:
        try:
            result *= float(a)
        except (TypeError, ValueError):
            continue
    return result


def _muli(*args):
    result = 1
    for a in args:
        try:
            result *= int(a)
        except (TypeError, ValueError):
            continue
    return result


def _add(*args):
    total = 0.0
    for a in args:
        try:
            total += float(a)
        except (TypeError, ValueError):
            continue
    return total


def _addi(*args):
    total = 0
    for a in args:
        try:
            total += int(a)
        except (TypeError, ValueError):
            continue
    return total


def _sub(a, b):
    try:
        return float(a) - float(b)
    except (TypeError, ValueError):
        return 0.0


def _subi(a, b):
    try:
        return int(a) - int(b)
    except (TypeError, ValueError):
        return 0


def _div(a, b):
    if isinstance(a, ListConfig):
        if isinstance(b, ListConfig):
            return ListConfig([_div(x, y) for x, y in zip(a, b)])
        return ListConfig([_div(x, b) for x in a])
    try:
        return float(a) / float(b)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0.0


def _divi(a, b):
    if isinstance(a, ListConfig):
        if isinstance(b, ListConfig):
            return ListConfig([_divi(x, y) for x, y in zip(a, b)])
        return ListConfig([_divi(x, b) for x in a])
    try:
        return int(a) // int(b)
    except (TypeError, ValueError, ZeroDivisionError):
        return 0


def _cdivi(a, b):
    try:
        a, b = int(a), int(b)
    except (TypeError, ValueError):
        return 0
    if b == 0:
        return 0
    return -(-a // b)


def _sqrt(x):
    return float(math.sqrt(float(x)))


def _slice(v, s, e):
    return v[int(s):int(e)]


def _mul_round_int(a, b, m):
    return int(round(a * b / m) * m)


def _concat(l, r):
    return l + r


def _int(x):
    try:
        return int(x)
    except (TypeError, ValueError):
        return int(bool(x))


def _dict_merge(*maps):
    out = {}
    for m in maps:
        if m is None or not hasattr(m, "keys"):
            continue
        for k in m.keys():
            out[k] = m[k]
    return out


def _if(a, b, c):
    return b if a else c


def register_resolvers():
    reg = OmegaConf.register_new_resolver
    reg("oc.mul", _mul, replace=True)
    reg("oc.muli", _muli, replace=True)
    reg("oc.add", _add, replace=True)
    reg("oc.addi", _addi, replace=True)
    reg("oc.sub", _sub, replace=True)
    reg("oc.subi", _subi, replace=True)
    reg("oc.div", _div, replace=True)
    reg("oc.divi", _divi, replace=True)
    reg("oc.cdivi", _cdivi, replace=True)
    reg("oc.sqrt", _sqrt, replace=True)
    reg("oc.slice", _slice, replace=True)
    reg("oc.mul_round_int", _mul_round_int, replace=True)
    reg("oc.concat", _concat, replace=True)
    reg("oc.int", _int, replace=True, use_cache=False)
    reg("oc.dict_merge", _dict_merge, replace=True)
    # lru_cache'd per process in the predecessor: one value per run; fixed
    # here so that both sides agree.
    reg("oc.timestring", lambda: TIMESTRING, replace=True)
    reg("oc.len", len, replace=True)
    reg("oc.eval", eval, replace=True)  # noqa: S307 (the predecessor's)
    reg("oc.if", _if, replace=True)


# ---------------------------------------------------------------------------
# Oracle

class OracleReject(Exception):
    pass


def _literal(text):
    return ast.literal_eval(text.strip())


def _load(path):
    cfg = OmegaConf.load(path)
    if OmegaConf.is_dict(cfg) and "defaults" in cfg:
        del cfg["defaults"]
    return cfg


def _split_op(rest):
    if " = " in rest:
        key, val = rest.split(" = ", 1)
        return key.strip(), _literal(val), True
    return rest.strip(), None, False


def _apply_hydra(cfg, op, rest):
    """Hydra 1.3 ConfigLoaderImpl._apply_overrides_to_config, per override."""
    key, value, has_value = _split_op(rest)
    if op == "delete":
        val = OmegaConf.select(cfg, key, throw_on_missing=False)
        if val is None:
            raise OracleReject("cannot delete %s: does not exist" % key)
        if has_value and value != val:
            raise OracleReject("cannot delete %s: value differs" % key)
        with open_dict(cfg):
            if "." in key:
                parent, last = key.rsplit(".", 1)
                del OmegaConf.select(cfg, parent)[last]
            else:
                del cfg[key]
    elif op == "add":
        if (OmegaConf.select(cfg, key, throw_on_missing=False) is None or
                isinstance(value, (dict, list))):
            OmegaConf.update(cfg, key, value, merge=True, force_add=True)
        else:
            raise OracleReject("cannot add %s: already set" % key)
    elif op == "force":
        OmegaConf.update(cfg, key, value, merge=True, force_add=True)
    else:  # change
        OmegaConf.update(cfg, key, value, merge=True)


def _nest(pkg, cfg):
    for part in reversed(pkg.split(".")):
        cfg = {part: cfg}
    return OmegaConf.create(cfg)


def run_oracle(case, tmp):
    steps = case.get("oracle") or ["load config.yaml"]
    cfg = OmegaConf.create({})
    for step in steps:
        op, _, rest = step.partition(" ")
        if op == "reject":
            raise OracleReject(rest)
        if op == "load":
            cfg = _load(os.path.join(tmp, rest.strip()))
        elif op == "merge":
            path, _, pkg = rest.partition(" at ")
            part = _load(os.path.join(tmp, path.strip()))
            if pkg.strip():
                part = _nest(pkg.strip(), part)
            cfg = OmegaConf.merge(cfg, part)
        elif op in ("change", "add", "force", "delete"):
            # Hydra composes in struct mode: a plain change of a missing
            # key is an error.
            OmegaConf.set_struct(cfg, True)
            try:
                _apply_hydra(cfg, op, rest)
            finally:
                OmegaConf.set_struct(cfg, False)
        else:
            raise ValueError("%s: unknown oracle step %r" % (case["name"], step))
    out = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    return json.loads(json.dumps(_jsonable(out)))


def _jsonable(v):
    # ae_json writes non-finite floats as strings (ae_json.h).
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, dict):
        # keys as json.dumps writes them: a bool key is "true", not "True"
        return {(json.dumps(k) if isinstance(k, bool) else str(k)):
                _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def oracle(case, tmp):
    """Returns ("ok", value) or ("error", message)."""
    saved = {}
    for k, v in (case.get("env") or {}).items():
        saved[k] = os.environ.get(k)
        os.environ[k] = str(v)
    try:
        return "ok", run_oracle(case, tmp)
    except (ValueError,) as ex:
        if "unknown oracle step" in str(ex):
            raise
        return "error", "%s: %s" % (type(ex).__name__, ex)
    except Exception as ex:  # any OmegaConf/YAML/resolver failure
        return "error", "%s: %s" % (type(ex).__name__, ex)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# ---------------------------------------------------------------------------
# autoexp side

def write_case(case, tmp):
    files = dict(case.get("files") or {})
    if "config" in case:
        files["config.yaml"] = case["config"]
    for rel, text in files.items():
        path = os.path.join(tmp, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def _case_env(case):
    env = dict(os.environ)
    env.pop("AUTOEXP_CONFIG_PATH", None)
    env.update({k: str(v) for k, v in (case.get("env") or {}).items()})
    return env


def _run(argv, tmp, env):
    try:
        p = subprocess.run(argv, cwd=tmp, env=env, capture_output=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return None, "", "timeout"
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def run_autoexp(exe, case, tmp, roundtrip):
    """The case's render; with roundtrip, also the unresolved YAML render
    written to roundtrip.yaml and that file rendered again. Returns
    (rc, stdout, stderr, roundtrip result or None)."""
    env = _case_env(case)
    resolve = ["render", "--resolve", "--format", "json",
               "--timestring", TIMESTRING]
    where = []
    for d in case.get("config_dirs") or []:
        where += ["--config-dir", d]
    where += ["config.yaml"] + list(case.get("overrides") or [])
    rc, out, err = _run([exe] + resolve + where, tmp, env)
    if not roundtrip or rc != 0:
        return rc, out, err, None
    rc2, yml, err2 = _run([exe, "render", "--format", "yaml"] + where,
                          tmp, env)
    if rc2 != 0:
        return rc, out, err, (rc2, "", err2)
    with open(os.path.join(tmp, "roundtrip.yaml"), "w",
              encoding="utf-8") as f:
        f.write(yml)
    return (rc, out, err,
            _run([exe] + resolve + ["roundtrip.yaml"], tmp, env))


def judge_roundtrip(case, tmp, verdict, out, rt):
    """render (unresolved YAML) must load back, in autoexp and in
    OmegaConf, to what the direct resolution gave."""
    rc, out2, err2 = rt
    if rc != 0:
        return "roundtrip: exit %s: %s" % (rc, first_line(err2))
    d = diff(json.loads(out), json.loads(out2))
    if d:
        return "roundtrip: autoexp reading its own YAML: " + d
    again = oracle({"name": case["name"], "env": case.get("env"),
                    "oracle": ["load roundtrip.yaml"]}, tmp)
    if again[0] != "ok":
        return "roundtrip: OmegaConf cannot read autoexp's YAML: " + again[1]
    d = diff(verdict[1], again[1])
    if d:
        return "roundtrip: OmegaConf reading autoexp's YAML: " + d
    return None


# ---------------------------------------------------------------------------
# Comparison: same JSON, same types (1 is not 1.0, true is not 1), same
# key order.

def diff(a, b, path="$"):
    if type(a) is not type(b):
        return "%s: oracle %s %r, autoexp %s %r" % (
            path, type(a).__name__, a, type(b).__name__, b)
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            return "%s: keys oracle %s, autoexp %s" % (
                path, list(a.keys()), list(b.keys()))
        for k in a:
            d = diff(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: oracle %r, autoexp %r" % (path, a, b)
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if a != b:
        return "%s: oracle %r, autoexp %r" % (path, a, b)
    return None


def oneline(text, limit=400):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


def first_line(text):
    text = text.strip()
    return text.splitlines()[0] if text else "(no message)"


def judge(case, verdict, rc, out, err):
    """Returns None when the case passes, else a one-line reason."""
    kind, value = verdict
    if rc is None:
        return "autoexp timed out"
    if SANITIZER.search(err):
        return "sanitizer: " + first_line(
            "\n".join(l for l in err.splitlines() if SANITIZER.search(l)))
    if kind == "ok":
        if rc != 0:
            return "oracle accepts %s; autoexp exit %d: %s" % (
                json.dumps(value)[:120], rc, first_line(err))
        try:
            got = json.loads(out)
        except ValueError as ex:
            return "autoexp printed invalid JSON (%s): %s" % (ex, out[:120])
        d = diff(value, got)
        return d
    if rc != 1:
        return "oracle rejects (%s); autoexp exit %d%s" % (
            value[:160], rc, "" if rc else ": " + out.strip()[:120])
    if ERROR_WHERE.search(err):
        return None
    if case.get("overrides") and OVERRIDE_WHERE.search(err):
        return None
    return "oracle rejects; autoexp exit 1 but no file:line in: %s" % (
        first_line(err))


# ---------------------------------------------------------------------------

def load_cases(paths, name_filter):
    cases, seen = [], set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            group = yaml.safe_load(f) or []
        base = os.path.splitext(os.path.basename(path))[0]
        for c in group:
            c["name"] = "%s/%s" % (base, c["name"])
            if c["name"] in seen:
                sys.exit("duplicate case name %s" % c["name"])
            seen.add(c["name"])
            if c.get("overrides") and not c.get("oracle"):
                sys.exit("%s: overrides need explicit oracle steps" % c["name"])
            if name_filter and not re.search(name_filter, c["name"]):
                continue
            cases.append(c)
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--autoexp", help="path of the autoexp binary; "
                    "without it only the oracle side runs")
    ap.add_argument("--cases", nargs="*",
                    default=None, help="case files (default cases/*.yaml)")
    ap.add_argument("-k", "--filter", help="regex on case names")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--no-roundtrip", dest="roundtrip", action="store_false",
                    help="skip the check that `render --format yaml` "
                    "loads back (in autoexp and OmegaConf) to the same "
                    "config")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print the oracle's verdict for every case")
    args = ap.parse_args()

    if args.cases is None:
        d = os.path.join(HERE, "cases")
        args.cases = sorted(os.path.join(d, f) for f in os.listdir(d)
                            if f.endswith(".yaml"))
    cases = load_cases(args.cases, args.filter)
    register_resolvers()
    # OmegaConf warns (e.g. about `1,,2` argument lists); its verdict is
    # what counts.
    warnings.simplefilter("ignore")

    passed = failed = skipped = 0
    work = []
    with tempfile.TemporaryDirectory(prefix="ae-diff-") as root:
        for i, case in enumerate(cases):
            if case.get("skip"):
                skipped += 1
                continue
            tmp = os.path.join(root, "case%04d" % i)
            os.makedirs(tmp)
            write_case(case, tmp)
            verdict = oracle(case, tmp)
            if args.verbose:
                print("%s: oracle %s %s" % (case["name"], verdict[0],
                                            json.dumps(verdict[1])[:200]))
            exp = case.get("expect")
            if exp and exp != verdict[0]:
                failed += 1
                print("FAIL %s: oracle says %s, case expects %s (%s)" % (
                    case["name"], verdict[0], exp,
                    oneline(json.dumps(verdict[1]), 160)))
                continue
            work.append((case, tmp, verdict))

        if not args.autoexp:
            passed = len(work)
        else:
            exe = os.path.abspath(args.autoexp)
            with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
                runs = list(pool.map(
                    lambda w: run_autoexp(exe, w[0], w[1], args.roundtrip),
                    work))
            for (case, tmp, verdict), (rc, out, err, rt) in zip(work, runs):
                why = judge(case, verdict, rc, out, err)
                if why is None and rt is not None and verdict[0] == "ok":
                    why = judge_roundtrip(case, tmp, verdict, out, rt)
                if why is None:
                    passed += 1
                else:
                    failed += 1
                    print("FAIL %s: %s" % (case["name"], oneline(why)))

    line = "%d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
