#include "xml/event_xml.h"

#include <pugixml.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "io/file_read.h"

namespace xml {
namespace {

// Parse options: element text and attribute values are kept byte for byte
// (no end-of-line or attribute whitespace normalization), so values read
// from an export or from libevtx's rendering match the values in the BinXML.
// Whitespace-only text is kept only when it is an element's sole content
// (<Data>  </Data>), never between elements. Several top-level elements
// (wevtutil's bare <Event> sequence) are accepted.
constexpr unsigned kParseOptions =
    pugi::parse_cdata | pugi::parse_escapes | pugi::parse_pi | pugi::parse_ws_pcdata_single | pugi::parse_fragment;

// An element's local name (a namespace prefix dropped).
std::string_view local_name(const char* name) {
  std::string_view s(name);
  size_t colon = s.find(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

bool whitespace_only(const char* s) {
  for (; *s; ++s)
    if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') return false;
  return true;
}

// Elements nested deeper than this are left out (and reported): a planted
// export cannot exhaust the stack. Real events nest 4-6 levels.
constexpr int kMaxDepth = 256;

// Returns false when the event was cut at kMaxDepth.
bool add_element(evtx::EventTree& tree, uint32_t parent, pugi::xml_node node, int depth) {
  if (depth > kMaxDepth) return false;
  bool whole = true;
  uint32_t idx = tree.add(parent, evtx::NodeKind::Element, local_name(node.name()));
  for (pugi::xml_attribute a : node.attributes()) {
    uint32_t attr = tree.add(idx, evtx::NodeKind::Attribute, a.name());
    tree.add(attr, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(a.value()));
  }
  for (pugi::xml_node c : node.children()) {
    switch (c.type()) {
      case pugi::node_element: whole = add_element(tree, idx, c, depth + 1) && whole; break;
      case pugi::node_pcdata:
        // Whitespace between child elements is layout, not content.
        if (whitespace_only(c.value()) &&
            (c.previous_sibling().type() == pugi::node_element || c.next_sibling().type() == pugi::node_element))
          break;
        tree.add(idx, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(c.value()));
        break;
      case pugi::node_cdata: tree.add(idx, evtx::NodeKind::Text, {}, evtx::RawValue::utf8(c.value())); break;
      case pugi::node_pi: tree.add(idx, evtx::NodeKind::PI, c.name(), evtx::RawValue::utf8(c.value())); break;
      default: break;
    }
  }
  return whole;
}

// UTF-16 without a byte order mark, told by the zero bytes of its ASCII
// characters in the first 512 bytes: 1 little-endian, 2 big-endian, 0 not.
int bomless_utf16_order(const char* head, size_t n) {
  n = std::min<size_t>(n, 512);
  if (n < 4) return 0;
  size_t zeros[2] = {0, 0};
  for (size_t i = 0; i < n; ++i)
    if (head[i] == 0) ++zeros[i % 2];
  // Mostly ASCII: many zero high bytes (all of them in a short text), none in the low ones.
  auto many = [&](size_t z) { return z > 32 || z * 2 + 1 >= n; };
  if (zeros[0] == 0 && many(zeros[1])) return 1;
  if (zeros[1] == 0 && many(zeros[0])) return 2;
  return 0;
}

// UTF-16 (with or without BOM) to UTF-8; anything else is returned as is.
std::string as_utf8(const std::string& bytes) {
  size_t n = bytes.size();
  bool le = n >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF && static_cast<unsigned char>(bytes[1]) == 0xFE;
  bool be = n >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFE && static_cast<unsigned char>(bytes[1]) == 0xFF;
  size_t start = (le || be) ? 2 : 0;
  if (!le && !be) {
    int order = bomless_utf16_order(bytes.data(), n);
    if (order == 0) return bytes;
    le = order == 1;
    be = order == 2;
  }
  std::string out;
  for (size_t i = start; i + 1 < n;) {
    auto unit = [&](size_t at) {
      unsigned char a = static_cast<unsigned char>(bytes[at]), b = static_cast<unsigned char>(bytes[at + 1]);
      return le ? static_cast<uint32_t>(a | (b << 8)) : static_cast<uint32_t>((a << 8) | b);
    };
    uint32_t cp = unit(i);
    i += 2;
    if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && unit(i) >= 0xDC00 && unit(i) < 0xE000) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (unit(i) - 0xDC00);
      i += 2;
    } else if (cp >= 0xD800 && cp < 0xE000) {
      cp = 0xFFFD;
    }
    if (cp < 0x80)
      out += static_cast<char>(cp);
    else if (cp < 0x800)
      (out += static_cast<char>(0xC0 | (cp >> 6))) += static_cast<char>(0x80 | (cp & 0x3F));
    else if (cp < 0x10000)
      ((out += static_cast<char>(0xE0 | (cp >> 12))) += static_cast<char>(0x80 | ((cp >> 6) & 0x3F))) +=
          static_cast<char>(0x80 | (cp & 0x3F));
    else
      (((out += static_cast<char>(0xF0 | (cp >> 18))) += static_cast<char>(0x80 | ((cp >> 12) & 0x3F))) +=
       static_cast<char>(0x80 | ((cp >> 6) & 0x3F))) += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// Valid UTF-8 is returned as it is; in anything else each byte that does not
// start a well-formed sequence (RFC 3629: no overlongs, surrogates or values
// past U+10FFFF) becomes U+FFFD, as unpaired surrogates of EVTX strings do, so
// no output ever carries invalid UTF-8 from an export.
std::string valid_utf8(std::string text) {
  auto sequence = [&](size_t i) -> size_t {  // length of the valid sequence at i, 0 if none
    auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > text.size()) return 0;
    for (size_t k = 1; k < len; ++k)
      if ((b(i + k) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(i + 1) > 0x9F) return 0;  // surrogate
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(i + 1) > 0x8F) return 0;  // past U+10FFFF
    return len;
  };
  size_t i = 0;
  while (i < text.size()) {
    size_t n = sequence(i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return text;
  std::string out(text, 0, i);
  while (i < text.size()) {
    size_t n = sequence(i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text, i, n);
      i += n;
    }
  }
  return out;
}

// The end of the last closing </Event> (or </prefix:Event>) tag, or npos.
size_t end_of_last_event(const std::string& xml) {
  for (size_t at = xml.rfind("Event>"); at != std::string::npos && at > 0; at = xml.rfind("Event>", at - 1)) {
    size_t lt = xml.rfind('<', at);
    if (lt == std::string::npos || lt + 1 >= xml.size() || xml[lt + 1] != '/') continue;
    std::string_view name(xml.data() + lt + 2, at + 5 - lt - 2);
    if (name == "Event" || (name.size() > 6 && name[name.size() - 6] == ':')) return at + 6;
    if (at == 0) break;
  }
  return std::string::npos;
}

}  // namespace

struct EventXmlDocument::Impl {
  pugi::xml_document doc;
  std::vector<pugi::xml_node> events;
  std::string name;
  std::string warning;
  std::string text;  // the document's UTF-8 text while it is parsed, and when it had to be cut

  // The document's text as UTF-8 (UTF-16 converted whether or not it has a
  // BOM, a UTF-8 BOM dropped, invalid UTF-8 replaced), kept in `text` and parsed.
  pugi::xml_parse_result parse_text(const std::string& bytes) {
    std::string utf8 = as_utf8(bytes);
    if (utf8.size() >= 3 && utf8.compare(0, 3, "\xEF\xBB\xBF") == 0) utf8.erase(0, 3);
    text = valid_utf8(std::move(utf8));
    return doc.load_buffer(text.data(), text.size(), kParseOptions, pugi::encoding_utf8);
  }

  void check(const pugi::xml_parse_result& r) {
    if (!r) throw std::runtime_error(name + ": not XML: " + r.description() + " at offset " + std::to_string(r.offset));
    collect();
  }

  // <Event> elements at top level, or one level down (the <Events> root of an
  // Event Viewer export, in whatever namespace).
  void collect() {
    for (pugi::xml_node top : doc.children()) {
      if (top.type() != pugi::node_element) continue;
      if (local_name(top.name()) == "Event") {
        events.push_back(top);
        continue;
      }
      for (pugi::xml_node c : top.children())
        if (c.type() == pugi::node_element && local_name(c.name()) == "Event") events.push_back(c);
    }
    if (events.empty()) throw std::runtime_error(name + ": no <Event> element");
  }
};

EventXmlDocument::EventXmlDocument() : impl_(std::make_unique<Impl>()) {}
EventXmlDocument::EventXmlDocument(EventXmlDocument&&) noexcept = default;
EventXmlDocument& EventXmlDocument::operator=(EventXmlDocument&&) noexcept = default;
EventXmlDocument::~EventXmlDocument() = default;

EventXmlDocument EventXmlDocument::load_file(const std::filesystem::path& path) {
  EventXmlDocument d;
  d.impl_->name = path.string();
  std::string why;
  std::optional<std::string> read = io::read_file(path, SIZE_MAX, &why);
  if (!read) throw std::runtime_error(d.impl_->name + ": " + why);
  std::string bytes = std::move(*read);
  pugi::xml_parse_result r = d.impl_->parse_text(bytes);
  bytes = std::string();
  if (r.status == pugi::status_out_of_memory) throw std::runtime_error(d.impl_->name + ": out of memory");
  if (!r) {
    // An export cut short (a copy interrupted, a disk full): its complete
    // events are evidence. Parse the text up to the last </Event>.
    Impl& im = *d.impl_;
    std::string text = im.text;
    for (int attempt = 0; attempt < 3; ++attempt) {
      size_t cut = end_of_last_event(text);
      if (cut == std::string::npos) break;
      text.resize(cut);
      im.text = text;
      im.doc.reset();
      im.events.clear();
      pugi::xml_parse_result again =
          im.doc.load_buffer_inplace(im.text.data(), im.text.size(), kParseOptions, pugi::encoding_utf8);
      // The <Events> root is left open by the cut: an error at the very end is expected.
      if (!again && static_cast<size_t>(again.offset) + 1 < im.text.size()) {
        text.resize(static_cast<size_t>(again.offset));  // damage before the cut: look before it
        continue;
      }
      try {
        im.collect();
      } catch (const std::runtime_error&) {
        break;
      }
      im.warning = "not well-formed XML (" + std::string(r.description()) + " at offset " + std::to_string(r.offset) +
                   "): read the " + std::to_string(im.events.size()) + " complete events before it";
      return d;
    }
  }
  d.impl_->text = std::string();  // pugixml holds its own copy
  d.impl_->check(r);
  return d;
}

const std::string& EventXmlDocument::warning() const { return impl_->warning; }

EventXmlDocument EventXmlDocument::load_string(std::string_view xml, const std::string& name) {
  EventXmlDocument d;
  d.impl_->name = name;
  pugi::xml_parse_result r = d.impl_->parse_text(std::string(xml));
  d.impl_->text = std::string();
  d.impl_->check(r);
  return d;
}

size_t EventXmlDocument::size() const { return impl_->events.size(); }

bool EventXmlDocument::event_tree(size_t i, evtx::EventTree& tree) const {
  tree.clear();
  return add_element(tree, evtx::kNoNode, impl_->events.at(i), 0);
}

}  // namespace xml
