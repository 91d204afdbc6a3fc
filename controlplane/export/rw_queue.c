/*
 * rw_queue.c - the FIFO of compressed batches: a memory head and a
 * disk tail in the spill directory, written and read through io_uring.
 *
 * The FIFO is one list in send order; each batch is either in memory or
 * in a file of its own, "rw-<seq, 16 hex digits>.batch".  A batch goes
 * to memory while the memory share holds it, to disk otherwise, so the
 * order stays the list's whatever lives where.  When the disk bound is
 * reached the oldest files are removed (never one being sent); without
 * a spill directory the oldest batches in memory go.  Both are counted
 * as dropped.  At close, what is still in memory is written to disk, and
 * the next rw_open() of the same directory queues the files by sequence
 * number: a restart resends them first, in order.
 *
 * The disk bound holds at every moment, at open and at close too.  The
 * damaged files (renamed *.bad at open, never sent) count against it,
 * and when room is needed they go first, oldest first, before any batch
 * that can still be sent; then the oldest batches go.  A spill that
 * fails (a full disk) keeps the batch in memory and is logged at most
 * once per RW_SPILL_WARN_MS, with the count of failures not logged.
 *
 * File layout (little-endian): "ARGOSRW1", u32 samples, u32 reserved,
 * u64 length, then the snappy-compressed WriteRequest.  A file is
 * written as .tmp, fdatasync'd and renamed, so a crash leaves either a
 * whole batch or a .tmp that the next open removes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "rw_internal.h"

#define HDR 24
static const char magic[8] = "ARGOSRW1";

struct file_hdr {
	char magic[8];
	uint32_t samples;
	uint32_t reserved;
	uint64_t len;
};

static void
file_name(char *buf, size_t size, uint64_t seq, const char *ext)
{
	snprintf(buf, size, "rw-%016" PRIx64 ".%s", seq, ext);
}

/* Submit what is prepared and wait for n completions; res[i] gets each
 * result in submission order (user_data is the position). */
static int
ring_wait(struct io_uring *ring, unsigned n, int *res)
{
	int rc = io_uring_submit(ring);

	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		struct io_uring_cqe *cqe;

		rc = io_uring_wait_cqe(ring, &cqe);
		if (rc < 0)
			return rc;
		if (cqe->user_data < n)
			res[cqe->user_data] = cqe->res;
		io_uring_cqe_seen(ring, cqe);
	}
	return 0;
}

static struct io_uring_sqe *
sqe_at(struct io_uring *ring, uint64_t pos)
{
	struct io_uring_sqe *s = io_uring_get_sqe(ring);

	io_uring_sqe_set_data64(s, pos);
	return s;
}

static int
open_file(struct rw_queue *q, const char *name, int flags)
{
	int res[1] = { 0 };
	int rc;

	io_uring_prep_openat(sqe_at(&q->ring, 0), q->dir_fd, name, flags | O_CLOEXEC, 0600);
	rc = ring_wait(&q->ring, 1, res);
	return rc < 0 ? rc : res[0];
}

static int
unlink_file(struct rw_queue *q, const char *name)
{
	int res[1] = { 0 };
	int rc;

	io_uring_prep_unlinkat(sqe_at(&q->ring, 0), q->dir_fd, name, 0);
	rc = ring_wait(&q->ring, 1, res);
	return rc < 0 ? rc : res[0];
}

/* Write one batch to its file: open, then writev -> fdatasync -> close
 * linked in one submission, then rename. */
