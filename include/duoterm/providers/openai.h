/*
 * The OpenAI-compatible back-end's request side: URLs (plain base URLs and
 * Azure deployment URLs), headers and the chat-completions request body.
 */
#ifndef DUOTERM_PROVIDERS_OPENAI_H
#define DUOTERM_PROVIDERS_OPENAI_H

#include "duoterm/core/strbuf.h"
#include "duoterm/providers/provider.h"

#define DT_OPENAI_DEFAULT_BASE "https://api.openai.com/v1"
#define DT_OPENAI_DEFAULT_MODEL "gpt-4.1"

enum dt_openai_body_flags {
	/* "max_completion_tokens" (OpenAI, Azure: required by reasoning
	 * models) instead of "max_tokens" (what compatible servers know) */
	DT_OPENAI_MAX_COMPLETION_TOKENS = 1 << 0,
};

/* Whether base is an Azure OpenAI endpoint (*.openai.azure.com,
 * *.cognitiveservices.azure.com, or an api-version in its query). */
int dt_openai_is_azure(const char *base);
/* Whether base is api.openai.com or Azure (the official APIs). */
int dt_openai_is_official(const char *base);

/*
 * base + "/" + path, keeping base's query after the path (Azure deployment
 * URLs: https://r.openai.azure.com/openai/deployments/d?api-version=V) and
 * adding api-version=api_version when given and not already there.
 * Newly allocated.
 */
char *dt_openai_url(const char *base, const char *path, const char *api_version);

/*
 * The request body: model, messages (system first), tools, stream: true,
 * stream_options.include_usage, max tokens.  0, or -EINVAL with a reason in
 * err (no messages, a tool without a name).
 */
int dt_openai_build_body(const struct dt_prov_request *req, const char *model,
			 const char *instructions, unsigned flags, struct dt_sb *out, struct dt_sb *err);

#endif
