#include "duoterm/core/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/core/log.h"
#include "duoterm/core/strbuf.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *override;
static int overridden;

void dt_audit_set_file(const char *path)
{
	pthread_mutex_lock(&lock);
	free(override);
	override = path ? dt_xstrdup(path) : NULL;
	overridden = path != NULL;
	pthread_mutex_unlock(&lock);
}

/* The file to write, or NULL when the log is off. */
static char *audit_path(void)
{
	const char *env = getenv("DUOTERM_AUDIT_FILE");
	struct dt_sb sb = DT_SB_INIT;
	char *dir, *p = NULL;

	pthread_mutex_lock(&lock);
	if (overridden)
		p = *override ? dt_xstrdup(override) : NULL;
	pthread_mutex_unlock(&lock);
	if (overridden)
		return p;
	if (env)
		return *env ? dt_xstrdup(env) : NULL;
	dir = dt_state_dir();
	dt_mkdir_p(dir, 0700);
	dt_sb_addf(&sb, "%s/audit.jsonl", dir);
	free(dir);
	return dt_sb_detach(&sb, NULL);
}

static void add_ts(struct dt_sb *line)
{
	struct timespec now;
	struct tm tm;
	char ts[40];

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	dt_sb_addf(line, "{\"ts\":\"%s.%03ldZ\"", ts, now.tv_nsec / 1000000);
}

int dt_audit_write(const cJSON *record)
{
	struct dt_sb line = DT_SB_INIT;
	char *path, *text;
	ssize_t n;
	int fd, rc = 0;

	if (!cJSON_IsObject(record))
		return -EINVAL;
	path = audit_path();
	if (!path)
		return 0;
	text = cJSON_PrintUnformatted(record);
	if (!text) {
		free(path);
		return -ENOMEM;
	}
	if (!cJSON_GetObjectItemCaseSensitive(record, "ts") && strlen(text) > 2) {
		add_ts(&line);
		dt_sb_addf(&line, ",%s", text + 1);
	} else {
		dt_sb_adds(&line, text);
	}
	free(text);
	dt_redact(&line);
	dt_sb_addc(&line, '\n');
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
	} else {
		n = write(fd, line.buf, line.len);
		if (n != (ssize_t)line.len)
			rc = n < 0 ? -errno : -EIO;
		close(fd);
	}
	free(path);
	dt_sb_release(&line);
	return rc;
}
