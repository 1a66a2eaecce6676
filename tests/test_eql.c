/* EQL: table-driven (query, event, expected) cases for every operator, function and
 * semantic rule; sequences (maxspan edges, until, join keys with missing values, ordering
 * ties, runs) as (query, events, expected sequences); and syntax errors with their columns.
 * Expected answers follow Elasticsearch's EQL reference (docs/DETECTION.md). */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/eql.h"
#include "detect/field.h"
#include "detect/needles.h"
#include "detect/sequence.h"

#define FILE_EVENT                                                                                                     \
	"{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"category\":[\"file\"],\"type\":[\"change\"],"           \
	"\"action\":\"modification\"},\"host\":{\"os\":{\"type\":\"macos\"},\"name\":\"mac1\",\"ip\":[\"10.1.2.3\","   \
	"\"fe80::1\"]},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\",\"name\":\"x.dsplug\","      \
	"\"extension\":\"dsplug\",\"size\":1024},\"process\":{\"name\":\"cp\",\"pid\":42,\"executable\":\"/bin/cp\","  \
	"\"args\":[\"cp\",\"-R\",\"/tmp/x.dsplug\",\"/Library/DirectoryServices/PlugIns/\"],\"args_count\":4,"         \
	"\"command_line\":\"cp -R /tmp/x.dsplug /Library/DirectoryServices/PlugIns/\"},\"user\":{\"name\":\"root\","   \
	"\"id\":\"0\"}}"

#define INNER_EVENT                                                                                                    \
	"{\"event\":{\"category\":\"file\",\"action\":\"creation\"},\"host\":{\"os\":{\"type\":\"macos\"}},"           \
	"\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/Evil.DSPLUG/Contents/MacOS/Evil\"}}"

#define PROC_EVENT                                                                                                     \
	"{\"event\":{\"category\":[\"process\"],\"type\":[\"start\"]},\"process\":{\"name\":\"bash\",\"pid\":7,"       \
	"\"parent\":{\"name\":\"dspluginhelperd\",\"pid\":1},\"args\":[\"bash\",\"-c\",\"id\"]},"                      \
	"\"destination\":{\"ip\":\"192.168.10.20\",\"port\":443},\"weird name\":\"w\",\"n\":\"17\",\"hex\":\"0x1F\","  \
	"\"flag\":true,\"nul\":null,\"neg\":-5,\"f\":2.5,\"cafe\":\"caf\\u00e9\",\"Caps\":\"MiXeD\"}"

struct eql_case {
	const char *query;
	const char *event;
	int want;
};

