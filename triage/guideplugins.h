/* guideplugins: the Markdown plugins of Kibana's investigation guides, as readable text.
 *
 * Elastic's guides carry `!{investigate{JSON}}` (a button that opens Timeline on the alert's
 * values: a label, an optional description, providers, relativeFrom/relativeTo) and
 * `!{osquery{JSON}}` (a button that runs a live osquery query: a label and the query). Kibana
 * draws them as buttons; casebook, having neither Timeline nor osquery, writes what the button
 * does: the label and the query it would run, which the analyst can run in `casebook events`.
 * Never the raw syntax. Providers are Kibana's timeline data providers: the entries of one
 * group are ANDed, the groups ORed; an excluded one is negated.
 *
 * Placeholders: as Kibana's replaceParamsQuery (security_solution markdown_editor/plugins/
 * insight/replace_params_query.ts for the providers' values, osquery/common/utils/
 * replace_params_query.ts for the query), each `{{field}}` (regex /\{{([^}]+)\}}/, the name
 * trimmed) of an investigate provider's string value or an osquery query is replaced by the
 * alert's first value of that field; a field the alert does not carry leaves the placeholder as
 * written (Kibana then runs the provider as a template / refuses the osquery query as
 * "skipped"). Without an alert, every placeholder stays. */
#ifndef CASEBOOK_GUIDEPLUGINS_H
#define CASEBOOK_GUIDEPLUGINS_H

/* markdown with each plugin replaced by readable Markdown (malloc'd; a copy when it has none). */
char *guide_render_plugins(const char *markdown);

/* The same with the placeholders filled from alert (the alert document; NULL: none). */
struct cJSON;
char *guide_render_plugins_for(const char *markdown, const struct cJSON *alert);

/* text with each {{field}} that alert carries replaced by its first value (strings as they are,
 * other values as JSON); malloc'd. Output past GUIDE_FILL_MAX bytes leaves the rest as is. */
#define GUIDE_FILL_MAX 65536
char *guide_fill_placeholders(const char *text, const struct cJSON *alert);

#endif
