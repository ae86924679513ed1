#include "output/format.h"

#include <cstdlib>

#include "evtx/value.h"
#include "pipeline/time_zone.h"

namespace output {

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

std::string format_time(normalize::Ticks t) {
  std::string out;
  pipeline::append_time_in_zone(out, t);
  return out;
}
void append_time(std::string& out, normalize::Ticks t) { pipeline::append_time_in_zone(out, t); }
size_t time_width() { return pipeline::display_zone().is_utc() ? 28 : 33; }

int64_t unix_micros(normalize::Ticks t) {
  normalize::Ticks d = t - normalize::kUnixEpoch;
  return d >= 0 ? d / 10 : -((-d + 9) / 10);
}

bool use_colour(bool is_terminal) { return is_terminal && std::getenv("NO_COLOR") == nullptr; }

}  // namespace output
