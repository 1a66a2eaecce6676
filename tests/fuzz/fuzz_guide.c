/* libFuzzer: the Markdown guide parser (through cmark). */
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "triage/guide.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *md = xstrndup((const char *)data, size);
	struct guide g;
	guide_parse(md, &g);
	for (size_t i = 0; i < g.nblocks; i++)
		for (size_t j = 0; j < g.blocks[i].nspans; j++)
			if (g.blocks[i].spans[j].start + g.blocks[i].spans[j].len > strlen(g.blocks[i].text))
				abort(); /* a span outside its text */
	if (g.checklist.n == 0 || g.response.n == 0)
		abort(); /* defaults fill empty lists */
	guide_release(&g);
	free(md);
	return 0;
}
