#include "io/file_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace io {
namespace {

std::optional<std::string> fail(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> read_file(const std::filesystem::path& path, size_t max_bytes, std::string* why,
                                     ReadOptions options) {
  // O_NONBLOCK: opening a FIFO that is refused below must not wait for a writer.
  int flags = O_RDONLY | O_CLOEXEC | (options.follow_links ? 0 : O_NOFOLLOW | O_NONBLOCK);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return fail(why, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  std::optional<std::string> result;
  std::string data;
  if (::fstat(fd, &st) != 0) {
    result = fail(why, std::string("cannot read: ") + std::strerror(errno));
  } else if (!options.follow_links && !S_ISREG(st.st_mode)) {
    result = fail(why, "not a regular file");
  } else if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) > max_bytes) {
    result = fail(why, "larger than " + std::to_string(max_bytes) + " bytes");
  } else {
    if (S_ISREG(st.st_mode)) data.reserve(static_cast<size_t>(st.st_size));
    char buf[1 << 16];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) != 0 && data.size() <= max_bytes) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    if (n < 0)
      result = fail(why, std::string("cannot read: ") + std::strerror(errno));
    else if (data.size() > max_bytes)
      result = fail(why, "larger than " + std::to_string(max_bytes) + " bytes");
    else
      result = std::move(data);
  }
  ::close(fd);
  return result;
}

std::string_view without_utf8_bom(std::string_view bytes) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  return bytes;
}

}  // namespace io
