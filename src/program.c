/*
 * program.c - see program.h. RFC 8754 §2 (segment list order), RFC 9800
 * §4.1 (carriers), DESIGN.md §2 (program).
 */
#include "program.h"

#include <string.h>

#include "util.h"

int program_layer(const struct dpkt *d)
{
	for (int i = 0; i < d->nip; i++) {
		const struct dp_ip *ip = &d->ip[i];
		if (ip->v != 6)
			continue;
		bool encap = ip->upper == 4 || ip->upper == 41 || ip->upper == 143;
		if (ip->has_srh || ip->in_block || encap)
			return i;
	}
	return -1;
}

static void add_carrier(const struct dp_opts *o, const uint8_t *addr, uint8_t seg,
			struct program *p)
{
	struct dp_usid u;
	if (usid_split(o, addr, &u)) {
		for (unsigned i = 0; i < u.n; i++) {
			if (p->n >= PROG_MAX) {
				p->truncated = true;
				return;
			}
			struct prog_elt *e = &p->e[p->n++];
			e->kind = (u.local_mask >> i) & 1 ? PE_LOCAL : PE_GLOBAL;
			e->seg = seg;
			e->id = u.id[i];
		}
		return;
	}
	if (p->n >= PROG_MAX) {
		p->truncated = true;
		return;
	}
	struct prog_elt *e = &p->e[p->n++];
	e->kind = PE_SID;
	e->seg = seg;
	e->id = 0;
	memcpy(e->sid, addr, 16);
}

bool program_build(const struct dp_opts *o, const struct dpkt *d, const uint8_t *frame,
		   struct program *p)
{
	p->n = 0;
	p->truncated = false;
	p->ip = program_layer(d);
	if (p->ip < 0)
		return false;
	const struct dp_ip *ip = &d->ip[p->ip];
	add_carrier(o, ip->dst, 0xff, p);
	if (ip->has_srh && !ip->srh.complete)
		p->truncated = true; /* the segment list was not (all) captured */
	if (ip->has_srh && ip->srh.complete) {
		/* srh.c checked that the whole segment list is captured. */
		const uint8_t *segs = frame + ip->srh.off + 8;
		for (int i = (int)ip->srh.sl - 1; i >= 0; i--)
			add_carrier(o, segs + 16 * i, (uint8_t)i, p);
	}
	return true;
}

void block_text(const struct dp_opts *o, char *buf, size_t len)
{
	struct sbuf b;
	sb_init(&b, buf, len);
	unsigned bytes = o->lblen / 8;
	if (bytes % 2) {
		/* A block that ends inside a 16-bit group: "fcbb:bb:" would read as fcbb:00bb. */
		char a[64];
		fmt_addr(a, sizeof(a), 6, o->block);
		sb_printf(&b, "%s/%u:", a, o->lblen);
		return;
	}
	for (unsigned i = 0; i + 1 < bytes; i += 2)
		sb_printf(&b, "%x:", (unsigned)(o->block[i] << 8 | o->block[i + 1]));
}

void usid_hex(const struct dp_opts *o, uint32_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%0*x", o->nflen / 4, id);
}

void program_text(const struct config *cfg, const struct dp_opts *o, const struct program *p,
		  bool names, char *buf, size_t len)
{
	struct sbuf b;
	char blk[64], tmp[64];
	sb_init(&b, buf, len);
	block_text(o, blk, sizeof(blk));
	int open_seg = -1; /* the carrier whose bracket is open */
	for (unsigned i = 0; i < p->n; i++) {
		const struct prog_elt *e = &p->e[i];
		if (e->kind == PE_SID) {
			if (open_seg >= 0)
				sb_puts(&b, "]");
			open_seg = -1;
			sb_printf(&b, "%s%s", b.len ? " " : "", fmt_addr(tmp, sizeof(tmp), 6, e->sid));
			continue;
		}
		if (open_seg != e->seg) {
			if (open_seg >= 0)
				sb_puts(&b, "]");
			sb_printf(&b, "%s%s[", b.len ? " " : "", blk);
			open_seg = e->seg;
		} else {
			sb_puts(&b, " ");
		}
		int node = names && cfg && e->kind == PE_GLOBAL ? config_node_by_usid(cfg, e->id) : -1;
		if (node >= 0) {
			sb_puts(&b, cfg->nodes[node].name);
		} else {
			usid_hex(o, e->id, tmp, sizeof(tmp));
			sb_puts(&b, tmp);
		}
	}
	if (open_seg >= 0)
		sb_puts(&b, "]");
	if (p->truncated)
		sb_puts(&b, " ...");
}
