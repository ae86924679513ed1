#include "pipeline/time_zone.h"

#include <array>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "evtx/value.h"

namespace pipeline {
namespace {

using normalize::kUnixEpoch;

int64_t floor_div(int64_t a, int64_t d) { return a / d - ((a % d != 0) && ((a < 0) != (d < 0))); }

TimeZone& zone_slot() {
  static TimeZone zone;
  return zone;
}

// "+02:00", "-0530", "+2": seconds east of UTC.
std::optional<int32_t> parse_offset(std::string_view s) {
  if (s.size() < 2 || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  int sign = s[0] == '-' ? -1 : 1;
  std::string digits;
  for (char c : s.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  // One or two digits of hours, or four of hours and minutes; nothing else
  // ("+", "-:" and "+123" are not offsets).
  auto number = [](std::string_view d) { return d.size() == 1 ? d[0] - '0' : (d[0] - '0') * 10 + (d[1] - '0'); };
  int hours = 0, minutes = 0;
  if (digits.size() == 1 || digits.size() == 2) {
    hours = number(digits);
  } else if (digits.size() == 4) {
    hours = number(std::string_view(digits).substr(0, 2));
    minutes = number(std::string_view(digits).substr(2));
  } else {
    return std::nullopt;
  }
  if (hours > 14 || minutes > 59 || (s.size() > 3 && s.find(':') != std::string_view::npos && s.find(':') != 3))
    return std::nullopt;
  return sign * (hours * 3600 + minutes * 60);
}

// Whether NAME is a zone of the tz database: a TZif file under TZDIR or
// /usr/share/zoneinfo (glibc takes any other name as UTC, silently).
bool known_zone(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  const char* dir = std::getenv("TZDIR");
  std::string path = std::string(dir && *dir ? dir : "/usr/share/zoneinfo") + "/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}

int32_t system_offset(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (!localtime_r(&t, &tm)) return 0;
  return static_cast<int32_t>(tm.tm_gmtoff);
}

}  // namespace

std::optional<TimeZone> TimeZone::parse(std::string_view spec, std::string& error) {
  TimeZone z;
  if (spec == "UTC" || spec == "utc" || spec == "Z" || spec == "z") return z;
  if (std::optional<int32_t> off = parse_offset(spec)) {
    z.kind_ = *off == 0 ? Kind::Utc : Kind::Fixed;
    z.fixed_ = *off;
    z.name_ = std::string(spec);
    return z;
  }
  if (spec == "local") {
    z.kind_ = Kind::System;
    z.name_ = "local";
    return z;
  }
  if (known_zone(spec)) {
    z.kind_ = Kind::System;
    z.name_ = std::string(spec);
    return z;
  }
  error = "not a time zone: " + std::string(spec) +
          " (UTC, local, a tz database name such as Europe/Berlin or America/New_York, or an offset such as +02:00)";
  return std::nullopt;
}

int32_t TimeZone::offset_at(int64_t unix_seconds) const {
  switch (kind_) {
    case Kind::Utc: return 0;
    case Kind::Fixed: return fixed_;
    case Kind::System: break;
  }
  // The C library's conversion takes a lock: offsets are cached per quarter
  // hour (zones change offset on quarter hours), per thread.
  constexpr int64_t kBucket = 900;
  struct Slot {
    int64_t bucket = INT64_MIN;
    int32_t offset = 0;
  };
  thread_local std::array<Slot, 256> cache;
  int64_t bucket = floor_div(unix_seconds, kBucket);
  Slot& slot = cache[static_cast<uint64_t>(bucket) % cache.size()];
  if (slot.bucket == bucket) return slot.offset;
  int32_t start = system_offset(bucket * kBucket), end = system_offset(bucket * kBucket + kBucket - 1);
  if (start != end) return system_offset(unix_seconds);  // a change inside this quarter hour
  slot = {bucket, start};
  return start;
}

normalize::Ticks TimeZone::to_utc(normalize::Ticks local) const {
  int64_t local_seconds = floor_div(local - kUnixEpoch, normalize::kTicksPerSecond);
  int32_t first = offset_at(local_seconds);
  int32_t second = offset_at(local_seconds - first);
  int32_t offset = first == second ? first : std::max(first, second);
  return local - static_cast<normalize::Ticks>(offset) * normalize::kTicksPerSecond;
}

void set_display_zone(const TimeZone& zone) {
  if (zone.kind_ == TimeZone::Kind::System && zone.name_ != "local") setenv("TZ", (":" + zone.name_).c_str(), 1);
  tzset();
  zone_slot() = zone;
}

const TimeZone& display_zone() { return zone_slot(); }

void append_time_in_zone(std::string& out, normalize::Ticks t) {
  const TimeZone& zone = zone_slot();
  if (zone.is_utc()) {
    evtx::append_filetime_iso(out, static_cast<uint64_t>(t), 7);
    return;
  }
  int32_t offset = zone.offset_at(floor_div(t - kUnixEpoch, normalize::kTicksPerSecond));
  normalize::Ticks local = t + static_cast<normalize::Ticks>(offset) * normalize::kTicksPerSecond;
  if (t <= 0 || local <= 0) {  // no time (0) or before 1601 in that zone: as read
    evtx::append_filetime_iso(out, static_cast<uint64_t>(t), 7);
    return;
  }
  evtx::append_filetime_iso(out, static_cast<uint64_t>(local), 7);
  if (!out.empty() && out.back() == 'Z') out.pop_back();
  int32_t a = offset < 0 ? -offset : offset;
  char text[8];
  std::snprintf(text, sizeof text, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600 % 100, a / 60 % 60);
  out += text;
}

}  // namespace pipeline
