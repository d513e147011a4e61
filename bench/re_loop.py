#!/usr/bin/python3
"""The predecessor's matching, as a baseline for bench_helper.sh.

    re_loop.py PATTERNS_JSON LOG [CHUNK_BYTES]

PATTERNS_JSON is a list of [name, pattern, pattern_type]. Like the
predecessor's watcher (reference-semantics §2, §5.2), each new chunk of
the log is decoded (errors ignored) and every rule's pattern, compiled
with re.MULTILINE (a substring rule re.escape'd), runs finditer over the
whole chunk. The log is taken in chunks of CHUNK_BYTES (default 1 MiB,
cut at a newline) as successive monitor cycles would see it. Prints the
number of matches and the seconds spent, "MATCHES SECONDS".

A faithful model, and the fast one: a loop that searches each rule in
each line separately does the same matching but costs Python a call per
line and rule (on the 100 MB bench log 13.0 s against 8.8 s for this
one). What the predecessor did besides is left out, in its favour:
re-reading the whole log every cycle to find the new text, and the
events and actions.
"""
import json
import re
import sys
import time


def main():
    rules = json.load(open(sys.argv[1]))
    chunk_bytes = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 20
    compiled = []
    for _name, pat, typ in rules:
        compiled.append(re.compile(re.escape(pat) if typ == "substring" else pat,
                                   re.MULTILINE))
    t0 = time.perf_counter()
    n = 0
    rest = b""
    with open(sys.argv[2], "rb") as f:
        while True:
            data = f.read(chunk_bytes)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            text = data[:cut].decode("utf-8", errors="ignore")
            for rx in compiled:
                for _m in rx.finditer(text):
                    n += 1
    if rest:
        text = rest.decode("utf-8", errors="ignore")
        for rx in compiled:
            for _m in rx.finditer(text):
                n += 1
    print(n, "%.3f" % (time.perf_counter() - t0))


if __name__ == "__main__":
    main()
