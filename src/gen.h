/*
 * gen.h - spinetap-gen: a deterministic generator of RoCEv2 traffic crossing
 * an SRv6 uSID (RFC 9800 NEXT-C-SID, F3216) leaf/spine fabric, as seen by
 * capture points (taps) on the spines.
 *
 * Modules (read in this order):
 *   gen_cli.c     options, the origin-lab sample, the run
 *   gen_fabric.c  the fabric model: addresses, uSIDs, QPs, the YAML config
 *   gen_pkt.c     frame builder: Ethernet/802.1Q, IPv6 + SRH, inner IP,
 *                 UDP, BTH and extended headers, ICRC (IBTA Annex A17)
 *   gen_sim.c     the simulation: requesters, responders, scenarios, taps,
 *                 timestamp-ordered output, per-packet truth accounting
 *   gen_judge.c   the policies of the config, and the verdicts and
 *                 correlation results the documented rules give for every
 *                 sighting written (spinetap.conf(5) VERDICTS, CORRELATION)
 *   gen_truth.c   truth JSON and the per-packet manifest
 *
 * The generator is the independent producer of test traffic: it builds
 * every byte itself and shares no decoding code with dissectors/ (only the
 * CRC-32 primitive crc32_ieee()).
 *
 * References: RFC 8200, RFC 8754 (SRH), RFC 8986 (H.Encaps, H.Encaps.Red,
 * End), RFC 9800 (NEXT-C-SID shift), IBTA Vol 1 ch. 9 (BTH, ext headers),
 * IBTA Annex A17 (RoCEv2, ICRC), IEEE 802.1Q/802.1ad.
 */
#ifndef SPINETAP_GEN_H
#define SPINETAP_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pcapw.h"

/* Big-endian stores: the writer's side of cursor.h's rd_be*(). */
static inline void put_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void put_be24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}
static inline void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v);
}
static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* ---- limits (every one is checked when options are parsed) ---- */
#define GEN_MAX_SPINES 64      /* 64 sport ranges of 256 ports in 49152-65535 */
#define GEN_MAX_LEAVES 4095    /* leaf i has prefix 2001:db8:(i*0x10)::/64 */
#define GEN_MAX_HOSTS 49152    /* global host uSIDs 0x2000..0xdfff */
#define GEN_MAX_QPS 4000000u   /* two QPNs each in the 24-bit QPN space */
#define GEN_MAX_VLAN 3
#define GEN_MAX_SNAPLEN 262144u
#define GEN_MAX_RATE 1000000000ull
#define GEN_MAX_MSG (1u << 30) /* bytes in one message */
#define GEN_FRAME_MAX 8192     /* headers (< 256) + PMTU 4096 + pad + ICRC */
#define GEN_HDR_ROOM 256       /* bytes reserved for headers before payload */

#define GEN_BLOCK_HI 0xfcbbu   /* uSID block fcbb:bbbb::/32 */
#define GEN_BLOCK_LO 0xbbbbu
#define GEN_USID_UDT6 0xfe09u  /* uDT6, a local (LIB) function of the host */
#define GEN_LOCAL_LO 0xe000u
#define GEN_LOCAL_HI 0xffffu
#define GEN_ROCE_PORT 4791u
#define GEN_SPORT_BASE 49152u  /* spine j (0-based) owns 49152+256j .. +255 */

#define GEN_HLIM_HOST 64       /* hop limit / TTL the sending host uses */
#define GEN_TC_DATA 0x6a       /* DSCP 26 (AF31), ECN ECT(0) */
#define GEN_TC_CNP 0xc2        /* DSCP 48 (CS6), ECN ECT(0), as ConnectX */
#define GEN_ECN_CE 3
#define GEN_PCP_DATA 3
#define GEN_PCP_CNP 6

#define GEN_PSN_MASK 0xffffffu
#define GEN_USID_UNKNOWN 0x1fffu /* global, and no node ever has it (unknown-usid) */
#define GEN_QKEY 0x11111111u   /* Q_Key of generated UD sends */

