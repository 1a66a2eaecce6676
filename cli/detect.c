/* rules, detect, exception, mapping: the rule engine from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/listing.h"
#include "cli/sources.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/exceptions.h"
#include "detect/mapping.h"
#include "detect/rule.h"
#include "detect/rulefields.h"
#include "detect/ruleimport.h"
#include "detect/source.h"
#include "ingest/keep.h"
#include "store/rules.h"
#include "triage/record.h"

struct rules_print {
	int json;
	struct strbuf line;
	struct listing table;
	/* the required fields of the rules listed, and whether the case has each */
	char **required;
	int *found;
	size_t nrequired;
};

/* A rule's required_fields: [{name, type, ecs}], Kibana's (their names, or NULL). */
static const char *required_name(const cJSON *e)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
}

static int collect_required(void *ctx, const struct rule_row *row)
{
	struct rules_print *p = ctx;
	cJSON *obj = cJSON_Parse(row->json);
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(obj, "required_fields"))
	{
		const char *name = required_name(e);
		size_t i = 0;
		while (name && i < p->nrequired && strcmp(p->required[i], name))
			i++;
		if (name && i == p->nrequired) {
			p->required = xrealloc(p->required, (p->nrequired + 1) * sizeof(*p->required));
			p->required[p->nrequired++] = xstrdup(name);
		}
	}
	cJSON_Delete(obj);
	return 0;
}

static int case_has(const struct rules_print *p, const char *name)
{
	for (size_t i = 0; i < p->nrequired; i++)
		if (!strcmp(p->required[i], name))
			return p->found[i];
	return 1;
}

/* related_integrations and required_fields, Kibana's "Related integrations" and "Required
 * fields"; a required field no event of the case has is a warning (the rule may miss). */
static void add_rule_context(struct rules_print *p, const cJSON *obj, struct strbuf *l)
{
	const cJSON *e;
	size_t n = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(obj, "related_integrations"))
	{
		const char *pkg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "package"));
		const char *integ = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "integration"));
		const char *ver = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "version"));
		if (!pkg)
			continue;
		strbuf_addstr(l, n++ ? ", " : "    integrations: ");
		add_text(l, pkg);
		if (integ) {
			strbuf_addch(l, '/');
			add_text(l, integ);
		}
		if (ver) {
			strbuf_addch(l, ' ');
			add_text(l, ver);
		}
	}
	if (n)
		strbuf_addch(l, '\n');
	n = 0;
	size_t missing = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(obj, "required_fields"))
	{
		const char *name = required_name(e);
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
		if (!name)
			continue;
		strbuf_addstr(l, n++ ? ", " : "    required fields: ");
		add_text(l, name);
		if (type) {
			strbuf_addstr(l, " (");
			add_text(l, type);
			strbuf_addch(l, ')');
		}
		missing += !case_has(p, name);
	}
	if (n)
		strbuf_addch(l, '\n');
	if (!missing)
		return;
	strbuf_addstr(l, "    warning: no event in the case has ");
	n = 0;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(obj, "required_fields"))
	{
		const char *name = required_name(e);
		if (!name || case_has(p, name))
			continue;
		strbuf_addstr(l, n++ ? ", " : "");
		add_text(l, name);
	}
	strbuf_addf(l, ", which the rule requires\n");
}

/* on a terminal, the version goes first, then the language, then the schedule */
static const struct listing_column rule_columns[] = {
    {"RULE_ID", 36, 0, 0, 0},  {"VERSION", 7, 0, 1, 0}, {"TYPE", 7, 0, 0, 0}, {"LANGUAGE", 8, 0, 2, 0},
    {"SCHEDULE", 16, 0, 3, 0}, {"ON", 3, 0, 0, 0},      {"NAME", 0, 16, 0, 0}};

