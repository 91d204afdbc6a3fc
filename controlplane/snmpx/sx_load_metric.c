/*
 * sx_load_metric.c - one metric of a module: its name, OID and type,
 * indexes, lookups, regex_extracts, enum_values and the rest of what
 * the generator writes (generator/FORMAT.md of snmp_exporter).
 *
 * Types are checked against the generator's list: a metric type, an
 * index type and a lookup type each have their own (an index type
 * snmp_exporter cannot render would panic it at scrape time; argos
 * refuses it at load, as snmp_exporter's own config check now does).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sx_internal.h"

static const struct {
	const char *name;
	uint8_t type;
	const char *where;   /* m: metric, i: index, l: lookup */
} types[] = {
	{ "gauge", SX_T_GAUGE, "mil" },
	{ "counter", SX_T_COUNTER, "mil" },
	{ "Integer32", SX_T_INTEGER, "il" },
	{ "Integer", SX_T_INTEGER, "il" },
	{ "Float", SX_T_FLOAT, "ml" },
	{ "Double", SX_T_DOUBLE, "ml" },
	{ "DisplayString", SX_T_DISPLAYSTRING, "mil" },
	{ "OctetString", SX_T_OCTETSTRING, "mil" },
	{ "PhysAddress48", SX_T_PHYSADDR48, "mil" },
	{ "InetAddressIPv4", SX_T_IPV4, "mil" },
	{ "IpAddr", SX_T_IPV4, "ml" },
	{ "InetAddressIPv6", SX_T_IPV6, "mil" },
	{ "InetAddress", SX_T_INETADDRESS, "mil" },
	{ "InetAddressMissingSize", SX_T_INETADDRESS_NOSIZE, "mil" },
	{ "LldpPortId", SX_T_LLDP_PORTID, "mil" },
	{ "EnumAsInfo", SX_T_ENUM_INFO, "mil" },
	{ "EnumAsStateSet", SX_T_ENUM_STATESET, "ml" },
	{ "Bits", SX_T_BITS, "ml" },
	{ "DateAndTime", SX_T_DATEANDTIME, "ml" },
	{ "ParseDateAndTime", SX_T_PARSE_DATEANDTIME, "ml" },
	{ "NTPTimeStamp", SX_T_NTPTIMESTAMP, "ml" },
};

int
sx_type_parse(const char *s, char what)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].name, s) && strchr(types[i].where, what))
			return types[i].type;
	return -1;
}

const char *
sx_type_name(uint8_t t)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == t)
			return types[i].name;
	return "";
}

/* The list of names of one kind, for error messages. */
static void
type_list(char what, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int n;

		if (!strchr(types[i].where, what))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", types[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += (size_t)n;
	}
}

static int
load_type(struct sx_loader *l, const struct sx_ynode *v, char what, uint8_t *out)
{
	char *s = NULL, list[512];
	int t;

	if (sx_get_str(l, v, "type", &s) < 0)
		return -1;
	if (what == 'l' && s[0] == '\0') {
		free(s);
		*out = SX_T_NONE;
		return 0;
	}
	t = sx_type_parse(s, what);
	if (t < 0) {
		type_list(what, list, sizeof(list));
		sx_fail(l, v->line, "'%s' is not %s type; the generator's are: %s", s,
			what == 'm' ? "a metric" : what == 'i' ? "an index" : "a lookup", list);
		free(s);
		return -1;
	}
	free(s);
	*out = (uint8_t)t;
	return 0;
}

/* A label name as Prometheus takes it: [a-zA-Z_][a-zA-Z0-9_]*. */
static int
check_label(struct sx_loader *l, const struct sx_ynode *v, const char *what, const char *s)
{
	if (s[0] == '\0' || strlen(s) >= SX_NAME_MAX)
		return sx_fail(l, v->line, "%s: '%s' is %s", what, s, s[0] ? "too long" : "empty");
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
		      (p > s && *p >= '0' && *p <= '9')))
			return sx_fail(l, v->line, "%s: '%s' is not a label name "
				       "([a-zA-Z_][a-zA-Z0-9_]*)", what, s);
	return 0;
}

static int
load_index(struct sx_loader *l, const struct sx_ynode *n, struct sx_index *x)
{
	static const char *const keys[] = { "labelname", "type", "fixed_size", "implied",
					    "enum_values", NULL };
	const struct sx_ynode *v[5];
	int64_t fs;

	if (sx_map_keys(l, n, "an index", keys, v) < 0)
		return -1;
	if (v[0] == NULL || v[1] == NULL)
		return sx_fail(l, n->line, "an index needs a labelname and a type");
	if (sx_get_str(l, v[0], "labelname", &x->labelname) < 0 ||
	    check_label(l, v[0], "labelname", x->labelname) < 0 ||
	    load_type(l, v[1], 'i', &x->type) < 0)
		return -1;
	if (v[2]) {
		if (sx_get_int(l, v[2], "fixed_size", 0, 65535, &fs) < 0)
			return -1;
		x->fixed_size = (uint32_t)fs;
	}
	if ((v[3] && sx_get_bool(l, v[3], "implied", &x->implied) < 0) ||
	    sx_get_enums(l, v[4], "enum_values", &x->enums) < 0)
		return -1;
	return 0;
}