static int
write_batch(struct rw_queue *q, const struct rw_batch *b)
{
	char tmp[64], name[64];
	struct file_hdr h = { .samples = b->samples, .len = b->len };
	struct iovec iov[2] = { { &h, HDR }, { b->data, b->len } };
	struct io_uring_sqe *s;
	int res[3] = { 0 };
	int fd, rc;

	memcpy(h.magic, magic, 8);
	file_name(tmp, sizeof(tmp), b->seq, "tmp");
	file_name(name, sizeof(name), b->seq, "batch");
	fd = open_file(q, tmp, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return fd;
	s = sqe_at(&q->ring, 0);
	io_uring_prep_writev(s, fd, iov, 2, 0);
	s->flags |= IOSQE_IO_LINK;
	s = sqe_at(&q->ring, 1);
	io_uring_prep_fsync(s, fd, IORING_FSYNC_DATASYNC);
	s->flags |= IOSQE_IO_LINK;
	io_uring_prep_close(sqe_at(&q->ring, 2), fd);
	rc = ring_wait(&q->ring, 3, res);
	if (rc < 0 || res[2] == -ECANCELED)
		close(fd);   /* the chain broke before its close */
	if (rc == 0 && res[0] != (int)(HDR + b->len))
		rc = res[0] < 0 ? res[0] : -ENOSPC;
	if (rc == 0 && res[1] < 0)
		rc = res[1];
	if (rc == 0) {
		io_uring_prep_renameat(sqe_at(&q->ring, 0), q->dir_fd, tmp, q->dir_fd, name, 0);
		rc = ring_wait(&q->ring, 1, res);
		if (rc == 0 && res[0] < 0)
			rc = res[0];
	}
	if (rc < 0)
		unlink_file(q, tmp);
	return rc;
}

/* Read a batch file: its header into h, and when data is not NULL its
 * body (h->len bytes) into data. */
static int
read_file(struct rw_queue *q, uint64_t seq, struct file_hdr *h, uint8_t *data)
{
	char name[64];
	struct iovec iov[2] = { { h, HDR }, { data, data ? h->len : 0 } };
	struct io_uring_sqe *s;
	int res[2] = { 0 };
	int fd, rc;
	size_t want = HDR + (data ? h->len : 0);

	file_name(name, sizeof(name), seq, "batch");
	fd = open_file(q, name, O_RDONLY);
	if (fd < 0)
		return fd;
	s = sqe_at(&q->ring, 0);
	io_uring_prep_readv(s, fd, iov, data ? 2 : 1, 0);
	s->flags |= IOSQE_IO_LINK;
	io_uring_prep_close(sqe_at(&q->ring, 1), fd);
	rc = ring_wait(&q->ring, 2, res);
	if (rc < 0 || res[1] == -ECANCELED)
		close(fd);
	if (rc < 0)
		return rc;
	if (res[0] < 0)
		return res[0];
	if ((size_t)res[0] != want || memcmp(h->magic, magic, 8) != 0)
		return -EBADMSG;
	return 0;
}

uint64_t
rw_queue_spill_bytes(const struct rw_queue *q)
{
	return q->disk_bytes + q->bad_bytes;
}

/* Remember a damaged file, seq order kept by the caller (scan order). */
static void
bad_add(struct rw_queue *q, uint64_t seq, uint64_t bytes)
{
	if (q->n_bad % 64 == 0) {
		struct rw_bad *p = realloc(q->bad, (q->n_bad + 64) * sizeof(*p));

		if (p == NULL)
			return;        /* not counted: the bound is then a little loose */
		q->bad = p;
	}
	q->bad[q->n_bad++] = (struct rw_bad){ seq, bytes };
	q->bad_bytes += bytes;
}

/* Remove the oldest damaged file.  @return 1, or 0 when there is none. */
static int
bad_remove_oldest(struct rw_queue *q)
{
	char name[80];
	struct rw_bad *b;

	if (q->bad_first == q->n_bad)
		return 0;
	b = &q->bad[q->bad_first++];
	snprintf(name, sizeof(name), "rw-%016" PRIx64 ".batch.bad", b->seq);
	unlink_file(q, name);
	q->bad_bytes -= b->bytes;
	fprintf(stderr, "argos: remote-write: removed the damaged spill file %s (%" PRIu64
		" bytes) to keep the spill within --rw-spill-bytes\n", name, b->bytes);
	return 1;
}

/* Log that a batch could not be spilled, at most once per interval. */
static void
spill_failed(struct rw_queue *q, uint32_t samples, int rc)
{
	int64_t now = rw_now_ms();
	char more[96] = "";

	if (q->warn_ms != 0 && now - q->warn_ms < RW_SPILL_WARN_MS) {
		q->warn_quiet++;
		return;
	}
	if (q->warn_quiet > 0)
		snprintf(more, sizeof(more), "%" PRIu64 " more failed spills since the last such "
			 "line; ", q->warn_quiet);
	fprintf(stderr, "argos: remote-write: cannot spill a batch of %u samples: %s; batches stay "
		"in memory within --rw-queue-bytes, the oldest dropped beyond it (%sat most one "
		"line per %d s)\n", samples, strerror(-rc), more, RW_SPILL_WARN_MS / 1000);
	q->warn_ms = now;
	q->warn_quiet = 0;
}

static void
append(struct rw_queue *q, struct rw_batch *b)
{
	b->next = NULL;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->samples += b->samples;
}

/* Unlink b from the list (prev is its predecessor or NULL), remove its
 * file and free it. */
static void
drop(struct rw_queue *q, struct rw_batch *prev, struct rw_batch *b)
{
	char name[64];

	if (prev)
		prev->next = b->next;
	else
		q->head = b->next;
	if (q->tail == b)
		q->tail = prev;
	q->samples -= b->samples;
	if (b->on_disk) {
		file_name(name, sizeof(name), b->seq, "batch");
		unlink_file(q, name);
		q->disk_bytes -= HDR + b->len;
	} else {
		q->mem_bytes -= b->len;
	}
	free(b->data);
	free(b);
}

/* Drop the oldest batch of one tier that is not being sent.
 * @return its samples, or 0 when there is none. */
static uint32_t
drop_oldest(struct rw_queue *q, int on_disk)
{
	struct rw_batch *prev = NULL;

	for (struct rw_batch *b = q->head; b; prev = b, b = b->next) {
		uint32_t n = b->samples;

		if (b->on_disk != on_disk || b->pinned)
			continue;
		drop(q, prev, b);
		return n ? n : 1;
	}
	return 0;
}

int
rw_queue_push(struct rw_queue *q, const uint8_t *data, size_t len, uint32_t samples,
	      uint64_t *dropped)
{
	struct rw_batch *b = calloc(1, sizeof(*b));
	uint32_t n;

	if (b == NULL)
		return -ENOMEM;
	b->seq = q->next_seq++;
	b->samples = samples;
	b->len = len;
	if (q->mem_bytes + len > q->mem_max && q->dir_fd >= 0) {
		while (rw_queue_spill_bytes(q) + HDR + len > q->disk_max && bad_remove_oldest(q))
			;
		while (rw_queue_spill_bytes(q) + HDR + len > q->disk_max &&
		       (n = drop_oldest(q, 1)) > 0)
			*dropped += n;
		if (rw_queue_spill_bytes(q) + HDR + len <= q->disk_max) {
			int rc;

			b->data = (uint8_t *)data;   /* borrowed for the write */
			rc = write_batch(q, b);
			b->data = NULL;
			if (rc == 0) {
				b->on_disk = 1;
				q->disk_bytes += HDR + len;
				q->spilled++;
				append(q, b);
				return 0;
			}
			spill_failed(q, samples, rc);
		}
	}
	while (q->mem_bytes + len > q->mem_max && (n = drop_oldest(q, 0)) > 0)
		*dropped += n;
	if (q->mem_bytes + len > q->mem_max || (b->data = malloc(len)) == NULL) {
		*dropped += samples;
		free(b);
		return -ENOSPC;
	}
	memcpy(b->data, data, len);
	q->mem_bytes += len;
	append(q, b);
	return 0;
}

int
rw_queue_load(struct rw_queue *q, struct rw_batch *b)
{
	struct file_hdr h = { .len = b->len };
	int rc;

	if (b->data)
		return 0;
	b->data = malloc(b->len ? b->len : 1);
	if (b->data == NULL)
		return -ENOMEM;
	rc = read_file(q, b->seq, &h, b->data);
	if (rc == 0 && h.len != b->len)
		rc = -EBADMSG;
	if (rc < 0) {
		free(b->data);
		b->data = NULL;
	}
	return rc;
}

void
rw_queue_pop(struct rw_queue *q)
{
	if (q->head)
		drop(q, NULL, q->head);
}

static int
seq_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
bad_cmp(const void *a, const void *b)
{
	return seq_cmp(&((const struct rw_bad *)a)->seq, &((const struct rw_bad *)b)->seq);
}

/* Queue the batch files found in the directory, oldest first, and
 * count the damaged ones (found as *.bad, or found damaged now). */
static int
scan(struct rw_queue *q, char *err, size_t errlen)
{
	DIR *d = fdopendir(dup(q->dir_fd));
	struct dirent *e;
	uint64_t *seqs = NULL;
	struct rw_bad *bad = NULL;
	size_t n = 0, cap = 0, n_bad = 0, cap_bad = 0;
	int rc = 0;

	if (d == NULL) {
		snprintf(err, errlen, "cannot list the spill directory: %s", strerror(errno));
		return -errno;
	}
	while ((e = readdir(d)) != NULL) {
		uint64_t seq;
		const char *ext;
		struct stat st;
		int pos = 0;

		if (sscanf(e->d_name, "rw-%16" SCNx64 "%n", &seq, &pos) != 1 || pos != 19)
			continue;
		ext = e->d_name + pos;
		if (strcmp(ext, ".tmp") == 0) {
			unlinkat(q->dir_fd, e->d_name, 0);   /* a write a crash cut short */
			continue;
		}
		if (strcmp(ext, ".batch.bad") == 0 && fstatat(q->dir_fd, e->d_name, &st, 0) == 0) {
			if (n_bad == cap_bad) {
				struct rw_bad *p = realloc(bad, (cap_bad = cap_bad ? cap_bad * 2 : 16) *
							   sizeof(*p));

				if (p == NULL)
					goto nomem;
				bad = p;
			}
			bad[n_bad++] = (struct rw_bad){ seq, (uint64_t)st.st_size };
			continue;
		}
		if (strcmp(ext, ".batch") != 0)
			continue;
		if (n == cap) {
			uint64_t *p = realloc(seqs, (cap = cap ? cap * 2 : 64) * sizeof(*p));

			if (p == NULL)
				goto nomem;
			seqs = p;
		}
		seqs[n++] = seq;
	}
	if (n > 1)   /* qsort(NULL, 0, ...) is undefined: an empty spill has no array */
		qsort(seqs, n, sizeof(*seqs), seq_cmp);
	for (size_t i = 0; i < n; i++) {
		struct file_hdr h;
		struct rw_batch *b;
		char name[64];
		struct stat st;
		char bad_name[80];

		file_name(name, sizeof(name), seqs[i], "batch");
		if (read_file(q, seqs[i], &h, NULL) < 0 || fstatat(q->dir_fd, name, &st, 0) < 0 ||
		    (uint64_t)st.st_size != HDR + h.len) {
			fprintf(stderr, "argos: remote-write: spill file %s is damaged; "
				"left in place as %s.bad, not sent\n", name, name);
			snprintf(bad_name, sizeof(bad_name), "%s.bad", name);
			if (renameat(q->dir_fd, name, q->dir_fd, bad_name) == 0 &&
			    fstatat(q->dir_fd, bad_name, &st, 0) == 0) {
				struct rw_bad *p = realloc(bad, (n_bad + 1) * sizeof(*p));

				if (p == NULL)
					goto nomem;
				bad = p;
				bad[n_bad++] = (struct rw_bad){ seqs[i], (uint64_t)st.st_size };
			}
			continue;
		}
		if ((b = calloc(1, sizeof(*b))) == NULL)
			break;
		b->seq = seqs[i];
		b->samples = h.samples;
		b->len = h.len;
		b->on_disk = 1;
		q->disk_bytes += HDR + h.len;
		append(q, b);
		q->next_seq = seqs[i] + 1;
	}
	if (n_bad > 1)
		qsort(bad, n_bad, sizeof(*bad), bad_cmp);
	for (size_t i = 0; i < n_bad; i++) {
		bad_add(q, bad[i].seq, bad[i].bytes);
		if (bad[i].seq >= q->next_seq)
			q->next_seq = bad[i].seq + 1;   /* never reuse a .bad file's name */
	}
	goto out;
nomem:
	snprintf(err, errlen, "out of memory listing the spill directory");
	rc = -ENOMEM;
out:
	closedir(d);
	free(seqs);
	free(bad);
	return rc;
}

/* Bring the spill within its bound, with need more bytes to come:
 * damaged files first, then the oldest batches; with with_memory, a
 * batch still in memory counts as the bytes its file will take (at
 * close).  @return the samples dropped. */
static uint64_t
make_room(struct rw_queue *q, uint64_t need, int with_memory)
{
	uint64_t dropped = 0;

	while (rw_queue_spill_bytes(q) + need > q->disk_max && bad_remove_oldest(q))
		;
	while (rw_queue_spill_bytes(q) + need > q->disk_max && q->head != NULL) {
		struct rw_batch *b = q->head;

		if (!b->on_disk) {
			if (!with_memory)
				break;
			need -= b->data ? HDR + b->len : 0;
		}
		dropped += b->samples;
		drop(q, NULL, b);
	}
	return dropped;
}

int
rw_queue_open(struct rw_queue *q, const char *dir, uint64_t mem_max, uint64_t disk_max,
	      char *err, size_t errlen)
{
	int rc;

	memset(q, 0, sizeof(*q));
	q->dir_fd = -1;
	q->mem_max = mem_max;
	q->disk_max = disk_max;
	if (dir == NULL)
		return 0;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the spill directory %s: %s", dir, strerror(errno));
		return -errno;
	}
	q->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (q->dir_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open the spill directory %s: %s", dir, strerror(errno));
		return rc;
	}
	rc = io_uring_queue_init(8, &q->ring, 0);
	if (rc < 0) {
		snprintf(err, errlen, "io_uring_queue_init for the spill directory failed: %s",
			 strerror(-rc));
		close(q->dir_fd);
		q->dir_fd = -1;
		return rc;
	}
	q->ring_ok = 1;
	rc = scan(q, err, errlen);
	if (rc == 0 && rw_queue_spill_bytes(q) > q->disk_max) {
		/* Left by a run with a larger bound, or by an older argos. */
		q->dropped_open = make_room(q, 0, 0);
		if (q->dropped_open)
			fprintf(stderr, "argos: remote-write: the spill directory %s held more than "
				"--rw-spill-bytes; its %" PRIu64 " oldest samples were removed\n", dir,
				q->dropped_open);
	}
	return rc;
}

