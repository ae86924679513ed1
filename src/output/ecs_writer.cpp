// ECS output: an ordered JSON writer (JsonOut; LazyObject leaves out an object with no known
// member) and the two documents. append_normalized() maps the normalized columns to process.*
// and process.parent.*, user.*, source.* / destination.* (swapped for an inbound connection, an
// address written only when inet_pton takes it) and network.transport; rule tags give
// threat.technique.id and threat.tactic.name. Every string goes through append_json_string.
// Called by event_row.cpp and finding_writer.cpp for --format ecs.
#include "output/ecs_writer.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "evtx/value.h"
#include "pipeline/event_writer.h"
#include "text/ascii_case.h"

namespace output {
namespace {

using normalize::Field;
using normalize::FieldValue;

// Nested JSON objects written in order: open("process") ... close(); a member
// gets its comma from the object it is in.
class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {
    out_ += '{';
    first_.push_back(true);
  }
  void key(std::string_view k) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    evtx::append_json_string(out_, k);
    out_ += ':';
  }
  void string(std::string_view k, std::string_view v) {
    key(k);
    evtx::append_json_string(out_, v);
  }
  void number(std::string_view k, int64_t v) {
    key(k);
    out_ += std::to_string(v);
  }
  void strings(std::string_view k, const std::vector<std::string>& v) {
    key(k);
    out_ += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out_ += ',';
      evtx::append_json_string(out_, v[i]);
    }
    out_ += ']';
  }
  void open(std::string_view k) {
    key(k);
    out_ += '{';
    first_.push_back(true);
  }
  void close() {
    out_ += '}';
    first_.pop_back();
  }
  std::string& raw() { return out_; }
  void end() {
    close();
    out_ += '\n';
  }

 private:
  std::string& out_;
  std::vector<bool> first_;
};

// Opens `name` before its first member and closes it at the end, so that an
// object with no known value is not written.
class LazyObject {
 public:
  LazyObject(JsonOut& j, std::string_view name) : j_(j), name_(name) {}
  ~LazyObject() {
    if (opened_) j_.close();
  }
  JsonOut& operator()() {
    if (!opened_) j_.open(name_);
    opened_ = true;
    return j_;
  }

 private:
  JsonOut& j_;
  std::string_view name_;
  bool opened_ = false;
};

const FieldValue* known(const normalize::NormalizedEvent* ev, Field f) {
  if (!ev || !(*ev)[f].known()) return nullptr;
  return &(*ev)[f];
}

void put_text(LazyObject& o, std::string_view key, const normalize::NormalizedEvent* ev, Field f) {
  if (const FieldValue* v = known(ev, f); v && !pipeline::field_text(*v).empty())
    o().string(key, pipeline::field_text(*v));
}

void put_number(LazyObject& o, std::string_view key, const normalize::NormalizedEvent* ev, Field f) {
  if (const FieldValue* v = known(ev, f); v && v->kind == FieldValue::Kind::Int) o().number(key, v->i);
}

// An address Elasticsearch's ip type takes (a record's "-" or a name would
// fail the whole document).
bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

void put_endpoint(JsonOut& j, std::string_view name, const normalize::NormalizedEvent* ev, Field ip, Field port) {
  LazyObject o(j, name);
  if (const FieldValue* v = known(ev, ip); v && is_ip(v->s)) o().string("ip", v->s);
  put_number(o, "port", ev, port);
}

