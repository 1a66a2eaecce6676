/* bench_detect: detection cost against a full scan of the same store, in one run.
 *
 *   bench-detect EVENTS.ndjson DB [RUNS]
 *
 * Loads the events into DB (once), then times, as medians of RUNS: a full scan that only
 * decodes every stored document; `detect` over the whole time range of the seed rule
 * (version 107, KQL), of its EQL form (version 111), and of every rule the pack enables
 * (the seed rule and casebook's companions); a threshold and two new-terms rules (7- and
 * 14-day histories: the cost must not grow with the history); and a selective
 * `events --query`. The figures are each detect / full scan (goal for the seed rule <= 0.02). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/case.h"
#include "bench/stats.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/kql.h"
#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/events.h"
#include "store/rules.h"

static int pack_rule(void *ctx, const struct rule_row *r)
{
	if (r->enabled && !strcmp(r->source, "pack"))
		rule_rows_add(ctx, r);
	return 0;
}

static int other_enabled_rule(void *ctx, const struct rule_row *r)
{
	if (r->enabled && strcmp(r->source, "pack"))
		rule_rows_add(ctx, r);
	return 0;
}

/* Enables or disables the rules of a list (the case's own rules are left out of the pack's figure). */
static void set_enabled(struct store *s, const struct rule_rows *l, int enabled)
{
	for (size_t i = 0; i < l->n; i++) {
		int64_t changed;
		store_rule_set_enabled(s, l->rows[i].rule_id, l->rows[i].version, enabled, &changed);
	}
}

/* The new rule types, in the bench case's own rules (not the pack's figure): a threshold per
 * host, and new terms over two history windows, 7 and 14 days (the cost must not grow with it). */
static const char *const type_rules[] = {
    "{\"rule_id\":\"bench-threshold\",\"name\":\"bench threshold\",\"description\":\"d\",\"risk_score\":21,"
    "\"severity\":\"low\",\"type\":\"threshold\",\"query\":\"event.category:process\",\"enabled\":false,"
    "\"threshold\":{\"field\":[\"host.id\"],\"value\":20,\"cardinality\":[{\"field\":\"process.name\","
    "\"value\":3}]}}",
    "{\"rule_id\":\"bench-new-terms-7d\",\"name\":\"bench new terms 7d\",\"description\":\"d\",\"risk_score\":21,"
    "\"severity\":\"low\",\"type\":\"new_terms\",\"query\":\"event.category:process\",\"enabled\":false,"
    "\"new_terms_fields\":[\"host.id\",\"process.name\"],\"history_window_start\":\"now-7d\"}",
    "{\"rule_id\":\"bench-new-terms-14d\",\"name\":\"bench new terms 14d\",\"description\":\"d\",\"risk_score\":21,"
    "\"severity\":\"low\",\"type\":\"new_terms\",\"query\":\"event.category:process\",\"enabled\":false,"
    "\"new_terms_fields\":[\"host.id\",\"process.name\"],\"history_window_start\":\"now-14d\"}"};
#define NTYPES (sizeof(type_rules) / sizeof(type_rules[0]))

static int import_type_rules(struct store *s, const char *db)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s.type-rules.ndjson", db);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	for (size_t i = 0; i < NTYPES; i++)
		fprintf(f, "%s\n", type_rules[i]);
	if (fclose(f))
		return -1;
	struct import_counts c = {0};
	int rc = rules_import_file(s, path, "bench", &c, &(struct diag_sink){diag_to_stream, stderr});
	unlink(path);
	return rc || c.unsupported ? -1 : 0;
}

