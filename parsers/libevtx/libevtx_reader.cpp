#include "libevtx/libevtx_reader.h"

#include <libevtx.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <optional>

#include "evtx/format.h"
#include "xml/event_xml.h"

namespace evtx {
namespace {

struct ErrorInfo {
  std::string text;     // the first (innermost, most specific) messages, joined by "; "
  uint64_t offset = 0;  // the file offset libevtx names ("... at offset: 0x00001200"), or 0
};

// libevtx's error chain, e.g. "libfwevt_xml_document_read_attribute: invalid
// binary XML token - unsupported type: 0x05; libfwevt_xml_document_read_element:
// unable to read attribute; ..." and, further down the chain, "libfdata_list_
// get_element_value: unable to read element data at offset: 0x00001200" (the
// record's offset in the file).
ErrorInfo error_info(libevtx_error_t* error) {
  constexpr int kMaxMessages = 3;
  constexpr std::string_view kAtOffset = "at offset: 0x";
  ErrorInfo info;
  int messages = 0;
  char buf[8192];
  if (error != nullptr && libevtx_error_backtrace_sprint(error, buf, sizeof buf) > 0) {
    buf[sizeof buf - 1] = '\0';
    std::string_view all(buf);
    size_t pos = 0;
    while (pos < all.size()) {
      size_t nl = all.find('\n', pos);
      if (nl == std::string_view::npos) nl = all.size();
      std::string_view line = all.substr(pos, nl - pos);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '.')) line.remove_suffix(1);
      if (!line.empty() && messages++ < kMaxMessages) {
        if (!info.text.empty()) info.text += "; ";
        info.text.append(line);
      }
      if (size_t at = line.find(kAtOffset); at != std::string_view::npos && info.offset == 0) {
        std::string_view hex = line.substr(at + kAtOffset.size());
        uint64_t v = 0;
        auto r = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
        if (r.ec == std::errc()) info.offset = v;
      }
      pos = nl + 1;
    }
  }
  if (info.text.empty()) info.text = "unknown libevtx error";
  return info;
}

// Owns a libevtx error and frees it on scope exit.
struct ErrorHandle {
  libevtx_error_t* e = nullptr;
  ~ErrorHandle() { reset(); }
  void reset() {
    if (e != nullptr) libevtx_error_free(&e);
  }
  libevtx_error_t** operator&() { return &e; }
  ErrorInfo take() {
    ErrorInfo info = error_info(e);
    reset();
    return info;
  }
};

struct File {
  libevtx_file_t* f = nullptr;
  bool open = false;
  ~File() {
    ErrorHandle err;
    if (open) libevtx_file_close(f, &err);
    err.reset();
    if (f != nullptr) libevtx_file_free(&f, &err);
  }
};

struct LibevtxRecord {
  libevtx_record_t* r = nullptr;
  ~LibevtxRecord() {
    ErrorHandle err;
    if (r != nullptr) libevtx_record_free(&r, &err);
  }
};

int64_t chunk_of(uint64_t offset) {
  return offset >= kFileHeaderSize ? static_cast<int64_t>((offset - kFileHeaderSize) / kChunkSize) : -1;
}

}  // namespace

LibevtxResult LibevtxReader::read(const std::filesystem::path& path, const RecordFn& on_record) {
  const std::string name = path.string();
  // What the OS says first: libevtx's own messages do not tell "cannot open"
  // from "not EVTX".
  {
    std::FILE* fp = std::fopen(path.c_str(), "rb");
    if (fp == nullptr) throw FileError(FileError::Kind::CannotOpen, name + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    bool regular = ::fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
    uint8_t sig[8] = {};
    size_t got = regular ? std::fread(sig, 1, sizeof sig, fp) : 0;
    std::fclose(fp);
    if (!regular) throw FileError(FileError::Kind::CannotOpen, name + ": cannot open: not a regular file");
    if (got < sizeof sig || !is_file_signature(sig))
      throw FileError(FileError::Kind::NotEvtx, name + ": not an EVTX file (no ElfFile signature)");
  }

  ErrorHandle err;
  File file;
  if (libevtx_file_initialize(&file.f, &err) != 1) throw std::runtime_error(name + ": libevtx: " + err.take().text);
  if (libevtx_file_open(file.f, name.c_str(), LIBEVTX_OPEN_READ, &err) != 1)
    throw FileError(FileError::Kind::NotEvtx, name + ": libevtx cannot open it: " + err.take().text);
  file.open = true;

  LibevtxResult result;
  int count = 0;
  if (libevtx_file_get_number_of_records(file.f, &count, &err) != 1) {
    result.problems.push_back({ProblemKind::RecordDamaged, -1, 0, "libevtx cannot count records: " + err.take().text});
    return result;
  }

  for (int i = 0; i < count; ++i) {
    LibevtxRecord rec;
    uint64_t id = 0, written = 0, offset = 0;
    auto damaged = [&](const ErrorInfo& what) {
      ++result.damaged_records;
      uint64_t at = offset != 0 ? offset : what.offset;
      result.problems.push_back({ProblemKind::RecordDamaged, at != 0 ? chunk_of(at) : -1, at,
                                 "libevtx record index " + std::to_string(i) +
                                     (id != 0 ? " (EventRecordID " + std::to_string(id) + ")" : std::string()) + ": " +
                                     what.text});
    };
    if (libevtx_file_get_record_by_index(file.f, i, &rec.r, &err) != 1) {
      damaged(err.take());
      continue;
    }
    off64_t off = 0;
    if (libevtx_record_get_offset(rec.r, &off, &err) == 1 && off > 0) offset = static_cast<uint64_t>(off);
    err.reset();
    if (libevtx_record_get_identifier(rec.r, &id, &err) != 1) id = 0;
    err.reset();
    if (libevtx_record_get_written_time(rec.r, &written, &err) != 1) written = 0;
    err.reset();
    size_t size = 0;
    if (libevtx_record_get_utf8_xml_string_size(rec.r, &size, &err) != 1 || size == 0) {
      damaged(err.take());
      continue;
    }
    xml_.assign(size, '\0');
    if (libevtx_record_get_utf8_xml_string(rec.r, reinterpret_cast<uint8_t*>(xml_.data()), size, &err) != 1) {
      damaged(err.take());
      continue;
    }
    // size counts the terminating NUL.
    std::string_view xml(xml_.data(), std::strlen(xml_.c_str()));
    std::optional<xml::EventXmlDocument> doc;
    try {
      doc.emplace(xml::EventXmlDocument::load_string(xml, name + " record " + std::to_string(id)));
    } catch (const std::exception& e) {
      damaged({std::string("libevtx rendered XML that does not parse: ") + e.what(), 0});
      continue;
    }
    doc->event_tree(0, tree_);
    ++result.records;
    on_record(RecordView{id, written, offset, tree_});
  }
  return result;
}

}  // namespace evtx
