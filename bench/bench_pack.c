/* bench_pack: a whole ruleset against reading the case once, in one run.
 *
 *   bench-pack EVENTS.ndjson DB RULES [RUNS [CASEBOOK]]
 *
 * Loads the events into DB (once) and imports the rules, then times, as medians of RUNS: the decode-only scan (every
 * document read and decompressed); what `events --json` does (each document decoded, sanitized and written, here to
 * /dev/null); and `detect` of every enabled rule, the bundled pack's and the generated ones, over the whole case: the
 * first run creates the alerts (the figure), the others find them made (their median is shown too). RULES is an NDJSON
 * file (bench/gen-rules: shaped like Elastic's macOS rules, or like the whole prebuilt ruleset with --whole), imported
 * beside the bundled pack; or a directory of detection-rules TOML (Elastic's real rules), imported and enabled alone,
 * as `rules import DIR` and `rules enable --all` do. The figure is detect / events --json (issue goal
 * <= 1.0), with the decode-only scan as the floor. With CASEBOOK (the release binary), one
 * `casebook events --json` and one `casebook detect` (every alert made) are also run as processes,
 * as an analyst runs them: their ratio, and detect's own peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/case.h"
#include "bench/stats.h"
#include "common/sanitize.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "detect/ruleimport.h"
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

/* `casebook --db DB ARGS...` as its own process, its output to /dev/null: wall seconds, and its
 * peak RSS in KiB. */
static double run_casebook(const char *casebook, const char *db, char *const args[], long *rss_kb)
{
	fflush(stdout); /* or the child's freopen writes this process's buffer again */
	double t0 = time_monotonic();
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		char *argv[9] = {(char *)casebook, "--db", (char *)db};
		for (int i = 0; args[i] && i < 5; i++)
			argv[3 + i] = args[i];
		execv(casebook, argv);
		_exit(127);
	}
	int st = 0;
	struct rusage ru = {0};
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) > 1) {
		fprintf(stderr, "bench-pack: casebook %s failed (status %d)\n", args[0], st);
		exit(1);
	}
	*rss_kb = ru.ru_maxrss;
	return time_monotonic() - t0;
}

/* bench-pack --processes CASEBOOK DB FROM TO: one `casebook events --json` and one `casebook detect`
 * over the range the in-process detects ran. */
static int measure_processes(const char *casebook, const char *db, char *from, char *to)
{
	long js_rss, det_rss;
	char *js_args[] = {"events", "--json", NULL}, *det_args[] = {"detect", "--from", from, "--to", to, NULL};
	double js = run_casebook(casebook, db, js_args, &js_rss);
	double det = run_casebook(casebook, db, det_args, &det_rss);
	printf("  as processes: casebook events --json %.3f s (peak RSS %.1f MiB); casebook detect %.3f s (every alert "
	       "there), ratio %.2f, peak RSS %.1f MiB\n",
	       js, (double)js_rss / 1024.0, det, det / js, (double)det_rss / 1024.0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "--processes"))
		return measure_processes(argv[2], argv[3], argv[4], argv[5]);
	if (argc < 4) {
		fprintf(stderr, "usage: bench-pack EVENTS.ndjson DB RULES [RUNS [CASEBOOK]]\n");
		return 64;
	}
	int runs = argc > 4 ? atoi(argv[4]) : 3;
	if (runs < 1 || runs > 15)
		runs = 3;
	struct store *s = bench_open_case("bench-pack", argv[1], argv[2]);
	if (!s)
		return 1;
	struct import_counts ic = {0};
	struct stat st;
	if (stat(argv[3], &st) == 0 && S_ISDIR(st.st_mode)) {
		struct ruleimport_options io = {0};
		struct ruleimport_counts rc = {0};
		int64_t changed = 0;
		if (rules_import_path(s, argv[3], &io, &ic, &rc, &(struct diag_sink){diag_to_stream, stderr}) < 0 ||
		    store_rules_set_enabled_all(s, 1, &changed))
			return 1;
	} else if (rules_load_pack(s, &(struct diag_sink){diag_to_stream, stderr}) ||
	           rules_import_file(s, argv[3], "bench", &ic, &(struct diag_sink){diag_to_stream, stderr}))
		return 1;
	struct rusage before;
	getrusage(RUSAGE_SELF, &before);
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
	printf("  peak RSS of this process          %8.1f MiB  (%.1f MiB before the first detect: the load)\n",
	       (double)ru.ru_maxrss / 1024.0, (double)before.ru_maxrss / 1024.0);
	store_close(s);
	if (argc > 5) {
		/* from a fresh process: a child's peak RSS counts the memory of the process it was forked
		 * from (Linux carries it across exec), and this one holds the case's load */
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			char from[TIME_ISO_LEN], to[TIME_ISO_LEN];
			time_format_iso8601(lo, from);
			time_format_iso8601(hi + 300 * TIME_US_PER_SEC, to);
			execl(argv[0], argv[0], "--processes", argv[5], argv[2], from, to, (char *)NULL);
			_exit(127);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	return 0;
}
