/*
 * The provider stream decoders: every recorded stream in
 * $DT_SHARED_DIR/fixtures/sse/ (skipped when absent) decoded into the
 * expected text, tool calls with their exact arguments, usage and finish
 * reason, the same whatever the chunking; then hand-made streams for the
 * quirks: malformed arguments, in-stream errors, cuts, ids reused ...
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "duoterm/core/config.h"
#include "duoterm/core/strbuf.h"
#include "duoterm/net/sse.h"
#include "duoterm/providers/anthropic_stream.h"
#include "duoterm/providers/openai_stream.h"

/* ---- recording events ---------------------------------------------------- */

#define MAX_CALLS 8

struct call_rec {
	int index, started, deltas, done;
	char id[128], name[128];
	struct dt_sb args_delta; /* concatenated TOOL_DELTA fragments */
	char *args;              /* TOOL_DONE args, printed; NULL if malformed */
	char *args_error;
	char *raw;
};

struct rec {
	struct dt_sb log; /* every event, for comparing chunkings */
	struct dt_sb text, reasoning;
	struct call_rec calls[MAX_CALLS];
	int n_calls;
	struct dt_prov_usage usage;
	int usages, finishes, errors;
	enum dt_prov_finish finish;
	char finish_raw[64];
	enum dt_prov_error_kind err_kind;
	char err_type[64], err_msg[256];
	int err_retryable;
	int after_terminal; /* events after FINISH/ERROR: must stay 0 */
};

static struct call_rec *call_at(struct rec *r, int index)
{
	assert_true(index >= 0 && index < MAX_CALLS);
	if (index >= r->n_calls) {
		assert_int_equal(index, r->n_calls); /* positions come in order */
		r->n_calls = index + 1;
		r->calls[index].index = index;
	}
	return &r->calls[index];
}

static void on_event(const struct dt_prov_event *ev, void *ud)
{
	struct rec *r = ud;
	struct call_rec *c;

	if (r->finishes || r->errors)
		r->after_terminal++;
	switch (ev->type) {
	case DT_PROV_EV_TEXT:
	case DT_PROV_EV_REASONING:
		assert_int_equal(ev->text[ev->len], '\0');
		assert_true(ev->len > 0);
		dt_sb_add(ev->type == DT_PROV_EV_TEXT ? &r->text : &r->reasoning, ev->text, ev->len);
		dt_sb_addf(&r->log, "%c:%s\n", ev->type == DT_PROV_EV_TEXT ? 'T' : 'R', ev->text);
		break;
	case DT_PROV_EV_TOOL_START:
		c = call_at(r, ev->index);
		assert_false(c->started);
		c->started = 1;
		snprintf(c->id, sizeof(c->id), "%s", ev->id);
		snprintf(c->name, sizeof(c->name), "%s", ev->name);
		dt_sb_addf(&r->log, "S:%d:%s:%s\n", ev->index, ev->id, ev->name);
		break;
	case DT_PROV_EV_TOOL_DELTA:
		c = call_at(r, ev->index);
		assert_true(c->started);
		assert_false(c->done);
		c->deltas++;
		dt_sb_add(&c->args_delta, ev->text, ev->len);
		dt_sb_addf(&r->log, "D:%d:%s\n", ev->index, ev->text);
		break;
	case DT_PROV_EV_TOOL_DONE:
		c = call_at(r, ev->index);
		assert_true(c->started);
		assert_false(c->done);
		c->done = 1;
		assert_string_equal(ev->raw_args, dt_sb_str(&c->args_delta));
		c->raw = strdup(ev->raw_args);
		if (ev->args) {
			assert_null(ev->args_error);
			assert_true(cJSON_IsObject(ev->args));
			c->args = cJSON_PrintUnformatted(ev->args);
		} else {
			assert_non_null(ev->args_error);
			c->args_error = strdup(ev->args_error);
		}
		dt_sb_addf(&r->log, "E:%d:%s:%s\n", ev->index, c->args ? c->args : "-",
			   ev->args_error ? ev->args_error : "");
		break;
	case DT_PROV_EV_USAGE:
		r->usage = ev->usage;
		r->usages++;
		dt_sb_addf(&r->log, "U:%llu/%llu/%llu/%llu/%llu\n",
			   (unsigned long long)ev->usage.input_tokens,
			   (unsigned long long)ev->usage.output_tokens,
			   (unsigned long long)ev->usage.cache_read_tokens,
			   (unsigned long long)ev->usage.cache_write_tokens,
			   (unsigned long long)ev->usage.reasoning_tokens);
		break;
	case DT_PROV_EV_FINISH:
		r->finishes++;
		r->finish = ev->finish;
		snprintf(r->finish_raw, sizeof(r->finish_raw), "%s", ev->finish_raw);
		dt_sb_addf(&r->log, "F:%d:%s\n", ev->finish, ev->finish_raw);
		break;
	case DT_PROV_EV_ERROR:
		r->errors++;
		r->err_kind = ev->error->kind;
		r->err_retryable = ev->error->retryable;
		snprintf(r->err_type, sizeof(r->err_type), "%s", ev->error->type);
		snprintf(r->err_msg, sizeof(r->err_msg), "%s", ev->error->message);
		dt_sb_addf(&r->log, "X:%d:%s:%s\n", ev->error->kind, ev->error->type,
			   ev->error->message);
		break;
	case DT_PROV_EV_RETRY:
		fail_msg("decoders never retry");
	}
}

