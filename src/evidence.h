/*
 * evidence.h - write kept evidence packets to a pcapng file (one comment per
 * packet naming the verdict, the tap and what was expected), so Wireshark
 * and tshark open exactly the offending packets. pcapng: RFC draft
 * draft-ietf-opsawg-pcapng (SHB, IDB with if_tsresol 9, EPB with opt_comment).
 */
#ifndef SPINETAP_EVIDENCE_H
#define SPINETAP_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"

struct evidence_writer;

struct evidence_writer *evidence_open(const char *path, char *err, size_t errlen);
/* One packet with a comment; the interface is chosen by link type. */
bool evidence_write(struct evidence_writer *w, uint32_t linktype, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t len, const char *comment);
/* Every evidence record the engine kept. */
bool evidence_write_all(struct evidence_writer *w, const struct engine *e, char *err, size_t errlen);
void evidence_close(struct evidence_writer *w);

#endif
