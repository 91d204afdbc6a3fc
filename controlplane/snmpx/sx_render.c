/*
 * sx_render.c - an index or a value as text, and a value as a number,
 * exactly as snmp_exporter's collector writes them (indexOidsAsString,
 * pduValueAsString, getPduValue in its collector.go).
 *
 * The rules that are easy to get wrong, kept here on purpose:
 *   - an index shorter than its type wants is padded with zero arcs,
 *     and the padded arcs are what a lookup then uses;
 *   - OctetString is "0x" and uppercase hex, "" when empty; a
 *     DisplayString is its bytes; PhysAddress48 and InetAddressIPv6
 *     print each arc with %02X (an arc above 255 prints more digits);
 *   - an octet string value is rendered as an index of its type with its
 *     length in front (OctetString, DisplayString) or without;
 *   - a number is what gosnmp's ToBigInt makes of the value: 0 for
 *     strings, addresses and OIDs; Counter64 wraps at 2^53 on request;
 *   - label text is made valid UTF-8 (each bad run becomes U+FFFD).
 * Where snmp_exporter would panic (an octet string rendered as Float,
 * say) argos renders it as an OctetString instead.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "argos_snmp.h"
#include "sx_internal.h"

#define SX_PAD_MAX 256   /* zero arcs added at most to a short index */
#define SX_VALUE_ARCS 2048

int
sx_text_put(struct sx_text *t, const void *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 64;
		char *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		p = realloc(t->p, cap);
		if (p == NULL)
			return -ENOMEM;
		t->p = p;
		t->cap = cap;
	}
	if (n)
		memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
	return 0;
}

void
sx_text_free(struct sx_text *t)
{
	free(t->p);
	memset(t, 0, sizeof(*t));
}

static int
putf(struct sx_text *t, const char *fmt, unsigned long long v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), fmt, v);

	return sx_text_put(t, buf, (size_t)n);
}

