#include "output/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "store/temp_dir.h"

namespace output {
namespace {

namespace fs = std::filesystem;

std::string reason() { return std::strerror(errno); }

// True if the input path names the same file as `out`.
bool same_file(const std::string& input, const struct stat& out) {
  struct stat in {};
  return ::stat(input.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino;
}

}  // namespace

OutputFile::OutputFile(const std::string& path, const std::vector<std::string>& inputs) {
  if (path.empty() || path == "-") {
    name_ = "stdout";
    file_ = stdout;
    terminal_ = ::isatty(STDOUT_FILENO) != 0;
    return;
  }
  name_ = path;
  target_ = path;
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) throw OutputError(path + ": is a folder, not an output file");
  if (exists)
    for (const std::string& in : inputs)
      if (same_file(in, st)) throw OutputError(path + ": is one of the inputs; refusing to overwrite evidence");
  if (exists && !S_ISREG(st.st_mode)) {
    // A device, FIFO or socket: write to it as it is.
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw OutputError(path + ": cannot open for writing: " + reason());
    file_ = ::fdopen(fd, "w");
    owned_ = true;
    terminal_ = ::isatty(fd) != 0;
    return;
  }
  std::error_code ec;
  fs::path folder = fs::absolute(target_, ec).parent_path();
  std::string tmpl = (folder / ("." + target_.filename().string() + ".evtxhunt-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw OutputError(path + ": cannot create a file in " + folder.string() + ": " + reason());
  ::fchmod(fd, 0644);
  temp_ = tmpl;
  signal_slot_ = store::remove_on_signal(tmpl);  // Ctrl-C leaves no hidden file beside the output
  file_ = ::fdopen(fd, "w");
  owned_ = true;
}

OutputFile::~OutputFile() {
  if (owned_ && file_) std::fclose(file_);
  if (!temp_.empty() && !committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
  store::keep_on_signal(signal_slot_);
}

void OutputFile::write(std::string_view data) {
  if (data.empty()) return;
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size())
    throw OutputError(name_ + ": cannot write: " + reason());
}

void OutputFile::commit() {
  if (std::fflush(file_) != 0) throw OutputError(name_ + ": cannot write: " + reason());
  if (temp_.empty()) return;
  if (std::fclose(file_) != 0) {
    file_ = nullptr;
    throw OutputError(name_ + ": cannot write: " + reason());
  }
  file_ = nullptr;
  if (::rename(temp_.c_str(), target_.c_str()) != 0)
    throw OutputError(name_ + ": cannot rename into place: " + reason());
  committed_ = true;
  store::keep_on_signal(signal_slot_);
  signal_slot_ = -1;
}

}  // namespace output
