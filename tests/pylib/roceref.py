"""roceref.py - an independent RoCE reference for the tests: which extended
transport headers each BTH opcode carries, how to pack them, and the ICRC.

Written from the IBTA tables (Vol 1 §9.2-9.3, Annex A16/A17; the summary is
shared/research/roce-notes.md §1.2 and §2.2), not from spinetap's
dissectors, so a test that builds packets with it checks spinetap against
a second reading of the spec. The ICRC function is itself checked against
scapy (IPv4) and against real captures in t_icrc.py.

ICRC (Annex A17.3.3): CRC-32 (IEEE 802.3, as zlib.crc32) over
  8 bytes of 0xFF (the masked LRH),
  the IP header with its variant fields set to ones (IPv4: TOS, TTL,
    header checksum; IPv6 / RoCEv1 GRH: traffic class, flow label, hop limit),
  the UDP header with the checksum set to ones (RoCEv2 only),
  the BTH with byte 4 (FECN, BECN, 6 reserved bits) set to ones,
  the rest of the packet up to the ICRC;
sent least significant byte first.
"""

import struct
import zlib

# Extended headers and their sizes (IBTA Vol 1 §9.3; roce-notes §2.3).
EXT_LEN = {
    "RDETH": 4, "DETH": 8, "XRCETH": 4, "FETH": 4, "RETH": 16, "AtomicETH": 28,
    "AETH": 4, "AtomicAckETH": 8, "ImmDt": 4, "IETH": 4, "CNP": 16,
}

# RC operations (low 5 bits): (name, headers after BTH, carries payload)
_RC_OPS = {
    0x00: ("SEND_FIRST", [], True),
    0x01: ("SEND_MIDDLE", [], True),
    0x02: ("SEND_LAST", [], True),
    0x03: ("SEND_LAST_WITH_IMMEDIATE", ["ImmDt"], True),
    0x04: ("SEND_ONLY", [], True),
    0x05: ("SEND_ONLY_WITH_IMMEDIATE", ["ImmDt"], True),
    0x06: ("RDMA_WRITE_FIRST", ["RETH"], True),
    0x07: ("RDMA_WRITE_MIDDLE", [], True),
    0x08: ("RDMA_WRITE_LAST", [], True),
    0x09: ("RDMA_WRITE_LAST_WITH_IMMEDIATE", ["ImmDt"], True),
    0x0A: ("RDMA_WRITE_ONLY", ["RETH"], True),
    0x0B: ("RDMA_WRITE_ONLY_WITH_IMMEDIATE", ["RETH", "ImmDt"], True),
    0x0C: ("RDMA_READ_REQUEST", ["RETH"], False),
    0x0D: ("RDMA_READ_RESPONSE_FIRST", ["AETH"], True),
    0x0E: ("RDMA_READ_RESPONSE_MIDDLE", [], True),
    0x0F: ("RDMA_READ_RESPONSE_LAST", ["AETH"], True),
    0x10: ("RDMA_READ_RESPONSE_ONLY", ["AETH"], True),
    0x11: ("ACKNOWLEDGE", ["AETH"], False),
    0x12: ("ATOMIC_ACKNOWLEDGE", ["AETH", "AtomicAckETH"], False),
    0x13: ("COMPARE_SWAP", ["AtomicETH"], False),
    0x14: ("FETCH_ADD", ["AtomicETH"], False),
    0x16: ("SEND_LAST_WITH_INVALIDATE", ["IETH"], True),
    0x17: ("SEND_ONLY_WITH_INVALIDATE", ["IETH"], True),
}
_RESPONSES = {0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12}


def opcode_layout(op):
    """(name, [headers], payload allowed) for a BTH opcode, or None."""
    t, o = op & 0xE0, op & 0x1F
    if op == 0x81:
        return ("CNP", ["CNP"], False)
    if t == 0x00:
        if o in _RC_OPS:
            n, h, pl = _RC_OPS[o]
            return ("RC_" + n, list(h), pl)
        if o == 0x1C:  # FLUSH (IBTA 1.5 memory placement): FETH, RETH
            return ("RC_FLUSH", ["FETH", "RETH"], False)
        if o == 0x1D:  # ATOMIC WRITE: RETH and an 8-byte payload
            return ("RC_ATOMIC_WRITE", ["RETH"], True)
        return None
    if t == 0x20:  # UC: sends and RDMA writes only
        if o <= 0x0B:
            n, h, pl = _RC_OPS[o]
            return ("UC_" + n, list(h), pl)
        return None
    if t == 0x60:  # UD: SEND ONLY [with immediate]
        if o == 0x04:
            return ("UD_SEND_ONLY", ["DETH"], True)
        if o == 0x05:
            return ("UD_SEND_ONLY_WITH_IMMEDIATE", ["DETH", "ImmDt"], True)
        return None
    if t == 0x40:  # RD: RDETH, then DETH on requests, then the RC headers
        if o == 0x15:
            return ("RD_RESYNC", ["RDETH", "DETH"], False)
        if o in _RC_OPS and o <= 0x14:
            n, h, pl = _RC_OPS[o]
            pre = ["RDETH"] if o in _RESPONSES else ["RDETH", "DETH"]
            return ("RD_" + n, pre + list(h), pl)
        return None
    if t == 0xA0:  # XRC: XRCETH on requests, then the RC headers
        if o in _RC_OPS:
            n, h, pl = _RC_OPS[o]
            pre = [] if o in _RESPONSES else ["XRCETH"]
            return ("XRC_" + n, pre + list(h), pl)
        return None
    return None