/* The length of the valid UTF-8 sequence at s (Go's rules), 0 if invalid. */
static size_t
utf8_len(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf && n >= 2 && (s[1] & 0xc0) == 0x80)
		return 2;
	if (c >= 0xe0 && c <= 0xef && n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;   /* overlong, or a surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4 && n >= 4 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

int
sx_text_put_utf8(struct sx_text *t, const void *v, size_t n)
{
	const uint8_t *s = v;
	size_t i = 0, start = 0;
	int bad = 0;

	while (i < n) {
		size_t k = utf8_len(s + i, n - i);

		if (k) {
			if (bad && sx_text_put(t, "\xef\xbf\xbd", 3) < 0)
				return -ENOMEM;
			bad = 0;
			i += k;
			continue;
		}
		if (!bad && sx_text_put(t, s + start, i - start) < 0)
			return -ENOMEM;
		bad = 1;
		i++;
		start = i;
	}
	if (bad)
		return sx_text_put(t, "\xef\xbf\xbd", 3);
	return sx_text_put(t, s + start, n - start);
}

const char *
sx_enum_name(const struct sx_enums *e, int64_t key)
{
	uint32_t lo = 0, hi = e ? e->n : 0;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (e->v[mid].key == key)
			return e->v[mid].name;
		if (e->v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- indexes ---------------------------------------------------------------- */

struct used {
	uint32_t *v;
	uint32_t n, max;
};

static int
used_put(struct used *u, uint32_t arc)
{
	if (u == NULL)
		return 0;
	if (u->n == u->max)
		return -ENOSPC;
	u->v[u->n++] = arc;
	return 0;
}

/* Arc i of in, zero past its end (snmp_exporter's splitOid pads). */
static inline uint32_t
arc(const uint32_t *in, uint32_t n, uint32_t i)
{
	return i < n ? in[i] : 0;
}

static uint8_t
combined(uint8_t t, uint32_t sub)
{
	switch (t) {
	case SX_T_INETADDRESS:
	case SX_T_INETADDRESS_NOSIZE:
		return sub == 1 ? SX_T_IPV4 : sub == 2 ? SX_T_IPV6 : SX_T_NONE;
	case SX_T_LLDP_PORTID:
		return sub == 1 || sub == 2 || sub == 5 || sub == 7 ? SX_T_DISPLAYSTRING :
		       sub == 3 ? SX_T_PHYSADDR48 : SX_T_NONE;
	}
	return SX_T_NONE;
}

static int
decode(const uint32_t *in, uint32_t n, uint8_t t, uint32_t fixed, int implied,
       const struct sx_enums *e, struct sx_text *out, struct used *u, uint32_t *consumed)
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t len, start = 0, take;

	switch (t) {
	case SX_T_INETADDRESS:
	case SX_T_INETADDRESS_NOSIZE:
	case SX_T_LLDP_PORTID: {
		uint32_t head = t == SX_T_INETADDRESS_NOSIZE ? 1 : 2;
		uint8_t m = combined(t, arc(in, n, 0));
		uint32_t c2 = 0, h = head < n ? head : n;

		if (m != SX_T_NONE) {
			for (uint32_t i = 0; i < head; i++)
				if (used_put(u, arc(in, n, i)) < 0)
					return -ENOSPC;
			if (decode(in + h, n - h, m, 0, 0, e, out, u, &c2) < 0)
				return -ENOSPC;
			*consumed = h + c2;
			return 0;
		}
		if (t == SX_T_INETADDRESS_NOSIZE)
			return decode(in, n, SX_T_OCTETSTRING, 0, 1, e, out, u, consumed);
		return decode(in, n, SX_T_OCTETSTRING, arc(in, n, 1) + 2, 0, e, out, u, consumed);
	}
	case SX_T_GAUGE:
	case SX_T_COUNTER:
	case SX_T_INTEGER:
		*consumed = n ? 1 : 0;
		if (used_put(u, arc(in, n, 0)) < 0)
			return -ENOSPC;
		return putf(out, "%llu", arc(in, n, 0));
	case SX_T_ENUM_INFO: {
		const char *name = sx_enum_name(e, (int64_t)arc(in, n, 0));

		*consumed = n ? 1 : 0;
		if (used_put(u, arc(in, n, 0)) < 0)
			return -ENOSPC;
		return name ? sx_text_put(out, name, strlen(name)) :
		       putf(out, "%llu", arc(in, n, 0));
	}
	case SX_T_PHYSADDR48:
	case SX_T_IPV4:
	case SX_T_IPV6:
		take = t == SX_T_PHYSADDR48 ? 6 : t == SX_T_IPV4 ? 4 : 16;
		for (uint32_t i = 0; i < take; i++) {
			uint32_t a = arc(in, n, i);
			int rc;

			if (used_put(u, a) < 0)
				return -ENOSPC;
			if (t == SX_T_IPV4)
				rc = putf(out, i ? ".%llu" : "%llu", a);
			else if (t == SX_T_PHYSADDR48)
				rc = putf(out, i ? ":%02llX" : "%02llX", a);
			else
				rc = putf(out, i && i % 2 == 0 ? ":%02llX" : "%02llX", a);
			if (rc < 0)
				return -ENOMEM;
		}
		*consumed = take < n ? take : n;
		return 0;
	default:   /* OctetString, DisplayString; what snmp_exporter cannot render */
		break;
	}
	len = fixed;
	if (implied)
		len = n;
	if (len == 0) {
		len = arc(in, n, 0);
		start = n ? 1 : 0;
		if (used_put(u, len) < 0)
			return -ENOSPC;
	}
	if (len > n - start + SX_PAD_MAX)
		len = n - start + SX_PAD_MAX;   /* garbage: do not pad without end */
	if (t != SX_T_DISPLAYSTRING && len && sx_text_put(out, "0x", 2) < 0)
		return -ENOMEM;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t b = (uint8_t)arc(in + start, n - start, i);
		char h[2] = { hex[b >> 4], hex[b & 15] };

		if (used_put(u, arc(in + start, n - start, i)) < 0)
			return -ENOSPC;
		if ((t == SX_T_DISPLAYSTRING ? sx_text_put(out, &b, 1) :
		     sx_text_put(out, h, 2)) < 0)
			return -ENOMEM;
	}
	*consumed = start + (len < n - start ? len : n - start);
	return 0;
}

