/* format: what export.c shares with the files of the formats that make several alerts one case
 * (case_markdown.c, case_thehive.c, case_kibana.c), and the operations such a format has.
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

extern const struct export_case_ops case_markdown_ops, case_thehive_ops, case_kibana_ops;

/* ---- from export.c ---- */

/* The single alert's Markdown report (the markdown format's one record). */
void write_markdown_one(const struct case_record *r, const struct export_options *o, struct strbuf *out);
/* The single alert's TheHive alert body (POST /api/v1/alert). */
cJSON *thehive_one(const struct case_record *r, const struct export_options *o);
/* TheHive's severity, 1 (low) to 4 (critical). */
int thehive_severity(const char *severity);
/* A TheHive task for a checklist item or response step: its title (the text cut at a word past
 * 120 characters), group, mandatory (a checklist item) and order. */
cJSON *thehive_task(const struct case_item *it, size_t order);
/* Kibana's id of an alert: an imported alert's kibana.alert.uuid, else casebook's uuid. */
const char *kibana_id(const char *uuid);

/* The observables of a body, each (type, value) once. */
struct observables {
	cJSON *arr;
	struct strpool seen;
};
/* Adds an observable unless (type, data) is there already; a value over TheHive's 512 is cut. */
void observable(struct observables *obs, const char *type, const char *data, const char *tag, const char *message);
/* What one event holds that a case system can pivot on. */
void event_observables(struct observables *obs, const cJSON *ev);
/* Where a value longer than TheHive takes is cut (its length when it fits). */
size_t observable_cut_at(const char *data);
/* The rule's threat (kibana.alert.rule.threat) as TheHive procedures appended to arr. */
void procedures_add(cJSON *arr, const cJSON *threat, int64_t occur_ms);

/* Appends a note for the analyst to o->note (the CLI says it on stderr, the console on its
 * status line). */
void export_note(const struct export_options *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
