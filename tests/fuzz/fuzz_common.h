/*
 * fuzz_common.h - what the libFuzzer targets share (STYLE.md habit 11).
 *
 * Every target defines LLVMFuzzerTestOneInput(). Built with clang and
 * -fsanitize=fuzzer it runs under libFuzzer (`make fuzz`); built with the
 * normal compiler and tests/fuzz/driver.c it replays a corpus directory in
 * `make test` (tests/t_fuzz_replay.sh), sanitized or not.
 *
 * Input layout of the dissector targets (fuzz_eth.c ... fuzz_pfc.c):
 *
 *   byte 0   flags: FZ_VARIANT (bits 0-1) picks a link type or a header
 *            the target builds in front; FZ_NOICRC skips the ICRC check;
 *            FZ_NOBLOCK drops the uSID block; FZ_JSON renders JSON instead
 *            of text; FZ_VERBOSE renders every field; FZ_NFLEN8 uses 8-bit
 *            uSIDs in a /24 block instead of 16-bit in a /32; FZ_NOEMIT
 *            skips the rendering. (fuzz_udp.c uses bit 6 for its own
 *            purpose, see there.)
 *   byte 1   wire bytes beyond the capture: len = caplen + byte 1, so the
 *            truncated (capture cut) paths are reached as well as the
 *            malformed ones.
 *   rest     the frame, in a heap block of exactly its size, so that
 *            AddressSanitizer reports any read past the captured bytes.
 *
 * After the decode the frame is rendered (emit.c, the decode output) into
 * /dev/null: the renderers read the dpkt and the frame, and must stay
 * within what the dissector said was filled and captured.
 *
 * hash_seed() reads getrandom(); the targets replace getrandom() with a
 * constant so that a crash found in the engine replays the same way.
 */
#ifndef SPINETAP_FUZZ_COMMON_H
#define SPINETAP_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config.h"
#include "dissect.h"
#include "emit.h"
#include "out.h"
#include "pktsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
ssize_t getrandom(void *buf, size_t len, unsigned int flags);

enum {
	FZ_VARIANT = 0x03,
	FZ_NOICRC = 0x04,
	FZ_NOBLOCK = 0x08,
	FZ_JSON = 0x10,
	FZ_VERBOSE = 0x20,
	FZ_NFLEN8 = 0x40,
	FZ_NOEMIT = 0x80,
};

/* Deterministic "randomness" for hash_seed(): crashes must replay. */
ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	(void)flags;
	memset(buf, 0x5a, len);
	return (ssize_t)len;
}

/* The fabric of samples/fabric-encap.yaml, with every section filled. */
static const char fz_config_text[] =
	"usid: { block: fcbb:bbbb::/32, nflen: 16, local: 0xe000-0xffff }\n"
	"nodes:\n"
	"  leaf1: { usid: 0x0001, role: leaf }\n"
	"  leaf2: { usid: 0x0002, role: leaf }\n"
	"  spine1: { usid: 0x1001, role: spine }\n"
	"  spine2: { usid: 0x1002, role: spine }\n"
	"  host1: { usid: 0xa001, role: host }\n"
	"  host2: { usid: 0xa002, role: host }\n"
	"  host3: { usid: 0xb001, role: host }\n"
	"  host4: { usid: 0xb002, role: host }\n"
	"taps:\n"
	"  spine1: { node: spine1, dir: in }\n"
	"  spine2: { node: spine2, dir: in }\n"
	"  spine1-l1: { node: spine1, dir: both, peer: leaf1 }\n"
	"  spine1-l2: { node: spine1, dir: both, peer: leaf2 }\n"
	"  spine2-tx: { node: spine2, dir: out }\n"
	"policies:\n"
	"  - name: leaf1-leaf2\n"
	"    match: { src: 2001:db8:10::/64, dst: 2001:db8:20::/64 }\n"
	"    paths: [ [leaf1, \"spine*\", leaf2, \"host*\"] ]\n"
	"    mode: spray\n"
	"    balance: 0.2\n"
	"  - name: leaf2-leaf1\n"
	"    match: { src: 2001:db8:20::/64, dst: 2001:db8:10::/64, dscp: [0-63] }\n"
	"    paths: [ [leaf2, spine1, leaf1, host1], [leaf2, spine2, leaf1, \"host*\"] ]\n"
	"    mode: pin\n"
	"  - name: v4\n"
	"    match: { src: 10.0.0.0/8, dqpn: 0-0xffffff, sport: 0-65535 }\n"
	"    paths: [ [\"leaf*\", \"spine*\", \"leaf*\"] ]\n"
	"settings: { roce_ports: [4791, 1000], pmtu: 512, qp_capacity: 16,\n"
	"            evidence_per_kind: 4, correlation_window_ms: 10 }\n";

static struct config fz_cfg;
static struct config fz_cfg8; /* the same nodes with 8-bit uSIDs in a /24 block */
static FILE *fz_null;

