#include "replay/scan_findings.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <queue>

#include "replay/finding_codec.h"
#include "store/temp_dir.h"

namespace replay {
namespace {

// Findings are encoded in blocks of about this many bytes: a reader holds one
// block per host it reads (--sort time merges every host's).
constexpr size_t kBlockBytes = 64 << 10;

[[noreturn]] void spill_error(const std::string& what, const std::string& path) {
  throw store::SpillError("findings spill file " + path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

bool before_in_host(const Finding& a, const Finding& b) {
  return a.timestamp != b.timestamp ? a.timestamp < b.timestamp : a.rule_id < b.rule_id;
}

FindingStore::FindingStore(size_t memory_bytes, std::function<std::filesystem::path()> new_file)
    : memory_bytes_(memory_bytes), new_file_(std::move(new_file)) {}

FindingStore::~FindingStore() {
  if (fd_ >= 0) ::close(fd_);
}

uint32_t FindingStore::add(const std::vector<Finding>& findings) {
  Run run;
  run.count = findings.size();
  FindingWriter w;
  uint32_t in_block = 0;
  auto flush = [&] {
    if (w.out.empty()) return;
    Block b;
    b.size = static_cast<uint32_t>(w.out.size());
    b.count = in_block;
    b.bytes = std::move(w.out);
    run.blocks.push_back(std::move(b));
    w.out.clear();
    in_block = 0;
  };
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (f.link_end) run.link_ends.emplace_back(i, f);
    w.finding(f);
    ++in_block;
    if (w.out.size() >= kBlockBytes) flush();
  }
  flush();
  std::lock_guard<std::mutex> lock(mu_);
  for (Block& b : run.blocks) {
    if (!new_file_ || in_memory_ + b.size <= memory_bytes_) {
      in_memory_ += b.size;
      continue;
    }
    if (fd_ < 0) {
      path_ = new_file_().string();
      fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd_ < 0) spill_error("cannot create it", path_);
    }
    b.offset = spilled_;
    for (size_t done = 0; done < b.size;) {
      ssize_t n = ::pwrite(fd_, b.bytes.data() + done, b.size - done, static_cast<off_t>(b.offset + done));
      if (n <= 0) spill_error("cannot write it", path_);
      done += static_cast<size_t>(n);
    }
    spilled_ += b.size;
    std::string().swap(b.bytes);
  }
  runs_.push_back(std::move(run));
  return static_cast<uint32_t>(runs_.size() - 1);
}

size_t FindingStore::size(uint32_t run) const {
  std::lock_guard<std::mutex> lock(mu_);
  return runs_.at(run).count;
}

std::string FindingStore::read_block(const Block& b) const {
  std::string out(b.size, '\0');
  for (size_t done = 0; done < b.size;) {
    ssize_t n = ::pread(fd_, out.data() + done, b.size - done, static_cast<off_t>(b.offset + done));
    if (n <= 0) spill_error("cannot read it back", path_);
    done += static_cast<size_t>(n);
  }
  return out;
}

// One run, decoded a finding at a time.
class FindingStore::Cursor {
 public:
  Cursor(const FindingStore& s, uint32_t run) : s_(s) {
    std::lock_guard<std::mutex> lock(s.mu_);
    run_ = &s.runs_.at(run);
  }
  bool next(Finding& out) {
    while (left_ == 0) {
      if (block_ == run_->blocks.size()) return false;
      const Block& b = run_->blocks[block_++];
      std::string_view bytes = b.bytes;
      if (bytes.size() != b.size) bytes = buffer_ = s_.read_block(b);
      reader_.emplace(bytes, s_.path_ + ": ", 64 * bytes.size() + (1u << 20));
      left_ = b.count;
    }
    --left_;
    out = reader_->finding();
    return true;
  }

