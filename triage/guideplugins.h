/* guideplugins: the Markdown plugins of Kibana's investigation guides, as readable text.
 *
 * Elastic's guides carry `!{investigate{JSON}}` (a button that opens Timeline on the alert's
 * values: a label, an optional description, providers, relativeFrom/relativeTo) and
 * `!{osquery{JSON}}` (a button that runs a live osquery query: a label and the query). Kibana
 * draws them as buttons; casebook, having neither Timeline nor osquery, writes what the button
 * does: the label and the query it would run, which the analyst can run in `casebook events`.
 * Never the raw syntax. Providers are Kibana's timeline data providers: the entries of one
 * group are ANDed, the groups ORed; an excluded one is negated; a value "{{field}}" is the
 * alert's value of that field. */
#ifndef CASEBOOK_GUIDEPLUGINS_H
#define CASEBOOK_GUIDEPLUGINS_H

/* markdown with each plugin replaced by readable Markdown (malloc'd; a copy when it has none). */
char *guide_render_plugins(const char *markdown);

#endif
