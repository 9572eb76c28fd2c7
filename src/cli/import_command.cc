// cli/import_command.cc — `opentrail import PATH...`: sends CloudTrail log files (plain or
// gzip JSON, as AWS delivers them) to a running server, one IngestRecords call per file,
// several files in flight at once, and prints what the server made of them.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cli/api_client.h"
#include "cli/commands.h"
#include "common/header.h"
#include "common/json_writer.h"

namespace ot::cli {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// File discovery

bool IsLogFileName(std::string_view name) {
  auto ends_with = [name](std::string_view suffix) {
    return name.size() > suffix.size() &&
           EqualsIgnoreCase(name.substr(name.size() - suffix.size()), suffix);
  };
  return ends_with(".json") || ends_with(".json.gz");
}

DiscoveredFiles DiscoverFiles(const std::vector<std::string>& paths) {
  DiscoveredFiles out;
  auto display = [](const fs::path& p) {
    std::string s = p.lexically_normal().string();
    return s.empty() ? p.string() : s;
  };
  for (const auto& arg : paths) {
    fs::path root(arg);
    std::error_code ec;
    fs::file_status st = fs::status(root, ec);
    if (ec || !fs::exists(st)) {
      out.errors.emplace_back(arg, ec ? ec.message() : "No such file or directory");
      continue;
    }
    if (fs::is_regular_file(st)) {
      out.files.push_back(display(root));
      continue;
    }
    if (!fs::is_directory(st)) {
      out.errors.emplace_back(arg, "not a regular file or folder");
      continue;
    }
    // Own walk (not recursive_directory_iterator) so that an unreadable folder is reported
    // and the walk goes on. Symbolic links to folders are not followed (no cycles).
    std::vector<fs::path> stack{root};
    while (!stack.empty()) {
      fs::path dir = std::move(stack.back());
      stack.pop_back();
      fs::directory_iterator it(dir, ec), end;
      if (ec) {
        out.errors.emplace_back(display(dir), ec.message());
        continue;
      }
      for (; it != end; it.increment(ec)) {
        const fs::directory_entry& entry = *it;
        std::error_code ec2;
        if (entry.is_symlink(ec2)) {
          if (entry.is_regular_file(ec2) && IsLogFileName(entry.path().filename().string())) {
            out.files.push_back(display(entry.path()));
          }
          continue;
        }
        if (entry.is_directory(ec2)) {
          stack.push_back(entry.path());
        } else if (entry.is_regular_file(ec2)) {
          if (IsLogFileName(entry.path().filename().string())) {
            out.files.push_back(display(entry.path()));
          } else {
            ++out.skipped;
          }
        }
      }
      if (ec) out.errors.emplace_back(display(dir), ec.message());
    }
  }
  std::sort(out.files.begin(), out.files.end());
  out.files.erase(std::unique(out.files.begin(), out.files.end()), out.files.end());
  return out;
}

// ---------------------------------------------------------------------------------------
// Splitting oversized plain-JSON files

namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t SkipWs(std::string_view b, size_t pos) {
  while (pos < b.size() && IsWs(b[pos])) ++pos;
  return pos;
}

// Position just after the string starting at b[pos] == '"', or npos.
size_t SkipString(std::string_view b, size_t pos) {
  for (++pos; pos < b.size(); ++pos) {
    if (b[pos] == '\\') {
      ++pos;
    } else if (b[pos] == '"') {
      return pos + 1;
    }
  }
  return std::string_view::npos;
}

// Position just after the JSON value starting at b[pos], or npos. Only the structure is
// checked (strings, balanced brackets); the server validates the content.
size_t SkipValue(std::string_view b, size_t pos) {
  if (pos >= b.size()) return std::string_view::npos;
  char c = b[pos];
  if (c == '"') return SkipString(b, pos);
  if (c == '{' || c == '[') {
    std::vector<char> open;
    while (pos < b.size()) {
      char x = b[pos];
      if (x == '"') {
        pos = SkipString(b, pos);
        if (pos == std::string_view::npos) return pos;
        continue;
      }
      if (x == '{' || x == '[') {
        open.push_back(x == '{' ? '}' : ']');
      } else if (x == '}' || x == ']') {
        if (open.empty() || open.back() != x) return std::string_view::npos;
        open.pop_back();
        if (open.empty()) return pos + 1;
      }
      ++pos;
    }
    return std::string_view::npos;
  }
  if (c == ',' || c == ':' || c == '}' || c == ']') return std::string_view::npos;
  size_t start = pos;
  while (pos < b.size() && !IsWs(b[pos]) && b[pos] != ',' && b[pos] != ']' && b[pos] != '}') ++pos;
  return pos > start ? pos : std::string_view::npos;
}

// b[pos] == '['; appends its elements and returns the position after ']', or npos.
size_t ReadArray(std::string_view b, size_t pos, std::vector<RecordSpan>* records) {
  pos = SkipWs(b, pos + 1);
  if (pos < b.size() && b[pos] == ']') return pos + 1;
  while (pos < b.size()) {
    size_t end = SkipValue(b, pos);
    if (end == std::string_view::npos) return end;
    records->push_back({pos, end - pos});
    pos = SkipWs(b, end);
    if (pos >= b.size()) return std::string_view::npos;
    if (b[pos] == ']') return pos + 1;
    if (b[pos] != ',') return std::string_view::npos;
    pos = SkipWs(b, pos + 1);
  }
  return std::string_view::npos;
}

// b[pos] == '{'; appends the elements of its "Records" array; npos when it has none.
size_t ReadLogObject(std::string_view b, size_t pos, std::vector<RecordSpan>* records) {
  bool found = false;
  pos = SkipWs(b, pos + 1);
  if (pos < b.size() && b[pos] == '}') return std::string_view::npos;
  while (pos < b.size()) {
    if (b[pos] != '"') return std::string_view::npos;
    size_t key_end = SkipString(b, pos);
    if (key_end == std::string_view::npos) return key_end;
    std::string_view key = b.substr(pos + 1, key_end - pos - 2);
    pos = SkipWs(b, key_end);
    if (pos >= b.size() || b[pos] != ':') return std::string_view::npos;
    pos = SkipWs(b, pos + 1);
    if (pos >= b.size()) return std::string_view::npos;
    size_t end;
    if (key == "Records" && b[pos] == '[' && !found) {
      end = ReadArray(b, pos, records);
      found = true;
    } else {
      end = SkipValue(b, pos);
    }
    if (end == std::string_view::npos) return end;
    pos = SkipWs(b, end);
    if (pos >= b.size()) return std::string_view::npos;
    if (b[pos] == '}') return found ? pos + 1 : std::string_view::npos;
    if (b[pos] != ',') return std::string_view::npos;
    pos = SkipWs(b, pos + 1);
  }
  return std::string_view::npos;
}

}  // namespace

