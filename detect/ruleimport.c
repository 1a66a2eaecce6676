/* ruleimport: Elastic's prebuilt rules as analysts have them (see detect/ruleimport.h). */
#include "detect/ruleimport.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zip.h>

#include "common/diag.h"
#include "common/strbuf.h"
#include "detect/toml.h"

/* Bounds on what one import reads (docs/RELIABILITY.md): a rule file is a few KiB, Elastic's
 * whole ruleset a few thousand files, its tree a few levels deep. */
#define RULE_FILE_MAX  (16u << 20) /* bytes of one TOML or saved object */
#define TREE_FILES_MAX 200000      /* files a directory import looks at */
#define TREE_DEPTH_MAX 32          /* directory levels below the one given */
#define LOCK_NAME      "version.lock.json"
/* A package zip: Kibana's security_detection_engine holds some tens of thousands of entries
 * (every rule with its earlier versions); JSON deflates about 5-20 to 1. */
#define ZIP_ENTRIES_MAX 200000
#define ZIP_RATIO_MAX   100 /* uncompressed to compressed, for an entry over ZIP_RATIO_FROM */
#define ZIP_RATIO_FROM  (1u << 20)
/* the package's rule entries together, over this many bytes, deflate by ZIP_RATIO_MAX at most
 * too: many entries just under ZIP_RATIO_FROM, each a thousand to one, are a bomb as well */
#define ZIP_TOTAL_RATIO_FROM ((zip_uint64_t)64 << 20)

/* ---- reading files ---- */

static char *read_bounded(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	struct strbuf sb;
	strbuf_init(&sb, 8192);
	char buf[65536];
	size_t n;
	int too_big = 0;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb.len + n > RULE_FILE_MAX) {
			too_big = 1;
			break;
		}
		strbuf_add(&sb, buf, n);
	}
	int bad = ferror(f);
	fclose(f);
	if (bad || too_big) {
		snprintf(err, errlen, bad ? "read error" : "larger than casebook reads for one rule (16 MiB)");
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, len);
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* LINE:COLUMN (1-based, columns in bytes) of offset in text. */
static void line_col(const char *text, size_t offset, unsigned *line, unsigned *col)
{
	*line = 1, *col = 1;
	for (size_t i = 0; i < offset && text[i]; i++) {
		if (text[i] == '\n')
			(*line)++, *col = 1;
		else
			(*col)++;
	}
}

/* ---- version.lock.json ---- */

struct lock {
	char *path;  /* as realpath gives it */
	cJSON *json; /* NULL: not valid JSON (said once) */
};

struct locks {
	struct lock *l;
	size_t n;
};

static const cJSON *lock_load(struct locks *ls, const char *path, const struct diag_sink *errors)
{
	char *real = realpath(path, NULL);
	if (!real)
		real = xstrdup(path);
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i].path, real)) {
			free(real);
			return ls->l[i].json;
		}
	char err[160];
	size_t len;
	char *text = read_bounded(path, &len, err, sizeof(err));
	cJSON *json = NULL;
	if (!text) {
		diag_say(errors, "%s: cannot read: %s; the rules' own versions are used\n", path, err);
	} else {
		const char *end = NULL;
		json = cJSON_ParseWithLengthOpts(text, len, &end, 0);
		if (!cJSON_IsObject(json)) {
			unsigned line, col;
			line_col(text, end && end >= text ? (size_t)(end - text) : 0, &line, &col);
			diag_say(
			    errors,
			    "%s:%u:%u: not a valid version lock (a JSON object); the rules' own versions are used\n",
			    path, line, col);
			cJSON_Delete(json);
			json = NULL;
		}
		free(text);
	}
	ls->l = xrealloc(ls->l, (ls->n + 1) * sizeof(*ls->l));
	ls->l[ls->n++] = (struct lock){real, json};
	return json;
}

