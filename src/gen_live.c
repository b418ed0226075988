/*
 * gen_live.c - `spinetap-gen live`: send RoCEv2 for real, as UDP datagrams to
 * port 4791 from a host's network namespace, so that the host kernel's SRv6
 * (H.Encaps.Red chosen per UDP source port by ip rules) carries them across a
 * real uSID fabric (tests/fabric/fabric.sh).
 *
 * Requester (the default): one UDP socket per queue pair, bound to the QP's
 * source port. Spine j (1-based) owns the source ports SPORT_BASE+256(j-1) ..
 * +255, as in the fabric's ip rules, so the port picks the spine. Each QP sends
 * RDMA WRITE messages (FIRST/MIDDLE.../LAST, or ONLY) of --msg-size bytes cut
 * at --pmtu: BTH + RETH (FIRST and ONLY) + payload + pad + ICRC. Packets go
 * round-robin over the QPs, paced at --rate, until --packets or --duration.
 * It also listens on port 4791 for the responder's ACKs, NAKs and CNPs.
 * At the end it prints its truth as one JSON object: per QP and per spine
 * the request packets sent (and their bytes as a spine port sees them).
 *
 * Responder (--respond): one socket on port 4791. Per QP (requester address,
 * DestQP) it follows the request PSNs: an in-order LAST/ONLY with AckReq gets
 * an ACK (AETH syndrome 0x1f, MSN); a PSN ahead of the expected one gets one
 * NAK PSN sequence error (syndrome 0x60, the expected PSN) and the stream goes
 * on from the new PSN (no go-back-N: the requester does not resend); with
 * --cnp-every N every Nth request packet of a QP draws a CNP. Responses go to
 * the requester's address, port 4791, with the requester's QPN as DestQP, from
 * the request's source port (same spine) or one moved into --reply-spine's
 * range. The requester's QPN stands in for connection setup: it rides in the
 * first four payload bytes of every FIRST and ONLY packet.
 *
 * The ICRC (IBTA Annex A17.3.3) covers the IPv6 header as the host kernel
 * builds it before encapsulation: src/dst = the host addresses, traffic class,
 * flow label and hop limit masked, payload length = UDP length, next header
 * 17; the UDP header with its checksum masked; the BTH with byte 4 masked.
 * crc32_ieee() is the dissectors' (dissectors/icrc.c).
 *
 * Everything is deterministic given the options: QPNs, PSNs, ports, message
 * sizes (splitmix64 from --seed) and payload bytes.
 */
#include "cli.h"
#include "gen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dissect.h" /* crc32_ieee() */
#include "util.h"

#define LIVE_PORT 4791
#define MAX_SPINES 64
#define MAX_QPS 16384
#define PKT_MAX 9000
#define BTH_LEN 12
#define RETH_LEN 16
#define AETH_LEN 4
#define ICRC_LEN 4
/* What a spine port sees around the RoCE bytes: Ethernet, outer IPv6 (H.Encaps.Red, no SRH),
 * inner IPv6, UDP. */
#define WIRE_OVERHEAD (14 + 40 + 40 + 8)

enum {
	OP_WRITE_FIRST = 0x06,
	OP_WRITE_MIDDLE = 0x07,
	OP_WRITE_LAST = 0x08,
	OP_WRITE_ONLY = 0x0a,
	OP_ACK = 0x11,
	OP_CNP = 0x81,
};
#define AETH_ACK 0x1f
#define AETH_NAK_SEQ 0x60
#define TC_DATA 0x6a /* DSCP 26, ECT(0) */
#define TC_CNP 0xc2  /* DSCP 48, ECT(0) */
#define PSN_MASK 0xffffffu

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The BTH: opcode, SE/M/pad/TVer, P_Key 0xffff, FECN/BECN, DestQP, AckReq, PSN.
 * `len` is the RoCE length so far; the pad makes payload+pad a multiple of 4.
 */
static void put_bth(uint8_t *b, uint8_t op, bool se, unsigned pad, bool becn, uint32_t dqpn,
		    bool ackreq, uint32_t psn)
{
	b[0] = op;
	b[1] = (uint8_t)((se ? 0x80 : 0) | (pad & 3) << 4); /* M 0, TVer 0 */
	put_be16(b + 2, 0xffff);
	b[4] = becn ? 0x40 : 0;
	put_be24(b + 5, dqpn & PSN_MASK);
	b[8] = ackreq ? 0x80 : 0;
	put_be24(b + 9, psn & PSN_MASK);
}

/*
 * Append the ICRC to `roce` (len bytes: BTH onward, pad included) for the IPv6/UDP header the
 * kernel will build from src, dst and the ports. Returns the new length.
 */
static size_t add_icrc(uint8_t *roce, size_t len, const struct in6_addr *src,
		       const struct in6_addr *dst, uint16_t sport, uint16_t dport)
{
	uint8_t ph[8 + 40 + 8 + BTH_LEN];
	uint32_t ulen = (uint32_t)(8 + len + ICRC_LEN);
	memset(ph, 0xff, 8);
	uint8_t *ip = ph + 8;
	ip[0] = 0x6f; /* version 6, traffic class and flow label all ones */
	ip[1] = ip[2] = ip[3] = 0xff;
	put_be16(ip + 4, ulen);
	ip[6] = 17;
	ip[7] = 0xff; /* hop limit */
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	uint8_t *u = ph + 48;
	put_be16(u, sport);
	put_be16(u + 2, dport);
	put_be16(u + 4, ulen);
	u[6] = u[7] = 0xff; /* checksum */
	memcpy(ph + 56, roce, BTH_LEN);
	ph[56 + 4] = 0xff; /* FECN, BECN, reserved */
	uint32_t crc = crc32_ieee(0, ph, sizeof(ph));
	crc = crc32_ieee(crc, roce + BTH_LEN, len - BTH_LEN);
	roce[len] = (uint8_t)crc; /* least significant byte first */
	roce[len + 1] = (uint8_t)(crc >> 8);
	roce[len + 2] = (uint8_t)(crc >> 16);
	roce[len + 3] = (uint8_t)(crc >> 24);
	return len + ICRC_LEN;
}

