// Shared by the fuzz targets: how an input is cut into the pieces a socket might deliver,
// and a check that stays on in every build.
//
// The split points are a function of the whole input (a hash seeds a small PRNG), so the
// seed corpus stays plain HTTP, SSE, JSON or TOML text, and every mutation the fuzzer
// makes also tries a new way of cutting the stream. Pieces are mostly tiny (1-8 bytes,
// the trickle and mid-token cases) with the odd large one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace detour::fuzz {

// Aborts (a crash libFuzzer records) when an invariant does not hold.
#define FUZZ_CHECK(cond)                                                               \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

// The environment the config loaders see: names starting with "UNSET" are unset, every
// other name has a value, so a run never depends on the machine.
inline std::optional<std::string> FakeEnv(const std::string& name) {
  if (name.rfind("UNSET", 0) == 0) return std::nullopt;
  return "value-of-" + name;
}

// A deterministic PRNG seeded from the input (FNV-1a, then splitmix64 steps).
class InputRng {
 public:
  InputRng(const uint8_t* data, size_t size) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
    state_ = h;
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

// Piece sizes that add up to `size`: mostly 1-8 bytes, sometimes up to 512.
inline std::vector<size_t> SplitSizes(InputRng& rng, size_t size) {
  std::vector<size_t> pieces;
  while (size > 0) {
    size_t n = rng.Below(8) == 0 ? 1 + rng.Below(512) : 1 + rng.Below(8);
    if (n > size) n = size;
    pieces.push_back(n);
    size -= n;
  }
  return pieces;
}

}  // namespace detour::fuzz
