#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/listing.h"

#include "common/diag.h"
#include "common/sanitize.h"
#include "common/timeutil.h"
#include "detect/kql.h"
#include "detect/rule.h"
#include "store/alerts.h"

int open_store(struct globals *g, unsigned flags, struct store **s)
{
	struct stat st;
	if (stat(g->db, &st) == 0 && S_ISDIR(st.st_mode)) {
		diag("casebook: %s is a directory, not a case file (pass --db PATH/casebook.db)\n", g->db);
		*s = NULL;
		return -1;
	}
	char *err = NULL;
	if (store_open(g->db, flags & ~(unsigned)OPEN_WITH_PACK, s, &err)) {
		char *safe = sanitize_dup(err, 0);
		diag("casebook: %s\n", safe);
		if (!(flags & STORE_CREATE) && access(g->db, F_OK) != 0)
			diag("casebook: start a case with 'casebook ingest FILE' (or pass --db PATH)\n");
		free(safe);
		free(err);
		return -1;
	}
	if (store_migrated_from(*s)) {
		char *safe = sanitize_dup(g->db, 0);
		diag("casebook: migrated %s from schema version %d to %d\n", safe, store_migrated_from(*s),
		     store_schema_version());
		free(safe);
	}
	struct diag_sink warn = diag_stderr_sink();
	if ((flags & OPEN_WITH_PACK) && rules_load_pack(*s, &warn)) {
		diag("casebook: loading the bundled rules: %s\n", store_errmsg(*s));
		store_close(*s);
		return -1;
	}
	return 0;
}

int parse_time_arg(const char *cmd, const char *what, const char *arg, int64_t *us)
{
	const char *why;
	if (time_parse_iso8601(arg, strlen(arg), us, &why) == 0)
		return 0;
	char msg[200];
	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	return command_usage_error(cmd, msg);
}

void format_cli_time(int64_t us, int digits, int short_time, char out[CLI_TIME_LEN])
{
	if (time_zone_is_utc()) {
		char iso[TIME_ISO_LEN];
		time_format_iso8601(us, iso); /* 2021-01-14T09:07:18.527691Z */
		if (short_time)               /* 01-14 09:07:18[.527] under a "TIME (UTC)" header */
			snprintf(out, CLI_TIME_LEN, "%.5s %.*s", iso + 5, digits ? 12 : 8, iso + 11);
		else if (!digits)
			snprintf(out, CLI_TIME_LEN, "%.19sZ", iso);
		else
			snprintf(out, CLI_TIME_LEN, "%s", iso);
		return;
	}
	char zoned[TIME_ZONED_LEN];
	time_format_zoned(us, digits, zoned);
	snprintf(out, CLI_TIME_LEN, "%s", short_time ? zoned + 5 : zoned);
}

const struct listing_column *zoned_columns(const struct listing_column *cols, size_t n, size_t time_col, int extra,
                                           struct listing_column *copy)
{
	static char title[160];
	if (time_zone_is_utc())
		return cols;
	snprintf(title, sizeof(title), "TIME (%s)", time_zone_name());
	memcpy(copy, cols, n * sizeof(*cols));
	copy[time_col].title = title;
	copy[time_col].width += extra;
	return copy;
}

void add_text(struct strbuf *l, const char *s)
{
	sanitize_append(l, s ? s : "-", strlen(s ? s : "-"), 0);
}

void add_cell(struct strbuf *l, const char *s, size_t width)
{
	struct strbuf tmp;
	strbuf_init(&tmp, 64);
	add_text(&tmp, s);
	size_t cps = 0, i = 0;
	while (i < tmp.len && cps < width) {
		size_t n = 1;
		while (i + n < tmp.len && ((unsigned char)tmp.buf[i + n] & 0xC0) == 0x80)
			n++;
		if (cps == width - 1 && i + n < tmp.len) {
			strbuf_addstr(l, "…");
			cps++;
			break;
		}
		strbuf_add(l, tmp.buf + i, n);
		i += n;
		cps++;
	}
	for (; cps < width; cps++)
		strbuf_addch(l, ' ');
	strbuf_release(&tmp);
}

