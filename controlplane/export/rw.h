/*
 * rw.h - Prometheus remote-write 1.0 export of poll results.
 *
 * The control plane's main thread hands every result record to
 * rw_record(), exactly as it takes it out of a batch.  Varbinds are
 * kept per device until the device's SNMP job ends (its DONE record),
 * because the lookups that label an interface's samples (ifName,
 * ifAlias, ifDescr) arrive in other walks than the counters.  At DONE
 * the device's samples are named after the MIB objects (snmp_exporter's
 * if_mib naming), labelled, encoded as protobuf TimeSeries and appended
 * to the open batch.  A sender thread closes batches (max_samples or
 * flush_ms), compresses them with snappy and POSTs them to every URL,
 * in order, retrying 5xx/429 with capped backoff.  Batches the memory
 * share cannot hold go to the spill directory (written with io_uring)
 * and come back from it after a restart.  See docs/remote-write.md.
 *
 * Integration, in order:
 *
 *	struct rw_conf c;
 *	rw_conf_defaults(&c);  c.urls = ...; c.n_urls = ...;
 *	struct rw *rw = rw_open(&c, err, sizeof err);   // bad option: exit 1
 *	if (rw_start(rw, err, sizeof err) < 0) ...      // RW_CHECK_REFUSE: receiver down
 *	for each record:  rw_record(rw, h, &dev, &clk);
 *	once a second:    rw_metrics_render(rw, &m);    // into /metrics
 *	at exit:          rw_flush(rw, bound);          // wait a while for the receivers
 *	                  rw_stop(rw, &fig);            // spill what is left, within the bound
 *	                  rw_close(rw);
 *
 * Threads: rw_record(), rw_name_add() and rw_flush() belong to one
 * thread (the main thread).  rw_stats() and rw_metrics_render() may be
 * called from any thread.  rw_close() must not race any other call.
 */
#ifndef ARGOS_RW_H
#define ARGOS_RW_H

#include <stddef.h>
#include <stdint.h>

#include "argos_result.h"
#include "cp_output.h"

#define RW_URLS_MAX 8

/** What rw_start() does about a receiver it cannot reach (check_at_start). */
enum rw_check {
	RW_CHECK_NONE = 0,     /**< no check: the sender finds out */
	RW_CHECK_REFUSE = 1,   /**< rw_start() fails */
	RW_CHECK_WARN = 2,     /**< say so on stderr, and start: batches are queued
				    (and spilled) until the receiver answers */
};

struct rw;
struct cp_metrics;

/** Options of the exporter.  Strings are copied by rw_open(). */
struct rw_conf {
	const char *urls[RW_URLS_MAX];  /**< receivers, http:// or https:// */
	size_t n_urls;
	const char *job;                /**< the job label, default "snmp" */
	const char *ca_file;            /**< CA bundle for https, NULL: system */
	const char *basic_user;         /**< basic auth user (with password_file) */
	const char *password_file;      /**< first line is the password */
	const char *bearer_token_file;  /**< first line is the token */
	const char *spill_dir;          /**< NULL: memory only */
	uint32_t max_samples;           /**< samples per batch, default 2000 */
	uint32_t flush_ms;              /**< oldest sample's wait, default 1000 */
	uint64_t queue_bytes;           /**< memory share, default 64 MiB */
	uint64_t spill_bytes;           /**< disk bound, default 1 GiB */
	uint32_t timeout_ms;            /**< one POST, default 10000 */
	uint32_t min_backoff_ms;        /**< first retry delay, default 100 */
	uint32_t max_backoff_ms;        /**< retry delay cap, default 5000 */
	uint32_t max_retry_after_ms;    /**< cap on Retry-After, default 60000 */
	int check_at_start;             /**< enum rw_check, default RW_CHECK_REFUSE */
	int wrap_counters;              /**< Counter64 modulo 2^53 (names), default 0 */
};

/** What one metric name means (see rw_name_add()). */
enum rw_kind {
	RW_COUNTER = 1,   /**< numeric sample */
	RW_GAUGE,         /**< numeric sample */
	RW_LOOKUP,        /**< a string: a label on the rows of the same index */
	RW_STRING,        /**< a string sample: name{name="text"} 1 */
	RW_PHYSADDR,      /**< MAC address sample: name{name="00:1a:..."} 1 */
	RW_IGNORE,        /**< walked, never exported */
};

/** One label of a device (a device tag). */
struct rw_label {
	const char *name;
	const char *value;
};

/** What the exporter needs to know of the device a record is about. */
struct rw_device {
	const char *instance;            /**< the instance label: hostname */
	const struct rw_label *labels;   /**< device tags, any order */
	size_t n_labels;
};

/** Counters, since rw_open(). */
struct rw_stats {
	uint64_t samples_sent;      /**< accepted (2xx) by every receiver */
	uint64_t samples_failed;    /**< refused by a receiver (4xx other than 429) */
	uint64_t samples_dropped;   /**< oldest dropped: queue and spill full */
	uint64_t samples_pending;   /**< open batch + queued, in memory and on disk */
	uint64_t retries;           /**< POSTs repeated after 5xx, 429 or a network error */
	uint64_t batches_sent;
	uint64_t bytes_sent;        /**< compressed bodies accepted */
	uint64_t spill_bytes;       /**< on disk now */
	uint64_t spilled_batches;   /**< ever written to the spill dir */
	uint64_t varbinds_unnamed;  /**< varbinds with no name in the table */
};

