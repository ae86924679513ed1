// Inputs a fuzzer found (tests/data/fuzz/HARNESS/), replayed through that
// harness (scripts/fuzz/HARNESS.cpp, linked in) on every build, so that what
// once crashed or hit undefined behaviour is checked by ctest under the
// sanitizers, not only when the fuzzer happens to meet it again.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "support/files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

// EVTXHUNT_FUZZ_SUITE names the suite per harness (FuzzChunkInputs, ...).
TEST(EVTXHUNT_FUZZ_SUITE, EachSavedInputRunsCleanThroughItsHarness) {
  fs::path dir = fs::path(EVTXHUNT_SOURCE_DIR) / "tests" / "data" / "fuzz" / EVTXHUNT_HARNESS;
  size_t inputs = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string bytes = support::read_text(e.path());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0) << e.path();
    ++inputs;
  }
  EXPECT_GE(inputs, 1u) << dir;
}
