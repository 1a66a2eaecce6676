/* format: what a format's file (export/NAME.c) defines for export.c's table of formats, and what
 * export.c and the formats' files share.
 *
 * A case format reads the alerts twice: a survey of every record without its timeline (what a
 * summary, a severity or a status body needs of all of them), then each record with its
 * timeline for its own part; one record is held at a time. */
#ifndef CASEBOOK_EXPORT_FORMAT_H
#define CASEBOOK_EXPORT_FORMAT_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "common/strpool.h"
#include "common/timeutil.h"
#include "export/export.h"
#include "triage/case.h"

/* The operations of a format when several alerts make one case; st is the format's own state. */
struct export_case_ops {
	void *(*open)(const struct export_options *o, size_t n);
	/* First pass: every record, in order, without its timeline. */
	void (*survey)(void *st, const struct case_record *r, size_t i);
	/* After the survey: the case's opening. */
	void (*begin)(void *st, struct strbuf *out);
	/* Second pass, each record with its timeline; NULL when the format needs none. */
	void (*one)(void *st, const struct case_record *r, size_t i, struct strbuf *out);
	void (*end)(void *st, struct strbuf *out);
	void (*close)(void *st);
};

/* markdown.c: the Markdown case, whose overview and summary are a TheHive case's description. */
extern const struct export_case_ops case_markdown_ops;

/* A format: its row in formats[] (export.c) points at one of these, defined in its file. */
struct export_format_ops {
	struct export_format_info info;
	void (*begin)(const struct export_options *o, size_t n, struct strbuf *out); /* may be NULL */
	void (*one)(const struct case_record *r, size_t i, const struct export_options *o, struct strbuf *out);
	void (*end)(const struct export_options *o, size_t n, struct strbuf *out); /* may be NULL */
	/* From case_from alerts on, they are one case written by these; NULL: never. */
	const struct export_case_ops *as_case;
	size_t case_from;
};

/* ---- shared by the formats (export.c) ---- */

void export_iso(int64_t us, char out[TIME_ISO_LEN]);
/* The value at a dotted name, through nested objects (the alert's source fields are nested). */
const cJSON *export_get_path(const cJSON *obj, const char *path);
/* The string at a dotted name, or the first of an array there; NULL when none. */
const char *export_get_str(const cJSON *obj, const char *path);
/* Appends cJSON's output made terminal-safe (C1, bidi, invalid UTF-8 escaped). */
void export_append_json(struct strbuf *out, const cJSON *j);
/* Appends j as item i of a JSON array (a comma before all but the first) and frees it. */
void export_append_json_item(cJSON *j, size_t i, struct strbuf *out);
/* A stored document as JSON to embed in an export, its numbers as written (null when none). */
cJSON *export_parse_or_string(const char *doc);
/* Adds v, or null when v is NULL. */
void export_add_str(cJSON *obj, const char *key, const char *v);
/* Adds the time as ISO 8601, or null when us is 0. */
void export_add_time(cJSON *obj, const char *key, int64_t us);

/* ---- shared between the formats' files ---- */

/* markdown.c: the single alert's Markdown report (the markdown format's one record). */
void write_markdown_one(const struct case_record *r, const struct export_options *o, struct strbuf *out);
/* kibana.c: Kibana's id of an alert: an imported alert's kibana.alert.uuid, else casebook's uuid. */
const char *kibana_id(const char *uuid);

/* Appends a note for the analyst to o->note (the CLI says it on stderr, the console on its
 * status line). */
void export_note(const struct export_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