static void locks_release(struct locks *ls)
{
	for (size_t i = 0; i < ls->n; i++) {
		free(ls->l[i].path);
		cJSON_Delete(ls->l[i].json);
	}
	free(ls->l);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The version lock for a file imported without one given or found in its tree: the nearest
 * version.lock.json in its folder or above, or detection-rules' own place for it
 * (detection_rules/etc/) at the top of a checkout. NULL when there is none. */
static char *lock_above(const char *file)
{
	char *real = realpath(file, NULL);
	if (!real)
		return NULL;
	struct strbuf p;
	strbuf_init(&p, 256);
	char *slash;
	char *result = NULL;
	while (!result && (slash = strrchr(real, '/')) != NULL) {
		*slash = '\0';
		const char *dir = *real ? real : "";
		static const char *const places[] = {"/" LOCK_NAME, "/detection_rules/etc/" LOCK_NAME};
		for (size_t i = 0; i < 2 && !result; i++) {
			strbuf_reset(&p);
			strbuf_addf(&p, "%s%s", dir, places[i]);
			if (is_file(p.buf))
				result = xstrdup(p.buf);
		}
	}
	strbuf_release(&p);
	free(real);
	return result;
}

/* ---- TOML ---- */

/* Python's string.Template identifier: [_a-z][_a-z0-9]*, any case. */
static size_t template_ident(const char *s)
{
	size_t n = 0;
	if (s[0] != '_' && !isalpha((unsigned char)s[0]))
		return 0;
	while (s[n] == '_' || isalnum((unsigned char)s[n]))
		n++;
	return n;
}

/* The rendered placeholder for NAME (investigate_0, osquery_2), or NULL. */
static char *transform_entry(const cJSON *transform, const char *name, size_t len)
{
	static const char *const plugins[] = {"investigate", "osquery"};
	for (size_t i = 0; i < 2; i++) {
		size_t pl = strlen(plugins[i]);
		if (len <= pl + 1 || strncmp(name, plugins[i], pl) || name[pl] != '_')
			continue;
		int index = 0;
		for (size_t k = pl + 1; k < len; k++) {
			if (!isdigit((unsigned char)name[k]) || index > 100000 ||
			    (k == pl + 1 && name[k] == '0' && len > pl + 2))
				return NULL;
			index = index * 10 + (name[k] - '0');
		}
		const cJSON *entry = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(transform, plugins[i]), index);
		if (!cJSON_IsObject(entry))
			return NULL;
		/* detection-rules: "!{" + plugin + json.dumps(entry, sort_keys=True, separators=(",", ":")) + "}";
		 * toml++ keeps a table's keys sorted, so the tree is in that order already */
		char *json = cJSON_PrintUnformatted(entry);
		struct strbuf out;
		strbuf_init(&out, strlen(json) + 32);
		strbuf_addf(&out, "!{%s%s}", plugins[i], json);
		cJSON_free(json);
		return strbuf_detach(&out, NULL);
	}
	return NULL;
}

char *ruleimport_render_transforms(const char *note, const cJSON *transform)
{
	if (!cJSON_IsObject(transform))
		return xstrdup(note);
	struct strbuf out;
	strbuf_init(&out, strlen(note) + 256);
	for (const char *p = note; *p;) {
		if (*p != '$') {
			strbuf_addch(&out, *p++);
			continue;
		}
		if (p[1] == '$') { /* $$ is a dollar */
			strbuf_addch(&out, '$');
			p += 2;
			continue;
		}
		int braced = p[1] == '{';
		const char *name = p + 1 + braced;
		size_t n = template_ident(name);
		if (!n || (braced && name[n] != '}')) {
			strbuf_addch(&out, *p++); /* not a placeholder: kept as written */
			continue;
		}
		char *r = transform_entry(transform, name, n);
		size_t whole = 1 + (size_t)braced * 2 + n;
		if (r)
			strbuf_addstr(&out, r);
		else
			strbuf_add(&out, p, whole); /* safe_substitute keeps an unknown name */
		free(r);
		p += whole;
	}
	return strbuf_detach(&out, NULL);
}

/* detection-rules writes a new_terms rule's fields as [rule.new_terms] {field, value,
 * history_window_start = [{field, value}]}; its build (NewTermsRuleData.transform) makes them
 * Kibana's new_terms_fields and history_window_start. */
