// Summary statistics over the requests of one arm: percentiles (nearest rank), rates, and
// the per-bucket timeline the chart draws.
#pragma once

#include <vector>

#include "bench/report.h"

namespace detour::bench {

// Nearest-rank percentile (p in [0, 1]) of `values`; 0 for an empty set. Sorts a copy.
double Percentile(std::vector<double> values, double p);

ArmStats Summarize(const std::vector<Sample>& samples);

// `duration` cut into buckets of `width` (the last may be shorter); a request belongs to
// the bucket in which it started.
std::vector<Bucket> Timeline(const std::vector<Sample>& samples, Millis duration, Millis width);

// A bucket width that gives the chart about 60 points.
Millis BucketWidth(Millis duration);

}  // namespace detour::bench
