#include "tui/dialog.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "tui/draw.h"
#include "tui/textedit.h"
#include "tui/view.h"

#define CTRL(c) ((c)&0x1f)

enum dialog_kind { D_PROMPT, D_CHOOSE, D_CONFIRM, D_EDITOR };

struct dialog {
	enum dialog_kind kind;
	char *title;
	struct textedit input; /* the prompt's or the editor's text and cursor */
	char **choices;
	size_t nchoices, choice;
	union {
		dialog_text_fn text;
		dialog_save_fn save;
		dialog_choice_fn choice;
		dialog_answer_fn answer;
	} done;
	void *data;
	dialog_free_fn free_data;
	struct dialog *below;
};

static struct dialog *push(struct app *a, enum dialog_kind kind, const char *title, void *data,
                           dialog_free_fn free_data)
{
	struct dialog *d = xcalloc(1, sizeof(*d));
	d->kind = kind;
	d->title = xstrdup(title);
	textedit_init(&d->input, NULL);
	d->data = data;
	d->free_data = free_data;
	d->below = a->dialog;
	a->dialog = d;
	return d;
}

/* Takes the top dialog off the stack; its data goes with it only when drop is set. */
static void pop(struct app *a, int drop)
{
	struct dialog *d = a->dialog;
	if (!d)
		return;
	a->dialog = d->below;
	if (drop && d->free_data)
		d->free_data(d->data);
	free(d->title);
	textedit_release(&d->input);
	for (size_t i = 0; i < d->nchoices; i++)
		free(d->choices[i]);
	free(d->choices);
	free(d);
}

void dialog_close_all(struct app *a)
{
	while (a->dialog)
		pop(a, 1);
}

int dialog_open(const struct app *a)
{
	return a->dialog != NULL;
}

int dialog_takes_text(const struct app *a)
{
	return a->dialog && (a->dialog->kind == D_PROMPT || a->dialog->kind == D_EDITOR);
}

void dialog_prompt(struct app *a, const char *title, const char *initial, dialog_text_fn done, void *data,
                   dialog_free_fn free_data)
{
	struct dialog *d = push(a, D_PROMPT, title, data, free_data);
	d->done.text = done;
	if (initial)
		textedit_insert(&d->input, initial, strlen(initial));
}

void dialog_choose(struct app *a, const char *title, const char *const *options, size_t n, dialog_choice_fn done,
                   void *data, dialog_free_fn free_data)
{
	struct dialog *d = push(a, D_CHOOSE, title, data, free_data);
	d->done.choice = done;
	d->choices = xcalloc(n ? n : 1, sizeof(*d->choices));
	for (size_t i = 0; i < n; i++)
		d->choices[i] = xstrdup(options[i]);
	d->nchoices = n;
}

void dialog_confirm(struct app *a, const char *question, dialog_answer_fn done, void *data, dialog_free_fn free_data)
{
	struct dialog *d = push(a, D_CONFIRM, question, data, free_data);
	d->done.answer = done;
}

/* Runs the editor on path with the terminal given back to it; returns its exit status (-1 when
 * it could not be started). */
static int run_editor(const char *editor, const char *path)
{
	def_prog_mode();
	endwin();
	struct sigaction ignore = {.sa_handler = SIG_IGN}, old_int, old_quit;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	struct strbuf cmd;
	strbuf_init(&cmd, 64);
	strbuf_addf(&cmd, "%s \"$1\"", editor);
	int status = -1;
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execl("/bin/sh", "sh", "-c", cmd.buf, "editor", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		int ws;
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
	}
	strbuf_release(&cmd);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	return status;
}

/* $VISUAL or $EDITOR on a private file, as git does ("$EDITOR" "$1" through sh, so that an
 * editor given with options works). The console waits with SIGINT and SIGQUIT ignored, so a
 * Ctrl-C in the editor reaches only the editor; whatever the outcome, the note is saved or its
 * file is kept and named. */
static void external_editor(struct app *a, dialog_save_fn save, void *data)
{
	const char *dir = getenv("TMPDIR");
	struct strbuf path;
	strbuf_init(&path, 128);
	strbuf_addf(&path, "%s/casebook-note-XXXXXX.md", dir && *dir ? dir : "/tmp");
	int fd = mkstemps(path.buf, 3);
	if (fd < 0) {
		say(a, "could not make a file for the editor in %.200s", dir && *dir ? dir : "/tmp");
		strbuf_release(&path);
		return;
	}
	close(fd);
	int status = run_editor(a->o.editor, path.buf);
	struct strbuf text;
	strbuf_init(&text, 1024);
	FILE *f = fopen(path.buf, "r");
	int read_ok = f && strbuf_read_stream(&text, f) == 0;
	if (f)
		fclose(f);
	while (text.len && (text.buf[text.len - 1] == '\n' || text.buf[text.len - 1] == ' '))
		text.buf[--text.len] = '\0';
	char nul[64];
	if (status != 0 || !read_ok)
		say(a, "the editor failed (%s): whatever it wrote is kept in %.200s",
		    status != 0 ? "exit status not 0" : "its file could not be read", path.buf);
	else if (strbuf_check_text(&text, nul, sizeof(nul)))
		say(a, "the note has %s; a note is text, so it was not saved: it is kept in %.200s", nul, path.buf);
	else if (!text.len && !unlink(path.buf))
		say(a, "empty note not saved");
	else if (save(a, text.buf, data) == 0)
		unlink(path.buf);
	else {
		char why[200];
		snprintf(why, sizeof(why), "%.199s", a->msg);
		say(a, "%s; the note is kept in %.200s", why, path.buf);
	}
	strbuf_release(&text);
	strbuf_release(&path);
}

