#include "duoterm/core/config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duoterm/core/log.h"

const struct dt_config_key dt_config_keys[] = {
#define DT_CONFIG_ENTRY(field, path, type, env, def, help) \
	{path, env, def, help, DT_CFG_##type, offsetof(struct dt_config, field)},
	DT_CONFIG_KEYS(DT_CONFIG_ENTRY)
#undef DT_CONFIG_ENTRY
};
const size_t dt_config_nr_keys = sizeof(dt_config_keys) / sizeof(dt_config_keys[0]);

static char **field_of(struct dt_config *cfg, const struct dt_config_key *k)
{
	return (char **)((char *)cfg + k->offset);
}

void dt_config_set(struct dt_config *cfg, char **field, const char *value)
{
	(void)cfg;
	if (*field) {
		explicit_bzero(*field, strlen(*field));
		free(*field);
	}
	*field = value ? dt_xstrdup(value) : NULL;
}

int dt_config_bool(const char *v)
{
	return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"));
}

int dt_config_size(const char *v, size_t *out)
{
	unsigned long long n, mul = 1;
	char *end;

	if (!v || !(*v >= '0' && *v <= '9'))
		return -1;
	errno = 0;
	n = strtoull(v, &end, 10);
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	default: break;
	}
	if (errno || *end || !n || n > SIZE_MAX / mul)
		return -1;
	*out = (size_t)(n * mul);
	return 0;
}

static char *xdg_dir(const char *var, const char *fallback)
{
	const char *base = getenv(var);
	const char *home = getenv("HOME");
	struct dt_sb sb = DT_SB_INIT;

	if (base && *base == '/')
		dt_sb_addf(&sb, "%s/duoterm", base);
	else
		dt_sb_addf(&sb, "%s/%s/duoterm", home && *home ? home : "/tmp", fallback);
	return dt_sb_detach(&sb, NULL);
}

char *dt_config_dir(void)
{
	return xdg_dir("XDG_CONFIG_HOME", ".config");
}

char *dt_state_dir(void)
{
	return xdg_dir("XDG_STATE_HOME", ".local/state");
}

int dt_mkdir_p(const char *path, int mode)
{
	char *p = dt_xstrdup(path);
	int rc = 0;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;

			*s = '\0';
			if (mkdir(p, (mode_t)mode) && errno != EEXIST) {
				rc = -errno;
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

char *dt_read_file(const char *path, size_t *len)
{
	struct dt_sb sb = DT_SB_INIT;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		dt_sb_add(&sb, buf, (size_t)n);
	if (n < 0) {
		int e = errno;

		close(fd);
		dt_sb_release(&sb);
		errno = e;
		return NULL;
	}
	close(fd);
	return dt_sb_detach(&sb, len);
}

int dt_write_file_atomic(const char *path, const void *data, size_t len, int mode)
{
	struct dt_sb tmp = DT_SB_INIT;
	const char *p = data;
	int fd, rc = 0;

	dt_sb_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		rc = -errno;
		goto done;
	}
	if (fchmod(fd, (mode_t)mode))
		rc = -errno;
	while (!rc && len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp.buf, path))
		rc = -errno;
	if (rc)
		unlink(tmp.buf);
done:
	dt_sb_release(&tmp);
	return rc;
}

static const cJSON *lookup(const cJSON *root, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		size_t n = (size_t)(dot - path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		root = cJSON_GetObjectItemCaseSensitive(root, key);
		if (!cJSON_IsObject(root))
			return NULL;
		path = dot + 1;
	}
	return cJSON_GetObjectItemCaseSensitive(root, path);
}

static int error_line(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; p && at && p < at && *p; p++)
		line += *p == '\n';
	return line;
}

static int known_path(const char *section, const char *key)
{
	size_t sl = strlen(section);

	for (size_t i = 0; i < dt_config_nr_keys; i++) {
		const char *p = dt_config_keys[i].path;

		if (!strncmp(p, section, sl) && p[sl] == '.' && !strcmp(p + sl + 1, key))
			return 1;
	}
	/* sections owned by other modules */
	return !strcmp(section, "keys") || !strcmp(section, "mcp");
}

static void warn_unknown(const cJSON *root, const char *name, struct dt_sb *err)
{
	const cJSON *sec, *it;

	cJSON_ArrayForEach(sec, root) {
		if (!cJSON_IsObject(sec)) {
			dt_sb_addf(err, "%s: unknown setting \"%s\" (settings are grouped, e.g. "
				   "{\"gitlab\": {\"instance_url\": ...}})\n", name, sec->string);
			continue;
		}
		if (!strcmp(sec->string, "keys") || !strcmp(sec->string, "mcp"))
			continue;
		cJSON_ArrayForEach(it, sec) {
			if (!known_path(sec->string, it->string))
				dt_sb_addf(err, "%s: unknown setting \"%s.%s\"\n", name, sec->string,
					   it->string);
		}
	}
}

int dt_config_load_text(struct dt_config *cfg, const char *name, const char *text,
			struct dt_sb *err)
{
	cJSON *root = cJSON_ParseWithOpts(text, NULL, 0);
	int rc = 0;

