#!/usr/bin/python3
"""t_icrc.py - the RoCE Invariant CRC (IBTA Annex A17.3.3, A16 for RoCEv1).

Real captures must verify: the ConnectX-4 Lx CNP (hardware-computed ICRC),
the Soft-RoCE RC/UD exchanges and the RoCEv1 sample. Then copies of single
frames with one byte changed, written to a temp dir:
  - a byte the ICRC covers (BTH PSN, DestQP, P_Key, AckReq; payload or
    reserved bytes; IP addresses; IPv4 identification; UDP source port; the
    ICRC itself; an SRv6-encapsulated packet's inner header) -> invalid;
  - a byte the ICRC masks (IPv4 TOS/ECN, TTL, header checksum; IPv6 and GRH
    traffic class, flow label, hop limit; UDP checksum; BTH byte 4 with
    FECN/BECN; Ethernet addresses; the outer IPv6 header and SRH of an
    SRv6 encapsulation, which transit nodes rewrite) -> still valid.
A snaplen-cut copy whose ICRC is not captured reports not-captured. And
pylib's own ICRC verdict (roceref.icrc_verdict, from the IBTA recipe) must
equal spinetap's on every frame of every capture, samples/ included.
"""

import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pylib import pcapio, roceref, spt, tap  # noqa: E402

T = tap.Tap()
PUB = spt.public_dir()
CNP = os.path.join(PUB, "secdev__scapy", "rocev2_cnp_connectx4lx_from_hexdump.pcap")
V1 = os.path.join(PUB, "secdev__scapy", "rocev1_rc_write_ack_from_hexdump.pcap")
SOFT = [os.path.join(PUB, "montybeatnik__rdma-roce-lab", f)
        for f in ("roce_capture_read-write-ecn.pcap", "test.pcap")]


def icrc_of(p):
    return p.get("icrc", {}).get("status")


def real_captures():
    for path, want_n in [(CNP, 1), (V1, 2)] + [(s, 12) for s in SOFT]:
        name = os.path.relpath(path, PUB)
        if not os.path.exists(path):
            T.skip("ICRC valid in %s" % name, "missing")
            continue
        pk = spt.decode_json(path)
        roce = [p for p in pk if "bth" in p]
        bad = ["frame %d %s: %r" % (p["frame"], p["bth"]["opname"], p.get("icrc")) for p in roce
               if icrc_of(p) != "valid"]
        T.ok(len(roce) == want_n and not bad,
             "ICRC valid in every RoCE frame of %s (%d/%d)" % (name, len(roce) - len(bad), want_n), bad)


def all_captures():
    """pylib's independent verdict (roceref.icrc_verdict) against spinetap's
    on every frame of every capture, samples/ included."""
    agree, nover, bad = 0, 0, []
    files = spt.public_captures() + spt.sample_captures()
    for path in files:
        try:
            lt, recs = pcapio.read_pcap(path)
        except ValueError:
            continue
        pk = spt.decode_json(path)
        for r, p in zip(recs, pk):
            ref = roceref.icrc_verdict(r[2], lt)
            ours = icrc_of(p) if icrc_of(p) in ("valid", "invalid") else None
            if ref != ours:
                bad.append("%s#%d: spinetap %r, pylib %r" % (os.path.basename(path), p["frame"], ours, ref))
            elif ref is None:
                nover += 1
            else:
                agree += 1
    T.diag("ICRC verdicts: %d frames agree, %d without a verdict on both sides" % (agree, nover))
    T.ok(agree > 0 and not bad, "pylib and spinetap give the same ICRC verdict on every frame of %d captures"
         % len(files), bad)


