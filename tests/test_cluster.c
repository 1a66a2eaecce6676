/* A fleet's events in a ClickHouse cluster (cluster/): the HTTP client and the schema, against a
 * real two-shard cluster that tests/clickhouse-cluster.sh starts under build/check for this run
 * and stops at the end, also when a test fails or the process dies (a watchdog process stops
 * it when this one is gone). Tests that need the cluster are skipped, saying so, only when
 * clickhouse-server is not installed (make deps installs it). The rest need no server: a
 * refused connection, a server that never answers, the credentials' rules. */
#include "tests/testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cluster/cluster.h"
#include "cluster/http.h"
#include "cluster/load.h"
#include "cluster/quote.h"
#include "cluster/source_clickhouse.h"
#include "common/digest.h"
#include "common/timeutil.h"
#include "detect/detect.h"
#include "detect/kql.h"
#include "detect/needles.h"
#include "detect/rule.h"
#include "detect/source.h"
#include "ingest/keep.h"
#include "store/events.h"
#include "store/store.h"
#include "triage/pull.h"
#include "tui/app.h"
#include "tui/screen.h"

static struct {
	int up;          /* the cluster answers */
	int absent;      /* clickhouse-server is not installed */
	char dir[1024];  /* the cluster's folder */
	char url[2][64]; /* each shard's HTTP URL */
	pid_t watchdog;
	int watchdog_fd; /* closing it (or dying) tells the watchdog to stop the cluster */
} cl = {.watchdog_fd = -1};

static struct strbuf out, err;

static int env_port(const char *env, const char *key)
{
	const char *p = strstr(env, key);
	return p ? atoi(p + strlen(key)) : 0;
}

/* A process that waits for this one to close the pipe - or to die - then stops the cluster. */
static void start_watchdog(void)
{
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		close(fds[1]);
		char b;
		while (read(fds[0], &b, 1) != 0 && errno == EINTR)
			;
		execl("/bin/sh", "sh", "tests/clickhouse-cluster.sh", "stop", cl.dir, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	cl.watchdog = p;
	cl.watchdog_fd = fds[1];
}

static int cluster_setup(void **state)
{
	(void)state;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	setenv("HOME", tu_tmpdir(), 1); /* no analyst's credentials file */
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(cl.dir, sizeof(cl.dir), "%s/build/check/clickhouse-%ld", cwd, (long)getpid());
	tu_run(NULL, NULL, "rm -rf '%s'", cl.dir);
	start_watchdog();
	int rc = tu_run(&out, &err, "sh tests/clickhouse-cluster.sh start '%s'", cl.dir);
	if (rc == 2) {
		cl.absent = 1;
		return 0;
	}
	if (rc != 0) {
		fprintf(stderr, "the test cluster did not start:\n%s%s", out.buf, err.buf);
		return -1;
	}
	char path[1100];
	snprintf(path, sizeof(path), "%s/cluster.env", cl.dir);
	char *env = tu_read_file(path);
	assert_non_null(env);
	snprintf(cl.url[0], sizeof(cl.url[0]), "http://127.0.0.1:%d/", env_port(env, "SHARD1_HTTP="));
	snprintf(cl.url[1], sizeof(cl.url[1]), "http://127.0.0.1:%d/", env_port(env, "SHARD2_HTTP="));
	free(env);
	cl.up = 1;
	/* a filtered run (CASEBOOK_TEST_FILTER) may leave out the test that makes the tables */
	if (getenv("CASEBOOK_TEST_FILTER") &&
	    tu_run(&out, &err, "'%s' cluster init '%s' '%s'", tu_casebook(), cl.url[0], cl.url[1]) != 0) {
		fprintf(stderr, "cluster init failed:\n%s%s", out.buf, err.buf);
		return -1;
	}
	return 0;
}

static int cluster_teardown(void **state)
{
	(void)state;
	int rc = tu_run(&out, &err, "sh tests/clickhouse-cluster.sh stop '%s'", cl.dir);
	if (cl.watchdog_fd >= 0)
		close(cl.watchdog_fd);
	if (cl.watchdog > 0)
		waitpid(cl.watchdog, NULL, 0);
	if (!getenv("KEEP_TEST_FILES"))
		tu_run(NULL, NULL, "rm -rf '%s'", cl.dir);
	strbuf_release(&out);
	strbuf_release(&err);
	return rc;
}

#define NEED_CLUSTER()                                                                                                 \
	do {                                                                                                           \
		if (!cl.up) {                                                                                          \
			print_message("skipped: clickhouse-server is not installed (make deps installs it)\n");        \
			skip();                                                                                        \
		}                                                                                                      \
	} while (0)

static void clear_credentials(void)
{
	unsetenv("CLICKHOUSE_USER");
	unsetenv("CLICKHOUSE_PASSWORD");
	unsetenv("CASEBOOK_CLICKHOUSE_CONFIG");
}

static struct ch_conn *open_ok(const char *url, const struct ch_options *o)
{
	struct ch_conn *c = NULL;
	strbuf_reset(&err);
	if (ch_open(url, o, &c, &err) != 0)
		fail_msg("ch_open %s: %s", url, err.buf);
	return c;
}

/* A port nothing listens on (bound, then closed), or with listen set one that accepts
 * connections and never answers (its socket in *fd). */
static int local_port(int listen_too, int *fd)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t n = sizeof(a);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &n), 0);
	if (listen_too) {
		assert_int_equal(listen(s, 4), 0);
		*fd = s;
	} else {
		close(s);
	}
	return ntohs(a.sin_port);
}

