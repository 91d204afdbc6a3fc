/*
 * fuzz_rw_spill.c - libFuzzer target for the remote-write spill reader
 * (controlplane/export/rw_queue.c): what rw_queue_open() makes of a
 * spill directory another run left, and what rw_queue_load() reads back
 * of each batch file before it is sent.
 *
 * The files of a spill directory are what a crash, a full disk or a
 * stranger left there, so every byte of them is input.  Each input is
 * a directory: a list of files, each [kind][seq][len, 2 bytes][bytes],
 * written into a scratch directory before rw_queue_open():
 *
 *   kind & 3 == 0  rw-<seq>.batch       1  rw-<seq>.batch.bad
 *             2    rw-<seq>.tmp         3  rw-<seq>.batchx (a stranger)
 *   kind & 4       the bytes get a right header first ("ARGOSRW1",
 *                  samples, reserved, their length), so that the
 *                  fuzzer reaches the loading of well-formed files too
 *   kind & 8       the header's length is one more than the bytes
 *
 * The first two bytes of the input set the disk bound (in KiB) and the
 * memory share.  Then every queued batch is loaded and popped, a batch
 * is pushed (through the bound: old files and damaged ones make room),
 * and the queue is closed.  The target checks that a loaded batch has
 * exactly the length its file claims, that the queue's counts of
 * samples and bytes come back to zero, and that the bound held.
 *
 * Seeds: corpus/rw_spill/ (made by make_spill_seeds.py).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rw_internal.h"

static char dir[64];

/* rw.c's clock; the spill reader uses it to pace its warnings. */
int64_t
rw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
empty_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		abort();
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static void
remove_dir(void)
{
	empty_dir();
	rmdir(dir);
}

static void
write_file(uint8_t kind, uint8_t seq, const uint8_t *p, size_t n)
{
	static const char *ext[] = { "batch", "batch.bad", "tmp", "batchx" };
	char path[128];
	uint8_t hdr[24];
	int fd;

	snprintf(path, sizeof(path), "%s/rw-%016x.%s", dir, seq, ext[kind & 3]);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (kind & 4) {
		uint64_t len = n + (kind & 8 ? 1 : 0);
		uint32_t samples = seq * 3u, reserved = 0;

		memcpy(hdr, "ARGOSRW1", 8);
		memcpy(hdr + 8, &samples, 4);
		memcpy(hdr + 12, &reserved, 4);
		memcpy(hdr + 16, &len, 8);
		if (write(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
			abort();
	}
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rw_queue q;
	struct rw_stop_figures fig;
	char err[256];
	uint64_t disk_max, mem_max, dropped = 0;
	size_t at = 2;
	int pushed;
	static const uint8_t fresh[100] = { 1, 2, 3 };

	if (dir[0] == '\0') {
		/* On tmpfs where there is one: the spill fdatasyncs each file,
		 * which a disk makes a hundred times slower. */
		strcpy(dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/argos-fuzz-spill.XXXXXX" :
		       "/tmp/argos-fuzz-spill.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(remove_dir);
	}
	if (size < 2)
		return 0;
	disk_max = ((uint64_t)data[0] + 1) * 1024;
	mem_max = (uint64_t)data[1] * 64;
	empty_dir();
	while (at + 4 <= size) {
		uint8_t kind = data[at], seq = data[at + 1];
		size_t len = (size_t)data[at + 2] << 8 | data[at + 3];
		size_t n = size - at - 4 < len ? size - at - 4 : len;

		write_file(kind, seq, data + at + 4, n);
		at += 4 + n;
	}

	if (rw_queue_open(&q, dir, mem_max, disk_max, err, sizeof(err)) != 0) {
		/* Not the files' doing (io_uring, the directory itself): say so. */
		fprintf(stderr, "fuzz_rw_spill: rw_queue_open refused: %s\n", err);
		rw_queue_close(&q);
		return 0;
	}
	if (rw_queue_spill_bytes(&q) > disk_max)
		abort();   /* the bound holds at open */
	while (q.head != NULL) {
		struct rw_batch *b = q.head;
		size_t len = b->len;

		if (rw_queue_load(&q, b) == 0) {
			if (b->data == NULL || b->len != len)
				abort();
			for (size_t i = 0; i < b->len; i++)
				dropped += b->data[i];   /* every byte is there to read */
		}
		rw_queue_pop(&q);
	}
	if (q.samples != 0 || q.disk_bytes != 0 || q.mem_bytes != 0)
		abort();   /* an empty queue counts nothing */
	pushed = rw_queue_push(&q, fresh, sizeof(fresh), 7, &dropped) == 0;
	if (rw_queue_spill_bytes(&q) > disk_max)
		abort();   /* the bound holds while pushing */
	rw_queue_stop(&q, &fig);
	if (fig.pending != (pushed ? 7u : 0u))
		abort();   /* the pushed batch is the only one pending */
	return 0;
}
