#!/usr/bin/python3
"""Measurements of autoexp-helper for bench_helper.sh (run with /usr/bin/python3).

  helper_bench.py rules BASIC.yaml PRODUCTION.yaml OUTDIR
      the merged log_events of the presets (PRODUCTION's defaults list is
      [BASIC, _self_]) as OUTDIR/grep.pat (one alternation for grep -P,
      with (?J) since group names repeat), OUTDIR/rules.json (for
      re_loop.py), OUTDIR/config.yaml (a resolved config for the helper)
      and OUTDIR/config_noact.yaml (the same rules without their actions)
  helper_bench.py drain HELPER CONFIG LOG WORKDIR
      start the helper (--foreground), wait until monitor_state.json says
      the whole LOG was read, read VmHWM/VmRSS of the process, SIGTERM it;
      prints "seconds S rss_kb R hwm_kb H"
  helper_bench.py latency HELPER WORKDIR [N]
      a writer appends N trigger lines (with their write time) 20 ms apart
      among filler lines; a LogAction logs that time; compares it with the
      helper.log timestamp of the action; prints "p50_ms A p99_ms B max_ms C"
  helper_bench.py quiet HELPER WORKDIR [SECONDS]
      the helper on a log nobody writes: poll wakeups over SECONDS (its own
      counter, from the stats line SIGUSR1 makes it write); prints
      "wakeups W per_second R"
"""
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

import yaml


def merged_events(basic, prod):
    b = yaml.safe_load(open(basic)) or {}
    p = yaml.safe_load(open(prod)) or {}
    ev = dict(b.get("log_events") or {})
    for k, v in (p.get("log_events") or {}).items():
        ev[k] = {**ev.get(k, {}), **v}
    return ev


def cmd_rules(basic, prod, out):
    ev = merged_events(basic, prod)
    pats = []
    rules = []
    for name, r in ev.items():
        pat, typ = r["pattern"], r.get("pattern_type", "regex")
        rules.append([name, pat, typ])
        pats.append(re.escape(pat) if typ == "substring" else pat)
    with open(os.path.join(out, "grep.pat"), "w") as f:
        f.write("(?J)" + "|".join("(?:%s)" % p for p in pats) + "\n")
    with open(os.path.join(out, "rules.json"), "w") as f:
        json.dump(rules, f)
    with open(os.path.join(out, "config.yaml"), "w") as f:
        yaml.safe_dump({"monitoring": {"drain_timeout_seconds": 60, "log_events": ev}},
                       f, sort_keys=False)
    for r in ev.values():
        r.pop("actions", None)
    with open(os.path.join(out, "config_noact.yaml"), "w") as f:
        yaml.safe_dump({"monitoring": {"drain_timeout_seconds": 60, "log_events": ev}},
                       f, sort_keys=False)


