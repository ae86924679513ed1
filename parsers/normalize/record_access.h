// What the mappers read of a record: its System fields and data fields as
// typed values straight from the record (a number is read as a number, never
// printed and parsed back; text is decoded only where a string is wanted).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evtx/record_fields.h"
#include "normalize/normalized_event.h"

namespace normalize {

// One reader thread's text of record values, decoded once and shared by the
// mappers, the Sigma matcher and the event store. The last provider, channel
// and computer are kept across records (a chunk repeats them: decoded again
// only when their bytes change); data values for the record being read.
class RecordTexts {
 public:
  const std::string& system(size_t slot, const evtx::RawValue& v);
  // A new record with this many data fields.
  void start(size_t data_fields);
  // Data field i's text (UTF-8, as Windows renders it).
  std::string_view data(size_t i, const evtx::RawValue& v);

 private:
  struct Slot {
    std::string raw;  // type byte, then the value's bytes
    std::string text;
    bool set = false;
  };
  std::array<Slot, 3> slots_;
  std::vector<std::string> data_;
  std::vector<uint8_t> done_;
};

class RecordAccess {
 public:
  // header_record_id: the record header's id, for records without
  // System/EventRecordID. `texts` (optional: the thread's, which outlives
  // the RecordAccess) is where values are decoded to text.
  RecordAccess(const evtx::RecordFields& fields, uint64_t header_record_id, RecordTexts* texts = nullptr);
  RecordAccess(const RecordAccess&) = delete;  // points into itself
  RecordAccess& operator=(const RecordAccess&) = delete;

  const std::string& provider() const { return *provider_; }
  const std::string& channel() const { return *channel_; }
  const std::string& computer() const { return *computer_; }
  uint16_t event_id() const { return event_id_; }
  uint8_t version() const { return version_; }
  Ticks time_created() const { return time_created_; }
  // System/EventRecordID (what Event Viewer shows); 0 when absent.
  uint64_t event_record_id() const { return event_record_id_; }

  // The first data field of this name, or nullptr.
  const evtx::RawValue* find(std::string_view name) const;
  // Its text (UTF-8, as Windows renders it), or nullopt when absent.
  std::optional<std::string> text(std::string_view name) const;
  // Data field i's text, decoded once per record.
  std::string_view data_text(size_t i) const { return texts_->data(i, fields_.data[i].second); }
  // Its value as an integer: integer types as they are, hex and decimal text
  // parsed; nullopt when absent or not a number.
  std::optional<int64_t> integer(std::string_view name) const;

  const evtx::RecordFields& fields() const { return fields_; }

 private:
  const evtx::RecordFields& fields_;
  std::optional<RecordTexts> own_texts_;  // without the thread's
  RecordTexts* texts_;
  const std::string *provider_, *channel_, *computer_;
  uint16_t event_id_ = 0;
  uint8_t version_ = 0;
  Ticks time_created_ = 0;
  uint64_t event_record_id_ = 0;
};

// A raw value as text / as an integer (helpers of RecordAccess, also for the
// event store, which keeps raw values).
std::string value_text(const evtx::RawValue& v);
std::optional<int64_t> value_integer(const evtx::RawValue& v);
std::optional<uint64_t> value_filetime(const evtx::RawValue& v);

}  // namespace normalize
