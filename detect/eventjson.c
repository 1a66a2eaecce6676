/* eventjson: an event's stored document parsed as the rules see it, with the fields casebook
 * derived at ingest (host.os.type for old agents). */

#include "detect/eventjson.h"

#include <string.h>

#include "common/jsonarena.h"
#include "detect/eventjson.h"
#include "detect/run.h"

static int derived_os_type(const struct event_row *row)
{
	return row->r.derived && strstr(row->r.derived, "host.os.type") && row->r.os_type;
}

cJSON *detect_event_json(const struct event_row *row)
{
	cJSON *ev = cJSON_ParseWithLength(row->doc, row->doc_len);
	if (ev && derived_os_type(row)) /* dotted keys resolve like nested ones: seen as host.os.type */
		cJSON_AddStringToObject(ev, "host.os.type", row->r.os_type);
	return ev;
}

/* The same, in the arena: the pass's trees live for one candidate. */
cJSON *detect_event_json_in(struct json_arena *a, const struct event_row *row)
{
	cJSON *ev = json_arena_parse(a, row->doc, row->doc_len);
	if (ev && derived_os_type(row))
		json_arena_add_string(a, ev, "host.os.type", row->r.os_type);
	return ev;
}
