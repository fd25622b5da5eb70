/* Reads every page of a kdump-compressed dump's physical memory through libkdumpfile (the C library drgn and
 * crash-python read dumps with), one page-size kdump_read() at a time from address 0 to max_pfn, and prints the
 * number of pages read and an XOR of their first words so that no read can be left out. What
 * bench/kdump-vs-libkdumpfile.sh times against `crashdmcrypt scan`.
 *
 *   gcc -O2 -o read-kdump read-kdump.c -lkdumpfile && ./read-kdump DUMP
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <libkdumpfile/kdumpfile.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: read-kdump DUMP\n");
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	kdump_ctx_t *ctx = kdump_new();
	kdump_num_t page_size, max_pfn;
	if (!ctx || kdump_open_fd(ctx, fd) != KDUMP_OK
	    || kdump_get_number_attr(ctx, KDUMP_ATTR_PAGE_SIZE, &page_size) != KDUMP_OK
	    || kdump_get_number_attr(ctx, "max_pfn", &max_pfn) != KDUMP_OK) {
		fprintf(stderr, "libkdumpfile: %s\n", ctx ? kdump_get_err(ctx) : "out of memory");
		return 1;
	}
	static unsigned char page[65536];
	uint64_t check = 0, read = 0, missing = 0;
	for (kdump_num_t pfn = 0; pfn < max_pfn; pfn++) {
		size_t size = page_size;
		kdump_status status = kdump_read(ctx, KDUMP_MACHPHYSADDR, pfn * page_size, page, &size);
		if (status == KDUMP_ERR_NODATA) {
			missing++;
			continue;
		}
		if (status != KDUMP_OK || size != page_size) {
			fprintf(stderr, "libkdumpfile: page %llu: %s\n", (unsigned long long)pfn, kdump_get_err(ctx));
			return 1;
		}
		uint64_t word;
		memcpy(&word, page, sizeof word);
		check ^= word;
		read++;
	}
	printf("%llu pages read, %llu not in the dump, check %016llx, page size %llu\n", (unsigned long long)read,
	       (unsigned long long)missing, (unsigned long long)check, (unsigned long long)page_size);
	kdump_free(ctx);
	close(fd);
	return 0;
}
