/*
 * dissect.h - the decoded form of one frame, and the dissector entry points.
 *
 * A dissector turns the bytes of one frame into a `struct dpkt`: fixed size,
 * no allocation, no printing. Offsets point back into the caller's frame
 * buffer (segment lists, payload, TLVs), so a dpkt is only meaningful while
 * that buffer lives; whoever keeps data copies it (STYLE.md habit 5).
 *
 * Every frame ends in one status - ok, truncated, malformed, unsupported -
 * with one cause (the first problem met, named by layer), plus a small array
 * of events: things worth noting that did not stop the decode (IPv4 options,
 * an SRH HMAC TLV, Ethernet trailer bytes...).
 *
 * References: RFC 8200 (IPv6), RFC 8754 (SRH), RFC 9800 (NEXT-C-SID),
 * IBTA Vol 1 ch. 9 and Annex A16/A17 (BTH, RoCE, ICRC), IEEE 802.1Qbb (PFC).
 */
#ifndef SPINETAP_DISSECT_H
#define SPINETAP_DISSECT_H

#include <stdbool.h>
#include <stdint.h>

#include "cursor.h"

#define DP_MAX_VLAN 3   /* 802.1Q/802.1ad tags decoded; a 4th is malformed */
#define DP_MAX_IP 4     /* IP layers: outer plus encapsulated (depth cap) */
#define DP_MAX_EXT 8    /* IPv6 extension headers per IPv6 layer */
#define DP_MAX_TLV 8    /* SRH TLVs recorded; more are counted */
#define DP_MAX_EVENTS 8 /* per-frame notes; more are dropped and flagged */
#define DP_MAX_USID 16  /* uSIDs in one carrier: (128-8)/8 = 15 at most */
#define DP_MAX_ETH 2    /* outer Ethernet, and one carried in IPv6 (NH 143) */
#define DP_MAX_PORTS 8  /* RoCEv2 UDP destination ports */

/* Link types we dissect (pcap LINKTYPE_ / DLT_ values). */
enum {
	DP_LINK_NULL = 0,
	DP_LINK_ETHERNET = 1,
	DP_LINK_RAW_DLT = 12,   /* DLT_RAW on Linux/BSD */
	DP_LINK_RAW_DLT14 = 14, /* DLT_RAW on OpenBSD */
	DP_LINK_RAW = 101,      /* LINKTYPE_RAW */
	DP_LINK_LOOP = 108,
	DP_LINK_SLL = 113,
	DP_LINK_IPV4 = 228,
	DP_LINK_IPV6 = 229,
	DP_LINK_SLL2 = 276,
};

enum dp_status {
	DP_OK = 0,
	DP_TRUNCATED,
	DP_MALFORMED,
	DP_UNSUPPORTED,
	DP_NSTATUS
};

/*
 * Causes: X(enum suffix, status, name). The name is the stable string used
 * in text, JSON and SQLite. Order within a status is free; names never change.
 */
