// Seeded randomness (DESIGN.md rule 10): every random choice detour makes (load balancing,
// backoff jitter) draws from an Rng seeded by a SeedSource, so a fixed seed repeats a run
// (`bench --seed`, tests) and nothing else touches std::random_device.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>

namespace detour {

// splitmix64: tiny, fast, and good enough for load balancing and jitter. Satisfies
// UniformRandomBitGenerator, so <random> distributions accept it. One per request (or
// per thread); not thread-safe.
class Rng {
 public:
  using result_type = uint64_t;
  explicit Rng(uint64_t seed) : state_(seed) {}
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return Mix(state_ += kGolden); }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>((*this)() >> 11) * 0x1.0p-53; }

  static constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// Hands out per-request seeds from one root seed. Thread-safe (one atomic add per seed);
// the sequence of seeds is fixed by the root seed, so single-threaded runs repeat exactly.
class SeedSource {
 public:
  explicit SeedSource(uint64_t root) : counter_(root) {}
  uint64_t Next() { return Rng::Mix(counter_.fetch_add(Rng::kGolden, std::memory_order_relaxed)); }

 private:
  std::atomic<uint64_t> counter_;
};

// A root seed from the operating system, for runs that do not fix one.
uint64_t RandomRootSeed();

}  // namespace detour
