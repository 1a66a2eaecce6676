/* export: the triage record out of casebook, in the formats the rest of the team uses.
 *
 *   markdown          a report to paste into a ticket (several alerts: one case report)
 *   json              the whole triage record (docs/EXPORT.md, versioned)
 *   thehive           a TheHive 5 alert, the body of POST /api/v1/alert as it is
 *   thehive-case      a TheHive 5 case (POST /api/v1/case) with the checklist as its tasks;
 *                     several alerts: one case with its alerts and observables
 *   kibana-status     the body of Kibana's signals/status: every Kibana alert, by status
 *   timesketch-jsonl  the timeline around each alert, for Timesketch
 *   timesketch-csv
 *
 * Every string from an event or an analyst passes the sanitizer on the way out; Markdown
 * output also escapes Markdown, so event text cannot add headings, links, HTML or table cells. */
#ifndef CASEBOOK_EXPORT_H
#define CASEBOOK_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/atomicfile.h"
#include "common/strbuf.h"
#include "store/store.h"

enum export_format {
	EXPORT_MARKDOWN,
	EXPORT_JSON,
	EXPORT_THEHIVE,
	EXPORT_THEHIVE_CASE,
	EXPORT_TIMESKETCH_JSONL,
	EXPORT_TIMESKETCH_CSV,
	EXPORT_KIBANA_STATUS
};

struct export_options {
	int64_t before_us, after_us; /* the timeline window (10 minutes each side by default) */
	int64_t now_us;              /* "exported at" (0: the clock) */
	int source_json;             /* Markdown: append the source event's JSON (long; off by default) */
	/* When set, what is written so far is handed to flush after each alert and out is
	 * emptied, so memory holds one alert's record, not the export; non-zero stops it. */
	int (*flush)(void *ctx, const char *data, size_t len);
	void *flush_ctx;
	/* Set by export_alerts: the audit chain's anchor, "ENTRIES:SHA256" of its newest entry
	 * (casebook audit --verify --expect checks a case against it). */
	char audit_anchor[96];
	/* When set, what the analyst should know of the export ("2 alerts did not come from Kibana:
	 * …") is written here as one line (cut to note_len). */
	char *note;
	size_t note_len;
};

/* What the command line and the console know of a format: all from one table in export.c. */
struct export_format_info {
	const char *name;   /* --format NAME */
	const char *ext;    /* the file ending the console suggests, e.g. "thehive.json" */
	const char *suffix; /* the ending a file name must have ("" when any): Timesketch's ".csv" */
};
size_t export_format_count(void);
/* The format's row, or NULL past the last. */
const struct export_format_info *export_format_info(enum export_format f);
/* Whether n alerts in this format are one case (one report, one TheHive case, one status body). */
int export_format_makes_case(enum export_format f, size_t n);
/* Parses a format name; returns -1 for an unknown one. */
int export_format_parse(const char *name, enum export_format *f);
/* Appends "markdown, json, …<last_sep>timesketch-csv". */
void export_format_names(struct strbuf *out, const char *last_sep);
/* The format a file name's extension names (the longest match: x.thehive.json is thehive);
 * -1 when none does. */
int export_format_of_path(const char *path, enum export_format *f);
/* Whether the file name's extension names another kind of file than the format writes (x.md
 * for json); an extension no format claims contradicts nothing. */
int export_path_contradicts(enum export_format f, const char *path);
/* Whether path ends as the format requires. */
int export_path_fits(enum export_format f, const char *path);

/* Writes the records of the alerts with these uuids (full uuids) to out. Returns 0 or -1
 * (store_errmsg). */
int export_alerts(struct store *s, char *const *uuids, size_t n, enum export_format f, const struct export_options *o,
                  struct strbuf *out);

/* Escapes untrusted text for inline Markdown (after sanitizing it). */
void markdown_escape_append(struct strbuf *out, const char *s);

/* An export streamed to a file written atomically (or to stdout when path is NULL). Returns
 * 0, or -1 with a message in err. */
int export_to_file(struct store *s, char *const *uuids, size_t n, enum export_format f, const struct export_options *o,
                   const char *path, int force, char *err, size_t errlen);

#endif