static void new_terms_to_kibana(cJSON *rule)
{
	cJSON *nt = cJSON_GetObjectItemCaseSensitive(rule, "new_terms");
	if (!cJSON_IsObject(nt))
		return;
	cJSON *value = cJSON_DetachItemFromObjectCaseSensitive(nt, "value");
	if (value && !cJSON_GetObjectItemCaseSensitive(rule, "new_terms_fields"))
		cJSON_AddItemToObject(rule, "new_terms_fields", value);
	else
		cJSON_Delete(value);
	const cJSON *hws = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(nt, "history_window_start"), 0);
	const cJSON *start = cJSON_GetObjectItemCaseSensitive(hws, "value");
	if (cJSON_IsString(start) && !cJSON_GetObjectItemCaseSensitive(rule, "history_window_start"))
		cJSON_AddStringToObject(rule, "history_window_start", start->valuestring);
	cJSON_DeleteItemFromObjectCaseSensitive(rule, "new_terms");
}

static void set_member(cJSON *obj, const char *key, cJSON *value)
{
	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		cJSON_ReplaceItemInObjectCaseSensitive(obj, key, value);
	else
		cJSON_AddItemToObject(obj, key, value);
}

/* Kibana installs a prebuilt rule disabled; an analyst enables it. */
static void as_prebuilt(cJSON *rule)
{
	set_member(rule, "enabled", cJSON_CreateFalse());
}

struct import_ctx {
	struct store *s;
	struct import_counts *c;
	struct ruleimport_counts *rc;
	const struct diag_sink *errors;
	struct locks locks;
	const cJSON *given_lock; /* --version-lock, or the tree's */
	int given;               /* a lock was given or found (given_lock NULL: it was damaged) */
	int failed;              /* a file was damaged or unreadable */
};

/* The version Kibana gets for rule_id: the lock's entry, else the TOML's own, else 1. */
static void apply_version(struct import_ctx *x, cJSON *rule, const char *rule_id, const char *file)
{
	const cJSON *lock = x->given_lock;
	if (!x->given) {
		char *above = lock_above(file);
		lock = above ? lock_load(&x->locks, above, x->errors) : NULL;
		free(above);
	}
	const cJSON *entry = rule_id ? cJSON_GetObjectItemCaseSensitive(lock, rule_id) : NULL;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, "version");
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= INT32_MAX) {
		set_member(rule, "version", cJSON_CreateNumber((double)(int64_t)v->valuedouble));
		x->rc->locked++;
	}
}

static int import_in_transaction(struct import_ctx *x, const cJSON *rule, const char *metadata, const char *where,
                                 const char *source)
{
	int rc = store_begin(x->s) || rules_import_rule(x->s, rule, source, metadata, x->c, x->errors, where) ||
	         store_commit(x->s);
	if (rc) {
		store_rollback(x->s);
		return -1; /* the caller says store_errmsg */
	}
	return 0;
}

/* One TOML file. in_tree: found by a directory walk, where a TOML that is not a rule
 * (pyproject.toml, a hunting query) is passed over without a word. */