static const char *addr_str(const struct in6_addr *a, char *buf)
{
	inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
	return buf;
}

static bool parse_addr(const char *s, struct in6_addr *a)
{
	return inet_pton(AF_INET6, s, a) == 1;
}

static bool parse_range(const char *s, uint64_t min, uint64_t max, uint64_t *lo, uint64_t *hi)
{
	char a[64];
	const char *dash = strchr(s, '-');
	if (!dash)
		return parse_u64(s, min, max, lo) && (*hi = *lo, true);
	size_t n = (size_t)(dash - s);
	if (n == 0 || n >= sizeof(a))
		return false;
	memcpy(a, s, n);
	a[n] = 0;
	return parse_u64(a, min, max, lo) && parse_u64(dash + 1, min, max, hi) && *lo <= *hi;
}

static int udp_socket(const struct in6_addr *bind_addr, uint16_t port, int tclass, bool reuse,
		      char *err, size_t errlen)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	int one = 1;
	if (reuse)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (tclass >= 0)
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tclass, sizeof(tclass));
	int buf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(port);
	if (bind_addr)
		sa.sin6_addr = *bind_addr;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		char ab[INET6_ADDRSTRLEN];
		snprintf(err, errlen, "bind [%s]:%u: %s", bind_addr ? addr_str(bind_addr, ab) : "::",
			 port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The source address the kernel picks towards dst (a connect()ed probe socket). */
static bool source_for(const struct in6_addr *dst, struct in6_addr *src)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	sa.sin6_port = htons(LIVE_PORT);
	sa.sin6_addr = *dst;
	socklen_t sl = sizeof(sa);
	bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		  getsockname(fd, (struct sockaddr *)&sa, &sl) == 0;
	close(fd);
	if (ok)
		*src = sa.sin6_addr;
	return ok;
}

static double secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: spinetap-gen live --dst ADDR [options]        (requester)\n"
		"       spinetap-gen live --respond [options]         (responder)\n"
		"Requester:\n"
		"  --dst ADDR          the responder host's address (required)\n"
		"  --src ADDR          this host's address (default: the kernel's choice towards --dst)\n"
		"  --qps N             queue pairs, one UDP socket each (default 4, at most %d)\n"
		"  --spines N          spines in the fabric (default 2)\n"
		"  --spine LIST        spines the QPs use, round-robin, e.g. 1,2 (default 1..N)\n"
		"  --sport-base P      spine j owns source ports P+256(j-1)..+255 (default 49152)\n"
		"  --sport-offset O    first port offset inside a spine's range (default 0)\n"
		"  -c, --packets N     request packets in all (default 1000; 0: no limit)\n"
		"  --duration S        stop after S seconds (fractions allowed)\n"
		"  --rate PPS          packets per second (default 10000; 0: as fast as possible)\n"
		"  --msg-size N|LO-HI  WRITE message bytes, 4..1048576 (default 4096)\n"
		"  --pmtu N            256, 512, 1024, 2048 or 4096 (default 1024)\n"
		"  --qpn-base Q        requester QPNs Q, Q+1, ... (default 0x10000)\n"
		"  --dqpn-base Q       responder QPNs (BTH DestQP of requests) (default 0x20000)\n"
		"  --psn N             first PSN of every QP (default 0)\n"
		"  --skip-every N      leave out one PSN after every N packets of a QP (a gap)\n"
		"  --linger S          wait S seconds for responses at the end (default 0.3)\n"
		"Responder:\n"
		"  --respond           answer requests on port 4791\n"
		"  --bind ADDR         local address to listen on (default ::)\n"
		"  --ack-every N       one ACK per N completed messages with AckReq (default 1; 0: none)\n"
		"  --cnp-every N       one CNP per N request packets of a QP (default 0: none)\n"
		"  --reply-spine J     answer via spine J (source port moved to its range; default:\n"
		"                      the request's own source port, the same spine)\n"
		"  --idle S            stop S seconds after the last request (default: at a signal)\n"
		"  --duration S        stop after S seconds\n"
		"  -c, --packets N     stop after N requests\n"
		"Both:\n"
		"  --seed N            message sizes (default 1)\n"
		"  -q, --quiet         no summary on standard error\n"
		"The truth is one JSON object on standard output; SIGINT/SIGTERM end a run cleanly.\n",
		MAX_QPS);
}

/* ---------------------------------------------------------------- requester */

struct rq_qp {
	int fd;
	uint16_t sport;
	unsigned spine; /* 1-based */
	uint32_t qpn, dqpn, psn, first_psn;
	uint32_t msg_len, msg_off; /* current message; msg_len 0: none started */
	uint64_t msg_va;
	uint64_t packets, bytes, messages, skipped, since_skip, errors;
	uint64_t acks, naks, cnps, other;
};

struct rq {
	struct in6_addr src, dst;
	unsigned nqp, spines, nspine_list, pmtu;
	unsigned spine_list[MAX_SPINES];
	uint64_t msg_lo, msg_hi, seed, skip_every;
	struct rq_qp *qp;
	int rx; /* responses */
	uint64_t rx_packets, rx_foreign;
};