static const struct eql_case cases[] = {
    /* the seed rule, version 111, and its pieces */
    {"file where host.os.type == \"macos\" and event.action == \"modification\" and\n"
     "  file.path like \"/Library/DirectoryServices/PlugIns/*.dsplug\"",
     FILE_EVENT, 1},
    {"file where host.os.type == \"macos\" and event.action == \"modification\" and "
     "file.path like \"/Library/DirectoryServices/PlugIns/*.dsplug\"",
     INNER_EVENT, 0},
    /* categories: any element of event.category; "any" has none */
    {"file where true", FILE_EVENT, 1},
    {"file where true", INNER_EVENT, 1}, /* a plain string category */
    {"process where true", FILE_EVENT, 0},
    {"any where true", FILE_EVENT, 1},
    {"any where true", "{}", 1},
    {"file where true", "{}", 0},
    {"File where true", FILE_EVENT, 0}, /* the category is case-sensitive */
    {"\"file\" where true", FILE_EVENT, 1},
    /* == and != are case-sensitive and literal */
    {"any where host.name == \"mac1\"", FILE_EVENT, 1},
    {"any where host.name == \"MAC1\"", FILE_EVENT, 0},
    {"any where host.name == \"mac*\"", FILE_EVENT, 0}, /* no wildcard with == */
    {"any where host.name != \"mac1\"", FILE_EVENT, 0},
    {"any where host.name != \"mac2\"", FILE_EVENT, 1},
    {"any where host.name != \"mac2\"", "{}", 1}, /* missing: != holds */
    {"any where host.name == \"mac2\"", "{}", 0},
    {"any where host.name == null", "{}", 1},
    {"any where host.name == null", FILE_EVENT, 0},
    {"any where host.name != null", FILE_EVENT, 1},
    {"any where nul == null", PROC_EVENT, 1},
    {"any where null == null", "{}", 1},
    /* arrays: any value */
    {"any where process.args == \"-R\"", FILE_EVENT, 1},
    {"any where process.args != \"-R\"", FILE_EVENT, 0}, /* no value may equal it */
    {"any where process.args != \"-x\"", FILE_EVENT, 1},
    {"any where event.type == \"change\"", FILE_EVENT, 1},
    /* numbers */
    {"any where process.pid == 42", FILE_EVENT, 1},
    {"any where process.pid == 42.0", FILE_EVENT, 1},
    {"any where process.pid != 42", FILE_EVENT, 0},
    {"any where process.pid > 41", FILE_EVENT, 1},
    {"any where process.pid > 42", FILE_EVENT, 0},
    {"any where process.pid >= 42", FILE_EVENT, 1},
    {"any where process.pid < 43", FILE_EVENT, 1},
    {"any where process.pid <= 41", FILE_EVENT, 0},
    {"any where file.size >= 1e3", FILE_EVENT, 1},
    {"any where neg < 0", PROC_EVENT, 1},
    {"any where neg == -5", PROC_EVENT, 1},
    {"any where f > 2 and f < 3", PROC_EVENT, 1},
    {"any where n == 17", PROC_EVENT, 1}, /* a numeric string compares as a number */
    {"any where n > 9", PROC_EVENT, 1},
    {"any where host.name > 1", FILE_EVENT, 0},
    {"any where user.id == 0", FILE_EVENT, 1},
    {"any where missing > 1", FILE_EVENT, 0},
    {"any where missing < 1", FILE_EVENT, 0},
    /* strings order by bytes */
    {"any where host.name < \"mac2\"", FILE_EVENT, 1},
    {"any where host.name > \"mac2\"", FILE_EVENT, 0},
    {"any where host.name >= \"mac1\"", FILE_EVENT, 1},
    /* booleans */
    {"any where flag == true", PROC_EVENT, 1},
    {"any where flag == false", PROC_EVENT, 0},
    {"any where flag != false", PROC_EVENT, 1},
    {"any where flag", PROC_EVENT, 1},
    {"any where not flag", PROC_EVENT, 0},
    {"any where true and not false", "{}", 1},
    /* ':' is case-insensitive equality with * and ? wildcards */
    {"any where host.name : \"MAC1\"", FILE_EVENT, 1},
    {"any where host.name : \"m*\"", FILE_EVENT, 1},
    {"any where host.name : \"M?C1\"", FILE_EVENT, 1},
    {"any where host.name : \"m?c\"", FILE_EVENT, 0},
    {"any where host.name : (\"linux*\", \"MAC*\")", FILE_EVENT, 1},
    {"any where host.name : (\"linux*\", \"win*\")", FILE_EVENT, 0},
    {"any where file.path : \"/library/directoryservices/plugins/*\"", FILE_EVENT, 1},
    {"any where file.path : \"*/plugins/*.DSPLUG*\"", INNER_EVENT, 1},
    {"any where process.args : \"-r\"", FILE_EVENT, 1},
    {"any where missing : \"*\"", FILE_EVENT, 0},
    {"any where not missing : \"*\"", FILE_EVENT, 1},
    {"any where process.pid : \"4*\"", FILE_EVENT, 1},  /* a number as its text */
    {"any where cafe : \"CAF\\u{e9}\"", PROC_EVENT, 1}, /* é is not ASCII: matched as bytes */
    /* like is case-sensitive, like~ is not */
    {"any where file.name like \"x.*\"", FILE_EVENT, 1},
    {"any where file.name like \"X.*\"", FILE_EVENT, 0},
    {"any where file.name like~ \"X.*\"", FILE_EVENT, 1},
    {"any where file.name like \"x.dsplu?\"", FILE_EVENT, 1},
    {"any where file.name like \"x.dspl?\"", FILE_EVENT, 0},
    {"any where file.name like (\"a*\", \"*plug\")", FILE_EVENT, 1},
    {"any where file.path like \"*.dsplug\"", INNER_EVENT, 0},
    {"any where file.path like~ \"*.dsplug/*\"", INNER_EVENT, 1},
    {"any where file.path like \"/Library/DirectoryServices/PlugIns/*\"", INNER_EVENT, 1},
    {"any where file.name like \"x.dsplug\"", FILE_EVENT, 1},
    {"any where file.name like \"*\"", FILE_EVENT, 1},
    {"any where file.name like \"**\"", FILE_EVENT, 1},
    {"any where file.name like \"\"", FILE_EVENT, 0},
    {"any where Caps like~ \"mixed\"", PROC_EVENT, 1},
    {"any where Caps like \"mixed\"", PROC_EVENT, 0},
    /* regex and regex~: anchored, like Lucene's */
    {"any where host.name regex \"mac[0-9]\"", FILE_EVENT, 1},
    {"any where host.name regex \"mac\"", FILE_EVENT, 0},
    {"any where host.name regex \"ma.*\"", FILE_EVENT, 1},
    {"any where host.name regex \"MAC[0-9]\"", FILE_EVENT, 0},
    {"any where host.name regex~ \"MAC[0-9]\"", FILE_EVENT, 1},
    {"any where host.name regex \"mac\\\\d\"", FILE_EVENT, 1},
    {"any where host.name regex (\"x\", \"mac1|mac2\")", FILE_EVENT, 1},
    {"any where host.name regex \"(m|x)a[c+*]{1}1?\"", FILE_EVENT, 1}, /* quantifiers side by side, in a class */
    {"any where host.name regex \"(ma)+c[0-9]\"", FILE_EVENT, 1},
    {"any where destination.ip regex \"[0-9]{1,3}(\\\\.[0-9]{1,3}){3}\"", PROC_EVENT, 1}, /* nesting within bounds */
    {"any where host.name regex \"((m+a)*c)+1\"", FILE_EVENT, 1},
    /* \d is a digit, but an escaped backslash before a d is a backslash and a d (fuzz_eql) */
    {"any where v regex \"a\\\\d\"", "{\"v\":\"a5\"}", 1},
    /* Lucene's parseConcatExp reads its first item whatever it is: a '|' that starts a branch
     * is a character, not an empty alternative ("(|a)" is the string "|a") */
    {"any where v regex \"(|a){60}b\"", "{\"v\":\"aab\"}", 0},
    {"any where v regex \"(|a){2}b\"", "{\"v\":\"|a|ab\"}", 1},
    {"any where v regex \"x(|b)\"", "{\"v\":\"x|b\"}", 1},
    {"any where v regex \"(((ab)?)+)+c\"", "{\"v\":\"ababc\"}", 1}, /* two deep: allowed */
    {"any where v regex \"[^]x]+\"", "{\"v\":\"a]b\"}", 0},         /* ] first in a class is a literal */
    {"any where v regex \"[^]x]+\"", "{\"v\":\"ab\"}", 1},
    {"any where v regex \"a\\\\\\\\d\"", "{\"v\":\"a\\\\d\"}", 1},
    {"any where v regex \"a\\\\\\\\d\"", "{\"v\":\"a5\"}", 0},
    /* in brackets a backslash escapes (Lucene's parseCharExp) and \d is a class: no '\' in it */
    {"any where v regex \"[\\\\d]+\"", "{\"v\":\"d\\\\\"}", 0},
    {"any where v regex \"[\\\\d]+\"", "{\"v\":\"42\"}", 1},
    {"any where process.args regex \"-[A-Z]\"", FILE_EVENT, 1},
    {"any where file.path regex \".*/PlugIns/[^/]+\\\\.dsplug\"", FILE_EVENT, 1},
    {"any where file.path regex \".*/PlugIns/[^/]+\\\\.dsplug\"", INNER_EVENT, 0},
    /* Lucene's syntax, run by PCRE2 (detect/lucene.c): ^ and $ are characters, "..." a literal
     * string, @ any string, # none, quantifiers stack, one with nothing to repeat is a
     * character, '.' takes a newline, an escaped letter is itself */
    {"any where v regex \"a^b$\"", "{\"v\":\"a^b$\"}", 1},
    {"any where v regex \"\\\"a.b\\\"c\"", "{\"v\":\"a.bc\"}", 1},
    {"any where v regex \"\\\"a.b\\\"c\"", "{\"v\":\"axbc\"}", 0},
    {"any where v regex \"x@\"", "{\"v\":\"xyz\"}", 1},
    {"any where v regex \"a|#\"", "{\"v\":\"a\"}", 1},
    {"any where v regex \"a|#\"", "{\"v\":\"#\"}", 0},
    {"any where v regex \"a+*b\"", "{\"v\":\"b\"}", 1},
    {"any where v regex \"a{2}{2}\"", "{\"v\":\"aaaa\"}", 1},
    {"any where v regex \"a{2}{2}\"", "{\"v\":\"aaa\"}", 0},
    {"any where v regex \"*a\"", "{\"v\":\"*a\"}", 1},
    {"any where v regex \"a.b\"", "{\"v\":\"a\\nb\"}", 1},
    {"any where v regex \"a\\\\nb\"", "{\"v\":\"anb\"}", 1},
    {"any where v regex~ \"[a-c]+X\"", "{\"v\":\"ABCx\"}", 1},
    /* in, in~, not in */
    {"any where process.name in (\"cp\", \"mv\")", FILE_EVENT, 1},
    {"any where process.name in (\"CP\", \"mv\")", FILE_EVENT, 0},
    {"any where process.name in~ (\"CP\", \"mv\")", FILE_EVENT, 1},
    {"any where process.name not in (\"cp\", \"mv\")", FILE_EVENT, 0},
    {"any where process.name not in (\"ditto\", \"mv\")", FILE_EVENT, 1},
    {"any where process.name not in (\"cp\")", "{}", 1},
    {"any where process.pid in (1, 42)", FILE_EVENT, 1},
    {"any where process.pid in (1, 2)", FILE_EVENT, 0},
    {"any where process.args in (\"-R\", \"-a\")", FILE_EVENT, 1},
    {"any where process.name in (\"c*\")", FILE_EVENT, 0}, /* in is literal */
    {"any where not process.name in (\"cp\")", FILE_EVENT, 0},
    /* and, or, not, precedence */
    {"any where host.name == \"mac1\" and process.name == \"cp\"", FILE_EVENT, 1},
    {"any where host.name == \"mac1\" and process.name == \"mv\"", FILE_EVENT, 0},
    {"any where host.name == \"x\" or process.name == \"cp\"", FILE_EVENT, 1},
    {"any where host.name == \"x\" or process.name == \"mv\" and true", FILE_EVENT, 0},
    {"any where true or false and false", "{}", 1}, /* and binds tighter than or */
    {"any where (true or false) and false", "{}", 0},
    {"any where not true or true", "{}", 1}, /* not binds tighter than or */
    {"any where not (true or true)", "{}", 0},
    {"any where not not true", "{}", 1},
    {"any where not host.name == \"mac1\"", FILE_EVENT, 0},
    /* optional fields, backquoted names, dotted keys */
    {"any where ?nothing == null", FILE_EVENT, 1},
    {"any where ?host.name == \"mac1\"", FILE_EVENT, 1},
    {"any where `weird name` == \"w\"", PROC_EVENT, 1},
    {"any where `process`.`name` == \"bash\"", PROC_EVENT, 1},
    {"any where `and` == null", PROC_EVENT, 1},
    {"any where event.category == \"file\"", "{\"event.category\":\"file\"}", 1},
    {"file where true", "{\"event.category\":[\"network\",\"file\"]}", 1},
    /* comments */
    {"any where /* a comment */ true // and the rest\n", "{}", 1},
    /* arithmetic */
    {"any where process.pid + 1 == 43", FILE_EVENT, 1},
    {"any where process.pid - 2 == 40", FILE_EVENT, 1},
    {"any where process.pid * 2 == 84", FILE_EVENT, 1},
    {"any where process.pid / 5 == 8", FILE_EVENT, 1}, /* whole numbers divide whole */
    {"any where process.pid % 5 == 2", FILE_EVENT, 1},
    {"any where 1 + 2 * 3 == 7", "{}", 1},
    {"any where (1 + 2) * 3 == 9", "{}", 1},
    {"any where -process.pid == -42", FILE_EVENT, 1},
    {"any where missing + 1 == null", FILE_EVENT, 1},
    {"any where 1 / 0 == null", "{}", 1},
    /* string functions, case-sensitive unless called with ~ */
    {"any where startsWith(file.name, \"x.\")", FILE_EVENT, 1},
    {"any where startsWith(file.name, \"X.\")", FILE_EVENT, 0},
    {"any where startsWith~(file.name, \"X.\")", FILE_EVENT, 1},
    /* function names in any case, as Elasticsearch accepts them */
    {"any where startswith~(file.name, \"X.\")", FILE_EVENT, 1},
    {"any where STARTSWITH(file.name, \"x.\")", FILE_EVENT, 1},
    {"any where Concat(file.name, \"\") == file.name", FILE_EVENT, 1},
    {"any where endsWith(file.path, \".dsplug\")", FILE_EVENT, 1},
    {"any where endsWith(file.path, \".DSPLUG\")", FILE_EVENT, 0},
    {"any where endsWith~(file.path, \".DSPLUG\")", FILE_EVENT, 1},
    {"any where endsWith(missing, \"x\")", FILE_EVENT, 0},
    {"any where not endsWith(missing, \"x\")", FILE_EVENT, 1},
    {"any where stringContains(process.command_line, \"PlugIns\")", FILE_EVENT, 1},
    {"any where stringContains(process.command_line, \"plugins\")", FILE_EVENT, 0},
    {"any where stringContains~(process.command_line, \"plugins\")", FILE_EVENT, 1},
    {"any where length(file.name) == 8", FILE_EVENT, 1},
    {"any where length(cafe) == 4", PROC_EVENT, 1}, /* characters, not bytes */
    {"any where length(missing) == null", FILE_EVENT, 1},
    {"any where indexOf(file.name, \".\") == 1", FILE_EVENT, 1},
    {"any where indexOf(file.name, \"z\") == null", FILE_EVENT, 1},
    {"any where indexOf(file.name, \"s\", 3) == 3", FILE_EVENT, 1},
    {"any where indexOf~(file.name, \"DSP\") == 2", FILE_EVENT, 1},
    {"any where concat(host.name, \"-\", process.pid) == \"mac1-42\"", FILE_EVENT, 1},
    {"any where concat(host.name, missing) == null", FILE_EVENT, 1},
    {"any where substring(file.name, 2) == \"dsplug\"", FILE_EVENT, 1},
    {"any where substring(file.name, 0, 1) == \"x\"", FILE_EVENT, 1},
    {"any where substring(file.name, -3) == \"lug\"", FILE_EVENT, 1},
    {"any where substring(file.name, -6, -3) == \"dsp\"", FILE_EVENT, 1},
    {"any where substring(file.name, 5, 2) == \"\"", FILE_EVENT, 1},
    {"any where between(file.path, \"PlugIns/\", \".dsplug\") == \"x\"", FILE_EVENT, 1},
    {"any where between(process.command_line, \"/\", \"/\") == \"tmp\"", FILE_EVENT, 1},
    {"any where between(process.command_line, \"/\", \"/\", true) == "
     "\"tmp/x.dsplug /Library/DirectoryServices/PlugIns\"",
     FILE_EVENT, 1},
    {"any where between(file.name, \"q\", \"z\") == \"\"", FILE_EVENT, 1},
    {"any where between~(file.path, \"plugins/\", \".DSPLUG\") == \"x\"", FILE_EVENT, 1},
    {"any where number(n) == 17", PROC_EVENT, 1},
    {"any where number(\"1F\", 16) == 31", "{}", 1},
    {"any where number(hex, 16) == 31", PROC_EVENT, 1},
    {"any where number(\"x\") == null", "{}", 1},
    {"any where number(\"010\", null) == 10", "{}", 1}, /* a null base is base 10 */
    /* a date field compares as an instant: with or without a fraction, or as epoch ms */
    {"any where @timestamp == \"2024-05-01T10:00:00Z\"", FILE_EVENT, 1},
    {"any where @timestamp == \"2024-05-01T10:00:00.000Z\"", FILE_EVENT, 1},
    {"any where @timestamp == \"2024-05-01T12:00:00+02:00\"", FILE_EVENT, 1},
    {"any where @timestamp > 1714557599999", FILE_EVENT, 1},
    {"any where @timestamp > 1714557600000", FILE_EVENT, 0},
    {"any where @timestamp >= 1714557600000", FILE_EVENT, 1},
    {"any where @timestamp < \"2024-05-01T10:00:00.001Z\"", FILE_EVENT, 1},
    /* three-valued logic: an ordering with a missing field is null, and null == null */
    {"any where null == (exit_code > -1)", FILE_EVENT, 1},
    {"any where null == (process.pid > -1)", FILE_EVENT, 0},
    {"any where (process.pid > -1) == true", FILE_EVENT, 1},
    {"any where exit_code > -1", FILE_EVENT, 0},
    {"any where string(process.pid) == \"42\"", FILE_EVENT, 1},
    {"any where string(f) == \"2.5\"", PROC_EVENT, 1},
    {"any where add(process.pid, 1) == 43", FILE_EVENT, 1},
    {"any where subtract(process.pid, 2) == 40", FILE_EVENT, 1},
    {"any where multiply(2, 3) == 6", "{}", 1},
    {"any where divide(7, 2) == 3", "{}", 1},
    {"any where divide(7.0, 2) == 3.5", "{}", 1},
    {"any where modulo(7, 4) == 3", "{}", 1},
    {"any where wildcard(file.name, \"*.dsplug\")", FILE_EVENT, 1},
    {"any where wildcard(file.name, \"*.DSPLUG\")", FILE_EVENT, 0},
    {"any where wildcard~(file.name, \"*.DSPLUG\")", FILE_EVENT, 1},
    {"any where wildcard(file.name, \"a*\", \"x*\")", FILE_EVENT, 1},
    {"any where cidrMatch(destination.ip, \"192.168.0.0/16\")", PROC_EVENT, 1},
    {"any where cidrMatch(destination.ip, \"10.0.0.0/8\", \"192.168.10.0/24\")", PROC_EVENT, 1},
    {"any where cidrmatch(destination.ip, \"192.168.0.0/16\")", PROC_EVENT, 1},
    {"any where cidrMatch(destination.ip, \"10.0.0.0/8\")", PROC_EVENT, 0},
    {"any where cidrMatch(destination.ip, \"192.168.10.20\")", PROC_EVENT, 1},
    {"any where cidrMatch(destination.ip, \"192.168.10.21/32\")", PROC_EVENT, 0},
    {"any where cidrMatch(host.ip, \"fe80::/10\")", FILE_EVENT, 1},
    {"any where cidrMatch(\"fe80::1\", \"fe80::/10\")", "{}", 1},
    {"any where cidrMatch(\"not an ip\", \"0.0.0.0/0\")", "{}", 0},
    /* strings: escapes and raw strings */
    {"any where \"a\\tb\" == \"a\tb\"", "{}", 1},
    {"any where \"\"\"C:\\temp\"\"\" == \"C:\\\\temp\"", "{}", 1},
    {"any where \"say \\\"hi\\\"\" == \"say \\u{22}hi\\u{22}\"", "{}", 1},
    /* the .caseless sub-field: the keyword lower-cased */
    {"any where file.path.caseless : \"*/plugins/*.dsplug/*\"", INNER_EVENT, 1},
    {"any where file.path.caseless == \"/library/directoryservices/plugins/evil.dsplug/contents/macos/evil\"",
     INNER_EVENT, 1},
    /* like on a normalized keyword normalizes its pattern (KeywordFieldType.wildcardQuery) */
    {"any where file.path.caseless like \"*.DSPLUG*\"", INNER_EVENT, 1},
    {"any where file.path.caseless == \"x\"", "{\"file\":{\"path\":{\"caseless\":\"x\"}}}", 1},
    /* a derived value read as a whole value (found by fuzz_eql: it was used after it was freed) */
    {"any where concat(file.path.caseless, \"!\") == "
     "\"/library/directoryservices/plugins/evil.dsplug/contents/macos/evil!\"",
     INNER_EVENT, 1},
    {"any where -file.path.caseless == null", INNER_EVENT, 1},
    /* positions far out of range, and not a number (found by fuzz_eql: undefined conversions) */
    {"any where substring(\"abc\", 1 - 5e84) == \"abc\"", "{}", 1},
    {"any where substring(\"abc\", 0, 1e300 * 1e300) == \"abc\"", "{}", 1},
    {"any where indexOf(\"abc\", \"c\", 0 - 1e300) == 2", "{}", 1},
    {"any where indexOf(\"abc\", \"c\", 1e300 * 1e300 - 1e300 * 1e300) == 2", "{}", 1},
};