def pack_ext(name, v):
    """Pack one extended header from a dict of field values."""
    if name == "RDETH":
        return struct.pack("!I", v["rdeth"] & 0xFFFFFF)
    if name == "DETH":
        return struct.pack("!II", v["qkey"], v["srcqp"] & 0xFFFFFF)
    if name == "XRCETH":
        return struct.pack("!I", v["xrceth"] & 0xFFFFFF)
    if name == "FETH":
        return struct.pack("!I", v["feth"])
    if name == "RETH":
        return struct.pack("!QII", v["reth_va"], v["reth_rkey"], v["reth_dmalen"])
    if name == "AtomicETH":
        return struct.pack("!QIQQ", v["atomic_va"], v["atomic_rkey"], v["atomic_swap"], v["atomic_cmp"])
    if name == "AETH":
        return struct.pack("!I", (v["aeth_syndrome"] << 24) | (v["aeth_msn"] & 0xFFFFFF))
    if name == "AtomicAckETH":
        return struct.pack("!Q", v["atomicack"])
    if name == "ImmDt":
        return struct.pack("!I", v["immdt"])
    if name == "IETH":
        return struct.pack("!I", v["ieth"])
    if name == "CNP":
        return b"\x00" * 16
    raise KeyError(name)


def pack_bth(op, se=0, m=0, pad=0, tver=0, pkey=0xFFFF, fecn=0, becn=0, resv6=0,
             dqpn=0, ackreq=0, resv7=0, psn=0):
    return struct.pack("!BBHBBHBBH", op,
                       (se << 7) | (m << 6) | (pad << 4) | tver, pkey,
                       (fecn << 7) | (becn << 6) | resv6, (dqpn >> 16) & 0xFF, dqpn & 0xFFFF,
                       (ackreq << 7) | resv7, (psn >> 16) & 0xFF, psn & 0xFFFF)


# ---- ICRC ----

def mask_ipv4(h):
    """The whole IPv4 header, options included (as scapy computes it)."""
    m = bytearray(h[:(h[0] & 0x0F) * 4])
    m[1] = 0xFF           # TOS (DSCP, ECN)
    m[8] = 0xFF           # TTL
    m[10:12] = b"\xff\xff"  # header checksum
    return bytes(m)


def mask_ipv6(h):
    """Also the RoCEv1 GRH, which has the IPv6 layout."""
    m = bytearray(h[:40])
    m[0] |= 0x0F          # traffic class (low nibble of byte 0, high of byte 1)
    m[1:4] = b"\xff\xff\xff"  # and the flow label
    m[7] = 0xFF           # hop limit
    return bytes(m)


def icrc_crc(ip_hdr, udp_hdr, roce):
    """The CRC value for a RoCEv2 packet: `ip_hdr` is the IP header that
    carries the UDP header (IPv4 with its options, or the 40-byte IPv6
    fixed header), `roce` the BTH up to (not including) the ICRC. For RoCEv1 pass
    the GRH as ip_hdr and udp_hdr=None."""
    ip_m = mask_ipv4(ip_hdr) if (ip_hdr[0] >> 4) == 4 and udp_hdr is not None else mask_ipv6(ip_hdr)
    b = bytearray(roce)
    b[4] = 0xFF
    data = b"\xff" * 8 + ip_m
    if udp_hdr is not None:
        u = bytearray(udp_hdr[:8])
        u[6:8] = b"\xff\xff"
        data += bytes(u)
    data += bytes(b)
    return zlib.crc32(data) & 0xFFFFFFFF


def icrc_wire(crc):
    """The four ICRC bytes as sent (least significant byte first)."""
    return struct.pack("<I", crc)


def icrc_field(crc):
    """The ICRC as spinetap and tshark print it: the wire bytes read big-endian."""
    return struct.unpack("!I", icrc_wire(crc))[0]


# ---- plain header packing (no scapy), for hand-built test frames ----

def _inet_csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth_hdr(dst, src, ethertype):
    return bytes.fromhex(dst.replace(":", "")) + bytes.fromhex(src.replace(":", "")) + \
        struct.pack("!H", ethertype)


