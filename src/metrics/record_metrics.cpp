// The metrics observer. Per chunk or XML file (a ChunkPart): counts by computer, channel,
// provider and event id, each log's (EventRecordID, time) points compared record to record, and
// the integrity events with their key fields. take() merges the parts per file; finish() orders
// a log's runs by record id (a log that wrapped) and checks where they meet, folds computer names
// into host keys, applies the filter and writes each issue's details. At most list_cap issues
// are listed per file and kind, the rest counted. Used by `evtxhunt metrics` and the report.
#include "metrics/record_metrics.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <unordered_map>

#include "details/key_fields.h"
#include "normalize/hosts.h"
#include "normalize/record_access.h"
#include "output/format.h"
#include "text/glob.h"

namespace metrics {
namespace {

// A record as the sequence checks see it: its EventRecordID and time.
struct Point {
  uint64_t id = 0;
  normalize::Ticks time = 0;
};

// One log's records in a chunk (or, at the end, in a file): the run from the
// first to the last, in the order read.
struct Run {
  Point first, last;
  uint64_t records = 0;
};

// A log within a file: its computer name as written and its channel.
using LogKey = std::pair<std::string, std::string>;

// Issues of each kind (IssueKind) and the ids missing in gaps.
constexpr size_t kKinds = 5;  // IssueKind's values

struct Counters {
  std::array<uint64_t, kKinds> kinds{};
  uint64_t missing = 0;
};

size_t kind_index(IssueKind k) { return static_cast<size_t>(k); }

// "3 h 12 min", "45 s": a duration a reader takes in at a glance.
std::string duration_text(normalize::Ticks t) {
  int64_t s = t / normalize::kTicksPerSecond;
  if (s < 1) return "less than 1 s";
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 2 * 86400) return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
  return std::to_string(s / 86400) + " d " + std::to_string(s / 3600 % 24) + " h";
}

std::string record_text(uint64_t id, normalize::Ticks t) {
  std::string out = "#";  // not "#" + ...: a false -Wrestrict of g++ 12
  out += std::to_string(id);
  return out += t ? " (" + output::format_time(t) + ")" : " (no time)";
}

// Providers buffer their events: a record dated less than this before the one
// written before it is the normal jitter of a log, not reported.
constexpr normalize::Ticks kOrderTolerance = normalize::kTicksPerSecond;

// b follows a in record-id order in the log `log`: what is wrong between
// them, if anything.
void compare(const Point& a, const Point& b, const LogKey& log, const MetricsOptions& o, std::vector<Issue>& out) {
  auto issue = [&](IssueKind kind) -> Issue& {
    Issue& i = out.emplace_back();
    i.kind = kind;
    i.host = log.first;
    i.channel = log.second;
    i.record = b.id;
    i.time = b.time;
    i.before_record = a.id;
    i.before_time = a.time;
    return i;
  };
  if (b.id != a.id + 1) {
    Issue& i = issue(b.id > a.id ? IssueKind::RecordGap : IssueKind::RecordIdOrder);
    if (b.id > a.id) i.missing = b.id - a.id - 1;
  }
  if (a.time == 0 || b.time == 0) return;
  // Times are >= 0 (FILETIMEs, clamped): the differences cannot overflow.
  if (b.time < a.time) {
    if (a.time - b.time >= kOrderTolerance) issue(IssueKind::TimeOrder);
    return;
  }
  if (b.time - a.time > o.gap) issue(IssueKind::TimeGap);
}

std::string details_text(const Issue& i, const pipeline::FileInfo* file) {
  switch (i.kind) {
    case IssueKind::RecordGap: {
      std::string s =
          (i.missing == 1 ? "record #" + std::to_string(i.before_record + 1)
                          : "records #" + std::to_string(i.before_record + 1) + "-#" + std::to_string(i.record - 1)) +
          " missing (" + std::to_string(i.missing) + ") between " + record_text(i.before_record, i.before_time) +
          " and " + record_text(i.record, i.time);
      if (file && (file->damaged_records || file->chunks_skipped))
        s += "; the file has " + std::to_string(file->damaged_records) + " unreadable records and " +
             std::to_string(file->chunks_skipped) + " unreadable chunks: the gap may be damage";
      return s;
    }
    case IssueKind::RecordIdOrder:
      return "record #" + std::to_string(i.record) + " follows #" + std::to_string(i.before_record) +
             ": record ids repeat or go back (chunks of several logs in one file?)";
    case IssueKind::TimeOrder:
      return record_text(i.record, i.time) + " is dated " + duration_text(i.before_time - i.time) + " before " +
             record_text(i.before_record, i.before_time) + ", written before it";
    case IssueKind::TimeGap:
      return "no record for " + duration_text(i.time - i.before_time) + " between " +
             record_text(i.before_record, i.before_time) + " and " + record_text(i.record, i.time);
    case IssueKind::Event: return i.details;
  }
  return "";
}

// 4719's AuditPolicyChanges as words (Microsoft's event-4719 page): the
// codes kept in parentheses. Other text is returned as is.
std::string audit_policy_changes(const std::string& codes) {
  static const std::pair<const char*, const char*> kWords[] = {{"%%8448", "Success removed"},
                                                               {"%%8449", "Success added"},
                                                               {"%%8450", "Failure removed"},
                                                               {"%%8451", "Failure added"}};
  std::string words;
  for (const auto& [code, word] : kWords)
    if (codes.find(code) != std::string::npos) (words.empty() ? words : words += ", ") += word;
  return words.empty() ? codes : words + " (" + codes + ")";
}

// An integrity event's key fields, "Name: value" (details/key_fields).
std::string key_field_text(const normalize::RecordAccess& rec) {
  const details::KeyFields* k = details::key_fields(rec.provider(), rec.event_id());
  std::string s = k ? k->name : std::string();
  if (!k) return s;
  for (const auto* group : {&k->who, &k->what})
    for (const std::string& name : *group) {
      std::optional<std::string> v = rec.text(name);
      if (!v || v->empty() || *v == "-") continue;
      if (name == "AuditPolicyChanges") *v = audit_policy_changes(*v);
      s += s.empty() ? "" : "; ";
      s += name + ": " + *v;
    }
  return s;
}

}  // namespace