void dialog_editor(struct app *a, const char *title, dialog_save_fn save, void *data, dialog_free_fn free_data)
{
	if (a->o.editor && *a->o.editor) {
		external_editor(a, save, data);
		if (free_data)
			free_data(data);
		return;
	}
	struct dialog *d = push(a, D_EDITOR, title, data, free_data);
	d->done.save = save;
}

/* Enter on a prompt: the dialog closes, then its callback runs. */
static void submit_text(struct app *a)
{
	struct dialog *d = a->dialog;
	dialog_text_fn done = d->done.text;
	void *data = d->data;
	char *text = strbuf_detach(&d->input.text, NULL);
	strbuf_init(&d->input.text, 0);
	pop(a, 0);
	done(a, text, data);
	free(text);
}

/* Ctrl-D or F2 in the editor: the editor closes once the note is saved, and stays open with
 * the text when it could not be (a note is never lost to a failed write). */
static void submit_note(struct app *a)
{
	struct dialog *d = a->dialog;
	if (d->done.save(a, d->input.text.buf, d->data) == 0)
		pop(a, 1);
}

static void submit_choice(struct app *a)
{
	struct dialog *d = a->dialog;
	dialog_choice_fn done = d->done.choice;
	void *data = d->data;
	size_t c = d->choice;
	pop(a, 0);
	done(a, c, data);
}

static void submit_answer(struct app *a, int yes)
{
	struct dialog *d = a->dialog;
	dialog_answer_fn done = d->done.answer;
	void *data = d->data;
	pop(a, 0);
	done(a, yes, data);
}

/* The editor's Esc: "Discard this note?" — yes closes the editor, no goes back to it. */
static void discard_answer(struct app *a, int yes, void *data)
{
	(void)data;
	if (yes) {
		pop(a, 1);
		say(a, "note discarded");
	} else {
		a->msg[0] = '\0';
	}
}

/* A dialog's box: four columns clear of each side of the screen, and at most 72 wide. */
static int box_width(void)
{
	int w = region_inset(layout_screen(), 0, 4).width;
	return w > 72 ? 72 : w;
}

/* The editor's text width: the box's, less its margins and the cursor's column. */
static int editor_width(void)
{
	return box_width() - 5;
}

static int is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

void dialog_key(struct app *a, int key)
{
	struct dialog *d = a->dialog;
	if (!d)
		return;
	if (key == CTRL('c')) /* as Esc: a note being written is asked about, never dropped */
		key = d->kind == D_CONFIRM ? 'n' : KEY_ESC;
	switch (d->kind) {
	case D_PROMPT:
		if (key == KEY_ESC)
			pop(a, 1);
		else if (is_enter(key))
			submit_text(a);
		else
			textedit_key(&d->input, key, 0);
		break;
	case D_EDITOR:
		if (key == CTRL('d') || key == KEY_F(2))
			submit_note(a);
		else if (key == KEY_ESC && d->input.text.len)
			dialog_confirm(a, "Discard this note? (y/n)", discard_answer, NULL, NULL);
		else if (key == KEY_ESC)
			pop(a, 1);
		else if (is_enter(key))
			textedit_insert(&d->input, "\n", 1);
		else
			textedit_key(&d->input, key, editor_width());
		break;
	case D_CHOOSE:
		if (key == KEY_ESC || key == 'q')
			pop(a, 1);
		else if ((key == 'j' || key == KEY_DOWN) && d->choice + 1 < d->nchoices)
			d->choice++;
		else if ((key == 'k' || key == KEY_UP) && d->choice)
			d->choice--;
		else if (key >= '1' && key <= '9' && (size_t)(key - '1') < d->nchoices) {
			d->choice = (size_t)(key - '1');
			submit_choice(a);
		} else if (is_enter(key) && d->nchoices)
			submit_choice(a);
		break;
	case D_CONFIRM:
		if (key == 'y' || key == 'Y')
			submit_answer(a, 1);
		else if (key == 'n' || key == 'N' || key == KEY_ESC || key == 'q')
			submit_answer(a, 0);
		break;
	}
}

void dialog_char(struct app *a, wint_t ch)
{
	if (!dialog_takes_text(a))
		return;
	char buf[8];
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t n = wcrtomb(buf, (wchar_t)ch, &st);
	if (n != (size_t)-1)
		textedit_insert(&a->dialog->input, buf, n);
}

