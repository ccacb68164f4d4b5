/*
 * Model providers: one interface, three back-ends (OpenAI-compatible chat
 * completions, Anthropic Messages, GitLab AI gateway direct access).
 *
 *	struct dt_provider_opts o = DT_PROVIDER_OPTS_INIT;
 *	dt_provider_opts_from_config(&o, cfg);
 *	p = dt_provider_new(net, loop, &o, &err);
 *	dt_provider_stream(p, &req, on_event, engine, &stream);
 *
 * A stream delivers, on the main thread (from dt_net_dispatch() or a
 * dt_loop timer), any number of TEXT / REASONING / TOOL_* / USAGE / RETRY
 * events and then exactly one terminal event, FINISH or ERROR, after which
 * the stream handle is gone.  dt_prov_stream_cancel() ends a stream at once:
 * no event follows it (not even a terminal one), and `ud` may be freed.
 *
 * Retries: a 408/409/429/5xx answer, a transport failure, or a retryable
 * in-stream error (overloaded, server error) is retried with exponential
 * backoff and jitter, honouring Retry-After / retry-after-ms, as long as no
 * event has been delivered yet for this attempt (a RETRY event says when).
 * Once text or a tool call was shown, nothing is retried silently: a dropped
 * or cut stream ends in ERROR with `mid_stream` set, and the engine may start
 * the same request again (keeping what was shown in the transcript, marked
 * as cut).
 *
 * Secrets: keys and tokens are sent only in headers; they never appear in
 * events, error messages or log lines (every log line is redacted, and each
 * key is registered with dt_secret_register()).
 */
#ifndef DUOTERM_PROVIDERS_PROVIDER_H
#define DUOTERM_PROVIDERS_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"

struct dt_net;
struct dt_loop;
struct dt_config;

enum dt_prov_kind {
	DT_PROV_OPENAI,    /* OpenAI-compatible chat completions (also Azure) */
	DT_PROV_ANTHROPIC, /* Anthropic Messages */
	DT_PROV_GITLAB,    /* GitLab AI gateway, direct access (duo-chat-*) */
};

/* "openai", "anthropic", "gitlab"; 0, or -1 for another name (the
 * "duo-workflow" driver is not a provider of this interface). */
int dt_prov_kind_parse(const char *name, enum dt_prov_kind *out);
const char *dt_prov_kind_name(enum dt_prov_kind kind);

/* ---- the request ------------------------------------------------------- */

enum dt_prov_role {
	DT_PROV_USER,      /* text */
	DT_PROV_ASSISTANT, /* text (may be NULL) and tool calls */
	DT_PROV_TOOL,      /* the result of one tool call */
};

struct dt_prov_tool_call {
	const char *id;
	const char *name;
	/* The arguments as JSON text, as the model sent them.  Anthropic wants
	 * an object: text that is not a JSON object is sent as {}. NULL: {} */
	const char *arguments;
};

struct dt_prov_message {
	enum dt_prov_role role;
	const char *text; /* USER, ASSISTANT: the text; TOOL: the result */
	const struct dt_prov_tool_call *calls; /* ASSISTANT */
	size_t n_calls;
	const char *tool_call_id; /* TOOL: which call this answers */
	int is_error;             /* TOOL: the result is an error message */
};

struct dt_prov_tool {
	const char *name;
	const char *description;
	/* JSON schema of the arguments (borrowed); NULL: an empty object. */
	const cJSON *parameters;
};

struct dt_prov_request {
	const char *model;  /* NULL: the provider's model */
	const char *system; /* may be NULL; the instructions go first */
	const struct dt_prov_message *messages;
	size_t n_messages;
	const struct dt_prov_tool *tools;
	size_t n_tools;
	unsigned max_tokens; /* 0: 8192 */
};

/* ---- the events -------------------------------------------------------- */

enum dt_prov_event_type {
	DT_PROV_EV_TEXT,       /* text, len */
	DT_PROV_EV_REASONING,  /* text, len (show dim; may be ignored) */
	DT_PROV_EV_TOOL_START, /* index, id, name */
	DT_PROV_EV_TOOL_DELTA, /* index, id, text/len: an arguments fragment */
	DT_PROV_EV_TOOL_DONE,  /* index, id, name, args or args_error */
	DT_PROV_EV_USAGE,      /* usage (cumulative for the attempt) */
	DT_PROV_EV_RETRY,      /* error (what failed), retry_in_ms, attempt */
	DT_PROV_EV_FINISH,     /* finish, finish_raw; terminal */
	DT_PROV_EV_ERROR,      /* error; terminal */
};

