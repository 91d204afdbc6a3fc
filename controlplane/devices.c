/*
 * devices.c - the CSV devices file (see devices.h).
 *
 * RFC 4180 as people write it: a header line, comma-separated fields,
 * double quotes around a field that holds a comma or a quote ("" is a
 * quote), CRLF or LF line ends.  Blank lines and lines starting with #
 * are skipped.  Any problem stops the load with FILE:LINE: reason, so
 * that a half-read file is never polled.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cp_devices.h"
#include "device_check.h"

enum col {
	COL_ID, COL_HOSTNAME, COL_IP, COL_COMMUNITY, COL_VERSION,
	COL_PORT, COL_TIMEOUT, COL_RETRIES, COL_MAXREP, COL_POLLFREQ, COL_PINGFREQ,
	COL_ALT_COMMUNITY, COL_DISABLE_BULK, COL_OTHER_SOURCE, COL_NONINCREASING,
	COL_PAST_EXCEPTIONS,
	COL_SX_MODULE, COL_SX_AUTH,
	COL_V3,                       /* the snmpv3_* columns, in cp_usm_field order */
	COL_MAX = COL_V3 + CP_USM_FIELDS
};

static const struct {
	const char *name;
	int required;
} columns[COL_MAX] = {
	[COL_ID] = { "id", 1 },
	[COL_HOSTNAME] = { "hostname", 1 },
	[COL_IP] = { "ip_address", 1 },
	[COL_COMMUNITY] = { "snmp_community", 1 },
	[COL_VERSION] = { "snmp_version", 1 },
	[COL_PORT] = { "snmp_port", 0 },
	[COL_TIMEOUT] = { "snmp_timeout", 0 },
	[COL_RETRIES] = { "snmp_retries", 0 },
	[COL_MAXREP] = { "snmp_max_repetitions", 0 },
	[COL_POLLFREQ] = { "polling_frequency", 0 },
	[COL_PINGFREQ] = { "ping_frequency", 0 },
	[COL_ALT_COMMUNITY] = { "snmp_alternate_community", 0 },
	[COL_DISABLE_BULK] = { "snmp_disable_bulk", 0 },
	[COL_OTHER_SOURCE] = { "snmp_allow_other_source", 0 },
	[COL_NONINCREASING] = { "snmp_allow_nonincreasing_oids", 0 },
	[COL_PAST_EXCEPTIONS] = { "snmp_walk_past_exceptions", 0 },
	[COL_SX_MODULE] = { "snmp_exporter_module", 0 },
	[COL_SX_AUTH] = { "snmp_exporter_auth", 0 },
	[COL_V3 + CP_USM_LEVEL] = { "snmpv3_security_level", 0 },
	[COL_V3 + CP_USM_USER] = { "snmpv3_auth_user", 0 },
	[COL_V3 + CP_USM_AUTH_PROTO] = { "snmpv3_auth_proto", 0 },
	[COL_V3 + CP_USM_AUTH_PASS] = { "snmpv3_auth_passwd", 0 },
	[COL_V3 + CP_USM_PRIV_PROTO] = { "snmpv3_privacy_proto", 0 },
	[COL_V3 + CP_USM_PRIV_PASS] = { "snmpv3_privacy_passwd", 0 },
	[COL_V3 + CP_USM_CTX_NAME] = { "snmpv3_context_name", 0 },
	[COL_V3 + CP_USM_CTX_ENGINE] = { "snmpv3_context_engine_id", 0 },
};

/* The job flag each leniency column sets. */
static const uint16_t col_flag[COL_MAX] = {
	[COL_DISABLE_BULK] = ARGOS_JOB_GETNEXT,
	[COL_OTHER_SOURCE] = ARGOS_JOB_ANY_SOURCE,
	[COL_NONINCREASING] = ARGOS_JOB_NONINCREASING,
	[COL_PAST_EXCEPTIONS] = ARGOS_JOB_PAST_EXCEPTIONS,
};