static int import_toml(struct import_ctx *x, const char *path, int in_tree)
{
	char err[400];
	size_t len;
	char *text = read_bounded(path, &len, err, sizeof(err));
	if (!text) {
		diag_say(x->errors, "%s: cannot read: %s\n", path, err);
		x->rc->damaged_files++, x->failed = 1;
		return 0;
	}
	cJSON *root = toml_to_cjson(text, len, err, sizeof(err));
	free(text);
	if (!root) {
		diag_say(x->errors, "%s:%s (not valid TOML; the file was skipped)\n", path, err);
		x->rc->damaged_files++, x->failed = 1;
		return 0;
	}
	x->rc->toml_files++;
	cJSON *rule = cJSON_DetachItemFromObjectCaseSensitive(root, "rule");
	int rc = 0;
	const cJSON *metadata = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	const char *maturity = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(metadata, "maturity"));
	if (!cJSON_IsObject(rule)) {
		if (!in_tree) {
			diag_say(x->errors, "%s: skipped: no [rule] table (not a detection-rules rule)\n", path);
			x->c->rules_invalid++;
		}
	} else if (maturity && !strcmp(maturity, "deprecated")) {
		x->rc->deprecated++; /* detection-rules' package leaves deprecated rules out */
	} else {
		new_terms_to_kibana(rule);
		const cJSON *note = cJSON_GetObjectItemCaseSensitive(rule, "note");
		const cJSON *transform = cJSON_GetObjectItemCaseSensitive(root, "transform");
		if (cJSON_IsString(note) && transform) {
			char *rendered = ruleimport_render_transforms(note->valuestring, transform);
			set_member(rule, "note", cJSON_CreateString(rendered));
			free(rendered);
		}
		apply_version(x, rule, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "rule_id")), path);
		as_prebuilt(rule);
		char *meta = cJSON_IsObject(metadata) ? cJSON_PrintUnformatted(metadata) : NULL;
		rc = import_in_transaction(x, rule, meta, path, path);
		cJSON_free(meta);
	}
	cJSON_Delete(rule);
	cJSON_Delete(root);
	return rc;
}

/* ---- Kibana's package: saved objects ---- */

/* The newest version of each rule_id among a package's saved objects. */
struct newest {
	char *rule_id;
	int64_t version;
};

struct newest_set {
	struct newest *v;
	size_t n;
	int sorted;
};

static int by_rule_id(const void *a, const void *b)
{
	return strcmp(((const struct newest *)a)->rule_id, ((const struct newest *)b)->rule_id);
}

static void newest_note(struct newest_set *ns, const char *rule_id, int64_t version)
{
	ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
	ns->v[ns->n++] = (struct newest){xstrdup(rule_id), version};
	ns->sorted = 0;
}

/* Sorted by rule_id, one entry each with the highest version. */
static void newest_finish(struct newest_set *ns)
{
	if (ns->n)
		qsort(ns->v, ns->n, sizeof(*ns->v), by_rule_id);
	size_t w = 0;
	for (size_t i = 0; i < ns->n; i++) {
		if (w && !strcmp(ns->v[w - 1].rule_id, ns->v[i].rule_id)) {
			if (ns->v[i].version > ns->v[w - 1].version)
				ns->v[w - 1].version = ns->v[i].version;
			free(ns->v[i].rule_id);
		} else {
			ns->v[w++] = ns->v[i];
		}
	}
	ns->n = w;
	ns->sorted = 1;
}

static int64_t newest_of(const struct newest_set *ns, const char *rule_id)
{
	struct newest key = {(char *)rule_id, 0};
	const struct newest *f = ns->n ? bsearch(&key, ns->v, ns->n, sizeof(*ns->v), by_rule_id) : NULL;
	return f ? f->version : -1;
}

static void newest_release(struct newest_set *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i].rule_id);
	free(ns->v);
}

/* A saved object's rule (its "attributes" with a rule_id), else NULL. */
static const cJSON *saved_rule(const cJSON *obj)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "attributes");
	return cJSON_IsObject(a) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(a, "rule_id")) ? a : NULL;
}

static int64_t rule_version(const cJSON *rule)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rule, "version");
	return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= INT32_MAX ? (int64_t)v->valuedouble : 1;
}

/* Parses a saved object; a damaged one is reported (FILE:LINE:COLUMN) when report is set. */
static cJSON *parse_saved(struct import_ctx *x, const char *text, size_t len, const char *where, int report)
{
	const char *end = NULL;
	cJSON *obj = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!obj && report) {
		unsigned line, col;
		line_col(text, end && end >= text ? (size_t)(end - text) : 0, &line, &col);
		diag_say(x->errors, "%s:%u:%u: not valid JSON (the file was skipped)\n", where, line, col);
		x->rc->damaged_files++, x->failed = 1;
	}
	return obj;
}

