/*
 * Decoder of OpenAI chat-completions streams ("chat.completion.chunk"
 * objects in SSE data lines, ended by "data: [DONE]"), as sent by OpenAI,
 * Azure and the compatible servers (vLLM, Ollama, llama.cpp, LM Studio,
 * DeepSeek, xAI, Groq, the GitLab AI gateway's proxy).  Pure: fed SSE
 * events, it emits provider events (provider.h) through a callback.
 *
 * Handled: text deltas; reasoning_content / reasoning deltas; parallel tool
 * calls keyed by their `index` (which may start at 1), a whole call in one
 * delta or its arguments split anywhere, a call without `index` (its
 * position in the array, or a new `id`, names it), two calls sharing one
 * index but with different ids (the first is complete when the second
 * starts); finish_reason (the calls are complete then); usage in its own
 * chunk with "choices": [] or in the finish chunk, also Groq's
 * x_groq.usage and DeepSeek's cache counts; "usage": null and unknown
 * fields such as "obfuscation" ignored; error objects in the stream.
 *
 * Events: TEXT, REASONING, TOOL_* and USAGE as they come; TOOL_DONE for
 * every call when finish_reason arrives; FINISH from dt_openai_stream_end()
 * when [DONE] or a finish_reason was seen, else an ERROR of kind CUT.
 */
#ifndef DUOTERM_PROVIDERS_OPENAI_STREAM_H
#define DUOTERM_PROVIDERS_OPENAI_STREAM_H

#include "duoterm/net/sse.h"
#include "duoterm/providers/stream.h"

struct dt_openai_stream {
	struct dt_prov_out out;
	char *finish_raw;
	int done;        /* [DONE] seen */
	long last_key;   /* key of the last call touched, for calls without index */
	long next_key;   /* keys for calls that have no index */
};

void dt_openai_stream_init(struct dt_openai_stream *s, dt_prov_cb cb, void *ud);
/* One SSE event.  Returns 0 to go on, 1 once the stream has ended (an
 * error was emitted or [DONE] was seen): feed no more. */
int dt_openai_stream_event(struct dt_openai_stream *s, const struct dt_sse_event *ev);
/* The HTTP body ended cleanly: emits the pending calls, then FINISH or a
 * CUT error.  Idempotent. */
void dt_openai_stream_end(struct dt_openai_stream *s);
/* Whether the stream reached its end marker ([DONE] or finish_reason). */
int dt_openai_stream_complete(const struct dt_openai_stream *s);
void dt_openai_stream_release(struct dt_openai_stream *s);

/* finish_reason → enum (stop, tool_calls, function_call, length,
 * content_filter; else OTHER). */
enum dt_prov_finish dt_openai_finish(const char *reason);

#endif
