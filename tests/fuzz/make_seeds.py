#!/usr/bin/python3
"""make_seeds.py - seed inputs for every fuzz target, from the bundled
samples (samples/) and the public captures whose licence allows it
(tcpdump BSD-3-Clause, scapy GPL-2.0, goisis Apache-2.0; the repositories
SOURCES.md lists without a licence file are left out, so nothing of theirs
ends up in the committed corpora).

Usage: make_seeds.py OUTDIR     (fuzz.mk runs it into $(BUILD)/fuzz/seeds)

Per target, the input layout of fuzz_common.h: a flag byte, an extra-wire
byte, then the frame cut at the layer the target starts from (single
frames extracted from the captures). The pipeline target gets small whole
files (the first records of each capture) as classic pcap in both byte
orders and as pcapng; the config target the sample configs. `make
fuzz-merge` minimises what the fuzzers find from these into
tests/fuzz/corpus/."""

import glob
import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from pylib import pcapio  # noqa: E402

SHARED = os.environ.get("SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
PUBLIC_OK = ("the-tcpdump-group__tcpdump", "secdev__scapy", "takehaya__goisis")
PER_FILE = 24  # frames taken from one capture


def captures():
    out = sorted(glob.glob(os.path.join(ROOT, "samples", "**", "*.pcap"), recursive=True))
    for d in PUBLIC_OK:
        for ext in ("pcap", "pcapng"):
            out += sorted(glob.glob(os.path.join(SHARED, "captures", "public", d, "*." + ext)))
    return out


def read(path):
    """(linktype, records) with per-interface link types flattened: pcapio reads one link type."""
    try:
        return pcapio.read_pcap(path)
    except (ValueError, OSError, struct.error):
        return None, []


def l3_of(lt, f):
    """(ethertype, offset of the network header, offset where the link header's type field is)."""
    if lt == 1:
        if len(f) < 14:
            return None
        off, et = 14, f[12] << 8 | f[13]
        while et in (0x8100, 0x88A8, 0x9100) and len(f) >= off + 4:
            et = f[off + 2] << 8 | f[off + 3]
            off += 4
        return et, off
    if lt in (101, 12, 14):
        return (0x86DD if f and f[0] >> 4 == 6 else 0x0800), 0
    if lt == 228:
        return 0x0800, 0
    if lt == 229:
        return 0x86DD, 0
    if lt == 113 and len(f) >= 16:
        return f[14] << 8 | f[15], 16
    return None


def ip_walk(f, et, off):
    """Follow IP layers: list of (version, offset, header length incl. ext headers, end), and the UDP offset."""
    layers, udp = [], None
    for _ in range(4):
        if et == 0x0800 and len(f) >= off + 20 and f[off] >> 4 == 4:
            ihl = (f[off] & 15) * 4
            total = f[off + 2] << 8 | f[off + 3]
            layers.append((4, off, ihl, off + total))
            proto, off = f[off + 9], off + ihl
        elif et == 0x86DD and len(f) >= off + 40 and f[off] >> 4 == 6:
            start, plen, nh = off, f[off + 4] << 8 | f[off + 5], f[off + 6]
            off += 40
            while nh in (0, 43, 60) and len(f) >= off + 8:
                nh, off = f[off], off + (f[off + 1] + 1) * 8
            layers.append((6, start, off - start, start + 40 + plen))
            proto = nh
        else:
            break
        if proto == 17:
            udp = off
            break
        et = {4: 0x0800, 41: 0x86DD}.get(proto)
        if et is None:
            break
    return layers, udp


class Out:
    def __init__(self, root):
        self.root, self.seen = root, set()

    def put(self, target, data):
        h = hashlib.sha1(data).hexdigest()
        if (target, h) in self.seen:
            return
        self.seen.add((target, h))
        d = os.path.join(self.root, target)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "seed-" + h[:16]), "wb") as fh:
            fh.write(data)


def pcap_bytes(lt, recs, endian="<", nano=False):
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    b = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 262144, lt)
    for i, (sec, frac, data, wire) in enumerate(recs):
        frac = (frac % 1000000) * 1000 if nano else frac % 1000000
        b += struct.pack(endian + "IIII", sec & 0xFFFFFFFF, frac, len(data), wire) + data
    return b


def pcapng_bytes(lt, recs):
    def block(t, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", t, n) + body + struct.pack("<I", n)
    b = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    b += block(1, struct.pack("<HHI", lt, 0, 0) + struct.pack("<HHB3x", 9, 1, 9) + b"\0" * 4)
    b += block(4, struct.pack("<HH", 0, 0))  # a name resolution block: skipped
    for sec, frac, data, wire in recs:
        ts = (sec & 0xFFFFFFFF) * 1000000000 + (frac % 1000000) * 1000
        b += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), wire) + data)
    b += block(3, struct.pack("<I", 60) + b"\0" * 60)  # a simple packet block
    return b


