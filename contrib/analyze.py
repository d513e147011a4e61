#!/usr/bin/env python3
"""Static analysis of lib/, spank/ and helper/ (docs/testing.md).

Usage: contrib/analyze.py [--tool gcc|scan-build] [--list] [BUILDDIR]

Every C file of lib/, helper/ and (when the build has Slurm) spank/ is
compiled with `gcc -fanalyzer` and, under clang's `scan-build`, with the
clang static analyzer, with the flags of the configured BUILDDIR (default
build; `make analyze` passes its own). Each report is keyed by tool, file,
function, check and message (no line number, so that unrelated edits do
not matter) and compared with contrib/analyzer.supp: a report that is not
there is new and fails the run; an entry that matches nothing any more is
listed so that it can be removed. --list prints every report as a
suppression line, to triage. Exit status: 0 clean, 1 new reports, 2 a
file did not compile or a tool is missing.
"""

import argparse
import concurrent.futures
import glob
import os
import plistlib
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPP = os.path.join(SRC, "contrib", "analyzer.supp")
ENV = dict(os.environ, LC_ALL="C")  # plain quotes in gcc's messages


def make_vars(build):
    """The directories to analyze and the preprocessor flags of the build
    (make analyze-flags, contrib/local.mk)."""
    out = subprocess.run(["make", "-s", "-C", build, "analyze-flags"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, check=False)
    if out.returncode != 0:
        sys.exit("analyze: %s is not a configured build: %s"
                 % (build, out.stderr.strip()))
    lines = out.stdout.splitlines()
    return lines[0].split(), lines[1].split()


def sources(dirs):
    files = []
    for d in dirs:
        files += glob.glob(os.path.join(SRC, d, "**", "*.c"), recursive=True)
    return sorted(files)


def rel(path, build):
    path = os.path.normpath(os.path.join(build, path))
    return os.path.relpath(os.path.realpath(path), SRC)


def compile_all(cc, extra, files, flags, build, env):
    """Compile each file (nothing is written); returns [(file, stderr)],
    and exits on a file that does not compile."""
    def one(f):
        r = subprocess.run([cc, "-std=gnu11", "-O2", "-c", "-o", os.devnull]
                           + extra + flags + [f], cwd=build, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, check=False)
        return f, r.returncode, r.stderr
    results = []
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as ex:
        for f, rc, err in ex.map(one, files):
            if rc != 0:
                sys.stderr.write(err)
                print("analyze: %s does not compile with %s" % (f, cc))
                sys.exit(2)
            results.append((f, err))
    return results


GCC_FUNC = re.compile(r"^(.*): In function '([^']*)':$")
GCC_WARN = re.compile(r"^(.*):(\d+):\d+: warning: (.*) \[(-Wanalyzer-[a-z-]+)\]$")


def gcc_reports(files, flags, build):
    """gcc -fanalyzer: [(key, where)] with key (tool, file, function,
    check, message)."""
    extra = ["-fanalyzer", "-fdiagnostics-path-format=none",
             "-fno-diagnostics-show-caret", "-fdiagnostics-color=never",
             "-fdiagnostics-urls=never"]
    reports = []
    for _f, err in compile_all("gcc", extra, files, flags, build, ENV):
        func = "?"
        for line in err.splitlines():
            m = GCC_FUNC.match(line)
            if m:
                # the same function whatever gcc split off or cloned
                func = re.sub(r"\.(part|isra|constprop|cold)\.\d+$", "",
                              m.group(2))
                continue
            m = GCC_WARN.match(line)
            if m:
                msg = re.sub(r" \[CWE-\d+\]$", "", m.group(3))
                path = rel(m.group(1), build)
                reports.append((("gcc", path, func, m.group(4), msg),
                                "%s:%s" % (path, m.group(2))))
    return reports


def scan_reports(files, flags, build):
    """clang's analyzer under scan-build: reports from its plist files."""
    scan = shutil.which("scan-build")
    if not scan:
        print("analyze: scan-build not found (Debian: clang-tools)")
        sys.exit(2)
    out = tempfile.mkdtemp(prefix="analyze.")
    try:
        listing = os.path.join(out, "files")
        with open(listing, "w") as f:
            f.write("\n".join(files) + "\n")
        # scan-build runs this script with CC set to its analyzer wrapper
        driver = ("import os, subprocess, sys\n"
                  "files = open(sys.argv[1]).read().split()\n"
                  "flags = sys.argv[2:]\n"
                  "bad = 0\n"
                  "for f in files:\n"
                  "    bad |= subprocess.call([os.environ['CC'], '-std=gnu11',"
                  " '-O2', '-c', '-o', os.devnull] + flags + [f]) != 0\n"
                  "sys.exit(bad)\n")
        r = subprocess.run([scan, "-plist", "-o", out, "--use-cc=clang",
                            sys.executable, "-c", driver, listing] + flags,
                           cwd=build, env=ENV, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, universal_newlines=True,
                           check=False)
        if r.returncode != 0:
            sys.stdout.write(r.stdout[-4000:])
            print("analyze: scan-build failed")
            sys.exit(2)
        reports = []
        for p in glob.glob(os.path.join(out, "**", "*.plist"), recursive=True):
            with open(p, "rb") as f:
                pl = plistlib.load(f)
            for d in pl.get("diagnostics", []):
                loc = d.get("location", {})
                path = rel(pl["files"][loc.get("file", 0)], build)
                reports.append((("scan-build", path,
                                 d.get("issue_context", "?"),
                                 d.get("check_name", "?"),
                                 d.get("description", "?")),
                                "%s:%s" % (path, loc.get("line", "?"))))
        return reports
    finally:
        shutil.rmtree(out, ignore_errors=True)


def load_supp(path):
    """Suppression entries: key -> reason. Each entry is one line
    `tool | file | function | check | message | reason`."""
    entries = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ", 5)]
            if len(parts) != 6 or not parts[5]:
                sys.exit("%s:%d: want 'tool | file | function | check | "
                         "message | reason' (the reason is required)"
                         % (path, n))
            entries[tuple(parts[:5])] = parts[5]
    return entries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", choices=["gcc", "scan-build"], action="append")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    tools = a.tool or ["gcc", "scan-build"]
    dirs, flags = make_vars(build)
    files = sources(dirs)
    supp = load_supp(SUPP)
    reports = []
    for t in tools:
        found = (gcc_reports if t == "gcc" else scan_reports)(files, flags,
                                                              build)
        print("analyze: %s: %d files of %s, %d reports"
              % ("gcc -fanalyzer" if t == "gcc" else "scan-build",
                 len(files), "/, ".join(dirs) + "/", len(found)))
        reports += found
    if a.list:
        for key, where in sorted(reports):
            print("%s | <reason>    # %s" % (" | ".join(key), where))
        return 0
    new = [(k, w) for k, w in reports if k not in supp]
    seen = {k for k, _w in reports}
    stale = [k for k in supp if k[0] in tools and k not in seen]
    for k in stale:
        print("analyze: no longer reported (remove from %s): %s"
              % (os.path.relpath(SUPP, SRC), " | ".join(k)))
    for (tool, _f, func, check, msg), where in sorted(new, key=lambda r: r[1]):
        print("%s: %s: in %s: %s [%s]" % (where, tool, func, msg, check))
    print("analyze: %d reports, %d suppressed (%s), %d new"
          % (len(reports), len(reports) - len(new),
             os.path.relpath(SUPP, SRC), len(new)))
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