/* Default start: 2026-01-01T00:00:00Z, so output never depends on the clock. */
#define GEN_START_NS (1767225600ull * 1000000000ull)

enum gen_style { GEN_STYLE_RED, GEN_STYLE_ENCAP, GEN_STYLE_INLINE, GEN_NSTYLE };
enum gen_tapmode { GEN_TAPS_IN, GEN_TAPS_OUT, GEN_TAPS_BOTH, GEN_TAPS_INOUT, GEN_NTAPMODE };
enum gen_reverse { GEN_REV_SAME, GEN_REV_NEXT };

enum gen_scenario {
	GEN_SCN_CLEAN,
	GEN_SCN_LOSS,
	GEN_SCN_GOBACKN,
	GEN_SCN_READ,
	GEN_SCN_NAK,
	GEN_SCN_RNR,
	GEN_SCN_CNP_STORM,
	GEN_SCN_CE,
	GEN_SCN_PSN_WRAP,
	GEN_SCN_REORDER,
	/* verdict and correlation faults (gen_judge.c counts what they cause) */
	GEN_SCN_WRONG_SPINE,     /* some QPs' requests cross another spine than their policy's */
	GEN_SCN_LEAF_MISFWD,     /* leafS hands a packet to a spine its program does not name */
	GEN_SCN_PIN_MOVE,        /* a pinned QP moves to another allowed spine mid-run */
	GEN_SCN_UNSTEERED,       /* some QPs' requests carry no SRv6 at all */
	GEN_SCN_UNKNOWN_USID,    /* some QPs' programs name a uSID the node map lacks */
	GEN_SCN_SPINE_DROP,      /* spine1 drops packets between its entering and leaving taps */
	GEN_SCN_BAD_SHIFT,       /* spine1 rewrites the DA or hop limit wrongly */
	GEN_SCN_SPRAY_IMBALANCE, /* a spray policy with balance 0.2, QPs skewed to spine1 */
	GEN_NSCN
};

/* Message kinds of the --mix option. */
enum gen_kind {
	GEN_K_WRITE,
	GEN_K_WRITE_IMM,
	GEN_K_SEND,
	GEN_K_SEND_IMM,
	GEN_K_SEND_INV,
	GEN_K_READ,
	GEN_K_CAS,
	GEN_K_FAA,
	GEN_K_UD,
	GEN_K_UD_IMM,
	GEN_NKIND
};

/* NAK codes of the truth file, in AETH syndrome order 0x60.. */
enum { GEN_NAK_SEQ, GEN_NAK_INV_REQ, GEN_NAK_REM_ACCESS, GEN_NAK_REM_OP, GEN_NAK_INV_RD, GEN_NNAK };

/* BTH opcodes the generator writes (IBTA Vol 1 Table 38 / rxe ib_pack.h). */
enum {
	GEN_OP_SEND_FIRST = 0x00,
	GEN_OP_SEND_MIDDLE = 0x01,
	GEN_OP_SEND_LAST = 0x02,
	GEN_OP_SEND_LAST_IMM = 0x03,
	GEN_OP_SEND_ONLY = 0x04,
	GEN_OP_SEND_ONLY_IMM = 0x05,
	GEN_OP_WRITE_FIRST = 0x06,
	GEN_OP_WRITE_MIDDLE = 0x07,
	GEN_OP_WRITE_LAST = 0x08,
	GEN_OP_WRITE_LAST_IMM = 0x09,
	GEN_OP_WRITE_ONLY = 0x0a,
	GEN_OP_WRITE_ONLY_IMM = 0x0b,
	GEN_OP_READ_REQ = 0x0c,
	GEN_OP_READ_RESP_FIRST = 0x0d,
	GEN_OP_READ_RESP_MIDDLE = 0x0e,
	GEN_OP_READ_RESP_LAST = 0x0f,
	GEN_OP_READ_RESP_ONLY = 0x10,
	GEN_OP_ACK = 0x11,
	GEN_OP_ATOMIC_ACK = 0x12,
	GEN_OP_CMP_SWAP = 0x13,
	GEN_OP_FETCH_ADD = 0x14,
	GEN_OP_SEND_LAST_INV = 0x16,
	GEN_OP_SEND_ONLY_INV = 0x17,
	GEN_OP_UD_SEND_ONLY = 0x64,
	GEN_OP_UD_SEND_ONLY_IMM = 0x65,
	GEN_OP_CNP = 0x81,
};

