/* No input reaches SQL text: a scan of the product sources (run from the repository root).
 *
 * casebook binds every value with sqlite3_bind_*; SQL text is built only from literals. This test
 * makes that a rule the build enforces rather than a habit:
 *   1. only store/ may name sqlite3 at all (everything else goes through the store API);
 *   2. nobody formats SQL with SQLite's printf family (sqlite3_mprintf and friends);
 *   3. every statement store/ prepares or executes is a string literal, a named constant, or a
 *      buffer whose every printf-style fill-in is on the audited list below;
 *   4. the audited list has no stale entries, so it stays a list of lines that exist;
 *   5. no value read out of the case reaches SQL text: a case file is untrusted, and a column
 *      read (sqlite3_column_*, store_col_*) on a line that builds or runs a statement is refused
 *      (deferred_indexes once held index SQL that every ingest executed);
 *   6. columns are read only through store/store.c's NULL-safe accessors;
 *   7. diagnostics go through common/diag (one sanitizer for stderr). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *product_dirs[] = {".",      "cli",    "cluster", "common", "detect",
                                     "export", "ingest", "store",   "triage", "tui"};

/* Every strbuf_addf into a SQL buffer, audited: each %s is a constant or a name from the schema. */
static const char *audited_sql_formats[] = {
    /* TIME_EXPR() is one of two column expressions chosen by a flag */
    "strbuf_addf(&sql, \"SELECT min(%s), max(%s) FROM events e WHERE e.id > ?1\", TIME_EXPR(use_ingested),",
    "strbuf_addf(&sql, \" ORDER BY %s, e.ts, e.id\", t);",
    /* the definitions compiled into store/events.c, looked up by a name the case names */
    "strbuf_addf(create, \"%s;\", sql);",
};

/* What store_prepare/store_exec may be handed besides a string literal. */
static const char *allowed_sql_args[] = {
    "sql.buf",
    "create.buf",
    "rows_sql", /* prepare_pair's parameters in store/triage.c: a literal at each call */
    "entries_sql",
    "event_insert_sql",
    "select",
    "exists ? update : insert",
    "sql",    /* the wrapper's own parameter, and a schema migration's text compiled into the binary */
    "pragma", /* "PRAGMA user_version=%d" with the schema version */
    "outer ? \"BEGIN IMMEDIATE\" : \"SAVEPOINT triage\"",
    "deferred[i].drop",                             /* a literal of store/events.c's deferred[] */
    "absent ? queue_from_table : queue_from_index", /* two literals of store/alerts.c */
    "savepoint_sql[point][0]",                      /* literals of store/store.c's savepoint_sql[] */
    "savepoint_sql[point][1]",
    "savepoint_sql[point][2]",
};

static const char *sql_buffers[] = {"&sql,", "&create,", "create,"};

struct finding {
	struct strbuf report;
	int argument_on_next_line; /* a store_prepare/store_exec call ended its line after "s," */
	int audited_seen[sizeof(audited_sql_formats) / sizeof(*audited_sql_formats)];
};

static int is_source(const char *name)
{
	size_t n = strlen(name);
	return n > 2 && name[n - 2] == '.' && (name[n - 1] == 'c' || name[n - 1] == 'h');
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static void complain(struct finding *f, const char *path, int line, const char *why, const char *text)
{
	strbuf_addf(&f->report, "%s:%d: %s: %s\n", path, line, why, skip_space(text));
}

static int listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return (int)i;
	return -1;
}

/* The first argument after "store_prepare(s, " or "store_exec(s, ", up to its closing comma or
 * parenthesis; a string literal counts as allowed (it may continue on the next lines). */
static int sql_argument_allowed(const char *arg)
{
	if (*arg == '"' || *arg == '\0')
		return 1;
	char buf[256];
	size_t n = 0;
	int depth = 0;
	for (; arg[n] && n < sizeof(buf) - 1; n++) {
		if (arg[n] == '(')
			depth++;
		else if (arg[n] == ')' && depth-- == 0)
			break;
		else if (arg[n] == ',' && depth == 0)
			break;
	}
	memcpy(buf, arg, n);
	buf[n] = '\0';
	return listed(allowed_sql_args, sizeof(allowed_sql_args) / sizeof(*allowed_sql_args), buf) >= 0;
}

