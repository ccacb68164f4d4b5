/*
 * Runs a libFuzzer target without libFuzzer: each argument is an input
 * file, or a directory whose files are inputs (one level).  Lets the
 * targets build with any compiler and replay a corpus in `make check`.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "duoterm/core/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	struct dt_sb sb = DT_SB_INIT;
	char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		perror(path);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		dt_sb_add(&sb, buf, n);
	fclose(f);
	/* an exact-size copy, so reads past the end are caught */
	uint8_t *data = dt_xmalloc(sb.len ? sb.len : 1);

	memcpy(data, sb.buf ? sb.buf : "", sb.len);
	LLVMFuzzerTestOneInput(data, sb.len);
	free(data);
	dt_sb_release(&sb);
	return 0;
}

static int run_dir(const char *dir, int *count)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int ret = 0;

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct dt_sb path = DT_SB_INIT;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		dt_sb_addf(&path, "%s/%s", dir, de->d_name);
		if (!stat(path.buf, &st) && S_ISREG(st.st_mode)) {
			if (run_file(path.buf))
				ret = -1;
			else
				++*count;
		}
		dt_sb_release(&path);
	}
	closedir(d);
	return ret;
}

int main(int argc, char **argv)
{
	int count = 0, ret = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			perror(argv[i]);
			ret = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count))
				ret = 1;
		} else if (run_file(argv[i])) {
			ret = 1;
		} else {
			count++;
		}
	}
	printf("%s: %d inputs ran\n", argc > 0 ? argv[0] : "fuzz", count);
	return ret;
}
