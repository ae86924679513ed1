// The fields of one event as Sigma rules read them: data fields by name
// (EventData Data Name, or UserData leaf), and the System fields under the
// names Sigma uses (EventID, Channel, Provider_Name, Computer, Level, ...).
//
// A rule's field name answers a record's data field when the two are equal
// with spaces left out (Event Viewer's "Threat Name" of a Defender 1116 is
// SigmaHQ's ThreatName), and `Data` is the list of a classic event's unnamed
// <Data> items (Application, MSSQL, ESENT, "Windows PowerShell" 400/600/800):
// data_name_matches. A field that several data items answer is a list: a
// test holds when some value satisfies it (for |all: each pattern some value).
// Two sources: a record as the readers see it (in the parallel workers), and
// an event of the store (in the replay), which the replay can enrich with
// the process table's values for fields the record lacks.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evtx/record_fields.h"
#include "normalize/record_access.h"
#include "store/event_codec.h"

namespace sigma {

class FieldSource {
 public:
  virtual ~FieldSource() = default;
  // The field's text (its first value), or nullopt when the event has no such field.
  virtual std::optional<std::string_view> text(std::string_view name) = 0;
  // Every value of the field (one, or each data item it answers), in record order.
  virtual void for_each_text(std::string_view name, const std::function<void(std::string_view)>& fn) = 0;
  // Every data field's value (keyword searches).
  virtual void for_each_value(const std::function<void(std::string_view)>& fn) = 0;
  // Every data field, name and value, in record order (one pass for many names).
  virtual void for_each_field(const std::function<void(std::string_view, std::string_view)>& fn) = 0;
  // True when the field is absent now but the replay may know it (a 4688's
  // parent fields): rules reading it wait for the replay.
  virtual bool deferrable(std::string_view) const { return false; }
  // The data fields' names when the reader interned them (one layout per
  // template, evtx/data_layout.h): which fields a rule set reads is then
  // resolved once per layout, and data_value(i) gives field i's text.
  // nullptr: for_each_field.
  virtual const evtx::DataLayout* layout() const { return nullptr; }
  virtual std::string_view data_value(size_t) { return {}; }
};

// Per-thread space a RecordSource reuses from record to record.
struct RecordBuffers {
  std::deque<std::pair<std::string, std::string>>
      computed;  // System and derived fields asked (stable: views stay valid)
};

// A record in a reader's worker. Values are decoded to text once, when first
// asked (the RecordAccess's texts, shared with the mappers and the store).
class RecordSource : public FieldSource {
 public:
  RecordSource(const normalize::RecordAccess& rec, RecordBuffers& buffers);
  std::optional<std::string_view> text(std::string_view name) override;
  void for_each_text(std::string_view name, const std::function<void(std::string_view)>& fn) override;
  void for_each_value(const std::function<void(std::string_view)>& fn) override;
  void for_each_field(const std::function<void(std::string_view, std::string_view)>& fn) override;
  bool deferrable(std::string_view name) const override;
  const evtx::DataLayout* layout() const override { return fields_.layout; }
  std::string_view data_value(size_t i) override { return value_at(i); }

 private:
  std::string_view value_at(size_t i);
  std::optional<std::string_view> data_text(std::string_view name);  // a data field only
  std::optional<std::string_view> computed(std::string_view name,
                                           const std::function<std::optional<std::string>()>& make);
  std::optional<std::string_view> system_value(std::string_view name);
  const evtx::RecordFields& fields_;
  const normalize::RecordAccess& rec_;
  RecordBuffers& buf_;
};

// An event of the store, optionally with extra fields (from the replay).
class EventSource : public FieldSource {
 public:
  explicit EventSource(const store::EventView& view);
  void add(std::string name, std::string value) { extra_[std::move(name)] = std::move(value); }
  std::optional<std::string_view> text(std::string_view name) override;
  void for_each_text(std::string_view name, const std::function<void(std::string_view)>& fn) override;
  void for_each_value(const std::function<void(std::string_view)>& fn) override;
  void for_each_field(const std::function<void(std::string_view, std::string_view)>& fn) override;

 private:
  std::optional<std::string_view> data_text(std::string_view name) const;
  std::optional<std::string_view> system_value(std::string_view name);
  const store::EventView& view_;
  std::vector<std::pair<std::string, std::string>> values_;  // decoded once
  std::map<std::string, std::string, std::less<>> extra_;
  std::map<std::string, std::string, std::less<>> system_;  // System fields asked
};

// Does a record's data field of this name answer a rule's field? Equal names
// with spaces left out; an unnamed item ("") answers `Data`.
bool data_name_matches(std::string_view record_name, std::string_view rule_name);
// The key data_name_matches compares: the name without spaces; "Data" for "".
std::string data_name_key(std::string_view name);

// Names text() may answer from elsewhere than a data field of that name (System
// fields, the 4688 accounts), or that a System field answers first.
bool not_only_data(std::string_view name);

// The text of a System field under its Sigma name, or nullopt.
std::optional<std::string> system_text(std::string_view name, const evtx::RecordFields& fields, uint16_t event_id);

}  // namespace sigma
