/* A near-limit reference for the seed workload: plain C, -O3, 2 threads.
   Phases as the anchor: column mean/var (parallel), one SGD pass (hinge, l2, 'optimal',
   alpha=1e-4, no shuffle; the next block read+scaled on the other thread meanwhile),
   predict every block in parallel and write it as .npy. Build:
   gcc -O3 -march=native -fopenmp -o /tmp/limit limit.c -lm
   Run: /tmp/limit DIR N_CHUNKS OUTDIR */
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#define D 20
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static const char *dir; static int nch; static long rows_of[4096];
static long read_npy(const char *name, int i, double *buf, long maxbytes) {
  char p[4096]; snprintf(p, sizeof p, "%s/%s-%05d.npy", dir, name, i);
  int fd = open(p, O_RDONLY); if (fd < 0) { perror(p); exit(1); }
  unsigned char h[10]; if (pread(fd, h, 10, 0) != 10) exit(1);
  long off = 10 + (h[8] | (h[9] << 8));
  long n = 0, r; while ((r = pread(fd, (char *)buf + n, maxbytes - n, off + n)) > 0) n += r;
  close(fd); return n;
}
/* y as doubles whatever its stored dtype: Tessera's datasets hold int32 labels ('<i4'), numpy's
   default is '<f8' (added to the shared copy: reading int32 bytes as doubles gave garbage labels). */
