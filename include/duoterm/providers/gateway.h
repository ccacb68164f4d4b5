/*
 * The GitLab AI gateway's direct access (protocols/dap.md §10), the pure
 * parts: model names, URLs, and the direct-access token answer.
 *
 * The token comes from POST {instance}/api/v4/ai/third_party_agents/
 * direct_access (bearer: the user's GitLab token) as {"token", "headers",
 * "expires_at"}; requests then go to the gateway's proxy paths with
 * "Authorization: Bearer <token>" and every returned header verbatim.
 */
#ifndef DUOTERM_PROVIDERS_GATEWAY_H
#define DUOTERM_PROVIDERS_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "duoterm/core/strbuf.h"
#include "duoterm/providers/provider.h"

#define DT_GW_DEFAULT_URL "https://cloud.gitlab.com"
#define DT_GW_DEFAULT_MODEL "duo-chat-sonnet-4-5"
/* Tokens live ~30 min; the reference client keeps one for 25 min. */
#define DT_GW_TOKEN_TTL_S (25 * 60)
/* Refreshed when less than this is left. */
#define DT_GW_TOKEN_MARGIN_S 120

struct dt_gw_model {
	const char *name;     /* duo-chat-... */
	const char *upstream; /* the model id sent to the gateway */
	enum dt_prov_kind wire; /* DT_PROV_ANTHROPIC or DT_PROV_OPENAI */
};

/* The duo-chat-* models this build maps, in a stable order. */
const struct dt_gw_model *dt_gw_models(size_t *n);

/*
 * The upstream model and wire format for a model name: a duo-chat-* name
 * through the table; "claude-*" as is over Anthropic; any other name as
 * is over OpenAI chat completions.  -ENOENT for an unknown duo-chat-*
 * name, -ENOTSUP for one that needs the OpenAI Responses API (codex).
 */
int dt_gw_map_model(const char *name, const char **upstream, enum dt_prov_kind *wire);

/* The gateway base: gateway_url (NULL: https://cloud.gitlab.com) with "/ai"
 * appended unless it already ends in "/ai".  Newly allocated. */
char *dt_gw_base(const char *gateway_url);
/* The proxy URL: {base}/v1/proxy/anthropic/v1/{path} or
 * {base}/v1/proxy/openai/v1/{path}.  Newly allocated. */
char *dt_gw_url(const char *base, enum dt_prov_kind wire, const char *path);
/* {instance}/api/v4/ai/third_party_agents/direct_access.  Newly allocated. */
char *dt_gw_direct_access_url(const char *instance);
/* The JSON body of that request. Newly allocated. */
char *dt_gw_direct_access_body(void);

struct dt_gw_token {
	char *token;
	char **headers; /* "name: value", as returned */
	size_t n_headers;
	int64_t expires_at; /* epoch seconds */
};

/* Parses the 201 answer.  0, or -EPROTO with a reason in err.  Headers
 * whose name or value holds a line break are refused.  Without
 * expires_at, now + DT_GW_TOKEN_TTL_S. */
int dt_gw_token_parse(const char *body, size_t len, int64_t now, struct dt_gw_token *out,
		      struct dt_sb *err);
/* A token with more than DT_GW_TOKEN_MARGIN_S left. */
int dt_gw_token_fresh(const struct dt_gw_token *t, int64_t now);
void dt_gw_token_release(struct dt_gw_token *t);

#endif
