/*
 * usm_table.c - the cores' SNMPv3 credential table and each v3 device's
 * engine, on the main lcore (see cp_usm_table.h).
 *
 * Why Ku is kept per device: it costs 1 MB of hashing (about 3 ms), and
 * an entry taken back from a device must be made again cheaply.  A
 * small cache keyed by a SHA-256 of protocol and passphrase (never the
 * passphrase itself) makes devices that share a passphrase share the
 * work.  Kul and the prepared states cost a few hashes: made whenever an
 * entry is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <rte_malloc.h>

#include "argos_usm.h"
#include "cp_app.h"
#include "cp_reload.h"
#include "cp_usm_keys.h"
#include "cp_dbmode.h"
#include "cp_usm_table.h"

#define KU_CACHE 256
#define SLACK 64

struct ku_slot {
	uint8_t used;
	uint8_t key[32];              /* SHA-256 of auth protocol and passphrase */
	uint8_t ku[ARGOS_USM_KEY_MAX];
};

struct usm_dev {
	uint64_t fp;                  /* the device's identity and v3 settings */
	uint32_t entry;               /* its credential entry, ARGOS_USM_NONE */
	uint32_t boots, time;         /* the engine's, as last heard */
	uint64_t time_tsc;
	uint8_t known;                /* engine known */
	uint8_t busy;                 /* an SNMP job of it is in flight (sent or queued) */
	uint8_t again;                /* its job ended for keys: send it again */
	uint8_t rediscovered;         /* the next job follows such an end */
	uint8_t ku_ok;                /* ku_auth, ku_priv are the settings' */
	uint8_t engine_len;
	uint8_t engine[ARGOS_USM_ID_MAX];
	uint8_t ku_auth[ARGOS_USM_KEY_MAX];
	uint8_t ku_priv[ARGOS_USM_KEY_MAX];
};

struct cp_usm {
	struct usm_dev *dev;          /* per device slot */
	size_t n_dev;
	struct argos_usm_cred *table; /* the cores' table (hugepages) */
	uint32_t cap;
	uint32_t *owner;              /* per entry: its device slot, ARGOS_USM_NONE */
	uint64_t *entry_fp;           /* per entry: device fingerprint and engine */
	uint32_t *free_list;
	uint32_t n_free;
	uint32_t hand;                /* clock hand of evictions */
	struct ku_slot ku[KU_CACHE];
	struct cp_usm_stats st;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* What makes a device's engine knowledge and keys valid: who it is and
 * its v3 settings.  A changed record, or another device in the slot,
 * starts over with a discovery. */
static uint64_t
device_fp(const struct cp_device *d)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv(h, d->id, strlen(d->id));
	h = fnv(h, &d->db_id, sizeof(d->db_id));
	h = fnv(h, &d->ip, sizeof(d->ip));
	h = fnv(h, &d->snmp_port, sizeof(d->snmp_port));
	return fnv(h, &d->usm, sizeof(d->usm));
}

static int
table_alloc(struct cp_app *app, char *msg, size_t len)
{
	struct cp_usm *m = app->usm;
	uint64_t cap = (uint64_t)app->n_lanes * (ARGOS_LANE_JOBS + app->cfg.max_inflight + 1) +
		       SLACK;

	if (m->table != NULL)
		return 0;
	m->table = rte_zmalloc("argos_usm_creds", cap * sizeof(*m->table), RTE_CACHE_LINE_SIZE);
	m->owner = malloc(cap * sizeof(*m->owner));
	m->entry_fp = calloc(cap, sizeof(*m->entry_fp));
	m->free_list = malloc(cap * sizeof(*m->free_list));
	if (m->table == NULL || m->owner == NULL || m->entry_fp == NULL || m->free_list == NULL) {
		snprintf(msg, len, "cannot allocate the SNMPv3 credential table (%llu entries, "
			 "%llu MB; too few hugepages? run scripts/hugepages)",
			 (unsigned long long)cap,
			 (unsigned long long)(cap * sizeof(*m->table) >> 20));
		rte_free(m->table);
		m->table = NULL;
		return -1;
	}
	for (uint32_t i = 0; i < cap; i++) {
		m->owner[i] = ARGOS_USM_NONE;
		m->free_list[i] = (uint32_t)cap - 1 - i;
	}
	m->n_free = (uint32_t)cap;
	m->cap = (uint32_t)cap;
	m->st.entries = (uint32_t)cap;
	cp_usm_lanes(app);
	return 0;
}