/* AETH syndromes (IBTA Vol 1 §9.7.5.1; rxe enum aeth_syndrome). */
#define GEN_AETH_ACK 0x1f      /* ACK, credit count "unlimited" */
#define GEN_AETH_RNR 0x21      /* RNR NAK, timer code 1 = 0.01 ms */
#define GEN_AETH_NAK_SEQ 0x60

/* ---- options ---- */
struct gen_opts {
	uint64_t seed;
	unsigned spines, leaves, hosts; /* hosts per leaf */
	uint32_t qps;
	uint64_t packets;               /* records written, all taps together */
	uint64_t rate;                  /* packets per second entering the fabric */
	uint64_t start_ns;
	unsigned nvlan;
	uint16_t vlan[GEN_MAX_VLAN];    /* outermost first */
	uint32_t snaplen;
	bool ipv4;                      /* inner IPv4 */
	int style;                      /* enum gen_style */
	int taps;                       /* enum gen_tapmode */
	bool taps_set;
	int scenario;                   /* enum gen_scenario */
	int reverse;                    /* enum gen_reverse */
	uint32_t mix[GEN_NKIND];
	bool mix_set;
	uint32_t pmtu;
	uint32_t msg_min, msg_max;
	bool msg_set;
	uint32_t ack_every;             /* one ACK per N completed messages; 0 none */
	double intensity;               /* scenario probability, see gen_sim.c */
	bool intensity_set;
	const char *wfile, *out_dir, *config_out, *truth_out, *manifest;
	const char *sample;             /* "origin-lab" or NULL */
	char cmdline[1024];             /* recorded in the config and truth */
};

/* ---- fabric (gen_fabric.c) ---- */
struct gen_fabric {
	unsigned nspines, nleaves, hpl, nhosts;
	bool ipv4;
	uint8_t (*addr6)[16];     /* host IPv6 address */
	uint8_t (*addr4)[4];      /* host inner IPv4 address (with --ipv4) */
	uint16_t *usid;           /* host uSID */
};

/* One queue-pair connection A -> B: A's requests to QP dqpn on B, and B's
 * responses (ACK, NAK, READ responses, CNP) to QP rqpn on A. */
struct gen_qp {
	uint16_t src, dst;      /* host indexes: requester A, responder B */
	uint8_t spine, rspine;  /* 0-based spine of requests, of responses */
	uint16_t sport;         /* UDP source port, both directions */
	uint32_t dqpn, rqpn;    /* B's QPN (requests), A's QPN (responses) */
	uint32_t psn;           /* next request PSN */
	uint32_t msn;           /* responder's completed messages, 24 bits */
	/* current (or last) message: kept after it ends for go-back-N resends */
	uint32_t m_psn0, m_len, m_idx, m_npk;
	uint8_t m_kind;
	uint8_t fault;          /* enum gen_fault (gen_sim.c) */
	uint8_t flags;          /* GEN_QF_* */
	uint8_t acks_due;       /* completed messages not yet ACKed */
	uint8_t qx;             /* GEN_QX_*: per-QP faults of the verdict scenarios */
	uint32_t f_psn;         /* PSN a fault is about */
	uint32_t last_cnp_us;   /* responder's last CNP, µs after start + 1 */
};

