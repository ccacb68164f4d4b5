/*
 * Configuration: built-in defaults < $XDG_CONFIG_HOME/duoterm/config.json <
 * the project's .duoterm.json < the credentials file (tokens only) <
 * environment variables < command-line options (set by main.c afterwards).
 *
 * Every key is in one table (DT_CONFIG_KEYS) that drives loading, `duoterm
 * --help`'s list of keys and the tests that check doc examples parse.
 * Strings are owned by the struct and freed by dt_config_release().
 */
#ifndef DUOTERM_CORE_CONFIG_H
#define DUOTERM_CORE_CONFIG_H

#include "duoterm/core/strbuf.h"

/* X(field, json path, type, env var or NULL, default, help) */
#define DT_CONFIG_KEYS(X) \
	X(instance_url, "gitlab.instance_url", STR, "GITLAB_INSTANCE_URL", "https://gitlab.com", \
	  "GitLab instance URL") \
	X(token, "gitlab.token", SECRET, "GITLAB_TOKEN", NULL, \
	  "personal access token (better kept in the credentials file)") \
	X(project, "gitlab.project", STR, NULL, NULL, "project path; default: from the origin remote") \
	X(instructions, "gitlab.instructions", STR, NULL, NULL, \
	  "compliance instructions prepended to every system prompt") \
	X(ca_file, "tls.ca_file", STR, "SSL_CERT_FILE", NULL, "CA bundle for TLS verification") \
	X(tls_insecure, "tls.insecure", BOOL, NULL, "false", \
	  "skip TLS verification (never do this outside a lab)") \
	X(theme, "ui.theme", STR, NULL, "dark", "colour theme: dark, light, mono, cb-safe or a file") \
	X(mouse, "ui.mouse", BOOL, NULL, "false", "mouse support (off keeps native selection)") \
	X(links, "ui.links", BOOL, NULL, "false", "OSC 8 hyperlinks for GitLab URLs") \
	X(provider, "agent.provider", STR, "DUOTERM_PROVIDER", "openai", \
	  "openai, anthropic, gitlab or duo-workflow") \
	X(model, "agent.model", STR, "DUOTERM_MODEL", NULL, "model name") \
	X(openai_base_url, "openai.base_url", STR, "OPENAI_BASE_URL", "https://api.openai.com/v1", \
	  "OpenAI-compatible base URL (vLLM, Ollama, llama.cpp ...)") \
	X(openai_api_key, "openai.api_key", SECRET, "OPENAI_API_KEY", NULL, "OpenAI-compatible key") \
	X(anthropic_base_url, "anthropic.base_url", STR, "ANTHROPIC_BASE_URL", \
	  "https://api.anthropic.com", "Anthropic base URL") \
	X(anthropic_api_key, "anthropic.api_key", SECRET, "ANTHROPIC_API_KEY", NULL, "Anthropic key") \
	X(ai_gateway_url, "gitlab.ai_gateway_url", STR, "GITLAB_AI_GATEWAY_URL", NULL, \
	  "self-hosted AI gateway URL") \
	X(small_model, "agent.small_model", STR, "GITLAB_SMALL_MODEL", NULL, "small/fast model") \
	X(review_stage, "review.stage_accepted", BOOL, NULL, "false", \
	  "accepting a proposal also stages what landed") \
	X(review_max_size, "review.max_file_size", STR, NULL, "8M", \
	  "bigger files are summarised in Review, not diffed (bytes, or K, M, G)") \
	X(log_file, "log.file", STR, "DUOTERM_LOG", NULL, "debug log file") \
	X(log_level, "log.level", STR, "DUOTERM_LOG_LEVEL", "info", \
	  "error, warn, info, debug or trace")

enum dt_config_type { DT_CFG_STR, DT_CFG_SECRET, DT_CFG_BOOL };

struct dt_config {
#define DT_CONFIG_FIELD(field, path, type, env, def, help) char *field;
	DT_CONFIG_KEYS(DT_CONFIG_FIELD)
#undef DT_CONFIG_FIELD
	/* where the GitLab token came from, for messages (never the token) */
	const char *token_source;
	char *config_file;      /* the file that was read, or NULL */
	char *credentials_file; /* the credentials file path */
};

struct dt_config_key {
	const char *path, *env, *def, *help;
	enum dt_config_type type;
	size_t offset;
};

extern const struct dt_config_key dt_config_keys[];
extern const size_t dt_config_nr_keys;

/* Loads defaults, files and environment.  On a bad file, returns -1 with a
 * message naming the file and line in err (defaults and env still loaded). */
int dt_config_load(struct dt_config *cfg, struct dt_sb *err);
/* Parses JSON text as a config file (for tests and doc examples). */
int dt_config_load_text(struct dt_config *cfg, const char *name, const char *text,
			struct dt_sb *err);
void dt_config_set(struct dt_config *cfg, char **field, const char *value);
int dt_config_bool(const char *value);
/* A size: bytes, or a number with K, M or G (1024-based).  0 with *out set,
 * or -1 when value is not one. */
int dt_config_size(const char *value, size_t *out);
void dt_config_release(struct dt_config *cfg);

/* $XDG_CONFIG_HOME/duoterm, $XDG_STATE_HOME/duoterm (newly allocated). */
char *dt_config_dir(void);
char *dt_state_dir(void);
/* mkdir -p with the given mode; 0 or -errno. */
int dt_mkdir_p(const char *path, int mode);
/* Writes a whole file atomically (temp file + fsync + rename) with mode. */
int dt_write_file_atomic(const char *path, const void *data, size_t len, int mode);
/* Reads a whole file; NULL with errno set on failure. */
char *dt_read_file(const char *path, size_t *len);

#endif
