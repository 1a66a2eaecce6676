/* The histogram over a time window: pure counting and bar text (see histogram.h). */
#include "tui/histogram.h"

#include <stdlib.h>

#include "common/strbuf.h"

void histogram_init(struct histogram *h, int64_t from, int64_t to, size_t width)
{
	h->from = from;
	h->to = to < from ? from : to;
	h->width = width ? width : 1;
	h->counts = xcalloc(h->width, sizeof(*h->counts));
	h->max = 0;
}

void histogram_release(struct histogram *h)
{
	free(h->counts);
	h->counts = NULL;
	h->width = 0;
}

size_t histogram_bucket(const struct histogram *h, int64_t t)
{
	if (t <= h->from)
		return 0;
	if (t >= h->to)
		return h->width - 1;
	/* unsigned and in long double: a window of centuries in microseconds overflows int64_t
	 * when multiplied by the width */
	uint64_t span = (uint64_t)h->to - (uint64_t)h->from + 1, off = (uint64_t)t - (uint64_t)h->from;
	size_t b = (size_t)((long double)off * (long double)h->width / (long double)span);
	return b < h->width ? b : h->width - 1;
}

void histogram_add(struct histogram *h, int64_t t)
{
	if (t < h->from || t > h->to)
		return;
	uint64_t *c = &h->counts[histogram_bucket(h, t)];
	if (++*c > h->max)
		h->max = *c;
}

unsigned histogram_level(const struct histogram *h, uint64_t count)
{
	if (!count || !h->max)
		return 0;
	/* rounded up: one event among thousands still shows as the lowest bar */
	uint64_t level = (count * 8 + h->max - 1) / h->max;
	return level > 8 ? 8 : (unsigned)level;
}

void histogram_bars(const struct histogram *h, struct strbuf *out)
{
	static const char *const bars[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
	for (size_t i = 0; i < h->width; i++)
		strbuf_addstr(out, bars[histogram_level(h, h->counts[i])]);
}
