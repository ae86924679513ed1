// How severe a finding is: the one level type of rules, Sigma rules and
// findings. Ordered: a later enumerator is more severe. Its name is the text
// rule files use and outputs write. Header-only, so that every library
// (rules, sigma, replay, timeline) shares it without linking to another.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace rules {

enum class Level : uint8_t { Informational, Low, Medium, High, Critical };

inline constexpr Level kLevels[] = {Level::Informational, Level::Low, Level::Medium, Level::High, Level::Critical};

// "informational", "low", "medium", "high", "critical".
constexpr const char* level_name(Level l) {
  switch (l) {
    case Level::Informational: return "informational";
    case Level::Low: return "low";
    case Level::Medium: return "medium";
    case Level::High: return "high";
    case Level::Critical: return "critical";
  }
  return "medium";
}

// A level's name (exactly as level_name writes it) back to the level.
constexpr std::optional<Level> parse_level(std::string_view name) {
  for (Level l : kLevels)
    if (name == level_name(l)) return l;
  return std::nullopt;
}

}  // namespace rules
