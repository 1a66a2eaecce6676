/* http: ClickHouse's HTTP interface over libcurl (cluster/http.h). */
#include "cluster/http.h"

/* The calls go through the table below, so curl.h's type-checking macros must not rename them. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sanitize.h"

struct ch_conn {
	CURL *curl;
	char *base;   /* the URL given, with a path ("/" when it had none) */
	char *server; /* the same, sanitized, for messages */
	char *user, *password;
	struct ch_options opt;
	struct strbuf err;
};

/* libcurl is opened the first time a cluster is spoken to, not linked: with the libraries it
 * brings (TLS, HTTP/2, SSH, LDAP, Kerberos...) it adds about 5 MiB to every casebook process,
 * and the console, ingest and detect never use it (tests/test_scale.c holds an ingest under
 * 64 MiB). The build still finds it with pkg-config, for its header. */
static struct {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	CURLcode (*easy_perform)(CURL *h);
	const char *(*easy_strerror)(CURLcode rc);
	char *(*easy_escape)(CURL *h, const char *s, int len);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} curl;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static char curl_init_error[256]; /* empty once libcurl is loaded and initialised */

/* Sets *fn to the library's symbol name; 0, or -1 with curl_init_error set. */
static int curl_symbol(void *lib, const char *name, void *fn, size_t size)
{
	void *sym = dlsym(lib, name);
	if (!sym) {
		snprintf(curl_init_error, sizeof(curl_init_error), "libcurl has no %s", name);
		return -1;
	}
	memcpy(fn, &sym, size); /* POSIX: a dlsym result converts to a function pointer */
	return 0;
}

#define CURL_SYMBOL(lib, field, name) curl_symbol(lib, name, &curl.field, sizeof(curl.field))

static void curl_init(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		snprintf(curl_init_error, sizeof(curl_init_error), "cannot load libcurl (install libcurl4): %s",
		         why ? why : "not found");
		return;
	}
	if (CURL_SYMBOL(lib, global_init, "curl_global_init") || CURL_SYMBOL(lib, easy_init, "curl_easy_init") ||
	    CURL_SYMBOL(lib, easy_cleanup, "curl_easy_cleanup") || CURL_SYMBOL(lib, easy_reset, "curl_easy_reset") ||
	    CURL_SYMBOL(lib, easy_setopt, "curl_easy_setopt") || CURL_SYMBOL(lib, easy_getinfo, "curl_easy_getinfo") ||
	    CURL_SYMBOL(lib, easy_perform, "curl_easy_perform") ||
	    CURL_SYMBOL(lib, easy_strerror, "curl_easy_strerror") ||
	    CURL_SYMBOL(lib, easy_escape, "curl_easy_escape") || CURL_SYMBOL(lib, free, "curl_free") ||
	    CURL_SYMBOL(lib, slist_append, "curl_slist_append") ||
	    CURL_SYMBOL(lib, slist_free_all, "curl_slist_free_all"))
		return; /* the library stays open: nothing else would use it */
	CURLcode rc = curl.global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		snprintf(curl_init_error, sizeof(curl_init_error), "libcurl: %s", curl.easy_strerror(rc));
}

/* Whether url is one ch_open takes; *why names what is wrong when not. */
static int url_usable(const char *url, const char **why)
{
	const char *p;
	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else
		return *why = "not an http:// or https:// URL", 0;
	for (const char *q = url; *q; q++)
		if (*q <= ' ' || *q > '~')
			return *why = "a space or a byte outside printable ASCII", 0;
	if (strpbrk(url, "?#"))
		return *why = "a query string or fragment (casebook adds its own)", 0;
	size_t host_len = strcspn(p, "/");
	if (memchr(p, '@', host_len))
		return *why = "credentials in the URL (set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, or use the config "
		              "file)",
		       0;
	const char *colon = NULL;
	if (p[0] == '[') { /* [IPv6] */
		const char *close = memchr(p, ']', host_len);
		if (!close || close == p + 1)
			return *why = "no host", 0;
		if (close + 1 < p + host_len) {
			if (close[1] != ':')
				return *why = "no host", 0;
			colon = close + 1;
		}
	} else {
		colon = memchr(p, ':', host_len);
		if ((colon ? (size_t)(colon - p) : host_len) == 0)
			return *why = "no host", 0;
	}
	if (colon) {
		const char *digits = colon + 1, *end = p + host_len;
		long port = 0;
		if (digits == end || end - digits > 5)
			return *why = "a port that is not 1 to 65535", 0;
		for (const char *d = digits; d < end; d++) {
			if (*d < '0' || *d > '9')
				return *why = "a port that is not 1 to 65535", 0;
			port = port * 10 + (*d - '0');
		}
		if (port < 1 || port > 65535)
			return *why = "a port that is not 1 to 65535", 0;
	}
	return 1;
}