int
sx_index_text(const uint32_t *arcs, uint32_t n, uint8_t t, uint32_t fixed_size, int implied,
	      const struct sx_enums *e, struct sx_text *out, uint32_t *used, uint32_t used_max,
	      uint32_t *n_used, uint32_t *consumed)
{
	struct used u = { used, 0, used_max };
	struct sx_text raw = { 0 };
	int rc;

	*consumed = 0;
	rc = decode(arcs, n, t, fixed_size, implied, e, &raw, used ? &u : NULL, consumed);
	if (rc == 0)
		rc = sx_text_put_utf8(out, raw.p ? raw.p : "", raw.len);
	sx_text_free(&raw);
	if (n_used)
		*n_used = u.n;
	return rc;
}

/* --- values ------------------------------------------------------------------- */

int
sx_opaque_float(const uint8_t *b, size_t len, int *is_double, double *v)
{
	/* An Opaque wrapping a float (0x9f 0x78, 4 bytes) or a double (0x9f
	 * 0x79, 8 bytes), big-endian, as net-snmp and gosnmp encode them. */
	if (len == 7 && b[0] == 0x9f && b[1] == 0x78 && b[2] == 4) {
		uint32_t x = (uint32_t)b[3] << 24 | (uint32_t)b[4] << 16 | (uint32_t)b[5] << 8 | b[6];
		float f;

		memcpy(&f, &x, 4);
		*v = f;
		*is_double = 0;
		return 1;
	}
	if (len == 11 && b[0] == 0x9f && b[1] == 0x79 && b[2] == 8) {
		uint64_t x = 0;

		for (int i = 0; i < 8; i++)
			x = x << 8 | b[3 + i];
		memcpy(v, &x, 8);
		*is_double = 1;
		return 1;
	}
	return 0;
}

double
sx_pdu_value(const struct sx_pdu *p, int wrap_counters)
{
	double f;
	int dbl;

	switch (p->type) {
	case SNMP_T_COUNTER64:
		return (double)(wrap_counters ? p->u % (1ull << 53) : p->u);
	case SNMP_T_INTEGER:
		return (double)p->i;
	case SNMP_T_COUNTER32:
	case SNMP_T_GAUGE32:
	case SNMP_T_TIMETICKS:
	case 0x47:   /* Uinteger32 */
		return (double)p->u;
	case SNMP_T_OPAQUE:
		return sx_opaque_float(p->val, p->len, &dbl, &f) ? f : 0;
	default:
		return 0;   /* strings, addresses, OIDs: gosnmp's ToBigInt gives 0 */
	}
}

/* Go's strconv.FormatFloat(v, 'f', -1, bits): the shortest digits that
 * read back as the same value, never with an exponent. */
static int
put_float(struct sx_text *t, double v, int bits32)
{
	char e[40], out[400];
	int p, exp, nd = 0, o = 0;
	char digits[24];

	if (isnan(v))
		return sx_text_put(t, "NaN", 3);
	if (isinf(v))
		return sx_text_put(t, v > 0 ? "+Inf" : "-Inf", 4);
	for (p = 1; p <= 17; p++) {
		snprintf(e, sizeof(e), "%.*e", p - 1, v);
		if (bits32 ? (float)strtod(e, NULL) == (float)v : strtod(e, NULL) == v)
			break;
	}
	/* e: [-]d[.ddd]e[+-]xx */
	{
		const char *s = e;

		if (*s == '-')
			out[o++] = *s++;
		for (; *s && *s != 'e'; s++)
			if (*s != '.')
				digits[nd++] = *s;
		exp = atoi(s + 1);
	}
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (nd == 1 && digits[0] == '0')
		exp = 0;
	if (exp >= 0) {
		for (int i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				out[o++] = '.';
			out[o++] = i < nd ? digits[i] : '0';
			if (o > 380)
				break;
		}
	} else {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -exp - 1 && o < 380; i++)
			out[o++] = '0';
		for (int i = 0; i < nd && o < 398; i++)
			out[o++] = digits[i];
	}
	return sx_text_put(t, out, (size_t)o);
}