static void rec_release(struct rec *r)
{
	dt_sb_release(&r->log);
	dt_sb_release(&r->text);
	dt_sb_release(&r->reasoning);
	for (int i = 0; i < MAX_CALLS; i++) {
		dt_sb_release(&r->calls[i].args_delta);
		free(r->calls[i].args);
		free(r->calls[i].args_error);
		free(r->calls[i].raw);
	}
	memset(r, 0, sizeof(*r));
}

/* ---- feeding ---------------------------------------------------------------- */

enum flavour { OPENAI, ANTHROPIC };

struct dec {
	enum flavour f;
	struct dt_openai_stream o;
	struct dt_anthropic_stream a;
};

static int dec_event(void *ud, const struct dt_sse_event *ev)
{
	struct dec *d = ud;

	return d->f == OPENAI ? dt_openai_stream_event(&d->o, ev)
			      : dt_anthropic_stream_event(&d->a, ev);
}

/* Decodes `in` fed in pieces: chunk 0 = whole, 1 = every byte, else
 * pseudo-random sizes from 1 to chunk. */
static void decode(enum flavour f, const char *in, size_t len, size_t chunk, struct rec *r)
{
	struct dec d = {.f = f};
	struct dt_sse sse;
	unsigned seed = 12345;
	size_t off = 0;

	if (f == OPENAI)
		dt_openai_stream_init(&d.o, on_event, r);
	else
		dt_anthropic_stream_init(&d.a, on_event, r);
	dt_sse_init(&sse, dec_event, &d);
	while (off < len) {
		size_t n = len - off;

		if (chunk == 1)
			n = 1;
		else if (chunk > 1) {
			seed = seed * 1103515245u + 12345u;
			n = 1 + (seed >> 16) % chunk;
			if (n > len - off)
				n = len - off;
		}
		if (dt_sse_feed(&sse, in + off, n))
			break;
		off += n;
	}
	dt_sse_finish(&sse);
	dt_sse_release(&sse);
	if (f == OPENAI) {
		dt_openai_stream_end(&d.o);
		dt_openai_stream_release(&d.o);
	} else {
		dt_anthropic_stream_end(&d.a);
		dt_anthropic_stream_release(&d.a);
	}
	assert_int_equal(r->after_terminal, 0);
	assert_int_equal(r->finishes + r->errors, 1);
}

static const char *shared_dir(void)
{
	const char *d = getenv("DT_SHARED_DIR");

	return d && *d ? d : "../shared";
}

/* Reads a fixture; *.chunks.txt lines are wrapped as SSE data events. */
static char *load_fixture(const char *name, size_t *len)
{
	struct dt_sb path = DT_SB_INIT, out = DT_SB_INIT;
	char *raw;
	size_t n;

	dt_sb_addf(&path, "%s/fixtures/sse/%s", shared_dir(), name);
	raw = dt_read_file(path.buf, &n);
	dt_sb_release(&path);
	if (!raw)
		return NULL;
	if (!strstr(name, ".chunks.txt")) {
		*len = n;
		return raw;
	}
	for (char *line = raw, *eol; line < raw + n; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(raw + n - line));
		if (!eol)
			eol = raw + n;
		if (eol > line)
			dt_sb_addf(&out, "data: %.*s\n\n", (int)(eol - line), line);
	}
	free(raw);
	return dt_sb_detach(&out, len);
}

