#include "detect/grok.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/regex.h"

#define GROK_MAX_EXPANSION 16 /* library patterns refer to others this deep at most */

/* The common part of Elastic's grok pattern library (legacy, non-ECS names). */
static const struct {
	const char *name, *regex;
} library[] = {
    {"USERNAME", "[a-zA-Z0-9._-]+"},
    {"USER", "%{USERNAME}"},
    {"EMAILLOCALPART", "[a-zA-Z0-9!#$%&'*+\\-/=?^_`{|}~]{1,64}(?:\\.[a-zA-Z0-9!#$%&'*+\\-/=?^_`{|}~]{1,62}){0,63}"},
    {"EMAILADDRESS", "%{EMAILLOCALPART}@%{HOSTNAME}"},
    {"INT", "(?:[+-]?(?:[0-9]+))"},
    {"BASE10NUM", "(?<![0-9.+-])(?>[+-]?(?:(?:[0-9]+(?:\\.[0-9]+)?)|(?:\\.[0-9]+)))"},
    {"NUMBER", "(?:%{BASE10NUM})"},
    {"BASE16NUM", "(?<![0-9A-Fa-f])(?:[+-]?(?:0x)?(?:[0-9A-Fa-f]+))"},
    {"POSINT", "\\b(?:[1-9][0-9]*)\\b"},
    {"NONNEGINT", "\\b(?:[0-9]+)\\b"},
    {"WORD", "\\b\\w+\\b"},
    {"NOTSPACE", "\\S+"},
    {"SPACE", "\\s*"},
    {"DATA", ".*?"},
    {"GREEDYDATA", ".*"},
    {"QUOTEDSTRING",
     "(?>(?<!\\\\)(?>\"(?>\\\\.|[^\\\\\"]+)+\"|\"\"|(?>'(?>\\\\.|[^\\\\']+)+')|''|(?>`(?>\\\\.|[^\\\\`]+)+`)|``))"},
    {"UUID", "[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}"},
    {"MAC", "(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})"},
    {"CISCOMAC", "(?:(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4})"},
    {"WINDOWSMAC", "(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})"},
    {"COMMONMAC", "(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})"},
    {"IPV6", "(?:(?:(?:[0-9A-Fa-f]{1,4}:){7}(?:[0-9A-Fa-f]{1,4}|:))|(?:(?:[0-9A-Fa-f]{1,4}:){6}(?::[0-9A-Fa-f]{1,4}|"
             "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3})|:))|"
             "(?:(?:[0-9A-Fa-f]{1,4}:){5}(?:(?:(?::[0-9A-Fa-f]{1,4}){1,2})|:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"
             "(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3})|:))|(?:(?:[0-9A-Fa-f]{1,4}:){4}(?:(?:(?::[0-9A-Fa-f]"
             "{1,4}){1,3})|(?:(?::[0-9A-Fa-f]{1,4})?:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]"
             "\\d|1\\d\\d|[1-9]?\\d)){3}))|:))|(?:(?:[0-9A-Fa-f]{1,4}:){3}(?:(?:(?::[0-9A-Fa-f]{1,4}){1,4})|(?:(?::"
             "[0-9A-Fa-f]{1,4}){0,2}:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|"
             "[1-9]?\\d)){3}))|:))|(?:(?:[0-9A-Fa-f]{1,4}:){2}(?:(?:(?::[0-9A-Fa-f]{1,4}){1,5})|(?:(?::[0-9A-Fa-f]"
             "{1,4}){0,3}:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d))"
             "{3}))|:))|(?:(?:[0-9A-Fa-f]{1,4}:){1}(?:(?:(?::[0-9A-Fa-f]{1,4}){1,6})|(?:(?::[0-9A-Fa-f]{1,4}){0,4}:"
             "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:))|(?::"
             "(?:(?:(?::[0-9A-Fa-f]{1,4}){1,7})|(?:(?::[0-9A-Fa-f]{1,4}){0,5}:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|"
             "[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}))|:)))(?:%.+)?"},
    {"IPV4", "(?<![0-9])(?:(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.]"
             "(?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5])[.](?:[0-1]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]))(?![0-9])"},
    {"IP", "(?:%{IPV6}|%{IPV4})"},
    {"HOSTNAME", "\\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\\.?|\\b)"},
    {"IPORHOST", "(?:%{IP}|%{HOSTNAME})"},
    {"HOSTPORT", "%{IPORHOST}:%{POSINT}"},
    {"PATH", "(?:%{UNIXPATH}|%{WINPATH})"},
    {"UNIXPATH", "(?:/[[:alnum:]_%!$@:.,+~-]*)+"},
    {"WINPATH", "(?>[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*]*)+"},
    {"URIPROTO", "[A-Za-z](?:[A-Za-z0-9+\\-.]+)+"},
    {"URIHOST", "%{IPORHOST}(?::%{POSINT})?"},
    {"URIPATH", "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\\-]*)+"},
    {"URIQUERY", "[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\-\\[\\]<>]*"},
    {"URIPARAM", "\\?%{URIQUERY}"},
    {"URIPATHPARAM", "%{URIPATH}(?:\\?%{URIQUERY})?"},
    {"URI", "%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATH}(?:\\?%{URIQUERY})?)?"},
    {"MONTH", "\\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|"
              "[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|"
              "[Dd]e(?:c|z)(?:ember)?)\\b"},
    {"MONTHNUM", "(?:0?[1-9]|1[0-2])"},
    {"MONTHDAY", "(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])"},
    {"DAY", "(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"},
    {"YEAR", "(?>\\d\\d){1,2}"},
    {"HOUR", "(?:2[0123]|[01]?[0-9])"},
    {"MINUTE", "(?:[0-5][0-9])"},
    {"SECOND", "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)"},
    {"TIME", "(?!<[0-9])%{HOUR}:%{MINUTE}(?::%{SECOND})(?![0-9])"},
    {"ISO8601_TIMEZONE", "(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))"},
    {"TIMESTAMP_ISO8601", "%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?"},
    {"LOGLEVEL", "(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?"
                 "(?:RMATION)?|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?"
                 "(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)"},
};

