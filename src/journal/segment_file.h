// journal/segment_file.h — one append-only journal segment on disk.
//
// A segment holds consecutive records, each framed as
//   u32 payload_length | u32 crc32(seq ‖ payload) | u64 seq | payload     (little-endian)
// and is named by the sequence of its first record: seg-00000000000000000001.log.
// A torn tail (crash mid-write) is detected by the checksum and cut off at open.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ot::journal {

inline constexpr size_t kFrameHeaderSize = 16;
inline constexpr size_t kMaxRecordSize = 64u << 20;

// Appends one framed record to `out`.
void AppendFrame(std::string* out, uint64_t sequence, std::string_view payload);

struct FrameView {
  uint64_t sequence;
  std::string_view payload;
  size_t frame_size;
};

// Parses the frame at the start of `data`. False when incomplete or corrupt.
bool ParseFrame(std::string_view data, FrameView* out);

// The name of the segment whose first record is `first_sequence`.
std::string SegmentFileName(uint64_t first_sequence);
// Parses a segment file name; false for other files.
bool ParseSegmentFileName(std::string_view name, uint64_t* first_sequence);

// Low-level file helpers (POSIX). Errors are Internal statuses.
Status WriteAll(int fd, std::string_view data);
Status ReadAt(int fd, uint64_t offset, size_t size, std::string* out);
Status SyncDirectory(const std::string& dir);

}  // namespace ot::journal
