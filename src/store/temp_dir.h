// The run's private temporary folder (spill files), removed when the run ends:
// normally, on an error (destructor during unwinding) and on Ctrl-C or
// SIGTERM (a signal handler removes the files it knows, then lets the signal
// end the process as it would have).
#pragma once

#include <filesystem>
#include <string>

namespace store {

class TempDir {
 public:
  // Creates a new folder "evtxhunt-XXXXXX" under base (empty: $TMPDIR or /tmp).
  // Throws std::runtime_error naming the folder when it cannot.
  explicit TempDir(const std::filesystem::path& base);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of spill file n (run-000001.bin), registered for removal.
  std::filesystem::path spill_file(unsigned n);

 private:
  std::filesystem::path path_;
  int slot_ = -1;  // in the signal handler's table
};

}  // namespace store
