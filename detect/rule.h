/* rule: a Kibana detection rule, read from the formats analysts have, with Kibana's
 * defaults filled in (interval 5m, from now-6m, to now, max_signals 100, language kuery). */
#ifndef CASEBOOK_RULE_H
#define CASEBOOK_RULE_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/diag.h"
#include "detect/datemath.h"
#include "store/rules.h"
#include "store/store.h"

/* Kibana's default xpack.alerting.rules.run.alerts.max: no execution makes more alerts. */
#define RULE_MAX_ALERTS 1000

struct exception_ref {
	char *list_id, *namespace_type;
};

struct rule {
	int64_t key; /* in the store, once stored */
	char *rule_id, *uuid, *name, *type, *language, *query, *severity, *timestamp_override;
	char *interval, *from, *to; /* as written: "5m", "now-9m", "now" */
	int64_t version, risk_score, max_signals;
	struct date_math from_math, to_math;    /* each execution's window: rule_window_from/_to */
	int64_t interval_us, lookback_us;       /* bounds: "from" is never before now - lookback_us, */
	int64_t to_offset_us, to_offset_max_us; /* "to" is between now - max and now - to_offset_us */
	char **index;
	size_t nindex;
	struct exception_ref *exceptions;
	size_t nexceptions;
	int enabled;
	char *unsupported; /* why detect cannot run it, or NULL */
	char *unapplied;   /* the fields it sets that casebook does not apply (detect/rulefields.h), or NULL */
	cJSON *obj;        /* the rule, defaults filled */
};

/* Reads a rule object (Kibana's rule JSON). Returns 0, or -1 with the reason in why. */
int rule_from_json(const cJSON *obj, struct rule *r, char *why, size_t whylen);
/* Reads a stored rule. */
int rule_from_row(const struct rule_row *row, struct rule *r, char *why, size_t whylen);
void rule_release(struct rule *r);

/* The window of the execution at T: "from" rounded down, "to" rounded up. */
int64_t rule_window_from(const struct rule *r, int64_t T);
int64_t rule_window_to(const struct rule *r, int64_t T);

/* What `rules import` found in the files. */
struct import_counts {
	unsigned rules_added, rules_updated, rules_unchanged, rules_invalid, unsupported;
	unsigned unapplied; /* stored and run, with fields casebook does not apply */
	unsigned lists, items, summaries;
};

/* Imports every rule, exception list and item in a file: one JSON object (a rule, or the
 * prebuilt package's saved object {"attributes": rule}), a JSON array of them, or Kibana's
 * "Export rules" NDJSON. Problems are reported on errors as FILE:LINE: message. */
int rules_import_file(struct store *s, const char *path, const char *source, struct import_counts *c,
                      const struct diag_sink *errors);
/* Imports one rule object (a prebuilt rule read by detect/ruleimport.c) with its detection-rules
 * [metadata] as JSON (or NULL), as an analyst's import stores it; problems go to errors as
 * WHERE: message. 0, or -1 on a store error. */
int rules_import_rule(struct store *s, const cJSON *obj, const char *source, const char *metadata,
                      struct import_counts *c, const struct diag_sink *errors, const char *where);
/* The rule of a Kibana alert document (its kibana.alert.rule.* fields), stored disabled with
 * source "kibana-alert" unless that rule_id and version are stored already; *key gets the
 * stored rule's key. Returns 0, or -1 with the reason in why. */
int rules_add_from_alert(struct store *s, const cJSON *alert, int64_t *key, char *why, size_t whylen);
/* Imports the rule pack compiled into casebook, unless this database has it already. A problem
 * in a pack rule (casebook's bug) is said through warn (the CLI: diag_stderr_sink(); NULL:
 * nowhere). Returns 0, or -1 with the detail in store_errmsg. */
int rules_load_pack(struct store *s, const struct diag_sink *warn);

#endif
