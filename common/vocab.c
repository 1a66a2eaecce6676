#include "common/vocab.h"

#include <string.h>

static const char *const status_names[] = {
#define X(name, text) text,
    ALERT_STATUSES(X)
#undef X
};
static const char *const severity_names[] = {"?",
#define X(name, text) text,
                                             SEVERITIES(X)
#undef X
};
static const char *const kind_names[] = {
#define X(name, text) text,
    ITEM_KINDS(X)
#undef X
};
static const char *const state_names[] = {
#define X(name, text) text,
    ITEM_STATES(X)
#undef X
};

/* The index of s in names[from, n), or -1. */
static int find(const char *const *names, int from, int n, const char *s)
{
	for (int i = from; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static const char *name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : "?";
}

enum alert_status alert_status_from(const char *s)
{
	return (enum alert_status)find(status_names, 0, STATUS_COUNT, s);
}

enum severity severity_from(const char *s)
{
	int i = find(severity_names, 1, SEVERITY_COUNT, s);
	return i < 0 ? SEVERITY_UNKNOWN : (enum severity)i;
}

enum item_kind item_kind_from(const char *s)
{
	return (enum item_kind)find(kind_names, 0, ITEM_KIND_COUNT, s);
}

enum item_state item_state_from(const char *s)
{
	return (enum item_state)find(state_names, 0, ITEM_STATE_COUNT, s);
}

const char *alert_status_name(enum alert_status v)
{
	return name_of(status_names, STATUS_COUNT, v);
}

const char *severity_name(enum severity v)
{
	return v == SEVERITY_UNKNOWN ? "?" : name_of(severity_names, SEVERITY_COUNT, v);
}

const char *item_kind_name(enum item_kind v)
{
	return name_of(kind_names, ITEM_KIND_COUNT, v);
}

const char *item_state_name(enum item_state v)
{
	return name_of(state_names, ITEM_STATE_COUNT, v);
}

enum item_state item_initial_state(enum item_kind k)
{
	return k == ITEM_CHECK ? STATE_OPEN : STATE_PENDING;
}

int item_state_settled(enum item_state s)
{
	return s == STATE_CHECKED || s == STATE_DONE || s == STATE_SKIPPED || s == STATE_NA;
}