def flip_table(tmp, name, frame, linktype, flips):
    """flips: (description, offset, xor mask, expected icrc status). One
    pcap holds the unmodified frame then one copy per flip."""
    frames = [frame]
    for _, off, mask, _ in flips:
        b = bytearray(frame)
        b[off] ^= mask
        frames.append(bytes(b))
    path = os.path.join(tmp, name + ".pcap")
    pcapio.write_pcap(path, frames, linktype)
    pk = spt.decode_json(path)
    T.ok(pk[0]["status"] == "ok" and icrc_of(pk[0]) == "valid", "%s: unmodified frame valid" % name,
         "%s %s icrc %r" % (pk[0]["status"], pk[0]["cause"], pk[0].get("icrc")))
    for (desc, off, mask, want), p, fr in zip(flips, pk[1:], frames[1:]):
        got = icrc_of(p)
        ev_ok = ("icrc_invalid" in p["events"]) == (want == "invalid")
        ref = roceref.icrc_verdict(fr, linktype)  # pylib's own reading, to check the table
        T.ok(p["status"] == "ok" and got == want and ev_ok and ref == want,
             "%s: %s (byte %d ^ 0x%02x) -> %s" % (name, desc, off, mask, want),
             "status %s/%s, icrc %r, events %r, pylib %s" % (p["status"], p["cause"], p.get("icrc"),
                                                              p["events"], ref))


def cnp_flips(tmp):
    if not os.path.exists(CNP):
        T.skip("CNP byte flips", "missing %s" % CNP)
        return
    _, recs = pcapio.read_pcap(CNP)
    f = recs[0][2]
    # 0-13 Ethernet | 14-33 IPv4 (15 TOS, 18-19 id, 22 TTL, 24-25 checksum,
    # 26-29 src, 30-33 dst) | 34-41 UDP (34-35 sport, 40-41 checksum) |
    # 42-53 BTH (42 opcode, 44-45 P_Key, 46 FECN/BECN/resv, 47-49 DestQP,
    # 50 AckReq/resv7, 51-53 PSN) | 54-69 CNP reserved | 70-73 ICRC
    assert f[42] == 0x81 and f[46] == 0x40 and len(f) == 74, "unexpected CNP bytes"
    flip_table(tmp, "cnp", f, pcapio.LINKTYPE_ETHERNET, [
        ("PSN low byte", 53, 0x01, "invalid"),
        ("PSN high byte", 51, 0x80, "invalid"),
        ("DestQP byte", 49, 0x01, "invalid"),
        ("P_Key byte", 45, 0x01, "invalid"),
        ("AckReq bit", 50, 0x80, "invalid"),
        ("CNP reserved byte", 60, 0x01, "invalid"),
        ("IPv4 source address byte", 29, 0x01, "invalid"),
        ("IPv4 destination address byte", 33, 0x01, "invalid"),
        ("IPv4 identification byte", 19, 0x01, "invalid"),
        ("UDP source port byte", 35, 0x01, "invalid"),
        ("ICRC byte", 72, 0x01, "invalid"),
        ("IPv4 ECN set to CE (TOS)", 15, 0x01, "valid"),
        ("IPv4 DSCP (TOS)", 15, 0xFC, "valid"),
        ("IPv4 TTL", 22, 0x3F, "valid"),
        ("IPv4 header checksum", 24, 0xFF, "valid"),
        ("UDP checksum", 40, 0x5A, "valid"),
        ("UDP checksum low byte", 41, 0x01, "valid"),
        ("BTH byte 4: BECN cleared", 46, 0x40, "valid"),
        ("BTH byte 4: FECN set", 46, 0x80, "valid"),
        ("BTH byte 4: reserved bits", 46, 0x3F, "valid"),
        ("Ethernet source address", 6, 0x02, "valid"),
    ])


def softroce_flips(tmp):
    path = SOFT[0]
    if not os.path.exists(path):
        T.skip("Soft-RoCE byte flips", "missing %s" % path)
        return
    _, recs = pcapio.read_pcap(path)
    f = recs[3][2]  # frame 4: RC RDMA WRITE ONLY, PadCnt 2, 18-byte payload
    # 14-33 IPv4 | 34-41 UDP | 42-53 BTH | 54-69 RETH (54-61 VA, 62-65
    # R_Key, 66-69 DMA length) | 70-87 payload | 88-89 pad | 90-93 ICRC
    assert f[42] == 0x0A and len(f) == 94, "unexpected Soft-RoCE frame"
    flip_table(tmp, "softroce_write", f, pcapio.LINKTYPE_ETHERNET, [
        ("payload byte", 75, 0x01, "invalid"),
        ("last payload byte", 87, 0x80, "invalid"),
        ("pad byte", 88, 0x01, "invalid"),
        ("RETH VA byte", 61, 0x01, "invalid"),
        ("RETH R_Key byte", 65, 0x01, "invalid"),
        ("PSN byte", 53, 0x01, "invalid"),
        ("IPv4 TTL", 22, 0x01, "valid"),
        ("IPv4 ECN CE", 15, 0x03, "valid"),
        ("BTH byte 4: FECN and BECN", 46, 0xC0, "valid"),
    ])