const char* Issue::kind_name() const {
  switch (kind) {
    case IssueKind::RecordGap: return "record_gap";
    case IssueKind::RecordIdOrder: return "record_id_order";
    case IssueKind::TimeOrder: return "time_order";
    case IssueKind::TimeGap: return "time_gap";
    case IssueKind::Event: return integrity_event_name(event);
  }
  return "";
}

struct MetricsObserver::ChunkPart final : Part {
  struct Counted {
    std::string computer, channel, provider;
    uint16_t event_id = 0;
    uint64_t count = 0;
    normalize::Ticks first = 0, last = 0;
  };
  std::unordered_map<std::string, Counted> counts;
  std::string key;             // scratch: the record's count key
  Counted* last = nullptr;     // the last record's count
  std::map<LogKey, Run> runs;  // EVTX: each log's run in this chunk
  Run* run = nullptr;          // the last record's
  LogKey run_key;
  std::vector<Issue> issues;  // file not set yet

  Run& run_of(const normalize::RecordAccess& rec) {
    if (!run || rec.computer() != run_key.first || rec.channel() != run_key.second) {
      run_key = {rec.computer(), rec.channel()};
      run = &runs[run_key];
    }
    return *run;
  }

  void count(const normalize::RecordAccess& rec, normalize::Ticks t) {
    // Records of a chunk mostly share the last one's key: compare its fields
    // before building a key to hash.
    if (!last || last->event_id != rec.event_id() || last->provider != rec.provider() ||
        last->channel != rec.channel() || last->computer != rec.computer()) {
      key.assign(rec.computer()).append(1, '\x1f').append(rec.channel()).append(1, '\x1f').append(rec.provider());
      key.append(1, '\x1f').append(std::to_string(rec.event_id()));
      auto [it, added] = counts.try_emplace(key);
      if (added) it->second = {rec.computer(), rec.channel(), rec.provider(), rec.event_id(), 0, t, t};
      last = &it->second;
    }
    ++last->count;
    if (t && (!last->first || t < last->first)) last->first = t;
    if (t > last->last) last->last = t;
  }
};

