/* Session journals and the audit log (see session.h). */
#include "duoterm/agent/session.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "duoterm/core/config.h"
#include "duoterm/core/log.h"

struct dt_session {
	char *id, *dir, *proposals, *journal;
	int fd;
};

static char *default_base(void)
{
	char *state = dt_state_dir();
	struct dt_sb sb = DT_SB_INIT;

	dt_sb_addf(&sb, "%s/sessions", state);
	free(state);
	return dt_sb_detach(&sb, NULL);
}

static int open_dir(struct dt_session **out, const char *base, const char *id, int create,
		    struct dt_sb *err)
{
	struct dt_session *s = dt_xcalloc(1, sizeof(*s));
	struct dt_sb sb = DT_SB_INIT;

	s->id = dt_xstrdup(id);
	dt_sb_addf(&sb, "%s/%s", base, id);
	s->dir = dt_sb_detach(&sb, NULL);
	dt_sb_addf(&sb, "%s/proposals", s->dir);
	s->proposals = dt_sb_detach(&sb, NULL);
	dt_sb_addf(&sb, "%s/journal.jsonl", s->dir);
	s->journal = dt_sb_detach(&sb, NULL);
	if (create && dt_mkdir_p(s->proposals, 0700)) {
		dt_sb_addf(err, "cannot create %s: %s", s->dir, strerror(errno));
		goto fail;
	}
	s->fd = open(s->journal, O_WRONLY | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (s->fd < 0) {
		dt_sb_addf(err, create ? "cannot create %s: %s" : "no session %s (%s)",
			   create ? s->journal : id, strerror(errno));
		goto fail;
	}
	*out = s;
	return 0;
fail:
	dt_session_free(s);
	return -1;
}

int dt_session_create(struct dt_session **out, const char *base, struct dt_sb *err)
{
	char *b = base ? dt_xstrdup(base) : default_base(), id[64], stamp[32];
	unsigned rnd = 0;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (unsigned)getpid() ^ (unsigned)now;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(id, sizeof(id), "%s-%06x", stamp, rnd & 0xffffff);
	rc = open_dir(out, b, id, 1, err);
	free(b);
	return rc;
}

/* {"t":"remote", ...}: a Duo Agent Platform flow's record. */
static int remote_record(const cJSON *rec)
{
	const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec, "t"));

	return t && !strcmp(t, "remote");
}

/* 1 when the journal's first record says a Duo Agent Platform flow's
 * session ({"t":"remote"}), else 0. */
static int is_remote(const char *journal)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(journal, "r");
	cJSON *rec;
	int remote;

	if (!f)
		return 0;
	rec = getline(&line, &cap, f) > 0 ? cJSON_Parse(line) : NULL;
	free(line);
	fclose(f);
	remote = remote_record(rec);
	cJSON_Delete(rec);
	return remote;
}

/* The session whose journal was written last (ids only sort by the second
 * they were made in), the greater id on a tie; of one kind (kind 0 a local
 * agent's, 1 a flow's) or of any (-1). */
static char *latest(const char *base, int kind)
{
	DIR *d = opendir(base);
	struct dirent *de;
	struct dt_sb path = DT_SB_INIT;
	struct timespec best_t = {0};
	struct stat st;
	char *best = NULL;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		dt_sb_reset(&path);
		dt_sb_addf(&path, "%s/%s/journal.jsonl", base, de->d_name);
		if (stat(path.buf, &st) || (kind >= 0 && is_remote(path.buf) != kind))
			continue;
		if (!best || st.st_mtim.tv_sec > best_t.tv_sec ||
		    (st.st_mtim.tv_sec == best_t.tv_sec && (st.st_mtim.tv_nsec > best_t.tv_nsec ||
		     (st.st_mtim.tv_nsec == best_t.tv_nsec && strcmp(de->d_name, best) > 0)))) {
			free(best);
			best = dt_xstrdup(de->d_name);
			best_t = st.st_mtim;
		}
	}
	if (d)
		closedir(d);
	dt_sb_release(&path);
	return best;
}

int dt_session_open(struct dt_session **out, const char *base, const char *id, struct dt_sb *err)
{
	return dt_session_open_kind(out, base, id, -1, err);
}