static void rq_drain(struct rq *r)
{
	uint8_t buf[PKT_MAX];
	for (;;) {
		ssize_t n = recv(r->rx, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			return;
		r->rx_packets++;
		if (n < BTH_LEN + ICRC_LEN) {
			r->rx_foreign++;
			continue;
		}
		uint32_t dq = rd_be24(buf + 5);
		struct rq_qp *q = NULL;
		/* QPNs are qpn_base + i: a direct index */
		uint32_t i = dq - r->qp[0].qpn;
		if (i < r->nqp)
			q = &r->qp[i];
		if (!q) {
			r->rx_foreign++;
			continue;
		}
		if (buf[0] == OP_CNP)
			q->cnps++;
		else if (buf[0] == OP_ACK && n >= BTH_LEN + AETH_LEN && (buf[BTH_LEN] & 0x60) == 0x60)
			q->naks++;
		else if (buf[0] == OP_ACK)
			q->acks++;
		else
			q->other++;
	}
}

/* Build the next request packet of q into b; returns its RoCE length (ICRC included). */
static size_t rq_build(struct rq *r, struct rq_qp *q, uint8_t *b, uint64_t *rng)
{
	if (q->msg_len == 0 || q->msg_off >= q->msg_len) {
		uint64_t span = r->msg_hi - r->msg_lo + 1;
		q->msg_len = (uint32_t)(r->msg_lo + (span > 1 ? gen_rand(rng) % span : 0));
		q->msg_off = 0;
		q->msg_va = 0x7f0000000000ull + ((uint64_t)q->qpn << 24) + (q->messages << 20);
		q->messages++;
	}
	uint32_t rest = q->msg_len - q->msg_off;
	bool first = q->msg_off == 0, last = rest <= r->pmtu;
	uint32_t plen = last ? rest : r->pmtu;
	uint8_t op = first && last ? OP_WRITE_ONLY
		     : first       ? OP_WRITE_FIRST
		     : last        ? OP_WRITE_LAST
				   : OP_WRITE_MIDDLE;
	unsigned pad = (4 - (plen & 3)) & 3;
	put_bth(b, op, last, pad, false, q->dqpn, last, q->psn);
	size_t n = BTH_LEN;
	if (first) {
		uint8_t *re = b + n;
		put_be32(re, (uint32_t)(q->msg_va >> 32));
		put_be32(re + 4, (uint32_t)q->msg_va);
		put_be32(re + 8, 0x1000u + q->qpn); /* R_Key */
		put_be32(re + 12, q->msg_len);
		n += RETH_LEN;
	}
	uint8_t *pl = b + n;
	for (uint32_t k = 0; k < plen; k++)
		pl[k] = (uint8_t)(q->msg_off + k);
	if (first && plen >= 4)
		put_be32(pl, q->qpn); /* the requester's QPN, for the responder */
	n += plen;
	memset(b + n, 0, pad);
	n += pad;
	q->msg_off += plen;
	return add_icrc(b, n, &r->src, &r->dst, q->sport, LIVE_PORT);
}

static void json_str_addr(FILE *f, const char *key, const struct in6_addr *a)
{
	char ab[INET6_ADDRSTRLEN];
	fprintf(f, "\"%s\": \"%s\"", key, addr_str(a, ab));
}

static int requester(struct rq *r, uint64_t packets, uint64_t duration_ns, uint64_t rate,
		     uint64_t linger_ns, uint16_t sport_base, unsigned sport_off, uint32_t qpn_base,
		     uint32_t dqpn_base, uint32_t psn0, bool quiet, int argc, char **argv)
{
	char err[256];
	r->qp = calloc(r->nqp, sizeof(*r->qp));
	if (!r->qp)
		die("out of memory");
	unsigned per_spine[MAX_SPINES + 1] = {0};
	for (unsigned i = 0; i < r->nqp; i++) {
		struct rq_qp *q = &r->qp[i];
		q->spine = r->spine_list[i % r->nspine_list];
		unsigned off = sport_off + per_spine[q->spine]++;
		if (off > 255)
			die("--qps %u: more than 256 QPs on spine %u (source ports %u-%u)", r->nqp,
			    q->spine, sport_base + 256u * (q->spine - 1), sport_base + 256u * (q->spine - 1) + 255);
		q->sport = (uint16_t)(sport_base + 256u * (q->spine - 1) + off);
		q->qpn = (qpn_base + i) & PSN_MASK;
		q->dqpn = (dqpn_base + i) & PSN_MASK;
		q->psn = q->first_psn = psn0 & PSN_MASK;
		q->fd = udp_socket(NULL, q->sport, TC_DATA, true, err, sizeof(err));
		if (q->fd < 0)
			die("QP %u: %s", i, err);
		int sb = 1 << 20;
		setsockopt(q->fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	}
	/* Not shared (no SO_REUSEADDR): a responder on this host keeps port 4791 to itself. */
	r->rx = udp_socket(NULL, LIVE_PORT, -1, false, err, sizeof(err));
	if (r->rx < 0)
		warnmsg("responses will not be counted (a responder runs here?): %s", err);

	struct sockaddr_in6 to;
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_port = htons(LIVE_PORT);
	to.sin6_addr = r->dst;

	uint64_t rng = r->seed;
	uint8_t buf[PKT_MAX];
	uint64_t sent = 0, errors = 0, bytes = 0;
	int last_errno = 0;
	uint64_t t0 = mono_ns(), t_first = 0, t_last = 0;
	unsigned i = 0;
	while (!stop_flag) {
		if (packets && sent + errors >= packets)
			break;
		uint64_t now = mono_ns();
		if (duration_ns && now - t0 >= duration_ns)
			break;
		if (rate) {
			/* packet n is due at t0 + n/rate; sleep when more than 50 us ahead */
			uint64_t due = t0 + (uint64_t)((double)(sent + errors) * 1e9 / (double)rate);
			if (due > now + 50000) {
				uint64_t d = due - now;
				struct timespec ts = {(time_t)(d / 1000000000ull), (long)(d % 1000000000ull)};
				nanosleep(&ts, NULL);
				continue;
			}
		}
		struct rq_qp *q = &r->qp[i];
		i = i + 1 == r->nqp ? 0 : i + 1;
		if (r->skip_every && q->since_skip == r->skip_every) {
			q->psn = (q->psn + 1) & PSN_MASK; /* a PSN that is never sent */
			q->skipped++;
			q->since_skip = 0;
		}
		size_t n = rq_build(r, q, buf, &rng);
		ssize_t w = sendto(q->fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to));
		uint64_t t = mono_ns();
		if (w == (ssize_t)n) {
			if (!t_first)
				t_first = t;
			t_last = t;
			q->packets++;
			q->bytes += n + WIRE_OVERHEAD;
			bytes += n + WIRE_OVERHEAD;
			sent++;
		} else {
			q->errors++;
			errors++;
			last_errno = errno;
		}
		q->psn = (q->psn + 1) & PSN_MASK;
		q->since_skip++;
		if (r->rx >= 0 && (sent & 255) == 0)
			rq_drain(r);
	}
	uint64_t t_end = mono_ns();
	if (r->rx >= 0) {
		uint64_t until = mono_ns() + linger_ns;
		while (mono_ns() < until && !stop_flag) {
			struct pollfd pf = {r->rx, POLLIN, 0};
			poll(&pf, 1, 10);
			rq_drain(r);
		}
	}
	double span = t_last > t_first ? secs(t_last - t_first) : 0;
	double achieved = span > 0 && sent > 1 ? (double)(sent - 1) / span : 0;

	uint64_t spine_pk[MAX_SPINES + 1] = {0}, spine_by[MAX_SPINES + 1] = {0};
	uint64_t acks = 0, naks = 0, cnps = 0;
	for (unsigned k = 0; k < r->nqp; k++) {
		spine_pk[r->qp[k].spine] += r->qp[k].packets;
		spine_by[r->qp[k].spine] += r->qp[k].bytes;
		acks += r->qp[k].acks;
		naks += r->qp[k].naks;
		cnps += r->qp[k].cnps;
	}
	FILE *f = stdout;
	fprintf(f, "{\"generator\": \"spinetap-gen live\", \"version\": \"%s\", \"role\": \"requester\",\n",
		SPINETAP_VERSION);
	fputs(" \"command\": \"", f);
	for (int a = 0; a < argc; a++)
		for (const char *c = argv[a]; ; c++) {
			if (!*c) {
				if (a + 1 < argc)
					fputc(' ', f);
				break;
			}
			if (*c == '"' || *c == '\\')
				fputc('\\', f);
			if ((unsigned char)*c >= 0x20)
				fputc(*c, f);
		}
	fputs("\",\n ", f);
	json_str_addr(f, "src", &r->src);
	fputs(", ", f);
	json_str_addr(f, "dst", &r->dst);
	fprintf(f, ", \"pmtu\": %u, \"sport_base\": %u, \"wire_overhead\": %d,\n", r->pmtu, sport_base,
		WIRE_OVERHEAD);
	fprintf(f, " \"packets\": %llu, \"bytes\": %llu, \"send_errors\": %llu, \"last_error\": ",
		(unsigned long long)sent, (unsigned long long)bytes, (unsigned long long)errors);
	if (errors)
		fprintf(f, "\"%s\"", strerror(last_errno));
	else
		fputs("null", f);
	fprintf(f, ",\n \"seconds\": %.6f, \"target_rate\": %llu, \"rate_pps\": %.1f,\n",
		secs(t_end - t0), (unsigned long long)rate, achieved);
	fprintf(f, " \"received\": {\"packets\": %llu, \"acks\": %llu, \"naks\": %llu, \"cnps\": %llu, \"foreign\": %llu},\n",
		(unsigned long long)r->rx_packets, (unsigned long long)acks, (unsigned long long)naks,
		(unsigned long long)cnps, (unsigned long long)r->rx_foreign);
	fputs(" \"spines\": {", f);
	bool firstk = true;
	for (unsigned j = 1; j <= r->spines; j++) {
		fprintf(f, "%s\"spine%u\": {\"packets\": %llu, \"bytes\": %llu}", firstk ? "" : ", ", j,
			(unsigned long long)spine_pk[j], (unsigned long long)spine_by[j]);
		firstk = false;
	}
	fputs("},\n \"qps\": [", f);
	for (unsigned k = 0; k < r->nqp; k++) {
		const struct rq_qp *q = &r->qp[k];
		fprintf(f, "%s\n  {", k ? "," : "");
		json_str_addr(f, "src", &r->src);
		fputs(", ", f);
		json_str_addr(f, "dst", &r->dst);
		fprintf(f,
			", \"dqpn\": %u, \"qpn\": %u, \"sport\": %u, \"spine\": \"spine%u\", \"packets\": %llu, "
			"\"bytes\": %llu, \"messages\": %llu, \"first_psn\": %u, \"next_psn\": %u, "
			"\"skipped_psns\": %llu, \"send_errors\": %llu, "
			"\"received\": {\"acks\": %llu, \"naks\": %llu, \"cnps\": %llu, \"other\": %llu}}",
			q->dqpn, q->qpn, q->sport, q->spine, (unsigned long long)q->packets,
			(unsigned long long)q->bytes, (unsigned long long)q->messages, q->first_psn, q->psn,
			(unsigned long long)q->skipped, (unsigned long long)q->errors,
			(unsigned long long)q->acks, (unsigned long long)q->naks, (unsigned long long)q->cnps,
			(unsigned long long)q->other);
	}
	fputs("\n]}\n", f);
	fflush(f);
	if (!quiet) {
		char sb[INET6_ADDRSTRLEN], db[INET6_ADDRSTRLEN];
		fprintf(stderr,
			"spinetap-gen live: %s -> %s: %llu packets on %u QPs in %.3f s (%.0f pps), %llu send errors; "
			"received %llu acks, %llu naks, %llu cnps\n",
			addr_str(&r->src, sb), addr_str(&r->dst, db), (unsigned long long)sent, r->nqp,
			secs(t_end - t0), achieved, (unsigned long long)errors, (unsigned long long)acks,
			(unsigned long long)naks, (unsigned long long)cnps);
	}
	for (unsigned k = 0; k < r->nqp; k++)
		close(r->qp[k].fd);
	if (r->rx >= 0)
		close(r->rx);
	free(r->qp);
	return sent || !packets ? 0 : 2;
}

/* ---------------------------------------------------------------- responder */

struct rs_qp {
	bool used;
	struct in6_addr peer, local;
	uint32_t dqpn;     /* the DestQP of the requests (this side's QPN) */
	uint32_t reqqpn;   /* the requester's QPN, from a FIRST/ONLY payload */
	bool know_req;
	uint16_t peer_sport, reply_sport;
	uint32_t epsn, msn;
	bool started;
	uint64_t requests, bytes, gaps, dups, completed, unanswered;
	uint64_t acks, naks, cnps, replies, reply_bytes;
};

struct rs_sock {
	struct in6_addr local;
	uint16_t port;
	int fd;
};

struct rs {
	struct rs_qp *tab;
	uint32_t cap, n;
	struct rs_sock *socks;
	unsigned nsocks, capsocks;
	uint16_t sport_base;
	unsigned reply_spine, spines_seen;
	uint64_t ack_every, cnp_every;
	uint64_t requests, foreign, short_pkts, send_errors;
	int last_errno;
};

static uint32_t rs_hash(const struct in6_addr *a, uint32_t dqpn)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->s6_addr[i]) * 0x100000001b3ull;
	h = (h ^ dqpn) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static struct rs_qp *rs_find(struct rs *s, const struct in6_addr *peer, uint32_t dqpn)
{
	uint32_t i = rs_hash(peer, dqpn) & (s->cap - 1);
	for (;;) {
		struct rs_qp *q = &s->tab[i];
		if (!q->used) {
			if (s->n * 2 >= s->cap)
				return NULL;
			q->used = true;
			q->peer = *peer;
			q->dqpn = dqpn;
			s->n++;
			return q;
		}
		if (q->dqpn == dqpn && !memcmp(&q->peer, peer, 16))
			return q;
		i = (i + 1) & (s->cap - 1);
	}
}

