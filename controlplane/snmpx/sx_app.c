/*
 * sx_app.c - devices bound to snmp_exporter modules (sx_app.h).
 *
 * A device names its modules (snmp_exporter_module, comma-separated)
 * and maybe an auth (snmp_exporter_auth).  Each distinct combination is
 * a module set: one plan (sx_plan.c: shared walks done once, argos's
 * sysUpTime probe added), one entry of the cores' profile table, and,
 * when the lookup cache applies, a second entry without the label
 * tables.  Sets are made when the first device names them and never
 * change afterwards: a profile-table entry is read-only once a job
 * names it.
 *
 * Whose SNMP parameters a device polls with, strongest first:
 *   - its snmp_exporter_auth (an entry of auths:), all of it;
 *   - the version and community its modules state (the layout before
 *     the auth split); two modules that disagree are an error;
 *   - its own columns (snmp_version, snmp_community).
 * max_repetitions, retries and timeout: the first of its modules that
 * states one, else the device's columns.
 * A set that needs SNMPv3 is kept with an error: its devices are not
 * polled and say why (SNMPv3 is another piece of work in progress).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_http.h"
#include "sx_app_internal.h"

static const struct argos_oid sysuptime = { SX_SYSUPTIME_LEN, SX_SYSUPTIME_OID };
static const struct argos_oid lastchange = { 10, { 1, 3, 6, 1, 2, 1, 31, 1, 5, 0 } };
static const struct argos_oid ifnumber = { 9, { 1, 3, 6, 1, 2, 1, 2, 1, 0 } };
static const struct argos_oid if_mib_root = { 6, { 1, 3, 6, 1, 2, 1 } };

int
cp_sx_open(struct cp_app *app)
{
	char err[512];
	struct cp_sx *s;

	if (app->cfg.sx_config == NULL && app->cfg.sx_default_modules) {
		fprintf(stderr, "argos: --snmp-exporter-module needs --snmp-exporter-config FILE\n");
		return -1;
	}
	/* Always there: the restart mark is for every device. */
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		fprintf(stderr, "argos: out of memory\n");
		return -1;
	}
	if (app->cfg.sx_config != NULL) {
		s->cfg = sx_load(app->cfg.sx_config, err, sizeof(err));
		if (s->cfg == NULL) {
			fprintf(stderr, "argos: %s\n", err);
			free(s);
			return -1;
		}
	}
	app->sx = s;
	return 0;
}

/* Copy a profile plan into a new entry of the cores' table.
 * @return the entry, or -1 when the table is full. */
static int
profile_add(struct cp_app *app, const struct sx_plan *p)
{
	struct argos_profile *pr;
	unsigned e = app->n_profiles;

	if (e >= ARGOS_MAX_PROFILES)
		return -1;
	pr = &app->profiles[e];
	memset(pr, 0, sizeof(*pr));
	for (uint32_t i = 0; i < p->n; i++) {
		pr->oids[i] = p->v[i].oid;
		pr->flags[i] = p->v[i].get ? ARGOS_OID_GET : ARGOS_OID_WALK;
	}
	pr->n_oids = p->n;
	app->n_profiles++;
	return (int)e;
}

static int
walks_of(const struct sx_plan *p, struct argos_oid **out, uint32_t *n)
{
	*n = 0;
	*out = malloc((p->n + 1) * sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->n; i++)
		if (!p->v[i].get)
			(*out)[(*n)++] = p->v[i].oid;
	return 0;
}

