/* DPDK telemetry client (see telemetry.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_util.h"
#include "telemetry.h"

#define TEL_BUF (1 << 20)

json_t *ctl_telemetry(const char *prefix, const char *cmd, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char dir[200];
	struct timeval tv = {1, 0};
	json_t *reply = NULL, *val = NULL;
	char *buf = NULL;
	int fd;

	ctl_dpdk_runtime_dir(prefix, dir, sizeof(dir));
	if (strlen(dir) + sizeof("/dpdk_telemetry.v2") > sizeof(sun.sun_path)) {
		snprintf(err, errlen, "telemetry: %s: path too long", dir);
		return NULL;
	}
	memcpy(sun.sun_path, dir, strlen(dir));
	memcpy(sun.sun_path + strlen(dir), "/dpdk_telemetry.v2", sizeof("/dpdk_telemetry.v2"));
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "telemetry: socket: %s", strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errlen, "telemetry %s: %s", sun.sun_path, strerror(errno));
		goto out;
	}
	buf = malloc(TEL_BUF);
	if (buf == NULL) {
		snprintf(err, errlen, "telemetry: out of memory");
		goto out;
	}
	/* the greeting: {"version": ..., "pid": ..., "max_output_len": ...} */
	if (recv(fd, buf, TEL_BUF - 1, 0) <= 0) {
		snprintf(err, errlen, "telemetry %s: no greeting: %s", sun.sun_path,
			 strerror(errno));
		goto out;
	}
	if (send(fd, cmd, strlen(cmd), 0) < 0) {
		snprintf(err, errlen, "telemetry %s: send: %s", sun.sun_path, strerror(errno));
		goto out;
	}
	ssize_t n = recv(fd, buf, TEL_BUF - 1, 0);
	if (n <= 0) {
		snprintf(err, errlen, "telemetry %s: no answer to %s: %s", sun.sun_path, cmd,
			 n == 0 ? "closed" : strerror(errno));
		goto out;
	}
	buf[n] = '\0';
	json_error_t je;
	reply = json_loads(buf, 0, &je);
	if (reply == NULL || !json_is_object(reply)) {
		snprintf(err, errlen, "telemetry: answer to %s is not JSON: %s", cmd, je.text);
		goto out;
	}
	char key[128];
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(cmd, ","), cmd);
	val = json_object_get(reply, key);
	if (val == NULL) {
		snprintf(err, errlen, "telemetry: the answer to %s has no \"%s\"", cmd, key);
		goto out;
	}
	json_incref(val);
out:
	json_decref(reply);
	free(buf);
	close(fd);
	return val;
}
