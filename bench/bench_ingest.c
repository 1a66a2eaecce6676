/* bench_ingest: casebook ingest against cJSON parse-only on the same file, in one run.
 *
 *   bench-ingest FILE CASEBOOK [RUNS]
 *
 * Machines here are shared and noisy, so the figure that matters is a ratio: ingest rate
 * divided by the rate at which cJSON merely parses the same NDJSON lines (medians of RUNS).
 * Also printed: bytes stored per event, database size / input size, and peak RSS. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/stats.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses every line with cJSON and frees it; returns the number of documents. */
static long parse_only(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long docs = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *j = cJSON_ParseWithLength(line, (size_t)n);
		if (j)
			docs++;
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return docs;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : 0;
}

/* Runs casebook ingest into a fresh database; returns seconds, and peak RSS in KiB. */
static double run_ingest(const char *casebook, const char *file, const char *db, long *rss_kb)
{
	char wal[600], shm[600];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	snprintf(shm, sizeof(shm), "%s-shm", db);
	unlink(db), unlink(wal), unlink(shm);
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(casebook, casebook, "--db", db, "ingest", file, (char *)NULL);
		_exit(127);
	}
	int st;
	struct rusage ru;
	wait4(pid, &st, 0, &ru);
	double t = now() - t0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench-ingest: casebook ingest failed (status %d)\n", st);
		exit(1);
	}
	*rss_kb = ru.ru_maxrss;
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench-ingest FILE CASEBOOK [RUNS]\n");
		return 64;
	}
	const char *file = argv[1], *casebook = argv[2];
	int runs = argc > 3 ? atoi(argv[3]) : 3;
	if (runs < 1 || runs > 15)
		runs = 3;
	char db[512];
	snprintf(db, sizeof(db), "%s.bench.db", file);
	double parse_t[15], ingest_t[15];
	long docs = 0, rss = 0, peak = 0;
	for (int i = 0; i < runs; i++) {
		double t0 = now();
		docs = parse_only(file);
		parse_t[i] = now() - t0;
		ingest_t[i] = run_ingest(casebook, file, db, &rss);
		if (rss > peak)
			peak = rss;
	}
	off_t in = file_size(file);
	char wal[600];
	snprintf(wal, sizeof(wal), "%s-wal", db);
	off_t stored = file_size(db) + file_size(wal);
	double p = bench_median(parse_t, (size_t)runs), g = bench_median(ingest_t, (size_t)runs);
	printf("ingest benchmark: %ld events, %.1f MB NDJSON (%.0f bytes/event), median of %d runs\n", docs,
	       (double)in / 1e6, (double)in / (double)docs, runs);
	printf("  cJSON parse-only   %9.0f events/s  (%.2f s)\n", (double)docs / p, p);
	printf("  casebook ingest    %9.0f events/s  (%.2f s)\n", (double)docs / g, g);
	printf("  ratio ingest/parse %9.2f   (goal >= 0.50)\n", p / g);
	printf("  database           %9.1f MB, %.0f bytes/event, %.2f x input (goal <= 0.50)\n", (double)stored / 1e6,
	       (double)stored / (double)docs, (double)stored / (double)in);
	printf("  peak RSS           %9.1f MiB (goal < 64)\n", (double)peak / 1024.0);
	unlink(db);
	unlink(wal);
	return 0;
}
