/* The detection core never names a rule type: a scan of its sources (run from the repository
 * root), as test_sqlsafety.c enforces the store boundary.
 *
 * A rule type is one file, detect/type_*.c, and one row of detect/ruletype.c's table
 * (detect/ruletype.h). The core (the detect run, the shared pass, the schedule and replay, the
 * alert documents) reaches a type only through that table's operations and the event test the
 * type compiled (run->test). This test makes that a rule the build enforces:
 *   1. no core source names a type or a query language the table knows as a string literal
 *      ("eql", "esql", "kuery", ...), read from the table itself, so a new row is covered;
 *   2. none names a type's row (eql_type, &query_type, ...), read from detect/type_*.c;
 *   3. none includes a type's or a type-only language's header (detect/type_*.h, eql.h, esql.h,
 *      sample.h, sequence.h) or calls into them (eql_*, esql_*, seq_*, sample_*);
 *   4. none reaches into a type's private state (->state).
 * Comments are not code: they may say what the types are. */
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/ruletype.h"

static const char *const core_sources[] = {"detect/detect.c",   "detect/scan.c",        "detect/scan.h",
                                           "detect/schedule.c", "detect/alertdoc.c",    "detect/eventjson.c",
                                           "detect/run.h",      "detect/indexpattern.c"};

/* Lines of the core where a type's name is a literal that means something else, audited: each
 * is the whole line, trimmed. */
static const char *const audited_lines[] = {
    "\"query\",", /* alertdoc.c: the rule's field "query", copied to kibana.alert.rule.query */
};

static int audited(const char *code, const char *at)
{
	const char *start = at, *end = at;
	while (start > code && start[-1] != '\n')
		start--;
	while (*end && *end != '\n')
		end++;
	while (*start == ' ' || *start == '\t')
		start++;
	for (size_t i = 0; i < sizeof(audited_lines) / sizeof(audited_lines[0]); i++)
		if (strlen(audited_lines[i]) == (size_t)(end - start) &&
		    !strncmp(start, audited_lines[i], (size_t)(end - start)))
			return 1;
	return 0;
}

/* What only a type may include or call. */
static const char *const type_headers[] = {"\"detect/type_", "\"detect/eql.h\"", "\"detect/esql.h\"",
                                           "\"detect/sample.h\"", "\"detect/sequence.h\""};
static const char *const type_calls[] = {"eql_", "esql_", "seq_", "sample_"};

/* The source without its comments (string and character literals kept), so a comment may name
 * a type. A quote inside a literal ('"', "\\\"") opens nothing. */
static char *code_of(const char *text)
{
	size_t n = strlen(text);
	char *out = malloc(n + 1);
	size_t o = 0;
	char quote = 0;
	for (size_t i = 0; i < n; i++) {
		if (!quote && text[i] == '/' && text[i + 1] == '*') {
			const char *end = strstr(text + i + 2, "*/");
			for (const char *c = text + i; c < (end ? end + 2 : text + n); c++)
				if (*c == '\n')
					out[o++] = '\n'; /* lines keep their numbers */
			i = end ? (size_t)(end + 1 - text) : n;
			continue;
		}
		if (quote && text[i] == '\\' && i + 1 < n) {
			out[o++] = text[i++]; /* an escape: the next character is part of the literal */
		} else if (quote && text[i] == quote) {
			quote = 0;
		} else if (!quote && (text[i] == '"' || text[i] == '\'')) {
			quote = text[i];
		}
		out[o++] = text[i];
	}
	out[o] = '\0';
	return out;
}

/* Whether word occurs in code as an identifier's start (not inside a longer name). */
static int names(const char *code, const char *word, int whole)
{
	size_t len = strlen(word);
	for (const char *p = strstr(code, word); p; p = strstr(p + 1, word)) {
		int starts = p == code || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int ends = !whole || !(isalnum((unsigned char)p[len]) || p[len] == '_');
		if (starts && ends)
			return 1;
	}
	return 0;
}

static int line_of(const char *code, const char *at)
{
	int line = 1;
	for (const char *c = code; c < at; c++)
		line += *c == '\n';
	return line;
}