static void assert_starts_with(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

static void test_urls_without_a_scheme_host_or_port_or_with_credentials_are_refused(void **state)
{
	(void)state;
	clear_credentials();
	static const struct {
		const char *url, *msg;
	} bad[] = {
	    {"127.0.0.1:8123", "127.0.0.1:8123: not an http:// or https:// URL"},
	    {"ftp://h/", "ftp://h/: not an http:// or https:// URL"},
	    {"http://", "http://: no host"},
	    {"http://:8123/", "http://:8123/: no host"},
	    {"http://h:0/", "http://h:0/: a port that is not 1 to 65535"},
	    {"http://h:65536/", "http://h:65536/: a port that is not 1 to 65535"},
	    {"http://h:80a/", "http://h:80a/: a port that is not 1 to 65535"},
	    {"http://h/?query=DROP", "http://h/?query=DROP: a query string or fragment (casebook adds its own)"},
	    {"http://h /", "http://h /: a space or a byte outside printable ASCII"},
	    {"http://h\x1b[2J/", "http://h\xe2\x90\x9b[2J/: a space or a byte outside printable ASCII"},
	    /* the password is not repeated where the refusal is shown or logged */
	    {"http://default:secret@h:8123/",
	     "http://default:***@h:8123/: credentials in the URL (set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, or "
	     "use the config file)"},
	    {"https://a:b:c@d@h/", "https://a:***@h/: credentials in the URL (set CLICKHOUSE_USER and "
	                           "CLICKHOUSE_PASSWORD, or use the config file)"},
	    {"http://analyst@h/", "http://analyst@h/: credentials in the URL (set CLICKHOUSE_USER and "
	                          "CLICKHOUSE_PASSWORD, or use the config file)"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct ch_conn *c = (struct ch_conn *)1;
		strbuf_reset(&err);
		assert_int_equal(ch_open(bad[i].url, NULL, &c, &err), -1);
		assert_null(c);
		assert_string_equal(err.buf, bad[i].msg);
	}
	struct ch_conn *c = open_ok("http://[::1]:8123", NULL);
	assert_string_equal(ch_server(c), "http://[::1]:8123/");
	assert_null(ch_user(c));
	ch_close(c);
}

static void test_a_refused_connection_names_the_server(void **state)
{
	(void)state;
	clear_credentials();
	int port = local_port(0, NULL);
	char url[64], want[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	struct ch_conn *c = open_ok(url, NULL);
	strbuf_reset(&out);
	assert_int_equal(ch_query(c, "SELECT 1", &out), -1);
	assert_string_equal(out.buf, "");
	snprintf(want, sizeof(want),
	         "ClickHouse at http://127.0.0.1:%d/: cannot connect (Failed to connect to 127.0.0.1 port %d", port,
	         port);
	assert_starts_with(ch_errmsg(c), want);
	ch_close(c);
}

static void test_a_server_that_never_answers_times_out(void **state)
{
	(void)state;
	clear_credentials();
	int fd;
	int port = local_port(1, &fd);
	char url[64], want[160];
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	struct ch_conn *c = open_ok(url, &(struct ch_options){.timeout_s = 1});
	assert_int_equal(ch_query(c, "SELECT 1", &out), -1);
	snprintf(want, sizeof(want), "ClickHouse at %s: no complete answer within 1 s (Operation timed out after ",
	         url);
	assert_starts_with(ch_errmsg(c), want);
	ch_close(c);

	c = open_ok(url, &(struct ch_options){.stall_s = 1});
	assert_int_equal(ch_query(c, "SELECT 1", &out), -1);
	snprintf(want, sizeof(want), "ClickHouse at %s: no answer for 1 s (Operation too slow. ", url);
	assert_starts_with(ch_errmsg(c), want);
	ch_close(c);
	close(fd);
}

static void write_config(const char *text, mode_t mode)
{
	const char *path = tu_path("clickhouse.conf");
	unlink(path);
	tu_write_str(path, text);
	assert_int_equal(chmod(path, mode), 0);
	setenv("CASEBOOK_CLICKHOUSE_CONFIG", path, 1);
}

static void expect_config_error(const char *text, mode_t mode, const char *msg)
{
	write_config(text, mode);
	struct ch_conn *c = (struct ch_conn *)1;
	strbuf_reset(&err);
	assert_int_equal(ch_open("http://127.0.0.1:8123/", NULL, &c, &err), -1);
	assert_null(c);
	char want[1024];
	snprintf(want, sizeof(want), "%s%s", tu_path("clickhouse.conf"), msg);
	assert_string_equal(err.buf, want);
}

static void test_credentials_come_from_the_environment_or_a_file_only_its_owner_reads(void **state)
{
	(void)state;
	clear_credentials();
	write_config("# casebook's ClickHouse login\nuser = analyst\n  password =  analyst-secret  \n", 0600);
	struct ch_conn *c = open_ok("http://127.0.0.1:8123/", NULL);
	assert_string_equal(ch_user(c), "analyst");
	ch_close(c);

	setenv("CLICKHOUSE_USER", "from-env", 1); /* the environment wins, as for clickhouse-client */
	c = open_ok("http://127.0.0.1:8123/", NULL);
	assert_string_equal(ch_user(c), "from-env");
	ch_close(c);
	unsetenv("CLICKHOUSE_USER");
	setenv("CLICKHOUSE_PASSWORD", "only-a-password", 1);
	c = open_ok("http://127.0.0.1:8123/", NULL);
	assert_string_equal(ch_user(c), "default");
	ch_close(c);
	unsetenv("CLICKHOUSE_PASSWORD");

	expect_config_error("user = analyst\npassword = s\n", 0644,
	                    ": others may read or change it (mode 644; chmod 600 it)");
	expect_config_error("user = analyst\n", 0640, ": others may read or change it (mode 640; chmod 600 it)");
	expect_config_error("user = analyst\nhost = evil\n", 0600, ":2: unknown setting \"host\" (user, password)");
	expect_config_error("user analyst\n", 0600, ":1: not \"user = NAME\" or \"password = SECRET\"");
	expect_config_error("user = \x1b]0;pwned\x07\nbogus \x1b[2J= 1\n", 0600,
	                    ":2: unknown setting \"bogus \xe2\x90\x9b[2J\" (user, password)");
	char longline[CH_CONFIG_LINE + 20];
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	char msg[64];
	snprintf(msg, sizeof(msg), ":1: a line longer than %d bytes", CH_CONFIG_LINE - 1);
	expect_config_error(longline, 0600, msg);

	unlink(tu_path("clickhouse.conf")); /* named and missing: an error; the default path missing: none */
	strbuf_reset(&err);
	assert_int_equal(ch_open("http://127.0.0.1:8123/", NULL, &c, &err), -1);
	char want[600];
	snprintf(want, sizeof(want), "%s: No such file or directory", tu_path("clickhouse.conf"));
	assert_string_equal(err.buf, want);
	clear_credentials();
	c = open_ok("http://127.0.0.1:8123/", NULL);
	assert_null(ch_user(c));
	ch_close(c);
}

/* A cluster that is not there: ingest --to says so, naming the server, and exits 1. */
static void test_ingest_to_a_server_that_is_down_says_which(void **state)
{
	(void)state;
	clear_credentials();
	int port = local_port(0, NULL);
	const char *f = tu_path("one.ndjson");
	tu_write_str(f, "{\"@timestamp\":\"2026-11-21T10:00:00Z\",\"host\":{\"id\":\"h\"}}\n");
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to http://127.0.0.1:%d/ '%s'", tu_casebook(), port, f), 1);
	assert_string_equal(out.buf, "1 documents: 0 added, 0 duplicate, 0 rejected\n");
	char want[200];
	snprintf(want, sizeof(want),
	         "casebook ingest: ClickHouse at http://127.0.0.1:%d/: cannot connect (Failed to connect to 127.0.0.1 "
	         "port %d",
	         port, port);
	assert_starts_with(err.buf, want);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to", tu_casebook()), 64);
}

static void test_a_query_answers_and_an_error_names_the_server_sanitized(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct ch_conn *c = open_ok(cl.url[0], NULL);
	strbuf_reset(&out);
	assert_int_equal(ch_query(c, "SELECT 1 + 1", &out), 0);
	assert_string_equal(out.buf, "2\n");
	assert_int_equal(ch_query(c, "SELECT `a\x1b[2Jb`", &out), -1);
	assert_string_equal(out.buf, "2\n"); /* nothing of a failed query is appended */
	char want[512];
	snprintf(
	    want, sizeof(want),
	    "ClickHouse at %s: HTTP 404: Code: 47, e.displayText() = DB::Exception: Unknown identifier: "
	    "a\xe2\x90\x9b[2Jb. Note that there is no tables (FROM clause) in your query, e.what() = DB::Exception",
	    cl.url[0]);
	assert_string_equal(ch_errmsg(c), want);
	ch_close(c);
}

static void test_the_servers_users_are_the_environments(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	setenv("CLICKHOUSE_USER", "analyst", 1);
	setenv("CLICKHOUSE_PASSWORD", "wrong", 1);
	struct ch_conn *c = open_ok(cl.url[1], NULL);
	assert_int_equal(ch_query(c, "SELECT 1", &out), -1);
	char want[512];
	snprintf(want, sizeof(want),
	         "ClickHouse at %s: HTTP 401: Code: 193, e.displayText() = DB::Exception: Wrong password for user "
	         "analyst, e.what() = DB::Exception",
	         cl.url[1]);
	assert_string_equal(ch_errmsg(c), want);
	ch_close(c);
	setenv("CLICKHOUSE_PASSWORD", "analyst-secret", 1);
	c = open_ok(cl.url[1], NULL);
	strbuf_reset(&out);
	/* 18.16 has no currentUser(): the query finds itself among the running ones */
	assert_int_equal(ch_query(c, "SELECT user FROM system.processes WHERE query LIKE '%user-probe%'", &out), 0);
	assert_string_equal(out.buf, "analyst\n");
	ch_close(c);
	clear_credentials();
}

struct counted {
	size_t bytes, chunks, stop_after;
};

static int count_chunk(void *ctx, const char *data, size_t len)
{
	struct counted *k = ctx;
	(void)data;
	k->bytes += len;
	k->chunks++;
	return k->stop_after && k->chunks >= k->stop_after;
}

static void test_an_answer_streams_in_pieces_and_the_caller_may_stop_it(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct ch_conn *c = open_ok(cl.url[0], NULL);
	struct counted k = {0};
	assert_int_equal(ch_query_stream(c, "SELECT number FROM system.numbers LIMIT 1000000", count_chunk, &k), 0);
	/* 10 one-digit numbers, 90 of two, ... 900,000 of six, each with its newline */
	assert_int_equal(k.bytes, 10 * 2 + 90 * 3 + 900 * 4 + 9000 * 5 + 90000 * 6 + 900000 * 7);
	assert_true(k.chunks > 1);
	k = (struct counted){.stop_after = 1};
	assert_int_equal(ch_query_stream(c, "SELECT number FROM system.numbers LIMIT 1000000", count_chunk, &k), -1);
	assert_int_equal(k.chunks, 1);
	char want[128];
	snprintf(want, sizeof(want), "ClickHouse at %s: stopped by the caller", cl.url[0]);
	assert_string_equal(ch_errmsg(c), want);
	ch_close(c);
}

/* Every byte, through a literal and back: the server reads what ch_quote_string wrote. */
static void test_the_server_reads_every_literal_back_as_its_bytes(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct ch_conn *c = open_ok(cl.url[0], NULL);
	char all[256 + 7];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	memcpy(all + 256, "' OR '1", 7);
	struct strbuf q, want;
	strbuf_init(&q, 2048);
	strbuf_init(&want, 1024);
	strbuf_addstr(&q, "SELECT hex(");
	ch_quote_string(&q, all, sizeof(all));
	strbuf_addstr(&q, "), length(");
	ch_quote_string(&q, all, sizeof(all));
	strbuf_addstr(&q, ")");
	for (size_t i = 0; i < sizeof(all); i++)
		strbuf_addf(&want, "%02X", (unsigned char)all[i]);
	strbuf_addf(&want, "\t%zu\n", sizeof(all));
	strbuf_reset(&out);
	assert_int_equal(ch_query(c, q.buf, &out), 0);
	assert_string_equal(out.buf, want.buf);
	strbuf_release(&q);
	strbuf_release(&want);
	ch_close(c);
}

static void test_rows_insert_from_the_body(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct ch_conn *c = open_ok(cl.url[1], NULL);
	assert_int_equal(ch_query(c, "DROP TABLE IF EXISTS default.http_insert", &out), 0);
	assert_int_equal(ch_query(c, "CREATE TABLE default.http_insert (s String, n Int64) ENGINE = Memory", &out), 0);
	const char rows[] = "{\"s\":\"a'b\\\\c\",\"n\":1}\n{\"s\":\"\\u001b[2J\",\"n\":2}\n";
	assert_int_equal(ch_insert(c, "INSERT INTO default.http_insert FORMAT JSONEachRow", rows, strlen(rows)), 0);
	strbuf_reset(&out);
	assert_int_equal(ch_query(c, "SELECT hex(s), n FROM default.http_insert ORDER BY n", &out), 0);
	assert_string_equal(out.buf, "6127625C63\t1\n1B5B324A\t2\n");
	assert_int_equal(ch_insert(c, "INSERT INTO default.http_insert FORMAT JSONEachRow", "{\"s\":", 5), -1);
	assert_starts_with(ch_errmsg(c), "ClickHouse at ");
	assert_non_null(strstr(ch_errmsg(c), ": HTTP "));
	assert_int_equal(ch_query(c, "DROP TABLE default.http_insert", &out), 0);
	ch_close(c);
}

/* Every byte, NUL included, through RowBinary into a String and an Array(String) and back; an
 * Int64 and a Nullable beside them. */
static void test_rowbinary_rows_arrive_as_their_bytes(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct ch_conn *c = open_ok(cl.url[0], NULL);
	assert_int_equal(ch_query(c, "DROP TABLE IF EXISTS default.rb_insert", &out), 0);
	assert_int_equal(ch_query(c,
	                          "CREATE TABLE default.rb_insert (s String, a Array(String), n Int64, "
	                          "m Nullable(String)) ENGINE = Memory",
	                          &out),
	                 0);
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	struct strbuf rows, want;
	strbuf_init(&rows, 1024);
	strbuf_init(&want, 2048);
	ch_rowbinary_string(&rows, all, sizeof(all));
	ch_rowbinary_uint(&rows, 2);
	ch_rowbinary_string(&rows, "\t\n\\", 3);
	ch_rowbinary_string(&rows, "", 0);
	ch_rowbinary_int64(&rows, -1);
	strbuf_addch(&rows, 1); /* NULL */
	ch_rowbinary_string(&rows, "", 0);
	ch_rowbinary_uint(&rows, 0);
	ch_rowbinary_int64(&rows, INT64_MAX);
	strbuf_addch(&rows, 0);
	ch_rowbinary_string(&rows, "\0", 1);
	assert_int_equal(
	    ch_insert(c, "INSERT INTO default.rb_insert (s, a, n, m) FORMAT RowBinary", rows.buf, rows.len), 0);
	strbuf_reset(&out);
	assert_int_equal(ch_query(c,
	                          "SELECT hex(s), length(s), arrayMap(x -> hex(x), a), n, hex(m) FROM "
	                          "default.rb_insert ORDER BY n FORMAT TabSeparated",
	                          &out),
	                 0);
	for (size_t i = 0; i < sizeof(all); i++)
		strbuf_addf(&want, "%02X", (unsigned char)all[i]);
	strbuf_addstr(&want, "\t256\t['090A5C','']\t-1\t\\N\n\t0\t[]\t9223372036854775807\t00\n");
	assert_string_equal(out.buf, want.buf);
	/* a row cut short is refused whole */
	assert_int_equal(ch_insert(c, "INSERT INTO default.rb_insert (s, a, n, m) FORMAT RowBinary",
	                           "\x05"
	                           "ab",
	                           3),
	                 -1);
	assert_non_null(strstr(ch_errmsg(c), ": HTTP "));
	/* and read back as RowBinary: the decoder (cluster/quote.h) gives the bytes sent, NULL, -1 */
	strbuf_reset(&out);
	assert_int_equal(
	    ch_query(c, "SELECT s, n, m, length(a) > 0 FROM default.rb_insert ORDER BY n FORMAT RowBinary", &out), 0);
	static const enum ch_rb_type types[] = {CH_RB_STRING, CH_RB_INT64, CH_RB_NULLABLE_STRING, CH_RB_UINT8};
	struct ch_rb_value v[4];
	long used = ch_rowbinary_row(out.buf, out.len, types, 4, v);
	assert_true(used > 0);
	assert_int_equal(v[0].len, sizeof(all));
	assert_memory_equal(v[0].s, all, sizeof(all));
	assert_int_equal(v[1].i, -1);
	assert_true(v[2].null);
	assert_int_equal(v[3].i, 1);
	assert_int_equal(ch_rowbinary_row(out.buf + used, out.len - (size_t)used, types, 4, v), (long)out.len - used);
	assert_int_equal(v[0].len, 0);
	assert_true(v[1].i == INT64_MAX);
	assert_false(v[2].null);
	assert_int_equal(v[2].len, 1);
	assert_int_equal(v[2].s[0], '\0');
	assert_int_equal(v[3].i, 0);
	/* the row tests/test_chquote.c reads is the one the server sends, byte for byte */
	strbuf_reset(&out);
	assert_int_equal(
	    ch_query(c,
	             "SELECT toInt64(-2), 'a\\tb\\0', CAST(NULL AS Nullable(String)), toNullable('x'), "
	             "toUInt8(1), CAST(NULL AS Nullable(Int64)), toNullable(toInt64(300)), if(1 = 1, NULL, "
	             "'y'), position('ab', 'b') > 0, 1, 'e' FORMAT RowBinary",
	             &out),
	    0);
	static const char server_row[] =
	    "\xfe\xff\xff\xff\xff\xff\xff\xff\x04"
	    "a\tb\0\x01\x00\x01x\x01\x01\x00\x2c\x01\x00\x00\x00\x00\x00\x00\x01\x01\x01\x01"
	    "e";
	assert_int_equal(out.len, sizeof(server_row) - 1);
	assert_memory_equal(out.buf, server_row, out.len);
	assert_int_equal(ch_query(c, "DROP TABLE default.rb_insert", &out), 0);
	strbuf_release(&rows);
	strbuf_release(&want);
	ch_close(c);
}

/* Runs q on the shard's server and returns its answer in out (the test fails if it cannot). */
static void on_shard(int shard, const char *q)
{
	struct ch_conn *c = open_ok(cl.url[shard], NULL);
	strbuf_reset(&out);
	if (ch_query(c, q, &out) != 0)
		fail_msg("%s", ch_errmsg(c));
	ch_close(c);
}

static const char tables_made[] = "events\tDistributed\nevents_local\tReplacingMergeTree\n";
#define TABLES_QUERY "SELECT name, engine FROM system.tables WHERE database = 'casebook' ORDER BY name"

/* casebook cluster init, twice: the tables on both shards, the second run keeping them. */
static void test_init_makes_the_tables_on_both_shards_and_again_keeps_them(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	char want[512];
	snprintf(want, sizeof(want),
	         "%s: casebook.events_local and casebook.events are there\n"
	         "%s: casebook.events_local and casebook.events are there\n"
	         "cluster casebook: 2 shards, each with casebook.events_local\n",
	         cl.url[0], cl.url[1]);
	for (int run = 0; run < 2; run++) {
		assert_int_equal(tu_run(&out, &err, "'%s' cluster init '%s' '%s'", tu_casebook(), cl.url[0], cl.url[1]),
		                 0);
		assert_string_equal(err.buf, "");
		assert_string_equal(out.buf, want);
		for (int shard = 0; shard < 2; shard++) {
			on_shard(shard, TABLES_QUERY);
			assert_string_equal(out.buf, tables_made);
		}
	}
	/* ordered by host and time, one typed column each for the fields rules read */
	on_shard(1, "SELECT sorting_key FROM system.tables WHERE database = 'casebook' AND name = 'events_local'");
	assert_string_equal(out.buf, "host_id, ts_us, doc_sha256\n");
	/* in granules of 1,024 rows: a chunk of time of an ordered pass reads few it does not need */
	on_shard(0, "SELECT position(engine_full, 'SETTINGS index_granularity = 1024') > 0 FROM system.tables "
	            "WHERE database = 'casebook' AND name = 'events_local'");
	assert_string_equal(out.buf, "1\n");
	on_shard(0, "SELECT count(), countIf(type LIKE 'Array%') FROM system.columns WHERE database = 'casebook' AND "
	            "table = 'events'");
	assert_string_equal(out.buf, "31\t4\n"); /* with inexact, derived and the case's own columns */
	on_shard(0, "SELECT count() FROM casebook.events");
	assert_string_equal(out.buf, "0\n");
}

static void expect_init_error(const char *const *urls, size_t n, const char *cluster, const char *msg)
{
	struct strbuf e, said;
	strbuf_init(&e, 128);
	strbuf_init(&said, 128);
	struct diag_sink say = {NULL, NULL};
	assert_int_equal(cluster_init(urls, n, cluster, NULL, &say, &e), -1);
	assert_string_equal(e.buf, msg);
	strbuf_release(&e);
	strbuf_release(&said);
}

/* A shard init was not given, a table of other columns, a cluster the server does not know, a
 * name that is not one: each said, naming what to do, and nothing half made is called done. */
static void test_init_says_which_shards_lack_the_table_or_have_another(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	const char *both[] = {cl.url[0], cl.url[1]};
	char want[512];
	snprintf(want, sizeof(want), "ClickHouse at %s has no cluster \"fleet\" in its remote_servers", cl.url[0]);
	expect_init_error(both, 2, "fleet", want);
	expect_init_error(both, 2, "case\x1b[2Jbook",
	                  "cluster \"case\xe2\x90\x9b[2Jbook\": a name is letters, digits and "
	                  "underscores, at most 64");

	on_shard(1, "DROP TABLE IF EXISTS casebook.events_local");
	expect_init_error(
	    both, 1, "casebook",
	    "1 of the 2 shards of cluster \"casebook\" have casebook.events_local: name each shard's HTTP URL "
	    "(casebook cluster init URL URL...)");
	on_shard(1, "CREATE DATABASE IF NOT EXISTS casebook");
	on_shard(1, "CREATE TABLE casebook.events_local (host_id String, ts_us Int64, extra UInt8) ENGINE = Memory");
	expect_init_error(
	    both, 2, "casebook",
	    "a shard of cluster \"casebook\" has a casebook.events_local with other columns than casebook "
	    "makes (drop it, or use the casebook that made it)");
	on_shard(1, "DROP TABLE casebook.events_local");

	struct strbuf e;
	strbuf_init(&e, 64);
	assert_int_equal(cluster_init(both, 2, "casebook", NULL, NULL, &e), 0);
	assert_string_equal(e.buf, "");
	strbuf_release(&e);
	on_shard(1, TABLES_QUERY);
	assert_string_equal(out.buf, tables_made);
	assert_int_equal(tu_run(&out, &err, "'%s' cluster init", tu_casebook()), 64);
	assert_int_equal(tu_run(&out, &err, "'%s' cluster init http://u:p@127.0.0.1:1/", tu_casebook()), 1);
	assert_string_equal(err.buf, "casebook cluster: http://u:***@127.0.0.1:1/: credentials in the URL (set "
	                             "CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, or use the config file)\n");
}

static long shard_count(int shard, const char *q)
{
	on_shard(shard, q);
	return atol(out.buf);
}

/* casebook ingest --to loads what a case's ingest loads - the same count, the same rejects,
 * said the same way - and run again adds nothing: the two shards together hold each document
 * once, each host on one shard. */
static void test_ingest_to_the_cluster_loads_the_demo_fleet_once(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	const char *demo = tu_path("demo.ndjson");
	assert_int_equal(tu_run(&out, NULL, "build/check/gen-events --events 2000 --hosts 8"), 0);
	tu_write(demo, out.buf, out.len);
	struct strbuf local, local_err;
	strbuf_init(&local, 128);
	strbuf_init(&local_err, 128);
	assert_int_equal(
	    tu_run(&local, &local_err, "'%s' --db '%s' ingest '%s'", tu_casebook(), tu_path("demo.db"), demo), 0);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], demo), 0);
	assert_string_equal(err.buf, "");
	assert_string_equal(out.buf, local.buf);
	long added = 0;
	assert_int_equal(sscanf(out.buf, "%*u documents: %ld added", &added), 1);
	assert_true(added >= 2000);
	long on[2] = {shard_count(0, "SELECT count() FROM casebook.events_local"),
	              shard_count(1, "SELECT count() FROM casebook.events_local")};
	assert_true(on[0] > 0 && on[1] > 0);
	assert_int_equal(on[0] + on[1], added);
	assert_int_equal(shard_count(0, "SELECT uniqExact(host_id) FROM casebook.events_local") +
	                     shard_count(1, "SELECT uniqExact(host_id) FROM casebook.events_local"),
	                 8);

	/* again, through the other shard: every document is there already */
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[1], demo), 0);
	char want[128];
	snprintf(want, sizeof(want), "%ld documents: 0 added, %ld duplicate, 0 rejected\n", added, added);
	assert_string_equal(out.buf, want);
	assert_int_equal(shard_count(0, "SELECT count() FROM casebook.events"), added);
	assert_int_equal(shard_count(0, "SELECT count() FROM casebook.events_local") +
	                     shard_count(1, "SELECT count() FROM casebook.events_local"),
	                 added);

	/* a batch whose first 1,500 documents are held and three are new: the held ones are found
	 * over two questions of at most 1,000 hashes, the new ones added */
	char *whole = tu_read_file(tu_path("demo.ndjson")), mixed[512];
	snprintf(mixed, sizeof(mixed), "%s", tu_path("mixed.ndjson"));
	const char *cut = whole;
	for (int lines = 0; lines < 1500 && cut; lines++)
		cut = strchr(cut, '\n') ? strchr(cut, '\n') + 1 : NULL;
	assert_non_null(cut);
	struct strbuf m;
	strbuf_init(&m, 1 << 20);
	strbuf_add(&m, whole, (size_t)(cut - whole));
	free(whole);
	strbuf_addstr(
	    &m, "{\"@timestamp\":\"2026-11-20T08:00:01Z\",\"host\":{\"id\":\"h-new\"},\"event\":{\"id\":\"n1\"}}\n"
	        "{\"@timestamp\":\"2026-11-20T08:00:02Z\",\"host\":{\"id\":\"h-new\"},\"event\":{\"id\":\"n2\"}}\n"
	        "{\"@timestamp\":\"2026-11-20T08:00:03Z\",\"host\":{\"id\":\"h-new\"},\"event\":{\"id\":\"n3\"}}\n");
	tu_write(mixed, m.buf, m.len);
	strbuf_release(&m);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], mixed), 0);
	assert_string_equal(out.buf, "1503 documents: 3 added, 1500 duplicate, 0 rejected\n");
	assert_int_equal(shard_count(0, "SELECT count() FROM casebook.events"), added + 3);

	/* damaged input: reported as the case's ingest reports it, the rest loads */
	const char *bad = tu_path("damaged.ndjson");
	tu_write_str(
	    bad, "{\"@timestamp\":\"2026-11-21T10:00:00Z\",\"host\":{\"id\":\"h-bad\"},\"event\":{\"id\":\"ok1\"}}\n"
	         "{\"@timestamp\":\"2026-11-21T10:00:01Z\",\"host\":{\"id\":\"h-bad\"},,}\n"
	         "{\"host\":{\"id\":\"h-bad\"}}\n"
	         "not json at all\n");
	assert_int_equal(
	    tu_run(&local, &local_err, "'%s' --db '%s' ingest '%s'", tu_casebook(), tu_path("bad.db"), bad), 2);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], bad), 2);
	assert_string_equal(out.buf, "4 documents: 1 added, 0 duplicate, 3 rejected\n");
	assert_non_null(strstr(local.buf, out.buf)); /* the case's adds where its rejects are kept */
	assert_string_equal(err.buf, local_err.buf);
	strbuf_release(&local);
	strbuf_release(&local_err);
}

/* The typed columns hold what the document says, through nested objects and dotted keys; a
 * value a column cannot hold exactly is named in inexact; the document is kept to the byte
 * with its SHA-256. */
static void test_ingest_fills_the_typed_columns_and_names_what_they_cannot_hold(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	const char doc[] = "{\"@timestamp\":\"2026-11-22T00:00:00.000001Z\",\"host.id\":\"h-typed\","
	                   "\"host\":{\"name\":{\"first\":\"x\"}},\"event\":{\"id\":\"typed-1\","
	                   "\"category\":\"process\",\"type\":[\"start\",7]},"
	                   "\"process\":{\"name\":[\"a\",\"b\"],\"pid\":\"12\",\"parent.name\":\"zsh\","
	                   "\"parent\":{\"pid\":1e2},\"command_line\":\"echo \\\"it's\\\" \\u001b[2J\\\\\"},"
	                   "\"process.executable\":[\"/bin/sh\"]}";
	tu_write_str(tu_path("typed.ndjson"), doc);
	assert_int_equal(
	    tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[1], tu_path("typed.ndjson")), 0);
	assert_string_equal(out.buf, "1 documents: 1 added, 0 duplicate, 0 rejected\n");
	on_shard(0,
	         "SELECT ts_us, host_id, host_name, event_id, event_category, event_type, process_name, "
	         "process_executable, process_pid, process_parent_name, process_parent_pid, hex(process_command_line), "
	         "inexact FROM casebook.events WHERE event_id = 'typed-1' FORMAT TabSeparated");
	assert_string_equal(out.buf, "1795305600000001\th-typed\t\\N\ttyped-1\t['process']\t['start']\t\\N\t/bin/sh\t"
	                             "\\N\tzsh\t100\t6563686F20226974277322201B5B324A5C\t"
	                             "['host.name','event.type','process.name','process.pid']\n");
	/* the case's columns: host.name an object (irregular), process.name and process.executable
	 * arrays (not the names' only values), no event.kind, no event.ingested */
	on_shard(0, "SELECT irregular, names_exact, kind, ingested_us FROM casebook.events WHERE event_id = 'typed-1' "
	            "FORMAT TabSeparated");
	assert_string_equal(out.buf, "1\t0\t\\N\t\\N\n");
	on_shard(0, "SELECT hex(doc), doc_sha256 FROM casebook.events WHERE event_id = 'typed-1' FORMAT TabSeparated");
	char sha[SHA256_HEX_LEN + 1];
	sha256_hex(doc, strlen(doc), sha);
	struct strbuf want;
	strbuf_init(&want, 2048);
	for (size_t i = 0; i < strlen(doc); i++)
		strbuf_addf(&want, "%02X", (unsigned char)doc[i]);
	strbuf_addf(&want, "\t%s\n", sha);
	assert_string_equal(out.buf, want.buf);
	strbuf_release(&want);
}

/* Rows go to the server as RowBinary: a value's bytes are sent as they are, so hostile ones
 * (tab, newline, backslash, NUL, quotes, escape sequences, invalid UTF-8) arrive in the typed
 * columns unescaped from JSON and exact, and the document arrives to the byte with its SHA-256. */
