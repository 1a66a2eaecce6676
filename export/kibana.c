/* kibana-status: the bodies of Kibana's POST /api/detection_engine/signals/status that set the
 * exported alerts there as they are in the case. Kibana takes one status (and one reason) per
 * body for a list of signal_ids, so the alerts are grouped by status and reason, in the order
 * they were given: one group is one object, several an array of them.
 *
 * Only an alert Kibana raised (one casebook took in, kibana:UUID) can be set there; an alert
 * casebook's own detect raised has no document in Kibana's index, so it is left out and the
 * export's note says how many and which. The alerts are always one case, however many. */
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/vocab.h"
#include "export/format.h"
#include "store/alerts.h"

/* Kibana's id of an alert: an imported alert's kibana.alert.uuid (the document's _id), else
 * casebook's own uuid. */
const char *kibana_id(const char *uuid)
{
	size_t n = strlen(ALERT_IMPORTED_PREFIX);
	return strncmp(uuid, ALERT_IMPORTED_PREFIX, n) ? uuid : uuid + n;
}

struct kibana_case {
	const struct export_options *o;
	cJSON *bodies; /* array of {signal_ids, status, reason} */
	size_t left_out;
	char first_left_out[16]; /* the first left-out alert's short uuid, for the note */
};

static void *kibana_open(const struct export_options *o, size_t n)
{
	(void)n;
	struct kibana_case *k = xcalloc(1, sizeof(*k));
	k->o = o;
	k->bodies = cJSON_CreateArray();
	return k;
}

/* The body for this status and reason, made when it is the first. */
static cJSON *body_for(struct kibana_case *k, const char *status, const char *reason)
{
	cJSON *b;
	cJSON_ArrayForEach(b, k->bodies)
	{
		const char *bs = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "status"));
		const char *br = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(b, "reason"));
		if (!strcmp(bs, status) && ((!br && !reason) || (br && reason && !strcmp(br, reason))))
			return b;
	}
	b = cJSON_CreateObject();
	cJSON_AddArrayToObject(b, "signal_ids");
	cJSON_AddStringToObject(b, "status", status);
	/* Kibana 9.2+ sets kibana.alert.workflow_reason from "reason" and deletes it when a body has
	 * none: only a closed alert's reason goes, and only a closed alert carries one */
	if (reason)
		cJSON_AddStringToObject(b, "reason", reason);
	cJSON_AddItemToArray(k->bodies, b);
	return b;
}

static void kibana_survey(void *st, const struct case_record *r, size_t i)
{
	(void)i;
	struct kibana_case *k = st;
	if (strncmp(r->uuid, ALERT_IMPORTED_PREFIX, strlen(ALERT_IMPORTED_PREFIX))) {
		if (!k->left_out++)
			snprintf(k->first_left_out, sizeof(k->first_left_out), "%.12s", r->uuid);
		return;
	}
	/* acknowledged as this alert's Kibana spells it ("in-progress" from 7.x, which the status
	 * API still takes), and a closed alert's reason, Kibana's own custom reasons included */
	const char *status = r->status;
	if (alert_status_from(status) == STATUS_ACKNOWLEDGED && r->acknowledged_as)
		status = r->acknowledged_as;
	const char *reason = alert_status_from(r->status) == STATUS_CLOSED ? r->closed_reason : NULL;
	cJSON *b = body_for(k, status, reason);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(b, "signal_ids"), cJSON_CreateString(kibana_id(r->uuid)));
}

static void kibana_begin(void *st, struct strbuf *out)
{
	struct kibana_case *k = st;
	int n = cJSON_GetArraySize(k->bodies);
	char *text = cJSON_PrintUnformatted(n == 1 ? cJSON_GetArrayItem(k->bodies, 0) : k->bodies);
	sanitize_json_append(out, text, strlen(text));
	strbuf_addch(out, '\n');
	cJSON_free(text);
	if (k->left_out)
		export_note(k->o,
		            "%zu alert%s raised by casebook, not Kibana (%s%s), %s not in the kibana-status body: "
		            "Kibana has no such alert",
		            k->left_out, k->left_out == 1 ? "" : "s", k->first_left_out, k->left_out > 1 ? ", …" : "",
		            k->left_out == 1 ? "is" : "are");
}

static void kibana_end(void *st, struct strbuf *out)
{
	(void)st, (void)out;
}

static void kibana_close(void *st)
{
	struct kibana_case *k = st;
	cJSON_Delete(k->bodies);
	free(k);
}

static const struct export_case_ops case_kibana_ops = {
    kibana_open, kibana_survey, kibana_begin, NULL, kibana_end, kibana_close,
};

/* one body per status and reason, of the alerts Kibana raised, however many */
const struct export_format_ops kibana_status_format = {
    .info = {"kibana-status", "kibana-status.json", ""},
    .as_case = &case_kibana_ops,
    .case_from = 1,
};
