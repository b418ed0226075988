#!/usr/bin/python3
"""t_malformed.py - broken, fuzzed and truncated captures.

1. Every malformed / fuzzed public capture (SOURCES.md section (e), plus
   ipv6-srh-tlv-hmac.pcap and the type-0 routing header capture) decodes
   with exit status 0 and exactly the status and cause written below, each
   derived from the bytes (comments quote them and what tcpdump says).
2. Hand-built broken RoCE / SRv6 frames (no public malformed RoCE capture
   exists): one per cause, each with the exact status and cause.
3. A snaplen sweep: every prefix of RoCE and SRv6 frames decodes as ok or
   truncated (or as the full frame's own status), never malformed, and
   every field it still reports equals the decode of the whole frame.
4. `spinetap decode -vv` (text) on every public capture and on the sweep:
   exit 0, no sanitizer report, no raw control characters in the output.
"""

import ipaddress
import os
import re
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, roceref, spt, tap  # noqa: E402

T = tap.Tap()
TCPD = os.path.join(spt.public_dir(), "the-tcpdump-group__tcpdump")

# (file, frame, status, cause, extra checks: list of (description, getter, value))
PUBLIC = [
    # Ethernet | IPv6 plen 32, NH 43 | SRH 3b 03 04 00 00 00 00 00 (NH 59,
    # HdrExtLen 3 = 32 bytes, type 4, SL 0, Last Entry 0) | cafe:1::2 |
    # TLVs 00 (Pad1) 04 05 (PadN, 5 bytes) 00 00 00 00 [00 not captured].
    # caplen 85 < len 86: the capture stops one byte before the end of the
    # SRH. tcpdump (4.99.4+): "TLV-type=PadN(4), TLV-len=5 [|rt6]".
    # (The source MAC f9:ff:00:00:aa:aa is fuzzed too; Ethernet does not care.)
    ("ipv6-srh-tlv-pad1-padn-5-trunc.pcap", 1, "truncated", "srh_truncated", [
        ("SRH fields read before the cut", lambda p: (p["ip"][0]["srh"]["sl"], p["ip"][0]["srh"]["last"],
                                                      p["ip"][0]["srh"]["segs"]), (0, 0, ["cafe:1::2"])),
        ("the Pad1 TLV was read", lambda p: p["ip"][0]["srh"]["tlvs"][:1], [{"type": 0, "len": 0}]),
    ]),
    # Raw IPv6 (linktype 229), snaplen 45, wire length 262144. IPv6 plen
    # 0x3030, NH 43; routing header 30 30 00 30 [..]: HdrExtLen 48, type 0,
    # SL 48 - only 5 of its 8 fixed bytes are captured, while the declared
    # lengths hold them: truncated, not malformed. Type 0, so never an SRH.
    # tcpdump: "srcrt (len=48, type=0, segleft=48[|srcrt]".
    ("ipv6-rthdr-oobr.pcap", 1, "truncated", "ipv6_ext_truncated", [
        ("no SRH decoded", lambda p: "srh" in p["ip"][0], False),
        ("extension chain [43]", lambda p: p["ip"][0]["ext"], [43]),
    ]),
    # 802.3 frames (length 0x05dc = 1500, then LLC fe fe 03, OSI IS-IS):
    # not an EtherType, spinetap stops at the LLC. tcpdump: "802.3, length
    # 1500: LLC, dsap OSI ... IS-IS".
    ("isis-seg-fault-1.pcapng", 1, "unsupported", "ieee8023_llc", [
        ("802.3 length 1500", lambda p: p["eth"]["type"], 1500)]),
    ("isis-seg-fault-2.pcapng", 1, "unsupported", "ieee8023_llc", [
        ("802.3 length 1500", lambda p: p["eth"]["type"], 1500)]),
    # Cisco HDLC (linktype 104), wire length 131151 > caplen 79: a link
    # type spinetap does not dissect. tcpdump: "ethertype OSI (0xfefe)".
    ("isis-seg-fault-3.pcapng", 1, "unsupported", "linktype", []),
    # Frame Relay (linktype 107), Q.922 header then NLPID IS-IS.
    ("isis_stlv_asan.pcap", 1, "unsupported", "linktype", []),
    # 802.3 length 0x05d7 = 1495 in a 65535-byte record: LLC again.
    ("isis-extd-ipreach-oobr.pcap", 1, "unsupported", "ieee8023_llc", [
        ("802.3 length 1495", lambda p: p["eth"]["type"], 1495)]),
    # IPv6 plen 48 | SRH 3b 05 04 00 00 00 00 00 (NH 59, HdrExtLen 5 = 48
    # bytes, SL 0, Last Entry 0) | cafe:1::2 | 24 bytes of TLVs:
    #   05 10 | 80 00 | 54 12 ab 30 | 00*8 aa aa   HMAC TLV, Length 16
    #   aa aa aa aa aa aa                           6 bytes left over
    # RFC 8754 §2.1.2 (and Linux, struct sr6_tlv_hmac) count D/Reserved (2)
    # and the Key ID (4) in Length, so the HMAC field is 10 bytes; the 6
    # leftover bytes start a TLV of type 0xaa whose Length 0xaa (170)
    # overruns the 4 bytes left: malformed. tcpdump 4.99.3: "(invalid)";
    # newer tcpdump reads Length as the HMAC alone (16 bytes) and consumes
    # all 24 - the file was written for that reading.
    ("ipv6-srh-tlv-hmac.pcap", 1, "malformed", "srh_tlv_overrun", [
        ("HMAC TLV decoded", lambda p: {k: p["ip"][0]["srh"]["tlvs"][0][k] for k in ("type", "len", "d", "keyid")},
         {"type": 5, "len": 16, "d": True, "keyid": "0x5412ab30"}),
        ("HMAC bytes (10)", lambda p: p["ip"][0]["srh"]["tlvs"][0]["hmac"], "0000000000000000aaaa"),
        ("event srh_hmac", lambda p: "srh_hmac" in p["events"], True),
    ]),
]
# ipv6-routing-header.pcap: deprecated Routing Header type 0 (RFC 5095),
# at offset 54: 3a 02 00 01 (frame 1: NH 58, HdrExtLen 2, type 0, SL 1),
# 3a 04 00 02 (frame 2), 11 02 00 01 (frame 3: NH 17), 11 04 00 02 (frame
# 4). It must NOT be read as an SRH: skipped by its length and noted
# (routing_header_not_srh). Frames 1-2 then carry ICMPv6, frames 3-4 UDP
# 5645 -> 5642, neither of which spinetap decodes further.
# tcpdump: "RT6 (len=2, type=0 [Deprecated], segleft=1, ...".
for fr, cause in ((1, "ip_proto"), (2, "ip_proto"), (3, "udp_port"), (4, "udp_port")):
    PUBLIC.append(("ipv6-routing-header.pcap", fr, "unsupported", cause, [
        ("no SRH", lambda p: "srh" in p["ip"][0], False),
        ("no program", lambda p: spt.program_of(p), None),
        ("event routing_header_not_srh", lambda p: "routing_header_not_srh" in p["events"], True),
        ("extension chain [43]", lambda p: p["ip"][0]["ext"], [43]),
    ]))


