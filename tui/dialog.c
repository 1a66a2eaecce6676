#include "tui/dialog.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "tui/draw.h"
#include "tui/view.h"

#define CTRL(c) ((c)&0x1f)
#define KEY_ESC 27

enum dialog_kind { D_PROMPT, D_CHOOSE, D_CONFIRM, D_EDITOR };

struct dialog {
	enum dialog_kind kind;
	char *title;
	struct strbuf input; /* the prompt's or the editor's text (UTF-8) */
	char **choices;
	size_t nchoices, choice;
	union {
		dialog_text_fn text;
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
	strbuf_init(&d->input, 256);
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
	strbuf_release(&d->input);
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
		strbuf_addstr(&d->input, initial);
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

void dialog_editor(struct app *a, const char *title, dialog_text_fn done, void *data, dialog_free_fn free_data)
{
	struct dialog *d = push(a, D_EDITOR, title, data, free_data);
	d->done.text = done;
}

/* Enter on a prompt, Ctrl-D in the editor: the dialog closes, then its callback runs. */
static void submit_text(struct app *a)
{
	struct dialog *d = a->dialog;
	dialog_text_fn done = d->done.text;
	void *data = d->data;
	char *text = strbuf_detach(&d->input, NULL);
	strbuf_init(&d->input, 0);
	pop(a, 0);
	done(a, text, data);
	free(text);
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

/* Text editing shared by the prompt and the editor. */
static void edit_key(struct strbuf *in, int key)
{
	if (key == KEY_BACKSPACE || key == 127 || key == CTRL('h')) {
		while (in->len) { /* one whole UTF-8 character */
			unsigned char c = (unsigned char)in->buf[--in->len];
			if ((c & 0xC0) != 0x80)
				break;
		}
		in->buf[in->len] = '\0';
	} else if (key == CTRL('u')) {
		strbuf_reset(in);
	} else if (key >= 0x20 && key < 0x7f) {
		strbuf_addch(in, (char)key);
	}
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
			edit_key(&d->input, key);
		break;
	case D_EDITOR:
		if (key == CTRL('d') || key == KEY_F(2))
			submit_text(a);
		else if (key == KEY_ESC && d->input.len)
			dialog_confirm(a, "Discard this note? (y/n)", discard_answer, NULL, NULL);
		else if (key == KEY_ESC)
			pop(a, 1);
		else if (is_enter(key))
			strbuf_addch(&d->input, '\n');
		else
			edit_key(&d->input, key);
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
		strbuf_add(&a->dialog->input, buf, n);
}

static void draw_one(const struct dialog *d)
{
	int y, x, w = COLS - 8 > 72 ? 72 : COLS - 8;
	switch (d->kind) {
	case D_PROMPT: {
		ui_box(4, w, &y, &x);
		draw_text(y + 1, x + 2, w - 4, d->title, A_REVERSE | A_BOLD, 1);
		const char *shown = d->input.buf; /* the end of long input */
		while (text_width(shown) > w - 6)
			shown++;
		draw_text(y + 2, x + 2, w - 4, shown, A_NORMAL, 1);
		draw_text(y + 2, x + 2 + text_width(shown), 1, "▏", A_NORMAL, 0);
		break;
	}
	case D_EDITOR: {
		int h = LINES - 4;
		ui_box(h, w, &y, &x);
		draw_text(y, x + 2, w - 4, d->title, A_REVERSE | A_BOLD, 1);
		char **lines;
		size_t n = wrap_text(d->input.len ? d->input.buf : "", w - 4, 1, &lines);
		size_t first = n > (size_t)(h - 3) ? n - (size_t)(h - 3) : 0;
		for (size_t i = first; i < n; i++)
			draw_text(y + 1 + (int)(i - first), x + 2, w - 4, lines[i], A_NORMAL, 1);
		free_lines(lines, n);
		break;
	}
	case D_CHOOSE:
		ui_box((int)d->nchoices + 3, w, &y, &x);
		draw_text(y + 1, x + 2, w - 4, d->title, A_REVERSE | A_BOLD, 1);
		for (size_t i = 0; i < d->nchoices; i++) {
			struct strbuf label;
			strbuf_init(&label, 128);
			strbuf_addf(&label, "%zu %s", i + 1, d->choices[i]);
			draw_text(y + 2 + (int)i, x + 2, w - 4, label.buf,
			          i == d->choice ? A_NORMAL | A_BOLD : A_REVERSE, 1);
			strbuf_release(&label);
		}
		break;
	case D_CONFIRM:
		ui_box(3, w, &y, &x);
		draw_text(y + 1, x + 2, w - 4, d->title, A_REVERSE | A_BOLD, 1);
		break;
	}
}

void dialog_draw(struct app *a)
{
	/* the one under a confirmation stays visible around it */
	if (a->dialog && a->dialog->below && a->dialog->kind == D_CONFIRM)
		draw_one(a->dialog->below);
	if (a->dialog)
		draw_one(a->dialog);
}
