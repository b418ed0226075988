/*
 * policy.c - verdicts (placeholder until the policy engine lands; see
 * policy.h). Directions are decided here already because the engine's
 * primary-sighting rule needs them.
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>

static const char *const verdict_names[K_N] = {
	[V_COMPLIANT] = "compliant",         [V_MISROUTED] = "misrouted",
	[V_UNKNOWN_SID] = "unknown_sid",     [V_UNSTEERED] = "unsteered",
	[V_POLICY_VIOLATION] = "policy_violation", [V_PIN_VIOLATION] = "pin_violation",
	[V_UNCOVERED] = "uncovered",         [K_SHIFT_ERROR] = "shift_error",
	[K_LOST_IN_NODE] = "lost_in_node",
};

const char *verdict_name(unsigned v)
{
	return v < K_N ? verdict_names[v] : "?";
}

struct policy_state {
	int unused;
};

struct policy_state *policy_new(struct engine *e)
{
	(void)e;
	return calloc(1, sizeof(struct policy_state));
}

void policy_free(struct policy_state *ps)
{
	free(ps);
}

bool policy_entering(const struct engine *e, const struct tap *tap, const struct dpkt *d,
		     uint32_t path)
{
	if (d->has_sll)
		return d->sll_pkttype != 4; /* PACKET_OUTGOING */
	const struct path *p = path < e->paths.n ? &e->paths.p[path] : NULL;
	if (!p || !p->nhops || tap->node < 0)
		return true;
	return p->hop[0].kind == PE_GLOBAL && p->hop[0].id == e->cfg->nodes[tap->node].usid;
}

void policy_sighting(struct engine *e, int tap, struct qp *q, uint32_t path, const struct dpkt *d,
		     const struct pkt *p, bool entering, bool primary)
{
	(void)e, (void)tap, (void)q, (void)path, (void)d, (void)p, (void)entering, (void)primary;
}

void policy_finish(struct engine *e)
{
	(void)e;
}

const char *policy_qp_name(const struct engine *e, const struct qp *q)
{
	if (!q->policy || q->policy > e->cfg->npolicies)
		return NULL;
	return e->cfg->policies[q->policy - 1].name;
}

void policy_rows_begin(const struct engine *e, struct policy_rows *r)
{
	(void)e;
	memset(r, 0, sizeof(*r));
}

bool policy_rows_verdict(const struct engine *e, struct policy_rows *r, const char **policy,
			 const char **verdict, uint64_t *n)
{
	(void)e, (void)r, (void)policy, (void)verdict, (void)n;
	return false;
}

const struct evidence *policy_rows_evidence(const struct engine *e, struct policy_rows *r,
					    uint32_t *idx)
{
	(void)e, (void)r, (void)idx;
	return NULL;
}

const struct transit_row *policy_rows_transit(const struct engine *e, struct policy_rows *r)
{
	(void)e, (void)r;
	return NULL;
}

void policy_report_text(FILE *f, const struct engine *e)
{
	(void)f, (void)e;
}

void policy_report_json(struct out *o, const struct engine *e)
{
	(void)o, (void)e;
}

bool policy_failed(const struct engine *e, uint32_t mask)
{
	(void)e, (void)mask;
	return false;
}

bool policy_parse_kinds(const char *s, uint32_t *mask, char *err, size_t errlen)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", s);
	*mask = 0;
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*mask = UINT32_MAX;
			continue;
		}
		unsigned k;
		for (k = V_MISROUTED; k < K_N; k++)
			if (k != V_UNCOVERED && !strcmp(tok, verdict_names[k]))
				break;
		if (k == K_N) {
			snprintf(err, errlen,
				 "unknown kind '%s' (expected misrouted, unknown_sid, unsteered, "
				 "policy_violation, pin_violation, shift_error, lost_in_node or all)",
				 tok);
			return false;
		}
		*mask |= 1u << k;
	}
	if (!*mask) {
		snprintf(err, errlen, "no kinds given");
		return false;
	}
	return true;
}