/** What rw_stop() did with the samples that were not yet accepted. */
struct rw_stop_figures {
	uint64_t pending;   /**< samples not accepted when the sender stopped */
	uint64_t spilled;   /**< of those, kept in the spill directory */
	uint64_t lost;      /**< of those, not kept: no spill directory, the spill
				 bound (oldest first), or a write error */
};

/** Fill c with the defaults documented in struct rw_conf. */
void rw_conf_defaults(struct rw_conf *c);

/**
 * Check the options, read the secret files, take over the spill
 * directory (batches found there are queued first, oldest first) and
 * load the built-in if-mib names.  No network traffic.
 * @return the exporter, or NULL with err holding what is wrong, in an
 *         operator's words (a malformed URL, an unreadable password
 *         file, a spill directory that cannot be created).
 */
struct rw *rw_open(const struct rw_conf *c, char *err, size_t errlen);

/**
 * Connect to every URL (TCP and TLS only, nothing is posted) unless
 * check_at_start is RW_CHECK_NONE, then start the sender thread.  With
 * RW_CHECK_WARN a receiver that cannot be reached is named on stderr
 * and the sender starts anyway (argos does this: a receiver that is
 * down at start is an outage like any other).
 * @return 0, or (RW_CHECK_REFUSE) -ECONNREFUSED or another -errno with
 *         err naming the URL and curl's reason; rw_close() is still to
 *         be called.
 */
int rw_start(struct rw *rw, char *err, size_t errlen);

/**
 * Name the varbinds under an OID prefix (a table column such as
 * 1.3.6.1.2.1.2.2.1.10, or a scalar such as 1.3.6.1.2.1.1.3).  The
 * sub-identifiers after the prefix are the row index; index_label
 * names it (e.g. "ifIndex"), NULL or "" for a scalar (then a ".0"
 * suffix is dropped, any other is labelled "index").  A later name for
 * the same prefix replaces the earlier one.  Names are sanitized to
 * [a-zA-Z_][a-zA-Z0-9_]*.
 * @return 0, -EINVAL for a bad OID, name or kind, -ENOMEM.
 */
int rw_name_add(struct rw *rw, const char *oid, const char *name, enum rw_kind kind,
		const char *index_label);

/** horus's rules of a metric (rw_name_add_ex(), docs/argos-db.md). */
struct rw_name_opts {
	const char *index_pattern;     /**< where the row index is in the OID; NULL: after it */
	const char *post_processors;   /**< comma-separated: parse-hex-be, parse-hex-le,
					    parse-int, to-string, div-N, mul-N; NULL: none */
};

/**
 * rw_name_add() with horus's index_pattern and post_processors.
 * @return 0, or -EINVAL with err saying what is wrong (a pattern that does
 *         not compile or has no group, an unknown post processor), -ENOMEM.
 */
int rw_name_add_ex(struct rw *rw, const char *oid, const char *name, enum rw_kind kind,
		   const char *index_label, const struct rw_name_opts *o, char *err,
		   size_t errlen);

/**
 * Take one result record.  Varbinds are kept until the SNMP job's DONE
 * record, then the device's samples go into the open batch; PING
 * records become samples at once.  dev and clk are read during the
 * call only.  Cheap: no network, no compression, no file I/O.
 * @return 0, -EINVAL for a record that does not parse, -ENOMEM.
 */
int rw_record(struct rw *rw, const struct argos_rec_hdr *rec, const struct rw_device *dev,
	      const struct cp_clock *clk);

/** A label whose value comes with its length (any bytes, not NUL-ended). */
struct rw_label_v {
	const char *name;
	const char *value;
	uint32_t vlen;
};

/**
 * Write samples that the name table does not make (snmp_exporter
 * modules, argos's per-device series): rw_samples_begin() takes the
 * open batch for one device, each rw_sample() appends one series with
 * the device's labels (instance, job, tags) and the given ones, and
 * rw_samples_end() lets the batch go.  A given label with an empty
 * value is left out; one named like a device label is renamed
 * exported_NAME, as Prometheus renames a scraped label that clashes
 * with a target label.  Main thread only; nothing else of rw may be
 * called between begin and end.
 * @return 0, -ENOMEM (rw_sample: the sample is lost, counted in
 *         argos_rw_samples_dropped_total).
 */
int rw_samples_begin(struct rw *rw, const struct rw_device *dev);
int rw_sample(struct rw *rw, const char *name, const struct rw_label_v *labels, size_t n,
	      double value, int64_t ts_ms);
void rw_samples_end(struct rw *rw);

/**
 * Close the open batch and wait until the queue is empty (every batch
 * accepted or refused by every receiver) or timeout_ms passed.
 * @return 0 when nothing was lost since rw_open(); 1 when samples were
 *         refused or dropped; -ETIMEDOUT when samples are still pending
 *         (they stay queued: rw_close() spills them).
 */
int rw_flush(struct rw *rw, uint32_t timeout_ms);

/** A snapshot of the counters. */
void rw_stats(struct rw *rw, struct rw_stats *s);

/** Append the counters to m in Prometheus text format (argos_rw_*). */
void rw_metrics_render(struct rw *rw, struct cp_metrics *m);

/**
 * Stop the sender (a POST in progress is abandoned and its batch kept)
 * and write every batch still in memory to the spill directory if there
 * is one, within --rw-spill-bytes: damaged files, then the oldest
 * batches, go first when room is needed.  Afterwards only rw_stats(),
 * rw_metrics_render() and rw_close() may be called.
 * @return 0 when nothing is lost, 1 when f->lost is above 0.
 */
int rw_stop(struct rw *rw, struct rw_stop_figures *f);

/** rw_stop() unless done, and free everything.  rw may be NULL. */
void rw_close(struct rw *rw);

#endif
