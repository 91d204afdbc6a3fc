/*
 * learn.c - what the control plane learns of each device's agent from
 * one SNMP poll to the next, and hands to the next job.
 *
 *   - the GETBULK max-repetitions: the core shrinks it within a poll and
 *     reports it in the DONE record; here it grows back slowly between
 *     polls (include/argos_maxrep.h has the rule);
 *   - which community answered last, when the device has an alternate
 *     (snmp_alternate_community): that one is tried first next time.
 *
 * Kept per device in struct cp_dev_state: in memory with a devices
 * file; in DB mode also written back to the device's row (dbmode.c) and
 * read again at each claim, so another appliance takes over what was
 * learnt.
 */
#include <string.h>

#include "cp_app.h"

void
cp_learn_poll_end(struct cp_app *app, const struct argos_rec_done *d)
{
	struct cp_dev_state *st = &app->state[d->h.device];
	const struct cp_device *dev = &app->devs[d->h.device];

	if (d->max_rep != 0)   /* the poll used GETBULK */
		argos_maxrep_learn(&st->maxrep, dev->snmp_max_repetitions, d->max_rep,
				   d->max_rep_failed, d->ok);
	if (d->alt_answered)
		st->alt_in_use = !st->alt_in_use;
}

void
cp_learn_job(const struct cp_app *app, uint32_t idx, struct argos_job *j)
{
	const struct cp_device *d = &app->devs[idx];
	const struct cp_dev_state *st = &app->state[idx];
	const char *first = d->community, *second = d->alt_community;

	if (st->alt_in_use && d->alt_community[0] != '\0') {
		first = d->alt_community;
		second = d->community;
	}
	j->max_repetitions = argos_maxrep_next(&st->maxrep, d->snmp_max_repetitions);
	j->flags = d->snmp_flags | (app->cfg.avoid_fragments ? ARGOS_JOB_AVOID_FRAGMENTS : 0);
	j->community_len = (uint8_t)strlen(first);
	memcpy(j->community, first, j->community_len);
	j->alt_community_len = (uint8_t)strlen(second);
	memcpy(j->alt_community, second, j->alt_community_len);
}
