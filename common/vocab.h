/* vocab: the triage record's words — an alert's workflow status, its severity, a checklist
 * item's kind and state — as enums, each with one table: name <-> enum <-> rank. Code compares
 * enums, not strings; the store keeps the names (Kibana's, as its alert documents spell them). */
#ifndef CASEBOOK_VOCAB_H
#define CASEBOOK_VOCAB_H

/* X(name, text): Kibana's kibana.alert.workflow_status values, in workflow order. */
#define ALERT_STATUSES(X) X(OPEN, "open") X(ACKNOWLEDGED, "acknowledged") X(CLOSED, "closed")
enum alert_status {
	STATUS_UNKNOWN = -1,
#define X(name, text) STATUS_##name,
	ALERT_STATUSES(X)
#undef X
	    STATUS_COUNT
};

/* X(name, text): Kibana's severities, lowest first; the enum is the rank (unknown ranks 0). */
#define SEVERITIES(X) X(LOW, "low") X(MEDIUM, "medium") X(HIGH, "high") X(CRITICAL, "critical")
enum severity {
	SEVERITY_UNKNOWN = 0,
#define X(name, text) SEVERITY_##name,
	SEVERITIES(X)
#undef X
	    SEVERITY_COUNT
};

/* X(name, text): a triage item is a checklist item or a response step. */
#define ITEM_KINDS(X) X(CHECK, "check") X(RESPONSE, "response")
enum item_kind {
	ITEM_KIND_UNKNOWN = -1,
#define X(name, text) ITEM_##name,
	ITEM_KINDS(X)
#undef X
	    ITEM_KIND_COUNT
};

/* X(name, text): a checklist item is open or checked; a response step pending, done, skipped
 * or not applicable. */
#define ITEM_STATES(X)                                                                                                 \
	X(OPEN, "open") X(CHECKED, "checked") X(PENDING, "pending") X(DONE, "done") X(SKIPPED, "skipped") X(NA, "na")
enum item_state {
	ITEM_STATE_UNKNOWN = -1,
#define X(name, text) STATE_##name,
	ITEM_STATES(X)
#undef X
	    ITEM_STATE_COUNT
};

/* name -> enum: the unknown value for NULL or a word not in the table (exact, case-sensitive,
 * as Kibana compares them). */
enum alert_status alert_status_from(const char *s);
enum severity severity_from(const char *s);
enum item_kind item_kind_from(const char *s);
enum item_state item_state_from(const char *s);
/* enum -> name: "?" for a value not in the table. */
const char *alert_status_name(enum alert_status v);
const char *severity_name(enum severity v);
const char *item_kind_name(enum item_kind v);
const char *item_state_name(enum item_state v);
/* The state a new item of this kind starts in: open for a check, pending for a response step. */
enum item_state item_initial_state(enum item_kind k);
/* Whether an item in this state is finished: checked, done, skipped or not applicable. */
int item_state_settled(enum item_state s);

#endif
