// xml::EventXmlDocument: XML event exports (and libevtx's rendering) into
// the shared event tree and record model.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

#include "evtx/record.h"
#include "evtx/render.h"
#include "xml/event_xml.h"

namespace {

// Event Viewer "Save as XML": an <Events> root in the event namespace.
const char* kExport = R"(<?xml version="1.0" encoding="utf-8"?>
<Events xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
    <System>
      <Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>
      <EventID>1</EventID>
      <Version>5</Version>
      <Level>4</Level>
      <Task>1</Task>
      <Opcode>0</Opcode>
      <Keywords>0x8000000000000000</Keywords>
      <TimeCreated SystemTime="2019-03-19T23:38:45.123456700Z"/>
      <EventRecordID>4711</EventRecordID>
      <Correlation/>
      <Execution ProcessID="1996" ThreadID="2584"/>
      <Channel>Microsoft-Windows-Sysmon/Operational</Channel>
      <Computer>WIN10.corp.local</Computer>
      <Security UserID="S-1-5-18"/>
    </System>
    <EventData>
      <Data Name="UtcTime">2019-03-19 23:38:45.120</Data>
      <Data Name="ProcessId">4242</Data>
      <Data Name="Image">C:\Windows\System32\mmc.exe</Data>
      <Data Name="CommandLine">"C:\Windows\system32\mmc.exe" -Embedding &amp; more &lt;x&gt;</Data>
      <Data Name="Empty"></Data>
      <Data Name="Spaces">  </Data>
    </EventData>
  </Event>
  <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
    <System>
      <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>
      <EventID Qualifiers="0">4688</EventID>
      <Execution ProcessID="4" ThreadID="80"/>
      <EventRecordID>4712</EventRecordID>
      <Channel>Security</Channel>
      <Computer>WIN10</Computer>
    </System>
    <EventData>
      <Data Name="NewProcessId">0x1a4</Data>
      <Data Name="NewProcessName"><![CDATA[C:\Windows\cmd.exe]]></Data>
    </EventData>
  </Event>
</Events>
)";

evtx::Record record_of(const xml::EventXmlDocument& doc, size_t i) {
  evtx::EventTree tree;
  doc.event_tree(i, tree);
  evtx::Record rec;
  record_from_tree(tree, rec);
  return rec;
}

std::string data(const evtx::Record& rec, std::string_view name) {
  const evtx::TypedValue* v = rec.find(name);
  return v ? v->text : std::string("<missing>");
}

// UTF-16LE bytes of a UTF-8 string (BMP only, enough for these tests).
std::string to_utf16le(const std::string& s, bool bom) {
  std::string out;
  if (bom) out += "\xff\xfe";
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if ((c & 0xe0) == 0xc0) {
      cp = (c & 0x1fu) << 6 | (s[i + 1] & 0x3fu);
      i += 2;
    } else {
      cp = (c & 0x0fu) << 12 | (s[i + 1] & 0x3fu) << 6 | (s[i + 2] & 0x3fu);
      i += 3;
    }
    out += static_cast<char>(cp & 0xff);
    out += static_cast<char>(cp >> 8);
  }
  return out;
}

