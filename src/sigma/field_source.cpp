#include "sigma/field_source.h"

#include "evtx/value.h"
#include "normalize/normalized_event.h"

namespace sigma {
namespace {

using evtx::SystemField;

std::string render(const evtx::RawValue& v) {
  std::string s;
  evtx::append_value_text(s, v);
  return s;
}

// Sigma's names for System fields (Provider_Name, Execution_ProcessID, ...).
std::optional<SystemField> system_field(std::string_view name) {
  if (name == "Provider_Name" || name == "Provider") return SystemField::ProviderName;
  if (name == "Provider_Guid") return SystemField::ProviderGuid;
  if (name == "EventSourceName") return SystemField::EventSourceName;
  if (name == "Version") return SystemField::Version;
  if (name == "Level") return SystemField::Level;
  if (name == "Task") return SystemField::Task;
  if (name == "Opcode") return SystemField::Opcode;
  if (name == "Keywords") return SystemField::Keywords;
  if (name == "EventRecordID") return SystemField::EventRecordId;
  if (name == "Execution_ProcessID") return SystemField::ProcessId;
  if (name == "Execution_ThreadID") return SystemField::ThreadId;
  if (name == "Channel") return SystemField::Channel;
  if (name == "Computer") return SystemField::Computer;
  if (name == "Security_UserID") return SystemField::UserId;
  if (name == "TimeCreated" || name == "TimeCreated_SystemTime") return SystemField::TimeCreated;
  if (name == "ActivityID" || name == "Correlation_ActivityID") return SystemField::ActivityId;
  return std::nullopt;
}

// Names that mean the System field even when a record's data has a field of
// that name (a Security 1108 reports the EventID of the event it failed on).
bool system_first(std::string_view name) {
  return name == "EventID" || name == "Channel" || name == "Provider_Name" || name == "Computer" ||
         name == "EventRecordID" || name == "Level" || name == "Keywords";
}

// Sigma's User and ParentUser on a Security 4688, from its Subject (the
// creator, so the parent's account) and Target (the new process's, version 2;
// "-" there: the creator's). `data` reads a data field.
template <typename Data>
std::optional<std::string> process_account(std::string_view name, std::string_view provider, uint16_t event_id,
                                           Data data) {
  if (event_id != 4688 || provider != normalize::kSecurityProvider) return std::nullopt;
  auto known = [](std::optional<std::string_view> v) { return v && !v->empty() && *v != "-"; };
  auto account = [&](const char* domain, const char* user) -> std::optional<std::string> {
    std::optional<std::string_view> u = data(user), d = data(domain);
    if (!known(u)) return std::nullopt;
    return known(d) ? std::string(*d) + "\\" + std::string(*u) : std::string(*u);
  };
  if (name == "ParentUser") return account("SubjectDomainName", "SubjectUserName");
  if (name != "User") return std::nullopt;
  std::optional<std::string_view> target = data("TargetUserName");
  if (!target) return std::nullopt;  // versions 0 and 1: not recorded
  if (known(target)) return account("TargetDomainName", "TargetUserName");
  return account("SubjectDomainName", "SubjectUserName");
}

}  // namespace

bool data_name_matches(std::string_view record, std::string_view rule) {
  if (record.empty()) return rule == "Data";
  if (record == rule) return true;
  size_t i = 0, j = 0;
  for (;;) {
    while (i < record.size() && record[i] == ' ') ++i;
    while (j < rule.size() && rule[j] == ' ') ++j;
    if (i == record.size() || j == rule.size()) return i == record.size() && j == rule.size();
    if (record[i++] != rule[j++]) return false;
  }
}

std::string data_name_key(std::string_view name) {
  if (name.empty()) return "Data";
  std::string key;
  for (char c : name)
    if (c != ' ') key += c;
  return key;
}

bool not_only_data(std::string_view name) {
  return system_first(name) || system_field(name) || name == "EventID" || name == "User" || name == "ParentUser";
}

std::optional<std::string> system_text(std::string_view name, const evtx::RecordFields& fields, uint16_t event_id) {
  if (name == "EventID") return std::to_string(event_id);
  std::optional<SystemField> f = system_field(name);
  if (!f) return std::nullopt;
  const evtx::RawValue& v = fields[*f];
  if (v.type == 0) return std::nullopt;
  return render(v);
}

RecordSource::RecordSource(const normalize::RecordAccess& rec, RecordBuffers& buffers)
    : fields_(rec.fields()), rec_(rec), buf_(buffers) {
  buf_.computed.clear();
}

// Decoded once per record for the mappers, Sigma and the event store.
std::string_view RecordSource::value_at(size_t i) { return rec_.data_text(i); }

std::optional<std::string_view> RecordSource::text(std::string_view name) {
  if (system_first(name)) return system_value(name);
  if (std::optional<std::string_view> t = data_text(name)) return t;
  if (name == "User" || name == "ParentUser")
    if (std::optional<std::string_view> acc = computed(name, [&] {
          return process_account(name, rec_.provider(), rec_.event_id(), [&](const char* n) { return data_text(n); });
        }))
      return acc;
  return system_value(name);
}

std::optional<std::string_view> RecordSource::data_text(std::string_view name) {
  for (size_t i = 0; i < fields_.data.size(); ++i)
    if (data_name_matches(fields_.data[i].first, name)) return value_at(i);
  return std::nullopt;
}

void RecordSource::for_each_text(std::string_view name, const std::function<void(std::string_view)>& fn) {
  if (!system_first(name)) {
    bool any = false;
    for (size_t i = 0; i < fields_.data.size(); ++i)
      if (data_name_matches(fields_.data[i].first, name)) {
        fn(value_at(i));
        any = true;
      }
    if (any) return;
  }
  if (std::optional<std::string_view> t = text(name)) fn(*t);
}

// A System or derived field, made once per record.
std::optional<std::string_view> RecordSource::computed(std::string_view name,
                                                       const std::function<std::optional<std::string>()>& make) {
  for (const auto& [n, v] : buf_.computed)
    if (n == name) return std::string_view(v);
  std::optional<std::string> v = make();
  if (!v) return std::nullopt;
  buf_.computed.emplace_back(std::string(name), std::move(*v));
  return std::string_view(buf_.computed.back().second);
}

std::optional<std::string_view> RecordSource::system_value(std::string_view name) {
  return computed(name, [&] { return system_text(name, fields_, rec_.event_id()); });
}

void RecordSource::for_each_value(const std::function<void(std::string_view)>& fn) {
  for (size_t i = 0; i < fields_.data.size(); ++i) fn(value_at(i));
}

void RecordSource::for_each_field(const std::function<void(std::string_view, std::string_view)>& fn) {
  for (size_t i = 0; i < fields_.data.size(); ++i) fn(fields_.data[i].first, value_at(i));
}

bool RecordSource::deferrable(std::string_view name) const {
  if (rec_.event_id() != 4688 || rec_.provider() != normalize::kSecurityProvider) return false;
  return name == "ParentProcessName" || name == "ParentCommandLine";
}

EventSource::EventSource(const store::EventView& view) : view_(view) {
  view.for_each_data([&](std::string_view name, const evtx::RawValue& v) {
    if (static_cast<evtx::ValueType>(v.type) == evtx::ValueType::Utf8)
      values_.emplace_back(std::string(name), std::string(reinterpret_cast<const char*>(v.data), v.size));
    else
      values_.emplace_back(std::string(name), render(v));
  });
}

std::optional<std::string_view> EventSource::data_text(std::string_view name) const {
  for (const auto& [n, v] : values_)
    if (data_name_matches(n, name)) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string_view> EventSource::text(std::string_view name) {
  if (system_first(name)) return system_value(name);
  if (std::optional<std::string_view> t = data_text(name)) return t;
  if (auto it = extra_.find(name); it != extra_.end()) return std::string_view(it->second);
  if (name == "User" || name == "ParentUser") {
    auto data = [&](const char* n) { return data_text(n); };
    if (std::optional<std::string> acc = process_account(name, view_.provider(), view_.header().event_id, data))
      return std::string_view(extra_.emplace(std::string(name), std::move(*acc)).first->second);
  }
  return system_value(name);
}

void EventSource::for_each_text(std::string_view name, const std::function<void(std::string_view)>& fn) {
  if (!system_first(name)) {
    bool any = false;
    for (const auto& [n, v] : values_)
      if (data_name_matches(n, name)) {
        fn(v);
        any = true;
      }
    if (any) return;
  }
  if (std::optional<std::string_view> t = text(name)) fn(*t);
}

std::optional<std::string_view> EventSource::system_value(std::string_view name) {
  if (name == "Channel") return view_.channel();
  if (name == "Provider_Name" || name == "Provider") return view_.provider();
  if (name == "Computer") return view_.computer();
  if (auto it = system_.find(name); it != system_.end()) return std::string_view(it->second);
  std::optional<std::string> found;
  if (name == "EventID") {
    found = std::to_string(view_.header().event_id);
  } else if (name == "EventRecordID") {
    found = std::to_string(view_.header().record_id);
  } else if (std::optional<SystemField> f = system_field(name)) {
    view_.for_each_system([&](SystemField sf, const evtx::RawValue& v) {
      if (sf == *f) found = render(v);
    });
  }
  if (!found) return std::nullopt;
  return std::string_view(system_.emplace(std::string(name), std::move(*found)).first->second);
}

void EventSource::for_each_value(const std::function<void(std::string_view)>& fn) {
  for (const auto& kv : values_) fn(kv.second);
}

void EventSource::for_each_field(const std::function<void(std::string_view, std::string_view)>& fn) {
  for (const auto& [name, value] : values_) fn(name, value);
  for (const auto& [name, value] : extra_) fn(name, value);
}

}  // namespace sigma