struct MetricsObserver::FileState {
  std::map<LogKey, std::vector<Run>> runs;  // each log's runs, one per chunk, in file order
  std::map<LogKey, Counters> counters;
  std::vector<Issue> issues;  // listed (list_cap per kind)
  std::array<uint64_t, kKinds> listed{};

  void add(Issue&& i, size_t cap) {
    size_t k = kind_index(i.kind);
    Counters& c = counters[{i.host, i.channel}];
    ++c.kinds[k];
    c.missing += i.missing;
    if (listed[k] < cap) {
      ++listed[k];
      issues.push_back(std::move(i));
    }
  }
};

MetricsObserver::MetricsObserver(MetricsOptions options) : options_(options) {}
MetricsObserver::~MetricsObserver() = default;

std::unique_ptr<pipeline::RecordObserver::Part> MetricsObserver::part() const { return std::make_unique<ChunkPart>(); }

void MetricsObserver::observe(Part& base, const normalize::RecordAccess& rec, uint64_t header_record_id,
                              uint64_t) const {
  ChunkPart& p = static_cast<ChunkPart&>(base);
  normalize::Ticks t = rec.time_created();
  if (options_.filter.keeps_event(t, rec.event_id(), rec.channel())) {
    p.count(rec, t);
    if (auto marked = integrity_event(rec.provider(), rec.event_id())) {
      Issue& i = p.issues.emplace_back();
      i.event = *marked;
      i.event_id = rec.event_id();
      i.host = rec.computer();
      i.channel = rec.channel();
      i.record = rec.event_record_id();
      i.time = t;
      i.details = key_field_text(rec);
    }
  }
  if (header_record_id == 0) return;  // an XML export: its order is the exporter's
  Run& r = p.run_of(rec);
  Point cur{rec.event_record_id(), t};
  if (r.records++ == 0)
    r.first = cur;
  else
    compare(r.last, cur, p.run_key, options_, p.issues);
  r.last = cur;
}

void MetricsObserver::take(uint32_t file, std::unique_ptr<Part> base) {
  ChunkPart& p = static_cast<ChunkPart&>(*base);
  for (auto& [key, c] : p.counts) {
    CountRow& row = counts_[{c.computer, c.channel, c.provider, c.event_id}];
    if (row.count == 0) {
      row.channel = c.channel;
      row.provider = c.provider;
      row.event_id = c.event_id;
      row.first = c.first;
    }
    row.count += c.count;
    if (c.first && (!row.first || c.first < row.first)) row.first = c.first;
    row.last = std::max(row.last, c.last);
  }
  FileState& f = files_[file];
  for (auto& [log, run] : p.runs) f.runs[log].push_back(run);
  for (Issue& i : p.issues) f.add(std::move(i), options_.list_cap);
}

