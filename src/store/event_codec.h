// Every record as a compact event: a fixed 64-byte header (what sorting,
// partitioning and de-duplication need) and a body holding the record's typed
// System and data fields (numbers as their bytes, times as FILETIMEs, text as
// UTF-8) and, where a mapper applied, its normalized columns. Repeated strings
// are ids into the run's StringPool; a normalized string equal to one of the
// record's own fields (a command line) refers to that field.
//
// The same bytes live in memory and in spill files.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "evtx/record_fields.h"
#include "normalize/normalized_event.h"
#include "normalize/record_access.h"
#include "store/string_pool.h"

namespace store {

struct EventHeader {
  int64_t timestamp;      // the event's time: its normalized Timestamp when mapped, else TimeCreated
  int64_t time_created;   // System/TimeCreated
  uint64_t ordinal;       // position of the record in its file (byte offset of its header, or index in an XML export)
  uint64_t record_id;     // System/EventRecordID
  uint64_t content_hash;  // of the record's own fields: equal for the same record read from two copies of a log
  uint32_t file_id;       // index into the run's file table
  uint32_t computer_id;   // pool id of System/Computer as written
  uint32_t provider_id;   // pool id of Provider Name
  uint32_t channel_id;    // pool id of Channel
  uint32_t size;          // bytes of the whole event, header included
  uint16_t event_id;
  uint8_t seq;  // the record's event number (0; a second event of one record is 1)
  uint8_t flags;
};
static_assert(sizeof(EventHeader) == 64);

inline constexpr uint8_t kHasNormalized = 1;  // the body ends with normalized columns
inline constexpr uint8_t kDamaged = 2;        // the record was read only in part
inline constexpr uint8_t kNetworkEvent = 4;   // normalized into DeviceNetworkEvents
inline constexpr uint8_t kProcessEvent = 8;   // normalized into DeviceProcessEvents
inline constexpr uint8_t kRuleMatches = 16;   // the body starts with the rules that matched the record

// Order of events in a host's stream: time, then file, then place in the file.
inline bool key_less(const EventHeader& a, const EventHeader& b) {
  if (a.timestamp != b.timestamp) return a.timestamp < b.timestamp;
  if (a.file_id != b.file_id) return a.file_id < b.file_id;
  if (a.ordinal != b.ordinal) return a.ordinal < b.ordinal;
  return a.seq < b.seq;
}

inline EventHeader header_of(const uint8_t* event) {
  EventHeader h;
  std::memcpy(&h, event, sizeof h);
  return h;
}

struct EncodeInput {
  const evtx::RecordFields* fields;
  uint32_t file_id = 0;
  uint64_t ordinal = 0;
  uint64_t record_id = 0;
  int64_t time_created = 0;
  uint16_t event_id = 0;
  bool damaged = false;
  // The record's access (its values' texts decoded once, shared with the
  // mappers and the matcher); null: the encoder makes its own.
  const normalize::RecordAccess* rec = nullptr;
  // Rules of the run's rule set that matched the record where it was read,
  // and those that wait for the replay (they read a field only it knows).
  const std::vector<uint32_t>* matched = nullptr;
  const std::vector<uint32_t>* deferred = nullptr;
};

// Encodes events; one per thread (it keeps buffers and its pool cache).
class EventEncoder {
 public:
  explicit EventEncoder(StringPool& pool);
  ~EventEncoder();
  EventEncoder(const EventEncoder&) = delete;
  EventEncoder& operator=(const EventEncoder&) = delete;
  // Appends the event of a record (with its normalized columns when `norm` is
  // given) to out.
  void encode(const EncodeInput& in, const normalize::NormalizedEvent* norm, uint8_t seq, std::string& out);

 private:
  void put_string(std::string& out, std::string_view s, bool intern);
  // `text`: the value's text when it is text (else decoded here).
  void put_value(std::string& out, const evtx::RawValue& v, bool intern, std::optional<std::string_view> text = {});

  // A data layout's names (evtx/data_layout.h) resolved once: each name's
  // encoding and whether its values are interned (no lookup per record).
  struct LayoutCodes {
    std::string names;          // the encoded names, one after another
    std::vector<uint32_t> end;  // where each ends in `names`
    std::vector<bool> intern_value;
  };
  const LayoutCodes& codes_for(const evtx::DataLayout& layout);
  std::unordered_map<uint32_t, LayoutCodes> layouts_;  // by layout id

  PoolCache cache_;
  // Provider, channel and computer repeat from record to record: the last
  // of each is compared before the pool's cache is asked.
  struct LastName {
    std::string text;
    std::optional<uint32_t> id;
  };
  std::array<LastName, 3> last_names_;
  uint32_t header_name(size_t slot, std::string_view text);
  std::string hashed_;                       // the bytes the content hash covers (one XXH3 call)
  std::vector<std::string_view> data_text_;  // UTF-8 text of the record's string fields, for references
  std::string text_;
  normalize::RecordTexts texts_;  // for records encoded without their access
};

// Read access to one encoded event (the bytes stay where they are).
class EventView {
 public:
  EventView(const uint8_t* event, const StringPool& pool);
  const EventHeader& header() const { return h_; }
  std::string_view computer() const { return pool_->at(h_.computer_id); }
  std::string_view provider() const { return pool_->at(h_.provider_id); }
  std::string_view channel() const { return pool_->at(h_.channel_id); }
  bool normalized() const { return (h_.flags & kHasNormalized) != 0; }

  // System fields other than those in the header, as stored.
  void for_each_system(const std::function<void(evtx::SystemField, const evtx::RawValue&)>& fn) const;
  // Data fields in record order: name and value (strings as Utf8 values).
  void for_each_data(const std::function<void(std::string_view, const evtx::RawValue&)>& fn) const;
  // The data fields' names as ids of pool(), in order (ids cleared first);
  // false when a name is kept in the event itself (the pool was full).
  bool data_name_ids(std::vector<uint32_t>& ids) const;
  const StringPool& pool() const { return *pool_; }
  // The normalized columns; SourceFile, DeviceName, DeviceId (provisional:
  // the lower-case name), Provider, Channel, EventID, EventRecordID and
  // Timestamp come from the header. `out` is default-made or cleared
  // (NormalizedEvent::clear, which keeps its strings' buffers).
  void decode_normalized(normalize::NormalizedEvent& out, std::string_view source_file) const;
  // The rules that matched where the record was read, and those deferred.
  void rule_matches(std::vector<uint32_t>& matched, std::vector<uint32_t>& deferred) const;
  // The raw bytes.
  const uint8_t* data() const { return p_; }

 private:
  const uint8_t* p_;
  const StringPool* pool_;
  EventHeader h_;
};

}  // namespace store