static int print_rule(void *ctx, const struct rule_row *row)
{
	struct rules_print *p = ctx;
	struct strbuf *l = &p->line;
	strbuf_reset(l);
	if (p->json) {
		char *json = rule_json_with_metadata(row);
		sanitize_json_append(l, json, strlen(json));
		free(json);
		strbuf_addch(l, '\n');
		fwrite(l->buf, 1, l->len, stdout);
		return 0;
	}
	struct rule r;
	char why[200];
	int ok = rule_from_row(row, &r, why, sizeof(why)) == 0;
	struct strbuf sched;
	strbuf_init(&sched, 32);
	if (ok)
		strbuf_addf(&sched, "%s from %s", r.interval ? r.interval : "?", r.from ? r.from : "?");
	char version[24];
	snprintf(version, sizeof(version), "%lld", (long long)row->version);
	const char *cells[] = {row->rule_id, version, row->type, row->language, sched.buf, row->enabled ? "yes" : "no",
	                       row->name};
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++)
		listing_cell(&p->table, i, l, cells[i]);
	strbuf_release(&sched);
	if (!ok || r.unsupported) {
		strbuf_addstr(l, "    detect skips it: ");
		add_text(l, ok ? r.unsupported : why);
		strbuf_addch(l, '\n');
	}
	if (ok && r.unapplied) {
		strbuf_addstr(l, "    casebook does not apply: ");
		add_text(l, r.unapplied);
		strbuf_addstr(l, " (its alerts differ from Kibana's)\n");
	}
	if (ok)
		add_rule_context(p, r.obj, l);
	char *meta = rule_metadata_summary(row->metadata);
	if (meta) {
		strbuf_addstr(l, "    detection-rules: ");
		add_text(l, meta);
		strbuf_addch(l, '\n');
		free(meta);
	}
	fwrite(l->buf, 1, l->len, stdout);
	if (ok)
		rule_release(&r);
	return 0;
}

static int rules_list(struct globals *g, int json)
{
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	struct rules_print p = {.json = json};
	strbuf_init(&p.line, 256);
	listing_init(&p.table, rule_columns, sizeof(rule_columns) / sizeof(rule_columns[0]), listing_terminal_width());
	if (!json) {
		listing_header(&p.table, &p.line);
		fwrite(p.line.buf, 1, p.line.len, stdout);
	}
	int rc = 0;
	if (!json && !(rc = store_rules_each(s, collect_required, &p))) {
		p.found = xcalloc(p.nrequired ? p.nrequired : 1, sizeof(*p.found));
		rc = rulefields_case_has(s, p.required, p.nrequired, p.found);
	}
	rc = rc || store_rules_each(s, print_rule, &p);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	for (size_t i = 0; i < p.nrequired; i++)
		free(p.required[i]);
	free(p.required);
	free(p.found);
	strbuf_release(&p.line);
	listing_release(&p.table);
	store_close(s);
	return rc ? 1 : 0;
}

static int rules_import(struct globals *g, int argc, char **argv)
{
	struct ruleimport_options o = {.version_lock = NULL};
	int nfiles = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--version-lock")) {
			if (i + 1 >= argc)
				return command_usage_error(
				    "rules", "--version-lock takes a FILE (detection-rules' version.lock.json)");
			o.version_lock = argv[++i];
		} else {
			argv[nfiles++] = argv[i];
		}
	}
	if (nfiles < 1)
		return command_usage_error("rules", "import needs at least one FILE or folder");
	struct store *s;
	if (open_store(g, STORE_CREATE | OPEN_WITH_PACK, &s))
		return 1;
	struct import_counts c = {0};
	struct ruleimport_counts rc = {0};
	struct diag_sink warn = diag_stderr_sink();
	int failed = 0;
	for (int i = 0; i < nfiles; i++) {
		int r = rules_import_path(s, argv[i], &o, &c, &rc, &warn);
		if (r < 0)
			diag("casebook: %s\n", store_errmsg(s));
		failed |= r != 0;
	}
	printf("%u rules: %u added, %u updated, %u unchanged, %u invalid; %u exception lists, %u items\n",
	       c.rules_added + c.rules_updated + c.rules_unchanged + c.rules_invalid, c.rules_added, c.rules_updated,
	       c.rules_unchanged, c.rules_invalid, c.lists, c.items);
	if (rc.toml_files || rc.package_rules || rc.damaged_files) {
		printf(
		    "prebuilt: %u TOML files, %u package rules (%u earlier versions left out), %u deprecated left out, "
		    "%u versions from a version.lock.json, %u damaged files\n",
		    rc.toml_files, rc.package_rules, rc.older_versions, rc.deprecated, rc.locked, rc.damaged_files);
		printf("prebuilt rules are installed disabled, as Kibana installs them: 'casebook rules enable --all' "
		       "runs them\n");
	}
	if (c.unsupported)
		printf("%u of them are of a type or language detect does not run yet: 'casebook rules' says why\n",
		       c.unsupported);
	if (c.unapplied)
		printf("%u of them set fields casebook does not apply, so their alerts will differ from Kibana's: "
		       "'casebook rules' names them\n",
		       c.unapplied);
	store_close(s);
	return failed ? 1 : c.rules_invalid ? 2 : 0;
}

