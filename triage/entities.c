#include "triage/entities.h"

#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/field.h"
#include "detect/jsondoc.h"
#include "triage/evidence.h"

#define ENTITY_FIELDS(X)                                                                                               \
	X(HOST_NAME, "host.name")                                                                                      \
	X(HOST_ID, "host.id")                                                                                          \
	X(OS, "host.os.type")                                                                                          \
	X(DERIVED, "casebook.derived_fields")                                                                          \
	X(USER, "user.name")                                                                                           \
	X(EXE, "process.executable")                                                                                   \
	X(NAME, "process.name")                                                                                        \
	X(PID, "process.pid")                                                                                          \
	X(CMD, "process.command_line")                                                                                 \
	X(PARENT_EXE, "process.parent.executable")                                                                     \
	X(PARENT_NAME, "process.parent.name")                                                                          \
	X(PARENT_PID, "process.parent.pid")                                                                            \
	X(SIG_EXISTS, "process.code_signature.exists")                                                                 \
	X(SIGNER, "process.code_signature.subject_name")                                                               \
	X(TRUSTED, "process.code_signature.trusted")                                                                   \
	X(TEAM, "process.code_signature.team_id")                                                                      \
	X(SIG_STATUS, "process.code_signature.status")                                                                 \
	X(PATH, "file.path")                                                                                           \
	X(SHA256, "file.hash.sha256")                                                                                  \
	X(ORIG, "file.Ext.original.path")                                                                              \
	X(DEST_IP, "destination.ip")                                                                                   \
	X(DEST_PORT, "destination.port")                                                                               \
	X(DEST_DOMAIN, "destination.domain")

enum entity_field {
#define X(name, path) EF_##name,
	ENTITY_FIELDS(X)
#undef X
	    EF_COUNT
};

static const char *const field_paths[EF_COUNT] = {
#define X(name, path) path,
    ENTITY_FIELDS(X)
#undef X
};

static const char *const labels[ENTITY_COUNT] = {
#define X(name, label) label,
    ENTITY_KINDS(X)
#undef X
};

const char *entity_label(enum entity_kind k)
{
	return (unsigned)k < ENTITY_COUNT ? labels[k] : "?";
}

const struct entity *entities_find(const struct entity_list *l, enum entity_kind k)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].kind == k)
			return &l->v[i];
	return NULL;
}

static int is_set(const char *s)
{
	return s && *s;
}

static void add(struct entity_list *l, enum entity_kind k, struct strbuf *text)
{
	l->v[l->n++] = (struct entity){.kind = k, .text = strbuf_detach(text, NULL)};
}

/* "mac-01 (id 0d83…, OS macos)": the name (else the id), then what else is known. */
static void host(struct entity_list *l, char *const *f)
{
	if (!f[EF_HOST_NAME] && !f[EF_HOST_ID])
		return;
	struct strbuf sb;
	strbuf_init(&sb, 96);
	strbuf_addstr(&sb, f[EF_HOST_NAME] ? f[EF_HOST_NAME] : f[EF_HOST_ID]);
	const char *sep = " (";
	if (f[EF_HOST_NAME] && f[EF_HOST_ID]) {
		strbuf_addf(&sb, "%sid %s", sep, f[EF_HOST_ID]);
		sep = ", ";
	}
	if (f[EF_OS]) {
		strbuf_addf(&sb, "%sOS %s", sep, f[EF_OS]);
		if (f[EF_DERIVED] && strstr(f[EF_DERIVED], "host.os.type"))
			strbuf_addstr(&sb, ", derived from host.os.platform");
		sep = ", ";
	}
	if (*sep == ',')
		strbuf_addch(&sb, ')');
	add(l, ENTITY_HOST, &sb);
}

/* "/path (pid N)": the executable, else the name, and the pid when the event has it. */
static void process_like(struct entity_list *l, enum entity_kind k, const char *exe, const char *name, const char *pid)
{
	if (!exe && !name)
		return;
	struct strbuf sb;
	strbuf_init(&sb, 96);
	strbuf_addstr(&sb, exe ? exe : name);
	if (pid)
		strbuf_addf(&sb, " (pid %s)", pid);
	add(l, k, &sb);
}

