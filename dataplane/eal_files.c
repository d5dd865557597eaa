/*
 * What a DPDK process leaves behind under its --file-prefix, and removing
 * it once the process is gone.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "eal_files.h"

/* Removes what this run's prefix left: its hugepage files and its runtime
 * directory (EAL keeps both for secondary processes, such as dpdk-dumpcap;
 * nothing needs them once the primary is gone). */
void dp_eal_remove_runtime_files(const char *prefix)
{
	DIR *dir = opendir("/dev/hugepages");
	struct dirent *de;
	char path[512];
	size_t n = strlen(prefix);

	if (dir == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, prefix, n) == 0 &&
		    strncmp(de->d_name + n, "map_", 4) == 0) {
			snprintf(path, sizeof(path), "/dev/hugepages/%s", de->d_name);
			unlink(path);
		}
	}
	closedir(dir);

	char run[256];
	snprintf(run, sizeof(run), "/var/run/dpdk/%s", prefix);
	if (strchr(prefix, '/') != NULL || (dir = opendir(run)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", run, de->d_name);
		unlink(path);
	}
	closedir(dir);
	rmdir(run);
}