static int parse_version(const char *cmd, const char *arg, int64_t *version)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	if (*end || end == arg || v < 1 || v > INT32_MAX) {
		command_usage_error(cmd, "--version takes a whole number from 1");
		return -1;
	}
	*version = v;
	return 0;
}

struct versions {
	struct strbuf list;
	int n;
};

static int add_version(void *ctx, const struct rule_row *r)
{
	struct versions *v = ctx;
	strbuf_addf(&v->list, "%s%lld%s", v->n ? ", " : "", (long long)r->version, r->enabled ? " (enabled)" : "");
	v->n++;
	return 0;
}

struct one_rule {
	const char *rule_id;
	struct versions *v;
};

static int add_version_of(void *ctx, const struct rule_row *r)
{
	struct one_rule *o = ctx;
	return strcmp(r->rule_id, o->rule_id) ? 0 : add_version(o->v, r);
}

/* rules enable|disable RULE_ID [--version N]: enabling needs a version when there are
 * several; disabling without one disables them all. */
static int rules_enable_all(struct globals *g, int enable)
{
	struct store *s;
	if (open_store(g, OPEN_WITH_PACK, &s))
		return 1;
	int64_t changed = 0;
	int rc = store_rules_set_enabled_all(s, enable, &changed);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	else
		printf("%lld rule version%s %s\n", (long long)changed, changed == 1 ? "" : "s",
		       enable ? "enabled (the newest version of each rule)" : "disabled");
	store_close(s);
	return rc ? 1 : 0;
}

static int rules_enable(struct globals *g, int enable, int argc, char **argv)
{
	const char *cmd = "rules";
	if (argc == 1 && !strcmp(argv[0], "--all"))
		return rules_enable_all(g, enable);
	const char *rule_id = NULL;
	int64_t version = -1;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--version") && i + 1 < argc) {
			if (parse_version(cmd, argv[++i], &version))
				return EXIT_USAGE;
		} else if (argv[i][0] != '-' && !rule_id) {
			rule_id = argv[i];
		} else {
			return command_usage_error(cmd, "enable and disable take RULE_ID [--version N], or --all");
		}
	}
	if (!rule_id)
		return command_usage_error(cmd, "enable and disable take RULE_ID [--version N], or --all");
	struct store *s;
	if (open_store(g, OPEN_WITH_PACK, &s))
		return 1;
	struct versions v = {.n = 0};
	strbuf_init(&v.list, 64);
	struct one_rule o = {.rule_id = rule_id, .v = &v};
	int rc = store_rules_each(s, add_version_of, &o);
	char *safe = sanitize_dup(rule_id, 0);
	if (!rc && v.n == 0) {
		diag("casebook rules: no rule with rule_id %s ('casebook rules' lists them)\n", safe);
		rc = 1;
	} else if (!rc && enable && version < 0 && v.n > 1) {
		diag("casebook rules: %s has versions %s; choose one with --version N\n", safe, v.list.buf);
		rc = EXIT_USAGE;
	} else if (!rc) {
		int64_t changed;
		rc = store_rule_set_enabled(s, rule_id, version, enable, &changed);
		if (rc)
			diag("casebook: %s\n", store_errmsg(s));
		else if (changed == 0) {
			diag("casebook rules: %s has no version %lld (it has %s)\n", safe, (long long)version,
			     v.list.buf);
			rc = 1;
		} else if (version > 0)
			printf("%s version %lld %s\n", safe, (long long)version, enable ? "enabled" : "disabled");
		else
			printf("%s: %lld version%s %s\n", safe, (long long)changed, changed == 1 ? "" : "s",
			       enable ? "enabled" : "disabled");
	}
	free(safe);
	strbuf_release(&v.list);
	store_close(s);
	return rc;
}

