/*
 * Fuzz target for the job-log reader (gitlab/trace.h): the first byte picks
 * a chunk size; the rest is fed whole to one reader and in chunks to
 * another, and both must give the same lines (chunking never changes what
 * a log means).  Also the Link, Retry-After and Content-Range readers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/gitlab/client.h"
#include "duoterm/gitlab/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void collect(void *ud, const struct dt_gl_trace_line *l)
{
	struct dt_sb *sb = ud;

	if (strlen(l->text) != l->len)
		abort();
	for (size_t i = 0; i < l->nr_spans; i++)
		if (l->spans[i].off + l->spans[i].len > l->len)
			abort();
	dt_sb_addf(sb, "%d %d %s %s %d\n", l->kind, l->depth, l->section ? l->section : "-",
		   l->text, l->collapsed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dt_sb a = DT_SB_INIT, b = DT_SB_INIT, s = DT_SB_INIT;
	struct dt_gl_trace t1, t2;
	size_t step, n;
	const char *p;
	char *next;

	if (!size)
		return 0;
	step = (size_t)data[0] % 17 + 1;
	p = (const char *)data + 1;
	n = size - 1;
	dt_gl_trace_init(&t1, collect, &a);
	dt_gl_trace_feed(&t1, p, n);
	dt_gl_trace_finish(&t1);
	dt_gl_trace_init(&t2, collect, &b);
	for (size_t i = 0; i < n; i += step)
		dt_gl_trace_feed(&t2, p + i, i + step > n ? n - i : step);
	dt_gl_trace_finish(&t2);
	if (a.len != b.len || memcmp(a.buf ? a.buf : "", b.buf ? b.buf : "", a.len))
		abort();
	dt_gl_trace_release(&t1);
	dt_gl_trace_release(&t2);
	dt_sb_add(&s, p, n);
	next = dt_gl_link_next(dt_sb_str(&s));
	free(next);
	dt_gl_retry_after_ms(dt_sb_str(&s), 0);
	dt_gl_content_range_start(dt_sb_str(&s));
	dt_sb_release(&a);
	dt_sb_release(&b);
	dt_sb_release(&s);
	return 0;
}
