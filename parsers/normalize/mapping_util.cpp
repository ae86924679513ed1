#include "normalize/mapping_util.h"

#include "evtx/value.h"
#include "normalize/mapper_parts.h"

#include <cstdio>

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include "text/ascii_case.h"

namespace normalize {

std::string_view basename(std::string_view path) {
  size_t cut = path.find_last_of("\\/");
  return cut == std::string_view::npos ? path : path.substr(cut + 1);
}

std::string lower_name(std::string_view computer) {
  std::string key(computer);
  text::lower_in_place(key);
  return key;
}

bool same_host_name(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  std::string la = lower_name(a), lb = lower_name(b);
  if (la == lb) return true;
  bool a_short = la.find('.') == std::string::npos, b_short = lb.find('.') == std::string::npos;
  if (a_short == b_short) return false;  // two short names, or two different FQDNs
  const std::string& full = a_short ? lb : la;
  const std::string& shortname = a_short ? la : lb;
  return full.compare(0, full.find('.'), shortname) == 0 && full.find('.') == shortname.size();
}

bool is_placeholder(std::string_view v) {
  if (v == "-" || v == "?" || v == "<unknown process>") return true;
  if (!v.empty() && v.front() == '{' && v.back() == '}') v = v.substr(1, v.size() - 2);
  return v == "00000000-0000-0000-0000-000000000000";
}

std::string logon_type_name(int64_t type) {
  switch (type) {
    case 2: return "Interactive";
    case 3: return "Network";
    case 4: return "Batch";
    case 5: return "Service";
    case 7: return "Unlock";
    case 8: return "NetworkCleartext";
    case 9: return "NewCredentials";
    case 10: return "RemoteInteractive";
    case 11: return "CachedInteractive";
    default: return std::to_string(type);
  }
}

std::string canonical_ip(std::string_view ip) {
  std::string_view zone;
  if (size_t pct = ip.find('%'); pct != std::string_view::npos) {
    zone = ip.substr(pct);
    ip = ip.substr(0, pct);
  }
  if (ip.size() >= INET6_ADDRSTRLEN) return std::string(ip) + std::string(zone);
  char in[INET6_ADDRSTRLEN] = {}, out[INET6_ADDRSTRLEN] = {};
  std::memcpy(in, ip.data(), ip.size());
  unsigned char bin[16];
  // glibc's inet_ntop writes RFC 5952 text: lower case, the longest run of two
  // or more zero groups as "::", IPv4-mapped addresses as ::ffff:a.b.c.d.
  if (ip.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, in, bin) != 1 || !inet_ntop(AF_INET6, bin, out, sizeof out))
      return std::string(ip) + std::string(zone);
  } else if (inet_pton(AF_INET, in, bin) != 1 || !inet_ntop(AF_INET, bin, out, sizeof out)) {
    return std::string(ip) + std::string(zone);
  }
  return std::string(out) + lower_name(zone);
}

AddressKind address_kind(std::string_view ip) {
  if (size_t pct = ip.find('%'); pct != std::string_view::npos) ip = ip.substr(0, pct);
  char in[INET6_ADDRSTRLEN] = {};
  if (ip.size() >= sizeof in) return AddressKind::Invalid;
  std::memcpy(in, ip.data(), ip.size());
  unsigned char b[16];
  if (ip.find(':') != std::string_view::npos) {
    if (inet_pton(AF_INET6, in, b) != 1) return AddressKind::Invalid;
    static const unsigned char zero[16] = {};
    if (b[0] == 0xff) return AddressKind::Multicast;
    bool v4_mapped = std::memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff;
    if (!v4_mapped) {
      if (std::memcmp(b, zero, 15) == 0)
        return b[15] == 1 ? AddressKind::Loopback : b[15] == 0 ? AddressKind::Unspecified : AddressKind::Unicast;
      return AddressKind::Unicast;
    }
    std::memmove(b, b + 12, 4);
  } else if (inet_pton(AF_INET, in, b) != 1) {
    return AddressKind::Invalid;
  }
  if (b[0] == 127) return AddressKind::Loopback;
  if (b[0] >= 224 && b[0] <= 239) return AddressKind::Multicast;
  if (b[3] == 255) return AddressKind::Broadcast;
  if (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0) return AddressKind::Unspecified;
  return AddressKind::Unicast;
}

