#include "duoterm/providers/stream.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

void dt_prov_out_init(struct dt_prov_out *o, dt_prov_cb cb, void *ud)
{
	memset(o, 0, sizeof(*o));
	o->cb = cb;
	o->ud = ud;
}

void dt_prov_out_release(struct dt_prov_out *o)
{
	for (size_t i = 0; i < o->n_calls; i++) {
		free(o->calls[i].id);
		free(o->calls[i].name);
		free(o->calls[i].preset);
		dt_sb_release(&o->calls[i].args);
	}
	free(o->calls);
	o->calls = NULL;
	o->n_calls = o->alloc = 0;
}

static void emit(struct dt_prov_out *o, struct dt_prov_event *ev)
{
	if (o->stopped || !o->cb)
		return;
	o->cb(ev, o->ud);
}

struct dt_prov_call *dt_prov_call_find(struct dt_prov_out *o, long key)
{
	for (size_t i = o->n_calls; i-- > 0;)
		if (o->calls[i].key == key && !o->calls[i].done)
			return &o->calls[i];
	return NULL;
}

struct dt_prov_call *dt_prov_call_add(struct dt_prov_out *o, long key)
{
	struct dt_prov_call *c;

	if (o->n_calls >= DT_PROV_MAX_CALLS)
		return NULL;
	if (o->n_calls == o->alloc) {
		o->alloc = o->alloc ? 2 * o->alloc : 4;
		o->calls = dt_xrealloc(o->calls, o->alloc * sizeof(*o->calls));
	}
	c = &o->calls[o->n_calls];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->position = -1;
	o->n_calls++;
	return c;
}

static void call_event(struct dt_prov_event *ev, enum dt_prov_event_type type,
		       const struct dt_prov_call *c)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->index = c->position;
	ev->id = c->id ? c->id : "";
	ev->name = c->name ? c->name : "";
}

static void call_start(struct dt_prov_out *o, struct dt_prov_call *c)
{
	struct dt_prov_event ev;

	c->started = 1;
	c->position = o->n_started++;
	call_event(&ev, DT_PROV_EV_TOOL_START, c);
	emit(o, &ev);
	if (c->args.len) {
		call_event(&ev, DT_PROV_EV_TOOL_DELTA, c);
		ev.text = c->args.buf;
		ev.len = c->args.len;
		emit(o, &ev);
	}
}

void dt_prov_call_meta(struct dt_prov_out *o, struct dt_prov_call *c, const char *id,
		       const char *name)
{
	if (id && *id && !c->id)
		c->id = dt_xstrdup(id);
	if (name && *name && !c->name)
		c->name = dt_xstrdup(name);
	if (!c->started && c->name)
		call_start(o, c);
}

int dt_prov_call_args(struct dt_prov_out *o, struct dt_prov_call *c, const char *frag, size_t len)
{
	struct dt_prov_event ev;

	if (!len)
		return 0;
	if (c->args.len + len > DT_PROV_MAX_ARGS)
		return -EMSGSIZE;
	dt_sb_add(&c->args, frag, len);
	if (!c->started)
		return 0;
	call_event(&ev, DT_PROV_EV_TOOL_DELTA, c);
	ev.text = c->args.buf + c->args.len - len;
	ev.len = len;
	emit(o, &ev);
	return 0;
}

cJSON *dt_prov_parse_args(const char *text, size_t len, struct dt_sb *err)
{
	const char *end = NULL;
	size_t i = 0;
	cJSON *obj;

	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i == len)
		return cJSON_CreateObject();
	obj = cJSON_ParseWithLengthOpts(text + i, len - i, &end, 0);
	if (!obj) {
		dt_sb_adds(err, "the tool arguments are not valid JSON");
		/* on failure cJSON points end at the error (thread-safe, unlike
		 * cJSON_GetErrorPtr) */
		if (end && end >= text && end <= text + len)
			dt_sb_addf(err, " (at byte %zu of %zu)", (size_t)(end - text), len);
		return NULL;
	}
	while (end && end < text + len && isspace((unsigned char)*end))
		end++;
	if (end != text + len) {
		cJSON_Delete(obj);
		dt_sb_addf(err, "the tool arguments have extra text after the JSON (at byte %zu of %zu)",
			   (size_t)(end - text), len);
		return NULL;
	}
	if (!cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		dt_sb_adds(err, "the tool arguments are JSON but not an object");
		return NULL;
	}
	return obj;
}