#define GEN_QF_STARTED 0x01  /* a request was sent: never fault the first */
#define GEN_QF_PENDGAP 0x02  /* a PSN had no primary sighting: flag the next GEN_PF_GAP */
#define GEN_QF_UD 0x04       /* an unreliable-datagram QP: UD sends only */

#define GEN_QX_WRONG 0x01    /* wrong-spine: requests cross spine+1 */
#define GEN_QX_MOVED 0x02    /* pin-move: requests moved to spine+1 */
#define GEN_QX_PLAIN 0x04    /* unsteered: requests without SRv6 */
#define GEN_QX_UNKNOWN 0x08  /* unknown-usid: requests name GEN_USID_UNKNOWN */

/* ---- one packet to emit, one sighting to write, or one responder job ---- */
struct gen_pkt {
	uint64_t ts;            /* ns since the epoch (jobs: when ready) */
	uint64_t seq;           /* tie-break: order of creation */
	uint32_t qp;
	uint32_t psn;
	uint32_t plen;          /* payload bytes */
	uint32_t aux;           /* AETH MSN, or RETH DMA length */
	uint32_t count;         /* jobs: packets in the burst; a late sighting: its successor's emit */
	uint32_t idx;           /* jobs: packets already emitted; a late sighting: the low
				 * bits of its successor's entering-sighting seq */
	uint32_t mlen;          /* jobs: message length (READ responses) */
	uint32_t emit;          /* emission id, 1.. (ICRC cache key) */
	uint8_t opcode;
	uint8_t syndrome;       /* AETH syndrome */
	uint8_t flags;          /* GEN_PF_* */
	uint8_t pos;            /* sighting: 0 entering the spine, 1 leaving; job: type */
	uint8_t spine;          /* 0-based spine the packet crosses */
	uint8_t pspine;         /* 0-based spine its program names (leaf-misforward: another) */
	uint8_t xf;             /* GEN_XF_* */
};

#define GEN_XF_PLAIN 0x01    /* no SRv6: plain IPv6 (IPv4) host to host */
#define GEN_XF_UNKNOWN 0x02  /* the program names GEN_USID_UNKNOWN */
#define GEN_XF_HLIM 0x04     /* leaving the spine with the hop limit not decremented */
#define GEN_XF_SHIFT2 0x08   /* leaving the spine with the DA shifted by two uSIDs */
#define GEN_XF_NOLEAVE 0x10  /* never leaves the spine (dropped there): no leaving sighting */
#define GEN_XF_FILL 0x20     /* written: a leaving sighting whose entering one was not (the end) */

#define GEN_PF_RESP 0x01     /* travels B -> A (response, ACK/NAK, CNP) */
#define GEN_PF_CE 0x02       /* outer ECN = CE */
#define GEN_PF_RESEND 0x04   /* a go-back-N / RNR resend */
#define GEN_PF_LATE 0x08     /* delivered late (reorder scenario) */
#define GEN_PF_SE 0x10
#define GEN_PF_ACKREQ 0x20
#define GEN_PF_BECN 0x40
#define GEN_PF_GAP 0x80      /* first packet after a dropped PSN of its stream */

/* ---- truth counters (gen_sim.c fills, gen_truth.c writes) ---- */
struct gen_rec {            /* one QP record: one direction of a connection */
	uint64_t bytes;
	uint32_t packets, sent, ce, cnps;
	uint32_t rare;          /* index+1 into gen.rare, 0 = all zero */
	uint32_t alt;           /* of the packets, on the record's alternate spine (spine+1) */
};

struct gen_rare {           /* counters that are zero for most records */
	uint32_t gaps, retrans, ooo, rnr;
	uint32_t nak[GEN_NNAK];
};

struct gen_tap {
	char name[32];
	unsigned spine;
	int dir;                /* 0 in, 1 out, 2 both */
	int peer;               /* 0-based leaf at the other end of a link tap, or -1 */
	struct pcapw *w;
	uint64_t packets, bytes;
};