int
cp_usm_open(struct cp_app *app, char *msg, size_t len)
{
	struct cp_usm *m = calloc(1, sizeof(*m));

	if (m == NULL || (m->dev = calloc(app->cap_devs ? app->cap_devs : 1,
					  sizeof(*m->dev))) == NULL) {
		free(m);
		snprintf(msg, len, "out of memory for the SNMPv3 state of %zu devices",
			 app->cap_devs);
		return -1;
	}
	m->n_dev = app->cap_devs;
	for (size_t i = 0; i < m->n_dev; i++)
		m->dev[i].entry = ARGOS_USM_NONE;
	app->usm = m;
	if (app->dbm != NULL)
		return table_alloc(app, msg, len);
	return cp_usm_need(app, app->devs, app->n_devs, msg, len);
}

int
cp_usm_need(struct cp_app *app, const struct cp_device *devs, size_t n, char *msg, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i].snmp_version == 3)
			return table_alloc(app, msg, len);
	return 0;
}

void
cp_usm_lanes(struct cp_app *app)
{
	struct cp_usm *m = app->usm;

	/* Before the first job that names an entry: its enqueue publishes
	 * the pointer with the entry. */
	for (unsigned w = 0; m != NULL && w < app->n_lanes; w++)
		if (app->lanes[w] != NULL) {
			app->lanes[w]->usm_creds = m->table;
			app->lanes[w]->n_usm_creds = m->table ? m->cap : 0;
		}
}

void
cp_usm_close(struct cp_app *app)
{
	struct cp_usm *m = app->usm;

	if (m == NULL)
		return;
	if (m->table != NULL) {
		OPENSSL_cleanse(m->table, (size_t)m->cap * sizeof(*m->table));
		rte_free(m->table);
	}
	OPENSSL_cleanse(m->dev, m->n_dev * sizeof(*m->dev));
	OPENSSL_cleanse(m->ku, sizeof(m->ku));
	free(m->dev);
	free(m->owner);
	free(m->entry_fp);
	free(m->free_list);
	free(m);
	app->usm = NULL;
}

/* Ku of a passphrase, from the cache or stretched now. */
static int
ku_of(struct cp_usm *m, uint8_t auth, const char *pass, uint8_t *ku)
{
	uint8_t key[32];
	struct ku_slot *k;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(ctx, &auth, 1) && EVP_DigestUpdate(ctx, pass, strlen(pass)) &&
		 EVP_DigestFinal_ex(ctx, key, NULL);

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -ENOMEM;
	k = &m->ku[key[0] % KU_CACHE];
	if (k->used && memcmp(k->key, key, sizeof(key)) == 0) {
		memcpy(ku, k->ku, argos_usm_key_len(auth));
		return 0;
	}
	if (cp_usm_ku(auth, pass, strlen(pass), ku) != 0)
		return -EINVAL;
	m->st.ku_derivations++;
	k->used = 1;
	memcpy(k->key, key, sizeof(key));
	memcpy(k->ku, ku, argos_usm_key_len(auth));
	return 0;
}

/* A free entry: from the free list, else the next one in clock order
 * whose device has no job in flight. */
static uint32_t
entry_take(struct cp_usm *m)
{
	if (m->n_free > 0)
		return m->free_list[--m->n_free];
	for (uint32_t n = 0; n < m->cap; n++) {
		uint32_t e = m->hand;

		m->hand = m->hand + 1 == m->cap ? 0 : m->hand + 1;
		if (m->owner[e] == ARGOS_USM_NONE || !m->dev[m->owner[e]].busy) {
			if (m->owner[e] != ARGOS_USM_NONE) {
				m->dev[m->owner[e]].entry = ARGOS_USM_NONE;
				m->st.evictions++;
			}
			m->owner[e] = ARGOS_USM_NONE;
			return e;
		}
	}
	return ARGOS_USM_NONE;   /* cannot happen: the table outnumbers the jobs */
}

