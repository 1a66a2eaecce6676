/* ES|QL as Elasticsearch answers it, on hand-made events: each case is a query, the events,
 * and the rows expected (JSON, one per line). The answers follow Elastic's ES|QL reference:
 * null and multi-valued operands make a comparison null, WHERE keeps only true, STATS puts a
 * row with a multi-valued BY field in each of its groups. */
#include "tests/testutil.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/strbuf.h"
#include "detect/esql.h"
#include "detect/esql_search.h"
#include "detect/field.h"
#include "store/store.h"

/* The rows a query gives over the events (a JSON array), one JSON object per line. */
static char *run_query(const char *query, const char *events)
{
	return tu_esql_run(query, events, NULL);
}

static const struct {
	const char *query, *events, *want;
} cases[] = {
    /* null and multi-valued operands: the comparison is null, so WHERE drops the row */
    {"FROM x | WHERE a == 1 | KEEP a, b", "[{\"a\":1,\"b\":\"one\"},{\"b\":\"none\"},{\"a\":[1,2],\"b\":\"two\"}]",
     "{\"a\":1,\"b\":\"one\"}\n"},
    {"FROM x | WHERE NOT a == 1 | KEEP b", "[{\"a\":2,\"b\":\"x\"},{\"b\":\"y\"}]", "{\"b\":\"x\"}\n"},
    {"FROM x | WHERE a == 1 OR b == \"y\" | KEEP b", "[{\"b\":\"y\"},{\"b\":\"z\"}]", "{\"b\":\"y\"}\n"},
    {"FROM x | WHERE a IS NULL | KEEP b", "[{\"a\":1,\"b\":\"x\"},{\"b\":\"y\"}]", "{\"b\":\"y\"}\n"},
    {"FROM x | WHERE a IS NOT NULL | KEEP b", "[{\"a\":1,\"b\":\"x\"},{\"b\":\"y\"}]", "{\"b\":\"x\"}\n"},
    /* LIKE: * and ?, case-sensitive, the whole value */
    {"FROM x | WHERE process.name LIKE \"cu?l*\" | KEEP process.name",
     "[{\"process\":{\"name\":\"curl\"}},{\"process\":{\"name\":\"Curl\"}},{\"process\":{\"name\":\"curly\"}}]",
     "{\"process.name\":\"curl\"}\n{\"process.name\":\"curly\"}\n"},
    {"FROM x | WHERE process.name NOT LIKE \"*sh\" | KEEP process.name",
     "[{\"process\":{\"name\":\"zsh\"}},{\"process\":{\"name\":\"curl\"}}]", "{\"process.name\":\"curl\"}\n"},
    {"FROM x | WHERE n IN (1, 3) | KEEP n", "[{\"n\":1},{\"n\":2},{\"n\":3}]", "{\"n\":1}\n{\"n\":3}\n"},
    {"FROM x | WHERE n NOT IN (1, 3) | KEEP n", "[{\"n\":1},{\"n\":2},{}]", "{\"n\":2}\n"},
    /* a date of epoch milliseconds out of range is null, not converted (1e300 was undefined) */
    {"FROM x | WHERE @timestamp IS NULL | KEEP id",
     "[{\"@timestamp\":1e300,\"id\":1},{\"@timestamp\":-1e300,\"id\":2},{\"@timestamp\":1714557600000,\"id\":3}]",
     "{\"id\":1}\n{\"id\":2}\n"},
    {"FROM x | EVAL n = TO_INTEGER(s) | KEEP n", "[{\"s\":\"1e300\"},{\"s\":\"-12.5\"}]",
     "{\"n\":null}\n{\"n\":-12}\n"},
    /* dates compare as instants, with strings and epoch milliseconds */
    {"FROM x | WHERE @timestamp > \"2024-05-01T10:00:00Z\" | KEEP id",
     "[{\"@timestamp\":\"2024-05-01T09:59:59.999Z\",\"id\":1},{\"@timestamp\":\"2024-05-01T10:00:00.001Z\",\"id\":2}]",
     "{\"id\":2}\n"},
    /* EVAL: each sees the ones before it; functions */
    {"FROM x | EVAL l = TO_LOWER(s), len = LENGTH(l), c = CONCAT(s, \"-\", TO_STRING(n)), st = STARTS_WITH(s, "
     "\"Ab\"), sub = SUBSTRING(s, 2, 2), loc = LOCATE(s, \"c\"), cs = CASE(n > 5, \"big\", \"small\"), co = "
     "COALESCE(missing, n) | KEEP l, len, c, st, sub, loc, cs, co",
     "[{\"s\":\"Abc\",\"n\":7}]",
     "{\"l\":\"abc\",\"len\":3,\"c\":\"Abc-7\",\"st\":true,\"sub\":\"bc\",\"loc\":3,\"cs\":\"big\",\"co\":7}\n"},
    {"FROM x | EVAL c = MV_COUNT(a), f = MV_FIRST(a), l = MV_LAST(a), mn = MV_MIN(a), j = MV_CONCAT(a, \",\"), d = "
     "MV_DEDUPE(a), sl = MV_SLICE(a, 1, 2), sp = SPLIT(\"a/b\", \"/\") | KEEP c, f, l, mn, j, d, sl, sp",
     "[{\"a\":[\"b\",\"a\",\"b\"]}]",
     "{\"c\":2,\"f\":\"a\",\"l\":\"b\",\"mn\":\"a\",\"j\":\"a,b\",\"d\":[\"a\",\"b\"],\"sl\":\"b\",\"sp\":["
     "\"a\","
     "\"b\"]}\n"},
    /* MV_CONTAINS (MvContains.java): every subset value in the superset, of the same type; a
     * null subset is contained in anything, a null superset contains only a null subset */
    {"FROM x | EVAL t = MV_CONTAINS(a, [\"c\", \"a\"]), f = MV_CONTAINS(a, [\"a\", \"z\"]), s = "
     "MV_CONTAINS(a, \"b\"), n1 = MV_CONTAINS(a, missing), n2 = MV_CONTAINS(missing, a), n3 = "
     "MV_CONTAINS(missing, other), i = MV_CONTAINS(n, [3, 1]), j = MV_CONTAINS(n, 4), k = MV_CONTAINS(n, "
     "\"1\") | KEEP t, f, s, n1, n2, n3, i, j, k",
     "[{\"a\":[\"a\",\"b\",\"c\"],\"n\":[1,2,3]}]",
     "{\"t\":true,\"f\":false,\"s\":true,\"n1\":true,\"n2\":false,\"n3\":true,\"i\":true,\"j\":false,"
     "\"k\":false}\n"},
    {"FROM x | WHERE MV_CONTAINS(a, \"b\") | KEEP id",
     "[{\"id\":1,\"a\":[\"a\",\"b\"]},{\"id\":2,\"a\":\"a\"},{\"id\":3}]", "{\"id\":1}\n"},
    /* MV_INTERSECTION (MvIntersection.java, MvSetOperationFunction.java: LinkedHashSet.retainAll):
     * the first's distinct values in its order that the second holds; null when either is null
     * or none is in both */
    {"FROM x | EVAL i = MV_INTERSECTION([\"c\", \"a\", \"b\", \"a\"], [\"a\", \"c\", \"d\"]), o = "
     "MV_INTERSECTION(a, \"b\"), e = MV_INTERSECTION(a, \"z\"), n1 = MV_INTERSECTION(a, missing), n2 = "
     "MV_INTERSECTION(missing, a), m = MV_INTERSECTION(n, [3, 1, 3]), t = MV_INTERSECTION(n, \"1\") | KEEP i, "
     "o, e, n1, n2, m, t",
     "[{\"a\":[\"a\",\"b\"],\"n\":[1,2,3]}]",
     "{\"i\":[\"c\",\"a\"],\"o\":\"b\",\"e\":null,\"n1\":null,\"n2\":null,\"m\":[1,3],\"t\":null}\n"},
    /* a multi-valued field reads as Elasticsearch's doc values hold it: sorted, a keyword's
     * values each once, numbers with their repeats; a literal keeps its order */
    {"FROM x | EVAL l = [\"b\", \"a\", \"b\"] | KEEP k, n, l", "[{\"k\":[\"b\",\"a\",\"b\"],\"n\":[3,1,3]}]",
     "{\"k\":[\"a\",\"b\"],\"n\":[1,3,3],\"l\":[\"b\",\"a\",\"b\"]}\n"},
    /* arithmetic: integer division truncates; overflow and division by zero are null */
    {"FROM x | EVAL q = n / 2, r = n % 2, z = n / 0, big = 9223372036854775807 + n, f = n / 2.0 | KEEP q, r, z, big, f",
     "[{\"n\":7}]", "{\"q\":3,\"r\":1,\"z\":null,\"big\":null,\"f\":3.5}\n"},
    /* STATS: a multi-valued BY field puts the row in each group; aggregates then BY columns */
    {"FROM x | STATS n = COUNT(*), users = VALUES(u), d = COUNT_DISTINCT(u), c = COUNT(u) BY h | SORT h",
     "[{\"h\":\"a\",\"u\":\"x\"},{\"h\":\"a\",\"u\":\"y\"},{\"h\":[\"a\",\"b\"],\"u\":\"x\"},{\"h\":\"c\"}]",
     "{\"n\":3,\"users\":[\"x\",\"y\"],\"d\":2,\"c\":3,\"h\":\"a\"}\n{\"n\":1,\"users\":\"x\",\"d\":1,\"c\":1,\"h\":"
     "\"b\"}\n{\"n\":1,\"users\":null,\"d\":0,\"c\":0,\"h\":\"c\"}\n"},
    {"FROM x | STATS total = SUM(n), hi = MAX(n), avg = AVG(n) | WHERE total > 3", "[{\"n\":1},{\"n\":4},{}]",
     "{\"total\":5,\"hi\":4,\"avg\":2.5}\n"},
    {"FROM x | WHERE n > 100 | STATS c = COUNT(*)", "[{\"n\":1}]", "{\"c\":0}\n"},
    /* INLINE STATS: each row gains its group's aggregates; a row in several groups, nulls */
    {"FROM x | INLINE STATS c = COUNT(*) BY h | KEEP id, h, c",
     "[{\"id\":1,\"h\":\"a\"},{\"id\":2,\"h\":\"a\"},{\"id\":3,\"h\":\"b\"},{\"id\":4,\"h\":[\"a\",\"b\"]}]",
     "{\"id\":1,\"h\":\"a\",\"c\":3}\n{\"id\":2,\"h\":\"a\",\"c\":3}\n{\"id\":3,\"h\":\"b\",\"c\":2}\n{\"id\":4,\"h\":"
     "[\"a\",\"b\"],\"c\":null}\n"},
    {"FROM x | INLINESTATS total = SUM(n) | WHERE n * 2 > total | KEEP n, total", "[{\"n\":1},{\"n\":5},{\"n\":2}]",
     "{\"n\":5,\"total\":8}\n"},
    /* SORT (nulls last ascending, first descending) and LIMIT */
    {"FROM x | SORT n DESC | LIMIT 3 | KEEP n", "[{\"n\":1},{\"n\":5},{},{\"n\":3}]",
     "{\"n\":null}\n{\"n\":5}\n{\"n\":3}\n"},
    {"FROM x | SORT n | KEEP n", "[{\"n\":2},{},{\"n\":1}]", "{\"n\":1}\n{\"n\":2}\n{\"n\":null}\n"},
    /* RENAME, DROP, KEEP with a pattern, MV_EXPAND, METADATA */
    {"FROM x METADATA _id | RENAME s AS t | DROP n | KEEP _id, t, n, p.*",
     "[{\"s\":\"v\",\"n\":1,\"p\":{\"a\":1,\"b\":2}}]", "{\"_id\":\"e0\",\"t\":\"v\",\"p.a\":1,\"p.b\":2}\n"},
    {"FROM x | MV_EXPAND a | KEEP a", "[{\"a\":[\"x\",\"y\"]},{\"b\":1}]",
     "{\"a\":\"x\"}\n{\"a\":\"y\"}\n{\"a\":null}\n"},
    {"FROM x | WHERE a == \"x\" | MV_EXPAND b | STATS c = COUNT(*) BY b | SORT c DESC, b",
     "[{\"a\":\"x\",\"b\":[\"p\",\"q\"]},{\"a\":\"x\",\"b\":\"q\"},{\"a\":\"y\",\"b\":\"p\"}]",
     "{\"c\":2,\"b\":\"q\"}\n{\"c\":1,\"b\":\"p\"}\n"},
    /* time spans: DATE_TRUNC, and BY an expression named by its text */
    {"FROM x | STATS c = count() BY w = DATE_TRUNC(5 minutes, @timestamp), h | SORT w",
     "[{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"h\":\"a\"},{\"@timestamp\":\"2024-05-01T10:04:59Z\",\"h\":\"a\"},"
     "{\"@timestamp\":\"2024-05-01T10:05:00Z\",\"h\":\"a\"}]",
     "{\"c\":2,\"w\":\"2024-05-01T10:00:00.000Z\",\"h\":\"a\"}\n{\"c\":1,\"w\":\"2024-05-01T10:05:00.000Z\","
     "\"h\":\"a\"}"
     "\n"},
    {"FROM x | STATS c = COUNT(*) BY DATE_TRUNC(1 week, @timestamp)", "[{\"@timestamp\":\"2024-05-01T10:01:00Z\"}]",
     "{\"c\":1,\"DATE_TRUNC(1 week, @timestamp)\":\"2024-04-29T00:00:00.000Z\"}\n"}, /* a Monday */
    {"FROM x | WHERE @timestamp > \"2024-05-01T12:00:00Z\" - 2 hours | KEEP id",
     "[{\"@timestamp\":\"2024-05-01T09:59:00Z\",\"id\":1},{\"@timestamp\":\"2024-05-01T10:01:00Z\",\"id\":2}]",
     "{\"id\":2}\n"},
    /* KQL() runs casebook's KQL on the event; CIDR_MATCH; LIKE over a list of patterns */
    {"FROM x | WHERE KQL(\"\"\"process.name:(curl or wget) and not user.name:root\"\"\") | KEEP id",
     "[{\"id\":1,\"process\":{\"name\":\"curl\"},\"user\":{\"name\":\"amy\"}},{\"id\":2,\"process\":{\"name\":"
     "\"wget\"},\"user\":{\"name\":\"root\"}}]",
     "{\"id\":1}\n"},
    {"FROM x | WHERE CIDR_MATCH(TO_IP(destination.ip), \"10.0.0.0/8\", \"192.168.0.0/16\") | KEEP id",
     "[{\"id\":1,\"destination\":{\"ip\":\"10.1.2.3\"}},{\"id\":2,\"destination\":{\"ip\":\"8.8.8.8\"}},{\"id\":3}]",
     "{\"id\":1}\n"},
    {"FROM x | WHERE f LIKE (\"*.sh\", \"*.py\") | KEEP f", "[{\"f\":\"a.sh\"},{\"f\":\"b.py\"},{\"f\":\"c.rb\"}]",
     "{\"f\":\"a.sh\"}\n{\"f\":\"b.py\"}\n"},
    /* RLIKE: Lucene's syntax over the whole value, case-sensitive */
    {"FROM x | WHERE c RLIKE \".*(curl|wget) .*http.*\" | KEEP c",
     "[{\"c\":\"curl -s http://a\"},{\"c\":\"Curl http://b\"},{\"c\":\"sh -c 'wget http://c'\"}]",
     "{\"c\":\"curl -s http://a\"}\n{\"c\":\"sh -c 'wget http://c'\"}\n"},
    {"FROM x | WHERE c NOT RLIKE \"[a-z]+\\\\d\" | KEEP c", "[{\"c\":\"abc1\"},{\"c\":\"abc\"}]", "{\"c\":\"abc\"}\n"},
    /* DISSECT: keys between delimiters, skipped keys, padding, appended keys; no fit: nulls */
    {"FROM x | DISSECT m \"%{ts} [%{level}] %{?skip}: %{+ts} %{msg}\" APPEND_SEPARATOR = \"T\" | KEEP ts, level, msg",
     "[{\"m\":\"2024-05-01 [warn] x: 10:00 disk full\"},{\"m\":\"nothing\"}]",
     "{\"ts\":\"2024-05-01T10:00\",\"level\":\"warn\",\"msg\":\"disk "
     "full\"}\n{\"ts\":null,\"level\":null,\"msg\":null}\n"},
    {"FROM x | DISSECT m \"%{a->} %{b}\" | KEEP a, b", "[{\"m\":\"left    right\"}]",
     "{\"a\":\"left\",\"b\":\"right\"}\n"},
    /* GROK with Elastic's pattern names: DATA is lazy, GREEDYDATA takes the rest, :int types */
    {"FROM x | GROK u \"%{URIPROTO:proto}://%{URIHOST:host}%{GREEDYDATA:rest}\" | KEEP proto, host, rest",
     "[{\"u\":\"https://example.com:8443/a/b?x=1\"}]",
     "{\"proto\":\"https\",\"host\":\"example.com:8443\",\"rest\":\"/a/b?x=1\"}\n"},
    {"FROM x | GROK m \"%{IP:ip} %{INT:n:int} %{DATA:a} %{GREEDYDATA:b}\" | KEEP ip, n, a, b",
     "[{\"m\":\"from 10.1.2.3 42 x y z\"},{\"m\":\"nothing here\"}]",
     "{\"ip\":\"10.1.2.3\",\"n\":42,\"a\":\"x\",\"b\":\"y z\"}\n{\"ip\":null,\"n\":null,\"a\":null,\"b\":null}\n"},
    /* GROK's own named groups name fields, dots and all (Joni's names; PCRE2's cannot) */
    {"FROM x | GROK m \"user=(?<Esql.user>[a-z]+) (?<n>\\\\d+)\" | KEEP Esql.user, n", "[{\"m\":\"user=amy 42\"}]",
     "{\"Esql.user\":\"amy\",\"n\":\"42\"}\n"},
    /* GROK and DISSECT over a multi-valued field: each value, the columns multi-valued */
    {"FROM x | GROK m \"%{WORD:w}=%{INT:n:int}\" | DISSECT m \"%{k}=%{v}\" | KEEP w, n, k, v",
     "[{\"m\":[\"b=2\",\"a=1\",\"junk\"]}]",
     "{\"w\":[\"a\",\"b\"],\"n\":[1,2],\"k\":[\"a\",\"b\"],\"v\":[\"1\",\"2\"]}\n"},
    /* REPLACE: every match, with groups */
    {"FROM x | EVAL r = REPLACE(s, \"[0-9]+\", \"#\"), g = REPLACE(s, \"(a)(b)\", \"$2$1\") | KEEP r, g",
     "[{\"s\":\"ab12cd345ab\"}]", "{\"r\":\"ab#cd#ab\",\"g\":\"ba12cd345ba\"}\n"},
    /* STATS agg WHERE cond: each aggregate over the rows its condition keeps; a group whose
     * rows it drops all still counts 0 (stats.csv-spec, "aggregations with where") */
    {"FROM x | STATS big = COUNT(*) WHERE n > 1, s = SUM(n) WHERE n > 1, all = COUNT(*) BY h | SORT h",
     "[{\"h\":\"a\",\"n\":1},{\"h\":\"a\",\"n\":5},{\"h\":\"a\",\"n\":7},{\"h\":\"b\",\"n\":0}]",
     "{\"big\":2,\"s\":12,\"all\":3,\"h\":\"a\"}\n{\"big\":0,\"s\":null,\"all\":1,\"h\":\"b\"}\n"},
    /* a field only the filter reads is carried out of the event too */
    {"FROM x | STATS c = COUNT(*) WHERE k == \"p\"", "[{\"k\":\"p\"},{\"k\":\"q\"},{}]", "{\"c\":1}\n"},
    /* expressions over aggregates; the column is named by its text; BY columns readable */
    {"FROM x | STATS MAX(n) + 1, v = MV_SLICE(VALUES(s), 0, 1), k = CONCAT(h, TO_STRING(COUNT(*))) BY h",
     "[{\"h\":\"a\",\"n\":1,\"s\":\"p\"},{\"h\":\"a\",\"n\":5,\"s\":\"q\"},{\"h\":\"a\",\"s\":\"r\"}]",
     "{\"MAX(n) + 1\":6,\"v\":[\"p\",\"q\"],\"k\":\"a3\",\"h\":\"a\"}\n"},
    /* COUNT(null) counts nothing, COUNT of a constant every row; a long SUM past 2^63 is null
     * (Elasticsearch warns "long overflow") */
    {"FROM x | STATS a = COUNT(null), b = COUNT(1), c = SUM(n)",
     "[{\"n\":5000000000000000000},{\"n\":5000000000000000000}]", "{\"a\":0,\"b\":2,\"c\":null}\n"},
    /* MEDIAN, PERCENTILE (interpolated), STD_DEV (the population's), WEIGHTED_AVG, TOP */
    {"FROM x | STATS m = MEDIAN(n), p = PERCENTILE(n, 25), sd = STD_DEV(n), w = WEIGHTED_AVG(n, w), t = TOP(n, 2, "
     "\"desc\"), mad = MEDIAN_ABSOLUTE_DEVIATION(n)",
     "[{\"n\":1,\"w\":1},{\"n\":2,\"w\":1},{\"n\":3,\"w\":2},{\"n\":4}]",
     "{\"m\":2.5,\"p\":1.75,\"sd\":1.118033988749895,\"w\":2.25,\"t\":[4,3],\"mad\":1.0}\n"},
    /* multi-valued literals, inline casts, SORT by an expression */
    {"FROM x | EVAL l = [3, -1, 2], c = MV_COUNT(l), i = s::integer, t = n::keyword, d = \"2024-05-01\"::datetime "
     "| SORT LENGTH(s) DESC | KEEP l, c, i, t, d",
     "[{\"s\":\"7\",\"n\":1},{\"s\":\"42\",\"n\":2}]",
     "{\"l\":[3,-1,2],\"c\":3,\"i\":42,\"t\":\"2\",\"d\":\"2024-05-01T00:00:00.000Z\"}\n{\"l\":[3,-1,2],"
     "\"c\":3,\"i\":7,\"t\":\"1\",\"d\":\"2024-05-01T00:00:00.000Z\"}\n"},
    /* ROUND: half away from zero on the value as Java writes it (BigDecimal.valueOf, HALF_UP) */
    /* date.csv-spec evalDateFormat (YYYY: the ISO week-based year), evalDateParseNullPattern */
    {"ROW d = [\"2024-12-30T00:00:00Z\", \"2021-01-03T00:00:00Z\", \"1985-02-18T00:00:00Z\"] | MV_EXPAND d | "
     "EVAL y = DATE_FORMAT(\"YYYY-MM-dd\", TO_DATETIME(d)), p = DATE_PARSE(null, \"2023-02-01\") | KEEP y, p",
     "[0]",
     "{\"y\":\"2025-12-30\",\"p\":null}\n{\"y\":\"2020-01-03\",\"p\":null}\n{\"y\":\"1985-02-18\",\"p\":null}\n"},
    /* keep.csv-spec projectFromWithStatsAfterLimit: one BY column's null group first */
    {"FROM x | STATS m = MAX(v) BY g", "[{\"g\":\"M\",\"v\":1},{\"v\":2},{\"g\":\"F\",\"v\":3}]",
     "{\"m\":2,\"g\":null}\n{\"m\":1,\"g\":\"M\"}\n{\"m\":3,\"g\":\"F\"}\n"},
    /* dissect.csv-spec appendWithOrder; a column the row had before is not joined to */
    {"ROW a = \"foo 1 bar 2 baz\", b = \"old\" | DISSECT a \"%{+b/3} %{c} %{+b/2} %{d} %{+b/1}\" "
     "APPEND_SEPARATOR = \",\" | KEEP b, c, d",
     "[0]", "{\"b\":\"baz,bar,foo\",\"c\":\"1\",\"d\":\"2\"}\n"},
    /* grok.csv-spec multivalueOutput, shadowingWhenPushedDownPastRename2, typeConversions */
    {"ROW a = \"foo bar baz qux true\" | GROK a \"%{WORD:b} %{WORD:c} %{WORD:b} %{WORD:c} %{WORD:e:boolean}\" | "
     "KEEP b, c, e",
     "[0]", "{\"b\":[\"foo\",\"baz\"],\"c\":[\"bar\",\"qux\"],\"e\":true}\n"},
    /* a column EVAL, GROK or DISSECT sets again comes last; RENAME keeps its place (eval.csv-spec
     * projectEval, grok.csv-spec shadowing*, dissect.csv-spec shadowing*) */
    {"ROW x = 1 | KEEP x | EVAL a1 = x + 1, a2 = x + 1, a3 = a1 + a2, a1 = a1 + a2", "[0]",
     "{\"x\":1,\"a2\":2,\"a3\":4,\"a1\":4}\n"},
    {"ROW city = \"Z\", long = \"the big city\", n = 1 | RENAME city AS c | GROK long \"the %{WORD:long} %{WORD}\"",
     "[0]", "{\"c\":\"Z\",\"n\":1,\"long\":\"big\"}\n"},
    {"ROW b = 1, a = \"x y\", n = 2 | RENAME n AS b | DISSECT a \"%{c} %{a}\"", "[0]",
     "{\"b\":2,\"c\":\"x\",\"a\":\"y\"}\n"},
    /* grok.csv-spec multiPatterns: several patterns, the first that matches */
    {"ROW t = [\"XYZ one\", \"ABC two\"] | MV_EXPAND t | GROK t \"ABC %{WORD:foo}\", \"XYZ %{WORD:bar}\" | KEEP foo, "
     "bar",
     "[0]", "{\"foo\":null,\"bar\":\"one\"}\n{\"foo\":\"two\",\"bar\":null}\n"},
    /* rename.csv-spec rowRenameNop, useAssignmentAndASKeyword, multipleRenamesWithAssignment */
    {"ROW a = 1, b = 2 | RENAME a AS a", "[0]", "{\"a\":1,\"b\":2}\n"},
    {"ROW a = 1, b = \"two\", c = null | RENAME aa = a, b AS bb, cc = c", "[0]",
     "{\"aa\":1,\"bb\":\"two\",\"cc\":null}\n"},
    {"ROW a = \"keyword\", b = 5, c = null | RENAME c = a, a = b | RENAME b = c | RENAME b = a, a = b", "[0]",
     "{\"a\":5}\n"},
    /* math.csv-spec negate: unary minus and plus chain */
    {"ROW x = 1 | EVAL a = -x, b = --x * -+-+-1 * -3, c = -(-(-(-x))), d = +x, e = 2 - +1", "[0]",
     "{\"x\":1,\"a\":-1,\"b\":3,\"c\":1,\"d\":1,\"e\":1}\n"},
    /* MATCH's options (Match.java): fuzziness is FuzzyQuery's edits (1: a substitution, a
     * deletion or, with fuzzy_transpositions' default true, a swap of neighbours), on a keyword
     * the whole value, case and all */
    {"FROM x | WHERE MATCH(n, \"svchost.exe\", {\"fuzziness\": 1, \"max_expansions\": 10}) | KEEP n",
     "[{\"n\":\"svchost.exe\"},{\"n\":\"svch0st.exe\"},{\"n\":\"svhost.exe\"},{\"n\":\"scvhost.exe\"},"
     "{\"n\":\"svch0st.ex\"},{\"n\":\"SVCHOST.EXE\"}]",
     "{\"n\":\"svchost.exe\"}\n{\"n\":\"svch0st.exe\"}\n{\"n\":\"svhost.exe\"}\n{\"n\":\"scvhost.exe\"}\n"},
    {"FROM x | WHERE MATCH(n, \"svchost.exe\", {\"fuzziness\": \"1\", \"fuzzy_transpositions\": false, "
     "\"prefix_length\": 1}) | KEEP n",
     "[{\"n\":\"scvhost.exe\"},{\"n\":\"zvchost.exe\"},{\"n\":\"svchosx.exe\"}]", "{\"n\":\"svchosx.exe\"}\n"},
    /* AUTO (Fuzziness.asDistance): under 3 code points exact, under 6 one edit, else two */
    {"FROM x | WHERE MATCH(n, q, {\"fuzziness\": \"AUTO\"}) | KEEP n",
     "[{\"n\":\"ac\",\"q\":\"ab\"},{\"n\":\"abce\",\"q\":\"abcd\"},{\"n\":\"abxe\",\"q\":\"abcd\"},"
     "{\"n\":\"abcdxy\",\"q\":\"abcdef\"},{\"n\":\"\\u00e9t\\u00e9s\",\"q\":\"\\u00e9t\\u00e9\"}]",
     "{\"n\":\"abce\"}\n{\"n\":\"abcdxy\"}\n{\"n\":\"\u00e9t\u00e9s\"}\n"},
    /* on a text field each word of the query, lower-cased; operator AND: every one; a query of
     * no words matches nothing, or with zero_terms_query "all" every document */
    {"FROM x | EVAL o = MATCH(message, \"Quick fox\"), a = MATCH(message, \"quick fox\", {\"operator\": \"AND\"}), "
     "f = MATCH(message, \"qiuck\", {\"fuzziness\": 1}), z = MATCH(message, \"!!\", {\"zero_terms_query\": "
     "\"all\"}), n = MATCH(message, \"!!\") | KEEP o, a, f, z, n",
     "[{\"message\":\"the QUICK brown fox\"},{\"message\":\"a quick cat\"},{}]",
     "{\"o\":true,\"a\":true,\"f\":true,\"z\":true,\"n\":false}\n"
     "{\"o\":true,\"a\":false,\"f\":true,\"z\":true,\"n\":false}\n"
     "{\"o\":false,\"a\":false,\"f\":false,\"z\":true,\"n\":false}\n"},
    /* TO_LOWER, TO_UPPER: Java's String.toLowerCase / toUpperCase (Locale.ROOT), ToLower.java and
     * ToUpper.java: Unicode's mappings, SpecialCasing's \u0130 to i and U+0307, \u00df to SS, the fi
     * ligature to FI, and a final sigma (after a cased letter, before none) to \u03c2 */
    {"ROW a = TO_LOWER(\"\u03a3\u0391\u03a3 \u03a3\"), b = TO_LOWER(\"\u0130\u00c9\u212a\"), c = "
     "TO_UPPER(\"stra\u00dfe \ufb01 \u00e9\")",
     "[0]", "{\"a\":\"\u03c3\u03b1\u03c2 \u03c3\",\"b\":\"i\u0307\u00e9k\",\"c\":\"STRASSE FI \u00c9\"}\n"},
    /* every one of SpecialCasing's unconditional upper-case mappings (Character.toUpperCaseCharArray):
     * Greek with ypogegrammeni, dialytika and tonos, Armenian ligatures, j with caron */
    {"ROW u = TO_UPPER(\"\u1fb3\u0390\u0587 \u01f0\ufb13 \u1f80\")", "[0]",
     "{\"u\":\"\u0391\u0399\u0399\u0308\u0301\u0535\u0552 J\u030c\u0544\u0546 \u1f08\u0399\"}\n"},
    {"ROW a = ROUND(2.675, 2), b = ROUND(9.995, 2), c = ROUND(-9.5), d = ROUND(15, -1), e = ROUND(1e308, -400)", "[0]",
     "{\"a\":2.68,\"b\":10.0,\"c\":-10.0,\"d\":20,\"e\":0.0}\n"},
    /* TO_INTEGER is 32 bits (past them null, as ES|QL warns); TO_LONG stays exact */
    {"ROW a = TO_INTEGER(3000000000), b = TO_INTEGER(\"-7\"), c = TO_LONG(9007199254740993), d = \"12\"::long", "[0]",
     "{\"a\":null,\"b\":-7,\"c\":9007199254740993,\"d\":12}\n"},
    /* a fraction rounds as ToInteger/ToLong's fromDouble (safeToInt, safeDoubleToLong: the range
     * checked on the double, so 2147483647.4 is out, then Math.round, halves up); a string is
     * Long.parseLong's (exact) or else Double.parseDouble's (spaces trimmed, a d suffix), then
     * rounded; TO_UNSIGNED_LONG truncates (BigDecimal.toBigInteger) */
    {"ROW a = TO_INTEGER(10.5), b = TO_LONG(-2.5), c = TO_INTEGER(\"2.5\"), d = TO_LONG(\"9007199254740993\"), e "
     "= TO_LONG(\" 12.7d \"), f = TO_INTEGER(2147483646.6), g = TO_UL(\"12.9\"), h = TO_DOUBLE(\" 1.5 \")",
     "[0]", "{\"a\":11,\"b\":-2,\"c\":3,\"d\":9007199254740993,\"e\":13,\"f\":2147483647,\"g\":12,\"h\":1.5}\n"},
    /* a name of plain and `quoted` parts is one name */
    {"FROM x | WHERE source.`as`.organization.name == \"Acme\" | KEEP `source.as.organization.name`",
     "[{\"source\":{\"as\":{\"organization\":{\"name\":\"Acme\"}}}},{}]",
     "{\"source.as.organization.name\":\"Acme\"}\n"},
    /* LIKE and RLIKE: a pattern computed from the row; (?i) makes one case-insensitive */
    {"FROM x | WHERE s LIKE CONCAT(p, \"*\") | KEEP s", "[{\"s\":\"abc\",\"p\":\"ab\"},{\"s\":\"abc\",\"p\":\"b\"}]",
     "{\"s\":\"abc\"}\n"},
    {"FROM x | WHERE s RLIKE \"(?i)cu.l\" OR s LIKE \"(?i)W*\" | KEEP s",
     "[{\"s\":\"CURL\"},{\"s\":\"wget\"},{\"s\":\"ls\"}]", "{\"s\":\"CURL\"}\n{\"s\":\"wget\"}\n"},
    /* STATS as Elasticsearch resolves it (stats.csv-spec): an expression over BY columns
     * (nestedAggsOverGroupingWithAliasMultipleAggs); a name given again later is the later
     * column alone, in its place (shadowingInternalWithGroup2); aggregates and their WHERE read
     * an aliased BY column (statsWithFilterOnSameColumn, nestedAggsOverGroupingExpression…) */
    {"FROM x | STATS e = LENGTH(f) + 1, c = COUNT(*) BY f = n | SORT f",
     "[{\"n\":\"ab\",\"l\":1,\"s\":10,\"g\":\"F\"},{\"n\":\"abc\",\"l\":2,\"s\":3,\"g\":\"M\"},{\"n\":\"ab\",\"l\":3,"
     "\"s\":7,\"g\":\"F\"}]",
     "{\"e\":3,\"c\":2,\"f\":\"ab\"}\n{\"e\":4,\"c\":1,\"f\":\"abc\"}\n"},
    {"FROM x | STATS x = MAX(l), y = COUNT(x) BY x = l, x = g | SORT x",
     "[{\"n\":\"ab\",\"l\":1,\"s\":10,\"g\":\"F\"},{\"n\":\"abc\",\"l\":2,\"s\":3,\"g\":\"M\"},{\"n\":\"ab\",\"l\":3,"
     "\"s\":7,\"g\":\"F\"}]",
     "{\"y\":2,\"x\":\"F\"}\n{\"y\":1,\"x\":\"M\"}\n"},
    {"FROM x | STATS m = MAX(l), m_f = MAX(l) WHERE s > 5 BY s = 2",
     "[{\"n\":\"ab\",\"l\":1,\"s\":10,\"g\":\"F\"},{\"n\":\"abc\",\"l\":2,\"s\":3,\"g\":\"M\"},{\"n\":\"ab\",\"l\":3,"
     "\"s\":7,\"g\":\"F\"}]",
     "{\"m\":3,\"m_f\":null,\"s\":2}\n"},
    {"FROM x | STATS e = MAX(a), g2 = COUNT(a) + 1 BY a = l + s | SORT a",
     "[{\"n\":\"ab\",\"l\":1,\"s\":10,\"g\":\"F\"},{\"n\":\"abc\",\"l\":2,\"s\":3,\"g\":\"M\"},{\"n\":\"ab\",\"l\":3,"
     "\"s\":7,\"g\":\"F\"}]",
     "{\"e\":5,\"g2\":2,\"a\":5}\n{\"e\":10,\"g2\":2,\"a\":10}\n{\"e\":11,\"g2\":2,\"a\":11}\n"},
    /* BUCKET (Bucket.java; bucket.csv-spec): by a span, as DATE_TRUNC; by a count of buckets over
     * from..to, the coarsest "human" rounding that fits (20 over a year: months; 100 over nine
     * days: 3 hours); a number floor(x / r) * r, r the span or 5 or 10 times a power of ten; BIN
     * and AUTO_BUCKET are its other names */
    {"ROW d = TO_DATETIME(\"1985-07-09T00:00:00.000Z\") | EVAL b = BUCKET(d, 20, \"1985-01-01T00:00:00Z\", "
     "\"1986-01-01T00:00:00Z\"), w = BUCKET(d, 1 week), n = BUCKET(1234, 100.), a = AUTO_BUCKET(25324, 20, 25324, "
     "74999), bi = BIN(d, 1 month), h = BUCKET(d, 100, \"1985-07-01\", \"1985-07-10\") | DROP d",
     "[0]",
     "{\"b\":\"1985-07-01T00:00:00.000Z\",\"w\":\"1985-07-08T00:00:00.000Z\",\"n\":1200.0,\"a\":25000.0,\"bi\":"
     "\"1985-07-01T00:00:00.000Z\",\"h\":\"1985-07-09T00:00:00.000Z\"}\n"},
    /* a BY expression repeated outside the aggregates reads the BY column (reuseGroupingFunction) */
    {"FROM x | STATS s = 1 + BUCKET(v, 10.) BY b = BUCKET(v, 10.) | SORT b", "[{\"v\":3},{\"v\":14},{\"v\":15}]",
     "{\"s\":1.0,\"b\":0.0}\n{\"s\":11.0,\"b\":10.0}\n"},
    /* TO_VERSION and ::version: versions order as the version field keeps them (stats.csv-spec
     * maxOfVersion): numbers by value, a pre-release before its release, invalid ones last */
    {"ROW v = TO_VERSION([\"1.11.0\", \"1.2.3\", \"1.2.3-SNAPSHOT\", \"bad\", \"1.2.3-alpha.10\", \"1.2.3-alpha.9\"]) "
     "| EVAL s = MV_SORT(v), m = MV_MAX(v), n = MV_MIN(v), c = \"1.10\"::version > \"1.9\"::version, t = "
     "TO_VER(\"2\") < \"10\" | DROP v",
     "[0]",
     "{\"s\":[\"1.2.3-SNAPSHOT\",\"1.2.3-alpha.9\",\"1.2.3-alpha.10\",\"1.2.3\",\"1.11.0\",\"bad\"],\"m\":\"bad\","
     "\"n\":\"1.2.3-SNAPSHOT\",\"c\":true,\"t\":true}\n"},
    /* IS_NULL(x), the function form of x IS NULL (version.csv-spec groupOrderLimit, case) */
    {"FROM x | WHERE NOT IS_NULL(v) | KEEP id", "[{\"id\":1,\"v\":\"1\"},{\"id\":2}]", "{\"id\":1}\n"},
    /* TO_AGGREGATE_METRIC_DOUBLE: MIN, MAX, SUM, COUNT and AVG of the metric as Elasticsearch's of
     * its min, max, sum and value_count (stats.csv-spec sumWithConditions, countWithConditions) */
    {"ROW x = [1, 2, 3, 4, 5] | MV_EXPAND x | EVAL m = TO_AGGREGATE_METRIC_DOUBLE(x), mv = "
     "TO_AGGREGATE_METRIC_DOUBLE([1, 2]) | STATS s = SUM(m) WHERE x >= 3, c = COUNT(m), a = AVG(m), mx = MAX(m), cm = "
     "COUNT(mv), sm = SUM(mv)",
     "[0]", "{\"s\":12.0,\"c\":5,\"a\":3.0,\"mx\":5.0,\"cm\":10,\"sm\":15.0}\n"},
    /* MV_PERCENTILE (mv_percentile.csv-spec): interpolated between the sorted values, of whole
     * numbers a whole number of their type (75 of [0, 10] is 7); past 0..100 null, warned */
    {"ROW a = [5, 5, 10, 12, 5000], f = [0, 10], d = [1.5, 2.5, 10.0] | EVAL p = MV_PERCENTILE(a, 50), q = "
     "MV_PERCENTILE(f, 75), r = MV_PERCENTILE(d, 75), x = MV_PERCENTILE(a, 101) | KEEP p, q, r, x",
     "[0]", "{\"p\":10,\"q\":7,\"r\":6.25,\"x\":null}\n"},
    /* WEIGHTED_AVG with a constant weight is SUM(x) / COUNT(x) over every value, null when the
     * sum overflows (stats.csv-spec weightedAvgConstant, weightedAvgWithOverflowRow); STD_VAR is
     * VARIANCE's other name (varianceWithInts) */
    {"ROW v = [1, 2, 3] | STATS w = WEIGHTED_AVG(v, 1), c = WEIGHTED_AVG([1, 2, 4], 2), s = STD_VAR(v)", "[0]",
     "{\"w\":2.0,\"c\":2.3333333333333335,\"s\":0.6666666666666666}\n"},
    {"ROW x = [9223372036854775807, 9223372036854775807] | MV_EXPAND x | STATS w = WEIGHTED_AVG(x, 1)", "[0]",
     "{\"w\":null}\n"},
    /* doubles add as Elasticsearch's CompensatedSum (Kahan) adds them: SUM, AVG, MV_SUM, MV_AVG
     * (stats.csv-spec sumOfConst: sum(2.1) over 100 rows is 210.0); AVG sums whole numbers as
     * doubles, past a long's range too (sumAsSurrogateWithOverflowRow) */
    {"ROW x = [0.1, 0.2, 0.3] | EVAL s = MV_SUM(x), m = MV_AVG(x) | MV_EXPAND x | STATS s = SUM(x), a = AVG(x), "
     "ms = MAX(s), mm = MAX(m)",
     "[0]", "{\"s\":0.6,\"a\":0.19999999999999998,\"ms\":0.6,\"mm\":0.19999999999999998}\n"},
    {"ROW x = [9223372036854775807, 9223372036854775807] | MV_EXPAND x | STATS a = AVG(x)", "[0]",
     "{\"a\":9.223372036854776E18}\n"},
    /* KEEP: a column named more than once takes the place of its last exact name, else of the
     * last pattern matching it (keep.csv-spec shadowingInternal, shadowingInternalWildcard,
     * shadowingInternalWildcardAndExplicit) */
    {"FROM x | KEEP last_name, id, last_name", "[{\"id\":1,\"last_name\":\"a\"}]", "{\"id\":1,\"last_name\":\"a\"}\n"},
    {"FROM x | KEEP last*name, id, last*name, first_name, last*, g, last*",
     "[{\"id\":1,\"last_name\":\"a\",\"first_name\":\"b\",\"g\":\"M\"}]",
     "{\"id\":1,\"first_name\":\"b\",\"g\":\"M\",\"last_name\":\"a\"}\n"},
    {"FROM x | KEEP last*name, id, last_name, first_name, last*, l, last_name, g, last*name",
     "[{\"id\":1,\"last_name\":\"a\",\"first_name\":\"b\",\"g\":\"M\",\"l\":2}]",
     "{\"id\":1,\"first_name\":\"b\",\"l\":2,\"last_name\":\"a\",\"g\":\"M\"}\n"},
    /* a pattern every string matches is IS NOT NULL (ReplaceRegexMatch; where-like.csv-spec
     * notLikeListAllWildcard, notRlikeListAllWildcard): NOT keeps the nulls, a multi-value is in */
    {"FROM x | WHERE s NOT LIKE (\"*\") | KEEP id",
     "[{\"id\":1,\"s\":\"a\"},{\"id\":2},{\"id\":3,\"s\":[\"a\",\"b\"]}]", "{\"id\":2}\n"},
    {"FROM x | WHERE s RLIKE \"(.*)\" AND NOT s LIKE \"**\" | KEEP id", "[{\"id\":1,\"s\":\"a\"},{\"id\":2}]", ""},
    {"FROM x | WHERE s RLIKE \".*\" | KEEP id", "[{\"id\":1,\"s\":\"a\"},{\"id\":2},{\"id\":3,\"s\":[\"a\",\"b\"]}]",
     "{\"id\":1}\n{\"id\":3}\n"},
    /* CLAMP, CLAMP_MIN, CLAMP_MAX (conditional.csv-spec clamp*WithKeywordFields; ClampMin.java's
     * types: the wider number, an integer with a double bound a double) */
    {"ROW a = 5, s = \"Georgi\" | EVAL c = CLAMP(a, 1, 3), mn = CLAMP_MIN(a, 7.0), mx = CLAMP_MAX(a, 10), k = "
     "CLAMP(s, \"Facello\", \"M\"), kx = CLAMP_MAX(s, \"Facello\"), l = CLAMP(TO_LONG(5), 1, 2), mv = "
     "CLAMP([1, 2], 0, 1) | DROP a, s",
     "[0]", "{\"c\":3,\"mn\":7.0,\"mx\":5,\"k\":\"Georgi\",\"kx\":\"Facello\",\"l\":2,\"mv\":null}\n"},
    /* field : "text": a text field matches any word of the query (match query, OR), another
     * field the whole value (a term query on a keyword) */
    {"FROM x | WHERE message : \"Disk FULL\" OR user.name : \"root\" | KEEP id",
     "[{\"id\":1,\"message\":\"the disk is nearly full\"},{\"id\":2,\"message\":\"all good\"},{\"id\":3,"
     "\"user\":{\"name\":\"root\"}},{\"id\":4,\"user\":{\"name\":\"root user\"}}]",
     "{\"id\":1}\n{\"id\":3}\n"},
    /* ROW, and the function families (string, math, date, multi-value; ES|QL's reference) */
    {"ROW s = \"Hello World\", n = -2.7 | EVAL c = CONTAINS(s, \"lo W\"), sp = CONCAT(\"[\", SPACE(2), \"]\"), "
     "rv = REVERSE(\"abc\"), l = LEFT(s, 5), r = RIGHT(s, 5), ts = TO_STRING(2.03), big = TO_STRING(1e10), rn = "
     "ROUND(n), r2 = ROUND(1.2345, 2), rl = ROUND(1234, -2), ce = CEIL(n), p = POW(2, 10), sq = SQRT(-1), g = "
     "GREATEST(1, 5, 3), ud = URL_DECODE(\"a%20b+c\"), ue = URL_ENCODE_COMPONENT(\"a b/c\")",
     "[0]",
     "{\"s\":\"Hello World\",\"n\":-2.7,\"c\":true,\"sp\":\"[  ]\",\"rv\":\"cba\",\"l\":\"Hello\",\"r\":"
     "\"World\",\"ts\":\"2.03\",\"big\":\"1.0E10\",\"rn\":-3.0,\"r2\":1.23,\"rl\":1200,\"ce\":-2.0,\"p\":"
     "1024.0,\"sq\":null,\"g\":5,\"ud\":\"a b c\",\"ue\":\"a%20b%2Fc\"}\n"},
    {"ROW a = [3, 1, 2, 1] | EVAL s = MV_SORT(a, \"DESC\"), c = MV_COUNT(a), sum = MV_SUM(a), avg = MV_AVG(a), "
     "med = MV_MEDIAN(a), z = MV_ZIP([\"x\", \"y\"], [\"1\"], \"-\"), ap = MV_APPEND(a, 9) | DROP a",
     "[0]", "{\"s\":[3,2,1,1],\"c\":4,\"sum\":7,\"avg\":1.75,\"med\":1,\"z\":[\"x-1\",\"y\"],\"ap\":[3,1,2,1,9]}\n"},
    {"ROW d = TO_DATETIME(\"2024-01-31T10:20:30.456Z\") | EVAL m = d + 1 month, t = DATE_TRUNC(1 quarter, d), df = "
     "DATE_DIFF(\"month\", d, \"2024-03-30T00:00:00Z\"::datetime), dd = DATE_DIFF(\"hour\", d, d + 1 day), f = "
     "DATE_FORMAT(\"yyyy.MM.dd HH:mm EEE\", d), pr = DATE_PARSE(\"dd/MM/yyyy\", \"02/03/2024\"), x = "
     "DATE_EXTRACT(\"DAY_OF_YEAR\", d), s = TO_STRING(d) | DROP d",
     "[0]",
     "{\"m\":\"2024-02-29T10:20:30.456Z\",\"t\":\"2024-01-01T00:00:00.000Z\",\"df\":1,\"dd\":24,\"f\":"
     "\"2024.01.31 10:20 Wed\",\"pr\":\"2024-03-02T00:00:00.000Z\",\"x\":31,\"s\":\"2024-01-31T10:20:30.456Z\"}\n"},
    {"ROW ip = \"192.168.1.77\", ip6 = \"2001:db8:85a3::8a2e:370:7334\" | EVAL p = IP_PREFIX(TO_IP(ip), 24, 0), p6 = "
     "IP_PREFIX(TO_IP(ip6), 0, 32), c = CIDR_MATCH(TO_IP(ip), \"192.168.0.0/16\") | KEEP p, p6, c",
     "[0]", "{\"p\":\"192.168.1.0\",\"p6\":\"2001:db8::\",\"c\":true}\n"},
    /* METADATA _source is the document, _ignored null: casebook ignores no field */
    {"FROM x METADATA _source, _ignored | KEEP _source, _ignored", "[{\"a\":{\"b\":1}}]",
     "{\"_source\":{\"a\":{\"b\":1}},\"_ignored\":null}\n"},
    /* keywords and function names in any case; `quoted` names; comments */
    {"from x // a comment\n| where TO_UPPER(`process.name`) == \"CURL\" /* and */ | keep `process.name`",
     "[{\"process\":{\"name\":\"curl\"}},{\"process\":{\"name\":\"ls\"}}]", "{\"process.name\":\"curl\"}\n"},
};