/* The plans of a set and their profile entries.  @return 0, or -1 with err. */
static int
set_plans(struct cp_app *app, struct sx_set *set, char *err, size_t len)
{
	struct cp_sx *s = app->sx;
	struct sx_plan full, light;
	struct argos_oid extra[3] = { sysuptime, lastchange, ifnumber };
	uint32_t n_extra = 1;
	int e;

	if (sx_plan_build(s->cfg, set->mods, set->n, extra, 1, &full) < 0)
		goto nomem;
	if (app->cfg.lookup_refresh_s > 0 &&
	    sx_plan_labels(s->cfg, set->mods, set->n, &full, &set->labels, &set->n_labels) < 0)
		goto nomem_full;
	for (uint32_t i = 0; i < set->n_labels; i++)
		if (argos_oid_in_subtree(set->labels[i].sub, set->labels[i].len, &if_mib_root) &&
		    (set->labels[i].sub[6] == 2 || set->labels[i].sub[6] == 31))
			set->probe_lastchange = 1;   /* IF-MIB: ifTableLastChange, ifNumber tell */
	if (set->probe_lastchange) {
		n_extra = 3;
		sx_plan_free(&full);
		if (sx_plan_build(s->cfg, set->mods, set->n, extra, n_extra, &full) < 0)
			goto nomem;
	}
	if (full.n > ARGOS_PROFILE_MAX_OIDS) {
		snprintf(err, len, "modules %s ask for %u OIDs to walk or get; argos polls at "
			 "most %d per device", set->key, full.n, ARGOS_PROFILE_MAX_OIDS);
		sx_plan_free(&full);
		return -1;
	}
	e = profile_add(app, &full);
	if (e < 0) {
		snprintf(err, len, "more than %d profiles and module sets", ARGOS_MAX_PROFILES);
		sx_plan_free(&full);
		return -1;
	}
	set->entry_full = (uint16_t)e;
	set->full_n = full.n;
	set->entry_light = SX_ENTRY_NONE;
	if (walks_of(&full, &set->full_walks, &set->n_full_walks) < 0)
		goto nomem_full;
	if (set->n_labels > 0) {
		if (sx_plan_light(s->cfg, set->mods, set->n, &full, set->labels, set->n_labels,
				  &light) < 0)
			goto nomem_full;
		if (light.n <= ARGOS_PROFILE_MAX_OIDS && (e = profile_add(app, &light)) >= 0) {
			set->entry_light = (uint16_t)e;
			set->light_n = light.n;
			if (walks_of(&light, &set->light_walks, &set->n_light_walks) < 0) {
				sx_plan_free(&light);
				goto nomem_full;
			}
		}
		sx_plan_free(&light);
	}
	sx_plan_free(&full);
	return 0;
nomem_full:
	sx_plan_free(&full);
nomem:
	snprintf(err, len, "out of memory");
	return -1;
}

/*
 * An SNMPv3 auth of snmp.yml as the snmpv3_* columns of a device: the
 * loader checked it as snmp_exporter does and gave its defaults (MD5,
 * DES); snmp_exporter spells the protocols SHA256, AES192C where
 * net-snmp and argos spell SHA-256, AES-192-C.
 */
static int
auth_usm(const struct sx_auth *a, struct cp_usm_conf *u, char *err, size_t len)
{
	static const struct { const char *sx, *ours; } names[] = {
		{ "SHA224", "SHA-224" }, { "SHA256", "SHA-256" }, { "SHA384", "SHA-384" },
		{ "SHA512", "SHA-512" }, { "AES192", "AES-192" }, { "AES256", "AES-256" },
		{ "AES192C", "AES-192-C" }, { "AES256C", "AES-256-C" },
	};
	const int level = !strcmp(a->security_level, "authPriv") ? 2 :
			  !strcmp(a->security_level, "authNoPriv") ? 1 : 0;
	const char *v[CP_USM_FIELDS] = {
		[CP_USM_LEVEL] = a->security_level, [CP_USM_USER] = a->username,
		[CP_USM_AUTH_PROTO] = level >= 1 ? a->auth_protocol : "",
		[CP_USM_AUTH_PASS] = level >= 1 ? a->password : "",
		[CP_USM_PRIV_PROTO] = level == 2 ? a->priv_protocol : "",
		[CP_USM_PRIV_PASS] = level == 2 ? a->priv_password : "",
		[CP_USM_CTX_NAME] = a->context_name, [CP_USM_CTX_ENGINE] = "",
	};
	char why[160];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v[CP_USM_AUTH_PROTO], names[i].sx))
			v[CP_USM_AUTH_PROTO] = names[i].ours;
		if (!strcmp(v[CP_USM_PRIV_PROTO], names[i].sx))
			v[CP_USM_PRIV_PROTO] = names[i].ours;
	}
	memset(u, 0, sizeof(*u));
	for (int f = 0; f < CP_USM_FIELDS; f++)
		if (cp_usm_set_field(u, (enum cp_usm_field)f, v[f], why, sizeof(why)) != 0) {
			snprintf(err, len, "auth '%s': %s", a->name, why);
			return -1;
		}
	if (cp_usm_check(u, why, sizeof(why)) != 0) {
		snprintf(err, len, "auth '%s': %s", a->name, why);
		return -1;
	}
	return 0;
}