static int rs_sock_for(struct rs *s, const struct in6_addr *local, uint16_t port)
{
	for (unsigned i = 0; i < s->nsocks; i++)
		if (s->socks[i].port == port && !memcmp(&s->socks[i].local, local, 16))
			return s->socks[i].fd;
	if (s->nsocks == s->capsocks) {
		unsigned nc = s->capsocks ? s->capsocks * 2 : 64;
		struct rs_sock *ns = realloc(s->socks, nc * sizeof(*ns));
		if (!ns)
			return -1;
		s->socks = ns;
		s->capsocks = nc;
	}
	char err[256];
	int fd = udp_socket(local, port, TC_DATA, true, err, sizeof(err));
	if (fd < 0) {
		warnmsg("reply socket: %s", err);
		return -1;
	}
	s->socks[s->nsocks].local = *local;
	s->socks[s->nsocks].port = port;
	s->socks[s->nsocks].fd = fd;
	s->nsocks++;
	return fd;
}

static unsigned spine_of(uint16_t base, uint16_t sport)
{
	if (sport < base || sport >= base + 256u * MAX_SPINES)
		return 0;
	return (unsigned)(sport - base) / 256u + 1;
}

static void rs_send(struct rs *s, struct rs_qp *q, uint8_t *b, size_t len, int tclass)
{
	len = add_icrc(b, len, &q->local, &q->peer, q->reply_sport, LIVE_PORT);
	int fd = rs_sock_for(s, &q->local, q->reply_sport);
	if (fd < 0) {
		s->send_errors++;
		return;
	}
	struct sockaddr_in6 to;
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_port = htons(LIVE_PORT);
	to.sin6_addr = q->peer;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {b, len};
	struct msghdr mh;
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &to;
	mh.msg_namelen = sizeof(to);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_TCLASS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &tclass, sizeof(int));
	if (sendmsg(fd, &mh, 0) == (ssize_t)len) {
		q->replies++;
		q->reply_bytes += len + WIRE_OVERHEAD;
	} else {
		s->send_errors++;
		s->last_errno = errno;
	}
}

