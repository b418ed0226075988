/*
 * config.c - load and validate the YAML fabric config (spinetap.conf(5)).
 *
 * libyaml's document API gives every node its line and column, so each
 * error names the exact place: "lab.yaml:12:7: unknown key 'pathz' in a
 * policy (expected name, match, paths, mode, balance)". Validation is
 * complete at load time: after config_load() succeeds, every index in the
 * struct points at something that exists and every range is ordered, so
 * the per-packet code never re-checks the config.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

struct ld {
	struct config *c;
	yaml_document_t *doc;
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
};

static const char *const role_names[] = {
	[ROLE_OTHER] = "other", [ROLE_HOST] = "host", [ROLE_LEAF] = "leaf",
	[ROLE_SPINE] = "spine", [ROLE_SUPERSPINE] = "superspine",
};
static const char *const dir_names[] = {[DIR_BOTH] = "both", [DIR_IN] = "in", [DIR_OUT] = "out"};

const char *cfg_role_name(unsigned role)
{
	return role < ARRAY_SIZE(role_names) ? role_names[role] : "?";
}

const char *cfg_dir_name(unsigned dir)
{
	return dir < ARRAY_SIZE(dir_names) ? dir_names[dir] : "?";
}

static bool fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	if (l->failed)
		return false;
	l->failed = true;
	int k = n ? snprintf(l->err, l->errlen, "%s:%zu:%zu: ", l->file, n->start_mark.line + 1,
			     n->start_mark.column + 1)
		  : snprintf(l->err, l->errlen, "%s: ", l->file);
	if (k < 0 || (size_t)k >= l->errlen)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->err + k, l->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return false;
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->lblen = 32;
	c->nflen = 16;
	c->local_lo = 0xe000;
	c->local_hi = 0xffff;
	c->set.roce_ports[0] = 4791;
	c->set.nroce_ports = 1;
	c->set.pmtu = 4096;
	c->set.correlation_window_ms = 100;
	c->set.evidence_per_kind = 100;
	c->set.qp_capacity = 1u << 21;
	c->set.timeseries_retention_s = 7 * 24 * 3600;
	c->set.check_icrc = true;
}

void config_free(struct config *c)
{
	for (int i = 0; i < c->npolicies; i++)
		free(c->policies[i].paths);
	free(c->nodes);
	free(c->taps);
	free(c->policies);
	free(c->usid_sorted);
	free(c->usid_node);
	config_init(c);
}

/* ---- YAML helpers ---- */

static yaml_node_t *node_at(struct ld *l, int id)
{
	return yaml_document_get_node(l->doc, id);
}

