/*
 * pcapw.h - a small, fast, buffered writer of classic pcap files.
 *
 * Format: the libpcap "savefile" format (pcap-savefile(5), and
 * draft-ietf-opsawg-pcap): a 24-byte file header, then per packet a 16-byte
 * record header (seconds, fraction, captured length, original length)
 * followed by the captured bytes. We always write the nanosecond variant
 * (magic 0xa1b23c4d, version 2.4) in host byte order; readers detect the
 * byte order from the magic.
 *
 * Records are packed into one large caller-sized buffer and handed to the
 * C library in big fwrite() calls, so a record costs one memcpy. The writer
 * knows nothing about the packets: the generator and the analyzer's
 * evidence export both use it.
 */
#ifndef SPINETAP_PCAPW_H
#define SPINETAP_PCAPW_H

#include <stddef.h>
#include <stdint.h>

#define PCAPW_MAGIC_NSEC 0xa1b23c4du
#define PCAPW_LINKTYPE_ETHERNET 1u
#define PCAPW_DEFAULT_BUF (4u << 20) /* bytes buffered before an fwrite */

struct pcapw;

/*
 * Create (truncate) `path` and write the file header; "-" is stdout.
 * `snaplen` is recorded in the header and caps every record's captured
 * length. `bufsize` of 0 picks PCAPW_DEFAULT_BUF. Returns NULL with errno
 * set on failure (including an allocation failure: ENOMEM).
 */
struct pcapw *pcapw_open(const char *path, uint32_t linktype, uint32_t snaplen, size_t bufsize);

/*
 * Append one record: `ts_ns` nanoseconds since the epoch, `caplen` bytes of
 * `data`, `len` the length on the wire. caplen is cut to the snaplen and to
 * len; len is kept as given, so a cut packet still tells its real size.
 * Returns 0, or -1 with errno set (the error is also remembered and
 * returned again by pcapw_close).
 */
int pcapw_write(struct pcapw *w, uint64_t ts_ns, const void *data, uint32_t caplen, uint32_t len);

/* Hand the buffered records to the C library and flush it. 0 or -1/errno. */
int pcapw_flush(struct pcapw *w);

/* Records and bytes (record headers included) written so far. */
uint64_t pcapw_records(const struct pcapw *w);
uint64_t pcapw_bytes(const struct pcapw *w);

/*
 * Flush, close and free. Returns 0, or -1 with errno set when any write,
 * the flush or the close failed: a full disk is reported here at the
 * latest. Accepts NULL.
 */
int pcapw_close(struct pcapw *w);

#endif