void
rw_queue_stop(struct rw_queue *q, struct rw_stop_figures *f)
{
	struct rw_stop_figures fig = { .pending = q->samples };
	struct rw_batch *b, *next;
	uint64_t mem = 0;
	int err = 0;

	if (q->dir_fd >= 0) {
		for (b = q->head; b; b = b->next)
			if (!b->on_disk && b->data)
				mem += HDR + b->len;
		fig.lost += make_room(q, mem, 1);
	}
	for (b = q->head; b; b = next) {
		next = b->next;
		if (b->on_disk) {
			fig.spilled += b->samples;
		} else if (q->dir_fd >= 0 && b->data && (err = write_batch(q, b)) == 0) {
			q->spilled++;
			fig.spilled += b->samples;
		} else {
			fig.lost += b->samples;
			if (err != 0)
				spill_failed(q, b->samples, err);
		}
		free(b->data);
		free(b);
	}
	q->head = q->tail = NULL;
	q->samples = 0;
	if (q->ring_ok)
		io_uring_queue_exit(&q->ring);
	if (q->dir_fd >= 0)
		close(q->dir_fd);
	q->dir_fd = -1;
	q->ring_ok = 0;
	free(q->bad);
	q->bad = NULL;
	q->n_bad = q->bad_first = 0;
	if (f != NULL)
		*f = fig;
}

void
rw_queue_close(struct rw_queue *q)
{
	rw_queue_stop(q, NULL);
}