/* Pass 1 notes the version; pass 2 installs the newest version of each rule, disabled. */
static int saved_object(struct import_ctx *x, struct newest_set *ns, const char *text, size_t len, const char *where,
                        const char *source, int pass)
{
	cJSON *obj = parse_saved(x, text, len, where, pass == 2);
	const cJSON *rule = saved_rule(obj);
	int rc = 0;
	if (rule && pass == 1) {
		newest_note(ns, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "rule_id")),
		            rule_version(rule));
	} else if (rule) {
		const char *rule_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rule, "rule_id"));
		if (rule_version(rule) < newest_of(ns, rule_id)) {
			x->rc->older_versions++; /* the package keeps earlier versions for Kibana's upgrade diff */
		} else {
			cJSON *r = cJSON_Duplicate(rule, 1);
			as_prebuilt(r);
			x->rc->package_rules++;
			rc = import_in_transaction(x, r, NULL, where, source);
			cJSON_Delete(r);
		}
	}
	cJSON_Delete(obj);
	return rc;
}

/* kibana/security_rule/NAME.json, at the top of the zip or under its one folder. */
static int is_package_rule(const char *name)
{
	const char *k = strstr(name, "kibana/security_rule/");
	return k && (k == name || k[-1] == '/') && has_suffix(name, ".json") && !strchr(k + 21, '/');
}

/* Why an entry of the package is not read, or NULL: a name that would leave the folder were it
 * extracted (absolute, a ".." segment, a backslash: Kibana's Fleet refuses such archives), a
 * symbolic link (its "content" is the target's name), or a compression ratio no JSON has (a zip
 * bomb). casebook extracts nothing to disk; these are refused so that a hostile package is named
 * as such rather than half read. */
static const char *unsafe_entry(zip_t *z, zip_uint64_t i, const char *name, const zip_stat_t *st, char *buf, size_t len)
{
	if (name[0] == '/' || strchr(name, '\\'))
		return "its name is absolute or holds a backslash (not read)";
	for (const char *seg = name; seg;) {
		const char *end = strchr(seg, '/');
		size_t n = end ? (size_t)(end - seg) : strlen(seg);
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			return "its name climbs out of the package with \"..\" (not read)";
		seg = end ? end + 1 : NULL;
	}
	zip_uint8_t opsys;
	zip_uint32_t attr;
	if (zip_file_get_external_attributes(z, i, 0, &opsys, &attr) == 0 && opsys == ZIP_OPSYS_UNIX &&
	    ((attr >> 16) & 0170000) == 0120000)
		return "a symbolic link (not read)";
	if ((st->valid & ZIP_STAT_SIZE) && (st->valid & ZIP_STAT_COMP_SIZE) && st->size > ZIP_RATIO_FROM &&
	    (st->comp_size == 0 || st->size / st->comp_size > ZIP_RATIO_MAX)) {
		snprintf(buf, len, "%llu bytes from %llu compressed, more than %u to 1 (a zip bomb?; not read)",
		         (unsigned long long)st->size, (unsigned long long)st->comp_size, ZIP_RATIO_MAX);
		return buf;
	}
	return NULL;
}

