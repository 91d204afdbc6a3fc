/*
 * test_sx.c - snmp_exporter modules (controlplane/snmpx): the loader's
 * answers to good and bad files, indexes and values rendered as
 * snmp_exporter renders them, the collector on a poll of synthetic
 * varbinds, the plan and each module's share, restarts from sysUpTime.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argos_snmp.h"
#include "check.h"
#include "sx.h"
#include "sx_internal.h"
#include "sx_plan.h"
#include "sx_uptime.h"

static struct sx_config *
load(const char *yaml, char *err, size_t len)
{
	return sx_load_mem("t.yml", yaml, strlen(yaml), err, len);
}

/* --- the loader --------------------------------------------------------------------- */

static const char old_layout[] =
	"if_mib:\n"
	"  version: 1\n"
	"  max_repetitions: 10\n"
	"  timeout: 1500ms\n"
	"  auth:\n"
	"    community: secret\n"
	"  walk:\n"
	"  - 1.3.6.1.2.1.2\n"
	"  get:\n"
	"  - 1.3.6.1.2.1.1.3.0\n"
	"  metrics:\n"
	"  - name: ifInOctets\n"
	"    oid: 1.3.6.1.2.1.2.2.1.10\n"
	"    type: counter\n"
	"    help: in\n"
	"    indexes:\n"
	"    - labelname: ifIndex\n"
	"      type: gauge\n"
	"    lookups:\n"
	"    - labels: [ifIndex]\n"
	"      labelname: ifDescr\n"
	"      oid: 1.3.6.1.2.1.2.2.1.2\n"
	"      type: DisplayString\n"
	"    enum_values:\n"
	"      1: up\n"
	"      2: down\n";

static const char new_layout[] =
	"auths:\n"
	"  public_v2:\n"
	"    community: public\n"
	"    version: 2\n"
	"  v3:\n"
	"    version: 3\n"
	"    username: u\n"
	"    security_level: authPriv\n"
	"    password: p\n"
	"    auth_protocol: SHA\n"
	"    priv_protocol: AES\n"
	"    priv_password: q\n"
	"modules:\n"
	"  sys:\n"
	"    walk: [1.3.6.1.2.1.1]\n"
	"    retries: 1\n"
	"    metrics:\n"
	"    - name: sysUpTime\n"
	"      oid: 1.3.6.1.2.1.1.3\n"
	"      type: gauge\n"
	"      scale: 0.01\n"
	"      offset: 1\n";

static void
test_load_good(void)
{
	char err[512];
	struct sx_config *c = load(old_layout, err, sizeof(err));

	CHECK(c != NULL, "the old layout loads: %s", err);
	if (c) {
		const struct sx_module *m = &c->modules[0];

		CHECK(c->layout == SX_LAYOUT_MODULES && c->n_modules == 1 && c->n_auths == 0,
		      "one module, no auths: layout %d", c->layout);
		CHECK(m->has_auth && m->auth.version == 1 && m->auth.has_version &&
		      m->auth.has_community && !strcmp(m->auth.community, "secret"),
		      "the module's version and community are kept");
		CHECK(m->has_max_repetitions && m->max_repetitions == 10 && m->has_timeout &&
		      m->timeout_ms == 1500 && !m->has_retries && m->retries == 3,
		      "walk parameters: 10 reps, 1500 ms, default retries");
		CHECK(m->n_walk == 1 && m->n_get == 1 && !strcmp(m->get_text[0], "1.3.6.1.2.1.1.3.0"),
		      "walk and get lists");
		CHECK(m->n_metrics == 1 && m->metrics[0].type == SX_T_COUNTER &&
		      m->metrics[0].n_indexes == 1 && m->metrics[0].n_lookups == 1 &&
		      m->metrics[0].enums.n == 2 &&
		      !strcmp(sx_enum_name(&m->metrics[0].enums, 2), "down"),
		      "a metric with its index, lookup and enums");
		CHECK(sx_module_find(c, "if_mib") == 0 && sx_module_find(c, "x") == -1,
		      "modules by name");
		sx_free(c);
	}
	c = load(new_layout, err, sizeof(err));
	CHECK(c != NULL, "the new layout loads: %s", err);
	if (c) {
		CHECK(c->layout == SX_LAYOUT_AUTHS && c->n_auths == 2 && c->n_modules == 1,
		      "auths and modules");
		CHECK(sx_auth_find(c, "v3") == 1 && c->auths[1].version == 3 &&
		      c->auths[0].has_community && !strcmp(c->auths[0].community, "public"),
		      "auths by name, with their version and community");
		CHECK(c->modules[0].metrics[0].scale == 0.01 && c->modules[0].metrics[0].offset == 1,
		      "scale and offset");
		CHECK(!c->modules[0].has_auth && c->modules[0].has_retries &&
		      c->modules[0].retries == 1, "no auth in a module of the new layout");
		sx_free(c);
	}
}

