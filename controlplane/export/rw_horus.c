/*
 * rw_horus.c - horus's index_pattern and post_processors on a name of
 * the table (rw_name_add_ex() in rw.h), read from the metrics table of
 * the database (docs/argos-db.md).
 *
 * index_pattern says where a row's index is in the varbind's OID, for a
 * table whose index is not simply the arcs after the metric's OID.  Two
 * forms:
 *   - horus's: the pattern starts with the metric's OID (its dots may be
 *     bare, horus escapes them), e.g. .1.3.6.1.2.1.10.48.1.5.1.1.(\d+).2.1.\d,
 *     and is matched against the whole OID with a leading dot;
 *   - argos's (migration 002): any other pattern, matched against the
 *     arcs after the metric's OID, e.g. ^(\d+)$.
 * The index is the capture groups joined with dots (horus's rule; with
 * one group it is group 1).  A varbind the pattern does not match, or
 * whose index is not made of numbers, is not exported, as horus skips it.
 *
 * post_processors transform the value, in order (horus's list):
 * parse-hex-be, parse-hex-le (an octet string of 0, 2, 4 or 8 bytes read
 * as an unsigned number), parse-int (an octet string of decimal text),
 * to-string (the text, trimmed), div-N, mul-N (a number divided or
 * multiplied by N).  As in horus, an octet string that no parse step
 * turned into a number becomes its trimmed text, and a step that fails
 * drops the varbind.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "argos_snmp.h"
#include "rw_internal.h"

enum { PP_HEX_BE = 1, PP_HEX_LE, PP_INT, PP_STR, PP_DIV, PP_MUL };

/* The OID as text, with dots, from arc from on; lead: a leading dot. */
static size_t
oid_text(const uint32_t *sub, uint32_t len, int lead, char *out, size_t size)
{
	size_t o = 0;

	for (uint32_t i = 0; i < len && o + 12 < size; i++)
		o += (size_t)snprintf(out + o, size - o, i || lead ? ".%u" : "%u", sub[i]);
	out[o] = '\0';
	return o;
}

/* Does pattern start with the OID of n (bare or escaped dots, a leading
 * dot or not, maybe after ^)? */
static int
horus_form(const struct rw_name *n, const char *pattern)
{
	char oid[RW_PREFIX_MAX * 11 + 2], flat[512];
	size_t k = 0;
	const char *p = pattern;

	if (*p == '^')
		p++;
	for (; *p && k + 1 < sizeof(flat); p++)
		if (!(p[0] == '\\' && p[1] == '.'))
			flat[k++] = *p;
	flat[k] = '\0';
	oid_text(n->oid, n->oid_len, 1, oid, sizeof(oid));
	return !strncmp(flat, oid, strlen(oid)) || !strncmp(flat, oid + 1, strlen(oid) - 1);
}

static int
set_pattern(struct rw_name *n, const char *pattern, char *err, size_t errlen)
{
	char buf[1024];
	size_t k = 0;
	int code;
	PCRE2_SIZE off;

	n->index_full = (uint8_t)horus_form(n, pattern);
	for (const char *p = pattern; *p && k + 2 < sizeof(buf); p++) {
		if (n->index_full && *p == '.' && (p == pattern || p[-1] != '\\'))
			buf[k++] = '\\';   /* horus escapes the OID's dots */
		buf[k++] = *p;
	}
	buf[k] = '\0';
	n->index_re = pcre2_compile((PCRE2_SPTR)buf, PCRE2_ZERO_TERMINATED, 0, &code, &off, NULL);
	if (n->index_re == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "index_pattern '%s': %s at offset %zu", pattern,
			 (const char *)msg, (size_t)off);
		return -EINVAL;
	}
	if (pcre2_pattern_info(n->index_re, PCRE2_INFO_CAPTURECOUNT, &code) != 0 || code < 1) {
		snprintf(err, errlen, "index_pattern '%s' has no group for the index", pattern);
		rw_horus_free(n);
		return -EINVAL;
	}
	n->index_md = pcre2_match_data_create_from_pattern(n->index_re, NULL);
	if (n->index_md == NULL) {
		snprintf(err, errlen, "out of memory");
		rw_horus_free(n);
		return -ENOMEM;
	}
	return 0;
}

static int
set_post(struct rw_name *n, const char *list, char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "post_processors: longer than %zu bytes", sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",{} ", &save); tok; tok = strtok_r(NULL, ",{} ", &save)) {
		char *end;

		if (n->n_pp == RW_POST_MAX) {
			snprintf(err, errlen, "post_processors: more than %d", RW_POST_MAX);
			return -EINVAL;
		}
		if (!strcmp(tok, "parse-hex-be"))
			n->pp[n->n_pp].op = PP_HEX_BE;
		else if (!strcmp(tok, "parse-hex-le"))
			n->pp[n->n_pp].op = PP_HEX_LE;
		else if (!strcmp(tok, "parse-int"))
			n->pp[n->n_pp].op = PP_INT;
		else if (!strcmp(tok, "to-string"))
			n->pp[n->n_pp].op = PP_STR;
		else if (!strncmp(tok, "div-", 4) || !strncmp(tok, "mul-", 4)) {
			n->pp[n->n_pp].op = tok[0] == 'd' ? PP_DIV : PP_MUL;
			n->pp[n->n_pp].arg = strtod(tok + 4, &end);
			if (end == tok + 4 || *end || (tok[0] == 'd' && n->pp[n->n_pp].arg == 0)) {
				snprintf(err, errlen, "post_processors: '%s' wants a number%s", tok,
					 tok[0] == 'd' ? " other than 0" : "");
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen, "post_processors: '%s' is not parse-hex-be, "
				 "parse-hex-le, parse-int, to-string, div-N or mul-N", tok);
			return -EINVAL;
		}
		n->n_pp++;
	}
	return 0;
}