static void test_hostile_bytes_arrive_exact_in_the_columns_and_the_document(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	/* the raw bytes 0xFF 0xFE and a lone 0xC3 are invalid UTF-8 in the document itself */
	const char docs[] =
	    "{\"@timestamp\":\"2026-11-23T00:00:00Z\",\"host\":{\"id\":\"h\\tx\\\\y\\n\"},"
	    "\"event\":{\"id\":\"hostile-1\",\"category\":[\"a\\u0000b\",\"\\\"q\\\"\"]},"
	    "\"process\":{\"name\":\"bad \xff\xfe \xc3\",\"command_line\":\"x'; DROP TABLE t; --\\r\\n\\\\N\","
	    "\"pid\":-9223372036854775808}}\n"
	    "{\"@timestamp\":\"2026-11-23T00:00:01Z\",\"host\":{\"id\":\"\\\\N\"},"
	    "\"event\":{\"id\":\"hostile-2\"},\"process\":{\"name\":\"\",\"pid\":9223372036854775807},"
	    "\"file\":{\"path\":\"\\t\"}}\n";
	tu_write(tu_path("hostile.ndjson"), docs, sizeof(docs) - 1);
	assert_int_equal(
	    tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], tu_path("hostile.ndjson")), 0);
	assert_string_equal(out.buf, "2 documents: 2 added, 0 duplicate, 0 rejected\n");
	on_shard(1, "SELECT event_id, hex(host_id), arrayMap(x -> hex(x), event_category), hex(process_name), "
	            "hex(process_command_line), process_pid, hex(file_path), inexact FROM casebook.events "
	            "WHERE event_id LIKE 'hostile-%' ORDER BY event_id FORMAT TabSeparated");
	/* \u0000 in a value is U+2400 in the column, as in the case (ingest/jsontape.h) */
	assert_string_equal(out.buf, "hostile-1\t6809785C790A\t['61E2908062','227122']\t62616420FFFE20C3\t"
	                             "78273B2044524F50205441424C4520743B202D2D0D0A5C4E\t-9223372036854775808\t\\N\t[]\n"
	                             "hostile-2\t5C4E\t[]\t\t\\N\t9223372036854775807\t09\t[]\n");
	on_shard(1, "SELECT hex(doc), doc_sha256 FROM casebook.events WHERE event_id LIKE 'hostile-%' "
	            "ORDER BY event_id FORMAT TabSeparated");
	struct strbuf want;
	strbuf_init(&want, 4096);
	for (const char *line = docs; *line;) {
		const char *nl = strchr(line, '\n');
		char sha[SHA256_HEX_LEN + 1];
		sha256_hex(line, (size_t)(nl - line), sha);
		for (const char *p = line; p < nl; p++)
			strbuf_addf(&want, "%02X", (unsigned char)*p);
		strbuf_addf(&want, "\t%s\n", sha);
		line = nl + 1;
	}
	assert_string_equal(out.buf, want.buf);
	strbuf_release(&want);
}

/* A batch whose held documents are scattered among new ones sends the new ones whole, each
 * once: the cluster then holds every document to the byte with its SHA-256. */
static void test_held_documents_among_new_ones_are_left_out_and_the_rest_sent_whole(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct strbuf odd, all, want;
	strbuf_init(&odd, 1024);
	strbuf_init(&all, 1024);
	strbuf_init(&want, 4096);
	char line[256];
	struct {
		char sha[SHA256_HEX_LEN + 1], hex[512];
	} docs[6];
	for (int i = 0; i < 6; i++) {
		int n = snprintf(line, sizeof(line),
		                 "{\"@timestamp\":\"2026-11-24T00:00:0%dZ\",\"host\":{\"id\":\"h-scatter-%d\"},"
		                 "\"event\":{\"id\":\"scatter-%d\"},\"message\":\"tab\\tnew\\nline\\\\ %d\"}",
		                 i, i % 3, i, i);
		sha256_hex(line, (size_t)n, docs[i].sha);
		for (int k = 0; k < n; k++)
			snprintf(docs[i].hex + 2 * k, 3, "%02X", (unsigned char)line[k]);
		strbuf_addf(&all, "%s\n", line);
		if (i % 2)
			strbuf_addf(&odd, "%s\n", line);
	}
	tu_write(tu_path("scatter-odd.ndjson"), odd.buf, odd.len);
	tu_write(tu_path("scatter-all.ndjson"), all.buf, all.len);
	assert_int_equal(
	    tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], tu_path("scatter-odd.ndjson")),
	    0);
	assert_string_equal(out.buf, "3 documents: 3 added, 0 duplicate, 0 rejected\n");
	assert_int_equal(
	    tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[1], tu_path("scatter-all.ndjson")),
	    0);
	assert_string_equal(out.buf, "6 documents: 3 added, 3 duplicate, 0 rejected\n");
	on_shard(0, "SELECT event_id, hex(doc), doc_sha256 FROM casebook.events WHERE event_id LIKE 'scatter-%' "
	            "ORDER BY event_id FORMAT TabSeparated");
	for (int i = 0; i < 6; i++)
		strbuf_addf(&want, "scatter-%d\t%s\t%s\n", i, docs[i].hex, docs[i].sha);
	assert_string_equal(out.buf, want.buf);
	strbuf_release(&odd);
	strbuf_release(&all);
	strbuf_release(&want);
}

/* The cluster places every host's events on one shard: over a fleet of 40 hosts, no host_id is
 * on both, and both shards hold some. */
static void test_each_hosts_events_are_on_exactly_one_shard(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	on_shard(0, "TRUNCATE TABLE casebook.events_local");
	on_shard(1, "TRUNCATE TABLE casebook.events_local");
	const char *fleet = tu_path("hosts40.ndjson");
	assert_int_equal(tu_run(&out, NULL, "build/check/gen-events --events 3000 --hosts 40"), 0);
	tu_write(fleet, out.buf, out.len);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[1], fleet), 0);
	long hosts[2] = {shard_count(0, "SELECT uniqExact(host_id) FROM casebook.events_local"),
	                 shard_count(1, "SELECT uniqExact(host_id) FROM casebook.events_local")};
	assert_true(hosts[0] > 0 && hosts[1] > 0);
	assert_int_equal(hosts[0] + hosts[1], 40);
	assert_int_equal(shard_count(0, "SELECT uniqExact(host_id) FROM casebook.events"), 40);
	/* and each shard holds the hosts cityHash64(host_id) sends it: the Distributed table's key */
	assert_int_equal(shard_count(0, "SELECT count() FROM casebook.events_local WHERE cityHash64(host_id) % 2 != 0"),
	                 0);
	assert_int_equal(shard_count(1, "SELECT count() FROM casebook.events_local WHERE cityHash64(host_id) % 2 != 1"),
	                 0);
}

/* Each event a search gives, as "TIME IDENTITY SHA-256-OF-DOCUMENT" lines. */
static int take_event_line(void *ctx, const struct event_row *row)
{
	char sha[SHA256_HEX_LEN + 1];
	sha256_hex(row->doc, row->doc_len, sha);
	strbuf_addf(ctx, "%lld %s %s\n", (long long)row->r.ts, row->r.identity ? row->r.identity : "-", sha);
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines sorted (a case gives equal times in ingest order, the cluster in document order). */
static void sort_lines(struct strbuf *sb)
{
	size_t n = 0;
	for (size_t i = 0; i < sb->len; i++)
		n += sb->buf[i] == '\n';
	char **v = xcalloc(n ? n : 1, sizeof(*v));
	char *copy = xstrndup(sb->buf, sb->len), *p = copy;
	for (size_t i = 0; i < n; i++) {
		char *nl = strchr(p, '\n');
		*nl = '\0';
		v[i] = p;
		p = nl + 1;
	}
	qsort(v, n, sizeof(*v), line_cmp);
	strbuf_reset(sb);
	for (size_t i = 0; i < n; i++) {
		strbuf_addstr(sb, v[i]);
		strbuf_addch(sb, '\n');
	}
	free(v);
	free(copy);
}

static size_t count_lines(const struct strbuf *sb)
{
	size_t n = 0;
	for (size_t i = 0; i < sb->len; i++)
		n += sb->buf[i] == '\n';
	return n;
}

/* A case with the generated fleet in it, and the cluster holding exactly the same documents. */
static struct store *fleet_both_ways(size_t events)
{
	on_shard(0, "TRUNCATE TABLE casebook.events_local");
	on_shard(1, "TRUNCATE TABLE casebook.events_local");
	const char *fleet = tu_path("fleet.ndjson");
	assert_int_equal(tu_run(&out, NULL, "build/check/gen-events --events %zu --hosts 8", events), 0);
	struct store *s = tu_new_case("fleet");
	tu_ingest_text(s, out.buf);
	tu_write(fleet, out.buf, out.len);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[1], fleet), 0);
	return s;
}

static struct event_source *cluster_source(int shard)
{
	struct event_source *src = NULL;
	strbuf_reset(&err);
	if (source_clickhouse_open(cl.url[shard], NULL, &src, &err) != 0)
		fail_msg("source_clickhouse_open: %s", err.buf);
	return src;
}

/* The events a KQL search finds through the source and in the case (their lines in a and b,
 * sorted): the same; how many. */
static size_t same_search_both_ways(struct event_source *local, struct event_source *remote, const char *query,
                                    struct strbuf *a, struct strbuf *b)
{
	struct kql_error kerr;
	struct kql_node *q = kql_parse(query, &kerr);
	assert_non_null(q);
	strbuf_reset(a);
	strbuf_reset(b);
	assert_int_equal(detect_search_in(local, q, 0, take_event_line, a), 0);
	if (detect_search_in(remote, q, 0, take_event_line, b) != 0)
		fail_msg("%s: %s", query, source_errmsg(remote));
	sort_lines(a);
	sort_lines(b);
	assert_string_equal(b->buf, a->buf);
	kql_free(q);
	return count_lines(a);
}

/* Searches through the cluster find what they find in a case holding the same documents: the
 * same events, the same documents to the byte, read in batches across both shards; what the
 * query allows is pushed down (time, host, categories, path), the rest is decided here. */
static void test_the_cluster_as_an_event_source_finds_what_the_case_finds(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct store *s = fleet_both_ways(3000);
	struct event_source *local = source_store_open(s), *remote = cluster_source(0);
	static const char *const queries[] = {
	    "*",
	    "event.category : process and process.name : zsh",
	    "host.name : mac-lisbon-01 and event.category : file",
	    "event.category : network or user.name : amara",
	    "file.path : /Users/* and not event.action : deletion",
	    "process.name : nothing-runs-this",
	};
	struct strbuf a, b;
	strbuf_init(&a, 1 << 16);
	strbuf_init(&b, 1 << 16);
	static const size_t at_least[] = {3000, 100, 10, 300, 0, 0};
	for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++)
		assert_true(same_search_both_ways(local, remote, queries[i], &a, &b) >= at_least[i]);

	/* the span, and an event by its id: the id is the document's, so it finds it again */
	int64_t lo, hi, llo, lhi;
	assert_int_equal(remote->ops->time_bounds(remote, 0, &lo, &hi), 0);
	assert_int_equal(local->ops->time_bounds(local, 0, &llo, &lhi), 0);
	assert_true(lo == llo && hi == lhi && lo < hi);
	assert_int_equal(remote->ops->newest_id(remote), 1);
	on_shard(0, "SELECT doc_sha256, event_id FROM casebook.events ORDER BY doc_sha256 LIMIT 2 "
	            "FORMAT TabSeparated");
	char sha[SHA256_HEX_LEN + 1], identity[128], sha2[SHA256_HEX_LEN + 1];
	assert_int_equal(sscanf(out.buf, "%64s %127s %64s", sha, identity, sha2), 3);
	struct strbuf got_id, got_index;
	strbuf_init(&got_id, 64);
	strbuf_init(&got_index, 64);
	assert_int_equal(remote->ops->event_identity(remote, source_clickhouse_id(sha), &got_id, &got_index), 0);
	assert_string_equal(got_id.buf, identity);
	strbuf_reset(&a);
	assert_int_equal(remote->ops->event_get(remote, source_clickhouse_id(sha), 1, take_event_line, &a), 0);
	assert_non_null(strstr(a.buf, sha));

	/* many events by id in one read: those there are, as one by one (an id of none is passed) */
	int64_t ids[] = {source_clickhouse_id(sha2), INT64_C(1) << 60, source_clickhouse_id(sha), 7};
	strbuf_reset(&b);
	assert_int_equal(remote->ops->events_get(remote, ids, 4, take_event_line, &b), 0);
	assert_int_equal(remote->ops->event_get(remote, source_clickhouse_id(sha2), 1, take_event_line, &a), 0);
	sort_lines(&a);
	sort_lines(&b);
	assert_int_equal(count_lines(&b), 2);
	assert_string_equal(b.buf, a.buf);
	assert_null(local->ops->events_get); /* the store reads one by one at no more cost */
	assert_int_equal(remote->ops->event_identity(remote, INT64_C(1) << 60, &got_id, &got_index), -1);
	assert_non_null(strstr(source_errmsg(remote), "no event has that id"));

	/* what it cannot answer, it refuses, naming the server */
	struct candidate_query after = {.after_id = 5};
	assert_int_equal(source_candidates(remote, &after, NULL, 0, NULL, NULL), -1);
	char want[256];
	snprintf(want, sizeof(want), "ClickHouse at %s: a cluster's events have no load order to read on after",
	         cl.url[0]);
	assert_string_equal(source_errmsg(remote), want);
	strbuf_release(&got_id);
	strbuf_release(&got_index);
	strbuf_release(&a);
	strbuf_release(&b);
	source_close(local);
	source_close(remote);
	store_close(s);
}

/* --- detection over the cluster, through the command line --- */

static int count_alert(void *ctx, const struct alert_row *a)
{
	(void)a;
	(*(int *)ctx)++;
	return 0;
}

/* Runs casebook on the case db; fails the test unless it exits with want. */
static void cb_expect(int want, const char *db, const char *args)
{
	int rc = tu_run(&out, &err, "'%s' --db '%s' %s", tu_casebook(), db, args);
	if (rc != want)
		fail_msg("casebook %s: exit %d, not %d: %s%s", args, rc, want, out.buf, err.buf);
}

/* One line per alert, by uuid: its document, and then the identity, index and document
 * SHA-256 of each event it stands on, read from the case. What legitimately differs between a
 * case that read its events itself and one that read them from the cluster is left out:
 * "@timestamp", the instant detect ran (Kibana's too is the execution's clock), and the
 * events' local ids (the row numbers each case gave its events; the cluster has none to give).
 * Nothing else: the copied events are the same documents, to the byte. */
struct alert_lines {
	struct store *s;
	struct strbuf *lines;
};

static int take_event_facts(void *ctx, const struct event_row *row)
{
	struct strbuf *b = ctx;
	char sha[SHA256_HEX_LEN + 1];
	sha256_hex(row->doc, row->doc_len, sha);
	strbuf_addf(b, " [%s %s %s]", row->r.identity, row->r.index ? row->r.index : "", sha);
	return 0;
}

static int take_alert_line(void *ctx, const struct alert_row *a)
{
	struct alert_lines *l = ctx;
	cJSON *doc = cJSON_Parse(a->doc);
	assert_non_null(doc);
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "@timestamp");
	char *text = cJSON_PrintUnformatted(doc);
	strbuf_addf(l->lines, "%s %s", a->uuid, text);
	cJSON_free(text);
	cJSON_Delete(doc);
	int64_t *ids;
	size_t n;
	assert_int_equal(store_alert_events(l->s, a->id, &ids, &n), 0);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(store_event_get(l->s, ids[i], 1, take_event_facts, l->lines), 0);
	free(ids);
	strbuf_addch(l->lines, '\n');
	return 0;
}

static size_t case_alert_lines(const char *db, struct strbuf *lines)
{
	struct store *s = NULL;
	char *why = NULL;
	if (store_open(db, STORE_READONLY, &s, &why))
		fail_msg("%s: %s", db, why);
	struct alert_lines l = {s, lines};
	struct alert_query all = {0};
	strbuf_reset(lines);
	assert_int_equal(store_alerts_each(s, &all, take_alert_line, &l), 0);
	store_close(s);
	sort_lines(lines);
	return count_lines(lines);
}

/* Empties the cluster's events on both shards. */
static void empty_cluster(void)
{
	on_shard(0, "TRUNCATE TABLE casebook.events_local");
	on_shard(1, "TRUNCATE TABLE casebook.events_local");
}

/* The differential: the same inputs into a case and into the cluster, the same rules in both
 * cases; detect over each gives the same alert documents in full, standing on the same event
 * documents. rules: a path to import and enable beside the bundled pack, or NULL. */