static void test_esql_answers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = run_query(cases[i].query, cases[i].events);
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: %s\nwant: %sgot:  %s", i, cases[i].query, cases[i].want, got);
		free(got);
	}
}

/* A field mapped float, half_float, scaled_float or double reads as a double at the precision
 * Elasticsearch stores (floats.csv-spec: 2.03 is 2.0299999713897705 as a float, 2.029296875 as
 * a half_float, 2.03 as a scaled_float of factor 100 since PR #122586); a value Elasticsearch
 * refuses (65520 in a half_float, true in any) is none, a numeric string is coerced, and a
 * multi-valued field is sorted after the conversion. Unmapped fields keep their JSON numbers. */
static const struct {
	const char *query, *events, *want;
} mapped_cases[] = {
    {"FROM x | KEEP f, h, s, d, n", "[{\"f\":2.03,\"h\":2.03,\"s\":2.03,\"d\":3,\"n\":3}]",
     "{\"f\":2.0299999713897705,\"h\":2.029296875,\"s\":2.03,\"d\":3.0,\"n\":3}\n"},
    {"FROM x | WHERE f IN (2.03, 2.0299999713897705) | EVAL h2 = h * 2 | KEEP id, h2",
     "[{\"id\":1,\"f\":2.03,\"h\":2.03},{\"id\":2,\"f\":\"2.03\",\"h\":1.1}]",
     "{\"id\":1,\"h2\":4.05859375}\n{\"id\":2,\"h2\":2.19921875}\n"},
    {"FROM x | WHERE f == 1.1 | KEEP id", "[{\"id\":1,\"f\":1.1}]", ""}, /* 1.100000023841858 is not 1.1 */
    {"FROM x | KEEP h, s", "[{\"h\":[65520,\"2.5\",true,1,\"x\"],\"s\":[0.125,-0.125,\"\"]}]",
     "{\"h\":[1.0,2.5],\"s\":[-0.12,0.13]}\n"},
    {"FROM x | STATS sum = SUM(f), m = MAX(h) | EVAL t = TO_STRING(sum)",
     "[{\"f\":0.1,\"h\":65519},{\"f\":0.2,\"h\":1e-7}]",
     "{\"sum\":0.30000000447034836,\"m\":65504.0,\"t\":\"0.30000000447034836\"}\n"},
};