def ipv4_hdr(src, dst, payload_len, proto=17, tos=0, ttl=64, ident=0, df=True):
    import ipaddress
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + payload_len, ident, 0x4000 if df else 0,
                    ttl, proto, 0, ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return h[:10] + struct.pack("!H", _inet_csum(h)) + h[12:]


def ipv6_hdr(src, dst, payload_len, nh=17, tc=0, fl=0, hlim=64):
    import ipaddress
    return struct.pack("!IHBB", (6 << 28) | (tc << 20) | fl, payload_len, nh, hlim) + \
        ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed


def udp_hdr(sport, dport, length, csum=0):
    return struct.pack("!HHHH", sport, dport, length, csum)


def rocev2(ip_version, src, dst, roce, sport=0xC000, tos=0, ttl=64, fl=0):
    """IP/UDP(4791)/`roce`/ICRC, where `roce` is the BTH and everything up
    to the ICRC. Returns the L3 bytes with a correct ICRC."""
    ulen = 8 + len(roce) + 4
    u = udp_hdr(sport, 4791, ulen)
    if ip_version == 4:
        ip = ipv4_hdr(src, dst, ulen, tos=tos, ttl=ttl)
    else:
        ip = ipv6_hdr(src, dst, ulen, tc=tos, fl=fl, hlim=ttl)
    return ip + u + roce + icrc_wire(icrc_crc(ip, u, roce))


def icrc_verdict(frame, linktype=1):
    """An independent ICRC verdict for one captured frame: "valid",
    "invalid", or None when the frame is not RoCE or the ICRC cannot be
    checked (not captured, a fragment; IPv4 options are covered). Ethernet
    (linktype 1) with 802.1Q/802.1ad tags, RoCEv1 (0x8915), RoCEv2 over IPv4 or IPv6
    with extension headers and IPv4/IPv6 encapsulation; the innermost IP
    header before UDP is the one covered. An IPv6 header with extension
    headers before UDP uses spinetap's documented convention (icrc.c: the
    header as sent before an in-line SRH was inserted: Payload Length = UDP
    length, Next Header = UDP, destination = Segment List[0])."""
    if linktype != 1 or len(frame) < 14:
        return None
    et, off = struct.unpack("!H", frame[12:14])[0], 14
    while et in (0x8100, 0x88A8, 0x9100) and off + 4 <= len(frame):
        et, off = struct.unpack("!H", frame[off + 2:off + 4])[0], off + 4
    if et == 0x8915:
        grh = frame[off:off + 40]
        if len(grh) < 40 or grh[6] != 0x1B:
            return None
        paylen = struct.unpack("!H", grh[4:6])[0]
        roce = frame[off + 40:off + 40 + paylen]
        if paylen < 16 or len(roce) < paylen:
            return None
        return "valid" if icrc_wire(icrc_crc(grh, None, roce[:-4])) == roce[-4:] else "invalid"
    proto = {0x0800: 4, 0x86DD: 41}.get(et)
    ip_hdr = None
    for _ in range(4):
        if proto == 4:
            ihl = (frame[off] & 0x0F) * 4 if off < len(frame) else 0
            h = frame[off:off + ihl]
            if ihl < 20 or len(h) < ihl or h[0] >> 4 != 4:
                return None
            if struct.unpack("!H", h[6:8])[0] & 0x3FFF:
                return None
            ip_hdr, proto, off = h, h[9], off + ihl
        elif proto == 41:
            h = frame[off:off + 40]
            if len(h) < 40 or h[0] >> 4 != 6:
                return None
            nh, p, seg0, exts = h[6], off + 40, None, False
            while nh in (0, 43, 60) and p + 8 <= len(frame):
                if nh == 43 and frame[p + 2] == 4 and seg0 is None and p + 24 <= len(frame):
                    seg0 = frame[p + 8:p + 24]
                nh, p, exts = frame[p], p + (frame[p + 1] + 1) * 8, True
            if nh in (0, 43, 44, 60):
                return None
            ip_hdr, proto, off = (h, seg0, exts), nh, p
        elif proto == 17:
            u = frame[off:off + 8]
            if len(u) < 8 or struct.unpack("!H", u[2:4])[0] != 4791:
                return None
            ulen = struct.unpack("!H", u[4:6])[0]
            roce = frame[off + 8:off + ulen]
            if ulen < 8 + 16 or len(roce) < ulen - 8:
                return None
            if isinstance(ip_hdr, tuple):
                h, seg0, exts = ip_hdr
                if exts:
                    h = bytearray(h)
                    h[4:6] = struct.pack("!H", ulen)
                    h[6] = 17
                    if seg0 is not None:
                        h[24:40] = seg0
                    h = bytes(h)
                ip_hdr = h
            crc = icrc_crc(ip_hdr, u, roce[:-4])
            return "valid" if icrc_wire(crc) == roce[-4:] else "invalid"
        else:
            return None
    return None