/* The findings of the rules above on one source's text, one a line: "path:line: why". */
static void check_core(const char *path, const char *text, const char *const *rows, size_t nrows, struct strbuf *report)
{
	char *code = code_of(text);
	char quoted[80];
	for (size_t i = 0; rule_type_at(i); i++) {
		const struct rule_type *t = rule_type_at(i);
		const char *words[] = {t->name, t->language};
		for (size_t k = 0; k < 2; k++) {
			if (!words[k] || (k == 1 && !strcmp(words[0], words[1])))
				continue;
			snprintf(quoted, sizeof(quoted), "\"%s\"", words[k]);
			if (strstr(report->buf, quoted))
				continue; /* a language several types take: said once */
			for (const char *at = strstr(code, quoted); at; at = strstr(at + 1, quoted))
				if (!audited(code, at))
					strbuf_addf(report, "%s:%d: names %s\n", path, line_of(code, at), quoted);
		}
	}
	for (size_t i = 0; i < nrows; i++)
		if (names(code, rows[i], 1))
			strbuf_addf(report, "%s: names the row %s\n", path, rows[i]);
	for (size_t i = 0; i < sizeof(type_headers) / sizeof(type_headers[0]); i++)
		if (strstr(code, type_headers[i]))
			strbuf_addf(report, "%s: includes %s\n", path, type_headers[i]);
	for (size_t i = 0; i < sizeof(type_calls) / sizeof(type_calls[0]); i++)
		if (names(code, type_calls[i], 0))
			strbuf_addf(report, "%s: calls %s*\n", path, type_calls[i]);
	const char *state = strstr(code, "->state");
	if (state && !(isalnum((unsigned char)state[7]) || state[7] == '_'))
		strbuf_addf(report, "%s:%d: reaches into a type's state\n", path, line_of(code, state));
	free(code);
}

/* The rows the type files define: "const struct rule_type NAME =". */
static size_t type_rows(char rows[][64], size_t max)
{
	size_t n = 0;
	DIR *dir = opendir("detect");
	assert_non_null(dir);
	for (struct dirent *e; (e = readdir(dir)) != NULL;) {
		if (strncmp(e->d_name, "type_", 5) || !strstr(e->d_name, ".c"))
			continue;
		char path[300];
		snprintf(path, sizeof(path), "detect/%s", e->d_name);
		char *text = tu_read_file(path);
		assert_non_null(text);
		const char *key = "const struct rule_type ";
		for (const char *p = strstr(text, key); p && n < max; p = strstr(p + 1, key)) {
			const char *name = p + strlen(key);
			size_t len = strcspn(name, " =");
			if (len < 64 && name[len] == ' ') {
				memcpy(rows[n], name, len);
				rows[n++][len] = '\0';
			}
		}
		free(text);
	}
	closedir(dir);
	return n;
}

static void test_core_names_no_type(void **state)
{
	(void)state;
	char rows[32][64];
	size_t nrows = type_rows(rows, 32);
	assert_int_equal(nrows, 7); /* query, eql, threshold, new_terms, esql, threat_match, ml */
	const char *names_of[32];
	for (size_t i = 0; i < nrows; i++)
		names_of[i] = rows[i];
	struct strbuf report;
	strbuf_init(&report, 256);
	for (size_t i = 0; i < sizeof(core_sources) / sizeof(core_sources[0]); i++) {
		char *text = tu_read_file(core_sources[i]);
		if (!text)
			fail_msg("cannot read %s (run from the repository root)", core_sources[i]);
		check_core(core_sources[i], text, names_of, nrows, &report);
		free(text);
	}
	if (report.len)
		fail_msg("the detection core names a rule type (see tests/test_detectcore.c):\n%s", report.buf);
	strbuf_release(&report);
}

