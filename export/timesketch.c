/* timesketch-jsonl and timesketch-csv: the timeline around each alert for Timesketch, a row per
 * event of the window (the alert's own tagged) and one per exception added to or removed from
 * the alert's rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/timeutil.h"
#include "export/format.h"
#include "store/triage.h"

static void event_message(const struct case_event *e, struct strbuf *m)
{
	strbuf_addf(m, "%s %s", e->category ? e->category : "event", e->action ? e->action : "");
	if (e->process)
		strbuf_addf(m, " by %s", e->process);
	if (e->has_pid)
		strbuf_addf(m, " (pid %lld)", (long long)e->pid);
	if (e->evidence || e->target)
		strbuf_addf(m, ": %s", e->evidence ? e->evidence : e->target);
}

static void csv_field(struct strbuf *out, const char *v)
{
	struct strbuf safe;
	strbuf_init(&safe, 64);
	sanitize_append(&safe, v ? v : "", strlen(v ? v : ""), 0);
	int quote = strpbrk(safe.buf, ",\"\n\r") != NULL || (safe.len && strchr("=+-@", safe.buf[0]));
	if (safe.len && strchr("=+-@", safe.buf[0]))
		strbuf_addch(out, '"'), strbuf_addch(out, '\''); /* keep spreadsheets from running formulas */
	else if (quote)
		strbuf_addch(out, '"');
	for (size_t i = 0; i < safe.len; i++) {
		if (safe.buf[i] == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, safe.buf[i]);
	}
	if (quote)
		strbuf_addch(out, '"');
	strbuf_release(&safe);
}

static const char *const ts_columns[] = {"message",
                                         "datetime",
                                         "timestamp",
                                         "timestamp_desc",
                                         "tag",
                                         "host.name",
                                         "user.name",
                                         "process.name",
                                         "process.pid",
                                         "process.executable",
                                         "file.path",
                                         "event.category",
                                         "event.action",
                                         "event.id",
                                         "casebook.alert",
                                         "casebook.audit_anchor",
                                         "process.command_line",
                                         "process.parent.executable",
                                         "destination",
                                         "sha256"};

/* The CSV has no process.pid column: pandas reads a column of numbers with some cells empty
 * (events without a pid) as floats, and Timesketch would store 66.0. The pid is in the
 * message of both formats, and a number in the JSONL. */
#define TS_PID_COLUMN 8
/* The CSV stops before the evidence columns: pandas reads a column that is empty in every row
 * as floats (NaN), and an alert's window often has no connection or hash at all. Their text is
 * in the message; the JSONL carries them as fields when they have a value. */
#define TS_CSV_COLUMNS 16

static void write_timesketch_header(struct strbuf *out)
{
	const char *sep = "";
	for (size_t c = 0; c < TS_CSV_COLUMNS; c++) {
		if (c == TS_PID_COLUMN)
			continue;
		strbuf_addf(out, "%s%s", sep, ts_columns[c]);
		sep = ",";
	}
	strbuf_addstr(out, "\n");
}

/* One row per exception added to or removed from the alert's rule: they are part of the
 * record, and Timesketch shows them on the timeline at the moment they were made. */
static void write_timesketch_exceptions(const struct case_record *r, int csv, const struct export_options *o,
                                        struct strbuf *out)
{
	for (size_t i = 0; i < r->naudit; i++) {
		const struct case_audit *a = &r->audit[i];
		int added = !strcmp(a->action, AUDIT_EXCEPTION_ADDED);
		if (!added && strcmp(a->action, AUDIT_EXCEPTION_REMOVED))
			continue;
		struct strbuf msg;
		strbuf_init(&msg, 128);
		strbuf_addf(&msg, "%s by %s: %s", a->action, a->analyst,
		            added ? (a->after ? a->after : "") : (a->before ? a->before : ""));
		char t[TIME_ISO_LEN], us[32];
		export_iso(a->at_us, t);
		snprintf(us, sizeof(us), "%lld", (long long)a->at_us);
		const char *desc = added ? "Exception Added" : "Exception Removed";
		if (csv) {
			const char *values[TS_CSV_COLUMNS] = {msg.buf, t, us, desc, "[\"casebook-exception\"]"};
			values[14] = r->uuid;
			values[15] = o->audit_anchor;
			for (size_t c = 0; c < TS_CSV_COLUMNS; c++) {
				if (c == TS_PID_COLUMN)
					continue;
				if (c)
					strbuf_addch(out, ',');
				csv_field(out, values[c] ? values[c] : "");
			}
			strbuf_addch(out, '\n');
		} else {
			cJSON *row = cJSON_CreateObject();
			char *shown = sanitize_dup(msg.buf, 0);
			cJSON_AddStringToObject(row, "message", shown);
			free(shown);
			cJSON_AddStringToObject(row, "datetime", t);
			cJSON_AddRawToObject(row, "timestamp", us);
			cJSON_AddStringToObject(row, "timestamp_desc", desc);
			cJSON_AddItemToArray(cJSON_AddArrayToObject(row, "tag"),
			                     cJSON_CreateString("casebook-exception"));
			cJSON_AddStringToObject(row, "casebook.alert", r->uuid);
			cJSON_AddStringToObject(row, "casebook.audit_anchor", o->audit_anchor);
			export_append_json(out, row);
			strbuf_addch(out, '\n');
			cJSON_Delete(row);
		}
		strbuf_release(&msg);
	}
}

