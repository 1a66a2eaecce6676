/* techniques: synthetic Elastic Defend events for each way of installing a DirectoryService
 * plugin (and for a loaded plugin starting a program), shaped as Endpoint reports file and
 * process events on macOS. `casebook coverage` runs the enabled rules over them, and the
 * tests use the same events, so the coverage table cannot drift from the rules.
 * The shapes are inferred (docs/DETECTION.md says from what): no Mac with Elastic Defend
 * recorded them. */
#ifndef CASEBOOK_TECHNIQUES_H
#define CASEBOOK_TECHNIQUES_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

struct technique {
	const char *id;   /* also the synthetic events' host.name */
	const char *name; /* for the table */
};

extern const struct technique techniques[];
extern const size_t ntechniques;

/* Appends technique t's events as NDJSON, the first at base_us, one second apart. */
void technique_events(size_t t, int64_t base_us, struct strbuf *out);

#endif
