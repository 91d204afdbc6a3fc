/*
 * assign.c - load-based, sticky core assignment (see cp_assign.h).
 *
 * Why an average and not the instant load: a core's queue empties and
 * refills within a second as polls start and end; comparing instant
 * values would move devices back and forth on noise.
 */
#include <string.h>

#include "cp_assign.h"

int
cp_assign_init(struct cp_assign *a, unsigned n_cores, unsigned window, double max_delta)
{
	if (n_cores == 0 || n_cores > CP_ASSIGN_MAX_CORES || window == 0 ||
	    window > CP_ASSIGN_MAX_WINDOW || !(max_delta >= 0))
		return -1;
	memset(a, 0, sizeof(*a));
	a->n_cores = n_cores;
	a->window = window;
	a->max_delta = max_delta;
	return 0;
}

void
cp_assign_sample(struct cp_assign *a, const double *load)
{
	memcpy(a->sample[a->next], load, a->n_cores * sizeof(*load));
	a->next = (a->next + 1) % a->window;
	if (a->filled < a->window)
		a->filled++;
	for (unsigned c = 0; c < a->n_cores; c++) {
		double sum = 0;

		for (unsigned s = 0; s < a->filled; s++)
			sum += a->sample[s][c];
		a->avg[c] = sum / a->filled;
	}
}

unsigned
cp_assign_core(struct cp_assign *a, unsigned cur)
{
	unsigned least = 0;

	for (unsigned c = 1; c < a->n_cores; c++)
		if (a->avg[c] < a->avg[least])
			least = c;
	if (cur >= a->n_cores) {
		/* A new device: round robin over the cores within max_delta of
		 * the least loaded, so that the devices of the first round,
		 * before any load was seen, spread evenly. */
		for (unsigned i = 0; i < a->n_cores; i++) {
			unsigned c = (a->rr + i) % a->n_cores;

			if (a->avg[c] - a->avg[least] <= a->max_delta) {
				a->rr = c + 1;
				return c;
			}
		}
		return least;
	}
	if (a->avg[cur] - a->avg[least] > a->max_delta) {
		a->moves++;
		return least;
	}
	return cur;
}