static void
entry_release(struct cp_usm *m, struct usm_dev *u)
{
	if (u->entry == ARGOS_USM_NONE)
		return;
	OPENSSL_cleanse(&m->table[u->entry], sizeof(m->table[u->entry]));
	m->owner[u->entry] = ARGOS_USM_NONE;
	m->free_list[m->n_free++] = u->entry;
	m->st.in_use--;
	u->entry = ARGOS_USM_NONE;
}

/* Fill entry c for device d at the engine u knows.  @return 0 or -errno. */
static int
entry_fill(struct cp_usm *m, const struct cp_device *d, struct usm_dev *u,
	   struct argos_usm_cred *c)
{
	const struct cp_usm_conf *s = &d->usm;
	uint8_t kul[ARGOS_USM_KEY_MAX] = { 0 };
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->level = s->level;
	c->auth = s->level & ARGOS_USM_AUTH ? s->auth : ARGOS_USM_AUTH_NONE;
	c->priv = s->level == ARGOS_USM_PRIV ? s->priv : ARGOS_USM_PRIV_NONE;
	c->user_len = (uint8_t)strlen(s->user);
	memcpy(c->user, s->user, c->user_len);
	c->engine_len = u->engine_len;
	memcpy(c->engine, u->engine, u->engine_len);
	if (s->ctx_engine_len) {
		c->ctx_engine_len = s->ctx_engine_len;
		memcpy(c->ctx_engine, s->ctx_engine, s->ctx_engine_len);
	} else {
		c->ctx_engine_len = u->engine_len;
		memcpy(c->ctx_engine, u->engine, u->engine_len);
	}
	c->ctx_name_len = (uint8_t)strlen(s->ctx_name);
	memcpy(c->ctx_name, s->ctx_name, c->ctx_name_len);
	if (c->auth != ARGOS_USM_AUTH_NONE) {
		if (!u->ku_ok) {
			rc = ku_of(m, c->auth, s->auth_pass, u->ku_auth);
			if (rc == 0 && c->priv != ARGOS_USM_PRIV_NONE)
				rc = ku_of(m, c->auth, s->priv_pass, u->ku_priv);
			if (rc != 0)
				return rc;
			u->ku_ok = 1;
		}
		rc = cp_usm_localize(c->auth, u->ku_auth, u->engine, u->engine_len, kul);
		if (rc == 0 && c->priv != ARGOS_USM_PRIV_NONE) {
			rc = cp_usm_priv_key(c->auth, c->priv, u->ku_priv, u->engine, u->engine_len,
					     c->priv_key);
			c->priv_key_len = (uint8_t)argos_usm_priv_len(c->priv);
		}
	}
	if (rc == 0)
		rc = argos_usm_prepare(c, kul, argos_usm_key_len(c->auth));
	OPENSSL_cleanse(kul, sizeof(kul));
	return rc;
}

/* The device's entry for its engine, made if need be.  @return the
 * entry, or ARGOS_USM_NONE (logged). */
static uint32_t
entry_for(struct cp_usm *m, const struct cp_device *d, struct usm_dev *u, uint32_t idx)
{
	uint64_t efp = fnv(u->fp, u->engine, u->engine_len);
	uint32_t e;
	int rc;

	if (u->entry != ARGOS_USM_NONE && m->entry_fp[u->entry] == efp)
		return u->entry;
	entry_release(m, u);
	e = entry_take(m);
	if (e == ARGOS_USM_NONE)
		return e;
	rc = entry_fill(m, d, u, &m->table[e]);
	if (rc != 0) {
		OPENSSL_cleanse(&m->table[e], sizeof(m->table[e]));
		m->free_list[m->n_free++] = e;
		m->st.key_failures++;
		fprintf(stderr, "argos: snmpv3: device %s (%s): its keys cannot be made (%s): "
			"it is polled without them\n", d->id, d->hostname, strerror(-rc));
		return ARGOS_USM_NONE;
	}
	m->owner[e] = idx;
	m->entry_fp[e] = efp;
	m->st.localizations++;
	m->st.in_use++;
	u->entry = e;
	return e;
}

