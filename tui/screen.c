#include "tui/screen.h"

#include <curses.h>

#include "tui/draw.h" /* before term.h, whose macros (lines) it would meet */

#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <term.h> /* after curses.h */
#include <unistd.h>
#include <wchar.h>

#include "common/diag.h"
#include "common/timeutil.h"
#include "tui/app.h"

static SCREEN *screen;

int screen_open(FILE *out, FILE *in, int rows, int cols)
{
	screen = newterm("xterm-256color", out, in);
	if (!screen)
		return -1;
	set_term(screen);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	resizeterm(rows, cols);
	return 0;
}

void screen_resize(int rows, int cols)
{
	resizeterm(rows, cols);
}

void screen_row(int y, char *buf, size_t len)
{
	wchar_t w[1024];
	int n = mvinnwstr(y, 0, w, COLS < 1023 ? COLS : 1023);
	if (n < 0)
		n = 0;
	w[n] = L'\0';
	size_t k = wcstombs(buf, w, len - 1);
	if (k == (size_t)-1)
		k = 0;
	buf[k] = '\0';
	while (k > 0 && buf[k - 1] == ' ')
		buf[--k] = '\0';
}

void screen_close(void)
{
	endwin();
	if (screen)
		delscreen(screen);
	screen = NULL;
}

int screen_term_usable(char *why, size_t len)
{
	const char *term = getenv("TERM");
	if (!term || !*term || !strcmp(term, "dumb")) {
		snprintf(why, len, "the console needs a terminal that can move the cursor, and TERM is %s",
		         term && *term ? "dumb" : "not set");
		return 0;
	}
	int err = 0;
	if (setupterm(NULL, STDOUT_FILENO, &err) != OK) { /* nothing is kept when it fails */
		snprintf(why, len,
		         "this system has no description of the terminal TERM=%.60s (try TERM=xterm-256color)", term);
		return 0;
	}
	char *cup = tigetstr("cup");
	int moves = cup && cup != (char *)-1;
	del_curterm(cur_term); /* only a look: initscr sets the terminal up again */
	if (!moves) {
		snprintf(why, len, "TERM=%.60s cannot move the cursor, which the console needs", term);
		return 0;
	}
	return 1;
}

int tui_run(struct store *s, const char *analyst, const char *db_name, struct event_source *source,
            const char *source_name)
{
	setlocale(LC_ALL, "");
	/* LANG=C over SSH: the terminal may not take UTF-8, so the console draws ASCII */
	const char *codeset = nl_langinfo(CODESET);
	draw_set_ascii(!codeset || (strcasecmp(codeset, "UTF-8") && strcasecmp(codeset, "utf8")));
	if (!initscr()) {
		diag("casebook: cannot start the console on this terminal\n");
		return 1;
	}
	raw(); /* Ctrl-C is a key the console handles (a note being written is never lost to it) */
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	timeout(1000); /* wake up to notice what other processes add */
	const char *editor = getenv("VISUAL") && *getenv("VISUAL") ? getenv("VISUAL") : getenv("EDITOR");
	struct app_options o = {.analyst = analyst,
	                        .db_name = db_name,
	                        .colors = has_colors() && !getenv("NO_COLOR"),
	                        .editor = editor,
	                        .source = source,
	                        .source_name = source_name};
	struct app *a = app_new(s, &o);
	int rc = app_load(a);
	double last_poll = time_monotonic();
	while (!rc && !app_done(a)) {
		app_draw(a);
		refresh();
		wint_t ch;
		int kind = get_wch(&ch);
		if (kind == KEY_CODE_YES && ch == KEY_MOUSE) {
			MEVENT m;
			if (getmouse(&m) == OK) {
				if (m.bstate & BUTTON4_PRESSED)
					app_handle_key(a, KEY_UP);
				else if (m.bstate & BUTTON5_PRESSED)
					app_handle_key(a, KEY_DOWN);
				else if (m.bstate & BUTTON1_CLICKED)
					app_click(a, m.y, m.x);
			}
		} else if (kind == KEY_CODE_YES) {
			app_handle_key(a, (int)ch);
		} else if (kind == OK) {
			if (ch < 128)
				app_handle_key(a, (int)ch);
			else
				app_handle_char(a, ch);
		}
		if (time_monotonic() - last_poll > 2.0) {
			app_poll(a);
			last_poll = time_monotonic();
		}
	}
	endwin();
	app_free(a);
	return rc ? 1 : 0;
}