/* The check itself finds what it must, and leaves comments and longer names alone. */
static void test_check_finds(void **state)
{
	(void)state;
	static const struct {
		const char *text, *expected;
	} cases[] = {
	    {"int x = !strcmp(t, \"eql\");\n", "core.c:1: names \"eql\"\n"},
	    {"/* an \"eql\" rule */\nint y;\n", ""},
	    {"\nif (run->type == &query_type)\n", "core.c: names the row query_type\n"},
	    {"int query_typed;\n", ""},
	    {"#include \"detect/eql.h\"\n", "core.c: includes \"detect/eql.h\"\n"},
	    {"#include \"detect/type_query.h\"\n", "core.c: includes \"detect/type_\n"},
	    {"n = eql_stage_count(q);\n", "core.c: calls eql_*\n"},
	    {"n = my_eql_count(q);\n", ""},
	    {"\n\nst = run->state;\n", "core.c:3: reaches into a type's state\n"},
	    {"run->stateful = 1;\n", ""},
	    {"const char *lang = \"kuery\";\n", "core.c:1: names \"kuery\"\n"},
	    {"\t\"query\",\n", ""},
	    {"\t\"query\", \"eql\",\n", "core.c:1: names \"query\"\ncore.c:1: names \"eql\"\n"},
	};
	const char *rows[] = {"query_type", "eql_type"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf report;
		strbuf_init(&report, 64);
		check_core("core.c", cases[i].text, rows, 2, &report);
		assert_string_equal(report.buf, cases[i].expected);
		strbuf_release(&report);
	}
}

/* Issue 25: one error convention. Library code (common/, store/, ingest/, detect/, triage/,
 * export/, cluster/) says a warning through a struct diag_sink (common/diag.h), the callback its caller
 * chose, and hands an error back (the handle's store_errmsg, an err buffer); it never takes or
 * holds a FILE * to write diagnostics to, never writes to a stream itself and never names stderr
 * or stdout. Only the front ends (cli/, tui/, tools/, bench/, tests/) pick stderr. */
static const char *const diag_dirs[] = {"common", "store", "ingest", "detect", "triage", "export", "cluster"};
static const char *const stream_writers[] = {"diagf",
                                             "diag",
                                             "diag_progress",
                                             "diag_progress_clear",
                                             "diag_stderr_sink",
                                             "fprintf",
                                             "vfprintf",
                                             "printf",
                                             "vprintf",
                                             "fputs",
                                             "puts",
                                             "fputc",
                                             "putc",
                                             "putchar",
                                             "fwrite",
                                             "perror"};
static const char *const std_streams[] = {"stderr", "stdout"};

/* Where a library file may do what the scan finds, each with its reason: one file and one
 * finding (the text after "path:line: "). An allowance nothing needs any more fails too. */
static const struct {
	const char *path, *finding;
} diag_allowed[] = {
    /* common/diag is the one writer: diag() and the progress line for the front ends,
     * diag_to_stream for the sink a front end picks */
    {"common/diag.c", "*"},
    {"common/diag.h", "*"},
    /* out of memory, just before abort(): there is no caller left to tell */
    {"common/strbuf.c", "writes to a stream (fprintf)"},
    /* strbuf_read_stream reads input (a rule file, standard input), not diagnostics */
    {"common/strbuf.c", "takes a FILE *"},
    {"common/strbuf.h", "takes a FILE *"},
    /* libcrypto cannot start SHA-256, just before abort() */
    {"common/digest.c", "writes to a stream (fprintf)"},
    /* no random key for the hash tables, just before abort() */
    {"common/hash.c", "writes to a stream (diag)"},
    /* the module's output, not a diagnostic: an export to standard output when no file is named */
    {"export/export.c", "writes to a stream (fwrite)"},
};

/* Whether at, in code, lies inside a string or character literal of its line. */
static int in_literal(const char *code, const char *at)
{
	const char *c = at;
	while (c > code && c[-1] != '\n')
		c--;
	char quote = 0;
	for (; c < at; c++) {
		if (quote && *c == '\\' && c + 1 < at)
			c++;
		else if (quote && *c == quote)
			quote = 0;
		else if (!quote && (*c == '"' || *c == '\''))
			quote = *c;
	}
	return quote != 0;
}

