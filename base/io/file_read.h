// A whole file into memory, never more than a cap: the one reader of the small
// files evtxhunt loads whole (rule files, list files, KQL queries, shards, XML
// exports, compiled-pattern caches). The size is checked before reading and
// again while reading (a file may grow), so a hostile or wrong path costs at
// most the cap. EVTX files are never read this way: they are mapped and read
// by chunk (evtx/evtx_file.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace io {

struct ReadOptions {
  // false: a symbolic link at the path is not followed (O_NOFOLLOW), and a
  // path that is not a regular file (a FIFO, a device) is refused unread.
  bool follow_links = true;
};

// The bytes of `path`, at most `max_bytes` of them. nullopt when the file
// cannot be opened or read, or holds more than `max_bytes`; `why` (when
// given) then says which: "cannot open: <reason>", "cannot read: <reason>",
// "larger than N bytes", "not a regular file".
std::optional<std::string> read_file(const std::filesystem::path& path, size_t max_bytes, std::string* why = nullptr,
                                     ReadOptions options = {});

// `bytes` without a leading UTF-8 byte order mark.
std::string_view without_utf8_bom(std::string_view bytes);

}  // namespace io