static const char *scalar(struct ld *l, yaml_node_t *n, const char *what)
{
	if (!n || n->type != YAML_SCALAR_NODE) {
		fail(l, n, "%s must be a single value", what);
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static bool is_map(struct ld *l, yaml_node_t *n, const char *what)
{
	if (!n || n->type != YAML_MAPPING_NODE)
		return fail(l, n, "%s must be a mapping (key: value)", what);
	return true;
}

static bool is_seq(struct ld *l, yaml_node_t *n, const char *what)
{
	if (!n || n->type != YAML_SEQUENCE_NODE)
		return fail(l, n, "%s must be a list", what);
	return true;
}

/* Key must be one of `keys` (NULL-terminated); else an "unknown key" error listing them. */
static bool known_key(struct ld *l, yaml_node_t *k, const char *const *keys, const char *where)
{
	const char *s = scalar(l, k, "a key");
	if (!s)
		return false;
	for (int i = 0; keys[i]; i++)
		if (strcmp(s, keys[i]) == 0)
			return true;
	char list[256];
	struct sbuf b;
	sb_init(&b, list, sizeof(list));
	for (int i = 0; keys[i]; i++)
		sb_printf(&b, "%s%s", i ? ", " : "", keys[i]);
	return fail(l, k, "unknown key '%s' in %s (expected %s)", s, where, list);
}

static bool get_uint(struct ld *l, yaml_node_t *n, const char *what, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	const char *s = scalar(l, n, what);
	if (!s)
		return false;
	if (!parse_u64(s, min, max, out))
		return fail(l, n, "%s: '%s' is not a number in %llu..%llu", what, s,
			    (unsigned long long)min, (unsigned long long)max);
	return true;
}

/* uSIDs are hexadecimal, with or without 0x, as they appear in addresses. */
static bool parse_hex(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-' || *s == '+')
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return false;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 16);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* "A-B" or "A": numbers in base 0 (decimal or 0x), or hex when `hex`. */
static bool get_range(struct ld *l, yaml_node_t *n, const char *what, uint64_t max, bool hex,
		      uint64_t *lo, uint64_t *hi)
{
	const char *s = scalar(l, n, what);
	if (!s)
		return false;
	char a[64], b[64];
	const char *dash = strchr(s, '-');
	size_t na = dash ? (size_t)(dash - s) : strlen(s);
	if (na == 0 || na >= sizeof(a) || (dash && strlen(dash + 1) >= sizeof(b)))
		return fail(l, n, "%s: '%s' is not a value or a range LOW-HIGH", what, s);
	memcpy(a, s, na);
	a[na] = '\0';
	snprintf(b, sizeof(b), "%s", dash ? dash + 1 : a);
	bool ok = hex ? parse_hex(a, max, lo) && parse_hex(b, max, hi)
		      : parse_u64(a, 0, max, lo) && parse_u64(b, 0, max, hi);
	if (!ok)
		return fail(l, n, "%s: '%s' is not a value or a range LOW-HIGH within 0..0x%llx", what,
			    s, (unsigned long long)max);
	if (*lo > *hi)
		return fail(l, n, "%s: range '%s' runs backwards", what, s);
	return true;
}

static bool get_name(struct ld *l, yaml_node_t *n, const char *what, char *out)
{
	const char *s = scalar(l, n, what);
	if (!s)
		return false;
	size_t len = strlen(s);
	if (len == 0 || len >= CFG_NAME_MAX)
		return fail(l, n, "%s '%s' must be 1..%d characters", what, s, CFG_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			  ch == '-' || ch == '_' || ch == '.' || ch == ':' || ch == '/';
		if (!ok)
			return fail(l, n, "%s '%s': use letters, digits and - _ . : / only", what, s);
	}
	memcpy(out, s, len + 1);
	return true;
}

static bool get_bool(struct ld *l, yaml_node_t *n, const char *what, bool *out)
{
	const char *s = scalar(l, n, what);
	if (!s)
		return false;
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
		*out = false;
	else
		return fail(l, n, "%s: expected true or false, got '%s'", what, s);
	return true;
}

#define FOR_PAIRS(n, pr)                                                                             \
	for (yaml_node_pair_t *pr = (n)->data.mapping.pairs.start; pr < (n)->data.mapping.pairs.top; \
	     pr++)
#define FOR_ITEMS(n, it)                                                                             \
	for (yaml_node_item_t *it = (n)->data.sequence.items.start;                                \
	     it < (n)->data.sequence.items.top; it++)
#define KEY_IS(k, s) (strcmp((const char *)(k)->data.scalar.value, (s)) == 0)

/* ---- sections ---- */

static bool block_from(struct config *c, const char *s, char *msg, size_t len)
{
	uint8_t a[16], plen;
	int v;
	if (!parse_prefix(s, a, &plen, &v) || v != 6 || !strchr(s, '/')) {
		snprintf(msg, len, "block '%s' is not an IPv6 prefix such as fcbb:bbbb::/32", s);
		return false;
	}
	if (plen % 8 || plen < 8) {
		snprintf(msg, len, "block '%s': the length must be a multiple of 8 from 8 (got /%u)", s,
			 plen);
		return false;
	}
	uint8_t chk[16];
	memcpy(chk, a, 16);
	for (unsigned i = plen / 8; i < 16; i++)
		chk[i] = 0;
	if (memcmp(chk, a, 16) != 0) {
		char fixed[64];
		fmt_addr(fixed, sizeof(fixed), 6, chk);
		snprintf(msg, len, "block '%s' is not a prefix: bits are set past /%u (did you mean %s/%u?)",
			 s, plen, fixed, plen);
		return false;
	}
	memcpy(c->block, a, 16);
	c->lblen = plen;
	c->has_block = true;
	return true;
}

bool config_set_block(struct config *c, const char *prefix, char *err, size_t errlen)
{
	if (!block_from(c, prefix, err, errlen))
		return false;
	if (c->lblen + c->nflen > 128) {
		snprintf(err, errlen, "block /%u leaves no room for a %u-bit uSID", c->lblen, c->nflen);
		return false;
	}
	return true;
}

bool config_set_nflen(struct config *c, unsigned nflen, char *err, size_t errlen)
{
	if (nflen == 0 || nflen % 8 || nflen > 32) {
		snprintf(err, errlen, "uSID length %u: must be 8, 16, 24 or 32 bits", nflen);
		return false;
	}
	c->nflen = (uint8_t)nflen;
	if (c->has_block && c->lblen + nflen > 128) {
		snprintf(err, errlen, "block /%u leaves no room for a %u-bit uSID", c->lblen, nflen);
		return false;
	}
	return true;
}

static bool load_usid(struct ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {"block", "nflen", "local", NULL};
	struct config *c = l->c;
	yaml_node_t *blk = NULL, *loc = NULL;
	if (!is_map(l, n, "usid"))
		return false;
	FOR_PAIRS(n, pr)
	{
		yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
		if (!known_key(l, k, keys, "usid"))
			return false;
		if (KEY_IS(k, "block")) {
			blk = v;
		} else if (KEY_IS(k, "nflen")) {
			uint64_t x;
			if (!get_uint(l, v, "usid.nflen", 8, 32, &x))
				return false;
			if (x % 8)
				return fail(l, v, "usid.nflen %llu: must be 8, 16, 24 or 32",
					    (unsigned long long)x);
			c->nflen = (uint8_t)x;
		} else {
			loc = v;
		}
	}
	char msg[256];
	if (blk) {
		const char *s = scalar(l, blk, "usid.block");
		if (!s)
			return false;
		if (!block_from(c, s, msg, sizeof(msg)))
			return fail(l, blk, "%s", msg);
		if (c->lblen + c->nflen > 128)
			return fail(l, blk, "block /%u leaves no room for a %u-bit uSID", c->lblen,
				    c->nflen);
	}
	uint64_t max = c->nflen >= 32 ? 0xffffffffull : (1ull << c->nflen) - 1;
	if (loc) {
		uint64_t lo, hi;
		if (!get_range(l, loc, "usid.local", max, true, &lo, &hi))
			return false;
		if (lo == 0)
			return fail(l, loc, "usid.local: uSID 0 ends a carrier and cannot be local");
		c->local_lo = (uint32_t)lo;
		c->local_hi = (uint32_t)hi;
	} else {
		/* Default LIB: the top eighth of the uSID space (0xe000-0xffff for 16 bits). */
		c->local_lo = (uint32_t)(max - (max >> 3));
		c->local_hi = (uint32_t)max;
	}
	return true;
}

static bool load_nodes(struct ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {"usid", "role", NULL};
	struct config *c = l->c;
	if (!is_map(l, n, "nodes"))
		return false;
	size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	c->nodes = calloc(cnt ? cnt : 1, sizeof(*c->nodes));
	if (!c->nodes)
		return fail(l, n, "out of memory");
	uint64_t max = c->nflen >= 32 ? 0xffffffffull : (1ull << c->nflen) - 1;
	FOR_PAIRS(n, pr)
	{
		yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
		struct cfg_node *nd = &c->nodes[c->nnodes];
		if (!get_name(l, k, "node name", nd->name))
			return false;
		for (int i = 0; i < c->nnodes; i++)
			if (!strcmp(c->nodes[i].name, nd->name))
				return fail(l, k, "node '%s' is defined twice", nd->name);
		if (!is_map(l, v, "a node"))
			return false;
		bool have_usid = false;
		FOR_PAIRS(v, q)
		{
			yaml_node_t *qk = node_at(l, q->key), *qv = node_at(l, q->value);
			if (!known_key(l, qk, keys, "a node"))
				return false;
			if (KEY_IS(qk, "usid")) {
				const char *s = scalar(l, qv, "usid");
				uint64_t u;
				if (!s)
					return false;
				if (!parse_hex(s, max, &u) || u == 0)
					return fail(l, qv,
						    "node '%s': usid '%s' must be hexadecimal in 0x1..0x%llx",
						    nd->name, s, (unsigned long long)max);
				nd->usid = (uint32_t)u;
				have_usid = true;
			} else {
				const char *s = scalar(l, qv, "role");
				if (!s)
					return false;
				unsigned r;
				for (r = 0; r < ARRAY_SIZE(role_names); r++)
					if (!strcmp(s, role_names[r]))
						break;
				if (r == ARRAY_SIZE(role_names))
					return fail(l, qv,
						    "node '%s': role '%s' (expected host, leaf, spine, superspine or other)",
						    nd->name, s);
				nd->role = (uint8_t)r;
			}
		}
		if (!have_usid)
			return fail(l, v, "node '%s' has no usid", nd->name);
		if (nd->usid >= c->local_lo && nd->usid <= c->local_hi)
			return fail(l, k, "node '%s': usid 0x%04x is in the local range 0x%04x-0x%04x",
				    nd->name, nd->usid, c->local_lo, c->local_hi);
		for (int i = 0; i < c->nnodes; i++)
			if (c->nodes[i].usid == nd->usid)
				return fail(l, k, "nodes '%s' and '%s' overlap: both have usid 0x%04x",
					    c->nodes[i].name, nd->name, nd->usid);
		c->nnodes++;
	}
	return true;
}

static bool load_taps(struct ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {"node", "dir", "peer", NULL};
	struct config *c = l->c;
	if (!is_map(l, n, "taps"))
		return false;
	size_t cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	c->taps = calloc(cnt ? cnt : 1, sizeof(*c->taps));
	if (!c->taps)
		return fail(l, n, "out of memory");
	FOR_PAIRS(n, pr)
	{
		yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
		struct cfg_tap *t = &c->taps[c->ntaps];
		t->node = t->peer = -1;
		if (!get_name(l, k, "tap name", t->name))
			return false;
		for (int i = 0; i < c->ntaps; i++)
			if (!strcmp(c->taps[i].name, t->name))
				return fail(l, k, "tap '%s' is defined twice", t->name);
		if (!is_map(l, v, "a tap"))
			return false;
		FOR_PAIRS(v, q)
		{
			yaml_node_t *qk = node_at(l, q->key), *qv = node_at(l, q->value);
			if (!known_key(l, qk, keys, "a tap"))
				return false;
			const char *s = scalar(l, qv, (const char *)qk->data.scalar.value);
			if (!s)
				return false;
			if (KEY_IS(qk, "dir")) {
				unsigned d;
				for (d = 0; d < ARRAY_SIZE(dir_names); d++)
					if (!strcmp(s, dir_names[d]))
						break;
				if (d == ARRAY_SIZE(dir_names))
					return fail(l, qv, "tap '%s': dir '%s' (expected in, out or both)",
						    t->name, s);
				t->dir = (uint8_t)d;
			} else {
				int idx = config_node_by_name(c, s);
				if (idx < 0)
					return fail(l, qv, "tap '%s': unknown node '%s'", t->name, s);
				if (KEY_IS(qk, "node"))
					t->node = idx;
				else
					t->peer = idx;
			}
		}
		if (t->node < 0)
			return fail(l, v, "tap '%s' has no node", t->name);
		if (t->peer == t->node)
			return fail(l, v, "tap '%s': peer is the tap's own node", t->name);
		c->ntaps++;
	}
	return true;
}

static bool load_prefix(struct ld *l, yaml_node_t *v, const char *what, uint8_t *a, uint8_t *plen,
			int *ver)
{
	const char *s = scalar(l, v, what);
	if (!s)
		return false;
	if (!parse_prefix(s, a, plen, ver))
		return fail(l, v, "%s '%s' is not an address or prefix", what, s);
	return true;
}

static bool load_match(struct ld *l, yaml_node_t *n, struct cfg_match *m)
{
	static const char *const keys[] = {"src", "dst", "dqpn", "sport", "dscp", NULL};
	if (!is_map(l, n, "match"))
		return false;
	FOR_PAIRS(n, pr)
	{
		yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
		uint64_t lo, hi;
		if (!known_key(l, k, keys, "match"))
			return false;
		if (KEY_IS(k, "src")) {
			if (!load_prefix(l, v, "match.src", m->src, &m->src_plen, &m->src_v))
				return false;
			m->has_src = true;
		} else if (KEY_IS(k, "dst")) {
			if (!load_prefix(l, v, "match.dst", m->dst, &m->dst_plen, &m->dst_v))
				return false;
			m->has_dst = true;
		} else if (KEY_IS(k, "dqpn")) {
			if (!get_range(l, v, "match.dqpn", 0xffffff, false, &lo, &hi))
				return false;
			m->has_dqpn = true;
			m->dqpn_lo = (uint32_t)lo;
			m->dqpn_hi = (uint32_t)hi;
		} else if (KEY_IS(k, "sport")) {
			if (!get_range(l, v, "match.sport", 0xffff, false, &lo, &hi))
				return false;
			m->has_sport = true;
			m->sport_lo = (uint16_t)lo;
			m->sport_hi = (uint16_t)hi;
		} else {
			m->has_dscp = true;
			if (v->type == YAML_SEQUENCE_NODE) {
				FOR_ITEMS(v, it)
				{
					if (!get_range(l, node_at(l, *it), "match.dscp", 63, false, &lo, &hi))
						return false;
					for (uint64_t d = lo; d <= hi; d++)
						m->dscp_mask |= 1ull << d;
				}
			} else {
				if (!get_range(l, v, "match.dscp", 63, false, &lo, &hi))
					return false;
				for (uint64_t d = lo; d <= hi; d++)
					m->dscp_mask |= 1ull << d;
			}
		}
	}
	return true;
}

static bool load_path(struct ld *l, yaml_node_t *n, struct cfg_path *p)
{
	struct config *c = l->c;
	if (!is_seq(l, n, "a path (a list of node names)"))
		return false;
	FOR_ITEMS(n, it)
	{
		yaml_node_t *h = node_at(l, *it);
		const char *s = scalar(l, h, "a path hop");
		if (!s)
			return false;
		if (p->n >= CFG_MAX_HOPS)
			return fail(l, h, "a path has more than %d hops", CFG_MAX_HOPS);
		struct cfg_hop *hop = &p->hop[p->n];
		size_t len = strlen(s);
		if (len == 0 || len >= CFG_NAME_MAX)
			return fail(l, h, "path hop '%s' must be 1..%d characters", s, CFG_NAME_MAX - 1);
		memcpy(hop->pattern, s, len + 1);
		hop->node = -1;
		if (strchr(s, '*')) {
			bool any = false;
			for (int i = 0; i < c->nnodes && !any; i++)
				any = config_glob(s, c->nodes[i].name);
			if (!any)
				return fail(l, h, "path hop '%s' matches no node", s);
		} else {
			hop->node = config_node_by_name(c, s);
			if (hop->node < 0)
				return fail(l, h, "unknown node '%s' in a path", s);
		}
		p->n++;
	}
	if (p->n == 0)
		return fail(l, n, "a path must name at least one node");
	return true;
}

static bool load_policies(struct ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {"name", "match", "paths", "mode", "balance", NULL};
	struct config *c = l->c;
	if (!is_seq(l, n, "policies"))
		return false;
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->policies = calloc(cnt ? cnt : 1, sizeof(*c->policies));
	if (!c->policies)
		return fail(l, n, "out of memory");
	FOR_ITEMS(n, it)
	{
		yaml_node_t *pn = node_at(l, *it);
		struct cfg_policy *p = &c->policies[c->npolicies];
		if (!is_map(l, pn, "a policy"))
			return false;
		c->npolicies++; /* counted now so config_free() releases its paths */
		bool have_paths = false;
		FOR_PAIRS(pn, pr)
		{
			yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
			if (!known_key(l, k, keys, "a policy"))
				return false;
			if (KEY_IS(k, "name")) {
				if (!get_name(l, v, "policy name", p->name))
					return false;
			} else if (KEY_IS(k, "match")) {
				if (!load_match(l, v, &p->match))
					return false;
			} else if (KEY_IS(k, "paths")) {
				/* A second 'paths' would refill p->paths from npaths on (heap overflow). */
				if (have_paths)
					return fail(l, k, "'paths' appears twice in one policy");
				if (!is_seq(l, v, "paths (a list of paths)"))
					return false;
				size_t np = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
				if (np == 0 || np > CFG_MAX_PATHS)
					return fail(l, v, "paths: give 1..%d paths", CFG_MAX_PATHS);
				p->paths = calloc(np, sizeof(*p->paths));
				if (!p->paths)
					return fail(l, v, "out of memory");
				FOR_ITEMS(v, pit)
				{
					if (!load_path(l, node_at(l, *pit), &p->paths[p->npaths]))
						return false;
					p->npaths++;
				}
				have_paths = true;
			} else if (KEY_IS(k, "mode")) {
				const char *s = scalar(l, v, "mode");
				if (!s)
					return false;
				if (!strcmp(s, "pin"))
					p->mode = MODE_PIN;
				else if (!strcmp(s, "spray"))
					p->mode = MODE_SPRAY;
				else
					return fail(l, v, "mode '%s' (expected pin or spray)", s);
			} else {
				const char *s = scalar(l, v, "balance");
				double d;
				if (!s)
					return false;
				if (!parse_double(s, &d) || !(d >= 0 && d <= 1))
					return fail(l, v, "balance '%s' must be a fraction from 0 to 1", s);
				p->balance = d;
				p->has_balance = true;
			}
		}
		if (!p->name[0])
			return fail(l, pn, "a policy has no name");
		if (!have_paths)
			return fail(l, pn, "policy '%s' has no paths", p->name);
		for (int i = 0; i < c->npolicies - 1; i++)
			if (!strcmp(c->policies[i].name, p->name))
				return fail(l, pn, "policy '%s' is defined twice", p->name);
	}
	return true;
}

static bool load_settings(struct ld *l, yaml_node_t *n)
{
	static const char *const keys[] = {"roce_ports", "pmtu", "correlation_window_ms",
					   "evidence_per_kind", "qp_capacity",
					   "timeseries_retention_s", "icrc", NULL};
	struct cfg_settings *s = &l->c->set;
	if (!is_map(l, n, "settings"))
		return false;
	FOR_PAIRS(n, pr)
	{
		yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
		uint64_t x;
		if (!known_key(l, k, keys, "settings"))
			return false;
		if (KEY_IS(k, "roce_ports")) {
			s->nroce_ports = 0;
			if (v->type == YAML_SEQUENCE_NODE) {
				FOR_ITEMS(v, it)
				{
					yaml_node_t *pn = node_at(l, *it);
					if (s->nroce_ports >= DP_MAX_PORTS)
						return fail(l, pn, "roce_ports: at most %d ports", DP_MAX_PORTS);
					if (!get_uint(l, pn, "a RoCE port", 1, 65535, &x))
						return false;
					s->roce_ports[s->nroce_ports++] = (uint16_t)x;
				}
			} else {
				if (!get_uint(l, v, "roce_ports", 1, 65535, &x))
					return false;
				s->roce_ports[s->nroce_ports++] = (uint16_t)x;
			}
			if (!s->nroce_ports)
				return fail(l, v, "roce_ports must list at least one port");
		} else if (KEY_IS(k, "pmtu")) {
			if (!get_uint(l, v, "pmtu", 256, 4096, &x))
				return false;
			if (x & (x - 1))
				return fail(l, v, "pmtu %llu: must be 256, 512, 1024, 2048 or 4096",
					    (unsigned long long)x);
			s->pmtu = (uint32_t)x;
			s->pmtu_set = true;
		} else if (KEY_IS(k, "correlation_window_ms")) {
			if (!get_uint(l, v, "correlation_window_ms", 1, 60000, &x))
				return false;
			s->correlation_window_ms = (uint32_t)x;
		} else if (KEY_IS(k, "evidence_per_kind")) {
			if (!get_uint(l, v, "evidence_per_kind", 0, 1000000, &x))
				return false;
			s->evidence_per_kind = (uint32_t)x;
		} else if (KEY_IS(k, "qp_capacity")) {
			if (!get_uint(l, v, "qp_capacity", 16, 1u << 26, &x))
				return false;
			s->qp_capacity = (uint32_t)x;
		} else if (KEY_IS(k, "timeseries_retention_s")) {
			if (!get_uint(l, v, "timeseries_retention_s", 60, 10ull * 365 * 86400, &x))
				return false;
			s->timeseries_retention_s = (uint32_t)x;
		} else {
			if (!get_bool(l, v, "icrc", &s->check_icrc))
				return false;
		}
	}
	return true;
}

static int cmp_u32_idx(const void *a, const void *b, void *arg)
{
	const uint32_t *u = arg;
	uint32_t x = u[*(const int *)a], y = u[*(const int *)b];
	return x < y ? -1 : x > y;
}

static bool index_usids(struct config *c)
{
	free(c->usid_sorted);
	free(c->usid_node);
	c->usid_sorted = NULL;
	c->usid_node = NULL;
	if (!c->nnodes)
		return true;
	uint32_t *u = malloc(sizeof(*u) * (size_t)c->nnodes);
	int *idx = malloc(sizeof(*idx) * (size_t)c->nnodes);
	if (!u || !idx) {
		free(u);
		free(idx);
		return false;
	}
	for (int i = 0; i < c->nnodes; i++) {
		u[i] = c->nodes[i].usid;
		idx[i] = i;
	}
	qsort_r(idx, (size_t)c->nnodes, sizeof(*idx), cmp_u32_idx, u);
	for (int i = 0; i < c->nnodes; i++)
		u[i] = c->nodes[idx[i]].usid;
	c->usid_sorted = u;
	c->usid_node = idx;
	return true;
}

static bool load_doc(struct ld *l)
{
	static const char *const keys[] = {"usid", "nodes", "taps", "policies", "settings", NULL};
	yaml_node_t *root = yaml_document_get_root_node(l->doc);
	if (!root)
		return fail(l, NULL, "the file is empty");
	if (!is_map(l, root, "the config"))
		return false;
	/* Sections in dependency order, wherever they appear in the file. */
	const char *order[] = {"usid", "nodes", "taps", "policies", "settings"};
	FOR_PAIRS(root, pr)
	{
		if (!known_key(l, node_at(l, pr->key), keys, "the config"))
			return false;
	}
	for (size_t o = 0; o < ARRAY_SIZE(order); o++) {
		int seen = 0;
		FOR_PAIRS(root, pr)
		{
			yaml_node_t *k = node_at(l, pr->key), *v = node_at(l, pr->value);
			if (!KEY_IS(k, order[o]))
				continue;
			if (seen++)
				return fail(l, k, "section '%s' appears twice", order[o]);
			bool ok = o == 0   ? load_usid(l, v)
				  : o == 1 ? load_nodes(l, v)
				  : o == 2 ? load_taps(l, v)
				  : o == 3 ? load_policies(l, v)
					   : load_settings(l, v);
			if (!ok)
				return false;
		}
	}
	if (!index_usids(l->c))
		return fail(l, NULL, "out of memory");
	return true;
}

static bool load_parser(struct config *c, yaml_parser_t *p, const char *name, char *err,
			size_t errlen)
{
	yaml_document_t doc;
	struct ld l = {.c = c, .doc = &doc, .file = name, .err = err, .errlen = errlen};

	if (!yaml_parser_load(p, &doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s%s%s", name, p->problem_mark.line + 1,
			 p->problem_mark.column + 1, p->problem ? p->problem : "YAML syntax error",
			 p->context ? " " : "", p->context ? p->context : "");
		return false;
	}
	bool ok = load_doc(&l);
	yaml_document_delete(&doc);
	if (ok) {
		/* A second document in the same file is a mistake worth naming. */
		yaml_document_t extra;
		if (yaml_parser_load(p, &extra)) {
			if (yaml_document_get_root_node(&extra)) {
				snprintf(err, errlen, "%s: more than one YAML document", name);
				ok = false;
			}
			yaml_document_delete(&extra);
		}
	}
	if (ok)
		snprintf(c->file, sizeof(c->file), "%s", name);
	return ok;
}

bool config_load_mem(struct config *c, const char *name, const char *text, size_t len, char *err,
		     size_t errlen)
{
	yaml_parser_t p;
	config_free(c);
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "%s: cannot start the YAML parser", name);
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	bool ok = load_parser(c, &p, name, err, errlen);
	yaml_parser_delete(&p);
	if (!ok)
		config_free(c);
	return ok;
}

bool config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	yaml_parser_t p;
	config_free(c);
	if (!yaml_parser_initialize(&p)) {
		fclose(f);
		snprintf(err, errlen, "%s: cannot start the YAML parser", path);
		return false;
	}
	yaml_parser_set_input_file(&p, f);
	bool ok = load_parser(c, &p, path, err, errlen);
	yaml_parser_delete(&p);
	fclose(f);
	if (!ok)
		config_free(c);
	return ok;
}

