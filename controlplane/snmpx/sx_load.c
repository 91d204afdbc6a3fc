/*
 * sx_load.c - snmp.yml, the output of snmp_exporter's generator, read
 * into modules and auths (sx.h).
 *
 * Two layouts exist.  Before snmp_exporter 0.23 (Debian's 0.21 among
 * them) the file is a map of modules, each with its own version and
 * auth.  Since the auth split it has two keys, auths: and modules:, and
 * a scrape names one of each.  A file whose top-level keys are all
 * among auths, modules and version is the second layout; any other is
 * the first.
 *
 * Like snmp_exporter's strict YAML decoding, every key must be known:
 * a typo stops the load with "FILE:LINE: unknown key 'wlak' in module
 * 'if_mib'", the line being the key's.  A key given twice, a value of
 * the wrong kind, an OID that is not numeric, a regular expression that
 * does not compile, an auth snmp_exporter would refuse: the same.
 * Nothing of a file that fails is kept.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sx_internal.h"

#define SX_FILE_MAX (64u << 20)

int
sx_fail(struct sx_loader *l, uint32_t line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->err, l->errlen, "%s:%u: ", l->path, line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < l->errlen)
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- scalars ---------------------------------------------------------------- */

static int
want_scalar(struct sx_loader *l, const struct sx_ynode *v, const char *what, const char *kind)
{
	if (v->kind == SXY_SCALAR)
		return 0;
	return sx_fail(l, v->line, "%s wants %s, not a %s", what, kind,
		       v->kind == SXY_MAP ? "map" : "list");
}

int
sx_get_str(struct sx_loader *l, const struct sx_ynode *v, const char *what, char **out)
{
	if (want_scalar(l, v, what, "a string") < 0)
		return -1;
	free(*out);
	*out = strdup(sx_yaml_is_null(v) ? "" : v->str);
	return *out ? 0 : sx_fail(l, v->line, "out of memory");
}

/* yaml.v2's integers: strconv.ParseInt(text without '_', 0, 64). */
static int
parse_int(const char *s, int64_t *out)
{
	char buf[80], *end;
	size_t n = 0;
	int neg = 0, base = 10;
	unsigned long long u;

	for (; *s && n + 1 < sizeof(buf); s++)
		if (*s != '_')
			buf[n++] = *s;
	if (*s)
		return -1;
	buf[n] = '\0';
	s = buf;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O'))
		base = 8, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	else if (s[0] == '0' && s[1])
		base = 8, s += 1;
	if (*s < '0' || *s > 'z')
		return -1;
	errno = 0;
	u = strtoull(s, &end, base);
	if (errno || *end || u > (neg ? (1ull << 63) : (1ull << 63) - 1))
		return -1;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 0;
}

int
sx_get_int(struct sx_loader *l, const struct sx_ynode *v, const char *what, int64_t min,
	   int64_t max, int64_t *out)
{
	if (want_scalar(l, v, what, "a whole number") < 0)
		return -1;
	if (!v->plain || parse_int(v->str, out) < 0)
		return sx_fail(l, v->line, "%s wants a whole number, not '%s'", what, v->str);
	if (*out < min || *out > max)
		return sx_fail(l, v->line, "%s: %lld is out of range %lld..%lld", what,
			       (long long)*out, (long long)min, (long long)max);
	return 0;
}

int
sx_get_bool(struct sx_loader *l, const struct sx_ynode *v, const char *what, uint8_t *out)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES", "true", "True",
					   "TRUE", "on", "On", "ON", NULL };
	static const char *const no[] = { "n", "N", "no", "No", "NO", "false", "False",
					  "FALSE", "off", "Off", "OFF", NULL };

	if (want_scalar(l, v, what, "true or false") < 0)
		return -1;
	for (int i = 0; v->plain && yes[i]; i++)
		if (!strcmp(v->str, yes[i]))
			return *out = 1, 0;
	for (int i = 0; v->plain && no[i]; i++)
		if (!strcmp(v->str, no[i]))
			return *out = 0, 0;
	return sx_fail(l, v->line, "%s wants true or false, not '%s'", what, v->str);
}