/* The findings on one library source, one a line: "path:line: why". */
static void check_diagnostics(const char *path, const char *text, struct strbuf *report)
{
	char *code = code_of(text);
	for (size_t i = 0; i < sizeof(stream_writers) / sizeof(stream_writers[0]); i++) {
		size_t len = strlen(stream_writers[i]);
		for (const char *at = strstr(code, stream_writers[i]); at; at = strstr(at + 1, stream_writers[i])) {
			int starts = at == code || !(isalnum((unsigned char)at[-1]) || at[-1] == '_');
			if (starts && at[len] == '(' && !in_literal(code, at))
				strbuf_addf(report, "%s:%d: writes to a stream (%s)\n", path, line_of(code, at),
				            stream_writers[i]);
		}
	}
	/* a parameter "FILE *name" ends in ',' or ')'; a local "FILE *f = fopen(...)" does not; in a
	 * header, "FILE *name;" is a field a caller fills */
	size_t plen = strlen(path);
	int header = plen > 2 && !strcmp(path + plen - 2, ".h");
	for (const char *at = strstr(code, "FILE *"); at; at = strstr(at + 1, "FILE *")) {
		const char *p = at + 6;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		if (*p == ',' || *p == ')')
			strbuf_addf(report, "%s:%d: takes a FILE *\n", path, line_of(code, at));
		else if (header && p > at + 6 && *p == ';')
			strbuf_addf(report, "%s:%d: holds a FILE *\n", path, line_of(code, at));
	}
	/* naming a standard stream (a sink's context, a default) is said once a line: a write on
	 * the line is already the finding */
	for (size_t i = 0; i < sizeof(std_streams) / sizeof(std_streams[0]); i++) {
		size_t len = strlen(std_streams[i]);
		for (const char *at = strstr(code, std_streams[i]); at; at = strstr(at + 1, std_streams[i])) {
			int starts = at == code || !(isalnum((unsigned char)at[-1]) || at[-1] == '_');
			int ends = !(isalnum((unsigned char)at[len]) || at[len] == '_');
			if (!starts || !ends || in_literal(code, at))
				continue;
			char where[320];
			snprintf(where, sizeof(where), "%s:%d: ", path, line_of(code, at));
			int said = 0;
			for (const char *r = strstr(report->buf, where); r && !said; r = strstr(r + 1, where))
				said = r == report->buf || r[-1] == '\n';
			if (!said)
				strbuf_addf(report, "%snames %s\n", where, std_streams[i]);
		}
	}
	free(code);
}

/* The findings of report no allowance covers, in left; marks the allowances used. */
static void drop_allowed(const char *report, int *used, struct strbuf *left)
{
	for (const char *line = report; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		int allowed = 0;
		for (size_t i = 0; i < sizeof(diag_allowed) / sizeof(diag_allowed[0]) && !allowed; i++) {
			size_t n = strlen(diag_allowed[i].path);
			if (len <= n || strncmp(line, diag_allowed[i].path, n) || line[n] != ':')
				continue;
			const char *why = memchr(line + n + 1, ':', len - n - 1);
			if (!why || why + 2 > line + len)
				continue;
			why += 2;
			if (!strcmp(diag_allowed[i].finding, "*") ||
			    (strlen(diag_allowed[i].finding) == (size_t)(line + len - why) &&
			     !strncmp(why, diag_allowed[i].finding, (size_t)(line + len - why))))
				allowed = 1, used[i] = 1;
		}
		if (!allowed)
			strbuf_addf(left, "%.*s\n", (int)len, line);
		line += len + (nl ? 1 : 0);
	}
}

static void test_library_takes_no_diagnostic_stream(void **state)
{
	(void)state;
	struct strbuf report, left;
	strbuf_init(&report, 256);
	strbuf_init(&left, 256);
	size_t read = 0;
	for (size_t d = 0; d < sizeof(diag_dirs) / sizeof(diag_dirs[0]); d++) {
		DIR *dir = opendir(diag_dirs[d]);
		if (!dir)
			fail_msg("cannot read %s (run from the repository root)", diag_dirs[d]);
		for (struct dirent *e; (e = readdir(dir)) != NULL;) {
			size_t n = strlen(e->d_name);
			if (n < 3 || e->d_name[n - 2] != '.' || (e->d_name[n - 1] != 'c' && e->d_name[n - 1] != 'h'))
				continue;
			char path[300];
			snprintf(path, sizeof(path), "%s/%s", diag_dirs[d], e->d_name);
			char *text = tu_read_file(path);
			assert_non_null(text);
			check_diagnostics(path, text, &report);
			free(text);
			read++;
		}
		closedir(dir);
	}
	assert_true(read > 150); /* the scan saw the library, not an empty folder */
	int used[sizeof(diag_allowed) / sizeof(diag_allowed[0])] = {0};
	drop_allowed(report.buf, used, &left);
	for (size_t i = 0; i < sizeof(diag_allowed) / sizeof(diag_allowed[0]); i++)
		if (!used[i])
			strbuf_addf(&left, "%s: allowed to say \"%s\", and no longer does (drop the allowance)\n",
			            diag_allowed[i].path, diag_allowed[i].finding);
	if (left.len)
		fail_msg("library code writes diagnostics to a FILE * (use struct diag_sink):\n%s", left.buf);
	strbuf_release(&report);
	strbuf_release(&left);
}