static void text_entity(struct entity_list *l, enum entity_kind k, const char *v)
{
	if (!v)
		return;
	struct strbuf sb;
	strbuf_init(&sb, 64);
	strbuf_addstr(&sb, v);
	add(l, k, &sb);
}

/* Elastic Defend writes exists false and an empty subject for an unsigned binary; an event
 * with no code_signature at all says nothing either way. */
static void signature(struct entity_list *l, char *const *f)
{
	struct strbuf sb;
	strbuf_init(&sb, 96);
	int unsigned_ = (f[EF_SIG_EXISTS] && !strcmp(f[EF_SIG_EXISTS], "false")) || !is_set(f[EF_SIGNER]);
	if (!f[EF_SIG_EXISTS] && !f[EF_SIGNER] && !f[EF_TRUSTED] && !f[EF_TEAM] && !f[EF_SIG_STATUS]) {
		strbuf_addstr(&sb, "none recorded (the event has no process.code_signature)");
	} else {
		strbuf_addf(&sb, "%s; %s", unsigned_ ? "unsigned" : f[EF_SIGNER],
		            f[EF_TRUSTED] && !strcmp(f[EF_TRUSTED], "true") ? "trusted" : "not trusted");
		if (is_set(f[EF_TEAM]))
			strbuf_addf(&sb, "; team %s", f[EF_TEAM]);
		if (is_set(f[EF_SIG_STATUS]))
			strbuf_addf(&sb, "; status %s", f[EF_SIG_STATUS]);
	}
	add(l, ENTITY_SIGNATURE, &sb);
}

static void file(struct entity_list *l, char *const *f)
{
	if (!f[EF_PATH])
		return;
	struct strbuf sb;
	strbuf_init(&sb, 128);
	strbuf_addstr(&sb, f[EF_PATH]);
	if (f[EF_SHA256])
		strbuf_addf(&sb, "; SHA-256 %s", f[EF_SHA256]);
	if (f[EF_ORIG])
		strbuf_addf(&sb, "; renamed from %s", f[EF_ORIG]);
	add(l, ENTITY_FILE, &sb);
}

/* The address as the timeline's evidence writes it (triage/evidence.h), then the domain. */
static void destination(struct entity_list *l, char *const *f)
{
	struct evidence e = {0};
	e.v[EV_DEST_IP] = f[EF_DEST_IP];
	e.v[EV_DEST_PORT] = f[EF_DEST_PORT];
	char *dest = evidence_destination(&e);
	if (!dest)
		return;
	struct strbuf sb;
	strbuf_init(&sb, 64);
	strbuf_addstr(&sb, dest);
	free(dest);
	if (f[EF_DEST_DOMAIN])
		strbuf_addf(&sb, " (%s)", f[EF_DEST_DOMAIN]);
	add(l, ENTITY_DESTINATION, &sb);
}

int entities_read(const char *event_doc, const char *alert_doc, struct entity_list *out)
{
	memset(out, 0, sizeof(*out));
	char *ev[EF_COUNT] = {0}, *al[EF_COUNT] = {0}, *f[EF_COUNT];
	int ev_ok = event_doc && !json_fields(event_doc, field_paths, EF_COUNT, ev);
	int al_ok = alert_doc && !json_fields(alert_doc, field_paths, EF_COUNT, al);
	for (int i = 0; i < EF_COUNT; i++)
		f[i] = ev[i] ? ev[i] : al[i];
	host(out, f);
	text_entity(out, ENTITY_USER, f[EF_USER]);
	process_like(out, ENTITY_PROCESS, f[EF_EXE], f[EF_NAME], f[EF_PID]);
	text_entity(out, ENTITY_COMMAND_LINE, f[EF_CMD]);
	process_like(out, ENTITY_PARENT, f[EF_PARENT_EXE], f[EF_PARENT_NAME], f[EF_PARENT_PID]);
	if (f[EF_EXE] || f[EF_NAME])
		signature(out, f);
	file(out, f);
	destination(out, f);
	for (int i = 0; i < EF_COUNT; i++)
		free(ev[i]), free(al[i]);
	return ev_ok || al_ok ? 0 : -1;
}

void entities_release(struct entity_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	memset(l, 0, sizeof(*l));
}
