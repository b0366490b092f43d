#include "util/random.h"

#include <random>

namespace detour {

uint64_t RandomRootSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

}  // namespace detour