/* Scenario events as injected (emission side; may exceed what was captured). */
struct gen_injected {
	uint64_t drops, downstream_drops, naks[GEN_NNAK], rnr_naks, resent, reorders, ce_marked,
		cnps, acks, read_responses;
	/* verdict scenarios: QPs chosen, packets hit */
	uint64_t wrong_spine_qps, unsteered_qps, unknown_usid_qps, skewed_qps, moved, misforwarded,
		spine_drops, bad_shifts;
};

/* Verdicts, in spinetap.conf(5) order (rule 1 first), then "uncovered". */
enum gen_verdict {
	GV_COMPLIANT,
	GV_MISROUTED,
	GV_UNKNOWN_SID,
	GV_UNSTEERED,
	GV_POLICY_VIOLATION,
	GV_PIN_VIOLATION,
	GV_UNCOVERED,
	GV_N
};

/*
 * A policy of the generated config. Every one has the shape
 *   match: { src: <leaf /64 or host /128>, dst: <...>[, sport: lo-hi] }
 *   paths: [ [leafS, <spineJ or "spine*">, leafD, <hostH or "host*">] ]
 * (IPv4 /16 and /32 with --ipv4), so matching and judging stay exact.
 */
struct gen_policy {
	char name[64];
	uint32_t src_leaf, dst_leaf;  /* 0-based leaves: the path's and the match's */
	int32_t src_host, dst_host;   /* 0-based host matched as /128 (/32), or -1: the leaf prefix */
	int32_t path_spine;           /* 0-based spine of the path, or -1: "spine*" */
	int32_t path_host;            /* 0-based host ending the path, or -1: "host*" */
	uint16_t sport_lo, sport_hi;  /* both 0: no sport in the match */
	bool pin;                     /* mode pin (else spray) */
	bool has_balance;
	double balance;
	/* what the documented rules give, over every sighting written */
	uint64_t covered, v[GV_N];
};

/* Concrete path counts of a policy: compliant primary sightings per path. */
struct gen_conc {
	uint64_t key;                 /* policy << 32 | spine+1 << 24 | host+1 (0: pattern), +1 */
	uint64_t n;
};

struct gen_judge {
	struct gen_policy *pol;
	uint32_t npol;
	struct { uint64_t k1, k2; uint32_t pol; } *idx; /* lookup keys, sorted */
	uint32_t nidx;
	int32_t *rec_pol;             /* per QP record: policy index, -1 uncovered */
	uint64_t *pin;                /* per QP record: pinned concrete key, 0 none */
	uint32_t *sightings;          /* per QP record: sightings written, every tap */
	uint64_t v[GV_N];
	uint64_t *c_in, *c_match, *c_shift; /* per spine: correlation */
	/* per spine: the times of entering sightings that never leave (dropped in the
	 * spine), to tell lost from in transit at the end as the analyzer does */
	uint64_t **c_drop_ts;
	uint32_t *c_ndrop, *c_capdrop;
	uint64_t last_ts;             /* the newest sighting written */
	struct gen_conc *conc;        /* open addressing */
	uint32_t nconc, cap_conc;
};

/* Spine transit time, constant per spine (gen_sim.c). */
uint64_t gen_transit_ns(unsigned spine);

struct gen_icrc_slot {
	uint32_t emit;
	uint32_t icrc;
};

struct gen {
	struct gen_opts o;
	struct gen_fabric f;
	struct gen_qp *qp;
	uint32_t nqp;
	struct gen_rec *rec;    /* 2 per QP: [2q] requests, [2q+1] responses */
	struct gen_rare *rare;
	uint32_t nrare, caprare;
	struct gen_tap *tap;
	unsigned ntap;
	struct pcapw *merged;   /* -w */
	FILE *manifest;
	uint64_t written;       /* sightings written */
	uint64_t emitted;
	struct gen_injected inj;
	bool flow_zero;         /* IPv6 flow label 0 (origin-lab sample) */
	bool lab;               /* the origin-lab sample */
	bool judging;           /* truth or manifest wanted: classify and judge every sighting */
	struct gen_judge j;
	uint64_t rng;
	struct gen_icrc_slot icrc_cache[256];
};