int cmd_rules(struct globals *g, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "import"))
		return rules_import(g, argc - 2, argv + 2);
	if (argc >= 2 && (!strcmp(argv[1], "enable") || !strcmp(argv[1], "disable")))
		return rules_enable(g, !strcmp(argv[1], "enable"), argc - 2, argv + 2);
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return command_usage_error("rules", "unknown argument");
	}
	return rules_list(g, json);
}

/* Detection over a source whose events are not the case's: each alert's events copied in. */
struct keeping {
	struct event_source *src;
	struct event_keeper *k;
	struct strbuf err; /* why a copy failed ("": the source's or the store's message says) */
	int64_t case_id;
	int failed;
};

static int keep_row(void *ctx, const struct event_row *row)
{
	struct keeping *kp = ctx;
	kp->failed = event_keeper_add(kp->k, row, &kp->case_id, &kp->err) != 0;
	return 1;
}

static int keep_event(void *ctx, int64_t source_id, const struct event_row *row, int64_t *case_id)
{
	struct keeping *kp = ctx;
	kp->failed = 1;
	if (row)
		keep_row(kp, row);
	else if (kp->src->ops->event_get(kp->src, source_id, 1, keep_row, kp))
		return -1;
	if (kp->failed)
		return -1;
	*case_id = kp->case_id;
	return 0;
}

/* Runs detection reading from the source at url (NULL: the case), writing to s; on CB_ERROR
 * why says what failed, naming the server. */
/* Detection over the source urls name (n of them: one source's servers; none: the case). */
static int run_detection(struct globals *g, struct store *s, const char *const *urls, size_t n,
                         struct detect_options *o, struct detect_totals *t, struct strbuf *why)
{
	const struct source_kind *kind;
	struct event_source *src;
	const char *url = n ? urls[0] : NULL;
	if (source_open_urls(urls, n, s, &src, &kind, why))
		return CB_ERROR;
	int64_t lo, hi;
	struct keeping kp = {.src = src};
	strbuf_init(&kp.err, 128);
	int rc = CB_OK;
	if (kind->foreign && src->ops->time_bounds(src, 0, &lo, &hi)) /* down: say so before anything */
		rc = CB_ERROR;
	else if (kind->foreign && event_keeper_open(s, url, g->analyst, &kp.k))
		rc = CB_ERROR;
	if (rc == CB_OK && kind->foreign) {
		o->keep = keep_event;
		o->keep_ctx = &kp;
	}
	if (rc == CB_OK)
		rc = detect_run_source(s, src, o, t);
	source_say_notice("detect", src);
	struct ingest_counts c = {0};
	if (kp.k)
		event_keeper_counts(kp.k, &c);
	if (event_keeper_close(kp.k) && rc != CB_ERROR)
		rc = CB_ERROR;
	if (rc == CB_ERROR && kp.err.len)
		strbuf_addf(why, "copying an alert's event into the case: %s", kp.err.buf);
	else if (rc == CB_ERROR && kind->foreign && source_errmsg(src)[0])
		strbuf_addstr(why, source_errmsg(src));
	else if (rc == CB_ERROR)
		strbuf_addstr(why, store_errmsg(s));
	if (rc == CB_ERROR && kind->foreign)
		strbuf_addstr(why,
		              "; no position is kept for a cluster: run detect again to replay its whole time range");
	if (rc != CB_ERROR && kind->foreign) {
		char *safe = sanitize_dup(url, 0);
		printf("read the events of the cluster at %s; alert events copied into the case: %llu, already there: "
		       "%llu\n",
		       safe, (unsigned long long)c.added, (unsigned long long)c.duplicates);
		free(safe);
	}
	strbuf_release(&kp.err);
	source_close(src);
	return rc;
}