/* Version and community, or v3 user, that a set's auth or modules state. */
static int
set_auth(struct cp_sx *s, struct sx_set *set, const char *auth, char *err, size_t len)
{
	const struct sx_auth *a = NULL;
	const char *who = NULL;

	if (auth && auth[0]) {
		int i = sx_auth_find(s->cfg, auth);

		if (i < 0) {
			snprintf(err, len, "snmp_exporter_auth: '%s' is not an auth of %s%s", auth,
				 s->cfg->path, s->cfg->layout == SX_LAYOUT_MODULES ?
				 " (it has no auths:, the layout before the auth split)" : "");
			return -1;
		}
		a = &s->cfg->auths[i];
		who = a->name;
	}
	for (uint32_t i = 0; a == NULL && i < set->n; i++) {
		const struct sx_module *m = &s->cfg->modules[set->mods[i]];
		struct cp_usm_conf usm = { 0 };
		uint8_t version;

		if (!m->has_auth)
			continue;
		version = m->auth.version == 3 ? 3 : (uint8_t)(m->auth.version - 1);
		if (m->auth.has_version && version == 3 &&
		    auth_usm(&m->auth, &usm, err, len) != 0)
			return -1;
		if (who != NULL && ((m->auth.has_version && set->has_version &&
				     (version != set->version ||
				      memcmp(&usm, &set->usm, sizeof(usm)) != 0)) ||
				    (m->auth.has_community && set->has_community &&
				     strcmp(m->auth.community, set->community) != 0))) {
			snprintf(err, len, "modules '%s' and '%s' ask for different SNMP versions, "
				 "communities or SNMPv3 users", who, m->name);
			return -1;
		}
		who = m->name;
		if (m->auth.has_version) {
			set->has_version = 1;
			set->version = version;
			set->usm = usm;
		}
		if (m->auth.has_community) {
			set->has_community = 1;
			snprintf(set->community, sizeof(set->community), "%s", m->auth.community);
			if (strlen(m->auth.community) > ARGOS_COMMUNITY_MAX) {
				snprintf(err, len, "module '%s': its community is longer than %d "
					 "bytes", m->name, ARGOS_COMMUNITY_MAX);
				return -1;
			}
		}
	}
	if (a != NULL && a->version == 3) {
		if (auth_usm(a, &set->usm, err, len) != 0)
			return -1;
		set->has_version = 1;
		set->version = 3;
		return 0;
	}
	if (a != NULL) {
		if (strlen(a->community) > ARGOS_COMMUNITY_MAX) {
			snprintf(err, len, "auth '%s': its community is longer than %d bytes",
				 a->name, ARGOS_COMMUNITY_MAX);
			return -1;
		}
		set->has_version = set->has_community = 1;
		set->version = (uint8_t)(a->version - 1);
		snprintf(set->community, sizeof(set->community), "%s", a->community);
	}
	return 0;
}

static void
set_walk_params(struct cp_sx *s, struct sx_set *set)
{
	for (uint32_t i = 0; i < set->n; i++) {
		const struct sx_module *m = &s->cfg->modules[set->mods[i]];

		if (m->has_max_repetitions && !set->has_maxrep) {
			set->has_maxrep = 1;
			set->maxrep = (uint16_t)(m->max_repetitions > 1000 ? 1000 : m->max_repetitions);
		}
		if (m->has_retries && !set->has_retries) {
			set->has_retries = 1;
			set->retries = (uint8_t)m->retries;
		}
		if (m->has_timeout && !set->has_timeout) {
			set->has_timeout = 1;
			set->timeout_ms = m->timeout_ms;
		}
		/* per job in the dataplane: one module that allows it lets
		 * every walk of the device's poll go backwards (loop-guarded) */
		if (m->allow_nonincreasing_oids)
			set->nonincreasing = 1;
	}
}

