// A progress bar on stderr while evidence is read, when stderr is a terminal
// (and not --quiet): bytes and files done, rate, time left. Drawn at most ten
// times a second; erased when done.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "pipeline/inputs.h"

namespace cli {

class Progress {
 public:
  Progress(const pipeline::Inputs& inputs, bool quiet);
  ~Progress();
  // The callback for pipeline::ReadOptions::progress (empty when not shown).
  std::function<void(uint64_t, uint64_t)> callback();
  void done();

 private:
  void draw(uint64_t bytes, uint64_t files);
  bool on_ = false;
  bool drawn_ = false;
  uint64_t total_bytes_ = 0, total_files_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace cli