/* YAML 1.1 floats (and integers), as yaml.v2 resolves them. */
static int
parse_float(const char *s, double *out)
{
	char buf[80], *end;
	size_t n = 0;
	const char *p;
	int digits = 0;

	for (; *s && n + 1 < sizeof(buf); s++)
		if (*s != '_')
			buf[n++] = *s;
	if (*s)
		return -1;
	buf[n] = '\0';
	p = buf + (buf[0] == '+' || buf[0] == '-');
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF"))
		return *out = buf[0] == '-' ? -INFINITY : INFINITY, 0;
	if (!strcmp(buf, ".nan") || !strcmp(buf, ".NaN") || !strcmp(buf, ".NAN"))
		return *out = NAN, 0;
	for (const char *q = p; *q; q++) {
		if (*q >= '0' && *q <= '9')
			digits++;
		else if (*q != '.' && *q != 'e' && *q != 'E' && *q != '+' && *q != '-')
			return -1;
	}
	if (digits == 0)
		return -1;
	*out = strtod(buf, &end);
	return *end ? -1 : 0;
}

int
sx_get_float(struct sx_loader *l, const struct sx_ynode *v, const char *what, double *out)
{
	if (want_scalar(l, v, what, "a number") < 0)
		return -1;
	if (!v->plain || parse_float(v->str, out) < 0)
		return sx_fail(l, v->line, "%s wants a number, not '%s'", what, v->str);
	return 0;
}

int
sx_get_oid(struct sx_loader *l, const struct sx_ynode *v, const char *what,
	   struct argos_oid *out)
{
	if (want_scalar(l, v, what, "a numeric OID") < 0)
		return -1;
	if (argos_oid_parse(v->str, out) != 0)
		return sx_fail(l, v->line, "%s: '%s' is not a numeric OID such as "
			       "1.3.6.1.2.1.2.2.1.10", what, v->str);
	return 0;
}

int
sx_get_oid_arcs(struct sx_loader *l, const struct sx_ynode *v, const char *what,
		uint32_t **arcs, uint32_t *n)
{
	struct argos_oid o;

	if (sx_get_oid(l, v, what, &o) < 0)
		return -1;
	free(*arcs);
	*arcs = malloc(o.len * sizeof(uint32_t));
	if (*arcs == NULL)
		return sx_fail(l, v->line, "out of memory");
	memcpy(*arcs, o.sub, o.len * sizeof(uint32_t));
	*n = o.len;
	return 0;
}

