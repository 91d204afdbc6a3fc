/*
 * sx_internal.h - what the files of controlplane/snmpx share.
 *
 *   sx_yaml.c     libyaml events -> a tree of nodes with line numbers
 *   sx_load.c     the tree -> modules and auths (both layouts), strict keys
 *   sx_load_metric.c  metrics, indexes, lookups, extracts, enums
 *   sx_re.c       PCRE2: compile, match, Go's $1/${name} templates
 *   sx_render.c   indexes and values as snmp_exporter writes them
 *   sx_collect.c  one module's series from one poll's varbinds
 *   sx_plan.c     what to walk and get for a set of modules
 */
#ifndef ARGOS_SX_INTERNAL_H
#define ARGOS_SX_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sx.h"

/* --- YAML tree ------------------------------------------------------------ */

enum sx_ykind { SXY_SCALAR = 1, SXY_SEQ, SXY_MAP };

struct sx_ynode {
	uint8_t kind;          /* enum sx_ykind */
	uint8_t plain;         /* a plain scalar: null, bools and numbers resolve */
	uint32_t line;         /* 1-based */
	char *str;             /* scalar text, NUL-terminated */
	size_t len;
	struct sx_ynode **items;   /* seq: n items; map: key, value, key, value... */
	size_t n;              /* seq: items; map: pairs */
};

struct sx_ydoc;

/**
 * Parse the first YAML document of buf into a tree.  An empty document
 * gives a NULL root.  @return the document, or NULL with err holding
 * "PATH:LINE: reason".
 */
struct sx_ydoc *sx_yaml_parse(const char *path, const char *buf, size_t len, char *err,
			      size_t errlen);
const struct sx_ynode *sx_yaml_root(const struct sx_ydoc *d);
void sx_yaml_free(struct sx_ydoc *d);

/** 1 when a scalar is YAML's null (plain ~, null, Null, NULL or empty). */
int sx_yaml_is_null(const struct sx_ynode *n);

/* --- loader --------------------------------------------------------------- */

struct sx_loader {
	const char *path;
	char *err;
	size_t errlen;
};

/** Format "PATH:LINE: reason" into l->err.  @return -1. */
int sx_fail(struct sx_loader *l, uint32_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Typed reads of scalars, failing with the key's name and line. */
int sx_get_str(struct sx_loader *l, const struct sx_ynode *v, const char *what, char **out);
int sx_get_int(struct sx_loader *l, const struct sx_ynode *v, const char *what, int64_t min,
	       int64_t max, int64_t *out);
int sx_get_bool(struct sx_loader *l, const struct sx_ynode *v, const char *what, uint8_t *out);
int sx_get_float(struct sx_loader *l, const struct sx_ynode *v, const char *what, double *out);
int sx_get_oid(struct sx_loader *l, const struct sx_ynode *v, const char *what,
	       struct argos_oid *out);
int sx_get_oid_arcs(struct sx_loader *l, const struct sx_ynode *v, const char *what,
		    uint32_t **arcs, uint32_t *n);
int sx_get_str_list(struct sx_loader *l, const struct sx_ynode *v, const char *what,
		    char ***out, uint32_t *n);
int sx_get_enums(struct sx_loader *l, const struct sx_ynode *v, const char *what,
		 struct sx_enums *out);

/*
 * Walk a map's keys against the allowed ones: a key not in keys, or a
 * key twice, fails with its line.  For each key found, vals[i] is set
 * to its value node (NULL when absent).  keys ends with NULL.
 */
int sx_map_keys(struct sx_loader *l, const struct sx_ynode *map, const char *what,
		const char *const *keys, const struct sx_ynode **vals);

/** The type of a name: a metric type (what 'm'), index ('i') or lookup ('l').
 *  @return the enum sx_type, or -1 when the name is not one of them. */
int sx_type_parse(const char *s, char what);

/** Build module m's metric lookup table (sx_collect.c).  @return 0 or -ENOMEM. */
int sx_collect_prepare(struct sx_module *m);
void sx_collect_tree_free(struct sx_module *m);

int sx_load_metric(struct sx_loader *l, const struct sx_ynode *n, struct sx_metric *m);
void sx_metric_free(struct sx_metric *m);
void sx_enums_free(struct sx_enums *e);

/* --- regular expressions (sx_re.c) ----------------------------------------- */

/** Compile re; anchored wraps it as ^(?:re)$.  @return the regex, or NULL
 *  with err holding PCRE2's reason and offset. */
struct sx_re *sx_re_compile(const char *re, int anchored, char *err, size_t errlen);
void sx_re_free(struct sx_re *re);

/** 1 when re matches s[0..len) (anywhere unless anchored), 0 when not. */
int sx_re_match(struct sx_re *re, const char *s, size_t len);

/**
 * Match re against s and expand template as Go's Regexp.ExpandString:
 * $1, ${1}, $name, ${name}, $$; an unknown or unmatched group is empty.
 * @return 1 and out filled on a match, 0 when re does not match, -ENOMEM.
 */
int sx_re_expand(struct sx_re *re, const char *s, size_t len, const char *templ,
		 struct sx_text *out);

/* --- rendering helpers (sx_render.c) --------------------------------------- */

/** Append s with every run of invalid UTF-8 replaced by U+FFFD, as Go's
 *  strings.ToValidUTF8(s, "\uFFFD").  @return 0 or -ENOMEM. */
int sx_text_put_utf8(struct sx_text *t, const void *s, size_t n);

/** The float an Opaque holds (RFC draft opaque float/double), 1; 0 when it
 *  holds something else. */
int sx_opaque_float(const uint8_t *b, size_t len, int *is_double, double *v);

/** Apply an RFC 2579 DISPLAY-HINT to bytes.  @return 1 with out filled, 0
 *  when the hint does not parse or does not fit (the caller falls back). */
int sx_display_hint(const char *hint, const uint8_t *b, size_t len, struct sx_text *out);

/** Parse text with a strftime pattern (ParseDateAndTime).  @return 0 or -EINVAL. */
int sx_parse_time(const char *s, size_t len, const char *pattern, double *out);

#endif
