#include "duoterm/providers/anthropic_stream.h"

#include <stdlib.h>
#include <string.h>

void dt_anthropic_stream_init(struct dt_anthropic_stream *s, dt_prov_cb cb, void *ud)
{
	memset(s, 0, sizeof(*s));
	dt_prov_out_init(&s->out, cb, ud);
}

void dt_anthropic_stream_release(struct dt_anthropic_stream *s)
{
	dt_prov_out_release(&s->out);
	free(s->stop_reason);
	s->stop_reason = NULL;
}

enum dt_prov_finish dt_anthropic_finish(const char *reason)
{
	if (!reason || !strcmp(reason, "end_turn") || !strcmp(reason, "stop_sequence"))
		return DT_PROV_FINISH_STOP;
	if (!strcmp(reason, "tool_use"))
		return DT_PROV_FINISH_TOOL_CALLS;
	if (!strcmp(reason, "max_tokens") || !strcmp(reason, "model_context_window_exceeded"))
		return DT_PROV_FINISH_LENGTH;
	if (!strcmp(reason, "refusal"))
		return DT_PROV_FINISH_FILTER;
	return DT_PROV_FINISH_OTHER;
}

int dt_anthropic_stream_complete(const struct dt_anthropic_stream *s)
{
	return s->stopped_msg || s->stop_reason;
}

/* Anthropic counts cached input apart; the interface's input includes it. */
static void usage(struct dt_anthropic_stream *s, const cJSON *u)
{
	struct dt_prov_usage *out = &s->out.usage;
	long long v;
	int any = 0;

	if (!cJSON_IsObject(u))
		return;
	if ((v = dt_prov_json_num(u, "input_tokens")) >= 0)
		s->input_raw = (uint64_t)v, any = 1;
	if ((v = dt_prov_json_num(u, "cache_read_input_tokens")) >= 0)
		out->cache_read_tokens = (uint64_t)v, any = 1;
	if ((v = dt_prov_json_num(u, "cache_creation_input_tokens")) >= 0)
		out->cache_write_tokens = (uint64_t)v, any = 1;
	if ((v = dt_prov_json_num(u, "output_tokens")) >= 0)
		out->output_tokens = (uint64_t)v, any = 1;
	out->input_tokens = s->input_raw + out->cache_read_tokens + out->cache_write_tokens;
	if (any)
		dt_prov_emit_usage(&s->out);
}

static int block_start(struct dt_anthropic_stream *s, long key, const cJSON *block)
{
	const char *type = dt_prov_json_str(block, "type");
	const cJSON *input;
	struct dt_prov_call *c;
	const char *t;

	if (!type)
		return 0;
	if (!strcmp(type, "text")) {
		if ((t = dt_prov_json_str(block, "text")))
			dt_prov_emit_text(&s->out, DT_PROV_EV_TEXT, t, strlen(t));
		return 0;
	}
	if (!strcmp(type, "thinking")) {
		if ((t = dt_prov_json_str(block, "thinking")))
			dt_prov_emit_text(&s->out, DT_PROV_EV_REASONING, t, strlen(t));
		return 0;
	}
	if (strcmp(type, "tool_use"))
		return 0; /* server tools, redacted thinking ...: not ours to run */
	if ((c = dt_prov_call_find(&s->out, key)))
		dt_prov_call_done(&s->out, c); /* a block index reused without a stop */
	if (!(c = dt_prov_call_add(&s->out, key))) {
		dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_PROTOCOL, "",
					  "too many tool calls in one reply", 1);
		return -1;
	}
	input = cJSON_GetObjectItemCaseSensitive(block, "input");
	if (cJSON_IsObject(input) && input->child)
		c->preset = cJSON_PrintUnformatted(input);
	dt_prov_call_meta(&s->out, c, dt_prov_json_str(block, "id"), dt_prov_json_str(block, "name"));
	return 0;
}

static int block_delta(struct dt_anthropic_stream *s, long key, const cJSON *delta)
{
	const char *type = dt_prov_json_str(delta, "type");
	struct dt_prov_call *c;
	const char *t;

	if (!type)
		return 0;
	if (!strcmp(type, "text_delta") && (t = dt_prov_json_str(delta, "text"))) {
		dt_prov_emit_text(&s->out, DT_PROV_EV_TEXT, t, strlen(t));
	} else if (!strcmp(type, "thinking_delta") && (t = dt_prov_json_str(delta, "thinking"))) {
		dt_prov_emit_text(&s->out, DT_PROV_EV_REASONING, t, strlen(t));
	} else if (!strcmp(type, "input_json_delta") &&
		   (t = dt_prov_json_str(delta, "partial_json")) &&
		   (c = dt_prov_call_find(&s->out, key))) {
		if (dt_prov_call_args(&s->out, c, t, strlen(t))) {
			dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_PROTOCOL, "",
						  "tool call arguments too long", 1);
			return -1;
		}
	}
	return 0;
}