	if (!root) {
		dt_sb_addf(err, "%s: line %d: not valid JSON\n", name,
			   error_line(text, cJSON_GetErrorPtr()));
		return -1;
	}
	if (!cJSON_IsObject(root)) {
		dt_sb_addf(err, "%s: the top level must be an object\n", name);
		cJSON_Delete(root);
		return -1;
	}
	for (size_t i = 0; i < dt_config_nr_keys; i++) {
		const struct dt_config_key *k = &dt_config_keys[i];
		const cJSON *v = lookup(root, k->path);

		if (!v || cJSON_IsNull(v))
			continue;
		if (k->type == DT_CFG_BOOL && cJSON_IsBool(v)) {
			dt_config_set(cfg, field_of(cfg, k), cJSON_IsTrue(v) ? "true" : "false");
		} else if (k->type != DT_CFG_BOOL && cJSON_IsString(v)) {
			dt_config_set(cfg, field_of(cfg, k), v->valuestring);
			if (k->type == DT_CFG_SECRET)
				dt_secret_register(v->valuestring);
		} else {
			dt_sb_addf(err, "%s: \"%s\" must be %s\n", name, k->path,
				   k->type == DT_CFG_BOOL ? "true or false" : "a string");
			rc = -1;
		}
	}
	warn_unknown(root, name, err);
	cJSON_Delete(root);
	return rc;
}

static int load_file(struct dt_config *cfg, const char *path, struct dt_sb *err)
{
	char *text = dt_read_file(path, NULL);
	int rc;

	if (!text) {
		if (errno == ENOENT)
			return 0;
		dt_sb_addf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = dt_config_load_text(cfg, path, text, err);
	free(text);
	if (!cfg->config_file)
		cfg->config_file = dt_xstrdup(path);
	return rc;
}

/* credentials.json: {"instances": {"https://gitlab.com": {"token": "..."}}} */
static void load_credentials(struct dt_config *cfg, struct dt_sb *err)
{
	struct stat st;
	char *text;
	cJSON *root;
	const cJSON *inst, *tok;

	if (stat(cfg->credentials_file, &st))
		return;
	if (st.st_mode & 077)
		dt_sb_addf(err, "%s: readable by others (mode %03o); run: chmod 600 %s\n",
			   cfg->credentials_file, st.st_mode & 0777, cfg->credentials_file);
	text = dt_read_file(cfg->credentials_file, NULL);
	if (!text)
		return;
	root = cJSON_Parse(text);
	explicit_bzero(text, strlen(text));
	free(text);
	if (!root) {
		dt_sb_addf(err, "%s: not valid JSON; run 'duoterm login' again\n",
			   cfg->credentials_file);
		return;
	}
	inst = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "instances"),
						cfg->instance_url);
	tok = cJSON_GetObjectItemCaseSensitive(inst, "token");
	if (cJSON_IsString(tok) && tok->valuestring[0]) {
		dt_config_set(cfg, &cfg->token, tok->valuestring);
		dt_secret_register(tok->valuestring);
		cfg->token_source = "the credentials file";
	}
	cJSON_Delete(root);
}

/* strip trailing slashes so URLs join cleanly and compare equal */
static void strip_slash(char *url)
{
	size_t n = url ? strlen(url) : 0;

	while (n > 1 && url[n - 1] == '/')
		url[--n] = '\0';
}

int dt_config_load(struct dt_config *cfg, struct dt_sb *err)
{
	char *dir = dt_config_dir();
	struct dt_sb path = DT_SB_INIT;
	int rc = 0;

	*cfg = (struct dt_config){0};
	for (size_t i = 0; i < dt_config_nr_keys; i++)
		if (dt_config_keys[i].def)
			dt_config_set(cfg, field_of(cfg, &dt_config_keys[i]), dt_config_keys[i].def);
	dt_sb_addf(&path, "%s/config.json", dir);
	if (load_file(cfg, path.buf, err))
		rc = -1;
	if (cfg->token)
		cfg->token_source = "the config file";
	if (load_file(cfg, ".duoterm.json", err))
		rc = -1;
	/* env first for the instance, so credentials are looked up for the right one */
	if (getenv("GITLAB_INSTANCE_URL") && *getenv("GITLAB_INSTANCE_URL"))
		dt_config_set(cfg, &cfg->instance_url, getenv("GITLAB_INSTANCE_URL"));
	strip_slash(cfg->instance_url);
	dt_sb_reset(&path);
	dt_sb_addf(&path, "%s/credentials.json", dir);
	cfg->credentials_file = dt_sb_detach(&path, NULL);
	load_credentials(cfg, err);
	for (size_t i = 0; i < dt_config_nr_keys; i++) {
		const struct dt_config_key *k = &dt_config_keys[i];
		const char *v = k->env ? getenv(k->env) : NULL;

		if (!v || !*v)
			continue;
		dt_config_set(cfg, field_of(cfg, k), v);
		if (k->type == DT_CFG_SECRET)
			dt_secret_register(v);
		if (field_of(cfg, k) == &cfg->token)
			cfg->token_source = "GITLAB_TOKEN";
	}
	strip_slash(cfg->instance_url);
	free(dir);
	dt_sb_release(&path);
	return rc;
}

void dt_config_release(struct dt_config *cfg)
{
	for (size_t i = 0; i < dt_config_nr_keys; i++)
		dt_config_set(cfg, field_of(cfg, &dt_config_keys[i]), NULL);
	free(cfg->config_file);
	free(cfg->credentials_file);
	*cfg = (struct dt_config){0};
}