static void test_esql_reads_mapped_floats_at_their_stored_precision(void **state)
{
	(void)state;
	char *names[] = {"f", "h", "s", "d"};
	const enum field_type types[] = {FT_KEYWORD, FT_KEYWORD, FT_KEYWORD, FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("float"), numeric_type_named("half_float"),
	                                    numeric_type_named("scaled_float(100)"), numeric_type_named("double")};
	field_types_set(names, types, nums, 4);
	for (size_t i = 0; i < sizeof(mapped_cases) / sizeof(mapped_cases[0]); i++) {
		char *got = run_query(mapped_cases[i].query, mapped_cases[i].events);
		if (strcmp(got, mapped_cases[i].want))
			fail_msg("case %zu: %s\nwant: %sgot:  %s", i, mapped_cases[i].query, mapped_cases[i].want, got);
		free(got);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* A keyword multi-field of a number or boolean field (employees' salary_change.keyword):
 * KeywordFieldMapper indexes each value's text, and doc values read them sorted as text
 * (boolean.csv-spec convertFromIntAndLong: 13.48 before 3.65); the parent stays a number. */
/* The answer's columns for a query with no KEEP or STATS, as casebook esql prints them. */
static char *answer_of(const char *query, const char *event)
{
	struct esql_error err;
	struct esql_query *q = esql_parse_query(query, &err);
	assert_non_null(q);
	cJSON *ev = cJSON_Parse(event);
	struct esql_row *rows = NULL;
	size_t n = 0, cap = 0;
	esql_rows_of(q, ev, "e0", "x", 0, &rows, &n, &cap);
	esql_finish(q, &rows, &n);
	assert_int_equal(n, 1);
	cJSON *o = cJSON_CreateObject();
	esql_row_answer_json(q, &rows[0], ev, o);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(ev);
	esql_row_release(&rows[0]);
	free(rows);
	esql_free(q);
	return text;
}

/* A field RENAME renames keeps its place among the event's fields (rename.csv-spec renameDrop:
 * RENAME hire_date AS x, emp_no AS y lists y before x), a chain of renames too, and after SORT
 * (which carries the field into the row); an EVAL's column comes last; a field the row carried
 * that this event lacks stands in its place too (unsigned_long.csv-spec sortAsc). */
static void test_esql_renamed_fields_keep_their_place(void **state)
{
	(void)state;
	static const struct {
		const char *query, *want;
	} renames[] = {
	    {"FROM x | RENAME c AS x, b AS y", "{\"a\":1,\"y\":2,\"x\":3}"},
	    {"FROM x | SORT c | RENAME c AS x, b AS y | RENAME y AS z", "{\"a\":1,\"z\":2,\"x\":3}"},
	    {"FROM x | RENAME a AS w | EVAL b = 9", "{\"w\":1,\"c\":3,\"b\":9}"},
	    {"FROM x | SORT aa NULLS FIRST", "{\"a\":1,\"aa\":null,\"b\":2,\"c\":3}"},
	    /* INLINE STATS keeps FROM's fields, the groups and the aggregates after them, METADATA's
	     * columns after the fields (inlinestats.csv-spec allFieldsReturned,
	     * inlineStatsOverrideEVALed_FieldWithSameName) */
	    {"FROM x METADATA _index | INLINE STATS n = COUNT(*) BY b",
	     "{\"a\":1,\"c\":3,\"_index\":\"x\",\"n\":1,\"b\":2}"},
	    {"FROM x | EVAL y = c | INLINE STATS c = COUNT(*) BY a", "{\"b\":2,\"y\":3,\"c\":1,\"a\":1}"},
	    {"FROM x METADATA _index | KEEP _index, c", "{\"_index\":\"x\",\"c\":3}"},
	};
	for (size_t i = 0; i < sizeof(renames) / sizeof(renames[0]); i++) {
		char *got = answer_of(renames[i].query, "{\"a\":1,\"b\":2,\"c\":3}");
		if (strcmp(got, renames[i].want))
			fail_msg("%s: want %s, got %s", renames[i].query, renames[i].want, got);
		cJSON_free(got);
	}
}

static void test_esql_reads_a_keyword_multi_field_of_numbers_as_text(void **state)
{
	(void)state;
	char *names[] = {"b.keyword", "c", "c.keyword"};
	const enum field_type types[] = {FT_KEYWORD, FT_KEYWORD, FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("keyword multi"), numeric_type_named("double"),
	                                    numeric_type_named("keyword multi")};
	field_types_set(names, types, nums, 3);
	char *got =
	    run_query("FROM x | KEEP c, c.keyword, b.keyword", "[{\"c\":[3.65,13.48,-0.35,1,100],\"b\":[true,false]}]");
	assert_string_equal(got, "{\"c\":[-0.35,1.0,3.65,13.48,100.0],\"c.keyword\":[\"-0.35\",\"1\",\"100\",\"13.48\","
	                         "\"3.65\"],\"b.keyword\":[\"false\",\"true\"]}\n");
	free(got);
	/* FROM's columns, with no KEEP: the multi-fields beside their parents (keep.csv-spec
	 * sortWithLimitOne lists height.float after height) */
	got = answer_of("FROM x | DROP c.keyword", "{\"c\":1.5,\"b\":true}");
	assert_string_equal(got, "{\"b\":true,\"b.keyword\":\"true\",\"c\":1.5}");
	cJSON_free(got);
	field_types_set(NULL, NULL, NULL, 0);
}

/* Fields the mapping types long, integer, short or byte hold the whole number Elasticsearch
 * indexed (NumberFieldMapper with coerce, its default: 3.7 is 3, -3.7 is -3, "4.9" is 4), which
 * ES|QL reads from doc values as a long or an integer; a value the type refuses (out of its
 * range, not a number) is none. EVAL, WHERE and STATS see those. */
static const struct {
	const char *query, *events, *want;
} whole_cases[] = {
    {"FROM x | KEEP n, i, b", "[{\"n\":3.7,\"i\":-3.7,\"b\":127.9}]", "{\"n\":3,\"i\":-3,\"b\":127}\n"},
    {"FROM x | KEEP n, i, b", "[{\"n\":\"4.9\",\"i\":2147483648,\"b\":128.5}]", "{\"n\":4,\"i\":null,\"b\":null}\n"},
    {"FROM x | WHERE n == 3 | KEEP id", "[{\"id\":1,\"n\":3.7},{\"id\":2,\"n\":4.2}]", "{\"id\":1}\n"},
    {"FROM x | WHERE n > 3.5 | KEEP id", "[{\"id\":1,\"n\":3.7},{\"id\":2,\"n\":4.2}]", "{\"id\":2}\n"},
    {"FROM x | EVAL h = n / 2, d = n * 1.5 | KEEP h, d", "[{\"n\":3.7}]", "{\"h\":1,\"d\":4.5}\n"},
    {"FROM x | STATS s = SUM(n), a = AVG(n), m = MAX(i)", "[{\"n\":3.7,\"i\":1.9},{\"n\":-0.5,\"i\":2.9}]",
     "{\"s\":3,\"a\":1.5,\"m\":2}\n"},
    {"FROM x | KEEP n", "[{\"n\":[2.5,\"1.9\",true,1e30]}]", "{\"n\":[1,2]}\n"},
};

static void test_esql_reads_whole_number_fields_truncated(void **state)
{
	(void)state;
	char *names[] = {"b", "i", "n"};
	const enum field_type types[] = {FT_KEYWORD, FT_KEYWORD, FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("byte"), numeric_type_named("integer"),
	                                    numeric_type_named("long")};
	field_types_set(names, types, nums, 3);
	for (size_t i = 0; i < sizeof(whole_cases) / sizeof(whole_cases[0]); i++) {
		char *got = run_query(whole_cases[i].query, whole_cases[i].events);
		if (strcmp(got, whole_cases[i].want))
			fail_msg("case %zu: %s\nwant: %sgot:  %s", i, whole_cases[i].query, whole_cases[i].want, got);
		free(got);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* ES|QL's numeric types: a literal is an integer (32 bits) when it fits, else a long, else an
 * unsigned_long (ExpressionBuilder.visitIntegerValue); a field the mapping types integer, short
 * or byte is an integer column, long a long, unsigned_long an unsigned_long (0 to 2^64 - 1);
 * LENGTH, LOCATE, MV_COUNT and DATE_DIFF give integers. Arithmetic over two integers is an
 * integer, over an integer and a long a long (Add, Sub, Mul, Div, Mod: Math.addExact and the
 * like over ints or longs, warnExceptions ArithmeticException), so an overflow past 32 bits, or
 * 64, and a division by zero are null with a warning, as is a double that is not finite
 * (NumericUtils.asFiniteNumber). An unsigned_long operates only with another
 * (Verifier.validateUnsignedLongOperator refuses the query: casebook stops it with that), and
 * cannot be negated; TO_UNSIGNED_LONG (TO_UL, TO_ULONG) takes 0 to 2^64 - 1, truncating a
 * decimal, and warns for the rest. A field mapped with "coerce": false holds no value for a
 * string or for a decimal in a whole type (NumberFieldMapper refuses such a document: "[coerce]
 * is set to false", "Value [3.7] has a decimal part"; only with ignore_malformed is it indexed,
 * the field left out), so it reads as null. EVENTS; the rows; warnings; the fault. */
static const struct {
	const char *query, *events, *want;
	size_t warnings;
	const char *fault;
} typed_cases[] = {
    {"FROM x | EVAL a = 2147483647 + 1 | KEEP a", "[{}]", "{\"a\":null}\n", 1, ""},
    {"FROM x | EVAL a = 2147483648 + 1, b = TO_LONG(2147483647) + 1 | KEEP a, b", "[{}]",
     "{\"a\":2147483649,\"b\":2147483648}\n", 0, ""},
    {"FROM x | EVAL a = 9223372036854775807 + 1 | KEEP a", "[{}]", "{\"a\":null}\n", 1, ""},
    {"FROM x | EVAL a = i * 2, b = n * 2, c = i + n | KEEP a, b, c", "[{\"i\":2000000000,\"n\":2000000000}]",
     "{\"a\":null,\"b\":4000000000,\"c\":4000000000}\n", 1, ""},
    {"FROM x | EVAL a = -(i - 1) | KEEP a", "[{\"i\":-2147483647}]", "{\"a\":null}\n", 1, ""},
    {"FROM x | EVAL a = 5 / 0, b = 5.0 / 0, c = 5 % 0, d = -7 / 2 | KEEP a, b, c, d", "[{}]",
     "{\"a\":null,\"b\":null,\"c\":null,\"d\":-3}\n", 3, ""},
    {"FROM x | EVAL a = LENGTH(s) * 1073741824, b = LENGTH(s) * 1073741824.0 | KEEP a, b", "[{\"s\":\"ab\"}]",
     "{\"a\":null,\"b\":2.147483648E9}\n", 1, ""},
    {"FROM x | KEEP u", "[{\"u\":\"18446744073709551615\"},{\"u\":[7,-1,1.9]}]",
     "{\"u\":18446744073709551615}\n{\"u\":[1,7]}\n", 0, ""},
    {"FROM x | EVAL a = u + TO_UL(1), b = u - TO_UL(1), c = TO_UL(1) - TO_UL(2) | KEEP a, b, c",
     "[{\"u\":\"18446744073709551615\"}]", "{\"a\":null,\"b\":18446744073709551614,\"c\":null}\n", 2, ""},
    {"FROM x | WHERE u > TO_UL(9223372036854775807) | KEEP id",
     "[{\"id\":1,\"u\":\"18446744073709551615\"},{\"id\":2,\"u\":5}]", "{\"id\":1}\n", 0, ""},
    {"FROM x | WHERE u > 5 | KEEP id", "[{\"id\":1,\"u\":6}]", "", 0,
     "[unsigned_long] can only be operated on together with another [unsigned_long]"},
    {"FROM x | EVAL a = u + 1 | KEEP a", "[{\"u\":6}]", "", 0,
     "[unsigned_long] can only be operated on together with another [unsigned_long]"},
    {"FROM x | EVAL a = TO_UL(\"12.9\"), b = TO_UL(-1), c = TO_DOUBLE(u), d = TO_LONG(u), e = TO_UL(true) "
     "| KEEP a, b, c, d, e",
     "[{\"u\":\"18446744073709551615\"}]", "{\"a\":12,\"b\":null,\"c\":1.8446744073709552E19,\"d\":null,\"e\":1}\n", 2,
     ""},
    /* MV_SUM adds as its type (MvSum: Math.addExact over ints, unsignedLongAddExact); SUM of
     * integers is a long; SUM and AVG take no unsigned_long (Sum, Avg: "numeric except
     * unsigned_long or counter types"), MV_AVG does (a double) */
    {"FROM x | EVAL a = MV_SUM(i), b = MV_SUM(n), c = MV_SUM(u), d = MV_AVG(u) | KEEP a, b, c, d",
     "[{\"i\":[2000000000,2000000000],\"n\":[2000000000,2000000000],\"u\":[\"18446744073709551615\",1]},"
     "{\"i\":[1,2],\"u\":[1,2]}]",
     "{\"a\":null,\"b\":4000000000,\"c\":null,\"d\":9.223372036854776E18}\n{\"a\":3,\"b\":null,\"c\":3,\"d\":1.5}\n", 2,
     ""},
    {"FROM x | STATS s = SUM(i), c = COUNT(u)",
     "[{\"i\":2000000000,\"u\":\"18446744073709551615\"},{\"i\":2000000000,\"u\":7}]", "{\"s\":4000000000,\"c\":2}\n",
     0, ""},
    /* MIN and MAX take them (stats.csv-spec maxOfUnsignedLong, agg_max_min_unsigned_long) */
    {"FROM x | STATS m = MAX(u), n = MIN(u)", "[{\"u\":1},{\"u\":\"18446744073709551615\"}]",
     "{\"m\":18446744073709551615,\"n\":1}\n", 0, ""},
    /* a numeric BUCKET reads an unsigned_long bound as its block's long (bucketWithUnsignedLong) */
    {"FROM x | EVAL b = BUCKET(u, 20, 5480608687137202404, TO_UL(\"17764691215469285192\")) | KEEP b",
     "[{\"u\":\"17764691215469285192\"}]", "{\"b\":1.75E19}\n", 0, ""},
    {"FROM x | STATS s = SUM(u)", "[{\"u\":1}]", "", 0,
     "argument of [SUM] must be [numeric except unsigned_long or counter types]"},
    {"FROM x | KEEP c, f", "[{\"c\":3.7,\"f\":\"1.5\"},{\"c\":\"5\",\"f\":2.5},{\"c\":3.0,\"f\":1}]",
     "{\"c\":null,\"f\":null}\n{\"c\":null,\"f\":2.5}\n{\"c\":3,\"f\":1.0}\n", 0, ""},
    /* ROUND of a whole number keeps its type (Round.dataType() is the field's) and rounds as
     * Maths.round(long, long): no more digits than are rounded is 0 (5 at -1, 50 at -2), else
     * half away from zero (15 is 20, -15 -20, 95 100, 150 at -2 200); decimals >= 0 leave it */
    {"FROM x | EVAL a = ROUND(5, -1), b = ROUND(15, -1), c = ROUND(-15, -1), d = ROUND(95, -1), e = ROUND(-5, -1), "
     "f = ROUND(50, -2), g = ROUND(150, -2), h = ROUND(1234, 2), j = ROUND(n, -3), k = ROUND(i, -1) | KEEP a, b, c, "
     "d, e, f, g, h, j, k",
     "[{\"n\":-123456789012,\"i\":-14}]",
     "{\"a\":0,\"b\":20,\"c\":-20,\"d\":100,\"e\":0,\"f\":0,\"g\":200,\"h\":1234,\"j\":-123456789000,\"k\":-10}"
     "\n",
     0, ""},
    /* a minus sign before a number is the literal's own (integerValue: (PLUS | MINUS)?
     * INTEGER_LITERAL, read by visitIntegerValue through StringUtils.parseIntegral): -2147483648
     * is an integer and -9223372036854775808 a long, so negating them overflows as
     * Math.negateExact does (null, warned: math.csv-spec's integer and long negation overflow);
     * past a long's range a negative number is a double */
    {"ROW x = -2147483648 | EVAL a = -x, b = -9223372036854775808, c = -b, d = -9223372036854775809, e = "
     "-2147483649, f = -(2147483648), g = - 7 * 2",
     "[0]",
     "{\"x\":-2147483648,\"a\":null,\"b\":-9223372036854775808,\"c\":null,\"d\":-9.223372036854776E18,"
     "\"e\":-2147483649,\"f\":-2147483648,\"g\":-14}\n",
     2, ""},
    /* a list of numbers is of one type (visitNumericArrayLiteral): double, else unsigned_long,
     * else long, else integer; ABS of an unsigned_long is the field itself, multi-values too
     * (math.csv-spec absUnsignedLong) */
    {"ROW a = [1, 2.5], b = [1, 3000000000] | EVAL m = MV_MIN(b) + 2147483647", "[0]",
     "{\"a\":[1.0,2.5],\"b\":[1,3000000000],\"m\":2147483648}\n", 0, ""},
    {"ROW ul = [0, 1, 9223372036854775807, 9223372036854775808, 18446744073709551615] | EVAL abs = ABS(ul), s = "
     "MV_MIN(ul) + TO_UL(1)",
     "[0]",
     "{\"ul\":[0,1,9223372036854775807,9223372036854775808,18446744073709551615],\"abs\":[0,1,"
     "9223372036854775807,9223372036854775808,18446744073709551615],\"s\":1}\n",
     0, ""},
    /* DECIMAL_LITERAL: DIGIT+ DOT DIGIT* | DOT DIGIT+, an exponent after either (floats.csv-spec
     * acos, asin: ROW a=.9; atan2: x=.6) */
    {"ROW a = .9, b = 1., c = -.5, d = 1.e3, e = .5e1, f = [1., .25] | EVAL acos = ACOS(a), asin = ASIN(a), "
     "atan2 = ATAN2(12.9, .6), g = b * 2.",
     "[0]",
     "{\"a\":0.9,\"b\":1.0,\"c\":-0.5,\"d\":1000.0,\"e\":5.0,\"f\":[1.0,0.25],\"acos\":0.45102681179626236,"
     "\"asin\":1.1197695149986342,\"atan2\":1.5243181954438936,\"g\":2.0}\n",
     0, ""},
    /* TO_DEGREES, TO_RADIANS: each value times Java's constants (ints.csv-spec toDegrees,
     * toRadians); past a double null, warned (NumericUtils.asFiniteNumber) */
    {"ROW rad = [1, 2, 3, 4], deg = [90, 180, 270] | EVAL d = TO_DEGREES(rad), r = TO_RADIANS(deg), big = "
     "TO_DEGREES(1.7e308), n = TO_RADIANS(null) | KEEP d, r, big, n",
     "[0]",
     "{\"d\":[57.29577951308232,114.59155902616465,171.88733853924697,229.1831180523293],\"r\":[1."
     "5707963267948966,3.141592653589793,4.71238898038469],\"big\":null,\"n\":null}\n",
     1, ""},
    /* MV_MEDIAN of whole numbers is exact, in their type (MvMedian.java): math.csv-spec
     * ulMvNonSumFunctions, ulMedianEvenCount (unsigned order; a BigInteger mean); two middle
     * ones' mean floored, as avgWithoutOverflow */
    {"ROW ul = [18446744073709551615, 0, 1, 9223372036854775807, 9223372036854775808], ue = [18446744073709551615, "
     "0, 1, 9223372036854775807, 9223372036854775808, 2], l = [9223372036854775807, 9223372036854775805], i = [-3, "
     "-2] | EVAL a = MV_MEDIAN(ul), b = MV_MEDIAN(ue), c = MV_MEDIAN(l), d = MV_MEDIAN(i), e = MV_MEDIAN(i) + "
     "2147483647 | KEEP a, b, c, d, e",
     "[0]",
     "{\"a\":9223372036854775807,\"b\":4611686018427387904,\"c\":9223372036854775806,\"d\":-3,\"e\":"
     "2147483644}\n",
     0, ""},
    /* HYPOT (math.csv-spec hypot): Math.hypot of doubles; a null null, a multi-value null, warned */
    {"ROW a = 3.0, b = 4 | EVAL c = HYPOT(a, b), n = HYPOT(null, b), m = HYPOT([1, 2], b) | KEEP c, n, m", "[0]",
     "{\"c\":5.0,\"n\":null,\"m\":null}\n", 1, ""},
    /* LOG(base, value) is Math.log10(value) / Math.log10(base) (Log.process): math.csv-spec
     * logofIntLong, logofLongInt, logofUnsignedLongLong, logofUnsignedLongInt */
    {"ROW a = LOG(10, TO_LONG(1000000000000)), b = LOG(TO_LONG(1000000000000), 10), c = "
     "LOG(TO_UL(1000000000000000000), TO_LONG(1000000000000)), d = LOG(TO_UL(1000000000000000000), 10)",
     "[0]", "{\"a\":12.0,\"b\":0.08333333333333333,\"c\":0.6666666666666666,\"d\":0.05555555555555555}\n", 0, ""},
    /* an integer stays one (past 32 bits the next addition is null, warned), a long a long */
    {"FROM x | EVAL a = ROUND(i, -1) + 2147483647, b = ROUND(n, -1) + 2147483647 | KEEP a, b",
     "[{\"i\":2000000004,\"n\":2000000004}]", "{\"a\":null,\"b\":4147483647}\n", 1, ""},
    /* past 2^63 an unsigned_long rounds as a BigInteger (Maths.round(BigInteger, long)): half
     * up; below, as a long; past 2^64 - 1 bigIntegerToUnsignedLong throws */
    {"FROM x | EVAL a = ROUND(u, -2), b = ROUND(TO_UL(15), -1), c = ROUND(TO_UL(5), -1) | KEEP a, b, c",
     "[{\"u\":\"18446744073709551549\"}]", "{\"a\":18446744073709551500,\"b\":20,\"c\":0}\n", 0, ""},
    /* Maths.round throws where the result leaves the type (convertToIntegerType: "integer
     * overflow"; the sign check: "long overflow"), and RoundIntEvaluator and RoundLongEvaluator
     * declare no warning for it: the query fails */
    {"FROM x | EVAL a = ROUND(i, -1) | KEEP a", "[{\"i\":2147483647}]", "", 0,
     "ROUND: java.lang.ArithmeticException: integer overflow"},
    {"FROM x | EVAL a = ROUND(n, -1) | KEEP a", "[{\"n\":9223372036854775807}]", "", 0,
     "ROUND: java.lang.ArithmeticException: long overflow"},
    /* an unsigned_long's does not fail it (math.csv-spec, fn_round_ul_fixes): past 2^64 - 1 null
     * with the warning (roundBigULWithRoundULOverflow), and at 0 digits itself
     * (roundMaxULNoDecimals) */
    {"FROM x | EVAL a = ROUND(u, -1), b = ROUND(u) | KEEP a, b", "[{\"u\":\"18446744073709551615\"}]",
     "{\"a\":null,\"b\":18446744073709551615}\n", 1, ""},
};

/* A value made null says Elasticsearch's exception (math.csv-spec logofNegativeValue,
 * logofBaseOne: Log.process's ArithmeticExceptions; Asin, Acos, Sqrt's). The query; its first
 * warning. */
static const struct {
	const char *query, *warning;
} warning_cases[] = {
    {"ROW base = 2.0, value = -2 | EVAL s = LOG(base, value)",
     "java.lang.ArithmeticException: Log of non-positive number"},
    {"ROW base = 1, value = 2 | EVAL s = LOG(base, value)", "java.lang.ArithmeticException: Log of base 1"},
    {"ROW value = 0 | EVAL s = LOG(value)", "java.lang.ArithmeticException: Log of non-positive number"},
    {"ROW x = -2147483648 | EVAL a = -x", "java.lang.ArithmeticException: integer overflow"},
    /* floats.csv-spec acosNull, asinNull; Sqrt.process */
    {"ROW a = 12.0 | EVAL acos = ACOS(a)", "java.lang.ArithmeticException: Acos input out of range"},
    {"ROW a = 12.0 | EVAL asin = ASIN(a)", "java.lang.ArithmeticException: Asin input out of range"},
    {"ROW a = SQRT(-1)", "java.lang.ArithmeticException: Square root of negative"},
};

static void test_esql_warnings_name_the_exception(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(warning_cases) / sizeof(warning_cases[0]); i++) {
		struct tu_esql_said said;
		char *got = tu_esql_run(warning_cases[i].query, "[0]", &said);
		if (said.warnings != 1 || strcmp(said.warning, warning_cases[i].warning))
			fail_msg("case %zu: %s\nwant: %s\ngot:  %zu warnings, %s", i, warning_cases[i].query,
			         warning_cases[i].warning, said.warnings, said.warning);
		free(got);
	}
	struct esql_error err;
	assert_null(esql_parse_query("ROW c = [-1, 9223372036854775808]", &err));
	assert_string_equal(err.msg, "[-1] out of [unsigned_long] range");
}

/* Case i of a table: QUERY over EVENTS gives WANT, with WARNINGS warnings and FAULT ("" when
 * it runs; NULL: the table does not say). */
static void expect_esql(size_t i, const char *query, const char *events, const char *want, size_t warnings,
                        const char *fault)
{
	struct tu_esql_said said;
	char *got = tu_esql_run(query, events, &said);
	if (strcmp(got, want) || said.warnings != warnings || (fault && strcmp(said.fault, fault)))
		fail_msg("case %zu: %s\nwant: %s(%zu warnings, fault \"%s\")\ngot:  %s(%zu warnings, fault \"%s\")", i,
		         query, want, warnings, fault ? fault : "(any)", got, said.warnings, said.fault);
	free(got);
}

static void test_esql_integer_long_and_unsigned_long(void **state)
{
	(void)state;
	char *names[] = {"c", "f", "i", "n", "u"};
	const enum field_type types[] = {FT_KEYWORD, FT_KEYWORD, FT_KEYWORD, FT_KEYWORD, FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("long coerce=false"),
	                                    numeric_type_named("float coerce=false"), numeric_type_named("integer"),
	                                    numeric_type_named("long"), numeric_type_named("unsigned_long")};
	field_types_set(names, types, nums, 5);
	for (size_t i = 0; i < sizeof(typed_cases) / sizeof(typed_cases[0]); i++) {
		expect_esql(i, typed_cases[i].query, typed_cases[i].events, typed_cases[i].want,
		            typed_cases[i].warnings, typed_cases[i].fault);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* HASH(algorithm, input), MD5, SHA1, SHA256 (hash.csv-spec md5, sha256; Hash.java,
 * AbstractHashFunction.java): lowercase hex of the input's bytes, a keyword; the algorithm by
 * any name Java's MessageDigest takes, any case, an object identifier with "OID." or without;
 * a null is null; a multi-value null with the evaluators' warning; an algorithm read from a
 * column that Java does not know null with NoSuchAlgorithmException's; a number is no string.
 * EVENTS; the rows; warnings; the first warning; the fault. */
static const struct {
	const char *query, *events, *want;
	size_t warnings;
	const char *warning, *fault;
} hash_cases[] = {
    {"ROW value = \"test\" | EVAL hash = hash(\"md5\", value)", "[0]",
     "{\"value\":\"test\",\"hash\":\"098f6bcd4621d373cade4e832627b4f6\"}\n", 0, "", ""},
    {"ROW value = \"test\" | EVAL hash = hash(\"sha256\", value) | KEEP hash", "[0]",
     "{\"hash\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}\n", 0, "", ""},
    {"ROW v = \"test\" | EVAL a = MD5(v), b = SHA1(v), c = SHA256(v), d = HASH(\"SHA\", v), e = "
     "HASH(\"Sha-512/256\", v), f = HASH(\"oid.2.16.840.1.101.3.4.2.7\", v) | DROP v",
     "[0]",
     "{\"a\":\"098f6bcd4621d373cade4e832627b4f6\",\"b\":\"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\",\"c\":"
     "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"d\":"
     "\"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\",\"e\":"
     "\"3d37fe58435e0d87323dee4a2c1b339ef954de63716ee79f5747f94d974f913f\",\"f\":"
     "\"3797bf0afbbfca4a7bbba7602a2b552746876517a7f9b7ce2db0ae7b\"}\n",
     0, "", ""},
    {"FROM x | EVAL h = SHA1(m), k = HASH(a, m) | KEEP h, k",
     "[{\"m\":\"\",\"a\":\"MD5\"},{\"m\":[\"x\",\"y\"],\"a\":\"md5\"},{\"a\":\"md5\"},{\"m\":\"x\",\"a\":"
     "\"whirlpool\"}]",
     "{\"h\":\"da39a3ee5e6b4b0d3255bfef95601890afd80709\",\"k\":\"d41d8cd98f00b204e9800998ecf8427e\"}\n"
     "{\"h\":null,\"k\":null}\n{\"h\":null,\"k\":null}\n{\"h\":\"11f6ad8ec52a2984abaafd7c3b516503785c2072\",\"k\":"
     "null}\n",
     3, "java.lang.IllegalArgumentException: single-value function encountered multi-value", ""},
    {"FROM x | EVAL k = HASH(a, \"x\") | KEEP k", "[{\"a\":\"whirlpool\"}]", "{\"k\":null}\n", 1,
     "java.security.NoSuchAlgorithmException: whirlpool MessageDigest not available", ""},
    {"ROW v = 1 | EVAL h = MD5(v)", "[0]", "", 0, "", "argument of [MD5] must be [string], found another type"},
};

static void test_esql_hash(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hash_cases) / sizeof(hash_cases[0]); i++) {
		struct tu_esql_said said;
		char *got = tu_esql_run(hash_cases[i].query, hash_cases[i].events, &said);
		if (strcmp(got, hash_cases[i].want) || said.warnings != hash_cases[i].warnings ||
		    strcmp(said.warning, hash_cases[i].warning) || strcmp(said.fault, hash_cases[i].fault))
			fail_msg(
			    "case %zu: %s\nwant: %s(%zu warnings, %s; fault \"%s\")\ngot:  %s(%zu warnings, %s; fault "
			    "\"%s\")",
			    i, hash_cases[i].query, hash_cases[i].want, hash_cases[i].warnings, hash_cases[i].warning,
			    hash_cases[i].fault, got, said.warnings, said.warning, said.fault);
		free(got);
	}
	/* a literal algorithm is checked before the query runs (Hash.toEvaluator's
	 * InvalidArgumentException); MD2, which libcrypto lacks, is refused */
	struct esql_error err;
	assert_null(esql_parse_query("ROW v = \"x\" | EVAL h = HASH(\"frob\", v)", &err));
	assert_string_equal(err.msg, "invalid algorithm for [HASH(\"frob\", v)]: frob MessageDigest not available");
	assert_int_equal(err.unsupported, 0);
	assert_null(esql_parse_query("ROW v = \"x\" | EVAL h = hash(\"md2\", v)", &err));
	assert_string_equal(err.msg, "HASH: casebook does not compute MD2");
	assert_int_equal(err.unsupported, 1);
}

/* geo_point as ES|QL reads it: from _source (GeoPointFieldMapper's block loader without a
 * doc-values preference), parsed as GeoUtils.parseGeoPoint parses a mapping's value: WKT
 * "POINT (lon lat)", {"lat", "lon"} (numbers or numeric strings), GeoJSON, "lat,lon", [lon,
 * lat(, z)], a geohash (its cell's south-west corner, EffectivePoint.BOTTOM_LEFT: "9q" is
 * -123.75, 33.75); a latitude past 90 or a longitude past 180 is malformed, no value. Written as
 * WKT with Java's doubles (WellKnownText.toWKT), ST_X and ST_Y its coordinates, TO_GEOPOINT a
 * WKT string's point with no range check (spatial.csv-spec stXFromString, convertFromString,
 * convertFromStringArray). Without a mapping ECS's geo.location is one. EVENTS; rows; warnings. */
static const struct {
	const char *query, *events, *want;
	size_t warnings;
} geo_cases[] = {
    {"FROM x | EVAL x = ST_X(l), y = ST_Y(l), t = TO_STRING(l) | KEEP l, x, y, t",
     "[{\"l\":\"POINT (-71.34 41.12)\"},{\"l\":{\"lat\":41.12,\"lon\":-71.34}},{\"l\":\"41.12, -71.34\"},"
     "{\"l\":[-71.34,41.12]},{\"l\":{\"type\":\"Point\",\"coordinates\":[-71.34,41.12]}},"
     "{\"l\":{\"lat\":\"41.12\",\"lon\":\"-71.34\"}},{\"l\":\"point(-71.34 41.12 7)\"}]",
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n"
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n"
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n"
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n"
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n"
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n"
     "{\"l\":\"POINT (-71.34 41.12)\",\"x\":-71.34,\"y\":41.12,\"t\":\"POINT (-71.34 41.12)\"}\n",
     0},
    /* a geohash; several points in _source's order; [lon, lat, z]; out of range: none */
    {"FROM x | KEEP l",
     "[{\"l\":\"9q\"},{\"l\":[{\"lat\":1,\"lon\":2},\"POINT (3 4)\"]},{\"l\":[1.5,2.5,10]},"
     "{\"l\":{\"lat\":91,\"lon\":0}},{\"l\":\"POINT (200 0)\"},{\"l\":\"nonsense!\"},{\"l\":7}]",
     "{\"l\":\"POINT (-123.75 33.75)\"}\n{\"l\":[\"POINT (2.0 1.0)\",\"POINT (3.0 4.0)\"]}\n"
     "{\"l\":\"POINT (1.5 2.5)\"}\n{\"l\":null}\n{\"l\":null}\n{\"l\":null}\n{\"l\":null}\n",
     0},
    /* a coordinate of any number of digits, as Double.parseDouble reads it */
    {"ROW p = TO_GEOPOINT(\"POINT (1.000000000000000000000000000000000000000000000000000000000000000000000001 "
     "-0.50000000000000000000000000000000000000000000000000000000000000000000000000)\"), q = TO_GEOPOINT(\"POINT "
     "(1e 2)\")",
     "[0]", "{\"p\":\"POINT (1.0 -0.5)\",\"q\":null}\n", 1},
    /* only an array's numbers are a point: a number with another after it in its object is
     * none, and four numbers are malformed (GeoUtils.parseGeoPoint); arrays of arrays are points */
    {"FROM x | KEEP l", "[{\"l\":5,\"m\":6},{\"l\":[1,2,3,4]},{\"l\":[[1,2],[3,4,5]]},{\"l\":[1,\"2\"]},{\"l\":[1]}]",
     "{\"l\":null}\n{\"l\":null}\n{\"l\":[\"POINT (1.0 2.0)\",\"POINT (3.0 4.0)\"]}\n{\"l\":null}\n"
     "{\"l\":null}\n",
     0},
    {"ROW point = TO_GEOPOINT(\"POINT(42.97109629958868 14.7552534006536)\") | EVAL x = ST_X(point), y = "
     "ST_Y(point)",
     "[0]",
     "{\"point\":\"POINT (42.97109629958868 14.7552534006536)\",\"x\":42.97109629958868,\"y\":14.7552534006536}"
     "\n",
     0},
    {"ROW wkt = [\"POINT(42.97109630194 14.7552534413725)\", \"POINT(75.8092915005895 22.727749187571)\"] | EVAL "
     "pt = TO_GEOPOINT(wkt), far = TO_GEOPOINT(\"POINT (200 100)\"), bad = TO_GEOPOINT(\"POINT (1)\") | KEEP pt, "
     "far, bad",
     "[0]",
     "{\"pt\":[\"POINT (42.97109630194 14.7552534413725)\",\"POINT (75.8092915005895 22.727749187571)\"],"
     "\"far\":\"POINT (200.0 100.0)\",\"bad\":null}\n",
     1},
    /* ECS's source.geo.location without a mapping; the Elastic rules' shape */
    {"FROM x | WHERE source.geo.location IS NOT NULL | EVAL lat = ST_Y(source.geo.location), lon = "
     "ST_X(source.geo.location) | STATS a = AVG(lat), b = MAX(lon)",
     "[{\"source\":{\"geo\":{\"location\":{\"lat\":52.5,\"lon\":13.25}}}},{\"source\":{\"geo\":{"
     "\"location\":{\"lat\":48.5,\"lon\":2.5}}}},{\"source\":{}}]",
     "{\"a\":50.5,\"b\":13.25}\n", 0},
};

static void test_esql_geo_points(void **state)
{
	(void)state;
	char *names[] = {"l"};
	const enum field_type types[] = {FT_KEYWORD};
	const struct numeric_type nums[] = {numeric_type_named("geo_point")};
	field_types_set(names, types, nums, 1);
	for (size_t i = 0; i < sizeof(geo_cases) / sizeof(geo_cases[0]); i++) {
		expect_esql(i, geo_cases[i].query, geo_cases[i].events, geo_cases[i].want, geo_cases[i].warnings, NULL);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* ip values as Elasticsearch holds them: a field mapped ip, TO_IP (each value; one that is no
 * address none, warned: "'foo' is not an IP string literal") and IP_PREFIX give ips, written
 * as InetAddresses.toAddrString writes them, that order by their 16 bytes (v4 mapped into v6),
 * as the ip's doc values: ::1 before 127.0.0.1 before fe80::, in a comparison, SORT, MV_SORT
 * and a multi-value's doc-values order; a string they meet is read as an ip. IP_PREFIX checks
 * both prefix lengths whatever the family (IpPrefix). The hosts are ip.csv-spec's
 * (data/hosts.csv). EVENTS; rows; warnings. */
static const struct {
	const char *query, *events, *want;
	size_t warnings;
} ip_cases[] = {
    /* ip.csv-spec lessThan, greaterThanEquals: ::1 is below 127.0.0.1 */
    {"FROM x | WHERE a < b | KEEP a, b",
     "[{\"a\":\"127.0.0.1\",\"b\":\"::1\"},{\"a\":\"127.0.0.1\",\"b\":\"127.0.0.2\"},"
     "{\"a\":\"fe80::cae2:65ff:fece:feb9\",\"b\":\"127.0.0.3\"}]",
     "{\"a\":\"127.0.0.1\",\"b\":\"127.0.0.2\"}\n", 0},
    /* ip.csv-spec pushDownIPWithComparision, implictCastingGreaterThan: a string is read as an ip */
    {"FROM x | WHERE b > TO_IP(\"127.0.0.1\") OR MV_FIRST(b) >= \"fe80::1\" | KEEP b",
     "[{\"b\":\"::1\"},{\"b\":\"128.0.0.1\"},{\"b\":\"fe81::cae2:65ff:fece:feb9\"}]",
     "{\"b\":\"128.0.0.1\"}\n{\"b\":\"fe81::cae2:65ff:fece:feb9\"}\n", 0},
    /* ip.csv-spec aggAndSort, doubleSort; the multi-value in its doc-values order */
    {"FROM x | SORT a | KEEP a", "[{\"a\":\"fe80::1\"},{\"a\":\"127.0.0.1\"},{\"a\":[\"127.0.0.1\",\"::1\"]}]",
     "{\"a\":[\"::1\",\"127.0.0.1\"]}\n{\"a\":\"127.0.0.1\"}\n{\"a\":\"fe80::1\"}\n", 0},
    /* ip.csv-spec values, mvSort: MV_SORT and VALUES of ips */
    {"FROM x | STATS v = MV_SORT(VALUES(a)), d = MV_SORT(VALUES(a), \"DESC\")",
     "[{\"a\":\"127.0.0.1\"},{\"a\":\"::1\"},{\"a\":\"fe80::1\"}]",
     "{\"v\":[\"::1\",\"127.0.0.1\",\"fe80::1\"],\"d\":[\"fe80::1\",\"127.0.0.1\",\"::1\"]}\n", 0},
    /* ip.csv-spec convertFromIP: TO_IP of each value, sorted by the greatest descending */
    {"FROM x | EVAL t = TO_IP(a) | SORT t DESC | KEEP t",
     "[{\"a\":[\"fe80::cae2:65ff:fece:feb9\",\"fe80::cae2:65ff:fece:fec1\"]},"
     "{\"a\":[\"fe81::cae2:65ff:fece:feb9\",\"fe82::cae2:65ff:fece:fec0\"]},{\"b\":1}]",
     "{\"t\":null}\n{\"t\":[\"fe81::cae2:65ff:fece:feb9\",\"fe82::cae2:65ff:fece:fec0\"]}\n"
     "{\"t\":[\"fe80::cae2:65ff:fece:feb9\",\"fe80::cae2:65ff:fece:fec1\"]}\n",
     0},
    /* ip.csv-spec convertFromString: no address, null and a warning; the text Elasticsearch writes */
    {"ROW s = [\"foo\", \"0:0:0:0:0:0:0:1\", \"::ffff:1.2.3.4\"] | EVAL ip = TO_IP(s) | KEEP ip", "[0]",
     "{\"ip\":[\"::1\",\"1.2.3.4\"]}\n", 1},
    /* ip.csv-spec convertFromStringLeadingZerosDecimal, convertFromStringLeadingZerosOctal,
     * toIpInAggOctal: leading_zeros (reject by default; octal: 8 or 9 in such a part is none) */
    {"ROW s = [\"1.1.010.1\", \"1.1.09.1\"] | EVAL r = TO_IP(s), d = TO_IP(s, {\"leading_zeros\":\"decimal\"}), o "
     "= TO_IP(s, {\"leading_zeros\": \"octal\"}) | KEEP r, d, o",
     "[0]", "{\"r\":null,\"d\":[\"1.1.10.1\",\"1.1.9.1\"],\"o\":\"1.1.8.1\"}\n", 3},
    /* ParseIp's IPv4 loop, as written: four parts are read and what follows the fourth's '.' is
     * not ("1.2.3.4.5" and "1.2.3.4." are 1.2.3.4), a part's digits in Java's int (they wrap:
     * 2^32 is 0, 2^31 negative, so not over 255), an octal part not range-checked (0400 keeps
     * its low byte, 0); an empty part, a fourth part with a letter, or three parts: none */
    {"ROW s = [\"1.2.3.4.5\", \"1.2.3.4.\", \"4294967296.1.1.1\", \"2147483648.1.1.2\", \"1..2.3\", "
     "\"1.2.3.4x\", \"1.2.3\", \"256.1.1.1\"] | EVAL d = TO_IP(s, {\"leading_zeros\":\"decimal\"}), o = "
     "TO_IP([\"0400.1.1.1\", \"1.2.3.0377.9\"], {\"leading_zeros\":\"octal\"}) | KEEP d, o",
     "[0]", "{\"d\":[\"1.2.3.4\",\"1.2.3.4\",\"0.1.1.1\",\"0.1.1.2\"],\"o\":[\"0.1.1.1\",\"1.2.3.255\"]}\n", 4},
    /* ip.csv-spec ipPrefixWithWrongLengths, ipPrefixAsGroup */
    {"ROW ip4 = TO_IP(\"1.2.3.4\") | EVAL a = IP_PREFIX(ip4, -1, 128), b = IP_PREFIX(ip4, 32, -1), c = "
     "IP_PREFIX(ip4, 33, 0), d = IP_PREFIX(ip4, 32, 129), e = IP_PREFIX(ip4, 24, 0) | KEEP a, b, c, d, e",
     "[0]", "{\"a\":null,\"b\":null,\"c\":null,\"d\":null,\"e\":\"1.2.3.0\"}\n", 4},
    {"FROM x | STATS c = COUNT(*) BY p = IP_PREFIX(a, 24, 120) | SORT p",
     "[{\"a\":\"127.0.0.1\"},{\"a\":\"::1\"},{\"a\":\"127.0.0.9\"},{\"a\":\"fe80::cae2:65ff:fece:feb9\"}]",
     "{\"c\":1,\"p\":\"::\"}\n{\"c\":2,\"p\":\"127.0.0.0\"}\n{\"c\":1,\"p\":\"fe80::cae2:65ff:fece:fe00\"}\n", 0},
};

static void test_esql_ips_order_by_their_bytes(void **state)
{
	(void)state;
	char *names[] = {"a", "b"};
	const enum field_type types[] = {FT_IP, FT_IP};
	const struct numeric_type nums[] = {numeric_type_named("ip"), numeric_type_named("ip")};
	field_types_set(names, types, nums, 2);
	for (size_t i = 0; i < sizeof(ip_cases) / sizeof(ip_cases[0]); i++) {
		expect_esql(i, ip_cases[i].query, ip_cases[i].events, ip_cases[i].want, ip_cases[i].warnings, NULL);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* FIRST(x, sort) and LAST(x, sort) as First.java, Last.java and stats_first_last.csv-spec
 * answer: x whole (multi-values and nulls as they are) on the row with the least (greatest)
 * sort value, a multi-valued sort field by its least (greatest) value, a null sort value last,
 * ties to the first row. The events are shaped like the spec's voyager data set (rows 1 to 6: no
 * @timestamp; one; two; three with two distances; one; nothing). The query; the rows; the fault. */
#define VOYAGER                                                                                                        \
	"[{\"row\":1,\"d\":103,\"s\":\"yellow\"},{\"row\":2,\"@timestamp\":\"2025-12-25T00:00:20Z\",\"d\":104,\"s\":"  \
	"\"green\"},{\"row\":3,\"@timestamp\":[\"2025-12-25T00:00:15Z\",\"2025-12-25T00:00:25Z\"],\"d\":105,\"s\":"    \
	"\"green\"},{\"row\":4,\"@timestamp\":[\"2025-12-25T00:00:10Z\",\"2025-12-25T00:00:20Z\",\"2025-12-25T00:00:"  \
	"30Z\"],\"d\":[102,101],\"s\":[\"green\",\"OK\"]},{\"row\":5,\"@timestamp\":\"2025-12-25T00:00:20Z\",\"d\":"   \
	"106,\"s\":\"red\"},{\"row\":6}]"
static const struct {
	const char *query, *events, *want, *fault;
} first_last_cases[] = {
    /* "Test retrieval of multi-values": row 4 has both the least and the greatest @timestamp */
    {"FROM x | STATS f = FIRST(d, @timestamp), l = LAST(d, @timestamp), fs = FIRST(s, @timestamp)", VOYAGER,
     "{\"f\":[101,102],\"l\":[101,102],\"fs\":[\"OK\",\"green\"]}\n", ""},
    /* "Test retrieval of multi-values and nulls with groups": yellow's one row has no
     * @timestamp and still answers; the null group's row has no distance */
    {"FROM x | STATS d = FIRST(d, @timestamp) BY s | SORT s", VOYAGER,
     "{\"d\":[101,102],\"s\":\"OK\"}\n{\"d\":[101,102],\"s\":\"green\"}\n{\"d\":106,\"s\":\"red\"}\n"
     "{\"d\":103,\"s\":\"yellow\"}\n{\"d\":null,\"s\":null}\n",
     ""},
    /* "Test retrieval of nulls", "ungrouped/grouped aggregation on empty input" */
    {"FROM x | WHERE row IN (6, -1) | STATS f = FIRST(d, @timestamp), l = LAST(s, @timestamp)", VOYAGER,
     "{\"f\":null,\"l\":null}\n", ""},
    {"FROM x | WHERE row == -1 | STATS f = FIRST(d, @timestamp), l = LAST(d, @timestamp)", VOYAGER,
     "{\"f\":null,\"l\":null}\n", ""},
    {"FROM x | WHERE row == -1 | STATS f = FIRST(d, @timestamp) BY s", VOYAGER, "", ""},
    /* "Test date types in the search field", "Test passing the same field in both parameters":
     * LAST by distance is row 5's, row 6's null distance sorting last */
    {"FROM x | STATS f = FIRST(@timestamp, d), l = LAST(@timestamp, d), x = FIRST(@timestamp, @timestamp), y = "
     "LAST(d, d)",
     VOYAGER,
     "{\"f\":[\"2025-12-25T00:00:10.000Z\",\"2025-12-25T00:00:20.000Z\",\"2025-12-25T00:00:30.000Z\"],\"l\":"
     "\"2025-12-25T00:00:20.000Z\",\"x\":[\"2025-12-25T00:00:10.000Z\",\"2025-12-25T00:00:20.000Z\",\"2025-12-"
     "25T00:00:30.000Z\"],\"y\":106}\n",
     ""},
    /* "Test passing foldables in the sort field": every row ties, the first answers (row 1,
     * whose @timestamp is null); a null sort field the same */
    {"FROM x | SORT row ASC | EVAL p = 7 | STATS a = FIRST(@timestamp, p), b = LAST(d, p), c = FIRST(s, null), "
     "e = LAST(s, null)",
     VOYAGER, "{\"a\":null,\"b\":103,\"c\":\"yellow\",\"e\":\"yellow\"}\n", ""},
    /* "Test aggregating on integers from index": by row, LAST is row 6's (all null) */
    {"FROM x | STATS f = FIRST(d, row), l = LAST(d, row), fs = FIRST(s, row), ls = LAST(s, row)", VOYAGER,
     "{\"f\":103,\"l\":null,\"fs\":\"yellow\",\"ls\":null}\n", ""},
    /* a WHERE on the aggregate takes its rows; over aggregates an expression */
    {"FROM x | STATS r = FIRST(d, @timestamp) WHERE s == \"red\", g = MV_MAX(LAST(d, @timestamp)) + 1", VOYAGER,
     "{\"r\":106,\"g\":103}\n", ""},
    /* EARLIEST(x), LATEST(x): FIRST and LAST by @timestamp (Earliest.java, Latest.java) */
    {"FROM x | WHERE row != 4 | STATS e = EARLIEST(d), l = LATEST(s), LATEST(row)", VOYAGER,
     "{\"e\":105,\"l\":\"green\",\"LATEST(row)\":3}\n", ""},
    /* the sort field is a long, an integer or a date (First.resolveType) */
    {"FROM x | STATS f = FIRST(d, s)", VOYAGER, "",
     "second argument of [FIRST] must be [long or integer or date_nanos or datetime], found another type"},
    {"FROM x | STATS f = LAST(d, 1.5)", VOYAGER, "",
     "second argument of [LAST] must be [long or integer or date_nanos or datetime], found another type"},
};

static void test_esql_first_last(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(first_last_cases) / sizeof(first_last_cases[0]); i++) {
		struct tu_esql_said said;
		char *got = tu_esql_run(first_last_cases[i].query, first_last_cases[i].events, &said);
		if (strcmp(got, first_last_cases[i].want) || strcmp(said.fault, first_last_cases[i].fault))
			fail_msg("case %zu: %s\nwant: %s(fault \"%s\")\ngot:  %s(fault \"%s\")", i,
			         first_last_cases[i].query, first_last_cases[i].want, first_last_cases[i].fault, got,
			         said.fault);
		free(got);
	}
}

/* ST_DISTANCE over geo_points as StDistance.java answers: Lucene's SloppyMath.haversinMeters of
 * the coordinates quantized to its 32-bit grid (GeoUtils.quantizeLat/Lon), so (1 1) and (-1 -1)
 * are not equally far from (0 0); of multi-values the least over every pair; null with a null.
 * The doubles are spatial.csv-spec's (literalGeoPointDistanceLiteralPoint,
 * literalGeoPointDistanceOneDegree, twoCitiesPointDistanceGeo, airportDistanceToCityCopenhagen,
 * airportsSortDistanceFromAirportToCity, airportsWithinPolygonDistanceFromCopenhagenTrainStation).
 * The query; the events; the rows; warnings; the fault. */
static const struct {
	const char *query, *events, *want;
	size_t warnings;
	const char *fault;
} distance_cases[] = {
    {"ROW wkt = [\"POINT(1 1)\", \"POINT(-1 -1)\", \"POINT(-1 1)\", \"POINT(1 -1)\", \"POINT(1 0)\", \"POINT(-1 "
     "0)\", \"POINT(0 1)\", \"POINT(0 -1)\"] | MV_EXPAND wkt | EVAL d = ST_DISTANCE(TO_GEOPOINT(wkt), "
     "TO_GEOPOINT(\"POINT(0 0)\")) | KEEP d",
     "[0]",
     "{\"d\":157249.5916907891}\n{\"d\":157249.6015756357}\n{\"d\":157249.5982806869}\n{\"d\":157249."
     "59498573805}\n{\"d\":111195.07310665186}\n{\"d\":111195.08242688453}\n{\"d\":111195.07776676829}\n{"
     "\"d\":111195.08242688453}\n",
     0, ""},
    {"ROW p1 = TO_GEOPOINT(\"POINT(-90.82814 29.79511)\"), p2 = TO_GEOPOINT(\"POINT(-90.79731509999999 "
     "29.8835389)\") | EVAL d = ST_DISTANCE(p1, p2) | KEEP d",
     "[0]", "{\"d\":10272.529272836206}\n", 0, ""},
    /* from documents' geo_points (ECS geo.location), to a literal and to each other (the last two
     * rows' kilometres to the literal are SloppyMath's, as written, run in Java) */
    {"FROM x | EVAL d = ST_DISTANCE(source.geo.location, destination.geo.location), k = "
     "ROUND(ST_DISTANCE(source.geo.location, TO_GEOPOINT(\"POINT(12.565 55.673)\")) / 1000, 2) | KEEP d, k",
     "[{\"source\":{\"geo\":{\"location\":\"POINT(12.6493508684508 55.6285017221528)\"}},\"destination\":{"
     "\"geo\":{\"location\":{\"lat\":55.6761,\"lon\":12.5683}}}},{\"source\":{\"geo\":{\"location\":"
     "\"POINT(10.9168095241445 63.472029381717)\"}},\"destination\":{\"geo\":{\"location\":\"POINT(10.9189 "
     "63.4712)\"}}},{\"source\":{\"geo\":{\"location\":\"POINT(166.91613965882 -0.545037226856384)\"}},"
     "\"destination\":{\"geo\":{\"location\":[166.9209,-0.5477]}}},{\"destination\":{\"geo\":{\"location\":"
     "\"POINT(0 0)\"}}}]",
     "{\"d\":7339.573896618216,\"k\":7.24}\n{\"d\":138.86985803478004,\"k\":872.09}\n{\"d\":606."
     "4899254580574,\"k\":13463.11}\n{\"d\":null,\"k\":null}\n",
     0, ""},
    /* pairs whose answer depends on the tables' entries where fdlibm rounds otherwise than the
     * C library (each differed in its last digit when the tables came from sin, cos and asin);
     * the doubles are SloppyMath's code as Lucene writes it, run in Java */
    {"ROW a = ST_DISTANCE(TO_GEOPOINT(\"POINT(164.8953 62.5158)\"), TO_GEOPOINT(\"POINT(-179.8038 -52.2509)\")), "
     "b = ST_DISTANCE(TO_GEOPOINT(\"POINT(-153.7062 23.3019)\"), TO_GEOPOINT(\"POINT(100.2639 -41.4404)\")), c = "
     "ST_DISTANCE(TO_GEOPOINT(\"POINT(137.5883 18.6362)\"), TO_GEOPOINT(\"POINT(-28.2754 -71.3089)\")), d = "
     "ST_DISTANCE(TO_GEOPOINT(\"POINT(-87.4867 58.2692)\"), TO_GEOPOINT(\"POINT(34.7279 -37.1816)\"))",
     "[0]",
     "{\"a\":1.2831941988581525E7,\"b\":1.2995096115012811E7,\"c\":1.408481404645365E7,\"d\":1."
     "5290362231003791E7}\n",
     0, ""},
    /* multi-values: the least over every pair (StDistance.distanceSourceAndSource) */
    {"ROW a = TO_GEOPOINT([\"POINT(1 1)\", \"POINT(0 1)\"]), b = TO_GEOPOINT([\"POINT(0 0)\", \"POINT(50 "
     "50)\"]) | EVAL d = ST_DISTANCE(a, b), e = ST_DISTANCE(b, a), n = ST_DISTANCE(a, null) | KEEP d, e, n",
     "[0]", "{\"d\":111195.07776676829,\"e\":111195.07776676829,\"n\":null}\n", 0, ""},
    /* the rules' way to a point: WKT built with CONCAT, "POINT(" with no space */
    {"ROW lon = -0.1278, lat = 51.5074 | EVAL p = TO_GEOPOINT(CONCAT(\"POINT(\", TO_STRING(lon), \" \", "
     "TO_STRING(lat), \")\")), d = ROUND(ST_DISTANCE(p, TO_GEOPOINT(\"POINT(2.3522 48.8566)\")) / 1000.0, 0) | "
     "KEEP p, d",
     "[0]", "{\"p\":\"POINT (-0.1278 51.5074)\",\"d\":344.0}\n", 0, ""},
    /* TO_GEOPOINT does not check the range; Lucene's encoding does: null, warned */
    {"ROW d = ST_DISTANCE(TO_GEOPOINT(\"POINT(200 0)\"), TO_GEOPOINT(\"POINT(0 0)\"))", "[0]", "{\"d\":null}\n", 1, ""},
    {"ROW d = ST_DISTANCE(\"POINT(1 1)\", TO_GEOPOINT(\"POINT(0 0)\"))", "[0]", "", 0,
     "first argument of [ST_DISTANCE] must be [geo_point or cartesian_point], found another type"},
};

static void test_esql_st_distance(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(distance_cases) / sizeof(distance_cases[0]); i++) {
		expect_esql(i, distance_cases[i].query, distance_cases[i].events, distance_cases[i].want,
		            distance_cases[i].warnings, distance_cases[i].fault);
	}
}

/* JSON_EXTRACT as Elasticsearch's JsonExtract.java and JsonPath.java define it: the path in dot
 * or bracket notation with an optional $; strings unquoted, numbers, objects and arrays as the
 * document writes them, booleans as true/false, a JSON null as null; a malformed path, a path
 * that leads nowhere and a document that is not JSON: null and a warning (IllegalArgumentException).
 * The query; the rows; warnings; the first warning. */
static const struct {
	const char *query, *want;
	size_t warnings;
	const char *warning;
} json_cases[] = {
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.name\") | KEEP v",
     "{\"v\":\"Ann\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"$.user.age\") | KEEP v",
     "{\"v\":\"30\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user['tags']\") | KEEP v",
     "{\"v\":\"[\\\"a\\\", {\\\"b\\\": [1, 2]}]\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.tags[1].b[0]\") | KEEP v",
     "{\"v\":\"1\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"$['user'][ \\\"tags\\\" ][ 0 ]\") | KEEP v",
     "{\"v\":\"a\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.ok\") | KEEP v",
     "{\"v\":\"false\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.f\") | KEEP v",
     "{\"v\":\"1.50\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.q\") | KEEP v",
     "{\"v\":\"say \\\"hi\\\"!\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"['service.name']\") | KEEP v",
     "{\"v\":\"web\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"['']\") | KEEP v",
     "{\"v\":\"empty\"}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.none\") | KEEP v",
     "{\"v\":null}\n", 0, ""},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"service.name\") | KEEP v",
     "{\"v\":null}\n", 1, "java.lang.IllegalArgumentException: path [service.name] does not exist"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.tags[2]\") | KEEP v",
     "{\"v\":null}\n", 1, "java.lang.IllegalArgumentException: array index out of bounds"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.tags.a\") | KEEP v",
     "{\"v\":null}\n", 1, "java.lang.IllegalArgumentException: path [user.tags.a] does not exist"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.name.x\") | KEEP v",
     "{\"v\":null}\n", 1, "java.lang.IllegalArgumentException: path [user.name.x] does not exist"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user[0]\") | KEEP v",
     "{\"v\":null}\n", 1, "java.lang.IllegalArgumentException: path [user[0]] does not exist"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"$user\") | KEEP v",
     "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: Invalid JSON path [$user]: expected [.] or [[] after [$] at position 1"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user..name\") | KEEP v",
     "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: Invalid JSON path [user..name]: consecutive dots at position 4"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.tags[01]\") | KEEP v",
     "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: Invalid JSON path [user.tags[01]]: leading zeros are not allowed in array "
     "index [01] at position 9"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.tags[*]\") | KEEP v",
     "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: Invalid JSON path [user.tags[*]]: expected integer array index, got [*] at "
     "position 9"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user.tags[-1]\") | KEEP v",
     "{\"v\":null}\n", 1, "java.lang.IllegalArgumentException: array index out of bounds"},
    {"ROW j = \"\"\"{\"user\": {\"name\": \"Ann\", \"age\": 30, \"tags\": [\"a\", {\"b\": [1, 2]}], \"ok\": false, "
     "\"none\": null, \"f\": 1.50, \"q\": \"say \\\"hi\\\"\\u0021\"}, \"service.name\": \"web\", \"\": "
     "\"empty\"}\"\"\" | EVAL v = JSON_EXTRACT(j, \"user['name\") | KEEP v",
     "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: Invalid JSON path [user['name]: unterminated quoted key at position 4"},
    {"ROW j = \"\"\"{\"a\": 1\"\"\" | EVAL v = JSON_EXTRACT(j, \"a\") | KEEP v", "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: invalid JSON input"},
    {"ROW j = \"\"\"  \"\"\" | EVAL v = JSON_EXTRACT(j, \"a\") | KEEP v", "{\"v\":null}\n", 1,
     "java.lang.IllegalArgumentException: empty JSON input"},
    {"ROW j = \"\"\" [1, {\"a\": 2}] \"\"\" | EVAL r = JSON_EXTRACT(j, \"$\"), e = JSON_EXTRACT(j, \"\"), d = "
     "JSON_EXTRACT(j, \"$.\"), n = JSON_EXTRACT(missing, \"a\"), p = JSON_EXTRACT(j, missing) | KEEP r, e, d, n, p",
     "{\"r\":\"[1, {\\\"a\\\": 2}]\",\"e\":\"[1, {\\\"a\\\": 2}]\",\"d\":\"[1, {\\\"a\\\": "
     "2}]\",\"n\":null,\"p\":null}\n",
     0, ""},
};

static void test_esql_json_extract(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
		struct tu_esql_said said;
		char *got = tu_esql_run(json_cases[i].query, "[{}]", &said);
		if (strcmp(got, json_cases[i].want) || said.warnings != json_cases[i].warnings ||
		    (said.warnings && strcmp(said.warning, json_cases[i].warning)))
			fail_msg("case %zu: %s\nwant: %s(%zu warnings: %s)\ngot:  %s(%zu warnings: %s)", i,
			         json_cases[i].query, json_cases[i].want, json_cases[i].warnings, json_cases[i].warning,
			         got, said.warnings, said.warning);
		free(got);
	}
}

/* Multi-fields and keyword parameters as ES|QL reads them. A multi-field is not in _source: its
 * values are its parent's (SearchExecutionContext.sourcePaths). A keyword sub-field reads its
 * own doc values: the parent's values through its normalizer (the built-in lowercase), less
 * those longer than its ignore_above (not indexed), sorted and deduplicated. A text sub-field
 * of a keyword without a normalizer reads the keyword's doc values (TextFieldMapper's
 * nonDelegateBlockLoader: "if the parent is exact then we should use that instead"); of any
 * other parent, the parent's _source values as they are. A top-level keyword's ignore_above
 * and normalizer apply the same way. EVENTS; the rows. */
static const struct {
	const char *query, *events, *want;
} multi_cases[] = {
    {"FROM x | KEEP process.name.text", "[{\"process\":{\"name\":[\"b\",\"a\",\"b\"]}}]",
     "{\"process.name.text\":[\"a\",\"b\"]}\n"},
    {"FROM x | KEEP process.name.caseless", "[{\"process\":{\"name\":[\"Cmd.EXE\",\"cmd.exe\",\"A\"]}}]",
     "{\"process.name.caseless\":[\"a\",\"cmd.exe\"]}\n"},
    {"FROM x | WHERE process.name.caseless == \"cmd.exe\" | KEEP id",
     "[{\"id\":1,\"process\":{\"name\":\"CMD.exe\"}},{\"id\":2,\"process\":{\"name\":\"cmd\"}}]", "{\"id\":1}\n"},
    {"FROM x | KEEP message.keyword", "[{\"message\":\"hello world\"},{\"message\":[\"hi\",\"hey\",\"hi\"]}]",
     "{\"message.keyword\":null}\n{\"message.keyword\":[\"hey\",\"hi\"]}\n"},
    {"FROM x | KEEP user.name, user.name.text", "[{\"user\":{\"name\":[\"Bob\",\"alice\",\"Bob\"]}}]",
     "{\"user.name\":[\"alice\",\"bob\"],\"user.name.text\":[\"Bob\",\"alice\",\"Bob\"]}\n"},
    {"FROM x | KEEP host.hostname",
     "[{\"host\":{\"hostname\":\"abcd\"}},{\"host\":{\"hostname\":[\"abc\",\"\\u00e9\\u00e9\\u00e9\","
     "\"\\ud83d\\ude00\\ud83d\\ude00\"]}}]",
     "{\"host.hostname\":null}\n{\"host.hostname\":[\"abc\",\"\u00e9\u00e9\u00e9\"]}\n"},
    {"FROM x | KEEP process.name.text", "[{\"process\":{\"pid\":1}}]", "{\"process.name.text\":null}\n"},
    /* a wildcard lists the mapping's multi-fields of the fields an event holds, as
     * Elasticsearch's columns come from the mapping, multi-fields included (the employees
     * mapping's languages.long, height.float are columns of FROM employees): sorted by name
     * with the event's fields; DROP drops them */
    {"FROM x | KEEP process.*", "[{\"process\":{\"pid\":4,\"name\":\"Cmd.EXE\"}},{\"process\":{\"pid\":5}}]",
     "{\"process.name\":\"Cmd.EXE\",\"process.name.caseless\":\"cmd.exe\",\"process.name.text\":\"Cmd.EXE\","
     "\"process.pid\":4}\n{\"process.pid\":5}\n"},
    {"FROM x | DROP *.caseless | KEEP process.*", "[{\"process\":{\"pid\":4,\"name\":\"Cmd.EXE\"}}]",
     "{\"process.name\":\"Cmd.EXE\",\"process.name.text\":\"Cmd.EXE\",\"process.pid\":4}\n"},
    {"FROM x | WHERE process.pid > 0 | SORT process.pid | KEEP *.text",
     "[{\"process\":{\"pid\":4,\"name\":\"a\"},\"user\":{\"name\":\"B\"}}]",
     "{\"process.name.text\":\"a\",\"user.name.text\":\"B\"}\n"},
    /* the lowercase normalizer is Lucene's LowerCaseFilter (LowercaseNormalizerProvider):
     * Character.toLowerCase of each code point, not ASCII's alone: \u0130 and I are both i
     * (one value), the Kelvin sign k, \u03a3 always \u03c3 (no final sigma, one code point at
     * a time); doc values sorted by their bytes */
    {"FROM x | KEEP process.name.caseless",
     "[{\"process\":{\"name\":[\"CMD.\\u00c9XE\",\"\\u0130\",\"I\",\"\\u212a\",\"\\u03a3\\u0391\\u03a3\"]}}]",
     "{\"process.name.caseless\":[\"cmd.\u00e9xe\",\"i\",\"k\",\"\u03c3\u03b1\u03c3\"]}\n"},
};

static void test_esql_reads_multi_fields_as_elasticsearch(void **state)
{
	(void)state;
	char *names[] = {"host.hostname",         "message",           "message.keyword", "process.name",
	                 "process.name.caseless", "process.name.text", "user.name",       "user.name.text"};
	const char *texts[] = {"keyword ignore_above=3",
	                       "text",
	                       "keyword multi ignore_above=5",
	                       "keyword ignore_above=1024",
	                       "keyword multi normalizer=lowercase ignore_above=1024",
	                       "text multi",
	                       "keyword normalizer=lowercase",
	                       "text multi"};
	enum field_type types[8];
	struct numeric_type nums[8];
	for (size_t i = 0; i < 8; i++) {
		types[i] = field_type_named(texts[i]);
		nums[i] = numeric_type_named(texts[i]);
	}
	field_types_set(names, types, nums, 8);
	for (size_t i = 0; i < sizeof(multi_cases) / sizeof(multi_cases[0]); i++) {
		char *got = run_query(multi_cases[i].query, multi_cases[i].events);
		if (strcmp(got, multi_cases[i].want))
			fail_msg("case %zu: %s\nwant: %sgot:  %s", i, multi_cases[i].query, multi_cases[i].want, got);
		free(got);
	}
	field_types_set(NULL, NULL, NULL, 0);
}

/* A syntax error is one (its offset said); valid ES|QL casebook cannot run is refused by name,
 * so that the rule is kept and said to be skipped. */
static void test_esql_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *query;
		int unsupported;
		size_t offset;
		const char *msg;
	} bad[] = {
	    {"WHERE a == 1", 0, 0, "an ES|QL rule starts with FROM"},
	    {"FROM x | WHERE a ==", 0, 19, "expected a value, a field or a function"},
	    {"FROM x | FROB y", 0, 9,
	     "expected an ES|QL command (WHERE, EVAL, STATS, KEEP, DROP, RENAME, SORT, LIMIT, "
	     "MV_EXPAND)"},
	    {"FROM x | GROK message \"%{FROB:ip}\"", 1, 22, "the GROK pattern FROB is not one casebook has built in"},
	    {"FROM x | ENRICH policy ON host.name", 1, 9, "the ES|QL command ENRICH is not one casebook runs yet"},
	    {"FROM x | DISSECT message \"%{*a} %{&a}\"", 1, 25,
	     "DISSECT reference keys (%{*key}, %{&key}) are not ones casebook evaluates yet"},
	    {"FROM x | DISSECT message \"%{a}%{b}\"", 0, 25, "DISSECT: two keys need a delimiter between them"},
	    {"FROM x | COMPLETION y = p WITH {}", 1, 9,
	     "it calls COMPLETION, an LLM inference endpoint, which cannot run offline"},
	    {"FROM x | WHERE a RLIKE \"a(\"", 0, 17, "RLIKE: invalid regular expression"},
	    {"FROM x | EVAL b = FROBNICATE(a)", 1, 18, "the function FROBNICATE is not one casebook evaluates yet"},
	    {"FROM x | EVAL b = LENGTH(a, a)", 0, 18, "LENGTH does not take 2 arguments"},
	    {"FROM x | STATS TO_LOWER(a)", 0, 15,
	     "STATS: column [a] must appear in the STATS BY clause or be used in an aggregate function"},
	    /* Aggregate.checkAggregate, checkInvalidNamedExpressionUsage */
	    {"FROM x | STATS e = 1", 0, 15, "STATS: expected an aggregate function but found [e]"},
	    {"FROM x | STATS e = s BY s", 0, 15,
	     "STATS: grouping key [s] cannot be used as an aggregate once declared in the STATS BY clause"},
	    {"FROM x | STATS c = COUNT(*), b = BUCKET(n, 2.) BY BUCKET(n, 2.)", 0, 29,
	     "STATS: grouping key [BUCKET(n, 2.)] cannot be used as an aggregate once declared in the STATS BY clause"},
	    {"FROM x | WHERE s == \"open", 0, 20, "a string is not closed"},
	    {"FROM x | EVAL p = location::geo_shape", 1, 28,
	     "the function TO_GEOSHAPE is not one casebook evaluates yet"},
	    {"FROM x | WHERE ST_INTERSECTS(a, b)", 1, 15,
	     "the function ST_INTERSECTS is not one casebook evaluates yet"},
	    {"FROM x | WHERE MATCH(a, \"b\", {\"analyzer\": \"whitespace\"})", 1, 30,
	     "MATCH's option [analyzer] is not one casebook applies yet"},
	    {"FROM x | WHERE MATCH(a, \"b\", {\"fuzzyness\": 1})", 0, 30,
	     "Invalid option [fuzzyness] in MATCH (docs/DETECTION.md lists MATCH's options)"},
	    {"FROM x | WHERE MATCH(a, \"b\", {\"fuzziness\": 3})", 0, 43,
	     "MATCH's fuzziness is 0, 1, 2, AUTO or AUTO:lo,hi"},
	    /* AUTO's bounds as Integer.parseInt reads them: digits within an int, nothing else */
	    {"FROM x | WHERE MATCH(a, \"b\", {\"fuzziness\": \"AUTO:99999999999,1\"})", 0, 43,
	     "MATCH's fuzziness is 0, 1, 2, AUTO or AUTO:lo,hi"},
	    {"FROM x | WHERE MATCH(a, \"b\", {\"fuzziness\": \"AUTO: 3,+6\"})", 0, 43,
	     "MATCH's fuzziness is 0, 1, 2, AUTO or AUTO:lo,hi"},

	    {"FROM x | EVAL p = a::frob", 0, 21, "frob is not an ES|QL type to cast to"},
	    {"FROM x | WHERE COUNT(*) > 1", 0, 9, "an aggregate belongs in STATS"},
	    {"FROM x | STATS MAX(COUNT(*))", 1, 9, "an aggregate inside another is not something casebook evaluates"},
	    {"FROM x | WHERE KQL(\"a:(\")", 0, 15,
	     "the KQL in KQL() does not parse at column 4: expected a field or value but the query ended"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct esql_error err;
		struct esql_query *q = esql_parse(bad[i].query, &err);
		if (q)
			fail_msg("%s parsed", bad[i].query);
		if (strcmp(err.msg, bad[i].msg) || err.offset != bad[i].offset || err.unsupported != bad[i].unsupported)
			fail_msg("%s: got \"%s\" at %zu (unsupported %d)", bad[i].query, err.msg, err.offset,
			         err.unsupported);
	}
	/* deep nesting is refused, not recursed into */
	struct strbuf deep;
	strbuf_init(&deep, 4096);
	strbuf_addstr(&deep, "FROM x | WHERE ");
	for (int i = 0; i < 5000; i++)
		strbuf_addch(&deep, '(');
	struct esql_error err;
	assert_null(esql_parse(deep.buf, &err));
	assert_string_equal(err.msg, "expressions nested deeper than 200 levels");
	strbuf_reset(&deep);
	strbuf_addstr(&deep, "FROM x | EVAL y = 1");
	for (int i = 0; i < 5000; i++)
		strbuf_addstr(&deep, " + 1");
	assert_null(esql_parse(deep.buf, &err));
	assert_string_equal(err.msg, "expressions nested deeper than 200 levels");
	strbuf_release(&deep);
}

/* An event's fan-out is bounded: 2,000 values expand to the first 1,024 rows, and 100 × 100
 * BY values put a row in its first 1,024 groups; each is counted as a truncation. */
static void test_esql_fanout_is_bounded(void **state)
{
	(void)state;
	struct strbuf ev;
	strbuf_init(&ev, 65536);
	strbuf_addstr(&ev, "{\"a\":[");
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&ev, "%s%d", i ? "," : "", i);
	strbuf_addstr(&ev, "],\"b\":[");
	for (int i = 0; i < 100; i++)
		strbuf_addf(&ev, "%s\"x%d\"", i ? "," : "", i);
	strbuf_addstr(&ev, "],\"c\":[");
	for (int i = 0; i < 100; i++)
		strbuf_addf(&ev, "%s\"y%d\"", i ? "," : "", i);
	strbuf_addstr(&ev, "]}");
	cJSON *j = cJSON_Parse(ev.buf);
	assert_non_null(j);
	static const char *const queries[] = {"FROM x | MV_EXPAND a | KEEP a | LIMIT 5000",
	                                      "FROM x | STATS n = COUNT(*) BY b, c | LIMIT 5000"};
	for (int k = 0; k < 2; k++) {
		struct esql_error err;
		struct esql_query *q = esql_parse(queries[k], &err);
		assert_non_null(q);
		struct esql_row *rows = NULL;
		size_t n = 0, cap = 0;
		esql_rows_of(q, j, "e", NULL, 0, &rows, &n, &cap);
		esql_finish(q, &rows, &n);
		assert_int_equal(n, 1024);
		assert_int_equal(esql_truncations(q), 1);
		for (size_t i = 0; i < n; i++)
			esql_row_release(&rows[i]);
		free(rows);
		esql_free(q);
	}
	cJSON_Delete(j);
	strbuf_release(&ev);
}

/* Runs the query over one event through both halves; returns the rows it gave, and its fault
 * (malloc'd, NULL without one) in *why. */
static size_t run_one(const char *query, const char *event, char **why)
{
	struct esql_error err;
	struct esql_query *q = esql_parse(query, &err);
	if (!q)
		fail_msg("%.80s: %s at %zu", query, err.msg, err.offset);
	cJSON *ev = cJSON_Parse(event);
	assert_non_null(ev);
	struct esql_row *rows = NULL;
	size_t n = 0, cap = 0;
	esql_rows_of(q, ev, "e0", "logs-x", 0, &rows, &n, &cap);
	char *gave_up = esql_gave_up(q) ? xstrdup(esql_gave_up(q)) : NULL; /* a regex bound on the event */
	esql_finish(q, &rows, &n);
	for (size_t i = 0; i < n; i++)
		esql_row_release(&rows[i]);
	free(rows);
	*why = esql_fault(q) ? xstrdup(esql_fault(q)) : gave_up;
	if (esql_fault(q))
		free(gave_up);
	cJSON_Delete(ev);
	esql_free(q);
	return n;
}

/* "FROM x | EVAL a = CONCAT(s, s)" then doublings more "| EVAL a = CONCAT(a, a)". */
static char *doubling(int doublings)
{
	struct strbuf q;
	strbuf_init(&q, 1024);
	strbuf_addstr(&q, "FROM x | EVAL a = CONCAT(s, s)");
	for (int i = 0; i < doublings; i++)
		strbuf_addstr(&q, " | EVAL a = CONCAT(a, a)");
	strbuf_addstr(&q, " | EVAL n = LENGTH(a) | KEEP n");
	return strbuf_detach(&q, NULL);
}

/* {"k": [0, 1, ... n-1]}-like text: an array of n numbers. */
static void add_numbers(struct strbuf *sb, const char *key, int n)
{
	strbuf_addf(sb, "\"%s\":[", key);
	for (int i = 0; i < n; i++)
		strbuf_addf(sb, "%s%d", i ? "," : "", i);
	strbuf_addch(sb, ']');
}

/* What a query makes is bounded: a value a function makes at 1 MiB, an event's values and
 * rows at 64 MiB. Past a bound the query stops with a fault naming it and gives no row (it
 * doubled a string until malloc aborted, and ten nested REPLACE ran for minutes); at the
 * bound, the value is whole. */
static void test_esql_bombs_stop_with_a_fault(void **state)
{
	(void)state;
	char *why, *q = doubling(16); /* 16 bytes doubled 16 times: 1 MiB exactly, whole */
	assert_int_equal(run_one(q, "{\"s\":\"abcdefgh\"}", &why), 1);
	assert_null(why);
	free(q);
	q = doubling(17);
	assert_int_equal(run_one(q, "{\"s\":\"abcdefgh\"}", &why), 0);
	assert_string_equal(why, "CONCAT would make a value over 1 MiB (1,048,576 bytes), the most a function makes");
	free(why);
	free(q);
	/* ten nested REPLACE, each nearly tripling its input */
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	strbuf_addstr(&sb, "FROM x | EVAL r = ");
	for (int i = 0; i < 10; i++)
		strbuf_addstr(&sb, "REPLACE(");
	strbuf_addstr(&sb, "s");
	for (int i = 0; i < 10; i++)
		strbuf_addstr(&sb, ", \"\", \"ab\")");
	/* the eighth REPLACE's subject is 72,170 bytes: past what a regular expression is run on */
	assert_int_equal(run_one(sb.buf, "{\"s\":\"0123456789abcdef0123456789abcdef\"}", &why), 0);
	assert_string_equal(why, "its limit of 32768 bytes of value (this one has 72170)");
	free(why);
	/* one REPLACE of 1,100 bytes, a 1 KiB replacement at each of its 1,101 places */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "FROM x | EVAL r = REPLACE(s, \"\", \"");
	for (int i = 0; i < 1024; i++)
		strbuf_addch(&sb, 'x');
	strbuf_addstr(&sb, "\")");
	struct strbuf big;
	strbuf_init(&big, 2048);
	strbuf_addstr(&big, "{\"s\":\"");
	for (int i = 0; i < 1100; i++)
		strbuf_addch(&big, 'a');
	strbuf_addstr(&big, "\"}");
	assert_int_equal(run_one(sb.buf, big.buf, &why), 0);
	assert_string_equal(why, "REPLACE would make a value over 1 MiB (1,048,576 bytes), the most a function makes");
	free(why);
	strbuf_release(&big);
	/* SPLIT into 100,001 empty strings; MV_CONCAT of 2,000 values with a 1 KiB separator */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "{\"m\":\"");
	for (int i = 0; i < 100000; i++)
		strbuf_addch(&sb, ',');
	strbuf_addstr(&sb, "\",");
	add_numbers(&sb, "a", 2000);
	strbuf_addstr(&sb, ",\"sep\":\"");
	for (int i = 0; i < 1024; i++)
		strbuf_addch(&sb, '-');
	strbuf_addstr(&sb, "\"}");
	assert_int_equal(run_one("FROM x | EVAL p = SPLIT(m, \",\")", sb.buf, &why), 0);
	assert_string_equal(why, "SPLIT would make a value over 1 MiB (1,048,576 bytes), the most a function makes");
	free(why);
	assert_int_equal(run_one("FROM x | EVAL j = MV_CONCAT(a, sep)", sb.buf, &why), 0);
	assert_string_equal(why,
	                    "MV_CONCAT would make a value over 1 MiB (1,048,576 bytes), the most a function makes");
	free(why);
	/* ST_DISTANCE of 2,000 points to 2,000 others: every pair is work */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "{\"source\":{\"geo\":{\"location\":[");
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&sb, "%s[%d,1]", i ? "," : "", i % 90);
	strbuf_addstr(&sb, "]}},\"destination\":{\"geo\":{\"location\":[");
	for (int i = 0; i < 2000; i++)
		strbuf_addf(&sb, "%s[1,%d]", i ? "," : "", i % 90);
	strbuf_addstr(&sb, "]}}}");
	assert_int_equal(
	    run_one("FROM x | EVAL d = ST_DISTANCE(source.geo.location, destination.geo.location)", sb.buf, &why), 0);
	assert_string_equal(why, "the values and rows of one event would take more than 64 MiB");
	free(why);
	/* MV_EXPAND of one array, then of another: 500 x 500 rows from one event */
	strbuf_reset(&sb);
	strbuf_addch(&sb, '{');
	add_numbers(&sb, "a", 500);
	strbuf_addch(&sb, ',');
	add_numbers(&sb, "b", 500);
	strbuf_addch(&sb, '}');
	assert_int_equal(run_one("FROM x | MV_EXPAND a | MV_EXPAND b | STATS n = COUNT(*)", sb.buf, &why), 0);
	assert_string_equal(why, "the values and rows of one event would take more than 64 MiB");
	free(why);
	/* 100 columns, each a copy of a 1 MiB field */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "FROM x | EVAL c0 = m");
	for (int i = 1; i < 100; i++)
		strbuf_addf(&sb, ", c%d = m", i);
	struct strbuf ev;
	strbuf_init(&ev, (1 << 20) + 64);
	strbuf_addstr(&ev, "{\"m\":\"");
	for (int i = 0; i < 1 << 20; i++)
		strbuf_addch(&ev, 'x');
	strbuf_addstr(&ev, "\"}");
	assert_int_equal(run_one(sb.buf, ev.buf, &why), 0);
	assert_string_equal(why, "the values and rows of one event would take more than 64 MiB");
	free(why);
	strbuf_release(&ev);
	strbuf_release(&sb);
}