#define MAX_FIELDS 32
#define LINE_MAX_LEN 4096

struct loader {
	const char *path;
	unsigned line;
	char *err;
	size_t errlen;
};

static int
fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->err, l->errlen, "%s:%u: ", l->path, l->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < l->errlen)
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Split line in place into fields.  @return the count, or -1. */
static int
split(struct loader *l, char *line, char **f)
{
	int n = 0;
	char *r = line, *w;

	for (;;) {
		if (n == MAX_FIELDS)
			return fail(l, "more than %d fields", MAX_FIELDS);
		f[n++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return fail(l, "field %d: unterminated quote", n);
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != ',' && *r != '\0')
				return fail(l, "field %d: text after the closing quote", n);
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return fail(l, "field %d: quote inside an unquoted field", n);
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return n;
		}
		*w = '\0';
		r++;
	}
}

static void
trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
}

static int
uint_field(struct loader *l, const char *name, const char *s, unsigned long min,
	   unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return fail(l, "%s: '%s' is not a whole number", name, s);
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return fail(l, "%s: '%s' is not a whole number", name, s);
	if (*out < min || *out > max)
		return fail(l, "%s: %lu is out of range %lu..%lu", name, *out, min, max);
	return 0;
}

/* A yes/no column, spelled as Postgres reads a boolean.  @return 0 or 1
 * in *out, or -1. */
static int
bool_field(struct loader *l, const char *name, const char *s, int *out)
{
	static const char *const yes[] = { "1", "t", "true", "y", "yes", "on" };
	static const char *const no[] = { "0", "f", "false", "n", "no", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = 1, 0;
		if (!strcasecmp(s, no[i]))
			return *out = 0, 0;
	}
	return fail(l, "%s: '%s' is not a yes/no value (1, 0, true, false, yes, no)", name, s);
}

/* A whole number (no range yet: cp_device_check has the ranges). */
static int
whole_field(struct loader *l, const char *name, const char *s, int64_t *out)
{
	unsigned long u = 0;

	if (uint_field(l, name, s, 0, UINT32_MAX, &u))
		return -1;
	*out = (int64_t)u;
	return 0;
}

/*
 * One line into d: each field is parsed here (text to value, with the
 * file's own messages), then the device as a whole meets the rules that
 * every source shares (cp_device_check), then it is narrowed into d.
 */
