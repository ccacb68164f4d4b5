#include "duoterm/core/log.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MASK "[REDACTED]"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static enum dt_log_level log_level = DT_LOG_INFO;

static char **secrets;
static size_t nr_secrets;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

int dt_log_level_parse(const char *name, enum dt_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++) {
		if (!strcasecmp(name, level_names[i])) {
			*out = (enum dt_log_level)i;
			return 0;
		}
	}
	return -1;
}

int dt_log_open(const char *path, enum dt_log_level level)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_level = level;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void dt_log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	pthread_mutex_unlock(&log_lock);
}

int dt_log_enabled(enum dt_log_level level)
{
	return log_fd >= 0 && level <= log_level;
}

void dt_secret_register(const char *secret)
{
	if (!secret || strlen(secret) < 6)
		return;
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < nr_secrets; i++) {
		if (!strcmp(secrets[i], secret)) {
			pthread_mutex_unlock(&log_lock);
			return;
		}
	}
	secrets = dt_xrealloc(secrets, (nr_secrets + 1) * sizeof(*secrets));
	secrets[nr_secrets++] = dt_xstrdup(secret);
	pthread_mutex_unlock(&log_lock);
}

void dt_secret_clear_all(void)
{
	pthread_mutex_lock(&log_lock);
	for (size_t i = 0; i < nr_secrets; i++) {
		explicit_bzero(secrets[i], strlen(secrets[i]));
		free(secrets[i]);
	}
	free(secrets);
	secrets = NULL;
	nr_secrets = 0;
	pthread_mutex_unlock(&log_lock);
}

/* Replaces sb[start, end) with the mask. */
static size_t mask_range(struct dt_sb *sb, size_t start, size_t end)
{
	struct dt_sb out = DT_SB_INIT;

	dt_sb_add(&out, sb->buf, start);
	dt_sb_adds(&out, MASK);
	dt_sb_add(&out, sb->buf + end, sb->len - end);
	dt_sb_release(sb);
	*sb = out;
	return start + strlen(MASK);
}

static int is_token_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '+' ||
	       c == '/' || c == '=';
}

static size_t token_end(const struct dt_sb *sb, size_t i)
{
	while (i < sb->len && is_token_char((unsigned char)sb->buf[i]))
		i++;
	return i;
}

/* Header values: mask to the end of the line. */
static void mask_headers(struct dt_sb *sb)
{
	static const char *const names[] = {
		"authorization:", "proxy-authorization:", "private-token:", "x-api-key:",
		"cookie:", "set-cookie:", "x-gitlab-oidc-token:", "x-gitlab-global-user-id:",
		"job-token:", "x-gitlab-token:",
	};

	for (size_t n = 0; n < sizeof(names) / sizeof(*names); n++) {
		size_t nl = strlen(names[n]);

		for (size_t i = 0; i + nl <= sb->len; i++) {
			size_t s, e;

			if (strncasecmp(sb->buf + i, names[n], nl))
				continue;
			s = i + nl;
			while (s < sb->len && sb->buf[s] == ' ')
				s++;
			e = s;
			while (e < sb->len && sb->buf[e] != '\n' && sb->buf[e] != '\r' &&
			       sb->buf[e] != '"')
				e++;
			if (e > s && strncmp(sb->buf + s, MASK, strlen(MASK)))
				i = mask_range(sb, s, e) - 1;
		}
	}
}

/* Words that introduce a secret: "Bearer X", "token=X", "glpat-X" ... */
static void mask_prefixed(struct dt_sb *sb)
{
	static const struct {
		const char *prefix;
		int keep_prefix;
	} rules[] = {
		{"bearer ", 1},        {"access_token=", 1}, {"private_token=", 1},
		{"refresh_token=", 1}, {"token=", 1},        {"client_secret=", 1},
		{"code_verifier=", 1}, {"glpat-", 0},        {"gloas-", 0},
		{"glrt-", 0},          {"gldt-", 0},         {"glptt-", 0},
		{"sk-ant-", 0},        {"sk-proj-", 0},
	};

	for (size_t r = 0; r < sizeof(rules) / sizeof(*rules); r++) {
		size_t pl = strlen(rules[r].prefix);

		for (size_t i = 0; i + pl <= sb->len; i++) {
			size_t s, e;

			if (strncasecmp(sb->buf + i, rules[r].prefix, pl))
				continue;
			if (i > 0 && rules[r].keep_prefix && isalnum((unsigned char)sb->buf[i - 1]) &&
			    rules[r].prefix[strlen(rules[r].prefix) - 1] == '=')
				continue; /* "xtoken=" is not "token=" */
			s = rules[r].keep_prefix ? i + pl : i;
			e = token_end(sb, i + pl);
			if (e > i + pl && strncmp(sb->buf + s, MASK, strlen(MASK)))
				i = mask_range(sb, s, e) - 1;
		}
	}
}

static void mask_registered(struct dt_sb *sb)
{
	for (size_t k = 0; k < nr_secrets; k++) {
		size_t sl = strlen(secrets[k]);
		char *hit;

		while ((hit = memmem(sb->buf, sb->len, secrets[k], sl)) != NULL) {
			size_t s = (size_t)(hit - sb->buf);
			mask_range(sb, s, s + sl);
		}
	}
}

void dt_redact(struct dt_sb *sb)
{
	if (!sb->buf)
		return;
	pthread_mutex_lock(&log_lock);
	mask_registered(sb);
	pthread_mutex_unlock(&log_lock);
	mask_headers(sb);
	mask_prefixed(sb);
}

void dt_vlog(enum dt_log_level level, const char *module, const char *fmt, va_list ap)
{
	static const char *const tags[] = {"ERROR", "WARN ", "INFO ", "DEBUG", "TRACE"};
	struct dt_sb sb = DT_SB_INIT;
	struct timeval tv;
	struct tm tm;
	char ts[32];

	if (!dt_log_enabled(level))
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	dt_sb_addf(&sb, "%s.%03ldZ %s %s: ", ts, (long)(tv.tv_usec / 1000), tags[level],
		   module ? module : "-");
	dt_sb_vaddf(&sb, fmt, ap);
	dt_redact(&sb);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\n' && i + 1 < sb.len)
			sb.buf[i] = ' ';
	if (!sb.len || sb.buf[sb.len - 1] != '\n')
		dt_sb_addc(&sb, '\n');
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0 && write(log_fd, sb.buf, sb.len) < 0) {
		/* nowhere left to report it */
	}
	pthread_mutex_unlock(&log_lock);
	dt_sb_release(&sb);
}

void dt_log(enum dt_log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dt_vlog(level, module, fmt, ap);
	va_end(ap);
}