static int take_identity(void *ctx, const struct event_row *row)
{
	strbuf_addf(ctx, "%s ", row->r.identity);
	return 0;
}

/* `casebook esql`: FROM over the case's events (their index matched), ROW on its own; a table
 * with a header, or one JSON object a row; what the events hold is sanitized; a query that
 * does not parse is a usage error (64), one casebook does not run an error (1). */
static void test_esql_command(void **state)
{
	(void)state;
	struct stat st;
	if (stat(tu_casebook(), &st)) {
		skip();
		return;
	}
	const char *events =
	    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"event\":{\"id\":\"e1\",\"category\":[\"process\"]},"
	    "\"host\":{\"name\":\"mac1\"},\"process\":{\"name\":\"curl\\u001b[2J\"}}\n"
	    "{\"@timestamp\":\"2024-05-01T10:05:00Z\",\"event\":{\"id\":\"e2\",\"category\":[\"process\"]},"
	    "\"host\":{\"name\":\"mac1\"},\"process\":{\"name\":\"zsh\"}}\n"
	    "{\"@timestamp\":\"2024-05-01T10:06:00Z\",\"event\":{\"id\":\"e3\",\"category\":[\"file\"]},"
	    "\"host\":{\"name\":\"mac2\"}}\n";
	char events_path[4096];
	snprintf(events_path, sizeof(events_path), "%s", tu_path("esql-events.ndjson"));
	tu_write_str(events_path, events);
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	char db[4096]; /* tu_path's answer is overwritten by its next call */
	snprintf(db, sizeof(db), "%s", tu_path("esql-cli.db"));
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' ingest '%s'", tu_casebook(), db, events_path), 0);
	assert_int_equal(tu_run(&out, &err,
	                        "%s --db '%s' esql 'FROM logs-* | STATS n = COUNT(*), p = COUNT(*) WHERE "
	                        "event.category == \"process\" BY host.name | SORT host.name' | cat",
	                        tu_casebook(), db),
	                 0);
	assert_string_equal(out.buf, "n  p  host.name\n2  2  mac1\n1  0  mac2\n");
	assert_int_equal(tu_run(&out, &err,
	                        "%s --db '%s' esql 'FROM logs-* | WHERE process.name IS NOT NULL | KEEP process.name' "
	                        "--json",
	                        tu_casebook(), db),
	                 0);
	if (strchr(out.buf, 0x1b))
		fail_msg("an escape reached the output: %s", out.buf);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' esql 'FROM logs-* | WHERE host.name == \"none\" | KEEP a'",
	                        tu_casebook(), db),
	                 0);
	assert_string_equal(out.buf, "");
	assert_int_equal(
	    tu_run(&out, &err, "%s esql 'ROW a = [1, 2], b = \"x\" | EVAL c = MV_SUM(a)' --json", tu_casebook()), 0);
	assert_string_equal(out.buf, "{\"a\":[1,2],\"b\":\"x\",\"c\":3}\n");
	/* the event browser's ES|QL filter: the events of the rows, in the rows' order */
	struct store *case_store;
	char *serr = NULL, why[300];
	assert_int_equal(store_open(db, STORE_READONLY, &case_store, &serr), 0);
	struct strbuf ids;
	strbuf_init(&ids, 64);
	int src = esql_search(case_store, "FROM logs-* | WHERE host.name == \"mac1\" | SORT @timestamp DESC", 0,
	                      take_identity, &ids, why, sizeof(why));
	if (src)
		fail_msg("esql_search: %s", why);
	if (strcmp(ids.buf, "e2 e1 "))
		fail_msg("%s / %s", ids.buf, why);
	assert_int_equal(
	    esql_search(case_store, "FROM logs-* | STATS COUNT(*)", 0, take_identity, &ids, why, sizeof(why)), -1);
	assert_string_equal(why, "STATS gives rows without events: run it with casebook esql");
	assert_true(esql_search_is_esql("  from logs-*") && !esql_search_is_esql("from:x"));
	strbuf_release(&ids);
	store_close(case_store);
	assert_int_equal(tu_run(&out, &err, "%s esql 'ROW a = 1 | FROB'", tu_casebook()), 64);
	assert_int_equal(tu_run(&out, &err, "%s esql 'ROW a = 1 | ENRICH p ON a'", tu_casebook()), 1);
	assert_int_equal(tu_run(&out, &err, "{ %s esql 'ROW a = 1' > /dev/full; }", tu_casebook()), 1);
	strbuf_release(&out);
	strbuf_release(&err);
}