/* Appends url with the password of any user:password@ before its host as ***: a refusal says
 * which URL it refused without writing the secret to a terminal or a log. */
static void add_url_without_password(struct strbuf *out, const char *url)
{
	if (!url) {
		strbuf_addstr(out, "(no URL)");
		return;
	}
	const char *scheme = strstr(url, "://");
	const char *host = scheme ? scheme + 3 : url;
	size_t host_len = strcspn(host, "/");
	const char *at = NULL;
	for (const char *q = host; q < host + host_len; q++) /* the last @ ends the user's part */
		if (*q == '@')
			at = q;
	const char *colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
	if (!colon) {
		strbuf_addstr(out, url);
		return;
	}
	strbuf_add(out, url, (size_t)(colon + 1 - url));
	strbuf_addstr(out, "***");
	strbuf_addstr(out, at);
}

static void set_err(struct ch_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(struct ch_conn *c, const char *fmt, ...)
{
	struct strbuf raw;
	strbuf_init(&raw, 128);
	strbuf_addf(&raw, "ClickHouse at %s: ", c->server);
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&raw, fmt, ap);
	va_end(ap);
	strbuf_reset(&c->err);
	sanitize_append(&c->err, raw.buf, raw.len, 0);
	strbuf_release(&raw);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static void secret_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* The credentials file: 0 (also when there is none), or -1 with the reason in err. */
static int read_config(struct ch_conn *c, struct strbuf *err)
{
	char path[4096];
	const char *env = getenv("CASEBOOK_CLICKHOUSE_CONFIG");
	int named = env && *env;
	if (named) {
		if (strlen(env) >= sizeof(path)) {
			strbuf_addstr(err, "CASEBOOK_CLICKHOUSE_CONFIG: a path too long");
			return -1;
		}
		snprintf(path, sizeof(path), "%s", env);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home ||
		    (size_t)snprintf(path, sizeof(path), "%s/.config/casebook/clickhouse.conf", home) >= sizeof(path))
			return 0;
	}
	struct strbuf why; /* the reason, before it is sanitized into err */
	strbuf_init(&why, 64);
	int rc = 0;
	FILE *f = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		if (errno == ENOENT && !named) {
			strbuf_release(&why);
			return 0;
		}
		strbuf_addf(&why, "%s: %s", path, strerror(errno));
	} else if (fstat(fd, &st) != 0) {
		strbuf_addf(&why, "%s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		strbuf_addf(&why, "%s: not a regular file", path);
	} else if (st.st_uid != geteuid()) {
		strbuf_addf(&why, "%s: owned by another user", path);
	} else if (st.st_mode & 077) {
		strbuf_addf(&why, "%s: others may read or change it (mode %03o; chmod 600 it)", path,
		            (unsigned)(st.st_mode & 0777));
	} else if (!(f = fdopen(fd, "r"))) {
		strbuf_addf(&why, "%s: %s", path, strerror(errno));
	}
	if (!f) {
		if (fd >= 0)
			close(fd);
		sanitize_append(err, why.buf, why.len, 0);
		strbuf_release(&why);
		return -1;
	}
	char line[CH_CONFIG_LINE];
	int lineno = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof(line) - 1 && line[n - 1] != '\n' && !feof(f)) {
			strbuf_addf(&why, "%s:%d: a line longer than %d bytes", path, lineno, CH_CONFIG_LINE - 1);
			rc = -1;
			break;
		}
		char *t = trim(line);
		if (*t == '\0' || *t == '#')
			continue;
		char *eq = strchr(t, '=');
		if (!eq) {
			strbuf_addf(&why, "%s:%d: not \"user = NAME\" or \"password = SECRET\"", path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		char *key = trim(t), *value = trim(eq + 1);
		char **slot = strcmp(key, "user") == 0 ? &c->user : strcmp(key, "password") == 0 ? &c->password : NULL;
		if (!slot) {
			strbuf_addf(&why, "%s:%d: unknown setting \"%s\" (user, password)", path, lineno, key);
			rc = -1;
			break;
		}
		secret_free(*slot);
		*slot = xstrdup(value);
	}
	explicit_bzero(line, sizeof(line));
	if (rc == 0 && ferror(f)) {
		strbuf_addf(&why, "%s: cannot be read", path);
		rc = -1;
	}
	fclose(f);
	if (rc != 0)
		sanitize_append(err, why.buf, why.len, 0);
	strbuf_release(&why);
	return rc;
}