bool SplitRecords(std::string_view bytes, std::vector<RecordSpan>* records) {
  records->clear();
  size_t pos = 0;
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark
  pos = SkipWs(bytes, pos);
  if (pos >= bytes.size()) return false;
  while (pos < bytes.size()) {
    size_t end;
    if (bytes[pos] == '{') {
      end = ReadLogObject(bytes, pos, records);
    } else if (bytes[pos] == '[') {
      end = ReadArray(bytes, pos, records);
    } else {
      return false;
    }
    if (end == std::string_view::npos) return false;
    pos = SkipWs(bytes, end);
  }
  return true;
}

namespace {
constexpr std::string_view kPartPrefix = "{\"Records\":[";
constexpr std::string_view kPartSuffix = "]}";
}  // namespace

bool PlanParts(const std::vector<RecordSpan>& records, size_t max_bytes,
               std::vector<PartRange>* parts) {
  parts->clear();
  const size_t overhead = kPartPrefix.size() + kPartSuffix.size();
  PartRange cur;
  size_t cur_bytes = overhead;
  for (size_t i = 0; i < records.size(); ++i) {
    size_t add = records[i].size + (cur.count > 0 ? 1 : 0);
    if (cur.count > 0 && cur_bytes + add > max_bytes) {
      parts->push_back(cur);
      cur = PartRange{i, 0};
      cur_bytes = overhead;
      add = records[i].size;
    }
    if (cur_bytes + add > max_bytes) return false;  // one record alone is too big
    if (cur.count == 0) cur.first_index = i;
    ++cur.count;
    cur_bytes += add;
  }
  if (cur.count > 0 || parts->empty()) parts->push_back(cur);
  return true;
}