/* `casebook esql` answers as Elasticsearch's ES|QL spec tests expect (x-pack/plugin/esql/qa/
 * testFixtures/src/main/resources, the csv-spec files; our own events): a FROM without KEEP or STATS
 * shows each row's event fields by name, before and after SORT and LIMIT, its EVAL columns
 * last; KEEP and DROP patterns after SORT or LIMIT match the event's fields. */
static const struct {
	const char *spec, *query, *want;
} cli_cases[] = {
    {"where.csv-spec twoEqualsOr (no KEEP)", "FROM staff | WHERE emp_no == 1",
     "{\"@timestamp\":\"2024-05-01T10:00:00.000Z\",\"emp_no\":1,\"first_name\":\"Bo\",\"last_name\":\"Kim\"}\n"},
    {"eval.csv-spec evalNullSort (no KEEP)", "FROM staff | SORT emp_no DESC | LIMIT 1 | EVAL x = null",
     "{\"@timestamp\":\"2024-05-01T10:01:00.000Z\",\"emp_no\":2,\"first_name\":\"Ann\",\"last_name\":\"Lee\","
     "\"x\":null}\n"},
    {"eval.csv-spec evalWithIsNullIsNotNull", "FROM staff | SORT emp_no | LIMIT 1 | KEEP *name*",
     "{\"first_name\":\"Bo\",\"last_name\":\"Kim\"}\n"},
    {"DROP pattern after LIMIT", "FROM staff | SORT emp_no | LIMIT 1 | DROP *name",
     "{\"@timestamp\":\"2024-05-01T10:00:00.000Z\",\"emp_no\":1}\n"},
    {"a field EVAL replaces comes last", "FROM staff | SORT emp_no | LIMIT 1 | EVAL emp_no = emp_no + 10",
     "{\"@timestamp\":\"2024-05-01T10:00:00.000Z\",\"first_name\":\"Bo\",\"last_name\":\"Kim\",\"emp_no\":11}\n"},
};