#define DP_CAUSES(X)                                                                                 \
	X(NONE, OK, "ok")                                                                            \
	X(ETH_TRUNC, TRUNCATED, "eth_truncated")                                                     \
	X(VLAN_TRUNC, TRUNCATED, "vlan_truncated")                                                   \
	X(SLL_TRUNC, TRUNCATED, "sll_truncated")                                                     \
	X(NULL_TRUNC, TRUNCATED, "null_truncated")                                                   \
	X(IPV4_TRUNC, TRUNCATED, "ipv4_truncated")                                                   \
	X(IPV6_TRUNC, TRUNCATED, "ipv6_truncated")                                                   \
	X(EXT_TRUNC, TRUNCATED, "ipv6_ext_truncated")                                                \
	X(SRH_TRUNC, TRUNCATED, "srh_truncated")                                                     \
	X(UDP_TRUNC, TRUNCATED, "udp_truncated")                                                     \
	X(BTH_TRUNC, TRUNCATED, "bth_truncated")                                                     \
	X(ROCE_EXT_TRUNC, TRUNCATED, "roce_ext_truncated")                                           \
	X(GRH_TRUNC, TRUNCATED, "grh_truncated")                                                     \
	X(PFC_TRUNC, TRUNCATED, "pfc_truncated")                                                     \
	X(VLAN_TOO_MANY, MALFORMED, "vlan_too_many")                                                 \
	X(IPV4_VERSION, MALFORMED, "ipv4_version")                                                   \
	X(IPV4_IHL, MALFORMED, "ipv4_ihl")                                                           \
	X(IPV4_TOTAL_LEN, MALFORMED, "ipv4_total_len")                                               \
	X(IPV6_VERSION, MALFORMED, "ipv6_version")                                                   \
	X(IPV6_PAYLOAD_LEN, MALFORMED, "ipv6_payload_len")                                           \
	X(EXT_CHAIN, MALFORMED, "ipv6_ext_chain_too_long")                                           \
	X(EXT_LEN, MALFORMED, "ipv6_ext_overrun")                                                    \
	X(SRH_SL, MALFORMED, "srh_sl_exceeds_last_entry")                                            \
	X(SRH_SEGS, MALFORMED, "srh_segments_overrun")                                               \
	X(SRH_TLV, MALFORMED, "srh_tlv_overrun")                                                     \
	X(UDP_LEN, MALFORMED, "udp_len")                                                             \
	X(ROCE_SHORT, MALFORMED, "roce_too_short")                                                   \
	X(ROCE_EXT_OVERRUN, MALFORMED, "roce_ext_overrun")                                           \
	X(BTH_PAD, MALFORMED, "bth_pad_overrun")                                                     \
	X(CNP_LEN, MALFORMED, "cnp_len")                                                             \
	X(PFC_LEN, MALFORMED, "pfc_len")                                                             \
	X(LINKTYPE, UNSUPPORTED, "linktype")                                                         \
	X(ETHERTYPE, UNSUPPORTED, "ethertype")                                                       \
	X(LLC, UNSUPPORTED, "ieee8023_llc")                                                          \
	X(IP_PROTO, UNSUPPORTED, "ip_proto")                                                         \
	X(IPV4_FRAG, UNSUPPORTED, "ipv4_fragment")                                                   \
	X(IPV6_FRAG, UNSUPPORTED, "ipv6_fragment")                                                   \
	X(IPV6_JUMBO, UNSUPPORTED, "ipv6_jumbogram")                                                 \
	X(ENCAP_DEPTH, UNSUPPORTED, "encap_too_deep")                                                \
	X(UDP_PORT, UNSUPPORTED, "udp_port")                                                         \
	X(BTH_TVER, UNSUPPORTED, "bth_tver")                                                         \
	X(BTH_OPCODE, UNSUPPORTED, "bth_opcode")                                                     \
	X(GRH_NXTHDR, UNSUPPORTED, "grh_next_header")                                                \
	X(MACCTL_OPCODE, UNSUPPORTED, "mac_control_opcode")

enum dp_cause {
#define X(e, s, n) DP_C_##e,
	DP_CAUSES(X)
#undef X
	DP_NCAUSE
};

/* Events: notes that do not change the status. */
#define DP_EVENTS(X)                                                                                 \
	X(IPV4_OPTIONS, "ipv4_options")                                                              \
	X(IPV4_FRAGMENT, "ipv4_fragment")                                                            \
	X(IPV6_FRAGMENT, "ipv6_fragment")                                                            \
	X(IPV6_HBH, "ipv6_hop_by_hop")                                                               \
	X(IPV6_DSTOPTS, "ipv6_dest_options")                                                         \
	X(RH_OTHER, "routing_header_not_srh")                                                        \
	X(SRH_MULTIPLE, "srh_multiple")                                                              \
	X(SRH_HMAC, "srh_hmac")                                                                      \
	X(SRH_TLV_UNKNOWN, "srh_tlv_unknown")                                                        \
	X(SRH_TLV_MANY, "srh_tlv_many")                                                              \
	X(SRH_REDUCED, "srh_reduced")                                                                \
	X(TRAILER, "trailer")                                                                        \
	X(IPV4_IN_IPV6, "ipv4_in_ipv6")                                                              \
	X(IPV6_IN_IPV6, "ipv6_in_ipv6")                                                              \
	X(ETH_IN_IPV6, "eth_in_ipv6")                                                                \
	X(CNP_RESERVED, "cnp_reserved_nonzero")                                                      \
	X(PFC_ENBV_HIGH, "pfc_enable_vector_high_bits")                                              \
	X(ICRC_BAD, "icrc_invalid")                                                                  \
	X(EVENTS_LOST, "events_lost")

