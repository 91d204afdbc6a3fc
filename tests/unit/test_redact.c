/*
 * test_redact.c - the one redactor (cp_redact.h): URL userinfo, secret
 * query parameters, libpq key=value passwords (quoted or not, spaced or
 * not, sslpassword, given twice), whole messages holding several, texts
 * with nothing to hide left as they are, and a cut output that never
 * shows part of a secret.
 */
#include <string.h>

#include "check.h"
#include "cp_redact.h"

static void
want(const char *in, const char *expect, size_t n_secrets)
{
	char out[512];
	size_t n = cp_redact(in, out, sizeof(out));

	CHECK(strcmp(out, expect) == 0 && n == n_secrets,
	      "redact('%s'): want '%s' (%zu hidden), got '%s' (%zu)", in, expect, n_secrets, out,
	      n);
	CHECK(cp_redact_has_secret(in) == (n_secrets > 0),
	      "has_secret('%s') should be %d", in, n_secrets > 0);
}

int
main(void)
{
	char out[64];

	/* URLs */
	want("postgresql://argos:S3cret@db.example/argos",
	     "postgresql://argos:***@db.example/argos", 1);
	want("postgres://u:p@ss/w0rd@db:5432/argos?sslmode=require",
	     "postgres://u:***@db:5432/argos?sslmode=require", 1);
	want("postgresql://argos@db/argos", "postgresql://argos@db/argos", 0);
	want("postgresql:///argos?host=/run/pg&password=S3cret&port=5432",
	     "postgresql:///argos?host=/run/pg&password=***&port=5432", 1);
	want("postgresql://db/argos?sslpassword=K3y&password=P1&password=P2",
	     "postgresql://db/argos?sslpassword=***&password=***&password=***", 3);
	want("postgresql://u:A@db/x?password=B", "postgresql://u:***@db/x?password=***", 2);
	want("http://user:pass@prom:9090/api/v1/write", "http://user:***@prom:9090/api/v1/write",
	     1);
	want("https://prom/api/v1/write?token=T0k&x=1", "https://prom/api/v1/write?token=***&x=1",
	     1);
	want("http://prom:9090/api/v1/write", "http://prom:9090/api/v1/write", 0);
	want("http://[::1]:9090/w", "http://[::1]:9090/w", 0);

	/* libpq key=value strings */
	want("host=db dbname=argos user=argos password=S3cret",
	     "host=db dbname=argos user=argos password=***", 1);
	want("password = 'it''s a secret' host=db", "password = *** host=db", 1);
	want("password='it\\'s a secret' host=db", "password=*** host=db", 1);
	want("host=db password=a&b sslpassword=k port=5432",
	     "host=db password=*** sslpassword=*** port=5432", 2);
	want("PASSWORD=x password=y", "PASSWORD=*** password=***", 2);
	want("passfile=/etc/argos/pgpass host=db", "passfile=/etc/argos/pgpass host=db", 0);
	want("service=argos", "service=argos", 0);
	want("mypassword=x", "mypassword=x", 0);

	/* whole messages */
	want("cannot connect to 'postgresql://u:pw@h/db': password=pw refused",
	     "cannot connect to 'postgresql://u:***@h/db': password=*** refused", 2);
	want("--remote-write 'http://a:b@h/w' is not a URL", "--remote-write 'http://a:***@h/w' is not a URL", 1);
	want("nothing to hide here: a=b c:d", "nothing to hide here: a=b c:d", 0);
	want("", "", 0);

	cp_redact(NULL, out, sizeof(out));
	CHECK(strcmp(out, "(none)") == 0, "NULL gives (none), got '%s'", out);
	cp_redact("postgresql://user:VERYSECRETPASSWORD@host/db", out, 20);
	CHECK(strlen(out) == 19 && strstr(out, "VERY") == NULL && strstr(out, "SECRET") == NULL,
	      "a cut output holds no part of the secret, got '%s'", out);
	cp_redact("password=VERYSECRETPASSWORD", out, 12);
	CHECK(strstr(out, "VERY") == NULL, "a cut output before the secret, got '%s'", out);
	return CHECK_DONE("redact_secrets");
}
