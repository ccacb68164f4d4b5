/*
 * The provider runtime: one HTTP streaming request per attempt on the net
 * thread, decoded on the main thread, retried with backoff while nothing
 * was shown, and the GitLab direct-access token fetched and refreshed.
 */
#include "duoterm/providers/provider.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/loop.h"
#include "duoterm/net/http.h"
#include "duoterm/net/sse.h"
#include "duoterm/providers/anthropic.h"
#include "duoterm/providers/anthropic_stream.h"
#include "duoterm/providers/gateway.h"
#include "duoterm/providers/openai.h"
#include "duoterm/providers/openai_stream.h"

#define MOD "provider"
#define ERR_BODY_MAX ((size_t)64 << 10)

/* ---- small shared helpers -------------------------------------------------- */

int dt_prov_kind_parse(const char *name, enum dt_prov_kind *out)
{
	static const char *const names[] = {"openai", "anthropic", "gitlab"};

	for (int i = 0; name && i < 3; i++) {
		if (!strcasecmp(name, names[i])) {
			*out = (enum dt_prov_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *dt_prov_kind_name(enum dt_prov_kind kind)
{
	switch (kind) {
	case DT_PROV_OPENAI:
		return "openai";
	case DT_PROV_ANTHROPIC:
		return "anthropic";
	case DT_PROV_GITLAB:
		return "gitlab";
	}
	return "?";
}

cJSON *dt_prov_tool_schema(const struct dt_prov_tool *t)
{
	cJSON *schema = t->parameters ? cJSON_Duplicate(t->parameters, 1) : NULL;

	if (!schema) {
		schema = cJSON_CreateObject();
		cJSON_AddStringToObject(schema, "type", "object");
		cJSON_AddObjectToObject(schema, "properties");
	}
	return schema;
}

char *dt_prov_system_prompt(const char *instructions, const char *system)
{
	struct dt_sb sb = DT_SB_INIT;

	if (instructions && *instructions)
		dt_sb_adds(&sb, instructions);
	if (system && *system) {
		if (sb.len)
			dt_sb_adds(&sb, "\n\n");
		dt_sb_adds(&sb, system);
	}
	return sb.len ? dt_sb_detach(&sb, NULL) : NULL;
}

static void add_cut(struct dt_sb *sb, const char *s, size_t len, size_t max)
{
	while (len && isspace((unsigned char)*s))
		s++, len--;
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len > max) {
		len = max;
		while (len && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--; /* not inside a UTF-8 sequence */
		dt_sb_add(sb, s, len);
		dt_sb_adds(sb, "...");
		return;
	}
	dt_sb_add(sb, s, len);
}

static const char *str_or_code(const cJSON *obj, const char *name, char *buf, size_t size)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (cJSON_IsString(it) && *it->valuestring)
		return it->valuestring;
	if (cJSON_IsNumber(it)) {
		snprintf(buf, size, "%.0f", it->valuedouble);
		return buf;
	}
	return NULL;
}

void dt_prov_error_message(const char *body, size_t len, struct dt_sb *msg, struct dt_sb *type)
{
	cJSON *root = len ? cJSON_ParseWithLength(body, len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *m = NULL, *t = NULL;
	char buf[32];

	if (cJSON_IsObject(e)) {
		m = dt_prov_json_str(e, "message");
		t = str_or_code(e, "type", buf, sizeof(buf));
		if (!t)
			t = str_or_code(e, "code", buf, sizeof(buf));
	} else if (cJSON_IsString(e)) {
		m = e->valuestring;
	}
	if (!m)
		m = dt_prov_json_str(root, "message");
	if (!m)
		m = dt_prov_json_str(root, "detail");
	if (!m)
		m = dt_prov_json_str(root, "error_description");
	if (!t && (t = dt_prov_json_str(root, "type")) && !strcmp(t, "error"))
		t = NULL;
	if (!t)
		t = str_or_code(root, "code", buf, sizeof(buf));
	if (m && *m)
		add_cut(msg, m, strlen(m), 500);
	else if (root && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "detail")))
		add_cut(msg, body, len, 500); /* FastAPI validation errors */
	else if (!root)
		add_cut(msg, body, len, 500);
	if (t && type)
		dt_sb_adds(type, t);
	cJSON_Delete(root);
}

long dt_prov_retry_after_ms(const char *retry_after, const char *retry_after_ms, int64_t now)
{
	char *end;
	double v;

	if (retry_after_ms && *retry_after_ms) {
		v = strtod(retry_after_ms, &end);
		if (end != retry_after_ms && v >= 0 && v < 1e9)
			return (long)v;
	}
	if (!retry_after || !*retry_after)
		return -1;
	v = strtod(retry_after, &end);
	if (end != retry_after && v >= 0 && v < 1e6) {
		while (isspace((unsigned char)*end))
			end++;
		if (!*end)
			return (long)(v * 1000);
	}
	{
		struct tm tm = {0};
		const char *rest = strptime(retry_after, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		int64_t at;

		if (!rest)
			return -1;
		at = (int64_t)timegm(&tm);
		if (at <= now)
			return 0;
		if (at - now > 1000000)
			return -1;
		return (long)((at - now) * 1000);
	}
}

int dt_prov_status_retryable(long status)
{
	return status == 408 || status == 409 || status == 429 || status >= 500;
}

long dt_prov_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, long retry_after_ms)
{
	static unsigned seed;
	unsigned long d = base_ms ? base_ms : 500;

	if (retry_after_ms >= 0)
		return retry_after_ms;
	for (unsigned i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (max_ms && d > max_ms)
		d = max_ms;
	if (!seed)
		seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
	seed = seed * 1103515245u + 12345u;
	return (long)(d - d * ((seed >> 16) % 26) / 100);
}

/* ---- the provider -------------------------------------------------------- */

struct listing;

struct dt_provider {
	struct dt_net *net;
	struct dt_loop *loop;
	enum dt_prov_kind kind;
	char *model, *small_model, *instructions;
	char *base_url, *api_key, *auth_token, *api_version;
	char *gitlab_url, *gitlab_token, *gw_base;
	unsigned max_retries, backoff_ms, backoff_max_ms, http_flags;
	long idle_timeout_ms;
	int azure, official;
	/* GitLab direct access */
	struct dt_gw_token tok;
	struct token_fetch *fetch;
	struct dt_prov_stream *streams;
	struct listing *listings;
};

enum stream_state { S_IDLE, S_TIMER, S_TOKEN, S_HTTP };

struct dt_prov_stream {
	struct dt_prov_stream *prev, *next;
	struct dt_provider *p; /* NULL once the provider is gone */
	struct dt_net *net;
	dt_prov_cb cb;
	void *ud;
	enum dt_prov_kind wire; /* OPENAI or ANTHROPIC */
	char *body;
	size_t body_len;
	enum stream_state state;
	dt_net_id http_id;
	int http_live;
	uint64_t timer;
	unsigned attempt;
	int busy; /* inside a callback or a dispatch: do not free */
	unsigned delivered : 1, cancelled : 1, ended : 1, auth_refreshed : 1, held : 1;
	/* the current attempt */
	long status;
	long retry_after_ms;
	int should_retry; /* x-should-retry: -1 none, 0, 1 */
	struct dt_sb err_body;
	int dec_live;
	struct dt_sse sse;
	struct dt_openai_stream oai;
	struct dt_anthropic_stream ant;
	struct dt_prov_usage usage;
	int have_usage;
	/* an error the decoder reported, acted on when the transfer is done */
	struct dt_prov_error err;
	struct dt_sb err_msg, err_type;
};

static void attempt_start(struct dt_prov_stream *s);
static void reap(struct dt_prov_stream *s);

static char *xdup(const char *s)
{
	return s && *s ? dt_xstrdup(s) : NULL;
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

static const char *default_model(enum dt_prov_kind kind)
{
	switch (kind) {
	case DT_PROV_OPENAI:
		return DT_OPENAI_DEFAULT_MODEL;
	case DT_PROV_ANTHROPIC:
		return DT_ANTHROPIC_DEFAULT_MODEL;
	case DT_PROV_GITLAB:
		return DT_GW_DEFAULT_MODEL;
	}
	return NULL;
}

int dt_provider_opts_from_config(struct dt_provider_opts *o, const struct dt_config *cfg,
				 struct dt_sb *err)
{
	const char *v;

	if (cfg->provider && dt_prov_kind_parse(cfg->provider, &o->kind)) {
		dt_sb_addf(err, "unknown provider \"%s\" (openai, anthropic or gitlab)",
			   cfg->provider);
		return -1;
	}
	o->model = cfg->model;
	o->small_model = cfg->small_model;
	o->instructions = cfg->instructions;
	o->gitlab_url = cfg->instance_url;
	o->gitlab_token = cfg->token;
	o->gateway_url = cfg->ai_gateway_url;
	if (o->kind == DT_PROV_OPENAI) {
		o->base_url = cfg->openai_base_url;
		o->api_key = cfg->openai_api_key;
		if ((v = getenv("OPENAI_API_VERSION")) && *v)
			o->api_version = v;
	} else if (o->kind == DT_PROV_ANTHROPIC) {
		o->base_url = cfg->anthropic_base_url;
		o->api_key = cfg->anthropic_api_key;
		if ((v = getenv("ANTHROPIC_AUTH_TOKEN")) && *v)
			o->auth_token = v;
	}
	return 0;
}

/* 0 when the gateway can serve model (NULL: the default), else -1 and why,
 * with the names that work. */
static int gw_model_check(const char *model, struct dt_sb *err)
{
	const struct dt_gw_model *m;
	const char *upstream;
	enum dt_prov_kind wire;
	size_t n;
	int rc = dt_gw_map_model(model, &upstream, &wire);

	if (!rc)
		return 0;
	if (rc == -ENOTSUP)
		dt_sb_addf(err, "model %s needs the OpenAI Responses API, which duoterm does not "
			   "speak yet; ", model);
	else
		dt_sb_addf(err, "unknown GitLab model %s; ", model);
	dt_sb_adds(err, "the GitLab provider knows");
	m = dt_gw_models(&n);
	for (size_t i = 0; i < n; i++)
		dt_sb_addf(err, "%s %s", i ? "," : "", m[i].name);
	dt_sb_adds(err, " (or an upstream claude-* / gpt-* id)");
	return -1;
}

static int check_opts(const struct dt_provider_opts *o, struct dt_sb *err)
{
	switch (o->kind) {
	case DT_PROV_OPENAI:
		if (dt_openai_is_official(o->base_url) && !(o->api_key && *o->api_key)) {
			dt_sb_adds(err, "no API key: set OPENAI_API_KEY (or openai.api_key)");
			return -1;
		}
		return 0;
	case DT_PROV_ANTHROPIC:
		if (!(o->api_key && *o->api_key) && !(o->auth_token && *o->auth_token) &&
		    (!o->base_url || strstr(o->base_url, "api.anthropic.com"))) {
			dt_sb_adds(err, "no API key: set ANTHROPIC_API_KEY (or anthropic.api_key)");
			return -1;
		}
		return 0;
	case DT_PROV_GITLAB:
		if (!(o->gitlab_token && *o->gitlab_token)) {
			dt_sb_adds(err, "no GitLab token: set GITLAB_TOKEN or run duoterm login");
			return -1;
		}
		/* a model the gateway cannot serve fails here, not at the first request */
		if (gw_model_check(o->model, err) ||
		    (o->small_model && *o->small_model && gw_model_check(o->small_model, err)))
			return -1;
		return 0;
	}
	dt_sb_adds(err, "unknown provider");
	return -1;
}

struct dt_provider *dt_provider_new(struct dt_net *net, struct dt_loop *loop,
				    const struct dt_provider_opts *o, struct dt_sb *err)
{
	struct dt_provider *p;

	if (check_opts(o, err))
		return NULL;
	p = dt_xcalloc(1, sizeof(*p));
	p->net = net;
	p->loop = loop;
	p->kind = o->kind;
	p->model = dt_xstrdup(o->model && *o->model ? o->model : default_model(o->kind));
	p->small_model = xdup(o->small_model);
	p->instructions = xdup(o->instructions);
	p->base_url = xdup(o->base_url);
	p->api_key = xdup(o->api_key);
	p->auth_token = xdup(o->auth_token);
	p->api_version = xdup(o->api_version);
	p->gitlab_url = xdup(o->gitlab_url);
	p->gitlab_token = xdup(o->gitlab_token);
	p->gw_base = o->kind == DT_PROV_GITLAB ? dt_gw_base(o->gateway_url) : NULL;
	p->max_retries = o->max_retries == DT_PROV_NO_RETRY ? 0 : o->max_retries ? o->max_retries : 4;
	p->backoff_ms = o->backoff_ms ? o->backoff_ms : 500;
	p->backoff_max_ms = o->backoff_max_ms ? o->backoff_max_ms : 30000;
	p->idle_timeout_ms = o->idle_timeout_ms ? o->idle_timeout_ms : 120000;
	p->http_flags = o->http_flags;
	p->azure = o->kind == DT_PROV_OPENAI && dt_openai_is_azure(p->base_url);
	p->official = o->kind == DT_PROV_OPENAI && dt_openai_is_official(p->base_url);
	if (p->api_key)
		dt_secret_register(p->api_key);
	if (p->auth_token)
		dt_secret_register(p->auth_token);
	if (p->gitlab_token)
		dt_secret_register(p->gitlab_token);
	dt_debug(MOD, "%s provider, model %s", dt_prov_kind_name(p->kind), p->model);
	return p;
}

enum dt_prov_kind dt_provider_kind(const struct dt_provider *p)
{
	return p->kind;
}

const char *dt_provider_model(const struct dt_provider *p)
{
	return p->model;
}

const char *dt_provider_small_model(const struct dt_provider *p)
{
	return p->small_model ? p->small_model : p->model;
}

/* ---- delivering events ------------------------------------------------------ */

/* Calls the user's callback; 1 when the stream was cancelled meanwhile. */
static int deliver(struct dt_prov_stream *s, const struct dt_prov_event *ev)
{
	if (s->cancelled || s->ended)
		return 1;
	s->busy++;
	s->cb(ev, s->ud);
	s->busy--;
	return s->cancelled;
}

static void flush_usage(struct dt_prov_stream *s)
{
	struct dt_prov_event ev = {.type = DT_PROV_EV_USAGE};

	if (!s->have_usage)
		return;
	s->have_usage = 0;
	ev.usage = s->usage;
	deliver(s, &ev);
}

/* Events from the decoder.  Usage is held back until something is shown,
 * so that an attempt that fails before its first text is invisible. */
static void on_decoded(const struct dt_prov_event *ev, void *ud)
{
	struct dt_prov_stream *s = ud;

	if (s->cancelled || s->ended || s->held)
		return;
	switch (ev->type) {
	case DT_PROV_EV_ERROR:
		s->held = 1;
		s->err = *ev->error;
		dt_sb_reset(&s->err_msg);
		dt_sb_reset(&s->err_type);
		dt_sb_adds(&s->err_msg, ev->error->message);
		dt_sb_adds(&s->err_type, ev->error->type);
		return;
	case DT_PROV_EV_USAGE:
		s->usage = ev->usage;
		s->have_usage = 1;
		if (s->delivered)
			flush_usage(s);
		return;
	case DT_PROV_EV_FINISH:
		flush_usage(s);
		deliver(s, ev);
		s->ended = 1;
		return;
	default:
		if (!s->delivered) {
			s->delivered = 1;
			flush_usage(s);
		}
		deliver(s, ev);
		return;
	}
}

static int on_sse(void *ud, const struct dt_sse_event *ev)
{
	struct dt_prov_stream *s = ud;

	if (s->wire == DT_PROV_ANTHROPIC)
		return dt_anthropic_stream_event(&s->ant, ev);
	return dt_openai_stream_event(&s->oai, ev);
}

static void decoder_begin(struct dt_prov_stream *s)
{
	dt_sse_init(&s->sse, on_sse, s);
	if (s->wire == DT_PROV_ANTHROPIC)
		dt_anthropic_stream_init(&s->ant, on_decoded, s);
	else
		dt_openai_stream_init(&s->oai, on_decoded, s);
	s->dec_live = 1;
}

static void decoder_free(struct dt_prov_stream *s)
{
	if (!s->dec_live)
		return;
	dt_sse_release(&s->sse);
	if (s->wire == DT_PROV_ANTHROPIC)
		dt_anthropic_stream_release(&s->ant);
	else
		dt_openai_stream_release(&s->oai);
	s->dec_live = 0;
}

static int decoder_complete(struct dt_prov_stream *s)
{
	if (!s->dec_live)
		return 0;
	return s->wire == DT_PROV_ANTHROPIC ? dt_anthropic_stream_complete(&s->ant)
					    : dt_openai_stream_complete(&s->oai);
}

static void decoder_end(struct dt_prov_stream *s)
{
	dt_sse_finish(&s->sse);
	if (s->wire == DT_PROV_ANTHROPIC)
		dt_anthropic_stream_end(&s->ant);
	else
		dt_openai_stream_end(&s->oai);
}

/* ---- failures and retries ------------------------------------------------- */

static void on_timer(struct dt_loop *loop, void *ud)
{
	struct dt_prov_stream *s = ud;

	(void)loop;
	s->timer = 0;
	s->state = S_IDLE;
	s->busy++;
	attempt_start(s);
	s->busy--;
	reap(s);
}

/* An attempt failed: retry it later, or end the stream with the error. */
static void fail(struct dt_prov_stream *s, struct dt_prov_error *err)
{
	struct dt_provider *p = s->p;
	struct dt_prov_event ev = {.error = err};
	struct dt_sb msg = DT_SB_INIT;
	long delay;

	err->mid_stream = s->delivered;
	if (s->delivered && (err->kind == DT_PROV_ERR_TRANSPORT) &&
	    strncmp(err->message, "stream cut", 10)) {
		dt_sb_addf(&msg, "stream cut mid-way: %s", err->message);
		err->message = msg.buf;
	}
	/* callers hold a live provider (s->p is checked before) */
	delay = dt_prov_backoff_ms(s->attempt, p->backoff_ms, p->backoff_max_ms, err->retry_after_ms);
	if (err->retryable && !s->delivered && s->attempt <= p->max_retries &&
	    delay <= (long)p->backoff_max_ms * 2) {
		dt_info(MOD, "attempt %u failed (%ld %s), retrying in %ld ms", s->attempt,
			err->status, err->message, delay);
		ev.type = DT_PROV_EV_RETRY;
		ev.retry_in_ms = delay;
		ev.attempt = s->attempt;
		if (!deliver(s, &ev)) {
			if (p->loop && delay > 0) {
				s->state = S_TIMER;
				s->timer = dt_loop_add_timer(p->loop, (uint64_t)delay, on_timer, s);
			}
			if (!s->timer) {
				s->state = S_IDLE;
				attempt_start(s);
			}
		}
	} else {
		dt_info(MOD, "request failed (%ld %s)", err->status, err->message);
		ev.type = DT_PROV_EV_ERROR;
		deliver(s, &ev);
		s->ended = 1;
	}
	dt_sb_release(&msg);
}

static void fail_simple(struct dt_prov_stream *s, enum dt_prov_error_kind kind, long status,
			const char *message, int retryable, long retry_after_ms)
{
	struct dt_prov_error err = {
		.kind = kind,
		.status = status,
		.type = "",
		.message = message,
		.retryable = retryable,
		.retry_after_ms = retry_after_ms,
	};

	fail(s, &err);
}

/* ---- the stream's HTTP transfer --------------------------------------------- */

static void attempt_reset(struct dt_prov_stream *s)
{
	decoder_free(s);
	s->status = 0;
	s->retry_after_ms = -1;
	s->should_retry = -1;
	s->held = 0;
	s->have_usage = 0;
	dt_sb_reset(&s->err_body);
}

static void http_error(struct dt_prov_stream *s)
{
	struct dt_sb msg = DT_SB_INIT, type = DT_SB_INIT;
	struct dt_prov_error err = {.kind = DT_PROV_ERR_HTTP, .status = s->status};

	dt_prov_error_message(s->err_body.buf ? s->err_body.buf : "", s->err_body.len, &msg, &type);
	if (!msg.len)
		dt_sb_addf(&msg, "HTTP %ld", s->status);
	err.message = msg.buf;
	err.type = dt_sb_str(&type);
	err.retryable = s->should_retry >= 0 ? s->should_retry : dt_prov_status_retryable(s->status);
	err.retry_after_ms = s->retry_after_ms;
	fail(s, &err);
	dt_sb_release(&msg);
	dt_sb_release(&type);
}

static void http_done(struct dt_prov_stream *s, const struct dt_http_event *ev)
{
	struct dt_provider *p = s->p;

	if (s->status >= 200 && s->status < 300) {
		if (!s->held && !s->ended && ev->result && !decoder_complete(s)) {
			fail_simple(s, DT_PROV_ERR_TRANSPORT, 0, ev->error[0] ? ev->error : "transfer failed",
				    1, -1);
			return;
		}
		if (!s->held && !s->ended)
			decoder_end(s);
		if (s->held) {
			s->err.message = dt_sb_str(&s->err_msg);
			s->err.type = dt_sb_str(&s->err_type);
			fail(s, &s->err);
		}
		return;
	}
	if (!s->status) {
		fail_simple(s, DT_PROV_ERR_TRANSPORT, 0, ev->error[0] ? ev->error : "no answer", 1, -1);
		return;
	}
	if (s->status == 401 && p->kind == DT_PROV_GITLAB && !s->auth_refreshed) {
		/* the gateway token expired early or was revoked: get a new one */
		s->auth_refreshed = 1;
		dt_gw_token_release(&p->tok);
		s->attempt--;
		attempt_start(s);
		return;
	}
	http_error(s);
}

static void on_http(const struct dt_http_event *ev, void *ud)
{
	struct dt_prov_stream *s = ud;
	const char *v;

	switch (ev->type) {
	case DT_HTTP_HEAD:
		s->status = ev->status;
		if (s->cancelled || s->ended)
			return;
		if (ev->status >= 200 && ev->status < 300) {
			decoder_begin(s);
			return;
		}
		s->retry_after_ms = dt_prov_retry_after_ms(dt_http_header(ev, "retry-after"),
							   dt_http_header(ev, "retry-after-ms"), now_s());
		if ((v = dt_http_header(ev, "x-should-retry")))
			s->should_retry = !strcasecmp(v, "true");
		return;
	case DT_HTTP_BODY:
		if (s->cancelled || s->ended || s->held)
			return;
		if (s->dec_live) {
			s->busy++;
			dt_sse_feed(&s->sse, ev->data, ev->len);
			s->busy--;
			/* an error or a cancel: stop the transfer; DONE follows */
			if ((s->held || s->cancelled || s->ended) && s->http_live)
				dt_http_cancel(s->net, s->http_id);
		} else if (s->err_body.len < ERR_BODY_MAX) {
			dt_sb_add(&s->err_body, ev->data, ev->len);
		}
		return;
	case DT_HTTP_DONE:
		s->http_live = 0;
		if (s->state == S_HTTP)
			s->state = S_IDLE;
		if (!s->cancelled && !s->ended && s->p) {
			s->busy++;
			http_done(s, ev);
			s->busy--;
		}
		reap(s);
		return;
	}
}

/* Appends "<prefix><value>" and a NUL. */
static void add_header(struct dt_sb *hdrs, const char *prefix, const char *value)
{
	dt_sb_adds(hdrs, prefix);
	dt_sb_adds(hdrs, value);
	dt_sb_addc(hdrs, '\0');
}

/* The URL and headers of an attempt; headers as NUL-separated lines. */
static char *request_target(struct dt_prov_stream *s, struct dt_sb *hdrs)
{
	struct dt_provider *p = s->p;
	char *url;

	add_header(hdrs, "Content-Type: ", "application/json");
	add_header(hdrs, "Accept: ", "text/event-stream");
	if (s->wire == DT_PROV_ANTHROPIC)
		add_header(hdrs, "anthropic-version: ", DT_ANTHROPIC_VERSION);
	if (p->kind == DT_PROV_GITLAB) {
		url = dt_gw_url(p->gw_base, s->wire,
				s->wire == DT_PROV_ANTHROPIC ? "messages" : "chat/completions");
		add_header(hdrs, "Authorization: Bearer ", p->tok.token);
		for (size_t i = 0; i < p->tok.n_headers; i++)
			add_header(hdrs, "", p->tok.headers[i]);
	} else if (s->wire == DT_PROV_ANTHROPIC) {
		url = dt_anthropic_url(p->base_url, "messages");
		if (p->auth_token)
			add_header(hdrs, "Authorization: Bearer ", p->auth_token);
		else if (p->api_key)
			add_header(hdrs, "x-api-key: ", p->api_key);
	} else {
		url = dt_openai_url(p->base_url, "chat/completions", p->api_version);
		if (p->api_key)
			add_header(hdrs, p->azure ? "api-key: " : "Authorization: Bearer ",
				   p->api_key);
	}
	return url;
}

static void http_begin(struct dt_prov_stream *s)
{
	struct dt_provider *p = s->p;
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_sb hdrs = DT_SB_INIT;
	const char *lines[64];
	size_t n = 0;
	char *url = request_target(s, &hdrs);
	int rc;

	for (size_t off = 0; off < hdrs.len && n < 63; off += strlen(hdrs.buf + off) + 1)
		lines[n++] = hdrs.buf + off;
	lines[n] = NULL;
	req.method = "POST";
	req.url = url;
	req.headers = lines;
	req.body = s->body;
	req.body_len = s->body_len;
	req.idle_timeout_ms = p->idle_timeout_ms;
	req.flags = p->http_flags;
	dt_debug(MOD, "POST %s (attempt %u, %zu bytes)", url, s->attempt, s->body_len);
	rc = dt_http_start(p->net, &req, on_http, s, &s->http_id);
	free(url);
	dt_sb_release(&hdrs);
	if (rc) {
		fail_simple(s, DT_PROV_ERR_TRANSPORT, 0,
			    rc == -EAGAIN ? "the network queue is full" : "the network is stopping",
			    rc == -EAGAIN, -1);
		return;
	}
	s->http_live = 1;
	s->state = S_HTTP;
}

/* ---- GitLab direct-access token --------------------------------------------- */

struct token_fetch {
	struct dt_provider *p; /* NULL once the provider is gone */
	dt_net_id id;
	long status;
	long retry_after_ms;
	struct dt_sb body;
};

static void token_failed(struct dt_provider *p, struct dt_prov_error *err)
{
	struct dt_prov_stream **waiting;
	size_t n = 0, i = 0;

	for (struct dt_prov_stream *s = p->streams; s; s = s->next)
		n += s->state == S_TOKEN;
	waiting = dt_xcalloc(n + 1, sizeof(*waiting));
	for (struct dt_prov_stream *s = p->streams; s && i < n; s = s->next) {
		if (s->state == S_TOKEN) {
			s->state = S_IDLE;
			s->busy++;
			waiting[i++] = s;
		}
	}
	for (i = 0; i < n; i++) {
		struct dt_prov_stream *s = waiting[i];

		if (!s->cancelled && !s->ended) {
			if (err)
				fail(s, err);
			else
				http_begin(s);
		}
		s->busy--;
	}
	for (i = 0; i < n; i++)
		reap(waiting[i]);
	free(waiting);
}

static void token_done(struct token_fetch *f, const struct dt_http_event *ev)
{
	struct dt_provider *p = f->p;
	struct dt_sb msg = DT_SB_INIT, type = DT_SB_INIT;
	struct dt_prov_error err = {.kind = DT_PROV_ERR_AUTH, .status = f->status, .type = ""};

	p->fetch = NULL;
	if (f->status == 200 || f->status == 201) {
		dt_gw_token_release(&p->tok);
		if (!dt_gw_token_parse(f->body.buf ? f->body.buf : "", f->body.len, now_s(), &p->tok,
				       &msg)) {
			dt_secret_register(p->tok.token);
			dt_debug(MOD, "direct-access token for %lld s",
				 (long long)(p->tok.expires_at - now_s()));
			token_failed(p, NULL);
			goto done;
		}
		err.kind = DT_PROV_ERR_PROTOCOL;
	} else if (!f->status) {
		err.kind = DT_PROV_ERR_TRANSPORT;
		dt_sb_addf(&msg, "cannot reach GitLab for the AI gateway token: %s", ev->error);
		err.retryable = 1;
	} else {
		dt_sb_addf(&msg, "GitLab refused the AI gateway token (HTTP %ld): ", f->status);
		dt_prov_error_message(f->body.buf ? f->body.buf : "", f->body.len, &msg, &type);
		if (f->status == 401)
			dt_sb_adds(&msg, " (check GITLAB_TOKEN: it needs the api or ai_features scope)");
		else if (f->status == 403)
			dt_sb_adds(&msg, " (direct access needs GitLab Duo for this user)");
		err.retryable = dt_prov_status_retryable(f->status);
		err.retry_after_ms = f->retry_after_ms;
		err.type = dt_sb_str(&type);
	}
	err.message = dt_sb_str(&msg);
	token_failed(p, &err);
done:
	dt_sb_release(&msg);
	dt_sb_release(&type);
}

static void on_token_http(const struct dt_http_event *ev, void *ud)
{
	struct token_fetch *f = ud;

	switch (ev->type) {
	case DT_HTTP_HEAD:
		f->status = ev->status;
		f->retry_after_ms = dt_prov_retry_after_ms(dt_http_header(ev, "retry-after"), NULL,
							   now_s());
		return;
	case DT_HTTP_BODY:
		if (f->body.len < ERR_BODY_MAX)
			dt_sb_add(&f->body, ev->data, ev->len);
		return;
	case DT_HTTP_DONE:
		if (f->p && !ev->cancelled)
			token_done(f, ev);
		dt_sb_release(&f->body);
		free(f);
		return;
	}
}

static void token_fetch(struct dt_prov_stream *s)
{
	struct dt_provider *p = s->p;
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_sb auth = DT_SB_INIT;
	struct token_fetch *f;
	char *url, *body;
	int rc;

	s->state = S_TOKEN;
	if (p->fetch)
		return;
	f = dt_xcalloc(1, sizeof(*f));
	f->p = p;
	f->retry_after_ms = -1;
	url = dt_gw_direct_access_url(p->gitlab_url);
	body = dt_gw_direct_access_body();
	dt_sb_addf(&auth, "Authorization: Bearer %s", p->gitlab_token);
	req.method = "POST";
	req.url = url;
	req.headers = (const char *[]){auth.buf, "Content-Type: application/json",
				       "Accept: application/json", NULL};
	req.body = body;
	req.body_len = strlen(body);
	req.flags = p->http_flags;
	dt_debug(MOD, "POST %s", url);
	rc = dt_http_start(p->net, &req, on_token_http, f, &f->id);
	free(url);
	free(body);
	dt_sb_release(&auth);
	if (rc) {
		free(f);
		s->state = S_IDLE;
		fail_simple(s, DT_PROV_ERR_TRANSPORT, 0, "the network queue is full", rc == -EAGAIN,
			    -1);
		return;
	}
	p->fetch = f;
}

/* ---- streams ---------------------------------------------------------------- */

static void attempt_start(struct dt_prov_stream *s)
{
	struct dt_provider *p = s->p;

	if (!p || s->cancelled || s->ended)
		return;
	s->attempt++;
	attempt_reset(s);
	if (p->kind == DT_PROV_GITLAB && !dt_gw_token_fresh(&p->tok, now_s())) {
		token_fetch(s);
		return;
	}
	http_begin(s);
}

static void stream_free(struct dt_prov_stream *s)
{
	if (s->p) {
		if (s->prev)
			s->prev->next = s->next;
		else
			s->p->streams = s->next;
		if (s->next)
			s->next->prev = s->prev;
	}
	decoder_free(s);
	dt_sb_release(&s->err_body);
	dt_sb_release(&s->err_msg);
	dt_sb_release(&s->err_type);
	free(s->body);
	free(s);
}

/* Frees a stream that is over once nothing refers to it any more. */
static void reap(struct dt_prov_stream *s)
{
	if ((s->cancelled || s->ended || !s->p) && !s->busy && !s->http_live && !s->timer)
		stream_free(s);
}

static int build_body(struct dt_provider *p, const struct dt_prov_request *req,
		      struct dt_prov_stream *s, struct dt_sb *body, struct dt_sb *err)
{
	const char *model = req->model && *req->model ? req->model : p->model;
	unsigned flags = p->official ? DT_OPENAI_MAX_COMPLETION_TOKENS : 0;

	s->wire = p->kind;
	if (p->kind == DT_PROV_GITLAB) {
		if (gw_model_check(model, err) || dt_gw_map_model(model, &model, &s->wire))
			return -EINVAL;
		flags = DT_OPENAI_MAX_COMPLETION_TOKENS;
	}
	if (s->wire == DT_PROV_ANTHROPIC)
		return dt_anthropic_build_body(req, model, p->instructions, body, err);
	return dt_openai_build_body(req, model, p->instructions, flags, body, err);
}

int dt_provider_stream(struct dt_provider *p, const struct dt_prov_request *req, dt_prov_cb cb,
		       void *ud, struct dt_prov_stream **out)
{
	struct dt_sb body = DT_SB_INIT, err = DT_SB_INIT;
	struct dt_prov_stream *s;

	if (!p || !req || !cb)
		return -EINVAL;
	s = dt_xcalloc(1, sizeof(*s));
	if (build_body(p, req, s, &body, &err)) {
		dt_warn(MOD, "cannot send the request: %s", dt_sb_str(&err));
		dt_sb_release(&body);
		dt_sb_release(&err);
		free(s);
		return -EINVAL;
	}
	dt_sb_release(&err);
	s->p = p;
	s->net = p->net;
	s->cb = cb;
	s->ud = ud;
	s->body = dt_sb_detach(&body, &s->body_len);
	s->next = p->streams;
	if (p->streams)
		p->streams->prev = s;
	p->streams = s;
	if (out)
		*out = s;
	s->busy++;
	attempt_start(s);
	s->busy--;
	reap(s);
	return 0;
}

void dt_prov_stream_cancel(struct dt_prov_stream *s)
{
	if (!s || s->cancelled)
		return;
	s->cancelled = 1;
	if (s->timer && s->p && s->p->loop)
		dt_loop_cancel_timer(s->p->loop, s->timer);
	s->timer = 0;
	if (s->http_live)
		dt_http_cancel(s->net, s->http_id);
	reap(s);
}

/* ---- model listing ------------------------------------------------------------ */

struct listing {
	struct listing *next;
	struct dt_provider *p;
	dt_prov_models_cb cb;
	void *ud;
	dt_net_id id;
	long status;
	struct dt_sb body;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void listing_done(struct listing *l, const struct dt_http_event *ev)
{
	struct dt_prov_error err = {.kind = DT_PROV_ERR_HTTP, .status = l->status, .type = ""};
	struct dt_sb msg = DT_SB_INIT, type = DT_SB_INIT;
	const char **ids = NULL;
	size_t n = 0;
	cJSON *root = NULL, *data, *it;

	if (l->status == 200) {
		root = cJSON_ParseWithLength(l->body.buf ? l->body.buf : "", l->body.len);
		data = cJSON_GetObjectItemCaseSensitive(root, "data");
		if (!cJSON_IsArray(data))
			data = cJSON_GetObjectItemCaseSensitive(root, "models"); /* Ollama-like */
		ids = dt_xcalloc((size_t)cJSON_GetArraySize(data) + 1, sizeof(*ids));
		cJSON_ArrayForEach(it, (cJSON_IsArray(data) ? data : NULL)) {
			const char *id = dt_prov_json_str(it, "id");

			if (!id)
				id = dt_prov_json_str(it, "name");
			if (id)
				ids[n++] = id;
		}
		if (root) {
			qsort(ids, n, sizeof(*ids), cmp_str);
			l->cb(ids, n, NULL, l->ud);
			goto done;
		}
		err.kind = DT_PROV_ERR_PROTOCOL;
		dt_sb_adds(&msg, "the model list is not JSON");
	} else if (!l->status) {
		err.kind = DT_PROV_ERR_TRANSPORT;
		err.retryable = 1;
		dt_sb_adds(&msg, ev->error[0] ? ev->error : "no answer");
	} else {
		dt_prov_error_message(l->body.buf ? l->body.buf : "", l->body.len, &msg, &type);
		if (!msg.len)
			dt_sb_addf(&msg, "HTTP %ld", l->status);
		err.retryable = dt_prov_status_retryable(l->status);
		err.type = dt_sb_str(&type);
	}
	err.message = dt_sb_str(&msg);
	err.retry_after_ms = -1;
	l->cb(NULL, 0, &err, l->ud);
done:
	free(ids);
	cJSON_Delete(root);
	dt_sb_release(&msg);
	dt_sb_release(&type);
}

static void listing_unlink(struct listing *l)
{
	for (struct listing **pp = &l->p->listings; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			return;
		}
	}
}

static void on_listing_http(const struct dt_http_event *ev, void *ud)
{
	struct listing *l = ud;

	switch (ev->type) {
	case DT_HTTP_HEAD:
		l->status = ev->status;
		return;
	case DT_HTTP_BODY:
		if (l->body.len < ((size_t)8 << 20))
			dt_sb_add(&l->body, ev->data, ev->len);
		return;
	case DT_HTTP_DONE:
		if (l->p) {
			listing_unlink(l);
			if (!ev->cancelled)
				listing_done(l, ev);
		}
		dt_sb_release(&l->body);
		free(l);
		return;
	}
}

int dt_provider_list_models(struct dt_provider *p, dt_prov_models_cb cb, void *ud)
{
	struct dt_http_request req = DT_HTTP_REQUEST_INIT;
	struct dt_sb auth = DT_SB_INIT;
	const char *hdrs[4] = {"Accept: application/json", NULL, NULL, NULL};
	struct listing *l;
	char *url;
	int rc;

	if (p->kind == DT_PROV_GITLAB) {
		size_t n;
		const struct dt_gw_model *m = dt_gw_models(&n);
		const char **ids = dt_xcalloc(n + 1, sizeof(*ids));

		for (size_t i = 0; i < n; i++)
			ids[i] = m[i].name;
		qsort(ids, n, sizeof(*ids), cmp_str);
		cb(ids, n, NULL, ud);
		free(ids);
		return 0;
	}
	if (p->kind == DT_PROV_ANTHROPIC) {
		url = dt_anthropic_url(p->base_url, "models");
		hdrs[1] = "anthropic-version: " DT_ANTHROPIC_VERSION;
		if (p->auth_token)
			dt_sb_addf(&auth, "Authorization: Bearer %s", p->auth_token);
		else if (p->api_key)
			dt_sb_addf(&auth, "x-api-key: %s", p->api_key);
	} else {
		url = dt_openai_url(p->base_url, "models", p->api_version);
		if (p->api_key)
			dt_sb_addf(&auth, "%s%s", p->azure ? "api-key: " : "Authorization: Bearer ",
				   p->api_key);
	}
	hdrs[hdrs[1] ? 2 : 1] = auth.len ? auth.buf : NULL;
	l = dt_xcalloc(1, sizeof(*l));
	l->p = p;
	l->cb = cb;
	l->ud = ud;
	req.url = url;
	req.headers = hdrs;
	req.flags = p->http_flags;
	rc = dt_http_start(p->net, &req, on_listing_http, l, &l->id);
	free(url);
	dt_sb_release(&auth);
	if (rc) {
		free(l);
		return rc;
	}
	l->next = p->listings;
	p->listings = l;
	return 0;
}

/* ---- teardown ------------------------------------------------------------------ */

void dt_provider_free(struct dt_provider *p)
{
	if (!p)
		return;
	while (p->streams) {
		struct dt_prov_stream *s = p->streams;

		p->streams = s->next;
		s->prev = s->next = NULL;
		if (s->timer && p->loop)
			dt_loop_cancel_timer(p->loop, s->timer);
		s->timer = 0;
		s->cancelled = 1;
		s->p = NULL; /* orphaned: freed by its DONE */
		if (s->http_live)
			dt_http_cancel(s->net, s->http_id);
		reap(s);
	}
	if (p->fetch) {
		p->fetch->p = NULL;
		dt_http_cancel(p->net, p->fetch->id);
	}
	for (struct listing *l = p->listings, *next; l; l = next) {
		next = l->next;
		l->p = NULL;
		dt_http_cancel(p->net, l->id);
	}
	dt_gw_token_release(&p->tok);
	free(p->model);
	free(p->small_model);
	free(p->instructions);
	free(p->base_url);
	free(p->api_key);
	free(p->auth_token);
	free(p->api_version);
	free(p->gitlab_url);
	free(p->gitlab_token);
	free(p->gw_base);
	free(p);
}
