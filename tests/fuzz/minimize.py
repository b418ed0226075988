#!/usr/bin/python3
"""minimize.py - shrink a fuzz corpus to a small set that keeps its edge coverage.

Usage: minimize.py FUZZER OUTDIR MAXLEN DIR...

libFuzzer's -merge=1 keeps every input that adds a feature (edges and
their hit-count buckets), a few hundred files per target. The committed
corpora (tests/fuzz/corpus/) should be small, so this
  1. runs -merge=1 -use_counters=0 (features are then edges, without
     hit-count buckets) to find the candidates: inputs that add an edge, in
     libFuzzer's smallest-first order;
  2. measures the whole edge set of each candidate alone (a one-input merge
     into an empty corpus lists every feature it reaches as the FT line of
     its control file);
  3. keeps a greedy set cover of those edges: each round, the input that
     covers the most edges not yet covered (the smaller one on a tie).
Every edge any input reaches is still reached; `make fuzz` grows the rest
back from there. Files are named by their SHA-1, as libFuzzer names them.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    fuzzer, outdir, maxlen, dirs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    with tempfile.TemporaryDirectory(prefix="fuzz-min-") as tmp:
        cf, scratch = os.path.join(tmp, "control"), os.path.join(tmp, "out")
        os.mkdir(scratch)
        dirs = [d for d in dirs if os.path.isdir(d)]
        subprocess.run(["nice", "-n", "10", fuzzer, "-merge=1", "-merge_control_file=" + cf, "-timeout=10",
                        "-use_counters=0",
                        "-rss_limit_mb=2048", "-max_len=%d" % maxlen, scratch] + dirs,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        with open(cf) as f:
            lines = f.read().splitlines()
        nfiles = int(lines[0])
        files = lines[2:2 + nfiles]
        cand = sorted({int(ln.split()[1]) for ln in lines[2 + nfiles:]
                       if ln.startswith("FT ") and len(ln.split()) > 2})
        size, cov = {}, {}
        for i in cand:
            if not os.path.exists(files[i]) or os.path.getsize(files[i]) > maxlen:
                continue
            one = os.path.join(tmp, "one")
            shutil.rmtree(one, ignore_errors=True)
            os.mkdir(one)
            shutil.copyfile(files[i], os.path.join(one, "x"))
            cf1, empty = os.path.join(tmp, "control1"), os.path.join(tmp, "empty")
            shutil.rmtree(empty, ignore_errors=True)
            os.mkdir(empty)  # no corpus before it: every edge of the one input is new
            if os.path.exists(cf1):
                os.unlink(cf1)  # an existing control file would make libFuzzer resume the old merge
            subprocess.run(["nice", "-n", "10", fuzzer, "-merge=1", "-merge_control_file=" + cf1, "-timeout=10",
                            "-use_counters=0",
                            "-rss_limit_mb=2048", "-max_len=%d" % maxlen, empty, one],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            with open(cf1) as f:
                edges = set()
                for ln in f:
                    if ln.startswith("FT "):
                        edges |= set(ln.split()[2:])
            if edges:
                cov[i], size[i] = edges, os.path.getsize(files[i])
        covered, chosen = set(), []
        left = dict(cov)
        while left:
            best = max(left, key=lambda i: (len(left[i] - covered), -size[i]))
            gain = left.pop(best) - covered
            if not gain:
                break
            covered |= gain
            chosen.append(best)
        keep = {}
        for i in chosen:  # read first: OUTDIR may be one of the inputs
            with open(files[i], "rb") as f:
                data = f.read()
            keep[hashlib.sha1(data).hexdigest()] = data
        os.makedirs(outdir, exist_ok=True)
        for name in os.listdir(outdir):
            os.unlink(os.path.join(outdir, name))
        for h, data in keep.items():
            with open(os.path.join(outdir, h), "wb") as f:
                f.write(data)
        seen = keep
        total = set().union(*cov.values()) if cov else set()
        print("%s: %d inputs cover %d of %d edges reached by %d inputs" % (
            os.path.basename(fuzzer), len(seen), len(covered), len(total), len(cov)))


if __name__ == "__main__":
    main()
