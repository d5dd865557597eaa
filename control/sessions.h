/*
 * srtpedge-control's own view of the sessions: what the dataplane does not
 * keep (ICE credentials, the keys for a later rekey of one leg, its own
 * counters), by session id in a chained hash. Single-threaded; no DPDK.
 */
#ifndef CTL_SESSIONS_H
#define CTL_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"
#include "session_spec.h"

enum csess_kind {
	CS_PENDING = 1, /* a create is in flight: the id is reserved */
	CS_OWN,         /* created through this API (now or before a restart) */
	CS_FOREIGN,     /* in the dataplane, not created through the API (the
			   sessions file, or a create whose state was lost) */
};

struct csess_counters {
	uint64_t stun_answered;      /* success responses sent */
	uint64_t stun_rejected;      /* 400/401/420 sent */
	uint64_t stun_ignored;       /* responses, indications: nothing to answer */
	uint64_t stun_malformed;     /* not STUN, bad FINGERPRINT: dropped */
	uint64_t stun_rate_limited;  /* over the leg's rate: dropped */
	uint64_t stun_no_credentials;/* the leg has no ICE credentials: dropped */
	uint64_t remote_changes;     /* SET_REMOTE applied */
};

struct csess {
	uint32_t id;
	uint8_t kind;
	bool verified;                          /* seen in the dataplane's list */
	char name[48];
	struct dp_endpoint local[DP_SIDES];
	struct api_ice *ice[DP_SIDES];          /* NULL: no ICE on that leg */
	/* rx, tx of each leg as installed (for a rekey of the other leg);
	 * NULL when not known (made before a restart, or foreign) */
	struct dp_srtp_keys *keys;              /* [2 * side + (tx ? 1 : 0)] */
	/* the peer as control last set or installed it */
	struct dp_endpoint remote[DP_SIDES];
	bool remote_known[DP_SIDES];
	bool remote_pending[DP_SIDES];          /* a SET_REMOTE is in flight */
	double tokens[DP_SIDES];                /* STUN rate limit per leg */
	uint64_t tokens_ns[DP_SIDES];
	struct csess_counters c;
	/* the server's DTLS-SRTP state of the outside leg (NULL: none); the
	 * table's on_remove frees it */
	void *dtls;
	struct csess *next;
};

struct csess_table {
	struct csess **buckets;
	size_t nbuckets;
	size_t count;
	uint32_t cursor;                        /* the last id allocated */
	/* called for an entry with dtls set before it is freed */
	void (*on_remove)(struct csess *s, void *arg);
	void *on_remove_arg;
};

int csess_table_init(struct csess_table *t);
/* Frees (and wipes) every entry. */
void csess_table_free(struct csess_table *t);
struct csess *csess_find(const struct csess_table *t, uint32_t id);
/* A new zeroed entry for id (which must not be in the table); NULL when
 * out of memory. */
struct csess *csess_insert(struct csess_table *t, uint32_t id, enum csess_kind kind);
/* Removes, wipes and frees. */
void csess_remove(struct csess_table *t, uint32_t id);
/* An id in 1..max not in the table, after the last one given; 0 if none. */
uint32_t csess_alloc_id(struct csess_table *t, uint32_t max);
/* Calls fn for every entry (fn may not insert or remove). */
void csess_foreach(const struct csess_table *t, void (*fn)(struct csess *, void *),
		   void *arg);
/* Sets the entry's ICE credentials of a side (copied; NULL clears). */
int csess_set_ice(struct csess *s, int side, const struct api_ice *ice);
/* Keeps a copy of the installed keys of both legs (NULL forgets them). */
int csess_set_keys(struct csess *s, const struct dp_session_spec *spec);

#endif