static const char fz_config8_text[] =
	"usid: { block: fcbb:bb00::/24, nflen: 8, local: 0xe0-0xff }\n"
	"nodes: { leaf1: { usid: 0x01 }, spine1: { usid: 0x11, role: spine } }\n";

static inline void fz_setup(void)
{
	static int done;
	char err[512];
	if (done)
		return;
	done = 1;
	config_init(&fz_cfg);
	config_init(&fz_cfg8);
	if (!config_load_mem(&fz_cfg, "fuzz.yaml", fz_config_text, sizeof(fz_config_text) - 1, err,
			     sizeof(err)) ||
	    !config_load_mem(&fz_cfg8, "fuzz8.yaml", fz_config8_text, sizeof(fz_config8_text) - 1, err,
			     sizeof(err))) {
		fprintf(stderr, "fuzz: the built-in config does not load: %s\n", err);
		abort();
	}
	fz_null = fopen("/dev/null", "w");
	if (!fz_null)
		abort();
}

/* Decoder options from the flag byte. */
static inline const struct config *fz_opts(uint8_t flags, struct dp_opts *o)
{
	const struct config *c = (flags & FZ_NFLEN8) ? &fz_cfg8 : &fz_cfg;
	config_dp_opts(c, o);
	if (flags & FZ_NOICRC)
		o->check_icrc = false;
	if (flags & FZ_NOBLOCK)
		o->has_block = false;
	return c;
}

/*
 * Decode `frame` (caplen bytes, already in an exact-size heap block) as
 * `linktype`, with len = caplen + extra, and render it unless told not to.
 */
static inline void fz_dissect(uint8_t flags, uint32_t linktype, const uint8_t *frame, uint32_t caplen,
		       uint32_t extra, struct dpkt *d)
{
	struct dp_opts o;
	const struct config *c = fz_opts(flags, &o);
	uint32_t len = caplen + extra;
	dissect(&o, linktype, frame, caplen, len, d);
	if (d->status >= DP_NSTATUS || d->cause >= DP_NCAUSE || d->nevent > DP_MAX_EVENTS ||
	    d->nip > DP_MAX_IP || d->neth > DP_MAX_ETH || d->nvlan > DP_MAX_VLAN ||
	    dp_cause_status(d->cause) != d->status) {
		fprintf(stderr, "fuzz: inconsistent dpkt: status %u cause %u nevent %u nip %u neth %u nvlan %u\n",
			d->status, d->cause, d->nevent, d->nip, d->neth, d->nvlan);
		abort();
	}
	if (flags & FZ_NOEMIT)
		return;
	struct out out;
	struct pkt p = {
		.ts = 1767225600123456789ull,
		.caplen = caplen,
		.len = len,
		.linktype = linktype,
		.frame = 1,
		.src = 0,
		.data = frame,
	};
	out_init(&out, fz_null, (flags & FZ_JSON) ? OUT_JSON : OUT_TEXT, (flags & FZ_VERBOSE) ? 2 : 0);
	emit_packet(&out, c, &o, &p, d);
}

/*
 * The common dissector target: flags, extra wire bytes, then `hlen` bytes
 * of header from `hdr` (may be 0) followed by the input, copied to an
 * exact-size block. `fix` may patch the header with the body's length.
 */
typedef void (*fz_fix_fn)(uint8_t *frame, size_t hlen, size_t total, uint8_t flags);

static inline int fz_run(const uint8_t *data, size_t size, uint32_t linktype, const uint8_t *hdr,
		  size_t hlen, fz_fix_fn fix)
{
	fz_setup();
	if (size < 2 || size - 2 > 65535)
		return 0;
	uint8_t flags = data[0], extra = data[1];
	size_t n = size - 2 + hlen;
	uint8_t *frame = malloc(n ? n : 1);
	if (!frame)
		return 0;
	if (hlen)
		memcpy(frame, hdr, hlen);
	memcpy(frame + hlen, data + 2, size - 2);
	if (fix)
		fix(frame, hlen, n, flags);
	struct dpkt d;
	fz_dissect(flags, linktype, frame, (uint32_t)n, extra, &d);
	free(frame);
	return 0;
}

/*
 * When a RoCE packet was decoded whole but its ICRC does not match, write
 * the right ICRC into the frame and say so: the caller decodes again, which
 * reaches the "valid" branch a fuzzer would never guess.
 */
static inline int fz_icrc_fix(uint8_t *frame, uint32_t caplen, const struct dpkt *d)
{
	if (!d->has_bth || d->icrc_status != DP_ICRC_INVALID)
		return 0;
	uint32_t at = d->payload_off + d->payload_len + d->bth.pad;
	if (at > caplen || caplen - at < 4)
		return 0;
	bool ok = false;
	uint32_t crc = icrc_compute(frame, d, &ok);
	if (!ok)
		return 0;
	frame[at] = (uint8_t)crc;
	frame[at + 1] = (uint8_t)(crc >> 8);
	frame[at + 2] = (uint8_t)(crc >> 16);
	frame[at + 3] = (uint8_t)(crc >> 24);
	return 1;
}

#endif