int cmd_detect(struct globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rule", required_argument, NULL, 'r'},   {"version", required_argument, NULL, 'v'},
	    {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
	    {"source", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
	const char *url = NULL;
	struct detect_options o = {.warn = diag_stderr_sink()};
	int c, has_from = 0, has_to = 0;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o.rule_id = optarg; break;
		case 's': url = optarg; break;
		case 'v':
			if (parse_version("detect", optarg, &o.version))
				return EXIT_USAGE;
			break;
		case 'f':
			if (parse_time_arg("detect", "--from", optarg, &o.from))
				return EXIT_USAGE;
			has_from = 1;
			break;
		case 't':
			if (parse_time_arg("detect", "--to", optarg, &o.to))
				return EXIT_USAGE;
			has_to = 1;
			break;
		default: return option_error("detect", argv);
		}
	}
	if (optind < argc)
		return command_usage_error("detect", "takes no arguments");
	if (has_from != has_to)
		return command_usage_error("detect", "--from and --to go together");
	if (has_from && o.from > o.to)
		return command_usage_error("detect", "--from is after --to");
	if (o.version && !o.rule_id)
		return command_usage_error("detect", "--version goes with --rule");
	o.has_range = has_from;
	struct store *s; /* a case that reads a cluster may start empty */
	if (open_store(g, OPEN_WITH_PACK | (url ? STORE_CREATE : 0), &s))
		return 1;
	struct detect_totals t;
	struct strbuf why;
	strbuf_init(&why, 128);
	struct cluster_servers attached = {0}; /* the case's cluster, every server it recorded */
	int rc = url ? 0 : case_cluster_servers(s, &attached);
	if (rc == 0 && url)
		rc = run_detection(g, s, &url, 1, &o, &t, &why);
	else if (rc == 0)
		rc = run_detection(g, s, attached.url, attached.n, &o, &t, &why);
	else
		strbuf_addstr(&why, store_errmsg(s));
	if (!url)
		cluster_servers_release(&attached);
	if (rc < 0) {
		char *safe = sanitize_dup(why.buf, 0);
		diag("casebook: %s\n", safe);
		free(safe);
	} else if (rc == CB_NOT_FOUND) {
		char *safe = sanitize_dup(o.rule_id, 0);
		if (o.version)
			diag(
			    "casebook detect: no rule with rule_id %s and version %lld ('casebook rules' lists them)\n",
			    safe, (long long)o.version);
		else
			diag("casebook detect: no rule with rule_id %s ('casebook rules' lists them)\n", safe);
		free(safe);
	} else {
		printf("%llu rules: %llu executions replayed, %llu events matched, %llu alerts created, "
		       "%llu duplicates skipped, %llu executions hit max_signals\n",
		       (unsigned long long)t.rules, (unsigned long long)t.executions, (unsigned long long)t.matched,
		       (unsigned long long)t.created, (unsigned long long)t.duplicates, (unsigned long long)t.capped);
		if (t.suppressed)
			printf("%llu matching events were suppressed by exceptions\n",
			       (unsigned long long)t.suppressed);
		if (t.gave_up)
			printf(
			    "%llu event%s not evaluated by a rule: a regular expression reached a limit (see above)\n",
			    (unsigned long long)t.gave_up, t.gave_up == 1 ? " was" : "s were");
		if (t.grouped)
			printf("%llu matching event%s folded into another event's alert by alert_suppression\n",
			       (unsigned long long)t.grouped, t.grouped == 1 ? " was" : "s were");
		if (t.unapplied)
			printf("%llu of the rules run set fields casebook does not apply: their alerts may differ from "
			       "Kibana's ('casebook rules' names the fields)\n",
			       (unsigned long long)t.unapplied);
		if (t.no_anomalies)
			printf("%llu machine learning rule%s found no anomaly records (ingest Elastic ML's "
			       ".ml-anomalies-* results to run them)\n",
			       (unsigned long long)t.no_anomalies, t.no_anomalies == 1 ? "" : "s");
		if (t.no_indicators)
			printf(
			    "%llu indicator match rule%s found no indicator documents (ingest the threat intelligence "
			    "indices they name in threat_index)\n",
			    (unsigned long long)t.no_indicators, t.no_indicators == 1 ? "" : "s");
		if (t.skipped)
			printf("%llu rule%s skipped (see above)\n", (unsigned long long)t.skipped,
			       t.skipped == 1 ? "" : "s");
		if (o.rule_id && t.skipped)
			rc = 2; /* the rule asked for did not run: not a success */
		if (o.rule_id && !o.version && t.rules + t.skipped == 0) {
			char *safe = sanitize_dup(o.rule_id, 0);
			diag("casebook detect: no version of %s is enabled; run one with --version N "
			     "('casebook rules' lists them)\n",
			     safe);
			free(safe);
		}
	}
	strbuf_release(&why);
	store_close(s);
	return rc ? 1 : 0;
}