static size_t same_alerts_both_ways(const char *name, const char *inputs, int ingest_exit, const char *rules_path,
                                    size_t at_least)
{
	char local[512], remote[600], args[8192], rules_copy[512];
	/* the caller's path may be tu_path's, whose buffers later calls reuse */
	const char *rules =
	    rules_path ? (snprintf(rules_copy, sizeof(rules_copy), "%s", rules_path), rules_copy) : NULL;
	snprintf(local, sizeof(local), "%s", tu_path(name));
	snprintf(remote, sizeof(remote), "%s-cluster", local);
	empty_cluster();
	snprintf(args, sizeof(args), "ingest --to '%s' %s", cl.url[1], inputs);
	cb_expect(ingest_exit, local, args);
	for (int i = 0; i < 2 && rules; i++) {
		const char *db = i ? remote : local;
		snprintf(args, sizeof(args), "rules import '%s'", rules);
		cb_expect(0, db, args);
		cb_expect(0, db, "rules enable --all");
	}
	snprintf(args, sizeof(args), "ingest %s", inputs); /* damaged documents: both exit 2 */
	cb_expect(ingest_exit, local, args);
	cb_expect(0, local, "detect");
	snprintf(args, sizeof(args), "detect --source '%s'", cl.url[0]);
	cb_expect(0, remote, args);
	assert_non_null(strstr(out.buf, "alert events copied into the case: "));
	struct strbuf a, b;
	strbuf_init(&a, 1 << 16);
	strbuf_init(&b, 1 << 16);
	size_t n = case_alert_lines(local, &a);
	assert_int_equal(case_alert_lines(remote, &b), n);
	assert_string_equal(b.buf, a.buf);
	assert_true(n >= at_least);
	/* the same in time order, as a cluster past CH_ANY_ORDER_MAX_EVENTS is read: runs stream;
	 * in one chunk of time sorted by casebook, in chunks of at most 50 rows (a bucket of time
	 * of more read in server-sorted batches), and with every chunk past its bytes (each read
	 * in server-sorted batches instead) */
	static const char *const ways[][3] = {{"ordered", NULL, NULL},
	                                      {"ordered-chunks", "CASEBOOK_CLUSTER_CHUNK_ROWS", "50"},
	                                      {"ordered-batches", "CASEBOOK_CLUSTER_CHUNK_BYTES", "1"}};
	for (size_t w = 0; w < sizeof(ways) / sizeof(*ways); w++) {
		char ordered[640];
		snprintf(ordered, sizeof(ordered), "%s-%s", local, ways[w][0]);
		if (rules) {
			snprintf(args, sizeof(args), "rules import '%s'", rules);
			cb_expect(0, ordered, args);
			cb_expect(0, ordered, "rules enable --all");
		}
		setenv("CASEBOOK_CLUSTER_ANY_ORDER_MAX", "0", 1);
		if (ways[w][1])
			setenv(ways[w][1], ways[w][2], 1);
		snprintf(args, sizeof(args), "detect --source '%s'", cl.url[0]);
		cb_expect(0, ordered, args);
		unsetenv("CASEBOOK_CLUSTER_ANY_ORDER_MAX");
		if (ways[w][1])
			unsetenv(ways[w][1]);
		strbuf_reset(&b);
		assert_int_equal(case_alert_lines(ordered, &b), n);
		assert_string_equal(b.buf, a.buf);
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return n;
}
/* The demo case's fleet (tools/demo.sh's) and the bundled pack: over the cluster, the alerts
 * of the case that read the same file, document for document. */
static void test_detect_over_the_cluster_gives_the_demo_cases_alerts(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	const char *demo = tu_path("demo.ndjson");
	assert_int_equal(tu_run(&out, NULL, "build/check/gen-events --events 2000 --hosts 8"), 0);
	tu_write(demo, out.buf, out.len);
	char inputs[600];
	snprintf(inputs, sizeof(inputs), "'%s'", demo);
	/* 11 today: the plug-in writes, the helper's child and the sequence on mac-lisbon-01 */
	assert_true(same_alerts_both_ways("demo-diff.db", inputs, 0, NULL, 11) >= 11);
}

/* Events whose columns the prefilters cannot take at their word, and the pack: a field twice
 * (nested and dotted), names with several values or another case, an action that is an
 * array, a category that is not all strings, a Kibana alert ("signal"), event.ingested in
 * both forms. The cluster gives its rows the case's columns, so each is skipped or evaluated
 * as the case does it. */
static void test_detect_over_the_cluster_filters_on_columns_as_the_case_does(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	static const struct {
		const char *dataset, *event, *rest; /* the event's own members, then the document's */
	} events[] = {
	    {"file", "\"category\":[\"file\"],\"type\":[\"creation\"],\"action\":\"modification\"",
	     "\"file\":{\"path\":\"/tmp/elsewhere\"},\"file.path\":\"/Library/DirectoryServices/PlugIns/"
	     "Twice.dsplug\""},
	    {"process", "\"category\":[\"process\"],\"type\":[\"start\"],\"action\":\"exec\"",
	     "\"process\":{\"name\":[\"zsh\",\"ditto\"],\"args\":[\"ditto\",\"/x/Library/DirectoryServices/PlugIns/"
	     "a\"],"
	     "\"parent\":{\"name\":\"zsh\"}}"},
	    {"process", "\"category\":[\"process\"],\"type\":[\"start\"],\"action\":\"exec\"",
	     "\"process\":{\"name\":\"DiTTo\",\"args\":[\"ditto\",\"/x/Library/DirectoryServices/PlugIns/b\"],"
	     "\"parent\":{\"name\":\"dspluginhelperd\"}}"},
	    {"file", "\"category\":[\"file\"],\"type\":[\"change\"],\"action\":[\"rename\",\"modification\"]",
	     "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/Arr.dsplug\"}"},
	    {"file", "\"kind\":\"signal\",\"category\":[\"file\"],\"type\":[\"change\"],\"action\":\"modification\"",
	     "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/Alert.dsplug\"}"},
	    {"file", "\"category\":[\"file\",7],\"type\":[\"change\"],\"action\":\"modification\"",
	     "\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/Seven.dsplug\"}"},
	    {"file", "\"category\":\"file\",\"type\":\"change\",\"action\":\"Modification\"",
	     "\"file\":{\"path\":\"/library/directoryservices/plugins/Lower.dsplug\"},"
	     "\"event.ingested\":\"2026-11-20T09:09:00Z\""},
	    {"process", "\"category\":[\"process\"],\"type\":[\"start\"],\"action\":\"exec\"",
	     "\"process\":{\"name\":\"ls\",\"parent\":{\"name\":\"launchd\"}},\"process.name\":\"tar\","
	     "\"process.args\":[\"tar\",\"/Library/DirectoryServices/PlugIns/c\"]"},
	};
	struct strbuf text;
	strbuf_init(&text, 4096);
	for (size_t i = 0; i < sizeof(events) / sizeof(*events); i++)
		strbuf_addf(&text,
		            "{\"@timestamp\":\"2026-11-20T09:00:%02zuZ\",\"data_stream\":{\"type\":\"logs\","
		            "\"dataset\":\"endpoint.events.%s\",\"namespace\":\"default\"},\"host\":{\"id\":\"h-cols\","
		            "\"name\":\"mac-cols\",\"os\":{\"type\":\"macos\"}},\"event\":{\"id\":\"cols-%zu\","
		            "\"ingested\":\"2026-11-20T09:01:%02zuZ\",%s},%s}\n",
		            i + 1, events[i].dataset, i + 1, i + 1, events[i].event, events[i].rest);
	const char *path = tu_path("columns.ndjson");
	tu_write(path, text.buf, text.len);
	strbuf_release(&text);
	char inputs[600];
	snprintf(inputs, sizeof(inputs), "'%s'", path);
	size_t n = same_alerts_both_ways("columns-diff.db", inputs, 0, NULL, 12);
	print_message("columns: %zu alerts, the same both ways\n", n);
}

struct candidate_ids {
	struct strbuf ids; /* each candidate's event.id, a line each */
};

static int take_candidate_id(void *ctx, const struct candidate_row *c)
{
	struct candidate_ids *k = ctx;
	strbuf_addstr(&k->ids, c->ev.r.identity ? c->ev.r.identity : "?");
	strbuf_addch(&k->ids, '\n');
	return 0;
}

/* The needles pushed down never cost a match: a document that holds a needle only in another
 * case, or only through a JSON escape (\u00XX, \/), is still a candidate, as the local scan
 * parses it; a document holding none is not read at all. The same searches through the
 * cluster and the case find the same events. */
static void test_pushed_needles_keep_every_document_the_local_scan_would_parse(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	on_shard(0, "TRUNCATE TABLE casebook.events_local");
	on_shard(1, "TRUNCATE TABLE casebook.events_local");
	static const char *const process[] = {
	    "\"name\":\"pbpaste\",\"executable\":\"/usr/bin/pbpaste\"",                  /* n-1: as it is */
	    "\"name\":\"PBPaste\",\"executable\":\"/USR/BIN/PBPASTE\"",                  /* n-2: another case */
	    "\"name\":\"\\u0070bpaste\",\"executable\":\"/usr/bin/x\"",                  /* n-3: \u spells it */
	    "\"name\":\"x\",\"executable\":\"\\/usr\\/bin\\/pbpaste\"",                  /* n-4: \/ hides the path */
	    "\"name\":\"zsh\",\"executable\":\"/bin/zsh\"",                              /* n-5: no needle */
	    "\"name\":\"zsh\",\"executable\":\"/bin/zsh\",\"title\":\"say \\\"pb\\\"\"", /* n-6: \" */
	    "\"name\":\"zsh\",\"executable\":\"C:\\\\usr\\\\x\"",                        /* n-7: \\u, not \u */
	    "\"name\":\"pb\\u0050aste\",\"executable\":\"/bin/zsh\"",                    /* n-8: \u in it */
	    /* n-9, n-10: U+0130 and U+212A, which the lowercase normalizer lowers to i and k */
	    "\"name\":\"zsh\",\"executable\":\"/bin/zsh\",\"title\":\"P\xc4\xb0"
	    "NG\"",
	    "\"name\":\"zsh\",\"executable\":\"/bin/zsh\",\"title\":\"\xe2\x84\xaa"
	    "ILL\"",
	};
	struct strbuf text;
	strbuf_init(&text, 4096);
	for (size_t i = 0; i < sizeof(process) / sizeof(*process); i++)
		strbuf_addf(&text,
		            "{\"@timestamp\":\"2026-11-20T09:00:%02zuZ\",\"data_stream\":{\"type\":\"logs\","
		            "\"dataset\":\"endpoint.events.process\",\"namespace\":\"default\"},\"host\":{\"id\":"
		            "\"h-n%zu\",\"name\":\"mac-n%zu\",\"os\":{\"type\":\"macos\"}},\"event\":{\"id\":\"n-%zu\","
		            "\"category\":[\"process\"],\"type\":[\"start\"],\"action\":\"exec\"},\"process\":{%s}}\n",
		            i + 1, i % 3, i % 3, i + 1, process[i]);
	const char *path = tu_path("needles.ndjson");
	tu_write(path, text.buf, text.len);
	struct store *s = tu_new_case("needles");
	tu_ingest_text(s, text.buf);
	strbuf_release(&text);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], path), 0);

	/* the candidates of two sets: {pbpaste} and {/usr/bin/pbpaste}, ordered and not */
	struct needles a, b;
	needles_one(&a, "pbpaste", 7);
	needles_one(&b, "/usr/bin/pbpaste", 16);
	needles_finish(&a);
	needles_finish(&b);
	const struct needles *sets[] = {&a, &b};
	struct event_source *remote = cluster_source(1);
	for (int ordered = 0; ordered < 2; ordered++) {
		struct candidate_query q = {.any_order = !ordered, .by_event_time = ordered, .wants_rows = SIZE_MAX};
		struct candidate_ids k;
		strbuf_init(&k.ids, 256);
		if (source_candidates(remote, &q, sets, 2, take_candidate_id, &k) != 0)
			fail_msg("candidates: %s", source_errmsg(remote));
		sort_lines(&k.ids);
		assert_string_equal(k.ids.buf, "n-1\nn-10\nn-2\nn-3\nn-4\nn-7\nn-8\nn-9\n");
		strbuf_release(&k.ids);
	}
	/* a set that rules nothing out: every row */
	struct needles none;
	needles_init(&none);
	const struct needles *with_none[] = {&a, &none};
	struct candidate_query q = {.by_event_time = 1};
	struct candidate_ids k;
	strbuf_init(&k.ids, 256);
	assert_int_equal(source_candidates(remote, &q, with_none, 2, take_candidate_id, &k), 0);
	assert_int_equal(count_lines(&k.ids), 10);
	strbuf_release(&k.ids);

	/* searches, whose needles are pushed: what the case finds */
	struct event_source *local = source_store_open(s);
	static const char *const queries[] = {
	    "process.name : pbpaste",
	    "process.executable : \"/usr/bin/pbpaste\"",
	    "process.name : PBPaste or process.name : zsh",
	    "process.title.caseless : ping",
	    "process.title.caseless : kill",
	};
	static const size_t found[] = {2, 2, 6, 1, 1};
	struct strbuf la, lb;
	strbuf_init(&la, 4096);
	strbuf_init(&lb, 4096);
	for (size_t i = 0; i < sizeof(queries) / sizeof(*queries); i++)
		assert_int_equal(same_search_both_ways(local, remote, queries[i], &la, &lb), found[i]);
	strbuf_release(&la);
	strbuf_release(&lb);
	needles_release(&a);
	needles_release(&b);
	source_close(local);
	source_close(remote);
	store_close(s);
}

/* The rules' column prefilters pushed down (candidate_query.alts, ch_alts_condition) never
 * cost a match: a row whose names are an array, differ only in case from a caseless value,
 * are missing, or that the case holds as irregular, and a row listing no category or one with
 * a ',', is a candidate as the local prefilters would take it; a row they rule out is not
 * read. Rules whose candidates are pushed down so give the case's alerts. */
static void test_pushed_column_filters_keep_every_row_the_local_prefilters_would_take(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	static const struct {
		const char *category, *rest; /* event.category's JSON, then the document's other members */
	} events[] = {
	    {"[\"process\"]", "\"process\":{\"name\":\"curl\"}"},                          /* c-1: as it is */
	    {"[\"process\"]", "\"process\":{\"name\":[\"zsh\",\"curl\"]}"},                /* c-2: an array */
	    {"[\"process\"]", "\"process\":{\"name\":\"OsaScript\"}"},                     /* c-3: another case */
	    {"[\"process\"]", "\"process\":{\"pid\":7}"},                                  /* c-4: no name */
	    {"[\"process\"]", "\"process\":{\"name\":\"zsh\"},\"process.name\":\"curl\""}, /* c-5: irregular */
	    {"[\"network\"]", "\"process\":{\"name\":\"nscurl\"}"},                        /* c-6: the other stage */
	    {NULL, "\"process\":{\"name\":\"curl\"}"},                                     /* c-7: no category */
	    {"[\"process\",\"a,b\"]", "\"process\":{\"name\":\"zsh\"}"},                   /* c-8: a ',' */
	    {"[\"Process\"]", "\"process\":{\"name\":\"curl\"}"},                          /* c-9: another case */
	    {"[\"process\"]", "\"process\":{\"name\":\"CURL\"}"},                          /* c-10: another case */
	    {"[\"process\"]", "\"process\":{\"name\":\"zsh\"}"},                           /* c-11: ruled out */
	    {"[\"file\"]", "\"process\":{\"name\":\"curl\"}"},                             /* c-12: ruled out */
	    {"[\"process\"]", "\"process\":{\"name\":7}"},                                 /* c-13: a number */
	};
	struct strbuf text;
	strbuf_init(&text, 4096);
	for (size_t i = 0; i < sizeof(events) / sizeof(*events); i++) {
		strbuf_addf(
		    &text,
		    "{\"@timestamp\":\"2026-11-20T09:00:%02zuZ\",\"host\":{\"id\":\"h-push\",\"name\":\"mac-push\","
		    "\"os\":{\"type\":\"macos\"}},\"event\":{\"id\":\"c-%zu\",\"type\":[\"start\"]",
		    i + 1, i + 1);
		if (events[i].category)
			strbuf_addf(&text, ",\"category\":%s", events[i].category);
		strbuf_addf(&text, "},%s}\n", events[i].rest);
	}
	const char *path = tu_path("pushed.ndjson");
	tu_write(path, text.buf, text.len);
	strbuf_release(&text);
	empty_cluster();
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], path), 0);

	/* a rule's (process, a name of curl or nscurl) and a sequence stage's (network, a name of
	 * osascript, ASCII case aside) */
	static const char *const process[] = {"process"};
	static char *curl_values[] = {"curl", "nscurl"}, *osa_values[] = {"OSAScript"};
	const struct column_filter curl[] = {{0, curl_values, 2, 0}};
	const struct column_filter osa[] = {{0, osa_values, 1, 1}};
	const struct candidate_alt alts[] = {
	    {.categories = process, .ncategories = 1, .columns = curl, .ncolumns = 1},
	    {.category = "network", .columns = osa, .ncolumns = 1},
	};
	struct event_source *remote = cluster_source(1);
	for (int ordered = 0; ordered < 2; ordered++) {
		struct candidate_query q = {
		    .any_order = !ordered, .by_event_time = ordered, .wants_rows = SIZE_MAX, .alts = alts, .nalts = 2};
		struct candidate_ids k;
		strbuf_init(&k.ids, 256);
		if (source_candidates(remote, &q, NULL, 0, take_candidate_id, &k) != 0)
			fail_msg("candidates: %s", source_errmsg(remote));
		sort_lines(&k.ids);
		/* c-4 has no name; c-6 is network, but nscurl is no osascript; c-9 lists Process;
		 * c-10's CURL is no curl, case and all; c-13's name is a number (names_exact unset) */
		assert_string_equal(k.ids.buf, "c-1\nc-13\nc-2\nc-5\nc-7\nc-8\n");
		strbuf_release(&k.ids);
	}
	source_close(remote);

	/* rules whose candidates are pushed down: the case's alerts */
	const char *rules = tu_path("pushed-rules.ndjson");
	tu_write_str(rules,
	             "{\"rule_id\":\"p-kql\",\"name\":\"curl\",\"description\":\"d\",\"risk_score\":21,\"severity\":"
	             "\"low\",\"type\":\"query\",\"language\":\"kuery\",\"interval\":\"5m\",\"from\":\"now-6m\","
	             "\"query\":\"event.category:process and process.name:(curl or nscurl)\"}\n"
	             "{\"rule_id\":\"p-eql\",\"name\":\"osascript\",\"description\":\"d\",\"risk_score\":21,"
	             "\"severity\":\"low\",\"type\":\"eql\",\"language\":\"eql\",\"interval\":\"5m\",\"from\":"
	             "\"now-6m\",\"query\":\"process where process.name : \\\"OSAScript\\\"\"}\n"
	             "{\"rule_id\":\"p-seq\",\"name\":\"seq\",\"description\":\"d\",\"risk_score\":21,\"severity\":"
	             "\"low\",\"type\":\"eql\",\"language\":\"eql\",\"interval\":\"5m\",\"from\":\"now-6m\","
	             "\"query\":\"sequence by host.id with maxspan=5m [process where process.name == \\\"curl\\\"] "
	             "[network where process.name in (\\\"curl\\\", \\\"nscurl\\\")]\"}\n");
	char inputs[600];
	snprintf(inputs, sizeof(inputs), "'%s'", path);
	size_t n = same_alerts_both_ways("pushed-diff.db", inputs, 0, rules, 1);
	print_message("pushed: %zu alerts, the same both ways\n", n);
}

/* The real corpus with Elastic's 97 macOS rules (read in ../shared, never copied) and the pack:
 * the same alert documents over the cluster as over the case. Skipped without them. */
static void test_detect_over_the_cluster_gives_the_corpus_alerts_of_the_elastic_rules(void **state)
{
	(void)state;
	NEED_CLUSTER();
	const char *corpus = tu_corpus(), *rules = "../shared/rules/elastic-macos";
	struct stat st;
	if (!corpus || stat(rules, &st) != 0) {
		print_message("skipped: ../shared holds no corpus or no elastic-macos rules\n");
		skip();
	}
	clear_credentials();
	assert_int_equal(
	    tu_run(&out, NULL, "find '%s' -type f -name '*.json' | sort | sed \"s/.*/'&'/\" | tr '\\n' ' '", corpus),
	    0);
	static char inputs[16384]; /* static: a failed assertion leaks nothing */
	assert_true(out.len > 0 && out.len < sizeof(inputs));
	memcpy(inputs, out.buf, out.len + 1);
	size_t n = same_alerts_both_ways("corpus-diff.db", inputs, 2, rules, 1);
	print_message("corpus: %zu alerts, the same both ways\n", n);
}

struct custody {
	struct store *s;
	struct ch_conn *c;
	size_t events;
};

static int check_custody(void *ctx, const struct event_row *row)
{
	struct custody *k = ctx;
	char sha[SHA256_HEX_LEN + 1];
	sha256_hex(row->doc, row->doc_len, sha);
	struct strbuf q, a;
	strbuf_init(&q, 256);
	strbuf_init(&a, 128);
	strbuf_addstr(&q, "SELECT DISTINCT doc_sha256 FROM casebook.events WHERE event_id = ");
	ch_quote_string(&q, row->r.identity, strlen(row->r.identity));
	strbuf_addstr(&q, " FORMAT TabSeparated");
	assert_int_equal(ch_query(k->c, q.buf, &a), 0);
	char want[SHA256_HEX_LEN + 2];
	snprintf(want, sizeof(want), "%s\n", sha);
	assert_string_equal(a.buf, want);
	k->events++;
	strbuf_release(&q);
	strbuf_release(&a);
	return 0;
}