/* The scan finds a stream parameter and a write, and leaves locals, comments and longer names. */
static void test_diagnostic_scan_finds(void **state)
{
	(void)state;
	static const struct {
		const char *text, *expected;
	} cases[] = {
	    {"int load(struct store *s, FILE *warn);\n", "lib.c:1: takes a FILE *\n"},
	    {"\nstatic void f(FILE *out)\n", "lib.c:2: takes a FILE *\n"},
	    {"\tFILE *f = fopen(path, \"rb\");\n", ""},
	    {"\tdiagf(x->errors, \"%s: skipped\\n\", path);\n", "lib.c:1: writes to a stream (diagf)\n"},
	    {"\tfprintf(stderr, \"no\");\n", "lib.c:1: writes to a stream (fprintf)\n"},
	    {"\tdiag_say(&o->warn, \"skipping\\n\");\n", ""},
	    {"/* diagf(warn, ...) was how it was said */\n", ""},
	    {"\tmy_fputs(x);\n", ""},
	    {"\tstruct diag_sink to = diag_stderr_sink();\n", "lib.c:1: writes to a stream (diag_stderr_sink)\n"},
	    {"\tdiag(\"%s: skipped\\n\", path);\n", "lib.c:1: writes to a stream (diag)\n"},
	    {"\tstruct diag_sink to = {diag_to_stream, stderr};\n", "lib.c:1: names stderr\n"},
	    {"\tfwrite(data, 1, len, stdout);\n", "lib.c:1: writes to a stream (fwrite)\n"},
	    {"\tsnprintf(why, n, \"said on stderr: %s\", printf_ish);\n", ""},
	    {"\tx = stdout_lines;\n", ""},
	    {"\tif (c == '\"') f = stdout;\n", "lib.c:1: names stdout\n"},
	    {"\tif (c == '\"') f = 0; /* NULL: stdout */\n", ""},
	    {"\ts = \"\\\\\"; /* a backslash, then stderr in a comment */\n", ""},
	    {"int load(struct store *s, FILE *);\n", "lib.c:1: takes a FILE *\n"},
	    {"\tFILE *errors; /* a local in a .c */\n", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct strbuf report;
		strbuf_init(&report, 64);
		check_diagnostics("lib.c", cases[i].text, &report);
		assert_string_equal(report.buf, cases[i].expected);
		strbuf_release(&report);
	}
	/* in a header, a FILE * field is what a caller fills: ingest_options.errors was one */
	struct strbuf report;
	strbuf_init(&report, 64);
	check_diagnostics("lib.h", "struct o {\n\tFILE *errors; /* where messages go */\n};\n", &report);
	assert_string_equal(report.buf, "lib.h:2: holds a FILE *\n");
	strbuf_release(&report);
}

/* An allowance covers its file's finding and nothing else, and says when it was used. */
static void test_diagnostic_allowances_are_exact(void **state)
{
	(void)state;
	int used[sizeof(diag_allowed) / sizeof(diag_allowed[0])] = {0};
	struct strbuf left;
	strbuf_init(&left, 64);
	drop_allowed("common/strbuf.c:9: writes to a stream (fprintf)\n"
	             "common/strbuf.c:12: writes to a stream (fputs)\n"
	             "common/strbuf.cc:9: writes to a stream (fprintf)\n"
	             "common/diag.c:30: names stderr\n"
	             "ingest/ingest.c:441: writes to a stream (diagf)\n",
	             used, &left);
	assert_string_equal(left.buf, "common/strbuf.c:12: writes to a stream (fputs)\n"
	                              "common/strbuf.cc:9: writes to a stream (fprintf)\n"
	                              "ingest/ingest.c:441: writes to a stream (diagf)\n");
	int n = 0;
	for (size_t i = 0; i < sizeof(diag_allowed) / sizeof(diag_allowed[0]); i++)
		n += used[i];
	assert_int_equal(n, 2); /* common/diag.c's and common/strbuf.c's fprintf */
	strbuf_release(&left);
}

/* ---- docs/ARCHITECTURE.md held to the code ---- */

/* Every source folder, each of which the document's folder table describes. */
static const char *const source_dirs[] = {"common", "store", "ingest", "detect", "triage",
                                          "export", "tui",   "cli",    "cluster"};

#define SPAN_MAX 256

/* The next `code span` at or after *p (on one line) into out; *p moves past it. 0: none. */
static int next_span(const char **p, const char *end, char out[SPAN_MAX])
{
	for (const char *open = *p; (open = memchr(open, '`', (size_t)(end - open))) != NULL;) {
		const char *close = memchr(open + 1, '`', (size_t)(end - open - 1));
		if (!close)
			return 0;
		size_t n = (size_t)(close - open - 1);
		if (n && n < SPAN_MAX && !memchr(open + 1, '\n', n)) {
			memcpy(out, open + 1, n);
			out[n] = '\0';
			*p = close + 1;
			return 1;
		}
		open = close + 1;
	}
	return 0;
}

/* Whether a path (a glob when it holds '*'; NAME stands for any name) names something. */
static int path_exists(const char *path)
{
	char pattern[SPAN_MAX + 8];
	size_t n = 0;
	for (const char *p = path; *p && n < SPAN_MAX; p++) {
		if (!strncmp(p, "NAME", 4)) {
			pattern[n++] = '*';
			p += 3;
		} else {
			pattern[n++] = *p;
		}
	}
	pattern[n] = '\0';
	if (!strchr(pattern, '*')) {
		struct stat st;
		return stat(pattern, &st) == 0;
	}
	glob_t g;
	int found = glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0;
	globfree(&g);
	return found;
}

/* Whether a .c file of dir defines or calls name(…). */
static int dir_has_function(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char call[SPAN_MAX + 2];
	snprintf(call, sizeof(call), " %s(", name);
	int found = 0;
	const struct dirent *e;
	while (!found && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 3 || strcmp(e->d_name + len - 2, ".c"))
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *text = tu_read_file(path);
		found = text && strstr(text, call);
		free(text);
	}
	closedir(d);
	return found;
}

