/* coverage: which plugin install techniques the rules catch. The rules are copied from the
 * case (or the bundled pack when there is no case yet) into a scratch database, the
 * synthetic events of detect/techniques.c are ingested there, and detect runs as it always
 * does; the table is what it alerted on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "detect/techniques.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/rules.h"

struct scratch {
	char dir[128];
	char db[160], events[160];
	struct store *s;
};

static void scratch_remove(struct scratch *x)
{
	if (x->s)
		store_close(x->s);
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[192];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", x->db, suffixes[i]);
		unlink(path);
	}
	unlink(x->events);
	rmdir(x->dir);
}

static int scratch_open(struct scratch *x)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(x->dir, sizeof(x->dir), "%.40s/casebook-coverage-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(x->dir)) {
		diag("casebook coverage: a scratch folder: %s\n", strerror(errno));
		return -1;
	}
	snprintf(x->db, sizeof(x->db), "%s/case.db", x->dir);
	snprintf(x->events, sizeof(x->events), "%s/events.ndjson", x->dir);
	char *err = NULL;
	if (store_open(x->db, STORE_CREATE, &x->s, &err)) {
		diag("casebook coverage: %s\n", err ? err : "cannot create a scratch database");
		free(err);
		x->s = NULL;
		return -1;
	}
	return 0;
}

struct copy_ctx {
	struct store *to;
	int all;
	struct rule_rows rules; /* the rules in the table, in order */
};

static int copy_rule(void *ctx, const struct rule_row *r)
{
	struct copy_ctx *c = ctx;
	if (!c->all && !r->enabled)
		return 0;
	struct rule_row copy = *r;
	copy.enabled = 1;
	enum upsert_result res;
	if (store_rule_put(c->to, &copy, &res))
		return -1;
	int64_t changed;
	if (store_rule_set_enabled(c->to, r->rule_id, r->version, 1, &changed))
		return -1;
	rule_rows_add(&c->rules, r);
	return 0;
}

static int is_companion(const struct rule_row *r)
{
	return strstr(r->json, "\"casebook: companion\"") != NULL;
}

/* The rule authors' rules first, then casebook's companions; by name, then version. */
static int table_order(const void *a, const void *b)
{
	const struct rule_row *x = a, *y = b;
	int cx = is_companion(x), cy = is_companion(y);
	if (cx != cy)
		return cx - cy;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->version > y->version) - (x->version < y->version);
}

/* The rules to measure: the case's, else the bundled pack's (as a new case would have them). */
static int collect_rules(struct globals *g, struct copy_ctx *c)
{
	struct store *from = NULL;
	int own = access(g->db, F_OK) == 0;
	if (own) {
		if (open_store(g, STORE_READONLY, &from))
			return -1;
	} else {
		char *err = NULL;
		struct diag_sink warn = diag_stderr_sink();
		if (store_open(":memory:", STORE_CREATE, &from, &err) || rules_load_pack(from, &warn)) {
			diag("casebook coverage: %s\n", err ? err : "cannot load the bundled rules");
			free(err);
			if (from)
				store_close(from);
			return -1;
		}
	}
	int rc = store_rules_each(from, copy_rule, c); /* copy_rule's -1 is a failure of c->to */
	if (rc)
		diag("casebook coverage: %s\n", *store_errmsg(from) ? store_errmsg(from) : store_errmsg(c->to));
	else if (c->rules.n > 1)
		qsort(c->rules.rows, c->rules.n, sizeof(*c->rules.rows), table_order);
	store_close(from);
	return rc;
}

static int write_events(const char *path)
{
	struct strbuf sb;
	strbuf_init(&sb, 16384);
	const int64_t base = 1767225600LL * 1000000; /* 2026-01-01T00:00:00Z; an hour per technique */
	for (size_t t = 0; t < ntechniques; t++)
		technique_events(t, base + (int64_t)t * 3600 * 1000000, &sb);
	FILE *f = fopen(path, "w");
	int ok = f && fwrite(sb.buf, 1, sb.len, f) == sb.len;
	if (f && fclose(f))
		ok = 0;
	strbuf_release(&sb);
	return ok ? 0 : -1;
}

/* caught[t * nrules + r]: whether rule r alerted on technique t's events. */
struct result {
	const struct rule_rows *rules;
	int *caught;
};

static int note_alert(void *ctx, const struct alert_row *a)
{
	struct result *res = ctx;
	for (size_t t = 0; t < ntechniques; t++) {
		if (!a->host_name || strcmp(a->host_name, techniques[t].id))
			continue;
		for (size_t r = 0; r < res->rules->n; r++)
			if (!strcmp(res->rules->rows[r].rule_id, a->rule_id) &&
			    res->rules->rows[r].version == a->rule_version)
				res->caught[t * res->rules->n + r] = 1;
	}
	return 0;
}

