/* evidence: what an event shows an analyst in one line of a timeline — a network event its
 * destination address and port (and domain), a DNS event its question, a process event its
 * command line, a file event its path (and the old path of a rename) — not the process path
 * again. The console, `casebook timeline`, the Markdown report and the Timesketch export all
 * say it the same way. Strings are untrusted: sanitize on output. */
#ifndef CASEBOOK_EVIDENCE_H
#define CASEBOOK_EVIDENCE_H

#include <stddef.h>

#include "common/strbuf.h"

#define EVIDENCE_FIELDS(X)                                                                                             \
	X(CATEGORY, "event.category")                                                                                  \
	X(COMMAND_LINE, "process.command_line")                                                                        \
	X(ARGS, "process.args")                                                                                        \
	X(EXECUTABLE, "process.executable")                                                                            \
	X(PARENT, "process.parent.executable")                                                                         \
	X(PARENT_NAME, "process.parent.name")                                                                          \
	X(DEST_IP, "destination.ip")                                                                                   \
	X(DEST_PORT, "destination.port")                                                                               \
	X(DEST_DOMAIN, "destination.domain")                                                                           \
	X(DNS_QUESTION, "dns.question.name")                                                                           \
	X(URL, "url.full")                                                                                             \
	X(PATH, "file.path")                                                                                           \
	X(OLD_PATH, "file.Ext.original.path")                                                                          \
	X(FILE_SHA256, "file.hash.sha256")                                                                             \
	X(PROCESS_SHA256, "process.hash.sha256")

enum evidence_field {
#define X(name, path) EV_##name,
	EVIDENCE_FIELDS(X)
#undef X
	    EV_COUNT
};

struct evidence {
	char *v[EV_COUNT]; /* each field's values as text (arrays joined by ", "), or NULL */
};

/* Reads the fields from a JSON document of len bytes. 0, or -1 when it is not JSON. */
int evidence_read(const char *doc, size_t len, struct evidence *e);
void evidence_release(struct evidence *e);
/* The one line: "203.0.113.77:443 (evil.example)", "sh -c curl …", "/tmp/a ← /tmp/b", … */
void evidence_line(const struct evidence *e, struct strbuf *out);
/* "203.0.113.77:443", or NULL when the event has no destination address (malloc'd). */
char *evidence_destination(const struct evidence *e);

#endif
