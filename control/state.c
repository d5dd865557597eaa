/* srtpedge-control's state file (see state.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_util.h"
#include "state.h"

/* ---- a jansson allocator that wipes ------------------------------------- */

struct blk {
	size_t size;
	size_t pad; /* 16-byte alignment of what follows */
};

static void *wipe_malloc(size_t n)
{
	struct blk *b = malloc(sizeof(*b) + n);
	if (b == NULL)
		return NULL;
	b->size = n;
	return b + 1;
}

static void wipe_free(void *p)
{
	if (p == NULL)
		return;
	struct blk *b = (struct blk *)p - 1;
	explicit_bzero(p, b->size);
	free(b);
}

void ctl_json_wiping_alloc(void)
{
	json_set_alloc_funcs(wipe_malloc, wipe_free);
}

char *ctl_json_dumps(const json_t *j, size_t flags)
{
	json_malloc_t m;
	json_free_t f;
	char *s = json_dumps(j, flags);
	if (s == NULL)
		return NULL;
	char *copy = strdup(s);
	json_get_alloc_funcs(&m, &f);
	explicit_bzero(s, strlen(s));
	f(s);
	return copy;
}

/* ---- save ------------------------------------------------------------------ */

static const char *const side_name[DP_SIDES] = {"outside", "inside"};

