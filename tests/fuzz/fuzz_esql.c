/* libFuzzer: the ES|QL parser and both halves of a pipeline (GROK, DISSECT and RLIKE included);
 * a query that meets a bound (the seeds named bomb-*) stops with a fault and no row. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "detect/esql.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static cJSON *evs[3];
	if (!evs[0]) {
		evs[0] = cJSON_Parse(
		    "{\"@timestamp\":\"2024-05-01T10:00:00Z\",\"host\":{\"name\":\"a\"},\"process\":{\"name\":"
		    "\"curl\",\"args\":[\"curl\",\"-s\",\"http://10.0.0.1/x\"]},\"n\":7,\"m\":\"a b c\"}");
		evs[1] = cJSON_Parse(
		    "{\"@timestamp\":1714557600000,\"host\":{\"name\":[\"a\",\"b\"]},\"n\":-2.5,\"m\":null}");
		evs[2] = cJSON_Parse("{\"users\":[{\"name\":\"x\"},{\"name\":\"y\"}],\"t\":true}");
	}
	char *q = xstrndup((const char *)data, size);
	struct esql_error err;
	struct esql_query *query = esql_parse_query(q, &err); /* ROW too */
	if (query) {
		struct esql_row *rows = NULL;
		size_t n = 0, cap = 0;
		for (int i = 0; i < 3; i++)
			esql_rows_of(query, evs[i], "id", "logs-x", i, &rows, &n, &cap);
		esql_finish(query, &rows, &n);
		if (esql_fault(query) && n)
			abort(); /* a query stopped at a bound gives no row */
		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();
			esql_row_to_json(&rows[i], o, 1);
			cJSON_Delete(o);
			esql_row_release(&rows[i]);
		}
		free(rows);
		esql_free(query);
	} else if (err.offset > size) {
		abort(); /* an error points inside the query */
	}
	free(q);
	return 0;
}