/* Split "a, b,c" into module indexes.  @return 0, or -1 with err. */
static int
parse_modules(struct cp_sx *s, const char *list, struct sx_set *set, char *err, size_t len)
{
	char buf[CP_SX_LIST_MAX], *save = NULL, *tok;

	if (cp_sx_modules_check(list, err, len) != 0)
		return -1;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end = tok + strlen(tok);
		int m;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		m = sx_module_find(s->cfg, tok);
		if (m < 0) {
			snprintf(err, len, "snmp_exporter_module: '%s' is not a module of %s", tok,
				 s->cfg->path);
			return -1;
		}
		for (uint32_t i = 0; i < set->n; i++)
			if (set->mods[i] == m) {
				snprintf(err, len, "snmp_exporter_module: '%s' is named twice", tok);
				return -1;
			}
		set->mods[set->n++] = m;
	}
	return 0;
}

/* The set of (modules, auth), made on first use.  @return its index + 1,
 * or 0 with err. */
static uint16_t
set_get(struct cp_app *app, const char *modules, const char *auth, char *err, size_t len)
{
	struct cp_sx *s = app->sx;
	char key[CP_SX_LIST_MAX + CP_SX_NAME_MAX + 2];
	struct sx_set set, *p;

	snprintf(key, sizeof(key), "%s|%s", modules, auth ? auth : "");
	for (uint32_t i = 0; i < s->n_sets; i++)
		if (!strcmp(s->sets[i].key, key))
			return (uint16_t)(i + 1);
	if (s->n_sets >= UINT16_MAX - 1) {
		snprintf(err, len, "too many module sets");
		return 0;
	}
	memset(&set, 0, sizeof(set));
	if (parse_modules(s, modules, &set, err, len) < 0 ||
	    set_auth(s, &set, auth, err, len) < 0)
		return 0;
	set_walk_params(s, &set);
	if ((set.key = strdup(key)) == NULL) {
		snprintf(err, len, "out of memory");
		return 0;
	}
	if (set_plans(app, &set, err, len) < 0) {
		free(set.key);
		free(set.labels);
		free(set.full_walks);
		free(set.light_walks);
		return 0;
	}
	p = realloc(s->sets, (s->n_sets + 1) * sizeof(*p));
	if (p == NULL) {
		free(set.key);
		snprintf(err, len, "out of memory");
		return 0;
	}
	s->sets = p;
	s->sets[s->n_sets++] = set;
	return (uint16_t)s->n_sets;
}

/* Give device d its set and the SNMP parameters the set states. */
static void
apply_set(struct cp_sx *s, struct cp_device *d, uint16_t id)
{
	const struct sx_set *set = &s->sets[id - 1];

	d->sx_set = id;
	d->profile = set->entry_full;
	if (set->has_version)
		d->snmp_version = set->version;
	if (set->has_version && set->version == 3)
		d->usm = set->usm;
	if (set->has_community)
		memcpy(d->community, set->community, sizeof(d->community));
	if (set->has_maxrep)
		d->snmp_max_repetitions = set->maxrep;
	if (set->has_retries)
		d->snmp_retries = set->retries;
	if (set->has_timeout)
		d->snmp_timeout_ms = set->timeout_ms;
	if (set->nonincreasing)
		d->snmp_flags |= ARGOS_JOB_NONINCREASING;
}

