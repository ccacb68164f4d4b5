/*
 * What the stream decoders share: the tool-call accumulator and emitting
 * events.  Pure code, no network.
 *
 * A call is keyed by what the provider uses to name it (OpenAI's
 * tool_calls[].index, Anthropic's content block index) and reported with
 * its position in the reply (0, 1, ... in the order the calls start, i.e.
 * their names become known), so a stream whose first tool call has index 1
 * still reports index 0.
 */
#ifndef DUOTERM_PROVIDERS_STREAM_H
#define DUOTERM_PROVIDERS_STREAM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/providers/provider.h"

/* Bounds that keep a hostile stream from growing memory without end. */
#define DT_PROV_MAX_CALLS 256
#define DT_PROV_MAX_ARGS ((size_t)16 << 20)

struct dt_prov_call {
	long key;      /* the provider's name for it */
	int position;  /* reported as the event index; -1 until started */
	int started;   /* TOOL_START was emitted */
	int done;      /* TOOL_DONE was emitted */
	char *id, *name;
	struct dt_sb args;
	/* arguments given whole at the start (Anthropic's "input"), used when
	 * no fragment follows */
	char *preset;
};

struct dt_prov_out {
	dt_prov_cb cb;
	void *ud;
	struct dt_prov_call *calls;
	size_t n_calls, alloc;
	int n_started; /* positions handed out */
	struct dt_prov_usage usage;
	int stopped; /* a terminal event was emitted: ignore the rest */
};

void dt_prov_out_init(struct dt_prov_out *o, dt_prov_cb cb, void *ud);
void dt_prov_out_release(struct dt_prov_out *o);

/* The open (not done) call with this key, or NULL. */
struct dt_prov_call *dt_prov_call_find(struct dt_prov_out *o, long key);
/* A new call for key; NULL when there are too many. */
struct dt_prov_call *dt_prov_call_add(struct dt_prov_out *o, long key);
/* Sets the id/name when not set yet; emits TOOL_START once the name is
 * known (with the arguments received so far as one TOOL_DELTA). */
void dt_prov_call_meta(struct dt_prov_out *o, struct dt_prov_call *c, const char *id,
		       const char *name);
/* Appends an arguments fragment; TOOL_DELTA when started.  -EMSGSIZE past
 * DT_PROV_MAX_ARGS. */
int dt_prov_call_args(struct dt_prov_out *o, struct dt_prov_call *c, const char *frag, size_t len);
/* Parses the arguments and emits TOOL_DONE (TOOL_START first if needed). */
void dt_prov_call_done(struct dt_prov_out *o, struct dt_prov_call *c);
/* dt_prov_call_done() for every open call, in order of position. */
void dt_prov_calls_flush(struct dt_prov_out *o);
/* Calls seen so far. */
size_t dt_prov_calls_count(const struct dt_prov_out *o);

/*
 * Tool arguments as a JSON object: empty or blank text is {}; text that is
 * not exactly one JSON object (trailing bytes, an array, a string, cut JSON)
 * is an error: NULL with a one-line reason in err.
 */
cJSON *dt_prov_parse_args(const char *text, size_t len, struct dt_sb *err);

void dt_prov_emit_text(struct dt_prov_out *o, enum dt_prov_event_type type, const char *text,
		       size_t len);
void dt_prov_emit_usage(struct dt_prov_out *o);
void dt_prov_emit_finish(struct dt_prov_out *o, enum dt_prov_finish finish, const char *raw);
/* ERROR; marks the output stopped. */
void dt_prov_emit_error(struct dt_prov_out *o, const struct dt_prov_error *err);
/* A stream error (kind, message, type, retryable) as an ERROR event. */
void dt_prov_emit_stream_error(struct dt_prov_out *o, enum dt_prov_error_kind kind,
			       const char *type, const char *message, int retryable);

/* Whether an in-stream error type/code is worth retrying (overloaded,
 * server error, rate limit, timeout ...). */
int dt_prov_error_type_retryable(const char *type);

/* cJSON helpers tolerant of missing and mistyped members. */
const char *dt_prov_json_str(const cJSON *obj, const char *name);
/* A non-negative number member as an integer; -1 when absent. */
long long dt_prov_json_num(const cJSON *obj, const char *name);

#endif