static void rs_aeth(struct rs *s, struct rs_qp *q, uint8_t syndrome, uint32_t psn)
{
	uint8_t b[64];
	put_bth(b, OP_ACK, false, 0, false, q->reqqpn, false, psn);
	b[BTH_LEN] = syndrome;
	put_be24(b + BTH_LEN + 1, q->msn & PSN_MASK);
	rs_send(s, q, b, BTH_LEN + AETH_LEN, TC_DATA);
	if (syndrome == AETH_ACK)
		q->acks++;
	else
		q->naks++;
}

static void rs_cnp(struct rs *s, struct rs_qp *q)
{
	uint8_t b[64];
	put_bth(b, OP_CNP, false, 0, true, q->reqqpn, false, 0);
	memset(b + BTH_LEN, 0, 16);
	rs_send(s, q, b, BTH_LEN + 16, TC_CNP);
	q->cnps++;
}

static void rs_request(struct rs *s, const uint8_t *b, size_t n, const struct in6_addr *peer,
		       uint16_t peer_sport, const struct in6_addr *local)
{
	if (n < BTH_LEN + ICRC_LEN) {
		s->short_pkts++;
		return;
	}
	uint8_t op = b[0];
	if (op == OP_ACK || op == OP_CNP || op > 0x1f) { /* not an RC request */
		s->foreign++;
		return;
	}
	uint32_t dqpn = rd_be24(b + 5), psn = rd_be24(b + 9);
	bool ackreq = b[8] & 0x80;
	struct rs_qp *q = rs_find(s, peer, dqpn);
	if (!q) {
		s->foreign++;
		return;
	}
	s->requests++;
	q->requests++;
	q->bytes += n + WIRE_OVERHEAD;
	if (!q->started) {
		q->started = true;
		q->epsn = psn;
		q->local = *local;
		q->peer_sport = peer_sport;
		q->reply_sport = peer_sport;
		if (s->reply_spine && spine_of(s->sport_base, peer_sport))
			q->reply_sport = (uint16_t)(s->sport_base + 256u * (s->reply_spine - 1) +
						    (peer_sport - s->sport_base) % 256u);
	}
	bool first = op == OP_WRITE_FIRST || op == OP_WRITE_ONLY || op == 0x00 || op == 0x04 ||
		     op == 0x05 || op == 0x0b;
	bool last = op == OP_WRITE_LAST || op == OP_WRITE_ONLY || op == 0x09 || op == 0x0b ||
		    op == 0x02 || op == 0x03 || op == 0x04 || op == 0x05;
	if (first && !q->know_req) {
		size_t off = BTH_LEN + (op == OP_WRITE_FIRST || op == OP_WRITE_ONLY || op == 0x0b ? RETH_LEN : 0);
		if (n >= off + 4 + ICRC_LEN) {
			q->reqqpn = rd_be24(b + off + 1);
			q->know_req = true;
		}
	}
	uint32_t d = (psn - q->epsn) & PSN_MASK;
	if (d != 0 && d < 0x800000) {
		q->gaps += d;
		if (q->know_req)
			rs_aeth(s, q, AETH_NAK_SEQ, q->epsn);
		else
			q->unanswered++;
	} else if (d != 0) {
		q->dups++;
		return;
	}
	q->epsn = (psn + 1) & PSN_MASK;
	if (last) {
		q->msn = (q->msn + 1) & PSN_MASK;
		q->completed++;
		if (ackreq && s->ack_every && q->completed % s->ack_every == 0) {
			if (q->know_req)
				rs_aeth(s, q, AETH_ACK, psn);
			else
				q->unanswered++;
		}
	}
	if (s->cnp_every && q->requests % s->cnp_every == 0) {
		if (q->know_req)
			rs_cnp(s, q);
		else
			q->unanswered++;
	}
}