static int
put_ipaddress(struct sx_text *t, const uint8_t *b, size_t len)
{
	char buf[INET6_ADDRSTRLEN];
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (len == 4 || (len == 16 && memcmp(b, v4mapped, 12) == 0)) {
		/* Go's net.IP.String() prints an IPv4-mapped address as IPv4 */
		const uint8_t *a = len == 4 ? b : b + 12;

		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	} else if (len == 16) {
		inet_ntop(AF_INET6, b, buf, sizeof(buf));
	} else {
		buf[0] = '\0';   /* gosnmp: length 0 is nil; others fail the packet */
	}
	return sx_text_put(t, buf, strlen(buf));
}

int
sx_pdu_text(const struct sx_pdu *p, uint8_t t, const char *hint, struct sx_text *out)
{
	uint32_t arcs[SX_VALUE_ARCS + 1], n = 0, consumed;
	const uint8_t *b = p->val;
	struct sx_text raw = { 0 };
	char buf[32];
	double f;
	int dbl, rc;

	switch (p->type) {
	case SNMP_T_INTEGER:
		return sx_text_put(out, buf, (size_t)snprintf(buf, sizeof(buf), "%lld",
							      (long long)p->i));
	case SNMP_T_COUNTER32:
	case SNMP_T_GAUGE32:
	case SNMP_T_TIMETICKS:
	case SNMP_T_COUNTER64:
	case 0x47:
		return putf(out, "%llu", p->u);
	case SNMP_T_OID:
		for (uint32_t i = 0; i < p->len; i++)
			if (putf(out, i ? ".%llu" : "%llu", ((const uint32_t *)p->val)[i]) < 0)
				return -ENOMEM;
		return 0;
	case SNMP_T_IPADDRESS:
		return put_ipaddress(out, b, p->len);
	case SNMP_T_OPAQUE:
		if (sx_opaque_float(b, p->len, &dbl, &f))
			return put_float(out, f, !dbl);
		break;
	case SNMP_T_OCTETSTR:
		break;
	default:
		return 0;   /* Null and exceptions: "" */
	}
	if (hint && hint[0] && (t == SX_T_NONE || t == SX_T_OCTETSTRING)) {
		rc = sx_display_hint(hint, b, p->len, &raw);
		if (rc == 1) {
			rc = sx_text_put_utf8(out, raw.p ? raw.p : "", raw.len);
			sx_text_free(&raw);
			return rc;
		}
		sx_text_free(&raw);
	}
	switch (t) {
	case SX_T_DISPLAYSTRING:
	case SX_T_PHYSADDR48:
	case SX_T_IPV4:
	case SX_T_IPV6:
	case SX_T_INETADDRESS:
	case SX_T_INETADDRESS_NOSIZE:
	case SX_T_LLDP_PORTID:
	case SX_T_GAUGE:
	case SX_T_COUNTER:
	case SX_T_INTEGER:
	case SX_T_ENUM_INFO:
		break;
	default:
		t = SX_T_OCTETSTRING;   /* "", Bits, and what snmp_exporter would panic on */
	}
	if (t == SX_T_OCTETSTRING || t == SX_T_DISPLAYSTRING)
		arcs[n++] = p->len;   /* the explicit length an index would carry */
	for (uint32_t i = 0; i < p->len && n < SX_VALUE_ARCS; i++)
		arcs[n++] = b[i];
	return sx_index_text(arcs, n, t, 0, 0, NULL, out, NULL, 0, NULL, &consumed);
}