int ch_open(const char *url, const struct ch_options *o, struct ch_conn **out, struct strbuf *err)
{
	*out = NULL;
	const char *why = NULL;
	if (!url || !url_usable(url, &why)) {
		struct strbuf raw;
		strbuf_init(&raw, 64);
		add_url_without_password(&raw, url);
		strbuf_addf(&raw, ": %s", why ? why : "no URL");
		sanitize_append(err, raw.buf, raw.len, 0);
		strbuf_release(&raw);
		return -1;
	}
	pthread_once(&curl_once, curl_init);
	if (curl_init_error[0]) {
		sanitize_append(err, curl_init_error, strlen(curl_init_error), 0);
		return -1;
	}
	struct ch_conn *c = xcalloc(1, sizeof(*c));
	strbuf_init(&c->err, 64);
	const char *path = strchr(strstr(url, "//") + 2, '/');
	struct strbuf b;
	strbuf_init(&b, strlen(url) + 2);
	strbuf_addstr(&b, url);
	if (!path)
		strbuf_addch(&b, '/');
	c->base = strbuf_detach(&b, NULL);
	c->server = sanitize_dup(c->base, 0);
	if (o)
		c->opt = *o;
	if (c->opt.connect_timeout_s <= 0)
		c->opt.connect_timeout_s = 10;
	if (c->opt.stall_s <= 0)
		c->opt.stall_s = 60;
	const char *u = getenv("CLICKHOUSE_USER"), *pw = getenv("CLICKHOUSE_PASSWORD");
	if (u || pw) {
		c->user = xstrdup(u && *u ? u : "default");
		c->password = xstrdup(pw ? pw : "");
	} else if (read_config(c, err) != 0) {
		ch_close(c);
		return -1;
	}
	if (c->password && !c->user)
		c->user = xstrdup("default");
	c->curl = curl.easy_init();
	if (!c->curl) {
		strbuf_addstr(err, "libcurl: cannot make a handle");
		ch_close(c);
		return -1;
	}
	*out = c;
	return 0;
}

void ch_close(struct ch_conn *c)
{
	if (!c)
		return;
	if (c->curl)
		curl.easy_cleanup(c->curl);
	free(c->base);
	free(c->server);
	secret_free(c->user);
	secret_free(c->password);
	strbuf_release(&c->err);
	free(c);
}

const char *ch_server(const struct ch_conn *c)
{
	return c->server;
}

const char *ch_errmsg(const struct ch_conn *c)
{
	return c->err.buf;
}

const char *ch_user(const struct ch_conn *c)
{
	return c->user;
}

struct request {
	struct ch_conn *c;
	ch_chunk_fn fn;
	void *ctx;
	struct strbuf *collect; /* ch_query's buffer, or NULL */
	long status;            /* the HTTP status, once known */
	struct strbuf error;    /* an error answer's first bytes */
	int stopped, too_big;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct request *r = arg;
	size_t len = size * n;
	if (r->status == 0)
		curl.easy_getinfo(r->c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status != 200) {
		if (r->error.len < CH_ERROR_SHOWN * 4)
			strbuf_add(&r->error, data, len < CH_ERROR_SHOWN * 4 ? len : CH_ERROR_SHOWN * 4);
		return len;
	}
	if (r->collect) {
		if (r->collect->len + len > CH_ANSWER_MAX)
			return r->too_big = 1, 0;
		strbuf_add(r->collect, data, len);
		return len;
	}
	if (r->fn && r->fn(r->ctx, data, len) != 0)
		return r->stopped = 1, 0;
	return len;
}

/* An error answer as one line: its lines joined by a space, at most CH_ERROR_SHOWN bytes
 * (ClickHouse's text for a shard that failed runs over several lines). */
static void error_text(struct strbuf *out, const struct strbuf *body)
{
	size_t start = out->len, shown = 0;
	int space = 0;
	for (size_t i = 0; i < body->len && shown < CH_ERROR_SHOWN; i++) {
		char ch = body->buf[i];
		if (ch == '\n' || ch == '\r' || ch == ' ' || ch == '\t') {
			space = 1;
			continue;
		}
		if (space && out->len > start)
			strbuf_addch(out, ' ');
		space = 0;
		strbuf_addch(out, ch);
		shown++;
	}
	if (shown == CH_ERROR_SHOWN)
		strbuf_addstr(out, "...");
	if (out->len == start)
		strbuf_addstr(out, "(no text)");
}