static int responder(struct rs *s, const struct in6_addr *bind_addr, uint64_t count,
		     uint64_t duration_ns, uint64_t idle_ns, bool quiet)
{
	char err[256];
	int fd = udp_socket(bind_addr, LIVE_PORT, -1, false, err, sizeof(err));
	if (fd < 0)
		die("%s%s", err, errno == EADDRINUSE ? " (another responder, or a requester, runs here)" : "");
	int one = 1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	int rb = 16 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rb, sizeof(rb));
	s->cap = 1u << 16;
	s->tab = calloc(s->cap, sizeof(*s->tab));
	if (!s->tab)
		die("out of memory");
	if (!quiet)
		fprintf(stderr, "spinetap-gen live: responding on port %d\n", LIVE_PORT);
	uint64_t t0 = mono_ns(), last_rx = 0;
	uint8_t buf[PKT_MAX];
	char cbuf[256];
	while (!stop_flag) {
		uint64_t now = mono_ns();
		if (duration_ns && now - t0 >= duration_ns)
			break;
		if (idle_ns && last_rx && now - last_rx >= idle_ns)
			break;
		if (count && s->requests >= count)
			break;
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 20) <= 0)
			continue;
		for (int k = 0; k < 256; k++) {
			struct sockaddr_in6 from;
			struct iovec iov = {buf, sizeof(buf)};
			struct msghdr mh;
			memset(&mh, 0, sizeof(mh));
			mh.msg_name = &from;
			mh.msg_namelen = sizeof(from);
			mh.msg_iov = &iov;
			mh.msg_iovlen = 1;
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
			ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
			if (n < 0)
				break;
			struct in6_addr local = in6addr_any;
			for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
				if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
					struct in6_pktinfo pi;
					memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
					local = pi.ipi6_addr;
				}
			if (bind_addr && !IN6_IS_ADDR_UNSPECIFIED(bind_addr))
				local = *bind_addr;
			rs_request(s, buf, (size_t)n, &from.sin6_addr, ntohs(from.sin6_port), &local);
			last_rx = mono_ns();
			if (count && s->requests >= count)
				break;
		}
	}
	uint64_t t_end = mono_ns();

	uint64_t acks = 0, naks = 0, cnps = 0, replies = 0, gaps = 0, dups = 0, unanswered = 0;
	uint64_t sp_pk[MAX_SPINES + 1] = {0};
	unsigned maxspine = 0;
	for (uint32_t i = 0; i < s->cap; i++) {
		const struct rs_qp *q = &s->tab[i];
		if (!q->used)
			continue;
		acks += q->acks;
		naks += q->naks;
		cnps += q->cnps;
		replies += q->replies;
		gaps += q->gaps;
		dups += q->dups;
		unanswered += q->unanswered;
		unsigned sp = spine_of(s->sport_base, q->reply_sport);
		sp_pk[sp] += q->replies;
		if (sp > maxspine)
			maxspine = sp;
	}
	FILE *f = stdout;
	fprintf(f, "{\"generator\": \"spinetap-gen live\", \"version\": \"%s\", \"role\": \"responder\",\n",
		SPINETAP_VERSION);
	fprintf(f, " \"seconds\": %.6f, \"requests\": %llu, \"foreign\": %llu, \"short\": %llu, \"psn_gaps\": %llu, "
		"\"duplicates\": %llu, \"unanswered\": %llu,\n",
		secs(t_end - t0), (unsigned long long)s->requests, (unsigned long long)s->foreign,
		(unsigned long long)s->short_pkts, (unsigned long long)gaps, (unsigned long long)dups,
		(unsigned long long)unanswered);
	fprintf(f, " \"sent\": {\"packets\": %llu, \"acks\": %llu, \"naks\": %llu, \"cnps\": %llu, \"errors\": %llu},\n",
		(unsigned long long)replies, (unsigned long long)acks, (unsigned long long)naks,
		(unsigned long long)cnps, (unsigned long long)s->send_errors);
	fputs(" \"spines\": {", f);
	bool firstk = true;
	for (unsigned j = 1; j <= maxspine; j++) {
		fprintf(f, "%s\"spine%u\": %llu", firstk ? "" : ", ", j, (unsigned long long)sp_pk[j]);
		firstk = false;
	}
	if (sp_pk[0])
		fprintf(f, "%s\"other\": %llu", firstk ? "" : ", ", (unsigned long long)sp_pk[0]);
	fputs("},\n \"qps\": [", f);
	bool firstq = true;
	for (uint32_t i = 0; i < s->cap; i++) {
		const struct rs_qp *q = &s->tab[i];
		if (!q->used)
			continue;
		fprintf(f, "%s\n  {", firstq ? "" : ",");
		firstq = false;
		/* the record of the responses: from this host to the requester, DestQP its QPN */
		json_str_addr(f, "src", &q->local);
		fputs(", ", f);
		json_str_addr(f, "dst", &q->peer);
		fprintf(f, ", \"dqpn\": %u, \"known\": %s, \"request_dqpn\": %u, \"request_sport\": %u, "
			   "\"sport\": %u, \"spine\": \"spine%u\", \"requests\": %llu, \"request_bytes\": %llu, "
			   "\"messages\": %llu, \"psn_gaps\": %llu, \"duplicates\": %llu, \"packets\": %llu, "
			   "\"bytes\": %llu, \"acks\": %llu, \"naks\": %llu, \"cnps\": %llu}",
			q->reqqpn, q->know_req ? "true" : "false", q->dqpn, q->peer_sport, q->reply_sport,
			spine_of(s->sport_base, q->reply_sport), (unsigned long long)q->requests,
			(unsigned long long)q->bytes, (unsigned long long)q->completed,
			(unsigned long long)q->gaps, (unsigned long long)q->dups,
			(unsigned long long)q->replies, (unsigned long long)q->reply_bytes,
			(unsigned long long)q->acks, (unsigned long long)q->naks, (unsigned long long)q->cnps);
	}
	fputs("\n]}\n", f);
	fflush(f);
	if (!quiet)
		fprintf(stderr,
			"spinetap-gen live: received %llu requests on %u QPs (%llu PSN gaps); sent %llu acks, %llu naks, %llu cnps (%llu errors)\n",
			(unsigned long long)s->requests, s->n, (unsigned long long)gaps,
			(unsigned long long)acks, (unsigned long long)naks, (unsigned long long)cnps,
			(unsigned long long)s->send_errors);
	for (unsigned i = 0; i < s->nsocks; i++)
		close(s->socks[i].fd);
	free(s->socks);
	free(s->tab);
	close(fd);
	return 0;
}

