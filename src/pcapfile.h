/*
 * pcapfile.h - a pcap and pcapng savefile reader that hands out packets
 * in place (no copy) from its read buffer, for files, pipes and standard
 * input alike.
 *
 * Why not libpcap for files: pcap_next_ex() copies every record out of a
 * stdio buffer into another; this reader skips that copy and the stdio
 * layer, and it checks each record and names the byte offset of the first
 * bad one. libpcap stays in use for live capture (live.c) and in the
 * benchmark's reference loop.
 *
 * Formats: classic pcap (both byte orders, microsecond and nanosecond
 * magic), pcapng (Section Header, Interface Description with if_tsresol,
 * Enhanced/Simple/obsolete Packet blocks; other blocks are skipped by their
 * length; several sections and interfaces). References: pcap(5) /
 * draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng.
 */
#ifndef SPINETAP_PCAPFILE_H
#define SPINETAP_PCAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAPFILE_MAX_CAPLEN 262144u /* larger records are corrupt (libpcap's limit) */

struct pcapfile;

/* Open a file ("-" = standard input). NULL with a message in err. */
struct pcapfile *pcapfile_open(const char *path, char *err, size_t errlen);

/*
 * Next record: 1 and the fields filled; 0 at a clean end of file; -1 on a
 * corrupt or truncated file, with a message naming the byte offset.
 * `data` stays valid until the next call.
 */
int pcapfile_next(struct pcapfile *f, uint64_t *ts_ns, uint32_t *caplen, uint32_t *len,
		  uint32_t *linktype, const uint8_t **data);
const char *pcapfile_error(const struct pcapfile *f);
/* Link type of the first interface (pcapng) or of the file (pcap). */
uint32_t pcapfile_linktype(const struct pcapfile *f);
uint32_t pcapfile_snaplen(const struct pcapfile *f);
void pcapfile_close(struct pcapfile *f);

#endif