static int print_list(void *ctx, const struct exception_row *r)
{
	struct strbuf *l = ctx;
	strbuf_reset(l);
	if (r->id == r->list_id || !strcmp(r->id, r->list_id))
		strbuf_addstr(l, "list ");
	else
		strbuf_addstr(l, "  item ");
	add_text(l, r->id);
	strbuf_addstr(l, "  ");
	sanitize_append(l, r->json, strlen(r->json), 0);
	strbuf_addch(l, '\n');
	fwrite(l->buf, 1, l->len, stdout);
	return 0;
}

static int print_json(void *ctx, const struct exception_row *r)
{
	struct strbuf *l = ctx;
	strbuf_reset(l);
	sanitize_json_append(l, r->json, strlen(r->json));
	strbuf_addch(l, '\n');
	fwrite(l->buf, 1, l->len, stdout);
	return 0;
}

static int exception_list(struct globals *g, int json)
{
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	struct strbuf l;
	strbuf_init(&l, 256);
	int rc = store_exception_lists_each(s, json ? print_json : print_list, &l) ||
	         store_exception_all_items_each(s, json ? print_json : print_list, &l);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	strbuf_release(&l);
	store_close(s);
	return rc ? 1 : 0;
}

/* The conditions typed on the command line: each --field starts one; --operator, --type,
 * --excluded and --value apply to the latest. */
struct typed_entries {
	struct exception_entry_spec *e;
	const char ***values;
	size_t n;
};

static void typed_release(struct typed_entries *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->values[i]);
	free(t->values);
	free(t->e);
}

static struct exception_entry_spec *typed_current(struct typed_entries *t)
{
	return t->n ? &t->e[t->n - 1] : NULL;
}

static void typed_field(struct typed_entries *t, const char *field, int argc)
{
	t->e = xrealloc(t->e, (t->n + 1) * sizeof(*t->e));
	t->values = xrealloc(t->values, (t->n + 1) * sizeof(*t->values));
	t->values[t->n] = xcalloc((size_t)argc + 1, sizeof(**t->values));
	t->e[t->n] = (struct exception_entry_spec){.field = field, .type = "match", .values = t->values[t->n]};
	t->n++;
}

struct exception_args {
	struct typed_entries t;
	const char *comment, *alert, *reason;
	int preview, confirm_broad, close_matching;
	const char *err;
};

static int parse_exception_args(int argc, char **argv, struct exception_args *x)
{
	static const struct option opts[] = {
	    {"field", required_argument, NULL, 'f'},    {"value", required_argument, NULL, 'v'},
	    {"type", required_argument, NULL, 't'},     {"operator", required_argument, NULL, 'o'},
	    {"comment", required_argument, NULL, 'c'},  {"excluded", no_argument, NULL, 'x'},
	    {"preview", no_argument, NULL, 'p'},        {"confirm-broad", no_argument, NULL, 'b'},
	    {"close-matching", no_argument, NULL, 'C'}, {"reason", required_argument, NULL, 'r'},
	    {"alert", required_argument, NULL, 'a'},    {NULL, 0, NULL, 0}};
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		struct exception_entry_spec *e = typed_current(&x->t);
		if (strchr("vtox", c) && !e) {
			x->err = "--value, --type, --operator and --excluded follow the --field they belong to";
			return EXIT_USAGE;
		}
		switch (c) {
		case 'f': typed_field(&x->t, optarg, argc); break;
		case 'v': x->t.values[x->t.n - 1][e->nvalues++] = optarg; break;
		case 't': e->type = optarg; break;
		case 'o':
			if (exception_operator_parse(optarg, &e->type, &e->operator_)) {
				x->err =
				    "--operator must be is, 'is not', 'is one of', 'is not one of', exists, 'does not "
				    "exist', matches or 'does not match'";
				return EXIT_USAGE;
			}
			break;
		case 'c': x->comment = optarg; break;
		case 'x': e->operator_ = "excluded"; break;
		case 'p': x->preview = 1; break;
		case 'b': x->confirm_broad = 1; break;
		case 'C': x->close_matching = 1; break;
		case 'r': x->reason = optarg; break;
		case 'a': x->alert = optarg; break;
		default: return option_error("exception", argv);
		}
	}
	if (optind + 1 != argc || !x->t.n) {
		x->err = "add needs RULE_ID and --field";
		return EXIT_USAGE;
	}
	return 0;
}