struct found_alert {
	int count;
	struct resolved first;
	struct strbuf candidates;
};

static int collect_match(void *ctx, const struct alert_row *a)
{
	struct found_alert *f = ctx;
	if (f->count++ == 0) {
		f->first.uuid = xstrdup(a->uuid);
		f->first.id = a->id;
		f->first.event_id = a->event_id;
	}
	if (f->count <= 10) {
		strbuf_addstr(&f->candidates, "  ");
		add_text(&f->candidates, a->uuid);
		strbuf_addstr(&f->candidates, "  ");
		add_text(&f->candidates, a->rule_name);
		strbuf_addch(&f->candidates, '\n');
	}
	return 0;
}

/* The alerts an argument names: the one whose uuid it is exactly (detect's before an imported
 * one's, which is ALERT_IMPORTED_PREFIX and Kibana's uuid), else every alert whose uuid, or
 * imported alert whose Kibana uuid, starts with it. */
static int find_alerts(struct store *s, const char *arg, struct found_alert *f)
{
	struct strbuf imported;
	strbuf_init(&imported, 80);
	strbuf_addf(&imported, "%s%s", ALERT_IMPORTED_PREFIX, arg);
	int namespaced = !strncmp(arg, ALERT_IMPORTED_PREFIX, strlen(ALERT_IMPORTED_PREFIX));
	struct alert_query exact = {.uuid = arg, .no_doc = 1};
	struct alert_query exact_imported = {.uuid = imported.buf, .no_doc = 1};
	struct alert_query prefix = {.uuid_prefix = arg, .no_doc = 1};
	struct alert_query prefix_imported = {.uuid_prefix = imported.buf, .no_doc = 1};
	int rc = store_alerts_each(s, &exact, collect_match, f);
	if (!rc && !f->count && !namespaced)
		rc = store_alerts_each(s, &exact_imported, collect_match, f);
	if (!rc && !f->count) {
		rc = store_alerts_each(s, &prefix, collect_match, f);
		if (!rc && !namespaced)
			rc = store_alerts_each(s, &prefix_imported, collect_match, f);
	}
	strbuf_release(&imported);
	return rc;
}

int resolve_alert(struct store *s, const char *cmd, const char *arg, struct resolved *r)
{
	struct found_alert f = {.count = 0};
	strbuf_init(&f.candidates, 256);
	char *safe = sanitize_dup(arg, 0);
	int rc = 0;
	if (!*arg) {
		diag("casebook %s: name an alert by its uuid or the start of it\n", cmd);
		rc = 1;
	} else if (find_alerts(s, arg, &f)) {
		diag("casebook: %s\n", store_errmsg(s));
		rc = 1;
	} else if (f.count == 0) {
		diag("casebook %s: no alert matches %s ('casebook alerts' lists them)\n", cmd, safe);
		rc = 1;
	} else if (f.count > 1) {
		diag("casebook %s: %s is ambiguous; %d alerts start with it:\n%s", cmd, safe, f.count,
		     f.candidates.buf);
		rc = 1;
	}
	free(safe);
	strbuf_release(&f.candidates);
	if (rc) {
		free(f.first.uuid);
		memset(r, 0, sizeof(*r));
	} else {
		*r = f.first;
	}
	return rc;
}

struct kql_node *parse_query_option(const char *cmd, const char *text)
{
	struct kql_error kerr;
	struct kql_node *q = kql_parse(text, &kerr);
	if (q)
		return q;
	struct strbuf msg;
	strbuf_init(&msg, 128);
	kql_error_format(text, &kerr, &msg);
	char *safe = sanitize_dup(msg.buf, SAN_MULTILINE);
	diag("casebook %s: %s", cmd, safe);
	free(safe);
	strbuf_release(&msg);
	return NULL;
}
