/* srtpedge-control's per-session table (see sessions.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "sessions.h"

static size_t bucket_of(const struct csess_table *t, uint32_t id)
{
	uint32_t h = id * 2654435761u;
	return (h ^ (h >> 16)) & (t->nbuckets - 1);
}

int csess_table_init(struct csess_table *t)
{
	memset(t, 0, sizeof(*t));
	t->nbuckets = 1024;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -1;
}

static void entry_free(const struct csess_table *t, struct csess *s)
{
	if (s->dtls && t->on_remove)
		t->on_remove(s, t->on_remove_arg);
	for (int l = 0; l < DP_SIDES; l++) {
		if (s->ice[l]) {
			explicit_bzero(s->ice[l], sizeof(*s->ice[l]));
			free(s->ice[l]);
		}
	}
	if (s->keys) {
		explicit_bzero(s->keys, 2 * DP_SIDES * sizeof(*s->keys));
		free(s->keys);
	}
	explicit_bzero(s, sizeof(*s));
	free(s);
}

void csess_table_free(struct csess_table *t)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct csess *s = t->buckets[i], *n;
		for (; s; s = n) {
			n = s->next;
			entry_free(t, s);
		}
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

struct csess *csess_find(const struct csess_table *t, uint32_t id)
{
	for (struct csess *s = t->buckets[bucket_of(t, id)]; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

static void grow(struct csess_table *t)
{
	size_t n = t->nbuckets * 2;
	struct csess **b = calloc(n, sizeof(*b));
	if (b == NULL)
		return; /* longer chains, still correct */
	struct csess_table nt = *t;
	nt.buckets = b;
	nt.nbuckets = n;
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct csess *s = t->buckets[i], *next;
		for (; s; s = next) {
			next = s->next;
			size_t k = bucket_of(&nt, s->id);
			s->next = b[k];
			b[k] = s;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = n;
}

struct csess *csess_insert(struct csess_table *t, uint32_t id, enum csess_kind kind)
{
	if (t->count >= t->nbuckets)
		grow(t);
	struct csess *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->id = id;
	s->kind = (uint8_t)kind;
	size_t k = bucket_of(t, id);
	s->next = t->buckets[k];
	t->buckets[k] = s;
	t->count++;
	return s;
}

void csess_remove(struct csess_table *t, uint32_t id)
{
	struct csess **pp = &t->buckets[bucket_of(t, id)];
	for (; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct csess *s = *pp;
			*pp = s->next;
			t->count--;
			entry_free(t, s);
			return;
		}
	}
}

uint32_t csess_alloc_id(struct csess_table *t, uint32_t max)
{
	if (t->count >= max)
		return 0;
	for (uint32_t i = 0; i < max; i++) {
		t->cursor = t->cursor >= max ? 1 : t->cursor + 1;
		if (csess_find(t, t->cursor) == NULL)
			return t->cursor;
	}
	return 0;
}

void csess_foreach(const struct csess_table *t, void (*fn)(struct csess *, void *),
		   void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++)
		for (struct csess *s = t->buckets[i]; s; s = s->next)
			fn(s, arg);
}

int csess_set_ice(struct csess *s, int side, const struct api_ice *ice)
{
	if (s->ice[side]) {
		explicit_bzero(s->ice[side], sizeof(*s->ice[side]));
		free(s->ice[side]);
		s->ice[side] = NULL;
	}
	if (ice == NULL)
		return 0;
	s->ice[side] = malloc(sizeof(*ice));
	if (s->ice[side] == NULL)
		return -1;
	memcpy(s->ice[side], ice, sizeof(*ice));
	return 0;
}

int csess_set_keys(struct csess *s, const struct dp_session_spec *spec)
{
	if (spec == NULL) {
		if (s->keys) {
			explicit_bzero(s->keys, 2 * DP_SIDES * sizeof(*s->keys));
			free(s->keys);
			s->keys = NULL;
		}
		return 0;
	}
	if (s->keys == NULL && (s->keys = malloc(2 * DP_SIDES * sizeof(*s->keys))) == NULL)
		return -1;
	for (int l = 0; l < DP_SIDES; l++) {
		s->keys[2 * l] = spec->leg[l].rx;
		s->keys[2 * l + 1] = spec->leg[l].tx;
	}
	return 0;
}