static int note_kept_events(void *ctx, const struct alert_row *a)
{
	struct custody *k = ctx;
	int64_t *ids;
	size_t n;
	assert_int_equal(store_alert_events(k->s, a->id, &ids, &n), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(store_event_get(k->s, ids[i], 1, check_custody, k), 0);
	free(ids);
	return 0;
}

static int64_t count_rows(const char *db, const char *what)
{
	struct store *s = NULL;
	char *why = NULL;
	if (store_open(db, STORE_READONLY, &s, &why))
		fail_msg("%s: %s", db, why);
	free(why);
	int64_t n = 0;
	if (!strcmp(what, "events"))
		n = store_event_count(s);
	else {
		struct alert_query all = {0};
		int alerts = 0;
		assert_int_equal(store_alerts_each(s, &all, count_alert, &alerts), 0);
		n = alerts;
	}
	store_close(s);
	return n;
}

/* casebook cluster attach: plain ingest loads into the cluster, plain detect reads it, each
 * alert's events are copied into the case as the cluster holds them (the SHA-256 is the
 * cluster's), a second detect adds nothing, and once detached the case shows and exports its
 * alerts alone. URLs with credentials are refused; a server that is down is named and nothing
 * is written. */
static void test_an_attached_case_ingests_into_and_detects_from_the_cluster(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	empty_cluster();
	char db[512], demo[512]; /* tu_path's buffer is reused */
	snprintf(db, sizeof(db), "%s", tu_path("attached.db"));
	snprintf(demo, sizeof(demo), "%s", tu_path("attached.ndjson"));
	assert_int_equal(tu_run(&out, NULL, "build/check/gen-events --events 800 --hosts 8"), 0);
	tu_write(demo, out.buf, out.len);
	char args[1200], want[400];
	snprintf(args, sizeof(args), "cluster attach '%s' '%s'", cl.url[0], cl.url[1]);
	cb_expect(0, db, args);
	cb_expect(0, db, "cluster show");
	snprintf(want, sizeof(want), "%s\n%s\n", cl.url[0], cl.url[1]);
	assert_string_equal(out.buf, want);
	snprintf(args, sizeof(args), "ingest '%s'", demo);
	cb_expect(0, db, args);
	assert_non_null(strstr(out.buf, " rejected\n"));
	assert_int_equal(count_rows(db, "events"), 0); /* they went to the cluster */
	on_shard(0, "SELECT count() FROM casebook.events FORMAT TabSeparated");
	assert_true(atoi(out.buf) > 700);

	cb_expect(0, db, "detect");
	assert_non_null(strstr(out.buf, "read the events of the cluster at "));
	int64_t alerts = count_rows(db, "alerts"), kept = count_rows(db, "events");
	assert_true(alerts >= 5);
	assert_true(kept >= 1 && kept <= alerts * 2);
	/* every kept event is the cluster's document, byte for byte */
	struct custody k = {.c = open_ok(cl.url[0], NULL)};
	char *why = NULL;
	assert_int_equal(store_open(db, STORE_READONLY, &k.s, &why), 0);
	struct alert_query all = {0};
	assert_int_equal(store_alerts_each(k.s, &all, note_kept_events, &k), 0);
	assert_true(k.events >= (size_t)alerts);
	store_close(k.s);
	ch_close(k.c);

	/* again: the whole range replayed, nothing new */
	cb_expect(0, db, "detect");
	assert_non_null(strstr(out.buf, " 0 alerts created, "));
	assert_int_equal(count_rows(db, "alerts"), alerts);
	assert_int_equal(count_rows(db, "events"), kept);

	/* detached, the case stands alone */
	cb_expect(0, db, "cluster detach");
	cb_expect(0, db, "cluster show");
	assert_string_equal(out.buf, "");
	cb_expect(0, db, "alerts --json");
	char uuid[13] = {0};
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(u);
	memcpy(uuid, u + 21, 12);
	snprintf(args, sizeof(args), "show %s", uuid);
	cb_expect(0, db, args);
	snprintf(args, sizeof(args), "export %s --source", uuid);
	cb_expect(0, db, args);
	assert_non_null(strstr(out.buf, uuid));
	cb_expect(0, db, "detect"); /* the case's own events, its own position */

	/* credentials in a URL are refused; a server that is down is named, nothing written */
	cb_expect(1, db, "cluster attach 'http://analyst:secret@127.0.0.1:8123/'");
	assert_null(strstr(out.buf, "attached"));
	assert_null(strstr(err.buf, "secret"));
	assert_non_null(strstr(err.buf, "http://analyst:***@127.0.0.1:8123/"));
	int port = local_port(0, NULL);
	snprintf(args, sizeof(args), "detect --source 'http://127.0.0.1:%d/'", port);
	cb_expect(1, db, args);
	snprintf(want, sizeof(want), "casebook: ClickHouse at http://127.0.0.1:%d/: ", port);
	assert_starts_with(err.buf, want);
	assert_int_equal(count_rows(db, "alerts"), alerts);
}

/* A server on fd that takes one request and answers it with body (HTTP 200, then the
 * connection closed), in a child process; its pid. */
/* The fake server's connection, once the query that asks for rows has arrived. */
static int accept_row_query(int fd)
{
	int c = accept(fd, NULL, NULL);
	char buf[4096];
	size_t have = 0;
	ssize_t n;
	while (have < sizeof(buf) - 1 && (n = read(c, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		if (strstr(buf, "FORMAT RowBinary"))
			break;
	}
	return c;
}

static pid_t answer_once(int fd, const char *body, size_t len)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		int c = accept_row_query(fd);
		const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
		if (write(c, head, sizeof(head) - 1) < 0 || write(c, body, len) < 0)
			_exit(1);
		close(c);
		_exit(0);
	}
	return p;
}

static int count_candidate(void *ctx, const struct candidate_row *c)
{
	(void)c;
	(*(size_t *)ctx)++;
	return 0;
}

static void rb_row_doc(struct strbuf *b, int64_t ts, char c, const char *doc, size_t len);

/* One row as the source's reads ask for it (RowBinary): event ts, its hash of 64 hex digits (c),
 * a document {}, a candidate. */
static void rb_row(struct strbuf *b, int64_t ts, char c)
{
	rb_row_doc(b, ts, c, "{}", 2);
}

/* The same with the document doc. */
static void rb_row_doc(struct strbuf *b, int64_t ts, char c, const char *doc, size_t len)
{
	char sha[64];
	memset(sha, c, sizeof(sha));
	ch_rowbinary_int64(b, ts);
	ch_rowbinary_string(b, sha, sizeof(sha));
	ch_rowbinary_string(b, "id1", 3);
	ch_rowbinary_string(b, "", 0);
	strbuf_addch(b, 0); /* host_id "h" */
	ch_rowbinary_string(b, "h", 1);
	strbuf_addch(b, 1); /* host_name, host_os_type NULL */
	strbuf_addch(b, 1);
	ch_rowbinary_string(b, "", 0); /* derived */
	strbuf_addch(b, 0);            /* irregular */
	strbuf_addch(b, 1);            /* names_exact */
	strbuf_addch(b, 1);            /* kind NULL */
	ch_rowbinary_string(b, "", 0); /* category */
	for (int i = 0; i < 5; i++)    /* file_path, event_action, process_executable, process_name, user_name */
		strbuf_addch(b, 1);
	strbuf_addch(b, 1); /* ingested_us NULL */
	ch_rowbinary_string(b, doc, len);
	strbuf_addch(b, 1);
	ch_rowbinary_string(b, "e", 1);
}

/* answer_once's, the body written in pieces of piece bytes a little apart, so that the reader
 * receives rows cut anywhere, in pieces smaller and larger than they are. */
static pid_t answer_in_pieces(int fd, const char *body, size_t len, size_t piece)
{
	pid_t p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		int c = accept_row_query(fd);
		int one = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
		if (write(c, head, sizeof(head) - 1) < 0)
			_exit(1);
		for (size_t at = 0; at < len; at += piece) {
			struct timespec pause = {0, 300000};
			if (write(c, body + at, len - at < piece ? len - at : piece) < 0)
				_exit(1);
			nanosleep(&pause, NULL);
		}
		close(c);
		_exit(0);
	}
	return p;
}

struct docs_seen {
	size_t n;
	struct strbuf all; /* each document, then a newline */
};

static int take_candidate_doc(void *ctx, const struct candidate_row *c)
{
	struct docs_seen *d = ctx;
	d->n++;
	strbuf_add(&d->all, c->ev.doc, c->ev.doc_len);
	strbuf_addch(&d->all, '\n');
	return 0;
}

/* Rows of every size, from 2 bytes of document to more than a reader's piece, cut anywhere by
 * the pieces the answer arrives in: each arrives once, whole, in order. */
static void test_rows_cut_by_the_answers_pieces_arrive_whole(void **state)
{
	(void)state;
	clear_credentials();
	static const size_t sizes[] = {2, 3000, 9000, 70000, 17, 4095, 4096, 4097, 300, 1};
	static const size_t pieces[] = {1000, 4097, 65536};
	struct strbuf body, want, doc;
	strbuf_init(&body, 1 << 20);
	strbuf_init(&want, 1 << 20);
	strbuf_init(&doc, 1 << 17);
	size_t rows = 0;
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++, rows++) {
			strbuf_reset(&doc);
			for (size_t k = 0; k < sizes[i]; k++)
				strbuf_addch(&doc, (char)('a' + (rows + k) % 26));
			rb_row_doc(&body, (int64_t)rows, (char)('a' + rows % 6), doc.buf, doc.len);
			strbuf_add(&want, doc.buf, doc.len);
			strbuf_addch(&want, '\n');
		}
	for (size_t i = 0; i < sizeof(pieces) / sizeof(*pieces); i++) {
		int fd;
		int port = local_port(1, &fd);
		char url[64];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
		pid_t server = answer_in_pieces(fd, body.buf, body.len, pieces[i]);
		struct event_source *src = NULL;
		strbuf_reset(&err);
		assert_int_equal(source_clickhouse_open(url, NULL, &src, &err), 0);
		struct candidate_query q = {0};
		struct docs_seen d = {0};
		strbuf_init(&d.all, 1 << 20);
		assert_int_equal(source_candidates(src, &q, NULL, 0, take_candidate_doc, &d), 0);
		assert_int_equal(d.n, rows);
		assert_int_equal(d.all.len, want.len);
		assert_memory_equal(d.all.buf, want.buf, want.len);
		strbuf_release(&d.all);
		source_close(src);
		close(fd);
		int status;
		assert_int_equal(waitpid(server, &status, 0), server);
	}
	strbuf_release(&body);
	strbuf_release(&want);
	strbuf_release(&doc);
}

/* ClickHouse 18.16 has answered 200 by the time a streamed query fails: its error text ends the
 * answer. The source tells it from a row (each row ends with a constant column, and the text
 * reads as no row), gives the rows before it, and fails naming the server; an answer cut
 * inside a row, or bytes that are no row (a Nullable's flag of 7, a length past 64 bits), fail
 * the same way, nothing read past them. */
static void test_an_error_at_the_end_of_a_streamed_answer_fails_the_read(void **state)
{
	(void)state;
	clear_credentials();
	struct strbuf one, body;
	strbuf_init(&one, 256);
	strbuf_init(&body, 512);
	rb_row(&one, 1, 'a');
	static const char *const why[] = {
	    "the answer ended with an error: Code: 241, e.displayText() = DB::Exception: Memory limit (for query) "
	    "exceeded\xe2\x90\x9b[2J",
	    "the answer was cut short inside a row",
	    "an answer that is not the rows asked for",
	    "an answer that is not the rows asked for",
	    "an answer that is not the rows asked for",
	};
	for (size_t i = 0; i < sizeof(why) / sizeof(*why); i++) {
		strbuf_reset(&body);
		strbuf_add(&body, one.buf, one.len);
		if (i == 0) {
			strbuf_addstr(&body, "Code: 241, e.displayText() = DB::Exception: Memory limit (for query) "
			                     "exceeded\x1b[2J\n");
		} else if (i == 1) {
			rb_row(&body, 2, 'b');
			body.len -= 7; /* the second row cut inside its document */
		} else if (i == 2) {
			rb_row(&body, 2, 'b');
			body.buf[one.len + 8 + 1 + 64 + 4 + 1 + 3] = 7; /* host_name's flag */
		} else if (i == 3) {
			ch_rowbinary_int64(&body, 2);
			strbuf_add(&body, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10);
		} else {
			rb_row(&body, 2, 'b');
			body.buf[body.len - 1] = 'x'; /* not the constant that ends a row */
		}
		int fd;
		int port = local_port(1, &fd);
		char url[64], want[512];
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
		pid_t server = answer_once(fd, body.buf, body.len);
		struct event_source *src = NULL;
		strbuf_reset(&err);
		assert_int_equal(source_clickhouse_open(url, NULL, &src, &err), 0);
		struct candidate_query q = {0};
		size_t given = 0;
		assert_int_equal(source_candidates(src, &q, NULL, 0, count_candidate, &given), -1);
		assert_int_equal(given, 1);
		snprintf(want, sizeof(want), "ClickHouse at %s: %s", url, why[i]);
		assert_string_equal(source_errmsg(src), want);
		source_close(src);
		close(fd);
		int status;
		assert_int_equal(waitpid(server, &status, 0), server);
	}
	strbuf_release(&one);
	strbuf_release(&body);
}

/* detect_options.keep through ingest/keep.h, failing from its fail_at-th call (0: never). */
struct test_keep {
	struct event_source *src;
	struct event_keeper *k;
	struct strbuf why;
	size_t calls, fail_at;
	int64_t id;
	int failed;
};

static int test_keep_row(void *ctx, const struct event_row *row)
{
	struct test_keep *t = ctx;
	t->failed = event_keeper_add(t->k, row, &t->id, &t->why) != 0;
	return 1;
}

static int test_keep(void *ctx, int64_t source_id, const struct event_row *row, int64_t *case_id)
{
	struct test_keep *t = ctx;
	if (++t->calls == t->fail_at)
		return -1;
	t->failed = 1;
	if (row)
		test_keep_row(t, row);
	else if (t->src->ops->event_get(t->src, source_id, 1, test_keep_row, t))
		return -1;
	if (t->failed)
		return -1;
	*case_id = t->id;
	return 0;
}

static int keep_rule(struct store *s)
{
	const char *rule = tu_path("zsh-keep-rule.json");
	tu_write_str(rule, "{\"rule_id\":\"zsh\",\"name\":\"zsh\",\"type\":\"query\",\"query\":"
	                   "\"process.name : zsh\",\"severity\":\"low\",\"risk_score\":21,\"description\":\"d\"}");
	struct import_counts ic = {0};
	return rules_import_file(s, rule, "zsh-keep-rule.json", &ic, NULL);
}

/* An alert's event that cannot be copied into the case undoes the rule's alerts and copies
 * (no partial detection recorded); run again, every alert stands on a copy of the cluster's
 * document, and the case keeps no position for the cluster. */
static void test_an_event_that_cannot_be_copied_undoes_the_rules_alerts(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct store *fleet = fleet_both_ways(3000); /* the cluster holds the fleet; this case is apart */
	store_close(fleet);
	struct store *s = tu_new_case("keep");
	assert_int_equal(keep_rule(s), 0);
	struct test_keep t = {.src = cluster_source(0), .fail_at = 3};
	strbuf_init(&t.why, 64);
	assert_int_equal(event_keeper_open(s, cl.url[0], "tester", &t.k), 0);
	struct detect_options o = {
	    .rule_id = "zsh", .now_us = INT64_C(1795305600000000), .keep = test_keep, .keep_ctx = &t};
	struct detect_totals tot;
	assert_int_equal(detect_run_source(s, t.src, &o, &tot), CB_ERROR);
	assert_int_equal(t.calls, 3);
	int alerts = 0;
	struct alert_query all = {0};
	assert_int_equal(store_alerts_each(s, &all, count_alert, &alerts), 0);
	assert_int_equal(alerts, 0);
	assert_int_equal(store_event_count(s), 0);

	t.fail_at = 0;
	t.calls = 0;
	assert_int_equal(detect_run_source(s, t.src, &o, &tot), CB_OK);
	assert_true(tot.created > 2);
	assert_int_equal(t.calls, tot.created); /* a query rule: one event an alert */
	assert_int_equal(store_alerts_each(s, &all, count_alert, &alerts), 0);
	assert_int_equal(alerts, (int)tot.created);
	assert_int_equal(store_event_count(s), (int64_t)tot.created);
	int64_t last = -1;
	assert_int_equal(store_detection_state(s, 1, &last), 0);
	assert_int_equal(last, 0); /* no position kept for a cluster */
	assert_int_equal(event_keeper_close(t.k), 0);
	struct custody k = {.s = s, .c = open_ok(cl.url[1], NULL)};
	assert_int_equal(store_alerts_each(s, &all, note_kept_events, &k), 0);
	assert_int_equal(k.events, tot.created);
	ch_close(k.c);
	strbuf_release(&t.why);
	source_close(t.src);
	store_close(s);
}

/* A source over the cluster that kills a shard's server after the first candidate. */
struct killing_source {
	struct event_source base;
	struct event_source *ch;
	int shard;
	size_t given;
	candidate_fn fn;
	void *ctx;
};

static void kill_shard(int shard)
{
	char path[1200];
	snprintf(path, sizeof(path), "%s/shard%d/pid", cl.dir, shard + 1);
	char *text = tu_read_file(path);
	assert_non_null(text);
	long pid = atol(text);
	free(text);
	assert_true(pid > 1);
	assert_int_equal(tu_run(NULL, NULL, "kill -9 %ld", pid), 0);
	/* until it is gone, it may still answer */
	for (int i = 0; i < 100 && tu_run(NULL, NULL, "kill -0 %ld 2>/dev/null", pid) == 0; i++)
		usleep(50000);
}

static int kill_after_first(void *ctx, const struct candidate_row *c)
{
	struct killing_source *k = ctx;
	if (k->given++ == 0)
		kill_shard(k->shard);
	return k->fn(k->ctx, c);
}

static int killing_candidates(struct event_source *src, const struct candidate_query *q,
                              const struct needles *const *needles, size_t nneedles, candidate_fn fn, void *ctx)
{
	struct killing_source *k = (struct killing_source *)src;
	k->fn = fn;
	k->ctx = ctx;
	/* the rule's column filter not pushed down: every row of the batch is sent, so the answer
	 * is still coming when the shard dies (the few rows named zsh arrive whole before) */
	struct candidate_query all = *q;
	all.alts = NULL;
	all.nalts = 0;
	return source_candidates(k->ch, &all, needles, nneedles, kill_after_first, k);
}

static int killing_time_bounds(struct event_source *src, int use_ingested, int64_t *lo, int64_t *hi)
{
	struct event_source *c = ((struct killing_source *)src)->ch;
	return c->ops->time_bounds(c, use_ingested, lo, hi);
}

static int killing_time_span(struct event_source *src, int use_ingested, int64_t after, int64_t *lo, int64_t *hi)
{
	struct event_source *c = ((struct killing_source *)src)->ch;
	return c->ops->time_span(c, use_ingested, after, lo, hi);
}

static int64_t killing_newest_id(struct event_source *src)
{
	struct event_source *c = ((struct killing_source *)src)->ch;
	return c->ops->newest_id(c);
}

static const char *killing_errmsg(struct event_source *src)
{
	return source_errmsg(((struct killing_source *)src)->ch);
}

