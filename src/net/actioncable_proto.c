#include "duoterm/net/actioncable_proto.h"

#include <errno.h>
#include <string.h>

const char *dt_ac_type_name(enum dt_ac_type type)
{
	switch (type) {
	case DT_AC_WELCOME:
		return "welcome";
	case DT_AC_PING:
		return "ping";
	case DT_AC_DISCONNECT:
		return "disconnect";
	case DT_AC_CONFIRM:
		return "confirm_subscription";
	case DT_AC_REJECT:
		return "reject_subscription";
	case DT_AC_MESSAGE:
		return "message";
	case DT_AC_UNKNOWN:
		break;
	}
	return "unknown";
}

static const cJSON *member(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const char *string_member(const cJSON *obj, const char *name)
{
	const cJSON *v = member(obj, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum dt_ac_type classify(const cJSON *root, const char **type_name)
{
	const cJSON *type = member(root, "type");

	*type_name = NULL;
	if (!type)
		return member(root, "message") ? DT_AC_MESSAGE : DT_AC_UNKNOWN;
	if (!cJSON_IsString(type))
		return DT_AC_UNKNOWN;
	*type_name = type->valuestring;
	for (enum dt_ac_type t = DT_AC_WELCOME; t <= DT_AC_REJECT; t++)
		if (!strcmp(type->valuestring, dt_ac_type_name(t)))
			return t;
	return DT_AC_UNKNOWN;
}

/* Whole seconds, or 0 for anything that is not a sane number. */
static long long unix_time(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= -9e18 && v->valuedouble <= 9e18))
		return 0;
	return (long long)v->valuedouble;
}

/* Fills the fields of f's type; -EBADMSG when a needed one is missing. */
static int fill(struct dt_ac_frame *f)
{
	switch (f->type) {
	case DT_AC_PING:
		f->ping_time = unix_time(member(f->root, "message"));
		break;
	case DT_AC_DISCONNECT:
		f->reason = string_member(f->root, "reason");
		f->reconnect = cJSON_IsTrue(member(f->root, "reconnect"));
		break;
	case DT_AC_MESSAGE:
		f->message = member(f->root, "message");
		/* fall through */
	case DT_AC_CONFIRM:
	case DT_AC_REJECT:
		f->identifier = string_member(f->root, "identifier");
		if (!f->identifier)
			return -EBADMSG;
		break;
	case DT_AC_WELCOME:
	case DT_AC_UNKNOWN:
		break;
	}
	return 0;
}

static int only_space(const char *s, const char *end)
{
	for (; s < end; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

int dt_ac_frame_parse(struct dt_ac_frame *out, const char *text, size_t len)
{
	const char *end = NULL;
	int ret = -EBADMSG;

	*out = (struct dt_ac_frame){0};
	/* cJSON would stop a string at a raw NUL and read on: refuse it */
	if (!text || !len || memchr(text, '\0', len))
		return -EBADMSG;
	out->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!out->root || !cJSON_IsObject(out->root))
		goto fail;
	if (!end || end < text || end > text + len || !only_space(end, text + len))
		goto fail;
	out->type = classify(out->root, &out->type_name);
	ret = fill(out);
	if (!ret)
		return 0;
fail:
	dt_ac_frame_release(out);
	return ret;
}

cJSON *dt_ac_frame_take_message(struct dt_ac_frame *f)
{
	cJSON *m;

	if (f->type != DT_AC_MESSAGE || !f->message)
		return NULL;
	m = cJSON_DetachItemViaPointer(f->root, (cJSON *)f->message);
	f->message = NULL;
	return m;
}

void dt_ac_frame_release(struct dt_ac_frame *f)
{
	cJSON_Delete(f->root);
	*f = (struct dt_ac_frame){0};
}

/* cJSON returns NULL only on out-of-memory once arguments are checked. */
static cJSON *oom_check(cJSON *item)
{
	if (!item)
		dt_die_oom();
	return item;
}

static void add_string(cJSON *obj, const char *name, const char *value)
{
	oom_check(cJSON_AddStringToObject(obj, name, value));
}

static void add_copy(cJSON *obj, const char *name, const cJSON *item)
{
	cJSON *copy = oom_check(cJSON_Duplicate(item, 1));

	if (!cJSON_AddItemToObject(obj, name, copy))
		dt_die_oom();
}

/* Appends obj as compact JSON to out and frees obj. */
static int emit(struct dt_sb *out, cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (!s)
		dt_die_oom();
	dt_sb_adds(out, s);
	cJSON_free(s);
	return 0;
}

static int build_command(struct dt_sb *out, const char *command, const char *identifier,
                         const char *data)
{
	cJSON *cmd;

	if (!identifier)
		return -EINVAL;
	cmd = oom_check(cJSON_CreateObject());
	add_string(cmd, "command", command);
	add_string(cmd, "identifier", identifier);
	if (data)
		add_string(cmd, "data", data);
	return emit(out, cmd);
}

int dt_ac_build_subscribe(struct dt_sb *out, const char *identifier)
{
	return build_command(out, "subscribe", identifier, NULL);
}

int dt_ac_build_unsubscribe(struct dt_sb *out, const char *identifier)
{
	return build_command(out, "unsubscribe", identifier, NULL);
}

int dt_ac_build_message(struct dt_sb *out, const char *identifier, const cJSON *data)
{
	char *text;
	int ret;

	if (!cJSON_IsObject(data))
		return -EINVAL;
	text = cJSON_PrintUnformatted(data);
	if (!text)
		dt_die_oom();
	ret = build_command(out, "message", identifier, text);
	cJSON_free(text);
	return ret;
}

int dt_ac_build_identifier(struct dt_sb *out, const char *channel, const cJSON *params)
{
	const cJSON *p;
	cJSON *id;

	if (!channel || (params && !cJSON_IsObject(params)) || member(params, "channel"))
		return -EINVAL;
	id = oom_check(cJSON_CreateObject());
	add_string(id, "channel", channel);
	cJSON_ArrayForEach(p, params)
	{
		add_copy(id, p->string, p);
	}
	return emit(out, id);
}

int dt_ac_graphql_identifier(struct dt_sb *out, const struct dt_ac_graphql_sub *sub)
{
	cJSON *params;
	int ret;

	if (!sub->query || (sub->variables && !cJSON_IsObject(sub->variables)))
		return -EINVAL;
	params = oom_check(cJSON_CreateObject());
	add_string(params, "query", sub->query);
	if (sub->variables)
		add_copy(params, "variables", sub->variables);
	if (sub->operation_name)
		add_string(params, "operationName", sub->operation_name);
	if (sub->nonce)
		add_string(params, "nonce", sub->nonce);
	ret = dt_ac_build_identifier(out, "GraphqlChannel", params);
	cJSON_Delete(params);
	return ret;
}

/* A non-empty array, NULL when absent or empty; -1 for a wrong type. */
static int errors_of(const cJSON *v, const cJSON **out)
{
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return -1;
	if (cJSON_GetArraySize(v) > 0)
		*out = v;
	return 0;
}

int dt_ac_graphql_result(const cJSON *message, struct dt_ac_graphql_result *out)
{
	const cJSON *result, *top_errors, *result_errors;

	*out = (struct dt_ac_graphql_result){0};
	if (!cJSON_IsObject(message))
		return -EBADMSG;
	result = member(message, "result");
	if (!result && !member(message, "errors"))
		return -EBADMSG;
	if (result && !cJSON_IsObject(result) && !cJSON_IsNull(result))
		return -EBADMSG;
	if (errors_of(member(message, "errors"), &top_errors) ||
	    errors_of(member(result, "errors"), &result_errors))
		return -EBADMSG;
	out->data = member(result, "data");
	out->errors = top_errors ? top_errors : result_errors;
	out->more = cJSON_IsTrue(member(message, "more"));
	return 0;
}