// The normalized columns as ECS: the process (for a connection, the process
// that made or took it: Defender's initiating process), its parent, the
// account, the two ends (source: who opened the connection) and transport.
void append_normalized(JsonOut& j, const normalize::NormalizedEvent* ev) {
  if (!ev) return;
  bool network = ev->table == normalize::Table::Network;
  {
    LazyObject process(j, "process");
    if (network) {
      put_number(process, "pid", ev, Field::InitiatingProcessId);
      put_text(process, "name", ev, Field::InitiatingProcessFileName);
      put_text(process, "executable", ev, Field::InitiatingProcessFolderPath);
      put_text(process, "command_line", ev, Field::InitiatingProcessCommandLine);
    } else {
      put_number(process, "pid", ev, Field::ProcessId);
      put_text(process, "name", ev, Field::FileName);
      put_text(process, "executable", ev, Field::FolderPath);
      put_text(process, "command_line", ev, Field::ProcessCommandLine);
      if (known(ev, Field::InitiatingProcessId) || known(ev, Field::InitiatingProcessFileName)) {
        LazyObject parent(process(), "parent");
        put_number(parent, "pid", ev, Field::InitiatingProcessId);
        put_text(parent, "name", ev, Field::InitiatingProcessFileName);
        put_text(parent, "executable", ev, Field::InitiatingProcessFolderPath);
        put_text(parent, "command_line", ev, Field::InitiatingProcessCommandLine);
      }
    }
  }
  {
    LazyObject user(j, "user");
    put_text(user, "name", ev, network ? Field::InitiatingProcessAccountName : Field::AccountName);
    put_text(user, "domain", ev, network ? Field::InitiatingProcessAccountDomain : Field::AccountDomain);
  }
  if (network) {
    const FieldValue* action = known(ev, Field::ActionType);
    bool inbound = action && action->s == normalize::kInboundConnectionAccepted;
    put_endpoint(j, "source", ev, inbound ? Field::RemoteIP : Field::LocalIP,
                 inbound ? Field::RemotePort : Field::LocalPort);
    put_endpoint(j, "destination", ev, inbound ? Field::LocalIP : Field::RemoteIP,
                 inbound ? Field::LocalPort : Field::RemotePort);
    if (const FieldValue* p = known(ev, Field::Protocol)) {
      j.open("network");
      j.string("transport", text::lowered(pipeline::field_text(*p)));
      j.close();
    }
  } else if (ev->table == normalize::Table::Logon) {
    put_endpoint(j, "source", ev, Field::RemoteIP, Field::RemotePort);
  }
}

// ATT&CK ids and tactics of a rule's tags: attack.t1021.003 -> T1021.003,
// attack.lateral-movement -> lateral-movement (Sigma's tag convention).
void attack_of(const std::vector<std::string>& tags, std::vector<std::string>& techniques,
               std::vector<std::string>& tactics) {
  for (const std::string& t : tags) {
    if (t.size() <= 7 || t.compare(0, 7, "attack.") != 0) continue;
    std::string rest = t.substr(7);
    if (rest.size() > 1 && (rest[0] == 't' || rest[0] == 'T') && std::isdigit(static_cast<unsigned char>(rest[1]))) {
      text::upper_in_place(rest);
      techniques.push_back(rest);
    } else if (!rest.empty() && std::isalpha(static_cast<unsigned char>(rest[0])) &&
               !(rest.size() > 1 && (rest[0] == 'g' || rest[0] == 's') &&
                 std::isdigit(static_cast<unsigned char>(rest[1])))) {  // not a group or software id
      tactics.push_back(rest);
    }
  }
}

void append_threat(JsonOut& j, const std::vector<std::string>& tags) {
  std::vector<std::string> techniques, tactics;
  attack_of(tags, techniques, tactics);
  if (techniques.empty() && tactics.empty()) return;
  j.open("threat");
  j.string("framework", "MITRE ATT&CK");
  if (!techniques.empty()) {
    j.open("technique");
    j.strings("id", techniques);
    j.close();
  }
  if (!tactics.empty()) {
    j.open("tactic");
    j.strings("name", tactics);
    j.close();
  }
  j.close();
}

std::string time_text(normalize::Ticks t) {
  std::string s;
  append_time(s, t);
  return s;
}

}  // namespace

int ecs_severity(rules::Level level) {
  switch (level) {
    case rules::Level::Informational: return 1;
    case rules::Level::Low: return 21;
    case rules::Level::Medium: return 47;
    case rules::Level::High: return 73;
    case rules::Level::Critical: return 99;
  }
  return 0;
}