enum dp_event {
#define X(e, n) DP_E_##e,
	DP_EVENTS(X)
#undef X
	DP_NEVENT
};

/* Options that change how frames decode: from the config and the CLI. */
struct dp_opts {
	uint16_t roce_ports[DP_MAX_PORTS]; /* UDP destination ports that carry BTH */
	uint8_t nroce_ports;
	bool check_icrc;     /* verify the ICRC when it is captured */
	bool has_block;      /* a uSID locator block is configured */
	uint8_t block[16];   /* block prefix, zero beyond lblen */
	uint8_t lblen;       /* block length in bits, multiple of 8, 8..120 */
	uint8_t nflen;       /* uSID length in bits: 8, 16, 24 or 32 */
	uint32_t local_lo;   /* uSIDs in [local_lo, local_hi] are local (LIB) */
	uint32_t local_hi;
	bool no_split;       /* only tell whether a DA is in the block; leave dp_ip.usid empty
	                        (the analyzer reads programs from paths, not from each packet) */
};

/* One SRH TLV as found (RFC 8754 §2.1). Pad1 has len 0 and no length byte. */
struct dp_tlv {
	uint8_t type;
	uint8_t len;  /* value length; for Pad1, 0 */
	uint32_t off; /* frame offset of the type byte */
};

/* Segment Routing Header (RFC 8754 §2). */
struct dp_srh {
	uint32_t off;      /* frame offset of the SRH */
	uint8_t nh;        /* Next Header */
	uint8_t hdrlen;    /* Hdr Ext Len, 8-octet units beyond the first 8 */
	uint8_t sl;        /* Segments Left */
	uint8_t last;      /* Last Entry */
	uint8_t flags;
	uint16_t tag;
	uint16_t nseg;     /* Last Entry + 1: segments in the list */
	uint16_t nseg_cap; /* segments inside the header and captured: safe to read */
	bool complete;     /* validated and the whole segment list captured */
	uint8_t ntlv;      /* TLVs recorded in tlv[] */
	uint8_t tlv_more;  /* TLVs not recorded (beyond DP_MAX_TLV) */
	struct dp_tlv tlv[DP_MAX_TLV];
	bool has_hmac;
	bool hmac_d;       /* D flag of the HMAC TLV */
	uint8_t hmac_len;  /* bytes of HMAC after the key id */
	uint32_t hmac_keyid;
	uint32_t hmac_off; /* frame offset of the HMAC bytes */
};

/* A uSID carrier split (RFC 9800 §4): block + uSIDs up to end-of-carrier. */
struct dp_usid {
	uint8_t n;            /* uSIDs before the zero end-of-carrier */
	uint16_t local_mask;  /* bit i: id[i] is in the local range */
	uint32_t id[DP_MAX_USID];
};

/* One IP layer, outer to inner. IPv4 addresses use the first 4 bytes. */
struct dp_ip {
	uint8_t v;          /* 4 or 6 */
	uint8_t dscp;
	uint8_t ecn;
	uint8_t hlim;       /* hop limit, or TTL */
	uint8_t nh;         /* IPv6 Next Header of the fixed header, IPv4 protocol */
	uint8_t upper;      /* protocol after the extension headers */
	uint8_t n_ext;      /* extension headers, in order, in ext[] */
	uint8_t ext[DP_MAX_EXT];
	bool has_srh;
	bool in_block;      /* IPv6 DA lies in the configured uSID block */
	bool frag;          /* a fragment (any offset, or MF set) */
	uint16_t frag_off;  /* fragment offset in 8-octet units */
	uint32_t flow;      /* IPv6 flow label */
	uint16_t id;        /* IPv4 identification */
	uint32_t off;       /* frame offset of the header */
	uint32_t hlen;      /* fixed header plus options / extension headers */
	uint32_t plen;      /* IPv6 payload length, IPv4 total length - IHL */
	uint8_t src[16];
	uint8_t dst[16];
	struct dp_srh srh;  /* valid when has_srh */
	struct dp_usid usid;/* DA split, valid when in_block */
};

