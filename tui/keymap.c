/* keymap: the action table's rows (tui/keymap.h), the lookup of a key in a place, and the
 * keys' names as ? and the hints show them. */
#include "tui/keymap.h"

#include <stdio.h>
#include <string.h>

const struct tui_action_info tui_actions[ACT_COUNT] = {[ACT_NONE] = {"none", "", 0, {0}},
#define X(name, k, c, h) [ACT_##name] = {#name, h, c, k},
                                                       TUI_ACTIONS(X)
#undef X
};

/* Keys of the table that do nothing in a place: Esc leaves a view, and on the queue there is
 * none to leave (q quits from there, as the help says). */
static const struct {
	int key;
	unsigned ctx;
} idle[] = {{KEY_ESC, CTX_QUEUE}};

enum tui_action keymap_lookup(int key, unsigned ctx)
{
	for (size_t i = 0; i < sizeof(idle) / sizeof(idle[0]); i++)
		if (idle[i].key == key && (idle[i].ctx & ctx))
			return ACT_IDLE;
	/* the most specific context wins: a tab's own keys before the alert view's, before all */
	enum tui_action best = ACT_NONE;
	int best_rank = 0;
	for (int act = 1; act < ACT_COUNT; act++) {
		const struct tui_action_info *info = &tui_actions[act];
		int bound = 0;
		for (int k = 0; k < KEYMAP_MAX_KEYS && info->keys[k] && !bound; k++)
			bound = info->keys[k] == key;
		if (!bound)
			continue;
		unsigned c = info->ctx;
		int rank = (c & ctx & ~(unsigned)(CTX_ALL | CTX_ALERT)) ? 3
		           : (c & ctx & CTX_ALERT)                      ? 2
		           : (c & CTX_ALL)                              ? 1
		                                                        : 0;
		if (rank > best_rank) {
			best = (enum tui_action)act;
			best_rank = rank;
		}
	}
	return best;
}

/* A key's name; NULL for one that is another's alias (Enter's \r and KEY_ENTER). */
static const char *key_label(int key, char *buf, size_t len)
{
	switch (key) {
	case KEY_DOWN: return "↓";
	case KEY_UP: return "↑";
	case KEY_LEFT: return "←";
	case KEY_RIGHT: return "→";
	case KEY_HOME: return "Home";
	case KEY_END: return "End";
	case KEY_NPAGE: return "PgDn";
	case KEY_PPAGE: return "PgUp";
	case KEY_BTAB: return "Shift-Tab";
	case KEY_ESC: return "Esc";
	case '\n': return "Enter";
	case '\r':
	case KEY_ENTER: return NULL;
	case '\t': return "Tab";
	case ' ': return "Space";
	default:
		if (key < ' ')
			snprintf(buf, len, "Ctrl-%c", key + '@');
		else
			snprintf(buf, len, "%c", key);
		return buf;
	}
}

const char *keymap_keys(enum tui_action act)
{
	static char shown[ACT_COUNT][48];
	char *out = shown[act];
	if (!out[0] && act > ACT_NONE && act < ACT_COUNT) {
		size_t used = 0;
		for (int k = 0; k < KEYMAP_MAX_KEYS && tui_actions[act].keys[k]; k++) {
			char buf[16];
			const char *name = key_label(tui_actions[act].keys[k], buf, sizeof(buf));
			if (name)
				used += (size_t)snprintf(out + used, sizeof(shown[act]) - used, "%s%s", used ? " " : "",
				                         name);
		}
	}
	return out;
}

void keymap_key_name(enum tui_action act, int n, char *out, size_t len)
{
	snprintf(out, len, "%s", "");
	for (int k = 0; act > ACT_NONE && act < ACT_COUNT && k < KEYMAP_MAX_KEYS && tui_actions[act].keys[k]; k++) {
		char buf[16];
		const char *name = key_label(tui_actions[act].keys[k], buf, sizeof(buf));
		if (name && n-- == 0) {
			snprintf(out, len, "%s", name);
			return;
		}
	}
}

const char *keymap_first_key(enum tui_action act)
{
	static char first[ACT_COUNT][16];
	if (!first[act][0] && act > ACT_NONE && act < ACT_COUNT) {
		char buf[16];
		const char *name = key_label(tui_actions[act].keys[0], buf, sizeof(buf));
		snprintf(first[act], sizeof(first[act]), "%s", name ? name : "");
	}
	return first[act];
}
