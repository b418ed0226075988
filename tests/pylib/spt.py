"""spt.py - run spinetap and tshark from the tests.

Environment (set by tests/run.sh): SPINETAP (the binary), SHARED (the shared
directory with captures/public), GEN (spinetap-gen, unused here). Every run
of spinetap is checked the same way: a non-zero exit status, a sanitizer
report or a line that is not JSON raises SpinetapError, so a crash can never
look like "nothing to compare"."""

import glob
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # the repository

SANITIZER_MARKS = ("AddressSanitizer", "runtime error", "LeakSanitizer",
                   "UndefinedBehaviorSanitizer", "MemorySanitizer")


class SpinetapError(Exception):
    pass


def spinetap_path():
    return os.environ.get("SPINETAP") or os.path.join(ROOT, "build", "spinetap")


def shared_dir():
    return os.environ.get("SHARED") or os.path.join(os.path.dirname(ROOT), "shared")


def public_dir():
    return os.path.join(shared_dir(), "captures", "public")


def _captures_under(d):
    out = []
    for ext in ("pcap", "pcapng"):
        out += glob.glob(os.path.join(d, "**", "*." + ext), recursive=True)
    return sorted(set(out))


def public_captures():
    return _captures_under(public_dir())


def sample_captures():
    return _captures_under(os.path.join(ROOT, "samples"))


def have_spinetap():
    p = spinetap_path()
    return os.path.isfile(p) and os.access(p, os.X_OK)


def run(args, timeout=60):
    """Run spinetap with `args`; return (rc, stdout, stderr) as text."""
    p = subprocess.run([spinetap_path()] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def sanitizer_report(text):
    return [m for m in SANITIZER_MARKS if m in text]


def decode_json(path, extra=(), timeout=60):
    """`spinetap decode --json [extra] path` -> list of packet dicts.

    Raises SpinetapError on a non-zero exit, a sanitizer report, a
    non-JSON line or frame numbers that are not 1, 2, 3..."""
    args = ["decode", "--json"] + list(extra) + [path]
    rc, out, err = run(args, timeout)
    if rc != 0:
        raise SpinetapError("spinetap %s: exit %d: %s" % (" ".join(args), rc, err.strip()[-300:]))
    bad = sanitizer_report(err)
    if bad:
        raise SpinetapError("spinetap %s: sanitizer: %s" % (" ".join(args), err.strip()[-600:]))
    pkts = []
    for i, line in enumerate(out.splitlines()):
        if not line.strip():
            continue
        try:
            pkts.append(json.loads(line))
        except ValueError as e:
            raise SpinetapError("spinetap %s: line %d is not JSON (%s): %r"
                                % (" ".join(args), i + 1, e, line[:200]))
    for i, p in enumerate(pkts):
        if p.get("frame") != i + 1:
            raise SpinetapError("spinetap %s: packet %d has frame %r" % (path, i + 1, p.get("frame")))
    return pkts


def ip_layers(pkt):
    """The IP layers of a decoded packet (the `ip` array also holds the
    `program` object after the layer it belongs to; it has no `v`)."""
    return [x for x in pkt.get("ip", []) if "v" in x]


def program_of(pkt):
    for x in pkt.get("ip", []):
        if "hops" in x:
            return x
    return None


# ---- tshark ----

def tshark_path():
    return shutil.which("tshark")


def tshark_fields(path, fields, timeout=60, extra=()):
    """Run `tshark -T fields` with every occurrence of every field; return a
    list (one per frame) of dicts field -> list of strings (empty fields are
    left out). The first field is always frame.number, checked to be 1..N."""
    cmd = [tshark_path(), "-n", "-r", path, "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=\x1f", "-E", "separator=\x1e", "-e", "frame.number"]
    cmd += list(extra)
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("tshark on %s: exit %d: %s" % (path, p.returncode,
                                                           p.stderr.decode("utf-8", "replace")[-300:]))
    frames = []
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        if not line:
            continue
        cols = line.split("\x1e")
        num = int(cols[0])
        if num != len(frames) + 1:
            raise RuntimeError("tshark on %s: frame %d out of order" % (path, num))
        d = {}
        for f, v in zip(fields, cols[1:]):
            if v != "":
                d[f] = v.split("\x1f")
        frames.append(d)
    return frames


def tshark_fields_many(paths, fields, tmpdir, timeout=120):
    """tshark_fields() for many files with one tshark run: the files are
    concatenated in order with `mergecap -a` into one pcapng (one interface
    per link type), and the frames are split back by each file's record
    count. Falls back to one run per file when mergecap is missing or the
    counts do not add up. Returns {path: frames}."""
    from . import pcapio
    counts = {}
    for p in paths:
        try:
            counts[p] = len(pcapio.read_pcap(p)[1])
        except (ValueError, OSError):
            counts[p] = None
    mergecap = shutil.which("mergecap")
    if mergecap and paths and all(c is not None for c in counts.values()):
        out = os.path.join(tmpdir, "all.pcapng")
        r = subprocess.run([mergecap, "-a", "-F", "pcapng", "-w", out] + list(paths),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if r.returncode == 0:
            frames = tshark_fields(out, fields, timeout=timeout)
            if len(frames) == sum(counts.values()):
                res, i = {}, 0
                for p in paths:
                    res[p] = frames[i:i + counts[p]]
                    i += counts[p]
                return res
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        frames = list(ex.map(lambda p: tshark_fields(p, fields, timeout=timeout), paths))
    return dict(zip(paths, frames))


def main_guard(main, tap):
    """Run a test's main() and exit with its status; a SpinetapError (spinetap
    crashed, or printed what a test cannot read) is one failed check, not a
    traceback."""
    try:
        sys.exit(main())
    except SpinetapError as e:
        tap.ok(False, "spinetap ran", str(e))
        sys.exit(tap.done())
