// bench/parse_bench.cc — throughput of ingest::ParseLogFile (parse + validate) on real
// CloudTrail records, plain and gzip.
//
//   parse_bench [DIR] [MB] [ROUNDS]
// DIR: a folder of CloudTrail JSON log files (default: the invictus dataset); the records
// are re-packed into {"Records":[...]} files of 1,000 records up to MB megabytes.
#include <libdeflate.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/log_file.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::string dir = argc > 1 && argv[1][0] ? argv[1] : "/work/shared/data/real-cloudtrail/invictus-aws-dataset";
  size_t megabytes = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 64;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  std::vector<std::string> records;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    ot::ingest::ParsedFile f;
    if (!ot::ingest::ParseLogFile(ss.str(), ot::ingest::Limits(), &f).ok()) continue;
    for (auto& r : f.records) records.push_back(std::move(r.json));
  }
  if (records.empty()) {
    std::fprintf(stderr, "no records under %s\n", dir.c_str());
    return 1;
  }
  std::vector<std::string> files;
  size_t bytes = 0, count = 0;
  for (size_t i = 0; bytes < (megabytes << 20); ++i) {
    std::string f = "{\"Records\":[";
    for (size_t k = 0; k < 1000; ++k) {
      if (k) f += ',';
      f += records[(i * 1000 + k) % records.size()];
    }
    f += "]}";
    bytes += f.size();
    count += 1000;
    files.push_back(std::move(f));
  }
  // reuse: one ParsedFile for every file (its record strings are reused); otherwise a fresh
  // one per file, as a caller that moves the records out would see.
  auto run = [&](const std::vector<std::string>& inputs, const char* label, bool reuse) {
    double best = 1e99;
    ot::ingest::ParsedFile f;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      for (const auto& in : inputs) {
        if (!reuse) f = ot::ingest::ParsedFile();
        ot::Status s = ot::ingest::ParseLogFile(in, ot::ingest::Limits(), &f);
        if (!s.ok() || f.records.size() != 1000) {
          std::fprintf(stderr, "parse failed: %s\n", s.ToString().c_str());
          std::exit(1);
        }
      }
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::printf("%-30s %zu records, %.1f MB (avg %.0f B/record): %.3f s, %.0f records/s, %.0f MB/s\n",
                label, count, bytes / 1e6, double(bytes) / count, best, count / best, bytes / 1e6 / best);
  };
  run(files, "parse+validate (reused)", true);
  run(files, "parse+validate (fresh)", false);
  std::vector<std::string> gz;
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  for (const auto& f : files) {
    std::string out(libdeflate_gzip_compress_bound(c, f.size()), '\0');
    out.resize(libdeflate_gzip_compress(c, f.data(), f.size(), out.data(), out.size()));
    gz.push_back(std::move(out));
  }
  libdeflate_free_compressor(c);
  run(gz, "gunzip+parse+validate", true);
  return 0;
}