bool is_group_address(std::string_view ip) {
  AddressKind k = address_kind(ip);
  return k == AddressKind::Multicast || k == AddressKind::Broadcast;
}

std::optional<int64_t> parse_int(std::string_view s) {
  int64_t v = 0;
  std::from_chars_result r{};
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    uint64_t u = 0;
    r = std::from_chars(s.data() + 2, s.data() + s.size(), u, 16);
    v = static_cast<int64_t>(u);
  } else {
    r = std::from_chars(s.data(), s.data() + s.size(), v);
  }
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string integrity_from_label(std::string_view sid) {
  if (sid == "S-1-16-0") return "Untrusted";
  if (sid == "S-1-16-4096") return "Low";
  if (sid == "S-1-16-8192") return "Medium";
  if (sid == "S-1-16-8448") return "MediumPlus";
  if (sid == "S-1-16-12288") return "High";
  if (sid == "S-1-16-16384") return "System";
  if (sid == "S-1-16-20480") return "ProtectedProcess";
  return std::string(sid);
}

std::string record_ref(const NormalizedEvent& ev) {
  return std::string(basename(ev[Field::SourceFile].s)) + "#" + std::to_string(ev[Field::EventRecordID].i);
}

NormalizedEvent start_event(Table table, const RecordAccess& rec, const char* action) {
  NormalizedEvent ev;
  ev.table = table;
  if (action) ev[Field::ActionType] = FieldValue::str(action);
  ev.time_created = rec.time_created();
  ev[Field::Timestamp] = FieldValue::time(ev.time_created);
  return ev;
}

std::optional<std::string> known_text(const RecordAccess& rec, std::string_view data_name, Empty empty) {
  std::optional<std::string> v = rec.text(data_name);
  if (v && (is_placeholder(*v) || (v->empty() && empty == Empty::Unknown))) v.reset();
  return v;
}

void copy_string(NormalizedEvent& ev, Field f, const RecordAccess& rec, std::string_view data_name, Empty empty) {
  if (auto v = known_text(rec, data_name, empty)) ev[f] = FieldValue::str(std::move(*v));
}

void copy_int(NormalizedEvent& ev, Field f, const RecordAccess& rec, std::string_view data_name) {
  if (auto i = rec.integer(data_name)) ev[f] = FieldValue::integer(*i);
}

void copy_logon_id(NormalizedEvent& ev, const RecordAccess& rec, std::string_view data_name) {
  auto id = rec.integer(data_name);
  if (!id) return;
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(*id));
  ev[Field::LogonId] = FieldValue::str(buf);
}

void copy_ip(NormalizedEvent& ev, Field f, const RecordAccess& rec, std::string_view data_name) {
  if (auto v = known_text(rec, data_name)) ev[f] = FieldValue::str(canonical_ip(*v));
}

void copy_path(NormalizedEvent& ev, Field folder, Field file, const RecordAccess& rec, std::string_view data_name) {
  if (auto v = known_text(rec, data_name)) {
    ev[file] = FieldValue::str(std::string(basename(*v)));
    ev[folder] = FieldValue::str(std::move(*v));
  }
}

void JsonBag::add(std::string_view key, std::string_view text) {
  if (!text_.empty()) text_ += ',';
  evtx::append_json_string(text_, key);
  text_ += ':';
  evtx::append_json_string(text_, text);
}

void JsonBag::copy(const RecordAccess& rec, std::string_view data_name, std::string_view key) {
  if (auto v = known_text(rec, data_name, Empty::Unknown)) add(key.empty() ? data_name : key, *v);
}

void set_additional_fields(NormalizedEvent& ev, const JsonBag& bag) {
  if (!bag.empty()) ev[Field::AdditionalFields] = FieldValue::str(bag.str());
}

}  // namespace normalize
