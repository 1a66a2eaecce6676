/* libFuzzer: the whole document reader — framing, gzip, the JSON parser, field extraction,
 * compression and the store — on arbitrary bytes, through a memfd. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ingest/ingest.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct store *s;
	static FILE *devnull;
	if (!s) {
		char *err = NULL;
		if (store_open(":memory:", STORE_CREATE, &s, &err))
			abort();
		devnull = fopen("/dev/null", "w");
	}
	int fd = memfd_create("input", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct ingest_options o = {.analyst = "fuzz", .errors = {diag_to_stream, devnull}};
	struct ingest_counts c = {0};
	if (ingest_path(s, path, &o, &c) == INGEST_STORE_FAILED)
		abort();
	if (c.documents != c.added + c.duplicates + c.rejected)
		abort(); /* every document is accounted for: never a silent drop */
	close(fd);
	return 0;
}
