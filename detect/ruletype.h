/* ruletype: a rule type is a table of operations (after SQLite's virtual-table modules): what
 * rule.c asks when it reads a rule (default language, validation, the parse check) and what a
 * detect run asks (compile, consider, finish). Each type is one file, detect/type_*.c, and one
 * row of detect/ruletype.c's table: a new type needs no other list edit.
 *
 * Internal to detect/. */
#ifndef CASEBOOK_RULETYPE_H
#define CASEBOOK_RULETYPE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

struct rule;
struct run;
struct candidate_row;
struct strbuf;

/* How a type's rules take alert_suppression (detect/suppression.h). */
enum suppression_kind {
	SUPPRESSES_NOTHING,   /* alert_suppression is not applied */
	SUPPRESSES_EVENTS,    /* group_by over the matching events (query, EQL event queries) */
	SUPPRESSES_ALERTS,    /* duration over the type's own groups' alerts (threshold) */
	SUPPRESSES_IN_MEMORY, /* group_by over the type's alerts on events (new terms) */
};

struct rule_type {
	const char *name;     /* Kibana's rule type: "query", "eql", "threshold", "new_terms" */
	const char *language; /* the query language it takes, and a rule's default ("kuery", "eql" or
	                       * "esql"); NULL: none */
	const char *category; /* kibana.alert.rule.category */
	const char *type_id;  /* kibana.alert.rule.rule_type_id */
	enum suppression_kind suppression;
	/* rule.c: check says why a rule's language is not the type's (else rule.c does) */
	int checks_language;
	/* the alerts are made on the hits' own events (not on groups or rows): the pass keeps
	 * their documents for them (detect/hitdocs.h). A type whose alerts are a few of its hits'
	 * events keeps those itself (run_keep_document). */
	int alerts_on_hit_events;
	/* rule.c: why Kibana filters on the type's rules are not applied; NULL: they are */
	const char *filters_unapplied;
	/* Reads the type's own fields from r->obj; a reason in why when it cannot run. 0 or -1. */
	int (*check)(const struct rule *r, char *why, size_t whylen);
	/* rule.c, after every other check: a construct of the query Elasticsearch runs and casebook
	 * cannot yet (1, the reason in why), else 0. NULL: none. */
	int (*query_unsupported)(const struct rule *r, char *why, size_t whylen);
	/* The import's check: 1 when the rule's query parses, else 0 with the error in why. NULL:
	 * the type takes no query. */
	int (*query_parses)(const struct rule *r, char *why, size_t whylen);
	/* Parses the query into the run's event test (run->test) or its own state (run->state),
	 * with what the pass may push down: needles, plan, column and stage filters. 0, or -1 with
	 * the reason in why (several lines for a syntax error, with a caret). */
	int (*compile)(struct run *run, struct strbuf *why);
	/* After the executions are known: widen run->cq (a history window) and set up state. */
	int (*prepare)(struct run *run);
	/* An event that passed the index patterns, parsed: record it when it matters. */
	void (*consider)(struct run *run, const struct candidate_row *c, const cJSON *ev);
	/* Replays the executions over what was recorded and creates the alerts (in a transaction).
	 * 0, -1 on an error, or 1 when the rule stopped at a bound it said on o->warn: detect
	 * undoes its alerts and counts it skipped. */
	int (*finish)(struct run *run);
	/* For a pass in @timestamp order (run->streaming): every event earlier than done has been
	 * considered, so the executions whose window ends before it are decided now, their alerts
	 * created (in a transaction), and what no later execution needs is forgotten: memory
	 * follows the windows, not the case. finish then decides the rest. NULL: the type keeps
	 * everything until finish. 0 or -1. */
	int (*flush)(struct run *run, int64_t done);
	void (*release)(struct run *run);
};

/* The type named name, or NULL. */
const struct rule_type *rule_type_find(const char *name);
/* The i-th type of the table, or NULL past its end (rule.c lists them). */
const struct rule_type *rule_type_at(size_t i);

#endif
