// common/ids.h — identifiers AWS hands out: UUIDs, request ids, access keys, account ids.
#pragma once

#include <string>

namespace ot {

std::string NewUuid();                       // lowercase RFC 4122 v4
std::string NewS3RequestId();                // 16 uppercase alphanumerics, like S3's
std::string NewAccessKeyId(bool temporary);  // "AKIA…" / "ASIA…", 20 chars
std::string NewSecretAccessKey();            // 40 chars
std::string NewUniqueId(const char* prefix); // "AIDA…"/"AROA…" principal ids, 21 chars
std::string NewAccountId();                  // 12 digits, not starting with 0
std::string NewOpaqueToken(size_t bytes);    // base64 session tokens etc.

}  // namespace ot