static void check_store_line(struct finding *f, const char *path, int line, const char *text)
{
	const char *t = skip_space(text);
	for (size_t i = 0; i < sizeof(sql_buffers) / sizeof(*sql_buffers); i++) {
		const char *call = strstr(t, "strbuf_addf(");
		if (!call || strncmp(call + strlen("strbuf_addf("), sql_buffers[i], strlen(sql_buffers[i])) != 0)
			continue;
		int k = listed(audited_sql_formats, sizeof(audited_sql_formats) / sizeof(*audited_sql_formats), t);
		if (k < 0)
			complain(f, path, line, "SQL formatted with printf and not audited", text);
		else
			f->audited_seen[k] = 1;
	}
	if (f->argument_on_next_line) {
		f->argument_on_next_line = 0;
		if (!sql_argument_allowed(t))
			complain(f, path, line, "statement text from an unlisted expression", text);
	}
	const char *calls[] = {"store_prepare(", "store_exec("};
	for (size_t i = 0; i < 2; i++) {
		const char *c = strstr(t, calls[i]);
		const char *comma = c ? strchr(c, ',') : NULL;
		if (!comma || strstr(t, "struct store *"))
			continue;
		const char *arg = skip_space(comma + 1);
		if (*arg == '\0')
			f->argument_on_next_line = 1;
		else if (!sql_argument_allowed(arg))
			complain(f, path, line, "statement text from an unlisted expression", text);
	}
	if ((strstr(t, "sqlite3_prepare") || strstr(t, "sqlite3_exec(")) && strcmp(path, "store/store.c") != 0)
		complain(f, path, line, "SQLite called around the store_prepare/store_exec wrappers", text);
	int builds_sql = strstr(t, "store_prepare(") || strstr(t, "store_exec(") || strstr(t, "sqlite3_exec(") ||
	                 strstr(t, "sqlite3_prepare") ||
	                 (strstr(t, "strbuf_add") && (strstr(t, "&sql") || strstr(t, "create,")));
	if (builds_sql && (strstr(t, "sqlite3_column_") || strstr(t, "store_col_")))
		complain(f, path, line, "a value read from the case reaches SQL text", text);
	if ((strstr(t, "sqlite3_column_text(") || strstr(t, "sqlite3_column_blob(")) &&
	    strcmp(path, "store/store.c") != 0)
		complain(f, path, line, "a column read around the NULL-safe accessors", text);
}

static void check_line(struct finding *f, const char *dir, const char *path, int line, const char *text)
{
	static const char *printf_family[] = {"sqlite3_mprintf", "sqlite3_vmprintf", "sqlite3_snprintf",
	                                      "sqlite3_str_appendf", "sqlite3_str_vappendf"};
	for (size_t i = 0; i < sizeof(printf_family) / sizeof(*printf_family); i++)
		if (strstr(text, printf_family[i]))
			complain(f, path, line, "SQLite printf builds SQL text", text);
	if (strcmp(dir, "store") != 0 && strstr(text, "sqlite3"))
		complain(f, path, line, "sqlite3 named outside store/", text);
	if (strcmp(dir, "store") == 0)
		check_store_line(f, path, line, text);
	int diag_allowed = !strcmp(path, "common/diag.c") || !strcmp(path, "common/strbuf.c") /* out of memory */ ||
	                   !strcmp(path, "common/digest.c");
	if (!diag_allowed &&
	    (strstr(text, "fprintf(stderr") || strstr(text, "perror(") ||
	     ((strstr(text, "fputs(") || strstr(text, "fwrite(") || strstr(text, "putc(")) && strstr(text, "stderr"))))
		complain(f, path, line, "a diagnostic around common/diag", text);
}

static void check_file(struct finding *f, const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	char text[4096];
	int line = 0;
	while (fgets(text, sizeof(text), in)) {
		line++;
		text[strcspn(text, "\n")] = '\0';
		check_line(f, dir, path, line, text);
	}
	fclose(in);
}