int
sx_get_str_list(struct sx_loader *l, const struct sx_ynode *v, const char *what, char ***out,
		uint32_t *n)
{
	*out = NULL;
	*n = 0;
	if (sx_yaml_is_null(v))
		return 0;
	if (v->kind != SXY_SEQ)
		return sx_fail(l, v->line, "%s wants a list", what);
	*out = calloc(v->n + 1, sizeof(char *));
	if (*out == NULL)
		return sx_fail(l, v->line, "out of memory");
	for (size_t i = 0; i < v->n; i++) {
		if (sx_get_str(l, v->items[i], what, &(*out)[i]) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static int
enum_cmp(const void *a, const void *b)
{
	const struct sx_enum *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

int
sx_get_enums(struct sx_loader *l, const struct sx_ynode *v, const char *what,
	     struct sx_enums *out)
{
	memset(out, 0, sizeof(*out));
	if (sx_yaml_is_null(v))
		return 0;
	if (v->kind != SXY_MAP)
		return sx_fail(l, v->line, "%s wants a map of numbers to names", what);
	out->v = calloc(v->n + 1, sizeof(*out->v));
	if (out->v == NULL)
		return sx_fail(l, v->line, "out of memory");
	for (size_t i = 0; i < v->n; i++) {
		const struct sx_ynode *k = v->items[2 * i], *val = v->items[2 * i + 1];
		struct sx_enum *e = &out->v[out->n];

		if (sx_get_int(l, k, what, INT32_MIN, INT32_MAX, &e->key) < 0 ||
		    sx_get_str(l, val, what, &e->name) < 0)
			return -1;
		out->n++;
		for (uint32_t j = 0; j + 1 < out->n; j++)
			if (out->v[j].key == e->key)
				return sx_fail(l, k->line, "%s: %lld appears twice", what,
					       (long long)e->key);
	}
	if (out->n > 1)   /* qsort(NULL, 0) is undefined */
		qsort(out->v, out->n, sizeof(*out->v), enum_cmp);
	return 0;
}

void
sx_enums_free(struct sx_enums *e)
{
	for (uint32_t i = 0; i < e->n; i++)
		free(e->v[i].name);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

int
sx_map_keys(struct sx_loader *l, const struct sx_ynode *map, const char *what,
	    const char *const *keys, const struct sx_ynode **vals)
{
	size_t nk = 0;

	while (keys[nk])
		vals[nk++] = NULL;
	if (sx_yaml_is_null(map))
		return 0;
	if (map->kind != SXY_MAP)
		return sx_fail(l, map->line, "%s wants a map of keys", what);
	for (size_t i = 0; i < map->n; i++) {
		const struct sx_ynode *k = map->items[2 * i];
		size_t j;

		if (k->kind != SXY_SCALAR)
			return sx_fail(l, k->line, "%s: a key must be a plain name", what);
		for (j = 0; j < nk; j++)
			if (!strcmp(k->str, keys[j]))
				break;
		if (j == nk)
			return sx_fail(l, k->line, "unknown key '%s' in %s", k->str, what);
		if (vals[j] != NULL)
			return sx_fail(l, k->line, "key '%s' appears twice in %s", k->str, what);
		vals[j] = map->items[2 * i + 1];
	}
	return 0;
}

/* --- auths -------------------------------------------------------------------- */

enum { A_COMMUNITY, A_LEVEL, A_USER, A_PASSWORD, A_AUTHPROTO, A_PRIVPROTO, A_PRIVPASS,
       A_CONTEXT, A_VERSION, A__N };
static const char *const auth_keys[] = { "community", "security_level", "username",
	"password", "auth_protocol", "priv_protocol", "priv_password", "context_name",
	"version", NULL };

static int
one_of(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* snmp_exporter's checks of a v3 auth (config.go). */
static int
auth_check(struct sx_loader *l, const struct sx_auth *a, const char *what)
{
	static const char *const privs[] = { "DES", "AES", "AES192", "AES192C", "AES256",
					     "AES256C", NULL };
	static const char *const auths[] = { "MD5", "SHA", "SHA224", "SHA256", "SHA384",
					     "SHA512", NULL };
	int level;

	if (a->version < 1 || a->version > 3)
		return sx_fail(l, a->line, "%s: SNMP version must be 1, 2 or 3, not %u", what,
			       a->version);
	if (a->version != 3)
		return 0;
	level = !strcmp(a->security_level, "authPriv") ? 2 :
		!strcmp(a->security_level, "authNoPriv") ? 1 :
		!strcmp(a->security_level, "noAuthNoPriv") ? 0 : -1;
	if (level < 0)
		return sx_fail(l, a->line, "%s: security_level must be authPriv, authNoPriv or "
			       "noAuthNoPriv, not '%s'", what, a->security_level);
	if (level == 2 && !a->priv_password[0])
		return sx_fail(l, a->line, "%s: priv_password is missing, required for SNMPv3 "
			       "with privacy", what);
	if (level == 2 && !one_of(a->priv_protocol, privs))
		return sx_fail(l, a->line, "%s: priv_protocol must be DES, AES, AES192, AES192C, "
			       "AES256 or AES256C, not '%s'", what, a->priv_protocol);
	if (level >= 1 && !a->password[0])
		return sx_fail(l, a->line, "%s: password is missing, required for SNMPv3 with "
			       "authentication", what);
	if (level >= 1 && !one_of(a->auth_protocol, auths))
		return sx_fail(l, a->line, "%s: auth_protocol must be MD5, SHA, SHA224, SHA256, "
			       "SHA384 or SHA512, not '%s'", what, a->auth_protocol);
	if (!a->username[0])
		return sx_fail(l, a->line, "%s: username is missing, required for SNMPv3", what);
	return 0;
}

static void
auth_free(struct sx_auth *a)
{
	free(a->name);
	free(a->community);
	free(a->security_level);
	free(a->username);
	free(a->password);
	free(a->auth_protocol);
	free(a->priv_protocol);
	free(a->priv_password);
	free(a->context_name);
	memset(a, 0, sizeof(*a));
}

/*
 * Read an auth map into a (snmp_exporter's defaults for what it leaves
 * out).  with_version: the new layout's auths carry a version.
 */
static int
load_auth(struct sx_loader *l, const struct sx_ynode *n, int with_version, const char *what,
	  struct sx_auth *a)
{
	const struct sx_ynode *v[A__N];
	const char *keys[A__N + 1];
	char **field[A__N] = { &a->community, &a->security_level, &a->username, &a->password,
			       &a->auth_protocol, &a->priv_protocol, &a->priv_password,
			       &a->context_name, NULL };
	static const char *const defaults[A__N] = { "public", "noAuthNoPriv", "", "", "MD5",
						    "DES", "", "", NULL };
	int64_t ver;

	memcpy(keys, auth_keys, sizeof(keys));
	if (!with_version)
		keys[A_VERSION] = NULL;
	if (sx_map_keys(l, n, what, keys, v) < 0)
		return -1;
	a->line = n ? n->line : 0;
	a->version = 2;
	a->has_community = v[A_COMMUNITY] != NULL;
	for (int i = 0; i < A_VERSION; i++) {
		if (v[i] ? sx_get_str(l, v[i], auth_keys[i], field[i]) < 0 :
		    (*field[i] = strdup(defaults[i])) == NULL)
			return sx_fail(l, a->line, "out of memory");
	}
	if (with_version && v[A_VERSION]) {
		if (sx_get_int(l, v[A_VERSION], "version", 0, 255, &ver) < 0)
			return -1;
		a->version = (uint8_t)ver;
	}
	return 0;
}

/* --- modules ------------------------------------------------------------------ */

enum { M_WALK, M_GET, M_METRICS, M_MAXREP, M_RETRIES, M_TIMEOUT, M_UNCONNECTED, M_NONINC,
       M_FILTERS, M_VERSION, M_AUTH, M__N };
static const char *const module_keys[] = { "walk", "get", "metrics", "max_repetitions",
	"retries", "timeout", "use_unconnected_udp_socket", "allow_nonincreasing_oids",
	"filters", "version", "auth", NULL };

/* Go's time.ParseDuration, to milliseconds (rounded up). */
static int
parse_duration_ms(const char *s, double *ms)
{
	static const struct { const char *u; double ms; } units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "\xce\xbcs", 1e-3 },
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	double total = 0;
	int neg = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (!strcmp(s, "0"))
		return *ms = 0, 0;
	if (*s == '\0')
		return -1;
	while (*s) {
		char *end;
		double v;
		size_t k, best = 0, best_len = 0;

		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return -1;
		v = strtod(s, &end);
		if (end == s)
			return -1;
		s = end;
		for (k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
			size_t ul = strlen(units[k].u);

			if (!strncmp(s, units[k].u, ul) && ul > best_len)
				best = k, best_len = ul;
		}
		if (best_len == 0)
			return -1;   /* a number needs its unit */
		total += v * units[best].ms;
		s += best_len;
	}
	*ms = neg ? -total : total;
	return 0;
}

static int
load_timeout(struct sx_loader *l, const struct sx_ynode *v, struct sx_module *m)
{
	double ms;
	int64_t ns;

	if (want_scalar(l, v, "timeout", "a duration such as 5s") < 0)
		return -1;
	if (v->plain && parse_int(v->str, &ns) == 0) {
		/* yaml.v2 reads a bare number into a time.Duration as nanoseconds */
		ms = (double)ns / 1e6;
	} else if (parse_duration_ms(v->str, &ms) < 0) {
		return sx_fail(l, v->line, "timeout: '%s' is not a duration such as 5s or "
			       "1500ms", v->str);
	}
	if (ms < 1 || ms > 600000)
		return sx_fail(l, v->line, "timeout: '%s' is %s; argos takes 1ms to 10m%s",
			       v->str, ms < 1 ? "below a millisecond" : "above 10 minutes",
			       v->plain && ms < 1 ? " (a bare number is nanoseconds, as in "
			       "snmp_exporter: write 5s)" : "");
	m->timeout_ms = (uint32_t)ceil(ms);
	m->has_timeout = 1;
	return 0;
}

static int
load_oid_list(struct sx_loader *l, const struct sx_ynode *v, const char *what,
	      struct argos_oid **oids, char ***text, uint32_t *n)
{
	*n = 0;
	if (sx_yaml_is_null(v))
		return 0;
	if (v->kind != SXY_SEQ)
		return sx_fail(l, v->line, "%s wants a list of OIDs", what);
	*oids = calloc(v->n + 1, sizeof(**oids));
	if (text)
		*text = calloc(v->n + 1, sizeof(char *));
	if (*oids == NULL || (text && *text == NULL))
		return sx_fail(l, v->line, "out of memory");
	for (size_t i = 0; i < v->n; i++) {
		if (sx_get_oid(l, v->items[i], what, &(*oids)[i]) < 0 ||
		    (text && sx_get_str(l, v->items[i], what, &(*text)[i]) < 0))
			return -1;
		if (text && (*text)[i][0] == '.')
			memmove((*text)[i], (*text)[i] + 1, strlen((*text)[i]));
		(*n)++;
	}
	return 0;
}

static int
load_filters(struct sx_loader *l, const struct sx_ynode *v, struct sx_module *m)
{
	static const char *const keys[] = { "oid", "targets", "values", NULL };
	char err[256];

	if (sx_yaml_is_null(v))
		return 0;
	if (v->kind != SXY_SEQ)
		return sx_fail(l, v->line, "filters wants a list");
	m->filters = calloc(v->n + 1, sizeof(*m->filters));
	if (m->filters == NULL)
		return sx_fail(l, v->line, "out of memory");
	for (size_t i = 0; i < v->n; i++) {
		struct sx_filter *f = &m->filters[m->n_filters++];
		const struct sx_ynode *k[3];
		char **values = NULL;
		uint32_t n_values = 0;
		int rc;

		if (sx_map_keys(l, v->items[i], "a filter", keys, k) < 0)
			return -1;
		if (k[0] == NULL)
			return sx_fail(l, v->items[i]->line, "a filter needs an oid");
		if (sx_get_oid_arcs(l, k[0], "filter oid", &f->oid, &f->oid_len) < 0 ||
		    load_oid_list(l, k[1], "filter targets", &f->targets, &f->target_text,
				  &f->n_targets) < 0 ||
		    sx_get_str_list(l, k[2], "filter values", &values, &n_values) < 0)
			goto fail_values;
		f->values = calloc(n_values + 1, sizeof(*f->values));
		rc = f->values ? 0 : -1;
		for (uint32_t j = 0; rc == 0 && j < n_values; j++) {
			f->values[j] = sx_re_compile(values[j], 0, err, sizeof(err));
			if (f->values[j] == NULL)
				rc = sx_fail(l, k[2]->items[j]->line, "filter values: %s", err);
			else
				f->n_values++;
		}
		for (uint32_t j = 0; j < n_values; j++)
			free(values[j]);
		free(values);
		if (rc < 0)
			return -1;
		continue;
fail_values:
		for (uint32_t j = 0; j < n_values; j++)
			free(values[j]);
		free(values);
		return -1;
	}
	return 0;
}

static int
load_module(struct sx_loader *l, const struct sx_ynode *key, const struct sx_ynode *n,
	    int old_layout, struct sx_module *m)
{
	const struct sx_ynode *v[M__N];
	const char *keys[M__N + 1];
	char what[SX_NAME_MAX + 16];
	int64_t x;

	if (sx_get_str(l, key, "module name", &m->name) < 0)
		return -1;
	m->line = key->line;
	snprintf(what, sizeof(what), "module '%.*s'", SX_NAME_MAX, m->name);
	memcpy(keys, module_keys, sizeof(keys));
	if (!old_layout)
		keys[M_VERSION] = NULL;   /* the auth lives in auths: since the split */
	if (sx_map_keys(l, n, what, keys, v) < 0)
		return -1;
	m->max_repetitions = 25;   /* snmp_exporter's defaults */
	m->retries = 3;
	m->timeout_ms = 5000;
	if (load_oid_list(l, v[M_WALK], "walk", &m->walk, NULL, &m->n_walk) < 0 ||
	    load_oid_list(l, v[M_GET], "get", &m->get, &m->get_text, &m->n_get) < 0)
		return -1;
	if (v[M_MAXREP]) {
		if (sx_get_int(l, v[M_MAXREP], "max_repetitions", 0, UINT32_MAX, &x) < 0)
			return -1;
		m->max_repetitions = (uint32_t)x;
		m->has_max_repetitions = x > 0;   /* 0: gosnmp's own default */
	}
	if (v[M_RETRIES]) {
		if (sx_get_int(l, v[M_RETRIES], "retries", 0, 10, &x) < 0)
			return -1;
		m->retries = (int32_t)x;
		m->has_retries = 1;
	}
	if (v[M_TIMEOUT] && load_timeout(l, v[M_TIMEOUT], m) < 0)
		return -1;
	if ((v[M_UNCONNECTED] && sx_get_bool(l, v[M_UNCONNECTED], "use_unconnected_udp_socket",
					     &m->use_unconnected_udp_socket) < 0) ||
	    (v[M_NONINC] && sx_get_bool(l, v[M_NONINC], "allow_nonincreasing_oids",
					&m->allow_nonincreasing_oids) < 0) ||
	    load_filters(l, v[M_FILTERS], m) < 0)
		return -1;
	if (old_layout && (v[M_VERSION] || v[M_AUTH])) {
		m->has_auth = 1;
		if (load_auth(l, v[M_AUTH], 0, what, &m->auth) < 0)
			return -1;
		m->auth.line = v[M_AUTH] ? v[M_AUTH]->line : v[M_VERSION]->line;
		if (v[M_VERSION]) {
			if (sx_get_int(l, v[M_VERSION], "version", 0, 255, &x) < 0)
				return -1;
			m->auth.version = (uint8_t)x;
			m->auth.has_version = 1;
		}
		if ((m->auth.name = strdup(m->name)) == NULL)
			return sx_fail(l, m->line, "out of memory");
		if (auth_check(l, &m->auth, what) < 0)
			return -1;
	}
	if (sx_yaml_is_null(v[M_METRICS]))
		return 0;
	if (v[M_METRICS]->kind != SXY_SEQ)
		return sx_fail(l, v[M_METRICS]->line, "metrics of %s wants a list", what);
	m->metrics = calloc(v[M_METRICS]->n + 1, sizeof(*m->metrics));
	if (m->metrics == NULL)
		return sx_fail(l, n->line, "out of memory");
	for (size_t i = 0; i < v[M_METRICS]->n; i++) {
		if (sx_load_metric(l, v[M_METRICS]->items[i], &m->metrics[m->n_metrics]) < 0) {
			sx_metric_free(&m->metrics[m->n_metrics]);
			return -1;
		}
		m->n_metrics++;
	}
	return 0;
}

static void
module_free(struct sx_module *m)
{
	free(m->name);
	free(m->walk);
	for (uint32_t i = 0; i < m->n_get; i++)
		free(m->get_text[i]);
	free(m->get_text);
	free(m->get);
	for (uint32_t i = 0; i < m->n_metrics; i++)
		sx_metric_free(&m->metrics[i]);
	free(m->metrics);
	for (uint32_t i = 0; i < m->n_filters; i++) {
		struct sx_filter *f = &m->filters[i];

		free(f->oid);
		free(f->targets);
		for (uint32_t j = 0; j < f->n_targets; j++)
			free(f->target_text[j]);
		free(f->target_text);
		for (uint32_t j = 0; j < f->n_values; j++)
			sx_re_free(f->values[j]);
		free(f->values);
	}
	free(m->filters);
	auth_free(&m->auth);
}

void
sx_free(struct sx_config *c)
{
	if (c == NULL)
		return;
	for (uint32_t i = 0; i < c->n_modules; i++) {
		sx_collect_tree_free(&c->modules[i]);
		module_free(&c->modules[i]);
	}
	for (uint32_t i = 0; i < c->n_auths; i++)
		auth_free(&c->auths[i]);
	free(c->modules);
	free(c->auths);
	free(c->path);
	free(c);
}

/* --- the file ---------------------------------------------------------------- */

static int
load_modules(struct sx_loader *l, const struct sx_ynode *map, int old_layout,
	     struct sx_config *c)
{
	if (sx_yaml_is_null(map))
		return 0;
	if (map->kind != SXY_MAP)
		return sx_fail(l, map->line, "modules wants a map of module names to modules");
	c->modules = calloc(map->n + 1, sizeof(*c->modules));
	if (c->modules == NULL)
		return sx_fail(l, map->line, "out of memory");
	for (size_t i = 0; i < map->n; i++) {
		const struct sx_ynode *k = map->items[2 * i];

		for (size_t j = 0; j < i; j++)
			if (k->kind == SXY_SCALAR && !strcmp(map->items[2 * j]->str, k->str))
				return sx_fail(l, k->line, "module '%s' appears twice", k->str);
		c->n_modules++;
		if (load_module(l, k, map->items[2 * i + 1], old_layout,
				&c->modules[c->n_modules - 1]) < 0)
			return -1;
	}
	return 0;
}

static int
load_auths(struct sx_loader *l, const struct sx_ynode *map, struct sx_config *c)
{
	if (sx_yaml_is_null(map))
		return 0;
	if (map->kind != SXY_MAP)
		return sx_fail(l, map->line, "auths wants a map of auth names to auths");
	c->auths = calloc(map->n + 1, sizeof(*c->auths));
	if (c->auths == NULL)
		return sx_fail(l, map->line, "out of memory");
	for (size_t i = 0; i < map->n; i++) {
		const struct sx_ynode *k = map->items[2 * i];
		struct sx_auth *a = &c->auths[c->n_auths++];
		char what[SX_NAME_MAX + 16];

		if (sx_get_str(l, k, "auth name", &a->name) < 0)
			return -1;
		for (size_t j = 0; j + 1 < c->n_auths; j++)
			if (!strcmp(c->auths[j].name, a->name))
				return sx_fail(l, k->line, "auth '%s' appears twice", a->name);
		snprintf(what, sizeof(what), "auth '%.*s'", SX_NAME_MAX, a->name);
		if (load_auth(l, map->items[2 * i + 1], 1, what, a) < 0)
			return -1;
		a->line = k->line;
		a->has_version = a->has_community = 1;   /* a named auth applies whole */
		if (auth_check(l, a, what) < 0)
			return -1;
	}
	return 0;
}

/*
 * The second layout: the file has an auths: or a modules: key that is
 * not itself a module (whose keys would all be module keys: a module of
 * the first layout named "modules").  Any other top-level key is then an
 * error of its own line.
 */
static int
is_split_layout(const struct sx_ynode *root)
{
	for (size_t i = 0; i < root->n; i++) {
		const struct sx_ynode *k = root->items[2 * i], *v = root->items[2 * i + 1];
		int module_like = 1;

		if (k->kind != SXY_SCALAR || (strcmp(k->str, "auths") && strcmp(k->str, "modules")))
			continue;
		if (v->kind != SXY_MAP)
			return 1;
		for (size_t j = 0; j < v->n && module_like; j++)
			module_like = v->items[2 * j]->kind == SXY_SCALAR &&
				      one_of(v->items[2 * j]->str, module_keys);
		if (!module_like || v->n == 0)
			return 1;
	}
	return 0;
}

struct sx_config *
sx_load_mem(const char *path, const char *buf, size_t len, char *err, size_t errlen)
{
	struct sx_loader l = { .path = path, .err = err, .errlen = errlen };
	struct sx_config *c = calloc(1, sizeof(*c));
	struct sx_ydoc *doc;
	const struct sx_ynode *root;
	int rc;

	if (c == NULL || (c->path = strdup(path)) == NULL) {
		free(c);
		snprintf(err, errlen, "%s:0: out of memory", path);
		return NULL;
	}
	doc = sx_yaml_parse(path, buf, len, err, errlen);
	if (doc == NULL) {
		sx_free(c);
		return NULL;
	}
	root = sx_yaml_root(doc);
	if (sx_yaml_is_null(root)) {
		rc = sx_fail(&l, root ? root->line : 1, "no module in the file (an empty "
			     "snmp.yml, such as the one Debian installs)");
	} else if (root->kind != SXY_MAP) {
		rc = sx_fail(&l, root->line, "the file wants a map: modules by name, or auths: "
			     "and modules:");
	} else if (is_split_layout(root)) {
		static const char *const keys[] = { "auths", "modules", "version", NULL };
		const struct sx_ynode *v[3];
		int64_t ver;

		c->layout = SX_LAYOUT_AUTHS;
		rc = sx_map_keys(&l, root, "the file", keys, v);
		if (rc == 0 && v[2])
			rc = sx_get_int(&l, v[2], "version", 0, INT32_MAX, &ver);
		if (rc == 0)
			rc = load_auths(&l, v[0], c);
		if (rc == 0)
			rc = load_modules(&l, v[1], 0, c);
		if (rc == 0 && c->n_modules == 0)
			rc = sx_fail(&l, root->line, "no module in the file");
	} else {
		c->layout = SX_LAYOUT_MODULES;
		rc = load_modules(&l, root, 1, c);
	}
	sx_yaml_free(doc);
	for (uint32_t i = 0; rc == 0 && i < c->n_modules; i++)
		if (sx_collect_prepare(&c->modules[i]) < 0)
			rc = sx_fail(&l, c->modules[i].line, "out of memory");
	if (rc < 0) {
		sx_free(c);
		return NULL;
	}
	return c;
}

struct sx_config *
sx_load(const char *path, char *err, size_t errlen)
{
	struct sx_config *c;
	struct stat st;
	char *buf;
	FILE *f = fopen(path, "r");
	size_t got;

	if (f == NULL) {
		snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > SX_FILE_MAX) {
		snprintf(err, errlen, "%s:0: %s", path, !S_ISREG(st.st_mode) ?
			 "not a regular file" : "larger than 64 MiB");
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s:0: out of memory", path);
		return NULL;
	}
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s:0: read error: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[got] = '\0';
	c = sx_load_mem(path, buf, got, err, errlen);
	free(buf);
	return c;
}

int
sx_module_find(const struct sx_config *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_modules; i++)
		if (!strcmp(c->modules[i].name, name))
			return (int)i;
	return -1;
}

int
sx_auth_find(const struct sx_config *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_auths; i++)
		if (!strcmp(c->auths[i].name, name))
			return (int)i;
	return -1;
}