/* Bytes [from, to) of the text with the cursor drawn as a bar where it stands. */
static void draw_with_cursor(int y, int x, int width, const struct textedit *in, size_t from, size_t to)
{
	size_t at = in->cursor < from ? from : in->cursor > to ? to : in->cursor;
	char *before = xstrndup(in->text.buf + from, at - from), *after = xstrndup(in->text.buf + at, to - at);
	int used = draw_text(y, x, width - 1, before, A_NORMAL, 0);
	draw_text(y, x + used, 1, "▏", A_NORMAL, 0);
	if (width - used - 1 > 0)
		draw_text(y, x + used + 1, width - used - 1, after, A_NORMAL, 1);
	free(before);
	free(after);
}

/* The dialog's question in lines of width columns: a long one is wrapped, never cut (at
 * most half the screen, so that its answers stay in sight). */
static size_t question_lines(const struct dialog *d, int width, char ***lines, size_t *all)
{
	size_t n = *all = wrap_text(d->title, width, 0, lines);
	int half = layout_rows() / 2;
	size_t most = (size_t)(half > 1 ? half : 1);
	return n < most ? n : most;
}

static void draw_question(int y, int x, int width, char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		draw_text(y + (int)i, x, width, lines[i], A_REVERSE | A_BOLD, 1);
}

static void draw_one(const struct dialog *d)
{
	int y, x, w = box_width();
	/* the editor and the list of choices leave two rows above and below them */
	struct region room = region_inset(layout_screen(), 2, 2);
	char **q = NULL;
	size_t nq = 0, nall = 0;
	switch (d->kind) {
	case D_PROMPT: {
		nq = question_lines(d, w - 4, &q, &nall);
		ui_box(3 + (int)nq, w, &y, &x);
		draw_question(y + 1, x + 2, w - 4, q, nq);
		const struct textedit *in = &d->input;
		size_t from = 0; /* the part of long input around the cursor */
		while (textedit_width(in, from, in->cursor) > w - 6)
			from++;
		while (from < in->text.len && (in->text.buf[from] & 0xC0) == 0x80)
			from++;
		draw_with_cursor(y + 1 + (int)nq, x + 2, w - 4, in, from, in->text.len);
		break;
	}
	case D_EDITOR: {
		int h = room.height;
		ui_box(h, w, &y, &x);
		draw_text(y, x + 2, w - 4, d->title, A_REVERSE | A_BOLD, 0); /* in the frame's top */
		struct textedit_row *rows;
		size_t at, n = textedit_rows(&d->input, editor_width(), &rows, &at);
		size_t shown = (size_t)(h - 3 > 1 ? h - 3 : 1);
		size_t first = at >= shown ? at - shown + 1 : 0; /* the cursor's row is always in sight */
		for (size_t i = first; i < n && i < first + shown; i++) {
			if (i == at) {
				draw_with_cursor(y + 1 + (int)(i - first), x + 2, w - 4, &d->input, rows[i].start,
				                 rows[i].end);
			} else {
				char *line = xstrndup(d->input.text.buf + rows[i].start, rows[i].end - rows[i].start);
				draw_text(y + 1 + (int)(i - first), x + 2, w - 4, line, A_NORMAL, 1);
				free(line);
			}
		}
		free(rows);
		break;
	}
	case D_CHOOSE: {
		for (size_t i = 0; i < d->nchoices; i++) /* wide enough for its labels, where there is room */
			if (text_width(d->choices[i]) + 10 > w)
				w = text_width(d->choices[i]) + 10 < room.width ? text_width(d->choices[i]) + 10
				                                                : room.width;
		nq = question_lines(d, w - 4, &q, &nall);
		/* ui_box keeps 2 lines free; the frame takes 2 more, the question nq */
		int rows = room.height - (int)nq;
		size_t fit = (size_t)(rows > 1 ? rows : 1);
		size_t shown = d->nchoices < fit ? d->nchoices : fit;
		ui_box((int)(shown + nq) + 2, w, &y, &x);
		draw_question(y + 1, x + 2, w - 4, q, nq);
		size_t first = d->choice >= shown ? d->choice - shown + 1 : 0; /* the choice in sight */
		for (size_t i = first; i < d->nchoices && i < first + shown; i++) {
			struct strbuf label;
			strbuf_init(&label, 128);
			strbuf_addf(&label, "%zu %s", i + 1, d->choices[i]);
			draw_text(y + 1 + (int)nq + (int)(i - first), x + 2, w - 4, label.buf,
			          i == d->choice ? A_NORMAL | A_BOLD : A_REVERSE, 1);
			strbuf_release(&label);
		}
		break;
	}
	case D_CONFIRM:
		nq = question_lines(d, w - 4, &q, &nall);
		ui_box(2 + (int)nq, w, &y, &x);
		draw_question(y + 1, x + 2, w - 4, q, nq);
		break;
	}
	if (q)
		free_lines(q, nall);
}

void dialog_draw(struct app *a)
{
	/* the one under a confirmation stays visible around it */
	if (a->dialog && a->dialog->below && a->dialog->kind == D_CONFIRM)
		draw_one(a->dialog->below);
	if (a->dialog)
		draw_one(a->dialog);
}