/* A name in a folder's row: a module (dir/name.c, .h, .cpp, or a file so named), a glob of
 * them (type_*), or a function of the folder (name()). */
static int row_name_exists(const char *dir, const char *name)
{
	size_t n = strlen(name);
	if (n > 2 && !strcmp(name + n - 2, "()")) {
		char fn[SPAN_MAX];
		snprintf(fn, sizeof(fn), "%.*s", (int)(n - 2), name);
		return dir_has_function(dir, fn);
	}
	static const char *const endings[] = {"", ".c", ".h", ".cpp", "*"};
	for (size_t i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
		char path[2 * SPAN_MAX];
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, strchr(name, '*') ? ".*" : endings[i]);
		if (path_exists(path))
			return 1;
	}
	return 0;
}

/* Every `path/with/a/slash` and every link to a document exists. */
static void check_paths(const char *doc, struct strbuf *report)
{
	const char *end = doc + strlen(doc), *p = doc;
	char span[SPAN_MAX];
	while (next_span(&p, end, span))
		if (strchr(span, '/') && !strchr(span, ' ') && !path_exists(span))
			strbuf_addf(report, "names `%s`: no such file\n", span);
	for (p = doc; (p = strstr(p, "](")) != NULL;) {
		p += 2;
		size_t n = strcspn(p, ")#\n");
		char path[SPAN_MAX + 8];
		snprintf(path, sizeof(path), "docs/%.*s", (int)(n < SPAN_MAX ? n : SPAN_MAX), p);
		if (!strstr(path, "://") && !path_exists(path))
			strbuf_addf(report, "links to %s: no such file\n", path);
	}
}

