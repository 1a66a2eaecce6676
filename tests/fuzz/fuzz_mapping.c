/* libFuzzer: mapping import on any bytes: a refusal says why and stores nothing; what is
 * stored keeps within store/rules.h's bounds, and detect reads it back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/detect.h"
#include "detect/mapping.h"
#include "store/rules.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static int bounded(void *ctx, const char *field, const char *type)
{
	(void)ctx;
	if (strlen(field) > FIELD_NAME_MAX || strlen(type) > FIELD_TYPE_MAX)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct store *s;
	static char path[64];
	char *err = NULL;
	if (!s) {
		snprintf(path, sizeof(path), "/tmp/fuzz_mapping_%ld.json", (long)getpid());
		if (store_open(":memory:", STORE_CREATE, &s, &err))
			abort();
	}
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	size_t before, after, n;
	char why[300];
	if (store_field_type_count(s, &before))
		abort();
	int rc = mapping_import_file(s, path, &n, why, sizeof(why));
	if (store_field_type_count(s, &after) || after > FIELD_TYPES_MAX)
		abort();
	if (rc && (!*why || after != before))
		abort(); /* a refusal says why and keeps nothing */
	if (store_field_types_each(s, bounded, NULL) || detect_load_field_types(s))
		abort();
	return 0;
}