static void message_delta(struct dt_anthropic_stream *s, const cJSON *root)
{
	const char *reason = dt_prov_json_str(cJSON_GetObjectItemCaseSensitive(root, "delta"),
					      "stop_reason");

	if (reason && *reason) {
		free(s->stop_reason);
		s->stop_reason = dt_xstrdup(reason);
	}
	usage(s, cJSON_GetObjectItemCaseSensitive(root, "usage"));
}

static void error_event(struct dt_anthropic_stream *s, const cJSON *root)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *type = dt_prov_json_str(e, "type");
	const char *msg = dt_prov_json_str(e, "message");

	dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_STREAM, type,
				  msg && *msg ? msg : "the provider reported an error in the stream",
				  dt_prov_error_type_retryable(type));
}

static long block_key(const cJSON *root)
{
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(root, "index");

	if (cJSON_IsNumber(idx) && idx->valuedouble >= 0 && idx->valuedouble < 1e6)
		return (long)idx->valuedouble;
	return -1;
}

static int dispatch(struct dt_anthropic_stream *s, const char *type, const cJSON *root)
{
	long key = block_key(root);
	struct dt_prov_call *c;

	if (!strcmp(type, "message_start")) {
		usage(s, cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(root, "message"), "usage"));
	} else if (!strcmp(type, "content_block_start")) {
		return block_start(s, key, cJSON_GetObjectItemCaseSensitive(root, "content_block"));
	} else if (!strcmp(type, "content_block_delta")) {
		return block_delta(s, key, cJSON_GetObjectItemCaseSensitive(root, "delta"));
	} else if (!strcmp(type, "content_block_stop")) {
		if ((c = dt_prov_call_find(&s->out, key)))
			dt_prov_call_done(&s->out, c);
	} else if (!strcmp(type, "message_delta")) {
		message_delta(s, root);
	} else if (!strcmp(type, "message_stop")) {
		s->stopped_msg = 1;
		return 1;
	} else if (!strcmp(type, "error")) {
		error_event(s, root);
		return 1;
	}
	return 0; /* ping and unknown events */
}

int dt_anthropic_stream_event(struct dt_anthropic_stream *s, const struct dt_sse_event *ev)
{
	const char *type;
	cJSON *root;
	int ret;

	if (s->out.stopped || s->stopped_msg)
		return 1;
	if (!ev->data_len)
		return 0;
	root = cJSON_ParseWithLength(ev->data, ev->data_len);
	if (!cJSON_IsObject(root)) {
		int is_err = ev->type_len == 5 && !memcmp(ev->type, "error", 5);

		cJSON_Delete(root);
		/* a gateway may append "[DONE]" (vercel's captures do); harmless */
		if (ev->data_len == 6 && !memcmp(ev->data, "[DONE]", 6))
			return 0;
		dt_prov_emit_stream_error(&s->out, is_err ? DT_PROV_ERR_STREAM : DT_PROV_ERR_PROTOCOL,
					  "",
					  is_err ? ev->data
						 : "the provider sent an event that is not a JSON object",
					  1);
		return 1;
	}
	type = dt_prov_json_str(root, "type");
	if (!type && !(ev->type_len == 7 && !memcmp(ev->type, "message", 7)))
		type = ev->type; /* the event name, when the data has no type */
	ret = type ? dispatch(s, type, root) : 0;
	cJSON_Delete(root);
	return ret || s->out.stopped;
}

void dt_anthropic_stream_end(struct dt_anthropic_stream *s)
{
	const char *raw;

	if (s->out.stopped)
		return;
	if (!dt_anthropic_stream_complete(s)) {
		dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_CUT, "",
					  "stream cut mid-way: the reply ended before message_stop", 1);
		return;
	}
	dt_prov_calls_flush(&s->out);
	raw = s->stop_reason;
	if (!raw)
		raw = dt_prov_calls_count(&s->out) ? "tool_use" : "end_turn";
	dt_prov_emit_finish(&s->out, dt_anthropic_finish(raw), raw);
}