def check(label, p, status, cause, extra):
    T.ok((p["status"], p["cause"]) == (status, cause), "%s: %s %s" % (label, status, cause),
         "ours %s %s" % (p["status"], p["cause"]))
    for desc, get, want in extra:
        try:
            got = get(p)
        except (KeyError, IndexError, TypeError) as e:
            got = "<missing: %s>" % e
        T.ok(got == want, "%s: %s" % (label, desc), "ours %r, expected %r" % (got, want))


def public_malformed():
    cache = {}
    for name, frame, status, cause, extra in PUBLIC:
        path = os.path.join(TCPD, name)
        if not os.path.exists(path):
            T.skip("%s#%d" % (name, frame), "missing")
            continue
        if name not in cache:
            cache[name] = spt.decode_json(path)  # raises on exit != 0 or a sanitizer report
        pk = cache[name]
        if frame > len(pk):
            T.ok(False, "%s#%d decoded" % (name, frame), "only %d packets" % len(pk))
            continue
        check("%s#%d" % (name, frame), pk[frame - 1], status, cause, extra)


# ---- hand-built broken frames ----

def _srv6_ack(sl=1, last=1, hdrlen=None, nsegs=2, ack_pad=0, udp_len_delta=0, plen_delta=0):
    """Ethernet | IPv6 (NH 43) | SRH (NH 4) | IPv4 | UDP | BTH ACK | AETH | ICRC."""
    ack = roceref.pack_bth(0x11, pad=ack_pad, dqpn=0x31, psn=7) + \
        roceref.pack_ext("AETH", {"aeth_syndrome": 0, "aeth_msn": 1})
    inner = bytearray(roceref.rocev2(4, "10.0.0.1", "10.0.0.2", ack))
    if udp_len_delta:
        inner[24:26] = (len(inner) - 20 + udp_len_delta).to_bytes(2, "big")
    segs = b"".join(ipaddress.IPv6Address("fcbb:bbbb:%x00::" % (i + 1)).packed for i in range(nsegs))
    srh = bytes([4, 2 * nsegs if hdrlen is None else hdrlen, 4, sl, last, 0, 0, 0]) + segs
    outer = roceref.ipv6_hdr("2001:db8::1", "fcbb:bbbb:100::", len(srh) + len(inner) + plen_delta, nh=43)
    return roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD) + outer + srh + bytes(inner)