/* ---- gen_fabric.c ---- */
void gen_fabric_init(struct gen *g);
void gen_fabric_free(struct gen *g);
void gen_qps_init(struct gen *g);
uint16_t gen_leaf_usid(unsigned leaf);   /* 0-based leaf */
uint16_t gen_spine_usid(unsigned spine); /* 0-based spine */
unsigned gen_host_leaf(const struct gen *g, unsigned host);
/* A uSID carrier: block, then n uSIDs, zero filled. */
void gen_carrier(uint8_t out[16], const uint16_t *ids, unsigned n);
void gen_node_mac(uint8_t mac[6], unsigned role, unsigned idx);
void gen_host_name(char *buf, size_t len, unsigned host);
void gen_write_config(const struct gen *g, const char *path);
void gen_write_lab_config(const struct gen *g, const char *path);
uint64_t gen_rand(uint64_t *state); /* splitmix64 */
uint64_t gen_mix64(uint64_t x);
uint32_t gen_flow_label(uint32_t a, uint32_t b);

/* ---- gen_judge.c ---- */
/* The policies of the config (before the run: the judge needs them). */
void gen_policies_init(struct gen *g);
void gen_judge_init(struct gen *g);
void gen_judge_free(struct gen *g);
/* Does the spinetap analyzer classify this sighting at tap `tapi` as entering the tap's node
 * (the tap's dir, else the program: its active uSID is the node)? */
bool gen_sighting_enters(const struct gen *g, const struct gen_pkt *p, unsigned tapi);
/* Judge one written sighting; returns whether it is primary (COUNTING RULES). */
bool gen_judge_sighting(struct gen *g, const struct gen_pkt *p, unsigned tapi);
/* The policies section of the YAML config. */
void gen_write_policies(FILE *f, const struct gen *g);
/* The verdicts, correlation, policies, adherence and exit_status members of the truth. */
void gen_write_verdict_truth(FILE *f, const struct gen *g);
/* 0-based spine next to `spine`: where the verdict scenarios send the odd packet. */
unsigned gen_alt_spine(const struct gen *g, unsigned spine);
/* The spine a QP's requests cross now. */
unsigned gen_req_spine(const struct gen *g, const struct gen_qp *q);

/* ---- gen_pkt.c ---- */
/* Extended header bytes after the BTH for an opcode. */
unsigned gen_ext_len(uint8_t opcode);
/* The addresses of a sighting as the frame carries them (for the manifest). */
struct gen_view {
	uint8_t outer_src[16], outer_dst[16];
	uint8_t seg[2][16];
	bool has_srh;
	uint8_t sl;
	uint8_t hlim;
	bool plain;             /* no SRv6: outer_src/outer_dst are the hosts' (IPv6) addresses */
	unsigned src_host, dst_host, spine;
};
void gen_view(const struct gen *g, const struct gen_pkt *p, struct gen_view *v);
/* Build the frame of a sighting: returns the wire length, *caplen the
 * bytes put in buf (at most snaplen; buf holds GEN_FRAME_MAX). */
uint32_t gen_frame(struct gen *g, const struct gen_pkt *p, uint8_t *buf, uint32_t *caplen);

/* ---- gen_sim.c ---- */
void gen_run(struct gen *g);
void gen_sample_origin(struct gen *g);

/* ---- gen_truth.c ---- */
void gen_write_truth(const struct gen *g, const char *path);
void gen_manifest_header(FILE *f);
void gen_manifest_line(struct gen *g, const struct gen_pkt *p, unsigned tap, bool primary,
		       uint32_t caplen, uint32_t len);
const char *gen_scenario_name(int s);
const char *gen_style_name(int s);
const char *gen_tapmode_name(int t);
const char *gen_kind_name(int k);

#endif