static int
load_lookup(struct sx_loader *l, const struct sx_ynode *n, struct sx_lookup *k)
{
	static const char *const keys[] = { "labels", "labelname", "oid", "type",
					    "display_hint", "enum_values", NULL };
	const struct sx_ynode *v[6];

	if (sx_map_keys(l, n, "a lookup", keys, v) < 0)
		return -1;
	if (v[1] == NULL)
		return sx_fail(l, n->line, "a lookup needs a labelname");
	if (sx_get_str_list(l, v[0], "labels", &k->labels, &k->n_labels) < 0 ||
	    sx_get_str(l, v[1], "labelname", &k->labelname) < 0 ||
	    check_label(l, v[1], "labelname", k->labelname) < 0)
		return -1;
	if (k->n_labels > 0 && v[2] == NULL)
		return sx_fail(l, n->line, "lookup of '%s' needs the oid to look under",
			       k->labelname);
	if ((v[2] && sx_get_oid_arcs(l, v[2], "lookup oid", &k->oid, &k->oid_len) < 0) ||
	    (v[3] && load_type(l, v[3], 'l', &k->type) < 0) ||
	    (v[4] && sx_get_str(l, v[4], "display_hint", &k->display_hint) < 0) ||
	    sx_get_enums(l, v[5], "enum_values", &k->enums) < 0)
		return -1;
	return 0;
}

static int
load_extracts(struct sx_loader *l, const struct sx_ynode *n, struct sx_metric *m)
{
	static const char *const keys[] = { "regex", "value", NULL };
	char err[256];

	if (sx_yaml_is_null(n))
		return 0;
	if (n->kind != SXY_MAP)
		return sx_fail(l, n->line, "regex_extracts wants a map of name suffixes to "
			       "lists of regex and value");
	m->extracts = calloc(n->n + 1, sizeof(*m->extracts));
	if (m->extracts == NULL)
		return sx_fail(l, n->line, "out of memory");
	for (size_t i = 0; i < n->n; i++) {
		const struct sx_ynode *list = n->items[2 * i + 1];
		struct sx_extract *e = &m->extracts[m->n_extracts++];

		if (sx_get_str(l, n->items[2 * i], "regex_extracts name", &e->suffix) < 0)
			return -1;
		for (size_t j = 0; j + 1 < m->n_extracts; j++)
			if (!strcmp(m->extracts[j].suffix, e->suffix))
				return sx_fail(l, n->items[2 * i]->line, "regex_extracts: '%s' "
					       "appears twice", e->suffix);
		if (sx_yaml_is_null(list))
			continue;
		if (list->kind != SXY_SEQ)
			return sx_fail(l, list->line, "regex_extracts '%s' wants a list",
				       e->suffix);
		e->rules = calloc(list->n + 1, sizeof(*e->rules));
		if (e->rules == NULL)
			return sx_fail(l, list->line, "out of memory");
		for (size_t j = 0; j < list->n; j++) {
			struct sx_extract_rule *r = &e->rules[e->n_rules++];
			const struct sx_ynode *v[2];
			char *re = NULL;

			if (sx_map_keys(l, list->items[j], "a regex_extract", keys, v) < 0)
				return -1;
			if (v[0] == NULL)
				return sx_fail(l, list->items[j]->line, "a regex_extract needs "
					       "a regex");
			if (sx_get_str(l, v[0], "regex", &re) < 0)
				return -1;
			r->re = sx_re_compile(re, 1, err, sizeof(err));
			free(re);
			if (r->re == NULL)
				return sx_fail(l, v[0]->line, "%s", err);
			if (v[1] ? sx_get_str(l, v[1], "value", &r->value) < 0 :
			    (r->value = strdup("$1")) == NULL)
				return -1;
		}
	}
	return 0;
}

enum { K_NAME, K_OID, K_TYPE, K_HELP, K_INDEXES, K_LOOKUPS, K_EXTRACTS, K_DTPAT, K_ENUMS,
       K_OFFSET, K_SCALE, K_HINT, K__N };