/* ---------------------------------------------------------------- options */

static uint64_t parse_secs_ns(const char *opt, const char *s)
{
	double d;
	if (!parse_double(s, &d) || d < 0 || d > 1e7)
		die("%s %s: seconds, e.g. 2.5", opt, s);
	return (uint64_t)(d * 1e9);
}

int gen_live_main(int argc, char **argv)
{
	enum {
		O_DST = 256, O_SRC, O_QPS, O_SPINES, O_SPINE, O_SPORTBASE, O_SPORTOFF, O_DURATION,
		O_RATE, O_MSGSIZE, O_PMTU, O_QPNBASE, O_DQPNBASE, O_PSN, O_SKIP, O_LINGER, O_RESPOND,
		O_BIND, O_ACKEVERY, O_CNPEVERY, O_REPLYSPINE, O_IDLE, O_SEED,
	};
	static const struct option opts[] = {
		{"dst", required_argument, NULL, O_DST},
		{"src", required_argument, NULL, O_SRC},
		{"qps", required_argument, NULL, O_QPS},
		{"spines", required_argument, NULL, O_SPINES},
		{"spine", required_argument, NULL, O_SPINE},
		{"sport-base", required_argument, NULL, O_SPORTBASE},
		{"sport-offset", required_argument, NULL, O_SPORTOFF},
		{"packets", required_argument, NULL, 'c'},
		{"duration", required_argument, NULL, O_DURATION},
		{"rate", required_argument, NULL, O_RATE},
		{"msg-size", required_argument, NULL, O_MSGSIZE},
		{"pmtu", required_argument, NULL, O_PMTU},
		{"qpn-base", required_argument, NULL, O_QPNBASE},
		{"dqpn-base", required_argument, NULL, O_DQPNBASE},
		{"psn", required_argument, NULL, O_PSN},
		{"skip-every", required_argument, NULL, O_SKIP},
		{"linger", required_argument, NULL, O_LINGER},
		{"respond", no_argument, NULL, O_RESPOND},
		{"bind", required_argument, NULL, O_BIND},
		{"ack-every", required_argument, NULL, O_ACKEVERY},
		{"cnp-every", required_argument, NULL, O_CNPEVERY},
		{"reply-spine", required_argument, NULL, O_REPLYSPINE},
		{"idle", required_argument, NULL, O_IDLE},
		{"seed", required_argument, NULL, O_SEED},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct rq r;
	struct rs s;
	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	bool respond = false, quiet = false, have_dst = false, have_src = false, have_bind = false;
	uint64_t qps = 4, spines = 2, sport_base = 49152, sport_off = 0, packets = 1000, rate = 10000;
	uint64_t duration_ns = 0, linger_ns = 300000000ull, pmtu = 1024, qpn_base = 0x10000,
		 dqpn_base = 0x20000, psn = 0, idle_ns = 0, reply_spine = 0;
	bool packets_given = false;
	struct in6_addr bind_addr = in6addr_any;
	r.msg_lo = r.msg_hi = 4096;
	r.seed = 1;
	s.ack_every = 1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:qh", opts, NULL)) != -1) {
		switch (c) {
		case O_DST:
			if (!parse_addr(optarg, &r.dst))
				die("--dst %s: not an IPv6 address", optarg);
			have_dst = true;
			break;
		case O_SRC:
			if (!parse_addr(optarg, &r.src))
				die("--src %s: not an IPv6 address", optarg);
			have_src = true;
			break;
		case O_QPS:
			if (!parse_u64(optarg, 1, MAX_QPS, &qps))
				die("--qps %s: 1 to %d", optarg, MAX_QPS);
			break;
		case O_SPINES:
			if (!parse_u64(optarg, 1, MAX_SPINES, &spines))
				die("--spines %s: 1 to %d", optarg, MAX_SPINES);
			break;
		case O_SPINE: {
			char tmp[512];
			snprintf(tmp, sizeof(tmp), "%s", optarg);
			r.nspine_list = 0;
			for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				uint64_t v;
				if (!parse_u64(t, 1, MAX_SPINES, &v) || r.nspine_list >= MAX_SPINES)
					die("--spine %s: a comma list of spine numbers 1 to %d", optarg, MAX_SPINES);
				r.spine_list[r.nspine_list++] = (unsigned)v;
			}
			if (!r.nspine_list)
				die("--spine %s: a comma list of spine numbers", optarg);
			break;
		}
		case O_SPORTBASE:
			if (!parse_u64(optarg, 1024, 65535, &sport_base))
				die("--sport-base %s: a port 1024 to 65535", optarg);
			break;
		case O_SPORTOFF:
			if (!parse_u64(optarg, 0, 255, &sport_off))
				die("--sport-offset %s: 0 to 255", optarg);
			break;
		case 'c':
			if (!parse_u64(optarg, 0, UINT64_MAX / 2, &packets))
				die("--packets %s: a number", optarg);
			packets_given = true;
			break;
		case O_DURATION:
			duration_ns = parse_secs_ns("--duration", optarg);
			break;
		case O_RATE:
			if (!parse_u64(optarg, 0, 100000000, &rate))
				die("--rate %s: packets per second, 0 to 100000000 (0: as fast as possible)", optarg);
			break;
		case O_MSGSIZE:
			if (!parse_range(optarg, 4, 1u << 20, &r.msg_lo, &r.msg_hi))
				die("--msg-size %s: bytes, N or LO-HI, 4 to 1048576", optarg);
			break;
		case O_PMTU:
			if (!parse_u64(optarg, 256, 4096, &pmtu) || (pmtu & (pmtu - 1)))
				die("--pmtu %s: 256, 512, 1024, 2048 or 4096", optarg);
			break;
		case O_QPNBASE:
			if (!parse_u64(optarg, 2, 0xfffffe, &qpn_base))
				die("--qpn-base %s: a QPN 2 to 0xfffffe", optarg);
			break;
		case O_DQPNBASE:
			if (!parse_u64(optarg, 2, 0xfffffe, &dqpn_base))
				die("--dqpn-base %s: a QPN 2 to 0xfffffe", optarg);
			break;
		case O_PSN:
			if (!parse_u64(optarg, 0, PSN_MASK, &psn))
				die("--psn %s: 0 to 0xffffff", optarg);
			break;
		case O_SKIP:
			if (!parse_u64(optarg, 0, UINT32_MAX, &r.skip_every))
				die("--skip-every %s: a number of packets", optarg);
			break;
		case O_LINGER:
			linger_ns = parse_secs_ns("--linger", optarg);
			break;
		case O_RESPOND:
			respond = true;
			break;
		case O_BIND:
			if (!parse_addr(optarg, &bind_addr))
				die("--bind %s: not an IPv6 address", optarg);
			have_bind = true;
			break;
		case O_ACKEVERY:
			if (!parse_u64(optarg, 0, UINT32_MAX, &s.ack_every))
				die("--ack-every %s: a number", optarg);
			break;
		case O_CNPEVERY:
			if (!parse_u64(optarg, 0, UINT32_MAX, &s.cnp_every))
				die("--cnp-every %s: a number", optarg);
			break;
		case O_REPLYSPINE:
			if (!parse_u64(optarg, 1, MAX_SPINES, &reply_spine))
				die("--reply-spine %s: a spine number 1 to %d", optarg, MAX_SPINES);
			break;
		case O_IDLE:
			idle_ns = parse_secs_ns("--idle", optarg);
			break;
		case O_SEED:
			if (!parse_u64(optarg, 0, UINT64_MAX, &r.seed))
				die("--seed %s: a number", optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_ERROR;
		}
	}
	if (optind < argc)
		die("live: unexpected argument '%s'", argv[optind]);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (respond) {
		if (have_dst)
			die("--respond takes no --dst: it answers whoever sends");
		s.sport_base = (uint16_t)sport_base;
		s.reply_spine = (unsigned)reply_spine;
		if (reply_spine && sport_base + 256 * reply_spine > 65536)
			die("--reply-spine %llu: its source ports do not fit above --sport-base %llu",
			    (unsigned long long)reply_spine, (unsigned long long)sport_base);
		return responder(&s, have_bind ? &bind_addr : NULL, packets_given ? packets : 0, duration_ns,
				 idle_ns, quiet);
	}
	if (!have_dst)
		die("live: --dst ADDR is required (or --respond); see spinetap-gen live --help");
	if (!have_src && !source_for(&r.dst, &r.src))
		die("--dst: no route to it from here (%s); give --src or run in the host's namespace",
		    strerror(errno));
	r.nqp = (unsigned)qps;
	r.spines = (unsigned)spines;
	r.pmtu = (unsigned)pmtu;
	if (!r.nspine_list) {
		for (unsigned j = 0; j < r.spines; j++)
			r.spine_list[j] = j + 1;
		r.nspine_list = r.spines;
	}
	for (unsigned j = 0; j < r.nspine_list; j++) {
		if (r.spine_list[j] > r.spines)
			r.spines = r.spine_list[j];
		if (sport_base + 256u * r.spine_list[j] > 65536)
			die("--spine %u: its source ports do not fit above --sport-base %llu", r.spine_list[j],
			    (unsigned long long)sport_base);
	}
	if (!packets_given && duration_ns)
		packets = 0;
	if (qpn_base + qps - 1 > 0xfffffe || dqpn_base + qps - 1 > 0xfffffe)
		die("--qps %llu: QPNs past 0xfffffe from --qpn-base/--dqpn-base", (unsigned long long)qps);
	return requester(&r, packets, duration_ns, rate, linger_ns, (uint16_t)sport_base,
			 (unsigned)sport_off, (uint32_t)qpn_base, (uint32_t)dqpn_base, (uint32_t)psn, quiet,
			 argc, argv);
}