def _v4(roce=None):
    """Ethernet | IPv4 | UDP | `roce` (default: an RC ACK with AETH) | ICRC."""
    if roce is None:
        roce = roceref.pack_bth(0x11, dqpn=0x31, psn=7) + \
            roceref.pack_ext("AETH", {"aeth_syndrome": 0, "aeth_msn": 1})
    return roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x0800) + \
        roceref.rocev2(4, "10.0.0.1", "10.0.0.2", roce)


def _patch(b, off, new):
    b = bytearray(b)
    b[off:off + len(new)] = new
    return bytes(b)


def hand_cases():
    """(description, frame bytes, wire length or None, status, cause). Each
    frame is a valid RoCEv2 frame with one thing broken; offsets are for
    Ethernet(14) | IPv4(14-33) | UDP(34-41) | BTH(42-53) | AETH(54-57) | ICRC(58-61)."""
    ok4 = _v4()
    write = roceref.pack_bth(0x0A, dqpn=9) + roceref.pack_ext(
        "RETH", {"reth_va": 1, "reth_rkey": 2, "reth_dmalen": 4}) + b"data"
    cnp = roceref.pack_bth(0x81, becn=1, dqpn=0x118) + b"\x00" * 16
    ipv6_ok = roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD) + \
        roceref.rocev2(6, "2001:db8::1", "2001:db8::2", roceref.pack_bth(0x11) + b"\x00" * 4)
    tag = lambda n: b"".join(b"\x81\x00" + (i + 1).to_bytes(2, "big") for i in range(n))  # noqa: E731
    return [
        ("valid IPv4 ACK (control)", ok4, None, "ok", "ok"),
        ("valid SRv6 ACK (control)", _srv6_ack(), None, "ok", "ok"),
        ("Ethernet header cut (snaplen 10)", ok4[:10], len(ok4), "truncated", "eth_truncated"),
        ("BTH cut (snaplen 48)", ok4[:48], len(ok4), "truncated", "bth_truncated"),
        ("IPv4 version 5", _patch(ok4, 14, b"\x55"), None, "malformed", "ipv4_version"),
        ("IPv4 IHL 4", _patch(ok4, 14, b"\x44"), None, "malformed", "ipv4_ihl"),
        ("IPv4 total length past the frame", _patch(ok4, 16, b"\x01\x00"), None, "malformed", "ipv4_total_len"),
        ("IPv4 fragment (MF)", _patch(ok4, 20, b"\x20\x00"), None, "unsupported", "ipv4_fragment"),
        ("IPv4 protocol 6 (TCP)", _patch(ok4, 23, b"\x06"), None, "unsupported", "ip_proto"),
        ("UDP length 7", _patch(ok4, 38, b"\x00\x07"), None, "malformed", "udp_len"),
        ("UDP length past the IPv4 payload", _patch(ok4, 38, b"\x00\x30"), None, "malformed", "udp_len"),
        ("UDP to port 4790", _patch(ok4, 36, b"\x12\xb6"), None, "unsupported", "udp_port"),
        ("UDP length leaves 12 bytes: no room for the ICRC",
         _patch(ok4, 38, b"\x00\x14"), None, "malformed", "roce_too_short"),
        ("BTH TVer 1", _patch(ok4, 43, b"\x01"), None, "unsupported", "bth_tver"),
        ("BTH reserved opcode 0x1e", _patch(ok4, 42, b"\x1e"), None, "unsupported", "bth_opcode"),
        ("BTH PadCnt 3 on an ACK (no payload)", _srv6_ack(ack_pad=3), None, "malformed", "bth_pad_overrun"),
        ("RDMA WRITE ONLY whose UDP length cuts the RETH",
         _patch(_v4(write), 38, (8 + 12 + 8 + 4).to_bytes(2, "big")), None, "malformed", "roce_ext_overrun"),
        ("CNP whose UDP length holds 8 of the 16 reserved bytes",
         _patch(_v4(cnp), 38, (8 + 12 + 8 + 4).to_bytes(2, "big")), None, "malformed", "cnp_len"),
        ("SRH Segments Left 3 > Last Entry 1 + 1", _srv6_ack(sl=3), None, "malformed", "srh_sl_exceeds_last_entry"),
        # SL = Last Entry + 1: a reduced SRH (RFC 8754 §4.1.1), legal
        ("SRH Segments Left 2 = Last Entry 1 + 1 (reduced, control)", _srv6_ack(sl=2), None, "ok", "ok"),
        ("SRH Last Entry 2 with room for 2 segments", _srv6_ack(last=2), None, "malformed", "srh_segments_overrun"),
        ("SRH Hdr Ext Len past the IPv6 payload", _srv6_ack(hdrlen=40), None, "malformed", "ipv6_ext_overrun"),
        ("IPv6 payload length past the frame", _srv6_ack(plen_delta=8), None, "malformed", "ipv6_payload_len"),
        ("IPv6 version 4 under EtherType 0x86dd", _patch(ipv6_ok, 14, b"\x40"), None, "malformed", "ipv6_version"),
        ("inner UDP length past the inner IPv4 payload", _srv6_ack(udp_len_delta=4), None, "malformed", "udp_len"),
        ("four VLAN tags", ok4[:12] + tag(4) + ok4[12:], None, "malformed", "vlan_too_many"),
        ("three VLAN tags (control)", ok4[:12] + tag(3) + ok4[12:], None, "ok", "ok"),
        ("VLAN tag cut (snaplen 16)", (ok4[:12] + tag(1) + ok4[12:])[:16], len(ok4) + 4, "truncated", "vlan_truncated"),
        ("EtherType 0x88b5", _patch(ok4, 12, b"\x88\xb5"), None, "unsupported", "ethertype"),
        ("IPv6 fragment header",
         roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD)
         + roceref.ipv6_hdr("2001:db8::1", "2001:db8::2", 16, nh=44) + bytes([17, 0, 0, 1, 0, 0, 0, 1])
         + roceref.udp_hdr(1, 4791, 8), None, "unsupported", "ipv6_fragment"),
        ("nine Destination Options headers",
         roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD)
         + roceref.ipv6_hdr("2001:db8::1", "2001:db8::2", 72, nh=60) + bytes([60, 0, 1, 4, 0, 0, 0, 0]) * 8
         + bytes([59, 0, 1, 4, 0, 0, 0, 0]), None, "malformed", "ipv6_ext_chain_too_long"),
        ("MAC Control opcode 0x0002",
         bytes.fromhex("0180c2000001020000000001" "8808" "0002") + b"\x00" * 44, None, "unsupported", "mac_control_opcode"),
        ("PFC frame cut in the pause times (snaplen 20)",
         (bytes.fromhex("0180c2000001020000000001" "8808" "0101" "00ff") + b"\x00" * 42)[:20], 60,
         "truncated", "pfc_truncated"),
        ("RoCEv1 GRH next header 0x11", _patch(_rocev1(), 20, b"\x11"), None, "unsupported", "grh_next_header"),
        ("RoCEv1 (control)", _rocev1(), None, "ok", "ok"),
    ]


