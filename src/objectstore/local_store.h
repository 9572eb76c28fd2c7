// objectstore/local_store.h — (private) test seams of the local backend.
//
// The production entry point is OpenLocalStore (object_store.h). Tests open the same store
// with a fault hook to inject I/O errors and to stop an operation dead at a chosen point,
// as if the process had been killed there (nothing is cleaned up), then reopen it.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "objectstore/object_store.h"

namespace ot::objectstore {

// Return value of a fault hook that simulates a crash at that point.
inline constexpr int kSimulateCrash = -1;

struct LocalStoreHooks {
  // Called at each named point; returns 0 to carry on, an errno value to fail there as the
  // system call would have ("write", "fsync"), or kSimulateCrash to abandon the operation
  // without any cleanup ("before_rename", "before_commit", "after_commit"). The operation
  // then returns Status code "SimulatedCrash". Called concurrently from several threads.
  std::function<int(std::string_view point)> fault;
};

Result<std::unique_ptr<ObjectStore>> OpenLocalStoreWithHooks(storage::KvStore* kv, const LocalStoreOptions& options,
                                                             KeyProvider* sse_s3, KeyProvider* sse_kms,
                                                             LocalStoreHooks hooks);

}  // namespace ot::objectstore