def main():
    out = Out(sys.argv[1] if len(sys.argv) > 1 else "seeds")
    for path in captures():
        lt, recs = read(path)
        if lt is None or not recs:
            continue
        small = recs[:8]
        out.put("pipeline", pcap_bytes(lt, small))
        out.put("pipeline", pcap_bytes(lt, small[:3], ">", nano=True))
        out.put("pipeline", pcapng_bytes(lt, small[:4]))
        for sec, frac, f, wire in recs[:PER_FILE]:
            ext = (wire - len(f)) & 0xFF if wire > len(f) else 0
            if lt == 1:
                out.put("eth", bytes([0, ext]) + f)
            x = l3_of(lt, f)
            if not x:
                continue
            et, off = x
            l3 = f[off:]
            if lt == 1 and et == 0x8915:
                out.put("grh", bytes([1, 0]) + l3)
            if lt == 1 and et == 0x8808:
                out.put("pfc", bytes([0, 0]) + l3)
            if et not in (0x0800, 0x86DD):
                continue
            typ = f[12:off] if lt == 1 else struct.pack(">H", et)
            # SLL (113): packet type, ARPHRD_ETHER, address length 6, address, then the
            # protocol (the first TPID when tagged: libpcap re-inserts stripped tags)
            out.put("sll", bytes([0, 0]) + struct.pack(">HHH8s", 4, 1, 6, b"\2\0\0\0\0\1") + typ + l3)
            # SLL2 (276): protocol, reserved, ifindex, ARPHRD, packet type, address length, address
            out.put("sll", bytes([1, 0]) + typ[:2] + struct.pack(">HIHBB8s", 0, 3, 1, 0, 6, b"\2\0\0\0\0\1") +
                    typ[2:] + l3)
            af = 2 if et == 0x0800 else 24
            out.put("null", bytes([0, 0]) + struct.pack("<I", af) + l3)
            out.put("null", bytes([1, 0]) + struct.pack(">I", 2 if af == 2 else 30) + l3)
            out.put("null", bytes([2, 0]) + l3)
            out.put("ipv4" if et == 0x0800 else "ipv6", bytes([0, 0]) + l3)
            layers, udp = ip_walk(f, et, off)
            if not layers:
                continue
            v, ipoff, hlen, end = layers[0]
            if v == 6 and f[ipoff + 24:ipoff + 28] == b"\xfc\xbb\xbb\xbb":
                block = b"\xfc\xbb\xbb\xbb" + b"\0" * 12
                out.put("usid", bytes([0, 0x13]) + block + f[ipoff + 24:ipoff + 40] + f[ipoff + 40:end])
                out.put("usid", bytes([0x40, 0x12]) + block + f[ipoff + 24:ipoff + 40] + f[ipoff + 40:end])
            if udp is not None:
                lv, lo, lh, lend = layers[-1]
                variant = 0 if lv == 4 else (2 if lh > 40 else 1)
                out.put("udp", bytes([variant, 0]) + f[udp:lend])
    # Hand-built MAC Control frames: PAUSE, PFC (priority 3), PFC with high CEV bits, a short one.
    for body in (b"\x00\x01\xff\xff", b"\x01\x01\x00\x08" + b"\x00\x00" * 3 + b"\xff\xff" + b"\x00\x00" * 4,
                 b"\x01\x01\xff\xff" + b"\x12\x34" * 8, b"\x01\x01\x00"):
        out.put("pfc", bytes([0, 0]) + body + b"\0" * max(0, 46 - len(body)))
        out.put("pfc", bytes([1, 0]) + body)
    # RoCEv1 from scratch when the scapy capture is missing: GRH + BTH ACK + AETH + ICRC.
    grh = b"\x60\x00\x00\x00\x00\x14\x1b\x40" + b"\xfe\x80" + b"\0" * 14 + b"\xfe\x80" + b"\0" * 14
    out.put("grh", bytes([1, 0]) + grh + b"\x11\x00\xff\xff\x00\x00\x01\x00\x00\x00\x00\x07" +
            b"\x00\x00\x00\x05" + b"\0" * 4)
    # Configs: the samples' and a few hand-written ones.
    for y in sorted(glob.glob(os.path.join(ROOT, "samples", "**", "*.yaml"), recursive=True)):
        with open(y, "rb") as fh:
            out.put("config", fh.read())
    for text in (b"usid: { block: fcbb:bbbb::/32 }\n",
                 b"settings: { roce_ports: 4791, pmtu: 1024, qp_capacity: 64, icrc: false }\n",
                 b"usid: { block: 'fcbb:bb00::/24', nflen: 8, local: 0xe0-0xff }\nnodes: { a: { usid: 1 } }\n",
                 b"nodes:\n  a: &n { usid: 0x1, role: spine }\n  b: { usid: 0x2 }\n"
                 b"taps: { t: { node: a, peer: b, dir: both } }\n"
                 b"policies:\n- name: p\n  match: { dscp: [1, 2-3], dqpn: 5 }\n  paths: [[a, b], ['*']]\n"
                 b"  mode: pin\n  balance: 0.5\n"):
        out.put("config", text)


if __name__ == "__main__":
    main()