def _rocev1():
    roce = roceref.pack_bth(0x11) + b"\x00\x00\x00\x01"
    grh = roceref.ipv6_hdr("fe80::1", "fe80::2", len(roce) + 4, nh=0x1B)
    return roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x8915) + grh + roce + \
        roceref.icrc_wire(roceref.icrc_crc(grh, None, roce))


def hand_malformed(tmp):
    cases = hand_cases()
    path = os.path.join(tmp, "hand.pcap")
    pcapio.write_pcap(path, [(d, w if w is not None else len(d)) for _, d, w, _, _ in cases])
    pk = spt.decode_json(path)
    T.ok(len(pk) == len(cases), "hand-built broken frames all printed (%d)" % len(pk))
    for (desc, _, _, status, cause), p in zip(cases, pk):
        extra = []
        if "reduced" in desc:
            extra = [("event srh_reduced", lambda p: "srh_reduced" in p["events"], True)]
        check("hand: " + desc, p, status, cause, extra)
    return path


# ---- snaplen sweep ----

SKIP_KEYS = re.compile(r"^(frame|caplen|status|cause|events|icrc(\..*)?|ts|program\..*)$")


def split_program(p):
    """The packet with the program object moved out of the `ip` array."""
    q = dict(p)
    q["ip"] = spt.ip_layers(p)
    q.pop("program", None)
    return q, spt.program_of(p)