struct grok {
	pcre2_code *re;
	pcre2_match_data *md;
	char **names; /* the fields, in the order of their groups g0, g1, ... */
	enum grok_type *types;
	size_t n;
};

static const char *library_regex(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(library) / sizeof(library[0]); i++)
		if (strlen(library[i].name) == len && !strncmp(library[i].name, name, len))
			return library[i].regex;
	return NULL;
}

static void add_field(struct grok *g, struct strbuf *out, const char *name, size_t len, enum grok_type type)
{
	g->names = xrealloc(g->names, (g->n + 1) * sizeof(*g->names));
	g->types = xrealloc(g->types, (g->n + 1) * sizeof(*g->types));
	g->names[g->n] = xstrndup(name, len);
	g->types[g->n] = type;
	strbuf_addf(out, "(?<g%zu>", g->n++);
}

/* Appends a pattern's own regular expression; at the top, a named group (?<name>...) names a
 * field as %{...:name} does — and, as in Elasticsearch's Joni, the name may have dots
 * ((?<Esql.user>...)), which PCRE2's names cannot: the group is renamed. */
static void add_regex(struct grok *g, struct strbuf *out, const char *p, size_t len, int top)
{
	for (size_t i = 0; i < len; i++) {
		size_t slashes = 0;
		while (slashes < i && p[i - 1 - slashes] == '\\')
			slashes++;
		if (top && !(slashes & 1) && i + 3 < len && !strncmp(p + i, "(?<", 3) && p[i + 3] != '=' &&
		    p[i + 3] != '!') {
			const char *end = memchr(p + i + 3, '>', len - i - 3);
			if (end && end > p + i + 3) {
				add_field(g, out, p + i + 3, (size_t)(end - (p + i + 3)), GROK_STRING);
				i = (size_t)(end - p);
				continue;
			}
		}
		strbuf_addch(out, p[i]);
	}
}

/* Appends pat with each %{NAME[:field[:type]]} replaced by its regular expression; a field
 * becomes a named group (only at the top: the library's own references do not name fields). */
