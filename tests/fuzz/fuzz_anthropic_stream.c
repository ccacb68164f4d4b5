/* Fuzz target for the Anthropic Messages stream decoder (see stream_fuzz.h). */
#include "duoterm/providers/anthropic_stream.h"

#define DT_FUZZ_NAME_s dt_anthropic_stream
#define DT_FUZZ_NAME_event dt_anthropic_stream_event
#define DT_FUZZ_NAME_init dt_anthropic_stream_init
#define DT_FUZZ_NAME_end dt_anthropic_stream_end
#define DT_FUZZ_NAME_release dt_anthropic_stream_release
#define DT_FUZZ_FN(x) DT_FUZZ_NAME_##x

#include "stream_fuzz.h"
