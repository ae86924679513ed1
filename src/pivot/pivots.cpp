#include "pivot/pivots.h"

#include <algorithm>
#include <map>
#include <utility>
#include "text/ascii_case.h"

namespace pivot {
namespace {

// Key-field names (as the key-field tables name them) and what they hold.
constexpr std::pair<std::string_view, Kind> kFields[] = {
    {"TargetUserName", Kind::Account},
    {"SubjectUserName", Kind::Account},
    {"User", Kind::Account},
    {"AccountName", Kind::Account},
    {"SamAccountName", Kind::Account},
    {"UserName", Kind::Account},
    {"TargetUser", Kind::Account},
    {"WorkstationName", Kind::Host},
    {"Workstation", Kind::Host},
    {"SourceHostname", Kind::Host},
    {"DestinationHostname", Kind::Host},
    {"ClientName", Kind::Host},
    {"IpAddress", Kind::Address},
    {"SourceIp", Kind::Address},
    {"DestinationIp", Kind::Address},
    {"SourceAddress", Kind::Address},
    {"DestAddress", Kind::Address},
    {"ClientAddress", Kind::Address},
    {"Image", Kind::Process},
    {"NewProcessName", Kind::Process},
    {"ParentImage", Kind::Process},
    {"ParentProcessName", Kind::Process},
    {"ProcessName", Kind::Process},
    {"SourceImage", Kind::Process},
    {"TargetImage", Kind::Process},
    {"ImageLoaded", Kind::Process},
    {"ImagePath", Kind::Process},
    {"Application", Kind::Process},
    {"CommandLine", Kind::CommandLine},
    {"ParentCommandLine", Kind::CommandLine},
    {"Hashes", Kind::Hash},
    {"Hash", Kind::Hash},
    {"ServiceName", Kind::Service},
    {"TaskName", Kind::Task},
};

// The domain field that goes with an account field: DOMAIN\name.
std::string_view domain_field(std::string_view account) {
  if (account == "TargetUserName") return "TargetDomainName";
  if (account == "SubjectUserName") return "SubjectDomainName";
  return {};
}

std::string upper(std::string_view s) {
  std::string out(s);
  text::upper_in_place(out);
  return out;
}

bool no_lead(Kind kind, const std::string& value) {
  if (value.empty() || value == "-") return true;
  if (kind == Kind::Account) {
    std::string u = upper(value);
    if (u.rfind("NT AUTHORITY\\", 0) == 0) u = u.substr(13);
    return u == "SYSTEM" || u == "LOCAL SERVICE" || u == "NETWORK SERVICE" || u == "ANONYMOUS LOGON";
  }
  if (kind == Kind::Address)
    return value.rfind("127.", 0) == 0 || value == "::1" || value == "0.0.0.0" || value == "::" ||
           value.rfind("::ffff:127.", 0) == 0;
  return false;
}

// A Sysmon Hashes value ("SHA1=...,MD5=...,SHA256=...,IMPHASH=...") as one
// pivot per algorithm.
std::vector<std::string> split_hashes(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Names Windows compares without case (accounts, hosts, paths, services,
// tasks, hex hashes) are one pivot whatever their case; a command line keeps
// its own (an encoded argument's case is its content).
std::string key_of(Kind kind, const std::string& value) {
  if (kind == Kind::CommandLine || kind == Kind::Address) return value;
  std::string k = value;
  text::lower_in_place(k);
  return k;
}

}  // namespace

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Account: return "account";
    case Kind::Host: return "host";
    case Kind::Address: return "address";
    case Kind::Process: return "process";
    case Kind::CommandLine: return "command_line";
    case Kind::Hash: return "hash";
    case Kind::Service: return "service";
    case Kind::Task: return "task";
  }
  return "";
}

bool kind_of_field(std::string_view field, Kind& kind) {
  for (const auto& [name, k] : kFields)
    if (name == field) {
      kind = k;
      return true;
    }
  return false;
}

std::vector<Pivot> collect(const replay::FindingList& findings) {
  std::map<std::pair<Kind, std::string>, Pivot> all;  // (kind, key_of) -> pivot, named as first seen
  findings.for_each([&](const replay::Finding& f) {
    std::set<std::pair<Kind, std::string>> named;  // this finding's, each once
    named.emplace(Kind::Host, f.device_name);
    for (const replay::LinkedFinding& l : f.links) named.emplace(Kind::Host, l.device_name);
    for (const replay::EvidenceStep& e : f.evidence)
      for (const auto& [field, value] : e.details) {
        Kind kind;
        if (!kind_of_field(field, kind)) continue;
        if (kind == Kind::Hash) {
          for (std::string& h : split_hashes(value)) named.emplace(kind, std::move(h));
          continue;
        }
        std::string v = value;
        if (std::string_view d = domain_field(field); !d.empty())
          for (const auto& [other, domain] : e.details)
            if (other == d && !domain.empty() && domain != "-") v = domain + "\\" + value;
        named.emplace(kind, std::move(v));
      }
    std::set<std::pair<Kind, std::string>> counted;  // keys of this finding already counted
    for (const auto& [kind, value] : named) {
      if (no_lead(kind, value)) continue;
      std::string key = key_of(kind, value);
      if (!counted.emplace(kind, key).second) continue;
      Pivot& p = all[{kind, key}];
      if (p.findings++ == 0) {
        p.kind = kind;
        p.value = value;
        p.first = p.last = f.timestamp;
      }
      p.first = std::min(p.first, f.timestamp);
      p.last = std::max(p.last, f.timestamp);
      p.rules.insert(f.title.empty() ? f.rule_id : f.title);
      p.hosts.insert(f.device_name);
    }
  });
  std::vector<Pivot> out;
  out.reserve(all.size());
  for (auto& [key, p] : all) out.push_back(std::move(p));
  std::stable_sort(out.begin(), out.end(), [](const Pivot& a, const Pivot& b) {
    if (a.kind != b.kind) return a.kind < b.kind;
    if (a.findings != b.findings) return a.findings > b.findings;
    return a.value < b.value;
  });
  return out;
}

}  // namespace pivot
