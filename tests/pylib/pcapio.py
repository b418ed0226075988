"""pcapio.py - read classic pcap and pcapng files, write classic pcap:
enough for the tests to copy frames, flip bytes and cut snaplen without any
library.

A record is (ts_sec, ts_frac, data, wirelen); caplen is len(data). Files
are written little-endian with microsecond timestamps. pcapng is read for
Enhanced and Simple Packet Blocks of the first interface's link type (all
interfaces must share it)."""

import struct

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101

_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1000000),
    b"\xa1\xb2\xc3\xd4": (">", 1000000),
    b"\x4d\x3c\xb2\xa1": ("<", 1000000000),
    b"\xa1\xb2\x3c\x4d": (">", 1000000000),
}


def _read_pcapng(path, buf):
    off, e, links, recs = 0, "<", [], []
    while off + 12 <= len(buf):
        btype = struct.unpack(e + "I", buf[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            e = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(e + "I", buf[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(buf):
            raise ValueError("%s: pcapng block at %d overruns the file" % (path, off))
        body = buf[off + 8:off + blen - 4]
        if btype == 1:  # Interface Description Block
            links.append(struct.unpack(e + "H", body[0:2])[0])
        elif btype == 6:  # Enhanced Packet Block
            ifid, hi, lo, cap, orig = struct.unpack(e + "IIIII", body[0:20])
            ts = (hi << 32) | lo  # microseconds unless if_tsresol says otherwise
            recs.append((ts // 1000000, ts % 1000000, bytes(body[20:20 + cap]), orig))
        elif btype == 3:  # Simple Packet Block
            orig = struct.unpack(e + "I", body[0:4])[0]
            recs.append((0, 0, bytes(body[4:4 + orig]), orig))
        off += blen
    if not links or any(x != links[0] for x in links):
        raise ValueError("%s: pcapng without one common link type" % path)
    return links[0], recs


def read_pcap(path):
    """Return (linktype, [records]). Raises ValueError on a damaged file."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] == b"\x0a\x0d\x0d\x0a":
        return _read_pcapng(path, buf)
    if len(buf) < 24 or buf[:4] not in _MAGICS:
        raise ValueError("%s: not a classic pcap file" % path)
    e, _ = _MAGICS[buf[:4]]
    linktype = struct.unpack(e + "I", buf[20:24])[0] & 0x0fffffff
    recs, off = [], 24
    while off + 16 <= len(buf):
        sec, frac, incl, orig = struct.unpack(e + "IIII", buf[off:off + 16])
        off += 16
        if off + incl > len(buf):
            raise ValueError("%s: record at %d overruns the file" % (path, off - 16))
        recs.append((sec, frac, bytes(buf[off:off + incl]), orig))
        off += incl
    return linktype, recs


def write_pcap(path, records, linktype=LINKTYPE_ETHERNET, snaplen=262144):
    """records: iterables of bytes (wire length = caplen) or tuples
    (data, wirelen) or (sec, frac, data, wirelen)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype))
        for i, r in enumerate(records):
            if isinstance(r, (bytes, bytearray)):
                sec, frac, data, wire = 1700000000 + i, 0, bytes(r), len(r)
            elif len(r) == 2:
                sec, frac, data, wire = 1700000000 + i, 0, bytes(r[0]), r[1]
            else:
                sec, frac, data, wire = r
            f.write(struct.pack("<IIII", sec, frac % 1000000, len(data), wire))
            f.write(data)