static int
parse_device(struct loader *l, char **f, const int *idx, struct cp_device *d)
{
	struct cp_device_check in = {
		.snmp_version = 1, .snmp_port = 161, .snmp_timeout_ms = 1000, .snmp_retries = 2,
		.snmp_max_repetitions = 25, .polling_frequency = 60, .ping_frequency = 10,
	};
	char why[160];
	const char *v;
	struct in_addr a;

	memset(d, 0, sizeof(*d));
	for (int c = 0; c < COL_MAX; c++) {
		if (idx[c] < 0)
			continue;
		v = f[idx[c]];
		if (*v == '\0') {
			/* v3 devices have no community: checked below */
			if (columns[c].required && c != COL_COMMUNITY)
				return fail(l, "%s is empty", columns[c].name);
			continue;   /* an empty optional field takes the default */
		}
		switch (c) {
		case COL_ID:
			if (strlen(v) >= CP_ID_MAX)
				return fail(l, "id is longer than %d characters", CP_ID_MAX - 1);
			strcpy(d->id, v);
			break;
		case COL_HOSTNAME:
			in.hostname = v;
			break;
		case COL_IP:
			if (inet_pton(AF_INET, v, &a) != 1)
				return fail(l, "ip_address: '%s' is not an IPv4 address", v);
			in.ip = a.s_addr;
			break;
		case COL_COMMUNITY:
			in.community = v;
			break;
		case COL_VERSION:
			if (!strcmp(v, "1") || !strcmp(v, "v1"))
				in.snmp_version = 0;
			else if (!strcmp(v, "2c") || !strcmp(v, "v2c") || !strcmp(v, "2"))
				in.snmp_version = 1;
			else if (!strcmp(v, "3") || !strcmp(v, "v3"))
				in.snmp_version = 3;
			else
				return fail(l, "snmp_version: '%s' is not 1, 2c or 3", v);
			break;
		case COL_PORT:
			if (whole_field(l, "snmp_port", v, &in.snmp_port))
				return -1;
			break;
		case COL_TIMEOUT: {
			char *end;
			double t;

			errno = 0;
			t = strtod(v, &end);
			if (errno || *end != '\0' || !(t >= 0.01 && t <= 60))
				return fail(l, "snmp_timeout: '%s' is not a number of seconds "
					    "from 0.01 to 60", v);
			in.snmp_timeout_ms = (int64_t)(t * 1000 + 0.5);
			break;
		}
		case COL_RETRIES:
			if (whole_field(l, "snmp_retries", v, &in.snmp_retries))
				return -1;
			break;
		case COL_MAXREP:
			if (whole_field(l, "snmp_max_repetitions", v, &in.snmp_max_repetitions))
				return -1;
			break;
		case COL_POLLFREQ:
			if (whole_field(l, "polling_frequency", v, &in.polling_frequency))
				return -1;
			break;
		case COL_PINGFREQ:
			if (whole_field(l, "ping_frequency", v, &in.ping_frequency))
				return -1;
			break;
		case COL_ALT_COMMUNITY:
			in.alt_community = v;
			break;
		case COL_DISABLE_BULK:
		case COL_OTHER_SOURCE:
		case COL_NONINCREASING:
		case COL_PAST_EXCEPTIONS: {
			int yes = 0;

			if (bool_field(l, columns[c].name, v, &yes))
				return -1;
			if (yes)
				d->snmp_flags |= col_flag[c];
			break;
		}
		case COL_SX_MODULE:
			if (cp_sx_modules_check(v, l->err, l->errlen) != 0) {
				char why[256];

				snprintf(why, sizeof(why), "%s", l->err);
				return fail(l, "snmp_exporter_module: %s", why);
			}
			if ((d->sx_modules = strdup(v)) == NULL)
				return fail(l, "out of memory");
			break;
		case COL_SX_AUTH:
			if (strlen(v) >= CP_SX_NAME_MAX)
				return fail(l, "snmp_exporter_auth is longer than %d characters",
					    CP_SX_NAME_MAX - 1);
			if ((d->sx_auth = strdup(v)) == NULL)
				return fail(l, "out of memory");
			break;
		default:   /* the snmpv3_* columns */
			if (cp_usm_set_field(&d->usm, (enum cp_usm_field)(c - COL_V3), v, why,
					     sizeof(why)) != 0)
				return fail(l, "%s", why);
			break;
		}
	}
	/* A v1/v2c device needs its community; a v3 one its snmpv3_*
	 * columns (cp_device_check), and the others are ignored (horus
	 * leaves them in every row). */
	if (in.snmp_version != 3) {
		memset(&d->usm, 0, sizeof(d->usm));
		if (in.community == NULL)
			return fail(l, "snmp_community is empty");
	} else {
		in.usm = &d->usm;
	}
	if (cp_device_check(&in, why, sizeof(why)) != 0)
		return fail(l, "%s", why);
	strcpy(d->hostname, in.hostname);
	if (in.community != NULL)
		strcpy(d->community, in.community);
	if (in.alt_community != NULL)
		strcpy(d->alt_community, in.alt_community);
	d->ip = in.ip;
	d->snmp_version = (uint8_t)in.snmp_version;
	d->snmp_port = (uint16_t)in.snmp_port;
	d->snmp_timeout_ms = (uint32_t)in.snmp_timeout_ms;
	d->snmp_retries = (uint8_t)in.snmp_retries;
	d->snmp_max_repetitions = (uint16_t)in.snmp_max_repetitions;
	d->polling_frequency = (uint32_t)in.polling_frequency;
	d->ping_frequency = (uint32_t)in.ping_frequency;
	return 0;
}