json_t *ctl_state_entry(const struct csess *s)
{
	char buf[CTL_EP_STRLEN];
	json_t *o = json_object();
	json_t *ice = json_object();
	int failed = o == NULL || ice == NULL;

	if (failed) {
		json_decref(o);
		json_decref(ice);
		return NULL;
	}
	json_object_set_new(o, "session", json_integer(s->id));
	json_object_set_new(o, "name", json_string(s->name));
	for (int l = 0; l < DP_SIDES; l++) {
		char key[32];
		snprintf(key, sizeof(key), "%s_local", side_name[l]);
		failed |= json_object_set_new(o, key, json_string(ctl_ep_format(&s->local[l], buf,
										sizeof(buf))));
		if (s->ice[l]) {
			json_t *i = json_pack("{s:s, s:s}", "ufrag", s->ice[l]->ufrag,
					      "pwd", s->ice[l]->pwd);
			if (i && s->ice[l]->remote_ufrag[0])
				json_object_set_new(i, "remote_ufrag",
						    json_string(s->ice[l]->remote_ufrag));
			failed |= i == NULL || json_object_set_new(ice, side_name[l], i) != 0;
		}
	}
	failed |= json_object_set_new(o, "ice", ice);
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct save_ctx {
	json_t *arr;
	int failed;
};

static void save_one(struct csess *s, void *arg)
{
	struct save_ctx *c = arg;

	if (s->kind != CS_OWN)
		return;
	json_t *o = ctl_state_entry(s);
	if (o == NULL || json_array_append_new(c->arr, o) != 0)
		c->failed = 1;
}

int ctl_state_save(const struct csess_table *t, const char *path, char *err,
		   size_t errlen)
{
	struct save_ctx c = {json_array(), 0};
	json_t *root = json_object();
	char tmp[PATH_MAX];
	int fd = -1, rc = -1;
	char *text = NULL;

	if (c.arr == NULL || root == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	csess_foreach(t, save_one, &c);
	json_object_set_new(root, "format", json_string("srtpedge-control state"));
	json_object_set_new(root, "version", json_integer(CTL_STATE_VERSION));
	json_object_set(root, "sessions", c.arr);
	text = ctl_json_dumps(root, JSON_INDENT(1) | JSON_SORT_KEYS);
	if (c.failed || text == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: write: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* the snapshot holds what the journal said (replaying it again on the
	 * snapshot would change nothing: adds replace, deletes of absent
	 * sessions are no-ops) */
	char jpath[PATH_MAX + 16];
	snprintf(jpath, sizeof(jpath), "%s%s", path, CTL_JOURNAL_SUFFIX);
	unlink(jpath);
	/* the rename itself survives a crash once the directory is synced */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	if (text) {
		explicit_bzero(text, strlen(text)); /* ICE passwords */
		free(text);
	}
	json_decref(c.arr);
	json_decref(root);
	return rc;
}

/* ---- load ------------------------------------------------------------------ */

/* One session entry (snapshot or journal) into t. `replace`: an entry of
 * that id already there is replaced (journal), else it is an error. NULL,
 * or why the entry is refused. */
static const char *entry_apply(struct csess_table *t, const json_t *o, bool replace)
{
	struct api_error e;
	struct api_ice ices[DP_SIDES];
	struct dp_endpoint locals[DP_SIDES];
	bool has_ice[DP_SIDES] = {false, false};
	json_t *id = json_object_get(o, "session");
	json_t *name = json_object_get(o, "name");
	json_t *ice = json_object_get(o, "ice");
	const char *why = NULL;

	memset(ices, 0, sizeof(ices));
	if (!json_is_object(o))
		why = "not an object";
	else if (!json_is_integer(id) || json_integer_value(id) < 1 ||
		 json_integer_value(id) > UINT32_MAX)
		why = "\"session\" is not a session id";
	else if (!json_is_string(name) || strlen(json_string_value(name)) >= 48)
		why = "\"name\" is not a name";
	else if (ice != NULL && !json_is_object(ice))
		why = "\"ice\" is not an object";
	else if (!replace && csess_find(t, (uint32_t)json_integer_value(id)) != NULL)
		why = "the session is listed twice";
	for (int l = 0; why == NULL && l < DP_SIDES; l++) {
		char key[32];
		snprintf(key, sizeof(key), "%s_local", side_name[l]);
		json_t *loc = json_object_get(o, key);
		if (!json_is_string(loc) || !ctl_ep_parse(json_string_value(loc), &locals[l]))
			why = "a local address is missing or wrong";
		json_t *ic = ice ? json_object_get(ice, side_name[l]) : NULL;
		if (why == NULL && ic != NULL) {
			if (!json_is_object(ic) ||
			    api_parse_ice(ic, side_name[l], &ices[l], &e) < 0)
				why = "ICE credentials are not valid";
			has_ice[l] = true;
		}
	}
	struct csess *s = NULL;
	if (why == NULL) {
		uint32_t sid = (uint32_t)json_integer_value(id);
		csess_remove(t, sid);
		if ((s = csess_insert(t, sid, CS_OWN)) == NULL)
			why = "out of memory";
	}
	if (s != NULL) {
		snprintf(s->name, sizeof(s->name), "%s", json_string_value(name));
		for (int l = 0; l < DP_SIDES; l++) {
			s->local[l] = locals[l];
			if (has_ice[l] && csess_set_ice(s, l, &ices[l]) != 0)
				why = "out of memory";
		}
	}
	explicit_bzero(ices, sizeof(ices));
	return why;
}

/* The journal's lines, in order: {"op": "add", "entry": {...}} or
 * {"op": "del", "session": ID}. A last line without its newline is a write
 * a crash cut short, whose request was never answered: ignored. */
static int journal_replay(struct csess_table *t, const char *jpath, char *err,
			  size_t errlen)
{
	FILE *f = fopen(jpath, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	int rc = 0;

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", jpath, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] != '\n')
			break; /* cut short */
		json_error_t je;
		json_t *j = json_loadb(line, (size_t)n, 0, &je);
		const char *op = json_string_value(json_object_get(j, "op"));
		const char *why = NULL;
		if (j == NULL || op == NULL) {
			why = "not a journal record";
		} else if (strcmp(op, "add") == 0) {
			why = entry_apply(t, json_object_get(j, "entry"), true);
		} else if (strcmp(op, "del") == 0) {
			json_t *id = json_object_get(j, "session");
			if (!json_is_integer(id) || json_integer_value(id) < 1 ||
			    json_integer_value(id) > UINT32_MAX)
				why = "\"session\" is not a session id";
			else
				csess_remove(t, (uint32_t)json_integer_value(id));
		} else {
			why = "unknown \"op\"";
		}
		json_decref(j);
		explicit_bzero(line, (size_t)n);
		if (why) {
			snprintf(err, errlen, "%s:%u: %s", jpath, lineno, why);
			rc = -1;
			break;
		}
	}
	if (line) {
		explicit_bzero(line, cap);
		free(line);
	}
	fclose(f);
	return rc;
}

int ctl_state_journal(const char *path, const char *lines, size_t len, char *err,
		      size_t errlen)
{
	char jpath[PATH_MAX + 16];
	snprintf(jpath, sizeof(jpath), "%s%s", path, CTL_JOURNAL_SUFFIX);
	int fd = open(jpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", jpath, strerror(errno));
		return -1;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, lines + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, errlen, "%s: write: %s", jpath, strerror(errno));
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	if (fdatasync(fd) != 0) {
		snprintf(err, errlen, "%s: fdatasync: %s", jpath, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

long ctl_state_load(struct csess_table *t, const char *path, char *err,
		    size_t errlen)
{
	json_error_t je;
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			goto journal; /* no snapshot yet */
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d: %s", path, je.line, je.text);
		return -1;
	}
	json_t *ver = json_object_get(root, "version");
	json_t *arr = json_object_get(root, "sessions");
	if (!json_is_integer(ver) || json_integer_value(ver) != CTL_STATE_VERSION ||
	    !json_is_array(arr)) {
		snprintf(err, errlen, "%s: not a version %d state file (no \"version\": %d "
			 "and \"sessions\" array)", path, CTL_STATE_VERSION, CTL_STATE_VERSION);
		json_decref(root);
		return -1;
	}
	/* t is empty (a start): on any error it is emptied again */
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o) {
		const char *why = entry_apply(t, o, false);
		if (why) {
				snprintf(err, errlen, "%s: session entry %zu: %s", path, i + 1, why);
			json_decref(root);
			csess_table_free(t);
			csess_table_init(t);
			return -1;
		}
	}
	json_decref(root);
journal:;
	char jpath[PATH_MAX + 16];
	snprintf(jpath, sizeof(jpath), "%s%s", path, CTL_JOURNAL_SUFFIX);
	if (journal_replay(t, jpath, err, errlen) != 0) {
		csess_table_free(t);
		csess_table_init(t);
		return -1;
	}
	return (long)t->count;

}
