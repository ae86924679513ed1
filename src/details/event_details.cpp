#include "details/event_details.h"

#include <algorithm>
#include <array>

#include "details/key_fields.h"

namespace details {
namespace {

// Names that say who, what or from where in logs the tables do not cover
// (other vendors' providers, new event ids): taken in record order.
constexpr std::array<std::string_view, 44> kGenericKeyNames = {"SubjectUserName",
                                                               "SubjectDomainName",
                                                               "SubjectUserSid",
                                                               "TargetUserName",
                                                               "TargetDomainName",
                                                               "TargetUserSid",
                                                               "UserName",
                                                               "User",
                                                               "AccountName",
                                                               "Account",
                                                               "UserSid",
                                                               "SamAccountName",
                                                               "Image",
                                                               "ProcessName",
                                                               "NewProcessName",
                                                               "ProcessPath",
                                                               "CommandLine",
                                                               "ParentImage",
                                                               "ServiceName",
                                                               "ImagePath",
                                                               "ServiceFileName",
                                                               "TaskName",
                                                               "ObjectName",
                                                               "ObjectType",
                                                               "ShareName",
                                                               "RelativeTargetName",
                                                               "TargetObject",
                                                               "TargetFilename",
                                                               "FileName",
                                                               "FilePath",
                                                               "Path",
                                                               "Url",
                                                               "QueryName",
                                                               "ScriptBlockText",
                                                               "HostApplication",
                                                               "IpAddress",
                                                               "IpPort",
                                                               "SourceAddress",
                                                               "SourceIp",
                                                               "ClientIP",
                                                               "ClientAddress",
                                                               "Address",
                                                               "WorkstationName",
                                                               "DestinationIp"};
constexpr size_t kFirstFields = 8;  // of a record no table or name covers

bool empty_value(std::string_view v) { return v.empty() || v == "-" || v == "NULL"; }

std::string cut(std::string_view v) {
  if (v.size() <= kMaxDetailValue) return std::string(v);
  size_t n = kMaxDetailValue;
  while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;  // not inside a UTF-8 sequence
  return std::string(v.substr(0, n)) + "… [" + std::to_string(v.size()) + " bytes]";
}

// Every value the record's data has under `name` (a list's items joined);
// else a System or computed field of that name (Security_UserID, User). Data
// first: a 1108's EventID is the failed event's, not its own.
std::optional<std::string> value_of(sigma::FieldSource& src, std::string_view name) {
  std::optional<std::string> out;
  src.for_each_field([&](std::string_view field, std::string_view v) {
    if (empty_value(v) || !sigma::data_name_matches(field, name)) return;
    out = out ? *out + " | " + std::string(v) : std::string(v);
  });
  if (!out && sigma::not_only_data(name))
    if (std::optional<std::string_view> t = src.text(name); t && !empty_value(*t)) out = std::string(*t);
  return out;
}

}  // namespace

Details event_details(sigma::FieldSource& src, std::string_view provider, uint16_t event_id, bool all_fields) {
  Details out;
  if (all_fields) {
    src.for_each_field([&](std::string_view name, std::string_view value) {
      std::string key = sigma::data_name_key(name);
      auto same = std::find_if(out.begin(), out.end(), [&](const auto& d) { return d.first == key; });
      if (same != out.end())
        same->second += " | " + std::string(value);  // a classic event's Data items: one field, its values joined
      else
        out.emplace_back(std::move(key), std::string(value));
    });
    return out;
  }
  auto add = [&](std::string_view name, const std::string& value) {
    if (std::none_of(out.begin(), out.end(), [&](const auto& d) { return d.first == name; }))
      out.emplace_back(std::string(name), cut(value));
  };
  if (const KeyFields* k = key_fields(provider, event_id)) {
    for (const auto* group : {&k->who, &k->what, &k->where})
      for (const std::string& name : *group)
        if (std::optional<std::string> v = value_of(src, name)) add(name, *v);
    // A version of the event with other names than the table's: the generic
    // choice below rather than nothing.
    if (!out.empty() || (k->who.empty() && k->what.empty() && k->where.empty())) return out;
  }
  std::vector<std::pair<std::string, std::string>> first;
  src.for_each_field([&](std::string_view name, std::string_view value) {
    if (empty_value(value)) return;
    std::string key = sigma::data_name_key(name);
    if (std::find(kGenericKeyNames.begin(), kGenericKeyNames.end(), key) != kGenericKeyNames.end())
      add(key, std::string(value));
    else if (first.size() < kFirstFields)
      first.emplace_back(std::move(key), std::string(value));
  });
  if (out.empty())
    for (const auto& [name, value] : first) add(name, value);
  return out;
}

}  // namespace details
