#!/usr/bin/python3
"""bench.py - spinetap's speed and memory, as ratios against references
measured in the same run (ISSUE: benchmarks).

Inputs (made by spinetap-gen, cached in bench/cache/):
  ref2m   2M packets, 1,024 QPs, H.Encaps.Red, snaplen 128 (the reference file),
          both spines' taps merged in one file; ref2m.d/ holds the same
          packets as one file per tap (spine1.pcap, spine2.pcap)
  srh2m   the same traffic with SRH programs (H.Encaps + SRH) and a VLAN tag
  ref4m   4M packets of the reference traffic
  qp1k, qp100k, qp1m   2M packets over 1,000, 100,000 and 1,000,000 connections
Runs, each repeated BENCH_REPEAT times (median):
  floor (bare libpcap pcap_loop counting), spinetap decode -q on the merged
  file; spinetap analyze of the two tap files with the fabric config and its
  policies (every packet judged), writing SQLite and -d :memory:, against the
  floor over the same two files; and on a 200k-packet slice tshark -T fields
  and tcpdump -nn -r.
Live (root only): tcpreplay --topspeed into a veth pair, spinetap capture on
the peer: rate reached, packets lost, CPU per packet of the capture worker.
The table goes to stdout and to bench/latest.md.
"""
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, "cache")
SPINETAP = os.environ.get("SPINETAP", os.path.join(HERE, "..", "build", "spinetap"))
GEN = os.environ.get("GEN", os.path.join(HERE, "..", "build", "spinetap-gen"))
FLOOR = os.path.join(CACHE, "floor")
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
QUICK = os.environ.get("BENCH_QUICK") == "1"
SCALE = 10 if QUICK else 1