def rocev1_flips(tmp):
    if not os.path.exists(V1):
        T.skip("RoCEv1 byte flips", "missing %s" % V1)
        return
    _, recs = pcapio.read_pcap(V1)
    f = recs[0][2]  # RC RDMA WRITE ONLY
    # 14-53 GRH (14: ipver/tclass hi, 15: tclass lo/flow hi, 16-17 flow,
    # 18-19 paylen, 20 nxthdr, 21 hoplmt, 22-37 SGID, 38-53 DGID) |
    # 54-65 BTH (58 = byte 4) | 66-81 RETH | payload, pad | ICRC
    assert f[12:14] == b"\x89\x15" and f[20] == 0x1B and f[54] == 0x0A, "unexpected RoCEv1 frame"
    flip_table(tmp, "rocev1_write", f, pcapio.LINKTYPE_ETHERNET, [
        ("GRH traffic class (high nibble)", 14, 0x0F, "valid"),
        ("GRH traffic class (low nibble)", 15, 0xF0, "valid"),
        ("GRH flow label", 16, 0x5A, "valid"),
        ("GRH hop limit", 21, 0x3F, "valid"),
        ("GRH SGID byte", 37, 0x01, "invalid"),
        ("GRH DGID byte", 53, 0x01, "invalid"),
        ("BTH PSN byte", 65, 0x01, "invalid"),
        ("BTH byte 4", 58, 0xC0, "valid"),
        ("RETH byte", 70, 0x01, "invalid"),
    ])


def ipv6_flips(tmp):
    # A hand-built IPv6 RoCEv2 RC SEND ONLY with immediate (pylib ICRC):
    # 14-53 IPv6 (14 version/tc hi, 15 tc lo/flow hi, 16-17 flow, 18-19
    # payload length, 20 next header, 21 hop limit, 22-37 src, 38-53 dst) |
    # 54-61 UDP (60-61 checksum) | 62-73 BTH (66 = byte 4) | 74-77 ImmDt |
    # 78-89 payload | ICRC
    roce = roceref.pack_bth(0x05, se=1, dqpn=0x00ABCD, ackreq=1, psn=0x123456) + \
        roceref.pack_ext("ImmDt", {"immdt": 0xDEADBEEF}) + b"twelve bytes"
    l3 = roceref.rocev2(6, "2001:db8:1::1", "2001:db8:2::2", roce, tos=0x68, fl=0xABCDE, ttl=60)
    f = roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD) + l3
    flip_table(tmp, "ipv6_send_imm", f, pcapio.LINKTYPE_ETHERNET, [
        ("IPv6 traffic class (high nibble)", 14, 0x0F, "valid"),
        ("IPv6 ECN to CE (traffic class low bits)", 15, 0x30, "valid"),
        ("IPv6 flow label", 17, 0xFF, "valid"),
        ("IPv6 hop limit", 21, 0x01, "valid"),
        ("UDP checksum", 60, 0xFF, "valid"),
        ("BTH byte 4", 66, 0xFF, "valid"),
        ("IPv6 source address byte", 37, 0x01, "invalid"),
        ("IPv6 destination address byte", 40, 0x01, "invalid"),
        ("ImmDt byte", 75, 0x01, "invalid"),
        ("payload byte", 80, 0x01, "invalid"),
    ])


