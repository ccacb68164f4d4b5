#include "duoterm/providers/openai_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dt_openai_stream_init(struct dt_openai_stream *s, dt_prov_cb cb, void *ud)
{
	memset(s, 0, sizeof(*s));
	dt_prov_out_init(&s->out, cb, ud);
	s->last_key = -1;
	s->next_key = -2;
}

void dt_openai_stream_release(struct dt_openai_stream *s)
{
	dt_prov_out_release(&s->out);
	free(s->finish_raw);
	s->finish_raw = NULL;
}

enum dt_prov_finish dt_openai_finish(const char *reason)
{
	if (!reason || !strcmp(reason, "stop") || !strcmp(reason, "end_turn"))
		return DT_PROV_FINISH_STOP;
	if (!strcmp(reason, "tool_calls") || !strcmp(reason, "function_call"))
		return DT_PROV_FINISH_TOOL_CALLS;
	if (!strcmp(reason, "length"))
		return DT_PROV_FINISH_LENGTH;
	if (!strcmp(reason, "content_filter"))
		return DT_PROV_FINISH_FILTER;
	return DT_PROV_FINISH_OTHER;
}

int dt_openai_stream_complete(const struct dt_openai_stream *s)
{
	return s->done || s->finish_raw;
}

static void protocol_error(struct dt_openai_stream *s, const char *msg)
{
	dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_PROTOCOL, "", msg, 1);
}

/* {"error": {...}} / {"error": "..."} / {"object": "error", ...} */
static int in_stream_error(struct dt_openai_stream *s, const cJSON *root)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *obj = dt_prov_json_str(root, "object");
	const char *msg = NULL, *type = NULL;
	char code[32];

	if (cJSON_IsObject(e)) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");

		msg = dt_prov_json_str(e, "message");
		type = dt_prov_json_str(e, "type");
		if (!type && cJSON_IsString(c))
			type = c->valuestring;
		if (!type && cJSON_IsNumber(c)) {
			snprintf(code, sizeof(code), "%d", c->valueint);
			type = code;
		}
	} else if (cJSON_IsString(e)) {
		msg = e->valuestring;
	} else if (obj && !strcmp(obj, "error")) {
		msg = dt_prov_json_str(root, "message");
		type = dt_prov_json_str(root, "type");
	} else {
		return 0;
	}
	dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_STREAM, type,
				  msg && *msg ? msg : "the provider reported an error in the stream",
				  dt_prov_error_type_retryable(type) ||
					  (msg && dt_prov_error_type_retryable(msg)));
	return 1;
}

static void usage(struct dt_openai_stream *s, const cJSON *u)
{
	struct dt_prov_usage *out = &s->out.usage;
	const cJSON *pd = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
	const cJSON *cd = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens_details");
	long long v;

	if (!cJSON_IsObject(u))
		return;
	if ((v = dt_prov_json_num(u, "prompt_tokens")) >= 0)
		out->input_tokens = (uint64_t)v;
	if ((v = dt_prov_json_num(u, "completion_tokens")) >= 0)
		out->output_tokens = (uint64_t)v;
	if ((v = dt_prov_json_num(pd, "cached_tokens")) >= 0)
		out->cache_read_tokens = (uint64_t)v;
	else if ((v = dt_prov_json_num(u, "prompt_cache_hit_tokens")) >= 0)
		out->cache_read_tokens = (uint64_t)v; /* DeepSeek */
	if ((v = dt_prov_json_num(cd, "reasoning_tokens")) >= 0)
		out->reasoning_tokens = (uint64_t)v;
	dt_prov_emit_usage(&s->out);
}

static long call_key(struct dt_openai_stream *s, const cJSON *tc, const char *id, size_t pos)
{
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(tc, "index");
	struct dt_prov_call *last;

	if (cJSON_IsNumber(idx) && idx->valuedouble >= 0 && idx->valuedouble < 1e6)
		return (long)idx->valuedouble;
	/* no index: a new id is a new call, else the last call goes on */
	last = s->last_key != -1 ? dt_prov_call_find(&s->out, s->last_key) : NULL;
	if (!last || (id && *id && last->id && strcmp(last->id, id)) || (pos && id && *id))
		return s->next_key--;
	return s->last_key;
}

static int tool_call(struct dt_openai_stream *s, const cJSON *tc, size_t pos)
{
	const cJSON *fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
	const char *id = dt_prov_json_str(tc, "id");
	const char *name = dt_prov_json_str(fn, "name");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
	long key = call_key(s, tc, id, pos);
	struct dt_prov_call *c = dt_prov_call_find(&s->out, key);

	if (!cJSON_IsObject(tc))
		return 0;
	/* the same index reused for another call: the first one is complete */
	if (c && id && *id && c->id && strcmp(c->id, id)) {
		dt_prov_call_done(&s->out, c);
		c = NULL;
	}
	if (!c && !(c = dt_prov_call_add(&s->out, key))) {
		protocol_error(s, "too many tool calls in one reply");
		return -1;
	}
	s->last_key = key;
	dt_prov_call_meta(&s->out, c, id, name);
	if (cJSON_IsString(args) &&
	    dt_prov_call_args(&s->out, c, args->valuestring, strlen(args->valuestring))) {
		protocol_error(s, "tool call arguments too long");
		return -1;
	} else if (cJSON_IsObject(args)) {
		/* a few servers send the arguments as an object */
		char *text = cJSON_PrintUnformatted(args);

		if (text)
			dt_prov_call_args(&s->out, c, text, strlen(text));
		free(text);
	}
	return 0;
}