INPUTS = {
    "ref2m": ["--qps", "1024", "--packets", str(2000000 // SCALE)],
    # H.Encaps with an SRH and a VLAN tag: 146 bytes of headers before the BTH, so a
    # snaplen of 256 (capture's default) rather than 128
    "srh2m": ["--qps", "1024", "--packets", str(2000000 // SCALE), "--style", "encap", "--vlan", "100"],
    "ref4m": ["--qps", "1024", "--packets", str(4000000 // SCALE)],
    "qp1k": ["--qps", "1000", "--packets", str(2000000 // SCALE), "--seed", "7"],
    "qp100k": ["--qps", "100000", "--packets", str(2000000 // SCALE), "--seed", "7"],
    "qp1m": ["--qps", str(1000000 // SCALE), "--packets", str(2000000 // SCALE), "--seed", "7"],
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


PER_TAP = ("ref2m", "srh2m", "ref4m")  # also written one file per tap, in NAME.d/


def make_inputs():
    paths = {}
    for name, args in INPUTS.items():
        pcap = os.path.join(CACHE, f"{name}{'-quick' if QUICK else ''}.pcap")
        cfg = pcap[:-5] + ".yaml"
        snap = "256" if name == "srh2m" else "128"
        if not (os.path.exists(pcap) and os.path.exists(cfg)):
            log(f"bench: generating {pcap}")
            subprocess.run([GEN, "--snaplen", snap, "-w", pcap, "--config-out", cfg] + args,
                           check=True, stdout=subprocess.DEVNULL)
        tapdir = pcap[:-5] + ".d"
        if name in PER_TAP and not os.path.exists(os.path.join(tapdir, "lab.yaml")):
            log(f"bench: generating {tapdir}/")
            subprocess.run([GEN, "--snaplen", snap, "--out-dir", tapdir] + args,
                           check=True, stdout=subprocess.DEVNULL)
        paths[name] = (pcap, cfg)
    return paths


def tap_args(pcap):
    """The per-tap files of an input (PCAP[:-5].d/) as spinetap arguments TAP=FILE, and the files."""
    d = pcap[:-5] + ".d"
    files = sorted(f for f in os.listdir(d) if f.endswith(".pcap"))
    return [f"{f[:-5]}={os.path.join(d, f)}" for f in files], [os.path.join(d, f) for f in files]


def timed(cmd, packets=None):
    """Run a command under /usr/bin/time: (wall seconds, peak RSS KiB, stdout)."""
    fd, tfile = tempfile.mkstemp()
    os.close(fd)
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tfile] + cmd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    with open(tfile) as f:
        rss = int(f.read().strip().splitlines()[-1])
    os.unlink(tfile)
    if r.returncode not in (0, 1):
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return wall, rss, r.stdout


def median_run(cmd, repeat=REPEAT):
    walls, rss = [], []
    for _ in range(repeat):
        w, m, _ = timed(cmd)
        walls.append(w)
        rss.append(m)
    return statistics.median(walls), max(rss)


def count_packets(*pcaps):
    out = subprocess.run([FLOOR, *pcaps], stdout=subprocess.PIPE, check=True).stdout
    return int(out.strip())


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Linux {platform.release()}"


def live_bench(ref):
    """tcpreplay --topspeed into a veth pair; spinetap capture on the peer."""
    if os.geteuid() != 0 or not shutil.which("tcpreplay"):
        return None, "skipped (needs root and tcpreplay)"
    ns = f"stbench{os.getpid()}"
    sh = lambda *c: subprocess.run(list(c), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tmp = tempfile.mkdtemp()
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "add", "name", "rp0", "type", "veth", "peer", "name", "rp1")
        sh("ip", "-n", ns, "link", "set", "dev", "rp0", "up")
        sh("ip", "-n", ns, "link", "set", "dev", "rp1", "up")
        # A slice of the reference file, its records padded back to full frames by tcpreplay.
        slice_ = os.path.join(tmp, "live.pcap")
        subprocess.run(["editcap", "-r", ref, slice_, f"1-{300000 // SCALE}"], check=True,
                       stdout=subprocess.DEVNULL)
        db = os.path.join(tmp, "live.db")
        cap = subprocess.Popen([SPINETAP, "capture", "-d", db, "--json", "-i", f"live={ns}/rp1",
                                "--duration", "30"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        t0 = time.perf_counter()
        r = subprocess.run(["ip", "netns", "exec", ns, "tcpreplay", "--topspeed", "-i", "rp0", slice_],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - t0
        time.sleep(1.5)
        cap.send_signal(2)
        out, err = cap.communicate(timeout=60)
        summ = json.loads(out)
        m = re.search(r"Actual: (\d+) packets.*?([\d.]+) seconds", r.stdout, re.S)
        sent = int(m.group(1)) if m else count_packets(slice_)
        secs = float(m.group(2)) if m else wall
        tap = summ["taps"][0]
        got = tap["packets"]
        return {
            "cpu_ns_per_packet": tap.get("worker", {}).get("cpu_ns_per_packet", 0),
            "sent": sent, "seconds": secs, "rate": sent / secs if secs else 0,
            "captured": got, "kernel_dropped": tap["kernel_dropped"],
            "lost": tap["kernel_dropped"] + max(0, sent - got - tap["kernel_dropped"]),
            "analyzed": summ["accounted"],
        }, None
    finally:
        subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    os.makedirs(CACHE, exist_ok=True)
    inputs = make_inputs()
    ref, refcfg = inputs["ref2m"]
    n_ref = count_packets(ref)
    tmpdir = tempfile.mkdtemp()
    db = os.path.join(tmpdir, "bench.db")

    def fresh_db():
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)

    # The analyzer reads one file per tap, as users give it; its floor reads the same files.
    ref_taps, ref_files = tap_args(ref)
    n_taps = count_packets(*ref_files)
    if n_taps != n_ref:
        raise SystemExit(f"bench: ref2m.d/ holds {n_taps} packets, ref2m.pcap {n_ref}")
    srh, srhcfg = inputs["srh2m"]
    srh_taps, srh_files = tap_args(srh)
    n_srh = count_packets(*srh_files)
    # Round-robin: every repetition runs each command once, so a noisy spell on
    # this shared machine slows every row alike instead of one.
    cmds = {
        "floor": ([FLOOR, ref], None),
        "decode": ([SPINETAP, "decode", "-q", ref], None),
        "tfloor": ([FLOOR] + ref_files, None),
        "an_db": ([SPINETAP, "analyze", "-q", "-c", refcfg, "-d", db] + ref_taps, fresh_db),
        "an_mem": ([SPINETAP, "analyze", "-q", "-c", refcfg, "-d", ":memory:"] + ref_taps, None),
        "srh_floor": ([FLOOR] + srh_files, None),
        "srh": ([SPINETAP, "analyze", "-q", "-c", srhcfg, "-d", ":memory:"] + srh_taps, None),
    }
    runs = {k: ([], []) for k in cmds}
    for _ in range(REPEAT):
        for k, (cmd, before) in cmds.items():
            if before:
                before()
            w, m, _ = timed(cmd)
            runs[k][0].append(w)
            runs[k][1].append(m)
    res = {k: (statistics.median(w), max(m)) for k, (w, m) in runs.items()}
    floor_w, floor_m = res["floor"]
    tf_w, tf_m = res["tfloor"]
    srh_floor_w = res["srh_floor"][0]
    srh_w, srh_m = res["srh"]
    mem_w, mem_m = res["an_mem"]
    rows = [
        ("floor: libpcap pcap_loop, count only", n_ref, floor_w, floor_m),
        ("spinetap decode -q", n_ref, *res["decode"]),
        ("floor over the two tap files", n_ref, tf_w, tf_m, tf_w),
        ("spinetap analyze -c (2 taps, policies) -d file.db", n_ref, *res["an_db"], tf_w),
        ("spinetap analyze -c (2 taps, policies) -d :memory:", n_ref, *res["an_mem"], tf_w),
    ]
    log("bench: spinetap runs done")

    # tshark and tcpdump on a 200k slice (they are slow).
    slice_ = os.path.join(tmpdir, "slice.pcap")
    n_slice = 200000 // SCALE
    subprocess.run(["editcap", "-r", ref, slice_, f"1-{n_slice}"], check=True, stdout=subprocess.DEVNULL)
    tshark = shutil.which("tshark")
    tcpdump = shutil.which("tcpdump")
    peers = []
    if tshark:
        w, m = median_run([tshark, "-r", slice_, "-T", "fields", "-e", "ipv6.dst", "-e", "infiniband.bth.destqp",
                           "-e", "infiniband.bth.psn", "-e", "infiniband.bth.opcode"], repeat=min(REPEAT, 3))
        peers.append(("tshark -T fields (200k slice)", n_slice, w, m))
    if tcpdump:
        w, m = median_run([tcpdump, "-nn", "-r", slice_], repeat=min(REPEAT, 3))
        peers.append(("tcpdump -nn -r (200k slice)", n_slice, w, m))
    log("bench: peers done")

    # Memory: 4M vs 2M of the same traffic, and bytes per tracked QP.
    r4, r4cfg = inputs["ref4m"]
    n4 = count_packets(r4)
    w4, m4 = median_run([SPINETAP, "analyze", "-q", "-c", r4cfg, "-d", ":memory:"] + tap_args(r4)[0],
                        repeat=min(REPEAT, 3))
    qpm = {}
    for name in ("qp1k", "qp100k", "qp1m"):
        p, c = inputs[name]
        w, m = median_run([SPINETAP, "analyze", "-q", "-c", c, "-d", ":memory:", p], repeat=min(REPEAT, 3))
        js = subprocess.run([SPINETAP, "analyze", "-d", ":memory:", "--json", p],
                            stdout=subprocess.PIPE, check=False).stdout
        # QP records tracked: a generated connection gives one per direction that carried packets
        qpm[name] = (w, m, json.loads(js)["table"]["qps"])
    n_qp1k = qpm["qp1k"][2]
    n_qp100k = qpm["qp100k"][2]
    n_qp1m = qpm["qp1m"][2]
    bytes_per_qp = (qpm["qp1m"][1] - qpm["qp1k"][1]) * 1024 / (n_qp1m - n_qp1k)
    bytes_per_qp_100k = (qpm["qp100k"][1] - qpm["qp1k"][1]) * 1024 / (n_qp100k - n_qp1k)
    live, live_why = live_bench(ref)
    shutil.rmtree(tmpdir, ignore_errors=True)

    tshark_rate = next((n / w for (name, n, w, _) in peers if name.startswith("tshark")), None)
    # Each row's ratio is against the floor over the same files: the merged file, or the tap files.
    floor_rate = n_ref / floor_w
    lines = []
    lines.append(f"Benchmark of {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}")
    lines.append(f"reference file: {n_ref:,} packets, 1,024 QPs, RoCEv2 over uSID (H.Encaps.Red), snaplen 128;"
                 f" median of {REPEAT} runs{' (QUICK: inputs 1/10)' if QUICK else ''}")
    lines.append("")
    lines.append("| run | packets | Mpps | x floor | x tshark | peak RSS |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for row in rows + peers:
        name, n, w, m = row[:4]
        fr = n_ref / row[4] if len(row) > 4 else floor_rate
        rate = n / w
        xt = f"{rate / tshark_rate:.0f}" if tshark_rate else "-"
        lines.append(f"| {name} | {n:,} | {rate / 1e6:.2f} | {rate / fr:.2f} | {xt} | {m / 1024:.1f} MiB |")
    lines.append(f"| spinetap analyze -c (2 taps, policies) -d :memory:, SRH + VLAN traffic (snaplen 256) | {n_srh:,} | {n_srh / srh_w / 1e6:.2f} |"
                 f" {(n_srh / srh_w) / (n_srh / srh_floor_w):.2f} (its own floor) | "
                 f"{(n_srh / srh_w) / tshark_rate:.0f} | {srh_m / 1024:.1f} MiB |" if tshark_rate else "")
    lines.append("")
    lines.append(f"memory: analyze peak RSS {mem_m / 1024:.1f} MiB for {n_ref:,} packets, {m4 / 1024:.1f} MiB for"
                 f" {n4:,} packets of the same traffic ({(m4 - mem_m) * 100 / mem_m:+.1f}%)")
    lines.append(f"memory per QP: peak RSS {qpm['qp1k'][1] / 1024:.1f} MiB with {n_qp1k:,} QP records tracked,"
                 f" {qpm['qp100k'][1] / 1024:.1f} MiB with {n_qp100k:,}, {qpm['qp1m'][1] / 1024:.1f} MiB with {n_qp1m:,}"
                 f" (2M packets each): {bytes_per_qp:.0f} bytes of RSS per tracked QP from the 1k and 1M-QP runs"
                 f" ({bytes_per_qp_100k:.0f} from the 1k and 100k-QP runs)")
    if live:
        lines.append(f"live: tcpreplay --topspeed {live['sent']:,} packets in {live['seconds']:.2f} s"
                     f" ({live['rate'] / 1e6:.3f} Mpps) into a veth pair; spinetap capture got"
                     f" {live['captured']:,}, kernel drops {live['kernel_dropped']}, lost {live['lost']};"
                     f" capture worker CPU {live['cpu_ns_per_packet']:.0f} ns/packet")
    else:
        lines.append(f"live: {live_why}")
    text = "\n".join(l for l in lines if l is not None)
    print(text)
    with open(os.path.join(HERE, "latest.md"), "w") as f:
        f.write("# Latest benchmark (`make bench`)\n\n" + text + "\n")


if __name__ == "__main__":
    main()