void
cp_usm_job(const struct cp_app *app, uint32_t idx, struct argos_job *j)
{
	struct cp_usm *m = app->usm;
	const struct cp_device *d = &app->devs[idx];
	struct usm_dev *u;
	uint64_t fp;

	if (m == NULL || idx >= m->n_dev || m->table == NULL)
		return;    /* cannot happen: cp_usm_open / cp_usm_need made them */
	u = &m->dev[idx];
	fp = device_fp(d);
	if (u->fp != fp) {
		/* Another device in the slot, or changed settings: start over.
		 * No job of the slot is in flight while one is being made. */
		entry_release(m, u);
		memset(u, 0, sizeof(*u));
		u->entry = ARGOS_USM_NONE;
		u->fp = fp;
	}
	j->v3.level = d->usm.level;
	j->v3.flags = u->rediscovered ? ARGOS_JOB_V3_REDISCOVERED : 0;
	u->rediscovered = 0;
	j->v3.usm = u->known ? entry_for(m, d, u, idx) : ARGOS_USM_NONE;
	j->v3.boots = u->boots;
	j->v3.time = u->time;
	j->v3.time_tsc = u->time_tsc;
	u->busy = 1;
}

int
cp_usm_record(struct cp_app *app, const struct argos_rec_hdr *h, uint64_t now)
{
	struct cp_usm *m = app->usm;
	struct usm_dev *u;

	if (m == NULL || h->device >= m->n_dev)
		return h->kind == ARGOS_REC_USM;
	u = &m->dev[h->device];
	if (h->kind == ARGOS_REC_USM) {
		const struct argos_rec_usm *r = (const void *)h;

		if (argos_rec_size(h) < sizeof(*r) || r->engine_len > ARGOS_USM_ID_MAX)
			return 1;   /* cannot happen: the cores write them */
		if (r->engine_len && (!u->known || r->engine_len != u->engine_len ||
				      memcmp(r->engine, u->engine, r->engine_len))) {
			u->engine_len = r->engine_len;
			memcpy(u->engine, r->engine, r->engine_len);
			u->known = 1;
			m->st.discoveries++;
		}
		u->boots = r->boots;
		u->time = r->time;
		u->time_tsc = r->time_tsc;
		if (r->flags & ARGOS_USM_REC_NEED_KEYS)
			u->again = 1;
		return 1;
	}
	if (h->kind != ARGOS_REC_DONE ||
	    ((const struct argos_rec_done *)h)->job_kind != ARGOS_JOB_SNMP)
		return 0;
	u->busy = 0;
	if (!u->again)
		return 0;
	/* The job ended for keys: the same poll goes on at once, with them. */
	u->again = 0;
	u->rediscovered = 1;
	app->jobs_ended++;
	if (app->dbm != NULL)
		cp_dbmode_again(app, h->device, now);
	else if (cp_reload_ended(app, h->device, ARGOS_JOB_SNMP, now))
		cp_reload_push(app, now, h->device, ARGOS_JOB_SNMP);
	return 1;
}

void
cp_usm_get_stats(const struct cp_app *app, struct cp_usm_stats *out)
{
	if (app->usm == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = app->usm->st;
}

void
cp_usm_summary(const struct cp_app *app, FILE *f)
{
	struct cp_usm_stats st;

	cp_usm_get_stats(app, &st);
	if (st.entries == 0)
		return;
	fprintf(f, "  SNMPv3 engines discovered: %-4" PRIu64 " Keys localized: %-8" PRIu64
		" Passphrases stretched: %-4" PRIu64 " Entries: %" PRIu32 " (taken back %" PRIu64
		", key failures %" PRIu64 ")\n", st.discoveries, st.localizations,
		st.ku_derivations, st.entries, st.evictions, st.key_failures);
}
