#include "triage/evidence.h"
#include "detect/jsondoc.h"

#include <stdlib.h>
#include <string.h>

#include "detect/field.h"

static const char *const paths[EV_COUNT] = {
#define X(name, path) path,
    EVIDENCE_FIELDS(X)
#undef X
};

int evidence_read(const char *doc, size_t len, struct evidence *e)
{
	return json_fields_len(doc, len, paths, EV_COUNT, e->v);
}

void evidence_release(struct evidence *e)
{
	for (int i = 0; i < EV_COUNT; i++)
		free(e->v[i]);
	memset(e, 0, sizeof(*e));
}

static int has_category(const struct evidence *e, const char *c)
{
	return e->v[EV_CATEGORY] && strstr(e->v[EV_CATEGORY], c);
}

char *evidence_destination(const struct evidence *e)
{
	if (!e->v[EV_DEST_IP])
		return NULL;
	struct strbuf sb;
	strbuf_init(&sb, 64);
	/* an IPv6 address takes brackets before its port */
	int v6 = strchr(e->v[EV_DEST_IP], ':') != NULL && e->v[EV_DEST_PORT];
	strbuf_addf(&sb, "%s%s%s", v6 ? "[" : "", e->v[EV_DEST_IP], v6 ? "]" : "");
	if (e->v[EV_DEST_PORT])
		strbuf_addf(&sb, ":%s", e->v[EV_DEST_PORT]);
	return strbuf_detach(&sb, NULL);
}

void evidence_line(const struct evidence *e, struct strbuf *out)
{
	const char *const *v = (const char *const *)e->v;
	if (v[EV_DNS_QUESTION] && (has_category(e, "network") || !v[EV_PATH])) {
		strbuf_addf(out, "dns %s", v[EV_DNS_QUESTION]);
		return;
	}
	char *dest = evidence_destination(e);
	if (dest && (has_category(e, "network") || !v[EV_PATH])) {
		strbuf_addf(out, "→ %s", dest);
		if (v[EV_DEST_DOMAIN])
			strbuf_addf(out, " (%s)", v[EV_DEST_DOMAIN]);
		free(dest);
		return;
	}
	free(dest);
	if (v[EV_PATH] && (has_category(e, "file") || !v[EV_EXECUTABLE])) {
		strbuf_addstr(out, v[EV_PATH]);
		if (v[EV_OLD_PATH])
			strbuf_addf(out, " ← %s", v[EV_OLD_PATH]);
		return;
	}
	/* a command line with arguments; a bare name says less than the executable's path */
	if (v[EV_COMMAND_LINE] && (strchr(v[EV_COMMAND_LINE], ' ') || !v[EV_EXECUTABLE]))
		strbuf_addstr(out, v[EV_COMMAND_LINE]);
	else if (v[EV_URL])
		strbuf_addstr(out, v[EV_URL]);
	else if (v[EV_EXECUTABLE])
		strbuf_addstr(out, v[EV_EXECUTABLE]);
	else if (v[EV_PATH])
		strbuf_addstr(out, v[EV_PATH]);
	else
		strbuf_addstr(out, "-");
}