void config_dp_opts(const struct config *c, struct dp_opts *o)
{
	dp_opts_init(o);
	memcpy(o->roce_ports, c->set.roce_ports, sizeof(o->roce_ports));
	o->nroce_ports = c->set.nroce_ports;
	o->check_icrc = c->set.check_icrc;
	o->has_block = c->has_block;
	memcpy(o->block, c->block, 16);
	o->lblen = c->lblen;
	o->nflen = c->nflen;
	o->local_lo = c->local_lo;
	o->local_hi = c->local_hi;
}

int config_node_by_usid(const struct config *c, uint32_t usid)
{
	int lo = 0, hi = c->nnodes - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		uint32_t v = c->usid_sorted[mid];
		if (v == usid)
			return c->usid_node[mid];
		if (v < usid)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

int config_node_by_name(const struct config *c, const char *name)
{
	for (int i = 0; i < c->nnodes; i++)
		if (!strcmp(c->nodes[i].name, name))
			return i;
	return -1;
}

int config_tap_by_name(const struct config *c, const char *name)
{
	for (int i = 0; i < c->ntaps; i++)
		if (!strcmp(c->taps[i].name, name))
			return i;
	return -1;
}

bool config_glob(const char *pat, const char *s)
{
	/* Iterative '*' matching with one backtrack point: linear, no recursion. */
	const char *star = NULL, *ss = s;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			ss = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++ss;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}
