/* dialog: the console's questions — a one-line prompt, a choice from a list, a yes/no
 * confirmation, and the note editor — each with a typed callback and the data it needs, so a
 * multi-step dialog carries its values in a struct of its own and nothing is parsed back out of
 * a label. Dialogs stack: the editor's "Discard this note?" sits over the editor.
 *
 * Ownership: data passes to the callback, which frees it or hands it to the next dialog; a
 * dialog closed with Esc frees it with free_data (NULL: nothing to free). */
#ifndef CASEBOOK_DIALOG_H
#define CASEBOOK_DIALOG_H

#include <stddef.h>
#include <wchar.h>

struct app;

typedef void (*dialog_text_fn)(struct app *a, const char *text, void *data);
/* The editor's: returns 0 when the text is saved (the editor closes), else the editor stays
 * open with the text (and the callback says why on the status line). */
typedef int (*dialog_save_fn)(struct app *a, const char *text, void *data);
typedef void (*dialog_choice_fn)(struct app *a, size_t choice, void *data);
typedef void (*dialog_answer_fn)(struct app *a, int yes, void *data);
typedef void (*dialog_free_fn)(void *data);

/* One line of text; Enter gives it to done (the dialog is closed first, so done may open the
 * next one). */
void dialog_prompt(struct app *a, const char *title, const char *initial, dialog_text_fn done, void *data,
                   dialog_free_fn free_data);
/* A choice of n options (1-9 pick directly). */
void dialog_choose(struct app *a, const char *title, const char *const *options, size_t n, dialog_choice_fn done,
                   void *data, dialog_free_fn free_data);
/* y or n (Esc and q are no). */
void dialog_confirm(struct app *a, const char *question, dialog_answer_fn done, void *data, dialog_free_fn free_data);
/* Multi-line text: Ctrl-D or F2 gives it to save; Esc asks before discarding what was typed.
 * With app_options.editor set ($VISUAL, $EDITOR), that editor runs on a file instead. */
void dialog_editor(struct app *a, const char *title, dialog_save_fn save, void *data, dialog_free_fn free_data);

int dialog_open(const struct app *a);
/* Whether the top dialog takes typed text (prompt, editor). */
int dialog_takes_text(const struct app *a);
void dialog_key(struct app *a, int key);
void dialog_char(struct app *a, wint_t ch);
void dialog_draw(struct app *a);
/* Closes every dialog (freeing their data). */
void dialog_close_all(struct app *a);

#endif
