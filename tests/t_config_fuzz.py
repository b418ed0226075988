#!/usr/bin/python3
"""t_config_fuzz.py - mutated configs never crash the loader.

A deterministic mutation fuzzer (fixed seed) over the sample configs
(samples/*.yaml, samples/fabric-inout/lab.yaml): byte flips, YAML
punctuation inserted, spans deleted or duplicated, lines swapped or
re-indented with tabs, cuts at random points, scalars replaced by hostile
values (huge, negative, 200-character names, /0 and /128 blocks, NUL
bytes, invalid UTF-8), anchors and aliases, repeated sections and keys,
deep nesting, a second document. Each of about 300 configs is given to
`spinetap decode -c bad.yaml samples/origin-lab.pcap`:
  - never a signal, never a sanitizer report, never a hang;
  - exit status 0 (the mutation left a valid config) or 2;
  - on 2, one message "spinetap: bad.yaml:LINE:COL: ..." or
    "spinetap: bad.yaml: ..." naming the file.
The libFuzzer target tests/fuzz/fuzz_config.c does the same at scale.
"""

import concurrent.futures
import glob
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import spt, tap  # noqa: E402

T = tap.Tap()
N = 300
PUNCT = [b"{", b"}", b"[", b"]", b":", b",", b"&a ", b"*a", b"!!str ", b"|", b">", b"'", b"\"", b"#", b"- ",
         b"? ", b"\t", b"\n", b"%YAML 1.1\n", b"@", b"`", b"---\n", b"...\n", b"<<: *a\n"]
HOSTILE = [b"99999999999999999999999", b"-1", b"0x", b"0xffffffffff", b"1e400", b"nan", b"~", b"null", b"''",
           b"x" * 200, b"::/0", b"fcbb:bbbb::/128", b"fcbb:bbbb::1/32", b"10.0.0.0/33", b"\0", b"\xff\xfe",
           b"\xc3\x28", b"[]", b"{}", b"[[[]]]", b"*", b"spine*", b"0-", b"-5", b"5-1", b"0x0", b"true",
           b"\"\\u0000\"", b"!!binary AAAA", b"&x [*x]"]


def mutate(rng, base):
    b = bytearray(base)
    for _ in range(rng.randint(1, 4)):
        k = rng.randrange(10)
        pos = rng.randrange(len(b) + 1)
        if k == 0 and b:                                        # flip a byte
            b[min(pos, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif k == 1:                                            # YAML punctuation
            b[pos:pos] = rng.choice(PUNCT)
        elif k == 2 and b:                                      # delete a span
            b[pos:pos + rng.randint(1, 40)] = b""
        elif k == 3 and b:                                      # duplicate a span
            end = min(len(b), pos + rng.randint(1, 80))
            b[end:end] = b[pos:end]
        elif k == 4:                                            # cut the file
            del b[pos:]
        elif k == 5:                                            # a scalar after a colon -> hostile
            m = [x.end() for x in re.finditer(rb": ", bytes(b))]
            if m:
                at = rng.choice(m)
                end = at
                while end < len(b) and b[end:end + 1] not in (b",", b"}", b"\n", b"]"):
                    end += 1
                b[at:end] = rng.choice(HOSTILE)
        elif k == 6:                                            # swap two lines / re-indent one with a tab
            lines = bytes(b).split(b"\n")
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            if rng.random() < 0.5:
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines[i] = b"\t" + lines[i].lstrip(b" ")
            b = bytearray(b"\n".join(lines))
        elif k == 7:                                            # repeat a whole section or key line
            lines = bytes(b).split(b"\n")
            i = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[i])
            b = bytearray(b"\n".join(lines))
        elif k == 8:                                            # deep nesting
            d = rng.choice((50, 500, 5000))
            b[pos:pos] = b"[" * d + b"]" * d
        else:                                                   # another document / anchors
            b += rng.choice((b"\n---\nusid: {}\n", b"\nextra: &a { x: *a }\n", b"\n...\n", b"\0"))
    return bytes(b)


def main():
    if not spt.have_spinetap():
        T.skip("config fuzz", "no spinetap binary")
        return T.done()
    bases = []
    for y in sorted(glob.glob(os.path.join(spt.ROOT, "samples", "**", "*.yaml"), recursive=True)):
        with open(y, "rb") as f:
            bases.append(f.read())
    pcap = os.path.join(spt.ROOT, "samples", "origin-lab.pcap")
    rng = random.Random(20261125)
    bad = []
    n_ok = n_err = 0
    with tempfile.TemporaryDirectory(prefix="spinetap-cfgfuzz-") as tmp:
        paths = []
        for i in range(N):
            cfg = os.path.join(tmp, "bad%03d.yaml" % i)
            with open(cfg, "wb") as f:
                f.write(mutate(rng, rng.choice(bases)))
            paths.append(cfg)

        def one(cfg):
            try:
                p = subprocess.run([spt.spinetap_path(), "decode", "-q", "-c", cfg, pcap], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=30)
                return p.returncode, p.stderr.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                return None, "timeout"

        # Two at a time: the sanitized build spends most of a run starting up.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(one, paths))
        for i, (cfg, (rc, err)) in enumerate(zip(paths, results)):
            want = re.compile(r"^spinetap: " + re.escape(cfg) + r":(\d+:\d+:)? \S")
            problem = None
            if rc is None or rc < 0:
                problem = "killed by a signal or hung (rc %r)" % rc
            elif spt.sanitizer_report(err):
                problem = "sanitizer report"
            elif rc == 2:
                first = err.splitlines()[0] if err else ""
                if not want.match(first):
                    problem = "message does not name the file: %r" % first[:200]
                n_err += 1
            elif rc == 0:
                n_ok += 1
            else:
                problem = "exit status %d" % rc
            if problem:
                keep = os.path.join(tempfile.gettempdir(), "spinetap-cfgfuzz-%d.yaml" % i)
                shutil.copyfile(cfg, keep)
                bad.append("config %d (kept as %s): %s; stderr %r" % (i, keep, problem, err[-300:]))
        T.diag("%d mutated configs: %d loaded, %d refused with a message" % (N, n_ok, n_err))
        T.ok(not bad, "%d mutated configs: exit 0 or 2, a message naming the file, never a crash" % N, bad)
        T.ok(n_err > N // 2, "most mutations are refused (the mutator is not a no-op)", "%d refused" % n_err)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
