/* ALLOCATOR context (sbatch, as the submitting user): refuse a job whose
 * config cannot be used before it reaches the queue. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "spank_api.h"

int ae_allocator_check_config(const char *path)
{
	struct stat st;
	int fd;

	/* sbatch runs as the user: opening the user's file here is safe. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ae_spank_error("autoexp: --autoexp-config: cannot read %s: %s",
			       path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ae_spank_error("autoexp: --autoexp-config: %s is not a regular file", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}