std::string PartBody(std::string_view bytes, const std::vector<RecordSpan>& records,
                     const PartRange& part) {
  size_t size = kPartPrefix.size() + kPartSuffix.size();
  for (size_t i = part.first_index; i < part.first_index + part.count; ++i) {
    size += records[i].size + 1;
  }
  std::string body;
  body.reserve(size);
  body.append(kPartPrefix);
  for (size_t i = part.first_index; i < part.first_index + part.count; ++i) {
    if (i != part.first_index) body.push_back(',');
    body.append(bytes.substr(records[i].offset, records[i].size));
  }
  body.append(kPartSuffix);
  return body;
}

// ---------------------------------------------------------------------------------------
// Responses and the summary

namespace {

std::optional<uint64_t> JsonCount(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_uint64()) return v->get_uint64();
  if (v->is_int64() && v->get_int64() >= 0) return static_cast<uint64_t>(v->get_int64());
  if (v->is_double() && v->get_double() >= 0) return static_cast<uint64_t>(v->get_double());
  return std::nullopt;
}

std::string FormatRate(double records, double seconds) {
  if (seconds <= 0.0005) return "-";
  return fmt::format("{:.0f}", records / seconds);
}

bool RejectionLess(const RecordRejection& a, const RecordRejection& b) {
  if (a.file != b.file) return a.file < b.file;
  return a.index < b.index;
}

}  // namespace

Result<IngestResult> ParseIngestResponse(std::string_view body, const std::string& file,
                                         uint64_t index_base) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return Status::Error(kErrBadResponse, "IngestRecords answered a body that is not JSON");
  }
  const auto& o = v.get_object();
  IngestResult r;
  auto accepted = JsonCount(o, "Accepted");
  if (!accepted) {
    return Status::Error(kErrBadResponse, "IngestRecords answer has no Accepted count");
  }
  r.accepted = *accepted;
  r.duplicates = JsonCount(o, "Duplicates").value_or(0);
  r.rejected = JsonCount(o, "Rejected").value_or(0);
  if (const auto* errors = o.if_contains("Errors"); errors && errors->is_array()) {
    for (const auto& e : errors->get_array()) {
      if (!e.is_object()) continue;
      const auto& eo = e.get_object();
      RecordRejection rej;
      rej.file = file;
      rej.index = JsonCount(eo, "Index").value_or(0) + index_base;
      if (const auto* id = eo.if_contains("EventId"); id && id->is_string()) {
        rej.event_id = std::string(id->get_string());
      }
      if (const auto* m = eo.if_contains("Message"); m && m->is_string()) {
        rej.message = std::string(m->get_string());
      }
      r.errors.push_back(std::move(rej));
    }
  }
  // A server listing more errors than it counted would make "and N more" negative.
  r.rejected = std::max<uint64_t>(r.rejected, r.errors.size());
  return r;
}

void ImportSummary::AddFileResult(const std::string& file, const IngestResult& result) {
  ++files_ok_;
  accepted_ += result.accepted;
  duplicates_ += result.duplicates;
  rejected_ += result.rejected;
  // Keep the first kMaxListedRejections in (file, index) order, whatever order the files
  // finished in, so that the summary is deterministic.
  for (const auto& r : result.errors) {
    if (rejections_.size() >= kMaxListedRejections &&
        !RejectionLess(r, rejections_.back())) {
      continue;
    }
    auto at = std::upper_bound(rejections_.begin(), rejections_.end(), r, RejectionLess);
    rejections_.insert(at, r);
    if (rejections_.size() > kMaxListedRejections) rejections_.pop_back();
  }
  (void)file;
}

void ImportSummary::AddFailedFile(const std::string& file, const std::string& error,
                                  const IngestResult* partial) {
  if (partial != nullptr) {
    AddFileResult(file, *partial);
    --files_ok_;
  }
  auto at = std::upper_bound(failed_.begin(), failed_.end(), std::make_pair(file, error));
  failed_.insert(at, {file, error});
}