struct expect_call {
	const char *id, *name, *args;
};

struct expect {
	const char *file;
	enum flavour f;
	const char *text;
	size_t reasoning_len;
	struct expect_call calls[2];
	int n_calls;
	struct dt_prov_usage usage;
	const char *finish;
};

static const struct expect fixtures[] = {
	{"openai-f82268f2.sse", OPENAI, "", 0,
	 {{"call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs",
	   "{\"city\":\"Edinburgh\",\"country\":\"GB\",\"units\":\"c\"}"},
	  {"call_DNYTawLBoN8fj3KN6qU9N1Ou", "get_stock_price",
	   "{\"ticker\":\"AAPL\",\"exchange\":\"NASDAQ\"}"}},
	 2, {149, 60, 0, 0, 0}, "tool_calls"},
	{"openai-c6aa7e39.sse", OPENAI, "", 0,
	 {{"call_c91SqDXlYFuETYv8mUHzz6pp", "GetWeatherArgs",
	   "{\"city\":\"Edinburgh\",\"country\":\"UK\",\"units\":\"c\"}"}},
	 1, {76, 24, 0, 0, 0}, "tool_calls"},
	{"anthropic-tool-use.sse", ANTHROPIC, "I'll check the current weather in Paris for you.", 0,
	 {{"toolu_01NRLabsLyVHZPKxbKvkfSMn", "get_weather", "{\"location\":\"Paris\"}"}},
	 1, {377, 65, 0, 0, 0}, "tool_use"},
	{"vercel-openai-compat-index1-tool-call.sse", OPENAI, "Reading it.", 0,
	 {{"toolu_sanitized", "read_file", "{\"path\":\"a.txt\"}"}}, 1, {0, 0, 0, 0, 0},
	 "tool_calls"},
	{"vercel-deepseek-tool-call.chunks.txt", OPENAI, "", 191,
	 {{"call_00_ioIn7yN9p1ZOMNpDLwd4MgAF", "weather", "{\"location\":\"San Francisco\"}"}},
	 1, {339, 83, 320, 0, 39}, "tool_calls"},
	{"vercel-xai-tool-call.chunks.txt", OPENAI, "", 1069,
	 {{"call_79382389", "weather", "{\"location\":\"San Francisco\"}"}},
	 1, {307, 26, 306, 0, 227}, "tool_calls"},
	{"vercel-anthropic-tool-no-args.chunks.txt", ANTHROPIC,
	 "I'll update the issue list for you.", 0,
	 {{"toolu_01QE1WLsSVp5hy5Q3GmGTmjP", "updateIssueList", "{}"}}, 1, {565, 48, 0, 0, 0},
	 "tool_use"},
};

static void check_expect(const struct expect *x, struct rec *r)
{
	assert_int_equal(r->errors, 0);
	assert_string_equal(dt_sb_str(&r->text), x->text);
	assert_int_equal(r->reasoning.len, x->reasoning_len);
	assert_int_equal(r->n_calls, x->n_calls);
	for (int i = 0; i < x->n_calls; i++) {
		assert_int_equal(r->calls[i].index, i);
		assert_true(r->calls[i].done);
		assert_string_equal(r->calls[i].id, x->calls[i].id);
		assert_string_equal(r->calls[i].name, x->calls[i].name);
		assert_non_null(r->calls[i].args);
		assert_string_equal(r->calls[i].args, x->calls[i].args);
	}
	assert_int_equal(r->usage.input_tokens, x->usage.input_tokens);
	assert_int_equal(r->usage.output_tokens, x->usage.output_tokens);
	assert_int_equal(r->usage.cache_read_tokens, x->usage.cache_read_tokens);
	assert_int_equal(r->usage.reasoning_tokens, x->usage.reasoning_tokens);
	assert_int_equal(r->finishes, 1);
	assert_string_equal(r->finish_raw, x->finish);
	assert_int_equal(r->finish, DT_PROV_FINISH_TOOL_CALLS);
}

