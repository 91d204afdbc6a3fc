/*
 * sx.h - snmp_exporter's modules in argos: the module file (snmp.yml as
 * its generator writes it), the plan of what to poll for a set of
 * modules, and the mapping of the varbinds of one poll to the very
 * series snmp_exporter would serve for them.
 *
 * Pure code: no DPDK, no network, no thread.  The loader reads a file
 * with libyaml; regular expressions are PCRE2 (Go's RE2 syntax is a
 * subset of it for what modules use: \d, (?:...), (?i), classes).
 *
 *   struct sx_config *c = sx_load("snmp.yml", err, sizeof err);  // FILE:LINE: reason
 *   int m = sx_module_find(c, "if_mib");
 *   sx_plan_build(c, mods, n, &plan, ...);    // the OIDs to walk and to get
 *   sx_collect(c, m, &pdus, &opts, emit, ctx); // one poll's series of module m
 *   sx_free(c);
 *
 * Semantics follow snmp_exporter's collector (the current one, which
 * agrees with Debian's 0.21 on every module 0.21 can read): see
 * docs/snmp-exporter.md for each rule and the few places argos differs.
 */
#ifndef ARGOS_SX_H
#define ARGOS_SX_H

#include <stddef.h>
#include <stdint.h>

#include "argos_types.h"

#define SX_NAME_MAX 128        /* metric, label and module names */
#define SX_LABELS_MAX 32       /* labels of one sample besides instance/job/tags */

/* Types of metrics, indexes and lookups (the generator's names). */
enum sx_type {
	SX_T_NONE = 0,           /* a lookup without a type */
	SX_T_GAUGE,
	SX_T_COUNTER,
	SX_T_INTEGER,            /* "Integer32", "Integer": indexes */
	SX_T_FLOAT,
	SX_T_DOUBLE,
	SX_T_DISPLAYSTRING,
	SX_T_OCTETSTRING,
	SX_T_PHYSADDR48,
	SX_T_IPV4,               /* "InetAddressIPv4", "IpAddr" */
	SX_T_IPV6,               /* "InetAddressIPv6" */
	SX_T_INETADDRESS,        /* type from the InetAddressType before it */
	SX_T_INETADDRESS_NOSIZE, /* "InetAddressMissingSize" */
	SX_T_LLDP_PORTID,        /* type from the LldpPortIdSubtype before it */
	SX_T_ENUM_INFO,          /* "EnumAsInfo" */
	SX_T_ENUM_STATESET,      /* "EnumAsStateSet" */
	SX_T_BITS,
	SX_T_DATEANDTIME,
	SX_T_PARSE_DATEANDTIME,  /* "ParseDateAndTime": datetime_pattern */
	SX_T_NTPTIMESTAMP,
	SX_T__COUNT,
};

/** The generator's name of a type ("EnumAsInfo"), "" for SX_T_NONE. */
const char *sx_type_name(uint8_t t);

struct sx_enum {
	int64_t key;
	char *name;
};

struct sx_enums {
	struct sx_enum *v;       /* sorted by key, keys unique */
	uint32_t n;
};

struct sx_index {
	char *labelname;
	uint8_t type;            /* enum sx_type (the renderable index types) */
	uint8_t implied;
	uint32_t fixed_size;
	struct sx_enums enums;
};

struct sx_lookup {
	char **labels;           /* none: the lookup deletes labelname */
	uint32_t n_labels;
	char *labelname;
	uint32_t *oid;
	uint32_t oid_len;
	uint8_t type;            /* enum sx_type, SX_T_NONE allowed */
	char *display_hint;
	struct sx_enums enums;
};

struct sx_re;                /* a compiled regular expression (sx_re.c) */

struct sx_extract_rule {
	struct sx_re *re;        /* anchored: ^(?:regex)$ */
	char *value;             /* template, $1 by default */
};

struct sx_extract {
	char *suffix;            /* appended to the metric name */
	struct sx_extract_rule *rules;
	uint32_t n_rules;
};

struct sx_metric {
	char *name;
	uint32_t *oid;
	uint32_t oid_len;
	uint8_t type;            /* enum sx_type */
	char *help;
	struct sx_index *indexes;
	uint32_t n_indexes;
	struct sx_lookup *lookups;
	uint32_t n_lookups;
	struct sx_extract *extracts;
	uint32_t n_extracts;
	char *datetime_pattern;
	char *display_hint;
	struct sx_enums enums;
	double offset, scale;    /* scale 0: none */
	uint32_t line;
};

struct sx_filter {           /* a dynamic filter */
	uint32_t *oid;
	uint32_t oid_len;
	struct argos_oid *targets;
	char **target_text;      /* as written: get entries match by text prefix */
	uint32_t n_targets;
	struct sx_re **values;   /* unanchored */
	uint32_t n_values;
};

/** SNMP credentials: an entry of auths:, or a module's auth (old layout). */
struct sx_auth {
	char *name;              /* auths: key, or the module's name */
	uint8_t version;         /* 1, 2 or 3 */
	char *community;
	char *security_level, *username, *password;
	char *auth_protocol, *priv_protocol, *priv_password, *context_name;
	uint8_t has_version;     /* the file said it (old layout: the module's version:) */
	uint8_t has_community;
	uint32_t line;
};

struct sx_module {
	char *name;
	struct argos_oid *walk;
	uint32_t n_walk;
	char **get_text;         /* as written (filters match them by text) */
	struct argos_oid *get;
	uint32_t n_get;
	struct sx_metric *metrics;
	uint32_t n_metrics;
	struct sx_filter *filters;
	uint32_t n_filters;
	/* walk parameters: has_* says the file set them */
	uint32_t max_repetitions;
	int32_t retries;
	uint32_t timeout_ms;
	uint8_t has_max_repetitions, has_retries, has_timeout;
	uint8_t allow_nonincreasing_oids;
	uint8_t use_unconnected_udp_socket;
	uint8_t has_auth;        /* old layout: the module said version or auth */
	struct sx_auth auth;
	uint32_t line;
	void *tree;              /* metric lookup table (sx_collect.c) */
};