/* Each bad file, the line the error must name and a word of its reason. */
static const struct {
	const char *what, *yaml;
	int line;
	const char *reason;
} bad[] = {
	{ "empty file", "", 1, "no module" },
	{ "YAML syntax", "m:\n  walk: [1.3\n", 3, "YAML syntax" },
	{ "unknown module key", "m:\n  wlak: [1.3.6]\n", 2, "unknown key 'wlak' in module 'm'" },
	{ "key twice", "m:\n  walk: [1.3]\n  walk: [1.4]\n", 3, "appears twice" },
	{ "bad walk OID", "m:\n  walk:\n  - 1.3.x\n", 3, "not a numeric OID" },
	{ "walk not a list", "m:\n  walk: 7\n", 2, "wants a list" },
	{ "bad version", "m:\n  version: 4\n", 2, "SNMP version must be 1, 2 or 3" },
	{ "version text", "m:\n  version: two\n", 2, "wants a whole number" },
	{ "bad timeout", "m:\n  timeout: 5 seconds\n", 2, "not a duration" },
	{ "nanosecond timeout", "m:\n  timeout: 5\n", 2, "bare number is nanoseconds" },
	{ "unknown auth key", "m:\n  auth:\n    comunity: x\n", 3, "unknown key 'comunity'" },
	{ "v3 without user", "m:\n  version: 3\n  auth:\n    security_level: noAuthNoPriv\n",
	  4, "username is missing" },
	{ "unknown metric key",
	  "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n    hlep: x\n", 6,
	  "unknown key 'hlep' in metric 'a'" },
	{ "metric without type", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n", 3,
	  "needs a name, an oid and a type" },
	{ "unknown metric type", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: Gauge\n",
	  5, "not a metric type" },
	{ "bad metric name", "m:\n  metrics:\n  - name: a-b\n    oid: 1.3.6\n    type: gauge\n",
	  3, "not a label name" },
	{ "unknown index type", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    indexes:\n    - labelname: i\n      type: Float\n", 8, "not an index type" },
	{ "index fixed_size text", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    indexes:\n    - labelname: i\n      type: OctetString\n      fixed_size: x\n", 9,
	  "wants a whole number" },
	{ "implied not a bool", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    indexes:\n    - labelname: i\n      type: OctetString\n      implied: maybe\n", 9,
	  "true or false" },
	{ "lookup without oid", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    lookups:\n    - labels: [i]\n      labelname: d\n", 7, "needs the oid" },
	{ "lookup key", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    lookups:\n    - labels: [i]\n      label: d\n", 8, "unknown key 'label'" },
	{ "bad regex", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: DisplayString\n"
	  "    regex_extracts:\n      X:\n      - regex: (a\n", 8, "regular expression" },
	{ "enum key text", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    enum_values:\n      up: 1\n", 7, "wants a whole number" },
	{ "scale text", "m:\n  metrics:\n  - name: a\n    oid: 1.3.6\n    type: gauge\n"
	  "    scale: half\n", 6, "wants a number" },
	{ "filter without oid", "m:\n  filters:\n  - targets: [1.3.6]\n", 3, "needs an oid" },
	{ "bad filter regex", "m:\n  filters:\n  - oid: 1.3.6\n    values: ['[']\n", 4,
	  "regular expression" },
	{ "auth in a split file's module", "modules:\n  m:\n    version: 2\n", 3,
	  "unknown key 'version' in module 'm'" },
	{ "unknown top key of a split file",
	  "auths:\n  a:\n    community: x\nmodules:\n  m:\n    walk: [1.3]\nmodules2: x\n", 7,
	  "unknown key 'modules2'" },
	{ "bad auth version", "auths:\n  a:\n    version: 0\nmodules:\n  m: {}\n", 2,
	  "SNMP version must be 1, 2 or 3" },
	{ "v3 auth without password", "auths:\n  a:\n    version: 3\n    username: u\n"
	  "    security_level: authNoPriv\nmodules:\n  m: {}\n", 2, "password is missing" },
	{ "module twice", "m:\n  walk: [1.3]\nm:\n  walk: [1.4]\n", 3, "appears twice" },
};

static void
test_load_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512], want[32];
		struct sx_config *c = load(bad[i].yaml, err, sizeof(err));

		snprintf(want, sizeof(want), "t.yml:%d: ", bad[i].line);
		CHECK(c == NULL, "%s: the file is refused", bad[i].what);
		if (c) {
			sx_free(c);
			continue;
		}
		CHECK(strncmp(err, want, strlen(want)) == 0 && strstr(err, bad[i].reason),
		      "%s: want '%s...%s', got '%s'", bad[i].what, want, bad[i].reason, err);
	}
}

/* --- rendering ---------------------------------------------------------------------- */

static const char *
index_text(const uint32_t *arcs, uint32_t n, uint8_t t, uint32_t fixed, int implied,
	   const struct sx_enums *e, uint32_t *consumed, uint32_t *n_used)
{
	static struct sx_text out;
	uint32_t used[64];

	out.len = 0;
	sx_text_put(&out, "", 0);
	sx_index_text(arcs, n, t, fixed, implied, e, &out, used, 64, n_used, consumed);
	return out.p;
}

static void
test_indexes(void)
{
	static const uint32_t ip[] = { 1, 4, 10, 0, 0, 1, 7 };
	static const uint32_t ds[] = { 3, 'e', 't', 'h', 9 };
	static const uint32_t mac[] = { 0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e };
	static const uint32_t big[] = { 300 };
	static const uint32_t unk[] = { 9, 2, 0xab, 0xcd };
	struct sx_enum ev[] = { { 1, "ipv4" } };
	struct sx_enums e = { ev, 1 };
	uint32_t c, u;

	CHECK(!strcmp(index_text(ip, 7, SX_T_INETADDRESS, 0, 0, NULL, &c, &u), "10.0.0.1") &&
	      c == 6 && u == 6, "InetAddress index: type, length, address (%s, %u, %u)",
	      index_text(ip, 7, SX_T_INETADDRESS, 0, 0, NULL, &c, &u), c, u);
	CHECK(!strcmp(index_text(unk, 4, SX_T_INETADDRESS, 0, 0, NULL, &c, &u), "0x0902ABCD") &&
	      c == 4, "InetAddress of an unknown type: the octets in hex");
	CHECK(!strcmp(index_text(ds, 5, SX_T_DISPLAYSTRING, 0, 0, NULL, &c, &u), "eth") && c == 4,
	      "DisplayString index with its length");
	CHECK(!strcmp(index_text(ds, 5, SX_T_OCTETSTRING, 0, 1, NULL, &c, &u), "0x0365746809") &&
	      c == 5, "implied OctetString takes every arc left");
	CHECK(!strcmp(index_text(ds, 5, SX_T_OCTETSTRING, 2, 0, NULL, &c, &u), "0x0365") && c == 2,
	      "fixed_size OctetString");
	index_text(ds, 1, SX_T_DISPLAYSTRING, 0, 0, NULL, &c, &u);
	CHECK(c == 1 && u == 4, "a short index is padded with zeros: the length and 3 zero arcs "
	      "(%u used, %u consumed)", u, c);
	CHECK(!strcmp(index_text(mac, 6, SX_T_PHYSADDR48, 0, 0, NULL, &c, &u), "00:1A:2B:3C:4D:5E"),
	      "PhysAddress48 index");
	CHECK(!strcmp(index_text(mac, 3, SX_T_PHYSADDR48, 0, 0, NULL, &c, &u), "00:1A:2B:00:00:00") &&
	      c == 3 && u == 6, "a short PhysAddress48 is padded, and the padding kept for lookups");
	CHECK(!strcmp(index_text(big, 1, SX_T_PHYSADDR48, 0, 0, NULL, &c, &u), "12C:00:00:00:00:00"),
	      "an arc above 255 prints all its hex digits, as %%02X does");
	CHECK(!strcmp(index_text(ip + 2, 4, SX_T_IPV4, 0, 0, NULL, &c, &u), "10.0.0.1"),
	      "InetAddressIPv4 index");
	CHECK(!strcmp(index_text(ip, 1, SX_T_ENUM_INFO, 0, 0, &e, &c, &u), "ipv4") &&
	      !strcmp(index_text(ip + 1, 1, SX_T_ENUM_INFO, 0, 0, &e, &c, &u), "4"),
	      "EnumAsInfo index: the name, else the number");
	{
		static const uint32_t v6[16] = { 0x20, 1, 0xd, 0xb8 };

		CHECK(!strcmp(index_text(v6, 16, SX_T_IPV6, 0, 0, NULL, &c, &u),
			      "2001:0DB8:0000:0000:0000:0000:0000:0000"), "InetAddressIPv6 index");
	}
}

static const char *
pdu_text(const struct sx_pdu *p, uint8_t t, const char *hint)
{
	static struct sx_text out;

	out.len = 0;
	sx_text_put(&out, "", 0);
	sx_pdu_text(p, t, hint, &out);
	return out.p;
}

static void
test_values(void)
{
	static const uint8_t flt[] = { 0x9f, 0x78, 4, 0x40, 0x66, 0x66, 0x66 };   /* 3.6f */
	static const uint8_t bad_utf8[] = { 'a', 0xff, 0xfe, 'b' };
	static const uint8_t bin[] = { 0, 0xff, 0x10 };
	static const uint8_t ipa[] = { 10, 1, 2, 3 };
	static const uint32_t oid[] = { 1, 3, 6, 1 };
	static const uint8_t dat[] = { 0x07, 0xea, 1, 2, 3, 4, 5, 6, '+', 1, 30 };
	static const uint8_t dat8[] = { 0x07, 0xb2, 1, 1, 0, 0, 0, 0 };
	struct sx_pdu p = { 0 };
	double v;

	p.type = SNMP_T_OPAQUE;
	p.val = flt;
	p.len = sizeof(flt);
	CHECK(!strcmp(pdu_text(&p, SX_T_DISPLAYSTRING, NULL), "3.6") &&
	      sx_pdu_value(&p, 0) == (double)3.6f, "Opaque float: its shortest text and value (%s)",
	      pdu_text(&p, SX_T_DISPLAYSTRING, NULL));
	p.type = SNMP_T_OCTETSTR;
	p.val = bad_utf8;
	p.len = sizeof(bad_utf8);
	CHECK(!strcmp(pdu_text(&p, SX_T_DISPLAYSTRING, NULL), "a\xef\xbf\xbd" "b"),
	      "invalid UTF-8 becomes one U+FFFD per run");
	p.val = bin;
	p.len = sizeof(bin);
	CHECK(!strcmp(pdu_text(&p, SX_T_OCTETSTRING, NULL), "0x00FF10") &&
	      !strcmp(pdu_text(&p, SX_T_NONE, NULL), "0x00FF10"), "octets as 0x and hex");
	CHECK(!strcmp(pdu_text(&p, SX_T_NONE, "1x:"), "00:FF:10") &&
	      !strcmp(pdu_text(&p, SX_T_NONE, "1d-1d"), "0-25516"),
	      "display hints; the last one repeats without its separator");
	CHECK(!strcmp(pdu_text(&p, SX_T_PHYSADDR48, NULL), "00:FF:10:00:00:00"),
	      "a short PhysAddress48 value is padded");
	CHECK(sx_pdu_value(&p, 0) == 0, "octets are worth 0 as a number");
	p.type = SNMP_T_IPADDRESS;
	p.val = ipa;
	p.len = 4;
	CHECK(!strcmp(pdu_text(&p, SX_T_OCTETSTRING, NULL), "10.1.2.3"),
	      "an IpAddress value is dotted whatever the type");
	p.type = SNMP_T_OID;
	p.val = oid;
	p.len = 4;
	CHECK(!strcmp(pdu_text(&p, SX_T_OCTETSTRING, NULL), "1.3.6.1"), "an OID value is dotted");
	p.type = SNMP_T_INTEGER;
	p.i = -7;
	CHECK(!strcmp(pdu_text(&p, SX_T_DISPLAYSTRING, NULL), "-7") && sx_pdu_value(&p, 0) == -7,
	      "a negative Integer");
	p.type = SNMP_T_COUNTER64;
	p.u = (1ull << 54) + 3;
	CHECK(sx_pdu_value(&p, 1) == 3 && sx_pdu_value(&p, 0) == (double)((1ull << 54) + 3),
	      "Counter64 wraps at 2^53 on request");
	CHECK(sx_date_and_time(dat, sizeof(dat), &v) == 0 && v == 1767317645.0,
	      "DateAndTime with a zone: %.0f", v);
	CHECK(sx_date_and_time(dat8, sizeof(dat8), &v) == 0 && v == 0,
	      "DateAndTime without a zone is UTC");
	CHECK(sx_date_and_time(dat, 9, &v) < 0, "DateAndTime of 9 bytes is refused");
	CHECK(sx_parse_time("2024-02-29 12:00:00", 19, "%Y-%m-%d %H:%M:%S", &v) == 0 &&
	      v == 1709208000.0, "ParseDateAndTime");
}

static void
test_templates(void)
{
	char err[256];
	struct sx_re *re = sx_re_compile("(?P<maj>\\d+)\\.(\\d+)", 1, err, sizeof(err));
	struct sx_text t = { 0 };

	CHECK(re != NULL, "a Go regex compiles: %s", err);
	if (re == NULL)
		return;
	CHECK(sx_re_expand(re, "4.19", 4, "$1-${2}x-$maj-$$-$9-$x", &t) == 1 &&
	      !strcmp(t.p, "4-19x-4-$--"), "Go's template rules: %s", t.p);
	CHECK(sx_re_expand(re, "4.19", 4, "$2x", &t) == 1 && !strcmp(t.p, ""),
	      "$2x is the group named 2x: empty");
	CHECK(sx_re_expand(re, "a4.19", 5, "$1", &t) == 0, "anchored: a prefix does not match");
	sx_re_free(re);
	re = sx_re_compile("ab$", 0, err, sizeof(err));
	CHECK(re && sx_re_match(re, "xxab", 4) && !sx_re_match(re, "ab\n", 3),
	      "unanchored match; $ only at the very end");
	sx_re_free(re);
	sx_text_free(&t);
}

/* --- the collector ------------------------------------------------------------------ */

static const char collect_yaml[] =
	"m:\n"
	"  walk: [1.3.6.1.2.1.2.2.1, 1.3.6.1.4.1.9]\n"
	"  metrics:\n"
	"  - name: ifInOctets\n"
	"    oid: 1.3.6.1.2.1.2.2.1.10\n"
	"    type: counter\n"
	"    indexes: [{labelname: ifIndex, type: gauge}]\n"
	"    lookups:\n"
	"    - {labels: [ifIndex], labelname: ifDescr, oid: 1.3.6.1.2.1.2.2.1.2, type: DisplayString}\n"
	"    - {labels: [ifIndex], labelname: ifAlias, oid: 1.3.6.1.2.1.31.1.1.1.18, type: DisplayString}\n"
	"  - name: ifOperStatus\n"
	"    oid: 1.3.6.1.2.1.2.2.1.8\n"
	"    type: EnumAsStateSet\n"
	"    indexes: [{labelname: ifIndex, type: gauge}]\n"
	"    enum_values: {1: up, 2: down}\n"
	"  - name: ifType\n"
	"    oid: 1.3.6.1.2.1.2.2.1.3\n"
	"    type: EnumAsInfo\n"
	"    indexes: [{labelname: ifIndex, type: gauge}]\n"
	"    enum_values: {6: ethernetCsmacd}\n"
	"  - name: ifDescr\n"
	"    oid: 1.3.6.1.2.1.2.2.1.2\n"
	"    type: DisplayString\n"
	"    indexes: [{labelname: ifIndex, type: gauge}]\n"
	"    lookups:\n"
	"    - {labels: [ifIndex], labelname: ifDescr, oid: 1.3.6.1.2.1.2.2.1.2, type: DisplayString}\n"
	"  - name: temp\n"
	"    oid: 1.3.6.1.4.1.9\n"
	"    type: DisplayString\n"
	"    scale: 0.5\n"
	"    regex_extracts:\n"
	"      Celsius: [{regex: '(\\d+) C'}]\n"
	"  - name: shadowed\n"
	"    oid: 1.3.6.1.4.1.9.1\n"
	"    type: gauge\n";

#define MAXS 64
static char samples[MAXS][512];
static int n_samples;

static int
collect_emit(void *ctx, const char *name, const struct sx_label *l, size_t n, double v,
	     int64_t ts)
{
	char lbl[SX_LABELS_MAX][160];
	size_t o;

	(void)ctx;
	(void)ts;
	for (size_t i = 0; i < n; i++)
		snprintf(lbl[i], sizeof(lbl[i]), "%s=%.*s", l[i].name, (int)l[i].vlen, l[i].value);
	for (size_t i = 1; i < n; i++)   /* sort, for a stable string */
		for (size_t j = i; j > 0 && strcmp(lbl[j - 1], lbl[j]) > 0; j--) {
			char t[160];

			strcpy(t, lbl[j]);
			strcpy(lbl[j], lbl[j - 1]);
			strcpy(lbl[j - 1], t);
		}
	o = (size_t)snprintf(samples[n_samples], sizeof(samples[0]), "%s{", name);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(samples[n_samples] + o, sizeof(samples[0]) - o, "%s%s",
				      i ? "," : "", lbl[i]);
	snprintf(samples[n_samples] + o, sizeof(samples[0]) - o, "} %g", v);
	if (n_samples < MAXS - 1)
		n_samples++;
	return 0;
}

static int
has_sample(const char *s)
{
	for (int i = 0; i < n_samples; i++)
		if (!strcmp(samples[i], s))
			return 1;
	return 0;
}

#define OIDS(...) ((const uint32_t[]){ __VA_ARGS__ })
#define PDU(o, ...) { .oid = o, .oid_len = sizeof(o) / 4, __VA_ARGS__ }

static void
test_collect(void)
{
	static const uint32_t in1[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1 };
	static const uint32_t in2[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 2 };
	static const uint32_t de1[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 1 };
	static const uint32_t op1[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 1 };
	static const uint32_t ty1[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 3, 1 };
	static const uint32_t t0[] = { 1, 3, 6, 1, 4, 1, 9, 1, 0 };
	struct sx_pdu v[] = {
		PDU(in2, .type = SNMP_T_COUNTER32, .u = 20),
		PDU(in1, .type = SNMP_T_COUNTER32, .u = 10),
		PDU(de1, .type = SNMP_T_OCTETSTR, .val = "eth0", .len = 4),
		PDU(op1, .type = SNMP_T_INTEGER, .i = 1),
		PDU(ty1, .type = SNMP_T_INTEGER, .i = 6),
		PDU(t0, .type = SNMP_T_OCTETSTR, .val = "42 C", .len = 4),
	};
	struct sx_pdus p = { v, sizeof(v) / sizeof(v[0]), 0 };
	struct sx_collect_opts o = { 0 };
	char err[256];
	struct sx_config *c = load(collect_yaml, err, sizeof(err));
	long n;

	CHECK(c != NULL, "the collector's module loads: %s", err);
	if (c == NULL)
		return;
	sx_pdus_sort(&p);
	n_samples = 0;
	n = sx_collect(c, 0, &p, &o, collect_emit, NULL);
	CHECK(n == 7 && n_samples == 7, "7 samples, %ld made", n);
	for (int i = 0; n != 7 && i < n_samples; i++)
		printf("  made: %s\n", samples[i]);
	CHECK(has_sample("ifInOctets{ifDescr=eth0,ifIndex=1} 10"),
	      "a counter with its lookup; an empty lookup is not a label");
	CHECK(has_sample("ifInOctets{ifIndex=2} 20"), "a row without its lookup value");
	CHECK(has_sample("ifOperStatus{ifIndex=1,ifOperStatus=up} 1") &&
	      has_sample("ifOperStatus{ifIndex=1,ifOperStatus=down} 0"), "EnumAsStateSet");
	CHECK(has_sample("ifType_info{ifIndex=1,ifType=ethernetCsmacd} 1"), "EnumAsInfo");
	CHECK(has_sample("ifDescr{ifDescr=eth0,ifIndex=1} 1"),
	      "a string metric whose name is already a label keeps it once");
	CHECK(has_sample("tempCelsius{} 21"),
	      "regex_extracts, scaled, and the shorter metric OID wins over a longer one");
	for (int i = 0; i < n_samples; i++)
		if (!strncmp(samples[i], "shadowed", 8))
			CHECK(0, "a metric under a shorter metric's OID makes nothing");
	sx_free(c);
}

/* --- plans and scopes --------------------------------------------------------------- */

static const char plan_yaml[] =
	"a:\n"
	"  walk: [1.3.6.1.2.1.2, 1.3.6.1.2.1.31.1.1]\n"
	"  get: [1.3.6.1.2.1.1.3.0, 1.3.6.1.2.1.2.1.0]\n"
	"  metrics: [{name: x, oid: 1.3.6.1.2.1.2.2.1.10, type: counter}]\n"
	"b:\n"
	"  walk: [1.3.6.1.2.1.2.2, 1.3.6.1.4.1.1]\n"
	"  filters:\n"
	"  - oid: 1.3.6.1.2.1.2.2.1.7\n"
	"    targets: [1.3.6.1.4.1.1]\n"
	"    values: ['^1$']\n"
	"  metrics: [{name: y, oid: 1.3.6.1.4.1.1, type: gauge}]\n";

static void
test_plan(void)
{
	static const uint32_t adm1[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 1 };
	static const uint32_t adm2[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 7, 2 };
	static const uint32_t e1[] = { 1, 3, 6, 1, 4, 1, 1, 1 };
	static const uint32_t e2[] = { 1, 3, 6, 1, 4, 1, 1, 2 };
	static const uint32_t up[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	char err[256];
	struct sx_config *c = load(plan_yaml, err, sizeof(err));
	struct sx_plan p;
	int mods[2] = { 0, 1 };
	uint64_t ret;

	CHECK(c != NULL, "the plan's modules load: %s", err);
	if (c == NULL)
		return;
	CHECK(sx_plan_build(c, mods, 2, NULL, 0, &p) == 0, "a plan");
	/* 1.3.6.1.2.1.1.3.0 (get), walks 1.3.6.1.2.1.2, 1.3.6.1.2.1.31.1.1, 1.3.6.1.4.1.1;
	 * 1.3.6.1.2.1.2.1.0 and 1.3.6.1.2.1.2.2 lie inside 1.3.6.1.2.1.2. */
	CHECK(p.n == 4 && p.v[0].get && !p.v[1].get && p.v[1].oid.len == 7 &&
	      p.v[3].oid.len == 7 && p.v[3].oid.sub[6] == 1,
	      "shared and covered walks once, gets inside walks dropped: %u OIDs", p.n);
	sx_plan_free(&p);
	{
		struct sx_pdu v[] = {
			PDU(adm1, .type = SNMP_T_INTEGER, .i = 1),
			PDU(adm2, .type = SNMP_T_INTEGER, .i = 2),
			PDU(e1, .type = SNMP_T_GAUGE32, .u = 5),
			PDU(e2, .type = SNMP_T_GAUGE32, .u = 6),
			PDU(up, .type = SNMP_T_TIMETICKS, .u = 100),
		};
		struct sx_pdus all = { v, 5, 0 }, out = { 0 };

		sx_pdus_sort(&all);
		CHECK(sx_scope(c, 1, &all, &out, &ret) == 0 && out.n == 3 && ret == 3,
		      "module b sees its walk, and of the filtered target only index 1: %zu, %lu",
		      out.n, (unsigned long)ret);
		CHECK(sx_scope(c, 0, &all, &out, &ret) == 0 && out.n == 3 && ret == 3,
		      "module a sees its walks and its get: %zu", out.n);
		free(out.v);
	}
	sx_free(c);
}

static void
test_uptime(void)
{
	struct sx_uptime u = { 0 };
	int64_t t = 1000000;

	CHECK(sx_uptime_take(&u, 5000, t) == 0, "the first sample is no restart");
	CHECK(sx_uptime_take(&u, 11000, t + 60000) == 0, "uptime grew by the time passed");
	CHECK(sx_uptime_take(&u, 300, t + 120000) == 1 && u.resets == 1,
	      "uptime went back: a restart");
	CHECK(sx_uptime_take(&u, 4000, t + 180000) == 1 && u.resets == 2,
	      "uptime grew, but less than the time passed: a restart early in the interval");
	u = (struct sx_uptime){ 0 };
	sx_uptime_take(&u, 4294967000u, t);
	CHECK(sx_uptime_take(&u, 5704, t + 60000) == 0 && u.resets == 0,
	      "TimeTicks wrapped at 2^32: no restart");
}

int
main(void)
{
	test_load_good();
	test_load_bad();
	test_indexes();
	test_values();
	test_templates();
	test_collect();
	test_plan();
	test_uptime();
	return CHECK_DONE("snmp_exporter_modules");
}