int
cp_sx_modules_check(const char *list, char *why, size_t len)
{
	const char *p = list;
	unsigned n = 0;

	if (strlen(list) >= CP_SX_LIST_MAX) {
		snprintf(why, len, "longer than %d characters", CP_SX_LIST_MAX - 1);
		return -1;
	}
	for (;;) {
		const char *end = strchr(p, ',');
		size_t k = end ? (size_t)(end - p) : strlen(p);

		while (k && (*p == ' ' || *p == '\t'))
			p++, k--;
		while (k && (p[k - 1] == ' ' || p[k - 1] == '\t'))
			k--;
		if (k == 0) {
			snprintf(why, len, "'%s' has an empty module name", list);
			return -1;
		}
		if (k >= CP_SX_NAME_MAX) {
			snprintf(why, len, "a module name is longer than %d characters",
				 CP_SX_NAME_MAX - 1);
			return -1;
		}
		if (++n > CP_SX_MODULES_MAX) {
			snprintf(why, len, "more than %d modules", CP_SX_MODULES_MAX);
			return -1;
		}
		if (end == NULL)
			return 0;
		p = end + 1;
	}
}

void
cp_devices_free(struct cp_device *devs, size_t n)
{
	for (size_t i = 0; devs && i < n; i++) {
		free(devs[i].sx_modules);
		free(devs[i].sx_auth);
	}
	free(devs);
}

static int
by_id(const void *a, const void *b)
{
	const struct cp_device *const *x = a, *const *y = b;
	int c = strcmp((*x)->id, (*y)->id);

	return c ? c : ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

/* Ids name devices in every result: two devices may not share one.
 * Sorting keeps this O(n log n) for a million-line file. */
static int
check_unique_ids(struct loader *l, struct cp_device *v, size_t n)
{
	struct cp_device **p = malloc(n * sizeof(*p));

	if (p == NULL)
		return fail(l, "out of memory");
	for (size_t i = 0; i < n; i++)
		p[i] = &v[i];
	qsort(p, n, sizeof(*p), by_id);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(p[i - 1]->id, p[i]->id)) {
			l->line = p[i]->line;
			fail(l, "id '%s' already used on line %u", p[i]->id, p[i - 1]->line);
			free(p);
			return -1;
		}
	free(p);
	return 0;
}

int
cp_devices_load(const char *path, struct cp_device **devs, size_t *n, char *err, size_t errlen)
{
	struct loader l = { .path = path, .line = 0, .err = err, .errlen = errlen };
	char buf[LINE_MAX_LEN + 2];
	char *f[MAX_FIELDS];
	int idx[COL_MAX], n_header = 0, nf;
	struct cp_device *v = NULL;
	size_t count = 0, cap = 0;
	FILE *fp;

	*devs = NULL;
	*n = 0;
	fp = fopen(path, "r");
	if (fp == NULL) {
		fail(&l, "cannot open: %s", strerror(errno));
		return -1;
	}
	for (int c = 0; c < COL_MAX; c++)
		idx[c] = -1;

	while (fgets(buf, sizeof(buf), fp) != NULL) {
		size_t len = strlen(buf);

		l.line++;
		if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
			fail(&l, "line longer than %d bytes", LINE_MAX_LEN);
			goto err;
		}
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0 || buf[0] == '#')
			continue;
		if (memchr(buf, '\0', len) != NULL || strlen(buf) != len) {
			fail(&l, "NUL byte in line");
			goto err;
		}
		nf = split(&l, buf, f);
		if (nf < 0)
			goto err;
		for (int i = 0; i < nf; i++)
			trim(f[i]);

		if (n_header == 0) {
			for (int i = 0; i < nf; i++) {
				int c;

				for (c = 0; c < COL_MAX; c++)
					if (!strcmp(f[i], columns[c].name))
						break;
				if (c == COL_MAX) {
					fail(&l, "unknown column '%s'", f[i]);
					goto err;
				}
				if (idx[c] >= 0) {
					fail(&l, "column '%s' appears twice", f[i]);
					goto err;
				}
				idx[c] = i;
			}
			for (int c = 0; c < COL_MAX; c++)
				if (columns[c].required && idx[c] < 0) {
					fail(&l, "header lacks the required column '%s'",
					     columns[c].name);
					goto err;
				}
			n_header = nf;
			continue;
		}

		if (nf != n_header) {
			fail(&l, "%d fields, the header has %d", nf, n_header);
			goto err;
		}
		if (count == cap) {
			struct cp_device *nv;

			cap = cap ? cap * 2 : 64;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				fail(&l, "out of memory");
				goto err;
			}
			v = nv;
		}
		if (parse_device(&l, f, idx, &v[count]) != 0) {
			count++;   /* its strings are freed below */
			goto err;
		}
		v[count].line = l.line;
		count++;
	}
	if (ferror(fp)) {
		fail(&l, "read error: %s", strerror(errno));
		goto err;
	}
	if (n_header == 0) {
		fail(&l, "no header line");
		goto err;
	}
	if (count == 0) {
		fail(&l, "no devices");
		goto err;
	}
	if (check_unique_ids(&l, v, count) != 0)
		goto err;
	fclose(fp);
	*devs = v;
	*n = count;
	return 0;
