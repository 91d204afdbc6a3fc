/*
 * rw_internal.h - what the files of the remote-write exporter share.
 *
 *   rw.c         options, start, flush, close, counters
 *   rw_names.c   the OID prefix -> metric name table (if-mib built in)
 *   rw_series.c  records -> named, labelled samples -> the open batch
 *   rw_rows.c    per device rows: their lookups and encoded label bytes
 *   rw_encode.c  protobuf by hand, snappy
 *   rw_queue.c   the FIFO of compressed batches: memory head, disk tail
 *   rw_send.c    the sender thread: curl, retries, backoff
 *
 * Who owns what: the main thread owns the names and the per-device
 * accumulators; the open batch and the hand-off list are under mu; the
 * queue and the curl handles belong to the sender thread, which copies
 * the queue's sizes into the counters under mu.
 */
#ifndef ARGOS_RW_INTERNAL_H
#define ARGOS_RW_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <curl/curl.h>
#include <liburing.h>

#include "rw.h"
#include "rw_encode.h"

#define RW_NAME_MAX 64
#define RW_PREFIX_MAX 32
#define RW_POST_MAX 8

/* One of horus's post_processors (rw_horus.c). */
struct rw_post {
	uint8_t op;
	double arg;
};

struct rw_name {
	uint32_t oid[RW_PREFIX_MAX];
	uint32_t oid_len;
	uint8_t kind;                     /* enum rw_kind */
	uint8_t leaf;                     /* no other name lies under this prefix */
	char name[RW_NAME_MAX];
	char index_label[RW_NAME_MAX];    /* "" for a scalar */
	uint32_t label_id;                /* first name with the same index_label */
	uint8_t enc_len;
	uint8_t enc[RW_NAME_MAX + 16];    /* the __name__ Label field, encoded */
	void *index_re;                   /* horus's index_pattern (pcre2_code), or NULL */
	void *index_md;                   /* its match data (main thread only) */
	uint8_t index_full;               /* it matches the whole OID (horus's form) */
	uint8_t n_pp;
	struct rw_post pp[RW_POST_MAX];   /* horus's post_processors, in order */
};

/* One varbind kept until its device's DONE. */
struct rw_pend {
	uint32_t name;        /* index into rw->names */
	uint32_t idx_off;     /* sub-ids of the row index in dev_acc.arena */
	uint32_t idx_len;
	uint32_t str_off;     /* bytes of a string value in dev_acc.arena */
	uint32_t str_len;
	double value;
	int64_t ts_ms;
};

/*
 * One row of a device: the samples that share an index label and a row
 * index (ifIndex 3, or a scalar).  All its numeric samples carry the
 * same labels after __name__, so they are encoded once (enc) and
 * copied into every sample until they change: a new lookup value, a
 * changed device tag or instance, or a changed name table.
 */
struct rw_row {
	uint64_t hash;
	uint32_t label;       /* label_id of the index label */
	uint32_t idx_len;     /* sub-ids */
	uint8_t *idx;         /* idx_len * 4 bytes */
	uint32_t poll;        /* rw_rows.poll when head/tail were set */
	uint32_t head, tail;  /* this poll's lookups: a chain through rw->chain */
	uint8_t *look;        /* this poll's lookups: (name u32, len u32, text)... */
	uint32_t look_len;
	uint32_t enc_len;
	uint8_t *enc;         /* Label fields after __name__, sorted */
	int stale;            /* enc does not match look and the base labels */
};

struct rw_rows {
	struct rw_row *row;
	size_t n, cap;
	uint32_t *slot;       /* open addressing, UINT32_MAX: empty */
	size_t size;          /* power of two, at least twice n */
	uint8_t *base;        /* the base labels the rows were built with */
	uint32_t base_len;
	uint64_t names_gen;
	uint32_t poll;
};

struct rw_dev_acc {
	struct rw_pend *pend;
	size_t n, cap;
	struct rw_buf arena;
	struct rw_rows rows;
};

/* A batch in the FIFO.  data is NULL while the batch is on disk only. */
struct rw_batch {
	struct rw_batch *next;
	uint64_t seq;
	uint32_t samples;
	uint32_t done_mask;   /* receivers that finished with it */
	int refused;          /* one of them answered 4xx */
	int on_disk;
	int pinned;           /* receivers sending it now: never dropped */
	uint8_t *data;
	size_t len;           /* compressed bytes */
};

/* A raw (uncompressed) batch from the main thread to the sender. */
struct rw_raw {
	struct rw_raw *next;
	struct rw_buf body;
	uint32_t samples;
};

/* A damaged spill file (renamed *.bad at open): never sent, but its
 * bytes count against the spill bound. */
struct rw_bad {
	uint64_t seq;
	uint64_t bytes;
};