enum dt_prov_finish {
	DT_PROV_FINISH_STOP,       /* end of turn / stop sequence */
	DT_PROV_FINISH_TOOL_CALLS, /* wants the tool results */
	DT_PROV_FINISH_LENGTH,     /* max_tokens reached */
	DT_PROV_FINISH_FILTER,     /* content filter / refusal */
	DT_PROV_FINISH_OTHER,
};

struct dt_prov_usage {
	uint64_t input_tokens;       /* prompt tokens, cached ones included */
	uint64_t output_tokens;      /* completion tokens, reasoning included */
	uint64_t cache_read_tokens;  /* of input: served from the cache */
	uint64_t cache_write_tokens; /* Anthropic: written to the cache */
	uint64_t reasoning_tokens;   /* of output */
};

enum dt_prov_error_kind {
	DT_PROV_ERR_HTTP,      /* a non-2xx answer: status, message */
	DT_PROV_ERR_TRANSPORT, /* no answer / connection lost (curl) */
	DT_PROV_ERR_STREAM,    /* an error object inside the stream */
	DT_PROV_ERR_CUT,       /* the stream ended before its end marker */
	DT_PROV_ERR_PROTOCOL,  /* not SSE / not the provider's shape */
	DT_PROV_ERR_CONFIG,    /* no key, bad URL, unknown model ... */
	DT_PROV_ERR_AUTH,      /* the GitLab direct-access token call failed */
};

struct dt_prov_error {
	enum dt_prov_error_kind kind;
	long status;           /* HTTP status, 0 when none */
	const char *type;      /* the provider's error type/code, or "" */
	const char *message;   /* the provider's own message, or ours */
	int retryable;         /* the same request may succeed later */
	long retry_after_ms;   /* from the answer, -1 when none */
	int mid_stream;        /* events were delivered before it happened */
};

/*
 * One event.  Everything it points to is borrowed and valid only during the
 * callback: copy what you keep (cJSON_Duplicate for args).
 */
struct dt_prov_event {
	enum dt_prov_event_type type;
	const char *text; /* TEXT, REASONING, TOOL_DELTA; NUL-terminated */
	size_t len;
	int index;        /* TOOL_*: the call's position in this reply, from 0 */
	const char *id;   /* TOOL_* */
	const char *name; /* TOOL_START, TOOL_DONE */
	/* TOOL_DONE: the arguments, a JSON object (empty input is {}); NULL when
	 * they were malformed, with args_error saying why (send it back to the
	 * model as the tool's error result).  raw_args is the text received. */
	const cJSON *args;
	const char *args_error;
	const char *raw_args;
	struct dt_prov_usage usage;          /* USAGE */
	enum dt_prov_finish finish;          /* FINISH */
	const char *finish_raw;              /* FINISH: as the provider said it */
	const struct dt_prov_error *error;   /* ERROR, RETRY */
	long retry_in_ms;                    /* RETRY */
	unsigned attempt;                    /* RETRY: the attempt that failed, from 1 */
};

typedef void (*dt_prov_cb)(const struct dt_prov_event *ev, void *ud);

/* ---- the provider ------------------------------------------------------ */

struct dt_provider_opts {
	enum dt_prov_kind kind;
	const char *model;       /* default model */
	const char *small_model; /* for small/fast uses; NULL: model */
	const char *instructions; /* prepended to every system prompt */
	/* OpenAI-compatible / Anthropic */
	const char *base_url;    /* NULL: the official API */
	const char *api_key;     /* OpenAI: bearer (Azure: api-key); Anthropic: x-api-key */
	const char *auth_token;  /* Anthropic: bearer instead of x-api-key */
	const char *api_version; /* Azure: api-version when not in base_url */
	/* GitLab */
	const char *gitlab_url;   /* instance, e.g. https://gitlab.com */
	const char *gitlab_token; /* PAT or OAuth access token */
	const char *gateway_url;  /* NULL: https://cloud.gitlab.com */
	/* Retries */
	unsigned max_retries;     /* 0: 4; DT_PROV_NO_RETRY: none */
	unsigned backoff_ms;      /* first delay; 0: 500 ms */
	unsigned backoff_max_ms;  /* 0: 30 s; Retry-After above it is an error */
	long idle_timeout_ms;     /* no byte for this long fails; 0: 120 s */
	unsigned http_flags;      /* enum dt_http_flags, for tests */
};

