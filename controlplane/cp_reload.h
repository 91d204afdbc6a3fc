/*
 * cp_reload.h - what SIGHUP does: reload the devices file (--devices
 * FILE) into stable device slots, and reopen the log and the --output
 * file for logrotate.
 *
 * Why slots: the cores echo a device index in every result record
 * (argos_job.device, argos_rec_hdr.device), and the control plane keeps
 * per-device arrays by that index (devs, next_due, core_of, state, the
 * exporter's accumulators).  A reload must never let an index that is
 * in flight name another device.  So:
 *
 *   - a device keeps its slot for as long as its id is in the file
 *     (same core, same poll grid, same counters);
 *   - a removed device's slot is freed only when nothing refers to it
 *     any more: no job in flight and no entry in the schedule;
 *   - a changed device is changed in place when it has no job in
 *     flight; otherwise the new record waits until its jobs end, and no
 *     new job of it starts meanwhile, so every result of a job is named
 *     after the record the job was made from;
 *   - new devices take free slots (a stack: freed slots are reused
 *     first).  The per-device arrays are sized once at start (twice the
 *     devices, at least 65536 more) and never move, because other
 *     threads read them.
 *
 * Per slot and job kind, exactly one of these holds while the device
 * wants that kind: queued (an entry in the schedule), in flight, or
 * held (due while a changed record waits).  That is what keeps a device
 * to one job of a kind at a time across reloads.
 *
 * Everything here runs on the main lcore.
 */
#ifndef ARGOS_CP_RELOAD_H
#define ARGOS_CP_RELOAD_H

#include <stdint.h>

struct cp_app;
struct cp_config;
struct cp_device;
struct cp_reload;

/**
 * Whether a device is polled with jobs of this kind at all (SNMP unless
 * --ping-only; ping when --ping-count is above 0, not --snmp-only, and
 * the device's ping_frequency is above 0 or the run is --once or
 * --devices-cidr).
 */
int cp_reload_wants(const struct cp_config *c, const struct cp_device *d, uint8_t kind);

/**
 * Take over the devices loaded from --devices FILE: move them into a
 * slot table with room to grow, and set app->cap_devs.  Call before the
 * per-device arrays are allocated (they take cap_devs entries).
 * @return 0, or -ENOMEM with msg saying so.
 */
int cp_reload_open(struct cp_app *app, char *msg, size_t len);

/** The devices polled now (slots in use less removed ones). */
size_t cp_reload_live(const struct cp_app *app);

/** Free the slot table (app->rl may be NULL). */
void cp_reload_close(struct cp_app *app);

/**
 * Push a poll of slot's kind at at_ms, noting it queued.  Works in
 * every mode (app->rl NULL: a plain push).
 */
void cp_reload_push(struct cp_app *app, uint64_t at_ms, uint32_t slot, uint8_t kind);

/**
 * The schedule's earliest entry (slot, kind) is due.  @return 1 when it
 * may be sent now (nothing changed: the caller sends it, then calls
 * cp_reload_sent(), or leaves it queued when the ring is full); 0 when
 * the caller must pop it without sending: the device was removed or no
 * longer wants that kind, or it waits for a changed record (held, and
 * pushed again when the record applies).
 */
int cp_reload_may_send(struct cp_app *app, uint32_t slot, uint8_t kind);

/** A job of slot's kind was handed to a core. */
void cp_reload_sent(struct cp_app *app, uint32_t slot, uint8_t kind);

/**
 * A job of slot's kind ended (its DONE record went through the sinks).
 * Applies a waiting record once no job of the device is in flight, and
 * frees the slot of a removed device once nothing refers to it.
 * @return 1 when the caller should schedule the device's next job of
 *         this kind (cp_reload_push), 0 when not.
 */
int cp_reload_ended(struct cp_app *app, uint32_t slot, uint8_t kind, uint64_t now_ms);

/**
 * SIGHUP: reopen the log (--log DIR) and the --output file, and reload
 * --devices FILE.  A file that does not load keeps the old table and
 * logs FILE:LINE: reason.  Every outcome is logged in one line.
 */
void cp_reload_hup(struct cp_app *app, uint64_t now_ms);

/**
 * Point standard error at DIR/argos.log, appending (created 0640).
 * @return 0, or -errno with standard error unchanged.
 */
int cp_reload_log(const char *dir);

#endif
