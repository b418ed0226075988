/*
 * util.h - small helpers shared by the commands: error reporting in the
 * two regimes (fatal at start-up, counted per packet), bounded string
 * buffers, number parsing that rejects junk, address formatting.
 */
#ifndef SPINETAP_UTIL_H
#define SPINETAP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SPINETAP_VERSION "0.1.0"

#define EXIT_OK 0
#define EXIT_VIOLATION 1
#define EXIT_ERROR 2

extern const char *progname;

/* Print "spinetap: message" to stderr and exit with status 2. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Print "spinetap: message" to stderr. */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fixed-capacity string builder; overlong output is cut, never overrun. */
struct sbuf {
	char *p;
	size_t len, cap;
};
void sb_init(struct sbuf *b, char *mem, size_t cap);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_puts(struct sbuf *b, const char *s);

/* Strict number parsing: the whole string, in range, decimal or 0x hex (never octal). */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
bool parse_double(const char *s, double *out);

/* "2001:db8::1" or "10.0.0.1" into buf (>= 46 bytes). */
const char *fmt_addr(char *buf, size_t len, int v, const uint8_t *a);
const char *fmt_mac(char *buf, size_t len, const uint8_t *m);
/* Parse "2001:db8::/32" or "10.0.0.0/8" into a 16-byte prefix; v = 4 or 6. */
bool parse_prefix(const char *s, uint8_t addr[16], uint8_t *plen, int *v);
bool prefix_match(const uint8_t *addr, const uint8_t *prefix, unsigned plen);

/* Timestamps are nanoseconds since the epoch throughout. */
void fmt_ts(char *buf, size_t len, uint64_t ns);
/* Parse a time: epoch seconds ("1700000000.5") or ISO 8601 UTC ("2026-11-25T10:00:00Z"). */
bool parse_time(const char *s, uint64_t *ns);

/* Thousands separators for reports: 1204220 -> "1,204,220". */
const char *fmt_count(char *buf, size_t len, uint64_t v);
/* Bytes with a decimal unit, as iftop and tcpdump's peers print rates: "950 B", "12.4 MB". */
const char *fmt_bytes(char *buf, size_t len, uint64_t v);

uint64_t now_ns(void);

#endif
