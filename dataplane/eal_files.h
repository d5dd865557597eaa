/*
 * Clean-up of the files EAL keeps for a --file-prefix.
 */
#ifndef DP_EAL_FILES_H
#define DP_EAL_FILES_H

/* Removes the prefix's hugepage files (/dev/hugepages/<prefix>map_*) and
 * its runtime directory (/var/run/dpdk/<prefix>). Call after
 * rte_eal_cleanup, when no secondary process can still need them. */
void dp_eal_remove_runtime_files(const char *prefix);

#endif
