#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

namespace cli {
namespace {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) {
    b /= 1000;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

}  // namespace

Progress::Progress(const pipeline::Inputs& inputs, bool quiet) {
  on_ = !quiet && ::isatty(STDERR_FILENO);
  if (!on_) return;
  for (const auto* list : {&inputs.evtx, &inputs.xml})
    for (const auto& p : *list) {
      std::error_code ec;
      total_bytes_ += std::filesystem::file_size(p, ec);
      ++total_files_;
    }
  start_ = last_ = std::chrono::steady_clock::now();
}

Progress::~Progress() { done(); }

std::function<void(uint64_t, uint64_t)> Progress::callback() {
  if (!on_) return {};
  return [this](uint64_t bytes, uint64_t files) { draw(bytes, files); };
}

void Progress::draw(uint64_t bytes, uint64_t files) {
  auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(100) && files < total_files_) return;
  last_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? static_cast<double>(bytes) / secs : 0;
  double frac = total_bytes_ ? static_cast<double>(bytes) / static_cast<double>(total_bytes_) : 1.0;
  if (frac > 1) frac = 1;
  int width = 30, filled = static_cast<int>(frac * width);
  std::string bar(static_cast<size_t>(filled), '=');
  bar.resize(static_cast<size_t>(width), ' ');
  double left = rate > 0 ? static_cast<double>(total_bytes_ - std::min(bytes, total_bytes_)) / rate : 0;
  std::fprintf(stderr, "\r[%s] %s of %s, %llu/%llu files, %s/s, %.0f s left  ", bar.c_str(),
               human_bytes(static_cast<double>(bytes)).c_str(), human_bytes(static_cast<double>(total_bytes_)).c_str(),
               static_cast<unsigned long long>(files), static_cast<unsigned long long>(total_files_),
               human_bytes(rate).c_str(), left);
  drawn_ = true;
}

void Progress::done() {
  if (drawn_) std::fprintf(stderr, "\r\x1b[K");
  drawn_ = false;
}

}  // namespace cli