int ImportSummary::ExitCode() const {
  if (!failed_.empty() || not_sent_ > 0) return 1;
  if (rejected_ > 0) return 2;
  return 0;
}

std::string ImportSummary::ProgressLine(double elapsed, const IngestResult* in_flight) const {
  uint64_t accepted = accepted_, duplicates = duplicates_, rejected = rejected_;
  if (in_flight != nullptr) {
    accepted += in_flight->accepted;
    duplicates += in_flight->duplicates;
    rejected += in_flight->rejected;
  }
  return fmt::format("files {}/{}  records {}  {} rec/s  duplicates {}  rejected {}{}",
                     files_done(), total_files_, accepted,
                     FormatRate(static_cast<double>(accepted + duplicates + rejected), elapsed),
                     duplicates, rejected,
                     failed_.empty() ? "" : fmt::format("  failed files {}", failed_.size()));
}

std::string ImportSummary::Format(double elapsed) const {
  std::string out;
  std::string files = fmt::format("{} ({} read", total_files_, files_ok_);
  if (!failed_.empty()) files += fmt::format(", {} failed", failed_.size());
  if (not_sent_ > 0) files += fmt::format(", {} not sent", not_sent_);
  files += ")";
  out += fmt::format("files:       {}\n", files);
  out += fmt::format("imported:    {} records\n", accepted_);
  out += fmt::format("duplicates:  {}\n", duplicates_);
  out += fmt::format("rejected:    {}\n", rejected_);
  if (rejected_ > 0) {
    out += "rejected records (file:index: reason):\n";
    for (const auto& r : rejections_) {
      out += fmt::format("  {}:{}: {}", r.file, r.index, r.message);
      if (!r.event_id.empty()) out += fmt::format(" (eventID {})", r.event_id);
      out += "\n";
    }
    if (rejected_ > rejections_.size()) {
      out += fmt::format("  and {} more\n", rejected_ - rejections_.size());
    }
  }
  if (!failed_.empty()) {
    out += "failed files:\n";
    for (const auto& [file, error] : failed_) out += fmt::format("  {}: {}\n", file, error);
  }
  out += fmt::format("elapsed:     {:.2f} s, {} records/s\n", elapsed,
                     FormatRate(static_cast<double>(records_processed()), elapsed));
  return out;
}

