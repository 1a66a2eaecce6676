/* eventjson: an event's stored document parsed as the rules see it, with the fields casebook
 * derived at ingest (host.os.type for old agents). */

#include "detect/eventjson.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/diag.h"
#include "common/digest.h"
#include "common/jsonarena.h"
#include "common/jsonexact.h"
#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "detect/eql.h"
#include "detect/eventjson.h"
#include "detect/exceptions.h"
#include "detect/field.h"
#include "detect/filters.h"
#include "detect/needles.h"
#include "detect/plan.h"
#include "detect/rule.h"
#include "detect/run.h"
#include "detect/sample.h"
#include "detect/sequence.h"
#include "detect/wildcard.h"
#include "store/alerts.h"
#include "store/rules.h"

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
