/*
 * The debug log (--log FILE / DUOTERM_LOG) and secret redaction.
 *
 * Logging is off until dt_log_open(); then every line at or below the level
 * goes to the file as "2026-11-22T10:00:00.123Z LEVEL module: text".  It is
 * safe from any thread.  Every line passes through dt_redact() first, so a
 * token that reaches a log call by mistake is still masked: values of
 * credential headers, bearer tokens, GitLab/OpenAI/Anthropic token shapes,
 * token query parameters, and every string registered with
 * dt_secret_register() (the tokens duoterm loaded) become "[REDACTED]".
 */
#ifndef DUOTERM_CORE_LOG_H
#define DUOTERM_CORE_LOG_H

#include <stdarg.h>

#include "duoterm/core/strbuf.h"

enum dt_log_level {
	DT_LOG_ERROR,
	DT_LOG_WARN,
	DT_LOG_INFO,
	DT_LOG_DEBUG,
	DT_LOG_TRACE,
};

/* Opens (appends to) the log file, mode 0600.  0 or -errno. */
int dt_log_open(const char *path, enum dt_log_level level);
void dt_log_close(void);
int dt_log_enabled(enum dt_log_level level);
/* "error" "warn" "info" "debug" "trace"; 0 or -1 for an unknown name. */
int dt_log_level_parse(const char *name, enum dt_log_level *out);

void dt_log(enum dt_log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dt_vlog(enum dt_log_level level, const char *module, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#define dt_error(mod, ...) dt_log(DT_LOG_ERROR, mod, __VA_ARGS__)
#define dt_warn(mod, ...)  dt_log(DT_LOG_WARN, mod, __VA_ARGS__)
#define dt_info(mod, ...)  dt_log(DT_LOG_INFO, mod, __VA_ARGS__)
#define dt_debug(mod, ...) dt_log(DT_LOG_DEBUG, mod, __VA_ARGS__)

/* Registers a secret (copied; shorter than 6 bytes is ignored) to be masked
 * wherever it appears in redacted text.  Thread-safe. */
void dt_secret_register(const char *secret);
void dt_secret_clear_all(void);
/* Masks secrets in sb in place. */
void dt_redact(struct dt_sb *sb);

#endif