static void test_fixtures(void **state)
{
	int found = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct expect *x = &fixtures[i];
		size_t len;
		char *in = load_fixture(x->file, &len);
		struct rec whole = {0};
		static const size_t chunks[] = {1, 2, 3, 7, 64, 500};

		if (!in)
			continue;
		found++;
		decode(x->f, in, len, 0, &whole);
		check_expect(x, &whole);
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			struct rec r = {0};

			decode(x->f, in, len, chunks[k], &r);
			assert_string_equal(dt_sb_str(&r.log), dt_sb_str(&whole.log));
			rec_release(&r);
		}
		/* cut anywhere before the end: never a FINISH without the marker */
		for (size_t cut = 0; cut + 8 < len; cut += len / 13 + 1) {
			struct rec r = {0};

			decode(x->f, in, cut, 0, &r);
			assert_int_equal(r.errors, 1);
			assert_int_equal(r.err_kind, DT_PROV_ERR_CUT);
			assert_true(r.err_retryable);
			assert_non_null(strstr(r.err_msg, "stream cut mid-way"));
			rec_release(&r);
		}
		rec_release(&whole);
		free(in);
	}
	if (!found)
		skip();
}

/* ---- hand-made streams ---------------------------------------------------- */

static void run(enum flavour f, const char *in, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	decode(f, in, strlen(in), 0, r);
}

#define OAI(delta) "data: {\"choices\":[{\"index\":0,\"delta\":" delta "}]}\n\n"
#define OAI_FIN(reason) "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" reason "\"}]}\n\n"
#define DONE "data: [DONE]\n\n"

static void test_openai_text(void **state)
{
	struct rec r;

	(void)state;
	run(OPENAI,
	    OAI("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}")
	    OAI("{\"content\":\"Hel\"}")
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}],\"usage\":null,\"obfuscation\":\"xq9\"}\n\n"
	    OAI_FIN("stop")
	    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n"
	    DONE,
	    &r);
	assert_string_equal(dt_sb_str(&r.text), "Hello");
	assert_int_equal(r.finish, DT_PROV_FINISH_STOP);
	assert_int_equal(r.usage.input_tokens, 5);
	assert_int_equal(r.usage.output_tokens, 2);
	rec_release(&r);

	/* no [DONE] but a finish_reason: complete (some servers stop there) */
	run(OPENAI, OAI("{\"content\":\"x\"}") OAI_FIN("length"), &r);
	assert_int_equal(r.finishes, 1);
	assert_int_equal(r.finish, DT_PROV_FINISH_LENGTH);
	rec_release(&r);

	/* [DONE] only */
	run(OPENAI, OAI("{\"content\":\"x\"}") DONE, &r);
	assert_int_equal(r.finishes, 1);
	assert_string_equal(r.finish_raw, "stop");
	rec_release(&r);

	/* nothing after [DONE] counts */
	run(OPENAI, DONE OAI("{\"content\":\"late\"}"), &r);
	assert_int_equal(r.text.len, 0);
	rec_release(&r);
}

static void test_openai_malformed_args(void **state)
{
	struct rec r;

	(void)state;
	run(OPENAI,
	    OAI("{\"tool_calls\":[{\"index\":0,\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\": 1\"}}]}")
	    OAI("{\"tool_calls\":[{\"index\":1,\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"[1]\"}}]}")
	    OAI("{\"tool_calls\":[{\"index\":2,\"id\":\"c\",\"function\":{\"name\":\"h\",\"arguments\":\"{} x\"}}]}")
	    OAI("{\"tool_calls\":[{\"index\":3,\"id\":\"d\",\"function\":{\"name\":\"k\",\"arguments\":\"  \"}}]}")
	    OAI_FIN("tool_calls") DONE,
	    &r);
	assert_int_equal(r.n_calls, 4);
	assert_null(r.calls[0].args);
	assert_non_null(strstr(r.calls[0].args_error, "not valid JSON"));
	assert_string_equal(r.calls[0].raw, "{\"x\": 1");
	assert_null(r.calls[1].args);
	assert_non_null(strstr(r.calls[1].args_error, "not an object"));
	assert_null(r.calls[2].args);
	assert_non_null(strstr(r.calls[2].args_error, "extra text"));
	assert_string_equal(r.calls[3].args, "{}");
	assert_int_equal(r.finishes, 1);
	rec_release(&r);
}