static void test_eql_cases(void **state)
{
	(void)state;
	size_t n = sizeof(cases) / sizeof(cases[0]);
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		const struct eql_case *c = &cases[i];
		struct kql_error err;
		struct eql_query *q = eql_parse(c->query, &err);
		if (!q) {
			printf("case %zu: %s: parse error at %zu: %s\n", i, c->query, err.column, err.msg);
			failures++;
			continue;
		}
		cJSON *ev = cJSON_Parse(c->event);
		assert_non_null(ev);
		int got = eql_match(q, ev);
		if (got != c->want) {
			printf("case %zu: %s on %.60s: got %d, want %d\n", i, c->query, c->event, got, c->want);
			failures++;
		}
		/* the needles never rule out an event the query matches */
		struct needles nd;
		eql_needles(q, &nd);
		needles_finish(&nd);
		if (got && !needles_admit(&nd, c->event, strlen(c->event))) {
			printf("case %zu: %s: the needles rule out a match\n", i, c->query);
			failures++;
		}
		needles_release(&nd);
		cJSON_Delete(ev);
		eql_free(q);
	}
	printf("%zu EQL event cases\n", n);
	assert_int_equal(failures, 0);
}

/* ---- sequences ---- */

/* Events are written "SECONDS CATEGORY PID [NAME]"; the expected sequences list the events
 * (1-based) of each, "1,2;4,5". */
struct seq_case {
	const char *query;
	const char *events[12];
	const char *want;
};

