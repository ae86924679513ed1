// The run's private temporary folder (spill files), removed when the run ends:
// normally, on an error (destructor during unwinding) and on Ctrl-C or
// SIGTERM (a signal handler removes the files it knows, and the outputs'
// temporary files registered with remove_on_signal, then lets the signal end
// the process as it would have).
#pragma once

#include <atomic>
#include <filesystem>
#include <stdexcept>
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
  // A new file name in the folder (run-000001.bin, ...), registered for
  // removal; safe to call from several threads.
  std::filesystem::path new_file();

 private:
  std::filesystem::path path_;
  int slot_ = -1;  // in the signal handler's table
  std::atomic<unsigned> next_{0};
};

// A file to remove if Ctrl-C, SIGTERM or SIGHUP ends the run (an output's
// hidden temporary file): registered while it exists, then released.
// Returns the slot (-1 when the table of 16 is full: the file is then only
// removed by its owner).
int remove_on_signal(const std::string& path);
void keep_on_signal(int slot);

// A spill file or the run's temporary folder cannot be written or read (a
// full disk under --temp-dir): an I/O failure of the run, not a bug.
class SpillError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace store