static long read_y(int i, double *buf, long maxrows) {
  char p[4096]; snprintf(p, sizeof p, "%s/y-%05d.npy", dir, i);
  int fd = open(p, O_RDONLY); if (fd < 0) { perror(p); exit(1); }
  char h[256] = {0}; if (pread(fd, h, sizeof h - 1, 0) < 10) exit(1);
  long off = 10 + ((unsigned char)h[8] | ((unsigned char)h[9] << 8));
  int i4 = strstr(h + 10, "'<i4'") != NULL;
  long n = 0, r, want = maxrows * (i4 ? 4 : 8);
  while ((r = pread(fd, (char *)buf + n, want - n, off + n)) > 0) n += r;
  close(fd); n /= i4 ? 4 : 8;
  if (i4) { int *v = (int *)buf; for (long k = n - 1; k >= 0; k--) buf[k] = v[k]; }
  return n;
}
int main(int argc, char **argv) {
  dir = argv[1]; nch = atoi(argv[2]); const char *out = argv[3];
  const long CH = 500000; double *bx[2], *by[2];
  int T = omp_get_max_threads(); double **tx = malloc(T * sizeof *tx);
  for (int t = 0; t < T; t++) tx[t] = malloc(CH * D * 8);
  for (int k = 0; k < 2; k++) { bx[k] = malloc(CH * D * 8); by[k] = malloc(CH * 8); }
  /* phase 1: stats (per-chunk mean and M2, Chan combine) */
  double t0 = now(); double cn[4096], cm[4096][D], cM2[4096][D];
  #pragma omp parallel for schedule(dynamic)
  for (int i = 0; i < nch; i++) {
    double *x = tx[omp_get_thread_num()]; long n = read_npy("X", i, x, CH * D * 8) / (8 * D);
    rows_of[i] = n; double s[D] = {0}, q[D] = {0};
    for (long r = 0; r < n; r++) for (int j = 0; j < D; j++) s[j] += x[r * D + j];
    for (int j = 0; j < D; j++) s[j] /= n;
    for (long r = 0; r < n; r++) for (int j = 0; j < D; j++) { double d = x[r * D + j] - s[j]; q[j] += d * d; }
    cn[i] = n; memcpy(cm[i], s, sizeof s); memcpy(cM2[i], q, sizeof q);
  }
  double N = 0, mean[D] = {0}, M2[D] = {0};
  for (int i = 0; i < nch; i++) for (int j = 0; j < D; j++) {
    double nb = cn[i], na = N, d = cm[i][j] - mean[j], nn = na + nb;
    mean[j] += d * nb / nn; M2[j] += cM2[i][j] + d * d * na * nb / nn; if (j == D - 1) N = nn; }
  double sc[D]; for (int j = 0; j < D; j++) { sc[j] = sqrt(M2[j] / N); if (sc[j] == 0) sc[j] = 1; }
  double t1 = now();
  /* phase 2: serial SGD, next block read+scaled on the other thread */
  double w[D] = {0}, wscale = 1, b = 0, alpha = 1e-4, sgdt = 0;
  double typw = sqrt(1.0 / sqrt(alpha)), opt_init = 1.0 / (typw * alpha), t = 1;
  #define PREP(k, i) do { long n = read_npy("X", i, bx[k], CH * D * 8) / (8 * D); read_y(i, by[k], CH); \
      for (long r = 0; r < n; r++) for (int j = 0; j < D; j++) bx[k][r * D + j] = (bx[k][r * D + j] - mean[j]) / sc[j]; } while (0)
  PREP(0, 0);
  for (int i = 0; i < nch; i++) {
    int k = i & 1;
    #pragma omp parallel sections num_threads(2)
    {
      #pragma omp section
      { if (i + 1 < nch) PREP(1 - k, i + 1); }
      #pragma omp section
      { double s0 = now(); double *x = bx[k], *y = by[k];
        for (long r = 0; r < rows_of[i]; r++) {
          double eta = 1.0 / (alpha * (opt_init + t - 1)), z = 0; const double *xr = x + r * D;
          for (int j = 0; j < D; j++) z += w[j] * xr[j];
          z = z * wscale + b; double yy = y[r] > 0 ? 1 : -1, dl = (yy * z <= 1) ? -yy : 0;
          wscale *= (1 - eta * alpha);
          if (dl != 0) { double u = -eta * dl / wscale; for (int j = 0; j < D; j++) w[j] += u * xr[j]; b += -eta * dl; }
          if (wscale < 1e-9) { for (int j = 0; j < D; j++) w[j] *= wscale; wscale = 1; }
          t += 1; }
        sgdt += now() - s0; }
    }
  }
  for (int j = 0; j < D; j++) w[j] *= wscale;
  double t2 = now();
  /* phase 3: predict every block in parallel, write .npy */
  long correct = 0;
  #pragma omp parallel for schedule(dynamic) reduction(+:correct)
  for (int i = 0; i < nch; i++) {
    double *x = tx[omp_get_thread_num()]; long n = read_npy("X", i, x, CH * D * 8) / (8 * D);
    double *p = malloc(n * 8), *yv = malloc(n * 8); read_y(i, yv, n);
    for (long r = 0; r < n; r++) { double z = b; for (int j = 0; j < D; j++) z += w[j] * (x[r * D + j] - mean[j]) / sc[j];
      p[r] = z > 0; correct += p[r] == yv[r]; }
    char path[4096]; snprintf(path, sizeof path, "%s/pred-%05d.npy", out, i);
    FILE *f = fopen(path, "wb"); char hdr[128]; int hl = snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld,), }", n);
    int pad = 64 - (10 + hl + 1) % 64; unsigned short H = hl + pad + 1;
    fwrite("\x93NUMPY\x01\x00", 1, 8, f); fwrite(&H, 2, 1, f); fwrite(hdr, 1, hl, f); for (int q = 0; q < pad; q++) fputc(' ', f); fputc('\n', f);
    fwrite(p, 8, n, f); fclose(f); free(p); free(yv);
  }
  double t3 = now(); struct rusage ru; getrusage(RUSAGE_SELF, &ru);
  printf("{\"engine\": \"c-limit\", \"rows\": %.0f, \"seconds\": {\"scaler_stats\": %.3f, \"fit\": %.3f, \"sgd_loop_only\": %.3f, \"predict_write\": %.3f, \"total\": %.3f}, \"peak_rss_mb\": %.1f, \"accuracy\": %.6f, \"coef_first5\": [%g, %g, %g, %g, %g], \"intercept\": %g}\n",
         N, t1 - t0, t2 - t1, sgdt, t3 - t2, t3 - t0, ru.ru_maxrss / 1024.0, (double)correct / N, w[0], w[1], w[2], w[3], w[4], b);
  return 0;
}