/* The folder table: a row per source folder, and each name in a row is there. */
static void check_folders(const char *doc, struct strbuf *report)
{
	for (size_t i = 0; i < sizeof(source_dirs) / sizeof(source_dirs[0]); i++) {
		char row[64];
		snprintf(row, sizeof(row), "\n| `%s/` |", source_dirs[i]);
		if (!strstr(doc, row))
			strbuf_addf(report, "no row describes %s/\n", source_dirs[i]);
	}
	for (const char *line = doc; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *eol = strchr(line, '\n'), *cell = strstr(line, " | ");
		eol = eol ? eol : line + strlen(line);
		if (strncmp(line, "| `", 3) || !cell || cell > eol)
			continue;
		char dirs[4][SPAN_MAX], span[SPAN_MAX];
		size_t ndirs = 0;
		for (const char *p = line; ndirs < 4 && next_span(&p, cell, dirs[ndirs]);) {
			size_t n = strlen(dirs[ndirs]);
			if (dirs[ndirs][n - 1] == '/')
				dirs[ndirs++][n - 1] = '\0'; /* `detect/`: the folder detect */
		}
		for (const char *p = cell; ndirs && next_span(&p, eol, span);) {
			if (strchr(span, '/') || strchr(span, ' ') || span[0] == '-')
				continue;
			size_t d = 0;
			while (d < ndirs && !row_name_exists(dirs[d], span))
				d++;
			if (d == ndirs)
				strbuf_addf(report, "the %s/ row names `%s`: no such file or function there\n", dirs[0],
				            span);
		}
	}
}

/* "Where to add": a bullet saying "one row in `T` in `F`" names a table F defines (T[] = …, or a
 * macro #define T(…)); one saying "one file" without a table says there is none. */
static void check_where_to_add(const char *doc, struct strbuf *report)
{
	const char *section = strstr(doc, "\n## Where to add\n");
	if (!section) {
		strbuf_addstr(report, "no \"Where to add\" section\n");
		return;
	}
	const char *next = strstr(section + 1, "\n## ");
	/* the section with each line's break and indent as one space, so a phrase may wrap */
	struct strbuf flat;
	strbuf_init(&flat, 2048);
	for (const char *p = section; p < (next ? next : section + strlen(section)); p++) {
		if (*p != '\n' || strncmp(p, "\n- ", 3) == 0) {
			strbuf_addch(&flat, *p);
			continue;
		}
		strbuf_addch(&flat, ' ');
		while (p[1] == ' ')
			p++;
	}
	section = flat.buf;
	const char *section_end = flat.buf + flat.len;
	for (const char *b = strstr(section, "\n- **"); b && b < section_end; b = strstr(b + 1, "\n- **")) {
		const char *b_end = strstr(b + 1, "\n- **");
		b_end = b_end && b_end < section_end ? b_end : section_end;
		const char *name = b + 5, *name_end = strstr(name, "**");
		char table[SPAN_MAX], file[SPAN_MAX];
		const char *row = strstr(b, "one row in `");
		int one_file = !strncmp(name_end, "**: one file", 12);
		if (!row || row > b_end) {
			const char *none = strstr(b, "There is no table");
			if (one_file && (!none || none > b_end))
				strbuf_addf(report, "%.*s: one file, and no table named\n", (int)(name_end - name),
				            name);
			continue;
		}
		const char *p = row + strlen("one row in ");
		if (!next_span(&p, b_end, table) || strncmp(p, " in `", 5) || !next_span(&p, b_end, file)) {
			strbuf_addf(report, "%.*s: say one row in `TABLE` in `FILE`\n", (int)(name_end - name), name);
			continue;
		}
		char *text = tu_read_file(file);
		char definition[SPAN_MAX + 16];
		size_t n = strlen(table);
		if (n > 2 && !strcmp(table + n - 2, "[]"))
			snprintf(definition, sizeof(definition), "%s =", table);
		else
			snprintf(definition, sizeof(definition), "#define %s(", table);
		if (!text || !strstr(text, definition))
			strbuf_addf(report, "%.*s: %s has no table %s\n", (int)(name_end - name), name, file, table);
		free(text);
	}
	strbuf_release(&flat);
}

