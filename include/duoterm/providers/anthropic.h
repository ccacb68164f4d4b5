/*
 * The Anthropic Messages back-end's request side: URL, headers and body.
 */
#ifndef DUOTERM_PROVIDERS_ANTHROPIC_H
#define DUOTERM_PROVIDERS_ANTHROPIC_H

#include "duoterm/core/strbuf.h"
#include "duoterm/providers/provider.h"

#define DT_ANTHROPIC_DEFAULT_BASE "https://api.anthropic.com"
#define DT_ANTHROPIC_DEFAULT_MODEL "claude-sonnet-4-5"
#define DT_ANTHROPIC_VERSION "2023-06-01"

/* base + "/v1/" + path ("messages", "models"); a base that already ends in
 * /v1 is not given a second one.  Newly allocated. */
char *dt_anthropic_url(const char *base, const char *path);

/*
 * The request body: model, max_tokens, system, messages, tools, stream.
 * Anthropic wants user and assistant turns to alternate: consecutive tool
 * results become one user message of tool_result blocks, and a user text
 * that follows them joins that message; tool arguments that are not a JSON
 * object are sent as {}; empty text blocks are left out.  0, or -EINVAL
 * with a reason in err.
 */
int dt_anthropic_build_body(const struct dt_prov_request *req, const char *model,
			    const char *instructions, struct dt_sb *out, struct dt_sb *err);

#endif