int dt_session_open_kind(struct dt_session **out, const char *base, const char *id, int remote,
			 struct dt_sb *err)
{
	char *b = base ? dt_xstrdup(base) : default_base(), *pick = NULL;
	int rc = -1;

	if (!id || !*id) {
		pick = latest(b, remote);
		if (!pick) {
			dt_sb_addf(err, "no %ssession to resume in %s",
				   remote == 1 ? "Duo Agent Platform " : remote == 0 ? "local agent " : "",
				   b);
			goto done;
		}
		id = pick;
	}
	if (strchr(id, '/') || id[0] == '.') {
		dt_sb_addf(err, "bad session id %s", id);
		goto done;
	}
	rc = open_dir(out, b, id, 0, err);
done:
	free(pick);
	free(b);
	return rc;
}

void dt_session_free(struct dt_session *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->id);
	free(s->dir);
	free(s->proposals);
	free(s->journal);
	free(s);
}

const char *dt_session_id(const struct dt_session *s)
{
	return s->id;
}

const char *dt_session_dir(const struct dt_session *s)
{
	return s->dir;
}

const char *dt_session_proposals_dir(const struct dt_session *s)
{
	return s->proposals;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int dt_session_append(struct dt_session *s, const cJSON *record)
{
	char *text = cJSON_PrintUnformatted(record);
	struct dt_sb sb = DT_SB_INIT;
	int rc;

	dt_sb_adds(&sb, text);
	dt_sb_addc(&sb, '\n');
	free(text);
	rc = write_all(s->fd, sb.buf, sb.len);
	if (!rc && fdatasync(s->fd))
		rc = -errno;
	dt_sb_release(&sb);
	return rc;
}

int dt_session_load(struct dt_session *s, void (*cb)(const cJSON *rec, void *ud), void *ud)
{
	size_t len = 0;
	char *text = dt_read_file(s->journal, &len), *p, *nl;
	int n = 0;

	if (!text)
		return 0;
	for (p = text; p < text + len; p = nl + 1) {
		cJSON *rec;

		nl = memchr(p, '\n', (size_t)(text + len - p));
		if (!nl)
			break; /* torn last record */
		*nl = '\0';
		rec = cJSON_Parse(p);
		if (rec) {
			cb(rec, ud);
			n++;
		}
		cJSON_Delete(rec);
	}
	free(text);
	return n;
}

static void last_remote(const cJSON *rec, void *ud)
{
	cJSON **out = ud;

	if (remote_record(rec)) {
		cJSON_Delete(*out);
		*out = cJSON_Duplicate(rec, 1);
	}
}

cJSON *dt_session_remote(struct dt_session *s)
{
	cJSON *rec = NULL;

	dt_session_load(s, last_remote, &rec);
	return rec;
}

int dt_audit(const char *file, const char *kind, cJSON *fields)
{
	char *state = NULL, *text, ts[40];
	struct dt_sb path = DT_SB_INIT, line = DT_SB_INIT;
	struct timespec now;
	struct tm tm;
	cJSON *root = cJSON_CreateObject();
	int fd, rc = 0;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03ldZ", now.tv_nsec / 1000000);
	cJSON_AddStringToObject(root, "ts", ts);
	cJSON_AddStringToObject(root, "kind", kind);
	if (fields) {
		cJSON *f;

		while ((f = fields->child)) {
			cJSON_DetachItemViaPointer(fields, f);
			cJSON_AddItemToObject(root, f->string, f);
		}
		cJSON_Delete(fields);
	}
	if (!file) {
		state = dt_state_dir();
		dt_mkdir_p(state, 0700);
		dt_sb_addf(&path, "%s/audit.jsonl", state);
		file = path.buf;
	}
	text = cJSON_PrintUnformatted(root);
	dt_sb_adds(&line, text);
	dt_redact(&line);
	dt_sb_addc(&line, '\n');
	fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, line.buf, line.len))
		rc = -1;
	if (fd >= 0)
		close(fd);
	free(text);
	free(state);
	cJSON_Delete(root);
	dt_sb_release(&path);
	dt_sb_release(&line);
	return rc;
}
