/* columns: an event's columns from its document (ingest/columns.h). */
#include "ingest/columns.h"

#include <string.h>

void event_columns_init(struct event_columns *c)
{
	jtape_init(&c->tape);
	strbuf_init(&c->arena, 4096);
}

void event_columns_release(struct event_columns *c)
{
	jtape_release(&c->tape);
	strbuf_release(&c->arena);
}

static const char *arena_str(const char *arena, size_t off)
{
	return off == EX_ABSENT ? NULL : arena + off;
}

void event_columns_from_extracted(const struct extracted *ex, const char *arena, struct event_record *r)
{
	memset(r, 0, sizeof(*r));
	r->ts = ex->ts;
	r->ingested = ex->ingested;
	r->has_ingested = ex->has_ingested;
	r->host_id = arena_str(arena, ex->str[EX_HOST_ID]);
	r->host_name = arena_str(arena, ex->str[EX_HOST_NAME]);
	r->os_type = arena_str(arena, ex->str[EX_OS_TYPE]);
	r->kind = arena_str(arena, ex->str[EX_KIND]);
	r->category = arena_str(arena, ex->str[EX_CATEGORY]);
	r->type = arena_str(arena, ex->str[EX_TYPE]);
	r->action = arena_str(arena, ex->str[EX_ACTION]);
	r->file_path = arena_str(arena, ex->str[EX_FILE_PATH]);
	r->entity_id = arena_str(arena, ex->str[EX_ENTITY_ID]);
	r->executable = arena_str(arena, ex->str[EX_EXECUTABLE]);
	r->process_name = arena_str(arena, ex->str[EX_PROCESS_NAME]);
	r->user_name = arena_str(arena, ex->str[EX_USER_NAME]);
	r->derived = arena_str(arena, ex->str[EX_DERIVED]);
	r->pid = ex->pid;
	r->has_pid = ex->has_pid;
	r->irregular = ex->irregular;
	r->names_exact = ex->names_exact;
}

int event_columns_read(struct event_columns *c, const char *doc, size_t len, struct event_record *r, struct strbuf *err)
{
	struct jt_error jerr;
	char why[160];
	struct extracted ex;
	struct event_root root = {.tok = 0, .id_tok = -1, .index_tok = -1};
	strbuf_reset(&c->arena);
	if (jtape_parse(&c->tape, doc, len, &jerr)) {
		strbuf_addf(err, "an event's document does not parse: %s", jerr.msg);
		return -1;
	}
	if (extract_event(&c->tape, &root, &c->arena, &ex, why, sizeof(why))) {
		strbuf_addf(err, "an event's document is no event: %s", why);
		return -1;
	}
	event_columns_from_extracted(&ex, c->arena.buf, r);
	return 0;
}
