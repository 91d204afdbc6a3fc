/*
 * redact.c - secrets out of URLs, libpq strings and whole messages
 * (cp_redact.h).
 *
 * The text is scanned once, left to right; each secret found is a span
 * [start, end) that the copy replaces with "***".  Two shapes of secret:
 *
 *   scheme://user:SECRET@host/...   the last '@' before the query ends
 *                                   the userinfo, so a password holding
 *                                   an '@' or a '/' is hidden whole
 *   KEY=SECRET                      KEY one of the secret keys, starting
 *                                   the text or after a space, '?', '&',
 *                                   ';', ',' or a quote
 *
 * Why the two ends of a KEY's value: after '?' or '&' the key is a URL
 * query parameter and its value ends at '&', '#' or a space; anywhere
 * else it is a libpq key=value pair, whose value ends at a space or is
 * a quoted string ('it\'s', libpq's escape, or 'it''s'), and may hold
 * an '&'.  When in doubt a span is made longer, never shorter: hiding a
 * bit of a host name costs a reader less than showing a bit of a
 * password.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cp_redact.h"

static const char *const secret_keys[] = {
	"password", "sslpassword", "passwd", "pwd", "pass", "token", "access_token",
	"auth_token", "bearer_token", "api_key", "apikey", "secret", "client_secret", NULL,
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Where a URL written inside a message ends. */
static int
url_end(char c)
{
	return c == '\0' || is_space(c) || c == '"' || c == '\'' || c == '<' || c == '>';
}

/* scheme://user:SECRET@host at text + i ("://" there): the span of SECRET. */
static int
userinfo_span(const char *text, size_t i, size_t *s, size_t *e)
{
	size_t a = i + 3, q = a, at = 0, colon = 0;
	int have_at = 0;

	while (!url_end(text[q]) && text[q] != '?' && text[q] != '#')
		q++;
	for (size_t k = a; k < q; k++)
		if (text[k] == '@') {
			at = k;
			have_at = 1;
		}
	if (!have_at)
		return 0;
	for (colon = a; colon < at && text[colon] != ':'; colon++)
		;
	if (colon == at)
		return 0;      /* user@host: no password */
	*s = colon + 1;
	*e = at;
	return 1;
}

/* A secret KEY= at text + i: the span of its value. */
static int
key_span(const char *text, size_t i, size_t *s, size_t *e)
{
	char prev = i ? text[i - 1] : ' ';
	int query = prev == '?' || prev == '&';
	size_t j;

	if (!(query || is_space(prev) || prev == ';' || prev == ',' || prev == '"' ||
	      prev == '\'' || prev == '('))
		return 0;
	for (const char *const *k = secret_keys; *k; k++) {
		size_t n = strlen(*k);

		if (strncasecmp(text + i, *k, n) != 0)
			continue;
		j = i + n;
		while (!query && is_space(text[j]))
			j++;
		if (text[j] != '=')
			continue;
		j++;
		while (!query && is_space(text[j]))
			j++;
		*s = j;
		if (query) {
			while (!url_end(text[j]) && text[j] != '&' && text[j] != '#')
				j++;
		} else if (text[j] == '\'') {
			/* libpq escapes with a backslash; '' is taken as a quote
			 * too, so that a value written SQL's way is hidden whole. */
			for (j++; text[j]; j++) {
				if (text[j] == '\\' && text[j + 1])
					j++;
				else if (text[j] == '\'' && text[j + 1] == '\'')
					j++;
				else if (text[j] == '\'')
					break;
			}
			/* Past the closing quote, up to the next space: libpq
			 * would not parse text glued to it, and a span that
			 * stops short would leave a secret's tail in view. */
			while (text[j] && !is_space(text[j]))
				j++;
		} else {
			while (text[j] && !is_space(text[j]) && text[j] != '"')
				j++;
		}
		*e = j;
		return 1;
	}
	return 0;
}

/* The first secret at or after from.  @return 1 and its span, or 0. */
static int
next_secret(const char *text, size_t from, size_t *s, size_t *e)
{
	for (size_t i = from; text[i]; i++) {
		if (text[i] == ':' && text[i + 1] == '/' && text[i + 2] == '/' &&
		    userinfo_span(text, i, s, e))
			return 1;
		if (isalpha((unsigned char)text[i]) && key_span(text, i, s, e))
			return 1;
	}
	return 0;
}

size_t
cp_redact(const char *text, char *out, size_t len)
{
	size_t pos = 0, used = 0, n = 0, s, e;

	if (len == 0)
		return 0;
	if (text == NULL) {
		snprintf(out, len, "(none)");
		return 0;
	}
	out[0] = '\0';
	while (next_secret(text, pos, &s, &e)) {
		int w = snprintf(out + used, len - used, "%.*s***", (int)(s - pos), text + pos);

		n++;
		pos = e;
		if (w < 0 || (size_t)w >= len - used)
			return n;   /* cut: what was written holds no secret */
		used += (size_t)w;
	}
	snprintf(out + used, len - used, "%s", text + pos);
	return n;
}

int
cp_redact_has_secret(const char *text)
{
	size_t s, e;

	return text != NULL && next_secret(text, 0, &s, &e);
}