static void check_architecture(const char *doc, struct strbuf *report)
{
	check_paths(doc, report);
	check_folders(doc, report);
	check_where_to_add(doc, report);
}

/* Issue 25: docs/ARCHITECTURE.md is true to the code: every path it names exists, every source
 * folder has its row and each module a row names is there, and where it says a thing is added
 * as one file plus one row of a table, the table it names is in the file it names. */
static void test_architecture_document_matches_the_tree(void **state)
{
	(void)state;
	char *doc = tu_read_file("docs/ARCHITECTURE.md");
	if (!doc)
		fail_msg("cannot read docs/ARCHITECTURE.md (run from the repository root)");
	struct strbuf report;
	strbuf_init(&report, 256);
	check_architecture(doc, &report);
	free(doc);
	if (report.len) {
		print_error("docs/ARCHITECTURE.md is not true to the tree:\n%s", report.buf);
		strbuf_release(&report);
		fail();
	}
	strbuf_release(&report);
}

/* The check finds each kind of untruth. */
static void test_architecture_check_finds(void **state)
{
	(void)state;
	static const char doc[] =
	    "# A\n\nSee `store/store.h`, `store/nosuch.h`, `detect/type_NAME.c`, `tui/nosuch_NAME.c`, "
	    "[EXPORT.md](EXPORT.md), [X](NOSUCH.md).\n\n"
	    "| folder | what |\n| --- | --- |\n"
	    "| `common/` | `strbuf`, `nosuch`, `pack.h` |\n"
	    "| `store/` | `store_open()`, `store_nosuch()` |\n"
	    "| `ingest/` | x |\n| `detect/` | `type_*`, `zz_*` |\n| `triage/` | x |\n| `export/` | x |\n"
	    "| `tui/` | x |\n| `cli/` | x |\n\n"
	    "## Where to add\n\n"
	    "- **A rule type**: one file `detect/type_NAME.c` plus one row in `rule_types[]` in\n"
	    "  `detect/ruletype.c`.\n"
	    "- **A format**: one file `export/NAME.c` plus one row in `nosuch[]` in `export/export.c`.\n"
	    "- **A view**: one file `tui/NAME_view.c` plus one row in `TUI_ACTIONS` in `tui/keymap.h`.\n"
	    "- **A source**: one file `detect/source_NAME.c`.\n"
	    "- **A thing**: one file `detect/source_NAME.c`. There is no table of them.\n"
	    "- **A key**: one row in `NOSUCH` in `tui/keymap.h`.\n\n"
	    "## Next\n\n- **Not checked**: one file `x.c`.\n";
	struct strbuf report;
	strbuf_init(&report, 256);
	check_architecture(doc, &report);
	assert_string_equal(report.buf, "names `store/nosuch.h`: no such file\n"
	                                "names `tui/nosuch_NAME.c`: no such file\n"
	                                "links to docs/NOSUCH.md: no such file\n"
	                                "no row describes cluster/\n"
	                                "the common/ row names `nosuch`: no such file or function there\n"
	                                "the common/ row names `pack.h`: no such file or function there\n"
	                                "the store/ row names `store_nosuch()`: no such file or function there\n"
	                                "the detect/ row names `zz_*`: no such file or function there\n"
	                                "A format: export/export.c has no table nosuch[]\n"
	                                "A source: one file, and no table named\n"
	                                "A key: tui/keymap.h has no table NOSUCH\n");
	strbuf_release(&report);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check_finds),
	    cmocka_unit_test(test_core_names_no_type),
	    cmocka_unit_test(test_library_takes_no_diagnostic_stream),
	    cmocka_unit_test(test_diagnostic_scan_finds),
	    cmocka_unit_test(test_diagnostic_allowances_are_exact),
	    cmocka_unit_test(test_architecture_check_finds),
	    cmocka_unit_test(test_architecture_document_matches_the_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