/* Closes the open alerts the exception matches, each with its status entry. */
static int close_matching(struct store *s, const struct exception_preview *p, const char *reason, const char *item,
                          const struct actor *who)
{
	if (!p->nopen)
		return 0;
	struct strbuf comment;
	strbuf_init(&comment, 64);
	strbuf_addf(&comment, "closed by exception %s", item);
	struct status_outcome out = {0};
	int rc = triage_set_status_many(s, p->open_ids, p->open_uuids, p->nopen, "closed", reason, comment.buf, 1, who,
	                                &out, NULL, NULL);
	strbuf_release(&comment);
	if (rc == TRIAGE_INVALID)
		diag("casebook exception: --reason must be one of false_positive, true_positive, benign_positive, "
		     "duplicate, other\n");
	else if (rc)
		diag("casebook exception: %s\n", store_errmsg(s));
	else
		printf("closed %zu matching alert%s\n", out.changed, out.changed == 1 ? "" : "s");
	return rc ? 1 : 0;
}

static int exception_add_cmd(struct globals *g, int argc, char **argv)
{
	struct exception_args x = {.reason = "false_positive"};
	int usage = parse_exception_args(argc, argv, &x);
	if (usage) {
		typed_release(&x.t);
		return x.err ? command_usage_error("exception", x.err) : usage;
	}
	const char *rule_id = argv[optind];
	struct exception_spec spec = {
	    .entries = x.t.e, .nentries = x.t.n, .comment = x.comment, .analyst = g->analyst, .now_us = time_now_us()};
	struct store *s;
	if (open_store(g, x.preview ? STORE_READONLY : OPEN_WITH_PACK, &s)) {
		typed_release(&x.t);
		return 1;
	}
	struct resolved alert = {0};
	if (x.alert && resolve_alert(s, "exception", x.alert, &alert)) {
		store_close(s);
		typed_release(&x.t);
		return 1;
	}
	spec.alert_uuid = alert.uuid;
	char item[40], err[300];
	struct exception_preview p;
	int rc = exception_preview(s, rule_id, &spec, &p, err, sizeof(err));
	int status = 0;
	if (rc == 1) {
		char *safe = sanitize_dup(rule_id, 0);
		diag("casebook exception: no rule with rule_id %s ('casebook rules' lists them)\n", safe);
		free(safe);
		status = 1;
	} else if (rc) {
		char *safe = sanitize_dup(err, 0);
		diag("casebook exception: %s\n", safe);
		free(safe);
		status = strstr(err, "--") ? EXIT_USAGE : 1;
	} else if (x.preview) {
		struct strbuf t;
		strbuf_init(&t, 256);
		cJSON *it = exception_spec_item(&spec);
		strbuf_addstr(&t, "Exception: ");
		struct strbuf d;
		strbuf_init(&d, 128);
		exception_describe(it, &d);
		sanitize_append(&t, d.buf, d.len, 0);
		strbuf_addch(&t, '\n');
		exception_preview_text(&p, &t);
		fwrite(t.buf, 1, t.len, stdout);
		strbuf_release(&d);
		strbuf_release(&t);
		cJSON_Delete(it);
	} else if (p.broad && !x.confirm_broad) {
		char *safe = sanitize_dup(p.broad_why, 0);
		diag("casebook exception: not added: the exception is broad: %s; --preview shows what it matches, "
		     "--confirm-broad adds it all the same\n",
		     safe);
		free(safe);
		status = 1;
	} else if ((rc = exception_add(s, rule_id, &spec, item, err, sizeof(err))) != 0) {
		char *safe = sanitize_dup(rc == 1 ? "the rule is gone" : err, 0);
		diag("casebook exception: %s\n", safe);
		free(safe);
		status = 1;
	} else {
		char *safe = sanitize_dup(rule_id, 0);
		printf("exception item %s added to list casebook-%s; detect will honour it from now on\n", item, safe);
		free(safe);
		struct actor who = {.analyst = g->analyst, .at_us = spec.now_us};
		if (x.close_matching)
			status = close_matching(s, &p, x.reason, item, &who);
		else if (p.open_alerts)
			printf("%lld open alert%s of this rule match it (--close-matching closes them)\n",
			       (long long)p.open_alerts, p.open_alerts == 1 ? "" : "s");
	}
	exception_preview_release(&p);
	free(alert.uuid);
	store_close(s);
	typed_release(&x.t);
	return status;
}

