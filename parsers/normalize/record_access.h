// What the mappers read of a record: its System fields and data fields as
// typed values straight from the record (a number is read as a number, never
// printed and parsed back; text is decoded only where a string is wanted).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "evtx/record_fields.h"
#include "normalize/normalized_event.h"

namespace norm {

// One reader thread's last provider, channel and computer, as bytes and as
// text: records of a chunk repeat them, so each is decoded again only when
// its bytes change.
class SystemTextMemo {
 public:
  const std::string& text(size_t slot, const evtx::RawValue& v);

 private:
  struct Slot {
    std::string raw;  // type byte, then the value's bytes
    std::string text;
    bool set = false;
  };
  std::array<Slot, 3> slots_;
};

class RecordAccess {
 public:
  // header_record_id: the record header's id, for records without
  // System/EventRecordID. `memo` (optional) outlives the RecordAccess.
  RecordAccess(const evtx::RecordFields& fields, uint64_t header_record_id, SystemTextMemo* memo = nullptr);
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
  // Its value as an integer: integer types as they are, hex and decimal text
  // parsed; nullopt when absent or not a number.
  std::optional<int64_t> integer(std::string_view name) const;

  const evtx::RecordFields& fields() const { return fields_; }

 private:
  const evtx::RecordFields& fields_;
  std::array<std::string, 3> own_;  // the texts without a memo
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

}  // namespace norm
