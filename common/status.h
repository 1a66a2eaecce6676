/* status: casebook's one return convention, after SQLite's result codes. 0 is success; -1 is
 * a failure whose detail is kept on the handle (store_errmsg() for the store and everything
 * that reads or writes through it); a positive value is an outcome the caller acts on. Each
 * code has one name and one message here, and a function's contract says which it returns. */
#ifndef CASEBOOK_STATUS_H
#define CASEBOOK_STATUS_H

/* X(name, value, message) */
#define CB_STATUSES(X)                                                                                                 \
	X(OK, 0, "done")                                                                                               \
	X(ERROR, -1, "failed")                                                                                         \
	X(UNCHANGED, 1, "unchanged: already in that state")                                                            \
	X(NO_ITEM, 2, "no checklist item or response step with that number")                                           \
	X(OPEN_ITEMS, 3, "checklist items are open")                                                                   \
	X(INVALID, 4, "no such status, reason or state")                                                               \
	X(NOT_FOUND, 5, "no such rule")

enum cb_status {
#define X(name, value, message) CB_##name = value,
	CB_STATUSES(X)
#undef X
};

/* The code's message ("done", "no such rule"), or "unknown status" for any other value. */
const char *cb_status_message(int status);

#endif