static const struct source_ops killing_ops = {.name = "killing",
                                              .candidates = killing_candidates,
                                              .time_bounds = killing_time_bounds,
                                              .time_span = killing_time_span,
                                              .newest_id = killing_newest_id,
                                              .errmsg = killing_errmsg};

/* A server killed while detection reads the cluster (the one it talks to; the next batch
 * cannot connect): the run fails naming the server, and the case gets no alert and no state,
 * so a later run does the whole work. Last: the cluster is down afterwards. */
static void test_a_server_killed_mid_way_fails_the_detect_run_whole(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	struct store *s = fleet_both_ways(3000);
	const char *rule = tu_path("zsh-rule.json");
	tu_write_str(rule, "{\"rule_id\":\"zsh\",\"name\":\"zsh\",\"type\":\"query\",\"query\":"
	                   "\"process.name : zsh\",\"severity\":\"low\",\"risk_score\":21,\"description\":\"d\"}");
	struct import_counts ic = {0};
	assert_int_equal(rules_import_file(s, rule, "zsh-rule.json", &ic, NULL), 0);
	struct killing_source k = {.base = {&killing_ops}, .ch = cluster_source(0), .shard = 0};
	struct detect_options o = {.rule_id = "zsh", .now_us = INT64_C(1795305600000000)};
	struct detect_totals t;
	assert_int_equal(detect_run_source(s, &k.base, &o, &t), CB_ERROR);
	assert_true(k.given >= 1 && k.given <= CH_SOURCE_BATCH); /* the first batch at most */
	char want[256];
	snprintf(want, sizeof(want), "ClickHouse at %s: ", cl.url[0]);
	assert_starts_with(source_errmsg(&k.base), want);
	int alerts = 0;
	struct alert_query all = {0};
	assert_int_equal(store_alerts_each(s, &all, count_alert, &alerts), 0);
	assert_int_equal(alerts, 0);
	/* the case itself still runs the rule over every event */
	assert_int_equal(detect_run(s, &o, &t), CB_OK);
	assert_true(t.created > 0);
	source_close(k.ch);
	store_close(s);
}

/* --- triage from the cluster: events, timeline, export in an attached case --- */

/* Runs casebook on db and keeps its output in *into (a copy). */
static void cb_keep(int want, const char *db, const char *args, struct strbuf *into)
{
	cb_expect(want, db, args);
	strbuf_reset(into);
	strbuf_add(into, out.buf, out.len);
}

/* got lists what want lists, in the same order but among the events of one instant (the case
 * orders them as it stored them, the cluster by their documents' SHA-256: both in time order). */
static void assert_same_listing(const struct strbuf *got, const struct strbuf *want, const char *what)
{
	struct strbuf a, b;
	strbuf_init(&a, got->len + 1);
	strbuf_init(&b, want->len + 1);
	strbuf_add(&a, got->buf, got->len);
	strbuf_add(&b, want->buf, want->len);
	if (strcmp(a.buf, b.buf)) {
		sort_lines(&a);
		sort_lines(&b);
	}
	if (strcmp(a.buf, b.buf)) {
		char x[600], y[600];
		snprintf(x, sizeof(x), "%s", tu_path("listing-got.out"));
		snprintf(y, sizeof(y), "%s", tu_path("listing-want.out"));
		tu_write(x, got->buf, got->len);
		tu_write(y, want->buf, want->len);
		tu_run(&out, NULL, "diff '%s' '%s' | head -20", x, y);
		fail_msg("%s: listed otherwise:\n%s", what, out.buf);
	}
	strbuf_release(&a);
	strbuf_release(&b);
}

/* A table's rows are in time order (each line's time after mark columns: a timeline's "> "). */
static void assert_time_order(const struct strbuf *table, size_t mark)
{
	const char *prev = NULL;
	for (const char *p = table->buf; p && *p;) {
		const char *nl = strchr(p, '\n');
		if (prev && strncmp(prev + mark, "TIME", 4) && strncmp(prev + mark, p + mark, 27) > 0)
			fail_msg("out of time order:\n%.80s\n%.80s", prev, p);
		prev = p;
		p = nl ? nl + 1 : NULL;
	}
}

/* Two cases over the same fleet: local.db ingested it, attached.db is attached to the cluster
 * that holds it (and holds no event itself). */
static void fleet_two_cases(char *local, char *attached, size_t len, const char *stem)
{
	char fleet[512], args[1400];
	snprintf(local, len, "%s", tu_path(stem));
	snprintf(attached, len, "%s-attached", local);
	snprintf(fleet, sizeof(fleet), "%s.ndjson", local);
	empty_cluster();
	assert_int_equal(tu_run(&out, NULL, "build/check/gen-events --events 1500 --hosts 8"), 0);
	tu_write(fleet, out.buf, out.len);
	snprintf(args, sizeof(args), "ingest '%s'", fleet);
	cb_expect(0, local, args);
	snprintf(args, sizeof(args), "cluster attach '%s' '%s'", cl.url[0], cl.url[1]);
	cb_expect(0, attached, args);
	snprintf(args, sizeof(args), "ingest '%s'", fleet);
	cb_expect(0, attached, args);
	assert_int_equal(count_rows(attached, "events"), 0);
}

/* casebook events in an attached case reads the cluster: the same table, the same documents,
 * the same searches as in a case that ingested the same file; --local reads the case alone. */
static void test_events_in_an_attached_case_are_the_clusters(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	char local[512], attached[600];
	fleet_two_cases(local, attached, sizeof(local), "events-local.db");
	static const char *const listings[] = {
	    "events",
	    "events --json",
	    "events --host mac-lisbon-01",
	    "events --host mac-lisbon-01 --from 2026-11-20T08:02:00Z --to 2026-11-20T08:05:00Z --json",
	    "events --from 2026-11-20T08:06:00Z --limit 25",
	    "events --query 'event.category : process and process.name : zsh'",
	    "events --query 'host.name : mac-lisbon-01 and event.category : file' --json",
	    "events --query 'user.name : amara or event.category : network' --limit 7",
	    "events --query 'process.name : nothing-at-all'",
	};
	struct strbuf want, got;
	strbuf_init(&want, 1 << 16);
	strbuf_init(&got, 1 << 16);
	for (size_t i = 0; i < sizeof(listings) / sizeof(listings[0]); i++) {
		cb_keep(0, local, listings[i], &want);
		cb_keep(0, attached, listings[i], &got);
		assert_same_listing(&got, &want, listings[i]);
		if (!strstr(listings[i], "--json"))
			assert_time_order(&got, 0);
		assert_true(count_lines(&got) >= 1); /* at least the header */
	}
	cb_keep(0, local, "events", &want);
	assert_true(count_lines(&want) > 1000);
	/* the case alone holds nothing yet */
	cb_keep(0, attached, "events --local", &got);
	assert_int_equal(count_lines(&got), 1);
	strbuf_release(&want);
	strbuf_release(&got);
}

/* The first alert's uuid in db's `alerts --json`. */
static void first_alert(const char *db, char uuid[13])
{
	cb_expect(0, db, "alerts --json");
	const char *u = strstr(out.buf, "\"kibana.alert.uuid\":\"");
	assert_non_null(u);
	memcpy(uuid, u + 21, 12);
	uuid[12] = '\0';
}

/* The timeline of the first record of a JSON export in out: its event documents, one a line. */
static void exported_timeline(struct strbuf *into)
{
	cJSON *doc = cJSON_Parse(out.buf);
	assert_non_null(doc);
	cJSON *rec = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "records"), 0);
	cJSON *tl = cJSON_GetObjectItemCaseSensitive(rec, "timeline");
	assert_true(cJSON_GetArraySize(tl) > 3);
	strbuf_reset(into);
	for (cJSON *e = tl ? tl->child : NULL; e; e = e->next) {
		char *text = cJSON_PrintUnformatted(e);
		strbuf_addstr(into, text);
		strbuf_addch(into, '\n');
		cJSON_free(text);
	}
	cJSON_Delete(doc);
}

/* casebook timeline and export in an attached case: the window is the cluster's, the same as
 * the case that ingested the fleet shows; it is copied into the case, so once detached the
 * case shows and exports the same timeline. */
static void test_timeline_in_an_attached_case_is_the_clusters_and_stays(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	char local[512], attached[600], args[200], uuid[13];
	fleet_two_cases(local, attached, sizeof(local), "timeline-local.db");
	cb_expect(0, local, "detect");
	cb_expect(0, attached, "detect");
	first_alert(attached, uuid);
	int64_t kept = count_rows(attached, "events");
	struct strbuf want, got, seen, exported;
	strbuf_init(&want, 1 << 16);
	strbuf_init(&got, 1 << 16);
	strbuf_init(&seen, 1 << 16);
	strbuf_init(&exported, 1 << 16);
	snprintf(args, sizeof(args), "timeline %s", uuid);
	cb_keep(0, local, args, &want);
	assert_true(count_lines(&want) > 3);
	cb_keep(0, attached, args, &got);
	assert_same_listing(&got, &want, args);
	assert_time_order(&got, 2);
	assert_true(count_rows(attached, "events") > kept); /* the window was copied in */
	kept = count_rows(attached, "events");
	/* again: nothing new, the same listing */
	strbuf_add(&seen, got.buf, got.len);
	cb_keep(0, attached, args, &got);
	assert_string_equal(got.buf, seen.buf);
	assert_int_equal(count_rows(attached, "events"), kept);
	/* a wider window for the export, copied in too: the case's export */
	snprintf(args, sizeof(args), "export %s --format json --window 30m", uuid);
	cb_expect(0, local, args);
	exported_timeline(&want);
	cb_expect(0, attached, args);
	exported_timeline(&exported);
	assert_same_listing(&exported, &want, args);
	assert_true(count_rows(attached, "events") >= kept);
	cb_expect(0, attached, "cluster detach");
	snprintf(args, sizeof(args), "timeline %s", uuid);
	cb_keep(0, attached, args, &got);
	assert_string_equal(got.buf, seen.buf); /* detached: the same, to the byte */
	snprintf(args, sizeof(args), "timeline %s --before 30m --after 30m", uuid);
	cb_keep(0, local, args, &want);
	cb_keep(0, attached, args, &got);
	assert_same_listing(&got, &want, args);
	snprintf(args, sizeof(args), "export %s --format json --window 30m", uuid);
	cb_expect(0, attached, args);
	exported_timeline(&got);
	assert_string_equal(got.buf, exported.buf);
	strbuf_release(&want);
	strbuf_release(&got);
	strbuf_release(&seen);
	strbuf_release(&exported);
}

/* A cluster that is down: events names the server and says --local lists the case's own;
 * timeline names it, shows the case's own events and exits 1. */
static void test_a_cluster_that_is_down_is_named_and_the_case_still_reads(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	char local[512], attached[600], args[200], want[200], uuid[13];
	fleet_two_cases(local, attached, sizeof(local), "down-local.db");
	cb_expect(0, attached, "detect");
	first_alert(attached, uuid);
	int64_t kept = count_rows(attached, "events");
	char dead[64];
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/", local_port(0, NULL));
	struct store *s = NULL;
	char *why = NULL;
	assert_int_equal(store_open(attached, 0, &s, &why), 0);
	const char *urls[] = {dead};
	assert_int_equal(store_cluster_set(s, urls, 1), 0);
	store_close(s);

	cb_expect(1, attached, "events");
	snprintf(want, sizeof(want), "casebook events: ClickHouse at %s: ", dead);
	assert_starts_with(err.buf, want);
	assert_non_null(strstr(err.buf, "are listed with --local\n"));
	cb_expect(0, attached, "events --local");
	assert_int_equal(count_lines(&out), (size_t)kept + 1);

	snprintf(args, sizeof(args), "timeline %s", uuid);
	cb_expect(1, attached, args);
	snprintf(want, sizeof(want), "casebook timeline: ClickHouse at %s: ", dead);
	assert_starts_with(err.buf, want);
	assert_non_null(strstr(err.buf, "what follows is the events the case holds itself"));
	assert_non_null(strstr(out.buf, "> ")); /* the alert's own event, kept by detect */
	assert_int_equal(count_rows(attached, "events"), kept);

	snprintf(args, sizeof(args), "tree %s", uuid);
	cb_expect(1, attached, args);
	snprintf(want, sizeof(want), "casebook tree: ClickHouse at %s: ", dead);
	assert_starts_with(err.buf, want);
	assert_non_null(strstr(err.buf, "what follows is the events the case holds itself"));
	assert_int_equal(count_rows(attached, "events"), kept);
}

/* The console in an attached case: opening an alert copies its timeline window from the
 * cluster into the case; a cluster that is down leaves the case's own events on screen and the
 * status line names the server. */
static size_t open_first_alert(struct store *s, struct event_source *src, const char *name, char *msg, size_t len)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	FILE *in = fdopen(fds[0], "r"), *sink = fopen("/dev/null", "w");
	assert_int_equal(screen_open(sink, in, 40, 132), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "c.db", .source = src, .source_name = name};
	struct app *a = app_new(s, &ao);
	assert_int_equal(app_load(a), 0);
	app_handle_key(a, '\n'); /* the queue's first alert */
	snprintf(msg, len, "%s", app_message(a));
	app_free(a);
	screen_close();
	fclose(in);
	close(fds[1]);
	fclose(sink);
	return strlen(msg);
}

static void test_the_consoles_timeline_is_the_clusters_and_says_when_it_cannot(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	setlocale(LC_ALL, "C.UTF-8");
	char local[512], attached[600], msg[400], dead[64], want[200];
	fleet_two_cases(local, attached, sizeof(local), "console-local.db");
	cb_expect(0, attached, "detect");
	int64_t kept = count_rows(attached, "events");
	struct store *s = NULL;
	char *why = NULL;
	assert_int_equal(store_open(attached, 0, &s, &why), 0);
	assert_int_equal(detect_load_field_types(s), 0);
	struct event_source *src = cluster_source(0);
	assert_int_equal(open_first_alert(s, src, cl.url[0], msg, sizeof(msg)), 0);
	source_close(src);
	assert_true(store_event_count(s) > kept);
	kept = store_event_count(s);

	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/", local_port(0, NULL));
	strbuf_reset(&err);
	assert_int_equal(source_clickhouse_open(dead, NULL, &src, &err), 0);
	assert_true(open_first_alert(s, src, dead, msg, sizeof(msg)) > 0);
	source_close(src);
	snprintf(want, sizeof(want), "ClickHouse at %s: ", dead);
	assert_starts_with(msg, want);
	assert_non_null(strstr(msg, ": the timeline shows the events the case holds"));
	assert_int_equal(store_event_count(s), kept);
	store_close(s);
}

/* got and want the same text, else the first line that differs is said. */
static void assert_same_lines(const char *got, const char *want)
{
	size_t line = 1;
	while (*got && *got == *want) {
		line += *got == '\n';
		got++, want++;
	}
	if (*got || *want)
		fail_msg("line %zu differs:\n got: %.200s\nwant: %.200s", line, got, want);
}

/* The title bar's words, one space between, " · cluster" taken out: 1 when it was there. */
static int title_words(char *row)
{
	char *mark = strstr(row, " · cluster");
	if (mark)
		memmove(mark, mark + strlen(" · cluster"), strlen(mark + strlen(" · cluster")) + 1);
	char *w = row;
	for (const char *r = row; *r; r++)
		if (*r != ' ' || (w > row && w[-1] != ' '))
			*w++ = *r;
	*w = '\0';
	return mark != NULL;
}

/* The event browser (v) of the case s, src its cluster (NULL: none), driven by steps: the
 * screens after each, one after the other, in got (the title's " · cluster" taken out), and
 * the status line's message after the first in msg, how many titles said " · cluster" in marked. */
static void browse_from(struct store *s, struct event_source *src, const char *const *steps, size_t n, size_t from_step,
                        struct strbuf *got, size_t msg_step, char *msg, size_t len, int *marked)
{
	*marked = 0;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	FILE *in = fdopen(fds[0], "r"), *sink = fopen("/dev/null", "w");
	assert_int_equal(screen_open(sink, in, 40, 132), 0);
	struct app_options ao = {.analyst = "amy", .db_name = "c.db", .source = src, .source_name = "cluster"};
	struct app *a = app_new(s, &ao);
	assert_int_equal(app_load(a), 0);
	char row[2048];
	for (size_t i = 0; i < n; i++) {
		for (const char *k = steps[i]; *k; k++)
			app_handle_key(a, (unsigned char)*k);
		if (i == msg_step)
			snprintf(msg, len, "%s", app_message(a));
		if (i < from_step)
			continue;
		app_draw(a);
		for (int y = 0; y < 40; y++) {
			screen_row(y, row, sizeof(row));
			if (!y) /* the title: its words, the padding left out, " · cluster" over a cluster */
				*marked += title_words(row);
			strbuf_addf(got, "%s\n", row);
		}
	}
	app_free(a);
	screen_close();
	fclose(in);
	close(fds[1]);
	fclose(sink);
}

static void browse_at(struct store *s, struct event_source *src, const char *const *steps, size_t n, struct strbuf *got,
                      size_t msg_step, char *msg, size_t len, int *marked)
{
	browse_from(s, src, steps, n, 0, got, msg_step, msg, len, marked);
}

static void browse(struct store *s, struct event_source *src, const char *const *steps, size_t n, struct strbuf *got,
                   char *msg, size_t len, int *marked)
{
	browse_at(s, src, steps, n, got, 0, msg, len, marked);
}

/* The console's event browser in an attached case shows the cluster's events: the same rows,
 * pages, searches, sorts and documents as in a case that ingested the same file. A server that
 * does not answer is named on the status line, and the browser shows the case's own events. */
