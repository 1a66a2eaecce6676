/* bench_pack: a whole ruleset against reading the case once, in one run.
 *
 *   bench-pack EVENTS.ndjson DB RULES.ndjson [RUNS]
 *
 * Loads the events into DB (once) and imports the rules (bench/gen-rules: shaped like Elastic's
 * macOS rules), then times, as medians of RUNS: the decode-only scan (every document read and
 * decompressed); what `events --json` does (each document decoded, sanitized and written, here
 * to /dev/null); and `detect` of every enabled rule, the bundled pack's and the generated
 * ones, over the whole case: the first run creates the alerts (the figure), the others find
 * them made (their median is shown too). The figure is detect / events --json (issue goal
 * <= 1.0), with the decode-only scan as the floor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/case.h"
#include "bench/stats.h"
#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "ingest/ingest.h"
#include "store/alerts.h"
#include "store/events.h"
#include "store/rules.h"

static int count_event(void *ctx, const struct event_row *row)
{
	(*(long *)ctx) += row->doc_len > 0;
	return 0;
}

struct printer {
	FILE *out;
	struct strbuf line;
};

static int print_event(void *ctx, const struct event_row *row)
{
	struct printer *p = ctx;
	strbuf_reset(&p->line);
	sanitize_json_append(&p->line, row->doc, row->doc_len);
	strbuf_addch(&p->line, '\n');
	fwrite(p->line.buf, 1, p->line.len, p->out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: bench-pack EVENTS.ndjson DB RULES.ndjson [RUNS]\n");
		return 64;
	}
	int runs = argc > 4 ? atoi(argv[4]) : 3;
	if (runs < 1 || runs > 15)
		runs = 3;
	struct store *s = bench_open_case("bench-pack", argv[1], argv[2]);
	if (!s)
		return 1;
	struct import_counts ic = {0};
	if (rules_load_pack(s) || rules_import_file(s, argv[3], "bench", &ic, stderr))
		return 1;
	int64_t nrules = 0;
	store_rule_count(s, NULL, &nrules);
	int64_t lo, hi;
	store_time_span(s, 1, 0, &lo, &hi);
	double scan[15], json[15], det[15];
	struct detect_totals t = {0};
	uint64_t created = 0;
	long docs = 0;
	FILE *devnull = fopen("/dev/null", "w");
	for (int i = 0; i < runs; i++) {
		double t0 = time_monotonic();
		docs = 0;
		struct event_query all = {.want_doc = 1};
		store_events_each(s, &all, count_event, &docs);
		scan[i] = time_monotonic() - t0;

		struct printer p = {.out = devnull};
		strbuf_init(&p.line, 4096);
		t0 = time_monotonic();
		store_events_each(s, &all, print_event, &p);
		json[i] = time_monotonic() - t0;
		strbuf_release(&p.line);

		struct detect_options o = {.from = lo, .to = hi + 300 * TIME_US_PER_SEC, .has_range = 1};
		t0 = time_monotonic();
		if (detect_run(s, &o, &t)) {
			fprintf(stderr, "bench-pack: %s\n", store_errmsg(s));
			return 1;
		}
		det[i] = time_monotonic() - t0;
		if (i == 0)
			created = t.created;
	}
	fclose(devnull);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	/* the first detect creates the alerts; the others find each one made (as a second detect
	 * over the same range does) */
	double sc = bench_median(scan, (size_t)runs), js = bench_median(json, (size_t)runs), d = det[0],
	       again = runs > 1 ? bench_median(det + 1, (size_t)runs - 1) : 0;
	printf("pack benchmark: %ld stored events, %lld rules stored (%llu run, %llu skipped), median of %d runs "
	       "(detect: the first)\n",
	       docs, (long long)nrules, (unsigned long long)t.rules, (unsigned long long)t.skipped, runs);
	printf("  decode-only scan                  %8.3f s\n", sc);
	printf("  events --json (decode and print)  %8.3f s\n", js);
	printf("  detect, every enabled rule        %8.3f s  (%llu matched, %llu alerts created)\n", d,
	       (unsigned long long)t.matched, (unsigned long long)created);
	printf("  ratio detect / events --json      %8.2f   (goal <= 1.0)\n", d / js);
	printf("  ratio detect / decode-only scan   %8.2f\n", d / sc);
	if (runs > 1)
		printf("  detect again (every alert there)  %8.3f s  (ratio %.2f to events --json, %.2f to the scan)\n",
		       again, again / js, again / sc);
	printf("  peak RSS of this process          %8.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
	store_close(s);
	return 0;
}