/* --- times ---------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (m may be out of 1..12: it is carried into the year, as Go does). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	m -= 1;
	y += m >= 0 ? m / 12 : (m - 11) / 12;
	m = ((m % 12) + 12) % 12 + 1;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
sx_date_and_time(const uint8_t *v, size_t len, double *out)
{
	int64_t offset = 0, secs;

	if (len != 8 && len != 11)
		return -EINVAL;
	if (len == 11) {
		/* Go: time.Parse("-0700", sign + %02d hours + %02d minutes) */
		if ((v[8] != '+' && v[8] != '-') || v[9] > 24 || v[10] > 60)
			return -EINVAL;
		offset = (int64_t)v[9] * 3600 + (int64_t)v[10] * 60;
		if (v[8] == '-')
			offset = -offset;
	}
	secs = days_from_civil((int64_t)v[0] << 8 | v[1], v[2], v[3]) * 86400 +
	       (int64_t)v[4] * 3600 + (int64_t)v[5] * 60 + v[6] + (int64_t)v[7] / 10;
	*out = (double)(secs - offset);
	return 0;
}

int
sx_parse_time(const char *s, size_t len, const char *pattern, double *out)
{
	char buf[256];
	struct tm tm;
	const char *end;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	end = strptime(buf, pattern, &tm);
	if (end == NULL || *end != '\0')
		return -EINVAL;
	*out = (double)(days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) *
			86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - tm.tm_gmtoff);
	return 0;
}

/* --- DISPLAY-HINT (RFC 2579 3.1, octet strings) -------------------------------- */

int
sx_display_hint(const char *hint, const uint8_t *data, size_t len, struct sx_text *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t hl = strlen(hint), hp = 0, dp = 0, last = 0;
	int last_consumes = 0;

	if (hl == 0 || len == 0)
		return 0;
	out->len = 0;
	while (dp < len) {
		size_t spec = hp, take = 0, repeat = 1;
		int star = 0, has_sep = 0, has_term = 0;
		char fmt, sep = 0, term = 0;

		if (hp >= hl) {
			if (!last_consumes)
				return 0;
			hp = spec = last;
		}
		if (hint[hp] == '*')
			star = 1, hp++;
		if (hp >= hl || hint[hp] < '0' || hint[hp] > '9')
			return 0;
		while (hp < hl && hint[hp] >= '0' && hint[hp] <= '9') {
			take = take * 10 + (size_t)(hint[hp++] - '0');
			if (take > (1u << 30))
				return 0;
		}
		if (hp >= hl)
			return 0;
		fmt = hint[hp++];
		if (!strchr("dxoat", fmt))
			return 0;
		if (hp < hl && (hint[hp] < '0' || hint[hp] > '9') && hint[hp] != '*')
			sep = hint[hp++], has_sep = 1;
		if (star && hp < hl && (hint[hp] < '0' || hint[hp] > '9') && hint[hp] != '*')
			term = hint[hp++], has_term = 1;
		last = spec;
		last_consumes = take > 0 || star;
		if (star && dp < len)
			repeat = data[dp++];
		for (size_t r = 0; r < repeat && dp < len; r++) {
			size_t end = dp + take > len ? len : dp + take;
			uint64_t val = 0;
			int rc = 0;

			if ((fmt == 'd' || fmt == 'o') && end - dp > 8)
				return 0;
			for (size_t i = dp; i < end; i++)
				val = val << 8 | data[i];
			if (fmt == 'd')
				rc = putf(out, "%llu", val);
			else if (fmt == 'o')
				rc = putf(out, "%llo", val);
			else if (fmt == 'x')
				for (size_t i = dp; i < end && rc == 0; i++) {
					char h[2] = { hex[data[i] >> 4], hex[data[i] & 15] };

					rc = sx_text_put(out, h, 2);
				}
			else
				rc = sx_text_put(out, data + dp, end - dp);
			if (rc < 0)
				return -ENOMEM;
			dp = end;
			if (has_sep && dp < len && (!has_term || r != repeat - 1) &&
			    sx_text_put(out, &sep, 1) < 0)
				return -ENOMEM;
		}
		if (has_term && dp < len && sx_text_put(out, &term, 1) < 0)
			return -ENOMEM;
	}
	return 1;
}