TEST(EventXml, EventsExportWithTwoEvents) {
  auto doc = xml::EventXmlDocument::load_string(kExport, "export.xml");
  ASSERT_EQ(doc.size(), 2u);

  evtx::Record a = record_of(doc, 0);
  EXPECT_EQ(a.provider_name, "Microsoft-Windows-Sysmon");
  EXPECT_EQ(a.provider_guid, "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
  EXPECT_EQ(a.event_id, 1);
  EXPECT_EQ(a.version, 5);
  EXPECT_EQ(a.level, 4);
  EXPECT_EQ(a.task, 1);
  EXPECT_EQ(a.keywords, 0x8000000000000000ull);
  EXPECT_EQ(evtx::filetime_iso(a.time_created), "2019-03-19T23:38:45.1234567Z");
  EXPECT_EQ(a.process_id, 1996u);
  EXPECT_EQ(a.thread_id, 2584u);
  EXPECT_EQ(a.channel, "Microsoft-Windows-Sysmon/Operational");
  EXPECT_EQ(a.computer, "WIN10.corp.local");
  EXPECT_EQ(a.user_id, "S-1-5-18");
  EXPECT_FALSE(a.qualifiers.has_value());
  ASSERT_EQ(a.data_kind, evtx::Record::DataKind::EventData);
  ASSERT_EQ(a.data.size(), 6u);
  EXPECT_EQ(a.data[0].name, "UtcTime");
  EXPECT_EQ(a.data[0].value.text, "2019-03-19 23:38:45.120");
  EXPECT_EQ(a.data[0].value.type, evtx::ValueType::Utf8);
  EXPECT_EQ(data(a, "ProcessId"), "4242");
  EXPECT_EQ(data(a, "Image"), "C:\\Windows\\System32\\mmc.exe");
  EXPECT_EQ(data(a, "CommandLine"), "\"C:\\Windows\\system32\\mmc.exe\" -Embedding & more <x>");
  EXPECT_EQ(data(a, "Empty"), "");
  EXPECT_EQ(data(a, "Spaces"), "  ");  // a value, not layout

  evtx::Record b = record_of(doc, 1);
  EXPECT_EQ(b.event_id, 4688);
  ASSERT_TRUE(b.qualifiers.has_value());
  EXPECT_EQ(*b.qualifiers, 0);
  EXPECT_EQ(b.computer, "WIN10");
  EXPECT_EQ(data(b, "NewProcessId"), "0x1a4");
  EXPECT_EQ(data(b, "NewProcessName"), "C:\\Windows\\cmd.exe");
}

TEST(EventXml, TreeShape) {
  auto doc = xml::EventXmlDocument::load_string(kExport, "export.xml");
  evtx::EventTree t;
  doc.event_tree(1, t);
  uint32_t ev = t.root_element();
  ASSERT_NE(ev, evtx::kNoNode);
  EXPECT_EQ(t[ev].name, "Event");
  // xmlns is kept as an attribute, as the native reader keeps it.
  uint32_t ns = t.attribute(ev, "xmlns");
  ASSERT_NE(ns, evtx::kNoNode);
  ASSERT_NE(t[ns].first_child, evtx::kNoNode);
  EXPECT_EQ(t[t[ns].first_child].kind, evtx::NodeKind::Text);
  EXPECT_EQ(t[t[ns].first_child].value.base_type(), evtx::ValueType::Utf8);
  // No whitespace text between elements.
  for (uint32_t c = t[ev].first_child; c != evtx::kNoNode; c = t[c].next_sibling)
    EXPECT_NE(t[c].kind, evtx::NodeKind::Text);
  uint32_t sys = t.child(ev, "System");
  for (uint32_t c = t[sys].first_child; c != evtx::kNoNode; c = t[c].next_sibling)
    EXPECT_EQ(t[c].kind, evtx::NodeKind::Element);
  // Filling again clears the tree first.
  size_t n = t.size();
  doc.event_tree(1, t);
  EXPECT_EQ(t.size(), n);
}

TEST(EventXml, BareEventElements) {
  // wevtutil qe /f:xml: events one after another, no root, no declaration.
  const char* xml =
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4624</EventID>"
      "<EventRecordID>1</EventRecordID><Computer>DC01</Computer></System>"
      "<EventData><Data Name='LogonType'>3</Data></EventData></Event>\r\n"
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4625</EventID>"
      "<EventRecordID>2</EventRecordID><Computer>DC01</Computer></System>"
      "<EventData><Data Name='LogonType'>10</Data></EventData></Event>\r\n"
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4634</EventID>"
      "<Computer>DC02</Computer></System><UserData><LogoffEvent xmlns='urn:x'><TargetUserName>bob</TargetUserName>"
      "</LogoffEvent></UserData></Event>\r\n";
  auto doc = xml::EventXmlDocument::load_string(xml, "bare.xml");
  ASSERT_EQ(doc.size(), 3u);
  evtx::Record r0 = record_of(doc, 0), r1 = record_of(doc, 1), r2 = record_of(doc, 2);
  EXPECT_EQ(r0.event_id, 4624);
  EXPECT_EQ(data(r0, "LogonType"), "3");
  EXPECT_EQ(r1.event_id, 4625);
  EXPECT_EQ(data(r1, "LogonType"), "10");
  EXPECT_EQ(r2.computer, "DC02");
  EXPECT_EQ(r2.data_kind, evtx::Record::DataKind::UserData);
  EXPECT_EQ(data(r2, "TargetUserName"), "bob");
}

TEST(EventXml, PrefixedNamespace) {
  const char* xml =
      "<e:Events xmlns:e='http://schemas.microsoft.com/win/2004/08/events/event'>"
      "<e:Event><e:System><e:EventID>7</e:EventID></e:System></e:Event></e:Events>";
  auto doc = xml::EventXmlDocument::load_string(xml, "prefixed.xml");
  ASSERT_EQ(doc.size(), 1u);
  EXPECT_EQ(record_of(doc, 0).event_id, 7);
}

TEST(EventXml, Utf16WithAndWithoutBom) {
  std::string utf8 =
      "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Events><Event><System><EventID>4104</EventID>"
      "<Computer>H\xc3\xa9l\xc3\xa8ne-PC</Computer></System>"
      "<EventData><Data Name=\"ScriptBlockText\">Write-Host \xe2\x82\xac</Data></EventData></Event></Events>";
  for (bool bom : {true, false}) {
    SCOPED_TRACE(bom ? "with BOM" : "without BOM");
    auto doc = xml::EventXmlDocument::load_string(to_utf16le(utf8, bom), "utf16.xml");
    ASSERT_EQ(doc.size(), 1u);
    evtx::Record r = record_of(doc, 0);
    EXPECT_EQ(r.event_id, 4104);
    EXPECT_EQ(r.computer, "H\xc3\xa9l\xc3\xa8ne-PC");
    EXPECT_EQ(data(r, "ScriptBlockText"), "Write-Host \xe2\x82\xac");
  }
}

TEST(EventXml, ValuesKeptByteForByte) {
  // Line ends inside values stay as they are (the BinXML value has CR LF).
  auto doc = xml::EventXmlDocument::load_string(
      "<Event><EventData><Data Name=\"M\">a\r\nb</Data><Data Name=\"T\">x\ty</Data></EventData></Event>", "crlf.xml");
  evtx::Record r = record_of(doc, 0);
  EXPECT_EQ(data(r, "M"), "a\r\nb");
  EXPECT_EQ(data(r, "T"), "x\ty");
}

TEST(EventXml, RendersBackToXml) {
  auto doc = xml::EventXmlDocument::load_string(
      "<Event xmlns=\"urn:e\"><System><EventID>1</EventID></System>"
      "<EventData><Data Name=\"A\">x &amp; y</Data></EventData></Event>",
      "r.xml");
  evtx::EventTree t;
  doc.event_tree(0, t);
  std::string out;
  evtx::render_xml(t, out);
  EXPECT_NE(out.find("<Data Name=\"A\">x &amp; y</Data>"), std::string::npos) << out;
  EXPECT_NE(out.find("<EventID>1</EventID>"), std::string::npos) << out;
}

TEST(EventXml, MalformedDocumentNamesTheFile) {
  try {
    xml::EventXmlDocument::load_string("<Events><Event><System></Event></Events>", "broken.xml");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_EQ(what.rfind("broken.xml: not XML: ", 0), 0u) << what;
    EXPECT_NE(what.find("at offset "), std::string::npos) << what;
  }
}

TEST(EventXml, NoEventElement) {
  for (const char* xml : {"<Events></Events>", "", "just text", "<Root><Other/></Root>"}) {
    try {
      xml::EventXmlDocument::load_string(xml, "empty.xml");
      ADD_FAILURE() << "no error for " << xml;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "empty.xml: no <Event> element");
    }
  }
}