/* One row per timeline event of one alert. */
static void write_timesketch(const struct case_record *r, int csv, const struct export_options *o, struct strbuf *out)
{
	for (size_t j = 0; j < r->ntimeline; j++) {
		const struct case_event *e = &r->timeline[j];
		struct strbuf msg;
		strbuf_init(&msg, 128);
		event_message(e, &msg);
		char t[TIME_ISO_LEN], us[32], pid[32] = "";
		export_iso(e->ts, t);
		snprintf(us, sizeof(us), "%lld", (long long)e->ts);
		if (e->has_pid)
			snprintf(pid, sizeof(pid), "%lld", (long long)e->pid);
		int own = case_is_member(r, e->id);
		/* Timesketch reads a CSV tag cell as a JSON list when it is one ("[...]"), and an
		 * empty cell, which pandas reads as NaN, as the tag "nan": always a list */
		struct strbuf tag;
		strbuf_init(&tag, 64);
		strbuf_addch(&tag, '[');
		if (own) {
			strbuf_addstr(&tag, "\"casebook-alert\",");
			json_quote_append(&tag, r->rule_name, strlen(r->rule_name));
		}
		strbuf_addch(&tag, ']');
		const char *values[] = {
		    msg.buf,        t,           us,      "Event Time",    tag.buf,         e->host,
		    e->user,        e->process,  pid,     e->executable,   e->file_path,    e->category,
		    e->action,      e->identity, r->uuid, o->audit_anchor, e->command_line, e->parent,
		    e->destination, e->sha256};
		if (csv) {
			for (size_t c = 0; c < TS_CSV_COLUMNS; c++) {
				if (c == TS_PID_COLUMN)
					continue;
				if (c)
					strbuf_addch(out, ',');
				csv_field(out, values[c]);
			}
			strbuf_addch(out, '\n');
		} else {
			cJSON *row = cJSON_CreateObject();
			for (size_t c = 0; c < sizeof(values) / sizeof(values[0]); c++) {
				if (c == 2)
					cJSON_AddRawToObject(row, ts_columns[c], us); /* exact, not 1.7e+15 */
				else if (c == 4) {
					cJSON *tags = cJSON_AddArrayToObject(row, "tag");
					if (own) {
						cJSON_AddItemToArray(tags, cJSON_CreateString("casebook-alert"));
						cJSON_AddItemToArray(tags, cJSON_CreateString(r->rule_name));
					}
				} else if (c == TS_PID_COLUMN) {
					if (e->has_pid)
						cJSON_AddNumberToObject(row, ts_columns[c], (double)e->pid);
				} else if (values[c]) {
					/* for display, like the CSV: controls shown as glyphs */
					char *shown = sanitize_dup(values[c], 0);
					cJSON_AddStringToObject(row, ts_columns[c], shown);
					free(shown);
				}
			}
			export_append_json(out, row);
			strbuf_addch(out, '\n');
			cJSON_Delete(row);
		}
		strbuf_release(&msg);
		strbuf_release(&tag);
	}
	write_timesketch_exceptions(r, csv, o, out);
}

static void timesketch_csv_begin(const struct export_options *o, size_t n, struct strbuf *out)
{
	(void)o, (void)n;
	write_timesketch_header(out);
}

static void timesketch_jsonl_one(const struct case_record *r, size_t i, const struct export_options *o,
                                 struct strbuf *out)
{
	(void)i;
	write_timesketch(r, 0, o, out);
}

static void timesketch_csv_one(const struct case_record *r, size_t i, const struct export_options *o,
                               struct strbuf *out)
{
	(void)i;
	write_timesketch(r, 1, o, out);
}

const struct export_format_ops timesketch_jsonl_format = {
    .info = {"timesketch-jsonl", "jsonl", ".jsonl"},
    .one = timesketch_jsonl_one,
};
const struct export_format_ops timesketch_csv_format = {
    .info = {"timesketch-csv", "csv", ".csv"},
    .begin = timesketch_csv_begin,
    .one = timesketch_csv_one,
};