static int import_zip(struct import_ctx *x, const char *path)
{
	int zerr = 0;
	zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
	if (!z) {
		zip_error_t e;
		zip_error_init_with_code(&e, zerr);
		diag_say(x->errors, "%s: cannot read the package: %s\n", path, zip_error_strerror(&e));
		zip_error_fini(&e);
		x->rc->damaged_files++, x->failed = 1;
		return 0;
	}
	zip_int64_t n = zip_get_num_entries(z, 0);
	if (n > ZIP_ENTRIES_MAX) {
		diag_say(x->errors, "%s: cannot read the package: %lld entries, more than casebook reads (%d)\n", path,
		         (long long)n, ZIP_ENTRIES_MAX);
		x->rc->damaged_files++, x->failed = 1;
		zip_discard(z);
		return 0;
	}
	/* the rule entries' sizes as the central directory declares them (each is read to its
	 * declared size at most): no reading yet */
	zip_uint64_t total = 0, total_comp = 0;
	for (zip_int64_t i = 0; i < n; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
		zip_stat_t st;
		if (name && is_package_rule(name) && !zip_stat_index(z, (zip_uint64_t)i, 0, &st) &&
		    (st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE) && st.size <= RULE_FILE_MAX)
			total += st.size, total_comp += st.comp_size;
	}
	if (total > ZIP_TOTAL_RATIO_FROM && (total_comp == 0 || total / total_comp > ZIP_RATIO_MAX)) {
		diag_say(
		    x->errors,
		    "%s: cannot read the package: its rules are %llu bytes from %llu compressed, more than %u to 1 "
		    "(a zip bomb?)\n",
		    path, (unsigned long long)total, (unsigned long long)total_comp, ZIP_RATIO_MAX);
		x->rc->damaged_files++, x->failed = 1;
		zip_discard(z);
		return 0;
	}
	struct newest_set ns = {0};
	struct strbuf where, text;
	strbuf_init(&where, 256);
	strbuf_init(&text, 16384);
	int rc = 0, found = 0;
	char why[160];
	for (int pass = 1; pass <= 2 && !rc; pass++) {
		if (pass == 2)
			newest_finish(&ns);
		for (zip_int64_t i = 0; i < n && !rc; i++) {
			const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
			zip_stat_t st;
			if (!name || zip_stat_index(z, (zip_uint64_t)i, 0, &st))
				continue;
			strbuf_reset(&where);
			strbuf_addf(&where, "%s:%s", path, name);
			const char *unsafe = unsafe_entry(z, (zip_uint64_t)i, name, &st, why, sizeof(why));
			if (unsafe) {
				if (pass == 1) {
					diag_say(x->errors, "%s: %s\n", where.buf, unsafe);
					x->rc->damaged_files++, x->failed = 1;
				}
				continue;
			}
			if (!is_package_rule(name))
				continue;
			found += pass == 1;
			zip_file_t *f = zip_fopen_index(z, (zip_uint64_t)i, 0);
			if (!f || !(st.valid & ZIP_STAT_SIZE) || st.size > RULE_FILE_MAX) {
				if (pass == 2) {
					diag_say(x->errors, "%s: cannot read it from the package: %s\n", where.buf,
					         f ? "larger than casebook reads for one rule (16 MiB)"
					           : zip_strerror(z));
					x->rc->damaged_files++, x->failed = 1;
				}
				if (f)
					zip_fclose(f);
				continue;
			}
			strbuf_reset(&text);
			strbuf_grow(&text, (size_t)st.size + 1);
			zip_int64_t got = zip_fread(f, text.buf, st.size);
			char extra;
			/* the whole entry: a stream longer than its declared size is damaged too */
			if (got == (zip_int64_t)st.size && zip_fread(f, &extra, 1) != 0)
				got = -1;
			if (got != (zip_int64_t)st.size && pass == 2) {
				diag_say(x->errors, "%s: damaged in the package: %s\n", where.buf,
				         got < 0 ? zip_file_strerror(f) : "shorter than its directory says");
				x->rc->damaged_files++, x->failed = 1;
			}
			zip_fclose(f);
			if (got != (zip_int64_t)st.size)
				continue;
			text.len = (size_t)got;
			text.buf[text.len] = '\0';
			rc = saved_object(x, &ns, text.buf, text.len, where.buf, path, pass);
		}
	}
	if (!found && !rc) {
		diag_say(x->errors,
		         "%s: no kibana/security_rule/*.json in it (not Kibana's security_detection_engine package)\n",
		         path);
		x->failed = 1;
	}
	strbuf_release(&where);
	strbuf_release(&text);
	newest_release(&ns);
	zip_discard(z);
	return rc;
}

/* ---- a directory tree ---- */

struct tree {
	char **toml, **json, **zips;
	size_t ntoml, njson, nzips;
	char *lock; /* the shallowest version.lock.json */
	int lock_depth;
	unsigned skipped; /* files past TREE_FILES_MAX */
};

static void push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct dir_item {
	char *path;
	int depth;
};