void dt_prov_call_done(struct dt_prov_out *o, struct dt_prov_call *c)
{
	struct dt_sb err = DT_SB_INIT;
	struct dt_prov_event ev;
	cJSON *args;

	if (c->done)
		return;
	if (!c->started)
		call_start(o, c);
	/* so that the deltas always add up to raw_args */
	if (!c->args.len && c->preset)
		dt_prov_call_args(o, c, c->preset, strlen(c->preset));
	c->done = 1;
	args = dt_prov_parse_args(c->args.buf ? c->args.buf : "", c->args.len, &err);
	call_event(&ev, DT_PROV_EV_TOOL_DONE, c);
	ev.args = args;
	ev.args_error = args ? NULL : dt_sb_str(&err);
	ev.raw_args = c->args.buf ? c->args.buf : "";
	ev.text = ev.raw_args;
	ev.len = c->args.len;
	emit(o, &ev);
	cJSON_Delete(args);
	dt_sb_release(&err);
	/* the text is no longer needed: keep memory bounded */
	dt_sb_release(&c->args);
}

void dt_prov_calls_flush(struct dt_prov_out *o)
{
	for (size_t i = 0; i < o->n_calls; i++)
		dt_prov_call_done(o, &o->calls[i]);
}

size_t dt_prov_calls_count(const struct dt_prov_out *o)
{
	return o->n_calls;
}

void dt_prov_emit_text(struct dt_prov_out *o, enum dt_prov_event_type type, const char *text,
		       size_t len)
{
	struct dt_prov_event ev = {.type = type, .text = text, .len = len};

	if (len)
		emit(o, &ev);
}

void dt_prov_emit_usage(struct dt_prov_out *o)
{
	struct dt_prov_event ev = {.type = DT_PROV_EV_USAGE, .usage = o->usage};

	emit(o, &ev);
}

void dt_prov_emit_finish(struct dt_prov_out *o, enum dt_prov_finish finish, const char *raw)
{
	struct dt_prov_event ev = {.type = DT_PROV_EV_FINISH, .finish = finish,
				   .finish_raw = raw ? raw : ""};

	emit(o, &ev);
	o->stopped = 1;
}

void dt_prov_emit_error(struct dt_prov_out *o, const struct dt_prov_error *err)
{
	struct dt_prov_event ev = {.type = DT_PROV_EV_ERROR, .error = err};

	emit(o, &ev);
	o->stopped = 1;
}

void dt_prov_emit_stream_error(struct dt_prov_out *o, enum dt_prov_error_kind kind,
			       const char *type, const char *message, int retryable)
{
	struct dt_prov_error err = {
		.kind = kind,
		.type = type ? type : "",
		.message = message ? message : "",
		.retryable = retryable,
		.retry_after_ms = -1,
	};

	dt_prov_emit_error(o, &err);
}

int dt_prov_error_type_retryable(const char *type)
{
	static const char *const words[] = {
		"overloaded", "server_error", "api_error", "rate_limit", "timeout",
		"unavailable", "internal",
	};

	if (!type)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(type, words[i]))
			return 1;
	return 0;
}

const char *dt_prov_json_str(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

long long dt_prov_json_num(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(it) || !(it->valuedouble >= 0))
		return -1;
	if (it->valuedouble >= 9.0e18)
		return LLONG_MAX;
	return (long long)it->valuedouble;
}