static const struct seq_case seqs[] = {
    {"sequence [process where true] [file where true]", {"0 process 1", "1 file 1"}, "1,2"},
    {"sequence [process where true] [file where true]", {"0 file 1", "1 process 1"}, ""},
    /* a newer first stage replaces the pending one */
    {"sequence [process where true] [file where true]", {"0 process 1", "1 process 2", "2 file 3"}, "2,3"},
    /* one event cannot fill two stages of the same sequence, but may end one and start the next */
    {"sequence [any where true] [any where true]", {"0 file 1"}, ""},
    {"sequence [any where true] [any where true]", {"0 file 1", "1 file 2", "2 file 3"}, "1,2;2,3"},
    {"sequence [any where true] [any where true] [any where true]", {"0 a 1", "1 a 2", "2 a 3"}, "1,2,3"},
    /* by: per join key */
    {"sequence by process.pid [process where true] [file where true]",
     {"0 process 1", "1 process 2", "2 file 2", "3 file 1"},
     "2,3;1,4"},
    {"sequence by process.pid [process where true] [file where true]", {"0 process 1", "1 file 2"}, ""},
    /* a missing key joins nothing; an optional one joins as null */
    {"sequence by process.pid [process where true] [file where true]", {"0 process -", "1 file -"}, ""},
    {"sequence by ?process.pid [process where true] [file where true]", {"0 process -", "1 file -"}, "1,2"},
    {"sequence by ?process.pid [process where true] [file where true]", {"0 process -", "1 file 3"}, ""},
    /* per-stage keys, compared in order */
    {"sequence [process where true] by process.pid [file where true] by process.ppid",
     {"0 process 5", "1 file 9 5"},
     "1,2"},
    {"sequence [process where true] by process.pid [file where true] by process.ppid",
     {"0 process 5", "1 file 5 9"},
     ""},
    {"sequence by host.name [process where true] by process.pid [file where true] by process.pid",
     {"0 process 5 0 h1", "1 file 5 0 h2", "2 file 5 0 h1"},
     "1,3"},
    /* maxspan: a span of exactly maxspan matches, one microsecond more does not */
    {"sequence with maxspan=30s [process where true] [file where true]", {"0 process 1", "30 file 1"}, "1,2"},
    {"sequence with maxspan=30s [process where true] [file where true]", {"0 process 1", "30.000001 file 1"}, ""},
    {"sequence with maxspan=1m [process where true] [file where true]", {"0 process 1", "59 file 1"}, "1,2"},
    {"sequence with maxspan=500ms [process where true] [file where true]", {"0 process 1", "0.5 file 1"}, "1,2"},
    {"sequence with maxspan=500ms [process where true] [file where true]", {"0 process 1", "0.6 file 1"}, ""},
    /* an expired sequence frees the stage for a later start */
    {"sequence with maxspan=10s [process where true] [file where true]",
     {"0 process 1", "20 file 1", "25 process 2", "30 file 3"},
     "3,4"},
    {"sequence by process.pid with maxspan=5s [process where true] [file where true] [network where true]",
     {"0 process 1", "2 file 1", "6 network 1"},
     ""},
    {"sequence with maxspan=5s by process.pid [process where true] [file where true] [network where true]",
     {"0 process 1", "2 file 1", "5 network 1"},
     "1,2,3"},
    /* until ends the key's pending sequences */
    {"sequence by process.pid [process where true] [file where true] until [network where true]",
     {"0 process 1", "1 network 1", "2 file 1"},
     ""},
    {"sequence by process.pid [process where true] [file where true] until [network where true]",
     {"0 process 1", "1 network 2", "2 file 1"},
     "1,3"},
    {"sequence by process.pid [process where true] [file where true] until [network where true]",
     {"0 process 1", "1 network 1", "2 process 1", "3 file 1"},
     "3,4"},
    {"sequence [process where true] [file where true] until [network where true]",
     {"0 process 1", "1 network 9", "2 file 1"},
     ""},
    /* an until event that is also a stage's: Elasticsearch checks the markers strictly before
     * the advancing event, from the sequence's last event on; so it completes a sequence at the
     * last stage, and ends one it advances (or starts) at any other */
    {"sequence by process.pid [process where true] [file where true] until [file where true]",
     {"0 process 1", "1 file 1"},
     "1,2"},
    {"sequence by process.pid [process where true] [file where true] [network where true] until [file where true]",
     {"0 process 1", "1 file 1", "2 network 1"},
     ""},
    {"sequence by process.pid [process where true] [file where true] until [process where true]",
     {"0 process 1", "1 file 1"},
     ""},
    {"sequence by process.pid [process where true] [file where true] until [file where process.pid == 2]",
     {"0 process 1", "1 file 1"},
     "1,2"},
    /* ordering ties: the same timestamp keeps ingest order */
    {"sequence [process where true] [file where true]", {"5 process 1", "5 file 1"}, "1,2"},
    {"sequence [process where true] [file where true]", {"5 file 1", "5 process 1"}, ""},
    /* runs */
    {"sequence [file where true] with runs=3", {"0 file 1", "1 file 2", "2 file 3"}, "1,2,3"},
    {"sequence [file where true] with runs=3", {"0 file 1", "1 file 2", "2 file 3", "3 file 4"}, "1,2,3;2,3,4"},
    {"sequence by process.pid [process where true] [file where true] with runs=2",
     {"0 process 1", "1 file 1", "2 file 2", "3 file 1"},
     "1,2,4"},
    /* several sequences, one after another */
    {"sequence [process where true] [file where true]",
     {"0 process 1", "1 file 1", "2 process 1", "3 file 1"},
     "1,2;3,4"},
    /* a stage's condition: an event that fails it leaves the pending sequence alone */
    {"sequence by process.pid [process where process.name == \"mv\"] [file where true]",
     {"0 process 1 0 - mv", "1 process 1 0 - cp", "2 file 1"},
     "1,3"},
    {"sequence by process.pid [process where process.name == \"mv\"] [file where true]",
     {"0 process 1 0 - cp", "2 file 1"},
     ""},
    {"sequence by process.pid [process where process.name : \"M*\"] [file where true]",
     {"0 process 1 0 - mv", "2 file 1"},
     "1,2"},
};

/* "SECONDS CATEGORY PID [PPID [HOST [NAME]]]", "-" for a missing value */
/* EQL over fields an imported mapping types long (n), integer (i) and float (f): Elasticsearch's EQL
 * turns a comparison into a term or range query on the field, which meets the whole number
 * the index holds (3.7 is 3) with the query's number as it is (NumberFieldMapper's decimal
 * bounds); functions read the same doc values. A value the type refuses is none. */
