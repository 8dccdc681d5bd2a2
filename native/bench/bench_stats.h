/* What the C benchmark programs share: a monotonic clock in microseconds and the latency report. */
#ifndef RINGFORT_BENCH_STATS_H
#define RINGFORT_BENCH_STATS_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The same rank as bench/stats.ts: ceil(p/100 * n) - 1. */
static double pct(const double *s, long n, double p)
{
	double r = p / 100.0 * (double)n;
	long i = (long)r;
	if ((double)i < r)
		i++; /* ceil without libm */
	i--;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return s[i];
}

/* Sorts the samples and prints {"calls":n,"p50_us":..,"p99_us":..<extra>}. */
static void report(double *s, long n, const char *extra)
{
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	printf("{\"calls\":%ld,\"p50_us\":%.2f,\"p99_us\":%.2f%s}\n", n, pct(s, n, 50), pct(s, n, 99), extra);
}

#endif