static int count_event(void *ctx, const struct event_row *row)
{
	(*(long *)ctx) += row->doc_len > 0;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-detect EVENTS.ndjson DB [RUNS]\n");
		return 64;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 3;
	if (runs < 1 || runs > 15)
		runs = 3;
	struct store *s = bench_open_case("bench-detect", argv[1], argv[2]);
	if (!s)
		return 1;
	if (rules_load_pack(s, &(struct diag_sink){diag_to_stream, stderr}) || import_type_rules(s, argv[2]))
		return 1;
	int64_t lo, hi;
	store_time_span(s, 1, 0, &lo, &hi);
	double scan[15], det[15], det111[15], pack[15], query[15], types[NTYPES][15];
	struct detect_totals ttype[NTYPES];
	struct detect_totals t111 = {0}, tpack = {0};
	struct rule_rows rules = {0};
	store_rules_each(s, pack_rule, &rules);
	double each[16][15] = {{0}}, shared[15];
	struct rule_rows others = {0};
	store_rules_each(s, other_enabled_rule, &others);
	long docs = 0;
	struct detect_totals t = {0};
	long found = 0;
	for (int i = 0; i < runs; i++) {
		double t0 = time_monotonic();
		docs = 0;
		struct event_query all = {.want_doc = 1};
		store_events_each(s, &all, count_event, &docs);
		scan[i] = time_monotonic() - t0;

		struct detect_options o = {.from = lo,
		                           .to = hi + 300 * TIME_US_PER_SEC,
		                           .has_range = 1,
		                           .rule_id = "89fa6cb7-6b53-4de2-b604-648488841ab8"};
		t0 = time_monotonic();
		if (detect_run(s, &o, &t)) {
			fprintf(stderr, "bench-detect: %s\n", store_errmsg(s));
			return 1;
		}
		det[i] = time_monotonic() - t0;

		o.version = 111;
		t0 = time_monotonic();
		if (detect_run(s, &o, &t111)) {
			fprintf(stderr, "bench-detect: %s\n", store_errmsg(s));
			return 1;
		}
		det111[i] = time_monotonic() - t0;

		/* the pack's enabled rules in one detect (they share one scan), then one by one */
		set_enabled(s, &others, 0);
		struct detect_options every = {.from = lo, .to = hi + 300 * TIME_US_PER_SEC, .has_range = 1};
		struct detect_totals tall;
		t0 = time_monotonic();
		int bad = detect_run(s, &every, &tall);
		shared[i] = time_monotonic() - t0;
		set_enabled(s, &others, 1);
		if (bad) {
			fprintf(stderr, "bench-detect: %s\n", store_errmsg(s));
			return 1;
		}
		pack[i] = 0;
		memset(&tpack, 0, sizeof(tpack));
		for (size_t k = 0; k < rules.n && k < 16; k++) {
			struct detect_options one = {.from = lo,
			                             .to = hi + 300 * TIME_US_PER_SEC,
			                             .has_range = 1,
			                             .rule_id = rules.rows[k].rule_id,
			                             .version = rules.rows[k].version};
			struct detect_totals tk;
			t0 = time_monotonic();
			if (detect_run(s, &one, &tk)) {
				fprintf(stderr, "bench-detect: %s\n", store_errmsg(s));
				return 1;
			}
			each[k][i] = time_monotonic() - t0;
			pack[i] += each[k][i];
			tpack.rules++;
			tpack.matched += tk.matched;
		}

		for (size_t k = 0; k < NTYPES; k++) {
			static const char *const ids[] = {"bench-threshold", "bench-new-terms-7d",
			                                  "bench-new-terms-14d"};
			struct detect_options one = {.from = lo,
			                             .to = hi + 300 * TIME_US_PER_SEC,
			                             .has_range = 1,
			                             .rule_id = ids[k],
			                             .version = 1};
			t0 = time_monotonic();
			if (detect_run(s, &one, &ttype[k])) {
				fprintf(stderr, "bench-detect: %s\n", store_errmsg(s));
				return 1;
			}
			types[k][i] = time_monotonic() - t0;
		}

		struct kql_error kerr;
		struct kql_node *q = kql_parse("file.path:/Library/DirectoryServices/PlugIns/*.dsplug", &kerr);
		found = 0;
		t0 = time_monotonic();
		detect_search(s, q, 0, count_event, &found);
		query[i] = time_monotonic() - t0;
		kql_free(q);
	}
	double sc = bench_median(scan, (size_t)runs), d = bench_median(det, (size_t)runs),
	       qu = bench_median(query, (size_t)runs);
	printf("detect benchmark: %ld stored events, median of %d runs\n", docs, runs);
	printf("  full scan (decode every document) %8.3f s\n", sc);
	printf("  detect, seed rule, whole range    %8.3f s  (%llu executions, %llu matched, %llu alerts)\n", d,
	       (unsigned long long)t.executions, (unsigned long long)t.matched,
	       (unsigned long long)(t.created + t.duplicates));
	printf("  ratio detect/full scan            %8.4f   (goal <= 0.02)\n", d / sc);
	double d111 = bench_median(det111, (size_t)runs), dp = bench_median(pack, (size_t)runs);
	printf("  detect, seed rule v111 (EQL)      %8.3f s  (%llu matched; ratio %.4f)\n", d111,
	       (unsigned long long)t111.matched, d111 / sc);
	double dsh = bench_median(shared, (size_t)runs);
	printf("  detect, the enabled pack, one run %8.3f s  (%llu rules; ratio %.4f)\n", dsh,
	       (unsigned long long)tpack.rules, dsh / sc);
	printf("  the same rules one run each       %8.3f s  (%llu matched; ratio %.4f)\n", dp,
	       (unsigned long long)tpack.matched, dp / sc);
	for (size_t k = 0; k < rules.n && k < 16; k++) {
		double e = bench_median(each[k], (size_t)runs);
		printf("    %-58.58s v%-3lld %7.3f s  ratio %.4f\n", rules.rows[k].name,
		       (long long)rules.rows[k].version, e, e / sc);
	}
	static const char *const labels[] = {"threshold, host.id >= 20, 3 names", "new terms, 7-day history",
	                                     "new terms, 14-day history"};
	for (size_t k = 0; k < NTYPES; k++) {
		double e = bench_median(types[k], (size_t)runs);
		printf("  %-34s %7.3f s  (%llu matched, %llu alerts; ratio %.4f)\n", labels[k], e,
		       (unsigned long long)ttype[k].matched,
		       (unsigned long long)(ttype[k].created + ttype[k].duplicates), e / sc);
	}
	rule_rows_release(&rules);
	rule_rows_release(&others);
	printf("  events --query file.path:...dsplug %7.1f ms (%ld events)\n", qu * 1000, found);
	store_close(s);
	return 0;
}
