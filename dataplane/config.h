/*
 * srtpedge configuration: the INI file (read with rte_cfgfile after a
 * line-accurate syntax pass), command-line overrides, and the validated
 * result every other part of the dataplane reads.
 */
#ifndef DP_CONFIG_H
#define DP_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "session_spec.h"

#define DP_MAX_WORKERS 64
#define DP_MAX_NEIGHBORS 32
/* per family and side: one local address carries at most 64k sessions */
#define DP_MAX_PORT_ADDRS 16
#define DP_MAX_SET 64
/* ids above are the demo generator's (DP_DEMO_ID0) */
#define DP_CONFIG_MAX_SESSION_ID 999999u
/* = DP_MAX_SSRCS of the session table */
#define DP_CONFIG_MAX_SSRCS 8
#define DP_DEMO_ID0 1000000u

struct dp_neighbor {
	struct dp_addr ip;
	uint8_t mac[6];
};

/* An address of a port and the prefix length of its attached subnet. */
struct dp_prefix {
	struct dp_addr addr;
	uint8_t plen;
};

struct dp_port_cfg {
	char device[256];        /* PCI address or a DPDK vdev with its arguments */
	bool is_pci;
	/* in the file's order; [0] of a family is its primary address, the
	 * source of solicitations for a next hop on none of its subnets */
	unsigned nipv4, nipv6;
	struct dp_prefix ipv4[DP_MAX_PORT_ADDRS], ipv6[DP_MAX_PORT_ADDRS];
	bool has_gateway4, has_gateway6;
	struct dp_addr gateway4, gateway6;
	unsigned nneighbors;
	struct dp_neighbor neighbors[DP_MAX_NEIGHBORS];
};

/* The embedded load generator of the main job (`[demo]`). */
struct dp_demo_cfg {
	bool enabled;
	uint32_t sessions;
	uint8_t suite;           /* enum sre_suite */
	uint32_t payload;
	uint32_t pps;            /* packets per second offered, all streams */
	uint32_t duration;       /* seconds; 0 = until interrupted */
	uint32_t bad_per_mille;  /* forged, replayed and malformed packets mixed in */
};

struct dp_config {
	char file[PATH_MAX];     /* "(embedded default)" when none was given */
	unsigned workers;
	unsigned main_lcore;
	unsigned worker_lcores[DP_MAX_WORKERS];
	/* the CPU each worker lcore runs on, when not the lcore's own number
	 * (EAL --lcores; several workers may share a CPU, e.g. for tests) */
	unsigned worker_cpus[DP_MAX_WORKERS];
	bool has_worker_cpus;
	uint32_t max_sessions;
	uint32_t ssrcs_per_direction;
	uint32_t replay_window;
	uint32_t burst;
	uint32_t mbufs;
	uint8_t ttl;
	uint32_t stats_interval; /* seconds, 0 = no periodic print */
	uint32_t exception_pps;  /* STUN/DTLS to the control process, per worker */
	char sessions_file[PATH_MAX];
	char eal_extra[512];     /* more EAL arguments, space-separated */
	bool offline;            /* net_pcap ports: stop when the input is done */
	struct dp_port_cfg port[DP_SIDES];
	struct dp_demo_cfg demo;
	unsigned nsessions;      /* static sessions from [session NAME] sections */
	unsigned nsessions_main; /* the first ones, from `file`; then sessions_file's */
	struct dp_session_spec *sessions;
};

/* A `section.key=value` override from the command line. */
struct dp_override {
	char section[64];
	char key[64];
	char value[256];
};

/* Loads `file` (NULL: the embedded default), applies the overrides, and
 * validates. On error prints every problem to `err` as
 * "FILE: [section] key: what is wrong" (or "FILE:LINE: ..." for syntax)
 * and returns -1; nothing is started. */
int dp_config_load(const char *file, const struct dp_override *ov,
		   unsigned nov, struct dp_config *cfg, FILE *err);
/* Appends a sessions file (only [session NAME] sections) to a loaded cfg,
 * checked against its ports, its sessions and max_sessions. On error prints
 * every problem and returns -1 with cfg's sessions as they were. */
int dp_config_load_sessions(const char *file, struct dp_config *cfg,
			    FILE *err);
void dp_config_free(struct dp_config *cfg);
/* Parses "section.key=value"; returns -1 (with a message) when malformed. */
int dp_override_parse(const char *arg, struct dp_override *ov, FILE *err);

/* The embedded default configuration (the main job): two in-process
 * virtual ports and the load generator. */
extern const char dp_default_config[];

#endif