static void test_openai_call_quirks(void **state)
{
	struct rec r;

	(void)state;
	/* arguments before the name; no index at all; index reused with a new id */
	run(OPENAI,
	    OAI("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]}")
	    OAI("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"one\",\"arguments\":\":1}\"}}]}")
	    OAI("{\"tool_calls\":[{\"index\":0,\"id\":\"c2\",\"function\":{\"name\":\"two\",\"arguments\":\"{}\"}}]}")
	    OAI("{\"tool_calls\":[{\"id\":\"c3\",\"function\":{\"name\":\"three\",\"arguments\":{\"k\":true}}}]}")
	    OAI_FIN("tool_calls"),
	    &r);
	assert_int_equal(r.n_calls, 3);
	assert_string_equal(r.calls[0].name, "one");
	assert_string_equal(r.calls[0].args, "{\"a\":1}");
	assert_string_equal(r.calls[1].id, "c2");
	assert_string_equal(r.calls[1].args, "{}");
	assert_string_equal(r.calls[2].name, "three");
	assert_string_equal(r.calls[2].args, "{\"k\":true}");
	rec_release(&r);

	/* a call that never got a name is still reported, with "" */
	run(OPENAI, OAI("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{}\"}}]}") DONE,
	    &r);
	assert_int_equal(r.n_calls, 1);
	assert_string_equal(r.calls[0].name, "");
	assert_string_equal(r.finish_raw, "tool_calls");
	rec_release(&r);

	/* Groq's x_groq.usage and reasoning under "reasoning" */
	run(OPENAI,
	    OAI("{\"reasoning\":\"hm\"}")
	    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}}\n\n"
	    DONE,
	    &r);
	assert_string_equal(dt_sb_str(&r.reasoning), "hm");
	assert_int_equal(r.usage.input_tokens, 9);
	rec_release(&r);
}

static void test_openai_errors(void **state)
{
	struct rec r;

	(void)state;
	run(OPENAI,
	    OAI("{\"content\":\"par\"}")
	    "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n",
	    &r);
	assert_string_equal(dt_sb_str(&r.text), "par");
	assert_int_equal(r.err_kind, DT_PROV_ERR_STREAM);
	assert_string_equal(r.err_type, "server_error");
	assert_string_equal(r.err_msg, "The server had an error");
	assert_true(r.err_retryable);
	rec_release(&r);

	run(OPENAI, "data: {\"error\":{\"message\":\"bad key\",\"code\":\"invalid_api_key\"}}\n\n", &r);
	assert_false(r.err_retryable);
	assert_string_equal(r.err_type, "invalid_api_key");
	rec_release(&r);

	run(OPENAI, "data: {\"object\":\"error\",\"message\":\"vllm says no\",\"type\":\"BadRequestError\"}\n\n", &r);
	assert_string_equal(r.err_msg, "vllm says no");
	rec_release(&r);

	run(OPENAI, "event: error\ndata: {\"code\":500}\n\n", &r);
	assert_int_equal(r.errors, 1);
	rec_release(&r);

	run(OPENAI, OAI("{\"content\":\"a\"}") "data: {\"choices\":[{\"delta\":{\"content\":\"b\"}\n\n", &r);
	assert_int_equal(r.err_kind, DT_PROV_ERR_PROTOCOL);
	rec_release(&r);

	/* an empty stream is cut */
	run(OPENAI, ": keep-alive\n\n", &r);
	assert_int_equal(r.err_kind, DT_PROV_ERR_CUT);
	rec_release(&r);
}

#define ANT(type, body) "event: " type "\ndata: {\"type\":\"" type "\"" body "}\n\n"

