/*
 * pktsrc.h - packets from capture files, one source per file, and a
 * merger that interleaves several sources in timestamp order.
 *
 * A packet points into the source's buffer and stays valid until the next
 * call on that source. Errors carry the file name and the byte offset of
 * the record that failed, so a corrupt file ends with a message such as
 * "s1.pcap: byte 4096: truncated record" and the caller keeps what it has.
 */
#ifndef SPINETAP_PKTSRC_H
#define SPINETAP_PKTSRC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct pkt {
	uint64_t ts;          /* nanoseconds since the epoch */
	uint32_t caplen;
	uint32_t len;
	uint32_t linktype;    /* pcap LINKTYPE_ / DLT_ value */
	uint64_t frame;       /* 1-based record number within its source */
	int src;              /* index of the source in a merger */
	const uint8_t *data;
};

struct pktsrc;

/* Open a pcap or pcapng file ("-" is standard input). NULL with err filled on failure. */
struct pktsrc *pktsrc_open(const char *path, char *err, size_t errlen);
/* 1: a packet; 0: end of file; -1: error, message in pktsrc_error(). */
int pktsrc_next(struct pktsrc *s, struct pkt *p);
const char *pktsrc_error(const struct pktsrc *s);
const char *pktsrc_path(const struct pktsrc *s);
uint32_t pktsrc_linktype(const struct pktsrc *s);
uint32_t pktsrc_snaplen(const struct pktsrc *s);
void pktsrc_close(struct pktsrc *s);

/* Several sources merged by timestamp (ties: lower source index first). */
struct merger;
struct merger *merger_new(struct pktsrc **srcs, int n);
/* As pktsrc_next; on -1, *failed is the index of the source that failed. That
 * source is dropped from the merge; the caller decides whether to go on. */
int merger_next(struct merger *m, struct pkt *p, int *failed);
void merger_free(struct merger *m);

#endif
