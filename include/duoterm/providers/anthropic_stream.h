/*
 * Decoder of Anthropic Messages streams (SSE with "event:" lines; the event
 * name is also the data's "type", which is what is read, so captures
 * without "event:" lines decode the same).  Pure: fed SSE events, it emits
 * provider events (provider.h) through a callback.
 *
 * Handled: message_start usage (input, cache read/creation); text blocks
 * and text_delta; thinking blocks and thinking_delta (REASONING);
 * tool_use blocks with input_json_delta fragments split anywhere, a tool
 * whose only fragment is partial_json:"" (its input is {}), a tool_use
 * whose start already carries a non-empty input and no deltas; ping;
 * message_delta with stop_reason and cumulative usage (output, and input
 * when present); message_stop; error events; unknown events, block types
 * and fields (e.g. "caller", server tools, citations) are ignored.
 *
 * Events: TEXT, REASONING, TOOL_* as they come (TOOL_DONE at the block's
 * content_block_stop), USAGE after message_start and message_delta; FINISH
 * from dt_anthropic_stream_end() when message_stop (or a stop_reason) was
 * seen, else an ERROR of kind CUT.
 */
#ifndef DUOTERM_PROVIDERS_ANTHROPIC_STREAM_H
#define DUOTERM_PROVIDERS_ANTHROPIC_STREAM_H

#include "duoterm/net/sse.h"
#include "duoterm/providers/stream.h"

struct dt_anthropic_stream {
	struct dt_prov_out out;
	char *stop_reason;
	int stopped_msg; /* message_stop seen */
	uint64_t input_raw; /* input_tokens without the cache counts */
};

void dt_anthropic_stream_init(struct dt_anthropic_stream *s, dt_prov_cb cb, void *ud);
/* One SSE event.  0 to go on, 1 once the stream has ended (message_stop or
 * an error): feed no more. */
int dt_anthropic_stream_event(struct dt_anthropic_stream *s, const struct dt_sse_event *ev);
/* The HTTP body ended cleanly: FINISH or a CUT error.  Idempotent. */
void dt_anthropic_stream_end(struct dt_anthropic_stream *s);
int dt_anthropic_stream_complete(const struct dt_anthropic_stream *s);
void dt_anthropic_stream_release(struct dt_anthropic_stream *s);

/* stop_reason → enum (end_turn, stop_sequence: STOP; tool_use: TOOL_CALLS;
 * max_tokens, model_context_window_exceeded: LENGTH; refusal: FILTER). */
enum dt_prov_finish dt_anthropic_finish(const char *reason);

#endif
