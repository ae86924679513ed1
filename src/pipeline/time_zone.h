// The zone every command writes its times in (--timezone): UTC by default,
// 2024-03-12T10:47:13.4120000Z; in another zone the same instant with that
// zone's offset at the time, 2024-03-12T11:47:13.4120000+01:00 (ISO 8601, so
// Timesketch, Timeline Explorer and Python read it back to the same instant).
// Named zones come from the system's tz database (Debian's tzdata) through the
// C library; the CLI sets the zone once, before any work starts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "normalize/normalized_event.h"

namespace pipeline {

class TimeZone {
 public:
  // "UTC" (also "Z"), "local" (TZ, else /etc/localtime), an IANA name of the
  // tz database ("Europe/Berlin", "America/New_York"), or a fixed offset
  // ("+02:00", "-05:30", "+0530", "+2"). nullopt and `error` set otherwise.
  static std::optional<TimeZone> parse(std::string_view spec, std::string& error);

  bool is_utc() const { return kind_ == Kind::Utc; }
  const std::string& name() const { return name_; }
  // Seconds east of UTC at this instant (seconds since 1970).
  int32_t offset_at(int64_t unix_seconds) const;
  // A time read in this zone (no offset written) as UTC: at a daylight-saving
  // change the earlier of two readings, or the instant after a gap.
  normalize::Ticks to_utc(normalize::Ticks local) const;

 private:
  enum class Kind { Utc, Fixed, System } kind_ = Kind::Utc;
  int32_t fixed_ = 0;
  std::string name_ = "UTC";
  friend void set_display_zone(const TimeZone& zone);
};

// The zone times are written in; UTC until set. Named zones set the process's
// TZ (the C library's conversions read it).
void set_display_zone(const TimeZone& zone);
const TimeZone& display_zone();

// normalize::Ticks as ISO 8601 in the display zone, 7 fraction digits.
void append_time_in_zone(std::string& out, normalize::Ticks t);

}  // namespace pipeline