def start(helper, cfg, log, prov, extra=()):
    os.makedirs(prov, exist_ok=True)
    for name in os.listdir(prov):
        os.unlink(os.path.join(prov, name))
    return subprocess.Popen([helper, "--foreground", "--provenance-dir", prov, "--config", cfg,
                             "--log", log, "--job-id", "1", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def status(pid):
    v = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, rest = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                v[k] = int(rest.split()[0])
    return v


def stop(p):
    p.send_signal(signal.SIGTERM)
    return p.wait(timeout=120)


def cmd_drain(helper, cfg, log, work):
    size = os.path.getsize(log)
    prov = os.path.join(work, "prov")
    t0 = time.perf_counter()
    p = start(helper, cfg, log, prov)
    state = os.path.join(prov, "monitor_state.json")
    while True:
        try:
            if json.load(open(state))["log"]["offset"] >= size:
                break
        except (OSError, ValueError, KeyError):
            pass
        if p.poll() is not None:
            sys.exit("helper exited early: %s" % p.returncode)
        time.sleep(0.002)
    t1 = time.perf_counter()
    st = status(p.pid)
    rc = stop(p)
    print("seconds %.3f rss_kb %d hwm_kb %d rc %d" % (t1 - t0, st["VmRSS"], st["VmHWM"], rc))


LOG_LINE = re.compile(r"^(\S+)Z autoexp-helper\[\d+\]: action ok event=trigger .*: sent (\d+\.\d+)$")


def cmd_latency(helper, work, n=200):
    n = int(n)
    cfg = os.path.join(work, "latency.yaml")
    log = os.path.join(work, "latency.log")
    prov = os.path.join(work, "prov")
    with open(cfg, "w") as f:
        f.write("monitoring:\n  log_events:\n    trigger:\n"
                "      pattern: 'TRIGGER (?P<n>\\d+) at (?P<t>\\d+\\.\\d+)'\n"
                "      metadata: {kind: bench}\n"
                "      actions:\n        - class_name: LogAction\n"
                "          message: 'sent {t}'\n")
    open(log, "w").close()
    p = start(helper, cfg, log, prov)
    time.sleep(0.5)
    with open(log, "a", buffering=1) as f:
        for i in range(n):
            for k in range(5):
                f.write(" [2025-01-01 10:00:00] iteration %d/ 1000 | lm loss: 1.0 |\n" % (i * 5 + k))
            f.write("TRIGGER %d at %.6f\n" % (i, time.time()))
            time.sleep(0.02)
    time.sleep(0.5)
    stop(p)
    lat = []
    for line in open(os.path.join(prov, "helper.log")):
        m = LOG_LINE.match(line.rstrip("\n"))
        if m:
            when = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f")
            when = when.replace(tzinfo=datetime.timezone.utc).timestamp()
            lat.append((when - float(m.group(2))) * 1000)
    if len(lat) != n:
        sys.exit("expected %d actions, helper.log has %d" % (n, len(lat)))
    lat.sort()
    print("p50_ms %.2f p99_ms %.2f max_ms %.2f" % (lat[len(lat) // 2],
                                                 lat[min(len(lat) - 1, int(len(lat) * 0.99))],
                                                 lat[-1]))


STATS = re.compile(r"stats \(SIGUSR1\):.* wakeups=(\d+)")


def cmd_quiet(helper, work, seconds=10):
    seconds = float(seconds)
    cfg = os.path.join(work, "quiet.yaml")
    log = os.path.join(work, "quiet.log")
    prov = os.path.join(work, "prov")
    with open(log, "w") as f:
        f.write("nothing to see\n")
    with open(cfg, "w") as f:
        f.write("monitoring:\n  log_events:\n    trigger:\n"
                "      pattern: 'TRIGGER'\n      metadata: {kind: bench}\n")
    p = start(helper, cfg, log, prov)
    time.sleep(1.0)
    p.send_signal(signal.SIGUSR1)
    time.sleep(seconds)
    p.send_signal(signal.SIGUSR1)
    time.sleep(0.2)
    stop(p)
    counts = [int(m.group(1)) for m in map(STATS.search, open(os.path.join(prov, "helper.log")))
              if m]
    if len(counts) < 2:
        sys.exit("no stats lines in helper.log")
    # each SIGUSR1 wakes the helper once itself: not counted
    w = counts[1] - counts[0] - 1
    print("wakeups %d per_second %.2f" % (w, w / seconds))


def cmd_stall(helper, work, rounds=5, threshold=1.0):
    """Hang to stall event: the log goes silent at a known time; the delay
    from there to the stall_detected record, beyond the threshold."""
    rounds, threshold = int(rounds), float(threshold)
    cfg = os.path.join(work, "stall.yaml")
    log = os.path.join(work, "stall.log")
    with open(cfg, "w") as f:
        f.write("monitoring:\n  inactivity_threshold_seconds: %s\n"
                "  state_events:\n    stall:\n      actions:\n"
                "        - class_name: LogAction\n          message: 'stall'\n" % threshold)
    late = []
    for r in range(rounds):
        prov = os.path.join(work, "stall%d" % r)
        with open(log, "w") as f:
            f.write(" [2025-01-01 10:00:00] iteration 1/ 1000 | lm loss: 1.0 |\n")
        p = start(helper, cfg, log, prov)
        time.sleep(0.3)
        with open(log, "a") as f:
            f.write(" [2025-01-01 10:00:00] iteration 2/ 1000 | lm loss: 1.0 |\n")
        silent = time.time()
        events = os.path.join(prov, "events.jsonl")
        when = None
        deadline = time.time() + threshold + 10
        while when is None and time.time() < deadline:
            time.sleep(0.05)
            try:
                for line in open(events):
                    rec = json.loads(line)
                    if rec.get("type") == "stall_detected":
                        when = datetime.datetime.strptime(rec["ts"], "%Y-%m-%dT%H:%M:%S.%fZ")
                        when = when.replace(tzinfo=datetime.timezone.utc).timestamp()
            except (OSError, ValueError):
                pass
        stop(p)
        if when is None:
            sys.exit("no stall_detected record within threshold + 10 s")
        late.append(when - silent - threshold)
    late.sort()
    print("p50_s %.3f max_s %.3f" % (late[len(late) // 2], late[-1]))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"rules": cmd_rules, "drain": cmd_drain, "latency": cmd_latency,
     "quiet": cmd_quiet, "stall": cmd_stall}[cmd](*args)


if __name__ == "__main__":
    main()
