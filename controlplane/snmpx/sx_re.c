/*
 * sx_re.c - regular expressions of modules (regex_extracts, the values
 * of dynamic filters) with PCRE2, and Go's template expansion.
 *
 * snmp_exporter compiles with Go's regexp (RE2 syntax, leftmost-first
 * like Perl).  PCRE2 reads every construct RE2 has that modules use;
 * the options make the two agree where their defaults differ: UTF-8
 * with invalid input allowed (Go matches any bytes), and $ only at the
 * very end (PCRE2 would also match before a final newline).
 *
 * Each regex owns its match data: the collector runs on the main
 * thread only, so one block per pattern is enough and nothing is
 * allocated per match.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "sx_internal.h"

struct sx_re {
	pcre2_code *code;
	pcre2_match_data *md;
};

struct sx_re *
sx_re_compile(const char *re, int anchored, char *err, size_t errlen)
{
	struct sx_re *r = calloc(1, sizeof(*r));
	char *text = NULL;
	int code;
	PCRE2_SIZE off;

	if (r == NULL)
		goto nomem;
	if (anchored) {   /* snmp_exporter: "^(?:" + s + ")$" */
		size_t n = strlen(re);

		text = malloc(n + 8);
		if (text == NULL)
			goto nomem;
		memcpy(text, "^(?:", 4);
		memcpy(text + 4, re, n);
		memcpy(text + 4 + n, ")$", 3);
	}
	r->code = pcre2_compile((PCRE2_SPTR)(text ? text : re), PCRE2_ZERO_TERMINATED,
				PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY,
				&code, &off, NULL);
	free(text);
	if (r->code == NULL) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "regular expression '%s': %s at offset %zu", re,
			 (const char *)msg, (size_t)off - (anchored && off >= 4 ? 4 : 0));
		free(r);
		return NULL;
	}
	(void)pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);   /* faster when it can */
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	if (r->md == NULL) {
		pcre2_code_free(r->code);
		free(r);
		goto nomem;
	}
	return r;
nomem:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void
sx_re_free(struct sx_re *r)
{
	if (r == NULL)
		return;
	pcre2_match_data_free(r->md);
	pcre2_code_free(r->code);
	free(r);
}

int
sx_re_match(struct sx_re *r, const char *s, size_t len)
{
	return pcre2_match(r->code, (PCRE2_SPTR)s, len, 0, 0, r->md, NULL) >= 0;
}

static int
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Append group g of the last match of r on s, if it took part. */
static int
put_group(struct sx_re *r, const char *s, int g, struct sx_text *out)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	uint32_t n = pcre2_get_ovector_count(r->md);

	if (g < 0 || (uint32_t)g >= n || ov[2 * g] == PCRE2_UNSET)
		return 0;
	return sx_text_put(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

int
sx_re_expand(struct sx_re *r, const char *s, size_t len, const char *t, struct sx_text *out)
{
	if (pcre2_match(r->code, (PCRE2_SPTR)s, len, 0, 0, r->md, NULL) < 0)
		return 0;
	out->len = 0;
	while (*t) {
		const char *dollar = strchr(t, '$'), *name;
		size_t nlen = 0;
		int brace = 0, num = 0;

		if (dollar == NULL)
			break;
		if (sx_text_put(out, t, (size_t)(dollar - t)) < 0)
			return -ENOMEM;
		t = dollar + 1;
		if (*t == '$') {
			if (sx_text_put(out, "$", 1) < 0)
				return -ENOMEM;
			t++;
			continue;
		}
		/* Go's extract(): $name or ${name}, name of letters, digits, _ */
		name = t;
		if (*name == '{') {
			brace = 1;
			name++;
		}
		while (is_word(name[nlen]))
			nlen++;
		if (nlen == 0 || (brace && name[nlen] != '}')) {
			if (sx_text_put(out, "$", 1) < 0)   /* malformed: the $ is text */
				return -ENOMEM;
			continue;
		}
		t = name + nlen + brace;
		for (size_t i = 0; i < nlen; i++) {
			if (name[i] < '0' || name[i] > '9' || num >= 100000000) {
				num = -1;
				break;
			}
			num = num * 10 + (name[i] - '0');
		}
		if (name[0] == '0' && nlen > 1)
			num = -1;   /* no leading zeros */
		if (num < 0) {
			char key[SX_NAME_MAX];

			if (nlen >= sizeof(key))
				continue;
			memcpy(key, name, nlen);
			key[nlen] = '\0';
			num = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)key);
		}
		if (num >= 0 && put_group(r, s, num, out) < 0)
			return -ENOMEM;
	}
	if (sx_text_put(out, t, strlen(t)) < 0)
		return -ENOMEM;
	return 1;
}