def srv6_flips(tmp):
    # SRv6 encapsulation: outer IPv6 (NH 43) | SRH (NH 4, SL 1, 2 segments)
    # | inner IPv4 | UDP | BTH RC ACK | AETH | ICRC over the inner headers.
    # 14-53 outer IPv6 (21 hop limit, 38-53 DA) | 54-93 SRH (57 SL) |
    # 94-113 inner IPv4 (109 = src last byte) | 114-121 UDP | 122-.. BTH
    ack = roceref.pack_bth(0x11, dqpn=0x000777, psn=42) + \
        roceref.pack_ext("AETH", {"aeth_syndrome": 0x60, "aeth_msn": 9})
    inner = roceref.rocev2(4, "10.0.0.1", "10.0.0.2", ack, tos=0x02)
    import ipaddress
    segs = [ipaddress.IPv6Address(a).packed for a in ("fcbb:bbbb:300:f00d::", "fcbb:bbbb:100:200::")]
    srh = bytes([4, 4, 4, 1, 1, 0, 0, 0]) + b"".join(segs)
    outer = roceref.ipv6_hdr("2001:db8::1", "fcbb:bbbb:100:200::", len(srh) + len(inner), nh=43, hlim=64)
    f = roceref.eth_hdr("02:00:00:00:00:02", "02:00:00:00:00:01", 0x86DD) + outer + srh + inner
    assert f[109] == 1
    flip_table(tmp, "srv6_encap_ack", f, pcapio.LINKTYPE_ETHERNET, [
        ("outer hop limit", 21, 0x07, "valid"),
        # a uSID shift: fcbb:bbbb:100:200:: -> fcbb:bbbb:200:: changes DA bytes 42-45
        ("outer DA uSID byte", 42, 0x03, "valid"),
        ("outer traffic class", 15, 0x30, "valid"),
        ("SRH segments left", 57, 0x01, "valid"),
        ("inner IPv4 source address byte", 109, 0x01, "invalid"),
        ("inner IPv4 TTL", 102, 0x01, "valid"),
        ("AETH syndrome byte", 134, 0x01, "invalid"),
    ])


def not_captured(tmp):
    if not os.path.exists(CNP) or not os.path.exists(SOFT[0]):
        T.skip("not-captured ICRC", "captures missing")
        return
    _, c = pcapio.read_pcap(CNP)
    _, s = pcapio.read_pcap(SOFT[0])
    cnp, write = c[0][2], s[3][2]
    cases = [  # (description, data, wire length, expected)
        ("CNP without its last ICRC byte", cnp[:-1], len(cnp), "not-captured"),
        ("CNP without its ICRC", cnp[:-4], len(cnp), "not-captured"),
        ("RDMA WRITE cut in the payload (snaplen 80)", write[:80], len(write), "not-captured"),
        ("RDMA WRITE cut after the RETH (snaplen 70)", write[:70], len(write), "not-captured"),
    ]
    path = os.path.join(tmp, "snaplen.pcap")
    pcapio.write_pcap(path, [(d, w) for _, d, w, _ in cases], snaplen=80)
    pk = spt.decode_json(path)
    for (desc, _, _, want), p in zip(cases, pk):
        ic = p.get("icrc", {})
        T.ok(ic.get("status") == want and ic.get("value") is None and p["status"] in ("ok", "truncated")
             and "payload_len" in p,
             "%s -> icrc %s" % (desc, want), "status %s/%s icrc %r" % (p["status"], p["cause"], ic))
        T.diag("%s: status %s/%s" % (desc, p["status"], p["cause"]))
    # the payload length comes from the UDP length, not from what was captured
    T.ok(pk[2].get("payload_len") == 18, "cut frame still reports payload_len 18 from the UDP length",
         "payload_len %r" % pk[2].get("payload_len"))
    # cut inside an extended header: no ICRC verdict at all
    path = os.path.join(tmp, "snaplen_reth.pcap")
    pcapio.write_pcap(path, [(write[:60], len(write))], snaplen=60)
    p = spt.decode_json(path)[0]
    T.ok(p["status"] == "truncated" and p["cause"] == "roce_ext_truncated"
         and icrc_of(p) in (None, "not-captured"),
         "RDMA WRITE cut inside the RETH -> truncated roce_ext_truncated, no ICRC verdict",
         "status %s/%s icrc %r" % (p["status"], p["cause"], p.get("icrc")))


def main():
    if not spt.have_spinetap():
        T.ok(False, "spinetap binary at %s" % spt.spinetap_path())
        return T.done()
    real_captures()
    all_captures()
    with tempfile.TemporaryDirectory() as tmp:
        cnp_flips(tmp)
        softroce_flips(tmp)
        rocev1_flips(tmp)
        ipv6_flips(tmp)
        srv6_flips(tmp)
        not_captured(tmp)
    return T.done()


if __name__ == "__main__":
    spt.main_guard(main, T)