static void test_the_consoles_event_browser_is_the_clusters_and_says_when_it_cannot(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	setlocale(LC_ALL, "C.UTF-8");
	char local[512], attached[600], msg[400], dead[64], want[200];
	fleet_two_cases(local, attached, sizeof(local), "browser-local.db");
	static const char *const steps[] = {
	    "v",                                                    /* every event, the first rows */
	    "G",                                                    /* the last */
	    "s",                                                    /* sorted by host */
	    "S",                                                    /* descending */
	    "s\\event.category : process and process.name : zsh\n", /* a KQL filter */
	    "\n",                                                   /* its first event's document */
	    "q/mac-lisbon-01\n",                                    /* a search */
	    "nn",                                                   /* on */
	};
	const size_t nsteps = sizeof(steps) / sizeof(*steps);
	struct strbuf case_screens, cluster_screens, own_screens;
	strbuf_init(&case_screens, 1 << 16);
	strbuf_init(&cluster_screens, 1 << 16);
	strbuf_init(&own_screens, 1 << 16);
	struct store *s = NULL;
	char *why = NULL;
	assert_int_equal(store_open(local, 0, &s, &why), 0);
	assert_int_equal(detect_load_field_types(s), 0);
	int marked;
	browse(s, NULL, steps, nsteps, &case_screens, msg, sizeof(msg), &marked);
	assert_int_equal(marked, 0);
	store_close(s);
	assert_non_null(strstr(case_screens.buf, "1516 events"));
	assert_non_null(strstr(case_screens.buf, "sorted by host, descending"));
	assert_non_null(strstr(case_screens.buf, "Events · KQL event.category : process and process.name : zsh"));
	assert_non_null(strstr(case_screens.buf, "\"@timestamp\""));

	assert_int_equal(store_open(attached, 0, &s, &why), 0);
	assert_int_equal(detect_load_field_types(s), 0);
	struct event_source *src = cluster_source(0);
	browse(s, src, steps, nsteps, &cluster_screens, msg, sizeof(msg), &marked);
	assert_int_equal(marked, (int)nsteps - 1); /* all but the document's */
	source_close(src);
	assert_string_equal(msg, "");
	assert_same_lines(cluster_screens.buf, case_screens.buf);

	/* a dead server: named, and the case's own events (none) shown as without a cluster */
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/", local_port(0, NULL));
	strbuf_reset(&err);
	assert_int_equal(source_clickhouse_open(dead, NULL, &src, &err), 0);
	strbuf_reset(&cluster_screens);
	browse(s, src, steps, 1, &cluster_screens, msg, sizeof(msg), &marked);
	assert_int_equal(marked, 0);
	source_close(src);
	snprintf(want, sizeof(want), "ClickHouse at %s: ", dead);
	assert_starts_with(msg, want);
	assert_non_null(strstr(msg, ": the browser shows the events the case holds"));
	browse(s, NULL, steps, 1, &own_screens, msg, sizeof(msg), &marked);
	assert_non_null(strstr(own_screens.buf, "0 events"));
	assert_non_null(strstr(cluster_screens.buf, "0 events"));
	store_close(s);
	strbuf_release(&case_screens);
	strbuf_release(&cluster_screens);
	strbuf_release(&own_screens);
}

/* The console's process tree in an attached case is the cluster's: from an alert (T) and from
 * the event browser's cluster rows (T), the host's events within the tree's hour are copied
 * into the case first, so the screens are the ones of a case that ingested the same file. A
 * server that does not answer is named on the status line and the tree is the case's. */
static void test_the_consoles_process_tree_is_the_clusters_and_says_when_it_cannot(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	setlocale(LC_ALL, "C.UTF-8");
	char local[512], attached[600], msg[400], dead[64], want[200];
	fleet_two_cases(local, attached, sizeof(local), "tree-local.db");
	cb_expect(0, local, "detect");
	cb_expect(0, attached, "detect");
	static const char *const steps[] = {
	    "\n",                              /* the queue's first alert */
	    "T",                               /* its process tree */
	    "qqv\\event.category : process\n", /* the browser's process events */
	    "jjT",                             /* the third one's tree */
	};
	const size_t nsteps = sizeof(steps) / sizeof(*steps);
	struct strbuf case_screens, cluster_screens;
	strbuf_init(&case_screens, 1 << 16);
	strbuf_init(&cluster_screens, 1 << 16);
	struct store *s = NULL;
	char *why = NULL;
	int marked;
	assert_int_equal(store_open(local, 0, &s, &why), 0);
	assert_int_equal(detect_load_field_types(s), 0);
	browse_from(s, NULL, steps, nsteps, 1, &case_screens, 1, msg, sizeof(msg), &marked);
	store_close(s);
	assert_string_equal(msg, "");
	const char *first = strstr(case_screens.buf, "Process tree ·"); /* the alert's, then the browser's */
	assert_non_null(first);
	assert_non_null(strstr(first + 1, "Process tree ·"));

	assert_int_equal(store_open(attached, 0, &s, &why), 0);
	assert_int_equal(detect_load_field_types(s), 0);
	int64_t kept = store_event_count(s);
	struct event_source *src = cluster_source(0);
	browse_from(s, src, steps, nsteps, 1, &cluster_screens, 1, msg, sizeof(msg), &marked);
	assert_int_equal(marked, 1); /* the browser's page */
	assert_string_equal(msg, "");
	assert_same_lines(cluster_screens.buf, case_screens.buf);
	int64_t copied = store_event_count(s);
	assert_true(copied > kept);
	/* the Overview's prevalence: the alert's path over the fleet, which a case without the
	 * cluster does not show */
	strbuf_reset(&cluster_screens);
	browse_at(s, src, steps, 1, &cluster_screens, 0, msg, sizeof(msg), &marked);
	source_close(src);
	const char *fleet = strstr(cluster_screens.buf, " in the cluster with an event for this path");
	assert_non_null(fleet);
	const char *line = fleet;
	while (line > cluster_screens.buf && line[-1] != '\n')
		line--;
	long long hosts = 0;
	assert_int_equal(sscanf(line, " %lld host", &hosts), 1);
	assert_true(hosts >= 1); /* the alert's own host at least */
	strbuf_reset(&case_screens);
	browse_at(s, NULL, steps, 1, &case_screens, 0, msg, sizeof(msg), &marked);
	assert_null(strstr(case_screens.buf, " in the cluster with an event for this path"));

	/* a dead server: named, and the tree built from what the case holds (the windows read) */
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/", local_port(0, NULL));
	strbuf_reset(&err);
	assert_int_equal(source_clickhouse_open(dead, NULL, &src, &err), 0);
	strbuf_reset(&cluster_screens);
	browse_at(s, src, steps, 2, &cluster_screens, 1, msg, sizeof(msg), &marked);
	snprintf(want, sizeof(want), "ClickHouse at %s: ", dead);
	assert_starts_with(msg, want);
	assert_non_null(strstr(msg, ": the tree shows the events the case holds"));
	assert_non_null(strstr(cluster_screens.buf, "Process tree"));
	/* an event of the cluster's that cannot be copied: named, nothing copied */
	int64_t id = 0;
	strbuf_reset(&err);
	assert_int_equal(pull_event(s, src, dead, "amy", INT64_C(1) << 60, &id, &err), -1);
	assert_starts_with(err.buf, want);
	assert_int_equal(id, 0);
	source_close(src);
	assert_int_equal(store_event_count(s), copied);
	store_close(s);
	strbuf_release(&case_screens);
	strbuf_release(&cluster_screens);
}

static int take_identity_line(void *ctx, const struct event_row *row)
{
	strbuf_addf(ctx, "%s\n", row->r.identity ? row->r.identity : "");
	return 0;
}

/* The identities of the case's events with path within [from, to], sorted. */
static void path_events(struct store *s, const char *path, int64_t from, int64_t to, struct strbuf *into)
{
	struct event_query q = {.file_path = path, .from = from, .to = to, .has_from = 1, .has_to = 1};
	strbuf_reset(into);
	assert_int_equal(store_events_each(s, &q, take_identity_line, into), 0);
	sort_lines(into);
}

struct alert_event {
	char uuid[80];
	int64_t event_id;
};

static int take_alert_event(void *ctx, const struct alert_row *a)
{
	struct alert_event *e = ctx;
	snprintf(e->uuid, sizeof(e->uuid), "%s", a->uuid);
	e->event_id = a->event_id;
	return 1;
}

static int take_ts(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->r.ts;
	return 0;
}

/* The timeline's file pivot (F) in an attached case copies that path's events on every host
 * within the window from the cluster: the case then holds the ones a case that ingested the
 * same file holds there, and no more of them. */
static void test_the_file_pivot_copies_the_paths_events_on_every_host(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	char local[512], attached[600], extra[600], args[700];
	fleet_two_cases(local, attached, sizeof(local), "pivot-local.db");
	/* one path on three hosts in the fleet's minutes, and once five days later */
	static const char *const path = "/tmp/casebook-pivot";
	static const char docs[] =
	    "{\"@timestamp\":\"2026-11-20T08:01:00Z\",\"host\":{\"id\":\"p1\",\"name\":\"pivot-1\"},"
	    "\"event\":{\"category\":[\"file\"]},\"file\":{\"path\":\"/tmp/casebook-pivot\"}}\n"
	    "{\"@timestamp\":\"2026-11-20T08:02:00Z\",\"host\":{\"id\":\"p2\",\"name\":\"pivot-2\"},"
	    "\"event\":{\"category\":[\"file\"]},\"file\":{\"path\":\"/tmp/casebook-pivot\"}}\n"
	    "{\"@timestamp\":\"2026-11-20T08:03:00Z\",\"host\":{\"name\":\"pivot-3\"},"
	    "\"event\":{\"category\":[\"file\"]},\"file\":{\"path\":\"/tmp/casebook-pivot\"}}\n"
	    "{\"@timestamp\":\"2026-11-20T08:03:00Z\",\"host\":{\"name\":\"pivot-3\"},"
	    "\"event\":{\"category\":[\"file\"]},\"file\":{\"path\":\"/tmp/casebook-pivot-not\"}}\n"
	    "{\"@timestamp\":\"2026-11-25T08:00:00Z\",\"host\":{\"id\":\"p1\",\"name\":\"pivot-1\"},"
	    "\"event\":{\"category\":[\"file\"]},\"file\":{\"path\":\"/tmp/casebook-pivot\"}}\n";
	snprintf(extra, sizeof(extra), "%s-pivot.ndjson", local);
	tu_write(extra, docs, strlen(docs));
	snprintf(args, sizeof(args), "ingest '%s'", extra);
	cb_expect(0, local, args);
	cb_expect(0, attached, args);
	cb_expect(0, attached, "detect");
	struct store *ls = NULL, *as = NULL;
	char *why = NULL;
	assert_int_equal(store_open(local, STORE_READONLY, &ls, &why), 0);
	assert_int_equal(store_open(attached, 0, &as, &why), 0);
	struct alert_event ae = {0};
	int64_t ts = 0;
	struct alert_query aq = {.no_doc = 1};
	assert_int_equal(store_alerts_each(as, &aq, take_alert_event, &ae), 1);
	assert_int_equal(store_event_get(as, ae.event_id, 0, take_ts, &ts), 0);
	assert_true(ts > 0);
	const char *uuid = ae.uuid;
	const int64_t day = 86400 * TIME_US_PER_SEC;
	struct strbuf want, got;
	strbuf_init(&want, 4096);
	strbuf_init(&got, 4096);
	path_events(ls, path, ts - day, ts + day, &want);
	assert_int_equal(count_lines(&want), 3);
	path_events(as, path, INT64_MIN, INT64_MAX, &got);
	assert_string_equal(got.buf, "");
	struct event_source *src = cluster_source(1);
	struct pull_counts c;
	strbuf_reset(&err);
	assert_int_equal(pull_alert_window(as, src, cl.url[1], "amy", uuid, path, day, day, &c, &err), 0);
	path_events(as, path, ts - day, ts + day, &got);
	assert_string_equal(got.buf, want.buf);
	assert_int_equal(c.read, count_lines(&want));
	/* outside the window (five days on), and another path: not copied */
	path_events(ls, path, ts + day + 1, INT64_MAX, &want);
	assert_int_equal(count_lines(&want), 1);
	path_events(as, path, ts + day + 1, INT64_MAX, &got);
	assert_string_equal(got.buf, "");
	path_events(as, "/tmp/casebook-pivot-not", INT64_MIN, INT64_MAX, &got);
	assert_string_equal(got.buf, "");
	/* the path's prevalence over the fleet: its three hosts (one of them twice, days apart) */
	int64_t hosts = -1;
	assert_int_equal(src->ops->path_hosts(src, path, &hosts), 0);
	assert_int_equal(hosts, 3);
	assert_int_equal(src->ops->path_hosts(src, "/tmp/casebook-pivot-not", &hosts), 0);
	assert_int_equal(hosts, 1);
	assert_int_equal(src->ops->path_hosts(src, "/tmp/casebook-pivot'", &hosts), 0);
	assert_int_equal(hosts, 0);
	/* again: nothing new, and no ingest record for it */
	int64_t ingests = count_rows(attached, "ingests");
	assert_int_equal(pull_alert_window(as, src, cl.url[1], "amy", uuid, path, day, day, &c, &err), 0);
	assert_int_equal(c.added, 0);
	assert_int_equal(count_rows(attached, "ingests"), ingests);
	/* casebook tree: the alert's host's events within its window copied in first, so the tree
	 * is the one of the case that ingested the same file */
	int64_t before_tree = count_rows(attached, "events");
	cb_expect(0, local, "detect");
	snprintf(args, sizeof(args), "tree %s --window 6h", uuid);
	cb_keep(0, local, args, &want);
	assert_true(count_lines(&want) > 1);
	cb_keep(0, attached, args, &got);
	assert_string_equal(got.buf, want.buf);
	assert_true(count_rows(attached, "events") > before_tree);
	source_close(src);
	store_close(ls);
	store_close(as);
	strbuf_release(&want);
	strbuf_release(&got);
}

/* "IDENTITY HOST.ID" ("-" when absent), one line an event, for the case's and the source's. */
static int take_host_line(void *ctx, const struct event_row *row)
{
	strbuf_addf(ctx, "%s %s%s%s\n", row->r.identity ? row->r.identity : "?", row->r.host_id ? "[" : "-",
	            row->r.host_id ? row->r.host_id : "", row->r.host_id ? "]" : "");
	return 0;
}

static int take_candidate_host_line(void *ctx, const struct candidate_row *c)
{
	return take_host_line(ctx, &c->ev);
}

struct found_id {
	const char *identity;
	int64_t id;
};

static int find_candidate(void *ctx, const struct candidate_row *c)
{
	struct found_id *f = ctx;
	if (c->ev.r.identity && !strcmp(c->ev.r.identity, f->identity))
		f->id = c->id;
	return 0;
}

static int find_event(void *ctx, const struct event_row *row)
{
	*(int64_t *)ctx = row->id;
	return 0;
}

/* The host.id of each event is the case's over the cluster: a host.id that is "" is "" (not
 * absent), a number its text, an array its first value; so the timeline of an event whose
 * host.id is "" holds that host's events, not those of events with no host.id. */
static void test_an_empty_host_id_reads_as_the_case_reads_it(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	on_shard(0, "TRUNCATE TABLE casebook.events_local");
	on_shard(1, "TRUNCATE TABLE casebook.events_local");
	static const char *const hosts[] = {
	    "\"host\":{\"id\":\"\",\"name\":\"mac-empty\"}",
	    "\"host\":{\"id\":\"\",\"name\":\"mac-empty\"}",
	    "\"host\":{\"name\":\"mac-empty\"}",
	    "\"host\":{\"id\":42,\"name\":\"mac-num\"}",
	    "\"host\":{\"id\":[\"42\",\"43\"],\"name\":\"mac-num\"}",
	    "\"host\":{\"id\":{\"x\":1},\"name\":\"mac-obj\"}",
	    "\"host\":{\"id\":\"h-1\",\"name\":\"mac-one\"}",
	};
	struct strbuf text;
	strbuf_init(&text, 4096);
	for (size_t i = 0; i < sizeof(hosts) / sizeof(*hosts); i++)
		strbuf_addf(&text,
		            "{\"@timestamp\":\"2026-11-21T10:00:%02zuZ\",%s,\"event\":{\"id\":\"hid-%zu\","
		            "\"category\":[\"process\"]}}\n",
		            i, hosts[i], i);
	const char *path = tu_path("host-ids.ndjson");
	tu_write(path, text.buf, text.len);
	struct store *s = tu_new_case("host-ids");
	tu_ingest_text(s, text.buf);
	strbuf_release(&text);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], path), 0);

	struct strbuf want, got;
	strbuf_init(&want, 1024);
	strbuf_init(&got, 1024);
	struct event_query all = {0};
	assert_int_equal(store_events_each(s, &all, take_host_line, &want), 0);
	sort_lines(&want);
	assert_non_null(strstr(want.buf, "hid-0 []\n"));
	assert_non_null(strstr(want.buf, "hid-2 -\n"));
	assert_non_null(strstr(want.buf, "hid-3 [42]\n"));
	struct event_source *src = cluster_source(1);
	struct candidate_query q = {.by_event_time = 1};
	assert_int_equal(source_candidates(src, &q, NULL, 0, take_candidate_host_line, &got), 0);
	sort_lines(&got);
	assert_string_equal(got.buf, want.buf);

	/* the timeline of hid-0 (host.id ""), copied from the cluster into a case that holds none of
	 * its events: the case's timeline of it */
	int64_t local_id = 0;
	assert_int_equal(store_event_by_identity(s, "hid-0", find_event, &local_id), 0);
	strbuf_reset(&want);
	assert_int_equal(store_timeline_each(s, local_id, 3600 * TIME_US_PER_SEC, 3600 * TIME_US_PER_SEC, 0,
	                                     take_identity_line, &want),
	                 0);
	assert_string_equal(want.buf, "hid-0\nhid-1\n");
	struct store *a = tu_new_case("host-ids-attached");
	struct found_id f = {.identity = "hid-0"};
	assert_int_equal(source_candidates(src, &q, NULL, 0, find_candidate, &f), 0);
	assert_true(f.id != 0);
	int64_t case_id = 0;
	strbuf_reset(&err);
	assert_int_equal(pull_event(a, src, cl.url[1], "amy", f.id, &case_id, &err), 0);
	struct pull_counts c;
	assert_int_equal(
	    pull_timeline(a, src, cl.url[1], "amy", case_id, 3600 * TIME_US_PER_SEC, 3600 * TIME_US_PER_SEC, &c, &err),
	    0);
	strbuf_reset(&got);
	assert_int_equal(store_timeline_each(a, case_id, 3600 * TIME_US_PER_SEC, 3600 * TIME_US_PER_SEC, 0,
	                                     take_identity_line, &got),
	                 0);
	assert_string_equal(got.buf, want.buf);
	source_close(src);
	store_close(a);
	store_close(s);
	strbuf_release(&want);
	strbuf_release(&got);
}

static int count_reject(void *ctx, const struct reject_row *r)
{
	(void)r;
	++*(size_t *)ctx;
	return 0;
}

/* A load into the cluster tells the caller's progress callback how far it has read, as a
 * case's ingest does (the CLI draws it on a terminal only), and hears the end once, last; its
 * damaged documents are kept in the case, every one, a batch's in one transaction. */
