// Every operation of every service the server answers has an entry in the one
// classification table (recorder/operation_table). Fails when a served operation is added
// without one.
#include <gtest/gtest.h>

#include "recorder/operation_table.h"
#include "server/app.h"
#include "server/gateway.h"
#include "services/sts/sts_service.h"

namespace ot::server {


TEST(ServedOperationsTest, EveryServedOperationIsClassified) {
  auto all = AllServices(ServiceDeps{});
  ASSERT_FALSE(all.empty());
  for (auto& svc : all) {
    auto ops = svc->Operations();
    EXPECT_FALSE(ops.empty()) << svc->name();
    for (auto& op : ops) {
      EXPECT_TRUE(svc->Serves(op)) << svc->name() << " " << op;
      EXPECT_NE(recorder::FindOperation(svc->name(), op), nullptr)
          << svc->name() << ":" << op << " has no classification entry";
    }
  }
}

TEST(ServedOperationsTest, ScopeServiceIsReadFromHeaderAndPresignedQuery) {
  http::Request r;
  r.headers = {{"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261130/us-east-1/sts/aws4_request, "
                "SignedHeaders=host, Signature=abc"}};
  EXPECT_EQ(ScopeServiceOf(r), "sts");
  http::Request q;
  q.target = "/?Action=X&X-Amz-Credential=AKIA%2F20261130%2Feu-west-1%2Fkms%2Faws4_request&X-Amz-Date=1";
  EXPECT_EQ(ScopeServiceOf(q), "kms");
  http::Request none;
  EXPECT_EQ(ScopeServiceOf(none), "");
  http::Request bad;
  bad.headers = {{"Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/2026"}};
  EXPECT_EQ(ScopeServiceOf(bad), "");
}

}  // namespace ot::server