void append_ecs_event(std::string& out, const EventRow& r) {
  const store::EventView& v = *r.view;
  JsonOut j(out);
  j.string("@timestamp", time_text(r.timestamp));
  j.string("message", details_text(v));
  j.open("event");
  j.string("kind", "event");
  j.string("code", std::to_string(v.header().event_id));
  j.string("provider", v.provider());
  if (const FieldValue* action = known(r.norm, Field::ActionType)) j.string("action", action->s);
  j.close();
  if (std::string level = record_level(v); !level.empty()) {
    j.open("log");
    j.string("level", text::lowered(level));
    j.close();
  }
  j.open("host");
  j.string("name", v.computer());
  j.close();
  append_normalized(j, r.norm);
  std::vector<std::string> tags;
  for (const RowTag* t : r.tags)
    for (const std::string& tag : t->tags)
      if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(tag);
  if (r.matched) tags.push_back("search");
  if (!tags.empty()) j.strings("tags", tags);
  j.open("winlog");
  j.string("channel", v.channel());
  j.string("computer_name", v.computer());
  j.string("provider_name", v.provider());
  j.string("event_id", std::to_string(v.header().event_id));
  j.string("record_id", std::to_string(v.header().record_id));
  {
    // Winlogbeat's event_data: every data field as text; an unnamed one is
    // "Data", a repeated name gets _1, _2 (dump's convention).
    LazyObject data(j, "event_data");
    std::vector<std::string> seen;
    v.for_each_data([&](std::string_view name, const evtx::RawValue& value) {
      std::string key(name.empty() ? "Data" : name);
      size_t n = static_cast<size_t>(std::count(seen.begin(), seen.end(), key));
      seen.push_back(key);
      if (n) key += "_" + std::to_string(n);
      std::string text;
      evtx::append_value_text(text, value);
      data().string(key, text);
    });
  }
  j.close();
  j.open("evtxhunt");
  j.string("source_file", r.source_file);
  if (r.matched) j.strings("matched", *r.matched);
  if (!r.tags.empty()) {
    j.key("findings");
    j.raw() += '[';
    for (size_t i = 0; i < r.tags.size(); ++i) {
      if (i) j.raw() += ',';
      std::string one;
      JsonOut f(one);
      f.string("rule_id", r.tags[i]->rule_id);
      f.string("title", r.tags[i]->title);
      f.string("level", rules::level_name(r.tags[i]->level));
      f.close();
      j.raw() += one;
    }
    j.raw() += ']';
  }
  j.close();
  j.end();
}

void append_ecs_finding(std::string& out, const replay::Finding& f) {
  const normalize::NormalizedEvent* first = f.evidence.empty() ? nullptr : f.evidence[0].event.get();
  JsonOut j(out);
  j.string("@timestamp", time_text(f.timestamp));
  std::string message = "[" + std::string(rules::level_name(f.level)) + "] " + f.title + " on " + f.device_name;
  if (!f.evidence.empty() && !f.evidence[0].details.empty()) {
    message += ":";
    for (const auto& [name, value] : f.evidence[0].details) message += " " + name + "=" + value;
  }
  j.string("message", message);
  j.open("event");
  j.string("kind", "alert");
  j.strings("category", {"intrusion_detection"});
  j.number("severity", ecs_severity(f.level));
  if (first) {
    j.string("code", std::to_string((*first)[Field::EventID].i));
    if (const FieldValue* action = known(first, Field::ActionType)) j.string("action", action->s);
  }
  j.close();
  j.open("rule");
  j.string("id", f.rule_id);
  j.string("name", f.title);
  j.close();
  append_threat(j, f.tags);
  if (!f.tags.empty()) j.strings("tags", f.tags);
  j.open("host");
  j.string("name", f.device_name);
  j.close();
  append_normalized(j, first);
  j.open("evtxhunt");
  j.string("level", rules::level_name(f.level));
  j.string("confidence", f.confidence());
  if (!f.assumptions.empty()) j.strings("assumptions", f.assumptions);
  if (!f.notes.empty()) j.strings("notes", f.notes);
  j.key("evidence");
  j.raw() += '[';
  for (size_t i = 0; i < f.evidence.size(); ++i) {
    const normalize::NormalizedEvent& ev = *f.evidence[i].event;
    if (i) j.raw() += ',';
    std::string one;
    JsonOut e(one);
    e.string("stage", f.evidence[i].stage);
    e.string("timestamp", time_text(ev.timestamp()));
    e.string("source_file", ev[Field::SourceFile].s);
    e.number("record_id", ev[Field::EventRecordID].i);
    e.number("event_id", ev[Field::EventID].i);
    if (!f.evidence[i].details.empty()) {
      e.open("details");
      for (const auto& [name, value] : f.evidence[i].details) e.string(name, value);
      e.close();
    }
    e.close();
    j.raw() += one;
  }
  j.raw() += ']';
  j.close();
  j.end();
}

}  // namespace output