int
rw_horus_set(struct rw_name *n, const struct rw_name_opts *o, char *err, size_t errlen)
{
	if (o == NULL)
		return 0;
	if (o->index_pattern && o->index_pattern[0] &&
	    set_pattern(n, o->index_pattern, err, errlen) < 0)
		return -EINVAL;
	if (o->post_processors && o->post_processors[0] &&
	    set_post(n, o->post_processors, err, errlen) < 0) {
		rw_horus_free(n);
		return -EINVAL;
	}
	return 0;
}

void
rw_horus_free(struct rw_name *n)
{
	if (n->index_md)
		pcre2_match_data_free(n->index_md);
	if (n->index_re)
		pcre2_code_free(n->index_re);
	n->index_re = NULL;
	n->index_md = NULL;
	n->n_pp = 0;
}

int
rw_horus_index(const struct rw_name *n, const uint32_t *oid, uint32_t len, uint32_t *idx,
	       uint32_t *idx_len)
{
	char text[ARGOS_OID_MAX * 11 + 2], joined[ARGOS_OID_MAX * 11 + 2];
	pcre2_match_data *md = n->index_md;
	size_t tl, jl = 0;
	PCRE2_SIZE *ov;
	int rc;

	if (n->index_full)
		tl = oid_text(oid, len, 1, text, sizeof(text));
	else
		tl = oid_text(oid + n->oid_len, len - n->oid_len, 0, text, sizeof(text));
	rc = pcre2_match(n->index_re, (PCRE2_SPTR)text, tl, 0, 0, md, NULL);
	ov = pcre2_get_ovector_pointer(md);
	for (int g = 1; g < rc; g++) {
		size_t gl;

		if (ov[2 * g] == PCRE2_UNSET)
			continue;
		gl = ov[2 * g + 1] - ov[2 * g];
		if (jl + gl + 2 > sizeof(joined))
			break;
		if (jl)
			joined[jl++] = '.';
		memcpy(joined + jl, text + ov[2 * g], gl);
		jl += gl;
	}
	joined[jl] = '\0';
	if (rc < 2 || jl == 0)
		return -ENOENT;
	*idx_len = 0;
	for (const char *p = joined; *p;) {   /* the index is dotted numbers */
		char *end;
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || !isdigit((unsigned char)*p) || v > UINT32_MAX ||
		    (*end != '.' && *end != '\0') || *idx_len == RW_PREFIX_MAX)
			return -ENOENT;
		idx[(*idx_len)++] = (uint32_t)v;
		p = *end ? end + 1 : end;
	}
	return 0;
}

int
rw_horus_value(const struct rw_name *n, const struct argos_rec_varbind *v, double *value,
	       int *numeric, char *text, size_t *tlen, size_t text_size)
{
	const uint8_t *b = (const uint8_t *)(v->data + v->oid_len);
	int bytes = v->type == SNMP_T_OCTETSTR || v->type == SNMP_T_OPAQUE;
	size_t len = v->val_len;

	for (uint8_t i = 0; i < n->n_pp; i++) {
		const struct rw_post *pp = &n->pp[i];
		uint64_t u = 0;

		if (bytes) {
			switch (pp->op) {
			case PP_HEX_BE:
			case PP_HEX_LE:
				if (len != 0 && len != 2 && len != 4 && len != 8)
					return -EINVAL;
				for (size_t k = 0; k < len; k++)
					u = pp->op == PP_HEX_BE ? u << 8 | b[k] :
					    u | (uint64_t)b[k] << (8 * k);
				*value = (double)u;
				bytes = 0;
				*numeric = 1;
				break;
			case PP_INT: {
				char s[32], *end;
				long long x;

				if (len == 0 || len >= sizeof(s))
					return -EINVAL;
				memcpy(s, b, len);
				s[len] = '\0';
				x = strtoll(s, &end, 10);
				if (*end || isspace((unsigned char)s[0]))
					return -EINVAL;
				*value = (double)x;
				bytes = 0;
				*numeric = 1;
				break;
			}
			default: {   /* to-string, and horus's default for bytes */
				size_t s = 0, e = len;

				while (s < e && isspace(b[s]))
					s++;
				while (e > s && isspace(b[e - 1]))
					e--;
				if (e - s >= text_size)
					return -EINVAL;
				memcpy(text, b + s, e - s);
				*tlen = e - s;
				*numeric = 0;
				b += s;
				len = e - s;
				break;
			}
			}
		} else if (pp->op == PP_DIV) {
			*value /= pp->arg;
		} else if (pp->op == PP_MUL) {
			*value *= pp->arg;
		}
	}
	return 0;
}
