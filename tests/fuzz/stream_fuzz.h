/*
 * The body shared by the provider stream fuzz targets (fuzz_openai_stream.c,
 * fuzz_anthropic_stream.c).  The including file defines DT_FUZZ_FN(x) to name
 * its decoder's x (event, init, end, release; s is the state struct) and
 * includes the decoder's header first.
 *
 * The first byte picks a split point; the rest is decoded fed whole and in
 * two chunks, and both must give the same events.  Always: exactly one
 * terminal event (FINISH or ERROR) and nothing after it; tool events in order
 * (START, DELTAs, one DONE) with positions 0, 1, ...; DONE carries an object
 * or an error, and its raw_args equal the deltas.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/net/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TRACKED 300

struct rec {
	struct dt_sb log;
	int terminal;
	int n_calls;
	unsigned char state[MAX_TRACKED]; /* 0 none, 1 started, 2 done */
	struct dt_sb args[MAX_TRACKED];
};

static void on_event(const struct dt_prov_event *ev, void *ud)
{
	struct rec *r = ud;
	char *printed;

	if (r->terminal)
		abort();
	switch (ev->type) {
	case DT_PROV_EV_TEXT:
	case DT_PROV_EV_REASONING:
		if (!ev->text || !ev->len || ev->text[ev->len] != '\0')
			abort();
		dt_sb_addf(&r->log, "%d:", ev->type);
		dt_sb_add(&r->log, ev->text, ev->len);
		dt_sb_addc(&r->log, '\n');
		return;
	case DT_PROV_EV_TOOL_START:
		if (ev->index != r->n_calls || ev->index >= MAX_TRACKED || !ev->id || !ev->name)
			abort();
		r->state[r->n_calls++] = 1;
		dt_sb_addf(&r->log, "S%d:%s:%s\n", ev->index, ev->id, ev->name);
		return;
	case DT_PROV_EV_TOOL_DELTA:
		if (ev->index < 0 || ev->index >= r->n_calls || r->state[ev->index] != 1 || !ev->len)
			abort();
		dt_sb_add(&r->args[ev->index], ev->text, ev->len);
		dt_sb_addf(&r->log, "D%d:", ev->index);
		dt_sb_add(&r->log, ev->text, ev->len);
		dt_sb_addc(&r->log, '\n');
		return;
	case DT_PROV_EV_TOOL_DONE:
		if (ev->index < 0 || ev->index >= r->n_calls || r->state[ev->index] != 1)
			abort();
		r->state[ev->index] = 2;
		if (!ev->args == !ev->args_error || !ev->raw_args ||
		    strcmp(ev->raw_args, dt_sb_str(&r->args[ev->index])))
			abort();
		if (ev->args && !cJSON_IsObject(ev->args))
			abort();
		printed = ev->args ? cJSON_PrintUnformatted(ev->args) : NULL;
		dt_sb_addf(&r->log, "E%d:%s:%s\n", ev->index, printed ? printed : "-",
			   ev->args_error ? ev->args_error : "");
		free(printed);
		return;
	case DT_PROV_EV_USAGE:
		dt_sb_addf(&r->log, "U%llu/%llu\n", (unsigned long long)ev->usage.input_tokens,
			   (unsigned long long)ev->usage.output_tokens);
		return;
	case DT_PROV_EV_FINISH:
		for (int i = 0; i < r->n_calls; i++)
			if (r->state[i] != 2)
				abort(); /* every call is complete before FINISH */
		r->terminal = 1;
		dt_sb_addf(&r->log, "F%d:%s\n", ev->finish, ev->finish_raw);
		return;
	case DT_PROV_EV_ERROR:
		if (!ev->error || !ev->error->message || !ev->error->type)
			abort();
		r->terminal = 1;
		dt_sb_addf(&r->log, "X%d:%s:%s\n", ev->error->kind, ev->error->type,
			   ev->error->message);
		return;
	default:
		abort();
	}
}

static int on_sse(void *ud, const struct dt_sse_event *ev)
{
	return DT_FUZZ_FN(event)(ud, ev);
}

static void run(struct rec *r, const char *in, size_t len, size_t cut)
{
	struct DT_FUZZ_FN(s) s;
	struct dt_sse p;

	DT_FUZZ_FN(init)(&s, on_event, r);
	dt_sse_init(&p, on_sse, &s);
	dt_sse_set_limit(&p, 1 << 16);
	if (!dt_sse_feed(&p, in, cut))
		dt_sse_feed(&p, in + cut, len - cut);
	dt_sse_finish(&p);
	dt_sse_release(&p);
	DT_FUZZ_FN(end)(&s);
	DT_FUZZ_FN(end)(&s); /* idempotent */
	DT_FUZZ_FN(release)(&s);
	if (!r->terminal)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec *whole, *split;
	const char *in = (const char *)data + 1;
	size_t len, cut;

	if (!size)
		return 0;
	len = size - 1;
	cut = len ? data[0] * len / 255 : 0;
	whole = dt_xcalloc(1, sizeof(*whole));
	split = dt_xcalloc(1, sizeof(*split));
	run(whole, in, len, len);
	run(split, in, len, cut);
	if (whole->log.len != split->log.len ||
	    memcmp(dt_sb_str(&whole->log), dt_sb_str(&split->log), whole->log.len))
		abort();
	for (int i = 0; i < MAX_TRACKED; i++) {
		dt_sb_release(&whole->args[i]);
		dt_sb_release(&split->args[i]);
	}
	dt_sb_release(&whole->log);
	dt_sb_release(&split->log);
	free(whole);
	free(split);
	return 0;
}
