/*
 * Ports: the EAL arguments a configuration implies (virtual devices, and a
 * PCI allow-list or --no-pci, so DPDK never probes a NIC nobody named), and
 * the set-up of the outside and inside ports with one queue pair per worker.
 */
#ifndef DP_PORT_H
#define DP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "config.h"
#include "net.h"

#define DP_MAX_EAL_ARGS 64

struct dp_eal_args {
	int argc;
	char *argv[DP_MAX_EAL_ARGS];
	char store[4096];
	size_t used;
};

/* Builds EAL arguments: program name, lcores, --file-prefix (when given),
 * --vdev / -a / --no-pci for the ports, the config's `eal` extras, then
 * `extra` from the command line. Returns -1 when they do not fit. */
int dp_eal_args_build(struct dp_eal_args *a, const char *prog,
		      const struct dp_config *cfg, const char *file_prefix,
		      int extra_argc, char **extra_argv);

/* The DPDK port id of a configured device, after EAL init; -1 and a
 * message when it does not exist. */
int dp_port_find(const struct dp_port_cfg *pc, const char *side);

/* Configures and starts a port with `queues` rx/tx queue pairs. Fills the
 * MAC and whether TX checksum offload is on. */
int dp_port_setup(uint16_t port_id, const char *side, uint16_t queues,
		  struct rte_mempool *pool, struct rte_ether_addr *mac,
		  bool *csum_offload);

/* Queue pairs a port can give (rx and tx both). */
uint16_t dp_port_max_queues(uint16_t port_id);

#endif