/* Every file under root, without following a symbolic link to a folder (no loops); folders
 * whose names start with '.' (.git, .github) are passed over. */
static void walk(const char *root, struct tree *t, const struct diag_sink *errors)
{
	struct dir_item *stack = xmalloc(sizeof(*stack));
	size_t n = 1, files = 0;
	stack[0] = (struct dir_item){xstrdup(root), 0};
	struct strbuf p;
	strbuf_init(&p, 256);
	while (n) {
		struct dir_item d = stack[--n];
		DIR *dir = opendir(d.path);
		if (!dir)
			diag_say(errors, "%s: cannot read the folder: %s\n", d.path, strerror(errno));
		struct dirent *e;
		while (dir && (e = readdir(dir)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			strbuf_reset(&p);
			strbuf_addf(&p, "%s%s%s", d.path, has_suffix(d.path, "/") ? "" : "/", e->d_name);
			struct stat st;
			if (lstat(p.buf, &st))
				continue;
			if (S_ISDIR(st.st_mode)) {
				if (d.depth + 1 <= TREE_DEPTH_MAX) {
					stack = xrealloc(stack, (n + 1) * sizeof(*stack));
					stack[n++] = (struct dir_item){xstrdup(p.buf), d.depth + 1};
				}
				continue;
			}
			if (S_ISLNK(st.st_mode) && (stat(p.buf, &st) || !S_ISREG(st.st_mode)))
				continue;
			if (!S_ISREG(st.st_mode))
				continue;
			if (++files > TREE_FILES_MAX) {
				t->skipped++;
				continue;
			}
			if (!strcmp(e->d_name, LOCK_NAME)) {
				if (!t->lock || d.depth < t->lock_depth ||
				    (d.depth == t->lock_depth && strcmp(p.buf, t->lock) < 0)) {
					free(t->lock);
					t->lock = xstrdup(p.buf);
					t->lock_depth = d.depth;
				}
			} else if (has_suffix(e->d_name, ".toml")) {
				push(&t->toml, &t->ntoml, p.buf);
			} else if (has_suffix(e->d_name, ".json")) {
				push(&t->json, &t->njson, p.buf);
			} else if (has_suffix(e->d_name, ".zip")) {
				push(&t->zips, &t->nzips, p.buf);
			}
		}
		if (dir)
			closedir(dir);
		free(d.path);
	}
	free(stack);
	strbuf_release(&p);
	if (t->ntoml)
		qsort(t->toml, t->ntoml, sizeof(char *), by_string);
	if (t->njson)
		qsort(t->json, t->njson, sizeof(char *), by_string);
	if (t->nzips)
		qsort(t->zips, t->nzips, sizeof(char *), by_string);
}

static void tree_release(struct tree *t)
{
	for (size_t i = 0; i < t->ntoml; i++)
		free(t->toml[i]);
	for (size_t i = 0; i < t->njson; i++)
		free(t->json[i]);
	for (size_t i = 0; i < t->nzips; i++)
		free(t->zips[i]);
	free(t->toml), free(t->json), free(t->zips), free(t->lock);
}

/* The saved objects among a tree's JSON files (others, such as detection-rules' own
 * configuration, are passed over), newest version of each rule. */
static int import_saved_dir(struct import_ctx *x, struct tree *t)
{
	struct newest_set ns = {0};
	int rc = 0;
	for (int pass = 1; pass <= 2 && !rc; pass++) {
		if (pass == 2)
			newest_finish(&ns);
		for (size_t i = 0; i < t->njson && !rc; i++) {
			char err[160];
			size_t len;
			char *text = read_bounded(t->json[i], &len, err, sizeof(err));
			if (!text)
				continue;
			/* a damaged JSON file in a package folder is reported; elsewhere it may be anything */
			int report = pass == 2 && strstr(t->json[i], "security_rule/") != NULL;
			rc = saved_object(x, &ns, text, len, t->json[i], t->json[i], report ? 2 : pass == 2 ? 3 : 1);
			free(text);
		}
	}
	newest_release(&ns);
	return rc;
}

static int import_tree(struct import_ctx *x, const char *dir)
{
	struct tree t = {0};
	walk(dir, &t, x->errors);
	if (!x->given && t.lock) {
		x->given_lock = lock_load(&x->locks, t.lock, x->errors);
		x->given = 1;
	}
	int rc = 0;
	for (size_t i = 0; i < t.ntoml && !rc; i++)
		rc = import_toml(x, t.toml[i], 1);
	if (!rc)
		rc = import_saved_dir(x, &t);
	for (size_t i = 0; i < t.nzips && !rc; i++)
		rc = import_zip(x, t.zips[i]);
	if (t.skipped)
		diag_say(x->errors, "%s: %u files past the first %d were not read\n", dir, t.skipped, TREE_FILES_MAX);
	tree_release(&t);
	return rc;
}

static int is_zip(const char *path)
{
	if (has_suffix(path, ".zip"))
		return 1;
	FILE *f = fopen(path, "rb");
	unsigned char m[4] = {0};
	size_t n = f ? fread(m, 1, 4, f) : 0;
	if (f)
		fclose(f);
	return n == 4 && !memcmp(m, "PK\3\4", 4);
}

int rules_import_path(struct store *s, const char *path, const struct ruleimport_options *o, struct import_counts *c,
                      struct ruleimport_counts *rc, const struct diag_sink *errors)
{
	struct import_ctx x = {.s = s, .c = c, .rc = rc, .errors = errors};
	if (o && o->version_lock) {
		x.given_lock = lock_load(&x.locks, o->version_lock, errors);
		x.given = 1;
	}
	struct stat st;
	int r;
	if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		r = import_tree(&x, path);
	else if (strcmp(path, "-") && has_suffix(path, ".toml"))
		r = import_toml(&x, path, 0);
	else if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode) && is_zip(path))
		r = import_zip(&x, path);
	else
		r = rules_import_file(s, path, path, c, errors); /* the analyst's own JSON or NDJSON */
	locks_release(&x.locks);
	if (r < 0)
		return -1;
	return r || x.failed ? 1 : 0;
}

