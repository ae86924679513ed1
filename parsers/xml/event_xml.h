// XML event exports read with pugixml into the shared event tree: an
// <Events> root holding <Event> elements (Event Viewer "Save as XML"), or
// bare <Event> elements one after another (wevtutil qe /f:xml), in UTF-8 or
// UTF-16. The same code turns libevtx's rendered XML into event trees.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "evtx/event_tree.h"

namespace xml {

class EventXmlDocument {
 public:
  // Throws std::runtime_error naming the file and what is wrong.
  static EventXmlDocument load_file(const std::filesystem::path& path);
  // `name` is used in error messages.
  static EventXmlDocument load_string(std::string_view xml, const std::string& name);

  EventXmlDocument(EventXmlDocument&&) noexcept;
  EventXmlDocument& operator=(EventXmlDocument&&) noexcept;
  ~EventXmlDocument();

  // Number of <Event> elements.
  size_t size() const;
  // Fills tree (cleared first) with the i-th event. Names and values (typed
  // evtx::ValueType::Utf8) point into this document: keep it alive. False
  // when elements nested deeper than 256 levels were left out.
  bool event_tree(size_t i, evtx::EventTree& tree) const;
  // What was wrong with a document read only in part ("" when whole): an
  // export cut short gives its complete events and this warning.
  const std::string& warning() const;

 private:
  EventXmlDocument();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xml