static void test_anthropic_quirks(void **state)
{
	struct rec r;

	(void)state;
	run(ANTHROPIC,
	    ANT("message_start", ",\"message\":{\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":5,\"output_tokens\":1}}")
	    ANT("content_block_start", ",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}")
	    ANT("content_block_delta", ",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}")
	    ANT("content_block_delta", ",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"xx\"}")
	    ANT("content_block_stop", ",\"index\":0")
	    ANT("content_block_start", ",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"ls\",\"input\":{\"dir\":\".\"}}")
	    ANT("content_block_stop", ",\"index\":1")
	    ANT("content_block_start", ",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"rd\",\"input\":{},\"caller\":{\"type\":\"direct\"}}")
	    ANT("content_block_delta", ",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"p\\\":\"}")
	    ANT("content_block_stop", ",\"index\":2")
	    "event: ping\ndata: {\"type\": \"ping\"}\n\n"
	    ANT("brand_new_event", ",\"x\":1")
	    ANT("message_delta", ",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":30}")
	    ANT("message_stop", ""),
	    &r);
	assert_string_equal(dt_sb_str(&r.reasoning), "hmm");
	assert_int_equal(r.n_calls, 2);
	assert_string_equal(r.calls[0].args, "{\"dir\":\".\"}");
	assert_null(r.calls[1].args);
	assert_non_null(r.calls[1].args_error);
	assert_int_equal(r.usage.input_tokens, 115);
	assert_int_equal(r.usage.cache_read_tokens, 100);
	assert_int_equal(r.usage.cache_write_tokens, 5);
	assert_int_equal(r.usage.output_tokens, 30);
	assert_int_equal(r.finish, DT_PROV_FINISH_TOOL_CALLS);
	rec_release(&r);

	/* in-stream errors */
	run(ANTHROPIC,
	    ANT("message_start", ",\"message\":{\"usage\":{\"input_tokens\":1}}")
	    ANT("error", ",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}"),
	    &r);
	assert_int_equal(r.err_kind, DT_PROV_ERR_STREAM);
	assert_string_equal(r.err_type, "overloaded_error");
	assert_string_equal(r.err_msg, "Overloaded");
	assert_true(r.err_retryable);
	rec_release(&r);

	run(ANTHROPIC,
	    ANT("error", ",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"no\"}"), &r);
	assert_false(r.err_retryable);
	rec_release(&r);

	/* cut before message_stop / stop_reason */
	run(ANTHROPIC,
	    ANT("message_start", ",\"message\":{}")
	    ANT("content_block_start", ",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}")
	    ANT("content_block_delta", ",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}"),
	    &r);
	assert_string_equal(dt_sb_str(&r.text), "Hi");
	assert_int_equal(r.err_kind, DT_PROV_ERR_CUT);
	rec_release(&r);

	/* stop_reason but no message_stop: complete; refusal maps to FILTER */
	run(ANTHROPIC, ANT("message_delta", ",\"delta\":{\"stop_reason\":\"refusal\"}"), &r);
	assert_int_equal(r.finish, DT_PROV_FINISH_FILTER);
	rec_release(&r);

	/* a stray [DONE] (as vercel's harness adds) is harmless */
	run(ANTHROPIC, ANT("message_stop", "") "data: [DONE]\n\n", &r);
	assert_int_equal(r.finishes, 1);
	rec_release(&r);
}

static void test_parse_args(void **state)
{
	struct dt_sb err = DT_SB_INIT;
	cJSON *o;

	(void)state;
	o = dt_prov_parse_args("", 0, &err);
	assert_true(cJSON_IsObject(o) && !o->child);
	cJSON_Delete(o);
	o = dt_prov_parse_args(" \n{\"a\":[1,2]}\n ", 15, &err);
	assert_non_null(o);
	cJSON_Delete(o);
	assert_int_equal(err.len, 0);
	assert_null(dt_prov_parse_args("{\"a\":", 5, &err));
	assert_non_null(strstr(err.buf, "byte"));
	dt_sb_reset(&err);
	assert_null(dt_prov_parse_args("null", 4, &err));
	dt_sb_reset(&err);
	/* a NUL inside: cJSON stops there, the rest is extra */
	assert_null(dt_prov_parse_args("{}\0{}", 5, &err));
	dt_sb_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_openai_text),
		cmocka_unit_test(test_openai_malformed_args),
		cmocka_unit_test(test_openai_call_quirks),
		cmocka_unit_test(test_openai_errors),
		cmocka_unit_test(test_anthropic_quirks),
		cmocka_unit_test(test_parse_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
