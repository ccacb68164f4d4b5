#include "duoterm/providers/gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duoterm/providers/stream.h"

/* From gitlab-ai-provider's model-mappings.ts (protocols/dap.md §10); the
 * gateway's allowed list decides in the end. */
static const struct dt_gw_model models[] = {
	{"duo-chat-haiku-4-5", "claude-haiku-4-5-20251001", DT_PROV_ANTHROPIC},
	{"duo-chat-sonnet-4-5", "claude-sonnet-4-5-20250929", DT_PROV_ANTHROPIC},
	{"duo-chat-opus-4-5", "claude-opus-4-5-20251101", DT_PROV_ANTHROPIC},
	{"duo-chat-sonnet-4-6", "claude-sonnet-4-6", DT_PROV_ANTHROPIC},
	{"duo-chat-opus-4-6", "claude-opus-4-6", DT_PROV_ANTHROPIC},
	{"duo-chat-gpt-5-1", "gpt-5.1-2025-11-13", DT_PROV_OPENAI},
	{"duo-chat-gpt-5-mini", "gpt-5-mini-2025-08-07", DT_PROV_OPENAI},
};

const struct dt_gw_model *dt_gw_models(size_t *n)
{
	*n = sizeof(models) / sizeof(models[0]);
	return models;
}

int dt_gw_map_model(const char *name, const char **upstream, enum dt_prov_kind *wire)
{
	if (!name || !*name)
		name = DT_GW_DEFAULT_MODEL;
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (!strcmp(name, models[i].name)) {
			*upstream = models[i].upstream;
			*wire = models[i].wire;
			return 0;
		}
	}
	if (!strncmp(name, "duo-chat-", 9))
		return strstr(name, "codex") || strstr(name, "-5-6-") || strstr(name, "gpt-6")
			       ? -ENOTSUP
			       : -ENOENT;
	*upstream = name;
	*wire = strncmp(name, "claude", 6) ? DT_PROV_OPENAI : DT_PROV_ANTHROPIC;
	return 0;
}

static void add_trimmed(struct dt_sb *sb, const char *url)
{
	size_t n = strlen(url);

	while (n && url[n - 1] == '/')
		n--;
	dt_sb_add(sb, url, n);
}

char *dt_gw_base(const char *gateway_url)
{
	struct dt_sb sb = DT_SB_INIT;

	add_trimmed(&sb, gateway_url && *gateway_url ? gateway_url : DT_GW_DEFAULT_URL);
	if (!(sb.len >= 3 && !memcmp(sb.buf + sb.len - 3, "/ai", 3)))
		dt_sb_adds(&sb, "/ai");
	return dt_sb_detach(&sb, NULL);
}

char *dt_gw_url(const char *base, enum dt_prov_kind wire, const char *path)
{
	struct dt_sb sb = DT_SB_INIT;

	add_trimmed(&sb, base);
	while (*path == '/')
		path++;
	dt_sb_addf(&sb, "/v1/proxy/%s/v1/%s", wire == DT_PROV_ANTHROPIC ? "anthropic" : "openai",
		   path);
	return dt_sb_detach(&sb, NULL);
}

char *dt_gw_direct_access_url(const char *instance)
{
	struct dt_sb sb = DT_SB_INIT;

	add_trimmed(&sb, instance && *instance ? instance : "https://gitlab.com");
	dt_sb_adds(&sb, "/api/v4/ai/third_party_agents/direct_access");
	return dt_sb_detach(&sb, NULL);
}

char *dt_gw_direct_access_body(void)
{
	cJSON *root = cJSON_CreateObject();
	char *text = cJSON_PrintUnformatted(root);

	cJSON_Delete(root);
	if (!text)
		dt_die_oom();
	return text;
}

static int header_ok(const char *s)
{
	return !strpbrk(s, "\r\n");
}

int dt_gw_token_parse(const char *body, size_t len, int64_t now, struct dt_gw_token *out,
		      struct dt_sb *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *h, *exp;
	const char *token;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	token = dt_prov_json_str(root, "token");
	if (!token || !*token || !header_ok(token)) {
		dt_sb_adds(err, "the direct-access answer has no token");
		cJSON_Delete(root);
		return -EPROTO;
	}
	out->token = dt_xstrdup(token);
	h = cJSON_GetObjectItemCaseSensitive(root, "headers");
	out->headers = dt_xcalloc((size_t)cJSON_GetArraySize(h) + 1, sizeof(char *));
	for (const cJSON *it = cJSON_IsObject(h) ? h->child : NULL; it; it = it->next) {
		struct dt_sb line = DT_SB_INIT;

		if (!it->string || !*it->string || !cJSON_IsString(it) || !header_ok(it->string) ||
		    !header_ok(it->valuestring) || strchr(it->string, ':'))
			continue;
		dt_sb_addf(&line, "%s: %s", it->string, it->valuestring);
		out->headers[n++] = dt_sb_detach(&line, NULL);
	}
	out->n_headers = n;
	exp = cJSON_GetObjectItemCaseSensitive(root, "expires_at");
	if (cJSON_IsNumber(exp) && exp->valuedouble > 0 && exp->valuedouble < 1e15)
		out->expires_at = (int64_t)exp->valuedouble;
	else
		out->expires_at = now + DT_GW_TOKEN_TTL_S;
	/* never trust a token longer than the reference client does */
	if (out->expires_at > now + DT_GW_TOKEN_TTL_S)
		out->expires_at = now + DT_GW_TOKEN_TTL_S;
	cJSON_Delete(root);
	return 0;
}

int dt_gw_token_fresh(const struct dt_gw_token *t, int64_t now)
{
	return t->token && now + DT_GW_TOKEN_MARGIN_S < t->expires_at;
}

void dt_gw_token_release(struct dt_gw_token *t)
{
	for (size_t i = 0; i < t->n_headers; i++)
		free(t->headers[i]);
	free(t->headers);
	free(t->token);
	memset(t, 0, sizeof(*t));
}
