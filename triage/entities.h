/* entities: who, what and where an alert is about — its host, user, process, command line,
 * parent process, code signature, file and destination — as one typed list with one wording.
 * The console's Overview, the Markdown export and `casebook show` print this list, so the same
 * unsigned binary reads the same everywhere. Texts are untrusted: sanitize on output. */
#ifndef CASEBOOK_ENTITIES_H
#define CASEBOOK_ENTITIES_H

#include <stddef.h>

/* X(name, label): in the order every view lists them. */
#define ENTITY_KINDS(X)                                                                                                \
	X(HOST, "Host")                                                                                                \
	X(USER, "User")                                                                                                \
	X(PROCESS, "Process")                                                                                          \
	X(COMMAND_LINE, "Command line")                                                                                \
	X(PARENT, "Parent process")                                                                                    \
	X(SIGNATURE, "Code signature")                                                                                 \
	X(FILE, "File")                                                                                                \
	X(DESTINATION, "Destination")

enum entity_kind {
#define X(name, label) ENTITY_##name,
	ENTITY_KINDS(X)
#undef X
	    ENTITY_COUNT
};

struct entity {
	enum entity_kind kind;
	char *text; /* "/bin/zsh (pid 440)", "unsigned; not trusted; status errorCodeSignature", … */
};

/* At most one entity of each kind, in ENTITY_KINDS order: the list's size is fixed, not the
 * input's. */
struct entity_list {
	struct entity v[ENTITY_COUNT];
	size_t n;
};

/* Reads the entities from the alert's source event (event_doc, may be NULL) and, for what the
 * event lacks, from the alert document (alert_doc, may be NULL): an imported alert's event may
 * not be in the case. A kind neither document has is left out, except the code signature of a
 * process, which says "none recorded" (absent is not unsigned). Returns 0, or -1 when neither
 * document is JSON (the list is then empty). Release it either way. */
int entities_read(const char *event_doc, const char *alert_doc, struct entity_list *out);
void entities_release(struct entity_list *l);
/* "Parent process": the label every view prints before the text. */
const char *entity_label(enum entity_kind k);
/* The entity of kind k in the list, or NULL. */
const struct entity *entities_find(const struct entity_list *l, enum entity_kind k);

#endif
