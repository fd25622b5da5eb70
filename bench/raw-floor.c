// The floor of target 2 on this machine: the least work any scan with the every-form search must do on a raw image,
// timed as a whole process beside `crashdmcrypt scan` and rg (bench/scan-vs-rg.sh). It does only two things the
// scan does, the way the scan does them, and nothing else:
//   - reads the file once, in 1 MiB pieces with pread(2) on THREADS threads (the scan's windows: DumpScanner.WindowSize),
//     or with MAP 1 maps it once and reads the pieces in place (`scan --mmap`; the cheaper way where page faults are);
//   - probes the 4-byte word at every STRIDE-th byte through a 2^17-bit filter holding ANCHORS random words, four
//     probes a step, as FormPatterns.SkipQuiet does (one multiply, shift, load, shift and mask a probe); a probe
//     that passes is counted and nothing more. A 4 KiB page of zeros is passed over, as FormPatterns.Search does.
// No blob scan, no second filter, no table, no window read again for keys found later, no start-up of a runtime: a
// scan can only be slower. STRIDE 5 is what an 8-byte pattern (the half of a 16-byte key) forces: MinLength - 3.
// ANCHORS: patterns times stride; the images' 134 keys give about a thousand patterns.
//
//   cc -O2 -march=x86-64-v2 -pthread bench/raw-floor.c -o raw-floor
//   raw-floor IMAGE [THREADS=2] [STRIDE=5] [ANCHORS=5000] [MAP=0]
//
// Prints the probes passed (so that the loop cannot be optimised away) and nothing else; time it from outside.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW (1 << 20)
#define FILTER_BITS 17

static int fd;
static off_t size;
static int threads, stride;
static const uint8_t *mapping;
static uint64_t filter[1 << (FILTER_BITS - 6)];

static inline uint32_t word_at(const uint8_t *p) { uint32_t w; memcpy(&w, p, 4); return w; }

// The same bit as FormPatterns.FirstFilter: the 64-bit word from the product's top bits, the bit from the word's low six.
static inline uint64_t first_filter(uint32_t w) { return (filter[(w * 0x9E3779B1u) >> (32 - FILTER_BITS + 6)] >> (w & 63)) & 1; }

static int zero_page(const uint8_t *p)
{
    uint64_t any = 0;
    for (int i = 0; i < 4096; i += 8) { uint64_t w; memcpy(&w, p + i, 8); any |= w; }
    return any == 0;
}

// Page by page (the words across a page's end are left out: a floor may do less than the scan, never more).
static uint64_t probe(const uint8_t *p, size_t n)
{
    uint64_t passed = 0;
    for (size_t page = 0; page < n; page += 4096) {
        size_t end = n - page < 4096 ? n : page + 4096, step = 4 * (size_t)stride, g = page;
        if (end - page == 4096 && zero_page(p + page))
            continue;
        for (; g + 3 * (size_t)stride + 4 <= end; g += step)
            passed += first_filter(word_at(p + g)) + first_filter(word_at(p + g + stride))
                    + first_filter(word_at(p + g + 2 * stride)) + first_filter(word_at(p + g + 3 * stride));
        for (; g + 4 <= end; g += stride)
            passed += first_filter(word_at(p + g));
    }
    return passed;
}

static void *run(void *arg)
{
    long t = (long)arg;
    uint8_t *buffer = aligned_alloc(4096, WINDOW);
    uint64_t passed = 0;
    // Consecutive runs of windows per thread, as the scan's runs (DumpScanner.Runs) hand them out.
    off_t per = (size / threads + WINDOW - 1) / WINDOW * WINDOW, from = t * per, to = from + per < size ? from + per : size;
    for (off_t at = from; at < to; at += WINDOW) {
        ssize_t n = to - at < WINDOW ? to - at : WINDOW;
        if (mapping) { passed += probe(mapping + at, (size_t)n); continue; }
        n = pread(fd, buffer, (size_t)n, at);
        if (n <= 0) { perror("pread"); exit(2); }
        passed += probe(buffer, (size_t)n);
    }
    free(buffer);
    return (void *)(uintptr_t)passed;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: raw-floor IMAGE [THREADS] [STRIDE] [ANCHORS] [MAP]\n"); return 2; }
    threads = argc > 2 ? atoi(argv[2]) : 2;
    stride = argc > 3 ? atoi(argv[3]) : 5;
    long anchors = argc > 4 ? atol(argv[4]) : 5000;
    if (threads < 1 || threads > 64 || stride < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    srand(1);
    for (long a = 0; a < anchors; a++) {
        uint32_t w = ((uint32_t)rand() << 16) ^ (uint32_t)rand();
        uint32_t bit = (((w * 0x9E3779B1u) >> (32 - FILTER_BITS + 6)) << 6) | (w & 63);
        filter[bit >> 6] |= 1ULL << (bit & 63);
    }
    struct stat st;
    if ((fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) != 0) { perror(argv[1]); return 2; }
    size = st.st_size;
    if (argc > 5 && atoi(argv[5]) == 1 && (mapping = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED) { perror("mmap"); return 2; }
    pthread_t th[64];
    for (long t = 0; t < threads; t++) pthread_create(&th[t], NULL, run, (void *)t);
    uint64_t passed = 0;
    for (int t = 0; t < threads; t++) { void *r; pthread_join(th[t], &r); passed += (uintptr_t)r; }
    printf("%llu\n", (unsigned long long)passed);
    return 0;
}
