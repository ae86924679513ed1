// Where a command writes: stdout, or -o FILE written safely. A regular file is
// written under a fresh temporary name in its folder (created O_EXCL by
// mkstemp, so a planted link is never followed) and renamed over FILE when
// complete; nothing is left behind on failure. A device or FIFO given as FILE
// is written directly (never replaced by a regular file). An output that is
// one of the inputs, or a folder, is refused.
#pragma once

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace output {

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class OutputFile {
 public:
  // path "" or "-": stdout. inputs: the paths read (files or folders) the
  // output may not overwrite. Throws OutputError naming the path.
  OutputFile(const std::string& path, const std::vector<std::string>& inputs);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view data);
  // Flushes; a temporary file is renamed onto the target. Throws OutputError.
  void commit();
  bool is_terminal() const { return terminal_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;  // for messages
  std::filesystem::path target_, temp_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;  // file_ is ours to close
  bool terminal_ = false;
  bool committed_ = false;
  int signal_slot_ = -1;  // store::remove_on_signal's, while temp_ exists
};

}  // namespace output
