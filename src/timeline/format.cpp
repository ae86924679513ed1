#include "timeline/format.h"

#include <cstdlib>

#include "evtx/value.h"
#include "pipeline/time_zone.h"

namespace timeline {

std::optional<Format> parse_format(std::string_view name) {
  for (const FormatInfo& f : kFormatInfo)
    if (name == f.name) return f.format;
  return std::nullopt;
}

const char* format_name(Format f) {
  for (const FormatInfo& i : kFormatInfo)
    if (i.format == f) return i.name;
  return "";
}

std::string format_time(norm::Ticks t) {
  std::string out;
  pipeline::append_time_in_zone(out, t);
  return out;
}
void append_time(std::string& out, norm::Ticks t) { pipeline::append_time_in_zone(out, t); }
size_t time_width() { return pipeline::display_zone().is_utc() ? 28 : 33; }

int64_t unix_micros(norm::Ticks t) {
  norm::Ticks d = t - norm::kUnixEpoch;
  return d >= 0 ? d / 10 : -((-d + 9) / 10);
}

bool use_colour(bool is_terminal) { return is_terminal && std::getenv("NO_COLOR") == nullptr; }

}  // namespace timeline
