/*
 * sx_app.h - snmp_exporter modules in the running argos: devices bound
 * to their modules, module sets as entries of the cores' profile table,
 * and each ended poll of a module device turned into the series
 * snmp_exporter would have served (sx_app.c, sx_app_poll.c).
 *
 * Also argos's per-device restart mark (argos_agent_resets_total), for
 * every device whose sysUpTime argos sees, module or not.
 *
 * Main thread only.  Wired in main.c (open, bind), sinks.c (records)
 * and dbmode.c (claims).
 */
#ifndef ARGOS_SX_APP_H
#define ARGOS_SX_APP_H

#include <stddef.h>
#include <stdint.h>

#include "argos_result.h"

struct cp_app;
struct cp_device;
struct rw_device;

/**
 * Load --snmp-exporter-config, if given (before the EAL starts: a bad
 * file stops argos at once, nothing polled).
 * @return 0, or -1 after printing "argos: FILE:LINE: reason".
 */
int cp_sx_open(struct cp_app *app);

/**
 * Bind devices of a devices file (at start or at a SIGHUP reload) or of
 * --devices-cidr to their modules: each module set gets its
 * profile-table entries, each device its set (sx_set) and the SNMP
 * parameters its modules or auth give (an auth of version 3: its USM
 * user, as snmpv3_* columns); the module and auth strings are then
 * freed.  Needs the profile table.
 * @return 0, or -1 with msg "FILE:LINE: reason" (an unknown module, a
 *         conflict of auths...); devices already bound keep their set.
 */
int cp_sx_bind_table(struct cp_app *app, struct cp_device *devs, size_t n, char *msg,
		     size_t len);

/**
 * The device in slot is gone, or the slot holds another device now:
 * forget its lookup cache and restart mark.
 */
void cp_sx_forget(struct cp_app *app, uint32_t slot);

/**
 * DB mode: bind the device in slot to modules (comma-separated) and
 * auth ("" for none).  @return 0; -1 with msg for the reports table
 * (the poll is not started).
 */
int cp_sx_bind(struct cp_app *app, uint32_t slot, const char *modules, const char *auth,
	       char *msg, size_t len);

/** Fill in the profile (and for a light poll the max-repetitions) of the
 *  device's next SNMP job: the lookup cache picks a light or a full plan. */
struct argos_job;
void cp_sx_job(struct cp_app *app, uint32_t dev, struct argos_job *j);

/**
 * One result record, before the remote-write exporter sees it.
 * @return 1 when the record is the module path's alone (a varbind of a
 *         module device: the built-in names must not see it), 0 when
 *         the exporter takes it too.
 */
int cp_sx_record(struct cp_app *app, const struct argos_rec_hdr *h, const struct rw_device *rd);

/** Append argos_sx_* counters to /metrics. */
struct cp_metrics;
void cp_sx_metrics(struct cp_app *app, struct cp_metrics *m);

void cp_sx_close(struct cp_app *app);

#endif
