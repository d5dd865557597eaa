/* Flat JSON objects (see bench_json.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_json.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A JSON string at p (after its opening quote) into out; returns the
 * character after the closing quote, or NULL. */
static const char *parse_string(const char *p, char *out, size_t cap)
{
	size_t o = 0;

	while (*p && *p != '"') {
		char c = *p++;
		if (c == '\\') {
			c = *p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				/* kept as '?': our rows are ASCII */
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*p++))
						return NULL;
				c = '?';
				break;
			default:
				return NULL;
			}
		} else if ((unsigned char)c < 0x20) {
			return NULL;
		}
		if (o + 1 < cap)
			out[o++] = c;
	}
	if (*p != '"')
		return NULL;
	out[o] = '\0';
	return p + 1;
}

int jrow_parse(const char *line, struct jrow *r)
{
	const char *p = skip_ws(line);

	r->n = 0;
	if (*p++ != '{')
		return -1;
	p = skip_ws(p);
	if (*p == '}')
		return *skip_ws(p + 1) ? -1 : 0;
	for (;;) {
		struct jfield *f;
		if (r->n >= JROW_MAX || *p++ != '"')
			return -1;
		f = &r->f[r->n];
		memset(f, 0, sizeof(*f));
		p = parse_string(p, f->key, sizeof(f->key));
		if (p == NULL)
			return -1;
		p = skip_ws(p);
		if (*p++ != ':')
			return -1;
		p = skip_ws(p);
		if (*p == '"') {
			f->t = J_STR;
			p = parse_string(p + 1, f->s, sizeof(f->s));
			if (p == NULL)
				return -1;
		} else if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
			f->t = J_BOOL;
			f->n = *p == 't';
			p += *p == 't' ? 4 : 5;
		} else if (strncmp(p, "null", 4) == 0) {
			f->t = J_NULL;
			p += 4;
		} else {
			char *end;
			errno = 0;
			f->n = strtod(p, &end);
			if (end == p || errno || !isfinite(f->n) ||
			    (size_t)(end - p) >= sizeof(f->s))
				return -1;
			f->t = J_NUM;
			memcpy(f->s, p, (size_t)(end - p));
			p = end;
		}
		r->n++;
		p = skip_ws(p);
		if (*p == ',') {
			p = skip_ws(p + 1);
			continue;
		}
		if (*p != '}')
			return -1;
		return *skip_ws(p + 1) ? -1 : 0;
	}
}

const struct jfield *jrow_get(const struct jrow *r, const char *key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}

const char *jrow_str(const struct jrow *r, const char *key)
{
	const struct jfield *f = jrow_get(r, key);
	return f && f->t == J_STR ? f->s : NULL;
}

double jrow_num(const struct jrow *r, const char *key, double dflt)
{
	const struct jfield *f = jrow_get(r, key);
	return f && f->t == J_NUM ? f->n : dflt;
}

bool jrow_has_num(const struct jrow *r, const char *key)
{
	const struct jfield *f = jrow_get(r, key);
	return f && f->t == J_NUM;
}

bool jrow_true(const struct jrow *r, const char *key)
{
	const struct jfield *f = jrow_get(r, key);
	return f && f->t == J_BOOL && f->n != 0;
}

static struct jfield *slot(struct jrow *r, const char *key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	if (r->n >= JROW_MAX)
		return NULL;
	struct jfield *f = &r->f[r->n++];
	memset(f, 0, sizeof(*f));
	snprintf(f->key, sizeof(f->key), "%s", key);
	return f;
}

int jrow_set_str(struct jrow *r, const char *key, const char *v)
{
	struct jfield *f = slot(r, key);
	if (f == NULL)
		return -1;
	f->t = J_STR;
	snprintf(f->s, sizeof(f->s), "%s", v);
	return 0;
}

int jrow_set_num(struct jrow *r, const char *key, double v)
{
	struct jfield *f = slot(r, key);
	if (f == NULL)
		return -1;
	f->t = J_NUM;
	f->n = v;
	if (fabs(v) >= 1000 || v == floor(v))
		snprintf(f->s, sizeof(f->s), "%.0f", v);
	else if (fabs(v) >= 1)
		snprintf(f->s, sizeof(f->s), "%.3f", v);
	else
		snprintf(f->s, sizeof(f->s), "%.4g", v);
	return 0;
}

int jrow_set_bool(struct jrow *r, const char *key, bool v)
{
	struct jfield *f = slot(r, key);
	if (f == NULL)
		return -1;
	f->t = J_BOOL;
	f->n = v;
	return 0;
}

int jrow_set_null(struct jrow *r, const char *key)
{
	struct jfield *f = slot(r, key);
	if (f == NULL)
		return -1;
	f->t = J_NULL;
	return 0;
}

void jrow_del(struct jrow *r, const char *key)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0) {
			memmove(&r->f[i], &r->f[i + 1], (r->n - i - 1) * sizeof(r->f[0]));
			r->n--;
			return;
		}
}

void json_put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void jrow_print(FILE *f, const struct jrow *r)
{
	fputc('{', f);
	for (unsigned i = 0; i < r->n; i++) {
		const struct jfield *x = &r->f[i];
		if (i)
			fputc(',', f);
		json_put_str(f, x->key);
		fputc(':', f);
		switch (x->t) {
		case J_STR: json_put_str(f, x->s); break;
		case J_NUM: fputs(x->s, f); break;
		case J_BOOL: fputs(x->n ? "true" : "false", f); break;
		case J_NULL: fputs("null", f); break;
		}
	}
	fputs("}\n", f);
	fflush(f);
}

int jrows_load(const char *path, struct jrow **rows)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0, have = 0;
	unsigned lineno = 0;
	ssize_t len;

	*rows = NULL;
	if (f == NULL) {
		fprintf(stderr, "srtpedge-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		const char *p = skip_ws(line);
		if (*p == '\0')
			continue;
		if (n == have) {
			have = have ? 2 * have : 64;
			struct jrow *nr = realloc(*rows, have * sizeof(**rows));
			if (nr == NULL) {
				fprintf(stderr, "srtpedge-bench: out of memory reading %s\n", path);
				goto fail;
			}
			*rows = nr;
		}
		if (jrow_parse(line, &(*rows)[n]) != 0) {
			fprintf(stderr, "srtpedge-bench: %s:%u: not a flat JSON object\n",
				path, lineno);
			goto fail;
		}
		n++;
	}
	free(line);
	fclose(f);
	return (int)n;
fail:
	free(line);
	fclose(f);
	free(*rows);
	*rows = NULL;
	return -1;
}