std::string ImportSummary::FormatJson(double elapsed) const {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("Files").Int(static_cast<int64_t>(total_files_));
  w.Key("FilesRead").Int(static_cast<int64_t>(files_ok_));
  w.Key("FilesFailed").Int(static_cast<int64_t>(failed_.size()));
  w.Key("FilesNotSent").Int(static_cast<int64_t>(not_sent_));
  w.Key("Accepted").Int(static_cast<int64_t>(accepted_));
  w.Key("Duplicates").Int(static_cast<int64_t>(duplicates_));
  w.Key("Rejected").Int(static_cast<int64_t>(rejected_));
  w.Key("Rejections").BeginArray();
  for (const auto& r : rejections_) {
    w.BeginObject();
    w.Key("File").String(r.file);
    w.Key("Index").Int(static_cast<int64_t>(r.index));
    if (!r.event_id.empty()) w.Key("EventId").String(r.event_id);
    w.Key("Message").String(r.message);
    w.EndObject();
  }
  w.EndArray();
  w.Key("RejectionsNotListed").Int(static_cast<int64_t>(rejected_ - rejections_.size()));
  w.Key("FailedFiles").BeginArray();
  for (const auto& [file, error] : failed_) {
    w.BeginObject();
    w.Key("File").String(file);
    w.Key("Error").String(error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("ElapsedSeconds").Double(elapsed);
  w.Key("RecordsPerSecond")
      .Double(elapsed > 0.0005 ? static_cast<double>(records_processed()) / elapsed : 0.0);
  w.EndObject();
  out += "\n";
  return out;
}

// ---------------------------------------------------------------------------------------
// The command

namespace {

// A read-only view of a whole file (mmap; no copy even for a 256 MiB body).
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  Status Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::Error(kErrFileRead, std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return Status::Error(kErrFileRead, std::strerror(err));
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        size_ = 0;
        return Status::Error(kErrFileRead, std::strerror(err));
      }
      data_ = p;
      madvise(data_, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
    return Status::Ok();
  }
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

struct ImportFlags {
  std::vector<std::string> paths;
  std::string endpoint = std::string(kDefaultEndpoint);
  std::string data_dir = std::string(kDefaultDataDir);
  bool data_dir_explicit = false;
  int concurrency = 4;
  bool json = false;
  bool no_progress = false;
};

// How a failed call affects the rest of the import.
enum class Severity { kFile, kFatal };

struct CallError {
  Status status;
  Severity severity = Severity::kFile;
};

bool IsThrottling(const Status& s) {
  return s.code() == "ThrottlingException" || s.code() == "Throttling" ||
         s.code() == "ServiceUnavailable" || s.code() == "ServiceUnavailableException" ||
         s.code() == "SlowDown" || s.code() == "RequestLimitExceeded" ||
         s.code() == "TooManyRequestsException";
}

class Importer {
 public:
  Importer(const ImportFlags& flags, Endpoint endpoint, Credentials credentials)
      : flags_(flags), endpoint_(std::move(endpoint)), credentials_(std::move(credentials)) {}

  int Run(const DiscoveredFiles& found) {
    files_ = found.files;
    summary_.SetTotalFiles(files_.size() + found.errors.size());
    for (const auto& [path, error] : found.errors) summary_.AddFailedFile(path, error);
    start_ = std::chrono::steady_clock::now();

    const bool progress = !flags_.no_progress && isatty(STDERR_FILENO);
    std::thread progress_thread;
    if (progress) progress_thread = std::thread([this] { ProgressLoop(); });

    size_t n = std::min<size_t>(static_cast<size_t>(flags_.concurrency), files_.size());
    std::vector<std::thread> workers;
    for (size_t i = 0; i < n; ++i) workers.emplace_back([this] { Work(); });
    for (auto& t : workers) t.join();

    {
      std::lock_guard lock(mu_);
      done_ = true;
      size_t claimed = std::min(next_.load(), files_.size());
      summary_.AddNotSent(files_.size() - claimed);
    }
    cv_.notify_all();
    if (progress_thread.joinable()) progress_thread.join();

    double elapsed = Elapsed();
    if (!fatal_.ok()) {
      std::cerr << "opentrail: import stopped: " << DescribeStatus(fatal_) << "\n";
    }
    std::string text = flags_.json ? summary_.FormatJson(elapsed) : summary_.Format(elapsed);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return summary_.ExitCode();
  }

 private:
  double Elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

  void ProgressLoop() {
    std::unique_lock lock(mu_);
    while (!done_) {
      std::string line = "\r\x1b[K" + summary_.ProgressLine(Elapsed(), &in_flight_);
      lock.unlock();
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return done_; });
    }
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
  }

  void Work() {
    ApiClient client(endpoint_, credentials_);
    while (!stop_.load()) {
      size_t i = next_.fetch_add(1);
      if (i >= files_.size()) break;
      ImportFile(client, files_[i]);
    }
  }

  // One IngestRecords call, retried on throttling, 5xx and lost connections.
  Result<IngestResult> Ingest(ApiClient& client, std::string_view body, const std::string& file,
                              uint64_t index_base, CallError* error) {
    constexpr int kAttempts = 4;
    Status last;
    for (int attempt = 0; attempt < kAttempts && !stop_.load(); ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 << attempt));
      auto res = client.Send("IngestRecords", body, kOctetStreamContentType);
      if (!res.ok()) {
        last = res.status();
        // Nobody could connect yet: the server is not there; don't wait for retries.
        if (last.code() == kErrConnectionFailed && !any_answer_.load()) break;
        continue;  // transport: retried, then fatal (the server is unreachable)
      }
      any_answer_.store(true);
      if (res->status >= 200 && res->status < 300) {
        auto parsed = ParseIngestResponse(res->body, file, index_base);
        if (!parsed.ok()) error->status = parsed.status();
        return parsed;
      }
      Status s = ParseErrorBody(res->status, res->body);
      if (res->status >= 500 || res->status == 429 || IsThrottling(s)) {
        last = s;
        continue;
      }
      error->status = s;
      error->severity = (res->status == 401 || res->status == 403 ||
                         s.code() == "UnknownOperationException")
                            ? Severity::kFatal
                            : Severity::kFile;
      return s;
    }
    if (stop_.load() && last.ok()) last = fatal_copy();
    error->status = last;
    const bool transport = last.code() == kErrConnectionFailed || last.code() == kErrTransport ||
                           last.code() == kErrTimeout;
    error->severity = transport && last.code() == kErrConnectionFailed ? Severity::kFatal
                                                                        : Severity::kFile;
    return last;
  }

  Status fatal_copy() {
    std::lock_guard lock(mu_);
    return fatal_;
  }

  void Fatal(const Status& s) {
    std::lock_guard lock(mu_);
    if (fatal_.ok()) fatal_ = s;
    stop_.store(true);
  }

  void ImportFile(ApiClient& client, const std::string& file) {
    MappedFile mapped;
    if (Status s = mapped.Open(file); !s.ok()) return Failed(file, "cannot read: " + s.message());
    std::string_view bytes = mapped.view();

    if (bytes.size() <= kMaxIngestBodyBytes) {
      CallError err;
      auto res = Ingest(client, bytes, file, 0, &err);
      if (!res.ok()) {
        if (err.severity == Severity::kFatal) Fatal(err.status);
        return Failed(file, DescribeStatus(err.status));
      }
      std::lock_guard lock(mu_);
      summary_.AddFileResult(file, *res);
      return;
    }

    // Over the server's body limit: split a plain {"Records":[...]} file into parts.
    const std::string too_large = fmt::format(
        "{}: {} MiB is over the 256 MiB limit of one IngestRecords call", kErrFileTooLarge,
        bytes.size() >> 20);
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
        static_cast<unsigned char>(bytes[1]) == 0x8b) {
      return Failed(file, too_large + " (gzip files are not split; decompress it first)");
    }
    std::vector<RecordSpan> records;
    if (!SplitRecords(bytes, &records)) {
      return Failed(file, too_large + " and it is not a plain {\"Records\":[...]} file that "
                                      "could be split");
    }
    std::vector<PartRange> parts;
    // Parts well under the limit: steadier progress, less memory on both sides.
    constexpr size_t kPartBytes = 64u << 20;
    if (!PlanParts(records, kPartBytes, &parts)) {
      return Failed(file, too_large + " and one of its records alone is over the limit");
    }
    IngestResult total;
    for (size_t p = 0; p < parts.size(); ++p) {
      if (stop_.load()) {
        return Failed(file, fmt::format("import stopped after part {}/{}", p, parts.size()),
                      &total);
      }
      std::string body = PartBody(bytes, records, parts[p]);
      CallError err;
      auto res = Ingest(client, body, file, parts[p].first_index, &err);
      if (!res.ok()) {
        if (err.severity == Severity::kFatal) Fatal(err.status);
        return Failed(file,
                      fmt::format("part {}/{} (records {}..{}): {}", p + 1, parts.size(),
                                  parts[p].first_index,
                                  parts[p].first_index + parts[p].count - 1,
                                  DescribeStatus(err.status)),
                      &total);
      }
      total.accepted += res->accepted;
      total.duplicates += res->duplicates;
      total.rejected += res->rejected;
      for (auto& e : res->errors) total.errors.push_back(std::move(e));
      std::lock_guard lock(mu_);
      in_flight_.accepted += res->accepted;
      in_flight_.duplicates += res->duplicates;
      in_flight_.rejected += res->rejected;
    }
    std::lock_guard lock(mu_);
    in_flight_.accepted -= total.accepted;
    in_flight_.duplicates -= total.duplicates;
    in_flight_.rejected -= total.rejected;
    summary_.AddFileResult(file, total);
  }

  void Failed(const std::string& file, const std::string& error,
              const IngestResult* partial = nullptr) {
    std::lock_guard lock(mu_);
    if (partial != nullptr) {
      in_flight_.accepted -= partial->accepted;
      in_flight_.duplicates -= partial->duplicates;
      in_flight_.rejected -= partial->rejected;
    }
    summary_.AddFailedFile(file, error, partial);
  }

  const ImportFlags& flags_;
  Endpoint endpoint_;
  Credentials credentials_;
  std::vector<std::string> files_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> any_answer_{false};  // the server answered at least once
  std::chrono::steady_clock::time_point start_;

  std::mutex mu_;  // guards summary_, in_flight_, fatal_, done_
  std::condition_variable cv_;
  ImportSummary summary_;
  IngestResult in_flight_;  // answered parts of split files still being sent
  Status fatal_;
  bool done_ = false;
};