err:
	fclose(fp);
	cp_devices_free(v, count);
	return -1;
}

int
cp_devices_cidr(const char *cidr, const char *community, struct cp_device **devs, size_t *n,
		char *err, size_t errlen)
{
	char buf[32], *slash, *end;
	struct in_addr a;
	unsigned long len;
	uint32_t base, count, first;
	struct cp_device *d;

	if (strlen(cidr) >= sizeof(buf) || (slash = strchr(strcpy(buf, cidr), '/')) == NULL) {
		snprintf(err, errlen, "--devices-cidr '%s': want A.B.C.D/LEN, e.g. 198.18.0.0/16",
			 cidr);
		return -1;
	}
	*slash = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &a) != 1 || slash[1] < '0' || slash[1] > '9' ||
	    *end != '\0' || errno || len < 12 || len > 32) {
		snprintf(err, errlen, "--devices-cidr '%s': want A.B.C.D/LEN with LEN from 12 "
			 "(1M devices) to 32", cidr);
		return -1;
	}
	if (strlen(community) > ARGOS_COMMUNITY_LEN_MAX) {
		snprintf(err, errlen, "--community: longer than %d bytes", ARGOS_COMMUNITY_LEN_MAX);
		return -1;
	}
	count = len == 32 ? 1u : 1u << (32 - len);
	base = ntohl(a.s_addr) & (len == 32 ? ~0u : ~(count - 1));
	/* A /12 or longer lies inside one /8, so one address tells for all. */
	if (cp_device_ip_refused(htonl(base)) != NULL) {
		snprintf(err, errlen, "--devices-cidr '%s': cannot be polled: %s", cidr,
			 cp_device_ip_refused(htonl(base)));
		return -1;
	}
	first = 0;
	if (len < 31) {        /* the network and broadcast addresses are not devices */
		first = 1;
		count -= 2;
	}
	d = calloc(count, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "--devices-cidr '%s': out of memory for %u devices", cidr,
			 count);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		struct in_addr ip = { .s_addr = htonl(base + first + i) };

		inet_ntop(AF_INET, &ip, d[i].hostname, sizeof(d[i].hostname));
		snprintf(d[i].id, sizeof(d[i].id), "%u", i + 1);
		d[i].ip = ip.s_addr;
		strcpy(d[i].community, community);
		d[i].snmp_version = 1;
		d[i].snmp_port = 161;
		d[i].snmp_timeout_ms = 1000;
		d[i].snmp_retries = 2;
		d[i].snmp_max_repetitions = 25;
		d[i].polling_frequency = 0;    /* back to back */
		d[i].ping_frequency = 0;
	}
	*devs = d;
	*n = count;
	return 0;
}
