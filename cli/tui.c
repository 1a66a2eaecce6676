/* tui: the console (also what `casebook` alone opens on a terminal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sources.h"
#include "common/diag.h"
#include "common/sanitize.h"
#include "detect/detect.h"
#include "tui/screen.h"

int cmd_tui(struct globals *g, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return command_usage_error("tui", "takes no arguments");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		diag("casebook tui: the console needs a terminal; 'casebook alerts' and 'casebook show' "
		     "print the same without one\n");
		return 1;
	}
	char why[200];
	if (!screen_term_usable(why, sizeof(why))) {
		diag("casebook tui: %s; 'casebook alerts' and 'casebook show' work on any terminal\n", why);
		return 1;
	}
	struct store *s;
	if (open_store(g, 0, &s))
		return 1;
	const char *name = strrchr(g->db, '/') ? strrchr(g->db, '/') + 1 : g->db;
	if (detect_load_field_types(s)) { /* the timeline's KQL compares as detect does */
		diag("casebook tui: %s\n", store_errmsg(s));
		store_close(s);
		return 1;
	}
	/* attached to a cluster: the timelines are read from it (a URL that does not open is said,
	 * and the console works on the case alone) */
	struct strbuf url, open_err;
	strbuf_init(&url, 64);
	strbuf_init(&open_err, 128);
	struct event_source *src = NULL;
	if (source_open_attached(s, &url, &src, &open_err)) {
		char *safe = sanitize_dup(open_err.buf, 0);
		diag("casebook tui: %s; the console shows the case's own events\n", safe);
		free(safe);
	}
	int rc = tui_run(s, g->analyst, name, src, url.buf);
	source_close(src);
	strbuf_release(&url);
	strbuf_release(&open_err);
	store_close(s);
	return rc;
}