/* ---- showing a rule's metadata ---- */

char *rule_json_with_metadata(const struct rule_row *row)
{
	cJSON *meta = row->metadata ? cJSON_Parse(row->metadata) : NULL;
	cJSON *rule = meta ? cJSON_Parse(row->json) : NULL;
	if (!cJSON_IsObject(rule) || cJSON_GetObjectItemCaseSensitive(rule, "metadata")) {
		cJSON_Delete(meta);
		cJSON_Delete(rule);
		return xstrdup(row->json);
	}
	cJSON_AddItemToObject(rule, "metadata", meta);
	char *out = cJSON_PrintUnformatted(rule);
	cJSON_Delete(rule);
	char *copy = xstrdup(out);
	cJSON_free(out);
	return copy;
}

char *rule_metadata_summary(const char *metadata)
{
	cJSON *m = metadata ? cJSON_Parse(metadata) : NULL;
	static const char *const shown[][2] = {{"maturity", "maturity"},
	                                       {"creation_date", "created"},
	                                       {"updated_date", "updated"},
	                                       {"integration", "integration"},
	                                       {"min_stack_version", "min_stack_version"}};
	struct strbuf l;
	strbuf_init(&l, 128);
	for (size_t i = 0; m && i < sizeof(shown) / sizeof(shown[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, shown[i][0]), *e;
		if (!cJSON_IsString(v) && !cJSON_IsArray(v))
			continue;
		strbuf_addf(&l, "%s%s ", l.len ? ", " : "", shown[i][1]);
		if (cJSON_IsString(v))
			strbuf_addstr(&l, v->valuestring);
		int n = 0;
		cJSON_ArrayForEach(e, v) if (cJSON_IsString(e))
		{
			strbuf_addstr(&l, n++ ? " " : "");
			strbuf_addstr(&l, e->valuestring);
		}
	}
	cJSON_Delete(m);
	if (!l.len) {
		strbuf_release(&l);
		return NULL;
	}
	return strbuf_detach(&l, NULL);
}
