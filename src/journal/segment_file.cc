#include "journal/segment_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <libdeflate.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ot::journal {

namespace {
void PutU32(std::string* out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 4);
}
void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 8);
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
// CRC-32 (IEEE 802.3, as zlib's crc32) — libdeflate's carry-less-multiply kernel is many
// times faster than zlib's table walk, and computes the same value (files stay compatible).
uint32_t FrameCrc(const char* seq_bytes, std::string_view payload) {
  uint32_t crc = libdeflate_crc32(0, seq_bytes, 8);
  return libdeflate_crc32(crc, payload.data(), payload.size());
}
}  // namespace

void AppendFrame(std::string* out, uint64_t sequence, std::string_view payload) {
  size_t start = out->size();
  PutU32(out, static_cast<uint32_t>(payload.size()));
  PutU32(out, 0);  // checksum, filled below
  PutU64(out, sequence);
  out->append(payload);
  uint32_t crc = FrameCrc(out->data() + start + 8, payload);
  for (int i = 0; i < 4; ++i) (*out)[start + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

bool ParseFrame(std::string_view data, FrameView* out) {
  if (data.size() < kFrameHeaderSize) return false;
  uint32_t len = GetU32(data.data());
  if (len > kMaxRecordSize || data.size() < kFrameHeaderSize + len) return false;
  uint32_t crc = GetU32(data.data() + 4);
  std::string_view payload = data.substr(kFrameHeaderSize, len);
  if (FrameCrc(data.data() + 8, payload) != crc) return false;
  out->sequence = GetU64(data.data() + 8);
  out->payload = payload;
  out->frame_size = kFrameHeaderSize + len;
  return true;
}

std::string SegmentFileName(uint64_t first_sequence) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "seg-%020llu.log", static_cast<unsigned long long>(first_sequence));
  return buf;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* first_sequence) {
  if (name.size() != 28 || !name.starts_with("seg-") || !name.ends_with(".log")) return false;
  uint64_t v = 0;
  for (char c : name.substr(4, 20)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *first_sequence = v;
  return true;
}

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(std::string("journal write failed: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status ReadAt(int fd, uint64_t offset, size_t size, std::string* out) {
  out->resize(size);
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::pread(fd, out->data() + got, size - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(std::string("journal read failed: ") + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out->resize(got);
  return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open directory " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::Internal("cannot fsync directory " + dir);
}

}  // namespace ot::journal
