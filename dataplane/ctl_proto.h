/*
 * The contract between srtpedge (the DPDK primary) and srtpedge-control (a
 * DPDK secondary of the same --file-prefix): the names of the shared
 * objects, the command messages and the packet metadata. Shared by
 * dataplane/ and control/; plain data, no pointers but the ones rings carry.
 *
 * Objects the primary creates and the secondary looks up by name:
 *   DP_CTL_INFO_ZONE  memzone, struct dp_ctl_info: version, limits, ports
 *   DP_CTL_MSG_POOL   mempool of struct dp_ctl_msg
 *   DP_CTL_CMD_RING   control -> main lcore: struct dp_ctl_msg *
 *   DP_CTL_DONE_RING  main lcore -> control: the same messages, answered
 *   DP_CTL_EXC_RING   workers -> control: struct rte_mbuf * (STUN, DTLS)
 *   DP_CTL_SEND_RING  control -> worker 0: struct rte_mbuf * to send
 *   DP_CTL_MBUF_POOL  the primary's packet mbufs (control allocates from it)
 *
 * Commands: control takes a message from DP_CTL_MSG_POOL, fills version,
 * op, seq and the op's request, and enqueues it on DP_CTL_CMD_RING; a full
 * ring is backpressure for the caller (the message goes back to the pool).
 * The main lcore answers every message it dequeues, in order, on
 * DP_CTL_DONE_RING with status and, on failure, a reason; control frees it.
 * A message whose version is not DP_CTL_VERSION is answered with
 * DP_CTL_E_VERSION and not acted on. Key material in a message is wiped by
 * the main lcore once used, and by control before it frees a message.
 *
 * Packets: every mbuf on DP_CTL_EXC_RING and DP_CTL_SEND_RING starts with a
 * struct dp_ctl_pkt_meta (DP_CTL_META_LEN bytes) in front of the frame
 * (exceptions: the whole Ethernet frame as received) or of the UDP payload
 * (sends: the worker adds Ethernet, IP and UDP from the session's leg).
 * Whoever dequeues an mbuf frees it.
 */
#ifndef DP_CTL_PROTO_H
#define DP_CTL_PROTO_H

#include <stdint.h>

#include "session_spec.h"

#define DP_CTL_VERSION 1

#define DP_CTL_INFO_ZONE "sre_ctl_info"
#define DP_CTL_MSG_POOL "sre_ctl_msgs"
#define DP_CTL_CMD_RING "sre_ctl_cmd"
#define DP_CTL_DONE_RING "sre_ctl_done"
#define DP_CTL_EXC_RING "sre_ctl_exc"
#define DP_CTL_SEND_RING "sre_ctl_send"
#define DP_CTL_MBUF_POOL "mbufs"

#define DP_CTL_MSGS 1023         /* messages in the pool */
#define DP_CTL_CMD_SLOTS 512     /* command and completion rings */
#define DP_CTL_EXC_SLOTS 1024    /* exception ring: beyond it, dropped and counted */
#define DP_CTL_SEND_SLOTS 1024

/* What the primary publishes for control (read-only for control). */
struct dp_ctl_info {
	uint32_t version;           /* DP_CTL_VERSION */
	int32_t primary_pid;
	uint32_t max_sessions;
	uint32_t ssrcs_per_direction;
	uint32_t workers;
	uint16_t port_id[DP_SIDES]; /* DPDK port of each side */
	/* bumped by the main lcore on every applied command, so that control
	 * can tell whether its view is current */
	uint64_t generation;
	/* the control process's pid: it stores it (atomically) once it is
	 * ready to read DP_CTL_EXC_RING, and 0 when it exits; the primary
	 * clears it within a second of that process dying. While it is 0
	 * the workers drop STUN and DTLS (counted as "stun" / "dtls"). */
	int32_t control_pid;
	/* exception packets the primary freed because no control process
	 * read them for a second (a dead one); the workers' own drops are
	 * in srtpedge's counters (control_rate, control_full, control_send) */
	uint64_t exc_dropped;
};

