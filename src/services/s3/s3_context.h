// services/s3/s3_context.h — one S3 call as the operation handlers see it (private to s3/).
#pragma once

#include <boost/json.hpp>

#include "objectstore/object_store.h"
#include "services/s3/s3_request.h"
#include "services/s3/s3_service.h"

namespace ot::services {

struct S3Service::Ctx {
  Call& call;
  s3::S3Request req;
  const http::Request& http;
  http::Response& res;
  objectstore::BucketInfo bucket;
  bool bucket_loaded = false;
  boost::json::object params;             // requestParameters
  boost::json::object response_elements;  // responseElements (write calls)
};

}  // namespace ot::services