static void test_esql_command_answers_as_the_spec(void **state)
{
	(void)state;
	struct stat st;
	if (stat(tu_casebook(), &st)) {
		skip();
		return;
	}
	char events_path[4096], db[4096];
	snprintf(events_path, sizeof(events_path), "%s", tu_path("esql-spec-events.ndjson"));
	tu_write_str(events_path,
	             "{\"_index\":\"staff\",\"_id\":\"a\",\"_source\":{\"@timestamp\":\"2024-05-01T10:00:00Z\","
	             "\"emp_no\":1,\"last_name\":\"Kim\",\"first_name\":\"Bo\"}}\n"
	             "{\"_index\":\"staff\",\"_id\":\"b\",\"_source\":{\"@timestamp\":\"2024-05-01T10:01:00Z\","
	             "\"emp_no\":2,\"first_name\":\"Ann\",\"last_name\":\"Lee\"}}\n");
	snprintf(db, sizeof(db), "%s", tu_path("esql-spec.db"));
	struct strbuf out, err;
	strbuf_init(&out, 256);
	strbuf_init(&err, 256);
	assert_int_equal(tu_run(&out, &err, "%s --db '%s' ingest '%s'", tu_casebook(), db, events_path), 0);
	for (size_t i = 0; i < sizeof(cli_cases) / sizeof(cli_cases[0]); i++) {
		if (tu_run(&out, &err, "%s --db '%s' esql '%s' --json", tu_casebook(), db, cli_cases[i].query))
			fail_msg("%s: %s", cli_cases[i].spec, err.buf);
		if (strcmp(out.buf, cli_cases[i].want))
			fail_msg("%s: %s\ngave  %swanted %s", cli_cases[i].spec, cli_cases[i].query, out.buf,
			         cli_cases[i].want);
	}
	strbuf_release(&out);
	strbuf_release(&err);
}