static void test_mapped_whole_numbers(void **state)
{
	(void)state;
	static const struct eql_case mapped[] = {
	    {"any where n == 3", "{\"n\":3.7}", 1},
	    {"any where n == 3.7", "{\"n\":3.7}", 0},
	    {"any where n >= 3.5", "{\"n\":3.7}", 0},
	    {"any where n > 2.5", "{\"n\":3.7}", 1},
	    {"any where n < 0", "{\"n\":-0.9}", 0},
	    {"any where n in (4, 5)", "{\"n\":\"4.9\"}", 1},
	    {"any where add(n, 1) == 4", "{\"n\":3.7}", 1},
	    {"any where i != null", "{\"i\":2147483648}", 0},
	    {"any where i == 7", "{\"i\":7.99}", 1},
	    {"any where u > 3.5", "{\"u\":3.7}", 1}, /* unmapped: the document's number */
	    /* a float (f): both sides at the float's precision, 1.1 being 1.100000023841858 */
	    {"any where f == 1.1", "{\"f\":1.1}", 1},
	    {"any where f > 1.1", "{\"f\":1.1}", 0},
	    {"any where 1.1 < f", "{\"f\":\"1.1\"}", 0},
	    {"any where f < 1.1000001", "{\"f\":1.1}", 1},
	    {"any where f in (2, 1.1)", "{\"f\":1.1}", 1},
	    {"any where f == 1.100000023841858", "{\"f\":1.1}", 1},
	};
	char *names[] = {"f", "i", "n"};
	const enum field_type types[] = {FT_KEYWORD, FT_KEYWORD, FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("float"), numeric_type_named("integer"),
	                                    numeric_type_named("long")};
	field_types_set(names, types, nums, 3);
	for (size_t i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++) {
		struct kql_error err;
		struct eql_query *q = eql_parse(mapped[i].query, &err);
		assert_non_null(q);
		cJSON *ev = cJSON_Parse(mapped[i].event);
		assert_non_null(ev);
		int got = eql_match(q, ev);
		if (got != mapped[i].want)
			fail_msg("case %zu: %s on %s: got %d, want %d", i, mapped[i].query, mapped[i].event, got,
			         mapped[i].want);
		cJSON_Delete(ev);
		eql_free(q);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* Multi-fields (as tests/test_kql.c's test_multi_fields): the parent's value through the
 * sub-field's normalizer and ignore_above. EQL's == and != are term queries, in a terms query,
 * < and > range queries: Elasticsearch normalizes their text with the keyword's normalizer
 * (KeywordFieldType's indexedValueForSearch); like is a wildcard query, which KeywordFieldType
 * normalizes too ("Wildcard queries on keyword fields use the normalizer of the underlying
 * field, regardless of their case sensitivity option": wildcardQuery with shouldNormalize, so
 * normalizeWildcardPattern), and regex a regexp query, whose text StringFieldType.regexpQuery
 * takes through indexedValueForSearch (so "[A-Z]" is "[a-z]"). The normalizer is Lucene's
 * LowerCaseFilter: Character.toLowerCase of each code point (É é, U+0130 i, the Kelvin sign k).
 * A top-level keyword indexes its own values so (KeywordFieldMapper.indexValue: longer than
 * ignore_above in UTF-16 units, before the normalizer, not indexed: no term, no doc value, so
 * exists is false too). */
static void test_multi_fields(void **state)
{
	(void)state;
	static const struct eql_case multi[] = {
	    {"any where process.name.lower == \"bash\"", "{\"process\":{\"name\":\"BASH\"}}", 1},
	    {"any where process.name.lower == \"BASH\"", "{\"process\":{\"name\":\"Bash\"}}", 1},
	    {"any where process.name.lower != \"BASH\"", "{\"process\":{\"name\":\"Bash\"}}", 0},
	    {"any where process.name.lower in (\"ZSH\", \"BASH\")", "{\"process\":{\"name\":\"Bash\"}}", 1},
	    {"any where process.name.lower like \"BA*\"", "{\"process\":{\"name\":\"Bash\"}}", 1},
	    {"any where process.name.lower like \"ba*\"", "{\"process\":{\"name\":\"Bash\"}}", 1},
	    {"any where process.name.lower : \"BA*\"", "{\"process\":{\"name\":\"Bash\"}}", 1},
	    {"any where process.name.lower == \"powershell.exe\"", "{\"process\":{\"name\":\"PowerShell.exe\"}}", 0},
	    {"any where process.name.lower == null", "{\"process\":{\"name\":\"PowerShell.exe\"}}", 1},
	    {"any where process.name == \"bash\"", "{\"process\":{\"name\":\"BASH\"}}", 0},
	    {"any where message.keyword == \"short msg\"", "{\"message\":\"short msg\"}", 1},
	    {"any where message.keyword == \"longer message\"", "{\"message\":\"longer message\"}", 0},
	    {"any where user.id.num > 40", "{\"user\":{\"id\":\"42\"}}", 1},
	    {"any where process.name.lower == \"x\"", "{\"process.name.lower\":\"x\",\"process\":{\"name\":\"BASH\"}}",
	     1},
	    /* a .caseless the mapping does not name: Elastic Defend's */
	    {"any where file.path.caseless == \"/LIBRARY/X\"", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
	    {"any where file.path.caseless like \"/LIBRARY/*\"", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
	    /* LowerCaseFilter maps every letter, on the value and on the query's text */
	    {"any where file.path.caseless == \"/library/kit\"",
	     "{\"file\":{\"path\":\"/L\xc4\xb0"
	     "brary/\xe2\x84\xaa"
	     "IT\"}}",
	     1},
	    {"any where file.path.caseless like \"/library/k*\"",
	     "{\"file\":{\"path\":\"/L\xc4\xb0"
	     "brary/\xe2\x84\xaa"
	     "IT\"}}",
	     1},
	    {"any where file.path.caseless in (\"/tmp/\\u{e9}t\\u{e9}\", \"x\")",
	     "{\"file\":{\"path\":\"/TMP/\xc3\x89T\xc3\x89\"}}", 1},
	    {"any where file.path.caseless == \"/tmp/\\u{e9}t\\u{e9}\"",
	     "{\"file\":{\"path\":\"/tmp/\\u00c9T\\u00c9\"}}", 1},
	    {"any where file.path.caseless == \"/TMP/\\u{c9}T\\u{c9}\"",
	     "{\"file\":{\"path\":\"/tmp/\\u00e9t\\u00e9\"}}", 1},
	    {"any where file.path.caseless == \"kit\"", "{\"file\":{\"path\":\"\\u212aIT\"}}", 1},
	    {"any where file.path.caseless == \"\\u{212a}it\"", "{\"file\":{\"path\":\"KIT\"}}", 1},
	    {"any where file.path.caseless == \"i\"", "{\"file\":{\"path\":\"\\u0130\"}}", 1},
	    {"any where file.path.caseless in (\"x\", \"\\u{3c3}\\u{3c3}\")",
	     "{\"file\":{\"path\":\"\\u03a3\\u03a3\"}}", 1},
	    {"any where file.path.caseless like \"*\\u{c9}T\\u{c9}\"", "{\"file\":{\"path\":\"/tmp/\\u00e9t\\u00e9\"}}",
	     1},
	    {"any where file.path.caseless like \"*\\u{e9}t?\"", "{\"file\":{\"path\":\"/TMP/\\u00c9T\\u00c9\"}}", 1},
	    {"any where file.path.caseless regex \"/TMP/[A-Z]+\"", "{\"file\":{\"path\":\"/tmp/XY\"}}", 1},
	    {"any where file.path.caseless regex \"/TMP/[A-Z]+\"", "{\"file\":{\"path\":\"/tmp/1\"}}", 0},
	    {"any where file.path regex \"/TMP/[A-Z]+\"", "{\"file\":{\"path\":\"/tmp/XY\"}}", 0},
	    /* EQL's own ~ is not the normalizer: ASCII's case alone, as before */
	    {"any where file.path : \"/tmp/\\u{e9}\"", "{\"file\":{\"path\":\"/TMP/\\u00e9\"}}", 1},
	    /* ranges on a normalized keyword: both sides normalized, UTF-8 byte order */
	    {"any where process.name.lower < \"C\"", "{\"process\":{\"name\":\"Bash\"}}", 1},
	    {"any where process.name.lower >= \"BASH\"", "{\"process\":{\"name\":\"bash\"}}", 1},
	    {"any where process.name.lower > \"Z\"", "{\"process\":{\"name\":\"\\u00c9\"}}", 1},
	    {"any where process.name < \"a\"", "{\"process\":{\"name\":\"Z\"}}", 1},
	    /* a top-level keyword with the normalizer and ignore_above: its own values as indexed */
	    {"any where host.name == \"WS-\\u{c9}\"", "{\"host\":{\"name\":\"ws-\\u00e9\"}}", 1},
	    {"any where host.name like \"WS-*\"", "{\"host\":{\"name\":\"Ws-1\"}}", 1},
	    {"any where host.name == \"abcdefghij\"", "{\"host\":{\"name\":\"abcdefghij\"}}", 1},
	    {"any where host.name == \"abcdefghijk\"", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
	    {"any where host.name != null", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
	    {"any where host.name != null", "{\"host\":{\"name\":[\"abcdefghijk\",\"a\"]}}", 1},
	    /* ten UTF-16 units (a supplementary character is two), so indexed */
	    {"any where host.name == \"\\u{1f600}abcdefgh\"", "{\"host\":{\"name\":\"\\ud83d\\ude00abcdefgh\"}}", 1},
	    {"any where host.name == \"\\u{1f600}abcdefghi\"", "{\"host\":{\"name\":\"\\ud83d\\ude00abcdefghi\"}}", 0},
	    /* ignore_above counts before the normalizer: U+0130 is one unit, and "i" after it */
	    {"any where host.name == \"iiiiiiiiii\"",
	     "{\"host\":{\"name\":\"\\u0130\\u0130\\u0130\\u0130\\u0130IIIII\"}}", 1},
	    {"any where user.name == \"abcdefghijk\"", "{\"user\":{\"name\":\"abcdefghijk\"}}", 1},
	    /* functions read the doc values (Elasticsearch's scripts): normalized, ignored values none */
	    {"any where startsWith(host.name, \"ws-\")", "{\"host\":{\"name\":\"WS-1\"}}", 1},
	    {"any where length(host.name) > 0", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
	    {"any where length(host.name) > 0", "{\"host\":{\"name\":\"abcdefghij\"}}", 1},
	};
	char *names[] = {"process.name", "process.name.lower", "message",   "message.keyword",
	                 "user.id",      "user.id.num",        "host.name", "user.name"};
	static const char *const type_text[] = {"keyword ignore_above=1024",
	                                        "keyword multi normalizer=lowercase ignore_above=8",
	                                        "text",
	                                        "keyword multi ignore_above=10",
	                                        "keyword",
	                                        "long multi",
	                                        "keyword normalizer=lowercase ignore_above=10",
	                                        "keyword"};
	enum field_type types[8];
	struct numeric_type nums[8];
	for (size_t i = 0; i < 8; i++)
		types[i] = field_type_named(type_text[i]), nums[i] = numeric_type_named(type_text[i]);
	field_types_set(names, types, nums, 8);
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		struct kql_error err;
		struct eql_query *q = eql_parse(multi[i].query, &err);
		assert_non_null(q);
		cJSON *ev = cJSON_Parse(multi[i].event);
		assert_non_null(ev);
		int got = eql_match(q, ev);
		if (got != multi[i].want)
			fail_msg("case %zu: %s on %s: got %d, want %d", i, multi[i].query, multi[i].event, got,
			         multi[i].want);
		struct needles nd; /* the needles never rule out an event the query matches */
		eql_needles(q, &nd);
		needles_finish(&nd);
		if (got && !needles_admit(&nd, multi[i].event, strlen(multi[i].event)))
			fail_msg("case %zu: %s: the needles rule out a match", i, multi[i].query);
		needles_release(&nd);
		cJSON_Delete(ev);
		eql_free(q);
	}
	/* a sequence's join keys as the fields API gives them (KeywordFieldType's value fetcher:
	 * applyIgnoreAboveAndNormalizer), which the later stages' terms queries meet */
	struct kql_error err;
	struct eql_query *q = eql_parse("sequence by host.name [process where true] [file where true]", &err);
	assert_non_null(q);
	struct strbuf key;
	strbuf_init(&key, 32);
	cJSON *ev = cJSON_Parse("{\"host\":{\"name\":\"WS-\\u00c9\"}}");
	assert_int_equal(eql_stage_key(q, 0, ev, &key), 0);
	assert_string_equal(key.buf, "\"ws-\xc3\xa9\"\x1f");
	cJSON_Delete(ev);
	ev = cJSON_Parse("{\"host\":{\"name\":\"abcdefghijk\"}}");
	assert_int_equal(eql_stage_key(q, 0, ev, &key), -1); /* not indexed: no key */
	cJSON_Delete(ev);
	strbuf_release(&key);
	eql_free(q);
	field_types_set(NULL, NULL, NULL, 0);
}

static cJSON *seq_event(const char *spec, double *seconds)
{
	char cat[32], pid[16] = "-", ppid[16] = "-", host[16] = "-", name[16] = "-";
	int n = sscanf(spec, "%lf %31s %15s %15s %15s %15s", seconds, cat, pid, ppid, host, name);
	assert_true(n >= 3);
	cJSON *ev = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "event"), "category", cat);
	cJSON *proc = cJSON_AddObjectToObject(ev, "process");
	if (strcmp(pid, "-"))
		cJSON_AddNumberToObject(proc, "pid", atof(pid));
	if (strcmp(ppid, "-"))
		cJSON_AddNumberToObject(proc, "ppid", atof(ppid));
	if (strcmp(name, "-"))
		cJSON_AddStringToObject(proc, "name", name);
	if (strcmp(host, "-"))
		cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, "host"), "name", host);
	return ev;
}

static int collect(void *ctx, const int64_t *ids, size_t n)
{
	struct strbuf *out = ctx;
	if (out->len)
		strbuf_addch(out, ';');
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%s%lld", i ? "," : "", (long long)ids[i] + 1);
	return 0;
}

/* Runs a sequence query over events in the order given. */
static char *run_sequence(const char *query, const char *const *events)
{
	struct kql_error err;
	struct eql_query *q = eql_parse(query, &err);
	if (!q)
		fail_msg("%s: %s (column %zu)", query, err.msg, err.column);
	assert_true(eql_is_sequence(q));
	size_t stages = eql_stage_count(q), all = stages + (eql_has_until(q) ? 1 : 0);
	struct seq_matcher *m = seq_new(stages, eql_maxspan_us(q));
	struct strbuf out, key;
	strbuf_init(&out, 64);
	strbuf_init(&key, 64);
	for (size_t i = 0; i < 12 && events[i]; i++) {
		double sec;
		cJSON *ev = seq_event(events[i], &sec);
		char **keys = xcalloc(stages + 1, sizeof(*keys)); /* until's slot too */
		for (size_t s = 0; s < all; s++)
			if (eql_stage_match(q, s, ev) && eql_stage_key(q, s, ev, &key) == 0)
				keys[s] = xstrdup(key.buf);
		struct seq_input in = {
		    .id = (int64_t)i, .ts = (int64_t)(sec * 1e6 + 0.5), .keys = (const char *const *)keys};
		seq_feed(m, &in, collect, &out);
		for (size_t s = 0; s < all; s++)
			free(keys[s]);
		free(keys);
		cJSON_Delete(ev);
	}
	seq_free(m);
	eql_free(q);
	strbuf_release(&key);
	return strbuf_detach(&out, NULL);
}

struct held {
	int64_t retained, released;
	struct strbuf done;
};

static void hold(void *ctx, int64_t id)
{
	(void)id;
	((struct held *)ctx)->retained++;
}

static void let_go(void *ctx, int64_t id)
{
	(void)id;
	((struct held *)ctx)->released++;
}

static int note_done(void *ctx, const int64_t *ids, size_t n)
{
	struct held *h = ctx;
	strbuf_addf(&h->done, "%lld-%lld;", (long long)ids[0], (long long)ids[n - 1]);
	return 0;
}

/* With a maxspan, pending sequences that can no longer complete are dropped as time passes:
 * 20,000 keys opened a second apart with maxspan 10s leave a few thousand pending at most,
 * not 20,000. One opened at t=0 still completes at exactly t=maxspan however many others
 * were opened meanwhile; one a microsecond later than that does not. The hooks hold each
 * event while a pending sequence holds it, and let every one go by the end. */
static void test_sequences_expire_with_maxspan(void **state)
{
	(void)state;
	const int64_t sec = 1000000, maxspan = 10 * sec;
	struct seq_matcher *m = seq_new(2, maxspan);
	struct held h = {0};
	strbuf_init(&h.done, 64);
	struct seq_hooks hooks = {hold, let_go, &h};
	seq_set_hooks(m, &hooks);
	char key[32];
	/* a key in a stage's slot: the event passes that stage */
	const char *first[3] = {key, NULL, NULL}, *second[3] = {NULL, key, NULL};
	size_t most = 0;
	for (int64_t i = 0; i < 20000; i++) {
		/* key "k" opens at 0, then 5,000 keys in the same ten seconds; the rest a second apart */
		int64_t t = i == 0 ? 0 : i <= 5000 ? (i * maxspan) / 5001 : (i - 5000) * sec;
		snprintf(key, sizeof(key), i == 0 ? "k" : "k%lld", (long long)i);
		struct seq_input in = {.id = i, .ts = t, .keys = first};
		assert_int_equal(seq_feed(m, &in, note_done, &h), 0);
		size_t pending = seq_pending(m);
		most = pending > most ? pending : most;
		if (i == 5000) {
			snprintf(key, sizeof(key), "k");
			struct seq_input done = {.id = 99999, .ts = maxspan, .keys = second};
			assert_int_equal(seq_feed(m, &done, note_done, &h), 0);
		}
	}
	assert_string_equal(h.done.buf, "0-99999;");
	assert_true(most <= 2 * 5002 + 1024);
	assert_true(seq_pending(m) <= 2048);
	/* a sequence at exactly maxspan completes; a microsecond later it has expired */
	int64_t base = 40000 * sec;
	for (int late = 0; late < 2; late++) {
		strbuf_reset(&h.done);
		snprintf(key, sizeof(key), "x%d", late);
		struct seq_input open = {.id = 1, .ts = base, .keys = first};
		assert_int_equal(seq_feed(m, &open, note_done, &h), 0);
		for (int64_t i = 0; i < 3000; i++) {
			snprintf(key, sizeof(key), "y%d-%lld", late, (long long)i);
			struct seq_input other = {.id = 2, .ts = base + (i * maxspan) / 3000, .keys = first};
			assert_int_equal(seq_feed(m, &other, note_done, &h), 0);
		}
		snprintf(key, sizeof(key), "x%d", late);
		struct seq_input close = {.id = 3, .ts = base + maxspan + late, .keys = second};
		assert_int_equal(seq_feed(m, &close, note_done, &h), 0);
		assert_string_equal(h.done.buf, late ? "" : "1-3;");
		base += 100 * sec;
	}
	assert_true(h.retained > 20000);
	assert_true(h.released < h.retained);
	seq_free(m);
	assert_int_equal(h.released, h.retained);
	strbuf_release(&h.done);
}

static void test_sequences(void **state)
{
	(void)state;
	int failures = 0;
	size_t n = sizeof(seqs) / sizeof(seqs[0]);
	for (size_t i = 0; i < n; i++) {
		char *got = run_sequence(seqs[i].query, seqs[i].events);
		if (strcmp(got, seqs[i].want)) {
			printf("sequence case %zu: %s: got \"%s\", want \"%s\"\n", i, seqs[i].query, got, seqs[i].want);
			failures++;
		}
		free(got);
	}
	printf("%zu EQL sequence cases\n", n);
	assert_int_equal(failures, 0);
}

static void test_sequence_shape(void **state)
{
	(void)state;
	struct kql_error err;
	struct eql_query *q =
	    eql_parse("sequence by host.id with maxspan=2m [process where true] by process.pid "
	              "[file where true] by process.pid with runs=2 until [process where true] by process.pid",
	              &err);
	assert_non_null(q);
	assert_int_equal(eql_stage_count(q), 3);
	assert_int_equal(eql_has_until(q), 1);
	assert_int_equal(eql_maxspan_us(q), 120000000);
	cJSON *ev = cJSON_Parse("{\"host\":{\"id\":\"h\"},\"process\":{\"pid\":5}}");
	struct strbuf key;
	strbuf_init(&key, 32);
	assert_int_equal(eql_stage_key(q, 1, ev, &key), 0);
	assert_string_equal(key.buf, "\"h\"\x1f"
	                             "5\x1f");
	cJSON_Delete(ev);
	ev = cJSON_Parse("{\"process\":{\"pid\":5}}");
	assert_int_equal(eql_stage_key(q, 1, ev, &key), -1); /* host.id missing, not optional */
	cJSON_Delete(ev);
	strbuf_release(&key);
	eql_free(q);

	/* the planner's prefix */
	q = eql_parse("file where file.path like \"/Library/DirectoryServices/PlugIns/*.dsplug\" and true", &err);
	char *prefix;
	int exact;
	assert_int_equal(eql_required_prefix(q, "file.path", &prefix, &exact), 1);
	assert_string_equal(prefix, "/Library/DirectoryServices/PlugIns/");
	assert_int_equal(exact, 0);
	free(prefix);
	assert_int_equal(eql_required_prefix(q, "host.name", &prefix, &exact), 0);
	eql_free(q);
	q = eql_parse("file where file.path : \"/Library/*\"", &err); /* caseless: no prefix */
	assert_int_equal(eql_required_prefix(q, "file.path", &prefix, &exact), 0);
	eql_free(q);
	q = eql_parse("file where file.path == \"/a\" or true", &err); /* not required */
	assert_int_equal(eql_required_prefix(q, "file.path", &prefix, &exact), 0);
	eql_free(q);
}

static int admits(const char *query, const char *doc)
{
	struct kql_error err;
	struct eql_query *q = eql_parse(query, &err);
	assert_non_null(q);
	struct needles nd;
	eql_needles(q, &nd);
	needles_finish(&nd);
	int rc = needles_admit(&nd, doc, strlen(doc));
	needles_release(&nd);
	eql_free(q);
	return rc;
}

static void test_needles(void **state)
{
	(void)state;
	const char *helper =
	    "process where host.os.type == \"macos\" and (process.parent.name : \"dspluginhelperd\" or "
	    "process.parent.executable : \"/usr/libexec/dspluginhelperd\")";
	assert_int_equal(admits(helper, "{\"process\":{\"parent\":{\"name\":\"DSPluginHelperD\"}}}"), 1);
	assert_int_equal(
	    admits(helper, "{\"process\":{\"parent\":{\"name\":\"launchd\"}},\"host\":{\"os\":{\"type\":\"macos\"}}}"),
	    0);
	/* an escape could spell it: parsed */
	assert_int_equal(admits(helper, "{\"process\":{\"parent\":{\"name\":\"\\u0064spluginhelperd\"}}}"), 1);
	assert_int_equal(admits(helper, "{\"p\":\"a\\/b\"}"), 1);
	/* an escaped backslash before a u is not an escape */
	assert_int_equal(admits(helper, "{\"p\":\"C:\\\\users\"}"), 0);
	/* host.os.type may be derived, numbers may be written otherwise, not: no requirement */
	assert_int_equal(admits("any where host.os.type == \"macos\"", "{}"), 1);
	assert_int_equal(admits("any where process.pid == \"42\"", "{}"), 1);
	assert_int_equal(admits("any where not process.name == \"bash\"", "{}"), 1);
	/* and: the more selective side; or: both sides */
	assert_int_equal(admits("any where process.name == \"bash\" and user.name == \"root\"", "{\"x\":\"root\"}"), 0);
	assert_int_equal(admits("any where process.name == \"bash\" or user.name == \"root\"", "{\"x\":\"root\"}"), 1);
	assert_int_equal(admits("any where process.name == \"bash\" or user.id == 0", "{}"), 1);
	/* patterns: the longest literal run, a path root ("/Library/") the last choice */
	assert_int_equal(admits("any where file.path like \"/Library/*/PlugIns/?.dsplug\"", "{\"a\":\"/plugins/\"}"),
	                 1);
	assert_int_equal(admits("any where file.path like \"/Library/*/PlugIns/?.dsplug\"", "{\"a\":\"/library/\"}"),
	                 0);
	assert_int_equal(admits("any where file.path like \"/Library/*/PlugIns/?.dsplug\"", "{\"a\":\"plugins\"}"), 0);
	assert_int_equal(admits("any where file.path like \"/Users/*\"", "{\"a\":\"/users/\"}"), 1); /* no other */
	assert_int_equal(admits("any where file.path like \"/Users/*\"", "{\"a\":\"/usr/\"}"), 0);
	/* a sequence: any of its stages */
	assert_int_equal(admits("sequence [file where file.name == \"abc\"] [process where process.name == \"xyz\"]",
	                        "{\"n\":\"XYZ\"}"),
	                 1);
}

/* The index of every set's needles answers as each set alone does (needles_admit), with
 * Hyperscan and with the automaton: on documents holding needles in another case, split
 * across values, at the ends, overlapping each other, in non-ASCII text and behind escapes. */
static void test_needle_engines_agree(void **state)
{
	(void)state;
	static const char *const queries[] = {
	    "process where process.name : (\"curl\", \"wget\", \"nc\", \"osascript\") and process.args : \"-e*\"",
	    "file where file.path : \"/Library/LaunchDaemons/*.plist\"",
	    "file where file.extension in (\"dylib\", \"kext\", \"dsplug\")",
	    "network where destination.port == 4444 and process.name == \"ncat\"",
	    "process where process.parent.name : \"dspluginhelperd\"",
	    "any where user.name == \"root\" or user.name == \"rootkit\"",
	    "process where process.name == \"é-tool\"",
	    "any where true",
	    "sequence [file where file.name == \"abc\"] [process where process.name == \"xyz\"]"};
	static const char *const docs[] = {
	    "{}",
	    "{\"process\":{\"name\":\"CURL\",\"args\":[\"-E\"]}}",
	    "{\"a\":\"wge\",\"b\":\"t\"}",
	    "osascript",
	    "nc",
	    "{\"p\":\"/library/launchdaemons/x.PLIST\"}",
	    "{\"x\":\"DyLiB\"}",
	    "{\"x\":\"rootkitroot\"}",
	    "{\"x\":\"roo\"}",
	    "{\"n\":\"É-TOOL é-tool\"}",
	    "{\"n\":\"\\u0063url\"}",
	    "{\"n\":\"ncatcurlwgetxyzabc\"}",
	    "xyz",
	    "{\"ab\":\"c\"}",
	    "{\"p\":\"/Library/DirectoryServices/PlugIns/x.dsplug\",\"q\":\"DSPLUGINHELPERD\"}"};
	size_t nq = sizeof(queries) / sizeof(queries[0]), nd = sizeof(docs) / sizeof(docs[0]);
	struct needles sets[sizeof(queries) / sizeof(queries[0])];
	for (size_t i = 0; i < nq; i++) {
		struct kql_error err;
		struct eql_query *q = eql_parse(queries[i], &err);
		if (!q)
			fail_msg("%s: %s", queries[i], err.msg);
		eql_needles(q, &sets[i]);
		needles_finish(&sets[i]);
		eql_free(q);
	}
	enum needle_engine engines[] = {NEEDLE_HYPERSCAN, NEEDLE_AHO_CORASICK};
	int disagreements = 0;
	for (size_t e = 0; e < 2; e++) {
		struct needle_index *x = needle_index_new_engine(engines[e]);
		for (size_t i = 0; i < nq; i++)
			assert_int_equal(needle_index_add(x, &sets[i]), i);
		needle_index_build(x);
		if (e == 1)
			assert_int_equal(needle_index_engine(x), NEEDLE_AHO_CORASICK);
#ifdef CASEBOOK_HYPERSCAN
		if (e == 0)
			assert_int_equal(needle_index_engine(x), NEEDLE_HYPERSCAN);
#endif
		for (size_t d = 0; d < nd; d++) {
			needle_index_scan(x, docs[d], strlen(docs[d]));
			for (size_t i = 0; i < nq; i++) {
				int want = needles_admit(&sets[i], docs[d], strlen(docs[d]));
				if (needle_index_admits(x, i) != want) {
					printf("engine %zu, query %zu, doc %s: %d, alone %d\n", e, i, docs[d], !want,
					       want);
					disagreements++;
				}
			}
		}
		needle_index_free(x);
	}
	/* the test means something: some documents are ruled out, some admitted */
	assert_int_equal(needles_admit(&sets[1], docs[0], 2), 0);
	assert_int_equal(needles_admit(&sets[1], docs[5], strlen(docs[5])), 1);
	for (size_t i = 0; i < nq; i++)
		needles_release(&sets[i]);
	assert_int_equal(disagreements, 0);
}

static const struct tu_syntax_error errors[] = {
    {"", 1, "expected an event category (file, process, ... or any) before 'where'"},
    {"file", 5, "expected 'where' after the event category"},
    {"file where", 11, "the query ends where a value was expected"},
    {"file where a = 1", 14, "use == to compare (= is not an operator)"},
    {"file where a == 'x'", 17, "strings are written in double quotes (\"...\")"},
    {"file where a == \"x", 17, "a string is not closed with \""},
    {"file where a == \"\\q\"", 18, "unknown escape sequence in a string"},
    {"file where a : 1", 16, "expected a string pattern"},
    {"file where a regex \"(\"", 20, "invalid regular expression"},
    /* exponential to compile (found by fuzz_eql: gigabytes in glibc's regcomp) */
    {"file where a regex \"a+++++++++++\"", 20,
     "a regular expression repeats too much (nested or stacked quantifiers)"},
    {"file where a regex \"(((((((((((a+)+)+)+)+)+)+)+)+)+)+)+\"", 20,
     "a regular expression repeats too much (nested or stacked quantifiers)"},
    {"file where a regex \"(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))\"", 20,
     "a regular expression may have at most 32 groups and 64 alternatives"},
    {"file where a regex~ (\"x\", \"(a{100}){100}\")", 27,
     "a regular expression repeats too much (nested or stacked quantifiers)"},
    /* a long group under stacked quantifiers, and repeated empty alternatives (regcomp for
     * minutes, found by fuzz_eql's two-hour campaign) */
    {"file where a regex~ \"(abcdefghijklmnopqrstuvwxyz0123)+++++++\"", 21,
     "a regular expression repeats too much (nested or stacked quantifiers)"},
    /* an alternative with nothing after its '|' (Lucene: unexpected end-of-string; its ')' is
     * a character, so the group is not closed) */
    {"any where v regex \"(a|)x\"", 19, "invalid regular expression"},
    {"any where v regex \"a|\"", 19, "invalid regular expression"},
    {"file where a regex \"(||||||||){30}\"", 20,
     "a regular expression repeats too much (nested or stacked quantifiers)"},
    /* + over what may match nothing, three deep (regcomp for minutes on a dozen bytes) */
    {"file where a regex \"(ab)???++++\"", 20,
     "a regular expression repeats what may match nothing too deeply (like (((a?)+)+)+)"},
    {"file where a regex \"x((((ab)?)+)+)+\"", 20,
     "a regular expression repeats what may match nothing too deeply (like (((a?)+)+)+)"},
    /* Lucene operators casebook does not run: said, not taken as characters */
    {"file where a regex \"a~b\"", 20, "the complement operator ~ of Lucene's regular expressions is not supported"},
    /* & is Lucene's intersection (RegExp.ALL: test_detect.c's test_lucene_regex_intersection),
     * which needs a right side */
    {"file where a regex \"a&\"", 20, "invalid regular expression"},
    {"file where a regex \"<1-20>\"", 20, "numeric intervals <n-m> of Lucene's regular expressions are not supported"},
    {"file where a regex \"a{2\"", 20, "invalid regular expression"},
    {"file where nosuch(a)", 12, "unknown function nosuch (docs/DETECTION.md lists the supported ones)"},
    {"file where length(a, b)", 12, "length takes 1 argument"},
    {"file where (a == 1", 19, "expected ')'"},
    {"file where a == 1 b", 19, "unexpected text after the query"},
    {"file where a == 1 | head 5", 19, "pipes (| head, | tail, ...) are not supported in detection rules"},
    {"process where descendant of [process where true]", 15,
     "descendant of [...] is not supported: Elasticsearch's EQL has no lineage operators"},
    {"process where child of [process where true]", 15,
     "child of [...] is not supported: Elasticsearch's EQL has no lineage operators"},
    {"file where a[0] == 1", 13, "array indexes in field names (field[0]) are not supported"},
    {"file where where == 1", 12, "'where' is a keyword here; quote a field of that name as `name`"},
    {"join [file where true] [process where true]", 1,
     "join is not supported: Elasticsearch's EQL has no join (sequences are its way)"},
    {"sequence [file where true]", 27,
     "a sequence needs at least two queries in [brackets] (or one with runs=2 or more)"},
    {"sequence with maxspan=5x [file where true] [file where true]", 23,
     "expected a duration such as 30s, 5m, 1h or 2d"},
    {"sequence [file where true] [file where true] until ![file where true]", 52,
     "an until query cannot be a missing event"},
    {"sequence by a [file where true] ![file where true] [file where true] by a", 1,
     "every query of a sequence needs the same number of 'by' fields"},
    {"sequence [file where true] by a [file where true]", 1,
     "every query of a sequence needs the same number of 'by' fields"},
    {"sequence [file where true] with runs=0", 38, "runs must be a whole number from 1 to 100"},
    {"file where a == \"\\u{D800}\"", 18,
     "invalid \\u{...} escape (a Unicode code point other than 0 and the surrogates)"},
    {"file where /* open", 12, "a comment is not closed with */"},
    {"file.x where true", 1, "expected an event category (file, process, ... or any) before 'where'"},
};

static void *parse_query(const char *text, struct kql_error *err)
{
	return eql_parse(text, err);
}

static void free_query(void *q)
{
	eql_free(q);
}

static void test_syntax_errors(void **state)
{
	(void)state;
	tu_expect_syntax_errors(errors, sizeof(errors) / sizeof(errors[0]), parse_query, free_query);
	/* length, not only depth: a 20,000-term or is a balanced tree (it overflowed the stack);
	 * an arithmetic chain, left-associative, is bounded instead */
	struct strbuf chain;
	strbuf_init(&chain, 1 << 20);
	strbuf_addstr(&chain, "process where ");
	for (int i = 0; i < 20000; i++)
		strbuf_addf(&chain, "%sprocess.name == \"p%d\"", i ? " or " : "", i);
	struct kql_error ce;
	struct eql_query *cq = eql_parse(chain.buf, &ce);
	assert_non_null(cq);
	cJSON *hit = cJSON_Parse("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"p19999\"}}");
	cJSON *miss = cJSON_Parse("{\"event\":{\"category\":\"process\"},\"process\":{\"name\":\"q\"}}");
	assert_int_equal(eql_match(cq, hit), 1);
	assert_int_equal(eql_match(cq, miss), 0);
	struct needles cn;
	eql_needles(cq, &cn);
	needles_release(&cn);
	cJSON_Delete(hit);
	cJSON_Delete(miss);
	eql_free(cq);
	strbuf_reset(&chain);
	strbuf_addstr(&chain, "any where 1");
	for (int i = 0; i < 300; i++)
		strbuf_addstr(&chain, " + 1");
	assert_null(eql_parse(chain.buf, &ce));
	assert_string_equal(ce.msg, "an arithmetic chain of more than 256 terms");
	strbuf_release(&chain);
	/* nesting is bounded, not left to the stack (found by fuzz_eql: a stack overflow) */
	struct strbuf deep;
	strbuf_init(&deep, 70000);
	strbuf_addstr(&deep, "any where ");
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&deep, "(not -");
	struct kql_error e;
	assert_null(eql_parse(deep.buf, &e));
	assert_string_equal(e.msg, "expressions nested deeper than 200 levels");
	strbuf_release(&deep);
	strbuf_init(&deep, 1024);
	strbuf_addstr(&deep, "any where ");
	for (int i = 0; i < 60; i++)
		strbuf_addstr(&deep, "(");
	strbuf_addstr(&deep, "true");
	for (int i = 0; i < 60; i++)
		strbuf_addstr(&deep, ")");
	struct eql_query *ok = eql_parse(deep.buf, &e);
	assert_non_null(ok);
	eql_free(ok);
	strbuf_release(&deep);
	struct kql_error err;
	assert_null(eql_parse("file where (a", &err));
	struct strbuf sb;
	strbuf_init(&sb, 64);
	kql_error_format("file where (a", &err, &sb);
	assert_string_equal(sb.buf, "EQL syntax error at column 14: expected ')'\n"
	                            "    file where (a\n"
	                            "                 ^\n");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_eql_cases),
	    cmocka_unit_test(test_mapped_whole_numbers),
	    cmocka_unit_test(test_multi_fields),
	    cmocka_unit_test(test_sequences),
	    cmocka_unit_test(test_sequences_expire_with_maxspan),
	    cmocka_unit_test(test_needle_engines_agree),
	    cmocka_unit_test(test_sequence_shape),
	    cmocka_unit_test(test_needles),
	    cmocka_unit_test(test_syntax_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
