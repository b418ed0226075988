/*
 * live.h - live capture sources: one libpcap handle per interface, opened
 * inside the interface's network namespace, each read by its own worker
 * thread into a single-producer single-consumer ring. The attribution
 * thread drains the rings, puts the packets back in timestamp order with a
 * merge that waits for every interface, and feeds the same engine
 * `analyze` uses.
 *
 * Nothing is lost silently: packets the kernel dropped come from
 * pcap_stats(), packets a full ring could not take are counted per
 * interface, and both are reported every second and at the end.
 */
#ifndef SPINETAP_LIVE_H
#define SPINETAP_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "pktsrc.h"

struct live;

struct live_opts {
	int snaplen;          /* default 256 */
	int buffer_mib;       /* kernel ring, default 64 */
	const char *filter;   /* BPF expression for every interface, or NULL */
};

/* Parsed "-i [TAP=][NETNS/]IFACE". */
struct live_spec {
	char tap[64];
	char netns[256];      /* "" for the current namespace */
	char iface[64];
	char text[384];       /* as given */
};

bool live_parse_spec(const char *arg, struct live_spec *out, char *err, size_t errlen);

struct live *live_new(const struct live_opts *o);
/* Open one interface (as root, before workers start); false with a clear message. */
bool live_open(struct live *l, const struct live_spec *spec, char *err, size_t errlen);
int live_count(const struct live *l);
const struct live_spec *live_spec_at(const struct live *l, int i);
/* Start one worker thread per interface. */
bool live_start(struct live *l, char *err, size_t errlen);

/*
 * Next packet in timestamp order whose time is at or before `upto_ns` and
 * before every interface's progress (all packets up to it have been read,
 * see live.c), so interfaces merge in order whatever their delivery delay.
 * UINT64_MAX after live_stop(): everything buffered. 1: a packet (p->src is
 * the interface index, p->frame its number on that interface; valid until
 * the next call); 0: none ready.
 */
int live_next(struct live *l, struct pkt *p, uint64_t upto_ns);

struct live_stats {
	uint64_t packets, bytes;      /* seen by the worker */
	uint64_t kernel_recv, kernel_drop, ifdrop; /* pcap_stats */
	uint64_t ring_drops;          /* could not enter the ring */
	double cpu_s;                 /* worker thread CPU time */
	bool failed;
	char error[640];
};
void live_stats(struct live *l, int i, struct live_stats *s);
/* Stop workers and wait for them; buffered packets stay readable. */
void live_stop(struct live *l);
void live_free(struct live *l);

/* Drop root for USER after the interfaces are open (tcpdump -Z); chowns `files` first. */
bool live_drop_privileges(const char *user, const char *const *files, int nfiles, char *err,
			  size_t errlen);

#endif
