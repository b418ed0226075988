#!/usr/bin/python3
"""t_hostile_packets.py - packets built to break the dissectors.

1. Every malformed public capture (SOURCES.md section (e), the HMAC and
   type-0 routing header captures): decoded and analyzed with no crash and
   no sanitizer report; each frame's status and cause as t_malformed.py
   derives them from the bytes (its table is reused when it imports), and
   analyze counts the same causes as decode.
2. Generated frames, one per hostile shape, each with the status and cause
   it must be counted under (decode --json) and all of them together in
   one capture whose analyze JSON `causes` must count exactly those:
     an SRH with Last Entry 255 in a short header; Segments Left > Last
     Entry + 1; Hdr Ext Len 0 with Segments Left 1; a chain of 100
     extension headers; 10 stacked VLAN tags (Ethernet and SLL); a BTH in
     a UDP datagram cut short (by the capture, and by the UDP length); an
     ACK whose UDP length leaves no room for its AETH; a CNP short of its
     16 reserved bytes, and one too long; and a few neighbours (UDP length
     below 8, an IPv6 payload length past the frame, IHL 4, a pad count
     past the payload).
3. A uSID block of /0 or /128, in a config and on the command line: refused
   with a message and exit status 2.
4. Nothing is read past a buffer: every run is checked for sanitizer
   reports (the sanitized build under SANITIZE), every generated frame is
   replayed through the fuzz replay program (an exact-size heap block per
   frame), and, when valgrind is installed, a few runs of the plain build
   go through memcheck as well (through a pipe, so the frames sit in a heap
   buffer rather than a mapped file).
"""

import collections
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pylib import pcapio, spt, tap  # noqa: E402

T = tap.Tap()
ROOT = spt.ROOT
TCPD = os.path.join(spt.public_dir(), "the-tcpdump-group__tcpdump")
MALFORMED_PUBLIC = ["ipv6-srh-tlv-pad1-padn-5-trunc.pcap", "ipv6-rthdr-oobr.pcap", "isis-seg-fault-1.pcapng",
                    "isis-seg-fault-2.pcapng", "isis-seg-fault-3.pcapng", "isis_stlv_asan.pcap",
                    "isis-extd-ipreach-oobr.pcap", "ipv6-srh-tlv-hmac.pcap", "ipv6-routing-header.pcap"]


# ---- frame builders (big-endian wire formats, byte for byte) ----

MAC = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
H1 = bytes.fromhex("20010db8001000000000000000000002")   # 2001:db8:10::2
H2 = bytes.fromhex("20010db8002000000000000000000002")   # 2001:db8:20::2
CARRIER = bytes.fromhex("fcbbbbbb100100020000000000000000")  # fcbb:bbbb:1001:2::


def eth(etype):
    return MAC + struct.pack(">H", etype)


def ipv6(plen, nh, src=H1, dst=CARRIER):
    return struct.pack(">IHBB", 0x60000000, plen, nh, 64) + src + dst


def ipv4(total, proto=17, ihl=5):
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, 0x4000, 64, proto, 0,
                       b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02")


def udp(ulen, dport=4791):
    return struct.pack(">HHHH", 0xC000, dport, ulen, 0)


def bth(op, dqpn=0x31, psn=7, pad=0):
    return struct.pack(">BBHBBHBBH", op, pad << 4, 0xFFFF, 0, dqpn >> 16, dqpn & 0xFFFF, 0x80,
                       psn >> 16, psn & 0xFFFF)


def srh(nh, hdrlen, sl, last, segs):
    return struct.pack(">BBBBBBH", nh, hdrlen, 4, sl, last, 0, 0) + b"".join(segs)


def roce_v6(roce, nh_chain=b"", first_nh=17):
    """Ethernet | IPv6 | nh_chain | UDP | roce (roce includes the ICRC bytes)."""
    u = udp(8 + len(roce)) + roce
    return eth(0x86DD) + ipv6(len(nh_chain) + len(u), first_nh) + nh_chain + u


ACK = bth(0x11) + b"\x00\x00\x00\x05" + b"\0" * 4          # BTH | AETH | ICRC
WRITE = bth(0x0A) + struct.pack(">QII", 0x7F0000000000, 0x10000, 8) + b"\xab" * 8 + b"\0" * 4