int RunImport(const ImportFlags& flags) {
  signal(SIGPIPE, SIG_IGN);
  auto endpoint = ParseEndpoint(flags.endpoint);
  if (!endpoint.ok()) {
    std::cerr << "opentrail: " << endpoint.status().message() << "\n";
    return 1;
  }
  auto credentials = ResolveCredentials(flags.data_dir, flags.data_dir_explicit);
  if (!credentials.ok()) {
    std::cerr << "opentrail: " << DescribeStatus(credentials.status()) << "\n";
    return 1;
  }
  DiscoveredFiles found = DiscoverFiles(flags.paths);
  if (found.files.empty() && found.errors.empty()) {
    std::cerr << "opentrail: no .json or .json.gz files found under the given paths\n";
  }
  Importer importer(flags, std::move(*endpoint), std::move(*credentials));
  return importer.Run(found);
}

}  // namespace

void AddImportCommand(CLI::App& app) {
  auto flags = std::make_shared<ImportFlags>();
  auto* cmd = app.add_subcommand(
      "import",
      "Send CloudTrail log files to a running server (the IngestRecords API)");
  cmd->footer(
      "PATH is a log file or a folder; folders are searched recursively for *.json and\n"
      "*.json.gz files (others, e.g. README.md, are skipped); a file named explicitly is\n"
      "sent whatever its name. Each file is one IngestRecords call of its bytes as they are\n"
      "on disk (plain or gzip JSON, {\"Records\":[...]} as AWS delivers it); a plain JSON file\n"
      "over 256 MiB is sent in parts. Records already stored (same eventID) count as\n"
      "duplicates. Credentials: DATA_DIR/credentials (the management account's root, written\n"
      "by `opentrail serve`), else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when no data dir\n"
      "was given.\n"
      "\n"
      "The summary goes to stdout (--json for a JSON object); a progress line is redrawn on\n"
      "stderr when it is a terminal. records/s counts every record the server read.\n"
      "\n"
      "Exit status:\n"
      "  0  every file was read by the server and every record was imported or a duplicate\n"
      "  2  every file was read, but some records were rejected (listed in the summary)\n"
      "  1  some file or PATH failed entirely (missing, unreadable, not a log file, too large),\n"
      "     or the import stopped or could not start (server unreachable, credentials missing\n"
      "     or refused); files not sent are counted in the summary");
  cmd->add_option("PATH", flags->paths, "Log files or folders of them")->required();
  cmd->add_option("--endpoint", flags->endpoint, "URL of the opentrail server")
      ->envname("OPENTRAIL_ENDPOINT")
      ->capture_default_str();
  auto* data_dir = cmd->add_option("--data-dir", flags->data_dir,
                                   "Data directory of the server (for DIR/credentials)")
                       ->envname("OPENTRAIL_DATA_DIR")
                       ->capture_default_str();
  cmd->add_option("--concurrency", flags->concurrency,
                  "Files in flight at once (one connection each)")
      ->envname("OPENTRAIL_CONCURRENCY")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--json", flags->json, "Print the summary as one JSON object")
      ->envname("OPENTRAIL_JSON");
  cmd->add_flag("--no-progress", flags->no_progress, "No progress line on stderr")
      ->envname("OPENTRAIL_NO_PROGRESS");
  cmd->callback([flags, data_dir] {
    flags->data_dir_explicit = data_dir->count() > 0;
    SetExitCode(RunImport(*flags));
  });
}

}  // namespace ot::cli
