/* regex: every PCRE2 pattern casebook runs (ES|QL's GROK and REPLACE) is compiled and matched
 * here, under one set of bounds, so that no value or pattern makes a match run away:
 *
 * - a value longer than REGEX_MAX_SUBJECT bytes is not matched;
 * - the matching of one event, all its matches together, takes at most REGEX_EVENT_STEPS steps
 *   (PCRE2's automatic callouts, one per pattern item tried, counted across every start
 *   position: PCRE2's own match limit restarts at each one), within PCRE2's match, depth and
 *   heap limits and a JIT stack of REGEX_JIT_STACK bytes;
 * - once REGEX_RULE_GIVE_UPS events of a rule have reached a limit, the rule's matches give up
 *   at once for the rest of the run: its pathological work is bounded, not only each event's.
 *
 * A limit reached is never a silent "no match": the match says so (REGEX_GAVE_UP), the budget
 * it was charged to is marked exhausted with the reason, and the caller reports the rule and
 * the event (docs/RELIABILITY.md, "Regular expressions and GROK"). Patterns are JIT-compiled
 * where PCRE2 has a JIT. Internal to detect/. */
#ifndef CASEBOOK_REGEX_H
#define CASEBOOK_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stddef.h>
#include <stdint.h>

#define REGEX_MAX_SUBJECT    32768   /* bytes of a value a pattern is matched against */
#define REGEX_EVENT_STEPS    1000000 /* steps an event's matches may take, all together */
#define REGEX_RULE_GIVE_UPS  100     /* events of a rule that may reach a limit before it stops matching */
#define REGEX_JIT_STACK      (1 << 20)
#define REGEX_HEAP_LIMIT_KIB 20480 /* the interpreter's backtracking memory, when there is no JIT */
#define REGEX_DEPTH_LIMIT    100000

#define REGEX_GAVE_UP (-1000) /* a limit was reached: the value was not matched */

/* What the matches of one rule have spent: the steps of the current event, and how many
 * events reached a limit. Zero-initialise; regex_budget_event starts each event. */
struct regex_budget {
	uint64_t steps;   /* this event's */
	int exhausted;    /* this event reached a limit ... */
	char why[120];    /* ... which one, for the warning */
	size_t gave_up;   /* events that reached a limit */
	uint64_t limited; /* matches that gave up, over the run */
};

/* Starts an event: its steps from 0; an event that reached a limit before is counted. */
void regex_budget_event(struct regex_budget *b);

/* The budget matches are charged to from now on (NULL: each match its own, as for a
 * pattern tested alone); returns the one before. Detect runs one rule at a time. */
struct regex_budget *regex_budget_use(struct regex_budget *b);

/* Compiles pattern with PCRE2's options, and JIT-compiles it where PCRE2 can. NULL with
 * PCRE2's reason (and where) in why. */
pcre2_code *regex_compile(const char *pattern, size_t len, uint32_t options, char *why, size_t whylen);

/* Compiles pattern to match a whole value (regex_match_whole): anchored at both ends, so a
 * match has one start position and PCRE2's match limit bounds all of it. NULL with PCRE2's
 * reason in why. */
pcre2_code *regex_compile_whole(const char *pattern, size_t len, uint32_t options, char *why, size_t whylen);

/* Whether re matches the whole of s (len bytes), within the bounds: 1, 0, or REGEX_GAVE_UP.
 * (PCRE2's DFA matcher was tried: it walks a counted repetition such as .{1,1000} without a
 * callout, so (.{1,1000}|b)*x took 8 s on 32 KB uncounted.) */
int regex_match_whole(const pcre2_code *re, const char *s, size_t len);

/* pcre2_match on s (len bytes) from offset 0, within the bounds: its result (a count, or
 * PCRE2_ERROR_NOMATCH), or REGEX_GAVE_UP when a limit was reached. */
int regex_match(const pcre2_code *re, const char *s, size_t len, pcre2_match_data *md);

/* pcre2_substitute of every match, within the bounds: its result, or REGEX_GAVE_UP. */
int regex_substitute(const pcre2_code *re, const char *s, size_t len, uint32_t options, const char *with,
                     PCRE2_UCHAR *out, PCRE2_SIZE *outlen);

#endif