enum dp_ctl_op {
	DP_CTL_OP_ADD = 1,          /* spec: a new session */
	DP_CTL_OP_REPLACE,          /* spec: replace session spec.id (new keys, addresses) */
	DP_CTL_OP_DEL,              /* id */
	DP_CTL_OP_GET,              /* id -> info */
	DP_CTL_OP_LIST,             /* list.after -> up to DP_CTL_LIST_MAX ids above it */
	DP_CTL_OP_SET_REMOTE,       /* remote: a leg's peer (an ICE check that passed);
				       the owner worker takes it at its next packet of
				       the session; E_BUSY until it has taken the last */
	DP_CTL_OP_COUNT
};

enum dp_ctl_status {
	DP_CTL_OK = 0,
	DP_CTL_E_VERSION,           /* message version unknown */
	DP_CTL_E_OP,                /* op unknown */
	DP_CTL_E_EXISTS,            /* id, or a local address:port, in use */
	DP_CTL_E_NOT_FOUND,         /* no session with that id */
	DP_CTL_E_FULL,              /* max_sessions reached */
	DP_CTL_E_INVALID,           /* a field out of range (reason says which) */
	DP_CTL_E_BUSY,              /* not now: try again (reason says why) */
	DP_CTL_E_COUNT
};

#define DP_CTL_LIST_MAX 256

/* What GET returns: everything but key material. A key is named by its
 * key id, the first 4 bytes of SHA-256 over master key || salt, so an
 * operator can tell keys apart and match them with what was installed. */
struct dp_ctl_dir_info {
	uint8_t suite;              /* enum sre_suite, or DP_SUITE_NONE */
	uint8_t nkeys;
	uint8_t mki_len;
	uint8_t nssrc;              /* SSRCs seen (streams) */
	uint32_t key_id[DP_MAX_KEYS];
};

struct dp_ctl_leg_info {
	struct dp_endpoint local, remote;
	uint8_t latch, latched, pending;
	struct dp_ctl_dir_info rx, tx;
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
	uint64_t auth_fail, replay, other_drops;
};

struct dp_ctl_session_info {
	uint32_t id;
	char name[48];
	uint16_t owner;             /* worker */
	struct dp_ctl_leg_info leg[DP_SIDES];
};

struct dp_ctl_msg {
	uint16_t version;
	uint16_t op;                /* enum dp_ctl_op */
	int32_t status;             /* answer: enum dp_ctl_status */
	uint64_t seq;               /* control's, echoed */
	uint64_t generation;        /* answer: dp_ctl_info.generation after it */
	char reason[160];           /* answer: why, when status is not OK */
	union {
		struct dp_session_spec spec;        /* ADD, REPLACE */
		uint32_t id;                        /* DEL, GET */
		struct dp_ctl_session_info info;    /* GET's answer */
		struct {
			uint32_t after;             /* request: ids above this */
			uint32_t n;                 /* answer: how many */
			uint32_t total;             /* answer: live sessions */
			uint32_t ids[DP_CTL_LIST_MAX];
		} list;
		struct {
			uint32_t id;
			uint8_t side;
			struct dp_endpoint remote;
		} remote;                           /* SET_REMOTE */
	} u;
};

/* In front of every packet on the exception and send rings. A send names
 * its session by side and local address as well as by id: the worker finds
 * it the lock-free way packets do, and checks the id. */
struct dp_ctl_pkt_meta {
	uint32_t session_id;
	uint8_t side;               /* enum dp_side */
	uint8_t kind;               /* enum dp_ctl_pkt_kind */
	uint16_t reserved;
	struct dp_endpoint local;   /* the session's address and port on that side */
	/* exceptions: where it came from (also in the frame); sends: where
	 * to (family 0: the leg's remote) */
	struct dp_endpoint peer;
};

enum dp_ctl_pkt_kind { DP_CTL_PKT_STUN = 1, DP_CTL_PKT_DTLS = 2 };

#define DP_CTL_META_LEN 64
_Static_assert(sizeof(struct dp_ctl_pkt_meta) <= DP_CTL_META_LEN, "meta fits");

#endif