#define DT_PROVIDER_OPTS_INIT {0}
#define DT_PROV_NO_RETRY ((unsigned)-1)

/*
 * Fills opts from the configuration (provider, model, small_model,
 * instructions, openai_*, anthropic_*, instance_url, token, ai_gateway_url)
 * and the environment variables the SDKs read that the configuration does
 * not hold: ANTHROPIC_AUTH_TOKEN, OPENAI_API_VERSION.  Strings are borrowed
 * from cfg.  -1 with a message for an unknown provider name.
 */
int dt_provider_opts_from_config(struct dt_provider_opts *opts, const struct dt_config *cfg,
				 struct dt_sb *err);

struct dt_provider;
struct dt_prov_stream;

/*
 * Makes a provider; opts' strings are copied.  `loop` runs retry timers
 * (NULL: retries start at once, for tests without a loop).  NULL with a
 * message in err when a setting is missing (no key for the official API, no
 * GitLab token ...).  Keys are registered as secrets.
 */
struct dt_provider *dt_provider_new(struct dt_net *net, struct dt_loop *loop,
				    const struct dt_provider_opts *opts, struct dt_sb *err);
/* Cancels every stream and listing (no more callbacks) and frees p; the
 * net must still be running.  NULL is a no-op. */
void dt_provider_free(struct dt_provider *p);

enum dt_prov_kind dt_provider_kind(const struct dt_provider *p);
/* The default model, and the small/fast one (falls back to the default). */
const char *dt_provider_model(const struct dt_provider *p);
const char *dt_provider_small_model(const struct dt_provider *p);

/*
 * Starts streaming a reply.  The request is copied (serialised at once).
 * 0 and *out (may be NULL) names the stream until its terminal event.
 * -EINVAL for a request that cannot be sent (no messages, a model the
 * back-end cannot serve); nothing is delivered when this fails.  Failures
 * of the net queue are retried like transport errors.
 */
int dt_provider_stream(struct dt_provider *p, const struct dt_prov_request *req, dt_prov_cb cb,
		       void *ud, struct dt_prov_stream **out);
/* Ends a stream now; its callback is not called again.  The handle is
 * invalid afterwards.  Only before its terminal event. */
void dt_prov_stream_cancel(struct dt_prov_stream *s);

/*
 * Lists the models the provider offers (OpenAI GET {base}/models, Anthropic
 * GET {base}/v1/models, GitLab: the duo-chat-* names this build maps).  The
 * callback runs once: ids (sorted, borrowed) or error.  0 or -errno.
 */
typedef void (*dt_prov_models_cb)(const char *const *ids, size_t n, const struct dt_prov_error *err,
				  void *ud);
int dt_provider_list_models(struct dt_provider *p, dt_prov_models_cb cb, void *ud);

/* ---- shared by the back-ends (and their tests) --------------------------- */

/* The system prompt: instructions, a blank line, then system (either may
 * be NULL or empty).  Newly allocated, or NULL when both are empty. */
char *dt_prov_system_prompt(const char *instructions, const char *system);
/* A copy of the tool's argument schema, or an empty object schema when it
 * has none (the caller owns it). */
cJSON *dt_prov_tool_schema(const struct dt_prov_tool *t);

/* Pulls the provider's own message out of an error body: error.message,
 * message, detail, error (string); else the body itself, trimmed and cut
 * to 500 bytes; "" for an empty body.  Also the type/code into `type`. */
void dt_prov_error_message(const char *body, size_t len, struct dt_sb *msg, struct dt_sb *type);

/* Retry-After (delta-seconds or HTTP-date) and retry-after-ms header values
 * in milliseconds; -1 when absent or unparsable.  `now` is time(NULL). */
long dt_prov_retry_after_ms(const char *retry_after, const char *retry_after_ms, int64_t now);

/* Whether an HTTP status is worth retrying: 408, 409, 429, 5xx. */
int dt_prov_status_retryable(long status);

/* The delay before attempt n+1 (n from 1): base * 2^(n-1), at most max,
 * with up to 25% jitter taken off; a Retry-After overrides it. */
long dt_prov_backoff_ms(unsigned attempt, unsigned base_ms, unsigned max_ms, long retry_after_ms);

#endif