static int expand(struct grok *g, struct strbuf *out, const char *pat, int depth, char *why, size_t whylen,
                  int *unsupported)
{
	if (depth > GROK_MAX_EXPANSION) {
		snprintf(why, whylen, "GROK patterns refer to each other too deeply");
		return -1;
	}
	for (const char *p = pat; *p;) {
		const char *open = strstr(p, "%{");
		if (!open) {
			add_regex(g, out, p, strlen(p), depth == 0);
			break;
		}
		add_regex(g, out, p, (size_t)(open - p), depth == 0);
		const char *close = strchr(open, '}');
		if (!close) {
			snprintf(why, whylen, "GROK: a %%{ is not closed");
			return -1;
		}
		const char *name = open + 2, *colon = memchr(name, ':', (size_t)(close - name));
		size_t nlen = colon ? (size_t)(colon - name) : (size_t)(close - name);
		const char *regex = library_regex(name, nlen);
		if (!regex) {
			snprintf(why, whylen, "the GROK pattern %.*s is not one casebook has built in",
			         (int)(nlen > 60 ? 60 : nlen), name);
			*unsupported = 1;
			return -1;
		}
		if (colon && depth == 0) {
			const char *field = colon + 1, *tcolon = memchr(field, ':', (size_t)(close - field));
			size_t flen = tcolon ? (size_t)(tcolon - field) : (size_t)(close - field);
			enum grok_type type = GROK_STRING;
			if (tcolon) {
				size_t tlen = (size_t)(close - tcolon - 1);
				if ((tlen == 3 && !strncmp(tcolon + 1, "int", 3)) ||
				    (tlen == 4 && !strncmp(tcolon + 1, "long", 4)))
					type = GROK_INT;
				else if ((tlen == 5 && !strncmp(tcolon + 1, "float", 5)) ||
				         (tlen == 6 && !strncmp(tcolon + 1, "double", 6)))
					type = GROK_FLOAT;
				else if (tlen == 7 && !strncmp(tcolon + 1, "boolean", 7))
					type = GROK_BOOLEAN;
				else if (!(tlen == 6 && !strncmp(tcolon + 1, "string", 6)))
					snprintf(why, whylen,
					         "GROK: a field's type is int, long, float, double, boolean or string");
				if (*why)
					return -1;
			}
			add_field(g, out, field, flen, type);
		} else {
			strbuf_addstr(out, "(?:");
		}
		if (expand(g, out, regex, depth + 1, why, whylen, unsupported))
			return -1;
		strbuf_addch(out, ')');
		p = close + 1;
	}
	return 0;
}

struct grok *grok_compile(const char *pattern, char *why, size_t whylen, int *unsupported)
{
	struct grok *g = xcalloc(1, sizeof(*g));
	struct strbuf re;
	strbuf_init(&re, 256);
	*why = '\0';
	*unsupported = 0;
	if (expand(g, &re, pattern, 0, why, whylen, unsupported)) {
		strbuf_release(&re);
		grok_free(g);
		return NULL;
	}
	char msg[200];
	g->re = regex_compile(re.buf, re.len, PCRE2_UTF | PCRE2_DUPNAMES, msg, sizeof(msg));
	strbuf_release(&re);
	if (!g->re) {
		snprintf(why, whylen, "GROK: %s", msg);
		grok_free(g);
		return NULL;
	}
	g->md = pcre2_match_data_create_from_pattern(g->re, NULL);
	return g;
}

void grok_free(struct grok *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->names[i]);
	free(g->names);
	free(g->types);
	pcre2_match_data_free(g->md);
	pcre2_code_free(g->re);
	free(g);
}

size_t grok_field_count(const struct grok *g)
{
	return g->n;
}

const char *grok_field_name(const struct grok *g, size_t i)
{
	return g->names[i];
}

enum grok_type grok_field_type(const struct grok *g, size_t i)
{
	return g->types[i];
}

int grok_match(const struct grok *g, const char *subject, char **values)
{
	int rc = regex_match(g->re, subject, strlen(subject), g->md);
	if (rc == REGEX_GAVE_UP)
		return -1;
	if (rc < 0)
		return 0;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(g->md);
	for (size_t i = 0; i < g->n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "g%zu", i);
		int k = pcre2_substring_number_from_name(g->re, (PCRE2_SPTR)name);
		values[i] = NULL;
		if (k > 0 && k < rc && ov[2 * k] != PCRE2_UNSET)
			values[i] = xstrndup(subject + ov[2 * k], ov[2 * k + 1] - ov[2 * k]);
	}
	return 1;
}
