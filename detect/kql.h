/* kql: Kibana Query Language, parsed as Kibana's kuery grammar does and evaluated with the
 * detection engine's semantics on keyword fields (docs/DETECTION.md lists them):
 * case-sensitive; '*' matches any run of characters and the whole value must match; '?' is
 * literal; a clause over an array holds when any element matches; a missing field makes
 * field:x false and not field:x true. */
#ifndef CASEBOOK_KQL_H
#define CASEBOOK_KQL_H

#include <cJSON.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "detect/field.h"
#include "detect/wildcard.h"

enum kql_kind {
	KQL_ALL, /* the empty query */
	KQL_OR,
	KQL_AND,
	KQL_NOT,
	KQL_MATCH,  /* field:values (field NULL: free text) */
	KQL_EXISTS, /* field:* */
	KQL_RANGE,  /* field < <= > >= value */
	KQL_NESTED, /* field:{ query } */
};

/* KQL_LIT_WILDCARD: an Elasticsearch wildcard query's pattern, which only a rule's Kibana filters
 * bring (kql_parse_filters): '?' may be a wildcard and the match may ignore case (flags). */
enum kql_lit_kind { KQL_LIT_TEXT, KQL_LIT_PHRASE, KQL_LIT_TRUE, KQL_LIT_FALSE, KQL_LIT_NULL, KQL_LIT_WILDCARD };

struct kql_literal {
	enum kql_lit_kind kind;
	struct wpat pat; /* the text, in wildcard pieces (phrases are one piece) */
	unsigned flags;  /* KQL_LIT_WILDCARD: enum wildcard_flags */
	int is_number;
	double number;
	/* the text through the lowercase normalizer (LowerCaseFilter), which Elasticsearch applies
	 * to a query's text on a keyword that has it: malloc'd when the text is not all ASCII (else
	 * ASCII's folding is the normalizer's), NULL otherwise */
	struct wpat *lower;
};

/* A value expression on the right of "field:" — a literal, or and/or/not of them. */
struct kql_values {
	enum kql_kind kind; /* KQL_OR, KQL_AND, KQL_NOT, or KQL_MATCH for a literal */
	struct kql_values *left, *right;
	struct kql_literal lit;
};

enum kql_range_op { KQL_LT, KQL_LE, KQL_GT, KQL_GE };

struct kql_node {
	enum kql_kind kind;
	struct kql_node *left, *right; /* OR, AND; NOT and NESTED use left */
	struct wpat field;             /* MATCH, EXISTS, RANGE, NESTED; n == 0 for free text */
	struct kql_values *values;     /* MATCH */
	enum kql_range_op op;          /* RANGE */
	struct kql_literal bound;      /* RANGE */
	struct field_type_cache ftype; /* the field's type (one field), looked up once */
};

struct kql_error {
	const char *language; /* "KQL" or "EQL": the parser that filled it in */
	size_t column;        /* 1-based, in bytes */
	char msg[200];
	int not_yet; /* the query is valid for Elasticsearch, but casebook cannot run it yet */
};

/* Parses a query. Returns NULL with *err filled in on a syntax error. */
struct kql_node *kql_parse(const char *query, struct kql_error *err);
void kql_free(struct kql_node *q);

/* Parses the KQL detect/filters.c writes for a rule's Kibana filters: KQL, and where a value may
 * stand, an Elasticsearch wildcard query's value as ~"pattern" (case_insensitive: ~i"pattern"),
 * the pattern quoted as a KQL phrase is and read as Elasticsearch reads it ('*', '?', '\'). A
 * query an analyst types never reads this form. */
struct kql_node *kql_parse_filters(const char *query, struct kql_error *err);

/* Formats a syntax error the way the command line shows it: the message, the query, and a
 * caret under the column. */
void kql_error_format(const char *query, const struct kql_error *err, struct strbuf *out);

/* Whether the event (a JSON object) matches. */
int kql_match(const struct kql_node *q, const cJSON *event);

/* Writes the query back in a canonical form (for tests and for `casebook rules`). */
void kql_to_string(const struct kql_node *q, struct strbuf *out);

/* For the prefilter: when a top-level (and-ed) clause requires field, by name, to equal one of
 * a list of plain literals (`field:a`, `field:(a or "b c")`, no wildcard), the list (malloc'd,
 * each malloc'd). Returns 0 when there is none. Exact only for a keyword field. */
int kql_required_values(const struct kql_node *q, const char *field, char ***values, size_t *n);

struct needles;
/* The needles an event must hold to match (detect/needles.h). */
void kql_needles(const struct kql_node *q, struct needles *out);

#endif