def generated():
    """(name, linktype, frame, wirelen or None, status, cause)."""
    out = []

    def add(name, frame, status, cause, lt=1, wire=None):
        out.append((name, lt, frame, wire, status, cause))

    seg = [H2, CARRIER]
    # Last Entry 255 wants 256 segments (4096 bytes); the header holds one (Hdr Ext Len 2).
    s = srh(17, 2, 0, 255, [H2])
    add("SRH Last Entry 255 in a one-segment header", roce_v6(ACK, s, 43), "malformed", "srh_segments_overrun")
    # Hdr Ext Len 255 (2048 bytes) that the IPv6 payload does not hold.
    s = srh(17, 255, 0, 255, [H2] * 3)
    add("SRH Hdr Ext Len 255 past the IPv6 payload", roce_v6(ACK, s, 43), "malformed", "ipv6_ext_overrun")
    # Hdr Ext Len 255, Last Entry 255, declared whole but captured only in part.
    s = srh(17, 255, 0, 255, [H2] * 127)
    full = eth(0x86DD) + ipv6(len(s) + 8 + len(ACK), 43) + s + udp(8 + len(ACK)) + ACK
    add("SRH Last Entry 255, header declared whole, capture cut", full[:200], "malformed",
        "srh_segments_overrun", wire=len(full))
    add("SRH Segments Left 3 > Last Entry 1 + 1", roce_v6(ACK, srh(17, 4, 3, 1, seg), 43), "malformed",
        "srh_sl_exceeds_last_entry")
    add("SRH Segments Left 255, Last Entry 0", roce_v6(ACK, srh(17, 2, 255, 0, [H2]), 43), "malformed",
        "srh_sl_exceeds_last_entry")
    add("SRH Hdr Ext Len 0 with Segments Left 1", roce_v6(ACK, srh(17, 0, 1, 0, []), 43), "malformed",
        "srh_segments_overrun")
    add("SRH Segments Left = Last Entry + 1 (reduced): fine", roce_v6(ACK, srh(17, 4, 2, 1, seg), 43), "ok",
        "ok")
    chain = b"".join(struct.pack(">BB6s", 60 if i < 99 else 17, 0, b"\x01\x04\0\0\0\0") for i in range(100))
    add("100 Destination Options headers", roce_v6(ACK, chain, 60), "malformed", "ipv6_ext_chain_too_long")
    hbh = b"".join(struct.pack(">BB6s", 0 if i < 99 else 17, 0, b"\x01\x04\0\0\0\0") for i in range(100))
    add("100 Hop-by-Hop headers", roce_v6(ACK, hbh, 0), "malformed", "ipv6_ext_chain_too_long")
    v6 = roce_v6(ACK)[14:]
    tags = b"".join(struct.pack(">HH", 100 + i, 0x8100 if i < 9 else 0x86DD) for i in range(10))
    add("10 stacked VLAN tags", MAC + b"\x81\x00" + tags + v6, "malformed", "vlan_too_many")
    add("10 stacked 802.1ad/802.1Q tags", MAC + b"\x88\xa8" + tags + v6, "malformed", "vlan_too_many")
    sll = struct.pack(">HHH8s", 0, 1, 6, b"\2\0\0\0\0\1") + b"\x81\x00"
    add("10 VLAN tags after an SLL header", sll + tags + v6, "malformed", "vlan_too_many", lt=113)
    # The fuzzers' find: Ethernet carried in IPv6 (NH 143) under an SLL header with 3 tags.
    inner = MAC + b"\x81\x00\x00\x05\x81\x00\x00\x06\x81\x00\x00\x07\x08\x00" + bytes(20)
    sll3 = sll + b"\x00\x01\x81\x00\x00\x02\x81\x00\x00\x03\x86\xdd"
    add("SLL, 3 tags, IPv6, Ethernet (NH 143) with 3 tags", sll3 + ipv6(len(inner), 143) + inner,
        "malformed", "ipv4_version", lt=113)
    full = roce_v6(WRITE)
    add("BTH cut by the capture inside a UDP datagram", full[:14 + 40 + 8 + 6], "truncated", "bth_truncated",
        wire=len(full))
    short = eth(0x86DD) + ipv6(8 + 6, 17) + udp(8 + 6) + bth(0x0A)[:6]
    add("BTH in a UDP datagram of 6 bytes (UDP length 14)", short, "malformed", "roce_too_short")
    ack = bth(0x11) + b"\0" * 4
    add("ACK without its AETH (UDP length 24)", roce_v6(ack), "malformed", "roce_ext_overrun")
    add("ACK with 2 bytes of AETH", roce_v6(bth(0x11) + b"\0\0" + b"\0" * 4), "malformed", "roce_ext_overrun")
    add("CNP with 8 of its 16 reserved bytes", roce_v6(bth(0x81) + b"\0" * 8 + b"\0" * 4), "malformed", "cnp_len")
    add("CNP with no reserved bytes", roce_v6(bth(0x81) + b"\0" * 4), "malformed", "cnp_len")
    add("CNP with 20 reserved bytes", roce_v6(bth(0x81) + b"\0" * 20 + b"\0" * 4), "malformed", "cnp_len")
    u = udp(4) + ACK
    add("UDP length 4", eth(0x86DD) + ipv6(len(u), 17) + u, "malformed", "udp_len")
    u = udp(8 + len(ACK)) + ACK
    add("IPv6 payload length past the frame", eth(0x86DD) + ipv6(len(u) + 100, 17) + u, "malformed",
        "ipv6_payload_len")
    u = udp(8 + len(ACK)) + ACK
    add("IPv4 IHL 4", eth(0x0800) + ipv4(20 + len(u), ihl=4) + u, "malformed", "ipv4_ihl")
    add("BTH pad count past the payload", roce_v6(bth(0x04, pad=3) + b"\0" * 2 + b"\0" * 4), "malformed",
        "bth_pad_overrun")
    add("RoCE ACK, whole: fine", roce_v6(ACK), "ok", "ok")
    return out


