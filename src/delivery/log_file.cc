#include "delivery/log_file.h"

#include <libdeflate.h>

#include <cstdio>
#include <memory>

#include "common/crypto.h"
#include "common/time.h"

namespace ot::delivery {

std::string LogFileKey(std::string_view prefix, std::string_view account, std::string_view region,
                       int64_t file_time_ms, std::string_view unique, FileKind kind) {
  int64_t secs = file_time_ms / 1000;
  int64_t y;
  unsigned m, d;
  CivilFromDays(secs / 86400, &y, &m, &d);
  int64_t rem = secs % 86400;
  char date_path[32], stamp[32];
  std::snprintf(date_path, sizeof date_path, "%04lld/%02u/%02u/", static_cast<long long>(y), m, d);
  std::snprintf(stamp, sizeof stamp, "%04lld%02u%02uT%02d%02dZ", static_cast<long long>(y), m, d,
                static_cast<int>(rem / 3600), static_cast<int>(rem % 3600 / 60));
  const char* folder = kind == FileKind::kInsight ? "CloudTrail-Insight" : "CloudTrail";
  std::string key;
  if (!prefix.empty()) {
    key.append(prefix);
    key.push_back('/');
  }
  key += "AWSLogs/";
  key.append(account);
  key += "/";
  key += folder;
  key += "/";
  key.append(region);
  key += "/";
  key += date_path;
  key.append(account);
  key += "_";
  key += folder;
  key += "_";
  key.append(region);
  key += "_";
  key += stamp;
  key += "_";
  key.append(unique);
  key += ".json.gz";
  return key;
}

std::string UniqueSuffix(std::string_view seed) {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  auto digest = Sha256(seed);
  std::string out(16, 'A');
  for (size_t i = 0; i < 16; ++i) out[i] = kChars[digest[i] % 62];
  return out;
}

std::string LogFileJson(const std::vector<std::string_view>& records) {
  size_t total = 16;
  for (auto r : records) total += r.size() + 1;
  std::string out;
  out.reserve(total);
  out += "{\"Records\":[";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i) out.push_back(',');
    out.append(records[i]);
  }
  out += "]}";
  return out;
}

Result<std::string> Gzip(std::string_view data, int level) {
  std::unique_ptr<libdeflate_compressor, decltype(&libdeflate_free_compressor)> c(
      libdeflate_alloc_compressor(level), &libdeflate_free_compressor);
  if (!c) return Status::Internal("cannot allocate a gzip compressor");
  std::string out(libdeflate_gzip_compress_bound(c.get(), data.size()), '\0');
  size_t n = libdeflate_gzip_compress(c.get(), data.data(), data.size(), out.data(), out.size());
  if (n == 0) return Status::Internal("gzip compression failed");
  out.resize(n);
  return out;
}

}  // namespace ot::delivery