struct dp_eth {
	uint8_t src[6];
	uint8_t dst[6];
	uint16_t type;      /* EtherType after any VLAN tags */
	uint32_t off;
};

/* BTH (IBTA Vol 1 §9.2), every field. */
struct dp_bth {
	uint8_t opcode;
	bool se, m;
	uint8_t pad;        /* PadCnt */
	uint8_t tver;
	uint16_t pkey;
	bool fecn, becn;
	uint8_t resv6;      /* the 6 reserved bits of byte 4 */
	uint32_t dqpn;
	bool ackreq;
	uint8_t resv7;
	uint32_t psn;
};

/*
 * Extended transport headers present (bitmask in dpkt.ext). The bits are in
 * wire order, so walking the set bits from the lowest reads the headers in
 * the order they follow the BTH.
 */
enum {
	DP_X_RDETH = 1u << 0,
	DP_X_DETH = 1u << 1,
	DP_X_XRCETH = 1u << 2,
	DP_X_FETH = 1u << 3,
	DP_X_RETH = 1u << 4,
	DP_X_ATOMIC = 1u << 5,
	DP_X_AETH = 1u << 6,
	DP_X_ATOMICACK = 1u << 7,
	DP_X_IMMDT = 1u << 8,
	DP_X_IETH = 1u << 9,
	DP_X_CNP = 1u << 10, /* the 16 reserved bytes of a CNP */
	DP_X_NBITS = 11,
};

enum dp_icrc { DP_ICRC_NONE = 0, DP_ICRC_NOT_CAPTURED, DP_ICRC_VALID, DP_ICRC_INVALID };

/* AETH syndrome type (bits 6:5). */
enum dp_aeth_type { DP_AETH_ACK = 0, DP_AETH_RNR = 1, DP_AETH_RESERVED = 2, DP_AETH_NAK = 3 };

/* RoCEv1 Global Route Header (IBTA Vol 1 §8.3), IPv6-formatted. */
struct dp_grh {
	uint8_t ipver;
	uint8_t tclass;
	uint32_t flow;
	uint16_t paylen;
	uint8_t nxthdr;
	uint8_t hoplmt;
	uint8_t sgid[16];
	uint8_t dgid[16];
};

/* MAC Control (EtherType 0x8808): 802.3x PAUSE (opcode 1) or PFC (0x0101). */
struct dp_pfc {
	uint16_t opcode;
	uint16_t cev;        /* class-enable vector; PAUSE: 0 */
	uint16_t time[8];    /* PAUSE: time[0] only */
};

enum dp_roce { DP_ROCE_NONE = 0, DP_ROCE_V1, DP_ROCE_V2 };

struct dpkt {
	uint32_t caplen;
	uint32_t len;
	uint32_t linktype;

	uint8_t status;   /* enum dp_status */
	uint8_t cause;    /* enum dp_cause */
	uint8_t nevent;
	uint8_t event[DP_MAX_EVENTS];

	/* Link */
	uint8_t neth;
	struct dp_eth eth[DP_MAX_ETH];
	uint8_t nvlan;                 /* tags on the outer Ethernet */
	uint16_t vlan_id[DP_MAX_VLAN];
	uint8_t vlan_pcp[DP_MAX_VLAN];
	uint16_t vlan_tpid[DP_MAX_VLAN];
	bool has_sll;
	uint16_t sll_pkttype;          /* 0 to us, 4 outgoing, ... */
	uint32_t sll_ifindex;          /* SLL2 only */
	uint16_t sll_proto;

	/* IP */
	uint8_t nip;
	struct dp_ip ip[DP_MAX_IP];

	/* UDP */
	bool has_udp;
	uint16_t sport, dport, ulen, usum;
	uint32_t udp_off;

