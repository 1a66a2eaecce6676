/* type_eql: what the EQL type's sequences need from the core while it still holds their state.
 * Internal to detect/. */
#ifndef CASEBOOK_TYPE_EQL_H
#define CASEBOOK_TYPE_EQL_H

#include <stddef.h>

#include "detect/run.h"

/* The stages, until, then the missing-event stages (see eql_missing_position). */
size_t run_sequence_slots(const struct run *run);
/* Matches the sequence as the events arrive, in @timestamp order. */
void run_sequence_stream_start(struct run *run);
void run_sequences_release(struct run *run);

#endif