static void print_table(const struct rule_rows *rules, const int *caught, int all)
{
	printf("Rules (%s):\n", all ? "all" : "enabled");
	for (size_t r = 0; r < rules->n; r++) {
		struct strbuf l;
		strbuf_init(&l, 128);
		strbuf_addf(&l, "  R%-2zu ", r + 1);
		add_text(&l, rules->rows[r].name);
		strbuf_addf(&l, " v%lld%s\n", (long long)rules->rows[r].version,
		            rules->rows[r].enabled ? "" : " (disabled)");
		fputs(l.buf, stdout);
		strbuf_release(&l);
	}
	printf("\n%-48s", "TECHNIQUE");
	for (size_t r = 0; r < rules->n; r++)
		printf(" R%-3zu", r + 1);
	printf(" ANY\n");
	size_t missed = 0;
	for (size_t t = 0; t < ntechniques; t++) {
		printf("%-48s", techniques[t].name);
		int any = 0;
		for (size_t r = 0; r < rules->n; r++) {
			int hit = caught[t * rules->n + r];
			any |= hit;
			printf(" %-4s", hit ? "yes" : "-");
		}
		printf(" %s\n", any ? "yes" : "NO");
		missed += !any;
	}
	if (missed)
		printf("\n%zu technique%s caught by no %s rule.\n", missed, missed == 1 ? " is" : "s are",
		       all ? "" : "enabled");
}

static void print_json(const struct rule_rows *rules, const int *caught)
{
	struct strbuf out;
	strbuf_init(&out, 1024);
	strbuf_addstr(&out, "{\"rules\":[");
	for (size_t r = 0; r < rules->n; r++) {
		strbuf_addf(&out, "%s{\"rule_id\":", r ? "," : "");
		json_quote_append(&out, rules->rows[r].rule_id, strlen(rules->rows[r].rule_id));
		strbuf_addf(&out, ",\"version\":%lld,\"enabled\":%s,\"name\":", (long long)rules->rows[r].version,
		            rules->rows[r].enabled ? "true" : "false");
		json_quote_append(&out, rules->rows[r].name, strlen(rules->rows[r].name));
		strbuf_addch(&out, '}');
	}
	strbuf_addstr(&out, "],\"techniques\":[");
	for (size_t t = 0; t < ntechniques; t++) {
		strbuf_addf(&out, "%s{\"id\":\"%s\",\"name\":", t ? "," : "", techniques[t].id);
		json_quote_append(&out, techniques[t].name, strlen(techniques[t].name));
		strbuf_addstr(&out, ",\"caught_by\":[");
		int first = 1;
		for (size_t r = 0; r < rules->n; r++)
			if (caught[t * rules->n + r]) {
				strbuf_addstr(&out, first ? "{\"rule_id\":" : ",{\"rule_id\":");
				json_quote_append(&out, rules->rows[r].rule_id, strlen(rules->rows[r].rule_id));
				strbuf_addf(&out, ",\"version\":%lld}", (long long)rules->rows[r].version);
				first = 0;
			}
		strbuf_addstr(&out, "]}");
	}
	strbuf_addstr(&out, "]}\n");
	fputs(out.buf, stdout);
	strbuf_release(&out);
}

int cmd_coverage(struct globals *g, int argc, char **argv)
{
	int all = 0, json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--all"))
			all = 1;
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return command_usage_error("coverage", "unknown argument");
	}
	struct scratch x = {0};
	struct copy_ctx c = {.all = all};
	int rc = 1;
	if (scratch_open(&x))
		goto out;
	c.to = x.s;
	if (collect_rules(g, &c))
		goto out;
	if (write_events(x.events)) {
		diag("casebook coverage: writing the synthetic events: %s\n", strerror(errno));
		goto out;
	}
	struct ingest_options io = {.analyst = "casebook coverage", .errors = diag_stderr_sink()};
	struct ingest_counts counts = {0};
	if (ingest_path(x.s, x.events, &io, &counts) != INGEST_OK) {
		diag("casebook coverage: ingesting the synthetic events: %s\n", store_errmsg(x.s));
		goto out;
	}
	struct detect_options o = {.now_us = 1};
	struct detect_totals t;
	if (detect_run(x.s, &o, &t) < 0) {
		diag("casebook coverage: %s\n", store_errmsg(x.s));
		goto out;
	}
	int *caught = xcalloc(ntechniques * (c.rules.n ? c.rules.n : 1), sizeof(int));
	struct result res = {.rules = &c.rules, .caught = caught};
	struct alert_query q = {.no_doc = 1};
	if (store_alerts_each(x.s, &q, note_alert, &res)) {
		diag("casebook coverage: %s\n", store_errmsg(x.s));
		free(caught);
		goto out;
	}
	if (json)
		print_json(&c.rules, caught);
	else
		print_table(&c.rules, caught, all);
	if (t.skipped && !json)
		printf("\n%llu rule%s could not run (see 'casebook rules').\n", (unsigned long long)t.skipped,
		       t.skipped == 1 ? "" : "s");
	free(caught);
	rc = 0;
out:
	rule_rows_release(&c.rules);
	scratch_remove(&x);
	return rc;
}
