// The second, independent EVTX reader: libevtx opens the file and renders
// each record's XML, pugixml (xml/event_xml.h) parses that XML into the same
// event tree the native reader builds. Slow, and it loses records the native
// reader reads (value text in attributes, damaged chunks), but it shares no
// code with the native BinXML decoder: the oracle of the tests and
// `dump --reader libevtx`.
//
// Values in its trees are text (ValueType::Utf8) as libevtx spells them, not
// typed BinXML values: System numbers are decimal strings, and libevtx's
// spelling of some types (hex, GUIDs, FILETIME, SYSTEMTIME, binary) differs
// from Windows'. libevtx is not thread-safe on one file: use one reader per
// thread, one file at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "evtx/chunk_reader.h"
#include "evtx/problem.h"

namespace evtx {

struct LibevtxResult {
  uint64_t records = 0;          // records delivered
  uint64_t damaged_records = 0;  // records libevtx could not read or render (one problem each)
  std::vector<Problem> problems;
};

class LibevtxReader {
 public:
  using RecordFn = std::function<void(const RecordView&)>;

  // Reads every record of the file that libevtx can read, in record index
  // order, and calls on_record for each (the view and its tree are valid
  // during the call only). Only the records libevtx lists as records are
  // read, not its "recovered" ones. RecordView::file_offset is what
  // libevtx_record_get_offset says, or 0: libevtx 20181227 always says 0.
  // Records libevtx cannot read are counted and reported as RecordDamaged
  // problems, at the record offset named in libevtx's error chain (chunk -1
  // and offset 0 when it names none); the message gives the record index and
  // libevtx's error. Reading goes on with the next record. Throws FileError: CannotOpen if the OS cannot open the file,
  // NotEvtx if it has no EVTX signature or libevtx refuses to open it.
  LibevtxResult read(const std::filesystem::path& path, const RecordFn& on_record);

 private:
  EventTree tree_;
  std::string xml_;
};

}  // namespace evtx