Metrics MetricsObserver::finish(const std::vector<pipeline::FileInfo>& files) {
  Metrics m;
  normalize::HostNames names;
  for (const pipeline::FileInfo& f : files)
    for (const auto& c : f.computers) names.add(c.name);
  names.resolve();

  // Counts by host key: a short name and its FQDN are one host.
  std::map<std::tuple<std::string, std::string, std::string, uint16_t>, CountRow> by_host;
  for (auto& [key, c] : counts_) {
    std::string host = names.key(std::get<0>(key));
    CountRow& row = by_host[{host, c.channel, c.provider, c.event_id}];
    if (row.count == 0) {
      row = c;
      row.host = host;
      row.count = 0;
    }
    row.count += c.count;
    if (c.first && (!row.first || c.first < row.first)) row.first = c.first;
    row.last = std::max(row.last, c.last);
  }
  // A host filter matches any name of the host, as in every command.
  std::map<std::string, std::vector<std::string_view>> names_of;
  for (const pipeline::FileInfo& f : files)
    for (const auto& c : f.computers) names_of[names.key(c.name)].push_back(c.name);
  auto keeps_host = [&](const std::string& key) {
    std::vector<std::string_view> all = names_of[key];
    all.push_back(key);
    return options_.filter.keeps_host(all);
  };
  // A sequence issue is of no one event: the event-id filter is not for it.
  pipeline::EventFilter sequence_filter = options_.filter;
  sequence_filter.event_ids.clear();
  auto keeps_channel = [&](const std::string& channel) {
    const std::vector<std::string>& globs = options_.filter.channels;
    return globs.empty() ||
           std::any_of(globs.begin(), globs.end(), [&](const std::string& g) { return text::glob_match(g, channel); });
  };
  for (auto& [key, row] : by_host) {
    if (!keeps_host(row.host)) continue;
    if (const details::KeyFields* k = details::key_fields(row.provider, row.event_id)) row.name = k->name;
    m.counts.push_back(std::move(row));
  }
  std::stable_sort(m.counts.begin(), m.counts.end(), [](const CountRow& a, const CountRow& b) {
    if (a.host != b.host) return a.host < b.host;
    if (a.channel != b.channel) return a.channel < b.channel;
    return a.count > b.count;
  });

  for (auto& [index, f] : files_) {
    const pipeline::FileInfo& info = files.at(index);
    // A log that wrapped around holds its oldest chunk after its newest: put
    // each log's runs in record-id order, then check where each meets the next.
    for (auto& [log, runs] : f.runs) {
      std::stable_sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) { return a.first.id < b.first.id; });
      std::vector<Issue> joins;
      for (size_t c = 1; c < runs.size(); ++c) compare(runs[c - 1].last, runs[c].first, log, options_, joins);
      for (Issue& i : joins) f.add(std::move(i), options_.list_cap);
    }
    // One sequence row per log of the file (a host's names are one log).
    std::map<LogKey, Sequence> sequences;
    for (const auto& [log, runs] : f.runs) {
      Sequence& s = sequences[{names.key(log.first), log.second}];
      const Counters& c = f.counters[log];
      s.records += std::accumulate(runs.begin(), runs.end(), uint64_t{0},
                                   [](uint64_t n, const Run& r) { return n + r.records; });
      if (!s.first_record || runs.front().first.id < s.first_record) s.first_record = runs.front().first.id;
      s.last_record = std::max(s.last_record, runs.back().last.id);
      s.missing += c.missing;
      s.gaps += c.kinds[kind_index(IssueKind::RecordGap)];
      s.id_order += c.kinds[kind_index(IssueKind::RecordIdOrder)];
      s.time_order += c.kinds[kind_index(IssueKind::TimeOrder)];
      s.time_gaps += c.kinds[kind_index(IssueKind::TimeGap)];
    }
    for (auto& [log, s] : sequences) {
      if (!keeps_host(log.first) || !keeps_channel(log.second)) continue;
      s.file = info.path;
      s.host = log.first;
      s.channel = log.second;
      m.sequences.push_back(std::move(s));
    }
    for (const auto& [log, c] : f.counters) m.unlisted += std::accumulate(c.kinds.begin(), c.kinds.end(), uint64_t{0});
    m.unlisted -= f.issues.size();
    for (Issue& i : f.issues) {
      i.file = info.path;
      i.host = names.key(i.host);
      const pipeline::EventFilter& by = i.kind == IssueKind::Event ? options_.filter : sequence_filter;
      if (!keeps_host(i.host) || !by.keeps_event(i.time, i.event_id, i.channel)) continue;
      if (i.kind != IssueKind::Event) i.details = details_text(i, &info);
      m.issues.push_back(std::move(i));
    }
  }
  std::stable_sort(m.issues.begin(), m.issues.end(), [](const Issue& a, const Issue& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.file != b.file) return a.file < b.file;
    return a.record < b.record;
  });
  return m;
}

}  // namespace metrics