struct rw_queue {
	struct rw_batch *head, *tail;
	uint64_t mem_bytes, disk_bytes;   /* disk_bytes: batch files only */
	uint64_t mem_max, disk_max;
	uint64_t samples;
	uint64_t next_seq;
	uint64_t spilled;     /* batches ever written to disk */
	struct rw_bad *bad;   /* oldest first, from bad_first on */
	size_t n_bad, bad_first;
	uint64_t bad_bytes;
	uint64_t dropped_open;   /* samples of old files removed at open for the bound */
	int64_t warn_ms;      /* when the last "cannot spill" line was logged */
	uint64_t warn_quiet;  /* failed spills not logged since that line */
	int dir_fd;           /* -1: no spill directory */
	struct io_uring ring;
	int ring_ok;
};

/* The spill's "cannot spill" line is logged at most once per interval. */
#define RW_SPILL_WARN_MS 10000

struct rw_url {
	char *url;
	char *safe;           /* the URL without user or password, for logs */
	CURL *easy;
	struct rw_batch *sending;
	int64_t next_try_ms;  /* monotonic */
	uint32_t backoff_ms;
	uint32_t failing;     /* failed attempts in a row */
	char retry_after[64];
	char reply[256];      /* the start of an error answer's body */
};

struct rw {
	/* Options (copies). */
	struct rw_conf conf;
	char *job;
	char *spill_dir;
	char *ca_file;
	char *user;
	char *secret;          /* password or bearer token: never logged */
	int bearer;

	/* Main thread. */
	struct rw_name *names;
	size_t n_names, cap_names;
	uint64_t names_gen;     /* bumped by every rw_name_add() */
	uint32_t last_name;     /* the name the previous varbind had: walks repeat it */
	struct rw_dev_acc *devs;
	size_t n_devs;
	struct rw_buf tmp;      /* rw_rows.c's canonical label text */
	uint32_t *chain;        /* rw_rows.c: next lookup of the same row, by pend */
	size_t chain_cap;
	void *samples;          /* rw_samples_begin()'s device labels, between begin and end */

	/* Under mu. */
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* the queue became empty, or a batch ended */
	struct rw_buf open;     /* TimeSeries of the open batch */
	uint32_t open_samples;
	size_t open_hint;       /* bytes the last full batch took: a new one starts that big */
	int64_t open_since_ms;
	struct rw_raw *hand_head, *hand_tail;
	uint64_t hand_bytes;
	int flush_now;
	int stop;
	struct rw_stats st;

	/* Sender thread. */
	struct rw_queue q;
	struct rw_url urls[RW_URLS_MAX];
	CURLM *multi;
	struct curl_slist *headers;
	struct rw_buf zbuf;
	pthread_t thread;
	int running;
	int stopped;            /* rw_stop() ran: the queue is closed */
};

int64_t rw_now_ms(void);

/* rw_names.c */
int rw_names_builtin(struct rw *rw);
const struct rw_name *rw_names_find(struct rw *rw, const uint32_t *oid, uint32_t len,
				    uint32_t *which);
void rw_sanitize(char *s);

/* rw_horus.c */
int rw_horus_set(struct rw_name *n, const struct rw_name_opts *o, char *err, size_t errlen);
void rw_horus_free(struct rw_name *n);
int rw_horus_index(const struct rw_name *n, const uint32_t *oid, uint32_t len, uint32_t *idx,
		   uint32_t *idx_len);
int rw_horus_value(const struct rw_name *n, const struct argos_rec_varbind *v, double *value,
		   int *numeric, char *text, size_t *tlen, size_t text_size);

/* rw_series.c */
void rw_series_free(struct rw *rw);

/* rw_rows.c */
int rw_rows_begin(struct rw *rw, struct rw_dev_acc *a, const struct rw_lbl *base, size_t n_base);
struct rw_row *rw_rows_get(struct rw_rows *t, uint32_t label, const uint8_t *idx,
			   uint32_t idx_len);
int rw_row_set_enc(struct rw_row *r, const uint8_t *enc, size_t len);
void rw_rows_free(struct rw_rows *t);

/* rw_queue.c */
int rw_queue_open(struct rw_queue *q, const char *dir, uint64_t mem_max, uint64_t disk_max,
		  char *err, size_t errlen);
int rw_queue_push(struct rw_queue *q, const uint8_t *data, size_t len, uint32_t samples,
		  uint64_t *dropped);
int rw_queue_load(struct rw_queue *q, struct rw_batch *b);
void rw_queue_pop(struct rw_queue *q);
uint64_t rw_queue_spill_bytes(const struct rw_queue *q);
void rw_queue_stop(struct rw_queue *q, struct rw_stop_figures *f);
void rw_queue_close(struct rw_queue *q);

/* rw_send.c */
int rw_send_init(struct rw *rw, char *err, size_t errlen);
int rw_send_check(struct rw *rw, char *err, size_t errlen);
void *rw_send_main(void *arg);
void rw_send_intake(struct rw *rw, int seal_all);
void rw_send_free(struct rw *rw);
int64_t rw_retry_after_ms(const char *v, int64_t now_unix_ms);

#endif