static int perform(struct ch_conn *c, const char *params, const char *body, size_t len, struct request *r)
{
	CURL *h = c->curl;
	curl.easy_reset(h);
	struct strbuf url;
	strbuf_init(&url, strlen(c->base) + strlen(params) + 2);
	strbuf_addf(&url, "%s?%s", c->base, params);
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = curl.slist_append(NULL, "Expect:");
	headers = headers ? curl.slist_append(headers, "Content-Type: text/plain; charset=utf-8") : NULL;
	if (!headers) {
		strbuf_release(&url);
		set_err(c, "out of memory");
		return -1;
	}
	curl.easy_setopt(h, CURLOPT_URL, url.buf);
	curl.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl.easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->opt.connect_timeout_s);
	curl.easy_setopt(h, CURLOPT_TIMEOUT, c->opt.timeout_s);
	curl.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->opt.stall_s);
	curl.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl.easy_setopt(h, CURLOPT_POST, 1L);
	curl.easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	/* the rows' answers arrive in larger pieces: fewer reads, fewer rows cut between two */
	curl.easy_setopt(h, CURLOPT_BUFFERSIZE, 256L << 10);
	curl.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl.easy_setopt(h, CURLOPT_WRITEDATA, r);
	if (c->user) {
		curl.easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl.easy_setopt(h, CURLOPT_USERNAME, c->user);
		curl.easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	CURLcode rc = curl.easy_perform(h);
	if (r->status == 0)
		curl.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	/* the password stays out of the handle between requests */
	curl.easy_reset(h);
	curl.slist_free_all(headers);
	strbuf_release(&url);
	int ret = -1;
	const char *detail = curl_err[0] ? curl_err : curl.easy_strerror(rc);
	if (r->stopped) {
		set_err(c, "stopped by the caller");
	} else if (r->too_big) {
		set_err(c, "an answer larger than %u MiB", CH_ANSWER_MAX >> 20);
	} else if (rc == CURLE_COULDNT_CONNECT) {
		set_err(c, "cannot connect (%s)", detail);
	} else if (rc == CURLE_COULDNT_RESOLVE_HOST) {
		set_err(c, "cannot resolve the host (%s)", detail);
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		if (c->opt.timeout_s > 0)
			set_err(c, "no complete answer within %ld s (%s)", c->opt.timeout_s, detail);
		else
			set_err(c, "no answer for %ld s (%s)", c->opt.stall_s, detail);
	} else if (rc != CURLE_OK) {
		set_err(c, "the request failed (%s)", detail);
	} else if (r->status != 200) {
		struct strbuf text;
		strbuf_init(&text, 128);
		error_text(&text, &r->error);
		set_err(c, "HTTP %ld: %s", r->status, text.buf);
		strbuf_release(&text);
	} else {
		ret = 0;
	}
	return ret;
}

static int run(struct ch_conn *c, const char *params, const char *body, size_t len, ch_chunk_fn fn, void *ctx,
               struct strbuf *collect)
{
	struct request r = {.c = c, .fn = fn, .ctx = ctx, .collect = collect};
	strbuf_init(&r.error, 0);
	int rc = perform(c, params, body, len, &r);
	strbuf_release(&r.error);
	return rc;
}

int ch_query_stream(struct ch_conn *c, const char *query, ch_chunk_fn fn, void *ctx)
{
	return run(c, "", query, strlen(query), fn, ctx, NULL);
}

int ch_query(struct ch_conn *c, const char *query, struct strbuf *out)
{
	size_t before = out->len;
	int rc = run(c, "wait_end_of_query=1", query, strlen(query), NULL, NULL, out);
	if (rc != 0) {
		out->len = before;
		out->buf[before] = '\0';
	}
	return rc;
}

int ch_insert(struct ch_conn *c, const char *statement, const char *data, size_t len)
{
	char *escaped = curl.easy_escape(c->curl, statement, 0);
	if (!escaped) {
		set_err(c, "out of memory");
		return -1;
	}
	struct strbuf params;
	strbuf_init(&params, strlen(escaped) + 8);
	strbuf_addf(&params, "insert_distributed_sync=1&query=%s", escaped);
	curl.free(escaped);
	int rc = run(c, params.buf, data, len, NULL, NULL, NULL);
	strbuf_release(&params);
	return rc;
}
