#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "ae_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* /proc/PID/stat is "pid (comm) state ppid ...": fields counted from 1. */
#define START_FIELD 22

unsigned long long ae_proc_start_ticks(pid_t pid)
{
	char path[64], buf[2048], *p, *end;
	unsigned long long ticks;
	ssize_t n;
	int fd, field;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: field 2 ends at the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; *p && field < START_FIELD; p++)
		if (*p == ' ')
			field++;
	if (field != START_FIELD)
		return 0;
	errno = 0;
	ticks = strtoull(p, &end, 10);
	if (end == p || errno)
		return 0;
	return ticks;
}

int ae_proc_umask(mode_t *mask)
{
	char line[256];
	unsigned int m;
	int found = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Umask: %o", &m) == 1;
	fclose(f);
	if (!found)
		return -1;
	*mask = (mode_t)(m & 0777);
	return 0;
}
