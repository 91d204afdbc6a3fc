/*
 * cp_http_conf.c - the HTTP server's flags (cp_http.h): --listen,
 * --api-token-file, --tls-cert, --tls-key.  Files are read when the
 * flag is parsed and the certificate is checked against its key with
 * GnuTLS (the library libmicrohttpd serves TLS with), so a bad file
 * stops argos before the EAL starts, with a message that names it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "cp_http.h"
#include "cp_secret.h"

const char cp_http_usage[] =
	"  --listen ADDR:PORT     serve /metrics, /-/healthy, /-/ready on ADDR:PORT\n"
	"  --api-token-file FILE  enable the device API and /-/debug for clients that\n"
	"                         send \"Authorization: Bearer TOKEN\" (TOKEN: the\n"
	"                         file's first line, at least 16 characters)\n"
	"  --tls-cert FILE        serve HTTPS with this PEM certificate (chain)...\n"
	"  --tls-key FILE         ...and its PEM key\n";

/* A whole certificate file, NUL-terminated.  @return it, or NULL with msg. */
static char *
read_public(const char *path, char *msg, size_t len)
{
	FILE *f = fopen(path, "r");
	char *buf = malloc(CP_SECRET_FILE_MAX + 1);
	size_t n = 0;

	if (f == NULL || buf == NULL) {
		snprintf(msg, len, "--tls-cert %s: cannot read it: %s", path,
			 f ? "out of memory" : strerror(errno));
		goto err;
	}
	n = fread(buf, 1, CP_SECRET_FILE_MAX + 1, f);
	if (ferror(f) || n == 0 || n > CP_SECRET_FILE_MAX) {
		snprintf(msg, len, "--tls-cert %s: %s", path, ferror(f) ? strerror(errno) :
			 n == 0 ? "the file is empty" : "larger than 64 KiB");
		goto err;
	}
	buf[n] = '\0';
	fclose(f);
	return buf;
err:
	if (f)
		fclose(f);
	free(buf);
	return NULL;
}

int
cp_http_conf_set(struct cp_http_conf *c, const char *name, const char *arg, char *msg,
		 size_t len)
{
	char err[512];

	if (strcmp(name, "listen") == 0) {
		c->listen = arg;
		return 0;
	}
	if (strcmp(name, "api-token-file") == 0) {
		char *t = cp_secret_read(arg, "--api-token-file", err, sizeof(err));

		if (t == NULL) {
			snprintf(msg, len, "%s", err);
			return -EINVAL;
		}
		if (strlen(t) < CP_HTTP_TOKEN_MIN) {
			snprintf(msg, len, "--api-token-file %s: the token is shorter than %d "
				 "characters (make one with: openssl rand -hex 32)", arg,
				 CP_HTTP_TOKEN_MIN);
			cp_secret_free(t);
			return -EINVAL;
		}
		cp_secret_free(c->api_token);
		c->api_token = t;
		return 0;
	}
	if (strcmp(name, "tls-key") == 0) {
		char *pem = cp_secret_read_all(arg, "--tls-key", err, sizeof(err));

		if (pem == NULL) {
			snprintf(msg, len, "%s", err);
			return -EINVAL;
		}
		cp_secret_free(c->tls_key);
		c->tls_key = pem;
		c->tls_key_path = arg;
		return 0;
	}
	if (strcmp(name, "tls-cert") == 0) {
		char *pem = read_public(arg, msg, len);   /* a certificate is public */

		if (pem == NULL)
			return -EINVAL;
		free(c->tls_cert);
		c->tls_cert = pem;
		c->tls_cert_path = arg;
		return 0;
	}
	return -ENOENT;
}

int
cp_http_conf_check(const struct cp_http_conf *c, char *msg, size_t len)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert, key;
	int rc;

	if (!c->listen && (c->api_token || c->tls_cert || c->tls_key)) {
		snprintf(msg, len, "--api-token-file, --tls-cert and --tls-key need --listen "
			 "ADDR:PORT");
		return -EINVAL;
	}
	if (!c->tls_cert != !c->tls_key) {
		snprintf(msg, len, "--tls-cert and --tls-key go together: give both");
		return -EINVAL;
	}
	if (!c->tls_cert)
		return 0;
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(msg, len, "--tls-cert: this libmicrohttpd was built without TLS");
		return -EINVAL;
	}
	if (gnutls_certificate_allocate_credentials(&cred) != GNUTLS_E_SUCCESS) {
		snprintf(msg, len, "--tls-cert: out of memory");
		return -EINVAL;
	}
	cert = (gnutls_datum_t){ (unsigned char *)c->tls_cert, (unsigned)strlen(c->tls_cert) };
	key = (gnutls_datum_t){ (unsigned char *)c->tls_key, (unsigned)strlen(c->tls_key) };
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	if (rc < 0) {
		snprintf(msg, len, "--tls-cert %s --tls-key %s: not a PEM certificate and its "
			 "key: %s", c->tls_cert_path, c->tls_key_path, gnutls_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

void
cp_http_conf_free(struct cp_http_conf *c)
{
	cp_secret_free(c->api_token);
	cp_secret_free(c->tls_key);
	free(c->tls_cert);
	c->api_token = c->tls_key = c->tls_cert = NULL;
}