def flatten(obj, prefix="", out=None):
    out = {} if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, prefix + "." + k if prefix else k, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            flatten(v, "%s[%d]" % (prefix, i), out)
    else:
        out[prefix] = obj
    return out


def sweep_sources(tmp):
    """(label, linktype, frame) of RoCE and SRv6 frames to cut."""
    src = []
    pub = spt.public_dir()
    for rel, frames in [
            ("secdev__scapy/rocev2_cnp_connectx4lx_from_hexdump.pcap", None),
            ("secdev__scapy/rocev1_rc_write_ack_from_hexdump.pcap", None),
            ("montybeatnik__rdma-roce-lab/roce_capture_read-write-ecn.pcap", [1, 4, 5, 6, 7, 10]),
            ("the-tcpdump-group__tcpdump/ipv6-srh-ext-header.pcap", None),
            ("the-tcpdump-group__tcpdump/ipv6-srh-insert-cksum.pcap", None),
            ("the-tcpdump-group__tcpdump/ipv6-srh-ipproto-ether.pcap", None),
            ("the-tcpdump-group__tcpdump/ipv6-srh-tlv-pad1-padn-5.pcap", None),
            ("the-tcpdump-group__tcpdump/ipv6-srh-tlv-hmac.pcap", None),
            ("shu1r0__srv6_usid_ebpf/n1_n3.pcap", [50, 51, 52])]:
        path = os.path.join(pub, rel)
        if not os.path.exists(path):
            continue
        lt, recs = pcapio.read_pcap(path)
        for i, r in enumerate(recs):
            if frames is None or i + 1 in frames:
                src.append(("%s#%d" % (os.path.basename(rel), i + 1), lt, r[2]))
    for desc, d, w, st, _ in hand_cases():
        if w is None and st == "ok":
            src.append(("hand: " + desc, pcapio.LINKTYPE_ETHERNET, d))
    return src