int
sx_load_metric(struct sx_loader *l, const struct sx_ynode *n, struct sx_metric *m)
{
	static const char *const keys[] = { "name", "oid", "type", "help", "indexes",
		"lookups", "regex_extracts", "datetime_pattern", "enum_values", "offset",
		"scale", "display_hint", NULL };
	const struct sx_ynode *v[K__N];
	char what[SX_NAME_MAX + 16] = "a metric";

	if (n->kind == SXY_MAP)
		for (size_t i = 0; i < n->n; i++)
			if (n->items[2 * i]->kind == SXY_SCALAR &&
			    !strcmp(n->items[2 * i]->str, "name") &&
			    n->items[2 * i + 1]->kind == SXY_SCALAR)
				snprintf(what, sizeof(what), "metric '%.*s'", SX_NAME_MAX,
					 n->items[2 * i + 1]->str);
	if (sx_map_keys(l, n, what, keys, v) < 0)
		return -1;
	m->line = n->line;
	if (v[K_NAME] == NULL || v[K_OID] == NULL || v[K_TYPE] == NULL)
		return sx_fail(l, n->line, "%s needs a name, an oid and a type", what);
	if (sx_get_str(l, v[K_NAME], "name", &m->name) < 0 ||
	    check_label(l, v[K_NAME], "metric name", m->name) < 0 ||
	    sx_get_oid_arcs(l, v[K_OID], "oid", &m->oid, &m->oid_len) < 0 ||
	    load_type(l, v[K_TYPE], 'm', &m->type) < 0 ||
	    (v[K_HELP] && sx_get_str(l, v[K_HELP], "help", &m->help) < 0) ||
	    (v[K_DTPAT] && sx_get_str(l, v[K_DTPAT], "datetime_pattern",
				      &m->datetime_pattern) < 0) ||
	    (v[K_HINT] && sx_get_str(l, v[K_HINT], "display_hint", &m->display_hint) < 0) ||
	    (v[K_OFFSET] && sx_get_float(l, v[K_OFFSET], "offset", &m->offset) < 0) ||
	    (v[K_SCALE] && sx_get_float(l, v[K_SCALE], "scale", &m->scale) < 0) ||
	    sx_get_enums(l, v[K_ENUMS], "enum_values", &m->enums) < 0 ||
	    load_extracts(l, v[K_EXTRACTS], m) < 0)
		return -1;
	if (m->type == SX_T_PARSE_DATEANDTIME && (m->datetime_pattern == NULL ||
						  !m->datetime_pattern[0]))
		return sx_fail(l, n->line, "%s: ParseDateAndTime needs a datetime_pattern", what);
	if (!sx_yaml_is_null(v[K_INDEXES])) {
		const struct sx_ynode *x = v[K_INDEXES];

		if (x->kind != SXY_SEQ)
			return sx_fail(l, x->line, "indexes of %s wants a list", what);
		m->indexes = calloc(x->n + 1, sizeof(*m->indexes));
		if (m->indexes == NULL)
			return sx_fail(l, x->line, "out of memory");
		for (size_t i = 0; i < x->n; i++)
			if (load_index(l, x->items[i], &m->indexes[m->n_indexes++]) < 0)
				return -1;
	}
	if (!sx_yaml_is_null(v[K_LOOKUPS])) {
		const struct sx_ynode *x = v[K_LOOKUPS];

		if (x->kind != SXY_SEQ)
			return sx_fail(l, x->line, "lookups of %s wants a list", what);
		m->lookups = calloc(x->n + 1, sizeof(*m->lookups));
		if (m->lookups == NULL)
			return sx_fail(l, x->line, "out of memory");
		for (size_t i = 0; i < x->n; i++)
			if (load_lookup(l, x->items[i], &m->lookups[m->n_lookups++]) < 0)
				return -1;
	}
	return 0;
}

void
sx_metric_free(struct sx_metric *m)
{
	free(m->name);
	free(m->oid);
	free(m->help);
	free(m->datetime_pattern);
	free(m->display_hint);
	sx_enums_free(&m->enums);
	for (uint32_t i = 0; i < m->n_indexes; i++) {
		free(m->indexes[i].labelname);
		sx_enums_free(&m->indexes[i].enums);
	}
	free(m->indexes);
	for (uint32_t i = 0; i < m->n_lookups; i++) {
		struct sx_lookup *k = &m->lookups[i];

		for (uint32_t j = 0; j < k->n_labels; j++)
			free(k->labels[j]);
		free(k->labels);
		free(k->labelname);
		free(k->oid);
		free(k->display_hint);
		sx_enums_free(&k->enums);
	}
	free(m->lookups);
	for (uint32_t i = 0; i < m->n_extracts; i++) {
		struct sx_extract *e = &m->extracts[i];

		for (uint32_t j = 0; j < e->n_rules; j++) {
			sx_re_free(e->rules[j].re);
			free(e->rules[j].value);
		}
		free(e->rules);
		free(e->suffix);
	}
	free(m->extracts);
	memset(m, 0, sizeof(*m));
}
