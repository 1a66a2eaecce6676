/* exception_view: the console's exception builder (Kibana's "Add rule exception"): conditions
 * on any field of an event, a preview of what they would suppress, then saving. */
#ifndef CASEBOOK_EXCEPTION_VIEW_H
#define CASEBOOK_EXCEPTION_VIEW_H

#include <stddef.h>

struct app;
struct exception_builder;

extern const struct view_ops exception_view;

/* Opens the builder for the rule over an event's fields (names and values as the field table
 * has them; copied); preselect, when it names one, starts as a condition "is" its value.
 * alert_uuid is the alert it is made from (its audit entry names it), or NULL. */
void exception_builder_open(struct app *a, const char *rule_id, const char *rule_name, const char *alert_uuid,
                            char *const *names, char *const *values, size_t n, const char *preselect);
/* The same over a JSON document's leaves. */
void exception_builder_from_doc(struct app *a, const char *rule_id, const char *rule_name, const char *alert_uuid,
                                const char *doc, const char *preselect);

#endif
