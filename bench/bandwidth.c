/* Memory-bandwidth probe for the BN roofline (REFERENCE.md §5).
 * scale: a[i] = s * b[i] (one read + one write per element), read: sum of b[i] (read only, -ffast-math so the sum vectorizes),
 * over arrays far larger than the caches; best of several passes, GB/s counting the bytes the loop
 * names. Build: gcc -O3 -march=native -ffast-math -fopenmp bench/bandwidth.c -o bandwidth; run: ./bandwidth THREADS */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    omp_set_num_threads(threads);
    size_t n = (size_t)1 << 28; /* 256 Mi floats = 1 GiB per array: beyond any L3 */
    float *a = aligned_alloc(64, n * sizeof(float)), *b = aligned_alloc(64, n * sizeof(float));
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) { a[i] = 0; b[i] = (float)(i & 1023); }
    double best_scale = 1e30, best_read = 1e30, sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        #pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) a[i] = 1.0001f * b[i];
        double t1 = now();
        double s = 0;
        #pragma omp parallel for schedule(static) reduction(+:s)
        for (size_t i = 0; i < n; i++) s += b[i];
        double t2 = now();
        sink += s + a[rep];
        if (t1 - t0 < best_scale) best_scale = t1 - t0;
        if (t2 - t1 < best_read) best_read = t2 - t1;
    }
    printf("{\"threads\": %d, \"scale_GBps\": %.2f, \"read_GBps\": %.2f, \"sink\": %g}\n", threads,
           2.0 * n * sizeof(float) / best_scale / 1e9, 1.0 * n * sizeof(float) / best_read / 1e9, sink > 0 ? 1.0 : 0.0);
    return 0;
}