# ---- running ----

def run(cmd, stdin=None, timeout=60):
    try:
        p = subprocess.run(cmd, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return None, "", "timeout"


def clean(label, rc, err, want_rc=0):
    ok = rc == want_rc and not spt.sanitizer_report(err)
    T.ok(ok, "%s: exit %d, no crash, no sanitizer report" % (label, want_rc), "rc %r: %s" % (rc, err[-600:]))
    return ok


def decode_lines(out):
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


def write_pcap(path, frames, lt):
    pcapio.write_pcap(path, [(f, w if w is not None else len(f)) for f, w in frames], linktype=lt)


def check_public(tmp):
    expect = {}
    try:
        import t_malformed  # noqa: E402  (its table of statuses, derived from the bytes)
        for name, frame, status, cause, _ in t_malformed.PUBLIC:
            expect[(name, frame)] = (status, cause)
    except Exception as e:  # its table is a bonus: the crash checks below stand alone
        T.diag("t_malformed.py not importable (%s): checking for crashes only" % e)
    for name in MALFORMED_PUBLIC:
        path = os.path.join(TCPD, name)
        if not os.path.exists(path):
            T.skip(name, "missing: %s" % path)
            continue
        rc, out, err = run([spt.spinetap_path(), "decode", "--json", path])
        if not clean("%s: decode" % name, rc, err):
            continue
        pk = decode_lines(out)
        for i, p in enumerate(pk):
            if (name, i + 1) in expect:
                want = expect[(name, i + 1)]
                T.ok((p["status"], p["cause"]) == want, "%s#%d: %s %s" % (name, i + 1, want[0], want[1]),
                     "ours %s %s" % (p["status"], p["cause"]))
        rc, out, err = run([spt.spinetap_path(), "analyze", "--json", "-d", ":memory:", path])
        if not clean("%s: analyze" % name, rc, err):
            continue
        rep = json.loads(out)
        want = collections.Counter(p["cause"] for p in pk if p["status"] != "ok")
        T.ok(rep.get("causes") == dict(want) and rep.get("packets") == len(pk),
             "%s: analyze counts the causes decode gives" % name, "analyze %r, decode %r" % (rep.get("causes"),
                                                                                         dict(want)))


def check_generated(tmp):
    cases = generated()
    by_lt = collections.defaultdict(list)
    for c in cases:
        by_lt[c[1]].append(c)
    total = collections.Counter()
    files = []
    for lt, cs in sorted(by_lt.items()):
        path = os.path.join(tmp, "hostile-lt%d.pcap" % lt)
        write_pcap(path, [(c[2], c[3]) for c in cs], lt)
        files.append(path)
        rc, out, err = run([spt.spinetap_path(), "decode", "--json", path])
        if not clean("generated frames (link type %d): decode" % lt, rc, err):
            continue
        pk = decode_lines(out)
        T.ok(len(pk) == len(cs), "link type %d: every frame decoded" % lt, "%d of %d" % (len(pk), len(cs)))
        for c, p in zip(cs, pk):
            name, _, _, _, status, cause = c
            T.ok((p["status"], p["cause"]) == (status, cause), "%s: %s %s" % (name, status, cause),
                 "ours %s %s" % (p["status"], p["cause"]))
            if status != "ok":
                total[cause] += 1
        # Text output too (-vv), the other renderer.
        rc, out, err = run([spt.spinetap_path(), "decode", "-vv", path])
        clean("generated frames (link type %d): decode -vv" % lt, rc, err)
    rc, out, err = run([spt.spinetap_path(), "analyze", "--json", "-d", ":memory:"] + files)
    if clean("generated frames: analyze", rc, err):
        rep = json.loads(out)
        T.ok(rep.get("causes") == dict(total), "analyze JSON causes count every hostile frame under its cause",
             "analyze %r\nexpected %r" % (rep.get("causes"), dict(total)))
        T.ok(rep.get("packets") == len(cases) and rep.get("rejected") == sum(total.values()),
             "analyze: packets = accounted + rejected", "packets %r rejected %r" % (rep.get("packets"),
                                                                                   rep.get("rejected")))
    return cases, files


def replay_frames(tmp, cases, replay_dir, valgrind=None):
    """Each frame as a fuzz input (flags 0, extra wire bytes) through replay_eth / replay_sll."""
    ran = 0
    for lt, target in ((1, "eth"), (113, "sll")):
        d = os.path.join(tmp, "replay-%s" % target)
        os.makedirs(d, exist_ok=True)
        for i, (name, clt, frame, wire, _, _) in enumerate(cases):
            extra = (wire or len(frame)) - len(frame)
            if clt != lt or extra > 255:
                continue
            with open(os.path.join(d, "%02d" % i), "wb") as f:
                f.write(bytes([0x20, extra]) + frame)   # FZ_VERBOSE: every field rendered
        prog = os.path.join(replay_dir, "replay_" + target)
        if not os.access(prog, os.X_OK):
            continue
        cmd = ([valgrind, "-q", "--error-exitcode=99", "--leak-check=no"] if valgrind else []) + [prog, d]
        rc, out, err = run(cmd, timeout=120)
        what = "under valgrind" if valgrind else "(exact-size heap blocks%s)" % (
            ", " + os.environ["SANITIZE"] if os.environ.get("SANITIZE") else "")
        clean("generated frames replayed through replay_%s %s" % (target, what), rc, err)
        ran += 1
    return ran


def check_memory(tmp, cases, files):
    build = os.environ.get("BUILD") or os.path.join(ROOT, "build")
    if not replay_frames(tmp, cases, os.path.join(build, "fuzz")):
        T.skip("generated frames through the replay programs", "no %s/fuzz/replay_eth (make fuzz-replay)" % build)
    vg = shutil.which("valgrind")
    if not vg:
        T.skip("valgrind", "valgrind is not installed")
        return
    # memcheck needs the plain build: the sanitized one is the SANITIZE run's business.
    plain = spt.spinetap_path() if not os.environ.get("SANITIZE") else os.path.join(ROOT, "build", "spinetap")
    if not os.access(plain, os.X_OK):
        T.skip("valgrind", "no unsanitized spinetap at %s" % plain)
        return
    for path in files:
        with open(path, "rb") as f:
            rc, out, err = run([vg, "-q", "--error-exitcode=99", "--leak-check=no", plain, "decode", "-vv", "-"],
                               stdin=f, timeout=120)
        clean("valgrind: decode -vv - < %s" % os.path.basename(path), rc, err)
    tc = os.path.join(TCPD, "ipv6-rthdr-oobr.pcap")
    if os.path.exists(tc):
        with open(tc, "rb") as f:
            rc, out, err = run([vg, "-q", "--error-exitcode=99", "--leak-check=no", plain, "decode", "--json", "-"],
                               stdin=f, timeout=120)
        clean("valgrind: decode --json - < ipv6-rthdr-oobr.pcap", rc, err)
    plain_replay = os.path.join(ROOT, "build", "fuzz")
    if not replay_frames(tmp, cases, plain_replay, valgrind=vg):
        T.skip("valgrind replay", "no plain replay programs in %s" % plain_replay)


def check_block_refused(tmp):
    pcap = os.path.join(ROOT, "samples", "origin-lab.pcap")
    for plen, prefix, what in ((0, "::/0", "multiple of 8 from 8"), (128, "fcbb:bbbb::/128", "no room"),
                               (120, "fcbb:bbbb::/120", "no room")):
        cfg = os.path.join(tmp, "block%d.yaml" % plen)
        with open(cfg, "w") as f:
            f.write("# a uSID block of /%d\nusid:\n  block: \"%s\"\n  nflen: 16\n" % (plen, prefix))
        for cmd in (["decode", "-c", cfg, pcap], ["analyze", "-d", ":memory:", "-c", cfg, pcap]):
            rc, out, err = run([spt.spinetap_path()] + cmd)
            T.ok(rc == 2 and ("%s:3:" % cfg) in err and what in err and not spt.sanitizer_report(err),
                 "%s with a /%d block: exit 2, '%s:3:...: %s'" % (cmd[0], plen, os.path.basename(cfg), what),
                 "rc %r: %s" % (rc, err.strip()[-300:]))
        rc, out, err = run([spt.spinetap_path(), "decode", "--usid-block", prefix, pcap])
        T.ok(rc == 2 and "--usid-block" in err and what in err and not spt.sanitizer_report(err),
             "decode --usid-block %s: exit 2 with a message" % prefix, "rc %r: %s" % (rc, err.strip()[-300:]))


def main():
    if not spt.have_spinetap():
        T.skip("hostile packets", "no spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    with tempfile.TemporaryDirectory(prefix="spinetap-hostile-pk-") as tmp:
        check_public(tmp)
        cases, files = check_generated(tmp)
        check_memory(tmp, cases, files)
        check_block_refused(tmp)
    return T.done()


if __name__ == "__main__":
    sys.exit(main())
