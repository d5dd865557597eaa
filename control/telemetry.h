/*
 * A client of DPDK's telemetry socket (/var/run/dpdk/PREFIX/
 * dpdk_telemetry.v2, SOCK_SEQPACKET): srtpedge's counters for the API's
 * stats. One connection per call, a timeout of a second.
 */
#ifndef CTL_TELEMETRY_H
#define CTL_TELEMETRY_H

#include <stddef.h>

#include <jansson.h>

/* The answer's value for `cmd` (e.g. "/srtpedge/session,7"): a new
 * reference, JSON null when the command refused its parameter, or NULL with
 * err filled when the socket could not be used. */
json_t *ctl_telemetry(const char *prefix, const char *cmd, char *err, size_t errlen);

#endif