int
cp_sx_bind_table(struct cp_app *app, struct cp_device *devs, size_t n, char *msg, size_t len)
{
	struct cp_sx *s = app->sx;
	const char *path = app->cfg.devices_path ? app->cfg.devices_path : "--devices-cidr";
	char err[512];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		struct cp_device *d = &devs[i];
		const char *mods = d->sx_modules ? d->sx_modules : app->cfg.sx_default_modules;
		uint16_t id;

		if (mods == NULL) {
			if (d->sx_auth) {
				snprintf(msg, len, "%s:%u: snmp_exporter_auth is given without "
					 "snmp_exporter_module", path, d->line);
				rc = -1;
			}
			continue;
		}
		if (s->cfg == NULL) {
			snprintf(msg, len, "%s:%u: snmp_exporter_module needs "
				 "--snmp-exporter-config FILE", path, d->line);
			rc = -1;
			continue;
		}
		id = set_get(app, mods, d->sx_auth, err, sizeof(err));
		if (id == 0) {
			snprintf(msg, len, "%s:%u: %s", path, d->line, err);
			rc = -1;
			continue;
		}
		apply_set(s, d, id);
	}
	if (rc == 0 && sx_app_dev_reserve(s, n) < 0) {
		snprintf(msg, len, "out of memory for %zu devices", n);
		rc = -1;
	}
	for (size_t i = 0; i < n; i++) {
		free(devs[i].sx_modules);
		free(devs[i].sx_auth);
		devs[i].sx_modules = devs[i].sx_auth = NULL;
	}
	return rc;
}

void
cp_sx_forget(struct cp_app *app, uint32_t slot)
{
	struct cp_sx *s = app->sx;

	if (s == NULL)
		return;
	if (slot < s->n_dev) {
		sx_app_dev_free(s->dev[slot]);
		s->dev[slot] = NULL;
	}
	if (slot < s->n_uptime)
		memset(&s->uptime[slot], 0, sizeof(s->uptime[slot]));
}

int
cp_sx_bind(struct cp_app *app, uint32_t slot, const char *modules, const char *auth,
	   char *msg, size_t len)
{
	struct cp_device *d = &app->devs[slot];
	uint16_t id, old = d->sx_set;

	d->sx_set = 0;
	if (modules == NULL || modules[0] == '\0')
		modules = app->cfg.sx_default_modules;
	if (modules == NULL || modules[0] == '\0')
		return 0;
	if (app->sx->cfg == NULL) {
		snprintf(msg, len, "snmp_exporter_module is set but argos runs without "
			 "--snmp-exporter-config");
		return -1;
	}
	id = set_get(app, modules, auth, msg, len);
	if (id == 0 || sx_app_dev_reserve(app->sx, slot + 1) < 0) {
		if (id != 0)
			snprintf(msg, len, "out of memory");
		return -1;
	}
	if (id != old && slot < app->sx->n_dev) {   /* its cache is of other modules */
		sx_app_dev_free(app->sx->dev[slot]);
		app->sx->dev[slot] = NULL;
	}
	apply_set(app->sx, d, id);
	return 0;
}

static void
counter(struct cp_metrics *m, const char *name, const char *help, uint64_t v)
{
	cp_metrics_help(m, name, "counter", help);
	cp_metrics_u64(m, name, NULL, 0, v);
}

void
cp_sx_metrics(struct cp_app *app, struct cp_metrics *m)
{
	struct cp_sx *s = app->sx;

	if (s == NULL || s->cfg == NULL)
		return;
	counter(m, "argos_sx_samples_total", "Samples made by snmp_exporter modules.",
		s->samples);
	counter(m, "argos_sx_duplicate_series_total",
		"Module samples left out: the same series twice in one poll.", s->duplicates);
	counter(m, "argos_sx_module_failures_total",
		"Module scrapes left out: an error in one of their walks or gets.",
		s->module_failures);
	counter(m, "argos_sx_polls_full_total", "Module polls that walked the label tables.",
		s->polls_full);
	counter(m, "argos_sx_polls_light_total",
		"Module polls that took the label tables from the lookup cache.", s->polls_light);
	counter(m, "argos_sx_label_changes_total",
		"Light polls that saw a restart or a change of the interface table.",
		s->label_changes);
}

void
cp_sx_close(struct cp_app *app)
{
	struct cp_sx *s = app->sx;

	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_dev; i++)
		sx_app_dev_free(s->dev[i]);
	free(s->dev);
	free(s->uptime);
	for (uint32_t i = 0; i < s->n_sets; i++) {
		free(s->sets[i].key);
		free(s->sets[i].labels);
		free(s->sets[i].full_walks);
		free(s->sets[i].light_walks);
	}
	free(s->sets);
	free(s->all.v);
	free(s->scoped.v);
	free(s->seen);
	free(s->seen_gen);
	sx_free(s->cfg);
	free(s);
	app->sx = NULL;
}
