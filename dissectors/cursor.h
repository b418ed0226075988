/*
 * cursor.h - the one bounds-checked reader every dissector uses.
 *
 * A cursor walks a frame with two limits kept apart, as tcpdump does:
 *   cap  - the end of the bytes that were captured (snaplen),
 *   end  - the end of the bytes the enclosing headers declare (frame length
 *          on the wire, then narrowed by IPv4 total length, IPv6 payload
 *          length, the SRH length, the UDP length...).
 * A read that would cross `end` is a malformed packet: no capture setting
 * could ever make those bytes exist. A read that crosses only `cap` is a
 * truncated capture. Either sets a sticky error and returns nothing; the
 * cursor never hands out a pointer to bytes it has not checked.
 *
 * Idiom: `const uint8_t *h = cur_take(c, 12); if (!h) return ...;` then read
 * fields with rd_be16(h + 2) etc. at constant offsets below the length that
 * cur_take checked. No raw indexing of the frame anywhere else.
 *
 * Lengths are uint32_t: a pcap record is capped far below 4 GiB, and every
 * sum below is written as `need > remaining` so it cannot overflow.
 */
#ifndef SPINETAP_CURSOR_H
#define SPINETAP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum cur_err {
	CUR_OK = 0,
	CUR_CAP,  /* wanted bytes past the captured length: truncated */
	CUR_WIRE, /* wanted bytes past the declared length: malformed */
};

struct cur {
	const uint8_t *buf; /* start of the frame */
	uint32_t off;       /* next byte to read, from buf */
	uint32_t cap;       /* captured bytes usable: [0, cap) */
	uint32_t end;       /* declared bytes: [0, end); cap may exceed end */
	uint8_t err;        /* enum cur_err, sticky */
};

/* Start a cursor over a frame of `caplen` captured bytes out of `wirelen`. */
static inline void cur_init(struct cur *c, const uint8_t *buf, uint32_t caplen, uint32_t wirelen)
{
	c->buf = buf;
	c->off = 0;
	c->cap = caplen;
	c->end = wirelen < caplen ? caplen : wirelen; /* defensive: wirelen < caplen is a bad record */
	c->err = CUR_OK;
}

/* Bytes left before the declared end (what the headers promise). */
static inline uint32_t cur_left(const struct cur *c)
{
	return c->off < c->end ? c->end - c->off : 0;
}

/* Bytes left that were actually captured, within the declared end. */
static inline uint32_t cur_caplen(const struct cur *c)
{
	uint32_t lim = c->cap < c->end ? c->cap : c->end;
	return c->off < lim ? lim - c->off : 0;
}

/* Would `n` more bytes be readable? Sets the sticky error if not. */
static inline bool cur_need(struct cur *c, uint32_t n)
{
	if (c->err)
		return false;
	if (n > cur_left(c)) {
		c->err = CUR_WIRE;
		return false;
	}
	if (n > cur_caplen(c)) {
		c->err = CUR_CAP;
		return false;
	}
	return true;
}

/* Return a pointer to the next `n` checked bytes and advance, or NULL. */
static inline const uint8_t *cur_take(struct cur *c, uint32_t n)
{
	if (!cur_need(c, n))
		return NULL;
	const uint8_t *p = c->buf + c->off;
	c->off += n;
	return p;
}

/* Look at the next `n` bytes without advancing, or NULL (sets no error). */
static inline const uint8_t *cur_peek(const struct cur *c, uint32_t n)
{
	if (c->err || n > cur_left(c) || n > cur_caplen(c))
		return NULL;
	return c->buf + c->off;
}

/* Advance over `n` declared bytes that need not be captured (payload). */
static inline bool cur_skip_wire(struct cur *c, uint32_t n)
{
	if (c->err)
		return false;
	if (n > cur_left(c)) {
		c->err = CUR_WIRE;
		return false;
	}
	c->off += n;
	return true;
}

/*
 * Narrow the declared end to the next `n` bytes (a header's own length
 * field). Declaring more than the enclosing layer holds is malformed.
 */
static inline bool cur_narrow(struct cur *c, uint32_t n)
{
	if (c->err)
		return false;
	if (n > cur_left(c)) {
		c->err = CUR_WIRE;
		return false;
	}
	c->end = c->off + n;
	return true;
}

/* Big-endian loads from a pointer that cur_take() already checked. */
static inline uint16_t rd_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t rd_be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
static inline uint32_t rd_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t rd_be64(const uint8_t *p)
{
	return (uint64_t)rd_be32(p) << 32 | rd_be32(p + 4);
}
static inline uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}
static inline uint16_t rd_le16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

#endif