/* A string literal where a function's parameter takes no string is cast to the parameter's
 * type before the query runs (Analyzer.ImplicitCasting with EsqlFunctionRegistry's target
 * types: of a parameter's types the first in DATA_TYPE_CASTING_PRIORITY; the conversion
 * EsqlDataTypeConverter's). The query, the row it gives, the warnings, the fault. */
static const struct {
	const char *query, *want;
	size_t warnings;
	const char *fault;
} cast_cases[] = {
    /* math.csv-spec evalAbsString: "10.0" a double; functionUnderArithmeticOperationAggString:
     * DATE_TRUNC's date a datetime */
    {"ROW number = -1.0 | EVAL abs_number = ABS(\"10.0\")", "{\"number\":-1.0,\"abs_number\":10.0}\n", 0, ""},
    {"ROW a = 1 | EVAL x = DATE_TRUNC(1 month, \"2024-11-22\") + 2 days, y = x + 3 days | STATS COUNT() BY y",
     "{\"COUNT()\":1,\"y\":\"2024-11-06T00:00:00.000Z\"}\n", 0, ""},
    /* numbers as StringUtils reads them: Double.parseDouble (spaces around, a d suffix); an
     * integer or a long Integer.parseInt, else the double Math.round-ed (stringToInt) */
    {"ROW a = ABS(\"-10.5\"), b = ROUND(\"2.567\", \"1\"), c = SUBSTRING(\"hello\", \"2\", \"2.5\"), d = POW(\"2\", "
     "\"10\"), e = MV_SLICE([1, 2, 3], \"1\"), f = ROUND(\" 1.5d \")",
     "{\"a\":10.5,\"b\":2.6,\"c\":\"ell\",\"d\":1024.0,\"e\":2,\"f\":2.0}\n", 0, ""},
    /* a date period or time duration: a number and a unit, apart by spaces
     * (maybeParseTemporalAmount); dates as strict_date_optional_time */
    {"ROW a = DATE_TRUNC(\"1 month\", \"2024-11-22\"), b = DATE_TRUNC(\"  2   HOURS \", \"2024-11-22T13:45:00Z\"), c "
     "= DATE_DIFF(\"day\", \"2024-01-01\", \"2024-03-01\"), d = DATE_EXTRACT(\"year\", \"2024-05-06\")",
     "{\"a\":\"2024-11-01T00:00:00.000Z\",\"b\":\"2024-11-22T12:00:00.000Z\",\"c\":60,\"d\":2024}\n", 0, ""},
    /* one part is no temporal amount: left a string (Elasticsearch then refuses the type) */
    {"ROW a = DATE_TRUNC(\"1month\", \"2024-01-01\")", "{\"a\":null}\n", 0, ""},
    /* ip, geo_point, boolean (Boolean.parseBoolean: only "true", in any case, is true); CASE's
     * first condition only, its other parameters taking any type */
    {"ROW a = CIDR_MATCH(\"10.0.0.1\", \"10.0.0.0/8\"), b = IP_PREFIX(\"1.2.3.4\", \"24\", \"112\"), c = "
     "ST_Y(\"POINT (1 2)\"), d = CASE(\"TRUE\", 1, 2), e = CASE(\"yes\", 1, 2)",
     "{\"a\":true,\"b\":\"1.2.3.0\",\"c\":2.0,\"d\":1,\"e\":2}\n", 0, ""},
    /* where a parameter takes a keyword, or the string is a function's, nothing is cast */
    {"ROW a = CONCAT(\"1\", \"2\"), b = COALESCE(\"x\", \"y\"), c = ABS(TO_STRING(\"3\"))",
     "{\"a\":\"12\",\"b\":\"x\",\"c\":null}\n", 0, ""},
    /* a date period or time duration added to or taken from a string literal: a datetime
     * (processBinaryOperator, supportsImplicitTemporalCasting) */
    {"ROW a = \"2024-11-22\" - 1 month, b = 2 hours + \"2024-11-22T00:00:00Z\"",
     "{\"a\":\"2024-10-22T00:00:00.000Z\",\"b\":\"2024-11-22T02:00:00.000Z\"}\n", 0, ""},
    /* compared with or listed IN for a boolean, a datetime or an ip (supportsStringImplicitCasting) */
    {"ROW b = false, d = TO_DATETIME(\"2024-01-01\"), i = TO_IP(\"10.0.0.1\") | WHERE b == \"nottrue\" AND d IN "
     "(\"2024-01-01T00:00:00Z\", \"2025-01-01\") AND i IN (\"10.0.0.1\") | EVAL c = b IN (\"FALSE\", \"x\")",
     "{\"b\":false,\"d\":\"2024-01-01T00:00:00.000Z\",\"i\":\"10.0.0.1\",\"c\":true}\n", 0, ""},
    /* a literal that is none fails the query, as the Analyzer refuses it */
    {"ROW i = TO_IP(\"10.0.0.1\") | WHERE i > \"10.0.0.010\"", "", 0,
     "Cannot convert string [10.0.0.010] to [IP], error ['10.0.0.010' is not an IP string literal.]"},
    {"ROW d = TO_DATETIME(\"2024-01-01\") | WHERE d > \"2023-x\"", "", 0,
     "Cannot convert string [2023-x] to [DATETIME], error [failed to parse date field [2023-x] with format "
     "[strict_date_optional_time]]"},
    /* ST_DISTANCE is a BinarySpatialFunction, no EsqlScalarFunction: nothing cast */
    {"ROW d = ST_DISTANCE(\"POINT(1 1)\", TO_GEOPOINT(\"POINT(0 0)\"))", "", 0,
     "first argument of [ST_DISTANCE] must be [geo_point or cartesian_point], found another type"},
};

/* A literal that does not read as its parameter's type fails the query before it runs, with
 * the Analyzer's message (ImplicitCasting.unresolvedAttribute). */
static const struct {
	const char *query, *msg;
} cast_refusals[] = {
    {"ROW a = ABS(\"x1\")", "Cannot convert string [x1] to [DOUBLE], error [Cannot parse number [x1]]"},
    {"ROW a = ABS(\"1e400\")", "Cannot convert string [1e400] to [DOUBLE], error [Number [1e400] is too large]"},
    {"ROW a = ABS(\"NaN\")",
     "Cannot convert string [NaN] to [DOUBLE], error [[NaN] cannot be parsed as a number (NaN)]"},
    {"ROW a = SPACE(\"2147483648\")",
     "Cannot convert string [2147483648] to [INTEGER], error [Cannot parse number [2147483648]]"},
    {"ROW a = DATE_TRUNC(\"1 foo\", \"2024-11-22\")",
     "Cannot convert string [1 foo] to [DATE_PERIOD or TIME_DURATION], error [Unexpected temporal unit: 'foo']"},
    {"ROW a = DATE_TRUNC(\"1 2 3\", \"2024-11-22\")",
     "Cannot convert string [1 2 3] to [DATE_PERIOD or TIME_DURATION], error [Cannot parse [1 2 3] to "
     "DATE_PERIOD or TIME_DURATION]"},
    {"ROW a = DATE_TRUNC(\"x month\", \"2024-01-01\")",
     "Cannot convert string [x month] to [DATE_PERIOD or TIME_DURATION], error [Cannot parse [x month] to "
     "DATE_PERIOD or TIME_DURATION]"},
    {"ROW a = CIDR_MATCH(\"1.2.3\", \"1.0.0.0/8\")",
     "Cannot convert string [1.2.3] to [IP], error ['1.2.3' is not an IP string literal.]"},
    {"ROW a = \"2024-13-01\" + 1 day",
     "Cannot convert string [2024-13-01] to [DATETIME], error [failed to parse date field [2024-13-01] with "
     "format [strict_date_optional_time]]"},
};

static void test_esql_casts_string_literals_as_elasticsearch(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cast_cases) / sizeof(cast_cases[0]); i++) {
		expect_esql(i, cast_cases[i].query, "[0]", cast_cases[i].want, cast_cases[i].warnings,
		            cast_cases[i].fault);
	}
	for (size_t i = 0; i < sizeof(cast_refusals) / sizeof(cast_refusals[0]); i++) {
		struct esql_error err;
		struct esql_query *q = esql_parse_query(cast_refusals[i].query, &err);
		if (q || strcmp(err.msg, cast_refusals[i].msg) || err.unsupported)
			fail_msg("%s: got \"%s\"", cast_refusals[i].query, q ? "(parsed)" : err.msg);
	}
}

