/* bench_tui: the console on a large case, in-process.
 *
 *   bench-tui DB
 *
 * DB is a case with many events (bench-detect leaves one); a broad rule is added to make
 * thousands of alerts. Reported, against the budgets: opening the console (load the
 * queue), redrawing after each keystroke (key handler + draw + doupdate to /dev/null), and the
 * timeline query of 1,000 random alerts (median and p99). With BENCH_BROAD=1 in the
 * environment, a rule on every network event is added too and the console measured again. */
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/stats.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/rule.h"
#include "store/alerts.h"
#include "tui/app.h"
#include "tui/screen.h"

struct ids {
	int64_t *event;
	size_t n;
};

static int collect(void *ctx, const struct alert_row *a)
{
	struct ids *ids = ctx;
	ids->event = realloc(ids->event, (ids->n + 1) * sizeof(*ids->event));
	ids->event[ids->n++] = a->event_id;
	return 0;
}

static int count_row(void *ctx, const struct event_row *r)
{
	(void)r;
	(*(long *)ctx)++;
	return 0;
}

/* Imports a rule and runs it; returns the seconds detect took. */
static double add_rule(struct store *s, const char *rule_id, const char *json)
{
	FILE *f = fopen("/tmp/casebook-bench-rule.json", "w");
	fputs(json, f);
	fclose(f);
	struct import_counts c = {0};
	rules_import_file(s, "/tmp/casebook-bench-rule.json", "bench", &c, &(struct diag_sink){diag_to_stream, stderr});
	struct detect_options d = {.rule_id = rule_id};
	struct detect_totals t;
	double t0 = time_monotonic();
	detect_run(s, &d, &t);
	return time_monotonic() - t0;
}

/* Opening the console: load the queue and draw it, median of five. */
static double measure_open(struct store *s, const struct app_options *o, struct app **out)
{
	double open_t[5];
	struct app *a = NULL;
	for (int i = 0; i < 5; i++) {
		app_free(a);
		double t0 = time_monotonic();
		a = app_new(s, o);
		app_load(a);
		app_draw(a);
		doupdate();
		open_t[i] = time_monotonic() - t0;
	}
	*out = a;
	return bench_percentile(open_t, 5, 0.5);
}

/* Keystrokes: scroll, filter, sort, group, open alerts and walk their tabs; prints the figures. */
static void measure_keys(struct app *a)
{
	static const int keys[] = {'j', 'j', 'j',  'G', 'g', KEY_NPAGE, 'f', 'f', 'f', 'f', 's',
	                           's', 's', '\n', '2', '3', '+',       '-', '4', '5', '6', '1',
	                           'q', 'j', '\n', '3', 'j', 'k',       'q', 'H', 'H'};
	size_t nk = sizeof(keys) / sizeof(keys[0]), rounds = 10;
	double *key_t = malloc(nk * rounds * sizeof(*key_t));
	size_t nkt = 0;
	for (size_t r = 0; r < rounds; r++)
		for (size_t i = 0; i < nk; i++) {
			double t0 = time_monotonic();
			app_handle_key(a, keys[i]);
			app_draw(a);
			doupdate();
			key_t[nkt++] = time_monotonic() - t0;
			if (getenv("BENCH_KEYS") && r == 1) /* each key's time, to find a slow one */
				fprintf(stderr, "%s %.2f\n", keyname(keys[i]), key_t[nkt - 1] * 1e3);
		}
	/* the slowest key, so that a regression names itself */
	double worst = 0;
	int worst_key = 0;
	for (size_t i = 0; i < nkt; i++)
		if (key_t[i] > worst)
			worst = key_t[i], worst_key = keys[i % nk];
	printf("  keystroke (handle + redraw)        median %7.2f ms, p99 %.2f ms, max %.2f ms (goal < 16 ms)\n",
	       bench_percentile(key_t, nkt, 0.5) * 1e3, bench_percentile(key_t, nkt, 0.99) * 1e3,
	       bench_percentile(key_t, nkt, 1.0) * 1e3);
	printf("  slowest key: %s (%.2f ms)\n", worst_key == '\n' ? "Enter" : keyname(worst_key), worst * 1e3);
	free(key_t);
}

static int count_alert(void *ctx, const struct queue_alert *a)
{
	(void)a;
	(*(size_t *)ctx)++;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-tui DB\n");
		return 64;
	}
	setlocale(LC_ALL, "C.UTF-8");
	struct store *s;
	char *err = NULL;
	if (store_open(argv[1], 0, &s, &err)) {
		fprintf(stderr, "bench-tui: %s\n", err);
		return 1;
	}
	/* a broad rule: every curl started, many per 5-minute window */
	double det =
	    add_rule(s, "bench-curl",
	             "{\"rule_id\":\"bench-curl\",\"name\":\"curl started\",\"description\":\"bench\","
	             "\"risk_score\":21,\"severity\":\"low\",\"type\":\"query\",\"query\":\"event.action:exec and "
	             "process.name:curl\",\"interval\":\"5m\",\"from\":\"now-6m\",\"max_signals\":1000}");
	struct ids ids = {0};
	struct alert_query all = {0};
	store_alerts_each(s, &all, collect, &ids);
	long events = (long)store_event_count(s);

	int pfd[2];
	if (pipe(pfd))
		return 1;
	FILE *in = fdopen(pfd[0], "r"), *out = fopen("/dev/null", "w");
	screen_open(out, in, 40, 132);
	struct app_options o = {.analyst = "bench", .db_name = "bench"};
	struct app *a;
	double open_t = measure_open(s, &o, &a);
	printf("console benchmark: %ld events, %zu alerts (a broad rule took %.2f s to detect)\n", events, ids.n, det);
	printf("  open (load the queue, first draw)  median %7.1f ms   (goal < 200 ms)\n", open_t * 1e3);
	measure_keys(a);
	app_free(a);
	/* the timeline query, for 1,000 random alerts */
	double tl[1000];
	srand(42);
	long rows = 0;
	for (int i = 0; i < 1000; i++) {
		int64_t ev = ids.event[(size_t)rand() % ids.n];
		double t0 = time_monotonic();
		store_timeline_each(s, ev, 600 * TIME_US_PER_SEC, 600 * TIME_US_PER_SEC, 0, count_row, &rows);
		tl[i] = time_monotonic() - t0;
	}
	printf("  timeline query, +-10 min           median %7.3f ms, p99 %.3f ms (%ld rows in all; goal p99 < 1 ms)\n",
	       bench_percentile(tl, 1000, 0.5) * 1e3, bench_percentile(tl, 1000, 0.99) * 1e3, rows);
	if (getenv("BENCH_BROAD")) {
		/* a queue of every network event: about one alert in seven */
		det = add_rule(
		    s, "bench-net",
		    "{\"rule_id\":\"bench-net\",\"name\":\"network event\",\"description\":\"bench\","
		    "\"risk_score\":21,\"severity\":\"low\",\"type\":\"query\",\"query\":\"event.category:network\","
		    "\"interval\":\"5m\",\"from\":\"now-6m\",\"max_signals\":10000}");
		size_t n = 0;
		store_queue_each(s, count_alert, &n);
		open_t = measure_open(s, &o, &a);
		printf("with every network event alerted: %zu alerts (detect %.2f s)\n", n, det);
		printf("  open (load the queue, first draw)  median %7.1f ms   (goal < 200 ms)\n", open_t * 1e3);
		measure_keys(a);
		app_free(a);
	}
	screen_close();
	free(ids.event);
	store_close(s);
	return 0;
}
