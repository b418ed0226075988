/*
 * config.h - the fabric config (YAML, parsed with libyaml; spinetap.conf(5)).
 *
 * usid: block / nflen / local range; nodes: name -> uSID, role; taps: name
 * -> node, dir, peer; policies: name, match, paths, mode, balance;
 * settings: roce_ports, pmtu, correlation window, evidence per kind, table
 * capacities. Loading validates everything and fails with "file:line:col:
 * what was expected" (STYLE.md habit 9). Without a config every lookup
 * answers "unknown" and uSIDs print as hex.
 */
#ifndef SPINETAP_CONFIG_H
#define SPINETAP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "dissect.h"

#define CFG_NAME_MAX 64
#define CFG_MAX_HOPS 32
#define CFG_MAX_PATHS 64

enum cfg_role { ROLE_OTHER = 0, ROLE_HOST, ROLE_LEAF, ROLE_SPINE, ROLE_SUPERSPINE };
enum cfg_dir { DIR_BOTH = 0, DIR_IN, DIR_OUT };
enum cfg_mode { MODE_SPRAY = 0, MODE_PIN };

struct cfg_node {
	char name[CFG_NAME_MAX];
	uint32_t usid;
	uint8_t role;
};

struct cfg_tap {
	char name[CFG_NAME_MAX];
	int node; /* index into nodes */
	int peer; /* index into nodes, or -1 */
	uint8_t dir;
};

/* One hop of an allowed path: a node name, or a pattern with '*'. */
struct cfg_hop {
	char pattern[CFG_NAME_MAX];
	int node;          /* node index when the pattern names one node exactly, else -1 */
};

struct cfg_path {
	uint8_t n;
	struct cfg_hop hop[CFG_MAX_HOPS];
};

struct cfg_match {
	bool has_src, has_dst, has_dqpn, has_sport, has_dscp;
	uint8_t src[16], dst[16];
	uint8_t src_plen, dst_plen;
	int src_v, dst_v;
	uint32_t dqpn_lo, dqpn_hi;
	uint16_t sport_lo, sport_hi;
	uint64_t dscp_mask; /* bit d set: DSCP d matches */
};

struct cfg_policy {
	char name[CFG_NAME_MAX];
	struct cfg_match match;
	uint8_t npaths;
	struct cfg_path *paths;
	uint8_t mode;
	bool has_balance;
	double balance;
};

struct cfg_settings {
	uint16_t roce_ports[DP_MAX_PORTS];
	uint8_t nroce_ports;
	uint32_t pmtu;
	bool pmtu_set;               /* given in the file (else learned from traffic) */
	uint32_t correlation_window_ms;
	uint32_t evidence_per_kind;
	uint32_t qp_capacity;        /* QPs tracked before eviction */
	uint32_t timeseries_retention_s;
	bool check_icrc;
};

struct config {
	char file[256];          /* "" when no config was given */
	bool has_block;
	uint8_t block[16];
	uint8_t lblen, nflen;
	uint32_t local_lo, local_hi;
	int nnodes, ntaps, npolicies;
	struct cfg_node *nodes;
	struct cfg_tap *taps;
	struct cfg_policy *policies;
	struct cfg_settings set;
	/* uSID -> node index, sorted by uSID for binary search */
	uint32_t *usid_sorted;
	int *usid_node;
};

/* Defaults only (no file). */
void config_init(struct config *c);
/* Load and validate; on error fill err ("file:line:col: message") and return false. */
bool config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Load a YAML document from memory (tests, fuzzing); `name` labels errors. */
bool config_load_mem(struct config *c, const char *name, const char *text, size_t len, char *err,
		     size_t errlen);
void config_free(struct config *c);

/* Set the block from "fcbb:bbbb::/32" (CLI --usid-block); false with a message on error. */
bool config_set_block(struct config *c, const char *prefix, char *err, size_t errlen);
bool config_set_nflen(struct config *c, unsigned nflen, char *err, size_t errlen);

/* Fill dissector options from the config. */
void config_dp_opts(const struct config *c, struct dp_opts *o);

/* Node index for a global uSID, or -1. */
int config_node_by_usid(const struct config *c, uint32_t usid);
int config_node_by_name(const struct config *c, const char *name);
int config_tap_by_name(const struct config *c, const char *name);
/* Does a node name match a hop pattern ('*' matches any run of characters)? */
bool config_glob(const char *pattern, const char *name);
const char *cfg_role_name(unsigned role);
const char *cfg_dir_name(unsigned dir);

#endif