	/* RoCE */
	uint8_t roce;                  /* enum dp_roce */
	bool has_grh;
	struct dp_grh grh;
	bool has_bth;                  /* the BTH was read */
	bool has_payload;              /* payload length known (from the declared lengths; the
	                                  extended headers may still be cut by the capture) */
	struct dp_bth bth;
	uint32_t bth_off;
	uint16_t ext;                  /* DP_X_* present */
	struct { uint64_t va; uint32_t rkey; uint32_t dmalen; } reth;
	struct { uint8_t syndrome; uint32_t msn; } aeth;
	struct { uint32_t qkey; uint32_t srcqp; } deth;
	uint32_t immdt;
	uint32_t ieth;
	struct { uint64_t va; uint32_t rkey; uint64_t swap; uint64_t cmp; } atomic;
	uint64_t atomicack;
	uint32_t xrc_srq;
	uint32_t feth;
	uint32_t rdeth;
	uint32_t payload_off;          /* frame offset of the payload */
	uint32_t payload_len;          /* payload bytes after the pad, by the UDP/GRH length */
	uint32_t icrc;                 /* the four wire bytes read big-endian, as Wireshark shows
	                                  them; the CRC value itself is their byte swap */
	uint8_t icrc_status;           /* enum dp_icrc */

	/* MAC Control */
	bool has_pfc;
	struct dp_pfc pfc;
};

/* ---- entry points ---- */

void dp_opts_init(struct dp_opts *o);

/*
 * Decode one frame. `linktype` is the pcap LINKTYPE_ value. `caplen` bytes
 * of `frame` are readable; `len` is the length on the wire. Never reads past
 * frame + caplen. Always fills status and cause.
 */
void dissect(const struct dp_opts *o, uint32_t linktype, const uint8_t *frame, uint32_t caplen,
	     uint32_t len, struct dpkt *d);

const char *dp_status_name(unsigned status);
const char *dp_cause_name(unsigned cause);
unsigned dp_cause_status(unsigned cause);
const char *dp_event_name(unsigned event);

/* BTH opcode name ("RC_RDMA_WRITE_ONLY"), or NULL when reserved. */
const char *bth_opname(uint8_t opcode);
/* Extended headers an opcode carries (DP_X_*), and whether it is known. */
bool bth_layout(uint8_t opcode, uint16_t *ext);

/* Split a 128-bit address as a uSID carrier; false when outside the block. */
bool usid_split(const struct dp_opts *o, const uint8_t addr[16], struct dp_usid *out);
/* Is the address inside the configured block? */
bool usid_in_block(const struct dp_opts *o, const uint8_t addr[16]);
bool usid_is_local(const struct dp_opts *o, uint32_t id);

/* ICRC over the frame's RoCE packet (IBTA Annex A17.3.3); see icrc.c. */
uint32_t icrc_compute(const uint8_t *frame, const struct dpkt *d, bool *ok);
uint32_t crc32_ieee(uint32_t crc, const uint8_t *p, size_t n);
uint32_t crc32_ieee_table(uint32_t crc, const uint8_t *p, size_t n); /* no CLMUL: for tests */

/* ---- internal: per-protocol dissectors, called by dissect.c ---- */
struct dp_ctx {
	const struct dp_opts *o;
	struct dpkt *d;
	struct cur c;
};

void dp_fail(struct dp_ctx *x, enum dp_cause cause);
void dp_event(struct dp_ctx *x, enum dp_event ev);
/* Turn the cursor's sticky error into a cause: CAP -> trunc, WIRE -> malformed. */
void dp_fail_cur(struct dp_ctx *x, enum dp_cause trunc, enum dp_cause malformed);

void eth_dissect(struct dp_ctx *x);        /* eth.c: Ethernet II, 802.3, VLANs */
void sll_dissect(struct dp_ctx *x, bool v2); /* sll.c */
void null_dissect(struct dp_ctx *x, bool loop); /* null.c */
void ethertype_dispatch(struct dp_ctx *x, uint16_t type); /* eth.c */
void link_type_dispatch(struct dp_ctx *x, uint16_t type, bool outer); /* eth.c: tags, then type */
void ipv4_dissect(struct dp_ctx *x);       /* ipv4.c */
void ipv6_dissect(struct dp_ctx *x);       /* ipv6.c */
bool srh_dissect(struct dp_ctx *x, struct dp_srh *s, const uint8_t *h8); /* srh.c */
void ip_upper_dispatch(struct dp_ctx *x, uint8_t proto); /* ipv6.c: after an IP header */
void udp_dissect(struct dp_ctx *x);        /* udp.c */
void bth_dissect(struct dp_ctx *x);        /* bth.c: BTH and extended headers */
void grh_dissect(struct dp_ctx *x);        /* grh.c: RoCEv1 */
void pfc_dissect(struct dp_ctx *x);        /* pfc.c */

#endif