static int exception_remove_cmd(struct globals *g, int argc, char **argv)
{
	if (argc != 2)
		return command_usage_error("exception", "remove needs ITEM_ID ('casebook exception list' shows them)");
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	char err[300];
	int rc = exception_remove(s, argv[1], g->analyst, time_now_us(), NULL, err, sizeof(err));
	char *safe = sanitize_dup(rc < 0 ? err : argv[1], 0);
	if (rc == 1)
		diag("casebook exception: no exception item %s\n", safe);
	else if (rc)
		diag("casebook exception: %s\n", safe);
	else
		printf("exception item %s removed; detect no longer honours it\n", safe);
	free(safe);
	store_close(s);
	return rc ? 1 : 0;
}

int cmd_exception(struct globals *g, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return exception_add_cmd(g, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "remove"))
		return exception_remove_cmd(g, argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return exception_list(g, argc >= 3 && !strcmp(argv[2], "--json"));
	return command_usage_error("exception", "say add, remove or list");
}

/* ---- mapping ---- */

struct type_print {
	int json;
	struct strbuf line;
};

static int print_type(void *ctx, const char *field, const char *type)
{
	struct type_print *p = ctx;
	strbuf_reset(&p->line);
	if (p->json) {
		strbuf_addstr(&p->line, "{\"field\":");
		json_quote_append(&p->line, field, strlen(field));
		strbuf_addstr(&p->line, ",\"type\":");
		json_quote_append(&p->line, type, strlen(type));
		strbuf_addstr(&p->line, "}\n");
	} else {
		add_cell(&p->line, field, 48);
		strbuf_addstr(&p->line, "  ");
		add_text(&p->line, type);
		strbuf_addch(&p->line, '\n');
	}
	fwrite(p->line.buf, 1, p->line.len, stdout);
	return 0;
}

int cmd_mapping(struct globals *g, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "import")) {
		if (argc < 3)
			return command_usage_error("mapping", "name a file: the response of GET INDEX/_mapping");
		struct store *s;
		if (open_store(g, STORE_CREATE, &s))
			return 1;
		int rc = 0;
		for (int i = 2; i < argc && !rc; i++) {
			size_t n;
			char why[300];
			char *safe = sanitize_dup(argv[i], 0);
			if (mapping_import_file(s, argv[i], &n, why, sizeof(why))) {
				char *safe_why = sanitize_dup(why, 0);
				diag("casebook mapping: %s: %s\n", safe, safe_why);
				free(safe_why);
				rc = 1;
			} else {
				printf("%s: %zu field types imported\n", safe, n);
			}
			free(safe);
		}
		store_close(s);
		return rc;
	}
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return command_usage_error("mapping", "say import FILE, or nothing to list the types");
	}
	struct store *s;
	if (open_store(g, STORE_READONLY, &s))
		return 1;
	struct type_print p = {.json = json};
	strbuf_init(&p.line, 128);
	int rc = store_field_types_each(s, print_type, &p);
	if (rc)
		diag("casebook: %s\n", store_errmsg(s));
	strbuf_release(&p.line);
	store_close(s);
	return rc ? 1 : 0;
}
