/*
 * Fuzz target for the SSE parser.  The first byte picks a split point; the
 * rest is fed whole to one parser and in two chunks to another, and both
 * must report the same events and the same result (chunking never changes
 * what a stream means).  Odd first bytes also set a small size limit so
 * that the limit paths run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/net/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unicode's table of well-formed UTF-8 byte sequences (Table 3-7). */
static int utf8_ok(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i], lo = 0x80, hi = 0xBF;

		if (c < 0x80)
			n = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3;
		else
			return 0;
		if (n >= len - i)
			return 0;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
		for (size_t k = 1; k <= n; k++, lo = 0x80, hi = 0xBF)
			if (s[i + k] < lo || s[i + k] > hi)
				return 0;
		i += n + 1;
	}
	return 1;
}

static int record(void *ud, const struct dt_sse_event *ev)
{
	struct dt_sb *log = ud;

	if (!ev->type || !ev->data || !ev->id || ev->data[ev->data_len] != '\0' ||
	    ev->type[ev->type_len] != '\0')
		abort();
	if (!utf8_ok(ev->type, ev->type_len) || !utf8_ok(ev->data, ev->data_len) ||
	    !utf8_ok(ev->id, strlen(ev->id)))
		abort();
	if (!ev->type_len)
		abort(); /* an empty type means "message" */
	dt_sb_addf(log, "%zu:", ev->type_len);
	dt_sb_add(log, ev->type, ev->type_len);
	dt_sb_addf(log, "|%zu:", ev->data_len);
	dt_sb_add(log, ev->data, ev->data_len);
	dt_sb_addf(log, "|%s\n", ev->id);
	/* a callback may stop the parser; this one does on a marker */
	return ev->data_len == 4 && !memcmp(ev->data, "STOP", 4) ? 7 : 0;
}

struct outcome {
	struct dt_sb log;
	int ret;
	long retry;
	char *last_id;
};

static void run(struct outcome *o, const char *in, size_t len, size_t cut, size_t limit)
{
	struct dt_sse p;
	int ret, again;

	dt_sse_init(&p, record, &o->log);
	dt_sse_set_limit(&p, limit);
	ret = dt_sse_feed(&p, in, cut);
	if (cut < len) {
		again = dt_sse_feed(&p, in + cut, len - cut);
		if (ret && again != ret)
			abort(); /* errors are sticky */
		ret = again;
	}
	if (ret != 0 && ret != 7 && ret != -EMSGSIZE)
		abort();
	o->ret = dt_sse_finish(&p);
	if (o->ret != ret)
		abort();
	o->retry = dt_sse_retry_ms(&p);
	o->last_id = dt_xstrdup(dt_sse_last_id(&p));
	/* the parser is reusable after finish */
	ret = dt_sse_feed(&p, "data: x\n\n", 9);
	if (ret != 0 && ret != -EMSGSIZE)
		abort();
	dt_sse_finish(&p);
	dt_sse_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole = {0}, split = {0};
	const char *in = (const char *)data + 1;
	size_t len, cut, limit;

	if (!size)
		return 0;
	len = size - 1;
	cut = len ? data[0] * len / 255 : 0;
	limit = data[0] & 1 ? 1 + data[0] / 2 : 0;
	run(&whole, in, len, len, limit);
	run(&split, in, len, cut, limit);
	if (whole.ret != split.ret || whole.retry != split.retry ||
	    strcmp(whole.last_id, split.last_id) || whole.log.len != split.log.len ||
	    memcmp(dt_sb_str(&whole.log), dt_sb_str(&split.log), whole.log.len))
		abort();
	dt_sb_release(&whole.log);
	dt_sb_release(&split.log);
	free(whole.last_id);
	free(split.last_id);
	return 0;
}