enum sx_layout {
	SX_LAYOUT_MODULES = 1,   /* before the auth split: modules at the top, auth inside */
	SX_LAYOUT_AUTHS = 2,     /* auths: and modules: (snmp_exporter 0.23 and later) */
};

struct sx_config {
	char *path;
	uint8_t layout;          /* enum sx_layout */
	struct sx_module *modules;
	uint32_t n_modules;
	struct sx_auth *auths;
	uint32_t n_auths;
};

/**
 * Load a module file.  Both layouts; every key is known or the load
 * fails; regular expressions are compiled.
 * @return the configuration, or NULL with err holding "FILE:LINE: reason"
 *         (LINE 0 when the file cannot be read).
 */
struct sx_config *sx_load(const char *path, char *err, size_t errlen);

/** Load from memory (the fuzz target, the unit tests); path names it in errors. */
struct sx_config *sx_load_mem(const char *path, const char *buf, size_t len, char *err,
			      size_t errlen);

void sx_free(struct sx_config *c);

/** The index of a module by name, or -1. */
int sx_module_find(const struct sx_config *c, const char *name);

/** The index of an auth by name, or -1. */
int sx_auth_find(const struct sx_config *c, const char *name);

/* --- one poll's varbinds ------------------------------------------------- */

/** A varbind as the collector reads it (the value of an argos varbind record). */
struct sx_pdu {
	const uint32_t *oid;
	uint32_t oid_len;
	uint8_t type;            /* SNMP_T_* (argos_snmp.h) */
	uint32_t len;            /* bytes of val, or sub-ids for an OID value */
	const void *val;         /* OctetString, Opaque, IpAddress bytes; OID sub-ids */
	int64_t i;               /* Integer */
	uint64_t u;              /* Counter32, Gauge32, TimeTicks, Counter64 */
	int64_t ts_ms;
	uint32_t seq;            /* arrival order (sx_pdus_sort sets it) */
};

/** The varbinds of one poll, sorted by OID, one per OID (sx_pdus_sort). */
struct sx_pdus {
	struct sx_pdu *v;
	size_t n, cap;           /* cap: of v, for those who grow it */
};

/** Sort by OID; of two varbinds with the same OID the later one stays
 *  (snmp_exporter keeps the last it met).  Order of equal OIDs: index. */
void sx_pdus_sort(struct sx_pdus *p);

/** The varbind named exactly oid, or NULL. */
const struct sx_pdu *sx_pdus_find(const struct sx_pdus *p, const uint32_t *oid,
				  uint32_t len);

/* --- series --------------------------------------------------------------- */

struct sx_label {
	const char *name;
	const char *value;
	uint32_t vlen;
};

/**
 * Where the collector's samples go.  name is NUL-terminated; labels are
 * the module's (indexes, lookups, the metric's own string), unsorted,
 * never empty-valued, names unique.  @return 0, or <0 to stop.
 */
typedef int (*sx_emit_fn)(void *ctx, const char *name, const struct sx_label *l, size_t n,
			  double value, int64_t ts_ms);

struct sx_collect_opts {
	int wrap_counters;       /* Counter64 modulo 2^53, as --snmp.wrap-large-counters */
};

/**
 * The series module m makes of pdus: every varbind under a metric's
 * OID (the shortest such metric wins), with its indexes, lookups and
 * type rules, as snmp_exporter's collector does.  pdus must hold only
 * the varbinds of m's own walks and gets (sx_scope_*).
 * @return samples emitted, or the emitter's negative return.
 */
long sx_collect(const struct sx_config *c, int m, const struct sx_pdus *pdus,
		const struct sx_collect_opts *o, sx_emit_fn emit, void *ctx);

/* --- value rendering (sx_render.c), shared with the tests ----------------- */

/** A small growing text buffer. */
struct sx_text {
	char *p;
	size_t len, cap;
};

int sx_text_put(struct sx_text *t, const void *s, size_t n);
void sx_text_free(struct sx_text *t);

/** The number a varbind stands for (snmp_exporter's getPduValue). */
double sx_pdu_value(const struct sx_pdu *p, int wrap_counters);

/** The text of a varbind rendered as type t (pduValueAsString). */
int sx_pdu_text(const struct sx_pdu *p, uint8_t t, const char *display_hint,
		struct sx_text *out);

/**
 * Decode one index of type t from arcs[0..n) (indexOidsAsString): its
 * text goes to out, the arcs it used (padded with zeros when the OID
 * was short, as snmp_exporter pads) to used[0..*n_used) (room for
 * used_max), and *consumed says how many of arcs it took.
 * @return 0, or -ENOSPC when the index is larger than used_max arcs.
 */
int sx_index_text(const uint32_t *arcs, uint32_t n, uint8_t t, uint32_t fixed_size,
		  int implied, const struct sx_enums *e, struct sx_text *out, uint32_t *used,
		  uint32_t used_max, uint32_t *n_used, uint32_t *consumed);

/** The enum name of key, or NULL. */
const char *sx_enum_name(const struct sx_enums *e, int64_t key);

/** Seconds since the epoch of an RFC 2579 DateAndTime (8 or 11 bytes).
 *  @return 0, or -EINVAL for any other length or a bad zone. */
int sx_date_and_time(const uint8_t *v, size_t len, double *out);

#endif
