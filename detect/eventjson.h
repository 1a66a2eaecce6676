/* eventjson: an event's stored document parsed as the rules see it. */
#ifndef CASEBOOK_EVENTJSON_H
#define CASEBOOK_EVENTJSON_H

#include <cJSON.h>

#include "common/jsonarena.h"
#include "store/events.h"

/* Parses an event's stored document for evaluation, adding the fields casebook derived
 * (host.os.type for old agents) when the document lacks them. */
cJSON *detect_event_json(const struct event_row *row);
/* The same, in the arena: the pass's trees live for one candidate. */
cJSON *detect_event_json_in(struct json_arena *a, const struct event_row *row);

#endif
