/* Helpers of srtpedge-control and srtpctl (see ctl_util.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl_util.h"

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535 || (s[0] == '0'))
		return false;
	*port = (uint16_t)v;
	return true;
}

bool ctl_ep_parse(const char *text, struct dp_endpoint *ep)
{
	char host[64];
	const char *port;

	memset(ep, 0, sizeof(*ep));
	if (text == NULL)
		return false;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - text - 1) >= sizeof(host))
			return false;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		port = close + 2;
		if (inet_pton(AF_INET6, host, ep->addr.bytes) != 1)
			goto bad;
		ep->addr.family = AF_INET6;
	} else {
		const char *colon = strrchr(text, ':');
		if (colon == NULL || (size_t)(colon - text) >= sizeof(host) ||
		    memchr(text, ':', (size_t)(colon - text)) != NULL)
			return false;
		memcpy(host, text, (size_t)(colon - text));
		host[colon - text] = '\0';
		port = colon + 1;
		if (inet_pton(AF_INET, host, ep->addr.bytes) != 1)
			goto bad;
		ep->addr.family = AF_INET;
	}
	if (!parse_port(port, &ep->port))
		goto bad;
	return true;
bad:
	memset(ep, 0, sizeof(*ep));
	return false;
}

const char *ctl_ep_format(const struct dp_endpoint *ep, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ep->addr.family == AF_INET) {
		inet_ntop(AF_INET, ep->addr.bytes, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ep->port);
	} else if (ep->addr.family == AF_INET6) {
		inet_ntop(AF_INET6, ep->addr.bytes, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ep->port);
	} else {
		snprintf(buf, len, "-");
	}
	return buf;
}

bool ctl_ep_equal(const struct dp_endpoint *a, const struct dp_endpoint *b)
{
	size_t n = a->addr.family == AF_INET ? 4 : 16;
	return a->addr.family == b->addr.family && a->port == b->port &&
	       memcmp(a->addr.bytes, b->addr.bytes, n) == 0;
}

void ctl_dpdk_runtime_dir(const char *prefix, char *buf, size_t len)
{
	const char *base = "/var/run";
	if (getuid() != 0) {
		const char *x = getenv("XDG_RUNTIME_DIR");
		base = x ? x : "/tmp";
	}
	snprintf(buf, len, "%s/dpdk/%s", base, prefix);
}

int ctl_take_lock(const char *prefix, char *err, size_t errlen)
{
	char dir[200], path[256];
	ctl_dpdk_runtime_dir(prefix, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/srtpedge-control.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "another srtpedge-control is attached to srtpedge "
			 "(file prefix %s; %s is locked)", prefix, path);
		close(fd);
		return -1;
	}
	return fd;
}