def snaplen_sweep(tmp):
    src = sweep_sources(tmp)
    by_lt = {}
    for label, lt, frame in src:
        cuts = list(range(0, min(len(frame), 200)))
        if len(frame) > 200:
            cuts += list(range(200, len(frame) - 8, 37)) + list(range(len(frame) - 8, len(frame)))
        by_lt.setdefault(lt, []).append((label, frame, cuts))
    problems, nrec, nfields = [], 0, 0
    paths = []
    for lt, items in by_lt.items():
        recs, index = [], []
        for label, frame, cuts in items:
            recs.append((frame, len(frame)))
            index.append((label, None))
            for c in cuts:
                recs.append((frame[:c], len(frame)))
                index.append((label, c))
        path = os.path.join(tmp, "sweep_%d.pcap" % lt)
        pcapio.write_pcap(path, recs, lt)
        paths.append(path)
        pk = spt.decode_json(path)
        if len(pk) != len(recs):
            problems.append("%s: %d packets for %d records" % (path, len(pk), len(recs)))
            continue
        nrec += len(recs)
        full = None
        for (label, cut), p in zip(index, pk):
            if cut is None:
                full, fprog = split_program(p)
                fflat = {k: v for k, v in flatten(full).items() if not SKIP_KEYS.match(k)}
                continue
            p, prog = split_program(p)
            # a cut SRH leaves a shorter program: it must be a prefix of the whole one
            if prog is not None:
                hops = prog["hops"]
                if fprog is None or fprog["hops"][:len(hops)] != hops:
                    problems.append("%s: program %r, whole frame %r" % (label + " cut at %d" % cut, hops,
                                                                        fprog and fprog["hops"]))
            where = "%s cut at %d" % (label, cut)
            if p["status"] not in ("ok", "truncated") and (p["status"], p["cause"]) != (full["status"], full["cause"]):
                problems.append("%s: %s %s (whole frame: %s %s)" % (where, p["status"], p["cause"],
                                                                  full["status"], full["cause"]))
            if p["status"] == "ok" and full["status"] != "ok":
                problems.append("%s: ok, whole frame %s %s" % (where, full["status"], full["cause"]))
            extra_ev = set(p["events"]) - set(full["events"])
            if extra_ev:
                problems.append("%s: events %s not in the whole frame's" % (where, sorted(extra_ev)))
            ic = p.get("icrc", {}).get("status")
            if ic in ("valid", "invalid"):
                problems.append("%s: ICRC verdict %s without the ICRC bytes" % (where, ic))
            for k, v in flatten(p).items():
                if SKIP_KEYS.match(k) or k == "len":
                    continue
                if k == "eth.type" and p["cause"] == "vlan_truncated":
                    continue  # the stack was cut: type is the TPID of the tag not read
                nfields += 1
                if k not in fflat:
                    problems.append("%s: %s = %r, absent from the whole frame" % (where, k, v))
                elif fflat[k] != v:
                    problems.append("%s: %s = %r, whole frame %r" % (where, k, v, fflat[k]))
    T.diag("snaplen sweep: %d records from %d frames, %d field values checked" % (nrec, len(src), nfields))
    T.ok(len(src) >= 10 and nfields > 1000 and not problems,
         "snaplen sweep: every prefix is ok or truncated and agrees with the whole frame", problems)
    return paths


# ---- -vv text on everything ----

CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def verbose_all(extra_paths):
    files = spt.public_captures() + spt.sample_captures() + list(extra_paths)
    bad = []
    for path in files:
        rc, out, err = spt.run(["decode", "-vv", path], timeout=60)
        name = os.path.relpath(path, spt.public_dir()) if path.startswith(spt.public_dir()) else os.path.basename(path)
        if rc != 0:
            bad.append("%s: exit %d: %s" % (name, rc, err.strip()[-200:]))
        if spt.sanitizer_report(err):
            bad.append("%s: sanitizer: %s" % (name, err.strip()[-400:]))
        if not out.strip():
            bad.append("%s: no output" % name)
        m = CTRL.search(out)
        if m:
            bad.append("%s: raw control character %r in the text output" % (name, m.group()))
    T.ok(files and not bad, "decode -vv on %d captures: exit 0, no sanitizer report, no control characters"
         % len(files), bad)


def main():
    if not spt.have_spinetap():
        T.ok(False, "spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    public_malformed()
    with tempfile.TemporaryDirectory() as tmp:
        hand = hand_malformed(tmp)
        sweeps = snaplen_sweep(tmp)
        verbose_all([hand] + sweeps)
    return T.done()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except spt.SpinetapError as e:
        T.ok(False, "spinetap ran without crashing", str(e))
        sys.exit(T.done())