static void test_a_cluster_load_tells_its_progress_and_keeps_every_reject(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	empty_cluster();
	const char *path = tu_path("progress.ndjson");
	assert_int_equal(tu_run(&out, &err, "{ build/check/gen-events --events 20000 --hosts 8 > '%s'; }", path), 0);
	struct strbuf damage;
	strbuf_init(&damage, 1 << 16);
	for (int i = 0; i < 3000; i++)
		strbuf_addstr(&damage, "{\"a\":1,}\n");
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	assert_int_equal(fwrite(damage.buf, 1, damage.len, f), damage.len);
	fclose(f);
	strbuf_release(&damage);
	struct store *keep = tu_new_case("load-rejects");
	struct cluster_loader *l = NULL;
	strbuf_reset(&err);
	assert_int_equal(cluster_loader_open(cl.url[0], NULL, &l, &err), 0);
	struct strbuf said, why;
	strbuf_init(&said, 1 << 16);
	strbuf_init(&why, 128);
	struct tu_progress seen = {.want_name = "progress.ndjson"};
	struct ingest_options o = {
	    .analyst = "amy", .errors = {tu_collect, &said}, .progress = tu_progress_seen, .progress_ctx = &seen};
	struct ingest_counts c = {0};
	assert_int_equal(cluster_load_path(l, path, &o, keep, &c, &why), INGEST_OK);
	assert_string_equal(why.buf, "");
	print_message("%llu documents: %llu added, %llu rejected\n", (unsigned long long)c.documents,
	              (unsigned long long)c.added, (unsigned long long)c.rejected);
	assert_int_equal(c.documents, c.added + c.rejected);
	assert_true(c.added >= 20000);
	assert_int_equal(c.rejected, c.documents - c.added);
	assert_int_equal(c.rejected, 3000);
	assert_true(seen.calls >= 2); /* seconds of loading: at least one line, then its end */
	assert_int_equal(seen.ends, 1);
	assert_int_equal(seen.after_end, 0);
	assert_int_equal(seen.backwards, 0);
	assert_null(seen.bad_name);
	assert_true(seen.documents > 0 && seen.documents <= c.documents);
	size_t kept = 0;
	assert_int_equal(store_rejects_each(keep, count_reject, &kept), 0);
	assert_int_equal(kept, c.rejected);
	uint64_t added = c.added;
	/* no progress asked: none told, the same load */
	o.progress = NULL;
	memset(&c, 0, sizeof(c));
	assert_int_equal(cluster_load_path(l, path, &o, NULL, &c, &why), INGEST_OK);
	assert_int_equal(c.duplicates, added);
	assert_int_equal(seen.ends, 1);
	cluster_loader_close(l);
	store_close(keep);
	strbuf_release(&said);
	strbuf_release(&why);
}

static int count_candidates(void *ctx, const struct candidate_row *c)
{
	(void)c;
	++*(size_t *)ctx;
	return 0;
}

/* A case attached to several servers reads from the first that answers: a server that fails
 * is named (once) with the one read from instead, and kept away from; when every one fails,
 * each is named. The CLI says so on standard error, the console on the status line. */
static void test_a_server_that_fails_is_left_for_the_next(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	char local[512], attached[600], dead[64], dead2[64], want[300], args[1400], msg[400];
	fleet_two_cases(local, attached, sizeof(local), "failover-local.db");
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d/", local_port(0, NULL));
	snprintf(dead2, sizeof(dead2), "http://127.0.0.1:%d/", local_port(0, NULL));

	/* the source: every event through the live server, the dead one named once */
	const char *urls[] = {dead, cl.url[0]};
	struct event_source *src = NULL;
	strbuf_reset(&err);
	assert_int_equal(source_clickhouse_open_servers(urls, 2, NULL, &src, &err), 0);
	assert_null(source_take_notice(src));
	size_t n = 0;
	struct candidate_query all = {.by_event_time = 1};
	assert_int_equal(source_candidates(src, &all, NULL, 0, count_candidates, &n), 0);
	assert_int_equal(n, 1516);
	const char *notice = source_take_notice(src);
	assert_non_null(notice);
	snprintf(want, sizeof(want), "ClickHouse at %s: ", dead);
	assert_starts_with(notice, want);
	snprintf(want, sizeof(want), ": reading from %s instead", cl.url[0]);
	assert_non_null(strstr(notice, want));
	assert_null(source_take_notice(src));
	n = 0;
	assert_int_equal(source_candidates(src, &all, NULL, 0, count_candidates, &n), 0);
	assert_int_equal(n, 1516);
	assert_null(source_take_notice(src)); /* it stays with the live one */
	source_close(src);

	/* every one dead: each named */
	const char *both[] = {dead, dead2};
	assert_int_equal(source_clickhouse_open_servers(both, 2, NULL, &src, &err), 0);
	assert_int_equal(source_candidates(src, &all, NULL, 0, count_candidates, &n), -1);
	snprintf(want, sizeof(want), "ClickHouse at %s: ", dead);
	assert_starts_with(source_errmsg(src), want);
	snprintf(want, sizeof(want), "; ClickHouse at %s: ", dead2);
	assert_non_null(strstr(source_errmsg(src), want));
	assert_null(source_take_notice(src));
	source_close(src);

	/* the CLI over a case attached to a dead server and a live one */
	snprintf(args, sizeof(args), "cluster attach '%s' '%s'", dead, cl.url[1]);
	cb_expect(0, attached, args);
	snprintf(want, sizeof(want), "casebook cluster: ClickHouse at %s: ", dead);
	assert_starts_with(err.buf, want);
	cb_expect(0, attached, "events --limit 3");
	snprintf(want, sizeof(want), "casebook events: ClickHouse at %s: ", dead);
	assert_starts_with(err.buf, want);
	snprintf(want, sizeof(want), ": reading from %s instead\n", cl.url[1]);
	assert_non_null(strstr(err.buf, want));
	assert_int_equal(count_lines(&out), 4);                    /* the heading and three events */
	snprintf(args, sizeof(args), "ingest '%s.ndjson'", local); /* held already: all duplicates */
	cb_expect(0, attached, args);
	snprintf(want, sizeof(want), "casebook ingest: ClickHouse at %s: ", dead);
	assert_starts_with(err.buf, want);
	snprintf(want, sizeof(want), ": loading through %s instead\n", cl.url[1]);
	assert_non_null(strstr(err.buf, want));
	assert_non_null(strstr(out.buf, " 0 added, 1516 duplicate"));
	cb_expect(0, attached, "detect");
	snprintf(want, sizeof(want), "casebook detect: ClickHouse at %s: ", dead);
	assert_non_null(strstr(err.buf, want));
	int64_t kept = count_rows(attached, "events");
	assert_true(kept > 0);

	/* the console: the timeline copied from the live one, the status line naming the dead one */
	struct store *s = NULL;
	char *why = NULL;
	assert_int_equal(store_open(attached, 0, &s, &why), 0);
	assert_int_equal(detect_load_field_types(s), 0);
	const char *live_last[] = {dead, cl.url[0]};
	assert_int_equal(source_clickhouse_open_servers(live_last, 2, NULL, &src, &err), 0);
	assert_true(open_first_alert(s, src, dead, msg, sizeof(msg)) > 0);
	source_close(src);
	snprintf(want, sizeof(want), "ClickHouse at %s: ", dead);
	assert_starts_with(msg, want);
	snprintf(want, sizeof(want), ": reading from %s instead", cl.url[0]);
	assert_non_null(strstr(msg, want));
	assert_true(store_event_count(s) > kept);
	store_close(s);
}

/* A folder of inputs for the tests of ingest's reading: good documents, damaged ones (a stray
 * comma, no time, text) and a picture; in dir. */
static void damaged_folder(const char *dir)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a.ndjson", dir);
	tu_write_str(path,
	             "{\"@timestamp\":\"2026-11-21T10:00:00Z\",\"host\":{\"id\":\"h-dir\"},\"event\":{\"id\":\"d1\"}}\n"
	             "{\"@timestamp\":\"2026-11-21T10:00:01Z\",\"host\":{\"id\":\"h-dir\"},,}\n"
	             "{\"host\":{\"id\":\"h-dir\"}}\n"
	             "not json at all\n");
	snprintf(path, sizeof(path), "%s/sub/b.ndjson", dir);
	tu_write_str(
	    path, "{\"@timestamp\":\"2026-11-21T10:00:02Z\",\"host\":{\"id\":\"h-dir\"},\"event\":{\"id\":\"d2\"}}\n"
	          "{\"@timestamp\":\"2026-11-21T10:00:03Z\",\"host\":{\"id\":\"h-dir\"},\"event\":{\"id\":\"d3\"}}\n");
	snprintf(path, sizeof(path), "%s/sub/shot.png", dir);
	tu_write(path, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
}

/* In an attached case plain ingest reads as the case's own ingest reads, through the same code:
 * a directory recursively, a picture in it left out with the same note, each damaged document
 * said the same way and kept in the case's rejects, so that `casebook rejects` lists what a
 * case's ingest lists; the same summary and exit status. Run again: the events are duplicates
 * and the rejects are kept once. `--to` alone, with no case, says the damage and keeps none. */
static void test_an_attached_ingest_keeps_its_rejects_and_reads_folders(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	empty_cluster();
	char dir[512], db[512], local_db[512], args[1200];
	snprintf(dir, sizeof(dir), "%s", tu_path("inputs"));
	snprintf(db, sizeof(db), "%s", tu_path("keeps.db"));
	snprintf(local_db, sizeof(local_db), "%s", tu_path("keeps-local.db"));
	damaged_folder(dir);
	struct strbuf local, local_err, local_rejects;
	strbuf_init(&local, 128);
	strbuf_init(&local_err, 128);
	strbuf_init(&local_rejects, 128);
	snprintf(args, sizeof(args), "ingest '%s'", dir);
	cb_expect(2, local_db, args);
	strbuf_addstr(&local, out.buf);
	strbuf_addstr(&local_err, err.buf);
	cb_expect(0, local_db, "rejects");
	strbuf_addstr(&local_rejects, out.buf);
	assert_int_equal(tu_count(local_rejects.buf, "inputs/a.ndjson:"), 3);

	snprintf(args, sizeof(args), "cluster attach '%s' '%s'", cl.url[0], cl.url[1]);
	cb_expect(0, db, args);
	snprintf(args, sizeof(args), "ingest '%s'", dir);
	cb_expect(2, db, args);
	assert_string_equal(out.buf, local.buf);
	assert_string_equal(out.buf, "6 documents: 3 added, 0 duplicate, 3 rejected\n"
	                             "the damaged parts are kept: 'casebook rejects' lists them\n");
	assert_string_equal(err.buf, local_err.buf);
	assert_non_null(strstr(err.buf, "shot.png: not read: it is a PNG image, not JSON"));
	assert_int_equal(count_rows(db, "events"), 0);
	on_shard(1, "SELECT count() FROM casebook.events FORMAT TabSeparated");
	assert_string_equal(out.buf, "3\n");
	cb_expect(0, db, "rejects");
	assert_string_equal(out.buf, local_rejects.buf);

	/* again: nothing new in the cluster, nor in the case's rejects */
	snprintf(args, sizeof(args), "ingest '%s'", dir);
	cb_expect(2, db, args);
	assert_string_equal(out.buf, "6 documents: 0 added, 3 duplicate, 3 rejected\n"
	                             "the damaged parts are kept: 'casebook rejects' lists them\n");
	cb_expect(0, db, "rejects");
	assert_string_equal(out.buf, local_rejects.buf);

	/* a picture named itself is refused, as a case's ingest refuses it: exit 1 */
	snprintf(args, sizeof(args), "ingest '%s/sub/shot.png'", dir);
	cb_expect(1, db, args);
	assert_string_equal(out.buf, "0 documents: 0 added, 0 duplicate, 0 rejected\n");
	assert_non_null(strstr(err.buf, "shot.png: not read: it is a PNG image, not JSON"));

	/* --to, no case: the damage said the same way, nothing kept */
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[0], dir), 2);
	assert_string_equal(out.buf, "6 documents: 0 added, 3 duplicate, 3 rejected\n");
	assert_string_equal(err.buf, local_err.buf);
	strbuf_release(&local);
	strbuf_release(&local_err);
	strbuf_release(&local_rejects);
}

/* Ctrl-C (SIGINT) while a large file loads into the cluster: the batch read so far is sent,
 * the message says how many and how to resume, the exit status is 130, and the same command
 * run again loads exactly the rest - the cluster holds every document once. The file is a
 * FIFO the test feeds and keeps open, so the signal lands mid-file however fast the machine;
 * then the whole file takes its place. */
static void test_ctrl_c_during_a_cluster_load_resumes_without_duplicates(void **state)
{
	(void)state;
	NEED_CLUSTER();
	clear_credentials();
	empty_cluster();
	char fifo[512], full[512], errpath[512];
	snprintf(fifo, sizeof(fifo), "%s", tu_path("sigint.ndjson"));
	snprintf(full, sizeof(full), "%s", tu_path("sigint-full.ndjson"));
	snprintf(errpath, sizeof(errpath), "%s", tu_path("sigint.err"));
	/* a batch and 20,000 more; the interruption comes before a batch and 15,000 are written */
	const long events = CLUSTER_LOAD_BATCH_ROWS + 20000, before = CLUSTER_LOAD_BATCH_ROWS + 15000;
	assert_int_equal(tu_run(&out, &err, "{ build/check/gen-events --events %ld --hosts 8 > '%s'; }", events, full),
	                 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	pid_t pid =
	    tu_start(-1, errpath, (char *const[]){(char *)tu_casebook(), "ingest", "--to", cl.url[0], fifo, NULL});
	FILE *in, *w;
	tu_feed_open(fifo, full, &in, &w);
	/* more than a batch at once, then a trickle until the cluster holds the first batch,
	 * stopping well short of the end */
	long written = tu_copy_lines(in, w, CLUSTER_LOAD_BATCH_ROWS + 2000), seen = 0, more = 1;
	while (seen <= 0 && written < before && more > 0) {
		written += more = tu_copy_lines(in, w, 20);
		tu_sleep_ms(20);
		on_shard(0, "SELECT count() FROM casebook.events FORMAT TabSeparated");
		seen = atol(out.buf);
	}
	assert_true(seen > 0);
	tu_interrupt(pid, in, w, errpath, &err);
	long stored = tu_interrupted_ingest(err.buf, "sigint.ndjson");
	assert_true(stored >= seen && stored <= written && written < before);
	assert_non_null(strstr(err.buf, " 0 rejected); the rest was not read\n"));
	on_shard(1, "SELECT count() FROM casebook.events FORMAT TabSeparated");
	assert_int_equal(atol(out.buf), stored);

	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(rename(full, fifo), 0);
	assert_int_equal(tu_run(&out, &err, "'%s' ingest --to '%s' '%s'", tu_casebook(), cl.url[1], fifo), 0);
	long documents = 0, added = 0, duplicates = 0;
	assert_int_equal(
	    sscanf(out.buf, "%ld documents: %ld added, %ld duplicate, 0 rejected\n", &documents, &added, &duplicates),
	    3);
	assert_true(documents >= events);
	assert_int_equal(duplicates, stored);
	assert_int_equal(added, documents - stored);
	assert_int_equal(shard_count(0, "SELECT count() FROM casebook.events_local") +
	                     shard_count(1, "SELECT count() FROM casebook.events_local"),
	                 documents);
	on_shard(0, "SELECT uniqExact(doc_sha256) FROM casebook.events FORMAT TabSeparated");
	assert_int_equal(atol(out.buf), documents);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_urls_without_a_scheme_host_or_port_or_with_credentials_are_refused),
	    cmocka_unit_test(test_a_refused_connection_names_the_server),
	    cmocka_unit_test(test_a_server_that_never_answers_times_out),
	    cmocka_unit_test(test_credentials_come_from_the_environment_or_a_file_only_its_owner_reads),
	    cmocka_unit_test(test_ingest_to_a_server_that_is_down_says_which),
	    cmocka_unit_test(test_a_query_answers_and_an_error_names_the_server_sanitized),
	    cmocka_unit_test(test_the_servers_users_are_the_environments),
	    cmocka_unit_test(test_an_answer_streams_in_pieces_and_the_caller_may_stop_it),
	    cmocka_unit_test(test_the_server_reads_every_literal_back_as_its_bytes),
	    cmocka_unit_test(test_rows_insert_from_the_body),
	    cmocka_unit_test(test_rowbinary_rows_arrive_as_their_bytes),
	    cmocka_unit_test(test_init_makes_the_tables_on_both_shards_and_again_keeps_them),
	    cmocka_unit_test(test_init_says_which_shards_lack_the_table_or_have_another),
	    cmocka_unit_test(test_ingest_to_the_cluster_loads_the_demo_fleet_once),
	    cmocka_unit_test(test_ingest_fills_the_typed_columns_and_names_what_they_cannot_hold),
	    cmocka_unit_test(test_hostile_bytes_arrive_exact_in_the_columns_and_the_document),
	    cmocka_unit_test(test_held_documents_among_new_ones_are_left_out_and_the_rest_sent_whole),
	    cmocka_unit_test(test_each_hosts_events_are_on_exactly_one_shard),
	    cmocka_unit_test(test_an_error_at_the_end_of_a_streamed_answer_fails_the_read),
	    cmocka_unit_test(test_rows_cut_by_the_answers_pieces_arrive_whole),
	    cmocka_unit_test(test_the_cluster_as_an_event_source_finds_what_the_case_finds),
	    cmocka_unit_test(test_pushed_needles_keep_every_document_the_local_scan_would_parse),
	    cmocka_unit_test(test_detect_over_the_cluster_gives_the_demo_cases_alerts),
	    cmocka_unit_test(test_detect_over_the_cluster_gives_the_corpus_alerts_of_the_elastic_rules),
	    cmocka_unit_test(test_detect_over_the_cluster_filters_on_columns_as_the_case_does),
	    cmocka_unit_test(test_pushed_column_filters_keep_every_row_the_local_prefilters_would_take),
	    cmocka_unit_test(test_an_attached_case_ingests_into_and_detects_from_the_cluster),
	    cmocka_unit_test(test_an_attached_ingest_keeps_its_rejects_and_reads_folders),
	    cmocka_unit_test(test_ctrl_c_during_a_cluster_load_resumes_without_duplicates),
	    cmocka_unit_test(test_an_event_that_cannot_be_copied_undoes_the_rules_alerts),
	    cmocka_unit_test(test_events_in_an_attached_case_are_the_clusters),
	    cmocka_unit_test(test_timeline_in_an_attached_case_is_the_clusters_and_stays),
	    cmocka_unit_test(test_a_cluster_that_is_down_is_named_and_the_case_still_reads),
	    cmocka_unit_test(test_the_consoles_timeline_is_the_clusters_and_says_when_it_cannot),
	    cmocka_unit_test(test_the_consoles_event_browser_is_the_clusters_and_says_when_it_cannot),
	    cmocka_unit_test(test_the_consoles_process_tree_is_the_clusters_and_says_when_it_cannot),
	    cmocka_unit_test(test_the_file_pivot_copies_the_paths_events_on_every_host),
	    cmocka_unit_test(test_an_empty_host_id_reads_as_the_case_reads_it),
	    cmocka_unit_test(test_a_cluster_load_tells_its_progress_and_keeps_every_reject),
	    cmocka_unit_test(test_a_server_that_fails_is_left_for_the_next),
	    /* last: it stops a shard */
	    cmocka_unit_test(test_a_server_killed_mid_way_fails_the_detect_run_whole),
	};
	if (getenv("CASEBOOK_TEST_FILTER")) /* one test, or a pattern's: the cluster's take minutes */
		cmocka_set_test_filter(getenv("CASEBOOK_TEST_FILTER"));
	return cmocka_run_group_tests(tests, cluster_setup, cluster_teardown);
}
