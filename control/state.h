/*
 * srtpedge-control's state: what it must remember across a restart and the
 * dataplane does not keep, i.e. the ICE credentials and names of the
 * sessions created through the API (never SRTP keys). A snapshot (JSON,
 * replaced atomically: a temporary file, fsync, rename, fsync of the
 * directory) and a journal of the changes since (JSON lines, appended and
 * fdatasync'ed), both mode 0600 (ICE passwords are secrets).
 */
#ifndef CTL_STATE_H
#define CTL_STATE_H

#include <stddef.h>

#include <jansson.h>

#include "sessions.h"

#define CTL_STATE_FILE "control-state.json"
#define CTL_JOURNAL_SUFFIX ".journal"
#define CTL_STATE_VERSION 1

/* The snapshot: writes every CS_OWN entry of t to path (atomically), then
 * removes the journal (path + ".journal"). 0, or -1 with err filled. */
int ctl_state_save(const struct csess_table *t, const char *path, char *err,
		   size_t errlen);
/* Appends journal records (whole lines) to path + ".journal" (mode 0600)
 * and fdatasync's them: the cheap way to record a change between
 * snapshots. 0, or -1 with err filled. */
int ctl_state_journal(const char *path, const char *lines, size_t len, char *err,
		      size_t errlen);
/* One session as the snapshot and the journal's "add" record hold it
 * (a new reference, NULL when out of memory). */
json_t *ctl_state_entry(const struct csess *s);
/* Reads the snapshot at path, then replays its journal, into the empty t
 * as CS_OWN entries (verified = false). Missing files are an empty state.
 * Returns the number of sessions, or -1 with err filled (t left empty). */
long ctl_state_load(struct csess_table *t, const char *path, char *err,
		    size_t errlen);

/* jansson allocation functions that wipe every block they free (requests
 * carry keys, the state file passwords). Call once before any jansson use. */
void ctl_json_wiping_alloc(void);
/* json_dumps into a malloc'd string (free() it; the jansson copy is
 * wiped): callers need not know which allocator jansson uses. */
char *ctl_json_dumps(const json_t *j, size_t flags);

#endif