 private:
  const FindingStore& s_;
  const Run* run_ = nullptr;
  size_t block_ = 0;
  uint32_t left_ = 0;
  std::string buffer_;
  std::optional<FindingReader> reader_;
};

std::vector<std::pair<size_t, Finding>> FindingStore::take_link_ends(uint32_t run) {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(runs_.at(run).link_ends);
}

// One host's findings in order: its stored run merged with the ones kept in
// memory (the run's first on ties), each linked finding of the run replaced
// by its linked copy.
class ScanFindings::HostCursor {
 public:
  HostCursor(const ScanFindings& s, size_t host) : h_(s.hosts_[host]), linked_(s.linked_[host]) {
    if (h_.run) run_.emplace(*s.store_, *h_.run);
    pull();
  }
  // The next finding, or null at the end; valid until the next call.
  const Finding* next() {
    const Finding* out = nullptr;
    bool from_run = has_run_ && (kept_ == h_.kept.size() || !before_in_host(h_.kept[kept_], from_run_));
    if (from_run) {
      current_ = std::move(from_run_);
      out = &current_;
      if (linked_at_ < linked_.size() && linked_[linked_at_].first == run_index_) out = &linked_[linked_at_++].second;
      ++run_index_;
      pull();
    } else if (kept_ < h_.kept.size()) {
      out = &h_.kept[kept_++];
    }
    return out;
  }

 private:
  void pull() { has_run_ = run_ && run_->next(from_run_); }

  const Host& h_;
  const std::vector<std::pair<size_t, Finding>>& linked_;
  std::optional<FindingStore::Cursor> run_;
  Finding from_run_, current_;
  bool has_run_ = false;
  size_t kept_ = 0, run_index_ = 0, linked_at_ = 0;
};

ScanFindings::ScanFindings(std::shared_ptr<FindingStore> store, std::vector<Host> hosts,
                           const std::function<void(std::vector<Finding>&)>& link)
    : store_(store), hosts_(std::move(hosts)), linked_(hosts_.size()) {
  // The findings with a link end, in output order: (host, in the run?, index).
  struct Ref {
    size_t host;
    bool in_run;
    size_t index;
  };
  std::vector<Ref> refs;
  std::vector<Finding> ends;
  for (size_t h = 0; h < hosts_.size(); ++h) {
    Host& host = hosts_[h];
    count_ += host.kept.size() + (host.run ? store_->size(*host.run) : 0);
    std::vector<std::pair<size_t, Finding>> from_run;
    if (host.run) from_run = store->take_link_ends(*host.run);
    size_t r = 0;
    for (size_t k = 0; k <= host.kept.size(); ++k) {
      // The run's ends that come before kept finding k (all of them after the last).
      while (r < from_run.size() && (k == host.kept.size() || !before_in_host(host.kept[k], from_run[r].second))) {
        refs.push_back({h, true, from_run[r].first});
        ends.push_back(std::move(from_run[r].second));
        ++r;
      }
      if (k < host.kept.size() && host.kept[k].link_end) {
        refs.push_back({h, false, k});
        ends.push_back(std::move(host.kept[k]));
      }
    }
  }
  if (ends.empty()) return;
  link(ends);
  for (size_t i = 0; i < refs.size(); ++i) {
    if (refs[i].in_run)
      linked_[refs[i].host].emplace_back(refs[i].index, std::move(ends[i]));
    else
      hosts_[refs[i].host].kept[refs[i].index] = std::move(ends[i]);
  }
}

void ScanFindings::for_each(const std::function<void(const Finding&)>& fn) const {
  for (size_t h = 0; h < hosts_.size(); ++h) {
    HostCursor c(*this, h);
    while (const Finding* f = c.next()) fn(*f);
  }
}

void ScanFindings::for_each_by_time(const std::function<void(const Finding&)>& fn) const {
  // A host's findings come by time: a merge of the hosts by (time, host) is a
  // stable sort by time of the host-ordered list.
  std::vector<std::unique_ptr<HostCursor>> cursors;
  std::vector<const Finding*> head;
  using Key = std::pair<int64_t, size_t>;
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> heap;
  for (size_t h = 0; h < hosts_.size(); ++h) {
    cursors.push_back(std::make_unique<HostCursor>(*this, h));
    head.push_back(cursors.back()->next());
    if (head.back()) heap.push({head.back()->timestamp, h});
  }
  while (!heap.empty()) {
    size_t h = heap.top().second;
    heap.pop();
    fn(*head[h]);
    head[h] = cursors[h]->next();
    if (head[h]) heap.push({head[h]->timestamp, h});
  }
}

std::vector<Finding> ScanFindings::all() const {
  std::vector<Finding> out;
  out.reserve(count_);
  for_each([&](const Finding& f) { out.push_back(f); });
  return out;
}

}  // namespace replay
