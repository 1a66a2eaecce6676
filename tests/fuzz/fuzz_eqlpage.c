/* libFuzzer: EQL sequence paging (detect/eqlpage.h) over windows the bytes make: 2 to 5 stages,
 * answers of 1 to 10, pages of 1 to 10, a maxspan or none, up to 300 events whose stage keys come
 * from a small set (some with another number of fields, empty, or without their '\037'). Every
 * sequence answered is one: its events pass their stages in ordinal order, share one join key,
 * fit the maxspan; the answer's last events are distinct, latest first; the search ends within
 * its bound. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/eqlpage.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const keyset[] = {
    NULL, "a\037",      "b\037",      "a\037b\037", "b\037a\037", "",      "\037", "\037\037\037", "a\037a\037a\037",
    "c",  "a\037z\037", "b\037z\037", "q\037",      "r\037",      "s\037", "t\037"};

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t ns = 2 + data[0] % 4, answers = 1 + data[1] % 10, fetch = 1 + data[2] % 10;
	int64_t maxspan = data[3] % 4 ? 0 : data[3] / 4;
	data += 4, size -= 4;
	size_t n = size / (1 + ns);
	if (n > 300)
		n = 300;
	struct eqlpage_event *ev = calloc(n ? n : 1, sizeof(*ev));
	const char **keys = calloc((n ? n : 1) * ns, sizeof(*keys));
	int64_t ts = 0;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *e = data + i * (1 + ns);
		ts += e[0] % 3; /* ties too */
		for (size_t s = 0; s < ns; s++)
			keys[i * ns + s] = keyset[e[1 + s] % (sizeof(keyset) / sizeof(keyset[0]))];
		ev[i] = (struct eqlpage_event){.ts = ts, .keys = keys + i * ns};
	}
	struct eqlpage_query q = {.nstages = ns, .size = answers, .fetch_size = fetch, .maxspan_us = maxspan};
	size_t *out = malloc(answers * ns * sizeof(*out));
	long k = eqlpage_tail(ev, n, &q, out);
	if (k < 0 || (size_t)k > answers)
		abort();
	for (long j = 0; j < k; j++) {
		const size_t *seq = out + (size_t)j * ns;
		for (size_t s = 0; s < ns; s++) {
			if (seq[s] >= n || !keys[seq[s] * ns + s] || strcmp(keys[seq[s] * ns + s], keys[seq[0] * ns]))
				abort(); /* an event that does not pass its stage, or another key */
			if (s && seq[s - 1] >= seq[s])
				abort();
		}
		if (maxspan && ev[seq[ns - 1]].ts - ev[seq[0]].ts > maxspan)
			abort();
		if (j && out[(size_t)(j - 1) * ns + ns - 1] <= seq[ns - 1])
			abort(); /* latest first, one sequence per last event */
	}
	free(out);
	free(keys);
	free(ev);
	return 0;
}
