/*
 * dp_results.c - result records, packed into batches for the control
 * plane (see argos_result.h for the layout and the reasons).
 *
 * The core keeps one batch open.  A batch is handed over when it is
 * full, or by the loop once it has waited a millisecond, so results
 * flow steadily without a ring operation per record.  Callers ask
 * dp_results_room() before they write (back-pressure, dp_lcore.h), so
 * dp_rec_alloc() always finds a batch.
 */
#include <string.h>

#include <rte_ring.h>

#include "dp_lcore.h"

void
dp_results_flush(struct dp_lcore *lc)
{
	struct argos_batch *b = lc->batch;

	if (b == NULL || b->used == 0)
		return;
	/* Sized to hold every batch there is: this cannot fail. */
	if (rte_ring_sp_enqueue(lc->lane->results, b) != 0) {
		lc->st->results_lost++;
		b->used = 0;
		return;
	}
	lc->batch = NULL;
}

int
dp_results_room(const struct dp_lcore *lc, uint32_t need)
{
	const struct argos_batch *b = lc->batch;
	uint32_t open = b != NULL ? (uint32_t)sizeof(b->data) - b->used : 0;

	if (need <= open)
		return 1;
	/* Counting the open batch's room too would need to know how the
	 * records split at its end; the fresh batches alone are enough. */
	return rte_ring_count(lc->lane->free_batches) >= (need + DP_BATCH_SURE - 1) / DP_BATCH_SURE;
}

int
dp_results_admit(const struct dp_lcore *lc)
{
	return rte_ring_count(lc->lane->free_batches) >= DP_ADMIT_BATCHES;
}

void *
dp_rec_alloc(struct dp_lcore *lc, uint16_t kind, uint32_t size, uint32_t device)
{
	struct argos_batch *b = lc->batch;
	struct argos_rec_hdr *h;

	size = RTE_ALIGN_CEIL(size, 8);
	if (size > DP_REC_MAX) {
		lc->st->results_lost++;
		return NULL;
	}
	if (b != NULL && b->used + size > sizeof(b->data)) {
		dp_results_flush(lc);
		b = NULL;
	}
	if (b == NULL) {
		void *p;

		if (rte_ring_sc_dequeue(lc->lane->free_batches, &p) != 0) {
			lc->st->results_lost++;
			return NULL;
		}
		b = lc->batch = p;
		b->used = 0;
		b->worker = lc->lane->worker;
		lc->batch_tsc = lc->now_tsc;
	}
	h = (struct argos_rec_hdr *)(b->data + b->used);
	memset(h, 0, size);
	h->kind = kind;
	h->size = (uint16_t)size;
	h->device = device;
	h->tsc = lc->now_tsc;
	b->used += size;
	return h;
}

void
dp_emit_error(struct dp_lcore *lc, uint32_t device, uint8_t job_kind, enum argos_err err,
	      const uint32_t *oid, uint32_t oid_len)
{
	struct argos_rec_error *r;

	r = dp_rec_alloc(lc, ARGOS_REC_ERROR, sizeof(*r) + oid_len * sizeof(uint32_t), device);
	if (r == NULL)
		return;
	r->error = (uint16_t)err;
	r->job_kind = job_kind;
	r->oid_len = (uint8_t)oid_len;
	if (oid_len)
		memcpy(r->oid, oid, oid_len * sizeof(uint32_t));
}

struct argos_rec_done *
dp_emit_done(struct dp_lcore *lc, uint32_t device, uint8_t job_kind, int ok,
	     uint32_t varbinds, uint32_t errors, uint64_t start_tsc)
{
	struct argos_rec_done *r = dp_rec_alloc(lc, ARGOS_REC_DONE, sizeof(*r), device);

	lc->st->jobs_done++;
	lc->st->inflight--;
	if (r == NULL)
		return NULL;
	r->job_kind = job_kind;
	r->ok = (uint8_t)ok;
	r->errors = (uint16_t)(errors > UINT16_MAX ? UINT16_MAX : errors);
	r->varbinds = varbinds;
	r->start_tsc = start_tsc;
	return r;
}
