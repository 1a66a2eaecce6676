#include "detect/regex.h"

#include <stdio.h>
#include <string.h>

#include "common/strbuf.h"

static struct regex_budget *current;

struct regex_budget *regex_budget_use(struct regex_budget *b)
{
	struct regex_budget *was = current;
	current = b;
	return was;
}

void regex_budget_event(struct regex_budget *b)
{
	b->steps = 0;
	b->exhausted = 0;
	b->why[0] = '\0';
}

/* Machine code for the pattern; without a JIT, the interpreter runs it, as bounded. The
 * valgrind build leaves the JIT out: its vector loads read aligned blocks across a subject's
 * end (within the page, the bytes past the end ignored), which memcheck reports as uses of
 * uninitialised values in code it has no symbols for. */
static void compile_jit(pcre2_code *re)
{
#ifdef CASEBOOK_NO_JIT
	(void)re;
#else
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
#endif
}

pcre2_code *regex_compile(const char *pattern, size_t len, uint32_t options, char *why, size_t whylen)
{
	int code;
	PCRE2_SIZE at;
	/* automatic callouts count the steps (regex_match); they keep PCRE2's optimisations */
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, len, options | PCRE2_AUTO_CALLOUT, &code, &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(why, whylen, "%s", (const char *)msg);
		return NULL;
	}
	compile_jit(re);
	return re;
}

pcre2_code *regex_compile_whole(const char *pattern, size_t len, uint32_t options, char *why, size_t whylen)
{
	int code;
	PCRE2_SIZE at;
	/* (?:...)\z, the whole value: PCRE2_ENDANCHORED would do, but \z also reads as what it is */
	struct strbuf sb;
	strbuf_init(&sb, len + 8);
	strbuf_addstr(&sb, "(?:");
	strbuf_add(&sb, pattern, len);
	strbuf_addstr(&sb, ")\\z");
	pcre2_code *re =
	    pcre2_compile((PCRE2_SPTR)sb.buf, sb.len, options | PCRE2_ANCHORED | PCRE2_AUTO_CALLOUT, &code, &at, NULL);
	strbuf_release(&sb);
	if (!re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(why, whylen, "%s", (const char *)msg);
	}
	if (re)
		compile_jit(re);
	return re;
}

/* Each pattern item tried is a step; past the event's steps the match is abandoned. */
static int count_step(pcre2_callout_block *block, void *data)
{
	(void)block;
	struct regex_budget *b = data;
	return ++b->steps > REGEX_EVENT_STEPS ? PCRE2_ERROR_CALLOUT : 0;
}

/* The one match context: the callout, PCRE2's limits and the JIT's stack. */
static pcre2_match_context *context(struct regex_budget *b)
{
	static pcre2_match_context *mc;
	static pcre2_jit_stack *stack;
	if (!mc) {
		mc = pcre2_match_context_create(NULL);
		stack = pcre2_jit_stack_create(32 * 1024, REGEX_JIT_STACK, NULL);
		pcre2_jit_stack_assign(mc, NULL, stack);
		pcre2_set_match_limit(mc, REGEX_EVENT_STEPS);
		pcre2_set_depth_limit(mc, REGEX_DEPTH_LIMIT);
		pcre2_set_heap_limit(mc, REGEX_HEAP_LIMIT_KIB);
	}
	pcre2_set_callout(mc, count_step, b);
	return mc;
}

/* Marks the event given up, saying why; the first time for the event, it is counted. */
static int give_up(struct regex_budget *b, const char *why)
{
	if (!b->exhausted)
		b->gave_up++;
	b->exhausted = 1;
	b->limited++;
	if (why != b->why)
		snprintf(b->why, sizeof(b->why), "%s", why);
	return REGEX_GAVE_UP;
}

/* Whether the value may be matched at all: its length, and the rule's events given up. */
static int refused(struct regex_budget *b, size_t len)
{
	char why[120];
	if (len > REGEX_MAX_SUBJECT) {
		snprintf(why, sizeof(why), "its limit of %d bytes of value (this one has %zu)", REGEX_MAX_SUBJECT, len);
		return give_up(b, why);
	}
	if (b->gave_up >= REGEX_RULE_GIVE_UPS && !b->exhausted) {
		snprintf(why, sizeof(why), "its limit of %d events given up in this rule", REGEX_RULE_GIVE_UPS);
		return give_up(b, why);
	}
	return b->exhausted ? give_up(b, b->why) : 0;
}

/* The result of a match: a limit reached becomes REGEX_GAVE_UP, with its reason. */
static int outcome(struct regex_budget *b, int rc)
{
	char why[120];
	switch (rc) {
	case PCRE2_ERROR_CALLOUT:
		snprintf(why, sizeof(why), "its limit of %d steps", REGEX_EVENT_STEPS);
		return give_up(b, why);
	case PCRE2_ERROR_MATCHLIMIT: return give_up(b, "PCRE2's match limit");
	case PCRE2_ERROR_DEPTHLIMIT: return give_up(b, "PCRE2's depth limit");
	case PCRE2_ERROR_HEAPLIMIT: return give_up(b, "PCRE2's heap limit");
	case PCRE2_ERROR_JIT_STACKLIMIT: return give_up(b, "the JIT's stack limit");
	default: return rc;
	}
}

int regex_match(const pcre2_code *re, const char *s, size_t len, pcre2_match_data *md)
{
	struct regex_budget alone = {0}, *b = current ? current : &alone;
	int rc = refused(b, len);
	if (rc)
		return rc;
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, context(b));
	/* out of memory for backtracking is a limit too (for a substitution it asks for a larger buffer) */
	return rc == PCRE2_ERROR_NOMEMORY ? give_up(b, "the memory it may use") : outcome(b, rc);
}

int regex_substitute(const pcre2_code *re, const char *s, size_t len, uint32_t options, const char *with,
                     PCRE2_UCHAR *out, PCRE2_SIZE *outlen)
{
	struct regex_budget alone = {0}, *b = current ? current : &alone;
	int rc = refused(b, len);
	if (rc)
		return rc;
	return outcome(b, pcre2_substitute(re, (PCRE2_SPTR)s, len, 0, options, NULL, context(b), (PCRE2_SPTR)with,
	                                   PCRE2_ZERO_TERMINATED, out, outlen));
}

int regex_match_whole(const pcre2_code *re, const char *s, size_t len)
{
	static pcre2_match_data *md;
	if (!md)
		md = pcre2_match_data_create(1, NULL);
	int rc = regex_match(re, s, len, md);
	if (rc == REGEX_GAVE_UP || rc >= 0 || rc == PCRE2_ERROR_NOMATCH)
		return rc == REGEX_GAVE_UP ? rc : rc >= 0;
	struct regex_budget alone = {0}, *b = current ? current : &alone;
	PCRE2_UCHAR msg[80]; /* any other failure is said too, never taken for "no match" */
	char why[120];
	pcre2_get_error_message(rc, msg, sizeof(msg));
	snprintf(why, sizeof(why), "an error of PCRE2's (%s)", (const char *)msg);
	return give_up(b, why);
}