// A UTF-16 export without a BOM that starts with whitespace (a line break, as
// some tools write): read, not skipped. Regression test: pugixml only
// recognises BOM-less UTF-16 when '<' comes first, and the file was read as
// garbage ("no <Event> element").
TEST(EventXml, Utf16FileWithoutBomStartingWithWhitespace) {
  auto dir = std::filesystem::temp_directory_path() / ("evtxhunt_event_xml16_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string utf8 =
      "\r\n  <Events><Event><System><EventID>4104</EventID><Computer>H\xc3\xa9l\xc3\xa8ne-PC</Computer>"
      "</System></Event></Events>";
  for (bool big_endian : {false, true}) {
    SCOPED_TRACE(big_endian ? "UTF-16BE" : "UTF-16LE");
    std::string bytes = to_utf16le(utf8, false);
    if (big_endian)
      for (size_t i = 0; i + 1 < bytes.size(); i += 2) std::swap(bytes[i], bytes[i + 1]);
    auto path = dir / "export16.xml";
    std::ofstream(path, std::ios::binary) << bytes;
    auto doc = xml::EventXmlDocument::load_file(path);
    ASSERT_EQ(doc.size(), 1u);
    EXPECT_EQ(record_of(doc, 0).computer, "H\xc3\xa9l\xc3\xa8ne-PC");
  }
  std::filesystem::remove_all(dir);
}

TEST(EventXml, LoadFile) {
  auto dir = std::filesystem::temp_directory_path() / ("evtxhunt_event_xml_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto good = dir / "export.xml";
  { std::ofstream(good, std::ios::binary) << kExport; }
  auto doc = xml::EventXmlDocument::load_file(good);
  EXPECT_EQ(doc.size(), 2u);
  EXPECT_EQ(record_of(doc, 1).event_id, 4688);

  auto bad = dir / "bad.xml";
  { std::ofstream(bad, std::ios::binary) << "<Events><Event>"; }
  try {
    xml::EventXmlDocument::load_file(bad);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(bad.string() + ": not XML: "), std::string::npos) << e.what();
  }
  try {
    xml::EventXmlDocument::load_file(dir / "missing.xml");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.xml: cannot open"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(EventXml, MovedDocumentKeepsValues) {
  auto doc = xml::EventXmlDocument::load_string(kExport, "export.xml");
  xml::EventXmlDocument moved = std::move(doc);
  evtx::Record r = record_of(moved, 0);
  EXPECT_EQ(data(r, "ProcessId"), "4242");
}

}  // namespace