static void content(struct dt_openai_stream *s, const cJSON *c, enum dt_prov_event_type type)
{
	const cJSON *part;

	if (cJSON_IsString(c)) {
		dt_prov_emit_text(&s->out, type, c->valuestring, strlen(c->valuestring));
		return;
	}
	/* Mistral-style content parts */
	cJSON_ArrayForEach(part, (cJSON_IsArray(c) ? c : NULL)) {
		const char *t = dt_prov_json_str(part, "type");
		const char *text = dt_prov_json_str(part, "text");

		if (t && !strcmp(t, "text") && text)
			dt_prov_emit_text(&s->out, type, text, strlen(text));
	}
}

static int choice(struct dt_openai_stream *s, const cJSON *ch)
{
	const cJSON *delta = cJSON_GetObjectItemCaseSensitive(ch, "delta");
	const cJSON *idx = cJSON_GetObjectItemCaseSensitive(ch, "index");
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(delta, "tool_calls");
	const char *reason = dt_prov_json_str(ch, "finish_reason");
	const cJSON *r, *tc;
	size_t pos = 0;

	if (!cJSON_IsObject(ch) || (cJSON_IsNumber(idx) && idx->valuedouble != 0))
		return 0; /* n > 1 is never asked for */
	r = cJSON_GetObjectItemCaseSensitive(delta, "reasoning_content");
	if (!cJSON_IsString(r))
		r = cJSON_GetObjectItemCaseSensitive(delta, "reasoning");
	content(s, r, DT_PROV_EV_REASONING);
	content(s, cJSON_GetObjectItemCaseSensitive(delta, "content"), DT_PROV_EV_TEXT);
	content(s, cJSON_GetObjectItemCaseSensitive(delta, "refusal"), DT_PROV_EV_TEXT);
	cJSON_ArrayForEach(tc, (cJSON_IsArray(calls) ? calls : NULL)) {
		if (tool_call(s, tc, pos++))
			return -1;
	}
	if (reason && *reason) {
		free(s->finish_raw);
		s->finish_raw = dt_xstrdup(reason);
		dt_prov_calls_flush(&s->out);
	}
	return 0;
}

static int is_done(const char *d, size_t len)
{
	while (len && (*d == ' ' || *d == '\t' || *d == '\n' || *d == '\r'))
		d++, len--;
	while (len && (d[len - 1] == ' ' || d[len - 1] == '\t' || d[len - 1] == '\n' ||
		       d[len - 1] == '\r'))
		len--;
	return len == 6 && !memcmp(d, "[DONE]", 6);
}

int dt_openai_stream_event(struct dt_openai_stream *s, const struct dt_sse_event *ev)
{
	const cJSON *ch, *x;
	cJSON *root;
	int is_err_event = ev->type_len == 5 && !memcmp(ev->type, "error", 5);

	if (s->out.stopped || s->done)
		return 1;
	if (!is_err_event && !(ev->type_len == 7 && !memcmp(ev->type, "message", 7)))
		return 0; /* pings and other named events */
	if (!ev->data_len)
		return 0;
	if (is_done(ev->data, ev->data_len)) {
		s->done = 1;
		return 1;
	}
	root = cJSON_ParseWithLength(ev->data, ev->data_len);
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		if (is_err_event)
			dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_STREAM, "", ev->data, 1);
		else
			protocol_error(s, "the provider sent a chunk that is not a JSON object");
		return 1;
	}
	if (in_stream_error(s, root) || is_err_event) {
		if (!s->out.stopped)
			dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_STREAM, "",
						  "the provider reported an error in the stream", 1);
		cJSON_Delete(root);
		return 1;
	}
	x = cJSON_GetObjectItemCaseSensitive(root, "choices");
	cJSON_ArrayForEach(ch, (cJSON_IsArray(x) ? x : NULL)) {
		if (choice(s, ch))
			break;
	}
	if (!s->out.stopped) {
		x = cJSON_GetObjectItemCaseSensitive(root, "usage");
		if (!cJSON_IsObject(x))
			x = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(root, "x_groq"), "usage");
		usage(s, x);
	}
	cJSON_Delete(root);
	return s->out.stopped;
}

void dt_openai_stream_end(struct dt_openai_stream *s)
{
	const char *raw;

	if (s->out.stopped)
		return;
	if (!dt_openai_stream_complete(s)) {
		dt_prov_emit_stream_error(&s->out, DT_PROV_ERR_CUT, "",
					  "stream cut mid-way: the reply ended before its end marker", 1);
		return;
	}
	dt_prov_calls_flush(&s->out);
	raw = s->finish_raw;
	if (!raw)
		raw = dt_prov_calls_count(&s->out) ? "tool_calls" : "stop";
	dt_prov_emit_finish(&s->out, dt_openai_finish(raw), raw);
}