/* COPY_SIGN(magnitude, sign) (CopySign.java): of the magnitude's type; a double's
 * Math.copySign (-0.0 negative), an integer's or long's negated when the sign is below 0
 * (-0.0 is not), Java's wrapping negation keeping the least value; null, a multi-value
 * warned; an unsigned_long refused (resolveType). */
static const struct {
	const char *query, *want;
	size_t warnings;
	const char *fault;
} copy_sign_cases[] = {
    {"ROW a = COPY_SIGN(-5, 3.0), b = COPY_SIGN(5.5, -1), c = COPY_SIGN(-2147483648, 1), d = COPY_SIGN(3, -0.0), "
     "e = COPY_SIGN(0.0, -0.0), f = COPY_SIGN(10000000000, -2), g = COPY_SIGN(-9223372036854775808, 1)",
     "{\"a\":5,\"b\":-5.5,\"c\":-2147483648,\"d\":3,\"e\":-0.0,\"f\":-10000000000,\"g\":-9223372036854775808}\n", 0,
     ""},
    /* both parameters take double, integer and long: a string literal is a double */
    {"ROW a = COPY_SIGN(\"-2\", 1), n = COPY_SIGN(null, 1), m = COPY_SIGN([1, 2], -1)",
     "{\"a\":2.0,\"n\":null,\"m\":null}\n", 1, ""},
    {"ROW a = COPY_SIGN(TO_UL(1), 1)", "", 0,
     "first argument of [COPY_SIGN] must be [numeric], found an unsigned_long or another type"},
};

/* Edges an outside review found (stop 40): a period too long for the calendar, longs past 2^53
 * in MV_PERCENTILE, semver's rules for versions, a bound's type kept by CLAMP, LIKE "*" on a
 * number, WEIGHTED_AVG's weight folded and checked, INLINE STATS's BY alias, BUCKET's count of
 * arguments. */
static const struct {
	const char *query, *events, *want;
	size_t warnings;
	const char *fault;
} edge_cases[] = {
    /* a period longer than the months since 0001-01, where periods are counted from, starts there */
    {"ROW a = TO_DATETIME(\"1960-05-01T05:00:00Z\") | EVAL c = DATE_TRUNC(9223372036854775807 month, a), b = "
     "BUCKET(a, 9223372036854775807 month) | KEEP b, c",
     "[0]", "{\"b\":\"0001-01-01T00:00:00.000Z\",\"c\":\"0001-01-01T00:00:00.000Z\"}\n", 0, ""},
    {"ROW a = [-9223372036854775807, 9223372036854775807], b = [9007199254740993, 9007199254740995] | EVAL p = "
     "MV_PERCENTILE(a, 50), q = MV_PERCENTILE(a, 100), r = MV_PERCENTILE(b, 0) | KEEP p, q, r",
     "[0]", "{\"p\":0,\"q\":9223372036854775807,\"r\":9007199254740993}\n", 0, ""},
    /* VersionEncoder: no leading zeros, no empty build identifier; invalid ones last, as text */
    {"ROW a = TO_VERSION([\"1.02\", \"1.2\", \"1.0.0-01\", \"1.0.0-1\", \"1.2.3+\", \"1.2.3+b.1\"]) | EVAL s = "
     "MV_SORT(a), e = TO_VERSION(\"1.02\") == \"1.2\" | KEEP s, e",
     "[0]", "{\"s\":[\"1.0.0-1\",\"1.2\",\"1.2.3+b.1\",\"1.0.0-01\",\"1.02\",\"1.2.3+\"],\"e\":false}\n", 0, ""},
    {"ROW a = TO_VERSION(\"1.2.3\") | EVAL c = CLAMP(a, \"1.10\", \"2\") | EVAL d = c < \"1.9\" | KEEP c, d", "[0]",
     "{\"c\":\"1.10\",\"d\":false}\n", 0, ""},
    {"FROM x | WHERE n LIKE \"*\" | KEEP n", "[{\"n\":5}]", "", 0, ""},
    {"FROM x | STATS w = WEIGHTED_AVG(n, 1 + 1), v = WEIGHTED_AVG(n, 2)", "[{\"n\":2},{\"n\":4},{\"n\":3}]",
     "{\"w\":3.0,\"v\":3.0}\n", 0, ""},
    {"FROM x | STATS w = WEIGHTED_AVG(n, 0)", "[{\"n\":2}]", "", 0,
     "second argument of [WEIGHTED_AVG] cannot be null or 0"},
    {"FROM x | STATS w = WEIGHTED_AVG(s, 1)", "[{\"s\":\"a\"}]", "", 0,
     "first argument of [WEIGHTED_AVG] must be [numeric except unsigned_long or counter types]"},
    {"FROM x | INLINESTATS m = MAX(n) BY n = 1 | KEEP n, m", "[{\"n\":5},{\"n\":3}]",
     "{\"n\":1,\"m\":1}\n{\"n\":1,\"m\":1}\n", 0, ""},
    {"ROW a = 1 | EVAL b = BUCKET(a, 1, 2)", "[0]", "", 0, "function [BUCKET] expects exactly two or four arguments"},
    {"ROW d = TO_DATETIME(\"2024-05-01T00:00:00Z\") | EVAL t = DATE_TRUNC(1 year - 1 day, d)", "[0]", "", 0,
     "Time interval with multiple periods is not supported"},
    /* INLINE STATS answers the input's columns, then the aggregates, then the groups (a column an
     * aggregate or a group is named after gives way); without KEEP every field, METADATA's after
     * them (inlinestats.csv-spec) */
    {"FROM x | KEEP a, g, b | INLINE STATS m = MAX(a) BY g",
     "[{\"a\":1,\"b\":2,\"g\":\"x\"},{\"a\":3,\"b\":4,\"g\":\"x\"}]",
     "{\"a\":1,\"b\":2,\"m\":3,\"g\":\"x\"}\n{\"a\":3,\"b\":4,\"m\":3,\"g\":\"x\"}\n", 0, ""},
    {"FROM x | KEEP a, b | INLINE STATS a = MAX(a) | INLINE STATS b = MIN(b)", "[{\"a\":1,\"b\":2},{\"a\":3,\"b\":4}]",
     "{\"a\":3,\"b\":2}\n{\"a\":3,\"b\":2}\n", 0, ""},
};

static void test_esql_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(edge_cases) / sizeof(edge_cases[0]); i++)
		expect_esql(i, edge_cases[i].query, edge_cases[i].events, edge_cases[i].want, edge_cases[i].warnings,
		            edge_cases[i].fault);
}

/* Dates as date.csv-spec answers them: periods and spans add up (Period.plus, Duration.plus) and
 * move a date months first, then days (Period.addTo); DAY_NAME and MONTH_NAME in English;
 * DATE_UNIT_COUNT as DateUnitCount counts; DATE_PARSE's zone offsets (Z, x, X, O); TO_DATETIME
 * strict_date_optional_time (no space for the T); MV_APPEND null with a null. */
static const struct {
	const char *query, *want;
	int warnings;
} date_cases[] = {
    {"ROW n = TO_DATETIME(\"1953-04-04T00:00:00.000Z\") | EVAL t = 4 years + 3 months + 2 weeks + 1 day + n | KEEP t",
     "{\"t\":\"1957-07-19T00:00:00.000Z\"}\n", 0},
    {"ROW n = TO_DATETIME(\"1957-07-19T00:00:00.000Z\") | EVAL t = n - (4 years + 3 months + 2 weeks + 1 day) | KEEP t",
     "{\"t\":\"1953-04-04T00:00:00.000Z\"}\n", 0},
    {"ROW n = TO_DATETIME(\"2104-04-16T01:01:01.000Z\") | EVAL t = n + (-(4 years + 3 months + 2 weeks + 1 day)) "
     "| KEEP t",
     "{\"t\":\"2100-01-01T01:01:01.000Z\"}\n", 0},
    {"ROW n = TO_DATETIME(\"1953-04-04T01:01:01.001Z\") | EVAL t = -1 hour - 1 minute - 1 second - 1 millisecond + n "
     "| KEEP t",
     "{\"t\":\"1953-04-04T00:00:00.000Z\"}\n", 0},
    {"ROW n = TO_DATETIME(0) | EVAL a = -(-1 year) + n, b = -(-1 second) + n | KEEP a, b",
     "{\"a\":\"1971-01-01T00:00:00.000Z\",\"b\":\"1970-01-01T00:00:01.000Z\"}\n", 0},
    {"ROW a = \"2024-04-01\" - (1 year + 1 day), b = (1 month + 1 day) + \"2024-01-31\"",
     "{\"a\":\"2023-03-31T00:00:00.000Z\",\"b\":\"2024-03-01T00:00:00.000Z\"}\n", 0},
    {"ROW d = TO_DATETIME(\"1953-09-02T23:59:59.999Z\") | EVAL w = DAY_NAME(d), m = MONTH_NAME(d), n = DAY_NAME(null) "
     "| KEEP w, m, n",
     "{\"w\":\"Wednesday\",\"m\":\"September\",\"n\":null}\n", 0},
    {"ROW d = TO_DATETIME(\"1969-12-28T00:00:00Z\") | EVAL w = DAY_NAME(d) | KEEP w", "{\"w\":\"Sunday\"}\n", 0},
    {"ROW d = TO_DATETIME(\"2024-02-15T10:30:00Z\") | EVAL a = DATE_UNIT_COUNT(\"day\", \"month\", d), b = "
     "DATE_UNIT_COUNT(\"week\", \"year\", d), c = DATE_UNIT_COUNT(\"ns\", \"hour\", d), e = DATE_UNIT_COUNT(\"hour\", "
     "\"month\", d), f = DATE_UNIT_COUNT(\"quarters\", \"yyyy\", d), g = DATE_UNIT_COUNT(\"dd\", \"week\", d) "
     "| KEEP a, b, c, e, f, g",
     "{\"a\":29,\"b\":52,\"c\":3600000000000,\"e\":696,\"f\":4,\"g\":7}\n", 0},
    {"ROW d = TO_DATETIME(\"2024-02-15T10:30:00Z\") | EVAL a = DATE_UNIT_COUNT(\"day\", \"quarter\", d), b = "
     "DATE_UNIT_COUNT(\"day\", \"fortnight\", d) | KEEP a, b",
     "{\"a\":null,\"b\":null}\n", 2},
    {"ROW a = DATE_PARSE(\"dd/MMM/yyyy:HH:mm:ss Z\", \"12/Jul/2022:08:24:10 +0900\"), b = DATE_PARSE(\"yyyy-MM-dd "
     "HH:mm x\", \"2022-07-12 09:24 +09\"), c = DATE_PARSE(\"yyyy-MM-dd HH:mm O\", \"2022-07-12 09:24 GMT-2:30\"), d = "
     "DATE_PARSE(\"yyyy-MM-dd HH:mm XXX\", \"2022-07-12 09:24 Z\"), e = DATE_PARSE(\"yyyy-MM-dd HH:mm x\", "
     "\"2022-07-12 09:24 Z\")",
     "{\"a\":\"2022-07-11T23:24:10.000Z\",\"b\":\"2022-07-12T00:24:00.000Z\",\"c\":\"2022-07-12T11:54:00.000Z\","
     "\"d\":\"2022-07-12T09:24:00.000Z\",\"e\":null}\n",
     1},
    {"ROW s = [\"1964-06-02T00:00:00.000Z\", \"1964-06-02 00:00:00\", \"1964\", \"1964-06\", \"12345\"] | EVAL d = "
     "TO_DATETIME(s) | KEEP d",
     "{\"d\":[\"1964-06-02T00:00:00.000Z\",\"1964-01-01T00:00:00.000Z\",\"1964-06-01T00:00:00.000Z\"]}\n", 2},
    {"ROW a = MV_APPEND(null, 1), b = MV_APPEND([1, 2], 3)", "{\"a\":null,\"b\":[1,2,3]}\n", 0},
    /* a period's time part shows, groups apart; past a date's range: null; year 9999 counts */
    {"ROW p = 1 month + 1 day, q = -(1 month + 90 minutes) | EVAL s = TO_STRING(p)",
     "{\"p\":\"P1M1D\",\"q\":\"P-1MT-5400.000000S\",\"s\":\"P1M1D\"}\n", 0},
    {"ROW p = [1, 2] | MV_EXPAND p | EVAL q = CASE(p == 1, 1 month + 1 day, 1 month + 2 days) | STATS c = COUNT(*) BY "
     "q | KEEP c",
     "{\"c\":1}\n{\"c\":1}\n", 0},
    {"ROW d = TO_DATETIME(\"2024-01-31T00:00:00Z\") - (0 months - 9223372036854775807 months - 1 month)",
     "{\"d\":null}\n", 1},
    {"ROW d = TO_DATETIME(\"9999-12-31T12:00:00Z\") | EVAL y = DATE_UNIT_COUNT(\"day\", \"year\", d), m = "
     "DATE_UNIT_COUNT(\"hour\", \"month\", d) | KEEP y, m",
     "{\"y\":365,\"m\":744}\n", 0},
    {"ROW a = DATE_PARSE(\"yyyy X\", \"0001 +18\"), b = DATE_PARSE(\"yyyy X\", \"9999 -01\")",
     "{\"a\":null,\"b\":\"9999-01-01T01:00:00.000Z\"}\n", 1},
    /* periods of months counted from 0001-01 (date_trunc.csv-spec's arbitrary intervals) */
    {"ROW x = TO_DATETIME([\"1973-04-11\", \"1970-12-31\", \"0001-01-01\"]) | MV_EXPAND x | EVAL y = DATE_TRUNC(7 "
     "years, "
     "x), m = DATE_TRUNC(7 months, x), q = DATE_TRUNC(1 quarter, x) | KEEP y, m, q",
     "{\"y\":\"1968-01-01T00:00:00.000Z\",\"m\":\"1973-04-01T00:00:00.000Z\",\"q\":\"1973-04-01T00:00:00.000Z\"}\n"
     "{\"y\":\"1968-01-01T00:00:00.000Z\",\"m\":\"1970-12-01T00:00:00.000Z\",\"q\":\"1970-10-01T00:00:00.000Z\"}\n"
     "{\"y\":\"0001-01-01T00:00:00.000Z\",\"m\":\"0001-01-01T00:00:00.000Z\",\"q\":\"0001-01-01T00:00:00.000Z\"}\n",
     0},
};

static void test_esql_dates_as_the_spec(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++)
		expect_esql(i, date_cases[i].query, "[0]", date_cases[i].want, date_cases[i].warnings, "");
}

/* A ROW query's rows with a LOOKUP JOIN index of the given documents (a JSON array), as JSON
 * lines; *warnings set. */
static char *lookup_answer(const char *query, const char *index, const char *docs, size_t *warnings)
{
	struct esql_error err;
	struct esql_query *q = esql_parse_query(query, &err);
	if (!q)
		fail_msg("%s: %s", query, err.msg);
	cJSON *all = cJSON_Parse(docs), *d;
	cJSON_ArrayForEach(d, all) assert_int_equal(esql_lookup_add(q, index, d), 0);
	cJSON_Delete(all);
	struct esql_row *rows = NULL;
	size_t n = 0, cap = 0;
	esql_rows_of(q, NULL, NULL, NULL, 0, &rows, &n, &cap);
	esql_finish(q, &rows, &n);
	char *text = tu_esql_rows_text(rows, n);
	esql_warning(q, warnings);
	esql_free(q);
	return text;
}

/* LOOKUP JOIN (lookup-join.csv-spec, LookupJoin): a row for each document whose ON field holds
 * the row's value, in the documents' order, the index's other fields after the row's columns (a
 * column of the same name giving way); no document, a null key or a multi-valued one (warned):
 * the row with nulls; a multi-valued key in a document matches each of its values; several ON
 * fields all match. A rule cannot read a lookup index yet: refused there. */
static void test_esql_lookup_join(void **state)
{
	(void)state;
	static const char docs[] = "[{\"k\":1,\"name\":\"English\",\"a\":9},{\"k\":2,\"name\":\"French\"},"
	                           "{\"k\":[2,3,3],\"name\":\"Both\"},{\"k\":4,\"j\":\"x\",\"name\":\"Four\"}]";
	static const struct {
		const char *query, *want;
		size_t warnings;
	} joins[] = {
	    {"ROW k = 1, a = 0 | LOOKUP JOIN langs ON k", "{\"k\":1,\"a\":9,\"j\":null,\"name\":\"English\"}\n", 0},
	    {"ROW k = 2 | LOOKUP JOIN langs ON k | KEEP k, name",
	     "{\"k\":2,\"name\":\"French\"}\n{\"k\":2,\"name\":\"Both\"}\n", 0},
	    {"ROW k = 3 | LOOKUP JOIN langs ON k | KEEP name", "{\"name\":\"Both\"}\n", 0}, /* once */
	    {"ROW k = 1 | LIMIT 1 | LOOKUP JOIN langs ON k", "{\"k\":1,\"a\":9,\"j\":null,\"name\":\"English\"}\n", 0},
	    {"ROW k = 7 | LOOKUP JOIN langs ON k | KEEP k, name", "{\"k\":7,\"name\":null}\n", 0},
	    {"ROW k = null | LOOKUP JOIN langs ON k | KEEP name", "{\"name\":null}\n", 0},
	    {"ROW k = [1, 2] | LOOKUP JOIN langs ON k | KEEP name", "{\"name\":null}\n", 1},
	    {"ROW k = \"1\" | LOOKUP JOIN langs ON k | KEEP name", "{\"name\":null}\n", 0},
	    {"ROW k = 4, j = \"x\" | LOOKUP JOIN langs ON k, j | KEEP name", "{\"name\":\"Four\"}\n", 0},
	    {"ROW k = 4, j = \"y\" | LOOKUP JOIN langs ON k, j | KEEP name", "{\"name\":null}\n", 0},
	    {"ROW x = 1, k = [1, 2] | STATS c = COUNT(x) BY k | LOOKUP JOIN langs ON k | KEEP k, c, name | SORT "
	     "name",
	     "{\"k\":2,\"c\":1,\"name\":\"Both\"}\n{\"k\":1,\"c\":1,\"name\":\"English\"}\n"
	     "{\"k\":2,\"c\":1,\"name\":\"French\"}\n",
	     0},
	};
	for (size_t i = 0; i < sizeof(joins) / sizeof(joins[0]); i++) {
		size_t warnings = 0;
		char *got = lookup_answer(joins[i].query, "langs", docs, &warnings);
		if (strcmp(got, joins[i].want) || warnings != joins[i].warnings)
			fail_msg("case %zu: %s\nwant: %s(%zu warnings)\ngot:  %s(%zu warnings)", i, joins[i].query,
			         joins[i].want, joins[i].warnings, got, warnings);
		free(got);
	}
	/* a document is an object; more fields than an index maps (1,000) fail the query */
	struct esql_error err;
	struct esql_query *q = esql_parse_query("ROW k = 1 | LOOKUP JOIN t ON k", &err);
	cJSON *arr = cJSON_CreateArray(), *wide = cJSON_CreateObject();
	assert_int_equal(esql_lookup_add(q, "t", arr), -1);
	cJSON_AddNumberToObject(wide, "k", 1);
	for (int i = 0; i < 1001; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", i);
		cJSON_AddNumberToObject(wide, name, i);
	}
	assert_int_equal(esql_lookup_add(q, "t", wide), 0);
	struct esql_row *rows = NULL;
	size_t n = 0, cap = 0;
	esql_rows_of(q, NULL, NULL, NULL, 0, &rows, &n, &cap);
	assert_int_equal(n, 0);
	assert_string_equal(esql_fault(q), "LOOKUP JOIN: the index t has more than 1000 fields");
	free(rows);
	cJSON_Delete(arr);
	cJSON_Delete(wide);
	esql_free(q);
	assert_null(esql_parse("FROM logs-* | LOOKUP JOIN langs ON k", &err));
	assert_true(err.unsupported);
	assert_non_null(strstr(err.msg, "LOOKUP JOIN reads a lookup index"));
}

static void test_esql_copy_sign(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(copy_sign_cases) / sizeof(copy_sign_cases[0]); i++) {
		expect_esql(i, copy_sign_cases[i].query, "[0]", copy_sign_cases[i].want, copy_sign_cases[i].warnings,
		            copy_sign_cases[i].fault);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_esql_answers),
	    cmocka_unit_test(test_esql_refusals),
	    cmocka_unit_test(test_esql_fanout_is_bounded),
	    cmocka_unit_test(test_esql_bombs_stop_with_a_fault),
	    cmocka_unit_test(test_esql_command),
	    cmocka_unit_test(test_esql_command_answers_as_the_spec),
	    cmocka_unit_test(test_esql_reads_mapped_floats_at_their_stored_precision),
	    cmocka_unit_test(test_esql_reads_a_keyword_multi_field_of_numbers_as_text),
	    cmocka_unit_test(test_esql_renamed_fields_keep_their_place),
	    cmocka_unit_test(test_esql_reads_whole_number_fields_truncated),
	    cmocka_unit_test(test_esql_integer_long_and_unsigned_long),
	    cmocka_unit_test(test_esql_json_extract),
	    cmocka_unit_test(test_esql_geo_points),
	    cmocka_unit_test(test_esql_ips_order_by_their_bytes),
	    cmocka_unit_test(test_esql_warnings_name_the_exception),
	    cmocka_unit_test(test_esql_first_last),
	    cmocka_unit_test(test_esql_st_distance),
	    cmocka_unit_test(test_esql_reads_multi_fields_as_elasticsearch),
	    cmocka_unit_test(test_esql_hash),
	    cmocka_unit_test(test_esql_casts_string_literals_as_elasticsearch),
	    cmocka_unit_test(test_esql_copy_sign),
	    cmocka_unit_test(test_esql_dates_as_the_spec),
	    cmocka_unit_test(test_esql_lookup_join),
	    cmocka_unit_test(test_esql_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