static int scan_sources(struct finding *f)
{
	int files = 0;
	for (size_t d = 0; d < sizeof(product_dirs) / sizeof(*product_dirs); d++) {
		DIR *dir = opendir(product_dirs[d]);
		assert_non_null(dir);
		struct dirent *e;
		while ((e = readdir(dir)) != NULL)
			if (is_source(e->d_name)) {
				check_file(f, product_dirs[d], e->d_name);
				files++;
			}
		closedir(dir);
	}
	return files;
}

static void test_no_input_reaches_sql_text(void **state)
{
	(void)state;
	struct finding f = {0};
	strbuf_init(&f.report, 256);
	int files = scan_sources(&f);
	assert_true(files > 40);
	for (size_t i = 0; i < sizeof(audited_sql_formats) / sizeof(*audited_sql_formats); i++)
		if (!f.audited_seen[i])
			strbuf_addf(&f.report, "audited line no longer in the sources: %s\n", audited_sql_formats[i]);
	if (f.report.len)
		fprintf(stderr, "%s", f.report.buf);
	size_t reported = f.report.len; /* released first: a failure is not a leak report too */
	strbuf_release(&f.report);
	assert_int_equal(reported, 0);
}

/* The scanner itself must catch what it looks for. */
static void test_scanner_catches_concatenation(void **state)
{
	(void)state;
	struct finding f = {0};
	strbuf_init(&f.report, 256);
	check_line(&f, "store", "x.c", 1, "\tstrbuf_addf(&sql, \" WHERE name = '%s'\", name);");
	check_line(&f, "store", "x.c", 2, "\tif (store_prepare(s, query_text, &st))");
	check_line(&f, "cli", "y.c", 3, "\tsqlite3_exec(db, q, 0, 0, 0);");
	check_line(&f, "store", "x.c", 4, "\tchar *q = sqlite3_mprintf(\"SELECT %s\", v);");
	check_line(&f, "store", "x.c", 5, "\tif (store_prepare(s, \"SELECT 1\", &st))");
	check_line(&f, "store", "x.c", 6, "\tif (store_exec(w->s,");
	check_line(&f, "store", "x.c", 7, "\t\t\tuser_sql))");
	check_line(&f, "store", "x.c", 8, "\tsqlite3_prepare_v2(db, text, -1, &st, NULL);");
	check_line(&f, "store", "x.c", 9, "\t\tstrbuf_addf(&create, \"%s;\", store_col_req(st, 0));");
	check_line(&f, "store", "x.c", 10, "\tconst char *t = (const char *)sqlite3_column_text(st, 1);");
	check_line(&f, "cli", "y.c", 11, "\tfprintf(stderr, \"%s\", name);");
	assert_string_equal(
	    f.report.buf,
	    "x.c:1: SQL formatted with printf and not audited: strbuf_addf(&sql, \" WHERE name = '%s'\", name);\n"
	    "x.c:2: statement text from an unlisted expression: if (store_prepare(s, query_text, &st))\n"
	    "y.c:3: sqlite3 named outside store/: sqlite3_exec(db, q, 0, 0, 0);\n"
	    "x.c:4: SQLite printf builds SQL text: char *q = sqlite3_mprintf(\"SELECT %s\", v);\n"
	    "x.c:7: statement text from an unlisted expression: user_sql))\n"
	    "x.c:8: SQLite called around the store_prepare/store_exec wrappers: "
	    "sqlite3_prepare_v2(db, text, -1, &st, NULL);\n"
	    "x.c:9: SQL formatted with printf and not audited: strbuf_addf(&create, \"%s;\", store_col_req(st, 0));\n"
	    "x.c:9: a value read from the case reaches SQL text: strbuf_addf(&create, \"%s;\", store_col_req(st, 0));\n"
	    "x.c:10: a column read around the NULL-safe accessors: const char *t = (const char "
	    "*)sqlite3_column_text(st, 1);\n"
	    "y.c:11: a diagnostic around common/diag: fprintf(stderr, \"%s\", name);\n");
	strbuf_release(&f.report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_input_reaches_sql_text),
	    cmocka_unit_test(test_scanner_catches_concatenation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
