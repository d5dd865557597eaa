/*
 * Ports (see port.h).
 */
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "port.h"

static char *keep(struct dp_eal_args *a, const char *s)
{
	size_t n = strlen(s) + 1;
	if (a->used + n > sizeof(a->store) || a->argc >= DP_MAX_EAL_ARGS - 1)
		return NULL;
	char *p = a->store + a->used;
	memcpy(p, s, n);
	a->used += n;
	a->argv[a->argc++] = p;
	a->argv[a->argc] = NULL;
	return p;
}

static int add2(struct dp_eal_args *a, const char *opt, const char *val)
{
	return keep(a, opt) && keep(a, val) ? 0 : -1;
}

int dp_eal_args_build(struct dp_eal_args *a, const char *prog,
		      const struct dp_config *cfg, const char *file_prefix,
		      int extra_argc, char **extra_argv)
{
	char lcores[512];
	int n;
	bool pci = false;

	memset(a, 0, sizeof(*a));
	if (!keep(a, prog))
		return -1;
	/* lcore@cpu when workers are placed on CPUs of their own choosing */
	if (cfg->has_worker_cpus)
		n = snprintf(lcores, sizeof(lcores), "%u@%u", cfg->main_lcore, cfg->main_lcore);
	else
		n = snprintf(lcores, sizeof(lcores), "%u", cfg->main_lcore);
	for (unsigned i = 0; i < cfg->workers && n < (int)sizeof(lcores); i++) {
		if (cfg->has_worker_cpus)
			n += snprintf(lcores + n, sizeof(lcores) - (size_t)n, ",%u@%u",
				      cfg->worker_lcores[i], cfg->worker_cpus[i]);
		else
			n += snprintf(lcores + n, sizeof(lcores) - (size_t)n, ",%u",
				      cfg->worker_lcores[i]);
	}
	if (add2(a, cfg->has_worker_cpus ? "--lcores" : "-l", lcores) ||
	    add2(a, "--main-lcore", lcores) != 0)
		return -1;
	/* --main-lcore takes one lcore: overwrite the value just kept */
	snprintf(a->argv[a->argc - 1], strlen(a->argv[a->argc - 1]) + 1, "%u",
		 cfg->main_lcore);
	if (file_prefix && add2(a, "--file-prefix", file_prefix))
		return -1;
	for (int s = 0; s < DP_SIDES; s++) {
		const struct dp_port_cfg *p = &cfg->port[s];
		if (p->is_pci) {
			pci = true;
			if (add2(a, "-a", p->device))
				return -1;
		} else if (add2(a, "--vdev", p->device)) {
			return -1;
		}
	}
	if (!pci && !keep(a, "--no-pci"))
		return -1;
	/* the config's extra EAL words, split on spaces */
	char extra[sizeof(cfg->eal_extra)];
	snprintf(extra, sizeof(extra), "%s", cfg->eal_extra);
	for (char *save = NULL, *t = strtok_r(extra, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save))
		if (!keep(a, t))
			return -1;
	for (int i = 0; i < extra_argc; i++)
		if (!keep(a, extra_argv[i]))
			return -1;
	return 0;
}

int dp_port_find(const struct dp_port_cfg *pc, const char *side)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t id;

	/* a vdev's name is what precedes its first comma */
	size_t n = strcspn(pc->device, ",");
	if (n >= sizeof(name)) {
		fprintf(stderr, "srtpedge: %s port: device name in '%s' is too long\n",
			side, pc->device);
		return -1;
	}
	memcpy(name, pc->device, n);
	name[n] = '\0';
	if (rte_eth_dev_get_port_by_name(name, &id) != 0) {
		fprintf(stderr, "srtpedge: %s port '%s' was not found by DPDK "
				"(device string '%s')\n", side, name, pc->device);
		return -1;
	}
	return id;
}

uint16_t dp_port_max_queues(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	if (rte_eth_dev_info_get(port_id, &info) != 0)
		return 0;
	return info.max_rx_queues < info.max_tx_queues ? info.max_rx_queues
						       : info.max_tx_queues;
}

int dp_port_setup(uint16_t port_id, const char *side, uint16_t queues,
		  struct rte_mempool *pool, struct rte_ether_addr *mac,
		  bool *csum_offload)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nrx = 1024, ntx = 1024;
	int rc;

	memset(&conf, 0, sizeof(conf));
	if ((rc = rte_eth_dev_info_get(port_id, &info)) != 0) {
		fprintf(stderr, "srtpedge: %s port: cannot read device info: %s\n",
			side, rte_strerror(-rc));
		return -1;
	}
	uint64_t want = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	*csum_offload = (info.tx_offload_capa & want) == want;
	if (*csum_offload)
		conf.txmode.offloads = want;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	/* one queue pair per worker; ports without RSS (af_packet spreads by
	 * its own fanout hash) get none configured */
	conf.rxmode.mq_mode = queues > 1 && info.flow_type_rss_offloads
				      ? RTE_ETH_MQ_RX_RSS : RTE_ETH_MQ_RX_NONE;
	if (conf.rxmode.mq_mode == RTE_ETH_MQ_RX_RSS)
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP);
	if ((rc = rte_eth_dev_configure(port_id, queues, queues, &conf)) != 0) {
		fprintf(stderr, "srtpedge: %s port: configure with %u queue pairs: %s\n",
			side, queues, rte_strerror(-rc));
		return -1;
	}
	if ((rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nrx, &ntx)) != 0)
		return -1;
	int socket = rte_eth_dev_socket_id(port_id);
	for (uint16_t q = 0; q < queues; q++) {
		struct rte_eth_txconf txc = info.default_txconf;
		txc.offloads = conf.txmode.offloads;
		if ((rc = rte_eth_rx_queue_setup(port_id, q, nrx, socket, NULL, pool)) != 0 ||
		    (rc = rte_eth_tx_queue_setup(port_id, q, ntx, socket, &txc)) != 0) {
			fprintf(stderr, "srtpedge: %s port: queue %u: %s\n", side, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	if ((rc = rte_eth_dev_start(port_id)) != 0) {
		fprintf(stderr, "srtpedge: %s port: start: %s\n", side, rte_strerror(-rc));
		return -1;
	}
	rte_eth_macaddr_get(port_id, mac);
	return 0;
}
