/* Fuzz target for the OpenAI chat-completions stream decoder (see stream_fuzz.h). */
#include "duoterm/providers/openai_stream.h"

#define DT_FUZZ_NAME_s dt_openai_stream
#define DT_FUZZ_NAME_event dt_openai_stream_event
#define DT_FUZZ_NAME_init dt_openai_stream_init
#define DT_FUZZ_NAME_end dt_openai_stream_end
#define DT_FUZZ_NAME_release dt_openai_stream_release
#define DT_FUZZ_FN(x) DT_FUZZ_NAME_##x

#include "stream_fuzz.h"
